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
LABEL_SIZE = 11
# where a parcel's number goes, tried in turn: on its point, then above, below, right and left of it (pixels)
NUMBER_SPOTS = [(0, 0), (0, -12), (0, 12), (12, 0), (-12, 0), (0, -24), (0, 24), (24, 0), (-24, 0)]


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
    anchors = []
    for parcel, geometry in zip(shaped, geometries):
        page = project(geometry)
        parts.append(_path(page, fill=SUPPLY_STATUS_COLOURS.get(parcel.supply_status, "#9aa5b1"),
                           stroke="#1d1d1f", opacity="0.75"))
        point = page.representative_point()
        anchors.append((parcel.code, point.x, point.y, page.area))
    parts.extend(_labels(anchors))
    parts.append(_scale_bar(factor))
    parts.append("</svg>")
    return "".join(parts)


def _labels(anchors) -> list[str]:
    """Each parcel's code at its inner point, the largest parcels first; a code that would overlap one placed before
    (adjacent small parcels) or run off the map is written as a number instead, at or next to that point where it
    overlaps no label, with the number's code in a key in the lower right corner."""
    placed, texts, keyed = [], [], []
    for code, x, y, _area in sorted(anchors, key=lambda anchor: -anchor[3]):
        box = _label_box(code, x, y, LABEL_SIZE)
        inside = box[0] >= 0 and box[2] <= WIDTH and box[1] >= 0 and box[3] <= HEIGHT
        if inside and not any(_overlap(box, other) for other in placed):
            placed.append(box)
            texts.append(_text(x, y, code))
            continue
        keyed.append(code)
        number = str(len(keyed))
        spots = [(x + dx, y + dy) for dx, dy in NUMBER_SPOTS]
        free = [(sx, sy) for sx, sy in spots if not any(_overlap(_label_box(number, sx, sy, LABEL_SIZE), other)
                                                         for other in placed)]
        x, y = (free or spots)[0]
        placed.append(_label_box(number, x, y, LABEL_SIZE))
        texts.append(_text(x, y, number, fill="#b3261e"))
    if keyed:
        line = LABEL_SIZE + 3
        width = max(_text_width(f"{n} {code}", LABEL_SIZE) for n, code in enumerate(keyed, 1)) + 12
        top = HEIGHT - 8 - line * len(keyed)
        texts.append(f'<rect x="{WIDTH - 8 - width:.1f}" y="{top - 4:.1f}" width="{width:.1f}" '
                     f'height="{line * len(keyed) + 6:.1f}" fill="#fff" fill-opacity="0.85" stroke="#b5bcc4"/>')
        texts.extend(_text(WIDTH - 8 - width + 6, top + line * n, f"{n} {code}", anchor="start")
                     for n, code in enumerate(keyed, 1))
    return texts


def _label_box(text, x, y, size):
    """The box (left, top, right, bottom) a label of `text` centred on (x, y) takes, with a margin of 2 pixels."""
    half = _text_width(text, size) / 2
    return (x - half - 2, y - size, x + half + 2, y + 3)


def _text_width(text, size) -> float:
    """About the width of `text`: digits and Latin letters are some 0.6 of the font size wide in Noto Sans CJK,
    CJK characters one."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _text(x, y, text, *, anchor="middle", fill="#111") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{LABEL_SIZE}" text-anchor="{anchor}" '
            f'font-family="Noto Sans CJK SC" fill="{fill}">{escape(text)}</text>')


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
