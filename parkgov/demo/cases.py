"""The demo's 四个一批 decisions and 一地一企一策 cases, made by the demo accounts through the real services.

Each case is opened by the 管委会 from an entry of a 2025 list, then taken as far as its plan says, every step
by the user whose role or department the workflow table names (parkgov.governance.cases): 待派, 已派,
整改中, 待核验 with some departments signed, 已销号 with every sign-off and the 亩 it freed, 退回 after a
department's 不同意 and back in 整改中, 延期 with a new deadline, overdue ones (deadline already past), and a
chemical site's seven-step restoration. Which entries get a case is fixed by the seed; deadlines count from
the day of the build (so that "overdue" means overdue when the demo is looked at).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from parkgov.accounts.scopes import scope_for
from parkgov.audit.context import acting_as
from parkgov.demo.evidence import photo_png, record_pdf
from parkgov.units import square_metres_to_mu

LIST_YEAR = 2025
COMMITTEE = "committee"


@dataclass(frozen=True)
class Source:
    """Where a kind of case comes from: a list rule (and preferred sub-lists), its departments and measures."""

    rule_id: str
    categories: tuple
    lead: str
    departments: tuple
    title: str
    measures: str
    disposition: str = ""  # what the 管委会 decides when it overrides the suggestion (see `decides`)
    decides: bool = False  # the 管委会 decides `disposition` whatever the suggestion (with its reason)
    reason: str = ""
    frees_land: bool = False
    tax_target: float | None = None


SOURCES = {
    "low": Source("low-efficiency-firms", ("连续D类", "<5万元/亩"), "economy", ("economy", "natural_resources"),
                  "亩均低效企业整治：{name}", "一企一策：技改扩产、盘活闲置厂房，亩均税收达到 15 万元/亩以上", "upgrade",
                  tax_target=15.0),
    "collective": Source("collective-industrial-land", ("无合法用地手续", "安全环保隐患", "建筑结构老化"),
                         "natural_resources", ("natural_resources", "enforcement"), "集体工业用地整治：{name}",
                         "拆除违法建筑，复垦或按规划重建，腾退土地纳入统一收储", "rebuild", frees_land=True),
    "polluting": Source("low-scattered-polluting", (), "ecology", ("ecology", "emergency"), "“低散乱污”整治：{name}",
                        "限期整改环保、安全隐患；整改不达标的关停退出", "upgrade"),
    "idle": Source("supplied-not-used", ("满两年未动工", "满一年未动工"), "natural_resources",
                   ("natural_resources", "economy"), "供而未用土地处置：{name}",
                   "督促限期动工；满两年未动工的依法收回", "exit", decides=True,
                   reason="满两年未动工，依《闲置土地处置办法》第十四条收回", frees_land=True),
    "chemical": Source("riverside-chemical", (), "ecology", ("ecology", "natural_resources", "emergency"),
                       "沿江化工企业退出与地块生态修复：{name}", "企业关闭退出，按“七位一体”完成地块生态修复后再利用",
                       "exit", decides=True, reason="沿江一公里化工企业全部腾退（常州经验），关停退出", frees_land=True),
}
# (source, plan, deadline in days from today): the plan is the last step taken; "overdue" cases have a deadline
# already past, "extended" ones got a new one.
PLANS = (
    ("low", "to_dispatch", 120), ("collective", "to_dispatch", 150),
    ("polluting", "dispatched", 90), ("idle", "dispatched", -12),
    ("low", "rectifying", 100), ("collective", "rectifying", -25), ("polluting", "extended", 20),
    ("collective", "to_verify_partly", 45), ("low", "to_verify", 30),
    ("polluting", "returned", 60),
    ("collective", "closed", 40), ("idle", "closed", 30), ("low", "closed", 20),
    ("chemical", "restoration", 365),
)
PLAN_COUNTS = {key: sum(1 for s, _p, _d in PLANS if s == key) for key in SOURCES}
RESTORATION_DONE = ("closure_demolition", "pollution_survey", "ownership_adjustment")


def build_cases(*, seed: int) -> int:
    """四个一批 for both list years, then the demo cases of PLANS; returns the number of cases opened."""
    from parkgov.governance.dispositions import suggest_dispositions

    users = _users()
    actor = users[COMMITTEE]
    with transaction.atomic(), acting_as(actor, reason="演示园区四个一批建议"):
        for year in (LIST_YEAR - 1, LIST_YEAR):
            suggest_dispositions(year=year, actor=actor)
    entries = _pick_entries(seed)
    today = timezone.localdate()
    opened = 0
    for number, (source, plan, days) in enumerate(PLANS):
        entry = entries[source].pop(0) if entries[source] else None
        if entry is None:
            continue
        with transaction.atomic(), acting_as(actor, reason="演示园区治理案件"):
            _play(SOURCES[source], plan, entry, today + dt.timedelta(days=days), users, shade=number)
        opened += 1
    return opened


def _users() -> dict:
    """Department code → the demo account acting for it (the 管委会 under its own role code too)."""
    users = {u.username: u for u in get_user_model().objects.filter(profile__isnull=False)}
    return {**users, "zone_committee": users[COMMITTEE]}


def _pick_entries(seed: int) -> dict:
    """Source → the 2025 entries to open cases on, preferred sub-lists first, shuffled by the seed; a subject
    gets one case at most. The chemical site falls back on a chemical firm of the 亩均 list without a river."""
    from parkgov.governance.lists import latest_run

    rng = np.random.default_rng([seed, 14])
    taken, picked = set(), {}
    for key, source in SOURCES.items():
        run = latest_run(rule_id=source.rule_id, year=LIST_YEAR)
        rows = list(run.entries.select_related("enterprise", "parcel").order_by("subject_key")) if run else []
        if key == "chemical" and not rows:
            low = latest_run(rule_id="low-efficiency-firms", year=LIST_YEAR)
            rows = list(low.entries.filter(enterprise__industry_code__startswith="26")
                        .select_related("enterprise", "parcel").order_by("subject_key")) if low else []
        order = rng.permutation(len(rows))
        rank = {c: i for i, c in enumerate(source.categories)}
        chosen = sorted((rows[i] for i in order), key=lambda e: rank.get(e.category, len(rank)))
        picked[key] = [e for e in chosen if e.subject_key not in taken]
        taken.update(e.subject_key for e in picked[key][:PLAN_COUNTS.get(key, 0)])
    return picked


def _play(source: Source, plan: str, entry, deadline: dt.date, users: dict, shade: int):
    """Open the case on `entry` and take it through the steps `plan` needs."""
    from parkgov.governance import cases

    committee = users[COMMITTEE]
    parcel = entry.parcel or _main_parcel(entry.enterprise)
    name = entry.enterprise.name if entry.enterprise else entry.parcel.code
    targets = {"free_mu": round(square_metres_to_mu(parcel.registered_area_m2), 2)} \
        if source.frees_land and parcel is not None else {}
    if source.tax_target:
        targets["tax_per_mu"] = source.tax_target
    restoration = plan == "restoration"
    case = cases.open_case(
        actor=committee, scope=scope_for(committee), title=source.title.format(name=name),
        departments=list(source.departments), lead_department=source.lead, deadline=deadline,
        enterprise=entry.enterprise, parcel=parcel, list_entry=entry,
        disposition=_decided_disposition(parcel, source, committee), measures=source.measures,
        workflow="chemical_restoration" if restoration else "case", targets=targets)
    if plan == "to_dispatch":
        return
    _do(case, "dispatch", committee)
    if plan == "dispatched":
        return
    lead = users[case.lead_department]
    _do(case, "accept", lead, comment="已接收，制定整改方案")
    if plan == "rectifying":
        return
    if plan == "extended":
        _do(case, "extend", committee, comment="企业申请延期：设备改造需停产检修，管委会同意延期",
            new_deadline=deadline + dt.timedelta(days=90))
        return
    if restoration:
        _restoration_steps(case, users)
        return
    _do(case, "submit", lead, comment="整改完成，申请核验",
        attachments=[("整改现场照片.png", photo_png(shade=shade))])
    if plan == "to_verify":
        return
    others = [d for d in case.departments if d != case.lead_department]
    if plan == "to_verify_partly":
        _sign(case, users[others[0]] if others else lead, "approve", "现场核查，本部门事项整改到位")
        return
    if plan == "returned":
        _sign(case, users[others[0]], "reject", "现场复查仍有隐患：危废暂存间未按规范设置")
        _do(case, "return", committee, comment="责任部门不同意销号，退回继续整改")
        return
    for department in case.departments:
        _sign(case, users[department], "approve", "项目化验收：现场核查，整改到位")
    _do(case, "close", committee, comment="经各责任部门验收合格，同意销号",
        attachments=[("验收记录.pdf", record_pdf(title=f"acceptance {case.number}"))])


def _do(case, action, user, comment="", new_deadline=None, attachments=()):
    from parkgov.governance.cases import transition

    case.refresh_from_db()
    transition(case=case, action=action, actor=user, scope=scope_for(user), comment=comment,
               new_deadline=new_deadline, attachments=attachments)


def _sign(case, user, decision, comment):
    from parkgov.governance.cases import sign_off

    case.refresh_from_db()
    sign_off(case=case, actor=user, scope=scope_for(user), decision=decision, comment=comment)


def _restoration_steps(case, users):
    """The first steps of the chemical site's restoration, each by its department, with a photo."""
    from parkgov.governance.cases import complete_step

    for number, code in enumerate(RESTORATION_DONE):
        step = case.steps.get(code=code)
        user = users[step.department]
        case.refresh_from_db()
        complete_step(case=case, step_code=code, actor=user, scope=scope_for(user), note="已完成，附现场照片",
                      attachments=[(f"{code}.png", photo_png(shade=40 + number * 20))])


def _main_parcel(enterprise):
    """The firm's holder parcel, else the parcel it rents the most floor on (None without land)."""
    links = enterprise.land_links.select_related("parcel").order_by("role", "-land_area_m2", "-floor_area_m2", "id")
    link = links.first()
    return link.parcel if link else None


def _decided_disposition(parcel, source: Source, committee) -> str:
    """The 管委会 decides the parcel's 四个一批 of LIST_YEAR: the suggestion, or the source's own (with its reason)
    where the source decides; a parcel without a suggestion keeps the source's disposition on the case."""
    from parkgov.governance.dispositions import decide
    from parkgov.governance.models import DispositionDecision

    row = DispositionDecision.objects.filter(parcel=parcel, year=LIST_YEAR).first() if parcel else None
    if row is None:
        return source.disposition
    chosen = source.disposition if source.decides else row.suggested
    reasons = "" if chosen == row.suggested else source.reason
    decide(decision=row, actor=committee, scope=scope_for(committee), disposition=chosen, reasons=reasons)
    return chosen
