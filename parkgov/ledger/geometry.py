"""Geometry maths for the ledger, vectorised with Shapely 2 and pyproj so both databases give the same answers.

Stored geometry is WKB in CGCS2000 geographic coordinates (EPSG:4490). Areas are computed in the CGCS2000
3-degree Gauss-Krüger zone (EPSG:4534–4554, central meridians 75°E–135°E) nearest each geometry's centroid.
"""

from functools import cache

import numpy as np
import shapely
from pyproj import CRS, Transformer

STORAGE_CRS = "EPSG:4490"
_GK_FIRST_EPSG = 4534  # CGCS2000 / 3-degree Gauss-Kruger CM 75E
_GK_FIRST_MERIDIAN = 75


@cache
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(source), CRS.from_user_input(target), always_xy=True)


def gauss_kruger_epsg(longitude: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Krüger zone (no zone prefix) whose meridian is nearest."""
    return int(gauss_kruger_epsgs([longitude])[0])


def transform(geometries, source: str, target: str = STORAGE_CRS):
    """Transform an array of Shapely geometries between CRSs (vectorised over coordinates)."""
    geometries = np.asarray(geometries, dtype=object)
    if CRS.from_user_input(source) == CRS.from_user_input(target):
        return geometries
    transformer = _transformer(source, target)

    def _apply(coords):
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometries, _apply)


def projected_areas(geometries) -> np.ndarray:
    """Areas in m² of EPSG:4490 geometries, each measured in its own Gauss-Krüger zone; NaN for missing."""
    return projected_measures(geometries)[0]


def projected_measures(geometries) -> tuple[np.ndarray, np.ndarray]:
    """(areas in m², boundary lengths in m) of EPSG:4490 geometries, each measured in its own Gauss-Krüger zone
    (the zone's scale error is under 1.4 parts in 10⁴ at its edges); NaN for missing."""
    geometries = np.asarray(geometries, dtype=object)
    areas, lengths = np.full(len(geometries), np.nan), np.full(len(geometries), np.nan)
    present = ~shapely.is_missing(geometries)
    if not present.any():
        return areas, lengths
    longitudes = shapely.get_x(shapely.centroid(geometries[present]))
    zones = gauss_kruger_epsgs(np.round(longitudes, 0))  # to the degree first, as the areas have always been
    index = np.flatnonzero(present)
    for epsg in np.unique(zones):
        chosen = index[zones == epsg]
        projected = transform(geometries[chosen], STORAGE_CRS, f"EPSG:{epsg}")
        areas[chosen] = shapely.area(projected)
        lengths[chosen] = shapely.length(projected)
    return areas, lengths


def gauss_kruger_epsgs(longitudes) -> np.ndarray:
    """`gauss_kruger_epsg` of each longitude (NaN, e.g. an empty geometry's centroid, takes the first zone's)."""
    longitudes = np.nan_to_num(np.asarray(longitudes, dtype=float), nan=_GK_FIRST_MERIDIAN)
    meridians = np.clip(np.round(longitudes / 3.0) * 3, _GK_FIRST_MERIDIAN, 135).astype(int)
    return _GK_FIRST_EPSG + (meridians - _GK_FIRST_MERIDIAN) // 3


# GRS 1980, the ellipsoid of CGCS2000 (their flattenings differ by 1e-10 of a metre's worth here)
_A, _E2 = 6378137.0, (1 / 298.257222101) * (2 - 1 / 298.257222101)


def radii_of_curvature(latitude):
    """Meridional (M) and prime-vertical (N) radii of curvature in metres at `latitude` (degrees)."""
    s2 = np.sin(np.radians(latitude)) ** 2
    w = np.sqrt(1 - _E2 * s2)
    return _A * (1 - _E2) / w ** 3, _A / w


def ellipsoidal_areas(geometries) -> np.ndarray:
    """Ellipsoidal areas in m² of EPSG:4490 polygons: the area in degrees² times the ellipsoid's area element
    M·N·cos φ (π/180)² at the middle latitude of each one's extent — what an equal-area projection centred there
    measures, to within (size ÷ earth radius)², a part in 10⁸ for a parcel; without projecting every coordinate."""
    geometries = np.asarray(geometries, dtype=object)
    box = shapely.bounds(geometries)
    latitude = (box[:, 1] + box[:, 3]) / 2
    m, n = radii_of_curvature(latitude)
    return shapely.area(geometries) * m * n * np.cos(np.radians(latitude)) * (np.pi / 180) ** 2


def bounds(geometries) -> np.ndarray:
    """(n, 4) array of min_x, min_y, max_x, max_y."""
    return shapely.bounds(np.asarray(geometries, dtype=object))


def to_wkb(geometries) -> list:
    """WKB bytes for each geometry (None stays None)."""
    return list(shapely.to_wkb(np.asarray(geometries, dtype=object)))


def from_wkb(blobs) -> np.ndarray:
    """Shapely geometries from WKB bytes (memoryview from PostgreSQL accepted)."""
    return shapely.from_wkb([bytes(b) if b is not None else None for b in blobs])


def decode_wkb(blobs) -> tuple[np.ndarray, list]:
    """Geometries from WKB, one at a time where GEOS refuses a blob; returns (geometries, GEOS message or '' each).

    GEOS refuses some structures outright (an unclosed ring, a ring of fewer than four points) before any
    validity check can run, so those become None with the reason instead of an exception for the whole file.
    """
    blobs = [None if b is None else bytes(b) for b in blobs]
    try:
        return shapely.from_wkb(blobs), [""] * len(blobs)
    except shapely.errors.GEOSException:
        pass
    geometries, errors = np.empty(len(blobs), dtype=object), []
    for index, blob in enumerate(blobs):
        try:
            geometries[index] = shapely.from_wkb(blob)
            errors.append("")
        except shapely.errors.GEOSException as exc:
            geometries[index] = None
            errors.append(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return geometries, errors


def invalid_reasons(geometries) -> list:
    """Shapely's reason for each invalid geometry, '' when valid."""
    geometries = np.asarray(geometries, dtype=object)
    reasons = [""] * len(geometries)
    bad = np.flatnonzero(~shapely.is_valid(geometries) & ~shapely.is_missing(geometries))
    for index, reason in zip(bad, shapely.is_valid_reason(geometries[bad])):
        reasons[index] = reason[:255]
    return reasons
