"""The enterprise's own pages (/me/, issue 16 §5): its overview, filing an appeal, one appeal, and self-reporting
its yearly figures. Each view parses, calls one service of parkgov.appeals and renders; the firm is always the
account's bound firm (Scope.enterprise_id), never a parameter."""

from django import forms
from django.contrib import messages
from django.db import transaction
from urllib.parse import quote

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy as _

from parkgov.appeals import selfreport, selfservice, services
from parkgov.appeals.config import settings as appeal_settings
from parkgov.audit.context import acting_as
from parkgov.errors import NotFound, ParkgovError
from parkgov.ledger.models import FIGURE_FIELDS, YearlyFigure
from parkgov.accounts.pages import scoped
from parkgov.reports.dossier_pdf import dossier_pdf


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern); each is checked by governance.evidence."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class AppealForm(forms.Form):
    """申诉: what is contested, the value the firm claims, why, and evidence files."""

    field = forms.ChoiceField(label=_("申诉对象"))
    claimed_value = forms.CharField(label=_("企业主张的值"), max_length=64, required=False)
    reason = forms.CharField(label=_("申诉理由"), widget=forms.Textarea(attrs={"rows": 4}))
    evidence = MultipleFileField(label=_("证据材料（PDF 或图片，可多选）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [(f, services.field_label(f)) for f in (services.RESULT, *FIGURE_FIELDS)]


class ReportForm(forms.Form):
    """企业自报: one year's figures (blank = not reported)."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in appeal_settings().self_report.fields:
            self.fields[field] = forms.FloatField(label=services.field_label(field), required=False, min_value=0)


@scoped("appeal")
def overview(request, scope):
    """The firm's own page: figures, result explained, rank, tier, policies, lists, cases, appeals, move-up."""
    return render(request, "web/me/overview.html", selfservice.overview(scope=scope))


@scoped("appeal", write=True)
def appeal_new(request, scope):
    selfservice.require_enterprise(scope)
    result = selfservice.latest_result(scope=scope)
    form = AppealForm(request.POST or None, request.FILES or None, initial={"field": request.GET.get("field", "")})
    if request.method == "POST" and form.is_valid() and result is not None:
        data = form.cleaned_data
        try:
            with acting_as(request.user, reason="企业申诉"), transaction.atomic():
                appeal = services.file_appeal(scope=scope, actor=request.user, run=result.run, field=data["field"],
                                              claimed_value=data["claimed_value"], reason=data["reason"],
                                              uploads=data["evidence"])
        except ParkgovError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, gettext("申诉 %(number)s 已提交") % {"number": appeal.number})
            return redirect("me:appeal", appeal_id=appeal.pk)
    period = services.publicity_of(result.run) if result else None
    return render(request, "web/me/appeal_new.html", {"form": form, "result": result, "publicity": period})


@scoped("appeal")
def appeal(request, scope, appeal_id):
    selfservice.require_enterprise(scope)
    try:
        record = services.get_appeal(scope=scope, appeal_id=appeal_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return render(request, "web/appeals/detail.html", {"appeal": record, "actions": [], "mine": True,
                                                        "field_label": services.field_label(record.field),
                                                        **_labels()})


@scoped("appeal", write=True)
def report(request, scope):
    """Self-report (自报) the figures of a year before the deadline."""
    selfservice.require_enterprise(scope)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and request.POST.get("confirm_year"):
        try:
            with acting_as(request.user, reason="企业确认数据"), transaction.atomic():
                rows = selfreport.confirm_figures(scope=scope, actor=request.user,
                                                  year=int(request.POST["confirm_year"]))
        except (ParkgovError, ValueError) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, gettext("已确认 %(count)s 项台账数据无误") % {"count": len(rows)})
            return redirect("me:overview")
    elif request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        year, note = data.pop("year"), data.pop("note")
        try:
            with acting_as(request.user, reason="企业自报"), transaction.atomic():
                rows = selfreport.report_figures(scope=scope, actor=request.user, year=year, values=data, note=note)
        except ParkgovError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, gettext("已自报 %(count)s 项，待部门确认") % {"count": len(rows)})
            return redirect("me:overview")
    years = sorted(YearlyFigure.objects.filter(enterprise_id=scope.enterprise_id).values_list("year", flat=True),
                   reverse=True)
    return render(request, "web/me/report.html", {"form": form, "years": years,
                                                  "deadline": appeal_settings().self_report.deadline})


@scoped("appeal")
def dossier(request, scope):
    """The firm's own 一企一档 PDF: the bound firm only (there is no parameter naming a firm), built with the
    enterprise's scope, so it shows what the enterprise role's domains and field groups allow."""
    firm = selfservice.require_enterprise(scope)
    with translation.override("zh-hans"):  # reports are Chinese documents, as the staff's (reports.views)
        body = dossier_pdf(scope=scope, enterprises=[firm])
    response = HttpResponse(body, content_type="application/pdf")
    filename = quote(f"一企一档-{firm.credit_code}.pdf", safe="")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def _labels() -> dict:
    return {"state_labels": dict(services.state_labels())}
