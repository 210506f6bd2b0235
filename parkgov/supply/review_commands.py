"""`parkgov supply review`: run and store the 达产复核 and idle-land review as of a date, and write its workbook."""

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from parkgov.supply.commands import supply_app


@supply_app.command("review")
def review_command(year: int = typer.Option(..., "--year", help="数据年度（企业年度数据）"),
                   out_path: Path = typer.Option(..., "--out", help="输出的 xlsx 文件"),
                   on: Optional[str] = typer.Option(None, "--on", help="复核基准日 YYYY-MM-DD（默认今天）"),
                   zone: Optional[str] = typer.Option(None, "--zone", help="只复核此园区（含下级园区）")):
    """复核标准地承诺（达产复核）与已供地块的闲置状态，保存复核批次并导出工作簿。"""
    from parkgov.cli import _actor, _setup, console, out

    _setup()
    from parkgov.supply.review_service import review_to_workbook

    out.print(review_to_workbook(year=year, on=_date(on), zone_code=zone, path=out_path, actor=_actor(),
                                 console=console))


def _date(text):
    from parkgov.errors import UsageError

    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise UsageError(f"--on 应为日期 YYYY-MM-DD，收到：{text}") from exc
