"""`parkgov zone …`: the zone evaluation command group. Commands only translate: parse, call one service, print.
Django code is imported inside the command functions (the group is built before Django is set up)."""

from pathlib import Path

import typer

zone_app = typer.Typer(help="园区评价：园区土地账与开发区土地集约利用评价（TD/T 1029）", no_args_is_help=True)


@zone_app.command("evaluate")
def evaluate_command(zone: str = typer.Option(..., "--zone", help="园区编码"),
                     year: int = typer.Option(..., "--year", help="评价年度"),
                     out_path: Path = typer.Option(..., "--out", help="输出的 xlsx 文件"),
                     profile: str = typer.Option("tdt1029_2014_industrial", "--profile",
                                                 help="指标体系（内置编号或 YAML 文件路径）")):
    """评价该年度全部有土地账的园区（存为评价批次），并把所选园区的结果写成工作簿：每个指标一行（名称、数值、单位、
    理想值、实现度分值、公式），另有潜力、土地账与说明页。"""
    from parkgov.cli import _actor, _setup, out

    _setup()
    from django.db import transaction

    from parkgov.audit.context import acting_as
    from parkgov.zones.services import write_zone_evaluation

    actor = _actor()
    with acting_as(actor, reason="命令行园区评价"), transaction.atomic():
        run, result, rows = write_zone_evaluation(path=out_path, zone_code=zone, year=year, profile_id=profile,
                                                  run_first=True, actor=actor)
    total = "—" if result.total is None else f"{result.total:.2f}"
    out.print(f"已评价 {year} 年 {run.zones} 个园区（批次 {run.pk}，{run.profile_name}）；{zone} 集约度分值 {total}，"
              f"排名 {result.rank or '—'}/{result.rank_of or '—'}，{result.stars or '—'} 星")
    out.print(f"已导出 {out_path}：{rows} 个指标")


@zone_app.command("bottom-line")
def bottom_line_command(year: int = typer.Option(..., "--year", help="考核年度（须已公布底线指标）"),
                        out_path: Path = typer.Option(..., "--out", help="输出的 xlsx 文件")):
    """底线考核（issue 16 §2）：按该年度公布的底线指标考核全部园区，写出工作簿：底线考核（不达标项数、后果、原因、
    历年）、底线指标、绿色指标（较基准年）、主导产业与说明页；并列出被通报约谈、问责的园区。"""
    from parkgov.cli import _setup, out

    _setup()
    from parkgov.zones.bottom_line import zones_outcomes
    from parkgov.zones.green_export import write_bottom_line

    zones = write_bottom_line(path=out_path, year=year)
    for outcome in zones_outcomes(year=year):
        if outcome["consequence"]:
            out.print(f"{outcome['zone'].code} {outcome['zone'].name}：{outcome['failed']} 项不达标，"
                      f"{outcome['consequence']}")
    out.print(f"已导出 {out_path}：{year} 年 {zones} 个园区的底线考核")
