"""Vector tiles of parcels and zones for the map (一张图): cut in PostGIS, or with Shapely and pyproj on SQLite.

`render_tile` answers a Mapbox Vector Tile in Web Mercator (extent 4096, buffer 64). On PostgreSQL the tile is
cut in the database (ST_AsMVTGeom / ST_AsMVT over the generated `geom` column and its GiST index); on SQLite
rows are chosen by the bounding-box columns, then simplified, clipped, projected and encoded here, vectorised
(`parkgov.spatial.mvt`). Both paths choose features with the same rules and give them the same properties:

- parcels: code, land_code, zone (园区编码), supply_status, ownership, area_mu (土地面积 × 15/10000),
  class (final class of the parcel's current holder in the latest whole-ledger evaluation run), for users
  who see tax figures tier (亩均税收档位 from the latest whole-ledger run that assigned tiers) and, for users
  who read every department's findings, finding (severity of the worst finding not closed, `rated_names`), and
  for roles that read `list` / `case` the governance lists, case state, overdue flag and case number
  (`parkgov.spatial.governance_data`);
- zones: code, name, kind, parent (上级园区编码).

Low zooms stay fast: polygons smaller than MIN_FEATURE_PX on screen are left out and outlines with many
vertices are simplified to SIMPLIFY_PX. Parcel tiles at zoom 12 and below are generalised and cut from memory on
either database (`parkgov.spatial.overview`): they carry only what colours and filters need (supply_status, zone,
class, tier, finding, lists, case, overdue) and the map's card asks `parcel_properties` for the rest. Only the user's
parks (and their child zones) are ever selected. What tiles are cut from, and its per-worker caches, is in
`parkgov.spatial.tile_data`.
"""

import gc
import hashlib
import math
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from django.db import connection, transaction
from django.utils.translation import gettext
from pyproj import Transformer

from parkgov.errors import InputError, NotFound
from parkgov.ledger.geometry import STORAGE_CRS
from parkgov.ledger.models import Parcel
from parkgov.spatial import modes, overview
from parkgov.spatial.mvt import EXTENT, Geometry, encode_layer, geometry, polygon_commands
from parkgov.spatial.mvt import columns as columns_of
from parkgov.spatial.tile_data import (CARD_ONLY, OVERVIEW_PROPERTIES, LayerSpec, data_version, layers,
                                       parcel_shapes, parcel_table, rated_properties)

MAX_ZOOM = 22
TILE_PX = 512  # MapLibre draws vector tiles at 512 CSS pixels
BUFFER = 64  # tile units kept beyond the edge so outlines do not show seams
MIN_FEATURE_PX = 1.0  # polygons whose bounding box is smaller on screen in both directions are left out
PICK_PX = 2.0  # a click this near (screen pixels) to a parcel drawn as a box finds it
PICK_CANDIDATES = 50  # nearest boxes checked against the user's parks
SIMPLIFY_BELOW_ZOOM = 15
SIMPLIFY_PX = 0.5
SIMPLIFY_MIN_POINTS = 9  # plain parcels (four corners) are not worth simplifying
WORLD = 20037508.342789244  # half the width of the Web Mercator square, metres


@dataclass(frozen=True)
class TileBox:
    """One tile: Web Mercator bounds, lon/lat bounds (plain and with the buffer) and the low-zoom rules."""

    z: int
    x: int
    y: int
    mercator: tuple
    lonlat: tuple
    buffered: tuple
    min_size: tuple  # (width, height) in degrees below which a polygon is left out
    tolerance: float  # simplification tolerance in degrees (0 = none)
    linear: bool  # latitude maps to the tile's y to within half a tile unit, so PostGIS may skip ST_Transform


def check_tile(*, layer: str, z: int, x: int, y: int) -> None:
    """NotFound for an unknown layer, InputError for a zoom or tile number outside the pyramid."""
    if layer not in layers():
        raise NotFound(gettext("图层 %(layer)r 不存在；可选：%(allowed)s") % {"layer": layer,
                                                                       "allowed": ", ".join(layers())})
    if not 0 <= z <= MAX_ZOOM:
        raise InputError(gettext("缩放级别 %(z)s 不在允许范围 0–%(max)s") % {"z": z, "max": MAX_ZOOM})
    last = (1 << z) - 1
    if not (0 <= x <= last and 0 <= y <= last):
        raise InputError(gettext("瓦片 %(z)s/%(x)s/%(y)s 超出范围：第 %(z)s 级的 x、y 应在 0–%(last)s") % {
            "z": z, "x": x, "y": y, "last": last})


@cache
def _projection(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def tile_box(z: int, x: int, y: int) -> TileBox:
    """Bounds of tile z/x/y (XYZ numbering, y down from the north) and its low-zoom rules."""
    size = 2 * WORLD / (1 << z)
    west, north = -WORLD + x * size, WORLD - y * size
    mercator = (west, north - size, west + size, north)
    pad = size * BUFFER / EXTENT
    to_lonlat = _projection("EPSG:3857", STORAGE_CRS)
    lon, lat = to_lonlat.transform([west, west + size, west - pad, west + size + pad],
                                   [north - size, north, north - size - pad, north + pad])
    lonlat = (lon[0], lat[0], lon[1], lat[1])
    per_px = ((lonlat[2] - lonlat[0]) / TILE_PX, (lonlat[3] - lonlat[1]) / TILE_PX)
    tolerance = SIMPLIFY_PX * min(per_px) if z < SIMPLIFY_BELOW_ZOOM else 0.0
    return TileBox(z=z, x=x, y=y, mercator=mercator, lonlat=lonlat, buffered=(lon[2], lat[2], lon[3], lat[3]),
                   min_size=(MIN_FEATURE_PX * per_px[0], MIN_FEATURE_PX * per_px[1]), tolerance=tolerance,
                   linear=_mercator_bend(lat[2], lat[3]) < 0.5)


def _mercator_bend(south: float, north: float) -> float:
    """Largest gap, in tile units, between Web Mercator y and a straight line in latitude across a tile.

    Near 30°N it is about 0.4 at zoom 12 and halves with each zoom further in: below half a unit a straight
    line is as exact as the integer tile grid itself.
    """
    lat = np.radians(np.linspace(south, north, 65))
    y = np.arcsinh(np.tan(lat))
    chord = y[0] + (y[-1] - y[0]) * (lat - lat[0]) / (lat[-1] - lat[0])
    return float(np.abs(y - chord).max() / (y[-1] - y[0]) * EXTENT * (1 + 2 * BUFFER / EXTENT))


def render_tile(*, layer: str, z: int, x: int, y: int, scope, version: tuple | None = None) -> bytes:
    """The tile's bytes (b"" when it holds nothing), restricted to the parks in `scope`.

    `version` is `data_version()` when the caller has just read it (the view does, for the ETag).
    """
    check_tile(layer=layer, z=z, x=x, y=y)
    with _collector_paused():
        return _render(layer, z, x, y, scope, version or data_version())


@contextmanager
def _collector_paused():
    """Hold off Python's cyclic garbage collector while a tile is cut.

    A dense tile allocates tens of thousands of short-lived, acyclic objects (rows, geometries), which set off
    full collections of the whole process: 50 ms pauses in one tile out of a few, measured. Reference counting
    still frees everything; collection resumes afterwards (and is left alone if someone else turned it off).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _render(layer, z, x, y, scope, version) -> bytes:
    spec = layers()[layer]
    box = tile_box(z, x, y)
    rated = rated_names(scope) if spec.rated else []
    params = {"west": box.lonlat[0], "south": box.lonlat[1], "east": box.lonlat[2], "north": box.lonlat[3],
              "min_dx": box.min_size[0], "min_dy": box.min_size[1]}
    if spec.model is Parcel and z <= overview.MAX_ZOOM:
        return _overview_tile(box, rated, scope.zone_ids, version)
    where = _where(spec, scope.zone_ids)
    if connection.vendor == "postgresql":
        return _postgis_tile(spec, box, rated, where, params, version)
    return _shapely_tile(spec, box, rated, where, params, version)


def rated_names(scope) -> list:
    """Which of RATED the user's tiles, card and legends carry: class and tier for roles that see evaluation results
    (roles.yaml `evaluation_results`; the 亩均税收 tier also reveals tax, so it needs the tax figures too), the open
    findings for those who read every department's findings of every category (a department limited to its own
    would see the others'), the governance lists for roles that read `list` and the case state, overdue flag and
    number for those that read `case` (issue 14), and each registered mode's properties for the roles it is shown
    to (`parkgov.spatial.modes`)."""
    cases = scope.can_read("case")
    shown = {"class": scope.sees("evaluation_class"), "tier": scope.sees("evaluation_tier") and scope.sees("tax"),
             "finding": scope.can_read("finding") and not scope.own_findings_only
             and scope.finding_categories is None, "lists": scope.can_read("list"),
             "case": cases, "overdue": cases, "case_number": cases}
    for mode in modes.registered():  # issue 15: supply's commitment and idle status, for roles reading supply
        shown |= dict.fromkeys(mode.names, mode.shown(scope))
    return [name for name in rated_properties() if shown[name]]


def _where(spec: LayerSpec, zone_ids) -> str:
    """Rows whose bbox meets the tile and that are big enough to see, in the user's parks.

    On PostgreSQL the GiST test `geom && envelope` stands in for the bbox columns (its float4 boxes may add a
    feature touching the edge, drawn in the buffer only); naming both made the planner AND two indexes.
    """
    clauses = ["t.geometry IS NOT NULL", *_current(spec),
               "(t.max_x - t.min_x >= %(min_dx)s OR t.max_y - t.min_y >= %(min_dy)s)"]
    if connection.vendor != "postgresql":
        clauses += ["t.min_x <= %(east)s", "t.max_x >= %(west)s", "t.min_y <= %(north)s", "t.max_y >= %(south)s"]
    return " AND ".join(clauses + _in_scope(spec, zone_ids))


def _current(spec: LayerSpec) -> list:
    """Parcels ended by a split or merge (issue 17 §2) are kept for their history, not drawn on today's map."""
    return ["t.ended_on IS NULL"] if spec.model is Parcel else []


def _in_scope(spec: LayerSpec, zone_ids) -> list:
    """The SQL condition restricting rows to the user's parks (none for a user who sees them all)."""
    if zone_ids is None:
        return []
    ids = ", ".join(str(int(i)) for i in zone_ids) or "NULL"
    return [f"{spec.scope_column} IN ({ids})"]


def parcel_properties(*, parcel_id: int, scope) -> dict:
    """The properties a detailed tile gives parcel `parcel_id` as `scope` sees it: the map's card at low zoom.

    NotFound when the parcel does not exist, has no geometry or lies outside the user's parks.
    """
    spec = layers()["parcels"]
    columns = ", ".join(sql for _name, sql in spec.properties)
    where = " AND ".join(["t.id = %s", "t.geometry IS NOT NULL", *_in_scope(spec, scope.zone_ids)])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {Parcel._meta.db_table} t {spec.joins} WHERE {where}", [parcel_id])
        row = cursor.fetchone()
    if row is None:
        raise NotFound(gettext("地块 %(id)s 不存在、没有图形或不在您可查看的园区内")
                       % {"id": parcel_id})
    properties = {name: value for (name, _sql), value in zip(spec.properties, row) if value is not None}
    return properties | parcel_table().ratings_of(parcel_id, rated_names(scope))


def parcel_at(*, lon, lat, z, scope) -> dict:
    """What `parcel_properties` gives, with the parcel's id and lon/lat bbox (the box drawn), for the parcel a
    generalised tile draws at lon/lat.

    Those tiles draw a parcel under overview.TINY_PX as its bounding box inside one feature, without id, with the
    other boxes of its colours; a click there asks this. The box holding the point wins (the smallest when several
    do), else the nearest within PICK_PX pixels at zoom `z`; parcels the tile leaves out (under MIN_FEATURE_PX)
    or outside the user's parks are passed over. InputError for coordinates or a zoom that are not numbers in
    range, NotFound when no parcel is there.
    """
    lon, lat, z = _number(lon, "lon", -180, 180), _number(lat, "lat", -85.06, 85.06), _number(z, "z", 0, MAX_ZOOM)
    per_px = 360 / TILE_PX / 2 ** math.floor(z)
    reach = np.array([PICK_PX * per_px, PICK_PX * per_px * math.cos(math.radians(lat))])
    table = parcel_table()
    rows = table.within((lon - reach[0], lat - reach[1], lon + reach[0], lat + reach[1]))
    min_x, min_y, max_x, max_y = table.bbox[:, rows]
    rows = rows[(max_x - min_x >= reach[0] * MIN_FEATURE_PX / PICK_PX)
                | (max_y - min_y >= reach[1] * MIN_FEATURE_PX / PICK_PX)]
    min_x, min_y, max_x, max_y = table.bbox[:, rows]
    dx = np.maximum(np.maximum(min_x - lon, lon - max_x), 0)
    dy = np.maximum(np.maximum(min_y - lat, lat - max_y), 0)
    distance = np.hypot(dx / reach[0], dy / reach[1])
    area = (max_x - min_x) * (max_y - min_y)
    candidates = table.ids[rows[np.lexsort((area, distance))][:PICK_CANDIDATES]].tolist()
    allowed = set(candidates)
    if candidates and scope.zone_ids is not None:
        where = " AND ".join([f"t.id IN ({', '.join(map(str, candidates))})",
                              *_in_scope(layers()["parcels"], scope.zone_ids)])
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT t.id FROM {Parcel._meta.db_table} t WHERE {where}")
            allowed = {row[0] for row in cursor.fetchall()}
    chosen = next((parcel_id for parcel_id in candidates if parcel_id in allowed), None)
    if chosen is None:
        raise NotFound(gettext("经度 %(lon)s、纬度 %(lat)s 处没有您可查看的地块") % {"lon": lon, "lat": lat})
    bbox = table.bbox[:, np.searchsorted(table.ids, chosen)].tolist()
    return {"id": chosen, "bbox": bbox, **parcel_properties(parcel_id=chosen, scope=scope)}


def _number(value, name: str, low: float, high: float) -> float:
    """A query parameter as a finite number in [low, high], else InputError naming it."""
    if value is None or value == "":
        raise InputError(gettext("缺少参数 %(name)s（%(low)s 到 %(high)s 之间的数）")
                         % {"name": name, "low": low, "high": high})
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not low <= number <= high:  # also false for NaN
        raise InputError(gettext("参数 %(name)s 应为 %(low)s 到 %(high)s 之间的数，收到 %(value)r")
                         % {"name": name, "low": low, "high": high, "value": value})
    return number


def _postgis_tile(spec, box, rated, where, params, version) -> bytes:
    """ST_AsMVT over the GiST-indexed `geom`; class and tier join from the cached table as arrays."""
    geom = "t.geom"
    if box.tolerance:
        geom = (f"CASE WHEN ST_NPoints(t.geom) >= {SIMPLIFY_MIN_POINTS} "
                f"THEN ST_SimplifyPreserveTopology(t.geom, %(tolerance)s) ELSE t.geom END")
    joins, selected = spec.joins, list(spec.properties)
    if rated:
        params = {**params, **parcel_table(version).ratings_within(box.lonlat)}
        every = rated_properties()
        arrays = "".join(f", string_to_array(%({name})s, chr(31))" for name in every)
        aliases = ", ".join(f'"{name}"' for name in every)  # "case" is an SQL keyword
        joins += (f" LEFT JOIN unnest(string_to_array(%(rated_ids)s, ',')::bigint[]{arrays}) "
                  f"AS r(id, {aliases}) ON r.id = t.id")
        selected += [(name, f'NULLIF(r."{name}", \'\')') for name in rated]
    columns = ", ".join(f'{sql} AS "{name}"' for name, sql in selected)
    # No "WHERE geom IS NOT NULL" outside: PostgreSQL would push it into the subquery and cut every geometry
    # twice; ST_AsMVT skips rows whose geometry was clipped away by itself.
    cut = (f"ST_AsMVTGeom({geom}, ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4490)::box2d"
           if box.linear else  # from zoom 12 or so: lon/lat scale straight to tile units, no ST_Transform
           f"ST_AsMVTGeom(ST_Transform({geom}, 3857), ST_MakeEnvelope(%(mx0)s, %(my0)s, %(mx1)s, %(my1)s, 3857)")
    sql = (f"SELECT ST_AsMVT(tile, %(layer)s, {EXTENT}, 'geom', 'id') FROM ("
           f"SELECT t.id, {cut}, {EXTENT}, {BUFFER}, true) AS geom, "
           f"{columns} FROM {spec.model._meta.db_table} t {joins} "
           f"WHERE t.geom && ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4490) AND {where}"
           f") AS tile")
    mx0, my0, mx1, my1 = box.mercator
    params = {**params, "layer": spec.name, "tolerance": box.tolerance, "mx0": mx0, "my0": my0, "mx1": mx1,
              "my1": my1}
    with transaction.atomic(), connection.cursor() as cursor:
        # Dense tiles look costly enough to the planner for parallel workers and JIT compilation, which cost
        # more than they save here: each worker sets up PROJ again, and JIT took 25 ms of a 100 ms tile (measured).
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] else b""


def _shapely_tile(spec, box, rated, where, params, version) -> bytes:
    """Rows by the bbox columns, geometry cut with Shapely and pyproj, properties from the cached table."""
    parcels = parcel_table(version) if spec.model is Parcel else None
    columns, joins, reach = "", "", ""
    if parcels is None:
        columns, joins = "".join(f", {sql}" for _name, sql in spec.properties), spec.joins
    else:  # the bbox index is ordered by min_x: bound it on both sides
        reach, params = " AND t.min_x >= %(reach)s", {**params, "reach": params["west"] - parcels.widest}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t.id, t.geometry{columns} FROM {spec.model._meta.db_table} t {joins} "
                       f"WHERE {where}{reach}", params)
        rows = cursor.fetchall()
    if not rows:
        return b""
    data = list(zip(*rows))
    ids = np.asarray(data[0], dtype=np.int64)
    commands, offsets, kept = _geometry_commands(shapely.from_wkb(data[1]), box)
    if not kept.any():
        return b""
    if parcels is not None:
        properties = parcels.properties(ids[kept], [name for name, _sql in spec.properties] + rated)
    else:
        properties = columns_of({name: [v for v, k in zip(data[2 + i], kept) if k]
                                 for i, (name, _sql) in enumerate(spec.properties)})
    return encode_layer(name=spec.name, ids=ids[kept], commands=commands, offsets=np.r_[0, offsets[1:][kept]],
                        properties=properties)


def _overview_tile(box, rated, zone_ids, version) -> bytes:
    """A generalised parcel tile from the outlines in memory, with the colour properties only.

    Parcels drawn as boxes (under overview.TINY_PX) go into one feature without id for each combination of
    colour properties; the map finds the parcel under a click on such a feature with `parcel_at`.
    """
    shapes = parcel_shapes(version)
    rows = shapes.select(lonlat=box.lonlat, min_size=box.min_size, zone_ids=zone_ids)
    if not len(rows):
        return b""
    drawn = shapes.features(rows, z=box.z, x=box.x, y=box.y)
    names = [*OVERVIEW_PROPERTIES, *(name for name in rated if name not in CARD_ONLY)]
    table = parcel_table(version)
    outlined = table.properties(shapes.ids[drawn.outlined], names)
    boxed = table.properties(shapes.ids[drawn.boxed], names)
    groups, boxes = overview.box_groups(drawn.boxes, np.column_stack([boxed[name][0] for name in names]))
    if not len(drawn.outlined) and not len(groups):
        return b""
    properties = {name: (np.r_[outlined[name][0], groups[:, i]], outlined[name][1]) for i, name in enumerate(names)}
    return encode_layer(name="parcels", ids=np.r_[shapes.ids[drawn.outlined], np.full(len(groups), -1)],
                        encoded=Geometry.concat([geometry(drawn.commands, drawn.offsets), boxes]),
                        properties=properties, extent=overview.EXTENT)


def _geometry_commands(geoms, box: TileBox):
    """Simplify (low zoom), clip to the buffered tile, project to tile units and encode."""
    if box.tolerance:
        many = shapely.get_num_coordinates(geoms) >= SIMPLIFY_MIN_POINTS
        geoms[many] = shapely.simplify(geoms[many], box.tolerance, preserve_topology=True)
    west, south, east, north = box.buffered
    bbox = shapely.bounds(geoms).T
    outside = (bbox[0] < west) | (bbox[1] < south) | (bbox[2] > east) | (bbox[3] > north)
    geoms[outside] = shapely.clip_by_rect(geoms[outside], west, south, east, north)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6)) & ~shapely.is_empty(geoms)
    if not polygonal.any():
        return np.zeros(0, dtype=np.int64), np.zeros(len(geoms) + 1, dtype=np.int64), polygonal
    geoms[~polygonal] = None  # a clip that left nothing, or a stored geometry that is not a polygon
    kind, coords, offsets = shapely.to_ragged_array(geoms)
    ring_offsets = offsets[0]
    if kind == shapely.GeometryType.POLYGON:
        polygon_rings, feature_polygons = offsets[1], np.arange(len(geoms) + 1)
    else:
        polygon_rings, feature_polygons = offsets[1], offsets[2]
    x, y = _projection(STORAGE_CRS, "EPSG:3857").transform(coords[:, 0], coords[:, 1])
    mx0, _my0, mx1, my1 = box.mercator
    scale = EXTENT / (mx1 - mx0)
    tile_xy = np.column_stack([np.rint((np.asarray(x) - mx0) * scale), np.rint((my1 - np.asarray(y)) * scale)])
    return polygon_commands(tile_xy.astype(np.int64), _owner(ring_offsets), _owner(polygon_rings),
                            _owner(feature_polygons), len(geoms))


def _owner(offsets):
    """For ragged offsets, the index of the owning element of each child."""
    return np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))


def tile_etag(*, layer: str, z: int, x: int, y: int, scope, version: tuple | None = None) -> str:
    """An entity tag for a tile as `scope` sees it, so browsers can revalidate instead of refetching."""
    check_tile(layer=layer, z=z, x=x, y=y)
    seen = (layer, z, x, y, scope.zone_ids, rated_names(scope), version or data_version())
    return hashlib.sha256(repr(seen).encode()).hexdigest()[:32]


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple:
    """XYZ tile numbers of the tile holding a point (used by the benchmark and tests)."""
    n = 1 << z
    lat = max(min(lat, 85.05112878), -85.05112878)
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)
