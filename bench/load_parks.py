"""More parks for the web load benchmark (issue 17 §5: a 10-zone, 1,000,000-firm load test), for the benchmark only.

The demo ledger has 9 zones (嵊州经济开发区 and its 8 parks) and stays exactly as `build_demo` writes it: tests and
acceptance scripts check its figures. `build_parks(zones=10, firms=N)` builds the demo with 9/10 of the firms and
adds one park per missing zone, each holding 1/10: the demo's generator run for that share with its own seed, then
moved to another county of `admin_divisions.csv` (GB/T 2260) — park code, 地块编码, 宗地代码, credit codes
(division digits 3–8, check character recomputed) and firm names renamed, parcels shifted on the map — its nine
generated zones folded into one top-level park whose boundary is the union of theirs. It is written through the
same import path as the demo (`with_geometry`, `write_frames`): the same bulk writes, history rows and checks.
"""

import numpy as np
import polars as pl
import shapely

from parkgov.codes.tables import code_table
from parkgov.codes.uscc import check_character
from parkgov.demo.generator import DemoData, generate
from parkgov.demo.generator.zones import DIVISION, ZONES

DEMO_ZONES = len(ZONES)
DEMO_PARCEL_PREFIX = "SZ-"
SHIFT_DEGREES = 0.4  # added parks lie this far apart (east and west of the demo, alternately), ≈ 40 km


def firm_shares(*, firms: int, zones: int) -> tuple[int, list]:
    """Firms of the demo (its 9 zones) and of each added park: every zone holds 1/`zones` on average."""
    if zones < DEMO_ZONES:
        raise SystemExit(f"--zones {zones}: the demo alone has {DEMO_ZONES} zones (allowed: {DEMO_ZONES} or more)")
    added = [firms // zones] * (zones - DEMO_ZONES)
    return firms - sum(added), added


def counties(count: int) -> list:
    """`count` county-level divisions other than the demo's, its own prefecture (绍兴) first: (code, name)."""
    table = code_table("admin_divisions")
    others = [(c, table.label(c)) for c in table.codes(level="county") if c != DIVISION]
    others.sort(key=lambda entry: (entry[0][:4] != DIVISION[:4], entry[0]))
    if count > len(others):
        raise SystemExit(f"{count} added parks need {count} counties; admin_divisions.csv has {len(others)} others")
    return others[:count]


def park_code(division: str) -> str:
    return f"ZJ-{division}"


def added_park(*, firms: int, seed: int, division: str, county: str, index: int) -> dict:
    """The exchange-sheet frames (with geometry columns) of one added park of `firms` firms."""
    from parkgov.demo.services import with_geometry

    data = generate(enterprises=firms, seed=seed)
    code = park_code(division)
    frames = dict(data.frames)
    credit = _credit_codes(frames["企业"]["credit_code"], division)
    prefix = f"{code}-"
    parcel = pl.col("parcel").str.replace(f"^{DEMO_PARCEL_PREFIX}", prefix)
    enterprise = pl.col("enterprise").replace_strict(credit, default=None)
    frames["园区"] = pl.DataFrame({"code": [code], "name": [f"{county}经济开发区"], "parent": [None],
                                  "kind": ["development_zone"], "division_code": [division], "level": ["省级"]},
                                 schema=frames["园区"].schema)
    frames["企业"] = frames["企业"].with_columns(
        pl.col("credit_code").replace_strict(credit), pl.lit(code).alias("zone"),
        pl.col("name").str.replace("^嵊州市", county).str.replace("^嵊州", county.rstrip("市县区")))
    frames["地块"] = frames["地块"].with_columns(
        pl.col("code").str.replace(f"^{DEMO_PARCEL_PREFIX}", prefix), pl.lit(code).alias("zone"),
        pl.col("land_code").str.replace(f"^{DIVISION}", division))
    frames["用地关系"] = frames["用地关系"].with_columns(enterprise, parcel)
    frames["年度数据"] = frames["年度数据"].with_columns(enterprise)
    frames["检查发现"] = frames["检查发现"].with_columns(enterprise, parcel)
    offset = (SHIFT_DEGREES * ((index + 2) // 2) * (1 if index % 2 == 0 else -1), 0.0)
    moved = DemoData(
        frames=frames,
        parcel_geometry=data.parcel_geometry.with_columns(
            pl.col("code").str.replace(f"^{DEMO_PARCEL_PREFIX}", prefix), _shifted(data.parcel_geometry, offset)),
        zone_geometry=pl.DataFrame({"code": [code], "wkb": [shapely.to_wkb(_outline(data.zone_geometry, offset))]},
                                   schema={"code": pl.String, "wkb": pl.Binary}),
        targets=data.targets.clear(),
    )
    return with_geometry(moved)


def _credit_codes(codes: pl.Series, division: str) -> dict:
    """Demo credit code → the same organisation under `division` (a valid GB 32100 code of another county)."""
    renamed = {}
    for old in codes.to_list():
        body = old[:2] + division + old[8:17]
        renamed[old] = body + check_character(body)
    return renamed


def _shifted(geometry: pl.DataFrame, offset: tuple) -> pl.Series:
    moved = shapely.transform(shapely.from_wkb(geometry["wkb"].to_numpy()), lambda xy: xy + np.array(offset))
    return pl.Series("wkb", shapely.to_wkb(moved), dtype=pl.Binary)


def _outline(zone_geometry: pl.DataFrame, offset: tuple):
    """The park's boundary: the generated zones' outlines united (the development zone and its satellites)."""
    zones = shapely.transform(shapely.from_wkb(zone_geometry["wkb"].to_numpy()), lambda xy: xy + np.array(offset))
    return shapely.union_all(zones)


def build_parks(*, zones: int, firms: int, seed: int, actor) -> list:
    """Build the demo with its share of `firms`, then the added parks; returns the added parks' codes."""
    from parkgov.audit.context import acting_as
    from parkgov.demo.services import build_demo
    from parkgov.ingest.services import write_frames

    demo_firms, added = firm_shares(firms=firms, zones=zones)
    build_demo(enterprises=demo_firms, seed=seed, actor=actor)
    codes = []
    for index, ((division, county), count) in enumerate(zip(counties(len(added)), added)):
        frames = added_park(firms=count, seed=seed + 1 + index, division=division, county=county, index=index)
        with acting_as(actor, reason=f"基准园区 {park_code(division)}"):
            write_frames(frames=frames, actor=actor, file_name=f"bench-park-{division}-n{count}")
        codes.append(park_code(division))
    return codes
