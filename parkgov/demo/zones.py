"""The demo's zone land accounts and TD/T 1029 evaluations (issue 16 §1), built after its supply.

The ledger gives the industrial land of every park (A2, B21, D, E, G, buildings, tax, investment). What a ledger
of industrial parcels cannot know — the development zone's total area, its residential, street, commercial, park
and public land, the supplied land that is not industrial, the buildings on it, its population and its
secondary-plus-tertiary tax, and the fixed-asset stock before the ledger's first year — is entered for the whole
development zone (SZ-KFQ) through a `园区土地` workbook imported by the real import path, for 2023–2025. Then each
year is evaluated under the 2014 industrial profile, and 2025 also under the integrated one.

The entered land is chosen so that the zone sits near the national monitoring figures (governance.md §6: 土地供应率
92.84 %, 土地建成率 92.47 %, 综合容积率 0.98): non-industrial built land of about 42 % of the built land, at plot
ratios of 1.8 (residential), 1.5 (commercial) and 0.8 (public services), in proportion to the ledger's industrial
land so that a smaller demo keeps the same shape.
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
# non-industrial land of the development zone as a share of its industrial land A2 (公顷 per 公顷 of A2), with the
# plot ratio and building coverage of its buildings; the demo ledger's zone (about 1,350 公顷 of A2 at 1,500 firms)
# so gets 300 公顷 of residential land, 280 of streets …
OTHER_LAND = {"a1": (0.222, 1.8, 0.25), "a31": (0.2075, 0.0, 0.0), "a32": (0.048, 0.0, 0.0), "a4": (0.0815, 1.5, 0.35),
              "a51": (0.089, 0.0, 0.0), "a52": (0.052, 0.8, 0.30)}
ALLOCATED = ("a31", "a32", "a51", "a52")  # 划拨 (D1); residential and commercial land is paid use (D21)
UNBUILDABLE = {"c1": 0.063, "c3": 0.0296}
INVESTMENT_BEFORE_LEDGER = 3410.0  # 万元 per 公顷 of A2: industrial fixed assets before the ledger's first year
RESIDENTS_PER_HA = (169.0, 173.0, 177.0)  # 常住人口 per 公顷 of residential land A1, by year
TERTIARY_SHARE = 0.37  # tertiary tax as a share of the firms' tax, added for 二三产业税收总额


def entered_rows(derived: dict) -> list[dict]:
    """The 园区土地 rows of SZ-KFQ for YEARS from the ledger's derived values (year → {field: item})."""
    rows, parts = [], []
    base = derived[YEARS[-1]].get("a2", {}).get("value") or 0.0
    land = {k: round(share * base, 2) for k, (share, _r, _c) in OTHER_LAND.items()}
    for n, year in enumerate(YEARS):
        values = {field: item["value"] for field, item in derived[year].items()}
        row = {"zone": ZONE, "year": year, **land, **{k: round(share * base, 2) for k, share in UNBUILDABLE.items()}}
        row["d1"] = values.get("d1", 0.0) + sum(land[k] for k in ALLOCATED)
        row["d21"] = values.get("d21", 0.0) + land["a1"] + land["a4"]
        row["floor_area"] = values.get("floor_area", 0.0) + sum(land[k] * r for k, (_s, r, _c) in OTHER_LAND.items())
        row["footprint_area"] = values.get("footprint_area", 0.0) + sum(
            land[k] * c for k, (_s, _r, c) in OTHER_LAND.items())
        row["industrial_investment"] = INVESTMENT_BEFORE_LEDGER * base + values.get("industrial_investment", 0.0)
        row["total_tax"] = values.get("industrial_tax", 0.0) * (1 + TERTIARY_SHARE)
        row["population"] = float(round(RESIDENTS_PER_HA[n] * land["a1"]))
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
