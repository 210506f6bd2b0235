"""List services: generate and store list runs, read a run's entries within a user's scope, compare two years.

A run is stored like an evaluation run: the rule's id, version and content hash, the evaluation run it used and
the hash of its inputs, with one entry per listed firm or parcel carrying the reasons and the values that made
it match. Generating again from the same inputs gives the same input hash and the same entries (the engine is
pure and its rows are stored in subject order). Every read for a user goes through `scoped_entries`, so the
landing page, a list page, its export, the API and the yearly diff show the same rows: those of the user's parks.
"""

import json

import polars as pl
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext

from parkgov.errors import InputError, NotFound
from parkgov.evaluation.inputs import zone_scope
from parkgov.evaluation.models import EvaluationRun
from parkgov.governance.models import ListEntry, ListRun
from parkgov.governance.sources import ListSource, list_sources
from parkgov.ledger.bulk import insert_rows
from parkgov.ledger.models import Zone


def generate_lists(*, year: int, actor, rule_ids=None, evaluation_run=None, zone_code=None,
                   progress=None) -> list[ListRun]:
    """Generate the chosen list rules (all built-in ones by default) for `year` and store one run per rule.

    `evaluation_run` (a run or its id) defaults to the latest evaluation run of `year`; a rule that reads
    evaluation results (the 亩均 rule) is refused with a Chinese message when there is none. `zone_code` limits
    the run to that park and the parks under it. `progress(done, total, rule_name)` is called after each rule.
    The runs and their entries are written in one transaction: all of them or none.
    """
    from parkgov.governance.engine import generate
    from parkgov.governance.inputs import input_hash, list_inputs
    from parkgov.governance.listrules import rule_hash

    rules, run = check_generation(year=year, rule_ids=rule_ids, evaluation_run=evaluation_run)
    zone = Zone.objects.filter(code=zone_code).first() if zone_code else None
    if zone_code and zone is None:
        raise NotFound(gettext("园区编码 %(code)s 不存在") % {"code": zone_code})
    zone_ids = zone_scope(zone_code)
    inputs = list_inputs(year=year, evaluation_run_id=run.pk if run else None, zone_ids=zone_ids)
    digest = input_hash(inputs)
    stored = []
    with transaction.atomic():
        for done, rule in enumerate(rules, start=1):
            if isinstance(rule, ListSource):  # a list another app computes (sources.py)
                frame = rule.frame(year=year, zone_ids=zone_ids).sort("subject_key")
                hashes = rule.digest(), rule.input_digest(year=year, zone_ids=zone_ids)
            else:
                frame = generate(inputs, rule).sort("subject_key")
                hashes = rule_hash(rule), digest
            list_run = ListRun.objects.create(
                rule_id=rule.id, rule_version=rule.version, rule_hash=hashes[0], rule_name=rule.name,
                owner_department=rule.owner_department, subject=rule.subject, year=year, evaluation_run=run,
                zone=zone, input_hash=hashes[1], actor=actor, entries_count=frame.height,
                summary=_summary(frame, rule))
            _store_entries(list_run, frame)
            stored.append(list_run)
            if progress:
                progress(done, len(rules), rule.name)
    return stored


def check_generation(*, year: int, rule_ids=None, evaluation_run=None) -> tuple[list, EvaluationRun | None]:
    """The rules and the evaluation run a generation would use; InputError (Chinese, naming the lists) when a rule
    that reads evaluation results (the 亩均 rule) has no evaluation run of `year`."""
    rules = chosen_rules(rule_ids)
    run = evaluation_run_for(year=year, evaluation_run=evaluation_run)
    needing = [rule.name for rule in rules if needs_evaluation(rule)]
    if needing and run is None:
        raise InputError(gettext("%(year)s 年还没有亩均效益评价批次，无法生成“%(lists)s”：请先运行 %(year)s 年的评价"
                                 "（网页“亩均评价”或 parkgov evaluate），或选择其他清单") % {
            "year": year, "lists": "、".join(needing)})
    return rules, run


def check_zone_for(*, scope, zone_code: str | None) -> None:
    """A park-scoped user generates lists only for one of its parks (PermissionDenied otherwise)."""
    from django.core.exceptions import PermissionDenied

    if zone_code:
        zone = Zone.objects.filter(code=zone_code).only("pk").first()
        if zone is None:
            raise NotFound(gettext("园区编码 %(code)s 不存在") % {"code": zone_code})
        if scope.zone_ids is not None and zone.pk not in scope.zone_ids:
            raise PermissionDenied(gettext("园区 %(code)s 不在您的数据范围内") % {"code": zone_code})
    elif scope.zone_ids is not None:
        raise PermissionDenied(gettext("您的账号限定了园区，生成清单时请选择您的园区"))


def chosen_rules(rule_ids=None) -> list:
    """The built-in rules and the registered list sources (sources.py) named by `rule_ids` (all of them, in id
    order, when None or empty)."""
    from parkgov.governance.listrules import builtin_rules

    rules = {**builtin_rules(), **list_sources()}
    if not rule_ids:
        return [rules[key] for key in sorted(rules)]
    unknown = [key for key in rule_ids if key not in rules]
    if unknown:
        raise InputError(gettext("清单规则 %(unknown)s 不存在；可选：%(allowed)s") % {
            "unknown": "、".join(unknown), "allowed": "、".join(sorted(rules))})
    return [rules[key] for key in dict.fromkeys(rule_ids)]


def needs_evaluation(rule) -> bool:
    """Whether the rule reads results of an evaluation run (then generating it needs one)."""
    return bool(rule.needs_evaluation)


def evaluation_run_for(*, year: int, evaluation_run=None) -> EvaluationRun | None:
    """The evaluation run asked for (checked to be of `year`), else the latest whole-ledger run of `year`, else the
    latest of `year` for any zone (None if none)."""
    if evaluation_run is None or evaluation_run == "":
        runs = EvaluationRun.objects.filter(year=year).order_by("-created_at", "-pk")
        return runs.filter(zone__isnull=True).first() or runs.first()  # as governance.inputs chooses
    pk = evaluation_run.pk if isinstance(evaluation_run, EvaluationRun) else evaluation_run
    run = EvaluationRun.objects.filter(pk=pk).first()
    if run is None:
        raise NotFound(gettext("评价批次 %(run)s 不存在") % {"run": pk})
    if run.year != year:
        raise InputError(gettext("评价批次 %(run)s 是 %(run_year)s 年的，不能用于 %(year)s 年的清单") % {
            "run": run.pk, "run_year": run.year, "year": year})
    return run


# The ledger field (accounts/data/roles.yaml field groups) behind each field a list rule may read: a user whose
# role does not see one of them is not shown the reasons and values of that list's entries (only that they are
# listed, and under which sub-list).
RULE_FIELD_SOURCES = {
    "tax": ["tax"], "tax_per_mu": ["tax", "evaluation_tier"], "revenue": ["revenue"],
    "output_value": ["output_value"], "value_added": ["value_added"], "employees": ["employees"],
    "energy_tce": ["energy_tce"], "electricity_10k_kwh": ["electricity_10k_kwh"], "klass": ["evaluation_class"],
    "worst_class": ["evaluation_class"], "class_d_years": ["evaluation_class"], "tier": ["evaluation_tier"],
    "total": ["evaluation_score"],
}


def rule_fields(rule) -> list[str]:
    """The ledger fields (as scopes name them) that a rule's conditions read."""
    fields = set()
    for leaf in rule.leaves():
        for name in (leaf.field, leaf.change.field if leaf.change else None):
            fields.update(RULE_FIELD_SOURCES.get(name, []))
    return sorted(fields)


def hidden_fields(*, scope, run: ListRun) -> list[str]:
    """The fields behind `run`'s reasons that the user's role does not see (then reasons and values are withheld)."""
    return [field for field in run.summary.get("fields", []) if not scope.sees(field)]


def withheld_note(*, scope, run: ListRun) -> str:
    """What a user reads instead of the reasons of a list whose figures the role may not see ("" if it may)."""
    from parkgov.accounts.scopes import role_table

    hidden = set(hidden_fields(scope=scope, run=run))
    if not hidden:
        return ""
    groups = [gettext(g["name"]) for g in role_table()["field_groups"].values() if hidden & set(g["fields"])]
    return gettext("列入理由含您的角色无权查看的%(groups)s，不予显示") % {"groups": "、".join(groups)}


def _summary(frame: pl.DataFrame, rule) -> dict:
    categories = {}
    if frame.height:
        for category, count in frame.group_by("category").len().sort("category").rows():
            categories[category or ""] = count
    source = rule.source
    return {"categories": categories, "source": getattr(source, "citation", source),
            "source_url": getattr(source, "url", ""), "verified": bool(rule.verified), "fields": rule_fields(rule)}


ENTRY_COLUMNS = ["run_id", "subject_key", "enterprise_id", "parcel_id", "zone_id", "category", "reasons", "values"]


def _store_entries(list_run: ListRun, frame: pl.DataFrame) -> None:
    """Write the run's entries in bulk: COPY on PostgreSQL, executemany elsewhere (ledger.bulk.insert_rows, as for
    evaluation results). ORM bulk_create took 11 s for the demo's 32,000 entries under load, most of it building
    and converting model instances."""
    rows = frame.select(
        pl.lit(list_run.pk, dtype=pl.Int64).alias("run_id"), "subject_key", "enterprise_id", "parcel_id", "zone_id",
        pl.col("category").fill_null(""),
        pl.concat_str([pl.lit("["), pl.col("reasons").list.eval(pl.element().map_elements(
            lambda text: json.dumps(text, ensure_ascii=False), return_dtype=pl.String)).list.join(","), pl.lit("]")])
        .fill_null("[]").alias("reasons"),
        pl.col("values").fill_null("{}").replace("", "{}"))
    insert_rows(ListEntry._meta.db_table, ENTRY_COLUMNS, rows)


def scoped_entries(*, scope, run: ListRun) -> QuerySet:
    """The entries of `run` the user may see: read access to lists, and only the entries of the user's parks."""
    scope.require("list")
    return scope.filter_zones(ListEntry.objects.filter(run=run), "zone_id")


def scoped_counts(*, scope, runs) -> dict:
    """Entries per run (run id → count) that the user sees, in one query."""
    scope.require("list")
    rows = scope.filter_zones(ListEntry.objects.filter(run__in=list(runs)), "zone_id")
    return dict(rows.order_by().values("run_id").annotate(n=Count("pk")).values_list("run_id", "n"))


def latest_runs(*, year: int) -> list[ListRun]:
    """The latest run of each rule for `year`, in rule id order."""
    latest = {}
    for run in ListRun.objects.filter(year=year).select_related("evaluation_run", "zone") \
            .order_by("rule_id", "-created_at", "-pk"):
        latest.setdefault(run.rule_id, run)
    return list(latest.values())


def latest_run(*, rule_id: str, year: int) -> ListRun | None:
    """The latest run of one rule for `year` (None if there is none)."""
    return ListRun.objects.filter(rule_id=rule_id, year=year).order_by("-created_at", "-pk").first()


def list_years() -> list[int]:
    """Years with stored list runs, the latest first."""
    return sorted(set(ListRun.objects.values_list("year", flat=True)), reverse=True)


def compare_years(*, rule_id: str, year: int, previous_year: int, scope) -> dict:
    """New, still listed and left subjects of a rule between the latest runs of two years, by subject key.

    Returns {"new": [...], "still": [...], "left": [...], "run": ..., "previous_run": ...} (and the parts' counts);
    the lists hold the entries (of `year` for new and still, of `previous_year` for left) as dicts, in subject key
    order, within the user's scope. A year without a run counts as an empty list.
    """
    return compare_runs(run=latest_run(rule_id=rule_id, year=year),
                        previous=latest_run(rule_id=rule_id, year=previous_year), scope=scope)


DIFF_FIELDS = ["subject_key", "category", "enterprise__name", "parcel__code", "zone__name"]


def compare_runs(*, run: ListRun | None, previous: ListRun | None, scope, limit: int | None = None) -> dict:
    """New / still / left between two runs (either may be None), within the user's scope, by subject key.

    The parts are worked out in the database (a subquery on the runs' subject keys), so a page showing the first
    `limit` of each part does not read a large list's entries; `new_count`, `still_count` and `left_count` are
    always complete."""
    scope.require("list")
    current = scoped_entries(scope=scope, run=run) if run else ListEntry.objects.none()
    before = scoped_entries(scope=scope, run=previous) if previous else ListEntry.objects.none()
    current_keys, before_keys = current.values("subject_key"), before.values("subject_key")
    parts = {"new": current.exclude(subject_key__in=before_keys),
             "still": current.filter(subject_key__in=before_keys),
             "left": before.exclude(subject_key__in=current_keys)}
    found = {"run": run, "previous_run": previous}
    for name, rows in parts.items():
        rows = rows.order_by("subject_key").values(*DIFF_FIELDS)
        found[name] = list(rows if limit is None else rows[:limit])
        found[f"{name}_count"] = len(found[name]) if limit is None or len(found[name]) < limit else rows.count()
    return found


def previous_run(run: ListRun) -> ListRun | None:
    """The latest run of the same rule in the year before `run`'s."""
    return latest_run(rule_id=run.rule_id, year=run.year - 1)


def operator_scope():
    """The scope of a command-line operator: the administrator's (every park, every field), as for `parkgov
    export` — the operator already holds the database."""
    from parkgov.accounts.scopes import ALL_FIELDS_ROLE, Scope, role_table

    spec = role_table()["roles"][ALL_FIELDS_ROLE]
    return Scope(role=ALL_FIELDS_ROLE, role_name=spec["name"], read=frozenset(spec["read"]),
                 write=frozenset(spec["write"]), hidden_fields=frozenset(), zone_ids=None)
