"""Zone targets and monthly actuals (issue 16 §3, longyan): completion per kind and year with the monthly trend,
and the figures of the cockpit card (key-project investment, standard plants, special bonds).

A zone's targets are its own (a development zone's do not include its parks'); sums over several zones add the
zones the caller names, which the pages take from `Scope.zone_ids`, so a page, the API and the PDF show the same
figures. Completion % = actual to date ÷ annual target × 100. Services never commit.
"""

from django.db.models import Sum

from parkgov.errors import InputError, NotFound
from parkgov.ledger.models import Submission, Zone
from parkgov.zones.models import ZoneActual, ZoneTarget
from parkgov.zones.target_rules import target_rules


def _pct(done, target):
    return round(done / target * 100, 1) if target else None


def check_period(*, year: int, month: int | None = None) -> None:
    """Refuse a year outside 2000–2100 or a month outside 1–12, naming the value."""
    if not 2000 <= year <= 2100:
        raise InputError(f"年度 {year} 不在允许范围 2000–2100")
    if month is not None and not 1 <= month <= 12:
        raise InputError(f"月份 {month} 不在允许范围 1–12")


def set_target(*, zone, year: int, kind: str, target: float, source: str = "") -> ZoneTarget:
    """Create or change a zone's target of `kind` for `year` (kind from data/targets.yaml)."""
    target_rules().kind(kind)
    check_period(year=year)
    if target < 0:
        raise InputError(f"年度目标 {target} 不能为负数")
    row, _ = ZoneTarget.objects.update_or_create(zone=zone, year=year, kind=kind,
                                                 defaults={"target": target, "source": source})
    return row


def record_actual(*, zone, year: int, month: int, kind: str, value: float, submission_id=None) -> ZoneActual:
    """Create or change what a zone completed of `kind` in one month."""
    target_rules().kind(kind)
    check_period(year=year, month=month)
    row, _ = ZoneActual.objects.update_or_create(zone=zone, year=year, month=month, kind=kind,
                                                 defaults={"value": value, "submission_id": submission_id})
    return row


def zone_progress(*, zone, year: int) -> dict:
    """Targets, actuals to date and completion % of one zone and year, per kind with its monthly trend, and the
    key projects' investment (projects.project_totals).

    {"zone", "zone_name", "year", "as_of_month", "kinds": [{"code", "name", "unit", "target", "actual",
    "completion_pct", "months": [{"month", "value", "cumulative", "cumulative_pct"}]}], "projects": {...}}
    """
    from parkgov.zones.projects import project_totals

    check_period(year=year)
    targets = dict(ZoneTarget.objects.filter(zone=zone, year=year).values_list("kind", "target"))
    monthly = {}
    for kind, month, value in ZoneActual.objects.filter(zone=zone, year=year).values_list("kind", "month", "value"):
        monthly.setdefault(kind, {})[month] = value
    as_of = max((m for months in monthly.values() for m in months), default=None)
    kinds = []
    for kind in target_rules().kinds:
        values, cumulative, months = monthly.get(kind.code, {}), 0.0, []
        target = targets.get(kind.code)
        for month in range(1, (as_of or 0) + 1):
            cumulative += values.get(month, 0.0)
            months.append({"month": month, "value": values.get(month), "cumulative": round(cumulative, 2),
                           "cumulative_pct": _pct(cumulative, target)})
        actual = round(sum(values.values()), 2) if values else None
        kinds.append({"code": kind.code, "name": kind.name, "unit": kind.unit, "target": target, "actual": actual,
                      "completion_pct": _pct(actual or 0.0, target) if actual is not None else None,
                      "months": months})
    return {"zone": zone.code, "zone_name": zone.name, "year": year, "as_of_month": as_of, "kinds": kinds,
            "projects": project_totals(zone_ids=[zone.pk], year=year)}


def scoped_zone(*, code: str, zone_ids) -> Zone:
    """The zone of `code` if the caller may see it (NotFound otherwise)."""
    zone = Zone.objects.defer("geometry").filter(code=code).first()
    if zone is None or (zone_ids is not None and zone.pk not in zone_ids):
        raise NotFound(f"园区 {code} 不存在或不在您的数据范围内")
    return zone


def targets_table(*, year: int, zone_ids) -> list:
    """One row per zone in scope with targets or actuals in `year`: each kind's target, actual and completion %."""
    check_period(year=year)
    zones = Zone.objects.defer("geometry").order_by("code")
    zones = zones if zone_ids is None else zones.filter(pk__in=zone_ids)
    targets = {(z, k): t for z, k, t in ZoneTarget.objects.filter(year=year).values_list("zone_id", "kind", "target")}
    actuals = {(r["zone_id"], r["kind"]): r["done"] for r in
               ZoneActual.objects.filter(year=year).values("zone_id", "kind").annotate(done=Sum("value"))}
    rows = []
    for zone in zones:
        cells = [{"code": k.code, "target": targets.get((zone.pk, k.code)), "actual": actuals.get((zone.pk, k.code)),
                  "pct": _pct(actuals.get((zone.pk, k.code)) or 0.0, targets.get((zone.pk, k.code)))}
                 for k in target_rules().kinds]
        if any(c["target"] is not None or c["actual"] is not None for c in cells):
            rows.append({"zone": zone, "cells": cells})
    return rows


def cockpit_card(*, year: int, zone_ids) -> dict | None:
    """The cockpit's 重点项目与目标 card for the zones in scope: key-project investment completed vs the annual
    target (亿元), standard-plant floor area built vs target (万平方米), special bonds approved vs disbursed (亿元)."""
    from parkgov.zones.projects import project_totals

    projects = project_totals(zone_ids=zone_ids, year=year)
    targets, actuals = ZoneTarget.objects.filter(year=year), ZoneActual.objects.filter(year=year)
    if zone_ids is not None:
        targets, actuals = targets.filter(zone_id__in=zone_ids), actuals.filter(zone_id__in=zone_ids)
    target = dict(targets.values("kind").annotate(t=Sum("target")).values_list("kind", "t"))
    done = dict(actuals.values("kind").annotate(d=Sum("value")).values_list("kind", "d"))
    if not projects["count"] and not target and not done:
        return None
    plant, plant_target = done.get("plant_area"), target.get("plant_area")
    approved, disbursed = done.get("bond_approved"), done.get("bond_disbursed")
    return {"year": year, "as_of_month": projects["as_of_month"], "projects": projects["count"],
            "invested_yi": round(projects["invested"] / 10000, 2),
            "target_yi": round(projects["annual_target"] / 10000, 2),
            "invested_pct": projects["completion_pct"], "late": projects["late"], "missing": projects["missing"],
            "plant": None if plant is None else round(plant, 2), "plant_target": plant_target,
            "plant_pct": _pct(plant or 0.0, plant_target),
            "bond_approved_yi": None if approved is None else round(approved / 10000, 2),
            "bond_disbursed_yi": None if disbursed is None else round(disbursed / 10000, 2),
            "bond_pct": _pct(disbursed or 0.0, approved)}


def enter_zone_year(*, zone, year: int, targets: dict, actuals: dict, actor, department: str = "",
                    source: str = "") -> dict:
    """The web entry of one zone's year (issue 16 §3): `targets` kind → annual target, `actuals` (kind, month) →
    the month's amount; None clears a value. Every kind and value is checked before anything is written; only
    changed rows are written (each change is recorded in the models' history, by the caller's acting_as), the
    new and changed actuals citing one Submission (method form). Returns {"targets", "actuals", "cleared"}."""
    rules = target_rules()
    check_period(year=year)
    for kind in {*targets, *(k for k, _m in actuals)}:
        rules.kind(kind)
    for (kind, month), value in actuals.items():
        check_period(year=year, month=month)
    for kind, value in targets.items():
        if value is not None and value < 0:
            raise InputError(f"{rules.kind(kind).name} 年度目标 {value:g} 不能为负数")
    old_targets = {t.kind: t for t in ZoneTarget.objects.filter(zone=zone, year=year)}
    old_actuals = {(a.kind, a.month): a for a in ZoneActual.objects.filter(zone=zone, year=year)}
    counts = {"targets": 0, "actuals": 0, "cleared": 0}
    for kind, value in targets.items():
        row = old_targets.get(kind)
        if value is None and row is not None:
            row.delete()
            counts["cleared"] += 1
        elif value is not None and (row is None or row.target != value or (source and row.source != source)):
            set_target(zone=zone, year=year, kind=kind, target=value, source=source or (row.source if row else ""))
            counts["targets"] += 1
    submission = None
    for key, value in sorted(actuals.items()):
        row = old_actuals.get(key)
        if value is None and row is not None:
            row.delete()
            counts["cleared"] += 1
        elif value is not None and (row is None or row.value != value):
            if submission is None:
                submission = Submission.objects.create(method="form", department=department, actor=actor,
                                                       summary={"zone": zone.code, "year": year, "sheet": "园区目标"})
            record_actual(zone=zone, year=year, month=key[1], kind=key[0], value=value,
                          submission_id=submission.pk)
            counts["actuals"] += 1
    return counts
