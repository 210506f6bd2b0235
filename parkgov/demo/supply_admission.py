"""The demo's 准入联审: applications in every state (草稿 … 已签约, 已撤回) and every outcome (通过, 有条件通过,
不通过), each step made by the demo account whose role the workflow table names (parkgov.supply.admission):

- one approved and contracted onto a 批而未供 parcel of the development zone (its commitments in the contract);
- one approved and waiting for its contract; one conditional, its investor a firm rated D in the latest
  evaluation (an investor check that warns), with conditions;
- one rejected by the negative list (炼焦, 淘汰类), one rejected by the thresholds (220 万元/亩 < 280);
- one sent back by 住建 (退回补正), one resubmitted into a second round, one in review with some opinions, one
  submitted, one draft, one withdrawn.

Which firm and parcel are used is fixed by the seed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.contrib.auth import get_user_model

from parkgov.accounts.scopes import scope_for
from parkgov.codes.uscc import make_uscc
from parkgov.demo.evidence import record_pdf
from parkgov.supply import admission
from parkgov.supply.admission_contract import contract_from_application
from parkgov.supply.admission_rules import review_rules

ZONE = "SZ-KFQ-JX"  # 机械汽配产业园: the development zone's profile (guanyun-2020 in thresholds/zones.yaml)
BASE = {"land_mu": 30, "fixed_investment": 9600, "expected_output": 36000, "expected_tax": 480,
        "expected_value_added": 7800, "energy_tce": 2600, "emissions_t": 6.5, "employees": 260, "plot_ratio": 1.3,
        "building_coefficient": 45, "admin_share": 6, "green_ratio": 12, "rd_share": 3.2}
PROJECTS = [  # (plan, project, industry, overrides)
    ("contracted", "年产 50 万套新能源汽车电驱部件项目", "3670", {}),
    ("approved", "工业自动控制系统装置研发制造项目", "4011", {"land_mu": 20, "fixed_investment": 6400,
                                                          "expected_tax": 300}),
    ("conditional", "智能厨电技改扩产项目", "3854", {"green_ratio": 15}),
    ("rejected_negative", "焦化项目", "2521", {}),
    ("rejected_thresholds", "塑料零件制造项目", "2929", {"fixed_investment": 6600, "expected_tax": 210}),
    ("changes", "光电子器件制造项目", "3976", {}),
    ("second_round", "电线电缆扩产项目", "3831", {}),
    ("reviewing", "半导体专用设备制造项目", "3562", {}),
    ("submitted", "汽车零部件二期项目", "3670", {"land_mu": 15, "fixed_investment": 4500}),
    ("draft", "厨具电器配套项目", "3854", {"land_mu": 8, "fixed_investment": 2400}),
    ("withdrawn", "运动服装生产项目", "1811", {"land_mu": 12, "fixed_investment": 3000}),
]


def build(*, data, seed: int, actor) -> int:
    """Make the applications; returns how many."""
    from parkgov.ledger.models import Zone

    rng = np.random.default_rng(seed + 15)
    zone = Zone.objects.get(code=ZONE)
    class_d, parcel = _class_d_firm(rng), _parcel(rng)
    for index, (plan, project, industry, overrides) in enumerate(PROJECTS):
        investor = (class_d.credit_code, class_d.name) if plan == "conditional" and class_d else (
            make_uscc("9", "1", "330683", f"MA7{seed % 1000:03d}{index:02d}"[-8:]), f"浙江演示{project[:4]}有限公司")
        fields = {**BASE, **overrides, "investor_credit_code": investor[0], "investor_name": investor[1],
                  "project_name": project, "industry_code": industry}
        where = parcel.zone if plan == "contracted" and parcel else zone
        app = admission.create_application(zone=where, documents=[("可行性研究报告.pdf", record_pdf(title="feasibility study"))],
                                           document_kind="可研报告", **_as("investment"), **fields)
        _advance(app, plan, seed=seed, parcel=parcel)
    return len(PROJECTS)


def _as(username) -> dict:
    user = get_user_model().objects.get(username=username)
    return {"actor": user, "scope": scope_for(user)}


def _advance(app, plan, *, seed, parcel):
    if plan == "draft":
        return
    if plan == "withdrawn":
        admission.withdraw(application=app, comment="投资方调整投资计划，撤回申请", **_as("investment"))
        return
    admission.transition(application=app, action="submit", **_as("investment"))
    if plan == "submitted":
        return
    admission.transition(application=app, action="start_review", **_as("committee"))
    departments = review_rules().departments
    if plan == "reviewing":
        for department in departments[:3]:
            admission.give_opinion(application=app, decision="approve", comment="", **_as(department))
        return
    if plan in ("changes", "second_round"):
        admission.give_opinion(application=app, decision="approve", **_as(departments[0]))
        admission.give_opinion(application=app, decision="changes", comment="请补充建筑方案的容积率测算与消防设计说明",
                               **_as("housing"))
        if plan == "second_round":
            admission.transition(application=app, action="resubmit", comment="已补充容积率测算与消防设计说明",
                                 **_as("investment"))
            admission.give_opinion(application=app, decision="approve", **_as("housing"))
        return
    _all_opinions(app, plan)
    if plan.startswith("rejected"):
        why = "属负面清单淘汰类产业，不予准入" if plan == "rejected_negative" else "投资强度、亩均税收未达到园区准入标准"
        admission.decide(application=app, outcome="rejected", comment=why, **_as("committee"))
        return
    if plan == "conditional":
        admission.decide(application=app, outcome="conditional", comment="投资主体亩均评价为 D 类，附条件准入",
                         conditions="投资主体现有地块须在两年内完成技改提升，亩均税收达到 15 万元/亩；新项目达产前不得转让",
                         **_as("committee"))
        return
    admission.decide(application=app, outcome="approved", comment="各项核查符合准入标准", **_as("committee"))
    if plan == "contracted" and parcel is not None:
        signed = dt.date(2025, 6, 30)
        contract_from_application(application=app, parcel=parcel, number=f"SZ-BZD-{seed}-A01", signed_on=signed,
                                  delivered_on=dt.date(2025, 7, 15), agreed_start=dt.date(2026, 1, 15),
                                  agreed_completion=dt.date(2027, 7, 15), agreed_production=dt.date(2028, 7, 15),
                                  breach_rule=_breach_rule(), **_as("committee"))


def _all_opinions(app, plan):
    for department in review_rules().departments:
        decision, comment = "approve", ""
        if plan == "rejected_negative" and department == "development_reform":
            decision, comment = "reject", "《产业结构调整指导目录》淘汰类，不同意"
        elif plan == "rejected_thresholds" and department == "natural_resources":
            decision, comment = "reject", "投资强度 220 万元/亩，低于 280 万元/亩"
        admission.give_opinion(application=app, decision=decision, comment=comment, **_as(department))


def _class_d_firm(rng):
    from parkgov.evaluation.models import EvaluationResult, EvaluationRun

    run = EvaluationRun.objects.order_by("-year", "-created_at", "-id").first()
    if run is None:
        return None
    firms = list(EvaluationResult.objects.filter(run=run, class_final="D").select_related("enterprise")
                 .order_by("enterprise__credit_code"))
    return firms[int(rng.integers(len(firms)))].enterprise if firms else None


def _parcel(rng):
    """A 批而未供 parcel without a contract (by the seed); the contracted application is filed in its zone."""
    from parkgov.ledger.models import Parcel

    candidates = list(Parcel.objects.filter(supply_status="approved_not_supplied", contracts__isnull=True)
                      .select_related("zone").order_by("code"))
    return candidates[int(rng.integers(len(candidates)))] if candidates else None


def _breach_rule() -> str:
    from parkgov.supply.admission_contract import BREACH_DIR

    rules = sorted(p.stem for p in BREACH_DIR.glob("*.yaml")) if BREACH_DIR.is_dir() else []
    return rules[0] if rules else ""
