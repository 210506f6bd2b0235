"""四个一批 pages: the parcels with their suggestion, reasons and decision (filters: year, park, suggestion,
decided or not), and the decide form. The list and the form read through `dispositions.scoped_decisions`, the
same scoped queryset the API uses, so a park-scoped user sees and decides only the parcels of their parks."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from parkgov.errors import InputError, NotFound
from parkgov.governance.disposition_forms import DecideForm, DispositionFilterForm
from parkgov.governance.dispositions import decide, decision_in_scope, scoped_decisions
from parkgov.ledger.models import Zone
from parkgov.web.access import scoped

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
                                                            "may_decide": scope.can_write("list")})


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
