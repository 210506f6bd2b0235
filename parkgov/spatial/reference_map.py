"""The reference layers (rivers, roads, planned land use, protected areas … imported as GIS files by governance) on
the map, served by us as GeoJSON: the map needs no online tiles.

Scope: a user of every park sees whole layers; a park-limited user sees the features whose bounding box meets its
parks' extent grown by `reference_margin_m` (data/map.yaml), so that a river along its park is drawn but the
province's layers are not handed out; a user whose parks have no geometry sees none. The layer list's counts and
the GeoJSON are cut by the same `_visible` query, so the counts are what the map draws.
"""

import hashlib
import json
import math

import numpy as np
import shapely
from django.urls import reverse
from django.utils.translation import gettext

from parkgov.codes.tables import code_table
from parkgov.errors import NotFound
from parkgov.governance.choices import ReferenceLayerKind
from parkgov.governance.models import ReferenceFeature, ReferenceLayer
from parkgov.spatial.map_settings import map_settings

METRES_PER_DEGREE = 111_320.0
DIGITS = 6  # decimal places of lon/lat sent (about 0.1 m)
NOTHING = (0.0, 0.0, -1.0, -1.0)  # an extent no feature meets


def visible_extent(scope, extent) -> tuple | None:
    """The lon/lat box a user's reference features must meet: None for every park, else `extent` (the map's extent
    of the user's parks, services.map_context) grown by the margin; NOTHING when the parks have no geometry."""
    if scope.zone_ids is None:
        return None
    if not extent:
        return NOTHING
    margin = map_settings().reference_margin_m
    west, south, east, north = extent
    d_lat = margin / METRES_PER_DEGREE
    d_lon = margin / (METRES_PER_DEGREE * max(math.cos(math.radians(max(abs(south), abs(north)))), 0.01))
    return (west - d_lon, south - d_lat, east + d_lon, north + d_lat)


def _visible(layer, box):
    rows = ReferenceFeature.objects.filter(layer=layer, geometry__isnull=False)
    if box is None:
        return rows
    west, south, east, north = box
    return rows.filter(min_x__lte=east, max_x__gte=west, min_y__lte=north, max_y__gte=south)


def reference_layers(*, scope, extent) -> list:
    """The layers for the map's layer list: code, name, kind (and its label), how it is drawn, the features the user
    sees and, for planned land use, the legend of 一级类 with the user's counts."""
    box = visible_extent(scope, extent)
    settings = map_settings()
    labels = dict(ReferenceLayerKind.choices)
    listed = []
    for layer in ReferenceLayer.objects.order_by("kind", "code"):
        style = settings.kinds[layer.kind]
        rows = _visible(layer, box)
        entry = {"code": layer.code, "name": layer.name, "kind": layer.kind, "kind_label": str(labels[layer.kind]),
                 "draw": style.draw, "colour": style.colour, "width": style.width, "opacity": style.opacity,
                 "features": rows.count(), "source": layer.source, "verified": layer.verified,
                 "url": reverse("web:map_reference", kwargs={"code": layer.code})}
        if layer.kind == ReferenceLayerKind.PLANNED_LAND_USE:
            entry["legend"] = _land_use_legend(rows)
        listed.append(entry)
    return listed


def _land_use_legend(rows) -> list:
    """一级类 present among the user's features, with colour and count (codes without a colour share the layer's)."""
    table = code_table("land_use_2023")
    settings = map_settings()
    counts = {}
    for code in rows.values_list("land_use_code", flat=True):
        counts[code[:2]] = counts.get(code[:2], 0) + 1
    return [{"value": group, "label": table.label(group) or gettext("未分类"),
             "colour": settings.land_use_colours.get(group, settings.kinds["planned_land_use"].colour),
             "count": count} for group, count in sorted(counts.items())]


def reference_etag(*, code: str, scope, extent) -> str:
    """An entity tag for the layer as `scope` sees it: the import (time and file hash) and the visible extent."""
    layer = ReferenceLayer.objects.filter(code=code).values_list("imported_at", "file_sha256", "features").first()
    if layer is None:
        raise NotFound(gettext("参考图层 %(code)s 不存在") % {"code": code})
    seen = (code, str(layer[0]), layer[1], layer[2], visible_extent(scope, extent), DIGITS)
    return hashlib.sha256(repr(seen).encode()).hexdigest()[:32]


def reference_geojson(*, code: str, scope, extent) -> dict:
    """The layer's features the user sees as a GeoJSON FeatureCollection (lon/lat, EPSG:4490 ≈ WGS 84 on a map),
    each with its name, planned-use code and 一级类 ("group"). NotFound for an unknown layer."""
    layer = ReferenceLayer.objects.filter(code=code).first()
    if layer is None:
        raise NotFound(gettext("参考图层 %(code)s 不存在") % {"code": code})
    rows = list(_visible(layer, visible_extent(scope, extent)).order_by("id")
                .values_list("id", "geometry", "name", "land_use_code"))
    if not rows:
        return {"type": "FeatureCollection", "features": []}
    geoms = shapely.transform(shapely.from_wkb([bytes(row[1]) for row in rows]),
                              lambda xy: np.round(xy, DIGITS))
    texts = shapely.to_geojson(geoms)
    features = [{"type": "Feature", "id": row[0], "geometry": json.loads(text),
                 "properties": {"name": row[2], "land_use_code": row[3], "group": row[3][:2]}}
                for row, text in zip(rows, texts)]
    return {"type": "FeatureCollection", "features": features}
