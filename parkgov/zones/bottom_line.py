"""The 底线 assessment of zones (issue 16 §2; suqian 2017 §22): each year's published set of 底线指标
(data/bottom_line/<year>.yaml) checked against each zone's green measures (green.green_frame), pass or fail per
indicator, the number failed, and the consequence by the rules in data/bottom_line/consequences.yaml (two or more
failed in a year → 通报约谈; two or more failed in each of two running years → 问责), with the reasons and the
zone's history over the published years. A year once confirmed (bottom_line_record.confirm_year) is read from
its frozen record (`frozen_records`), with where today's data would differ (`changes`).

`assess` is pure (a frame and the sets in, one dict per zone and year out); `zone_outcomes` and `zones_outcomes`
read the figures with one query per table. A year without a published set is not assessed (and breaks a run of
years). An indicator without data is listed as 缺少数据 and counts as failed only when the rules say so.
"""

import polars as pl
from django.utils.translation import gettext

from parkgov.ledger.models import Zone
from parkgov.zones.green import green_frame, zone_of
from parkgov.zones.green_rules import bottom_line_set, bottom_line_years, consequence_rules

OPS = {"<=": lambda v, x: v <= x, ">=": lambda v, x: v >= x, "==": lambda v, x: abs(v - x) < 1e-9}
SIGNS = {"<=": "≤", ">=": "≥", "==": "="}


def _judge(indicator, value) -> bool | None:
    return None if value is None or value != value else OPS[indicator.op](value, indicator.limit)


def assess_year(*, row: dict | None, year: int, rules) -> dict:
    """One zone's indicators of `year`'s set on its green_frame row (None: no figures), the number failed."""
    row, found = row or {}, bottom_line_set(year)
    indicators, failed, missing = [], 0, 0
    for ind in found.indicators:
        value = row.get(ind.measure)
        value = None if value is None or value != value else float(value)
        passed = _judge(ind, value)
        failed += passed is False or (passed is None and rules.missing_counts_as_failed)
        missing += passed is None
        indicators.append({"code": ind.code, "name": gettext(ind.name), "value": value, "unit": gettext(ind.unit),
                           "op": ind.op, "sign": SIGNS[ind.op], "limit": ind.limit, "passed": passed, "source": ind.source,
                           "verified": ind.verified})
    return {"year": year, "set": gettext(found.name), "indicators": indicators, "failed": failed, "missing": missing}


def consequence_of(*, failed_by_year: dict, year: int, rules) -> tuple[str, str]:
    """(consequence, the rule's text) of `year` from the failed counts of the assessed years (year → count)."""
    for rule in rules.rules:
        span = range(year - rule.years_running + 1, year + 1)
        if all(failed_by_year.get(y) is not None and failed_by_year[y] >= rule.min_failed for y in span):
            return rule.consequence, rule.text
    return "", ""


def assess(*, frame: pl.DataFrame, zone_id: int, year: int, frozen: dict | None = None) -> dict:
    """The outcome of one zone in `year` on green_frame rows: the contract of `zone_outcomes`. `frozen` (year →
    zone_id → record, `frozen_records`) holds the confirmed years: their outcome is the record's, and their failed
    counts are the ones the consequences of later years run on. A confirmed year's outcome carries `confirmed`
    (who, when, the set's version) and `current`: what the data of today would give."""
    rules = consequence_rules()
    frozen = frozen or {}
    rows = {r["year"]: r for r in frame.filter(pl.col("zone_id") == zone_id).iter_rows(named=True)}
    years = [y for y in bottom_line_years() if y <= year]
    by_year = {y: assess_year(row=rows.get(y), year=y, rules=rules) for y in years}
    kept = {y: frozen[y][zone_id] for y in years if zone_id in frozen.get(y, {})}
    failed = {y: kept[y]["failed"] if y in kept else a["failed"] for y, a in by_year.items()}
    history = []
    for y in years:
        consequence = kept[y]["consequence"] if y in kept else \
            consequence_of(failed_by_year=failed, year=y, rules=rules)[0]
        history.append({"year": y, "failed": failed[y], "consequence": consequence, "confirmed": y in kept,
                        "missing": kept[y]["missing"] if y in kept else by_year[y]["missing"]})
    this = by_year[year]
    now_failed = {**failed, year: this["failed"]}
    consequence, text = consequence_of(failed_by_year=now_failed, year=year, rules=rules)
    current = {"set": this["set"], "indicators": this["indicators"], "failed": this["failed"],
               "missing": this["missing"], "consequence": consequence,
               "reasons": _reasons(this, consequence, text, now_failed, year)}
    if year in kept:
        record = kept[year]
        outcome = {key: record[key] for key in ("set", "indicators", "failed", "missing", "consequence", "reasons")}
        outcome.update(confirmed=record["confirmation"], current=current, changes=changes(record, current))
    else:
        outcome = {**current, "confirmed": None, "current": None, "changes": []}
    return {"year": year, **outcome, "history": history}


def changes(record: dict, current: dict) -> list:
    """Where today's data give another outcome than the confirmed record: per indicator whose value or verdict
    differs, and the consequence ({"name", "confirmed", "current", "verdict_changed"})."""
    now = {i["code"]: i for i in current["indicators"]}
    out = []
    for ind in record["indicators"]:
        live = now.get(ind["code"])
        value, live_value = ind["value"], live["value"] if live else None
        same_value = (value is None) == (live_value is None) and (value is None or abs(value - live_value) < 1e-6)
        if live is not None and same_value and ind["passed"] == live["passed"]:
            continue
        out.append({"name": ind["name"], "confirmed": _verdict(ind), "current": _verdict(live),
                    "verdict_changed": live is None or ind["passed"] != live["passed"]})
    if record["consequence"] != current["consequence"]:
        out.append({"name": gettext("处理"), "confirmed": gettext(record["consequence"]) if record["consequence"]
                    else gettext("无"), "current": gettext(current["consequence"]) if current["consequence"]
                    else gettext("无"), "verdict_changed": True})
    return out


def _verdict(ind) -> str:
    if ind is None:
        return gettext("不在本年度底线指标中")
    state = {True: gettext("达标"), False: gettext("不达标"), None: gettext("缺少数据")}[ind["passed"]]
    return state if ind["value"] is None else f"{ind['value']:.2f}{ind['unit']} · {state}"


def frozen_records(*, years, zone_ids=None) -> dict:
    """year → zone_id → the newest confirmation's record of that year (indicators, failed, missing, consequence,
    reasons, inputs, and `confirmation`: {"id", "at", "by", "version", "set", "reason", "reconfirmed"})."""
    from parkgov.zones.models import BottomLineConfirmation, BottomLineRecord

    latest = {}
    for confirmation in BottomLineConfirmation.objects.filter(year__in=list(years)).select_related("confirmed_by") \
            .order_by("year", "-confirmed_at", "-pk"):
        latest.setdefault(confirmation.year, confirmation)
    if not latest:
        return {}
    records = BottomLineRecord.objects.filter(confirmation__in=list(latest.values()))
    if zone_ids is not None:
        records = records.filter(zone_id__in=list(zone_ids))
    by_id = {c.pk: c for c in latest.values()}
    out = {}
    for record in records:
        confirmation = by_id[record.confirmation_id]
        who = confirmation.confirmed_by
        out.setdefault(confirmation.year, {})[record.zone_id] = {
            "set": gettext(confirmation.set_name), "failed": record.failed, "missing": record.missing,
            "consequence": record.consequence, "reasons": list(record.reasons), "inputs": record.inputs,
            "indicators": [{**i, "name": gettext(i["name"]), "unit": gettext(i["unit"])} for i in record.indicators],
            "confirmation": {"id": confirmation.pk, "at": confirmation.confirmed_at,
                             "by": who.username if who else gettext("系统"),
                             "version": confirmation.set_version, "set": gettext(confirmation.set_name),
                             "reason": confirmation.reason, "reconfirmed": confirmation.replaces_id is not None}}
    return out


def _reasons(this: dict, consequence: str, text: str, failed: dict, year: int) -> list:
    reasons = []
    for ind in this["indicators"]:
        limit = f"{ind['sign']} {ind['limit']:g}{ind['unit']}" if ind["op"] != "==" else gettext("须达到")
        if ind["passed"] is False:
            value = gettext("否") if ind["op"] == "==" else f"{ind['value']:.2f}{ind['unit']}"
            reasons.append(gettext("%(name)s 不达标：%(value)s（底线 %(limit)s）")
                           % {"name": ind["name"], "value": value, "limit": limit})
        elif ind["passed"] is None:
            reasons.append(gettext("%(name)s 缺少数据") % {"name": ind["name"]})
    if consequence:
        reasons.append(gettext("%(year)s 年 %(failed)s 项不达标（上年 %(before)s 项）：%(consequence)s——%(text)s")
                       % {"year": year, "failed": failed[year], "before": failed.get(year - 1, "—"),
                          "consequence": gettext(consequence), "text": gettext(text)})
    return reasons


def _years_for(year: int) -> list:
    years = [y for y in bottom_line_years() if y <= year]
    if year not in years:
        bottom_line_set(year)  # NotFound naming the published years
    return years


def zone_outcomes(*, zone, year: int) -> dict:
    """The 底线 outcome of one zone (a Zone or its code) in `year`: {"year", "indicators": [{"name", "value",
    "unit", "limit", "passed", "source"}], "failed", "consequence": "" | "通报约谈" | "问责", "reasons",
    "history": [{"year", "failed", "consequence"}]}. NotFound when no set is published for the year."""
    zone = zone_of(zone)
    years = _years_for(year)
    frame = green_frame(years=years, profile_id=bottom_line_set(year).green_profile)
    return assess(frame=frame, zone_id=zone.pk, year=year, frozen=frozen_records(years=years, zone_ids=[zone.pk]))


def zones_outcomes(*, year: int, zone_ids=None) -> list:
    """Every zone in `zone_ids` (None = all) with its outcome of `year`, by code (one read of the figures)."""
    years = _years_for(year)
    frame = green_frame(years=years, profile_id=bottom_line_set(year).green_profile)
    zones = Zone.objects.defer("geometry").order_by("code")
    zones = zones if zone_ids is None else zones.filter(pk__in=zone_ids)
    frozen = frozen_records(years=years, zone_ids=zone_ids)
    return [{"zone": z, **assess(frame=frame, zone_id=z.pk, year=year, frozen=frozen)} for z in zones]


def summary(*, year: int, zone_ids=None) -> dict | None:
    """For the cockpit: zones assessed, failing any, 通报约谈 and 问责 (with their names); None without a set."""
    if year not in bottom_line_years():
        return None
    outcomes = zones_outcomes(year=year, zone_ids=zone_ids)
    pick = lambda c: [{"code": o["zone"].code, "name": o["zone"].name, "failed": o["failed"]}  # noqa: E731
                      for o in outcomes if o["consequence"] == c]
    confirmed = next((o["confirmed"] for o in outcomes if o["confirmed"]), None)
    return {"year": year, "zones": len(outcomes), "failing": sum(1 for o in outcomes if o["failed"]),
            "talks": pick("通报约谈"), "accountability": pick("问责"),
            "confirmed": confirmed and {"at": confirmed["at"], "by": confirmed["by"], "version": confirmed["version"]},
            "changed": sum(1 for o in outcomes if o["changes"])}


def overview(*, year: int, zone_ids=None) -> list:
    """Per zone in `zone_ids` (None = all), by code: its outcome of `year` (zones_outcomes), its green indicators
    under the set's profile (`green`) and its leading-industry check (`mix`) — what pages, API and workbook show."""
    from parkgov.zones.green import zones_green
    from parkgov.zones.industries import leading_industries

    profile_id = bottom_line_set(year).green_profile
    greens = {g["zone"].pk: g["indicators"] for g in zones_green(year=year, zone_ids=zone_ids, profile_id=profile_id)}
    mixes = {m["zone"].pk: m for m in leading_industries(year=year, zone_ids=zone_ids)}
    return [{**o, "green": greens[o["zone"].pk], "mix": mixes[o["zone"].pk]}
            for o in zones_outcomes(year=year, zone_ids=zone_ids)]
