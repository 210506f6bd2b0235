"""Topology and area checks of the parcel layer (issue 17 §1), vectorised with Shapely 2 and NumPy.

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
The check works from what the ledger keeps with each geometry (`ledger.services.geometry_columns`): its box, its
Gauss-Krüger area and perimeter (the 图形面积 every page shows) and GEOS's reason when it is invalid. Candidate
pairs and the parcels near a zone's boundary come from the boxes (`spatial.boxes`, NumPy), slivers and area
mismatches from the numbers, so only the parcels some check needs are decoded and tested exactly. Overlap and
outside areas are ellipsoidal (`ledger.geometry.ellipsoidal_areas`); the gap candidates' distances are measured in
an Albers equal-area plane fitted to them. Problems' geometries are in EPSG:4490 like the ledger's.
"""

from collections.abc import Callable
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
from parkgov.ledger import geometry
from parkgov.ledger.geometry import STORAGE_CRS, ellipsoidal_areas, radii_of_curvature
from parkgov.spatial.boxes import box_pairs, boxes_near, finite_rows, median_side

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
    """The parcels to check, aligned arrays: ids, codes, the code of each one's zone, recorded area (m²), and what
    the ledger keeps with each geometry: boxes (n, 4; NaN without a geometry), areas and perimeters (m; NaN when
    not known), `problems` (GEOS's reason, '' when valid); `load(positions)` decodes the geometries at those
    positions (None where there is none)."""

    ids: np.ndarray
    codes: np.ndarray
    zone_codes: np.ndarray
    recorded_m2: np.ndarray
    boxes: np.ndarray
    areas_m2: np.ndarray
    perimeters_m: np.ndarray
    problems: list
    load: Callable[[np.ndarray], np.ndarray]

    @classmethod
    def from_wkb(cls, *, ids, codes, zone_codes, wkb, recorded_m2) -> "ParcelLayer":
        """A layer measured from WKB as the ledger measures what it stores."""
        geoms, boxes, areas, lengths, problems = measure_wkb(wkb)
        return cls(ids=np.asarray(ids), codes=np.asarray(codes, dtype=object),
                   zone_codes=np.asarray(zone_codes, dtype=object), recorded_m2=np.asarray(recorded_m2, dtype=float),
                   boxes=boxes, areas_m2=areas, perimeters_m=lengths, problems=problems,
                   load=lambda positions: geoms[positions])


def measure_wkb(wkb) -> tuple:
    """(geometries, boxes, Gauss-Krüger areas, perimeters, problems) of WKB blobs; a blob GEOS cannot read has no
    box and GEOS's message as its problem."""
    geoms, unreadable = geometry.decode_wkb(wkb)
    areas, lengths = geometry.projected_measures(geoms)
    problems = [broken or reason for broken, reason in zip(unreadable, geometry.invalid_reasons(geoms))]
    return geoms, shapely.bounds(geoms), areas, lengths, problems


def find_problems(parcels: ParcelLayer, zones: dict, rules: TopologyRules) -> pl.DataFrame:
    """One row per problem: kind, parcel_id, other_id (the second parcel of a pair), codes ("A、B"), zone_code,
    measure (m² or m), limit, detail (Chinese), geometry (Shapely, EPSG:4490); in KINDS order, then by code."""
    n = len(parcels.ids)
    bad = np.fromiter(map(bool, parcels.problems), dtype=bool, count=n)
    drawn = finite_rows(parcels.boxes)
    usable = np.flatnonzero(drawn & ~bad)
    boxes = parcels.boxes if len(usable) == n else parcels.boxes[usable]
    side = median_side(boxes)
    pairs = _pair_candidates(boxes, rules, side)
    cell = 3 * side  # the grid of `boxes_near`, as `boxes.grid_cell`
    outside = _outside_candidates(parcels, usable, boxes, zones, cell)
    slivers, mismatches = _shape_problems(parcels, usable, rules)
    wanted = bad.copy()  # a mask, not np.unique: a cadastral layer's pairs name every parcel several times
    for positions in (pairs[0], pairs[1], *(k for _code, _boundary, k in outside), slivers, mismatches):
        wanted[usable[positions]] = True
    needed = np.flatnonzero(wanted)
    geoms = np.empty(n, dtype=object)
    geoms[needed] = parcels.load(needed) if len(needed) else []
    rows = [_row("invalid", parcels, i, None, 0.0, None, f"图形无效：{parcels.problems[i]}", geoms[i])
            for i in np.flatnonzero(bad)]
    rows += _pairs(parcels, usable, geoms, pairs, rules)
    rows += _outside(parcels, usable, geoms, outside, rules)
    rows += _shapes(parcels, usable, geoms, slivers, mismatches, rules)
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)
    order = {kind: k for k, kind in enumerate(KINDS)}
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


def _pair_candidates(boxes, rules, side) -> tuple:
    """(first, second, degrees): the pairs of parcels (positions in `boxes`) whose boxes come within `degrees` of
    each other, a distance in degrees that is at least the gap tolerance everywhere in the layer."""
    if not len(boxes):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), 0.0
    north = max(np.abs(boxes[:, 1]).max(), np.abs(boxes[:, 3]).max())
    m, n = radii_of_curvature(north)
    degrees = float(np.degrees(rules.gap_max_m / min(m, n * np.cos(np.radians(north)))))
    first, second = box_pairs(boxes, degrees / 2, height=side + degrees)
    return first, second, degrees


def _pairs(parcels, usable, geoms, pairs, rules) -> list:
    """Overlaps and gaps among the candidate pairs. Intersecting is the same in any projection, so the exact tests
    work on lon/lat; the gap candidates' distances are then measured in metres (an equal-area plane, for those
    few only)."""
    a, b, degrees = pairs
    rows = []
    if not len(a):
        return rows
    boxes = parcels.boxes
    a, b = usable[a], usable[b]
    first, second = geoms[a], geoms[b]
    shapely.prepare(first)
    touching = shapely.intersects(first, second)
    # interiors can meet only where the boxes overlap with some width and height (neighbours on a cadastral map
    # meet along an edge: their boxes' overlap is a line), and then only an exact test tells
    inner = touching & (np.minimum(boxes[a, 2], boxes[b, 2]) > np.maximum(boxes[a, 0], boxes[b, 0])) \
        & (np.minimum(boxes[a, 3], boxes[b, 3]) > np.maximum(boxes[a, 1], boxes[b, 1]))
    inner[inner] = shapely.relate_pattern(first[inner], second[inner], "T********")
    apart = np.flatnonzero(~touching)
    near = np.zeros(len(a), dtype=bool)
    near[apart] = shapely.dwithin(first[apart], second[apart], degrees)
    ta, tb = a[inner], b[inner]
    overlap = np.array([_polygonal(g) for g in shapely.intersection(geoms[ta], geoms[tb])], dtype=object)
    areas = np.where(shapely.area(overlap) > 0, ellipsoidal_areas(overlap), 0.0) if len(overlap) else np.array([])
    for k in np.flatnonzero(areas >= rules.overlap_min_m2):
        rows.append(_row("overlap", parcels, ta[k], tb[k], areas[k], rules.overlap_min_m2,
                         f"重叠 {areas[k]:,.1f} 平方米", overlap[k]))
    ga, gb = a[near], b[near]
    if len(ga):
        to_plane, _ = _projection(geoms[np.union1d(ga, gb)])
        distances = shapely.distance(shapely.transform(geoms[ga], to_plane), shapely.transform(geoms[gb], to_plane))
        lines = shapely.shortest_line(geoms[ga], geoms[gb])
        for k in np.flatnonzero(distances < rules.gap_max_m):
            rows.append(_row("gap", parcels, ga[k], gb[k], distances[k], rules.gap_max_m,
                             f"两宗地相距 {distances[k] * 100:.1f} 厘米而不相接（容差 {rules.gap_max_m * 100:g} 厘米）",
                             lines[k]))
    return rows


def _outside_candidates(parcels, usable, boxes, zones, cell) -> list:
    """Per zone with a valid boundary, (zone code, boundary, positions in `usable` of its parcels that may lie
    partly outside). A parcel whose box meets no piece of the boundary line lies wholly inside or wholly outside,
    which one corner of its box tells (a point-in-polygon test); the others need the exact test. Zones without
    geometry are not checked."""
    found = []
    if not len(usable):
        return found
    zone_of = pl.Series("zone", np.asarray(parcels.zone_codes, dtype=object)[usable].tolist(), dtype=pl.String)
    for (zone_code,), members in pl.DataFrame([zone_of]).with_row_index("k").group_by("zone"):
        wkb = zones.get(zone_code)
        boundary = shapely.from_wkb(bytes(wkb)) if wkb is not None else None
        if boundary is None or not boundary.is_valid:
            continue
        if members.height == len(usable):  # one zone: every parcel, no copy of the boxes
            chosen, own = np.arange(len(usable)), boxes
        else:
            chosen = members.get_column("k").to_numpy().astype(np.int64)
            own = boxes[chosen]
        lines = shapely.segmentize(shapely.get_parts(shapely.boundary(boundary)), cell)
        coords, which = shapely.get_coordinates(lines, return_index=True)
        same = which[1:] == which[:-1]
        start, end = coords[:-1][same], coords[1:][same]
        pieces = np.column_stack([np.minimum(start, end), np.maximum(start, end)])
        crossing = boxes_near(own, pieces, cell)
        shapely.prepare(boundary)
        apart = ~crossing
        apart[apart] = ~shapely.contains_xy(boundary, own[apart, 0], own[apart, 1])
        found.append((zone_code, boundary, chosen[crossing | apart]))
    return found


def _outside(parcels, usable, geoms, candidates, rules) -> list:
    """The part of each candidate parcel outside its own zone's boundary."""
    rows = []
    for zone_code, boundary, chosen in candidates:
        own = geoms[usable[chosen]]
        outside = usable[chosen[~shapely.covers(boundary, own)]] if len(chosen) else chosen
        if not len(outside):
            continue
        parts = np.array([_polygonal(g) for g in shapely.difference(geoms[outside], boundary)], dtype=object)
        areas = np.where(shapely.area(parts) > 0, ellipsoidal_areas(parts), 0.0)
        for k in np.flatnonzero(areas >= rules.outside_min_m2):
            rows.append(_row("outside_zone", parcels, outside[k], None, areas[k], rules.outside_min_m2,
                             f"有 {areas[k]:,.1f} 平方米在园区 {zone_code} 范围之外", parts[k]))
    return rows


def _shape_problems(parcels, usable, rules) -> tuple:
    """Positions in `usable` of the slivers (mean width 2A/P under the tolerance) and of the drawn areas that
    disagree with the recorded 土地面积, from the stored area and perimeter."""
    areas, recorded = parcels.areas_m2[usable], np.asarray(parcels.recorded_m2, dtype=float)[usable]
    tolerance = rules.area_mismatch
    with np.errstate(invalid="ignore", divide="ignore"):
        widths = 2 * areas / np.maximum(parcels.perimeters_m[usable], 1e-9)
        difference = np.abs(areas - recorded)
        wrong = (recorded > 0) & (difference / recorded >= tolerance.relative) & (difference >= tolerance.absolute_m2)
    return np.flatnonzero(widths < rules.sliver_max_width_m), np.flatnonzero(wrong)


def _shapes(parcels, usable, geoms, slivers, mismatches, rules) -> list:
    """Slivers and drawn areas that disagree with the recorded 土地面积."""
    rows = []
    areas, perimeters = parcels.areas_m2, parcels.perimeters_m
    for i in usable[slivers]:
        width = 2 * areas[i] / perimeters[i]
        rows.append(_row("sliver", parcels, i, None, width, rules.sliver_max_width_m,
                         f"平均宽度 {width:.2f} 米（面积 {areas[i]:,.1f} 平方米）", geoms[i]))
    tolerance = rules.area_mismatch
    for i in usable[mismatches]:
        recorded = float(parcels.recorded_m2[i])
        difference = areas[i] - recorded
        relative = abs(difference) / recorded
        rows.append(_row("area_mismatch", parcels, i, None, relative * 100, tolerance.relative * 100,
                         f"图形面积 {areas[i]:,.1f} 平方米，登记土地面积 {recorded:,.1f} 平方米，"
                         f"相差 {difference:+,.1f} 平方米（{relative:.1%}）", geoms[i]))
    return rows


def _polygonal(geometry):
    """The polygons of an overlay result (a touching edge or point of a GeometryCollection dropped)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else geometry
