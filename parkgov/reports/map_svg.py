"""The map extract of a printed dossier: the parcels' outlines drawn server-side as SVG from their stored
geometry (no tile server), coloured by supply status, with the neighbouring parcels of the same extent in grey.

Coordinates are EPSG:4490 degrees; over an extract of a few hundred metres an equirectangular projection
(longitude scaled by the cosine of the latitude) keeps shapes and the scale bar true to well under 1 %.
"""

import math

import shapely
from django.utils.html import escape

from parkgov.ledger.choices import SUPPLY_STATUS_COLOURS
from parkgov.ledger.models import Parcel

WIDTH, HEIGHT, PAD = 640, 400, 0.15
NEIGHBOURS = 300
METRES_PER_DEGREE = 111_320.0


def parcels_svg(parcels, *, neighbours: bool = True) -> str:
    """An SVG of `parcels` (those with a geometry) and, in grey, the other parcels within the extent; "" when
    none of them has a geometry."""
    shaped = [p for p in dict.fromkeys(parcels) if p.geometry]
    if not shaped:
        return ""
    geometries = shapely.from_wkb([bytes(p.geometry) for p in shaped])
    left, bottom, right, top = shapely.total_bounds(geometries).tolist()
    span = max(right - left, top - bottom, 0.0005)
    left, right = left - span * PAD, right + span * PAD
    bottom, top = bottom - span * PAD, top + span * PAD
    others = []
    if neighbours:
        others = list(Parcel.objects.current().filter(min_x__lte=right, max_x__gte=left, min_y__lte=top, max_y__gte=bottom)
                      .exclude(pk__in=[p.pk for p in shaped]).exclude(geometry=None)
                      .values_list("geometry", flat=True)[:NEIGHBOURS])
    scale_x = math.cos(math.radians((top + bottom) / 2))
    width_deg, height_deg = (right - left) * scale_x, top - bottom
    factor = min(WIDTH / width_deg, HEIGHT / height_deg)
    offset_x = (WIDTH - width_deg * factor) / 2
    offset_y = (HEIGHT - height_deg * factor) / 2

    def project(geometry):
        return shapely.transform(geometry, lambda xy: _to_page(xy, left, top, scale_x, factor, offset_x, offset_y))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
             f'height="{HEIGHT}"><rect width="{WIDTH}" height="{HEIGHT}" fill="#f7f8fa"/>']
    if others:
        # the neighbours as ONE path (their rings do not overlap): WeasyPrint parses and draws each SVG element in
        # Python; one path for all cut the Python calls of writing the bench's dossiers by 15 %
        neighbours = project(shapely.from_wkb([bytes(wkb) for wkb in others]))
        parts.append(_path(shapely.GeometryCollection(list(neighbours)), fill="#e3e6ea", stroke="#b5bcc4"))
    for parcel, geometry in zip(shaped, geometries):
        page = project(geometry)
        parts.append(_path(page, fill=SUPPLY_STATUS_COLOURS.get(parcel.supply_status, "#9aa5b1"),
                           stroke="#1d1d1f", opacity="0.75"))
        point = page.representative_point()
        parts.append(f'<text x="{point.x:.1f}" y="{point.y:.1f}" font-size="11" text-anchor="middle" '
                     f'font-family="Noto Sans CJK SC" fill="#111">{escape(parcel.code)}</text>')
    parts.append(_scale_bar(factor))
    parts.append("</svg>")
    return "".join(parts)


def _to_page(xy, left, top, scale_x, factor, offset_x, offset_y):
    out = xy.copy()
    out[:, 0] = (xy[:, 0] - left) * scale_x * factor + offset_x
    out[:, 1] = (top - xy[:, 1]) * factor + offset_y
    return out


def _path(geometry, *, fill, stroke, opacity="1") -> str:
    rings = []
    for polygon in shapely.get_parts(shapely.get_parts(geometry)):  # collection → (multi)polygons → polygons
        if polygon.geom_type != "Polygon":
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            rings.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in ring.coords) + "Z")
    return (f'<path d="{"".join(rings)}" fill="{fill}" fill-opacity="{opacity}" fill-rule="evenodd" '
            f'stroke="{stroke}" stroke-width="0.8"/>')


def _scale_bar(factor) -> str:
    metres_per_pixel = METRES_PER_DEGREE / factor
    target = metres_per_pixel * 120
    length = max(10, 10 ** math.floor(math.log10(target)))
    for step in (5, 2):
        if length * step <= target:
            length *= step
            break
    pixels = length / metres_per_pixel
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    return (f'<g font-family="Noto Sans CJK SC" font-size="10"><rect x="12" y="{HEIGHT - 22}" width="{pixels:.1f}" '
            f'height="4" fill="#333"/><text x="12" y="{HEIGHT - 26}">{label}</text>'
            f'<text x="{WIDTH - 14}" y="22" text-anchor="end" font-size="13">N ↑</text></g>')
