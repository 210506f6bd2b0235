"""四个一批 pages: the parcels with their suggestion, reasons and decision (filters: year, park, suggestion,
decided or not), and the decide form. The list and the form read through `dispositions.scoped_decisions`, the
same scoped queryset the API uses, so a park-scoped user sees and decides only the parcels of their parks."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from parkgov.errors import InputError, NotFound
from parkgov.audit.context import acting_as
from parkgov.governance.disposition_forms import DecideForm, DispositionFilterForm, SuggestForm
from parkgov.governance.dispositions import decide, decision_in_scope, scoped_decisions, suggest_dispositions
from parkgov.ledger.models import Zone
from parkgov.accounts.pages import scoped

DECIDED = {"yes": True, "no": False}


@scoped("list")
def dispositions(request, scope):
    form = DispositionFilterForm(request.GET or None, zones=scope.filter_zones(Zone.objects.order_by("code"), "id"))
    chosen = form.cleaned_data if form.is_valid() else {}
    rows = scoped_decisions(scope=scope, year=chosen.get("year"), zone_id=chosen.get("zone") or None,
                            suggested=chosen.get("suggested", ""), decided=DECIDED.get(chosen.get("decided", "")))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "governance/dispositions.html", {"form": form, "page": page, "query": query.urlencode(),
                                                            "may_decide": scope.can_write("list"),
                                                            "suggest_form": SuggestForm()})


@require_POST
@scoped("list", write=True)
def disposition_suggest(request, scope):
    form = SuggestForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("governance:dispositions")
    year = form.cleaned_data["year"]
    with acting_as(request.user, reason=f"四个一批建议 {year}"), transaction.atomic():
        count = suggest_dispositions(year=year, actor=request.user)
    if count:
        messages.success(request, gettext("已按 %(year)s 年清单为 %(count)s 宗地块给出建议") % {"year": year, "count": count})
    else:
        messages.error(request, gettext("%(year)s 年还没有清单，请先生成清单") % {"year": year})
    return redirect(f"{reverse('governance:dispositions')}?year={year}")


@scoped("list", write=True)
def disposition_decide(request, scope, pk):
    try:
        row = decision_in_scope(scope=scope, pk=pk, write=True)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    form = DecideForm(request.POST or None, initial={"disposition": row.decided or row.suggested,
                                                     "reasons": row.decision_reasons})
    if request.method == "POST" and form.is_valid():
        try:
            decide(decision=row, actor=request.user, scope=scope, disposition=form.cleaned_data["disposition"],
                   reasons=form.cleaned_data["reasons"])
            messages.success(request, gettext("已记录地块 %(code)s 的处置决定") % {"code": row.parcel.code})
            return redirect("governance:dispositions")
        except InputError as exc:
            form.add_error(None, str(exc))
    return render(request, "governance/disposition_decide.html", {"row": row, "form": form})
