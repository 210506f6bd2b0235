"""Django template → PDF with WeasyPrint: A4, Debian's Noto CJK fonts, page numbers, table headers repeated on
every page. The print style sheet (static/reports/print.css) sets these up and is handed to WeasyPrint directly;
templates extend reports/base_print.html and fill `{% block body %}`.

Nothing is fetched while rendering: charts and maps are inline SVG, and the fetcher serves `data:` addresses
only, so a report renders the same offline and a crafted value in the data cannot make the server request an
address or read a file.
"""

from functools import cache
from pathlib import Path

from django.template.loader import render_to_string

PRINT_CSS = Path(__file__).parent / "static" / "reports" / "print.css"


def render_pdf(*, template: str, context: dict) -> bytes:
    """Render the Django `template` (extending reports/base_print.html) with `context`; the PDF bytes."""
    return html_to_pdf(render_to_string(template, context))


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML document written for print (see `render_pdf`)."""
    return render_document(html).write_pdf()


def render_document(html: str):
    """The laid-out WeasyPrint document of `html` (its pages can be written whole or in parts)."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_fetcher()).render(stylesheets=[_print_css()], font_config=_fonts())


@cache
def _fonts():
    # One font configuration per process: building it reads fontconfig's cache.
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def _print_css():
    from weasyprint import CSS

    return CSS(string=PRINT_CSS.read_text(encoding="utf-8"), font_config=_fonts())


@cache
def _fetcher():
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
