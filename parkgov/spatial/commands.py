"""`parkgov check …`: checks of the ledger's geometry. Commands only translate: parse, call one service, print.
Django code is imported inside the command functions (the group is built before Django is set up)."""

from pathlib import Path
from typing import Optional

import typer

check_app = typer.Typer(help="检查台账图形：拓扑与面积", no_args_is_help=True)


@check_app.command("topology")
def topology_command(zone: Optional[str] = typer.Option(None, "--zone", help="只检查该园区（园区编码）"),
                     out_path: Optional[Path] = typer.Option(None, "--out", help="输出 .xlsx 或 .gpkg（每类问题一个图层）")):
    """检查地块图形：无效图形、地块重叠、超出园区范围、缝隙、狭长碎片、图形面积与登记面积不符（容差见
    parkgov/spatial/data/topology.yaml）；结果存为一次拓扑检查，可在“一张图 › 拓扑检查”页面查看。"""
    from parkgov.cli import _actor, _setup, out

    _setup()
    from django.db import transaction

    from parkgov.audit.context import acting_as
    from parkgov.spatial.topology_checks import check_topology, kind_names, run_problems, write_problems

    if out_path is not None and out_path.suffix.lower() not in (".xlsx", ".gpkg"):
        from parkgov.errors import UsageError

        raise UsageError(f"--out {out_path.name}：应为 .xlsx 或 .gpkg 文件")
    actor = _actor()
    with acting_as(actor, reason="命令行拓扑检查"), transaction.atomic():
        run = check_topology(zone_code=zone, actor=actor)
    names = kind_names()
    found = "，".join(f"{names[kind]} {count}" for kind, count in run.counts.items())
    out.print(f"已检查 {run.parcels} 宗地块（{run.seconds:.1f} 秒，检查 {run.pk}）：{found}")
    if out_path is not None:
        written = write_problems(path=out_path, problems=run_problems(run=run), run=run)
        out.print(f"已导出 {out_path}：{written} 个问题")


qgis_app = typer.Typer(help="QGIS 连接 PostgreSQL：只读视图与只读数据库角色", no_args_is_help=True)


@qgis_app.command("role")
def qgis_role_command(name: str = typer.Option("parkgov_qgis", "--name", help="角色名"),
                      password: Optional[str] = typer.Option(None, "--password", envvar="PARKGOV_QGIS_PASSWORD",
                                                             help="登录密码（也可用环境变量 PARKGOV_QGIS_PASSWORD）；"
                                                                  "不给则为 NOLOGIN 角色")):
    """创建或更新只读角色：只能读 qgis 模式下的视图（地块、企业地块），不能读其他表，不能写（仅 PostgreSQL）。"""
    from parkgov.cli import _setup, out

    _setup()
    from django.db import connection, transaction

    from parkgov.errors import UsageError
    from parkgov.spatial.qgis import SCHEMA, VIEWS, ensure_role

    if connection.vendor != "postgresql":
        raise UsageError("QGIS 只读角色只用于 PostgreSQL；SQLite 上请用各页面的“导出 GIS（GPKG）”")
    with transaction.atomic():
        ensure_role(role=name, password=password)
    views = "、".join(f"{SCHEMA}.{view}" for view in VIEWS)
    out.print(f"已设置只读角色 {name}（{'可登录' if password else 'NOLOGIN'}）：可读 {views}")


@qgis_app.command("views")
def qgis_views_command():
    """重建 qgis 模式下的只读视图（migrate 之后会自动重建；改了标签等之后可手动运行）。"""
    from parkgov.cli import _setup, out

    _setup()
    from django.db import connection, transaction

    from parkgov.errors import UsageError
    from parkgov.spatial.qgis import SCHEMA, VIEWS, create_views

    if connection.vendor != "postgresql":
        raise UsageError("QGIS 视图只用于 PostgreSQL；SQLite 上请用各页面的“导出 GIS（GPKG）”")
    with transaction.atomic(), connection.cursor() as cursor:
        create_views(cursor)
    out.print("已重建视图：" + "、".join(f"{SCHEMA}.{view}" for view in VIEWS))
