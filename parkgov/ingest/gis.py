"""GIS files in and out: GeoPackage, Shapefile, GeoJSON (and FlatGeobuf) through pyogrio.

Import joins features to parcels by 地块编码 or 宗地代码 (or zones by 园区编码), transforms to EPSG:4490 and
repairs nothing: invalid, empty or non-polygon geometries are reported and nothing is written.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyogrio
import shapely
from django.db import transaction
from django.utils import timezone
from pyproj import CRS
from pyproj.exceptions import CRSError

from parkgov.errors import ImportRejected, InputError
from parkgov.ingest.issues import WARNING, IssueList
from parkgov.ingest.normalise import normalise_header
from parkgov.ingest.services import file_sha256
from parkgov.ledger import geometry
from parkgov.ledger.bulk import fetch_frame, write_history
from parkgov.ledger.choices import Ownership, SupplyStatus, by_value
from parkgov.ledger.models import Parcel, Zone
from parkgov.ledger.services import attach_geometry, parcel_frame

JOIN_FIELDS = {  # normalised attribute name → (model, model field, label)
    "地块编码": (Parcel, "code", "地块编码"), "dkbm": (Parcel, "code", "地块编码"),
    "宗地代码": (Parcel, "land_code", "宗地代码"), "zddm": (Parcel, "land_code", "宗地代码"),
    "园区编码": (Zone, "code", "园区编码"),
}
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)
DRIVERS = {".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".geojson": "GeoJSON", ".json": "GeoJSON", ".fgb": "FlatGeobuf"}


@dataclass
class GeometryReport:
    """What a GIS import found and wrote (same shape as the workbook report for the terminal)."""

    file_name: str
    issues: IssueList = field(default_factory=IssueList)
    rows: dict = field(default_factory=dict)
    written: dict = field(default_factory=dict)
    dry_run: bool = False


def import_geometry(*, path: Path, actor, encoding=None, crs=None, dry_run=False) -> GeometryReport:
    """Read features, check them all, then set parcel (or zone) geometry in one transaction."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"文件不存在：{path}")
    report = GeometryReport(file_name=path.name, dry_run=dry_run)
    meta, wkb, fields, values = _read(path, encoding)
    layer = str(meta.get("layer_name") or path.stem)
    model, key_field, label, codes = _join_column(path, fields, values, layer, report.issues)
    source = _source_crs(meta.get("crs"), crs, path, layer, report.issues)
    geoms, broken = geometry.decode_wkb(wkb) if wkb is not None else (np.array([None] * len(codes), dtype=object),
                                                                      [""] * len(codes))
    frame = pl.DataFrame({"__row": np.arange(1, len(codes) + 1), "key": codes})
    frame = frame.with_columns(pl.col("key").cast(pl.String).str.strip_chars().str.to_uppercase()
                               if key_field == "land_code" else pl.col("key").cast(pl.String).str.strip_chars())
    _check_geometries(geoms, broken, frame, layer, label, report.issues)
    transformed = geometry.transform(geoms, source) if not report.issues.errors else geoms
    _check_bounds(transformed, frame, layer, label, report.issues)
    matched = _match(model, key_field, frame, layer, label, report.issues)
    report.rows = {label: len(codes)}
    if report.issues.errors:
        raise ImportRejected(f"{path.name} 有 {len(report.issues.errors)} 处错误，未写入任何图形", report)
    if dry_run:
        report.written = {"地块" if model is Parcel else "园区": matched.height}
        return report
    update = matched.with_columns(pl.Series("wkb", geometry.to_wkb(transformed[matched.get_column("__row") - 1])))
    with transaction.atomic():
        attach_geometry(model=model, frame=update.select("code", "wkb"))
        _history(model, update.get_column("code").to_list(), actor, f"导入图形 {path.name}（{file_sha256(path)[:12]}）")
    report.written = {"地块" if model is Parcel else "园区": update.height}
    return report


def _read(path, encoding):
    try:
        meta, _fids, wkb, values = pyogrio.raw.read(str(path), encoding=encoding)
    except Exception as exc:  # GDAL errors come in several types
        hint = "；属性编码可能不是 UTF-8，请加 --encoding GBK 再试" if "decode" in str(exc) else ""
        raise InputError(f"无法读取图形文件 {path.name}：{str(exc).splitlines()[0][:200]}{hint}") from exc
    return meta, wkb, list(meta["fields"]), values


def _join_column(path, fields, values, layer, issues):
    for index, name in enumerate(fields):
        found = JOIN_FIELDS.get(normalise_header(name)[0])
        if found:
            model, key_field, label = found
            return model, key_field, label, [None if v is None else str(v) for v in values[index]]
    raise InputError(f"{path.name} 的图层「{layer}」没有「地块编码」「宗地代码」或「园区编码」属性字段，无法对应台账；"
                     f"现有字段：{'、'.join(fields) or '无'}")


def _source_crs(declared, given, path, layer, issues):
    if given:
        try:
            chosen = CRS.from_user_input(given)
        except CRSError as exc:
            raise InputError(f"--crs {given} 不是可识别的坐标系（如 EPSG:4490、EPSG:4549）") from exc
        if declared and CRS.from_user_input(declared) != chosen:
            issues.add(layer, 1, "", str(given), f"文件声明的坐标系为 {declared}，按 --crs 指定的 {given} 处理", WARNING)
        return chosen.to_string()
    if not declared:
        raise InputError(f"{path.name} 没有声明坐标系，请用 --crs 指定（如 CGCS2000 经纬度 EPSG:4490，"
                         f"CGCS2000 3度带 120°E 投影 EPSG:4549）")
    return declared


def _check_geometries(geoms, broken, frame, layer, label, issues):
    rows = frame.get_column("__row").to_list()
    keys = frame.get_column("key").to_list()
    types = shapely.get_type_id(geoms)
    reasons = geometry.invalid_reasons(geoms)
    for i, (row, key) in enumerate(zip(rows, keys)):
        if not key:
            issues.add(layer, row, label, "", f"第{row}个要素没有{label}")
        if broken[i]:
            issues.add(layer, row, label, key, f"第{row}个要素的图形无法读取（{_broken_reason(broken[i])}），"
                                               f"请在 GIS 软件中修复后再导入；系统不自动修复")
        elif geoms[i] is None or shapely.is_empty(geoms[i]):
            issues.add(layer, row, label, key, "图形为空")
        elif types[i] not in (3, 6):
            issues.add(layer, row, label, key, f"图形类型为 {shapely.get_type_id(geoms[i])}，地块应为面（Polygon/MultiPolygon）")
        elif reasons[i]:
            issues.add(layer, row, label, key, f"图形无效（{reasons[i]}），请在 GIS 软件中修复后再导入；系统不自动修复")
    dupes = frame.filter(pl.col("key").is_not_null() & pl.col("key").is_duplicated())
    for row, key in dupes.select("__row", "key").iter_rows():
        issues.add(layer, row, label, key, f"同一{label}在文件中出现多次")


def _broken_reason(message):
    if "closed linestring" in message:
        return "面的边界环首尾不闭合"
    if "at least" in message or "number of points" in message:
        return "面的边界环点数不足，至少需要 4 个点"
    return message[:200]


def _check_bounds(geoms, frame, layer, label, issues):
    box = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        outside = ~((box[:, 0] >= CHINA_BOUNDS[0]) & (box[:, 1] >= CHINA_BOUNDS[1])
                    & (box[:, 2] <= CHINA_BOUNDS[2]) & (box[:, 3] <= CHINA_BOUNDS[3]))
    outside &= ~np.isnan(box[:, 0])
    for row, key in frame.filter(pl.Series(outside)).select("__row", "key").iter_rows():
        issues.add(layer, row, label, key, "转换到 CGCS2000 后坐标不在中国范围内，请检查坐标系（--crs）")


def _match(model, key_field, frame, layer, label, issues):
    keys = frame.get_column("key").drop_nulls().unique().to_list()
    stored = fetch_frame(model, columns=["code"] + ([key_field] if key_field != "code" else []),
                         where_column=key_field, values=keys)
    joined = frame.join(stored.rename({key_field: "key"}) if key_field != "code" else
                        stored.with_columns(pl.col("code").alias("key")), on="key", how="left")
    for row, key in joined.filter(pl.col("id").is_null() & pl.col("key").is_not_null()).select("__row", "key").iter_rows():
        issues.add(layer, row, label, key, f"台账中没有此{label}，请先导入「{'地块' if model is Parcel else '园区'}」表")
    return joined.filter(pl.col("id").is_not_null())


def _history(model, codes, actor, reason):
    stored = fetch_frame(model, columns=[f.attname for f in model._meta.concrete_fields if not f.primary_key],
                         where_column="code", values=codes)
    write_history(model, stored.with_columns(pl.lit("~").alias("history_type")),
                  actor_id=getattr(actor, "pk", None), reason=reason, now=timezone.now())


def export_geometry(*, path: Path) -> int:
    """Write parcels with geometry and their attributes; returns the number of features."""
    path = Path(path)
    driver = DRIVERS.get(path.suffix.lower())
    if driver is None:
        raise InputError(f"不支持的图形格式 {path.suffix}；可用：{'、'.join(DRIVERS)}")
    frame = parcel_frame().join(fetch_frame(Parcel, columns=["geometry", "land_use_code", "supply_method"]),
                                on="id").join(fetch_frame(Zone, columns=["code"]).rename({"id": "zone_id",
                                                                                          "code": "zone_code"}),
                                              on="zone_id", how="left")
    frame = frame.filter(pl.col("geometry").is_not_null()).sort("code")
    geoms = geometry.from_wkb(frame.get_column("geometry").to_list())
    attributes = {
        "地块编码": frame.get_column("code"), "宗地代码": frame.get_column("land_code").fill_null(""),
        "园区编码": frame.get_column("zone_code"), "土地面积": frame.get_column("registered_area_m2"),
        "图形面积": frame.get_column("computed_area_m2"), "面积亩": frame.get_column("registered_area_mu"),
        "土地权属": frame.get_column("ownership").replace_strict(by_value(Ownership), default=None),
        "供地状态": frame.get_column("supply_status").replace_strict(by_value(SupplyStatus), default=None),
        "用地分类": frame.get_column("land_use_code").fill_null(""), "容积率": frame.get_column("plot_ratio"),
        "建筑系数": frame.get_column("building_coefficient"),
    }
    if path.exists():
        path.unlink()
    pyogrio.raw.write(str(path), geometry=np.asarray(shapely.to_wkb(geoms), dtype=object),
                      field_data=[s.to_numpy() for s in attributes.values()], fields=list(attributes),
                      driver=driver, geometry_type="MultiPolygon", crs="EPSG:4490", encoding="UTF-8",
                      promote_to_multi=True, layer="parcels")
    return frame.height
