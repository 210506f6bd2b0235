"""Template filters of the print templates."""

import base64

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def svg_image(svg: str, label: str = ""):
    """An SVG string (charts, map extract) as an <img> with a data: address: WeasyPrint then draws it with its SVG
    renderer alone (inline <svg> would also pass every style attribute through the HTML style parser)."""
    if not svg:
        return ""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return format_html('<img src="data:image/svg+xml;base64,{}" alt="{}">', data, label)
