"""A parcel's lineage as a small graph (issue 17 §2): its ancestors to the left, its descendants to the right, the
other parts of each split or merge beside them, one box per parcel with its code and validity dates and an arrow
per lineage edge. Drawn server-side as SVG so that the HTML dossier and the PDF (WeasyPrint) show the same picture;
in the web every other box links to that parcel's dossier.

Only parcels in the user's parks are drawn (splits and merges stay inside one park, so this hides nothing that
belongs to the parcel's own story).
"""

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from parkgov.ledger.models import Parcel
from parkgov.ledger.split import lineage_component

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 150, 44, 46, 12, 8


def lineage_graph(*, parcel, scope, link=None) -> str:
    """SVG markup of the lineage of `parcel` ('' when it has none); `link(code)` gives each other box its URL."""
    depth, edges = lineage_component(parcel.pk)
    if not edges:
        return ""
    nodes = {p.pk: p for p in scope.filter_zones(Parcel.objects.filter(pk__in=list(depth)), "zone_id")
             .only("id", "code", "started_on", "ended_on", "code_provisional")}
    columns = sorted({depth[pk] for pk in nodes})
    place = {}
    for x, level in enumerate(columns):
        for y, pk in enumerate(sorted((pk for pk in nodes if depth[pk] == level), key=lambda pk: nodes[pk].code)):
            place[pk] = (PAD + x * (BOX_W + GAP_X), PAD + y * (BOX_H + GAP_Y))
    width = PAD * 2 + len(columns) * BOX_W + (len(columns) - 1) * GAP_X
    height = PAD * 2 + max(y for _x, y in place.values()) + BOX_H
    label = gettext("地块沿革图")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="lineage-graph" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">',
             '<defs><marker id="lineage-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" '
             'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#52606d"/></marker></defs>']
    for edge in edges:
        if edge.parent_id in place and edge.child_id in place:
            (x1, y1), (x2, y2) = place[edge.parent_id], place[edge.child_id]
            parts.append(f'<line x1="{x1 + BOX_W}" y1="{y1 + BOX_H / 2}" x2="{x2 - 2}" y2="{y2 + BOX_H / 2}" '
                         f'stroke="#52606d" stroke-width="1.2" marker-end="url(#lineage-arrow)"/>')
    for pk, (x, y) in place.items():
        parts.append(_box(nodes[pk], x, y, current=pk == parcel.pk, href=None if pk == parcel.pk or not link
                          else link(nodes[pk].code)))
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _box(node, x, y, *, current, href) -> str:
    until = _day(node.ended_on) if node.ended_on else gettext("至今")
    dates = f"{_day(node.started_on)} – {until}"
    mark = gettext("（临时）") if node.code_provisional else ""
    fill, stroke = ("#dbe7f5", "#1d4e89") if current else (("#f1f3f5", "#9aa5b1") if node.ended_on else
                                                           ("#ffffff", "#4d9078"))
    body = (f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="4" fill="{fill}" stroke="{stroke}"/>'
            f'<text x="{x + 8}" y="{y + 18}" font-size="12" font-weight="{700 if current else 400}" '
            f'fill="#1f2933">{escape(node.code)}{escape(mark)}</text>'
            f'<text x="{x + 8}" y="{y + 35}" font-size="10" fill="#52606d">{escape(dates)}</text>')
    if href:
        return f'<a href="{escape(href)}" class="lineage-node" data-code="{escape(node.code)}">{body}</a>'
    return f'<g class="lineage-node current" data-code="{escape(node.code)}">{body}</g>'


def _day(day) -> str:
    return day.strftime("%Y-%m-%d") if day else "…"
