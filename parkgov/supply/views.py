"""The 供地 landing page: applications, the latest review, reminders and quota, each figure linking to its topic's
page. Figures come from `supply.summary` (one scoped queryset per figure)."""

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkgov.supply.summary import supply_summary
from parkgov.web.access import scoped

# the topic pages of the other parts of issue 15, by URL name; a page not (yet) there is shown without a link
TOPICS = ("applications", "contracts", "idle", "control", "quota")
CHART_LABELS = {"applications": _("件"), "contracts": _("份"), "parcels": _("宗")}


def topic_links() -> dict:
    """URL name → path of each topic page that exists, "" for one that does not."""
    links = {}
    for name in TOPICS:
        try:
            links[name] = reverse(f"supply:{name}")
        except NoReverseMatch:
            links[name] = ""
    return links


@scoped("supply")
def index(request, scope):
    data = supply_summary(scope=scope, today=timezone.localdate())
    charts = {key: data[key] for key in ("commitments", "idle")} | {"states": data["applications"]["states"],
                                                                   "outcomes": data["applications"]["outcomes"]}
    return render(request, "supply/index.html", {"data": data, "links": topic_links(), "charts": charts,
                                                 "chart_labels": CHART_LABELS})
