"""The annual evaluation report of a zone (园区年度评价报告): summary, class and tier distributions, trends over
the years, rankings of firms and industries, policy charges, governance lists and cases progress, the zone's own
TD/T 1029 evaluation, its 底线 outcome and its targets — each section with its charts and tables.

Scope: the zone must be within the user's parks (NotFound otherwise, as its pages); a section whose domain the
role may not read (evaluation, list, case, zone_eval) is left out with a line saying so; figures from a field
the role may not see (tax → 亩均税收, 加价) are left out of every table and chart.
The sections of other engineers' modules (底线 `zones.bottom_line.zone_outcomes`, targets
`zones.targets.zone_progress`) are read when those modules exist, else the section says they are not kept.
"""

from collections import Counter, defaultdict

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext

from parkgov.errors import NotFound
from parkgov.evaluation.models import CLASS_CHOICES, EvaluationResult, EvaluationRun
from parkgov.governance.choices import CaseState
from parkgov.governance.models import Case, ListEntry
from parkgov.governance.queries import latest_list_runs, overdue_q
from parkgov.ledger.models import Enterprise, YearlyFigure, Zone
from parkgov.reports import charts
from parkgov.accounts.scopes import zone_tree_ids
from parkgov.reports.labels import figure_label, industry_text

TOP = 15


def annual_report(*, scope, zone_code: str, year: int) -> dict:
    """The context of reports/annual.html for the zone `zone_code` and its parks in `year`."""
    zone = scope.filter_zones(Zone.objects.all(), "id").filter(code=(zone_code or "").strip()).first()
    if zone is None:
        raise NotFound(gettext("没有编码为 %(code)s 的园区（或不在您的园区范围内）") % {"code": zone_code})
    ids = [pk for pk in zone_tree_ids(zone) if scope.zone_ids is None or pk in scope.zone_ids]
    firms = Enterprise.objects.filter(zone_id__in=ids)
    context = {"zone": zone, "year": year, "printed_at": timezone.localtime(), "scope": scope,
               "parks": list(Zone.objects.filter(pk__in=ids).exclude(pk=zone.pk).order_by("code")),
               "firm_count": firms.count(), "sees_tax": scope.sees("tax") and scope.can_read("yearly")}
    context["figures"] = _figure_totals(firms, year=year, scope=scope)
    if scope.can_read("evaluation") and scope.sees("evaluation_class"):
        context["evaluation"] = _evaluation(ids, year=year, scope=scope)
    if scope.can_read("list"):
        context["lists"] = _lists(ids, year=year)
    if scope.can_read("case"):
        context["cases"] = _cases(ids)
    if scope.can_read("zone_eval"):
        context["zone_evaluation"] = _zone_evaluation(zone, year=year)
        context["bottom_line"] = _optional("parkgov.zones.bottom_line", "zone_outcomes", zone=zone, year=year)
        context["green"] = _optional("parkgov.zones.green", "zone_green", zone=zone, year=year)
        context["targets"] = _optional("parkgov.zones.targets", "zone_progress", zone=zone, year=year)
        context["targets_chart"] = _targets_chart(context["targets"])
    context["sections"] = _contents(context)
    return context


def annual_report_pdf(*, scope, zone_code: str, year: int) -> bytes:
    """The annual report of the zone as PDF (reports/annual.html)."""
    from parkgov.reports.pdf import render_pdf

    return render_pdf(template="reports/annual.html", context=annual_report(scope=scope, zone_code=zone_code,
                                                                            year=year))


def _figure_totals(firms, *, year, scope) -> dict:
    """Totals of the yearly figures the role may see, for the year and the years before (trend)."""
    if not scope.can_read("yearly"):
        return {}
    fields = [f for f in ("tax", "revenue", "value_added", "energy_tce", "employees") if scope.sees(f)]
    rows = YearlyFigure.objects.filter(enterprise__in=firms, year__lte=year, year__gte=year - 4)
    totals = defaultdict(lambda: defaultdict(float))
    for row in rows.values("year", *fields):
        for field in fields:
            totals[row["year"]][field] += row[field] or 0
    return {"columns": [figure_label(f) for f in fields],
            "rows": [{"year": y, "values": [totals[y].get(f, 0) for f in fields]} for y in sorted(totals)],
            "current": dict(totals.get(year, {}))}


def _run_for(ids, *, year, ruleset_id=None):
    runs = EvaluationRun.objects.filter(year=year).order_by("-created_at", "-pk")
    if ruleset_id:
        runs = runs.filter(ruleset_id=ruleset_id)
    for run in runs[:20]:
        if run.results.filter(enterprise__zone_id__in=ids).exists():
            return run
    return None


def _evaluation(ids, *, year, scope) -> dict | None:
    run = _run_for(ids, year=year)
    if run is None:
        return None
    results = list(EvaluationResult.objects.filter(run=run, enterprise__zone_id__in=ids)
                   .select_related("enterprise").order_by("rank", "enterprise__credit_code"))
    sees_tax = scope.sees("tax")
    classes = [code for code, _ in CLASS_CHOICES]
    by_class = Counter(r.class_final for r in results)
    land_by_class = defaultdict(float)
    for r in results:
        land_by_class[r.class_final] += r.land_mu or 0
    tiers = Counter(r.tier for r in results if r.tier)
    rated = [r for r in results if r.total is not None]
    for r in results:
        r.tax_per_mu = (r.indicators or {}).get("tax_per_mu", {}).get("value") if sees_tax else None
    industries = defaultdict(lambda: {"firms": 0, "mu": 0.0, "tax": 0.0, "scores": []})
    for r in rated:
        row = industries[(r.enterprise.industry_code or "")[:2]]
        row["firms"] += 1
        row["mu"] += r.land_mu or 0
        row["tax"] += (r.tax_per_mu or 0) * (r.land_mu or 0)
        row["scores"].append(r.total)
    industry_rows = sorted(({"code": code, "name": industry_text(code) or "—", "firms": v["firms"], "mu": v["mu"],
                             "tax_per_mu": v["tax"] / v["mu"] if sees_tax and v["mu"] else None,
                             "mean_score": sum(v["scores"]) / len(v["scores"])} for code, v in industries.items()),
                           key=lambda row: -row["mean_score"])
    charged = sorted((r for r in results if r.charge_total), key=lambda r: -r.charge_total) if sees_tax else []
    charge_by_class = defaultdict(float)
    for r in charged:
        charge_by_class[r.class_final] += r.charge_total
    trend = _trend(ids, year=year, ruleset_id=run.ruleset_id, sees_tax=sees_tax)
    return {
        "run": run, "count": len(results), "rated": len(rated),
        "classes": [{"code": c, "count": by_class.get(c, 0), "mu": land_by_class.get(c, 0.0),
                     "share": by_class.get(c, 0) / len(results) if results else 0} for c in classes],
        "class_chart": charts.pie_chart(labels=[gettext("%(klass)s 类") % {"klass": c} for c in classes],
                                        values=[by_class.get(c, 0) for c in classes],
                                        title=gettext("企业分类（家）")),
        "land_chart": charts.bar_chart(labels=[gettext("%(klass)s 类") % {"klass": c} for c in classes],
                                       series={gettext("用地（亩）"): [land_by_class.get(c, 0) for c in classes]},
                                       title=gettext("各类企业用地"), unit=gettext("亩"), width=9),
        "tiers": sorted(tiers.items()),
        "tier_chart": charts.bar_chart(labels=[t for t, _ in sorted(tiers.items())],
                                       series={gettext("企业数"): [n for _, n in sorted(tiers.items())]},
                                       title=gettext("档位分布"), unit=gettext("家")) if tiers else "",
        "not_rated": [r for r in results if r.total is None],
        "top": rated[:TOP], "bottom": list(reversed(rated[-TOP:])) if len(rated) > TOP else [],
        "industries": industry_rows, "industry_chart": charts.bar_chart(
            labels=[row["name"][:14] for row in industry_rows[:12]],
            series={gettext("平均得分"): [row["mean_score"] for row in industry_rows[:12]]},
            title=gettext("行业平均得分"), horizontal=True, height=9) if industry_rows else "",
        "charged": charged[:40], "charged_count": len(charged), "charge_total": sum(r.charge_total for r in charged),
        "charge_by_class": sorted(charge_by_class.items()), "sees_tax": sees_tax, "trend": trend,
    }


def _trend(ids, *, year, ruleset_id, sees_tax) -> dict:
    """Class counts and the mean 亩均税收 per year (the latest run of each year under the same rule set)."""
    rows = []
    for y in range(year - 4, year + 1):
        run = _run_for(ids, year=y, ruleset_id=ruleset_id)
        if run is None:
            continue
        results = EvaluationResult.objects.filter(run=run, enterprise__zone_id__in=ids)
        counts = dict(results.values_list("class_final").annotate(n=Count("id")).order_by())
        tax = mu = 0.0
        if sees_tax:
            for indicators, land in results.values_list("indicators", "land_mu"):
                value = (indicators or {}).get("tax_per_mu", {}).get("value")
                if value is not None and land:
                    tax, mu = tax + value * land, mu + land
        rows.append({"year": y, "counts": counts, "tax_per_mu": tax / mu if mu else None})
    classes = [code for code, _ in CLASS_CHOICES]
    for row in rows:
        row["cells"] = [row["counts"].get(c, 0) for c in classes]
    labels = [row["year"] for row in rows]
    chart = charts.bar_chart(labels=labels, series={gettext("%(klass)s 类") % {"klass": c}:
                                                    [row["counts"].get(c, 0) for row in rows] for c in classes},
                             title=gettext("各年企业分类"), unit=gettext("家"), stacked=True) if len(rows) > 1 else ""
    line = charts.line_chart(labels=labels, series={gettext("亩均税收"): [row["tax_per_mu"] for row in rows]},
                             title=gettext("亩均税收（用地加权）"), unit=gettext("万元/亩")) \
        if sees_tax and len(rows) > 1 else ""
    return {"rows": rows, "classes": classes, "chart": chart, "tax_chart": line}


def _lists(ids, *, year) -> list:
    runs = latest_list_runs(year=year)
    counts = dict(ListEntry.objects.filter(run__in=runs, zone_id__in=ids).values_list("run_id")
                  .annotate(n=Count("id")).order_by())
    return [{"name": run.rule_name, "year": run.year, "entries": counts.get(run.pk, 0)} for run in runs]


def _cases(ids) -> dict:
    cases = Case.objects.filter(zone_id__in=ids)
    by_state = dict(cases.values_list("state").annotate(n=Count("id")).order_by())
    today = timezone.localdate()
    states = [{"code": code, "label": label, "count": by_state.get(code, 0)} for code, label in CaseState.choices]
    total = sum(by_state.values())
    return {"states": states, "total": total, "overdue": cases.filter(overdue_q(today)).count(),
            "closed_share": by_state.get(CaseState.CLOSED, 0) / total if total else None,
            "overdue_rows": list(cases.filter(overdue_q(today)).select_related("enterprise", "parcel")
                                 .order_by("deadline")[:30]),
            "chart": charts.bar_chart(labels=[s["label"] for s in states],
                                      series={gettext("案件数"): [s["count"] for s in states]},
                                      title=gettext("案件办理进度"), unit=gettext("件")) if total else ""}


def _zone_evaluation(zone, *, year) -> dict | None:
    from parkgov.zones import services

    try:
        zone, run, result = services.zone_result(zone_code=zone.code, year=year)
    except NotFound:
        return None
    history = services.history(zone=zone)
    chart = charts.line_chart(labels=[r.run.year for r in history],
                              series={gettext("集约度分值"): [r.total for r in history]},
                              title=gettext("园区土地集约利用评价分值"), unit=gettext("分")) if len(history) > 1 else ""
    return {"run": run, "result": result, "indicators": result.indicators, "potentials": result.potentials,
            "history": history, "chart": chart}


def _targets_chart(progress) -> str:
    kinds = [k for k in (progress or {}).get("kinds", []) if k.get("completion_pct") is not None]
    return charts.bar_chart(labels=[k["name"] for k in kinds], series={gettext("完成率"): [k["completion_pct"]
                                                                                        for k in kinds]},
                            title=gettext("目标完成率"), unit="%", horizontal=True) if kinds else ""


def _optional(module, name, **kwargs):
    """The result of another app's section function, or None when that module is not installed yet."""
    import importlib

    try:
        function = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None
    try:
        return function(**kwargs)
    except NotFound:
        return None


def _contents(context) -> list:
    """(anchor, title) of the sections the report has, for the table of contents."""
    items = [("summary", gettext("一、概况"))]
    if "evaluation" in context:
        items += [("classes", gettext("二、分类与档位分布")), ("trends", gettext("三、历年趋势")),
                  ("rankings", gettext("四、排名")), ("policies", gettext("五、差别化政策"))]
    if "lists" in context or "cases" in context:
        items.append(("governance", gettext("六、治理清单与案件进展")))
    if "zone_evaluation" in context:
        items += [("zone-evaluation", gettext("七、园区土地集约利用评价")),
                  ("bottom-line", gettext("八、底线指标与绿色发展")), ("targets", gettext("九、目标任务完成情况"))]
    return items
