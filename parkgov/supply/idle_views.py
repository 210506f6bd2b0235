"""Pages of 闲置土地: the idle-land list (filters: as-of date, status, park; Excel export), one parcel's clock with
its notices and government-caused exceptions, and the notice and exception forms. Every page reads through
`idle.idle_listing` / `idle.parcel_in_scope`, so a park-scoped user sees, exports and writes only their parks."""

import io
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext

from parkgov.accounts.pages import scoped
from parkgov.audit.context import acting_as
from parkgov.errors import InputError, NotFound
from parkgov.ledger.models import Zone
from parkgov.supply import idle
from parkgov.supply.idle_export import write_idle_gpkg, write_idle_workbook
from parkgov.supply.idle_forms import ExceptionForm, IdleFilterForm, NoticeForm
from parkgov.supply.idle_rules import idle_rules
from parkgov.supply.models import IdleException, IdleNotice

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _listing(request, scope):
    data = request.GET.copy()
    # no status asked (a first visit, a link with only the date): the parcels needing attention
    data.setdefault("status", idle.ATTENTION_FILTER)
    form = IdleFilterForm(data, zones=scope.filter_zones(Zone.objects.defer("geometry").order_by("code"), "id"))
    chosen = form.cleaned_data if form.is_valid() else {}
    on = chosen.get("on") or timezone.localdate()
    status = chosen.get("status", idle.ATTENTION_FILTER)
    rows = idle.idle_listing(scope=scope, on=on, status=status, zone_id=int(chosen["zone"]) if chosen.get("zone")
                             else None)
    return form, on, rows


@scoped("supply")
def idle_list(request, scope):
    form, on, rows = _listing(request, scope)
    counts = {}
    for row in rows:
        counts[row["label"]] = counts.get(row["label"], 0) + 1
    return render(request, "supply/idle_list.html", {
        "form": form, "on": on, "rows": rows, "counts": counts, "query": request.GET.urlencode(),
        "rules": idle_rules(), "total_fee": sum(r["fee"] or 0 for r in rows)})


@scoped("supply")
def idle_export(request, scope):
    """The rows the page shows (same filters) as xlsx, with the 说明 sheet."""
    from parkgov.spatial.gpkg import GPKG_CONTENT_TYPE, export_suffix

    _form, on, rows = _listing(request, scope)
    if export_suffix(request.GET) == ".gpkg":
        with tempfile.TemporaryDirectory(prefix="idle-") as folder, translation.override(settings.LANGUAGE_CODE):
            path = (Path(folder) / (gettext("闲置土地-%(on)s.xlsx") % {"on": on})).with_suffix(".gpkg")
            write_idle_gpkg(path=path, rows=rows)
            handle = open(path, "rb")
        return FileResponse(handle, as_attachment=True, filename=path.name, content_type=GPKG_CONTENT_TYPE)
    buffer = io.BytesIO()
    with translation.override(settings.LANGUAGE_CODE):  # workbooks go between departments in Chinese
        write_idle_workbook(target=buffer, rows=rows, on=on, rules=idle_rules())
        name = gettext("闲置土地-%(on)s.xlsx") % {"on": on}
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name):
    from urllib.parse import quote

    return quote(name)


def _parcel(scope, code, write=False):
    try:
        return idle.parcel_in_scope(scope=scope, code=code, write=write)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@scoped("supply")
def idle_parcel(request, scope, code):
    parcel = _parcel(scope, code)
    form = IdleFilterForm(request.GET or None)
    on = (form.cleaned_data.get("on") if form.is_valid() else None) or timezone.localdate()
    return render(request, "supply/idle_parcel.html", {
        "parcel": parcel, "clock": idle.idle_clock(parcel=parcel, on=on), "may_write": scope.can_write("supply")})


@scoped("supply", write=True)
def notice_form(request, scope, code, pk=None):
    parcel = _parcel(scope, code, write=True)
    notice = get_object_or_404(IdleNotice, pk=pk, parcel=parcel) if pk else None
    initial = {name: getattr(notice, name) for name in idle.NOTICE_FIELDS} if notice else {}
    form = NoticeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user, reason=f"闲置土地文书 {parcel.code}"), transaction.atomic():
                if notice:
                    idle.edit_notice(notice=notice, actor=request.user, **form.cleaned_data)
                else:
                    idle.record_notice(parcel=parcel, actor=request.user, **form.cleaned_data)
            messages.success(request, gettext("已登记地块 %(code)s 的闲置土地文书") % {"code": parcel.code})
            return redirect("supply:idle_parcel", code=parcel.code)
        except InputError as exc:
            form.add_error(None, str(exc))
    return render(request, "supply/idle_form.html", {
        "parcel": parcel, "form": form, "title": gettext("修改文书") if notice else gettext("登记文书")})


@scoped("supply", write=True)
def exception_form(request, scope, code, pk=None):
    parcel = _parcel(scope, code, write=True)
    exception = get_object_or_404(IdleException, pk=pk, parcel=parcel) if pk else None
    initial = {name: getattr(exception, name) for name in idle.EXCEPTION_FIELDS} if exception else {}
    form = ExceptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user, reason=f"政府原因闲置 {parcel.code}"), transaction.atomic():
                if exception:
                    idle.edit_exception(exception=exception, actor=request.user, **form.cleaned_data)
                else:
                    idle.record_exception(parcel=parcel, actor=request.user, **form.cleaned_data)
            messages.success(request, gettext("已登记地块 %(code)s 的政府原因") % {"code": parcel.code})
            return redirect("supply:idle_parcel", code=parcel.code)
        except InputError as exc:
            form.add_error(None, str(exc))
    return render(request, "supply/idle_form.html", {
        "parcel": parcel, "form": form,
        "title": gettext("修改政府原因") if exception else gettext("登记政府原因")})
