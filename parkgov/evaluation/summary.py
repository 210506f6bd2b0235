"""What a run says at a glance: class and tier counts per population, the top and bottom firms, the firms to
review, and the changes against the previous year's run of the same method.

Every figure is computed from one scoped queryset (`scoped_results`): the run's results restricted to the
user's parks, so the summary never counts a firm the detail table below it would not list. Classes, tiers and
scores are left out (not merely hidden) for a user who may not see them (`scope.sees("evaluation_class")` and
so on), and the tier indicator's values for a user who may not see its inputs.
"""

import polars as pl
from django.utils.translation import gettext

from parkgov.evaluation.models import EvaluationResult, EvaluationRun
from parkgov.evaluation.ruleset import builtin_rulesets, family_ids

CLASSES = ("A", "B", "C", "D")
NOT_IN_TIER = "未入档"
COLUMNS = ["enterprise_id", "enterprise__credit_code", "enterprise__name", "population", "population_name",
           "not_rated_reason", "class_original", "class_final", "tier", "total", "rank", "review_reason"]


def evaluation_summary(*, run: EvaluationRun, scope, top: int) -> dict:
    """The page's figures for `run` as `scope` may see them; `top` firms at each end of each population."""
    method = run_method(run=run)
    sees = {"class": scope.sees("evaluation_class") and method["classes"],
            "tier": scope.sees("evaluation_tier") and bool(method["tiers"]),
            "score": scope.sees("evaluation_score") and method["scores"],
            "value": scope.sees("evaluation_score") and bool(method["tier_indicator"])
            and all(scope.sees(field) for field in method["tier_fields"])}
    frame = _frame(run, scope.zone_ids, method["tier_indicator"] if sees["value"] else None)
    rated = frame.filter(pl.col("not_rated_reason") == "")
    return {
        "method": method, "sees": sees, "firms": frame.height, "rated": rated.height,
        "not_rated": frame.height - rated.height, "review": frame.filter(pl.col("review_reason") != "").height,
        "classes": _class_counts(frame) if sees["class"] else [],
        "tiers": _tier_counts(frame, method["tiers"]) if sees["tier"] else [],
        "ends": _ends(rated, top, sees) if sees["score"] or sees["value"] else [],
        "changes": _changes(run, frame, scope.zone_ids, method, top) if sees["class"] or sees["tier"] else None,
    }


def grade_counts(*, run: EvaluationRun, scope=None) -> dict:
    """What the run assigns, counted for `scope` (None: everything, for the command line): classes per
    population and tiers, each empty when the rule set assigns none."""
    method, frame = run_method(run=run), _frame(run, scope.zone_ids if scope else None)
    sees = scope.sees if scope else (lambda _name: True)
    return {"classes": _class_counts(frame) if sees("evaluation_class") and method["classes"] else [],
            "tiers": _tier_counts(frame, method["tiers"]) if sees("evaluation_tier") and method["tiers"] else []}


def run_method(*, run: EvaluationRun) -> dict:
    """What the run's rule set produces: classes, scores, the tier names worst first, and the tier indicator.

    From the built-in rule set when the run used one; otherwise (a county's own YAML) from the stored results.
    """
    ruleset = builtin_rulesets().get(run.ruleset_id)
    if ruleset is not None:
        tiers = [band.name for band in ruleset.tiers.bands] if ruleset.tiers else []
        indicator = ruleset.indicators[ruleset.tiers.indicator] if ruleset.tiers else None
        publication = ruleset.publication
        return {"classes": any(p.classes for p in ruleset.populations),
                "scores": any(p.indicators for p in ruleset.populations), "tiers": tiers,
                "tier_indicator": ruleset.tiers.indicator if ruleset.tiers else None,
                "tier_fields": [f for f in (indicator.numerator, indicator.denominator) if f] if indicator else [],
                "tier_indicator_name": indicator.name if indicator else "",
                "tier_indicator_unit": indicator.unit if indicator else "",
                "score_decimals": publication.score_decimals if publication else 2,
                "value_decimals": publication.value_decimals if publication else 4}
    results = EvaluationResult.objects.filter(run=run)
    return {"classes": results.filter(class_original__in=CLASSES).exists(),
            "scores": results.filter(total__isnull=False).exists(),
            "tiers": sorted(set(results.exclude(tier="").values_list("tier", flat=True))),
            "tier_indicator": None, "tier_fields": [], "tier_indicator_name": "", "tier_indicator_unit": "",
            "score_decimals": 2, "value_decimals": 4}


def scoped_results(*, run: EvaluationRun, zone_ids, klass: str = "", tier: str = "", review: bool = False):
    """The run's results in the user's parks (`zone_ids` None = all), optionally one final class (anything else
    is no filter), one tier (`NOT_IN_TIER` for none) or only those to review; the detail table and every summary
    figure read this."""
    results = EvaluationResult.objects.filter(run=run)
    if zone_ids is not None:
        results = results.filter(enterprise__zone_id__in=zone_ids)
    if klass in CLASSES + ("T",):
        results = results.filter(class_final=klass)
    if tier:
        results = results.filter(tier="" if tier == NOT_IN_TIER else tier)
    return results.exclude(review_reason="") if review else results


def _frame(run, zone_ids, tier_indicator=None) -> pl.DataFrame:
    columns = COLUMNS + ([f"indicators__{tier_indicator}__value"] if tier_indicator else [])
    rows = list(scoped_results(run=run, zone_ids=zone_ids).values_list(*columns))
    schema = {c: pl.String for c in columns} | {"enterprise_id": pl.Int64, "total": pl.Float64, "rank": pl.Int64}
    if tier_indicator:
        schema[columns[-1]] = pl.Float64
    frame = pl.DataFrame(rows, schema=schema, orient="row").rename(
        {"enterprise__credit_code": "credit_code", "enterprise__name": "name"})
    return frame.rename({columns[-1]: "value"}) if tier_indicator else frame.with_columns(
        pl.lit(None, dtype=pl.Float64).alias("value"))


def _class_counts(frame) -> list:
    """Per population (the not rated together at the end): firms and the count of each final class."""
    rows = []
    labelled = frame.with_columns(pl.when(pl.col("not_rated_reason") == "").then(pl.col("population_name"))
                                  .otherwise(pl.lit("")).alias("group"))
    for name, part in _groups(labelled):
        counts = dict(part.group_by("class_final").len().rows())
        rows.append({"population": name, "firms": part.height,
                     "counts": {k: counts.get(k, 0) for k in CLASSES + ("T",)}})
    return rows


def _groups(frame):
    order = frame.group_by("group").agg(pl.col("population").first()).sort(
        pl.col("group") == "", "population").get_column("group").to_list()
    return [(name, frame.filter(pl.col("group") == name)) for name in order]


def _tier_counts(frame, tiers) -> list:
    """Firms per tier (tiers are worked out for the not rated too), worst tier first, then those in no tier."""
    counts = dict(frame.group_by("tier").len().rows())
    rows = [{"tier": name, "label": name, "firms": counts.get(name, 0)} for name in tiers]
    return rows + [{"tier": NOT_IN_TIER, "label": gettext(NOT_IN_TIER), "firms": counts.get("", 0)}]


def _ends(rated, top, sees) -> list:
    """Per population: the `top` best and the `top` worst firms, by total (or by the tier indicator's value),
    the worst first in their list."""
    key = "total" if sees["score"] else "value"
    ends = []
    for name, part in _groups(rated.with_columns(pl.col("population_name").alias("group"))):
        part = part.filter(pl.col(key).is_not_null())
        if not part.height:
            continue
        ordered = part.sort([key, "credit_code"], descending=[True, False])
        low = min(top, part.height // 2)  # a small population splits in two halves, no firm in both lists
        best, worst = ordered.head(min(top, part.height - low)), ordered.tail(low).reverse()
        ends.append({"population": name, "key": key, "top": best.to_dicts(), "bottom": worst.to_dicts()})
    return ends


def previous_run(*, run: EvaluationRun) -> EvaluationRun | None:
    """The latest run of the year before, by the same method (its yearly editions count), over the same zone."""
    runs = EvaluationRun.objects.filter(ruleset_id__in=family_ids(run.ruleset_id), year=run.year - 1,
                                        zone_id=run.zone_id)
    return runs.order_by("-created_at", "-pk").first()


def _changes(run, frame, zone_ids, method, top) -> dict | None:
    """Against the previous year: firms moved up or down a class (or a tier), unchanged, new and gone."""
    before = previous_run(run=run)
    if before is None:
        return None
    old = _frame(before, zone_ids)
    if not method["classes"]:  # tiers: a firm not rated has no tier, it is not "in no tier"
        frame, old = (f.filter(pl.col("not_rated_reason") == "") for f in (frame, old))
    grade, order = ("class_final", {k: i for i, k in enumerate(CLASSES)}) if method["classes"] else (
        "tier", {name: i for i, name in enumerate(reversed([*method["tiers"], ""]))})
    pairs = frame.select("enterprise_id", "credit_code", "name", "population_name", pl.col(grade).alias("now")) \
        .join(old.select("enterprise_id", pl.col(grade).alias("then")), on="enterprise_id", how="inner")
    ranked = pairs.with_columns(pl.col("now").replace_strict(order, default=None).alias("now_order"),
                                pl.col("then").replace_strict(order, default=None).alias("then_order"))
    comparable = ranked.filter(pl.col("now_order").is_not_null() & pl.col("then_order").is_not_null())
    up = comparable.filter(pl.col("now_order") < pl.col("then_order")).sort("credit_code")
    down = comparable.filter(pl.col("now_order") > pl.col("then_order")).sort("credit_code")
    labels = {"": gettext(NOT_IN_TIER)}
    return {
        "previous": before, "grade": grade, "up": up.height, "down": down.height,
        "same": pairs.filter(pl.col("now") == pl.col("then")).height,
        "other": pairs.height - up.height - down.height - pairs.filter(pl.col("now") == pl.col("then")).height,
        "new": frame.join(old, on="enterprise_id", how="anti").height,
        "gone": old.join(frame, on="enterprise_id", how="anti").height,
        "moved_up": _movers(up, top, labels), "moved_down": _movers(down, top, labels),
    }


def _movers(frame, top, labels) -> list:
    return [{**row, "then": labels.get(row["then"], row["then"]), "now": labels.get(row["now"], row["now"])}
            for row in frame.head(top).to_dicts()]
