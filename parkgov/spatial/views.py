"""The map page and its vector tiles. Scope checks live in `parkgov.web.access.scoped`."""

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_vary_headers

from parkgov.errors import InputError, NotFound
from parkgov.spatial.services import map_context
from parkgov.spatial.tiles import render_tile, tile_etag
from parkgov.web.access import scoped

TILE_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"
TILE_MAX_AGE = 60  # seconds a browser reuses a tile unasked; afterwards it revalidates with the ETag


@scoped("parcel")
def map_page(request, scope):
    return render(request, "spatial/map.html", {"map": map_context(scope=scope)})


@scoped("parcel")
def tile(request, scope, layer, z, x, y):
    try:
        etag = tile_etag(layer=layer, z=z, x=x, y=y, scope=scope)
        response = get_conditional_response(request, etag=f'"{etag}"')
        if response is None:
            body = render_tile(layer=layer, z=z, x=x, y=y, scope=scope)
            response = HttpResponse(body, content_type=TILE_CONTENT_TYPE) if body else HttpResponse(status=204)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except InputError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    response["ETag"] = f'"{etag}"'
    response["Cache-Control"] = f"private, max-age={TILE_MAX_AGE}"  # depends on the user's scope
    patch_vary_headers(response, ["Cookie"])
    return response
