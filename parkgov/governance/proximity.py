"""Distance in metres from parcels to the features of a reference layer, vectorised with a Shapely 2 STRtree.

Geometries are stored in EPSG:4490 (degrees). Both sides are projected to the CGCS2000 3-degree Gauss-Krüger
zone whose meridian is nearest the layer (one metric CRS for the whole set; across a county the scale error of
that projection is well below a metre per kilometre). Lines and polygon outlines are cut into their segments
before indexing, so a river of thousands of vertices is thousands of small boxes in the tree and each parcel's
nearest feature is found in logarithmic time instead of by measuring the whole river; a parcel inside or
touching a polygon feature is at distance 0. With a bound (the 1,000 m of 沿江一公里) parcels far from every
feature are dropped first by their boxes on a coarse grid (`near`), so only the few near the river are decoded,
projected and measured.
No per-row Python loop.
"""

import numpy as np
import shapely

from parkgov.ledger.geometry import STORAGE_CRS, gauss_kruger_epsg, transform

DEGREE_M = 110_000.0  # metres in one degree of latitude, rounded down (110.57–111.69 km), so widening is generous


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
    any feature's box are then skipped before any geometry is projected or measured, see `near`).
    """
    parcels = np.asarray(parcels, dtype=object)
    features = np.asarray(features, dtype=object)
    result = np.full(len(parcels), np.nan)
    features = features[~shapely.is_missing(features) & ~shapely.is_empty(features)]
    present = ~shapely.is_missing(parcels) & ~shapely.is_empty(parcels)
    if not present.any() or not len(features):
        return result
    index = np.flatnonzero(present)
    if max_distance is not None:
        index = index[near(shapely.bounds(parcels[index]), features, max_distance)]
        if not len(index):
            return result
    crs = metric_crs(features)
    layer = transform(features, STORAGE_CRS, crs)
    projected = transform(parcels[index], STORAGE_CRS, crs)
    found, metres = shapely.STRtree(segments(layer)).query_nearest(projected, max_distance=max_distance,
                                                                   return_distance=True, all_matches=False)
    result[index[found[0]]] = metres
    polygons = layer[np.isin(shapely.get_type_id(layer), (3, 6))]
    if len(polygons):
        inside = shapely.STRtree(polygons).query(projected, predicate="intersects")[0]
        result[index[np.unique(inside)]] = 0.0
    return result


def near(boxes: np.ndarray, features, distance: float, cells: int = 2000) -> np.ndarray:
    """Mask of `boxes` ((n, 4) min/max lon/lat, EPSG:4490) that may lie within `distance` metres of a feature:
    a feature's box widened by `distance` touches a grid cell the box touches. A superset of the true answer
    (exact distances follow), computed in degrees with a widening no smaller than `distance` anywhere in the
    extent, so nothing near is dropped and no parcel needs to be decoded or projected to be dropped.

    The grid (at most `cells` × `cells`) is filled with a 2-D difference array and read through a summed-area
    table, so both the marking and the test are vectorised whatever the number of features or parcels.
    """
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    if not len(boxes):
        return np.zeros(0, dtype=bool)
    feature_boxes = shapely.bounds(np.asarray(features, dtype=object)).reshape(-1, 4)
    widest = np.radians(min(89.0, float(np.abs(np.r_[boxes[:, [1, 3]].ravel(), feature_boxes[:, [1, 3]].ravel()])
                                            .max()) + 1.0))
    dx = distance / (DEGREE_M * np.cos(widest)) * 1.01
    dy = distance / DEGREE_M * 1.01
    low = np.minimum(boxes[:, :2].min(0), feature_boxes[:, :2].min(0) - [dx, dy])
    high = np.maximum(boxes[:, 2:].max(0), feature_boxes[:, 2:].max(0) + [dx, dy])
    size = max(float((high - low).max()) / cells, dx, dy, 1e-7)
    shape = np.ceil((high - low) / size).astype(int) + 2

    def cell(values, axis):
        return np.clip(((values - low[axis]) / size).astype(int), 0, shape[axis] - 1)

    x0, x1 = cell(feature_boxes[:, 0] - dx, 0), cell(feature_boxes[:, 2] + dx, 0)
    y0, y1 = cell(feature_boxes[:, 1] - dy, 1), cell(feature_boxes[:, 3] + dy, 1)
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
