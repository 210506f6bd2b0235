"""`parkgov zone dispatch-report`: the monthly dispatch report PDF of a zone, added to the `zone` group from here
(zones may not import reports); parkgov/cli.py imports this module."""

from pathlib import Path

import typer

from parkgov.zones.commands import zone_app


@zone_app.command("dispatch-report")
def dispatch_report_command(zone: str = typer.Option(..., "--zone", help="园区编码"),
                            year: int = typer.Option(..., "--year", help="年度"),
                            month: int = typer.Option(..., "--month", help="月份 1–12"),
                            out_path: Path = typer.Option(..., "--out", help="输出的 PDF 文件")):
    """写出园区该月的重点项目调度报告（PDF）：本月与累计完成投资、各项目调度、逾期与未报送、需协调事项、园区目标与趋势图。"""
    from parkgov.cli import _setup, out

    _setup()
    from django.utils import translation

    from parkgov.reports.dispatch import dispatch_pdf

    with translation.override("zh-hans"):
        body = dispatch_pdf(code=zone, year=year, month=month, zone_ids=None)
    out_path.write_bytes(body)
    out.print(f"已写出 {out_path}（{len(body) / 1024:,.0f} KB）")
