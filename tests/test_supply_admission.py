"""Issue 15 §1 准入联审 services on the database: filing with checked fields, the workflow and who may make each
step, department opinions once per round, 退回补正 and a new round, the outcome rules, investor checks from the
ledger, the contract carrying the commitments, scope."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from parkgov.accounts.scopes import scope_for
from parkgov.errors import ConflictError, InputError, NotFound
from parkgov.ledger.models import Enterprise, LandLink, Parcel, Zone
from parkgov.supply import admission
from parkgov.supply.admission_contract import contract_from_application
from parkgov.supply.models import Application, ApplicationEvent, Contract, IdleCheck, ReviewRun
from parkgov.testing import (application_fields, cases_world, give_all_opinions, make_application, pdf_bytes,
                             png_bytes, uscc)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    cases_world()


def user(name):
    return get_user_model().objects.get(username=name)


def as_(name):
    return {"actor": user(name), "scope": scope_for(user(name))}


def test_filing_numbers_the_application_and_records_the_zone_profile(world):
    app = make_application()
    assert app.number == f"ZR-{dt.date.today().year}-0001" and app.state == "draft"
    assert app.threshold_profile == "guanyun-2020"  # zones.yaml: SZ → guanyun-2020
    child = make_application(zone_code="SZ-XW1")
    assert child.number.endswith("-0002") and child.threshold_profile == "guanyun-2020"  # inherited from SZ
    assert list(ApplicationEvent.objects.filter(application=app).values_list("action", flat=True)) == ["create"]


def test_refused_fields_are_named_in_chinese(world):
    with pytest.raises(InputError) as error:
        make_application(investor_credit_code="91330683MA0000000X", industry_code="9999", land_mu=0,
                         green_ratio=120, related_credit_codes="abc")
    message = str(error.value)
    assert "投资主体统一社会信用代码“91330683MA0000000X”无效：校验码错误" in message
    assert "行业代码“9999”不在 GB/T 4754-2017" in message
    assert "拟用地面积（亩）应大于 0，实为 0" in message
    assert "绿地率（%）应在 0 至 100 之间，实为 120" in message
    assert "关联企业统一社会信用代码“abc”无效：长度应为18位" in message
    assert not Application.objects.exists()


def test_related_firm_may_not_be_the_investor(world):
    with pytest.raises(InputError, match="就是投资主体本身"):
        make_application(related_credit_codes=[uscc(900)])


def test_roles_that_may_not_file(world):
    with pytest.raises(PermissionDenied, match="角色“生态环境”不能填报准入申请"):
        make_application(user="ecology")
    with pytest.raises(PermissionDenied, match="无权修改此数据"):
        make_application(user="emergency")  # no supply domain at all


def test_full_review_to_contract(world):
    app = make_application(state="reviewing")
    assert app.checks and {c["kind"] for c in app.checks} == {"threshold", "negative_list", "investor"}
    give_all_opinions(app)
    admission.decide(application=app, outcome="approved", comment="符合准入标准", **as_("committee"))
    assert (app.state, app.outcome, app.decided_on) == ("decided", "approved", dt.date.today())
    assert any(r["kind"] == "opinion" for r in app.outcome_reasons)
    parcel = Parcel.objects.get(code="SZ-0003")
    Parcel.objects.filter(pk=parcel.pk).update(supply_status="approved_not_supplied")
    parcel.refresh_from_db()
    contract = contract_from_application(application=app, parcel=parcel, number="HT-2026-001",
                                         signed_on=dt.date(2026, 3, 1), agreed_start=dt.date(2026, 9, 1),
                                         agreed_completion=dt.date(2027, 9, 1),
                                         agreed_production=dt.date(2028, 9, 1), breach_rule="", **as_("committee"))
    # 2800 万元 / 10 亩 = 280; 150 / 10 = 15; 6000 万元 / 1200 tce = 5; 6000 / 3 t = 2000
    assert contract.indicators == {"investment_intensity": 280, "tax_per_mu": 15, "plot_ratio": 1.2,
                                   "building_coefficient": 40, "rd_share": 3.5, "energy_value_added": 5,
                                   "emission_value_added": 2000}
    assert contract.application == app and contract.total_investment == 2800
    # the investor, not in the ledger before, now holds the parcel there from the signing day (so the 标准地承诺
    # export names its credit code and imports back)
    firm = Enterprise.objects.get(credit_code=app.investor_credit_code)
    assert (contract.enterprise, firm.name, firm.industry_code, firm.zone) == \
        (firm, app.investor_name, "3854", parcel.zone)
    assert list(firm.land_links.values_list("parcel__code", "role", "start_date")) == [
        ("SZ-0003", "holder", dt.date(2026, 3, 1))]
    parcel.refresh_from_db()
    assert (parcel.supply_status, parcel.supply_date) == ("supplied_not_used", dt.date(2026, 3, 1))
    app.refresh_from_db()
    assert (app.state, app.parcel) == ("contracted", parcel)
    actions = list(app.events.values_list("action", flat=True))
    assert actions == ["create", "submit", "start_review"] + ["opinion"] * 6 + ["decide", "contract"]
    assert app.history.count() >= 5


def test_steps_in_the_wrong_state_or_by_the_wrong_role_are_refused(world):
    app = make_application()
    with pytest.raises(InputError, match="无法发起联审：准入申请 .* 处于“草稿”，只有处于“已受理”时才能发起联审"):
        admission.transition(application=app, action="start_review", **as_("committee"))
    admission.transition(application=app, action="submit", **as_("investment"))
    with pytest.raises(PermissionDenied, match="角色“招商”不能发起联审（可发起联审：管委会）"):
        admission.transition(application=app, action="start_review", **as_("investment"))
    with pytest.raises(InputError, match="未知的准入申请操作“approve”"):
        admission.transition(application=app, action="approve", **as_("committee"))
    with pytest.raises(InputError, match="缺少说明（理由）"):
        admission.withdraw(application=app, comment="", **as_("investment"))


def test_opinion_only_by_a_review_department_once_per_round(world):
    app = make_application(state="reviewing")
    with pytest.raises(PermissionDenied, match="不是联审部门"):
        admission.give_opinion(application=app, decision="approve", **as_("committee"))
    admission.give_opinion(application=app, decision="approve", **as_("ecology"))
    with pytest.raises(InputError, match="生态环境 已在第 1 轮签署意见"):
        admission.give_opinion(application=app, decision="reject", comment="再议", **as_("ecology"))
    with pytest.raises(InputError, match="“不同意”须写明意见说明"):
        admission.give_opinion(application=app, decision="reject", **as_("housing"))
    with pytest.raises(InputError, match="联审意见“maybe”无效"):
        admission.give_opinion(application=app, decision="maybe", **as_("housing"))


def test_changes_send_it_back_and_resubmission_starts_a_new_round(world):
    app = make_application(state="reviewing")
    admission.give_opinion(application=app, decision="approve", **as_("ecology"))
    admission.give_opinion(application=app, decision="changes", comment="补充环评批复", **as_("housing"))
    assert (app.state, app.round) == ("changes", 1)
    with pytest.raises(InputError, match="无法签署意见：.*处于“退回补正”"):
        admission.give_opinion(application=app, decision="approve", **as_("economy"))
    admission.edit_application(application=app, **as_("investment"), **application_fields(green_ratio=8))
    admission.transition(application=app, action="resubmit", **as_("investment"))
    assert (app.state, app.round, app.green_ratio) == ("reviewing", 2, 8)
    admission.give_opinion(application=app, decision="approve", **as_("ecology"))  # a new round: again
    with pytest.raises(InputError, match="缺少发改 第 2 轮的意见"):
        admission.decide(application=app, outcome="approved", **as_("committee"))


def test_outcome_rules_forbid_approval_on_a_failed_block(world):
    app = make_application(state="reviewing", fixed_investment=2700)  # 270 万元/亩 < 280
    give_all_opinions(app)
    with pytest.raises(InputError, match="不能作出“通过”的结论：有否决项未通过"):
        admission.decide(application=app, outcome="approved", **as_("committee"))
    with pytest.raises(InputError, match="不能作出“有条件通过”的结论：有否决项未通过"):
        admission.decide(application=app, outcome="conditional", conditions="x", **as_("committee"))
    with pytest.raises(InputError, match="“不通过”须写明理由"):
        admission.decide(application=app, outcome="rejected", **as_("committee"))
    admission.decide(application=app, outcome="rejected", comment="投资强度不足", **as_("committee"))
    assert app.outcome_reasons[0]["code"] == "investment_intensity" and app.outcome_reasons[0]["level"] == "block"
    with pytest.raises(InputError, match="缺少联审结论为通过或有条件通过"):
        contract_from_application(application=app, parcel=Parcel.objects.get(code="SZ-0003"), number="HT-X",
                                  signed_on=dt.date(2026, 1, 1), **as_("committee"))


def test_conditional_needs_conditions_and_a_rejecting_department_forbids_approval(world):
    app = make_application(state="reviewing")
    give_all_opinions(app)
    app.opinions.filter(department="ecology").update(decision="reject", comment="排放总量待落实")
    with pytest.raises(InputError, match="有部门不同意"):
        admission.decide(application=app, outcome="approved", **as_("committee"))
    with pytest.raises(InputError, match="须写明附加条件"):
        admission.decide(application=app, outcome="conditional", **as_("committee"))
    admission.decide(application=app, outcome="conditional", conditions="取得排污总量指标后方可开工",
                     **as_("committee"))
    assert app.outcome == "conditional" and app.conditions == "取得排污总量指标后方可开工"


def test_investor_holding_idle_land_through_a_related_firm_is_blocked(world):
    related = Enterprise.objects.get(credit_code=uscc(2))
    parcel = Parcel.objects.get(code="SZ-0002")
    LandLink.objects.create(enterprise=related, parcel=parcel, role="holder")
    old = ReviewRun.objects.create(as_of=dt.date(2024, 12, 31), year=2024, rules_hash="r", input_hash="i")
    IdleCheck.objects.create(run=old, parcel=parcel, zone=parcel.zone, status="normal")
    new = ReviewRun.objects.create(as_of=dt.date(2025, 12, 31), year=2025, rules_hash="r", input_hash="i")
    IdleCheck.objects.create(run=new, parcel=parcel, zone=parcel.zone, status="idle")
    app = make_application(state="submitted", related_credit_codes=[uscc(2)])
    idle = next(c for c in app.checks if c["code"] == "idle_land")
    assert idle["level"] == "block" and idle["value"] == 1
    assert "SZ-0002 最近一次核查为“闲置”" in idle["reason"] and "乙领带" in idle["reason"]
    IdleCheck.objects.create(run=ReviewRun.objects.create(as_of=dt.date(2026, 6, 30), year=2026, rules_hash="r",
                                                          input_hash="i"), parcel=parcel, zone=parcel.zone,
                             status="started")
    assert next(c for c in admission.compute_checks(app) if c["code"] == "idle_land")["level"] == "pass"


def test_scope_park_user_and_role_without_supply(world):
    app = make_application(zone_code="SZ")
    inside = make_application(zone_code="SZ-XW1")
    park_user = get_user_model().objects.get(username="committee-xw1")
    assert list(admission.scoped_applications(scope=scope_for(park_user))) == [inside]
    with pytest.raises(NotFound):
        admission.scoped_application(scope=scope_for(park_user), number=app.number)
    with pytest.raises(PermissionDenied):
        admission.scoped_applications(scope=scope_for(user("emergency")))
    with pytest.raises(PermissionDenied, match="不在您的园区范围内"):
        admission.create_application(zone=Zone.objects.get(code="SZ"), actor=park_user,
                                     scope=scope_for(park_user), **application_fields())


def test_stale_version_is_a_conflict(world):
    app = make_application()
    stale = Application.objects.get(pk=app.pk)
    admission.transition(application=app, action="submit", **as_("investment"))
    with pytest.raises(ConflictError):
        admission.transition(application=stale, action="submit", **as_("investment"))


def test_documents_are_checked_by_content(world):
    app = make_application()
    stored = admission.add_documents(application=app, uploads=[("可研报告.pdf", pdf_bytes())], kind="可研报告",
                                     **as_("investment"))
    assert stored[0].content_type == "application/pdf" and stored[0].kind == "可研报告"
    with pytest.raises(InputError, match="按文件内容判断，它不是 PNG、JPEG、WebP 图片或 PDF"):
        admission.add_documents(application=app, uploads=[("环评.pdf", b"not a pdf")], **as_("investment"))
    assert app.documents.count() == 1 and png_bytes()


def test_contract_refused_on_a_parcel_in_use_or_outside_the_zone(world):
    app = make_application(zone_code="SZ-XW1", state="reviewing")
    give_all_opinions(app)
    admission.decide(application=app, outcome="approved", **as_("committee"))
    with pytest.raises(InputError) as error:
        contract_from_application(application=app, parcel=Parcel.objects.get(code="SZ-0001"), number="HT-1",
                                  signed_on=dt.date(2026, 3, 1), agreed_start=dt.date(2026, 1, 1),
                                  **as_("committee"))
    message = str(error.value)
    assert "地块 SZ-0001 不在申请的拟落地园区（三江小微企业园）内" in message
    assert "供地状态为“已供已用”" in message and "不得早于签订日期 2026-03-01" in message
    assert not Contract.objects.exists() and Application.objects.get(pk=app.pk).state == "decided"
