"""The demo's green figures and 底线 assessment (issue 16 §2), built after its zone evaluation.

The ledger's 规上 firms give each zone's value added, energy and water for 2023–2025. What they cannot give is
entered through a `园区绿色指标` workbook imported by the real import path: the 2015 baseline (the zone's 规上 value
added, energy and water, from its 2023 figures: value added grown 61 % since 2015 and the intensities fallen by
`REDUCTION`), each year's industrial solid waste (generated in proportion to value added, utilised at `UTILISATION`)
and the zone's ISO 14001 certificate. The figures are chosen so that every outcome of suqian §22 shows:
- 城北化工园区 SZ-KFQ-HG barely lowered its energy and water intensities (2 failed every year: 通报约谈 in 2023,
  问责 in 2024 and 2025);
- 崇仁镇工业集聚点 SZ-JJ-CR utilises too little solid waste from 2024 and loses its certificate in 2025
  (one failed in 2024, two in 2025: 通报约谈);
- 长乐镇工业集聚点 SZ-JJ-CL holds no certificate (one failed every year, no consequence);
- the other zones meet every 底线 of 2023–2024. The 2025 set adds a 0.5 tce/万元 cap, which the chemical park
  fails too (3 failed); small parks with a handful of 规上 firms swing from year to year, so one of them may fail
  one indicator in 2025 (seed 2021 at 1,500 firms: 浦口 SZ-XW-PK's energy −8.3 %, 甘霖 SZ-XW-GL's 0.51 tce/万元).
2023 and 2024 are then confirmed (frozen records; 2025 stays computed from today's data), and 长乐 SZ-JJ-CL states
its 2024 certificate afterwards on the green form: its 2024 page shows the confirmed record (ISO 14001 不达标) and
that today's data would pass it.
"""

import tempfile
from pathlib import Path

import polars as pl
from django.db import transaction

from parkgov.audit.context import acting_as
from parkgov.ingest.export import write_exchange_workbook
from parkgov.ingest.services import import_workbook
from parkgov.ledger.models import Zone
from parkgov.zones.bottom_line import zones_outcomes
from parkgov.zones.bottom_line_record import confirm_year
from parkgov.zones.green_entry import enter_green, stored_values
from parkgov.zones.green import green_frame
from parkgov.zones.green_rules import green_profile

YEARS = (2023, 2024, 2025)
GROWTH_SINCE_BASELINE = 1.61  # value added 2023 ÷ 2015
REDUCTION = {"energy": 0.18, "water": 0.25}  # intensity fall 2015 → 2023 of a zone that meets its targets
WEAK = {"SZ-KFQ-HG": {"energy": 0.02, "water": 0.04}}  # zones that barely lowered theirs
WASTE_PER_VA = 0.0004  # 万吨 of industrial solid waste per 万元 of value added
MIN_WASTE = 0.05  # 万吨, a zone without 规上 value added
UTILISATION = 0.972
LOW_UTILISATION = {("SZ-JJ-CR", 2024): 0.91, ("SZ-JJ-CR", 2025): 0.90}
NOT_CERTIFIED = {("SZ-JJ-CL", y) for y in YEARS} | {("SZ-JJ-CR", 2025)}


def green_rows() -> list[dict]:
    """The 园区绿色指标 rows of every zone: the 2015 baseline (where the zone has 规上 figures) and YEARS."""
    frame = green_frame(years=YEARS).filter(pl.col("year").is_in(YEARS))
    found = {(r["zone_id"], r["year"]): r for r in frame.iter_rows(named=True)}
    rows = []
    for zone_id, code in Zone.objects.order_by("code").values_list("id", "code"):
        for year in YEARS:
            row = found.get((zone_id, year), {})
            va = row.get("va_total") or 0.0
            if year == YEARS[0] and row.get("energy_intensity") and row.get("water_intensity"):
                cut = WEAK.get(code, REDUCTION)
                base_va = round(va / GROWTH_SINCE_BASELINE, 2)
                rows.append({"zone": code, "year": green_profile().baseline_year, "value_added": base_va,
                             "energy_tce": round(base_va * row["energy_intensity"] / (1 - cut["energy"]), 2),
                             "water_10k_t": round(base_va * row["water_intensity"] / (1 - cut["water"]) / 10000, 3)})
            generated = round(va * WASTE_PER_VA, 3) or MIN_WASTE
            rate = LOW_UTILISATION.get((code, year), UTILISATION)
            rows.append({"zone": code, "year": year, "waste_generated": generated,
                         "waste_utilised": round(generated * rate, 3), "waste_stored_utilised": 0.0,
                         "iso14001": "no" if (code, year) in NOT_CERTIFIED else "yes"})
    return rows


def build_zones_green(*, seed: int, actor, say) -> dict:
    """Import the demo's 园区绿色指标 workbook and say each year's 底线 outcome."""
    if not Zone.objects.exists():
        return {}
    with transaction.atomic(), acting_as(actor, reason=f"演示园区 种子{seed}：绿色指标与底线考核"):
        rows = green_rows()
        schema = {"zone": pl.String, "year": pl.Int64, "value_added": pl.Float64, "energy_tce": pl.Float64,
                  "water_10k_t": pl.Float64, "waste_generated": pl.Float64, "waste_utilised": pl.Float64,
                  "waste_stored_utilised": pl.Float64, "iso14001": pl.String}
        with tempfile.TemporaryDirectory(prefix="demo-green-") as folder:
            path = Path(folder) / f"园区绿色指标-演示-种子{seed}.xlsx"
            write_exchange_workbook(path=path, frames={"园区绿色指标": pl.DataFrame(rows, schema=schema)})
            import_workbook(path=path, actor=actor, department="ecology")
        confirmed = _confirm_and_correct(actor=actor)
        parts = []
        for year in YEARS:
            outcomes = zones_outcomes(year=year)
            named = [f"{o['zone'].code} {o['consequence']}" for o in outcomes if o["consequence"]]
            parts.append(f"{year} 年 {sum(1 for o in outcomes if o['failed'])} 个园区有不达标"
                         + (f"（{'、'.join(named)}）" if named else ""))
    say("已生成绿色指标与底线考核：" + "；".join(parts) + f"；已确认 {confirmed}")
    return {"rows": len(rows)}


LATE_CERTIFICATE = ("SZ-JJ-CL", 2024)  # certified after its 2024 assessment was confirmed


def _confirm_and_correct(*, actor) -> str:
    """Confirm every year but the last (the frozen records), then one zone states on the green form a certificate
    of a confirmed year: its page shows where today's data would give another outcome."""
    for year in YEARS[:-1]:
        confirm_year(year=year, actor=actor)
    code, year = LATE_CERTIFICATE
    zone = Zone.objects.filter(code=code).first()
    if zone is not None:
        values = stored_values(zone=zone, year=year)
        enter_green(zone=zone, year=year, values={**values, "iso14001": "yes"}, actor=actor, department="ecology")
    return "、".join(f"{y} 年" for y in YEARS[:-1])
