"""The map page, its vector tiles and the parcel card's properties. Scope checks live in `parkgov.accounts.pages.scoped`."""

import re

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_http_methods

from parkgov.errors import InputError, NotFound
from parkgov.spatial.map_tools import measure, search_map, selection_file
from parkgov.spatial.reference_map import reference_etag, reference_geojson
from parkgov.spatial.services import map_context, scope_extent
from parkgov.spatial.tile_cache import finished_tile
from parkgov.spatial.tiles import data_version, parcel_at, parcel_properties, tile_etag
from parkgov.accounts.pages import scoped

TILE_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"
TILE_MAX_AGE = 60  # seconds a browser reuses a tile unasked; afterwards it revalidates with the ETag
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@scoped("parcel")
def map_page(request, scope):
    return render(request, "spatial/map.html", {"map": map_context(scope=scope)})


def _json(data, *, status=200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Cookie"])
    return response


@require_GET
@scoped("parcel")
def map_search(request, scope):
    """Parcels and firms matching ?q= among what the user may see (`map_tools.search_map`)."""
    try:
        return _json({"hits": search_map(query=request.GET.get("q", ""), scope=scope)})
    except InputError as exc:
        return _json({"error": str(exc)}, status=400)


@require_GET
@gzip_page  # GeoJSON of planned land use compresses about tenfold
@scoped("parcel")
def map_reference(request, scope, code):
    """One reference layer's features near the user's parks as GeoJSON (`reference_map`); revalidated by ETag."""
    extent = scope_extent(scope)
    try:
        etag = f'"{reference_etag(code=code, scope=scope, extent=extent)}"'
        response = get_conditional_response(request, etag=etag) or _json(
            reference_geojson(code=code, scope=scope, extent=extent))
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Cookie"])
    return response


@require_GET
@scoped("parcel")
def map_measure(request, scope):
    """Ellipsoidal length or area of ?points=lon,lat;… (?kind=line|area)."""
    try:
        return _json(measure(points=request.GET.get("points", ""), kind=request.GET.get("kind", "line")))
    except InputError as exc:
        return _json({"error": str(exc)}, status=400)


@require_http_methods(["GET", "POST"])
@scoped("parcel")
def map_selection_export(request, scope, fmt):
    """The selected parcels (?ids= or a posted ids field) that the user may see, as .xlsx or .gpkg, Chinese headers."""
    ids = request.POST.get("ids") if request.method == "POST" else request.GET.get("ids")
    try:
        with translation.override(settings.LANGUAGE_CODE):
            path, folder = selection_file(ids=ids or "", fmt=fmt, scope=scope)
    except InputError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    handle = path.open("rb")
    folder.cleanup()  # the open handle keeps the file readable until it is sent
    content_type = XLSX if fmt == "xlsx" else "application/geopackage+sqlite3"
    return FileResponse(handle, as_attachment=True, filename=path.name, content_type=content_type)


@scoped("parcel")
def tile(request, scope, layer, z, x, y):
    try:
        version = data_version()
        etag = f'W/"{tile_etag(layer=layer, z=z, x=x, y=y, scope=scope, version=version)}"'  # gzipped or not
        response = get_conditional_response(request, etag=etag)
        if response is None:
            response = _tile_response(request, etag, layer=layer, z=z, x=x, y=y, scope=scope, version=version)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except InputError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = f"private, max-age={TILE_MAX_AGE}"  # depends on the user's scope
    patch_vary_headers(response, ["Cookie", "Accept-Encoding"])
    return response


class TileResponse(HttpResponse):
    """A response that runs some work after it has been sent: the WSGI server closes a response once the body is
    out (Django's test client too)."""

    def __init__(self, *args, after=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.after = list(after)

    def close(self):
        try:
            for work in self.after:
                work()
        finally:
            super().close()


def _tile_response(request, etag, **tile) -> HttpResponse:
    """The tile, gzipped when the client accepts it (browsers do) and it is worth it."""
    accepts = bool(ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))
    after = []
    body, packed = finished_tile(etag=etag, accepts=accepts, later=after.append, **tile)
    if not body:
        return TileResponse(status=204, after=after)
    response = TileResponse(body, content_type=TILE_CONTENT_TYPE, after=after)
    if packed:
        response["Content-Encoding"] = "gzip"
    return response


@scoped("parcel")
def parcel_feature(request, scope, parcel_id):
    """The full properties of one parcel on the map, for the card when a generalised tile was clicked."""
    try:
        properties = parcel_properties(parcel_id=parcel_id, scope=scope)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    response = JsonResponse(properties, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = f"private, max-age={TILE_MAX_AGE}"
    patch_vary_headers(response, ["Cookie"])
    return response


@scoped("parcel")
def parcel_at_point(request, scope):
    """The card's properties (with the id) of the parcel drawn at ?lon=&lat= on a generalised tile of zoom ?z=."""
    try:
        properties = parcel_at(lon=request.GET.get("lon"), lat=request.GET.get("lat"), z=request.GET.get("z"),
                               scope=scope)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except InputError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    response = JsonResponse(properties, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = f"private, max-age={TILE_MAX_AGE}"
    patch_vary_headers(response, ["Cookie"])
    return response
