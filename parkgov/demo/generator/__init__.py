"""Synthetic demo zone modelled on 嵊州 (Shengzhou, 330683): frames in the exchange-workbook schema plus polygons.

One development zone (嵊州经济开发区) with three 区中园 and the 城北化工园区 inside its boundary, two 小微企业园 and
two 工业集聚点 a few kilometres away ("1+N"). About 1.67 parcels per firm, laid out as rows of plots along
roads; figures with a long tail of low 亩均税收, idle and 批而未供 land, collective land and department findings.

Everything is vectorised (NumPy, Polars, Shapely on a handful of zone outlines) so that a million firms take
seconds, not hours. Output is deterministic for a seed: each section draws from its own child generator.

`generate()` returns `DemoData`: `frames` keyed by sheet name (园区/企业/地块/用地关系/年度数据/检查发现/地块沿革) with the
schema's field names as columns and choice *values* (e.g. "in_use"), plus WKB polygons in EPSG:4490.

Calibration notes (1,500 firms, seed 2021):
- parcels 2.5–250 亩 (median ≈ 6, 95th percentile ≈ 33): 规下 holders mostly 3–8 亩, 规上 firms larger and
  several parcels; ≈ 88 % 已供已用, 3 % 闲置, 4 % 供而未用, 5 % 批而未供, 1 % 储备; 6 % collective land.
- 亩均税收 (2025, holder land): ≈ 18–21 % below 5 万元/亩, 23 % 5–10, 16 % 10–15, 40–43 % ≥ 15. The middle
  bands are fuller than a pure lognormal would give because 规下 revenue is kept under 2,000 万元 (tax 2–7 %
  of revenue) for all but ≈ 9 % of 规下 firms, which stay as "should be 规上" cases.
- 宗地代码: GB for state land; on collective land JB where a collective construction-land right is registered
  (supply method collective_use) and JA where the firm uses village land without one (method other/blank).
- Oddities for the checks: registered area off by 5–15 % on ≈ 4 % of parcels, admin share > 7 % on ≈ 4 %,
  tax > revenue, value added > output and energy in kgce instead of tce on a handful of firms, ≈ 2 % missing
  energy figures; firms not yet producing pay only 城镇土地使用税.

Modules: `firms` (zone, industry, dates, credit codes, names), `holdings` (land per firm and its revenue),
`layout` and `zones` (geometry), `land` (parcel attributes, 宗地代码, links), `figures` (yearly figures,
findings) and `frames` (the output); helpers in `sampling`, `arrays`, `dates` and `industries`. `_draw` calls
the sections in a fixed order, which together with the seed fixes the output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from parkgov.demo.generator.buildings import buildings
from parkgov.demo.generator.figures import findings, yearly
from parkgov.demo.generator.firms import credit_codes, draw_firms, firm_dates, names
from parkgov.demo.generator.frames import parcel_codes, parcel_geometry, sheet_frames, zone_codes, zone_geometry
from parkgov.demo.generator.holdings import draw_holdings
from parkgov.demo.generator.land import land_codes, links, parcel_attributes
from parkgov.demo.generator.layout import lay_out, reorder
from parkgov.demo.generator.legal import follow_up
from parkgov.demo.generator.suspects import plant_suspects
from parkgov.demo.generator.targets import revitalisation_targets

__all__ = ["DemoData", "generate"]

# Sections added later come last: SeedSequence children are fixed by their index, so the earlier ones draw
# the same numbers as before.
_SECTIONS = ("firms", "parcels", "layout", "codes", "links", "yearly", "findings", "names", "buildings",
             "follow_up", "suspects")


@dataclass
class DemoData:
    """The demo zone: one frame per exchange sheet, and polygons (WKB, EPSG:4490) for parcels and zones."""

    frames: dict[str, pl.DataFrame]
    parcel_geometry: pl.DataFrame  # code (地块编码), wkb
    zone_geometry: pl.DataFrame  # code (园区编码), wkb
    targets: pl.DataFrame  # 盘活 targets: zone (园区编码), year, target_mu, source, verified


def generate(*, enterprises: int = 1500, seed: int = 2021) -> DemoData:
    """Generate the demo zone for `enterprises` firms (≈ 5/3 parcels per firm), deterministic for `seed`."""
    n = int(enterprises)
    if n < 1:
        raise ValueError("enterprises must be at least 1")
    firms, parcels, geo, lease_links, figures, found = _draw(n, seed)
    codes = parcel_codes(len(parcels["zone"]))
    zones = zone_codes()
    frames = sheet_frames(firms=firms, parcels=parcels, links=lease_links, yearly=figures, findings=found,
                          parcel_codes=codes, zone_codes=zones)
    return DemoData(
        frames=frames,
        parcel_geometry=parcel_geometry(codes, geo["lonlat"]),
        zone_geometry=zone_geometry(zones, geo["zones"]),
        targets=revitalisation_targets(frames["地块"], frames["园区"]),
    )


def _draw(n: int, seed: int) -> tuple[dict, ...]:
    """All sections in their fixed order; the order and the generator of each section fix the output."""
    children = np.random.SeedSequence(seed).spawn(len(_SECTIONS))
    rngs = dict(zip(_SECTIONS, (np.random.default_rng(s) for s in children)))
    firms = draw_firms(n, rngs["firms"])
    parcels = draw_holdings(n, firms, rngs["parcels"])
    geo = lay_out(parcels, rngs["layout"])
    reorder(parcels, geo["order"])
    parcel_attributes(parcels, firms, geo, rngs["parcels"])
    land_codes(parcels, rngs["codes"])
    buildings(parcels, rngs["buildings"])
    firm_dates(firms, parcels, rngs["firms"])
    lease_links = links(firms, parcels, rngs["links"])
    credit_codes(firms, rngs["names"])
    names(firms, rngs["names"])
    figures = yearly(firms, rngs["yearly"])
    found = findings(firms, parcels, lease_links, rngs["findings"])
    found["follow_up"] = follow_up(found["severity"], found["found"], rngs["follow_up"])
    found["p_follow_up"] = follow_up(found["p_severity"], found["p_found"], rngs["follow_up"])
    figures = plant_suspects(firms, figures, rngs["suspects"])
    return firms, parcels, geo, lease_links, figures, found
