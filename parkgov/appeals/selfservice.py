"""What an enterprise sees of itself (/me/): its figures with provenance (and its 自报 ones), its latest result with
the explanation of each indicator, its rank within its population, tier, the policies that apply and why, its
lists and cases, its appeals, and what it can do to move up (the gap to the next class, from the rule set).

Every read starts from `scope.enterprise_id`: an enterprise account cannot name another firm here.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext

from parkgov.appeals import config
from parkgov.appeals.models import SelfReport
from parkgov.codes.tables import code_table
from parkgov.appeals.services import field_label, publicity_of, scoped_appeals
from parkgov.evaluation.explain import indicator_texts
from parkgov.evaluation.models import EvaluationResult
from parkgov.evaluation.ruleset import get_ruleset
from parkgov.errors import ParkgovError
from parkgov.governance.models import Case, ListEntry
from parkgov.ledger.models import FIGURE_FIELDS, Enterprise, LandLink, Submission, YearlyFigure

NEXT_CLASS = {"D": "C", "C": "B", "B": "A"}


def require_enterprise(scope) -> Enterprise:
    """The firm an enterprise account is bound to (PermissionDenied for staff: these pages are the firm's own)."""
    if not scope.is_enterprise:
        raise PermissionDenied(gettext("此页面仅供企业账号使用"))
    return Enterprise.objects.select_related("zone").get(pk=scope.enterprise_id)


def latest_result(*, scope):
    """The firm's result in the most recent run that rated it, or None."""
    return EvaluationResult.objects.filter(enterprise_id=scope.enterprise_id).select_related("run") \
        .order_by("-run__year", "-run__created_at", "-run_id").first()


def figures(*, scope) -> list:
    """Each year's figures: [{year, rows: [{field, label, value, source, self_report}]}], newest first; the source
    is the submission that set the value (method, department, file, date); an open 自报 is shown beside it."""
    years = list(YearlyFigure.objects.filter(enterprise_id=scope.enterprise_id).order_by("-year"))
    cited = {v for y in years for v in (y.provenance or {}).values() if isinstance(v, int)}
    sources = {s.pk: s for s in Submission.objects.filter(pk__in=cited)}
    reports = {(r.year, r.field): r for r in SelfReport.objects.filter(enterprise_id=scope.enterprise_id)}
    known = {y.year for y in years}
    out = []
    for year in sorted(known | {year for year, _f in reports}, reverse=True):
        figure = next((y for y in years if y.year == year), None)
        rows = []
        for field in FIGURE_FIELDS:
            value = getattr(figure, field) if figure else None
            source = sources.get((figure.provenance or {}).get(field)) if figure else None
            report = reports.get((year, field))
            if value is None and report is None:
                continue
            department = code_table("departments").label(source.department) if source and source.department else ""
            rows.append({"field": field, "label": field_label(field), "value": value, "source": source,
                         "department": department or (source.department if source else ""), "self_report": report})
        out.append({"year": year, "rows": rows})
    return out


def explanation(*, result) -> dict:
    """The result explained: each indicator (name, value, unit, benchmark, weight, score, formula text), the
    rank within the population, tier, policies with why they apply, and the gap to the next class."""
    try:
        ruleset = get_ruleset(result.run.ruleset_id)
    except ParkgovError:
        ruleset = None
    population = next((p for p in ruleset.populations if p.id == result.population), None) if ruleset else None
    weights = {i.indicator: i for i in population.indicators} if population else {}
    indicators, texts = [], indicator_texts(result)
    for key, data in (result.indicators or {}).items():
        spec = ruleset.indicators.get(key) if ruleset else None
        indicators.append({"key": key, "name": spec.name if spec else key, "unit": spec.unit if spec else "",
                           "value": data.get("value"), "benchmark": data.get("benchmark"),
                           "score": data.get("score"), "text": texts.get(key) or "",
                           "weight": weights[key].weight if key in weights else None})
    return {"indicators": indicators, "policies": _policies(result, ruleset), "move_up": move_up(result=result,
            ruleset=ruleset, population=population)}


def _policies(result, ruleset) -> list:
    rules = {p.name: p for p in ruleset.policies} if ruleset else {}
    out = []
    for policy in result.policies or []:
        rule = rules.get(policy.get("name"))
        why = gettext("类别 %(klass)s，连续 %(years)s 年（政策适用条件：类别 %(rule_class)s 且连续 ≥ %(min)s 年）") % {
            "klass": result.class_final, "years": result.consecutive_years,
            "rule_class": rule.klass if rule else result.class_final,
            "min": rule.min_consecutive_years if rule else 1}
        out.append({**policy, "why": why})
    return out


def move_up(*, result, ruleset, population) -> dict | None:
    """The next class and the points missing to reach it — for rank bands the total of the lowest-ranked firm of
    the next class in the same group, for score thresholds the band's minimum — and for each scored indicator
    how much more of it alone would close the gap (ratio scoring, other indicators unchanged, within the cap)."""
    target = NEXT_CLASS.get(result.class_final)
    if target is None or result.total is None or population is None or population.classes is None:
        return None
    classes = population.classes
    if classes.method == "score_thresholds":
        band = next((b for b in classes.bands if b.klass == target), None)
        needed = band.min_score if band else None
    else:
        needed = EvaluationResult.objects.filter(run=result.run, rank_group=result.rank_group,
                                                 class_original=target).order_by("total") \
            .values_list("total", flat=True).first()
    if needed is None:
        return {"target": target, "gap": None, "indicators": []}
    gap = max(needed - result.total, 0.0) + 0.01
    rows = []
    for item in population.indicators:
        data = (result.indicators or {}).get(item.indicator) or {}
        spec = ruleset.indicators[item.indicator]
        benchmark, value, score = data.get("benchmark"), data.get("value"), data.get("score") or 0.0
        if population.scoring != "ratio" or not benchmark or value is None or not spec.higher_is_better:
            continue
        reachable = item.cap is None or score + gap <= item.cap * item.weight
        rows.append({"name": spec.name, "unit": spec.unit, "value": value,
                     "more": gap / item.weight * benchmark if reachable else None,
                     "target_value": value + gap / item.weight * benchmark if reachable else None})
    return {"target": target, "gap": gap, "needed": needed, "indicators": rows}


def lists_and_cases(*, scope) -> dict:
    """The list entries and cases naming the firm or one of its parcels (through its land links)."""
    parcels = LandLink.objects.filter(enterprise_id=scope.enterprise_id).values("parcel_id")
    mine = Q(enterprise_id=scope.enterprise_id) | Q(parcel_id__in=parcels)
    entries = ListEntry.objects.filter(mine).select_related("run").order_by("-run__year", "run__rule_name")
    cases = Case.objects.filter(mine).order_by("-number")
    return {"entries": list(entries[:100]), "cases": list(cases[:100])}


def overview(*, scope) -> dict:
    """Everything of the /me/ page."""
    firm = require_enterprise(scope)
    result = latest_result(scope=scope)
    period = publicity_of(result.run) if result else None
    return {"firm": firm, "result": result, "explained": explanation(result=result) if result else None,
            "publicity": period, "figures": figures(scope=scope), **lists_and_cases(scope=scope),
            "appeals": labelled(scoped_appeals(scope=scope))}


def labelled(appeals) -> list:
    """The appeals with `state_label` and `field_label` set (for pages)."""
    states = config.workflow().states
    rows = list(appeals)
    for appeal in rows:
        appeal.state_label, appeal.field_label = states[appeal.state].label, field_label(appeal.field)
    return rows
