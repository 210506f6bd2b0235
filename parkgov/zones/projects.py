"""Key projects (重点项目, issue 16 §3, longyan): the list of a zone and year by category, the monthly dispatch
(一月一调度) with late and missing reports flagged, the quarterly review notes (一季一点评) and the annual score
(年终总考评) under the scoring rule of data/targets.yaml.

Reads take the caller's zone ids (Scope.zone_ids, None = every zone) so the list page, the project page, the
template download, the upload, the API and the dispatch PDF all hold the same projects. A report of month M is due
by `dispatch.due_day` of month M+1: reported after that day it is 逾期报送 (late); not reported once the day has
passed it is 未报送 (missing). Services take keyword-only arguments and never commit.
"""

import datetime as dt

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from parkgov.errors import InputError, NotFound
from parkgov.zones.models import DispatchReport, KeyProject, QuarterReview
from parkgov.zones.target_rules import target_rules
from parkgov.zones.targets import _pct, check_period

ON_TIME, LATE, MISSING, NOT_DUE = "on_time", "late", "missing", "not_due"


def scoped_projects(*, zone_ids, year: int | None = None, zone_code: str = "", category: str = ""):
    """Key projects of the zones in `zone_ids` (None = all), optionally of one year, zone and category."""
    qs = KeyProject.objects.select_related("zone").defer("zone__geometry")
    if zone_ids is not None:
        qs = qs.filter(zone_id__in=zone_ids)
    if year:
        qs = qs.filter(year=year)
    if zone_code:
        qs = qs.filter(zone__code=zone_code)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("zone__code", "category", "code")


def scoped_project(*, code: str, zone_ids) -> KeyProject:
    """The project of `code` if its zone is in scope (NotFound otherwise)."""
    project = scoped_projects(zone_ids=zone_ids).filter(code=code).first()
    if project is None:
        raise NotFound(f"重点项目 {code} 不存在或不在您的数据范围内")
    return project


def report_state(*, year: int, month: int, reported_on, today: dt.date) -> str:
    """on_time / late / missing / not_due of one month's report (due: dispatch.due_day of the next month)."""
    due = target_rules().dispatch.due_date(year, month)
    if reported_on is not None:
        return LATE if reported_on > due else ON_TIME
    return MISSING if today > due else NOT_DUE


def months_due(*, year: int, today: dt.date) -> int:
    """How many months of `year` have passed their due day by `today`."""
    return sum(1 for m in range(1, 13) if today > target_rules().dispatch.due_date(year, m))


def month_rows(*, project: KeyProject, today: dt.date | None = None) -> list:
    """The twelve months of the project's year: its report (or None), the due date and the state."""
    today = today or timezone.localdate()
    reports = {r.month: r for r in project.reports.filter(year=project.year).select_related("reported_by")}
    cumulative, rows = 0.0, []
    for month in range(1, 13):
        report = reports.get(month)
        cumulative += report.invested if report else 0.0
        rows.append({"month": month, "report": report, "due": target_rules().dispatch.due_date(project.year, month),
                     "state": report_state(year=project.year, month=month, today=today,
                                           reported_on=report.reported_on if report else None),
                     "cumulative": round(cumulative, 2) if report else None,
                     "cumulative_pct": _pct(cumulative, project.annual_target) if report else None})
    return rows


def score(*, project: KeyProject, rows: list) -> dict:
    """The annual score (年终总考评) of a project from its month rows: each part of the scoring rule as
    min(ratio, cap) × weight, the total and its grade."""
    rule = target_rules().scoring
    reported = [r for r in rows if r["report"]]
    invested = sum(r["report"].invested for r in reported)
    last = next((r["report"].progress_pct for r in reversed(reported) if r["report"].progress_pct is not None), None)
    due = [r for r in rows if r["state"] != NOT_DUE]
    ratios = {"investment": invested / project.annual_target if project.annual_target else 0.0,
              "progress": (last or 0.0) / 100,
              "timeliness": sum(1 for r in due if r["state"] == ON_TIME) / len(due) if due else 1.0}
    parts = [{"code": p.code, "name": p.name, "weight": p.weight, "ratio": round(ratios[p.code], 4),
              "points": round(min(ratios[p.code], p.cap) / p.cap * p.weight, 2)} for p in rule.parts]
    total = round(sum(p["points"] for p in parts), 1)
    return {"score": total, "grade": rule.grade(total), "parts": parts, "verified": rule.verified,
            "source": rule.source}


def project_rows(*, projects, today: dt.date | None = None) -> list:
    """Each project with its month rows, invested to date, completion %, late and missing counts and score."""
    today = today or timezone.localdate()
    names = target_rules().category_names()
    out = []
    for project in projects.prefetch_related("reports"):
        rows = month_rows(project=project, today=today)
        invested = round(sum(r["report"].invested for r in rows if r["report"]), 2)
        last = next((r["report"] for r in reversed(rows) if r["report"]), None)
        out.append({"project": project, "category_name": names.get(project.category, project.category),
                    "invested": invested, "pct": _pct(invested, project.annual_target), "last": last,
                    "late": sum(r["state"] == LATE for r in rows), "missing": sum(r["state"] == MISSING for r in rows),
                    "score": score(project=project, rows=rows), "months": rows})
    return out


def project_totals(*, zone_ids, year: int, today: dt.date | None = None) -> dict:
    """Key projects of the zones in scope and year together: count, annual target, invested, completion %, the
    latest month reported, and the late and missing reports (queries, no per-project loop)."""
    today = today or timezone.localdate()
    projects = scoped_projects(zone_ids=zone_ids, year=year)
    agg = projects.aggregate(n=Count("id"), target=Sum("annual_target"))
    reports = DispatchReport.objects.filter(project__in=projects, year=year)
    done = reports.aggregate(invested=Sum("invested"), month=Max("month"))
    due_dates = [(m, target_rules().dispatch.due_date(year, m)) for m in range(1, 13)]
    late = reports.filter(Q(*[Q(month=m, reported_on__gt=d) for m, d in due_dates], _connector=Q.OR)).count()
    passed = [m for m, d in due_dates if today > d]
    missing = (agg["n"] or 0) * len(passed) - reports.filter(month__in=passed).count()
    invested = done["invested"] or 0.0
    return {"count": agg["n"] or 0, "annual_target": round(agg["target"] or 0.0, 2), "invested": round(invested, 2),
            "completion_pct": _pct(invested, agg["target"]), "as_of_month": done["month"], "late": late,
            "missing": missing}


def submit_report(*, project: KeyProject, year: int, month: int, invested: float, progress_pct=None, progress="",
                  problems="", help_requested="", reported_on: dt.date | None = None, actor_id=None,
                  submission_id=None) -> DispatchReport:
    """Create or replace the project's report of (year, month); `reported_on` defaults to today (a replaced
    report keeps being judged by the day it is sent again)."""
    check_period(year=year, month=month)
    if year != project.year:
        raise InputError(f"重点项目 {project.code} 属于 {project.year} 年清单，不能填报 {year} 年的调度")
    if invested < 0:
        raise InputError(f"本月完成投资 {invested:g} 万元不能为负数")
    if progress_pct is not None and not 0 <= progress_pct <= 100:
        raise InputError(f"形象进度 {progress_pct:g}% 不在 0–100 之间")
    report, _ = DispatchReport.objects.update_or_create(
        project=project, year=year, month=month,
        defaults={"invested": invested, "progress_pct": progress_pct, "progress": progress, "problems": problems,
                  "help_requested": help_requested, "reported_on": reported_on or timezone.localdate(),
                  "reported_by_id": actor_id, "submission_id": submission_id})
    return report


def add_review(*, project: KeyProject, quarter: int, note: str, actor_id=None, reviewed_on=None) -> QuarterReview:
    """Create or replace the project's quarterly review note (一季一点评) of its year."""
    if not 1 <= quarter <= 4:
        raise InputError(f"季度 {quarter} 不在 1–4 之间")
    if not note.strip():
        raise InputError("点评意见不能为空")
    review, _ = QuarterReview.objects.update_or_create(
        project=project, year=project.year, quarter=quarter,
        defaults={"note": note.strip(), "reviewer_id": actor_id, "reviewed_on": reviewed_on or timezone.localdate()})
    return review


def dispatch_month(*, zone, year: int, month: int, zone_ids, today: dt.date | None = None) -> dict:
    """The monthly dispatch of a zone (the PDF and its page): each project's report of the month with the year's
    running total, the missing and late ones, and the zone's target progress."""
    from parkgov.zones.targets import zone_progress

    check_period(year=year, month=month)
    today = today or timezone.localdate()
    rows = project_rows(projects=scoped_projects(zone_ids=zone_ids, year=year, zone_code=zone.code), today=today)
    lines = []
    for row in rows:
        month_row = row["months"][month - 1]
        to_date = sum(m["report"].invested for m in row["months"][:month] if m["report"])
        lines.append({**row, "month_row": month_row, "report": month_row["report"], "state": month_row["state"],
                      "to_date": round(to_date, 2), "to_date_pct": _pct(to_date, row["project"].annual_target)})
    target = sum(r["project"].annual_target for r in lines)
    to_date = sum(r["to_date"] for r in lines)
    return {"zone": zone, "year": year, "month": month, "lines": lines,
            "due": target_rules().dispatch.due_date(year, month),
            "annual_target": round(target, 2), "to_date": round(to_date, 2), "to_date_pct": _pct(to_date, target),
            "this_month": round(sum(r["report"].invested for r in lines if r["report"]), 2),
            "late": [r for r in lines if r["state"] == LATE], "missing": [r for r in lines if r["state"] == MISSING],
            "help": [r for r in lines if r["report"] and r["report"].help_requested],
            "progress": zone_progress(zone=zone, year=year), "today": today}
