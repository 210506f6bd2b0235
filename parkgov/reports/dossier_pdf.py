"""一企一档 and 一地一档 as PDF: one dossier, or a batch (a zone's firms or parcels in one PDF, or one PDF each
in a zip). The dossier data are the page's (`reports.dossiers`), built with the user's scope, so a PDF never
shows a figure, a list row or a case the page would not; the firms and parcels themselves are looked up within
the user's parks by `find_enterprise`, `find_parcel` and `zone_members` (outside them: NotFound, as the page's
404 — the PDF does not disclose that they exist).

A batch in one PDF is ONE WeasyPrint document; in a zip each dossier is its own (faster on large batches, see
`dossier_zip`).
"""

import collections
import contextlib
import gc
import io
import itertools
import multiprocessing
import os
import zipfile

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from parkgov.accounts.scopes import zone_tree_ids
from parkgov.errors import NotFound, UsageError
from parkgov.ledger.models import Enterprise, Parcel, Zone
from parkgov.reports.dossiers import enterprise_dossier, parcel_dossier
from parkgov.reports.map_svg import parcels_svg
from parkgov.reports.pdf import documents_to_pdfs, html_to_pdf, render_document

BATCH_LIMIT = 5000
PARALLEL_FROM = 20  # documents per extra process before a batch is laid out in parallel
CHUNK = 10  # documents a process lays out and writes as one PDF before cutting it (fonts subset once a chunk)
# Layout makes and drops a few hundred thousand objects a dossier; with the default threshold (700) the
# collector ran so often that it took about a sixth of the layout's CPU (bench/reports_dossiers.py)
GC_THRESHOLD = 50_000


def find_enterprise(*, scope, credit_code: str) -> Enterprise:
    """The firm with this credit code within the user's parks (exact, else upper-cased and trimmed)."""
    queryset = scope.filter_zones(Enterprise.objects.select_related("zone__parent"), "zone_id")
    code = (credit_code or "").replace("\x00", "")
    firm = queryset.filter(credit_code=code).first() or queryset.filter(credit_code=code.strip().upper()).first()
    if firm is None:
        raise NotFound(gettext("没有统一社会信用代码为 %(code)s 的企业（或不在您的园区范围内）") % {"code": code})
    return firm


def find_parcel(*, scope, code: str) -> Parcel:
    """The parcel with this code within the user's parks."""
    queryset = scope.filter_zones(Parcel.objects.select_related("zone"), "zone_id")
    code = (code or "").replace("\x00", "")
    plot = queryset.filter(code=code).first() or queryset.filter(code=code.strip()).first()
    if plot is None:
        raise NotFound(gettext("没有编码为 %(code)s 的地块（或不在您的园区范围内）") % {"code": code})
    return plot


def zone_members(*, scope, zone_code: str, kind: str = "enterprise") -> list:
    """The firms (or parcels, `kind="parcel"`) of a zone and its parks, within the user's parks, by code."""
    zone = scope.filter_zones(Zone.objects.all(), "id").filter(code=(zone_code or "").strip()).first()
    if zone is None:
        raise NotFound(gettext("没有编码为 %(code)s 的园区（或不在您的园区范围内）") % {"code": zone_code})
    ids = zone_tree_ids(zone)
    if kind == "parcel":
        members = scope.filter_zones(Parcel.objects.current().filter(zone_id__in=ids).select_related("zone"), "zone_id")
        members = members.order_by("code")
    else:
        members = scope.filter_zones(Enterprise.objects.filter(zone_id__in=ids).select_related("zone__parent"),
                                     "zone_id").order_by("credit_code")
    members = list(members[:BATCH_LIMIT + 1])
    if len(members) > BATCH_LIMIT:
        raise UsageError(gettext("一次最多打印 %(limit)s 份档案，请缩小园区范围") % {"limit": BATCH_LIMIT})
    return members


def dossier_sections(*, scope, enterprises=(), parcels=(), progress=None) -> list:
    """The HTML of each dossier (a firm's or a parcel's), in order; `progress(done, total)` after each."""
    return list(_sections(scope=scope, enterprises=enterprises, parcels=parcels, progress=progress))


def _sections(*, scope, enterprises=(), parcels=(), progress=None):
    items = [("enterprise", firm) for firm in enterprises] + [("parcel", plot) for plot in parcels]
    for done, (kind, subject) in enumerate(items, start=1):
        if kind == "enterprise":
            context = enterprise_dossier(enterprise=subject, scope=scope)
            context["map_svg"] = parcels_svg([link.parcel for link in context["links"]])
            template = "reports/dossier_enterprise.html"
        else:
            context = parcel_dossier(parcel=subject, scope=scope)
            context["map_svg"] = parcels_svg([subject])
            template = "reports/dossier_parcel.html"
        context["scope"] = scope
        yield render_to_string(template, context)
        if progress:
            progress(done, len(items))


def dossier_pdf(*, scope, enterprises=(), parcels=(), title: str = "", progress=None) -> bytes:
    """One PDF with the dossiers of `enterprises` and `parcels`, each starting on a new page."""
    sections = dossier_sections(scope=scope, enterprises=enterprises, parcels=parcels, progress=progress)
    return html_to_pdf(_document(sections, title=title))


def dossier_zip(*, scope, enterprises=(), parcels=(), title: str = "", progress=None) -> bytes:
    """A zip with one PDF per dossier, named by credit code (or parcel code) and name. Each dossier is laid out
    as its own document (its own page numbers; and WeasyPrint's layout time grows faster than the page count:
    one document of 1,000 dossiers took twice as long as 1,000 documents, with 5.6 GiB at its peak); the HTML
    is built here while the processes of `laid_out` lay out the dossiers built before."""
    sections = _sections(scope=scope, enterprises=enterprises, parcels=parcels, progress=progress)
    names = [f"{firm.credit_code}-{firm.name}" for firm in enterprises] + [plot.code for plot in parcels]
    documents = (_document([section], title=title) for section in sections)
    buffer = io.BytesIO()
    # the PDFs' streams are compressed already: the zip's fastest level gains nearly what the default does
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, pdf in zip(names, laid_out(documents, count=len(names)), strict=True):
            archive.writestr(f"{_safe(name)}.pdf", pdf)
    return buffer.getvalue()


def laid_out(documents, *, count: int | None = None):
    """The PDFs of HTML `documents` (an iterable of `count`), in order, as they are done.

    The documents go in chunks of CHUNK: each is laid out alone, then the chunk is written as one PDF and cut
    into one PDF per document (`pdf.documents_to_pdfs`: the fonts subset once a chunk). Layout is pure CPU and
    needs no database, so a batch of at least PARALLEL_FROM documents per core is laid out by one process per
    core, started once (forked: the children inherit the loaded fonts, style sheet and templates), while this
    process goes on building the next documents (at most a few chunks ahead of the processes); a smaller
    batch here."""
    if count is None:
        documents = list(documents)
        count = len(documents)
    chunks = _chunks(iter(documents), CHUNK)
    workers = min(os.cpu_count() or 1, count // PARALLEL_FROM)
    if workers < 2:
        for chunk in chunks:
            with _fewer_collections():
                pdfs = _lay_out(chunk)
            yield from pdfs
        return
    context = multiprocessing.get_context("fork")
    # frozen, the objects this process holds are not scanned by the children's collector (nor copied into
    # them when it touches them): 15-30 % of the children's CPU before
    gc.freeze()
    try:
        with context.Pool(workers, initializer=gc.set_threshold, initargs=(GC_THRESHOLD,)) as pool:
            pending = collections.deque()
            for chunk in chunks:
                pending.append(pool.apply_async(_lay_out, (chunk,)))
                while pending and (pending[0].ready() or len(pending) > 2 * workers):
                    yield from pending.popleft().get()
            while pending:
                yield from pending.popleft().get()
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def _fewer_collections():
    """The collector's first threshold at GC_THRESHOLD for the block, then as it was."""
    threshold = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def _chunks(items, size):
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def _lay_out(htmls: list) -> list:
    return documents_to_pdfs([render_document(html) for html in htmls])


def _safe(name) -> str:
    return "".join("_" if ch in '\\/:*?"<>|' or not ch.isprintable() else ch for ch in str(name))[:120]


def _document(sections, *, title) -> str:
    return render_to_string("reports/dossiers.html", {
        "sections": sections, "title": title or gettext("档案"), "printed_at": timezone.localtime()})
