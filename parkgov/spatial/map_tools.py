"""The map's working tools: search (parcel code, 宗地代码, firm name or credit code), measuring on the ellipsoid, and
the selected parcels as a workbook or a GeoPackage.

Scope: every answer is cut from `scope.filter_zones(Parcel …)`, the parcels of the user's parks with a geometry
(what the map can draw); a firm is found only through a current land link to such a parcel, and only by roles that
read firms. The search hits, the export's rows and the tiles are therefore the same parcels for one user.
"""

import tempfile
from pathlib import Path

import numpy as np
import xlsxwriter
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from pyproj import Geod

from parkgov.errors import InputError
from parkgov.ingest.excel import safe_cell
from parkgov.ledger.models import LandLink, Parcel
from parkgov.spatial.gpkg import write_layer
from parkgov.spatial.map_settings import map_settings

MU_M2 = 10000 / 15  # 1 亩, exactly
GEOD = Geod(ellps="GRS80")  # the CGCS2000 ellipsoid differs from GRS 80 by 0.1 mm in the semi-minor axis
MAX_POINTS = 500
FORMATS = ("xlsx", "gpkg")


def _drawn(scope):
    return scope.filter_zones(Parcel.objects.current().filter(geometry__isnull=False))  # as the map draws them


def _current_links():
    today = timezone.localdate()
    return LandLink.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))


def search_map(*, query: str, scope) -> list:
    """Hits for `query`: parcels whose code or 宗地代码 contains it, then (for roles reading firms) the parcels held
    by firms whose name contains it or whose credit code starts with it; each hit has the parcel's id, code and
    lon/lat bbox for the map to fly to. InputError for a query under `search.min_chars` characters."""
    settings = map_settings().search
    text = (query or "").strip()
    if len(text) < settings.min_chars:
        raise InputError(gettext("请输入至少 %(n)s 个字符（地块编码、宗地代码、企业名称或统一社会信用代码）")
                         % {"n": settings.min_chars})
    parcels = _drawn(scope)
    fields = ("id", "code", "land_code", "zone__name", "min_x", "min_y", "max_x", "max_y")
    hits = [_hit(row, "parcel", row["code"], row["land_code"] or row["zone__name"])
            for row in parcels.filter(Q(code__icontains=text) | Q(land_code__icontains=text))
            .order_by("code").values(*fields)[:settings.limit]]
    if scope.can_read("enterprise") and len(hits) < settings.limit:
        links = _current_links().filter(parcel__in=parcels).filter(
            Q(enterprise__name__icontains=text) | Q(enterprise__credit_code__istartswith=text))
        seen = set()
        for row in links.order_by("enterprise__name", "parcel__code").values(
                "enterprise__name", "enterprise__credit_code", *(f"parcel__{f}" for f in fields)):
            key = (row["enterprise__credit_code"], row["parcel__id"])
            if key in seen:  # one firm linked to one parcel in two roles
                continue
            seen.add(key)
            parcel = {f: row[f"parcel__{f}"] for f in fields}
            hits.append(_hit(parcel, "enterprise", row["enterprise__name"],
                             f"{row['enterprise__credit_code']} · {parcel['code']}"))
            if len(hits) >= settings.limit:
                break
    return hits


def _hit(row, kind, title, detail) -> dict:
    return {"kind": kind, "id": row["id"], "code": row["code"], "title": title, "detail": detail or "",
            "bbox": [row["min_x"], row["min_y"], row["max_x"], row["max_y"]]}


def measure(*, points: str, kind: str) -> dict:
    """Length (kind "line") or area and perimeter (kind "area") on the GRS 80 ellipsoid of `points`
    ("lon,lat;lon,lat;…"), in m, km, m², 亩 and 公顷."""
    if kind not in ("line", "area"):
        raise InputError(gettext("测量类型应为 line 或 area，收到 %(kind)r") % {"kind": kind})
    lons, lats = _points(points, need=2 if kind == "line" else 3)
    if kind == "line":
        metres = float(GEOD.line_length(lons, lats))
        return {"kind": kind, "metres": metres, "km": metres / 1000}
    area, perimeter = GEOD.polygon_area_perimeter(lons, lats)
    area = abs(float(area))
    return {"kind": kind, "m2": area, "mu": area / MU_M2, "hectares": area / 10000, "metres": float(perimeter)}


def _points(text: str, *, need: int):
    try:
        pairs = [tuple(float(v) for v in part.split(",")) for part in (text or "").split(";") if part.strip()]
        lons, lats = (np.array(values) for values in zip(*pairs)) if pairs else (np.array([]), np.array([]))
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError
    except ValueError:
        raise InputError(gettext("测量点应写成“经度,纬度;经度,纬度…”，收到 %(text)r") % {"text": text[:80]}) from None
    if not need <= len(lons) <= MAX_POINTS:
        raise InputError(gettext("测量需要 %(need)s 到 %(max)s 个点，收到 %(n)s 个")
                         % {"need": need, "max": MAX_POINTS, "n": len(lons)})
    if not (np.all(np.abs(lons) <= 180) and np.all(np.abs(lats) <= 90)):
        raise InputError(gettext("测量点的经度应在 −180 到 180、纬度在 −90 到 90 之间"))
    return lons, lats


def _ids(text: str) -> list:
    try:
        ids = sorted({int(part) for part in (text or "").replace(";", ",").split(",") if part.strip()})
    except ValueError:
        raise InputError(gettext("所选地块应为以逗号分隔的编号，收到 %(text)r") % {"text": text[:80]}) from None
    limit = map_settings().selection_max
    if not ids:
        raise InputError(gettext("没有选中的地块：在地图上按住 Shift 点击或框选地块"))
    if len(ids) > limit:
        raise InputError(gettext("一次最多导出 %(max)s 个地块，选中了 %(n)s 个") % {"max": limit, "n": len(ids)})
    return ids


def selection_columns() -> tuple:
    """The export's Chinese headers, in order."""
    return (gettext("地块编码"), gettext("宗地代码"), gettext("园区编码"), gettext("园区名称"), gettext("供地状态"),
            gettext("土地权属"), gettext("土地面积（平方米）"), gettext("土地面积（亩）"), gettext("图形面积（平方米）"),
            gettext("土地使用权人"), gettext("统一社会信用代码"))


def selected_parcels(*, ids: str, scope) -> tuple[list, list]:
    """The rows (values in `selection_columns` order) and geometries of the parcels `ids` that the user may see,
    by code; ids outside the user's parks are left out."""
    parcels = list(_drawn(scope).filter(id__in=_ids(ids)).select_related("zone").order_by("code"))
    holders = {}
    for link in _current_links().filter(parcel__in=[p.id for p in parcels]).select_related("enterprise") \
            .order_by("enterprise__credit_code"):
        names = holders.setdefault(link.parcel_id, {})
        names[link.enterprise.credit_code] = link.enterprise.name
    rows = [[p.code, p.land_code or "", p.zone.code, p.zone.name, p.get_supply_status_display(),
             p.get_ownership_display(), p.registered_area_m2, round(p.registered_area_m2 / MU_M2, 4),
             p.computed_area_m2, "、".join(holders.get(p.id, {}).values()), "、".join(holders.get(p.id, {}))]
            for p in parcels]
    return rows, [bytes(p.geometry) for p in parcels]


def write_selection(*, rows: list, geometries: list, fmt: str, folder: Path) -> Path:
    """Write the selection as `folder`/选中地块.xlsx or .gpkg and return the path."""
    if fmt not in FORMATS:
        raise InputError(gettext("导出格式应为 %(allowed)s，收到 %(fmt)r") % {"allowed": "、".join(FORMATS), "fmt": fmt})
    columns = selection_columns()
    path = Path(folder) / f"{gettext('选中地块')}.{fmt}"
    if fmt == "gpkg":
        write_layer(path=path, layer=gettext("选中地块"), columns=columns, rows=rows, geometries=geometries)
        return path
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False})
    sheet = book.add_worksheet(gettext("选中地块"))
    sheet.write_row(0, 0, columns, book.add_format({"bold": True, "bg_color": "#EEF2F7"}))
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, [safe_cell(v) if isinstance(v, str) else v for v in row])
    sheet.set_column(0, len(columns) - 1, 16)
    book.close()
    return path


def selection_file(*, ids: str, fmt: str, scope) -> tuple[Path, tempfile.TemporaryDirectory]:
    """The selection written to a temporary folder (the caller removes it once sent)."""
    rows, geometries = selected_parcels(ids=ids, scope=scope)
    folder = tempfile.TemporaryDirectory(prefix="map-selection-")
    try:
        return write_selection(rows=rows, geometries=geometries, fmt=fmt, folder=Path(folder.name)), folder
    except BaseException:
        folder.cleanup()
        raise
