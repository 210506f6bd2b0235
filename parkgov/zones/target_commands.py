"""`parkgov zone targets|projects|dispatch-template|dispatch-import` (issue 16 §3), added to the `zone` group.
Commands only translate: parse, call one service, print. The CLI acts as the system user (every zone)."""

from pathlib import Path

import typer

from parkgov.zones.commands import zone_app


@zone_app.command("targets")
def targets_command(zone: str = typer.Option(..., "--zone", help="园区编码"),
                    year: int = typer.Option(..., "--year", help="年度")):
    """园区该年度各项目标、累计完成与完成率，及重点项目完成投资。"""
    from parkgov.cli import _setup, out

    _setup()
    from parkgov.zones.targets import scoped_zone, zone_progress

    progress = zone_progress(zone=scoped_zone(code=zone, zone_ids=None), year=year)
    out.print(f"{progress['zone_name']}（{zone}）{year} 年目标，数据截至 {progress['as_of_month'] or '—'} 月")
    for k in progress["kinds"]:
        pct = "—" if k["completion_pct"] is None else f"{k['completion_pct']:.1f}%"
        out.print(f"  {k['name']}：{_num(k['actual'])} / {_num(k['target'])} {k['unit']}，完成 {pct}")
    p = progress["projects"]
    pct = "—" if p["completion_pct"] is None else f"{p['completion_pct']:.1f}%"
    out.print(f"  重点项目 {p['count']} 个：完成投资 {p['invested']:,.2f} / {p['annual_target']:,.2f} 万元，完成 {pct}；"
              f"逾期报送 {p['late']} 次，未报送 {p['missing']} 次")


def _num(x) -> str:
    return "—" if x is None else f"{x:,.2f}"


@zone_app.command("projects")
def projects_command(zone: str = typer.Option(..., "--zone", help="园区编码"),
                     year: int = typer.Option(..., "--year", help="年度")):
    """园区该年度的重点项目：类别、年度计划投资、累计完成、逾期与未报送、年度考评得分。"""
    from parkgov.cli import _setup, out

    _setup()
    from parkgov.zones.projects import project_rows, scoped_projects
    from parkgov.zones.targets import scoped_zone

    scoped_zone(code=zone, zone_ids=None)
    rows = project_rows(projects=scoped_projects(zone_ids=None, year=year, zone_code=zone))
    for r in rows:
        p = r["project"]
        out.print(f"{p.code} {p.name}［{r['category_name']}］ {r['invested']:,.2f}/{p.annual_target:,.2f} 万元 "
                  f"逾期 {r['late']} 未报 {r['missing']} 得分 {r['score']['score']:.1f}（{r['score']['grade']}）")
    out.print(f"共 {len(rows)} 个重点项目")


@zone_app.command("dispatch-template")
def dispatch_template_command(zone: str = typer.Option(..., "--zone", help="园区编码"),
                              year: int = typer.Option(..., "--year", help="年度"),
                              month: int = typer.Option(..., "--month", help="月份 1–12"),
                              out_path: Path = typer.Option(..., "--out", help="输出的 xlsx 文件")):
    """写出该月的「项目调度」模板，已列出园区该年度的重点项目（及已报送的本月数据）。"""
    from parkgov.cli import _setup, out

    _setup()
    from parkgov.zones.dispatch_sheet import write_dispatch_template
    from parkgov.zones.targets import scoped_zone

    rows = write_dispatch_template(path=out_path, zone=scoped_zone(code=zone, zone_ids=None), year=year, month=month,
                                   zone_ids=None)
    out.print(f"已写出 {out_path}：{rows} 个重点项目")


@zone_app.command("dispatch-import")
def dispatch_import_command(path: Path = typer.Argument(..., help="填好的调度工作簿（xlsx）")):
    """导入月度调度工作簿（只含「项目调度」工作表）：全部无误才写入，报送日期为今天。"""
    from parkgov.cli import _actor, _setup, console, out

    _setup()
    from parkgov.audit.context import acting_as
    from parkgov.errors import ImportRejected
    from parkgov.zones.dispatch_sheet import import_dispatch

    actor = _actor()
    try:
        with acting_as(actor, reason=f"导入月度调度 {path.name}"):
            report = import_dispatch(path=path, actor=actor, zone_ids=None)
    except ImportRejected as exc:
        for issue in (exc.report.issues.errors if exc.report else [])[:50]:
            console.print(issue.describe(path.name))
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1)
    out.print(f"已导入 {path.name}：{report.rows.get('项目调度', 0)} 条月度调度")
