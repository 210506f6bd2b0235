"""Pages of control indicators (violations with values, filters, export), 零增地 renovations (list with totals per
parcel and zone, record, edit) and the land quota (accounts, one account's history, pending transfers and 批而未供
land, debit, transfer request and decision). Each view parses, calls one service and renders; the page and its
export read the same scoped service (`control.control_rows`, `quota.*`, `renovations.scoped_renovations`)."""

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext

from parkgov.audit.context import acting_as
from parkgov.errors import InputError
from parkgov.accounts.pages import scoped_page
from parkgov.ledger.models import Zone
from parkgov.supply import control, quota, renovations
from parkgov.supply.choices import TransferState
from parkgov.supply.landuse_forms import ControlFilterForm, DebitForm, DecideForm, RenovationForm, TransferForm
from parkgov.web.exports import XLSX, in_default_language

PAGE_SIZE = 50


def _page(request, rows):
    query = request.GET.copy()
    query.pop("page", None)
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")), query.urlencode()


@scoped_page("supply")
def control_page(request, scope):
    form = ControlFilterForm(request.GET or None, zones=control.zone_choices(scope=scope))
    rows = control.control_rows(scope=scope, filters=control.ControlFilters.parse(request.GET))
    page, query = _page(request, rows)
    return render(request, "supply/control.html", {
        "form": form, "page": page, "query": query, "counts": control.violation_counts(scope=scope),
        "labels": control.INDICATOR_LABELS, "editions": control.control_rules().editions})


@scoped_page("supply")
@in_default_language
def control_export(request, scope):
    rows = control.control_rows(scope=scope, filters=control.ControlFilters.parse(request.GET))
    with tempfile.TemporaryDirectory(prefix="control-") as folder:  # this request's own file
        path = Path(folder) / f"控制指标核查-{timezone.localdate():%Y%m%d}.xlsx"
        control.export_rows(rows=rows, path=path)
        handle = open(path, "rb")
    return FileResponse(handle, as_attachment=True, filename=path.name, content_type=XLSX)


@scoped_page("supply")
def renovations_page(request, scope):
    page, query = _page(request, renovations.scoped_renovations(scope=scope))
    return render(request, "supply/renovations.html", {
        "page": page, "query": query, "zones": renovations.zone_totals(scope=scope),
        "parcels": renovations.parcel_totals(scope=scope), "may_write": scope.can_write("supply")})


@scoped_page("supply", write=True)
def renovation_new(request, scope):
    initial = {"parcel_code": request.GET.get("parcel", "")}
    form = RenovationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user, reason="登记零增地改造"), transaction.atomic():
                row = renovations.record(scope=scope, actor=request.user, **form.cleaned_data)
            messages.success(request, gettext("已登记地块 %(code)s 的零增地改造") % {"code": row.parcel.code})
            return redirect("supply:renovations")
        except InputError as exc:
            form.add_error(None, str(exc))
    return render(request, "supply/renovation_form.html", {"form": form, "row": None})


@scoped_page("supply", write=True)
def renovation_edit(request, scope, pk):
    row = renovations.renovation_in_scope(scope=scope, pk=pk)
    initial = {name: getattr(row, name) for name in renovations.FIELDS} | {"parcel_code": row.parcel.code}
    form = RenovationForm(request.POST or None, initial=initial)
    form.fields["parcel_code"].disabled = True
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "parcel_code"}
        try:
            with acting_as(request.user, reason="修改零增地改造"), transaction.atomic():
                renovations.edit(scope=scope, actor=request.user, renovation=row, **values)
            messages.success(request, gettext("已修改地块 %(code)s 的零增地改造") % {"code": row.parcel.code})
            return redirect("supply:renovations")
        except InputError as exc:
            form.add_error(None, str(exc))
    return render(request, "supply/renovation_form.html", {"form": form, "row": row})


@scoped_page("supply")
def quota_page(request, scope):
    pending = quota.transfers(scope=scope, state=TransferState.PENDING)
    return render(request, "supply/quota.html", {
        "accounts": quota.scoped_accounts(scope=scope), "pending": pending, "may_request": quota.may(scope, "request"),
        "may_decide": quota.may(scope, "decide"), "recent": quota.transfers(scope=scope).exclude(
            state=TransferState.PENDING)[:20]})


@scoped_page("supply")
def quota_account(request, scope, code):
    zone = quota.zone_in_scope(scope=scope, code=code)
    page, query = _page(request, quota.movements(scope=scope, zone=zone))
    accounts = {row["zone"].pk: row for row in quota.scoped_accounts(scope=scope)}
    return render(request, "supply/quota_account.html", {
        "zone": zone, "account": accounts[zone.pk], "page": page, "query": query,
        "transfers": quota.transfers(scope=scope, zone=zone)[:50],
        "unsupplied": quota.unsupplied_parcels(scope=scope, zone=zone),
        "may_debit": quota.may(scope, "debit"), "may_decide": quota.may(scope, "decide")})


@scoped_page("supply", write=True)
def quota_debit(request, scope, code):
    zone = quota.zone_in_scope(scope=scope, code=code)
    if not quota.may(scope, "debit"):
        raise PermissionDenied(gettext("角色“%(role)s”不能登记新增供地使用指标") % {"role": gettext(scope.role_name)})
    form = DebitForm(request.POST or None, initial={"parcel_code": request.GET.get("parcel", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            parcel = quota.zone_parcel(zone=zone, code=data["parcel_code"])
            with acting_as(request.user, reason="登记新增供地使用指标"), transaction.atomic():
                quota.debit(scope=scope, actor=request.user, zone=zone, parcel=parcel, mu=data["mu"],
                            moved_on=data["moved_on"], note=data["note"])
            messages.success(request, gettext("已登记地块 %(code)s 使用指标 %(mu)s 亩") % {"code": parcel.code, "mu": data["mu"]})
            return redirect("supply:quota_account", code=zone.code)
        except InputError as exc:
            form.add_error(None, str(exc))
    return render(request, "supply/quota_form.html", {"form": form, "zone": zone, "kind": "debit"})


@scoped_page("supply", write=True)
def quota_transfer(request, scope):
    if not quota.may(scope, "request"):
        raise PermissionDenied(gettext("角色“%(role)s”不能申请指标调剂") % {"role": gettext(scope.role_name)})
    own = list(scope.filter_zones(Zone.objects.order_by("code"), "id").values_list("code", "name"))
    every = list(Zone.objects.order_by("code").values_list("code", "name"))
    form = TransferForm(request.POST or None, own=own, every=every)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with acting_as(request.user, reason="申请指标调剂"), transaction.atomic():
                quota.request_transfer(scope=scope, actor=request.user, from_zone=quota.any_zone(code=data["from_zone"]),
                                       to_zone=quota.zone_in_scope(scope=scope, code=data["to_zone"]), mu=data["mu"],
                                       reason=data["reason"], requested_on=timezone.localdate())
            messages.success(request, gettext("已提交指标调剂申请，待管委会审批"))
            return redirect("supply:quota")
        except InputError as exc:
            form.add_error(None, str(exc))
    return render(request, "supply/quota_form.html", {"form": form, "zone": None, "kind": "transfer"})


@scoped_page("supply", write=True)
def quota_decide(request, scope, pk):
    transfer = quota.transfer_in_scope(scope=scope, pk=pk)
    if not quota.may(scope, "decide"):
        raise PermissionDenied(gettext("角色“%(role)s”不能审批指标调剂") % {"role": gettext(scope.role_name)})
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user, reason="审批指标调剂"), transaction.atomic():
                quota.decide_transfer(scope=scope, actor=request.user, transfer=transfer,
                                      approve=form.cleaned_data["decision"] == "approve",
                                      note=form.cleaned_data["note"], decided_on=timezone.localdate())
            messages.success(request, gettext("已记录指标调剂审批"))
            return redirect("supply:quota")
        except InputError as exc:
            form.add_error(None, str(exc))
    return render(request, "supply/quota_form.html", {"form": form, "zone": None, "kind": "decide",
                                                      "transfer": transfer})
