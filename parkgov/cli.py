"""The `parkgov` command: set-up, exchange workbooks, GIS files, the demo zone. Commands only translate:
parse arguments, call one service, print the result. Errors become a Chinese message and an exit code."""

import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from parkgov.appeals.commands import appeal_app
from parkgov.governance.commands import governance_app
from parkgov.spatial.commands import check_app, qgis_app
from parkgov.reports.commands import report_app
from parkgov.supply.commands import supply_app
from parkgov.zones.commands import zone_app
from parkgov.reports import dispatch_commands  # noqa: F401,E402  (issue 16 §3: parkgov zone dispatch-report)

app = typer.Typer(help="园区管家 parkgov：开发区工业用地治理（一码管地、亩均论英雄）", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
export_app = typer.Typer(help="导出台账或图形", no_args_is_help=True)
app.add_typer(export_app, name="export")
app.add_typer(governance_app, name="governance")
app.add_typer(supply_app, name="supply")
app.add_typer(zone_app, name="zone")
app.add_typer(check_app, name="check")
app.add_typer(qgis_app, name="qgis")
app.add_typer(report_app, name="report")
app.add_typer(appeal_app, name="appeal")
console = Console(stderr=True)
out = Console()
log = logging.getLogger("parkgov")


def _setup(*, migrated=True):
    """Start Django; unless `migrated=False`, refuse to run on a database that `parkgov init` has not prepared."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkgov.settings")
    import django

    django.setup()
    if migrated:
        from parkgov.ledger.services import check_database_ready

        check_database_ready()


def _actor():
    from parkgov.audit.context import system_user

    return system_user()


def main():
    """Entry point: run the app, mapping every error to a message and an exit code, never a traceback."""
    from parkgov.errors import ParkgovError

    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except ParkgovError as exc:
        console.print(f"[red]错误：[/red]{exc}")
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        console.print("已取消")
        sys.exit(130)
    except Exception as exc:  # last resort: no traceback reaches the user, but it is kept
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # typer's usage errors (bad option etc.)
            exc.show()
            sys.exit(exc.exit_code)
        handle, path = tempfile.mkstemp(prefix="parkgov-error-", suffix=".log")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            import traceback

            traceback.print_exc(file=stream)
        console.print(f"[red]内部错误：[/red]{type(exc).__name__}。详细信息已写入 {path}，请联系管理员。")
        sys.exit(3)


@app.command()
def init():
    """创建或升级 PARKGOV_DATABASE_URL 指定的数据库。"""
    _setup(migrated=False)
    from django.core.management import call_command

    from parkgov.ledger.services import database_label

    call_command("migrate", interactive=False, verbosity=0)
    out.print(f"数据库已就绪：{database_label()}")


@app.command()
def template(output: Path = typer.Argument(..., help="输出的 xlsx 文件"),
             sheets: Optional[list[str]] = typer.Option(None, "--sheets", help="只包含这些工作表（可重复）")):
    """生成标准导入模板（含填表说明、下拉选项与示例行）。"""
    _setup(migrated=False)
    from parkgov.ingest.template import write_template

    write_template(path=output, sheet_names=sheets or None)
    out.print(f"模板已生成：{output}")


@app.command("import")
def import_(path: Path = typer.Argument(..., help="xlsx 工作簿，或 gpkg / shp / geojson 图形文件"),
            dry_run: bool = typer.Option(False, "--dry-run", help="只检查，不写入"),
            errors: Optional[Path] = typer.Option(None, "--errors", help="有错误时把标注了错误的工作簿写到这里"),
            department: str = typer.Option("", "--department", help="提交部门（如 税务、经信）"),
            encoding: Optional[str] = typer.Option(None, "--encoding", help="图形文件属性编码，如 GBK"),
            crs: Optional[str] = typer.Option(None, "--crs", help="图形文件坐标系，如 EPSG:4549（文件未声明时必填）")):
    """导入工作簿或图形文件：全部检查通过才写入，否则一行不写。"""
    _setup()
    from parkgov.codes.tables import department_code
    from parkgov.ingest.commands import run_import

    code = run_import(path=path, dry_run=dry_run, errors=errors, department=department_code(department),
                      encoding=encoding,
                      crs=crs, actor=_actor(), out=out, console=console)
    raise typer.Exit(code)


@export_app.command("ledger")
def export_ledger(output: Path = typer.Argument(..., help="输出的 xlsx 文件")):
    """按标准格式导出台账（可修改后原样导入）。"""
    _setup()
    from parkgov.ingest.export import export_ledger as run

    counts = run(path=output)
    out.print(f"已导出 {output}：" + "，".join(f"{k} {v} 行" for k, v in counts.items()))


@export_app.command("geometry")
def export_geometry(output: Path = typer.Argument(..., help="输出的 GeoPackage（.gpkg）、.geojson 或 .shp")):
    """导出地块图形及属性。"""
    _setup()
    from parkgov.ingest.gis import export_geometry as run

    count = run(path=output)
    out.print(f"已导出 {count} 个地块图形到 {output}")


@app.command("targets")
def targets(path: Path = typer.Argument(..., help="含“盘活目标”工作表的 xlsx（园区编码、年度、盘活目标（亩）、来源）")):
    """导入各园区年度盘活目标：全部检查通过才写入。"""
    _setup()
    from django.db import transaction

    from parkgov.audit.context import acting_as
    from parkgov.governance.targets import import_targets

    with transaction.atomic(), acting_as(_actor(), reason=f"导入盘活目标 {path.name}"):
        counts = import_targets(path=path)
    out.print(f"盘活目标：新增 {counts['created']} 条，更新 {counts['updated']} 条")


@app.command()
def demo(enterprises: int = typer.Option(1500, "--enterprises", min=2, max=1_000_000, help="企业数量（2 至 1,000,000）"),
         seed: int = typer.Option(2021, "--seed", help="随机种子（同一种子结果相同）"),
         workbook: Optional[Path] = typer.Option(None, "--workbook", help="同时把数据写成交换工作簿（不写数据库）"),
         no_db: bool = typer.Option(False, "--no-db", help="只生成工作簿，不写数据库"),
         ledger_only: bool = typer.Option(False, "--ledger-only",
                                          help="只写台账，不生成评价、清单与案件等治理演示")):
    """生成演示园区（嵊州式 1+N 结构）并写入数据库，再生成评价、治理清单、四个一批与案件。"""
    _setup()
    from parkgov.demo.services import build_demo

    summary = build_demo(enterprises=enterprises, seed=seed, workbook=workbook, write_db=not no_db,
                         actor=_actor(), console=console, governance=not ledger_only)
    out.print(summary)


@app.command("evaluate")
def evaluate_(year: int = typer.Option(..., "--year", help="评价年度"),
              ruleset: str = typer.Option(..., "--ruleset", help="规则集编号（如 zj-huangyan-2022）或 YAML 文件"),
              zone: Optional[str] = typer.Option(None, "--zone", help="只评价此园区（含下级园区）")):
    """运行亩均效益综合评价并保存结果。"""
    _setup()
    from parkgov.evaluation.commands import run_and_report

    out.print(run_and_report(year=year, ruleset=ruleset, zone=zone, actor=_actor(), console=console))


@export_app.command("evaluation")
def export_evaluation(output: Path = typer.Argument(..., help="输出的 xlsx 文件，或 .gpkg（每个评价人群一个图层）"),
                      year: int = typer.Option(..., "--year", help="评价年度"),
                      ruleset: str = typer.Option(..., "--ruleset", help="规则集编号"),
                      zone: Optional[str] = typer.Option(None, "--zone", help="园区范围")):
    """导出公示名单、评价说明、电价加价清单和园区汇总。"""
    _setup()
    from parkgov.evaluation.export import export_evaluation as run

    counts = run(path=output, year=year, ruleset_id=ruleset, zone_code=zone)
    out.print(f"已导出 {output}：" + "，".join(f"{k} {v} 行" for k, v in counts.items()))


@app.command()
def rulesets(check: Optional[Path] = typer.Option(None, "--check", help="检查一个 YAML 规则集文件")):
    """列出内置规则集，或检查自编的规则集文件。"""
    _setup(migrated=False)
    from parkgov.evaluation.commands import describe_rulesets

    out.print(describe_rulesets(check))


@app.command()
def adjust(year: int = typer.Option(..., "--year"), ruleset: str = typer.Option(..., "--ruleset"),
           enterprise: str = typer.Option(..., "--enterprise", help="统一社会信用代码"),
           klass: str = typer.Option(..., "--class", help="调整后的类别 A/B/C/D/T"),
           reason: str = typer.Option(..., "--reason", help="调档理由（必填）"),
           zone: Optional[str] = typer.Option(None, "--zone")):
    """定档调档：调整一家企业的评价类别（保留原评定类别，记入审计）。"""
    _setup()
    from parkgov.evaluation.commands import adjust_and_report

    out.print(adjust_and_report(year=year, ruleset=ruleset, credit_code=enterprise, new_class=klass.upper(),
                                reason=reason, zone=zone, actor=_actor()))


@app.command()
def history(enterprise: str = typer.Argument(..., help="统一社会信用代码"),
            ruleset: Optional[str] = typer.Option(None, "--ruleset", help="只看此规则集")):
    """企业历年评价类别（含连续D类年数）。"""
    _setup()
    from parkgov.evaluation.commands import history_text

    out.print(history_text(credit_code=enterprise, ruleset_id=ruleset))


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port"),
          workers: int = typer.Option(0, "--workers", help="gunicorn 进程数（默认：SQLite 为 CPU 核数，PostgreSQL 为核数×2）"),
          threads: int = typer.Option(1, "--threads", help="每个进程的线程数（默认 1：同步进程，由代理缓冲慢速连接）"),
          demo_accounts: bool = typer.Option(False, "--demo-accounts", help="创建并显示各角色演示账号")):
    """启动网页服务（gunicorn）和后台任务进程（导入、评价等长任务）。"""
    _setup()
    from parkgov.web.serve import default_workers, run_server

    run_server(host=host, port=port, workers=workers or default_workers(), threads=max(threads, 1),
               demo_accounts=demo_accounts, console=out)


@app.command()
def token(username: str = typer.Argument(..., help="用户名")):
    """为用户生成新的接口令牌（只显示一次）。"""
    _setup()
    from django.contrib.auth import get_user_model

    from parkgov.accounts.services import issue_api_token
    from parkgov.errors import NotFound

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"用户 {username} 不存在")
    out.print(issue_api_token(user=user))


@app.command()
def warm():
    """预先计算园区大脑并切好一张图的低层级瓦片（用命令行导入或评价之后运行；网页任务完成后会自动进行）。"""
    _setup()
    from parkgov.jobs.tasks import warm_everyone

    counts = warm_everyone(progress=lambda done, total: console.print(f"已完成 {done}/{total} 种数据范围"))
    out.print(f"已为 {counts['scopes']} 种数据范围计算园区大脑，切好 {counts['tiles']} 个瓦片")


@app.command()
def backup(output: Path = typer.Argument(..., help="备份文件（如 parkgov-2026-12-06.tar.gz；不覆盖已有文件）")):
    """备份数据库、附件与任务输出文件到一个文件（服务运行时也可进行），含清单与校验和。"""
    _setup()
    from parkgov.operations.services import create_backup

    out.print(create_backup(path=output).text())


@app.command()
def restore(source: Path = typer.Argument(..., help="parkgov backup 写出的备份文件")):
    """把备份恢复到 PARKGOV_DATABASE_URL 指定的空数据库（先校验整个文件，不符则一行不写）。"""
    _setup(migrated=False)
    from parkgov.operations.services import restore_backup

    out.print(restore_backup(path=source).text())


@app.command()
def upgrade(backup_dir: Optional[Path] = typer.Option(
                None, "--backup-dir", help="升级前备份写到此文件夹（默认：附件文件夹旁的 backups，如 /var/lib/parkgov/backups；"
                                           "文件名含时间，不覆盖已有文件）"),
            yes: bool = typer.Option(False, "--yes", "-y", help="不询问，直接进行（脚本与非交互运行时必须）")):
    """安装新版本后升级：先备份（失败则不做任何改动），再迁移数据库、重建缓存，并记入 parkgov status。"""
    _setup(migrated=False)
    from parkgov.errors import UsageError
    from parkgov.operations.upgrade import run_upgrade

    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("非交互运行时请加 --yes（升级会先备份，再迁移数据库、重建缓存）")
        typer.confirm("将依次备份、迁移数据库、重建缓存（请先停止服务：systemctl stop parkgov）。继续吗？", abort=True)
    report = run_upgrade(backup_folder=backup_dir, say=lambda line: out.print(line, markup=False, highlight=False))
    out.print(report.text(), markup=False, highlight=False)


@app.command("partition-yearly")
def partition_yearly(first: int = typer.Option(..., "--from", help="第一个分区的年度"),
                     last: int = typer.Option(..., "--to", help="最后一个分区的年度")):
    """PostgreSQL：把年度数据表按年度分区（每年一个分区，另有默认分区；在一个事务中完成，已分区则补齐缺少的年度）。"""
    _setup()
    from parkgov.operations.partitions import partition_yearly_figures

    report = partition_yearly_figures(first_year=first, last_year=last)
    verb = "已补齐分区" if report.already else "已按年度分区"
    out.print(f"{verb}：{report.rows:,} 行年度数据，{len(report.partitions)} 个分区（{report.partitions[0]} … "
              f"{report.partitions[-1]}）")


@app.command()
def status():
    """检查服务状态：数据库、迁移、任务进程心跳、磁盘空间，以及版本、数据库大小、任务队列、最近备份与升级（有异常时退出码 1）。"""
    _setup(migrated=False)
    from parkgov.operations.health import run_checks, status_lines

    for line in status_lines():
        out.print(line)
    if not all(check.ok for check in run_checks()):
        raise typer.Exit(1)


@app.command()
def summary():
    """显示数据库中台账的概况。"""
    _setup()
    from parkgov.ledger.services import ledger_summary_text

    out.print(ledger_summary_text())


if __name__ == "__main__":
    main()
