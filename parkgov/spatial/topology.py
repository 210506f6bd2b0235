"""Topology and area checks of the parcel layer (issue 17 §1), vectorised with Shapely 2's STRtree.

The checks, each with its tolerance from `data/topology.yaml`:
- `invalid`: a geometry GEOS cannot read or that is not valid (Shapely's `is_valid_reason`); it takes part in
  no other check;
- `overlap`: two parcels whose interiors overlap by at least `overlap_min_m2` (the overlap is the problem's
  geometry);
- `outside_zone`: the part of a parcel outside its zone's boundary, from `outside_min_m2`;
- `gap`: two parcels nearer than `gap_max_m` that do not touch (the shortest line between them);
- `sliver`: a parcel whose mean width 2A/P is under `sliver_max_width_m`;
- `area_mismatch`: the drawn area against the recorded 土地面积, beyond both the relative and the absolute
  tolerance.
Lengths and areas are measured in an Albers equal-area projection centred on the parcels checked, so that areas
are exact wherever the zone lies; problems' geometries are returned in EPSG:4490 like the ledger's.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import shapely
from pydantic import BaseModel, ConfigDict, Field
from pyproj import Transformer

from parkgov.codes.datafiles import load_validated
from parkgov.errors import ConfigError
from parkgov.ledger.geometry import STORAGE_CRS, decode_wkb

RULES_FILE = Path(__file__).parent / "data" / "topology.yaml"
KINDS = ("invalid", "overlap", "outside_zone", "gap", "sliver", "area_mismatch")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AreaTolerance(_Strict):
    relative: float = Field(gt=0)
    absolute_m2: float = Field(ge=0)


class KindLabel(_Strict):
    name: str
    colour: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")


class TopologyRules(_Strict):
    source: str
    verified: bool
    overlap_min_m2: float = Field(ge=0)
    outside_min_m2: float = Field(ge=0)
    gap_max_m: float = Field(gt=0)
    sliver_max_width_m: float = Field(gt=0)
    area_mismatch: AreaTolerance
    kinds: dict[str, KindLabel]

    def model_post_init(self, context):
        if set(self.kinds) != set(KINDS):
            raise ValueError(f"kinds: 应列出且只列出 {', '.join(KINDS)}")


@cache
def topology_rules(path: Path = RULES_FILE) -> TopologyRules:
    """The tolerances (validated; errors name the file and the YAML path)."""
    return load_validated(path, TopologyRules, noun="拓扑检查容差文件", error=ConfigError)


@dataclass(frozen=True)
class ParcelLayer:
    """The parcels to check, aligned arrays: ids, codes, the code of each one's zone, WKB, recorded area (m²)."""

    ids: np.ndarray
    codes: np.ndarray
    zone_codes: np.ndarray
    wkb: list
    recorded_m2: np.ndarray


def find_problems(parcels: ParcelLayer, zones: dict, rules: TopologyRules) -> pl.DataFrame:
    """One row per problem: kind, parcel_id, other_id (the second parcel of a pair), codes ("A、B"), zone_code,
    measure (m² or m), limit, detail (Chinese), geometry (Shapely, EPSG:4490); in KINDS order, then by code."""
    geoms, unreadable = decode_wkb(parcels.wkb)
    rows: list[dict] = []
    missing = shapely.is_missing(geoms)
    reasons = shapely.is_valid_reason(geoms)
    bad = np.array([bool(u) for u in unreadable], dtype=bool) | (~missing & ~shapely.is_valid(geoms))
    for i in np.flatnonzero(bad):
        reason = unreadable[i] or reasons[i]
        rows.append(_row("invalid", parcels, i, None, 0.0, None, f"图形无效：{reason}", geoms[i]))
    usable = np.flatnonzero(~bad & ~missing)
    if len(usable):
        to_plane, to_storage = _projection(geoms[usable])
        plane = shapely.transform(geoms[usable], to_plane)
        rows += _pairs(parcels, usable, plane, rules, to_storage)
        rows += _outside(parcels, usable, plane, zones, rules, to_plane, to_storage)
        rows += _shapes(parcels, usable, plane, rules, geoms)
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)
    order = {kind: n for n, kind in enumerate(KINDS)}
    return frame.with_columns(_order=pl.col("kind").replace_strict(order, return_dtype=pl.Int32)) \
        .sort("_order", "codes").drop("_order")


SCHEMA = {"kind": pl.String, "parcel_id": pl.Int64, "other_id": pl.Int64, "codes": pl.String, "zone_code": pl.String,
          "measure": pl.Float64, "limit": pl.Float64, "detail": pl.String, "geometry": pl.Object}


def _row(kind, parcels, i, j, measure, limit, detail, geometry) -> dict:
    codes = str(parcels.codes[i]) if j is None else "、".join(sorted((str(parcels.codes[i]), str(parcels.codes[j]))))
    return {"kind": kind, "parcel_id": int(parcels.ids[i]), "other_id": None if j is None else int(parcels.ids[j]),
            "codes": codes, "zone_code": parcels.zone_codes[i], "measure": round(float(measure), 3),
            "limit": limit, "detail": detail, "geometry": geometry}


def _projection(geoms):
    """(lon/lat → plane, plane → lon/lat) coordinate functions of an Albers equal-area projection fitted to the
    geometries' extent (standard parallels at 1/6 and 5/6 of the latitudes)."""
    west, south, east, north = shapely.total_bounds(geoms)
    span = max(north - south, 0.01)
    proj = (f"+proj=aea +lat_1={south + span / 6} +lat_2={north - span / 6} +lat_0={(south + north) / 2} "
            f"+lon_0={(west + east) / 2} +ellps=GRS80 +units=m +no_defs")
    forward = Transformer.from_crs(STORAGE_CRS, proj, always_xy=True)
    back = Transformer.from_crs(proj, STORAGE_CRS, always_xy=True)
    return (lambda xy: np.column_stack(forward.transform(xy[:, 0], xy[:, 1])),
            lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))


def _pairs(parcels, usable, plane, rules, to_storage) -> list:
    """Overlaps and gaps: the STRtree's candidate pairs within the gap tolerance, each pair once."""
    tree = shapely.STRtree(plane)
    a, b = tree.query(plane, predicate="dwithin", distance=rules.gap_max_m)
    keep = a < b
    a, b = a[keep], b[keep]
    rows = []
    if not len(a):
        return rows
    touching = shapely.intersects(plane[a], plane[b])
    ta, tb = a[touching], b[touching]
    overlap = shapely.intersection(plane[ta], plane[tb])
    areas = shapely.area(overlap)
    for k in np.flatnonzero(areas >= rules.overlap_min_m2):
        i, j = usable[ta[k]], usable[tb[k]]
        rows.append(_row("overlap", parcels, i, j, areas[k], rules.overlap_min_m2,
                         f"重叠 {areas[k]:,.1f} 平方米", shapely.transform(_polygonal(overlap[k]), to_storage)))
    ga, gb = a[~touching], b[~touching]
    distances = shapely.distance(plane[ga], plane[gb])
    lines = shapely.shortest_line(plane[ga], plane[gb])
    for k in range(len(ga)):
        i, j = usable[ga[k]], usable[gb[k]]
        rows.append(_row("gap", parcels, i, j, distances[k], rules.gap_max_m,
                         f"两宗地相距 {distances[k] * 100:.1f} 厘米而不相接（容差 {rules.gap_max_m * 100:g} 厘米）",
                         shapely.transform(lines[k], to_storage)))
    return rows


def _outside(parcels, usable, plane, zones, rules, to_plane, to_storage) -> list:
    """The part of each parcel outside its own zone's boundary (zones without geometry are not checked)."""
    rows = []
    zone_of = np.asarray(parcels.zone_codes, dtype=object)[usable]
    for zone_code, wkb in zones.items():
        chosen = np.flatnonzero(zone_of == zone_code)
        if wkb is None or not len(chosen):
            continue
        boundary = shapely.from_wkb(bytes(wkb))
        if boundary is None or not boundary.is_valid:
            continue
        boundary = shapely.transform(boundary, to_plane)
        shapely.prepare(boundary)
        outside = chosen[~shapely.covers(boundary, plane[chosen])]
        if not len(outside):
            continue
        parts = shapely.difference(plane[outside], boundary)
        areas = shapely.area(parts)
        for k in np.flatnonzero(areas >= rules.outside_min_m2):
            i = usable[outside[k]]
            rows.append(_row("outside_zone", parcels, i, None, areas[k], rules.outside_min_m2,
                             f"有 {areas[k]:,.1f} 平方米在园区 {zone_code} 范围之外",
                             shapely.transform(_polygonal(parts[k]), to_storage)))
    return rows


def _shapes(parcels, usable, plane, rules, geoms) -> list:
    """Slivers and drawn areas that disagree with the recorded 土地面积."""
    rows = []
    areas = shapely.area(plane)
    widths = 2 * areas / np.maximum(shapely.length(plane), 1e-9)
    for k in np.flatnonzero(widths < rules.sliver_max_width_m):
        i = usable[k]
        rows.append(_row("sliver", parcels, i, None, widths[k], rules.sliver_max_width_m,
                         f"平均宽度 {widths[k]:.2f} 米（面积 {areas[k]:,.1f} 平方米）", geoms[i]))
    recorded = np.asarray(parcels.recorded_m2, dtype=float)[usable]
    tolerance = rules.area_mismatch
    with np.errstate(invalid="ignore", divide="ignore"):
        difference = areas - recorded
        relative = np.abs(difference) / recorded
    wrong = (recorded > 0) & (relative >= tolerance.relative) & (np.abs(difference) >= tolerance.absolute_m2)
    for k in np.flatnonzero(wrong):
        i = usable[k]
        rows.append(_row("area_mismatch", parcels, i, None, relative[k] * 100, tolerance.relative * 100,
                         f"图形面积 {areas[k]:,.1f} 平方米，登记土地面积 {recorded[k]:,.1f} 平方米，"
                         f"相差 {difference[k]:+,.1f} 平方米（{relative[k]:.1%}）", geoms[i]))
    return rows


def _polygonal(geometry):
    """The polygons of an overlay result (a touching edge or point of a GeometryCollection dropped)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else geometry
