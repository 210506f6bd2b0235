"""GeoPackage writing shared by every GIS export (the map's selected parcels, lists and results): one layer of
geometries in CGCS2000 (EPSG:4490) with Chinese field names, written with pyogrio so that QGIS and `ogrinfo` read
it. Numbers stay numbers (Real/Integer fields), everything else is text; a missing value is NULL.
"""

from pathlib import Path

import numpy as np
import pyogrio
import shapely

from parkgov.ledger.geometry import STORAGE_CRS

POLYGONAL = ("Polygon", "MultiPolygon")


def write_layer(path: Path, *, layer: str, geometries, columns: dict, geometry_type: str = "MultiPolygon",
                append: bool = False) -> None:
    """Write `geometries` (Shapely objects or None, one per row) and `columns` ({Chinese name: values}) as the
    layer `layer` of the GeoPackage `path`; `append` adds a layer to an existing file, else the file is replaced.

    Columns whose values are all numbers (or None) become numeric fields. A polygon layer keeps a non-polygonal or
    missing geometry as an empty one, so that every row is written.
    """
    path = Path(path)
    if not append and path.exists():
        path.unlink()
    geoms = np.array(list(geometries), dtype=object)
    if geometry_type == "MultiPolygon":
        geoms = np.array([g if g is not None and g.geom_type in POLYGONAL else shapely.Polygon() for g in geoms],
                         dtype=object)
    data = [_field(values) for values in columns.values()]
    if any(len(values) != len(geoms) for values in data):
        raise ValueError(f"{layer}: every column needs {len(geoms)} values")
    pyogrio.raw.write(str(path), geometry=np.asarray(shapely.to_wkb(geoms), dtype=object) if len(geoms)
                      else np.array([], dtype=object), field_data=data, fields=list(columns), driver="GPKG",
                      geometry_type=geometry_type, crs=STORAGE_CRS, encoding="UTF-8",
                      promote_to_multi=geometry_type == "MultiPolygon", layer=layer, append=append)


def _field(values) -> np.ndarray:
    values = list(values)
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                       for v in present):
        if all(isinstance(v, (int, np.integer)) for v in present) and len(present) == len(values):
            return np.array(values, dtype=np.int64)
        return np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    return np.array([None if v is None else str(v) for v in values], dtype=object)
