"""Parcel tiles at low zoom (z ≤ MAX_ZOOM), cut from outlines held in memory: the same bytes on every database.

At zoom 12 and below a parcel is a few pixels wide and a dense tile holds 9,000–40,000 of them. Cutting those in
the database and sending every property made the map slow with the 100,000-firm demo (measured: a z12 tile
85–123 ms in PostGIS, a z10 tile 450 ms on SQLite, 10.5 MB of tiles for the z10 view). Here instead:

- every outline is projected once to a Web Mercator grid as fine as half a pixel at zoom 12, simplified by half a
  grid unit and kept in flat integer arrays (`ParcelShapes`, rebuilt by `parkgov.spatial.tile_data` when a
  parcel changes); a tile gathers the rows it needs and scales them to its own grid;
- a parcel smaller than TINY_PX on screen in both directions is drawn as its bounding box: at that size the outline
  cannot be told apart, and a box never collapses to nothing when rounded; the boxes of parcels with the same colour
  properties are one feature without id (`box_groups`), as tippecanoe coalesces features at low zoom: the densest
  zoom-10 tile at 1,666,667 parcels went from 87,646 features (2.77 MB) to 4,894 outlines and 82 groups (1.11 MB),
  and the map asks `parkgov.spatial.tiles.parcel_at` which parcel a click on a box meant;
- tiles have EXTENT 1024 (half a pixel) and, chosen by the caller, only the properties colours and filters need.

Parcels are chosen exactly as for the detailed tiles (`parkgov.spatial.tiles`): bbox meets the tile, at least one
pixel on screen in one direction, in the user's parks.
"""

from dataclasses import dataclass, fields, replace
from functools import cache

import numpy as np
import shapely
from pyproj import Transformer

from parkgov.ledger.geometry import STORAGE_CRS
from parkgov.spatial.mvt import Geometry, polygon_commands
from parkgov.spatial.mvt import geometry as mvt_geometry

MAX_ZOOM = 12  # parcel tiles at this zoom and below come from here
EXTENT = 1024  # tile units across a tile: half a pixel of MapLibre's 512-pixel tile
BUFFER = 16  # tile units kept beyond the edge when an outline must be clipped
TINY_PX = 3.0  # parcels smaller than this on screen in both directions are drawn as their bounding box
TILE_PX = 512
SIMPLIFY_GRID = 0.5  # grid units (a quarter of a pixel at zoom 12)
SIMPLIFY_MIN_POINTS = 9
BUILD_ROWS = 20_000
DENSE_KEYS = 1 << 20  # combinations of colour codes up to which boxes are grouped through a flag array
GRID = 1 << (MAX_ZOOM + 10)  # grid units across the world: EXTENT units per tile at MAX_ZOOM
WORLD = 20037508.342789244  # half the width of the Web Mercator square, metres
BOX_COMMANDS = 11  # integers encoding a box: MoveTo, x, y, LineTo(3), 6 deltas, ClosePath
BOX_BYTES = 13  # their bytes at most, for a tiny box: MoveTo's deltas may take two each, the others take one
FAR = EXTENT // 2  # outlines reaching further beyond the tile are clipped (MapLibre keeps about a tile beyond)
INDEX_MARGIN = 2  # grid units added around a tile when looking up the index (grid bboxes are rounded)


@cache
def _to_mercator() -> Transformer:
    return Transformer.from_crs(STORAGE_CRS, "EPSG:3857", always_xy=True)


def _to_grid(lonlat: np.ndarray) -> np.ndarray:
    """Lon/lat to grid units (x east, y down from the north edge of the Web Mercator square)."""
    x, y = _to_mercator().transform(lonlat[:, 0], lonlat[:, 1])
    scale = GRID / (2 * WORLD)
    return np.column_stack([(np.asarray(x) + WORLD) * scale, (WORLD - np.asarray(y)) * scale])


@dataclass(frozen=True)
class TileFeatures:
    """A tile's parcels: outlined ones with their MVT commands (each feature's offset, then the end) and tiny ones
    as boxes in tile units (rows x, y of the top-left corner, width, height), to be drawn in groups."""

    outlined: np.ndarray  # rows, in feature order
    commands: np.ndarray
    offsets: np.ndarray
    boxed: np.ndarray  # rows
    boxes: np.ndarray  # (4, len(boxed)) integers


@dataclass(frozen=True)
class ParcelShapes:
    """Every parcel with a polygonal geometry: id, park, lon/lat bbox and its outline on the grid, as flat arrays."""

    ids: np.ndarray  # sorted parcel ids
    zone_ids: np.ndarray
    bbox: np.ndarray  # (4, n) lon/lat: min_x, min_y, max_x, max_y (the stored columns)
    grid_bbox: np.ndarray  # (4, n) grid units: min_x, min_y, max_x, max_y
    # both kept row by row (C order): choosing a z10 tile's 87,646 of 1,666,667 parcels took 37 ms over the
    # column-ordered arrays that selecting and joining them gives, 13.5 ms over C-ordered ones (measured)
    coords: np.ndarray  # (points, 2) int32 grid units, rings closed
    ring_points: np.ndarray  # offsets: ring → points
    polygon_rings: np.ndarray  # offsets: polygon → rings
    feature_polygons: np.ndarray  # offsets: parcel → polygons
    # an index of the grid bboxes, so a tile looks at the parcels near it only (`_indexed`): the rows ordered by
    # the band of EXTENT grid units (a zoom-12 tile row) holding their top edge, then by their west edge
    order: np.ndarray | None = None
    keys: np.ndarray | None = None  # band * GRID + west edge, ascending
    reach: tuple = (0, 0)  # the widest bbox in grid units, the tallest in bands crossed

    def select(self, *, lonlat, min_size, zone_ids) -> np.ndarray:
        """Rows whose bbox meets `lonlat`, at least `min_size` (degrees) in one direction, in `zone_ids`.

        Candidates come from the index (a margin of INDEX_MARGIN grid units covers rounding), then the stored
        lon/lat bboxes decide, as in the database: checking all 1,666,667 parcels took 12 ms a tile (measured).
        """
        west, south, east, north = lonlat
        (x0, y0), (x1, y1) = _to_grid(np.array([[west, north], [east, south]])) + [[-INDEX_MARGIN], [INDEX_MARGIN]]
        widest, tallest = self.reach
        bands = np.arange(int(y0) // EXTENT - tallest, int(y1) // EXTENT + 1)
        starts = np.searchsorted(self.keys, bands * GRID + int(x0) - widest)
        ends = np.searchsorted(self.keys, bands * GRID + int(x1), side="right")
        rows = np.sort(self.order[_spans(starts, np.maximum(ends - starts, 0))])  # in memory order: faster gathers
        min_x, min_y, max_x, max_y = self.bbox[:, rows]
        chosen = (min_x <= east) & (max_x >= west) & (min_y <= north) & (max_y >= south)
        chosen &= (max_x - min_x >= min_size[0]) | (max_y - min_y >= min_size[1])
        if zone_ids is not None:
            chosen &= np.isin(self.zone_ids[rows], np.asarray(zone_ids, dtype=np.int64))
        return rows[chosen]

    def to_arrays(self) -> tuple[dict, dict]:
        """(arrays, meta) for `shared.shared`; `from_arrays` reads them back."""
        names = [f.name for f in fields(self) if f.name != "reach"]
        return {name: getattr(self, name) for name in names}, {"reach": list(self.reach)}

    @classmethod
    def from_arrays(cls, arrays: dict, meta: dict) -> "ParcelShapes":
        return cls(**arrays, reach=tuple(meta["reach"]))

    def features(self, rows, *, z: int, x: int, y: int) -> TileFeatures:
        """The MVT geometry of `rows` in tile z/x/y: tiny parcels as boxes, the others as outlines (those reaching
        far out clipped, those that collapse on the grid left out)."""
        scale = 1 << (MAX_ZOOM - z)
        box = self.grid_bbox[:, rows] / scale - np.array([[x], [y], [x], [y]]) * EXTENT
        px = TILE_PX / EXTENT
        tiny = ((box[2] - box[0]) * px < TINY_PX) & ((box[3] - box[1]) * px < TINY_PX)
        far = ~tiny & ((box[:2] < -FAR).any(axis=0) | (box[2:] > EXTENT + FAR).any(axis=0))
        near = ~tiny & ~far
        rings = Rings.concat([self._outlines(rows[near], scale, x, y), _clip(self._outlines(rows[far], scale, x, y))])
        commands, offsets, kept = polygon_commands(rings.coords, rings.point_ring, rings.ring_polygon,
                                                   rings.polygon_feature, rings.features)
        return TileFeatures(outlined=np.r_[rows[near], rows[far]][kept], commands=commands,
                            offsets=np.r_[0, offsets[1:][kept]], boxed=rows[tiny], boxes=_box_sides(box[:, tiny]))

    def _outlines(self, rows, scale, x, y):
        polygons, polygon_count = _ranges(self.feature_polygons, rows)
        rings, ring_count = _ranges(self.polygon_rings, polygons)
        points, point_count = _ranges(self.ring_points, rings)
        coords = np.rint(self.coords[points] / scale) - np.array([x, y]) * EXTENT
        return Rings(coords=coords.astype(np.int64), point_ring=_owners(point_count),
                     ring_polygon=_owners(ring_count), polygon_feature=_owners(polygon_count), features=len(rows))


@dataclass(frozen=True)
class Rings:
    """Closed rings in tile units with the ring of each point, polygon of each ring and feature of each polygon."""

    coords: np.ndarray
    point_ring: np.ndarray
    ring_polygon: np.ndarray
    polygon_feature: np.ndarray
    features: int

    @staticmethod
    def concat(parts):
        """The parts' features one after another."""
        rings = polygons = features = 0
        point_ring, ring_polygon, polygon_feature = [], [], []
        for part in parts:
            point_ring.append(part.point_ring + rings)
            ring_polygon.append(part.ring_polygon + polygons)
            polygon_feature.append(part.polygon_feature + features)
            rings, polygons, features = rings + len(part.ring_polygon), polygons + len(part.polygon_feature), \
                features + part.features
        return Rings(coords=np.concatenate([part.coords for part in parts]).reshape(-1, 2),
                     point_ring=np.concatenate(point_ring), ring_polygon=np.concatenate(ring_polygon),
                     polygon_feature=np.concatenate(polygon_feature), features=features)


def _ranges(offsets, chosen):
    """Indices offsets[i] … offsets[i + 1] - 1 for each chosen i, one after another, and how many each has."""
    starts = offsets[chosen]
    counts = offsets[chosen + 1] - starts
    return _spans(starts, counts), counts


def _spans(starts, counts):
    """Indices start … start + count - 1 of each span, one after another."""
    return np.arange(int(counts.sum())) + np.repeat(starts - (np.cumsum(counts) - counts), counts)


def _owners(counts):
    return np.repeat(np.arange(len(counts)), counts)


def _box_sides(box) -> np.ndarray:
    """(4, n) integers x, y of the top-left corner, width and height (at least one unit) of each box column."""
    x0, y0 = np.rint(box[0]).astype(np.int64), np.rint(box[1]).astype(np.int64)
    width = np.maximum(np.rint(box[2]).astype(np.int64) - x0, 1)
    height = np.maximum(np.rint(box[3]).astype(np.int64) - y0, 1)
    return np.stack([x0, y0, width, height])


def _distinct_rows(keys) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of `keys` and each row's number among them.

    While the combinations of codes number under DENSE_KEYS, each row is one integer marking a flag array (no
    sorting); past that (many colouring modes multiply the combinations: 4.5 GB for one zoom-11 tile of the 1,500-firm
    demo with nine modes) the rows are sorted (np.unique).
    """
    radix = keys.max(axis=0, initial=0) + 2  # codes are -1 (absent) and up: one integer per row of keys
    if float(np.prod(radix.astype(float))) <= DENSE_KEYS:
        packed = ((keys + 1) * np.r_[1, np.cumprod(radix[:-1])]).sum(axis=1)
        seen = np.zeros(int(np.prod(radix)), dtype=bool)
        seen[packed] = True
        number = np.cumsum(seen) - 1
        group_of = number[packed]
        groups = np.zeros((int(seen.sum()), keys.shape[1]), dtype=np.int64)
        groups[group_of] = keys
        return groups, group_of
    groups, group_of = np.unique(keys, axis=0, return_inverse=True)
    return groups, group_of.reshape(-1)


def box_groups(boxes, keys):
    """Boxes with equal `keys` rows as one multipolygon each: (the distinct keys, their `mvt.Geometry`).

    Boxes are written row by row (by top edge, then left edge) so each MoveTo steps a short way from where the
    previous box of its group left the cursor (its bottom-left corner): MoveTo, LineTo right, down and left
    (clockwise on screen, as the spec wants exteriors), ClosePath — what `polygon_commands` gives a box. The
    bytes are laid out directly: a box's sides take one byte each and its MoveTo one or two a coordinate (10 ms
    for a zoom-10 tile's 82,752 boxes, where varints of the command integers took 20 ms, measured).
    """
    groups, group_of = _distinct_rows(np.asarray(keys, dtype=np.int64))
    x0, y0, width, height = boxes
    # one sort key: group, then top edge, then left edge (boxes lie within a tile or two of this one)
    order = np.argsort((group_of << 40) | ((y0 + (1 << 19)) << 20) | (x0 + (1 << 19)))
    group_of, x0, y0, width, height = group_of[order], x0[order], y0[order], width[order], height[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = group_of[1:] != group_of[:-1]
    cursor_x, cursor_y = np.r_[0, x0[:-1]], np.r_[0, (y0 + height)[:-1]]
    cursor_x[first], cursor_y[first] = 0, 0
    move_x, move_y = _zigzag(x0 - cursor_x), _zigzag(y0 - cursor_y)
    right, down, left = _zigzag(width), _zigzag(height), _zigzag(-width)
    per_group = np.bincount(group_of, minlength=len(groups))
    if max(right.max(initial=0), down.max(initial=0), left.max(initial=0)) >= 0x80 or \
            max(move_x.max(initial=0), move_y.max(initial=0)) >= 0x4000:  # not tiny: the general encoding
        out = np.zeros((len(order), BOX_COMMANDS), dtype=np.int64)
        out[:, 0], out[:, 3], out[:, 10] = (1 << 3) | 1, (3 << 3) | 2, (1 << 3) | 7
        out[:, 1], out[:, 2], out[:, 4], out[:, 7], out[:, 8] = move_x, move_y, right, down, left
        return groups, mvt_geometry(out.ravel(), np.r_[0, np.cumsum(per_group * BOX_COMMANDS)])
    data = np.zeros((len(order), BOX_BYTES), dtype=np.uint8)  # MoveTo x x' y y', LineTo(3) w 0 0 h -w 0, Close
    data[:, 0], data[:, 5], data[:, 12] = (1 << 3) | 1, (3 << 3) | 2, (1 << 3) | 7
    data[:, 1], data[:, 2] = (move_x & 0x7F) | ((move_x >= 0x80) << 7), move_x >> 7
    data[:, 3], data[:, 4] = (move_y & 0x7F) | ((move_y >= 0x80) << 7), move_y >> 7
    data[:, 6], data[:, 9], data[:, 10] = right, down, left
    written = np.ones(data.shape, dtype=bool)
    written[:, 2], written[:, 4] = move_x >= 0x80, move_y >= 0x80
    sizes = written.sum(axis=1)
    lengths = np.bincount(group_of, weights=sizes, minlength=len(groups)).astype(np.int64)
    return groups, Geometry(data[written], lengths)


def _zigzag(values):
    return (values << 1) ^ (values >> 63)


def _clip(rings: Rings) -> Rings:
    """The outlines cut to the tile and its buffer (for the rare parcel spanning more than a tile)."""
    if not rings.features:
        return rings
    offsets = tuple(np.r_[0, np.cumsum(np.bincount(owner, minlength=n))] for owner, n in (
        (rings.point_ring, len(rings.ring_polygon)), (rings.ring_polygon, len(rings.polygon_feature)),
        (rings.polygon_feature, rings.features)))
    geoms = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, rings.coords.astype(np.float64), offsets)
    geoms = shapely.clip_by_rect(geoms, -BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    return _flatten(geoms)


def _flatten(geoms) -> Rings:
    """`Rings` of polygonal geometries (anything else becomes a feature without rings)."""
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6)) & ~shapely.is_empty(geoms)
    geoms = np.where(polygonal, geoms, None)
    if not polygonal.any():
        empty = np.zeros(0, dtype=np.int64)
        return Rings(np.zeros((0, 2), dtype=np.int64), empty, empty, empty, len(geoms))
    kind, coords, offsets = shapely.to_ragged_array(geoms)
    ring_points, polygon_rings = offsets[0], offsets[1]
    feature_polygons = np.arange(len(geoms) + 1) if kind == shapely.GeometryType.POLYGON else offsets[2]
    return Rings(coords=np.rint(coords).astype(np.int64), point_ring=_owners(np.diff(ring_points)),
                 ring_polygon=_owners(np.diff(polygon_rings)), polygon_feature=_owners(np.diff(feature_polygons)),
                 features=len(geoms))


def build_shapes(cursor, table: str) -> ParcelShapes:
    """Read every parcel's geometry once and put its outline on the grid (a second or two for 166,000 parcels).

    Rows are read and converted BUILD_ROWS at a time: all at once, the rows and Shapely objects took 200 MB more
    than the result (measured), in every web worker that builds at the same time.
    """
    cursor.execute(f"SELECT id, zone_id, min_x, min_y, max_x, max_y, geometry FROM {table} "
                   f"WHERE geometry IS NOT NULL AND ended_on IS NULL ORDER BY id")  # not parcels ended by a split/merge
    parts = []
    while rows := cursor.fetchmany(BUILD_ROWS):
        parts.append(_shapes_of(rows))
    return _indexed(_joined(parts) if parts else _shapes_of([]))


def _indexed(shapes: ParcelShapes) -> ParcelShapes:
    """The shapes with their index (see ParcelShapes.order)."""
    min_x, min_y, max_x, max_y = shapes.grid_bbox.astype(np.int64)
    keys = min_y // EXTENT * GRID + min_x
    order = np.argsort(keys, kind="stable")
    reach = (int((max_x - min_x).max(initial=0)), int((max_y // EXTENT - min_y // EXTENT).max(initial=0)))
    return replace(shapes, order=order, keys=keys[order], reach=reach)


def _shapes_of(rows) -> ParcelShapes:
    data = list(zip(*rows)) or [()] * 7
    geoms = shapely.from_wkb(np.asarray(data[6], dtype=object))
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6)) & ~shapely.is_empty(geoms)
    geoms = geoms[polygonal]
    many = shapely.get_num_coordinates(geoms) >= SIMPLIFY_MIN_POINTS
    if many.any():  # half a grid unit in degrees of latitude (the shorter way) where the parcel lies
        lat = np.radians(shapely.bounds(geoms[many])[:, 3])
        geoms[many] = shapely.simplify(geoms[many], SIMPLIFY_GRID * 360 / GRID * np.cos(lat), preserve_topology=True)
    if len(geoms):
        kind, coords, offsets = shapely.to_ragged_array(geoms)
    else:
        kind, coords, offsets = shapely.GeometryType.POLYGON, np.zeros((0, 2)), (np.zeros(1, int), np.zeros(1, int))
    feature_polygons = np.arange(len(geoms) + 1) if kind == shapely.GeometryType.POLYGON else offsets[2]
    grid = np.rint(_to_grid(coords)).astype(np.int32)
    first_point = offsets[0][offsets[1][feature_polygons[:-1]]]
    grid_bbox = np.concatenate([np.minimum.reduceat(grid, first_point).T, np.maximum.reduceat(grid, first_point).T]) \
        if len(geoms) else np.zeros((4, 0), dtype=np.int32)
    return ParcelShapes(
        ids=np.asarray(data[0], dtype=np.int64)[polygonal], zone_ids=np.asarray(data[1], dtype=np.int64)[polygonal],
        bbox=np.ascontiguousarray(np.asarray(data[2:6], dtype=np.float64).reshape(4, -1)[:, polygonal]),
        grid_bbox=np.ascontiguousarray(grid_bbox), coords=grid,
        ring_points=offsets[0].astype(np.int64), polygon_rings=offsets[1].astype(np.int64),
        feature_polygons=feature_polygons.astype(np.int64))


def _joined(parts) -> ParcelShapes:
    """The parts' parcels one after another, offsets shifted to the joined arrays."""
    def offsets(name, counts):
        shifts = np.cumsum([0, *counts])
        return np.concatenate([getattr(part, name)[:-1] + shift for part, shift in zip(parts, shifts)]
                              + [shifts[-1:]])

    return ParcelShapes(
        ids=np.concatenate([part.ids for part in parts]), zone_ids=np.concatenate([part.zone_ids for part in parts]),
        bbox=np.ascontiguousarray(np.concatenate([part.bbox for part in parts], axis=1)),
        grid_bbox=np.ascontiguousarray(np.concatenate([part.grid_bbox for part in parts], axis=1)),
        coords=np.concatenate([part.coords for part in parts]).reshape(-1, 2),
        ring_points=offsets("ring_points", [len(part.coords) for part in parts]),
        polygon_rings=offsets("polygon_rings", [len(part.ring_points) - 1 for part in parts]),
        feature_polygons=offsets("feature_polygons", [len(part.polygon_rings) - 1 for part in parts]))
