"""`parkgov supply idle`: the idle-land status of every supplied parcel as of a date, written to a workbook
(the 闲置土地 sheet and its 说明 sheet, as the web export). Parse, call one service, print."""

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from parkgov.supply.commands import supply_app


def _date(value: Optional[str]) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"日期 {value} 无效，请写成 YYYY-MM-DD（如 2025-12-31）") from None


@supply_app.command("idle")
def idle_command(on: Optional[str] = typer.Option(None, "--on", help="基准日 YYYY-MM-DD（默认今天）", callback=_date),
                 out_path: Path = typer.Option(..., "--out", help="输出的 xlsx 文件，或 .gpkg（GIS 图层）"),
                 zone: Optional[str] = typer.Option(None, "--zone", help="只含此园区（含下级园区）"),
                 status: str = typer.Option("", "--status",
                                            help="只含此状态（normal/started/warning/idle/recover/government/"
                                                 "unknown，attention = 需关注；默认全部已供地块）")):
    """导出已供地块的闲置土地状态（满一年、满两年之日，土地闲置费及计算公式，理由）。"""
    from parkgov.cli import _setup, out

    _setup()
    from django.utils import timezone
    from django.utils.translation import gettext

    from parkgov.supply.idle import operator_listing
    from parkgov.supply.idle_export import write_idle_gpkg, write_idle_workbook
    from parkgov.supply.idle_rules import idle_rules

    day = on or timezone.localdate()
    rows = operator_listing(on=day, zone_code=zone, status=status)
    if out_path.suffix.lower() == ".gpkg":
        write_idle_gpkg(path=out_path, rows=rows)
    else:
        write_idle_workbook(target=str(out_path), rows=rows, on=day, rules=idle_rules())
    out.print(gettext("已导出 %(path)s：基准日 %(on)s，%(count)s 宗已供地块") % {
        "path": out_path, "on": day, "count": len(rows)})
