"""What the 园区评价 pages show, composed from the services for the user's zones (views only render it)."""

from django.utils.translation import gettext

from parkgov.ledger.models import Zone
from parkgov.zones import services
from parkgov.zones.export import provenance_text
from parkgov.zones.fields import FIELDS
from parkgov.zones.models import ZoneEvaluationRun, ZoneLandAccount
from parkgov.zones.profile import get_profile, profile_ids


def pick(*, year: str, profile_id: str) -> tuple:
    """(year, profile id) asked for, else the latest evaluated year and the default profile."""
    profile_id = profile_id if profile_id in profile_ids() else services.DEFAULT_PROFILE
    if year.isdigit() and 2000 <= int(year) <= 2100:
        return int(year), profile_id
    latest = ZoneEvaluationRun.objects.filter(profile_id=profile_id).order_by("-year").values_list("year", flat=True)
    return (latest.first(), profile_id)


def _stars(n) -> str:
    return "★" * (n or 0) + "☆" * (5 - (n or 0)) if n else "—"


def ranking_context(*, year, profile_id, zone_ids) -> dict:
    """The run, its results of the user's zones (best first) and the chart data."""
    run = services.runs(year=year, profile_id=profile_id).first() if year else None
    results = list(services.scoped_results(run=run, zone_ids=zone_ids)) if run else []
    years = sorted(set(ZoneEvaluationRun.objects.values_list("year", flat=True)), reverse=True)
    return {"run": run, "year": year, "profile_id": profile_id, "profiles": _profiles(), "years": years,
            "rows": [{"result": r, "stars": _stars(r.stars), "missing": missing_text(r.missing)} for r in results],
            "chart": {"zones": [r.zone.name for r in results], "totals": [r.total for r in results],
                      "label": gettext("集约度分值")}}


def missing_text(missing: str) -> str:
    """The stored names of indicators without data ("、"-separated), each in the active language."""
    return gettext("、").join(gettext(name) for name in missing.split("、")) if missing else ""


def _profiles() -> list:
    return [{"id": p, "name": gettext(get_profile(p).name)} for p in profile_ids()]


def zone_context(*, zone_code, year, profile_id, zone_ids) -> dict:
    """One zone's result, its account with provenance, its years and the radar chart's data."""
    zone, run, result = services.zone_result(zone_code=zone_code, year=year, profile_id=profile_id, zone_ids=zone_ids)
    account = ZoneLandAccount.objects.filter(zone=zone, year=year).first()
    provenance = account.provenance if account else {}
    rows = [{"field": f, "header": gettext(f.header), "label": gettext(f.label), "unit": gettext(f.unit),
             "value": result.account.get(f.field), "source": provenance_text(provenance.get(f.field)),
             "entered": (provenance.get(f.field) or {}).get("source") == "entered"} for f in FIELDS]
    years = services.history(zone=zone, profile_id=profile_id)
    indicators = [dict(i, name=gettext(i["name"]), unit=gettext(i["unit"]) if i["unit"] else "")
                  for i in result.indicators]
    potentials = [dict(p, name=gettext(p["name"])) for p in result.potentials]
    return {"zone": zone, "run": run, "result": result, "year": year, "profile_id": profile_id,
            "stars": _stars(result.stars), "indicators": indicators, "potentials": potentials, "account_rows": rows,
            "problems": account.problems if account else [], "years": years,
            "missing": missing_text(result.missing),
            "chart": {"names": [i["name"] for i in indicators], "scores": [i["score"] for i in indicators],
                      "years": [r.run.year for r in years], "totals": [r.total for r in years],
                      "score_label": gettext("实现度分值"), "total_label": gettext("集约度分值")}}


def compare_context(*, year, profile_id, codes, zone_ids) -> dict:
    """The chosen zones (of the user's) side by side: one row per indicator, a column per zone."""
    run = services.runs(year=year, profile_id=profile_id).first() if year else None
    results = list(services.scoped_results(run=run, zone_ids=zone_ids).filter(zone__code__in=codes)) \
        if run and codes else []
    results.sort(key=lambda r: codes.index(r.zone.code))
    table = []
    if results:
        for n, item in enumerate(results[0].indicators):
            table.append({"name": gettext(item["name"]), "unit": gettext(item["unit"]) if item["unit"] else "",
                          "ideal": item["ideal"],
                          "cells": [r.indicators[n] for r in results]})
    return {"run": run, "year": year, "profile_id": profile_id, "profiles": _profiles(), "results": results,
            "table": table, "choices": zone_choices(zone_ids), "codes": codes,
            "chart": {"names": [row["name"] for row in table], "series": [
                {"name": r.zone.name, "scores": [i["score"] for i in r.indicators]} for r in results]}}


def zone_choices(zone_ids):
    """The zones the user may pick (its parks, or all)."""
    qs = Zone.objects.defer("geometry").order_by("code")
    return qs if zone_ids is None else qs.filter(pk__in=zone_ids)
