"""`parkgov governance layer …` (import and list reference layers) and `parkgov governance dispositions` (四个一批
suggestions for a year's listed parcels). Commands only translate: parse, call the
service in `parkgov.governance.layers`, print. Errors raise and become a Chinese message and an exit code
in `parkgov.cli.main`. The group `parkgov governance` (governance/commands.py) imports this module, which adds
`layer_app` to it as `layer` (at the end, once `layer_app` exists)."""

from pathlib import Path
from typing import Optional

import typer

layer_app = typer.Typer(help="参考图层（河流水系、国土空间规划用地、保护区等）", no_args_is_help=True)


def _cli():
    from parkgov import cli  # imported when a command runs: parkgov.cli imports this module's group

    cli._setup()
    return cli


@layer_app.command("import")
def import_layer(path: Path = typer.Argument(..., help="gpkg / shp / geojson / fgb 文件，或含 shp 的 zip"),
                 code: str = typer.Option(..., "--code", help="图层编码（小写字母、数字、-、_），同编码则整体替换"),
                 name: str = typer.Option(..., "--name", help="图层名称"),
                 kind: str = typer.Option(..., "--kind", help="类型：river、planned_land_use、protected_area、"
                                                             "zone_boundary、road、other"),
                 source: str = typer.Option(..., "--source", help="来源（批准文件、数据提供单位、年份）"),
                 verified: bool = typer.Option(False, "--verified", help="来源已核实"),
                 layer: Optional[str] = typer.Option(None, "--layer", help="文件中的图层名（默认第一个）"),
                 encoding: Optional[str] = typer.Option(None, "--encoding", help="属性编码，如 GBK"),
                 crs: Optional[str] = typer.Option(None, "--crs", help="坐标系，如 EPSG:4549（文件未声明时必填）")):
    """导入或整体替换一个参考图层：全部要素检查通过才写入。"""
    cli = _cli()
    from django.db import transaction

    from parkgov.audit.context import acting_as
    from parkgov.governance.layers import import_layer as run

    actor = cli._actor()
    with acting_as(actor, reason=f"导入参考图层 {path.name}"), transaction.atomic():
        report = run(path=path, code=code, name=name, kind=kind, source=source, verified=verified, actor=actor,
                     layer=layer, encoding=encoding, crs=crs)
    cli.out.print(f"已导入参考图层「{report.layer.name}」（{code}）：{report.features} 个要素，"
                  f"来自 {report.file_name} 的图层「{report.layer_name}」")


@layer_app.command("list")
def list_layers():
    """列出参考图层：名称、类型、来源、是否核实、要素数、导入时间。"""
    cli = _cli()
    from rich.table import Table

    from parkgov.governance.layers import layer_rows

    table = Table("编码", "名称", "类型", "来源", "已核实", "要素数", "文件", "导入时间")
    for row in layer_rows():
        table.add_row(row.code, row.name, str(row.get_kind_display()), row.source, "是" if row.verified else "否",
                      str(row.features), row.file_name, f"{row.imported_at:%Y-%m-%d %H:%M}")
    cli.out.print(table)


def dispositions(year: int = typer.Option(..., "--year", help="清单年度"),
                 criteria: str = typer.Option("shengzhou-2021", "--criteria",
                                              help="判定标准编号或 YAML 文件（默认 shengzhou-2021）")):
    """按该年度清单为地块给出四个一批建议（已作出的决定保持不变）。"""
    cli = _cli()
    from django.db import transaction
    from django.db.models import Count

    from parkgov.audit.context import acting_as
    from parkgov.governance.choices import Disposition
    from parkgov.governance.disposition_criteria import get_criteria
    from parkgov.governance.dispositions import suggest_dispositions
    from parkgov.governance.models import DispositionDecision

    actor = cli._actor()
    chosen = get_criteria(criteria)
    with acting_as(actor, reason=f"四个一批建议 {year}"), transaction.atomic():
        count = suggest_dispositions(year=year, actor=actor, criteria=chosen)
    if not count:
        cli.out.print(f"{year} 年还没有清单，未给出建议：请先运行 parkgov governance lists --year {year} --generate")
        return
    totals = dict(DispositionDecision.objects.filter(year=year).values_list("suggested").annotate(n=Count("id")))
    parts = "，".join(f"{label} {totals.get(value, 0)}" for value, label in Disposition.choices)
    cli.out.print(f"已按 {year} 年清单为 {count} 宗地块给出四个一批建议（{chosen.name} 第 {chosen.version} 版）：{parts}")


from parkgov.governance.commands import governance_app  # noqa: E402  (imports this module at its own end)

governance_app.add_typer(layer_app, name="layer")
governance_app.command("dispositions")(dispositions)
