"""Exports of the ledger lists: the rows a list page shows (same scope, filters and order) as xlsx.

Small exports stream back at once; above `export_inline_rows` (thresholds.csv) they become a background job
(`jobs.tasks.export_task` → `export_to_file`). Rows stream from the database into XlsxWriter's constant-memory
mode, text is made formula-safe, and headers and labels are Chinese whatever the page language.
"""

import shutil
import tempfile
from functools import wraps

import xlsxwriter
from django.conf import settings
from django.http import FileResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext

from parkgov.ingest.excel import safe_cell
from parkgov.accounts.pages import scoped
from parkgov.web.lists import LISTINGS, Listing, build_table, enterprise_listing, finding_listing, parcel_listing

XLSX_MAX_ROWS = 1_048_575  # Excel's row limit, less the header
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def in_default_language(view):
    """Exports are workbooks passed between departments: Chinese headers and labels whatever the page language,
    the same as the large exports the job worker writes (jobs run in zh-hans)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return view(request, *args, **kwargs)

    return wrapper


def export_list(request, listing: Listing, kind: str):
    """The filtered, sorted rows as xlsx: streamed back at once when small, else written by a background job."""
    from parkgov.codes.thresholds import threshold
    from parkgov.jobs.services import start_job

    ordered = build_table(listing, request.GET).data.data
    limit = int(threshold("export_inline_rows"))
    if ordered[:limit + 1].count() > limit:
        job = start_job(kind="export", title=gettext("导出%(list)s") % {"list": listing.title}, user=request.user,
                        params={"list": kind, "query": request.GET.urlencode()})
        return redirect("web:job", job_id=job.pk)
    handle = write_xlsx(rows=export_rows(listing, ordered), columns=listing.export_columns, sheet_name=str(listing.title))
    return FileResponse(handle, as_attachment=True, filename=str(listing.export_name), content_type=XLSX)


def export_rows(listing: Listing, ordered):
    paths = list(dict.fromkeys(path for _header, path, _convert in listing.export_columns))
    return ordered.values(*paths).iterator(chunk_size=2000)


def export_to_file(*, user, kind: str, query: str, path, progress=None) -> int:
    """Write the export of list `kind` with filters `query` for `user` to `path` (used by the export job)."""
    from django.http import QueryDict

    from parkgov.accounts.scopes import scope_for

    scope = scope_for(user)
    params = QueryDict(query)
    listing = LISTINGS[kind](scope=scope, params=params)
    ordered = build_table(listing, params).data.data
    counted = {"rows": 0}

    def rows():
        for row in export_rows(listing, ordered):
            counted["rows"] += 1
            if progress and counted["rows"] % 20000 == 0:
                progress(counted["rows"])
            yield row

    handle = write_xlsx(rows=rows(), columns=listing.export_columns, sheet_name=str(listing.title))
    with open(path, "wb") as out:
        shutil.copyfileobj(handle, out)
    return counted["rows"]


def write_xlsx(*, rows, columns, sheet_name):
    """Write dict rows to a temporary xlsx file (text made formula-safe) and return it rewound."""
    handle = tempfile.TemporaryFile()
    book = xlsxwriter.Workbook(handle, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})
    sheet = book.add_worksheet(sheet_name)
    header, dates = book.add_format({"bold": True, "bg_color": "#EEF2F7"}), book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.set_column(0, len(columns) - 1, 16)
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, [str(h) for h, _path, _convert in columns], header)
    for r, row in enumerate(rows, start=1):
        if r > XLSX_MAX_ROWS:
            break
        for c, (_header, path, convert) in enumerate(columns):
            value = row[path]
            if convert is not None and value is not None:
                value = convert(value)
            if value is None or value == "":
                continue
            if isinstance(value, (int, float)):
                sheet.write_number(r, c, value)
            elif hasattr(value, "isoformat"):
                sheet.write_datetime(r, c, value, dates)
            else:
                sheet.write_string(r, c, safe_cell(value))
    book.close()
    handle.seek(0)
    return handle


@scoped("enterprise")
@in_default_language
def enterprises_export(request, scope):
    return export_list(request, enterprise_listing(scope=scope, params=request.GET), "enterprises")


@scoped("parcel")
@in_default_language
def parcels_export(request, scope):
    return export_list(request, parcel_listing(scope=scope, params=request.GET), "parcels")


@scoped("finding")
@in_default_language
def findings_export(request, scope):
    return export_list(request, finding_listing(scope=scope, params=request.GET), "findings")
