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
Areas are ellipsoidal (the area element of the GRS 1980 ellipsoid at each shape's centroid: what an equal-area
projection centred there measures) and lengths use the radii of curvature at each segment's latitude, computed
from the lon/lat coordinates without projecting a million parcels; the few gap candidates' distances are measured
in an Albers equal-area plane fitted to them. Problems' geometries are in EPSG:4490 like the ledger's.
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
    bad = np.array([bool(u) for u in unreadable], dtype=bool) | (~missing & ~shapely.is_valid(geoms))
    reasons = shapely.is_valid_reason(geoms[bad])
    for i, reason in zip(np.flatnonzero(bad), reasons):
        rows.append(_row("invalid", parcels, i, None, 0.0, None, f"图形无效：{unreadable[i] or reason}", geoms[i]))
    usable = np.flatnonzero(~bad & ~missing)
    if len(usable):
        chosen = geoms[usable]
        rows += _pairs(parcels, usable, chosen, rules)
        rows += _outside(parcels, usable, chosen, zones, rules)
        rows += _shapes(parcels, usable, chosen, rules)
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)
    order = {kind: n for n, kind in enumerate(KINDS)}
    return frame.with_columns(_order=pl.col("kind").replace_strict(order, return_dtype=pl.Int32)) \
        .sort("_order", "codes").drop("_order")


SCHEMA = {"kind": pl.String, "parcel_id": pl.Int64, "other_id": pl.Int64, "codes": pl.String, "zone_code": pl.String,
          "measure": pl.Float64, "limit": pl.Float64, "detail": pl.String, "geometry": pl.Object}

# GRS 1980, the ellipsoid of CGCS2000 (their flattenings differ by 1e-10 of a metre's worth here)
_A, _E2 = 6378137.0, (1 / 298.257222101) * (2 - 1 / 298.257222101)


def _radii(latitude):
    """Meridional (M) and prime-vertical (N) radii of curvature in metres at `latitude` (degrees)."""
    s2 = np.sin(np.radians(latitude)) ** 2
    w = np.sqrt(1 - _E2 * s2)
    return _A * (1 - _E2) / w ** 3, _A / w


def areas_m2(geoms) -> np.ndarray:
    """Ellipsoidal areas of EPSG:4490 polygons: the area in degrees² times the ellipsoid's area element
    M·N·cos φ (π/180)² at the middle latitude of each one's extent — what an equal-area projection centred there
    measures, to within (size ÷ earth radius)², a part in 10⁸ for a parcel; without projecting every coordinate."""
    box = shapely.bounds(geoms)
    latitude = (box[:, 1] + box[:, 3]) / 2
    m, n = _radii(latitude)
    return shapely.area(geoms) * m * n * np.cos(np.radians(latitude)) * (np.pi / 180) ** 2


def perimeters_m(geoms) -> np.ndarray:
    """Boundary lengths in metres, each segment scaled by the radii at its mid-latitude. Polygons of one ring
    (nearly every parcel) are measured from their coordinates directly; the others ring by ring."""
    geoms = np.asarray(geoms, dtype=object)
    simple = (shapely.get_type_id(geoms) == 3) & (shapely.get_num_interior_rings(geoms) == 0)
    lengths = np.zeros(len(geoms))
    coords, which = shapely.get_coordinates(geoms[simple], return_index=True)
    lengths[np.flatnonzero(simple)] = _segment_sums(coords, which, int(simple.sum()))
    if (~simple).any():
        parts, owner = shapely.get_parts(shapely.boundary(geoms[~simple]), return_index=True)
        coords, which = shapely.get_coordinates(parts, return_index=True)
        lengths[np.flatnonzero(~simple)] = np.bincount(owner, weights=_segment_sums(coords, which, len(parts)),
                                                       minlength=int((~simple).sum()))
    return lengths


def _segment_sums(coords, which, count) -> np.ndarray:
    """Per line (`which` numbers each coordinate's line), the sum of its segments' lengths in metres."""
    same = which[1:] == which[:-1]
    mid = (coords[1:, 1] + coords[:-1, 1]) / 2
    m, n = _radii(mid)
    dx = np.radians(coords[1:, 0] - coords[:-1, 0]) * n * np.cos(np.radians(mid))
    dy = np.radians(coords[1:, 1] - coords[:-1, 1]) * m
    return np.bincount(which[:-1], weights=np.where(same, np.hypot(dx, dy), 0.0), minlength=count)


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


def _pairs(parcels, usable, geoms, rules) -> list:
    """Overlaps and gaps. Intersecting is the same in any projection, so the STRtree works on lon/lat; the gap
    candidates come from a distance in degrees that is at least the tolerance everywhere in the layer, and their
    distances are then measured in metres (an equal-area plane, for the few candidates only)."""
    tree = shapely.STRtree(geoms)
    north = np.abs(shapely.total_bounds(geoms)[[1, 3]]).max()
    m, n = _radii(north)
    degrees = np.degrees(rules.gap_max_m / min(m, n * np.cos(np.radians(north))))
    a, b = tree.query(geoms, predicate="dwithin", distance=degrees)
    keep = a < b
    a, b = a[keep], b[keep]
    rows = []
    if not len(a):
        return rows
    touching = shapely.intersects(geoms[a], geoms[b])
    inner = touching.copy()  # interiors meet (neighbours sharing only an edge do not): worth an overlay
    inner[touching] = shapely.relate_pattern(geoms[a[touching]], geoms[b[touching]], "T********")
    ta, tb = a[inner], b[inner]
    overlap = np.array([_polygonal(g) for g in shapely.intersection(geoms[ta], geoms[tb])], dtype=object)
    areas = np.where(shapely.area(overlap) > 0, areas_m2(overlap), 0.0) if len(overlap) else np.array([])
    for k in np.flatnonzero(areas >= rules.overlap_min_m2):
        i, j = usable[ta[k]], usable[tb[k]]
        rows.append(_row("overlap", parcels, i, j, areas[k], rules.overlap_min_m2,
                         f"重叠 {areas[k]:,.1f} 平方米", overlap[k]))
    ga, gb = a[~touching], b[~touching]
    if len(ga):
        to_plane, _ = _projection(geoms[np.union1d(ga, gb)])
        distances = shapely.distance(shapely.transform(geoms[ga], to_plane), shapely.transform(geoms[gb], to_plane))
        lines = shapely.shortest_line(geoms[ga], geoms[gb])
        for k in np.flatnonzero(distances < rules.gap_max_m):
            i, j = usable[ga[k]], usable[gb[k]]
            rows.append(_row("gap", parcels, i, j, distances[k], rules.gap_max_m,
                             f"两宗地相距 {distances[k] * 100:.1f} 厘米而不相接（容差 {rules.gap_max_m * 100:g} 厘米）",
                             lines[k]))
    return rows


def _outside(parcels, usable, geoms, zones, rules) -> list:
    """The part of each parcel outside its own zone's boundary (zones without geometry are not checked).
    Only the parcels that meet the boundary line (an STRtree query) need the exact, costly test; every other one
    lies wholly inside or wholly outside, which one of its vertices tells (a point-in-polygon test)."""
    rows = []
    zone_of = np.asarray(parcels.zone_codes, dtype=object)[usable]
    for zone_code, wkb in zones.items():
        chosen = np.flatnonzero(zone_of == zone_code)
        if wkb is None or not len(chosen):
            continue
        boundary = shapely.from_wkb(bytes(wkb))
        if boundary is None or not boundary.is_valid:
            continue
        shapely.prepare(boundary)
        own = geoms[chosen]
        crossing = np.zeros(len(chosen), dtype=bool)
        crossing[shapely.STRtree(own).query(shapely.boundary(boundary), predicate="intersects")] = True
        coords, which = shapely.get_coordinates(own[~crossing], return_index=True)
        first = np.unique(which, return_index=True)[1]
        apart = np.zeros(len(chosen), dtype=bool)
        apart[np.flatnonzero(~crossing)] = ~shapely.contains_xy(boundary, coords[first, 0], coords[first, 1])
        crossing[crossing] = ~shapely.covers(boundary, own[crossing])
        outside = chosen[crossing | apart]
        if not len(outside):
            continue
        parts = np.array([_polygonal(g) for g in shapely.difference(geoms[outside], boundary)], dtype=object)
        areas = np.where(shapely.area(parts) > 0, areas_m2(parts), 0.0)
        for k in np.flatnonzero(areas >= rules.outside_min_m2):
            i = usable[outside[k]]
            rows.append(_row("outside_zone", parcels, i, None, areas[k], rules.outside_min_m2,
                             f"有 {areas[k]:,.1f} 平方米在园区 {zone_code} 范围之外", parts[k]))
    return rows


def _shapes(parcels, usable, geoms, rules) -> list:
    """Slivers and drawn areas that disagree with the recorded 土地面积."""
    rows = []
    areas = areas_m2(geoms)
    widths = 2 * areas / np.maximum(perimeters_m(geoms), 1e-9)
    for k in np.flatnonzero(widths < rules.sliver_max_width_m):
        i = usable[k]
        rows.append(_row("sliver", parcels, i, None, widths[k], rules.sliver_max_width_m,
                         f"平均宽度 {widths[k]:.2f} 米（面积 {areas[k]:,.1f} 平方米）", geoms[k]))
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
                         f"相差 {difference[k]:+,.1f} 平方米（{relative[k]:.1%}）", geoms[k]))
    return rows


def _polygonal(geometry):
    """The polygons of an overlay result (a touching edge or point of a GeometryCollection dropped)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else geometry
