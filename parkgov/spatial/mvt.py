"""Mapbox Vector Tile (spec 2.1) encoding of one polygon layer, vectorised with NumPy.

mapbox-vector-tile encodes feature by feature in Python: about 45 µs a parcel (250 ms for the 5,700 parcels of
a dense zoom-12 tile of the 100,000-firm demo, measured), more than the whole tile may take. Here the geometry
commands and the protobuf bytes of all features are built with array operations; the message layout is the
one in mapbox-vector-tile's `vector_tile.proto`, and tests/test_map.py decodes the output with that library.

Input polygons come as flat arrays (as `shapely.to_ragged_array` gives them): integer tile coordinates (y down)
of closed rings, the ring of each point, the polygon of each ring and the feature of each polygon.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

EXTENT = 4096
_MOVE_TO, _LINE_TO, _CLOSE_PATH = 1, 2, 7
_POLYGON = 3


def polygon_commands(coords, point_ring, ring_polygon, polygon_feature, n_features):
    """Geometry command integers of polygons: (ints, offsets of each feature's slice, mask of features kept).

    Closing and repeated points are dropped, rings with fewer than three points or no area are dropped (with
    their polygon when it is the exterior), and rings are oriented as the spec asks: exterior rings with
    positive area in tile coordinates (clockwise on screen), interior rings with negative area.
    Rings must come grouped by polygon, exterior first, and polygons grouped by feature.
    """
    coords = np.asarray(coords, dtype=np.int64).reshape(-1, 2)
    point_ring = np.asarray(point_ring, dtype=np.int64)
    ring_polygon = np.asarray(ring_polygon, dtype=np.int64)
    n_rings = len(ring_polygon)
    keep = np.zeros(len(coords), dtype=bool)
    if len(coords):  # a point is kept unless the next point of its ring is the same (or it closes the ring)
        keep[:-1] = (point_ring[1:] == point_ring[:-1]) & (coords[1:] != coords[:-1]).any(axis=1)
    coords, point_ring = coords[keep], point_ring[keep]
    count = np.bincount(point_ring, minlength=n_rings)
    area = _ring_areas(coords, point_ring, count)
    exterior = np.ones(n_rings, dtype=bool)
    exterior[1:] = ring_polygon[1:] != ring_polygon[:-1]
    usable = (count >= 3) & (area != 0)
    polygon_ok = np.zeros(int(ring_polygon.max(initial=-1)) + 1, dtype=bool)
    polygon_ok[ring_polygon[exterior & usable]] = True
    ring_ok = usable & polygon_ok[ring_polygon]
    reverse = ring_ok & np.where(exterior, area < 0, area > 0)
    coords = coords[_reversal(point_ring, count, reverse)]
    point_ok = ring_ok[point_ring]
    coords = coords[point_ok]
    kept = np.flatnonzero(ring_ok)
    ring_feature = np.asarray(polygon_feature, dtype=np.int64)[ring_polygon[kept]]
    feature_rings = np.bincount(ring_feature, minlength=n_features)
    commands, offsets = _encode_rings(coords, count[kept], ring_feature, feature_rings)
    return commands, offsets, feature_rings > 0


def _ring_areas(coords, point_ring, count):
    """Twice the signed area of each ring (surveyor's formula in tile coordinates, y down)."""
    start = np.cumsum(count) - count
    following = np.arange(1, len(coords) + 1)
    filled = count > 0
    following[(start + count - 1)[filled]] = start[filled]
    x, y = coords[:, 0], coords[:, 1]
    cross = x * y[following] - x[following] * y
    return np.bincount(point_ring, weights=cross, minlength=len(count))


def _reversal(point_ring, count, reverse):
    """Index that reverses the point order of the rings flagged in `reverse`."""
    index = np.arange(len(point_ring))
    start = np.cumsum(count) - count
    flip = reverse[point_ring]
    ring = point_ring[flip]
    index[flip] = start[ring] + (count[ring] - 1) - (index[flip] - start[ring])
    return index


def _zigzag(values):
    return (values << 1) ^ (values >> 63)


def _encode_rings(coords, count, ring_feature, feature_rings):
    """MoveTo, LineTo(n-1), ClosePath per ring with zigzag deltas; the cursor restarts at 0,0 per feature."""
    start = np.cumsum(count) - count
    point_ring = np.repeat(np.arange(len(count)), count)
    previous = np.zeros_like(coords)
    previous[1:] = coords[:-1]
    first_ring = (np.cumsum(feature_rings) - feature_rings)[feature_rings > 0]
    previous[start[first_ring]] = 0
    delta = _zigzag(coords - previous)
    size = 2 * count + 3
    out_start = np.cumsum(size) - size
    out = np.empty(int(size.sum()), dtype=np.int64)
    out[out_start] = (1 << 3) | _MOVE_TO
    out[out_start + 3] = ((count - 1) << 3) | _LINE_TO
    out[out_start + size - 1] = (1 << 3) | _CLOSE_PATH
    k = np.arange(len(coords)) - start[point_ring]
    position = out_start[point_ring] + 1 + 2 * k + (k > 0)
    out[position] = delta[:, 0]
    out[position + 1] = delta[:, 1]
    offsets = np.zeros(len(feature_rings) + 1, dtype=np.int64)
    np.cumsum(np.bincount(ring_feature, weights=size, minlength=len(feature_rings)).astype(np.int64),
              out=offsets[1:])
    return out, offsets


def varints(values) -> tuple[np.ndarray, np.ndarray]:
    """Protobuf varint bytes of non-negative integers below 2**63: (all bytes, size of each value).

    Every value's first byte is written at once; the values that need more bytes, few in a tile (geometry is
    mostly small deltas), are then followed group by group. On a million geometry integers of a zoom-10 tile this
    took 23 ms where a byte matrix of the widest value's width, compacted, took 26 ms, and half the time when a
    few values are large (ids; measured).
    """
    v = np.asarray(values, dtype=np.int64)
    big = v >= 0x80
    if not big.any():
        return v.astype(np.uint8), np.ones(len(v), dtype=np.int64)
    sizes = big.astype(np.int64) + 1
    at = np.flatnonzero(big)
    rest = v[at] >> 7
    follow = [(at, rest)]  # the values with a further byte and what remains of them
    while (further := rest >= 0x80).any():
        at, rest = at[further], rest[further] >> 7
        sizes[at] += 1
        follow.append((at, rest))
    start = np.cumsum(sizes) - sizes
    out = np.empty(int(start[-1] + sizes[-1]), dtype=np.uint8)
    out[start] = ((v & 0x7F) | (big.astype(np.int64) << 7)).astype(np.uint8)
    for j, (at, rest) in enumerate(follow, start=1):
        out[start[at] + j] = ((rest & 0x7F) | ((rest >= 0x80).astype(np.int64) << 7)).astype(np.uint8)
    return out, sizes


def _segment_sums(sizes, offsets):
    total = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=total[1:])
    return total[offsets[1:]] - total[offsets[:-1]]


def _concat_rows(parts) -> np.ndarray:
    """Bytes of rows built from several parts, each given as (flat bytes, length of each row's piece)."""
    lengths = np.column_stack([lens for _flat, lens in parts])
    totals = lengths.sum(axis=1)
    row_start = np.cumsum(totals) - totals
    out = np.empty(int(totals.sum()), dtype=np.uint8)
    before = np.zeros(len(lengths), dtype=np.int64)
    for column, (flat, lens) in enumerate(parts):
        source_start = np.cumsum(lens) - lens
        out[np.arange(len(flat)) + np.repeat(row_start + before - source_start, lens)] = flat
        before += lengths[:, column]
    return out


@dataclass(frozen=True)
class ValueTable:
    """Distinct values of one property, each already encoded as a layer `values` entry (field 4)."""

    data: np.ndarray  # uint8: the entries one after another
    offsets: np.ndarray  # start of each entry, then the end

    def gather(self, chosen) -> bytes:
        starts = self.offsets[chosen]
        lens = self.offsets[np.asarray(chosen) + 1] - starts
        shift = np.repeat(starts - (np.cumsum(lens) - lens), lens)
        return self.data[np.arange(int(lens.sum())) + shift].tobytes()


def value_table(values: list) -> ValueTable:
    """Encode distinct values: strings as string_value, numbers as double_value."""
    n = len(values)
    if not n:
        return ValueTable(np.zeros(0, dtype=np.uint8), np.zeros(1, dtype=np.int64))
    if isinstance(values[0], str):
        encoded = [v.encode("utf-8") for v in values]
        lens = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
        len_bytes, len_sizes = varints(lens)
        msg_bytes, msg_sizes = varints(1 + len_sizes + lens)
        ones = np.ones(n, dtype=np.int64)
        data = _concat_rows([(np.full(n, 0x22, dtype=np.uint8), ones), (msg_bytes, msg_sizes),
                             (np.full(n, 0x0A, dtype=np.uint8), ones), (len_bytes, len_sizes),
                             (np.frombuffer(b"".join(encoded), dtype=np.uint8), lens)])
        sizes = 2 + msg_sizes + len_sizes + lens
    else:
        record = np.zeros(n, dtype=[("head", "u1", 3), ("value", "<f8")])
        record["head"] = (0x22, 0x09, 0x19)
        record["value"] = np.asarray(values, dtype=np.float64)
        data, sizes = np.frombuffer(record.tobytes(), dtype=np.uint8), np.full(n, 11, dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return ValueTable(data, offsets)


def factorise(column) -> tuple[np.ndarray, list]:
    """(code of each value, -1 where absent; the distinct values, sorted) of one property: a list of plain values
    (None = absent) or a Polars series. Polars ranks them: 1,666,667 parcels' four properties took 1.8 s in Python
    dictionaries (measured)."""
    series = column if isinstance(column, pl.Series) else pl.Series(values=list(column), strict=False)
    codes = (series.rank("dense") - 1).fill_null(-1).to_numpy().astype(np.int64, copy=False)
    return codes, series.drop_nulls().unique().sort().to_list()


def columns(properties: dict) -> dict:
    """Property name → (codes, ValueTable) from plain per-feature values (None = absent)."""
    out = {}
    for name, values in properties.items():
        codes, uniques = factorise(values)
        out[name] = (codes, value_table(uniques))
    return out


@dataclass(frozen=True)
class Geometry:
    """Features' geometry as written: the varint bytes of their command integers and each feature's length."""

    data: np.ndarray  # uint8
    lengths: np.ndarray

    @staticmethod
    def concat(parts) -> "Geometry":
        return Geometry(np.concatenate([part.data for part in parts]),
                        np.concatenate([part.lengths for part in parts]))


def geometry(commands, offsets) -> Geometry:
    """`Geometry` of command integers, each feature's slice starting at its offset (then the end)."""
    data, sizes = varints(commands)
    return Geometry(data, _segment_sums(sizes, np.asarray(offsets, dtype=np.int64)))


def encode_layer(*, name: str, ids, properties: dict, extent: int = EXTENT, commands=None, offsets=None,
                 encoded: Geometry | None = None) -> bytes:
    """One tile holding one polygon layer (coordinates in `extent` units across the tile).

    The features' geometry comes as command integers with each feature's offset (then the end), or `encoded`.
    `properties` maps a key to (code of each feature's value in the table, -1 = absent; ValueTable), as made by
    `columns`; only the values the features use are written. A negative id writes the feature without one.
    """
    ids = np.asarray(ids, dtype=np.int64)
    n = len(ids)
    if n == 0:
        return b""
    keys = list(properties)
    codes = np.full((n, len(keys)), -1, dtype=np.int64)
    value_blocks, base = [], 0
    for k, key in enumerate(keys):
        feature_codes, table = properties[key]
        present = feature_codes >= 0
        used = np.unique(feature_codes[present])
        codes[present, k] = np.searchsorted(used, feature_codes[present]) + base
        value_blocks.append(table.gather(used))
        base += len(used)
    present = codes >= 0
    pairs = np.stack([np.broadcast_to(np.arange(len(keys)), codes.shape), codes], axis=2)
    tag_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(2 * present.sum(axis=1), out=tag_offsets[1:])
    features = _feature_messages(ids, pairs[present].reshape(-1), tag_offsets,
                                 encoded or geometry(np.asarray(commands, dtype=np.int64), offsets))
    layer = b"".join([b"\x78\x02", _field(1, name.encode("utf-8")), features,
                      b"".join(_field(3, key.encode("utf-8")) for key in keys), *value_blocks,
                      b"\x28" + varints([extent])[0].tobytes()])
    return _field(3, layer)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return bytes([(number << 3) | 2]) + varints([len(payload)])[0].tobytes() + payload


def _feature_messages(ids, tags, tag_offsets, encoded: Geometry) -> bytes:
    """Every feature as a `features` entry of the layer: id, packed tags, type polygon, packed geometry."""
    n = len(ids)
    tag_bytes, tag_sizes = varints(tags)
    tag_len = _segment_sums(tag_sizes, tag_offsets)
    geom_bytes, geom_len = encoded.data, encoded.lengths
    head = np.column_stack([np.full(n, 0x08), ids, np.full(n, 0x12), tag_len])
    written = np.ones(head.shape, dtype=bool)
    written[:, :2] = (ids >= 0)[:, None]  # a feature without id (a group of parcels) has no field 1
    head_bytes, sizes = varints(head[written])
    head_sizes = np.zeros(head.shape, dtype=np.int64)
    head_sizes[written] = sizes
    head_len = head_sizes.sum(axis=1)
    middle = np.column_stack([np.full(n, 0x18), np.full(n, _POLYGON), np.full(n, 0x22), geom_len]).ravel()
    middle_bytes, middle_sizes = varints(middle)
    middle_len = middle_sizes.reshape(n, 4).sum(axis=1)
    feature_len = head_len + tag_len + middle_len + geom_len
    wrap_bytes, wrap_sizes = varints(np.column_stack([np.full(n, 0x12), feature_len]).ravel())
    return _concat_rows([(wrap_bytes, wrap_sizes.reshape(n, 2).sum(axis=1)), (head_bytes, head_len),
                         (tag_bytes, tag_len), (middle_bytes, middle_len), (geom_bytes, geom_len)]).tobytes()
