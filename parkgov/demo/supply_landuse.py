"""The demo's land control, 零增地 and land quota (issue 15 §4–§5), made by the demo accounts through the services.

1. Control indicators: the generator's buildings already break each indicator on some parcels (low 容积率 on
   low-efficiency land, thin coverage, large offices, garden-like green); an indicator without a violation gets
   one on a chosen checked parcel (its area changed through the model's validation, with history).
2. 零增地: a few built parcels record a renovation that brought them to their present plot ratio (storeys
   added, the plot ratio before, the floor area added = the change × the land area), so the ledger stays as is.
3. Quota: the governance demo's chemical-site restoration is carried through its remaining steps to 销号 by
   the departments the workflow names — closing it credits its zone (governance's case_closed signal); then
   debits for the zone's most recently supplied parcels, an approved transfer and a pending one.
Every choice is fixed by the seed and the data.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
from django.contrib.auth import get_user_model

from parkgov.accounts.scopes import scope_for
from parkgov.demo.evidence import photo_png, record_pdf
from parkgov.governance.lists import operator_scope
from parkgov.units import square_metres_to_mu

# indicator → (area field, factor of the limit it is set to): just past the limit
NUDGES = {"plot_ratio": ("floor_area_m2", 0.8), "building_coefficient": ("footprint_area_m2", 0.8),
          "admin_share": ("admin_area_m2", 1.3), "green_ratio": ("green_area_m2", 1.3)}
RENOVATIONS = 6


def build(*, data, seed: int, actor) -> int:
    """Violations of each kind, renovations and quota movements; returns the rows it wrote."""
    rng = np.random.default_rng([seed, 15, 4])
    users = {u.username: u for u in get_user_model().objects.filter(profile__isnull=False)}
    written = _ensure_violations(actor=actor)
    written += _renovations(rng, users["natural_resources"])
    written += _quota(users)
    return written


def _ensure_violations(*, actor) -> int:
    from parkgov.ledger.models import Parcel
    from parkgov.supply.control import control_rows, ControlFilters

    rows = control_rows(scope=operator_scope(), filters=ControlFilters(violations_only=False))
    violated = {r["indicator"] for r in rows if r["violated"]}
    changed = 0
    for indicator, (field, factor) in NUDGES.items():
        if indicator in violated:
            continue
        row = next((r for r in rows if r["indicator"] == indicator and r["status"] == "ok"), None)
        if row is None:
            continue
        parcel = Parcel.objects.get(pk=row["parcel_id"])
        land = parcel.registered_area_m2
        divisor = 1 if indicator == "plot_ratio" else 100
        setattr(parcel, field, round(row["limit"] * factor * land / divisor, 2))
        parcel.full_clean()
        parcel._history_user = actor
        parcel.save()
        changed += 1
    return changed


def _renovations(rng, user) -> int:
    from parkgov.supply.control import parcel_inputs
    from parkgov.supply.renovations import record

    scope = scope_for(user)
    frame = parcel_inputs(scope=scope).filter(
        pl.col("land_use_code").fill_null("").str.starts_with("1001") & (pl.col("floor_area_m2") > 0)
        & (pl.col("registered_area_m2") > 3000)).with_columns(
        (pl.col("floor_area_m2") / pl.col("registered_area_m2")).alias("ratio")).filter(pl.col("ratio") > 1.0) \
        .sort("code")
    if frame.is_empty():
        return 0
    picks = rng.choice(frame.height, size=min(RENOVATIONS, frame.height), replace=False)
    for number, index in enumerate(sorted(picks)):
        row = frame.row(int(index), named=True)
        storeys = 1 + number % 2
        after = round(row["ratio"], 2)
        before = round(after * (1 - 0.18 * storeys), 2)
        record(scope=scope, actor=user, parcel_code=row["code"], completed_on=dt.date(2023 + number % 3, 3 + number, 15),
               storeys_added=storeys, plot_ratio_before=before, plot_ratio_after=after,
               floor_area_added_m2=round((after - before) * row["registered_area_m2"], 2),
               note="厂房加层改造（演示）")
    return len(picks)


def _quota(users) -> int:
    from parkgov.governance.models import Case
    from parkgov.supply.models import QuotaMovement

    case = Case.objects.filter(workflow="chemical_restoration").order_by("number").first()
    if case is None:
        return 0
    _finish_restoration(case, users)
    credit = QuotaMovement.objects.filter(case=case, kind="credit").first()
    if credit is None:
        return 0
    day = credit.moved_on  # the day of 销号 (the build's day): every later movement comes after the credit
    return 1 + _debits(case.zone, credit.mu, users["natural_resources"], day) + _transfers(case.zone, credit.mu, users, day)


def _finish_restoration(case, users):
    """The steps the governance demo left, each by its department, then 提交核验, every 同意 and 销号."""
    from parkgov.governance.cases import complete_step, sign_off, transition

    committee = users["committee"]
    by_department = {**users, "zone_committee": committee}
    for number, step in enumerate(case.steps.exclude(status="done").order_by("order")):
        person = by_department[step.department]
        case.refresh_from_db()
        complete_step(case=case, step_code=step.code, actor=person, scope=scope_for(person), note="已完成（演示）",
                      attachments=[(f"{step.code}.png", photo_png(shade=120 + number * 15))])
    lead = by_department[case.lead_department]
    case.refresh_from_db()
    transition(case=case, action="submit", actor=lead, scope=scope_for(lead), comment="七个步骤全部完成，申请核验",
               attachments=[("修复验收现场.png", photo_png(shade=200))])
    for department in case.departments:
        person = by_department[department]
        case.refresh_from_db()
        sign_off(case=case, actor=person, scope=scope_for(person), decision="approve", comment="生态修复验收合格")
    case.refresh_from_db()
    transition(case=case, action="close", actor=committee, scope=scope_for(committee),
               comment="生态修复通过评审验收，同意销号，释放用地指标",
               attachments=[("修复验收记录.pdf", record_pdf(title=f"restoration {case.number}"))])


def _debits(zone, credited: float, user, day) -> int:
    """Up to two of the zone's most recently supplied parcels use part of the quota (≤ 30 % of it each)."""
    from parkgov.ledger.models import Parcel
    from parkgov.supply.quota import debit

    parcels = Parcel.objects.filter(zone=zone, supply_date__isnull=False).exclude(
        supply_status="approved_not_supplied").order_by("-supply_date", "code")[:2]
    for parcel in parcels:
        # to the hundredth of a 亩 below, so a parcel's whole area never rounds above itself
        mu = math.floor(min(square_metres_to_mu(parcel.registered_area_m2), 0.3 * credited) * 100) / 100
        debit(scope=scope_for(user), actor=user, zone=zone, parcel=parcel, mu=mu,
              moved_on=day, note="新增供地使用腾退指标（演示）")
    return len(parcels)


def _transfers(zone, credited: float, users, day) -> int:
    """One approved transfer (20 % of the credit) and one pending (10 %) to the next zones with land."""
    from parkgov.ledger.models import Zone
    from parkgov.supply.quota import decide_transfer, request_transfer

    others = list(Zone.objects.exclude(pk=zone.pk).filter(parcels__isnull=False).distinct().order_by("code")[:2])
    if not others:
        return 0
    requester, committee = users["natural_resources"], users["committee"]
    approved = request_transfer(scope=scope_for(requester), actor=requester, from_zone=zone, to_zone=others[0],
                                mu=round(0.2 * credited, 2), reason="重点产业项目落地，申请调剂腾退指标（演示）",
                                requested_on=day)
    decide_transfer(scope=scope_for(committee), actor=committee, transfer=approved, approve=True,
                    note="同意调剂，优先保障重大项目（演示）", decided_on=day)
    request_transfer(scope=scope_for(requester), actor=requester, from_zone=zone, to_zone=others[-1],
                     mu=round(0.1 * credited, 2), reason="小微企业园扩园，申请调剂（演示）", requested_on=day)
    return 2
