"""Evaluation services: run and store an evaluation, adjust a class, read class history and movements."""

import json

import polars as pl
from django.db import transaction
from django.utils import timezone

from parkgov.errors import ConflictError, InputError, NotFound
from parkgov.evaluation.engine import evaluate
from parkgov.evaluation.inputs import firm_inputs, frame_hash, zone_scope
from parkgov.evaluation.models import EvaluationResult, EvaluationRun
from parkgov.evaluation.ruleset import family_ids, get_ruleset
from parkgov.ledger.bulk import fetch_frame, insert_rows
from parkgov.ledger.models import Enterprise, Zone

CLASSES = ("A", "B", "C", "D", "T")


def run_evaluation(*, year: int, ruleset_id: str, zone_code: str | None = None, actor=None) -> EvaluationRun:
    """Evaluate `year` under a rule set (built-in id or YAML path) and store the run and its results."""
    ruleset = get_ruleset(ruleset_id)
    if not 2000 <= year <= timezone.now().year:
        raise InputError(f"年度 {year} 不在允许范围 2000–{timezone.now().year}")
    zone_ids = zone_scope(zone_code)
    firms = firm_inputs(year=year, zone_ids=zone_ids, land_rule=ruleset.land)
    if firms.filter(pl.col("tax").is_not_null()).height == 0:
        raise InputError(f"{year} 年没有任何企业的年度数据（评价税收），请先导入「年度数据」")
    needs_previous = any(i.benchmark and i.benchmark.method == "previous_mean"
                         for p in ruleset.populations for i in p.indicators)
    previous = firm_inputs(year=year - 1, zone_ids=zone_ids, land_rule=ruleset.land) if needs_previous else None
    outcome = evaluate(firms, ruleset, year=year, previous=previous, explain=False, history=class_history_frame(
        ruleset_id=ruleset.id, before=year, zone_ids=zone_ids, codes=firms.select("enterprise_id", "credit_code")))
    with transaction.atomic():
        run = EvaluationRun.objects.create(
            year=year, ruleset_id=ruleset.id, ruleset_version=ruleset.version, ruleset_hash=ruleset.content_hash,
            ruleset_name=ruleset.name, zone=Zone.objects.get(code=zone_code) if zone_code else None,
            input_hash=frame_hash(firms if previous is None else pl.concat([firms, previous], how="diagonal_relaxed")),
            actor=actor, firms=outcome.results.height, summary=_summary(outcome.results),
            parks=_jsonable(outcome.parks), explanations=outcome.explanations)
        _store_results(run, outcome.results, ruleset)
    return run


def _summary(results: pl.DataFrame) -> dict:
    counts = results.group_by("population", "klass").len().rows()
    summary = {}
    for population, klass, count in counts:
        summary.setdefault(population or "—", {})[klass or "—"] = count
    return summary


def _jsonable(frame: pl.DataFrame) -> list:
    return json.loads(frame.write_json()) if frame.height else []


def _indicator_json(results: pl.DataFrame, ruleset) -> pl.Expr:
    """The per-indicator value, benchmark and score of each row, and the numerator and denominator they come from,
    as one JSON object (an expression). The explanation text is not stored: evaluation.explain renders it from
    these numbers and the run's templates when it is shown. Where benchmark and score are both null (a firm not
    rated: about half the indicators of the demo) they are left out, and readers take a missing number as null:
    100,000 results' JSON 14 % shorter, for bench/evaluate_e2e.py's store on both databases (issue 17 §4)."""
    keys = [k for k in ruleset.indicators if f"{k}__value" in results.columns]
    parts = []
    for key in keys:
        indicator = ruleset.indicators[key]
        value = [pl.col(f"{key}__value").alias("value")]
        rated = []
        for suffix in ("benchmark", "score"):
            column = f"{key}__{suffix}"
            rated.append(pl.col(column).alias(suffix) if column in results.columns else pl.lit(None).alias(suffix))
        inputs = [pl.col(field).alias(name) for name, field in (("numerator", indicator.numerator),
                                                                ("denominator", indicator.denominator))
                  if field and field in results.columns]
        unrated = rated[0].is_null() & rated[1].is_null()
        parts += [pl.lit(f"{',' if parts else ''}{json.dumps(key)}:"),
                  pl.when(unrated).then(pl.struct(value + inputs).struct.json_encode())
                  .otherwise(pl.struct(value + rated + inputs).struct.json_encode())]
    if not parts:
        return pl.lit("{}")
    return pl.concat_str([pl.lit("{"), *parts, pl.lit("}")])


def _store_results(run, results: pl.DataFrame, ruleset):
    names = {p.id: p.name for p in ruleset.populations}
    frame = results
    if "enterprise_id" not in frame.columns:  # firm_inputs gives it; a frame built otherwise is matched by code
        ids = fetch_frame(Enterprise, columns=["credit_code"]).rename({"id": "enterprise_id"})
        frame = results.join(ids, on="credit_code", how="left")
    text = {c: pl.col(c).fill_null("") for c in ("population", "not_rated_reason", "adjustments", "vetoes", "tier",
                                                   "rank_group", "review_reason") if c in frame.columns}
    frame = frame.with_columns(**text).with_columns(
        pl.col("population").replace_strict(names, default="").alias("population_name"),
        pl.col("klass").fill_null("T").alias("class_original"),
        pl.col("klass").fill_null("T").alias("class_final"),
        _indicator_json(frame, ruleset).alias("indicators"),
        (pl.col("policies").list.eval(pl.element().struct.json_encode()).list.join(",").fill_null("")
         if "policies" in frame.columns else pl.lit("")).alias("__policies"),
    ).with_columns(pl.concat_str([pl.lit("["), pl.col("__policies"), pl.lit("]")]).alias("policies"))
    columns = ["run_id", "enterprise_id", "population", "population_name", "not_rated_reason", "land_mu",
               "indicators", "bonus", "deduction", "adjustments", "vetoes", "total", "rank", "rank_of", "rank_group",
               "percentile", "class_original", "class_final", "adjustment_reason", "tier", "consecutive_years",
               "policies", "charge_total", "version", "review_reason"]
    frame = frame.with_columns(pl.lit(run.pk).alias("run_id"), pl.lit("").alias("adjustment_reason"),
                               pl.lit(1).alias("version"))
    for column in columns:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None).alias(column))
    numeric = ["land_mu", "bonus", "deduction", "total", "percentile", "charge_total"]
    frame = frame.with_columns([pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c)
                                for c in numeric])
    # the frame goes in CHUNK rows at a time: a million results never sit in memory as Python tuples at once. In
    # enterprise order, the (run, enterprise) and enterprise indexes grow at one place instead of at random ones:
    # bench/evaluate_e2e.py's store.insert on SQLite, 100,000 results, 2.4 s → 1.5 s of CPU
    insert_rows(EvaluationResult._meta.db_table, columns, frame.select(columns).sort("enterprise_id"))


def adjust_class(*, result: EvaluationResult, new_class: str, reason: str, actor,
                 expected_version: int | None = None) -> EvaluationResult:
    """定档调档: set the final class with a reason; the engine's class stays in class_original; audited.

    With `expected_version` the change is refused (ConflictError) when someone else adjusted the result since
    it was read, instead of silently overwriting their decision.
    """
    if new_class not in CLASSES:
        raise InputError(f"类别 {new_class} 无效；允许：{'、'.join(CLASSES)}")
    if not reason or not reason.strip():
        raise InputError("调档必须填写理由")
    version = result.version if expected_version is None else expected_version
    with transaction.atomic():
        claimed = EvaluationResult.objects.filter(pk=result.pk, version=version).update(version=version + 1)
        if not claimed:
            raise ConflictError(f"{result.enterprise.name} 的类别已被他人调整，请刷新页面查看后再操作")
        result.refresh_from_db()
        result.class_final = new_class
        result.adjustment_reason = reason.strip()
        result._history_user = actor
        result._change_reason = f"调档 {result.class_original}→{new_class}：{reason.strip()}"
        result.save(update_fields=["class_final", "adjustment_reason"])
    return result


def latest_run(*, year: int, ruleset_id: str, zone_code: str | None = None) -> EvaluationRun:
    """The most recent stored run for a year and rule set (and zone)."""
    runs = EvaluationRun.objects.filter(year=year, ruleset_id=ruleset_id)
    runs = runs.filter(zone__code=zone_code) if zone_code else runs.filter(zone__isnull=True)
    run = runs.order_by("-created_at", "-pk").first()
    if run is None:
        raise NotFound(f"没有 {year} 年按规则集 {ruleset_id} 的评价结果，请先运行 parkgov evaluate")
    return run


def class_history_frame(*, ruleset_id: str, before: int | None = None, zone_ids=None,
                        codes: pl.DataFrame | None = None) -> pl.DataFrame:
    """credit_code, year, klass: the final class of each firm in the latest run of each earlier year, across the
    yearly editions of the rule set's family (e.g. zj-huangyan-2021 then zj-huangyan-2022).

    `codes` (enterprise_id, credit_code): the firms wanted, when the caller has read them already; else all."""
    runs = EvaluationRun.objects.filter(ruleset_id__in=family_ids(ruleset_id))
    if before is not None:
        runs = runs.filter(year__lt=before)
    latest = {}
    for pk, year in runs.order_by("created_at", "pk").values_list("pk", "year"):
        latest[year] = pk
    if not latest:
        return pl.DataFrame(schema={"credit_code": pl.String, "year": pl.Int64, "klass": pl.String})
    results = fetch_frame(EvaluationResult, columns=["run_id", "enterprise_id", "class_final"], where_column="run_id",
                          values=list(latest.values()))
    if codes is None:
        codes = fetch_frame(Enterprise, columns=["credit_code"]).rename({"id": "enterprise_id"})
    years = pl.DataFrame({"run_id": list(latest.values()), "year": list(latest.keys())})
    return results.join(codes, on="enterprise_id").join(years, on="run_id") \
        .select("credit_code", pl.col("year").cast(pl.Int64), pl.col("class_final").alias("klass"))


def class_movements(*, ruleset_id: str, year: int) -> pl.DataFrame:
    """Counts of firms moving from each class in year−1 to each class in `year` (a transition table)."""
    history = class_history_frame(ruleset_id=ruleset_id, before=year + 1)
    before = history.filter(pl.col("year") == year - 1).rename({"klass": "from_class"}).drop("year")
    after = history.filter(pl.col("year") == year).rename({"klass": "to_class"}).drop("year")
    return before.join(after, on="credit_code", how="inner").group_by("from_class", "to_class").len() \
        .sort("from_class", "to_class")
