"""Issue 14 §4: 一地一企一策 cases to 销号 — every transition allowed and refused per role (all 11 roles), evidence,
sign-off completeness and rounds, 延期, overdue at the day boundary, template steps, numbering, audit."""

import datetime as dt

import pytest

from parkgov.testing import staff_roles
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from parkgov.accounts.scopes import role_table, scope_for
from parkgov.errors import ConflictError, InputError, NotFound
from parkgov.governance.cases import (
    add_evidence, available_actions, complete_step, is_overdue, open_case, scoped_cases, sign_off, transition,
)
from parkgov.governance.models import Case, CaseEvent, CaseSignoff
from parkgov.ledger.models import Parcel
from parkgov.testing import cases_world, open_test_case, png_bytes

pytestmark = pytest.mark.django_db

ROLES = staff_roles()  # issue 16 §5: enterprise accounts in tests/test_scope.py
NAMED = ("ecology", "fire")  # the departments named on the test cases
# who may make each step on a case naming 生态环境 and 消防 (workflows/case.yaml, written out here on purpose)
ALLOWED = {"dispatch": {"committee"}, "accept": set(NAMED), "submit": set(NAMED), "close": {"committee"},
           "return": {"committee", *NAMED}, "extend": {"committee"}, "sign_off": set(NAMED), "open": {"committee"}}
FROM = {"dispatch": "to_dispatch", "accept": "dispatched", "submit": "rectifying", "close": "to_verify",
        "return": "to_verify", "extend": "rectifying", "sign_off": "to_verify"}
TO = {"dispatch": "dispatched", "accept": "rectifying", "submit": "to_verify", "close": "closed",
      "return": "rectifying", "extend": "rectifying"}


@pytest.fixture
def world(tmp_path, actor, settings):
    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    return cases_world()


def user(name):
    return get_user_model().objects.get(username=name)


def act(case, action, who, **kwargs):
    person = user(who)
    if action == "sign_off":
        return sign_off(case=case, actor=person, scope=scope_for(person), decision=kwargs.pop("decision", "approve"),
                        **kwargs)
    return transition(case=case, action=action, actor=person, scope=scope_for(person), **kwargs)


def approve_all(case):
    for department in NAMED:
        act(case, "sign_off", department)
        case.refresh_from_db()


def complete_kwargs(action):
    return {"submit": {"attachments": [("整改后.png", png_bytes())]}, "close": {"comment": "现场验收合格"},
            "return": {"comment": "照片不清楚"}, "extend": {"comment": "拆除需多两月", "new_deadline": dt.date(2027, 3, 1)},
            }.get(action, {})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["dispatch", "accept", "submit", "close", "return", "extend", "sign_off"])
def test_each_step_is_allowed_exactly_to_its_roles(world, role, action):
    """The transition table per role: allowed ones change the state and write the event; the others are refused
    with PermissionDenied naming the action, and nothing changes."""
    case = open_test_case(state=FROM[action])
    if action == "close":
        approve_all(case)
    before = (case.state, case.version, CaseEvent.objects.filter(case=case).count())
    if role in ALLOWED[action]:
        result = act(case, action, role, **complete_kwargs(action))
        case.refresh_from_db()
        if action == "sign_off":
            assert isinstance(result, CaseSignoff) and result.department == role and case.state == "to_verify"
        else:
            assert case.state == TO[action] and result.to_state == TO[action] and result.role == role
        assert CaseEvent.objects.filter(case=case).count() == before[2] + 1
    else:
        with pytest.raises(PermissionDenied) as caught:
            act(case, action, role, **complete_kwargs(action))
        case.refresh_from_db()
        assert (case.state, case.version, CaseEvent.objects.filter(case=case).count()) == before
        assert str(caught.value)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_committee_opens_a_case(world, role):
    person = user(role)
    opening = dict(actor=person, scope=scope_for(person), title="乙领带地块", departments=["ecology"],
                   lead_department="ecology", deadline=dt.date(2026, 12, 31), parcel=Parcel.objects.get(code="SZ-0002"))
    if role in ALLOWED["open"]:
        case = open_case(**opening)
        assert case.state == "to_dispatch" and case.zone.code == "SZ-XW1" and case.events.get().action == "open"
    else:
        with pytest.raises(PermissionDenied) as caught:
            open_case(**opening)
        if "case" in scope_for(person).write:  # a case writer is told who opens cases; others that they may not write
            assert "立案" in str(caught.value) and "管委会" in str(caught.value)
        else:
            assert "无权" in str(caught.value)
        assert not Case.objects.exists()


def test_a_step_in_the_wrong_state_is_refused_naming_action_and_state(world):
    case = open_test_case()
    with pytest.raises(InputError) as caught:
        act(case, "submit", "ecology", attachments=[("a.png", png_bytes())])
    assert "提交核验" in str(caught.value) and "待派" in str(caught.value) and "整改中" in str(caught.value)
    with pytest.raises(InputError) as caught:
        act(case, "close", "committee", comment="x")
    assert "销号" in str(caught.value) and "待核验" in str(caught.value)
    with pytest.raises(InputError) as caught:
        act(case, "fly", "committee")
    assert "fly" in str(caught.value) and "dispatch" in str(caught.value)


def test_a_department_not_named_is_told_so(world):
    case = open_test_case(state="dispatched")
    with pytest.raises(PermissionDenied) as caught:
        act(case, "accept", "emergency")
    assert "应急管理 不是案件" in str(caught.value) and case.number in str(caught.value) and "接收" in str(caught.value)


def test_submit_needs_evidence_of_this_round(world):
    case = open_test_case(state="rectifying")
    with pytest.raises(InputError) as caught:
        act(case, "submit", "ecology")
    assert "提交核验" in str(caught.value) and "整改中" in str(caught.value) and "整改证据" in str(caught.value)
    add_evidence(case=case, actor=user("fire"), scope=scope_for(user("fire")), uploads=[("现场.png", png_bytes())])
    case.refresh_from_db()
    event = act(case, "submit", "ecology")
    assert event.to_state == "to_verify"
    case.refresh_from_db()
    act(case, "return", "committee", comment="整改不到位")
    case.refresh_from_db()
    with pytest.raises(InputError, match="整改证据"):  # the first round's photo does not prove the second round
        act(case, "submit", "ecology")


def test_evidence_must_be_an_image_or_pdf(world):
    case = open_test_case(state="rectifying")
    with pytest.raises(InputError, match="不是 PNG"):
        act(case, "submit", "ecology", attachments=[("报告.png", b"not an image at all")])
    case.refresh_from_db()
    assert case.state == "rectifying" and not case.attachments.exists()


def test_close_needs_every_named_department_to_approve_in_this_round(world):
    case = open_test_case(state="to_verify")
    act(case, "sign_off", "ecology")
    case.refresh_from_db()
    with pytest.raises(InputError) as caught:
        act(case, "close", "committee", comment="验收合格")
    assert "消防 第 1 轮的验收意见" in str(caught.value) and "生态环境" not in str(caught.value)
    act(case, "sign_off", "fire", decision="reject", comment="消防通道仍被占用")
    case.refresh_from_db()
    with pytest.raises(InputError) as caught:
        act(case, "close", "committee", comment="验收合格")
    assert "消防 的同意" in str(caught.value) and "消防通道仍被占用" in str(caught.value)
    act(case, "return", "fire", comment="消防通道仍被占用")
    case.refresh_from_db()
    assert case.round == 2 and case.state == "rectifying"
    act(case, "submit", "fire", attachments=[("通道.png", png_bytes())])
    case.refresh_from_db()
    with pytest.raises(InputError) as caught:  # round 1's approval of 生态环境 does not count in round 2
        act(case, "close", "committee", comment="验收合格")
    assert "生态环境 第 2 轮" in str(caught.value) and "消防 第 2 轮" in str(caught.value)
    approve_all(case)
    with pytest.raises(InputError, match="验收记录"):
        act(case, "close", "committee")
    act(case, "close", "committee", comment="2026-11-02 现场验收：通道已清理，合格", freed_mu=8.0)
    case.refresh_from_db()
    assert case.state == "closed" and case.acceptance_record.startswith("2026-11-02") and case.freed_mu == 8.0
    assert case.closed_on is not None
    assert CaseSignoff.objects.filter(case=case).count() == 4


def test_a_reject_needs_a_reason_and_a_department_signs_once_per_round(world):
    case = open_test_case(state="to_verify")
    with pytest.raises(InputError, match="理由"):
        act(case, "sign_off", "ecology", decision="reject")
    act(case, "sign_off", "ecology")
    case.refresh_from_db()
    with pytest.raises(InputError, match="已在第 1 轮签署"):
        act(case, "sign_off", "ecology", decision="reject", comment="改主意")
    with pytest.raises(InputError, match="验收意见"):
        act(case, "sign_off", "fire", decision="maybe")


def test_close_without_target_freed_keeps_the_target_mu(world):
    case = open_test_case(state="to_verify")
    approve_all(case)
    act(case, "close", "committee", comment="合格")
    case.refresh_from_db()
    assert case.freed_mu == 12.5


def test_extend_by_the_committee_needs_a_later_date_and_a_reason(world):
    case = open_test_case(state="rectifying", deadline=dt.date(2026, 6, 30))
    with pytest.raises(InputError) as caught:
        act(case, "extend", "committee", comment="需要更多时间", new_deadline=dt.date(2026, 6, 30))
    assert "延期" in str(caught.value) and "晚于原期限 2026-06-30" in str(caught.value)
    with pytest.raises(InputError, match="说明"):
        act(case, "extend", "committee", new_deadline=dt.date(2026, 9, 30))
    with pytest.raises(PermissionDenied, match="延期"):
        act(case, "extend", "ecology", comment="x", new_deadline=dt.date(2026, 9, 30))
    event = act(case, "extend", "committee", comment="拆除需多三个月", new_deadline=dt.date(2026, 9, 30))
    case.refresh_from_db()
    assert (case.state, case.deadline, case.original_deadline) == ("rectifying", dt.date(2026, 9, 30),
                                                                   dt.date(2026, 6, 30))
    assert (event.deadline_before, event.deadline_after) == (dt.date(2026, 6, 30), dt.date(2026, 9, 30))
    act(case, "extend", "committee", comment="再延", new_deadline=dt.date(2026, 10, 31))
    case.refresh_from_db()
    assert case.original_deadline == dt.date(2026, 6, 30)


def test_overdue_from_the_day_after_the_deadline_until_closed(world):
    case = open_test_case(state="rectifying", deadline=dt.date(2026, 6, 30))
    assert not is_overdue(case, today=dt.date(2026, 6, 29))
    assert not is_overdue(case, today=dt.date(2026, 6, 30))
    assert is_overdue(case, today=dt.date(2026, 7, 1))
    case.state = "closed"
    assert not is_overdue(case, today=dt.date(2026, 7, 1))


def test_a_stale_page_cannot_overwrite_a_newer_step(world):
    case = open_test_case()
    stale = Case.objects.get(pk=case.pk)
    act(case, "dispatch", "committee")
    with pytest.raises(ConflictError, match="已被他人更新"):
        act(stale, "extend", "committee", comment="x", new_deadline=dt.date(2027, 6, 30))
    stale.refresh_from_db()
    assert stale.deadline == dt.date(2026, 12, 31) and stale.state == "dispatched"


def test_template_steps_block_submit_until_done_in_order(world):
    case = open_test_case(workflow="chemical_restoration", departments=("ecology",), state="rectifying")
    assert set(case.departments) == {"ecology", "emergency", "natural_resources", "zone_committee"}
    assert list(case.steps.values_list("code", flat=True)) == [
        "closure_demolition", "pollution_survey", "assessment_remediation", "ownership_adjustment", "regreening",
        "review_acceptance", "funds"]
    with pytest.raises(InputError) as caught:
        act(case, "submit", "ecology", attachments=[("a.png", png_bytes())])
    assert "未完成的步骤" in str(caught.value) and "企业关闭与厂房拆除" in str(caught.value)
    with pytest.raises(InputError, match="须先完成“企业关闭与厂房拆除”"):
        complete_step(case=case, step_code="pollution_survey", actor=user("ecology"), scope=scope_for(user("ecology")))
    with pytest.raises(PermissionDenied, match="应急管理"):
        complete_step(case=case, step_code="closure_demolition", actor=user("ecology"),
                      scope=scope_for(user("ecology")))
    order = [("closure_demolition", "emergency"), ("pollution_survey", "ecology"), ("assessment_remediation", "ecology"),
             ("ownership_adjustment", "natural_resources"), ("regreening", "natural_resources"),
             ("review_acceptance", "natural_resources"), ("funds", "committee")]
    for code, who in order:
        case.refresh_from_db()
        step = complete_step(case=case, step_code=code, actor=user(who), scope=scope_for(user(who)), note="已完成",
                             attachments=[(f"{code}.pdf", b"%PDF-1.4 test")] if code == "review_acceptance" else ())
        assert step.status == "done" and step.done_by == user(who)
    case.refresh_from_db()
    with pytest.raises(InputError, match="已于"):
        complete_step(case=case, step_code="funds", actor=user("committee"), scope=scope_for(user("committee")))
    act(case, "submit", "ecology")  # the review's PDF is this round's evidence
    case.refresh_from_db()
    assert case.state == "to_verify" and case.events.filter(action="step").count() == 7


def test_steps_only_while_rectifying(world):
    case = open_test_case(workflow="chemical_restoration", state="dispatched")
    with pytest.raises(InputError, match="整改中"):
        complete_step(case=case, step_code="closure_demolition", actor=user("emergency"),
                      scope=scope_for(user("emergency")))


def test_available_actions_are_the_buttons_of_each_user(world):
    case = open_test_case(state="to_verify")
    def codes(who):
        return {a.code: a.blocked for a in available_actions(case=case, scope=scope_for(user(who)))}
    assert set(codes("committee")) == {"close", "return", "extend"}
    assert codes("committee")["close"]  # blocked: no sign-off yet
    assert set(codes("ecology")) == {"return", "sign_off"}
    assert codes("emergency") == {} and codes("tax") == {} and codes("admin") == {}
    act(case, "sign_off", "ecology")
    approve = act(case, "sign_off", "fire")
    case.refresh_from_db()
    assert set(codes("ecology")) == {"return"} and codes("committee")["close"] == ()
    assert approve.round == 1
    assert codes("committee-xw1") == {}  # the case lies in SZ, outside that user's park


def test_park_scope_hides_and_refuses_cases_of_other_parks(world):
    in_sz = open_test_case(parcel_code="SZ-0001")
    in_xw1 = open_test_case(parcel_code="SZ-0002", title="乙领带")
    scoped = scope_for(user("ecology-xw1"))
    assert list(scoped_cases(scope=scoped)) == [in_xw1]
    assert set(scoped_cases(scope=scope_for(user("tax")))) == {in_sz, in_xw1}  # read-only, all parks
    with pytest.raises(NotFound):
        transition(case=in_sz, action="dispatch", actor=user("committee-xw1"), scope=scope_for(user("committee-xw1")))
    with pytest.raises(PermissionDenied, match="园区范围"):
        open_test_case_by("committee-xw1", "SZ-0001")


def open_test_case_by(who, parcel_code):
    return open_case(actor=user(who), scope=scope_for(user(who)), title="x", departments=["ecology"],
                     lead_department="ecology", deadline=dt.date(2026, 12, 31),
                     parcel=Parcel.objects.get(code=parcel_code))


def test_open_checks_its_input(world):
    committee = user("committee")
    base = dict(actor=committee, scope=scope_for(committee), title="x", departments=["ecology"],
                lead_department="ecology", deadline=dt.date(2026, 12, 31), parcel=Parcel.objects.get(code="SZ-0001"))
    for change, message in [({"departments": ["财政局"]}, "未知部门“财政局”"), ({"title": " "}, "标题"),
                            ({"parcel": None}, "企业或地块"), ({"targets": {"free_mu": -1}}, "负数"),
                            ({"targets": {"mu": 1}}, "未知的整改目标"), ({"disposition": "sell"}, "处置方式"),
                            ({"workflow": "nope"}, "未知的案件流程")]:
        with pytest.raises(InputError, match=message):
            open_case(**{**base, **change})
    case = open_case(**{**base, "lead_department": "fire"})
    assert case.departments == ["fire", "ecology"] and case.lead_department == "fire"


def test_numbers_follow_the_year_and_survive_a_taken_number(world):
    from django.utils import timezone

    year = timezone.localdate().year
    first, second = open_test_case(), open_test_case()
    assert (first.number, second.number) == (f"ZL-{year}-0001", f"ZL-{year}-0002")
    Case.objects.filter(pk=second.pk).update(number=f"ZL-{year}-9999")
    assert open_test_case().number == f"ZL-{year}-10000"
    assert open_test_case().number == f"ZL-{year}-10001"  # 10000 sorts after 9999 by length, not as text


def test_every_step_is_audited(world):
    case = open_test_case()
    act(case, "dispatch", "committee", comment="请生态环境牵头")
    case.refresh_from_db()
    act(case, "accept", "ecology")
    case.refresh_from_db()
    event = case.events.get(action="dispatch")
    assert (event.actor.username, event.role, event.department, event.comment) == (
        "committee", "committee", "zone_committee", "请生态环境牵头")
    history = list(case.history.order_by("history_id").values_list("state", "history_user__username"))
    assert history[-2:] == [("dispatched", "committee"), ("rectifying", "ecology")]
    assert [e.action for e in case.events.all()] == ["open", "dispatch", "accept"]
