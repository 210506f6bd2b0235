"""Distance in metres from parcels to the features of a reference layer, vectorised with a Shapely 2 STRtree.

Geometries are stored in EPSG:4490 (degrees). Both sides are projected to the CGCS2000 3-degree Gauss-Krüger
zone whose meridian is nearest the layer (one metric CRS for the whole set; across a county the scale error of
that projection is well below a metre per kilometre). Lines and polygon outlines are cut into their segments
before indexing, so a river of thousands of vertices is thousands of small boxes in the tree and each parcel's
nearest feature is found in logarithmic time instead of by measuring the whole river; a parcel inside or
touching a polygon feature is at distance 0. With a bound (the 1,000 m of 沿江一公里) parcels far from every
feature are dropped first on a coarse grid, so only the few near the river are projected and measured.
No per-row Python loop.
"""

from functools import cache

import numpy as np
import shapely
from pyproj import Transformer

from parkgov.ledger.geometry import STORAGE_CRS, gauss_kruger_epsg, transform


def decode(blobs) -> np.ndarray:
    """Shapely geometries from WKB values (bytes, memoryview or None), None kept as None."""
    values = np.asarray([bytes(b) if b is not None else None for b in blobs], dtype=object)
    return shapely.from_wkb(values)


def metric_crs(geometries) -> str:
    """The Gauss-Krüger CRS whose meridian is nearest the middle of `geometries` (EPSG:4490)."""
    bounds = shapely.total_bounds(geometries)
    return f"EPSG:{gauss_kruger_epsg((bounds[0] + bounds[2]) / 2)}"


def segments(geometries) -> np.ndarray:
    """Lines and polygon outlines cut into two-point segments; points (and multipoints' parts) kept."""
    geometries = geometries[~shapely.is_missing(geometries) & ~shapely.is_empty(geometries)]
    kinds = shapely.get_type_id(geometries)
    polygonal = np.isin(kinds, (3, 6))
    lines = np.where(polygonal, shapely.boundary(geometries), geometries)
    parts = shapely.get_parts(lines)
    points = parts[shapely.get_type_id(parts) == 0]
    linear = parts[np.isin(shapely.get_type_id(parts), (1, 2))]
    coords, index = shapely.get_coordinates(linear, return_index=True)
    same = index[1:] == index[:-1]
    pairs = np.stack([coords[:-1][same], coords[1:][same]], axis=1)
    pieces = shapely.linestrings(pairs) if len(pairs) else np.array([], dtype=object)
    return np.concatenate([pieces, points])


def distances(parcels, features, *, max_distance: float | None = None) -> np.ndarray:
    """Metres from each parcel (EPSG:4490 geometries) to the nearest of `features` (EPSG:4490).

    NaN where the parcel has no geometry, the layer has no features, or the nearest is farther than
    `max_distance` (a bound the caller knows makes farther parcels irrelevant: parcels whose box is not near
    any feature's box are then skipped before any geometry is projected or measured, see `near_boxes`).
    """
    parcels = np.asarray(parcels, dtype=object)
    features = np.asarray(features, dtype=object)
    result = np.full(len(parcels), np.nan)
    features = features[~shapely.is_missing(features) & ~shapely.is_empty(features)]
    present = ~shapely.is_missing(parcels) & ~shapely.is_empty(parcels)
    if not present.any() or not len(features):
        return result
    crs = metric_crs(features)
    layer = transform(features, STORAGE_CRS, crs)
    pieces = segments(layer)
    polygons = layer[np.isin(shapely.get_type_id(layer), (3, 6))]
    index = np.flatnonzero(present)
    if max_distance is not None:  # near a segment, or inside a polygon however far from its outline
        boxes = projected_boxes(parcels[index], crs)
        feature_boxes = np.concatenate([shapely.bounds(pieces), shapely.bounds(polygons).reshape(-1, 4)])
        index = index[near_boxes(boxes, feature_boxes, max_distance)]
        if not len(index):
            return result
    projected = transform(parcels[index], STORAGE_CRS, crs)
    found, metres = shapely.STRtree(pieces).query_nearest(projected, max_distance=max_distance,
                                                          return_distance=True, all_matches=False)
    result[index[found[0]]] = metres
    if len(polygons):
        inside = shapely.STRtree(polygons).query(projected, predicate="intersects")[0]
        result[index[np.unique(inside)]] = 0.0
    return result


@cache
def _transformer(crs: str) -> Transformer:
    return Transformer.from_crs(STORAGE_CRS, crs, always_xy=True)


def projected_boxes(geometries, crs: str, margin: float = 1.0) -> np.ndarray:
    """(n, 4) boxes in `crs` of EPSG:4490 geometries: their corners projected, widened by `margin` metres (the
    projected outline of a parcel bulges past its projected corners by far less than that)."""
    bounds = shapely.bounds(geometries)
    transformer = _transformer(crs)
    xs = np.concatenate([bounds[:, 0], bounds[:, 2], bounds[:, 0], bounds[:, 2]])
    ys = np.concatenate([bounds[:, 1], bounds[:, 1], bounds[:, 3], bounds[:, 3]])
    x, y = transformer.transform(xs, ys)
    x, y = x.reshape(4, -1), y.reshape(4, -1)
    return np.column_stack([x.min(0) - margin, y.min(0) - margin, x.max(0) + margin, y.max(0) + margin])


def near_boxes(boxes: np.ndarray, feature_boxes: np.ndarray, distance: float, cells: int = 2000) -> np.ndarray:
    """Mask of `boxes` that may lie within `distance` of a feature: a feature box widened by `distance`
    touches a grid cell the box touches (a superset of the true answer; exact distances follow).

    The grid (at most `cells` × `cells`) is filled with a 2-D difference array and read through a summed-area
    table, so both the marking and the test are vectorised whatever the number of features or parcels.
    """
    low = np.minimum(boxes[:, :2].min(0), feature_boxes[:, :2].min(0) - distance)
    high = np.maximum(boxes[:, 2:].max(0), feature_boxes[:, 2:].max(0) + distance)
    size = max(float((high - low).max()) / cells, distance, 1.0)
    shape = np.ceil((high - low) / size).astype(int) + 2

    def cell(values, axis):
        return np.clip(((values - low[axis]) / size).astype(int), 0, shape[axis] - 1)

    x0, x1 = cell(feature_boxes[:, 0] - distance, 0), cell(feature_boxes[:, 2] + distance, 0)
    y0, y1 = cell(feature_boxes[:, 1] - distance, 1), cell(feature_boxes[:, 3] + distance, 1)
    diff = np.zeros((shape[1] + 1, shape[0] + 1), dtype=np.int64)
    np.add.at(diff, (y0, x0), 1)
    np.add.at(diff, (y0, x1 + 1), -1)
    np.add.at(diff, (y1 + 1, x0), -1)
    np.add.at(diff, (y1 + 1, x1 + 1), 1)
    covered = (diff.cumsum(0).cumsum(1) > 0)[: shape[1], : shape[0]]
    table = np.zeros((shape[1] + 1, shape[0] + 1), dtype=np.int64)
    table[1:, 1:] = covered.cumsum(0).cumsum(1)
    bx0, bx1 = cell(boxes[:, 0], 0), cell(boxes[:, 2], 0) + 1
    by0, by1 = cell(boxes[:, 1], 1), cell(boxes[:, 3], 1) + 1
    return (table[by1, bx1] - table[by0, bx1] - table[by1, bx0] + table[by0, bx0]) > 0
