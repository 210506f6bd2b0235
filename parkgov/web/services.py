"""Figures for the cockpit (园区大脑), computed with frames from the ledger and the latest evaluation."""

import hashlib
from functools import cache
from pathlib import Path

import polars as pl
import yaml
from django.core.cache import cache as django_cache
from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext

from parkgov import __version__
from parkgov.audit.versions import data_version
from parkgov.evaluation.inputs import firm_inputs
from parkgov.evaluation.models import EvaluationResult, EvaluationRun
from parkgov.evaluation.ruleset import get_ruleset
from parkgov.evaluation.summary import grade_counts
from parkgov.governance.models import Case, RevitalisationTarget
from parkgov.governance.queries import case_figures
from parkgov.ledger.bulk import fetch_frame
from parkgov.ledger.models import Enterprise, LandLink, Parcel, YearlyFigure, Zone
from parkgov.ledger.services import parcel_frame
from parkgov.supply.models import Contract
from parkgov.supply.summary import cockpit_figures, run_version
from parkgov.web.lists import department_text
from parkgov.zones.bottom_line import summary as bottom_line_summary
from parkgov.zones.models import BottomLineConfirmation, ZoneGreenEntry

COCKPIT_CACHE_SECONDS = 24 * 3600  # a day at most; the data version changes the key before that
COCKPIT_FILE = Path(__file__).resolve().parent / "data" / "cockpit.yaml"


@cache
def cockpit_config() -> dict:
    return yaml.safe_load(COCKPIT_FILE.read_text(encoding="utf-8"))


def latest_year() -> int | None:
    return YearlyFigure.objects.order_by("-year").values_list("year", flat=True).first()


def _kpi(key, value):
    """One key figure; its name, unit and note come from cockpit.yaml (msgids listed in web/data_labels.py)."""
    spec = cockpit_config()["figures"][key]
    state, note = "", ""
    if value is not None:
        if "alert_below" in spec and value < spec["alert_below"] or "alert_above" in spec and value > spec["alert_above"]:
            state, note = "alert", spec["alert_text"]
        if "quality_above" in spec and value > spec["quality_above"]:
            state, note = "quality", spec["quality_text"]
    return {"key": key, "name": gettext(spec["name"]), "unit": gettext(spec["unit"]), "value": value, "state": state,
            "note": gettext(note)}


# The tables the ledger's figures come from (firm_inputs also counts findings, which no figure uses: a finding
# written does not recompute the cockpit; add Finding here if a figure ever shows them), and the cases' figures.
FIGURE_SOURCES = (Enterprise, YearlyFigure, Parcel, Zone, LandLink, EvaluationResult)
CASE_SOURCES = (Case, RevitalisationTarget, Zone)
# the 供地 card (issue 15) reads contracts (their agreed and actual dates) and the latest review run, whose runs and
# checks carry no history rows: `supply.summary.run_version` names them
SUPPLY_SOURCES = (Contract, Zone)
# the 底线 card (issue 16 §2) reads the firms' yearly figures and the 园区绿色指标 entries
BOTTOM_LINE_SOURCES = (Enterprise, YearlyFigure, Zone, ZoneGreenEntry, BottomLineConfirmation)  # 确认 freezes a year
VERSIONED = (*FIGURE_SOURCES, Case, RevitalisationTarget, Contract, ZoneGreenEntry, BottomLineConfirmation)


def cockpit(*, scope, year: int | None = None) -> dict:
    """Key figures of the zone and each park, trends, class distribution, tiers and the park ranking, and for roles
    that read `case` the cases' figures (`case_figures`).

    They are computed from whole tables (seconds at 100,000 firms), so they are kept in Django's cache under the
    data's version (`audit.versions.data_version`): the first view after a change computes them, the others
    read them, and a change to any source table or a new evaluation run is a new key. The cases' figures are kept
    apart, under the cases' and targets' version (which names today's date, so a case falling overdue overnight
    counts the next morning): a case step does not recompute the ledger's figures. One version query and one
    cache read serve both. For roles that read `supply` the 供地 card (`supply.summary.cockpit_figures`: reminders,
    idle parcels, contracts not meeting their commitments) is kept the same way, under the contracts' version,
    today's date (reminders count days) and the newest review run.
    """
    # Cases close in calendar time while the ledger's latest data year lags behind (figures of 2025 are
    # reported in 2026): unless a year is asked for, the cases' card counts this calendar year's closures.
    case_year = year or timezone.localdate().year
    year = year or latest_year()
    if year is None:
        return {"year": None}
    version = data_version(*VERSIONED)
    seen = (year, scope.zone_ids, scope.sees("tax"), scope.sees("value_added"), scope.sees("evaluation_class"),
            get_language(), _method_hash(), _version_of(version, FIGURE_SOURCES))
    key = "parkgov:cockpit:" + hashlib.sha256(repr(seen).encode()).hexdigest()
    case_key = None
    if scope.can_read("case"):
        case_seen = (case_year, scope.zone_ids, get_language(), _version_of(version, CASE_SOURCES))
        case_key = "parkgov:cockpit-cases:" + hashlib.sha256(repr(case_seen).encode()).hexdigest()
    supply_key = None
    if scope.can_read("supply"):
        supply_seen = (scope.zone_ids, get_language(), _version_of(version, SUPPLY_SOURCES), run_version())
        supply_key = "parkgov:cockpit-supply:" + hashlib.sha256(repr(supply_seen).encode()).hexdigest()
    bottom_key = None
    if scope.can_read("zone_eval"):
        bottom_seen = (year, scope.zone_ids, get_language(), _version_of(version, BOTTOM_LINE_SOURCES))
        bottom_key = "parkgov:cockpit-bottom-line:" + hashlib.sha256(repr(bottom_seen).encode()).hexdigest()
    found = django_cache.get_many([k for k in (key, case_key, supply_key, bottom_key) if k])
    figures = found.get(key)
    if figures is None:
        figures = _cockpit(scope=scope, year=year)
        django_cache.set(key, figures, timeout=COCKPIT_CACHE_SECONDS)
    cases = found.get(case_key) if case_key else None
    if case_key and cases is None:
        cases = case_figures_shown(scope=scope, year=case_year)
        django_cache.set(case_key, cases, timeout=COCKPIT_CACHE_SECONDS)
    supply = found.get(supply_key) if supply_key else None
    if supply_key and supply is None:
        supply = cockpit_figures(scope=scope, today=timezone.localdate())
        django_cache.set(supply_key, supply, timeout=COCKPIT_CACHE_SECONDS)
    bottom_line = found.get(bottom_key) if bottom_key else None
    if bottom_key and bottom_line is None:
        bottom_line = bottom_line_summary(year=year, zone_ids=scope.zone_ids) or {}
        django_cache.set(bottom_key, bottom_line, timeout=COCKPIT_CACHE_SECONDS)
    return {**figures, "cases": cases, "supply_card": supply, "bottom_line": bottom_line}


def _version_of(version: tuple, models: tuple) -> tuple:
    """The part of `data_version(*VERSIONED)` that `data_version(*models)` would give."""
    tokens, newest_run, today, *rows = version
    at = [VERSIONED.index(model) for model in models]
    return (tuple(tokens[2 * i + k] for i in at for k in (0, 1)), newest_run, today, *(rows[i] for i in at))


def case_figures_shown(*, scope, year: int) -> dict:
    """The cases' figures in the user's parks (`governance.queries.case_figures`) with department and park names
    and the share of the 盘活 target reached."""
    figures = case_figures(zone_ids=scope.zone_ids, year=year, today=timezone.localdate())
    for row in figures["departments"]:
        row["name"] = department_text(row["department"])
    names = dict(Zone.objects.filter(id__in=[row["zone_id"] for row in figures["zones"]]).values_list("id", "name"))
    for row in figures["zones"]:
        row["name"] = names.get(row["zone_id"], "")
    target = figures["target_mu"]
    figures["freed_share"] = round(figures["freed_mu"] * 100 / target, 1) if target else None
    figures["year"] = year
    return figures


@cache
def _method_hash() -> str:
    """What the figures depend on besides the data: the code version, cockpit.yaml and the two rule sets."""
    config = cockpit_config()
    parts = [__version__, COCKPIT_FILE.read_text(encoding="utf-8")]
    parts += [get_ruleset(config[name]).content_hash for name in ("evaluation_ruleset", "tier_ruleset")]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _cockpit(*, scope, year: int) -> dict:
    config = cockpit_config()
    ruleset = get_ruleset(config["evaluation_ruleset"])
    firms = firm_inputs(year=year, zone_ids=list(scope.zone_ids) if scope.zone_ids else None,
                        land_rule=ruleset.land)
    parcels = parcel_frame()
    zones = fetch_frame(Zone, columns=["code", "name", "parent_id"])
    if scope.zone_ids is not None:
        parcels = parcels.filter(pl.col("zone_id").is_in(scope.zone_ids))
        zones = zones.filter(pl.col("id").is_in(scope.zone_ids))
    sees = {"tax": scope.sees("tax"), "va": scope.sees("value_added")}
    return {
        "year": year,
        "kpis": _kpis(firms, parcels, sees),
        "parks": _parks(firms, parcels, zones, sees),
        "trend": trend(firms=firms, sees=sees),
        "classes": class_distribution(year=year, ruleset_id=ruleset.id, scope=scope)
        if scope.sees("evaluation_class") else {},  # evaluation results are a field group (roles.yaml)
        "tiers": tier_land(firms, get_ruleset(config["tier_ruleset"])) if sees["tax"] else [],
        "supply": _supply(parcels),
        "sees_tax": sees["tax"],
        "sees_value_added": sees["va"],
    }


def _ratio(numerator, denominator):
    return round(numerator / denominator, 2) if denominator else None


def _kpis(firms, parcels, sees):
    """The key figures; those derived from a field the user may not see are left out, not merely hidden."""
    land = firms.get_column("land_mu").sum()
    above = firms.filter(pl.col("scale") == "above")
    parcel_land = parcels.get_column("registered_area_mu").sum() or 0
    idle = parcels.filter(pl.col("supply_status").is_in(["idle", "approved_not_supplied"])) \
        .get_column("registered_area_mu").sum() or 0
    missing = firms.filter(pl.col("tax").is_null() & pl.col("revenue").is_null()).height
    mismatch = parcels.filter(pl.col("area_mismatch").fill_null(False)).height
    figures = [
        {"key": "firms", "name": pgettext("list", "企业"), "unit": gettext("家"), "value": firms.height, "state": "",
         "note": ""},
        {"key": "land", "name": gettext("工业用地"), "unit": gettext("亩"), "value": round(parcel_land, 1), "state": "",
         "note": ""},
    ]
    if sees["tax"]:
        figures += [_kpi("tax_per_mu", _ratio(firms.get_column("tax").sum(), land)),
                    _kpi("tax_per_mu_above", _ratio(above.get_column("tax").sum(), above.get_column("land_mu").sum()))]
    if sees["va"]:
        figures.append(_kpi("value_added_per_mu", _ratio(firms.get_column("value_added").sum(), land)))
    return figures + [_kpi("idle_share", _ratio(idle * 100, parcel_land)),
                      _kpi("missing_figures_share", _ratio(missing * 100, firms.height)),
                      _kpi("area_mismatch_share", _ratio(mismatch * 100, parcels.height))]


def _parks(firms, parcels, zones, sees):
    reported = [pl.when(pl.col(c).count() > 0).then(pl.col(c).sum()).alias(c) for c in ("tax", "value_added")]
    per_zone = firms.group_by("zone_code").agg(pl.len().alias("firms"), pl.col("land_mu").sum(), *reported)
    land = parcels.join(zones.select(pl.col("id").alias("zone_id"), pl.col("code").alias("zone_code")),
                        on="zone_id").group_by("zone_code").agg(pl.col("registered_area_mu").sum().alias("parcel_mu"))
    table = zones.select(pl.col("code").alias("zone_code"), "name").join(per_zone, on="zone_code", how="left") \
        .join(land, on="zone_code", how="left").with_columns(
            pl.when(pl.col("land_mu") > 0).then(pl.col("tax") / pl.col("land_mu")).alias("tax_per_mu"),
            pl.when(pl.col("land_mu") > 0).then(pl.col("value_added") / pl.col("land_mu")).alias("va_per_mu"))
    order = "tax_per_mu" if sees["tax"] else "va_per_mu" if sees["va"] else "parcel_mu"
    table = table.sort(order, descending=True, nulls_last=True)
    if not sees["tax"]:
        table = table.drop("tax", "tax_per_mu")
    if not sees["va"]:
        table = table.drop("value_added", "va_per_mu")
    return table.with_columns(pl.col(pl.Float64).round(2)).to_dicts()


def trend(*, firms: pl.DataFrame, sees: dict) -> list:
    """亩均税收 / 亩均增加值 per year on the current attributed land (one query for all years' figures)."""
    figures = fetch_frame(YearlyFigure, columns=["enterprise_id", "year", "tax", "value_added"])
    land = firms.select("enterprise_id", "land_mu")
    per_year = figures.join(land, on="enterprise_id", how="inner").group_by("year").agg(
        pl.col("tax").sum(), pl.col("value_added").sum(),
        pl.col("land_mu").filter(pl.col("tax").is_not_null()).sum().alias("land")).sort("year")
    return [{"year": year, "tax_per_mu": _ratio(tax, land) if sees["tax"] else None,
             "va_per_mu": _ratio(va, land) if sees["va"] else None}
            for year, tax, va, land in per_year.iter_rows()]


def class_distribution(*, year, ruleset_id, scope) -> dict:
    """The latest run's classes per population; for a tiers-only rule set its tiers instead (issue 13)."""
    run = EvaluationRun.objects.filter(year=year, ruleset_id=ruleset_id, zone__isnull=True).order_by("-created_at").first()
    if run is None:
        return {}
    grades, not_rated = grade_counts(run=run, scope=scope), gettext("不参评")
    counts = {row["population"] or not_rated: row["counts"] for row in grades["classes"]}
    return {"run": run.pk, "ruleset": run.ruleset_name, "counts": counts,
            "tiers": [] if counts else grades["tiers"]}


def tier_land(firms: pl.DataFrame, ruleset) -> list:
    """Land (亩) and firms per 亩均税收 tier (low-efficiency land)."""
    if ruleset.tiers is None:
        return []
    value = pl.when(pl.col("land_mu") > 0).then(pl.col("tax") / pl.col("land_mu"))
    rows, lower = [], None
    for band in ruleset.tiers.bands:
        hit = firms.filter((value < band.below) & ((value >= lower) if lower is not None else pl.lit(True)))
        rows.append({"tier": band.name, "below": band.below, "firms": hit.height,
                     "land_mu": round(hit.get_column("land_mu").sum(), 1)})
        lower = band.below
    return rows


def _supply(parcels):
    from parkgov.ledger.choices import SupplyStatus

    totals = dict(parcels.group_by("supply_status").agg(pl.col("registered_area_mu").sum()).rows())
    return [{"status": str(s.label), "land_mu": round(totals.get(s.value, 0), 1)} for s in SupplyStatus]
