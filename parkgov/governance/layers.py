"""Reference layers (rivers, planned land use, protected areas …) imported from GPKG / SHP / GeoJSON files.

A layer is kept with the text of its source, a verified flag, the file name and the file's SHA-256, so every
list entry or 四个一批 suggestion computed from it can say where its geometry came from. Geometry is read with
pyogrio, transformed to CGCS2000 (EPSG:4490) and stored as WKB with bounding boxes like parcels are; nothing
is repaired: an invalid, empty or unreadable feature is reported (file, layer, feature number, value) and
nothing is written. Replacing a layer is all-or-nothing: the old features are deleted and the new ones
inserted in the caller's one transaction, after every feature has passed the checks.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from django.db import transaction
from pyproj import CRS
from pyproj.exceptions import CRSError

from parkgov.codes.tables import code_table
from parkgov.errors import ImportRejected, InputError
from parkgov.governance.choices import ReferenceLayerKind
from parkgov.governance.models import ReferenceFeature, ReferenceLayer
from parkgov.ingest.issues import IssueList
from parkgov.ingest.normalise import normalise_header
from parkgov.ingest.services import file_sha256
from parkgov.ledger import geometry
from parkgov.ledger.services import geometry_columns

SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".fgb", ".zip")
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)
# attribute names (normalised) that carry the planned use (用地用海分类 code) or the feature's name
LAND_USE_FIELDS = ("用地用海分类", "用地用海分类代码", "用地分类", "规划用地分类", "规划用地代码", "用地代码", "ydyhfldm",
                   "ydyhdm", "dlbm", "land_use_code", "landuse")
NAME_FIELDS = ("名称", "name", "mc", "河流名称", "hlmc", "保护区名称")
POLYGON_KINDS = {ReferenceLayerKind.PLANNED_LAND_USE, ReferenceLayerKind.PROTECTED_AREA,
                 ReferenceLayerKind.ZONE_BOUNDARY}
SHOWN_PROBLEMS = 20


@dataclass
class LayerReport:
    """What a layer import read and wrote; `problems` are complete Chinese sentences naming the feature."""

    file_name: str
    layer_name: str = ""
    features: int = 0
    problems: list = field(default_factory=list)
    issues: IssueList = field(default_factory=IssueList)  # the same problems for the API's error details
    layer: ReferenceLayer | None = None


def import_layer(*, path: Path, code: str, name: str, kind: str, source: str, verified: bool = False, actor,
                 file_name: str | None = None, layer: str | None = None, encoding: str | None = None,
                 crs: str | None = None) -> LayerReport:
    """Check every feature of the file, then create or replace the reference layer `code` with them.

    `file_name` is the name shown and kept (an upload's own name; defaults to the path's). Raises InputError
    for bad arguments or an unreadable file and ImportRejected (with the report) when any feature is bad.
    Caller owns the transaction; the layer's history row records the actor.
    """
    path = Path(path)
    shown = file_name or path.name
    _check_arguments(path=path, code=code, name=name, kind=kind, source=source, shown=shown)
    report = LayerReport(file_name=shown)
    meta, wkb, fields, values = _read(path, shown, layer, encoding)
    report.layer_name = str(meta.get("layer_name") or layer or path.stem)
    report.features = len(wkb) if wkb is not None else 0
    if report.features == 0:
        raise InputError(f"{shown} 的图层「{report.layer_name}」没有要素，未导入")
    source_crs = _source_crs(meta.get("crs"), crs, shown, report.layer_name)
    geoms = _checked_geometries(wkb, kind, report)
    land_use = _land_use_codes(fields, values, kind, report) if not report.problems else None
    if not report.problems:
        geoms = geometry.transform(geoms, source_crs)
        _check_bounds(geoms, report)
    if report.problems:
        raise ImportRejected(_rejection(report), report)
    names = _attribute(fields, values, NAME_FIELDS)
    attributes = _attribute_dicts(fields, values)
    report.layer = _replace(code=code, name=name, kind=kind, source=source, verified=verified, actor=actor,
                            file_name=shown, sha256=file_sha256(path), geoms=geoms, land_use=land_use, names=names,
                            attributes=attributes)
    return report


def _check_arguments(*, path, code, name, kind, source, shown):
    if not path.exists():
        raise InputError(f"文件不存在：{path}")
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(f"{shown}：不支持的图形格式 {path.suffix or '（无扩展名）'}；可用：{'、'.join(SUFFIXES)}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", code or ""):
        raise InputError(f"图层编码“{code}”无效：只可用小写字母、数字、- 和 _，以字母或数字开头，最长 40 个字符")
    if not (name or "").strip():
        raise InputError("图层名称不能为空")
    if kind not in ReferenceLayerKind.values:
        allowed = "、".join(f"{v}（{label}）" for v, label in ReferenceLayerKind.choices)
        raise InputError(f"图层类型“{kind}”无效；允许：{allowed}")
    if len((source or "").strip()) < 4:
        raise InputError(f"请写明图层来源（如 批准文件或数据提供单位、年份），现为“{source or ''}”")


def _read(path, shown, layer, encoding):
    target = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        meta, _fids, wkb, values = pyogrio.raw.read(target, layer=layer, encoding=encoding)
    except Exception as exc:  # GDAL errors come in several types
        hint = "；属性编码可能不是 UTF-8，请指定编码（如 GBK）再试" if "decode" in str(exc) else ""
        raise InputError(f"无法读取图形文件 {shown}：{str(exc).splitlines()[0][:200]}{hint}") from exc
    return meta, wkb, list(meta["fields"]), values


def _source_crs(declared, given, shown, layer):
    if given:
        try:
            return CRS.from_user_input(given).to_string()
        except CRSError as exc:
            raise InputError(f"坐标系 {given} 无法识别（如 EPSG:4490、EPSG:4549）") from exc
    if not declared:
        raise InputError(f"{shown} 的图层「{layer}」没有声明坐标系，请指定（如 CGCS2000 经纬度 EPSG:4490，"
                         f"CGCS2000 3度带 120°E 投影 EPSG:4549）")
    return declared


def _where(report, number):
    return f"{report.file_name} 图层「{report.layer_name}」第{number}个要素"


def _add(report, number, text, *, column="", value=None):
    """Record a problem of feature `number` (1-based): a full sentence, and an issue for the error details."""
    report.problems.append(f"{_where(report, number)}{f'「{column}」' if column else ''}：{text}")
    report.issues.add(report.layer_name, number, column, value, text)


def _checked_geometries(wkb, kind, report):
    geoms, broken = geometry.decode_wkb(wkb)
    reasons = geometry.invalid_reasons(geoms)
    types = shapely.get_type_id(geoms)
    for index in range(len(geoms)):
        number = index + 1
        if broken[index]:
            _add(report, number, f"图形无法读取（{broken[index][:200]}），请在 GIS 软件中修复后再导入")
        elif geoms[index] is None or shapely.is_empty(geoms[index]):
            _add(report, number, "图形为空")
        elif kind in POLYGON_KINDS and types[index] not in (3, 6):
            _add(report, number, f"图形类型为 {geoms[index].geom_type}，此类图层应为面（Polygon/MultiPolygon）")
        elif reasons[index]:
            _add(report, number, f"图形无效（{reasons[index]}），请在 GIS 软件中修复后再导入；系统不自动修复")
    return geoms


def _find_field(fields, names):
    wanted = {normalise_header(n)[0] for n in names}
    return next((i for i, f in enumerate(fields) if normalise_header(f)[0] in wanted), None)


def _land_use_codes(fields, values, kind, report):
    """The 用地用海分类 code of each feature (required on a planned-land-use layer, checked against the table)."""
    index = _find_field(fields, LAND_USE_FIELDS)
    if index is None:
        if kind == ReferenceLayerKind.PLANNED_LAND_USE:
            raise InputError(f"{report.file_name} 的图层「{report.layer_name}」没有用地用海分类代码字段（如「用地用海分类」"
                             f"「YDYHFLDM」）；现有字段：{'、'.join(fields) or '无'}")
        return None
    table = code_table("land_use_2023")
    codes = []
    for number, raw in enumerate(values[index], start=1):
        text = _code_text(raw)
        if not text and kind == ReferenceLayerKind.PLANNED_LAND_USE:
            _add(report, number, "值为空，规划用地图层的每个面须有用地用海分类代码", column=fields[index])
        elif text and text not in table:
            _add(report, number, f"值“{raw}”不是《国土空间调查、规划、用途管制用地用海分类指南》中的代码"
                                 f"（如 1001 工业用地、100101 一类工业用地）", column=fields[index], value=raw)
        codes.append(text)
    return codes


def _code_text(raw) -> str:
    """A code as text; numbers that lost their leading zero (0101 read as 101) get it back."""
    if raw is None or (isinstance(raw, float) and np.isnan(raw)):
        return ""
    text = str(raw).strip()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    if text.isdigit() and len(text) % 2 == 1:
        text = "0" + text
    return text


def _check_bounds(geoms, report):
    box = shapely.bounds(geoms)
    outside = ~((box[:, 0] >= CHINA_BOUNDS[0]) & (box[:, 1] >= CHINA_BOUNDS[1])
                & (box[:, 2] <= CHINA_BOUNDS[2]) & (box[:, 3] <= CHINA_BOUNDS[3]))
    for index in np.flatnonzero(outside):
        _add(report, int(index) + 1, f"转换到 CGCS2000 后坐标不在中国范围内（{box[index, 0]:.4f}, {box[index, 1]:.4f}），"
                                     f"请检查坐标系")


def _rejection(report) -> str:
    shown = "\n".join(f"  - {p}" for p in report.problems[:SHOWN_PROBLEMS])
    more = f"\n  …… 另有 {len(report.problems) - SHOWN_PROBLEMS} 处" if len(report.problems) > SHOWN_PROBLEMS else ""
    return f"{report.file_name} 有 {len(report.problems)} 处错误，图层未导入（原有图层保持不变）：\n{shown}{more}"


def _attribute(fields, values, names):
    index = _find_field(fields, names)
    if index is None:
        return None
    return ["" if v is None else str(v)[:200] for v in values[index]]


def _attribute_dicts(fields, values) -> list:
    columns = [[_json_value(v) for v in column] for column in values]
    return [dict(zip(fields, row)) for row in zip(*columns)] if columns else None


def _json_value(value):
    if isinstance(value, (dt.date, dt.datetime, np.datetime64)):
        return str(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, bytes):
        return value.hex()
    return value


def _replace(*, code, name, kind, source, verified, actor, file_name, sha256, geoms, land_use, names, attributes):
    """Write the layer and its features: the old features go, the new ones come, in one atomic block."""
    columns = geometry_columns(geometry.to_wkb(geoms), with_area=False)
    count = len(geoms)
    with transaction.atomic():
        layer = ReferenceLayer.objects.select_for_update().filter(code=code).first() or ReferenceLayer(code=code)
        layer.name, layer.kind, layer.source, layer.verified = name.strip(), kind, source.strip(), bool(verified)
        layer.file_name, layer.file_sha256, layer.features, layer.actor = file_name[:255], sha256, count, actor
        layer._history_user = actor
        layer._change_reason = f"导入参考图层 {file_name}（{sha256[:12]}）"
        layer.save()
        layer.feature_rows.all().delete()
        rows = [ReferenceFeature(layer=layer, geometry=wkb, min_x=x0, min_y=y0, max_x=x1, max_y=y1,
                                 name=names[i] if names else "", land_use_code=land_use[i] if land_use else "",
                                 attributes=attributes[i] if attributes else {})
                for i, (wkb, x0, y0, x1, y1) in enumerate(columns.select("geometry", "min_x", "min_y", "max_x",
                                                                          "max_y").iter_rows())]
        ReferenceFeature.objects.bulk_create(rows, batch_size=2000)
    return layer


def layer_geometries(*, layer: ReferenceLayer) -> tuple[np.ndarray, list]:
    """The features of a layer as Shapely geometries (EPSG:4490) and their planned-use codes, in id order."""
    rows = list(layer.feature_rows.order_by("id").values_list("geometry", "land_use_code"))
    return geometry.from_wkb([r[0] for r in rows]), [r[1] for r in rows]


def layer_rows():
    """Layers for the list page and the CLI, by kind and code."""
    return ReferenceLayer.objects.select_related("actor").order_by("kind", "code")
