"""The 供地 landing page: applications, the latest review, reminders and quota, each figure linking to its topic's
page (`{% url %}` in the template). Figures come from `supply.summary` (one scoped queryset per figure)."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkgov.accounts.pages import scoped_page
from parkgov.supply.summary import supply_summary

CHART_LABELS = {"applications": _("件"), "contracts": _("份"), "parcels": _("宗")}


@scoped_page("supply")  # supply does not import web (its access decorator lives there)
def index(request, scope):
    data = supply_summary(scope=scope, today=timezone.localdate())
    charts = {key: data[key] for key in ("commitments", "idle")} | {"states": data["applications"]["states"],
                                                                   "outcomes": data["applications"]["outcomes"]}
    return render(request, "supply/index.html", {"data": data, "charts": charts, "chart_labels": CHART_LABELS})
