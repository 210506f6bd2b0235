"""`parkgov supply control`: the land control-indicator check, printed per indicator and optionally written to a
workbook. Runs with the operator's scope (every park), or with `--user` that user's scope."""

from pathlib import Path
from typing import Optional

import typer

from parkgov.supply.commands import supply_app


@supply_app.command("control")
def control_command(zone: str = typer.Option("", "--zone", help="只核查此园区的地块（园区编码，不含下级园区）"),
                    indicator: str = typer.Option("", "--indicator", help="只列此指标：plot_ratio、building_coefficient、"
                                                                          "admin_share、green_ratio"),
                    out_path: Optional[Path] = typer.Option(None, "--out", help="写出不符合项的 xlsx 文件"),
                    username: Optional[str] = typer.Option(None, "--user", help="按此用户的数据范围（默认全部园区）")):
    """核查有建筑的工业用地的控制指标（容积率、建筑系数、行政办公比重、绿地率），按供地时适用的版本。"""
    from parkgov.cli import _setup, out

    _setup()
    from parkgov.errors import UsageError
    from parkgov.governance.case_commands import _scope
    from parkgov.supply import control, quota
    from parkgov.supply.landuse_rules import INDICATORS

    if indicator and indicator not in INDICATORS:
        raise UsageError(f"--indicator “{indicator}”无效；允许：{'、'.join(INDICATORS)}")
    scope = _scope(username)
    zone_id = quota.zone_in_scope(scope=scope, code=zone).pk if zone else None
    rows = control.control_rows(scope=scope, filters=control.ControlFilters(zone_id=zone_id, indicator=indicator))
    counts = {i: 0 for i in INDICATORS}
    for row in rows:
        counts[row["indicator"]] += 1
    for code, count in counts.items():
        if not indicator or code == indicator:
            out.print(f"{control.INDICATOR_LABELS[code]}：不符合 {count} 宗")
    if out_path:
        control.export_rows(rows=rows, path=out_path)
        out.print(f"已写出 {out_path}：{len(rows)} 项")
