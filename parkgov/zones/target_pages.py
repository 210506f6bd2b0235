"""What the 目标与重点项目 pages show (issue 16 §3), composed from the services for the user's zones; the views
only render it. Labels from data/targets.yaml are translated where shown (gettext of the stored Chinese name)."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext

from parkgov.ledger.models import Zone
from parkgov.zones import projects as project_services
from parkgov.zones.models import KeyProject, ZoneActual, ZoneTarget
from parkgov.zones.target_rules import target_rules
from parkgov.zones.targets import scoped_zone, targets_table, zone_progress


def pick_year(value: str) -> int:
    """The year asked for, else the latest year with targets or projects, else this year."""
    if value.isdigit() and 2000 <= int(value) <= 2100:
        return int(value)
    years = [y for y in (ZoneTarget.objects.order_by("-year").values_list("year", flat=True).first(),
                         KeyProject.objects.order_by("-year").values_list("year", flat=True).first()) if y]
    return max(years) if years else timezone.localdate().year


def pick_month(value: str, *, year: int) -> int:
    """The month asked for, else the last month whose report is due (or December of a past year)."""
    if value.isdigit() and 1 <= int(value) <= 12:
        return int(value)
    today = timezone.localdate()
    if year < today.year:
        return 12
    return max(1, today.month - 1) if year == today.year else 1


def kinds() -> list:
    return [{"code": k.code, "name": gettext(k.name), "unit": gettext(k.unit)} for k in target_rules().kinds]


def categories() -> list:
    return [{"code": c.code, "name": gettext(c.name)} for c in target_rules().categories]


def targets_context(*, year: int, zone_ids) -> dict:
    return {"year": year, "kinds": kinds(), "rows": targets_table(year=year, zone_ids=zone_ids),
            "source": target_rules().source, "verified": target_rules().verified}


def zone_targets_context(*, code: str, year: int, zone_ids) -> dict:
    """One zone's targets with the monthly trend (chart: cumulative completion % per kind by month)."""
    zone = scoped_zone(code=code, zone_ids=zone_ids)
    progress = zone_progress(zone=zone, year=year)
    for kind in progress["kinds"]:
        kind["name"], kind["unit"] = gettext(kind["name"]), gettext(kind["unit"])
    shown = [k for k in progress["kinds"] if k["months"] and k["target"]]
    chart = {"months": [gettext("%(month)s月") % {"month": m} for m in range(1, (progress["as_of_month"] or 0) + 1)],
             "series": [{"name": k["name"], "data": [m["cumulative_pct"] for m in k["months"]]} for k in shown],
             "label": gettext("累计完成率（%）")}
    return {"zone": zone, "year": year, "progress": progress, "chart": chart}


def targets_initial(*, zone, year: int) -> dict:
    """The stored targets, their source and the monthly actuals of a zone's year as TargetsForm initial data."""
    initial = {}
    for row in ZoneTarget.objects.filter(zone=zone, year=year):
        initial[f"target_{row.kind}"] = row.target
        initial["source"] = initial.get("source") or row.source
    for kind, month, value in ZoneActual.objects.filter(zone=zone, year=year).values_list("kind", "month", "value"):
        initial[f"m{month}_{kind}"] = value
    return initial


def targets_grid(form) -> list:
    """The form's fields as rows of the entry table: per kind its target field and the twelve months."""
    return [{"kind": kind, "target": form[f"target_{kind['code']}"],
             "months": [form[f"m{m}_{kind['code']}"] for m in range(1, 13)]} for kind in kinds()]


def projects_context(*, year: int, zone_ids, zone_code: str, category: str, month: int) -> dict:
    rows = project_services.project_rows(projects=project_services.scoped_projects(
        zone_ids=zone_ids, year=year, zone_code=zone_code, category=category))
    for row in rows:
        row["category_name"] = gettext(row["category_name"])
        row["score"]["grade"] = gettext(row["score"]["grade"])
    zones = Zone.objects.defer("geometry").order_by("code")
    zones = zones if zone_ids is None else zones.filter(pk__in=zone_ids)
    return {"year": year, "rows": rows, "zones": zones, "zone_code": zone_code, "category": category,
            "categories": categories(), "month": month, "months": range(1, 13),
            "totals": project_services.project_totals(zone_ids=zone_ids if not zone_code else
                                                      [z.pk for z in zones if z.code == zone_code], year=year),
            "due_day": target_rules().dispatch.due_day}


def project_context(*, code: str, zone_ids, today: dt.date | None = None) -> dict:
    project = project_services.scoped_project(code=code, zone_ids=zone_ids)
    rows = project_services.month_rows(project=project, today=today)
    result = project_services.score(project=project, rows=rows)
    result["grade"] = gettext(result["grade"])
    for part in result["parts"]:
        part["name"] = gettext(part["name"])
    reported = [r for r in rows if r["report"]]
    return {"project": project, "rows": rows, "score": result,
            "category_name": gettext(target_rules().category_names().get(project.category, project.category)),
            "invested": round(sum(r["report"].invested for r in reported), 2),
            "reviews": list(project.reviews.order_by("quarter").select_related("reviewer")),
            "due_day": target_rules().dispatch.due_day,
            "chart": {"months": [gettext("%(month)s月") % {"month": r["month"]} for r in rows],
                      "invested": [r["report"].invested if r["report"] else None for r in rows],
                      "cumulative_pct": [r["cumulative_pct"] for r in rows],
                      "invested_label": gettext("本月完成投资（万元）"), "pct_label": gettext("累计完成率（%）")}}


def dispatch_context(*, code: str, year: int, month: int, zone_ids) -> dict:
    """The monthly dispatch report of a zone (the PDF)."""
    zone = scoped_zone(code=code, zone_ids=zone_ids)
    context = project_services.dispatch_month(zone=zone, year=year, month=month, zone_ids=zone_ids)
    for line in context["lines"]:
        line["category_name"] = gettext(line["category_name"])
    for kind in context["progress"]["kinds"]:
        kind["name"], kind["unit"] = gettext(kind["name"]), gettext(kind["unit"])
        upto = kind["months"][:month]  # the report shows the year to its month, not to the latest data
        kind["to_month"] = upto[-1]["cumulative"] if upto and any(m["value"] is not None for m in upto) else None
        kind["to_month_pct"] = upto[-1]["cumulative_pct"] if kind["to_month"] is not None else None
    return context
