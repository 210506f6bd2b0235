"""The 分割 / 合并 pages of a parcel (issue 17 §2): draw a cutting line on a small map or upload the parts as a GIS
file, preview the parts with their areas against the original, choose how links and figures are carried, confirm.

Both the preview and the confirm call `parkgov.ledger.split`, which applies the role (may edit parcels) and the
user's parks; the preview writes nothing, the confirm writes everything in one transaction or nothing.
"""

import json
import tempfile
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext

from parkgov.accounts.pages import scoped_page
from parkgov.errors import InputError
from parkgov.ledger import geometry, split
from parkgov.ledger.models import Parcel

UPLOAD_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip")


@scoped_page("parcel", write=True)
def split_page(request, scope, code):
    parcel = split.editable_parcel(scope=scope, code=code)
    context = {"plot": parcel, "rules": split.editing_rules(), "form": request.POST, "plan": None, "error": "",
               "map": _map([parcel]), "links": split.current_links([parcel.pk], on=timezone.localdate())}
    if request.method == "POST":
        try:
            by, on = _split_input(request), _day(request.POST.get("on"))
            kwargs = {"codes": _list(request, "codes"), "land_codes": _list(request, "land_codes"),
                      "figures": request.POST.get("figures", "proportional")}
            chosen = {link.pk: request.POST.get(f"link_{link.pk}") for link in context["links"]}
            if "confirm" in request.POST:
                with transaction.atomic():
                    result = split.split_parcel(scope=scope, parcel=parcel, by=by, actor=request.user, on=on,
                                                links=request.POST.get("links", "area_share"), chosen=chosen,
                                                note=request.POST.get("note", ""), **kwargs)
                return redirect("web:parcel", result.created[0].code)
            plan = split.plan_links(plan=split.plan_split(parcel=parcel, by=by, **kwargs), on=on,
                                    rule=request.POST.get("links", "area_share"), chosen=chosen)
            context.update(plan=plan, preview=_preview(plan))
        except InputError as exc:
            context["error"] = str(exc)
    return render(request, "ledger/split.html", context)


@scoped_page("parcel", write=True)
def merge_page(request, scope, code):
    parcel = split.editable_parcel(scope=scope, code=code)
    neighbours = _neighbours(parcel, scope)
    context = {"plot": parcel, "rules": split.editing_rules(), "form": request.POST, "plan": None, "error": "",
               "neighbours": neighbours, "map": _map([parcel, *neighbours])}
    if request.method == "POST":
        codes = [parcel.code, *[c for c in request.POST.getlist("with") if c != parcel.code]]
        kwargs = {"code": request.POST.get("code", ""), "land_code": request.POST.get("land_code") or None,
                  "figures": request.POST.get("figures", "proportional")}
        try:
            on = _day(request.POST.get("on"))
            if "confirm" in request.POST:
                with transaction.atomic():
                    result = split.merge_parcels(scope=scope, parcels=codes, actor=request.user, on=on,
                                                 note=request.POST.get("note", ""), **kwargs)
                return redirect("web:parcel", result.created[0].code)
            found = [split.editable_parcel(scope=scope, code=c) for c in codes]
            plan = split.plan_links(plan=split.plan_merge(parcels=found, **kwargs), on=on)
            context.update(plan=plan, preview=_preview(plan))
        except InputError as exc:
            context["error"] = str(exc)
    return render(request, "ledger/merge.html", context)


def _split_input(request):
    upload = request.FILES.get("parts_file")
    if upload:
        return _uploaded_parts(upload)
    text = request.POST.get("line", "").strip()
    if not text:
        raise InputError(gettext("请在地图上画出分割线，或上传分割后的各块图形文件"))
    shapes = split.shapes_from_geojson(text)
    return shapes[0] if len(shapes) == 1 and shapes[0].geom_type.endswith("LineString") else shapes


def _uploaded_parts(upload) -> list:
    """The polygons of an uploaded GeoJSON, GeoPackage or zipped Shapefile, in EPSG:4490."""
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise InputError(f"不支持的图形格式 {suffix or '（无扩展名）'}；可用：{'、'.join(UPLOAD_SUFFIXES)}")
    if upload.size > settings.PARKGOV_UPLOAD_MAX_BYTES:
        raise InputError(f"文件 {upload.name} 超过上传上限")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"parts{suffix}"
        path.write_bytes(upload.read())
        target = f"/vsizip/{path}" if suffix == ".zip" else str(path)
        try:
            meta, _fids, wkb, _values = pyogrio.raw.read(target)
        except Exception as exc:  # GDAL errors come in several types
            raise InputError(f"无法读取图形文件 {upload.name}：{str(exc).splitlines()[0][:200]}") from exc
    if not meta.get("crs"):
        raise InputError(f"{upload.name} 没有声明坐标系（应为 CGCS2000，如 EPSG:4490 或 EPSG:4549）")
    geoms, broken = geometry.decode_wkb(wkb)
    for number, reason in enumerate(broken, 1):
        if reason:
            raise InputError(f"{upload.name} 第{number}个要素的图形无法读取（{reason[:200]}）")
    return list(geometry.transform(geoms, meta["crs"]))


def _preview(plan) -> dict:
    """The parts as the preview table and map show them."""
    features = [{"type": "Feature", "geometry": json.loads(shapely.to_geojson(part.geometry)),
                 "properties": {"code": part.code, "number": number}}
                for number, part in enumerate(plan.parts, 1)]
    limit = split.editing_rules().area_tolerance.limit(plan.original_m2)
    return {"geojson": {"type": "FeatureCollection", "features": features},
            "within": abs(plan.difference_m2) < limit, "limit_m2": limit}


def _map(parcels) -> dict:
    shapes = shapely.from_wkb([bytes(p.geometry) for p in parcels])
    left, bottom, right, top = shapely.total_bounds(np.asarray(shapes, dtype=object)).tolist()
    features = [{"type": "Feature", "geometry": json.loads(text), "properties": {"code": p.code, "main": k == 0}}
                for k, (p, text) in enumerate(zip(parcels, shapely.to_geojson(shapes)))]
    return {"geojson": {"type": "FeatureCollection", "features": features}, "bounds": [[left, bottom], [right, top]],
            "tiles": settings.PARKGOV_TILE_URL}


def _neighbours(parcel, scope) -> list:
    """Current drawn parcels of the same park whose extent meets this one's (candidates to merge with)."""
    near = scope.filter_zones(Parcel.objects.filter(zone_id=parcel.zone_id, ended_on=None), "zone_id").exclude(
        pk=parcel.pk).exclude(geometry=None).filter(max_x__gte=parcel.min_x, min_x__lte=parcel.max_x,
                                                    max_y__gte=parcel.min_y, min_y__lte=parcel.max_y)
    return list(near.order_by("code")[:50])


def _list(request, name) -> list:
    return [v.strip() or None for v in request.POST.get(name, "").replace("，", ",").split(",")] \
        if request.POST.get(name, "").strip() else []


def _day(text):
    if not text:
        return timezone.localdate()
    day = parse_date(text)
    if day is None:
        raise InputError(f"生效日期 {text} 无效，应为 年-月-日")
    return day

