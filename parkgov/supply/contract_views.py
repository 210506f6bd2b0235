"""标准地 contract pages: the list (filters, the latest 达产复核 status, reminders, export, start a review), one
contract with its commitments and every review of it, the edit form, and the review workbook download.

Views parse, call one service and render; the list, the export and the API share supply/review_queries.py.
"""

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext

from parkgov.errors import InputError
from parkgov.accounts.pages import scoped_page
from parkgov.jobs.services import start_job
from parkgov.ledger.models import Zone
from parkgov.supply import review_queries as queries
from parkgov.supply.choices import COMMITMENT_COLOURS, CommitmentStatus
from parkgov.supply.contract_forms import ContractForm, ReviewForm
from parkgov.supply.contract_rules import breach_rules, indicator_set
from parkgov.supply.contracts import save_contract
from parkgov.supply.models import CommitmentCheck
from parkgov.supply.reminders import reminders

PAGE = 50


def _filters(request) -> queries.ContractFilters:
    get = request.GET
    return queries.ContractFilters(q=get.get("q", "")[:100], zone=get.get("zone", "")[:32],
                                   rule=get.get("rule", "")[:64], status=get.get("status", "")[:16])


def _zones(scope):
    return list(scope.filter_zones(Zone.objects.all(), "id").order_by("code"))


@scoped_page("supply")
def contracts(request, scope):
    filters = _filters(request)
    rows = queries.contracts(scope=scope, filters=filters)
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    latest = queries.latest_checks(c.pk for c in page)
    review_form = ReviewForm(zones=_zones(scope)) if scope.can_write("supply") else None
    return render(request, "supply/contracts.html", {
        "page": page, "filters": filters, "query": request.GET.urlencode(), "zones": _zones(scope),
        "rules": sorted(breach_rules()), "latest": latest, "run": queries.latest_run(),
        "statuses": [(s.value, s.label, COMMITMENT_COLOURS[s]) for s in CommitmentStatus],
        "reminders": reminders(scope=scope, today=timezone.localdate()), "review_form": review_form})


@scoped_page("supply", write=True)
def review_start(request, scope):
    form = ReviewForm(request.POST or None, zones=_zones(scope))
    if request.method != "POST" or not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("supply:contracts")
    data = form.cleaned_data
    zone = data["zone"] or (None if scope.zone_ids is None else _zones(scope)[0].code)
    title = gettext("供地复核（基准日 %(on)s，数据年度 %(year)s）") % {"on": f"{data['on']:%Y-%m-%d}", "year": data["year"]}
    job = start_job(kind="supply_review", title=title, user=request.user,
                    params={"year": data["year"], "on": data["on"].isoformat(), "zone": zone or ""})
    return redirect("web:job", job_id=job.pk)


@scoped_page("supply")
def contracts_export(request, scope):
    from parkgov.ingest.export import write_exchange_workbook
    from parkgov.spatial.gpkg import content_type, export_suffix
    from parkgov.supply.contract_sheet import SHEET_NAME, export_frame, write_contracts_gpkg

    rows = queries.contracts(scope=scope, filters=_filters(request))
    with tempfile.TemporaryDirectory(prefix="contracts-") as folder:  # this request's own file
        path = Path(folder) / f"标准地承诺-{timezone.localdate():%Y%m%d}{export_suffix(request.GET)}"
        if path.suffix == ".gpkg":
            write_contracts_gpkg(path=path, queryset=rows)
        else:
            write_exchange_workbook(path=path, frames={SHEET_NAME: export_frame(rows)})
        handle = open(path, "rb")
    return FileResponse(handle, as_attachment=True, filename=path.name, content_type=content_type(path))


@scoped_page("supply")
def review_export(request, scope, run_id):
    from parkgov.supply.review_export import write_review_workbook

    run = queries.run(scope=scope, run_id=run_id)
    with tempfile.TemporaryDirectory(prefix="review-") as folder:
        path = Path(folder) / f"供地复核-{run.as_of:%Y%m%d}-批次{run.pk}.xlsx"
        write_review_workbook(run=run, path=path, zone_ids=scope.zone_ids)
        handle = open(path, "rb")
    return FileResponse(handle, as_attachment=True, filename=path.name)


@scoped_page("supply")
def contract_detail(request, scope, contract_id):
    contract = queries.contract(scope=scope, contract_id=contract_id)
    checks = CommitmentCheck.objects.filter(contract=contract).select_related("run").order_by("-run__as_of", "-run_id")
    commitments = [(i, (contract.indicators or {}).get(i.code)) for i in indicator_set().indicators
                   if i.code in (contract.indicators or {})]
    rule = breach_rules().get(contract.breach_rule)
    return render(request, "supply/contract_detail.html", {
        "contract": contract, "checks": checks, "commitments": commitments, "rule": rule,
        "colours": {s.value: COMMITMENT_COLOURS[s] for s in CommitmentStatus},
        "may_edit": scope.can_write("supply")})


@scoped_page("supply", write=True)
def contract_edit(request, scope, contract_id):
    contract = queries.contract(scope=scope, contract_id=contract_id)
    form = ContractForm(request.POST or None, contract=contract)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                save_contract(values={**form.cleaned_data, "parcel": contract.parcel}, contract=contract)
        except InputError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("已保存合同 %(number)s") % {"number": contract.number})
            return redirect("supply:contract", contract_id=contract.pk)
    return render(request, "supply/contract_form.html", {"form": form, "contract": contract})
