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
