"""Pages of 绿色与底线 (issue 16 §2): the zones of a year compared (底线 outcome, green indicators, leading
industries), one zone's page, and the workbook download.

Every page and download starts from the user's zones (Scope.zone_ids): a zone outside them is 404, and the
comparison and the workbook list only the zones the user may see (the same zones_outcomes call serves both).
"""

import tempfile
from pathlib import Path

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext

from parkgov.zones import green_pages
from parkgov.zones.green_export import write_bottom_line
from parkgov.zones.views import scoped_page


def _year(request) -> int:
    year = green_pages.pick_year(request.GET.get("year", ""))
    if year is None:
        raise Http404(gettext("尚未公布任何年度的底线指标"))
    return year


@scoped_page()
def green_index(request, scope):
    """The zones of a year: 底线 outcome, green indicators, leading industries."""
    context = green_pages.compare_context(year=_year(request), zone_ids=scope.zone_ids)
    return render(request, "zones/green_index.html", context)


@scoped_page()
def green_zone(request, scope, code, year):
    """One zone's 底线 outcome with reasons and history, green indicators and industry mix in `year`."""
    return render(request, "zones/green_zone.html", green_pages.zone_context(code=code, year=year,
                                                                            zone_ids=scope.zone_ids))


@scoped_page()
def green_export(request, scope):
    """The 底线 workbook of the user's zones (the same as `parkgov zone bottom-line`)."""
    year = _year(request)
    with tempfile.TemporaryDirectory(prefix="bottom-line-") as folder, translation.override("zh-hans"):
        path = Path(folder) / f"底线考核-{year}.xlsx"
        write_bottom_line(path=path, year=year, zone_ids=scope.zone_ids)
        handle = open(path, "rb")
    return FileResponse(handle, as_attachment=True, filename=path.name)
