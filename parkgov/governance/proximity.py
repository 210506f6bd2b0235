"""Distance in metres from parcels to the features of a reference layer, vectorised with a Shapely 2 STRtree.

Geometries are stored in EPSG:4490 (degrees). Both sides are projected to the CGCS2000 3-degree Gauss-Krüger
zone whose meridian is nearest the layer (one metric CRS for the whole set; across a county the scale error of
that projection is well below a metre per kilometre). Lines and polygon outlines are cut into their segments
before indexing, so a river of thousands of vertices is thousands of small boxes in the tree and each parcel's
nearest feature is found in logarithmic time instead of by measuring the whole river; a parcel inside or
touching a polygon feature is at distance 0. No per-row Python loop.
"""

import numpy as np
import shapely

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
    `max_distance` (a bound the caller knows makes farther parcels irrelevant: the query then skips them).
    """
    parcels = np.asarray(parcels, dtype=object)
    features = np.asarray(features, dtype=object)
    result = np.full(len(parcels), np.nan)
    present = ~shapely.is_missing(parcels) & ~shapely.is_empty(parcels)
    features = features[~shapely.is_missing(features) & ~shapely.is_empty(features)]
    if not present.any() or not len(features):
        return result
    crs = metric_crs(features)
    index = np.flatnonzero(present)
    projected = transform(parcels[present], STORAGE_CRS, crs)
    layer = transform(features, STORAGE_CRS, crs)
    tree = shapely.STRtree(segments(layer))
    found, metres = tree.query_nearest(projected, max_distance=max_distance, return_distance=True,
                                       all_matches=False)
    result[index[found[0]]] = metres
    polygons = layer[np.isin(shapely.get_type_id(layer), (3, 6))]
    if len(polygons):
        inside = shapely.STRtree(polygons).query(projected, predicate="intersects")[0]
        result[index[np.unique(inside)]] = 0.0
    return result
