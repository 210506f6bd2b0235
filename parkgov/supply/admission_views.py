"""Admission pages: the list (filters by state, outcome, zone), one application with its checks, opinions and
timeline, the form (new and edit), the steps (act, opinion, decide, contract), documents, the printable review
record (审查意见表) and the Excel export.

Each view parses a form, calls one service (supply/admission.py, admission_contract.py) inside one transaction and
renders; the list, the export and the API list share `admission_queries.filtered_applications`, so all three give
the same scoped rows. A refusal shows its Chinese reason on the page with nothing written.
"""

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from parkgov.accounts.pages import form_errors, run_step, scoped_page
from parkgov.errors import ConflictError, InputError, NotFound
from parkgov.supply import admission as services
from parkgov.supply.admission_contract import commitments, contract_from_application
from parkgov.supply.admission_fields import FIELDS
from parkgov.supply.admission_forms import (ActionForm, ApplicationForm, ContractForm, DecideForm, DocumentsForm,
                                            ListFilters, OpinionForm)
from parkgov.supply.admission_presenters import detail_context, zones_of
from parkgov.supply.admission_queries import (ApplicationFilters, export_applications, filtered_applications,
                                              state_counts)
from parkgov.supply.admission_rules import admission_workflow

PAGE = 50


@scoped_page("supply")
def applications(request, scope):
    try:
        filters = ApplicationFilters.parse(request.GET)
    except InputError as exc:
        messages.error(request, str(exc))
        filters = ApplicationFilters()
    rows = filtered_applications(scope=scope, filters=filters)
    flow = admission_workflow()
    counts = state_counts(filtered_applications(scope=scope, filters=ApplicationFilters(zone=filters.zone)))
    return render(request, "supply/applications.html", {
        "page": Paginator(rows, PAGE).get_page(request.GET.get("page")), "filters": filters,
        "form": ListFilters(request.GET or None), "zones": zones_of(scope), "query": request.GET.urlencode(),
        "states": [(s.code, gettext(s.label), s.colour, counts.get(s.code, 0)) for s in flow.states],
        "may_file": scope.can_write("supply") and scope.role in flow.edit_by})


@scoped_page("supply", write=True)
def application_new(request, scope):
    flow = admission_workflow()
    if scope.role not in flow.edit_by:
        raise PermissionDenied(gettext("角色“%(role)s”不能填报准入申请") % {"role": gettext(scope.role_name)})
    zones = zones_of(scope)
    form = ApplicationForm(request.POST or None, request.FILES or None, zones=zones)
    if request.method == "POST" and form.is_valid():
        zone = next(z for z in zones if z.code == form.cleaned_data["zone"])
        app = _saved(form, lambda: services.create_application(
            actor=request.user, scope=scope, zone=zone, documents=form.cleaned_data["documents"],
            document_kind=form.cleaned_data["document_kind"], **form.service_fields()))
        if app is not None:
            messages.success(request, gettext("已保存准入申请 %(number)s（草稿）") % {"number": app.number})
            return redirect("supply:application", number=app.number)
    return render(request, "supply/application_form.html", {"form": form, "application": None})


@scoped_page("supply", write=True)
def application_edit(request, scope, number):
    app = services.scoped_application(scope=scope, number=number)
    zones = zones_of(scope)
    initial = {name: getattr(app, name) for name in FIELDS}
    initial.update(zone=app.zone.code, related_credit_codes="\n".join(app.related_credit_codes))
    form = ApplicationForm(request.POST or None, zones=zones, initial=initial)
    if request.method == "POST" and form.is_valid():
        if _saved(form, lambda: services.edit_application(application=app, actor=request.user, scope=scope,
                                                          **form.service_fields())) is not None:
            messages.success(request, gettext("已保存修改"))
            return redirect("supply:application", number=app.number)
    return render(request, "supply/application_form.html", {"form": form, "application": app})


@scoped_page("supply")
def application_page(request, scope, number):
    app = services.scoped_application(scope=scope, number=number)
    context = detail_context(app, scope=scope)
    context.update(opinion_form=OpinionForm(), decide_form=DecideForm(), documents_form=DocumentsForm(),
                   contract_form=ContractForm(initial={"version": app.version, "signed_on": timezone.localdate()}))
    return render(request, "supply/application_detail.html", context)


@scoped_page("supply")
def application_record(request, scope, number):
    """审查意见表: the printable review record."""
    app = services.scoped_application(scope=scope, number=number)
    return render(request, "supply/application_record.html", detail_context(app, scope=scope))


@require_POST
@scoped_page("supply", write=True)
def application_act(request, scope, number):
    app = services.scoped_application(scope=scope, number=number)
    form = ActionForm(request.POST)
    if form.is_valid():
        app.version = form.cleaned_data["version"]
        run_step(request, lambda: services.transition(application=app, action=form.cleaned_data["action"],
                                                  actor=request.user, scope=scope,
                                                  comment=form.cleaned_data["comment"]), gettext("已办理"))
    else:
        form_errors(request, form)
    return redirect("supply:application", number=app.number)


@require_POST
@scoped_page("supply", write=True)
def application_opinion(request, scope, number):
    app = services.scoped_application(scope=scope, number=number)
    form = OpinionForm(request.POST)
    if form.is_valid():
        app.version = form.cleaned_data["version"]
        run_step(request, lambda: services.give_opinion(application=app, actor=request.user, scope=scope,
                                                    decision=form.cleaned_data["decision"],
                                                    comment=form.cleaned_data["comment"]), gettext("联审意见已签署"))
    else:
        form_errors(request, form)
    return redirect("supply:application", number=app.number)


@require_POST
@scoped_page("supply", write=True)
def application_decide(request, scope, number):
    app = services.scoped_application(scope=scope, number=number)
    form = DecideForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        app.version = data["version"]
        run_step(request, lambda: services.decide(application=app, actor=request.user, scope=scope,
                                              outcome=data["outcome"], comment=data["comment"],
                                              conditions=data["conditions"]), gettext("已作出联审结论"))
    else:
        form_errors(request, form)
    return redirect("supply:application", number=app.number)


@require_POST
@scoped_page("supply", write=True)
def application_contract(request, scope, number):
    from parkgov.ledger.models import Parcel

    app = services.scoped_application(scope=scope, number=number)
    form = ContractForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("supply:application", number=app.number)
    data = dict(form.cleaned_data)
    app.version = data.pop("version")
    parcel = scope.filter_zones(Parcel.objects.all()).filter(code=data.pop("parcel_code").strip()).first()
    if parcel is None:
        messages.error(request, gettext("您的园区范围内没有地块编码为“%(code)s”的地块") % {
            "code": form.cleaned_data["parcel_code"]})
        return redirect("supply:application", number=app.number)
    run_step(request, lambda: contract_from_application(application=app, parcel=parcel, actor=request.user,
                                                    scope=scope, **data),
         gettext("已签订标准地合同，承诺指标已写入合同：%(values)s") % {
             "values": "、".join(f"{k}={v:g}" for k, v in commitments(app).items())})
    return redirect("supply:application", number=app.number)


@require_POST
@scoped_page("supply", write=True)
def application_documents(request, scope, number):
    app = services.scoped_application(scope=scope, number=number)
    form = DocumentsForm(request.POST, request.FILES)
    if form.is_valid():
        run_step(request, lambda: services.add_documents(application=app, actor=request.user, scope=scope,
                                                     uploads=form.cleaned_data["files"],
                                                     kind=form.cleaned_data["kind"]), gettext("申报材料已上传"))
    else:
        form_errors(request, form)
    return redirect("supply:application", number=app.number)


@scoped_page("supply")
def application_document(request, scope, pk):
    """One submitted document, served only to users who may read its application."""
    from parkgov.governance.evidence import download_name, open_attachment
    from parkgov.supply.models import ApplicationDocument

    document = ApplicationDocument.objects.filter(
        pk=pk, application__in=services.scoped_applications(scope=scope)).first()
    if document is None:
        raise Http404(gettext("申报材料不存在或不在您的数据范围内"))
    try:
        handle = open_attachment(attachment=document)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    response = FileResponse(handle, content_type=document.content_type, filename=download_name(document))
    response["X-Content-Type-Options"] = "nosniff"
    return response


@scoped_page("supply")
def applications_export(request, scope):
    try:
        filters = ApplicationFilters.parse(request.GET)
    except InputError as exc:
        messages.error(request, str(exc))
        return redirect("supply:applications")
    with tempfile.TemporaryDirectory(prefix="applications-") as folder:  # this request's own file
        path = Path(folder) / f"准入申请-{timezone.localdate():%Y%m%d}.xlsx"
        export_applications(path=path, scope=scope, filters=filters)
        handle = open(path, "rb")
    return FileResponse(handle, as_attachment=True, filename=path.name)


def _saved(form, write):
    try:
        with transaction.atomic():
            return write()
    except (InputError, PermissionDenied, ConflictError) as exc:
        form.add_error(None, str(exc))
