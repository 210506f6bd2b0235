"""Django template → PDF with WeasyPrint: A4, Debian's Noto CJK fonts, page numbers, table headers repeated on
every page. The print style sheet (static/reports/print.css) sets these up and is handed to WeasyPrint directly;
templates extend reports/base_print.html and fill `{% block body %}`.

Nothing is fetched while rendering: charts and maps are inline SVG, and the fetcher serves `data:` addresses
only, so a report renders the same offline and a crafted value in the data cannot make the server request an
address or read a file.
"""

import io
import re
from functools import cache
from pathlib import Path

from django.template.loader import render_to_string

PRINT_CSS = Path(__file__).parent / "static" / "reports" / "print.css"
_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")


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


def documents_to_pdfs(documents: list) -> list[bytes]:
    """The PDF of each laid-out document of `documents`, in order, as `write_pdf` would write it alone.

    Written as ONE PDF and then cut by pages: a document's fonts are subset (HarfBuzz, the Noto CJK fonts) and
    its streams compressed once for all of them, which was two thirds of writing each small dossier alone
    (bench/reports_dossiers.py). WeasyPrint gives all pages one resource dictionary, so each part keeps only
    the fonts, images and drawing groups its own pages use (nothing of another document's pages is in its
    file; the shared font subsets hold the glyphs of all of them), with its own bookmarks and title.
    """
    if len(documents) < 2:
        return [document.write_pdf() for document in documents]
    from pypdf import PdfReader

    merged = documents[0].copy([page for document in documents for page in document.pages])
    reader = PdfReader(io.BytesIO(merged.write_pdf()))
    parts, start = [], 0
    for document in documents:
        parts.append(_part(reader, range(start, start + len(document.pages)), document))
        start += len(document.pages)
    return parts


def _part(reader, numbers, document) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import Fit

    writer = PdfWriter()
    pages = [writer.add_page(reader.pages[n]) for n in numbers]
    _keep_used_resources(pages)
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)

    def bookmarks(tree, parent):
        for label, (page, left, top), children, state in tree:
            item = writer.add_outline_item(title=label, page_number=page, parent=parent,
                                           fit=Fit.xyz(left, top, 0), is_open=state != "closed")
            bookmarks(children, item)
    bookmarks(document.make_bookmark_tree(scale=0.75, transform_pages=True), None)
    metadata = {key: value for key, value in (reader.metadata or {}).items() if key != "/Title"}
    if document.metadata.title:
        metadata["/Title"] = document.metadata.title
    writer.add_metadata(metadata)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _keep_used_resources(pages):
    """Drop from the (shared) resource dictionaries of `pages` every named resource that neither their content
    streams nor the form XObjects these draw name."""
    used, seen, streams, dictionaries = set(), set(), [], []
    for page in pages:
        streams.append(page.get_contents())
        dictionaries.append(page.get("/Resources"))
    while streams:
        stream = streams.pop()
        if stream is None or id(stream) in seen:
            continue
        seen.add(id(stream))
        names = set(_NAME.findall(stream.get_data()))
        used |= names
        for resources in dictionaries + [stream.get("/Resources")]:
            resources = resources.get_object() if resources is not None else None
            forms = resources.get("/XObject") if resources else None
            for name in names & {key[1:].encode() for key in (forms or {})}:
                form = forms[f"/{name.decode()}"].get_object()
                streams.append(form)
                if form.get("/Resources") is not None:
                    dictionaries.append(form["/Resources"])
    for resources in dictionaries:
        resources = resources.get_object() if resources is not None else None
        for kind in ("/Font", "/XObject", "/Pattern", "/Shading"):
            named = resources.get(kind) if resources else None
            if named is None:
                continue
            named = named.get_object()
            for key in [key for key in named if key[1:].encode() not in used]:
                del named[key]


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
