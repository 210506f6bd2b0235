"""The demo's zone land accounts and TD/T 1029 evaluations (issue 16 §1), built after its supply.

The ledger gives the industrial land of every park (A2, B21, D, E, G, buildings, tax, investment). What a ledger
of industrial parcels cannot know — the development zone's total area, its residential, street, commercial, park
and public land, the supplied land that is not industrial, the buildings on it, its population and its
secondary-plus-tertiary tax, and the fixed-asset stock before the ledger's first year — is entered for the whole
development zone (SZ-KFQ) through a `园区土地` workbook imported by the real import path, for 2023–2025. Then each
year is evaluated under the 2014 industrial profile, and 2025 also under the integrated one.

The entered land is chosen so that the zone sits near the national monitoring figures (governance.md §6: 土地供应率
92.84 %, 土地建成率 92.47 %, 综合容积率 0.98): non-industrial built land of about 42 % of the built land, at plot
ratios of 1.8 (residential), 1.5 (commercial) and 0.8 (public services).
"""

import math
import tempfile
from pathlib import Path

import polars as pl
from django.db import transaction

from parkgov.audit.context import acting_as
from parkgov.ingest.export import write_exchange_workbook
from parkgov.ingest.services import import_workbook
from parkgov.ledger.models import Zone
from parkgov.zones.accounts import derived_values, refresh_accounts
from parkgov.zones.checks import group_sum
from parkgov.zones.services import run_zone_evaluation

YEARS = (2023, 2024, 2025)
ZONE = "SZ-KFQ"
# non-industrial land of the development zone (公顷) with its plot ratio and building coverage
OTHER_LAND = {"a1": (300.0, 1.8, 0.25), "a31": (280.0, 0.0, 0.0), "a32": (65.0, 0.0, 0.0), "a4": (110.0, 1.5, 0.35),
              "a51": (120.0, 0.0, 0.0), "a52": (70.0, 0.8, 0.30)}
ALLOCATED = ("a31", "a32", "a51", "a52")  # 划拨 (D1); residential and commercial land is paid use (D21)
UNBUILDABLE = {"c1": 85.0, "c3": 40.0}
INVESTMENT_BEFORE_LEDGER = 4_600_000.0  # 万元: fixed assets of industrial firms before the ledger's first year
POPULATION = (50_800, 51_900, 53_100)
TERTIARY_TAX = (232_000.0, 246_000.0, 259_000.0)  # 万元, added to the firms' tax for 二三产业税收总额


def entered_rows(derived: dict) -> list[dict]:
    """The 园区土地 rows of SZ-KFQ for YEARS from the ledger's derived values (year → {field: item})."""
    rows, parts = [], []
    for n, year in enumerate(YEARS):
        values = {field: item["value"] for field, item in derived[year].items()}
        row = {"zone": ZONE, "year": year, **{k: area for k, (area, _r, _c) in OTHER_LAND.items()}, **UNBUILDABLE}
        row["d1"] = values.get("d1", 0.0) + sum(OTHER_LAND[k][0] for k in ALLOCATED)
        row["d21"] = values.get("d21", 0.0) + OTHER_LAND["a1"][0] + OTHER_LAND["a4"][0]
        row["floor_area"] = values.get("floor_area", 0.0) + sum(a * r for a, r, _c in OTHER_LAND.values())
        row["footprint_area"] = values.get("footprint_area", 0.0) + sum(a * c for a, _r, c in OTHER_LAND.values())
        row["industrial_investment"] = INVESTMENT_BEFORE_LEDGER + values.get("industrial_investment", 0.0)
        row["total_tax"] = values.get("industrial_tax", 0.0) + TERTIARY_TAX[n]
        row["population"] = float(POPULATION[n])
        merged = {**values, **row}
        parts.append(sum(x for x in (group_sum(merged, g) for g in ("A", "B", "C")) if x is not None))
        rows.append(row)
    total = float(math.ceil(max(parts)))  # the zone's area does not change; the land inside it does
    return [{**row, "total_area": total} for row in rows]


def build_zones(*, data, seed: int, actor, say) -> dict:
    """Accounts of every zone for YEARS (derived), the entered sheet for SZ-KFQ, the evaluations; says the figures."""
    if not Zone.objects.filter(code=ZONE).exists():
        return {}
    with transaction.atomic(), acting_as(actor, reason=f"演示园区 种子{seed}：园区评价"):
        return _build(seed=seed, actor=actor, say=say)


def _build(*, seed, actor, say) -> dict:
    refresh_accounts(years=YEARS)
    rows = entered_rows({year: derived_values(year=year).get(Zone.objects.get(code=ZONE).pk, {}) for year in YEARS})
    with tempfile.TemporaryDirectory(prefix="demo-zones-") as folder:
        path = Path(folder) / f"园区土地-演示-种子{seed}.xlsx"
        write_exchange_workbook(path=path, frames={"园区土地": pl.DataFrame(rows)})
        import_workbook(path=path, actor=actor, department="natural_resources")
    runs = [run_zone_evaluation(year=year, actor=actor) for year in YEARS]
    runs.append(run_zone_evaluation(year=YEARS[-1], profile_id="tdt1029_2014_integrated", actor=actor))
    result = runs[-2].results.get(zone__code=ZONE)
    figures = {i["name"]: i["value"] for i in result.indicators}
    say("已生成园区评价：{}（{} 年 {}：土地供应率 {:.1f}%，土地建成率 {:.1f}%，综合容积率 {:.2f}，集约度分值 {:.1f}）".format(
        "，".join(f"{r.year} 年 {r.profile_id} {r.zones} 个园区" for r in runs), YEARS[-1], ZONE,
        figures["土地供应率"], figures["土地建成率"], figures["综合容积率"], result.total))
    return {"runs": len(runs), "entered": len(rows)}
