"""GeoPackage layers that QGIS opens: Chinese field names, EPSG:4490, MultiPolygon parcels.

One writer for every GIS export (topology problems, lists, evaluation results, cases, idle land, commitments).
`write_layer` writes rows and geometries as they are; `write_parcel_layer` takes rows that each name the parcels
they concern and writes one feature per parcel (a firm with three parcels gives three features carrying the same
firm values, the parcel's code in 地块编码). A row that names no parcel, or a parcel without a geometry, is kept as
a feature without geometry, so the feature count of a layer is the number of rows of the Excel export plus the
extra parcels of firms with several. Imports only the ledger, so every domain app may use it.
"""

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from django.db.models import Q
from django.utils import timezone

from parkgov.errors import InputError
from parkgov.ledger.models import LandLink, Parcel

CRS = "EPSG:4490"
CHUNK = 2000
PARCEL_COLUMNS = ("地块编码", "宗地代码", "园区编码")
GPKG_CONTENT_TYPE = "application/geopackage+sqlite3"


def export_suffix(params) -> str:
    """".gpkg" when a download is asked for with `?format=gpkg` (the 导出 GIS buttons), else ".xlsx"."""
    return ".gpkg" if params.get("format") == "gpkg" else ".xlsx"


def content_type(path) -> str | None:
    """The GeoPackage media type for a .gpkg download; None lets the response guess (xlsx)."""
    return GPKG_CONTENT_TYPE if Path(path).suffix.lower() == ".gpkg" else None


def write_layer(*, path: Path, layer: str, columns: Sequence[str], rows: Sequence[Sequence],
                geometries: Sequence, geometry_type: str = "MultiPolygon", append: bool = False) -> int:
    """Write `rows` (one value per column) with `geometries` (WKB, Shapely or None) as layer `layer` of the
    GeoPackage `path` (replaced unless `append`). Numbers become Real/Integer64 fields, dates ISO text; an empty
    layer is still written, so QGIS opens the file. Returns the number of features."""
    path = Path(path)
    if len(rows) != len(geometries):
        raise InputError(f"图层 {layer}：{len(rows)} 行属性对应 {len(geometries)} 个图形")
    if not append and path.exists():
        path.unlink()
    shapes = _shapes(geometries, geometry_type)
    fields = [_field([row[c] for row in rows]) for c in range(len(columns))] if columns else []
    if not columns:
        columns, fields = ["说明"], [np.array([None] * len(rows), dtype=object)]
    pyogrio.raw.write(str(path), geometry=shapes, field_data=fields, fields=list(columns), driver="GPKG",
                      geometry_type=geometry_type, crs=CRS, encoding="UTF-8",
                      promote_to_multi=geometry_type.startswith("Multi"), layer=layer, append=append)
    return len(rows)


def write_parcel_layer(*, path: Path, layer: str, columns: Sequence[str],
                       rows: Iterable[tuple[Sequence[int] | int | None, Sequence]], append: bool = False) -> int:
    """Write rows `(parcel ids, values)` as one MultiPolygon feature per parcel, the parcel's 地块编码, 宗地代码 and
    园区编码 first, then `columns`. A row with no parcel gives one feature without geometry."""
    expanded = []
    for parcels, values in rows:
        ids = [parcels] if isinstance(parcels, int) else list(parcels or ())
        expanded.extend((pid, values) for pid in ids or [None])
    parcels = parcel_attributes({pid for pid, _values in expanded if pid is not None})
    blank = (None, None, None, None)
    out_rows, geometries = [], []
    for pid, values in expanded:
        code, land_code, zone_code, wkb = parcels.get(pid, blank)
        out_rows.append((code, land_code, zone_code, *values))
        geometries.append(wkb)
    return write_layer(path=path, layer=layer, columns=(*PARCEL_COLUMNS, *columns), rows=out_rows,
                       geometries=geometries, append=append)


def parcel_attributes(ids) -> dict[int, tuple]:
    """parcel id → (地块编码, 宗地代码, 园区编码, WKB), read in chunks."""
    ids, found = sorted(ids), {}
    for start in range(0, len(ids), CHUNK):
        for pid, code, land_code, zone_code, wkb in Parcel.objects.filter(pk__in=ids[start:start + CHUNK]) \
                .values_list("pk", "code", "land_code", "zone__code", "geometry"):
            found[pid] = (code, land_code or None, zone_code, bytes(wkb) if wkb is not None else None)
    return found


def firm_parcels(enterprise_ids) -> dict[int, list[int]]:
    """enterprise id → the parcels it holds or uses today (current land links), in parcel order."""
    ids, found = sorted(set(enterprise_ids)), {}
    today = timezone.localdate()
    for start in range(0, len(ids), CHUNK):
        links = LandLink.objects.filter(enterprise_id__in=ids[start:start + CHUNK]) \
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today)).order_by("enterprise_id", "parcel_id")
        for enterprise_id, parcel_id in links.values_list("enterprise_id", "parcel_id").distinct():
            found.setdefault(enterprise_id, []).append(parcel_id)
    return found


def _shapes(geometries, geometry_type) -> np.ndarray:
    decoded = [shapely.from_wkb(bytes(g)) if isinstance(g, (bytes, bytearray, memoryview)) else g
               for g in geometries]
    if geometry_type == "MultiPolygon":
        decoded = [g if g is None or g.geom_type in ("Polygon", "MultiPolygon") else shapely.Polygon()
                   for g in decoded]
    return np.array([shapely.to_wkb(g) if g is not None else None for g in decoded], dtype=object)


def _field(values: list) -> np.ndarray:
    """One column as a typed array: Integer64 when every value is an int, Real when numbers (None → NaN), else
    text (dates ISO, booleans 是/否, None stays null)."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present) \
            and len(present) == len(values):
        return np.array(values, dtype=np.int64)
    if present and all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in present):
        return np.array([float(v) if v is not None else np.nan for v in values], dtype=float)
    return np.array([_text(v) for v in values], dtype=object)


def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)
