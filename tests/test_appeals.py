"""Issue 16 §5: enterprise accounts, the 公示 period in working days, the appeal workflow (受理 → 核查 → 维持/调整 →
答复) as data with its refusals, the adjustment that changes the figure and re-runs the evaluation, self-reported
figures, the queue, the API and the CLI — on the small ledger."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from typer.testing import CliRunner

from parkgov.accounts.scopes import scope_for
from parkgov.accounts.services import issue_api_token
from parkgov.appeals import config, selfreport, selfservice, services
from parkgov.appeals.models import Appeal, AppealEvent, SelfReport
from parkgov.errors import InputError, NotFound
from parkgov.evaluation.models import EvaluationResult, EvaluationRun
from parkgov.ledger.models import Submission, YearlyFigure
from parkgov.testing import appeals_world, png_bytes, uscc

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 3, 2)  # the 公示 runs Monday 2 to Friday 6 March 2026


@pytest.fixture
def run(tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    return appeals_world(folder=tmp_path, actor=actor, starts_on=MONDAY)


def user(name):
    return get_user_model().objects.get(username=name)


def act(appeal, action, name, *, on=MONDAY, **given):
    return services.transition(appeal=appeal, action=action, scope=scope_for(user(name)), actor=user(name),
                               today=on, **given)


def file(field="tax", *, name="firm1", on=MONDAY, run=None, **extra):
    run = run or EvaluationRun.objects.get()
    return services.file_appeal(scope=scope_for(user(name)), actor=user(name), run=run, field=field,
                                claimed_value=extra.pop("claimed", "900"), reason=extra.pop("reason", "税额少计"),
                                uploads=extra.pop("uploads", [("完税证明.png", png_bytes())]), today=on)


def test_working_days_skip_weekends_and_holidays_and_count_the_make_up_days():
    """calendar.yaml: 2025 National Day 1–8 October off, Saturday 11 October a working day."""
    assert config.add_working_days(dt.date(2026, 3, 1), 5) == dt.date(2026, 3, 6)  # Mon–Fri
    assert config.add_working_days(dt.date(2025, 9, 29), 5) == dt.date(2025, 10, 13)  # 30 Sep, 9, 10, 11, 13 Oct
    assert config.working_days_between(dt.date(2025, 9, 30), dt.date(2025, 10, 12)) == 3
    assert not config.is_working_day(dt.date(2026, 2, 16)) and config.is_working_day(dt.date(2026, 2, 14))


def test_publicity_period_is_counted_in_working_days(run):
    period = run.publicity
    assert (period.starts_on, period.working_days, period.ends_on) == (MONDAY, 5, dt.date(2026, 3, 6))
    national_day = services.set_publicity(run=run, starts_on=dt.date(2025, 9, 30), working_days=5)
    assert national_day.ends_on == dt.date(2025, 10, 13)
    assert not services.may_file(run=run, on=dt.date(2025, 10, 14))


def test_a_bad_workflow_file_names_the_file_and_the_path(tmp_path, monkeypatch):
    (tmp_path / "workflow.yaml").write_text(
        "source: 测试来源四字\nverified: false\nstates:\n  submitted: {label: 已提交}\n"
        "transitions:\n  accept: {label: 受理, from: [submitted], to: nowhere, roles: [economy]}\n", encoding="utf-8")
    monkeypatch.setattr(config, "DATA", tmp_path)
    config.workflow.cache_clear()
    try:
        with pytest.raises(config.AppealConfigError) as caught:
            config.workflow()
    finally:
        monkeypatch.undo()
        config.workflow.cache_clear()
    assert "workflow.yaml" in str(caught.value) and "transitions.accept" in str(caught.value)
    assert "nowhere" in str(caught.value)


def test_every_workflow_label_is_in_the_catalogue():
    table = config.workflow()
    labels = {s.label for s in table.states.values()} | {t.label for t in table.transitions.values()}
    assert labels <= set(config.LABELS)


def test_appeal_on_a_figure_from_filing_to_the_adjusted_result(run):
    """受理 by 经信 → 核查 by 税务 (the owner of the tax figure) → 调整 changes the figure with provenance and
    re-runs the evaluation; the class change is on the event and in the result's history → 答复."""
    before = EvaluationResult.objects.get(run=run, enterprise__credit_code=uscc(1))
    appeal = file()
    assert (appeal.state, appeal.department, appeal.current_value, appeal.due_on) == (
        "submitted", "tax", "680", dt.date(2026, 3, 4))
    assert appeal.evidence.count() == 1
    act(appeal, "accept", "economy")
    with pytest.raises(PermissionDenied) as caught:
        act(appeal, "verify", "statistics", reason="核对")
    assert "统计" in str(caught.value) and "核查" in str(caught.value)
    act(appeal, "verify", "tax", reason="金税系统核对，少计 220 万元")
    with pytest.raises(InputError) as caught:
        act(appeal, "adjust", "economy", reason="核实")
    assert "调整后的值" in str(caught.value)
    act(appeal, "adjust", "economy", reason="按税务核查调整", value="900")
    figure = YearlyFigure.objects.get(enterprise__credit_code=uscc(1), year=2025)
    assert figure.tax == 900
    source = Submission.objects.get(pk=figure.provenance["tax"])
    assert source.file_name == f"申诉 {appeal.number}" and source.department == "tax"
    assert figure.history.first().history_change_reason.startswith(f"申诉 {appeal.number}")
    new_run = EvaluationRun.objects.order_by("-pk").first()
    assert new_run.pk != run.pk and appeal.adjusted_run == new_run
    assert new_run.publicity.ends_on == run.publicity.ends_on
    after = EvaluationResult.objects.get(run=new_run, enterprise__credit_code=uscc(1))
    assert after.total > before.total
    event = AppealEvent.objects.get(appeal=appeal, action="adjust")
    assert event.details["class_before"] == before.class_final and event.details["class_after"] == after.class_final
    assert event.details["total_after"] == after.total and event.actor == user("economy")
    assert "重新评价" in after.history.first().history_change_reason
    act(appeal, "reply", "economy", reply="经核查，评价税收调整为 900 万元，已重新评价")
    assert appeal.state == "answered" and appeal.due_on is None
    assert [e.action for e in appeal.events.all()] == ["file", "accept", "verify", "adjust", "reply"]
    with pytest.raises(InputError) as caught:
        act(appeal, "accept", "economy")
    assert "当前状态为“已答复”" in str(caught.value) and "不能“受理”" in str(caught.value)
    assert selfservice.latest_result(scope=scope_for(user("firm1"))).run == new_run


def test_appeal_on_the_result_adjusts_the_class_and_is_audited(run):
    appeal = file("result", claimed="A")
    assert appeal.department == "economy"
    act(appeal, "accept", "committee")
    act(appeal, "verify", "economy", reason="复核加分项")
    act(appeal, "adjust", "economy", reason="研发加分漏计", value="a")
    result = EvaluationResult.objects.get(run=run, enterprise__credit_code=uscc(1))
    assert result.class_final == "A" and result.adjustment_reason.startswith(f"申诉 {appeal.number}")
    assert result.history.first().history_change_reason.startswith("调档")
    assert EvaluationRun.objects.count() == 1  # the result itself: no re-run


def test_filing_is_refused_outside_the_period_for_staff_and_twice(run):
    with pytest.raises(InputError) as caught:
        file(on=dt.date(2026, 3, 9))
    assert "公示期内" in str(caught.value) and "2026-03-06" in str(caught.value)
    with pytest.raises(PermissionDenied):
        services.file_appeal(scope=scope_for(user("economy")), actor=user("economy"), run=run, field="tax",
                             claimed_value="1", reason="x")
    file()
    with pytest.raises(InputError) as caught:
        file()
    assert "在办的申诉" in str(caught.value)
    with pytest.raises(InputError):
        file("no_such_field")
    assert Appeal.objects.count() == 1


def test_maintain_and_reject_and_the_queue_flags_late_steps(run):
    kept = file()
    refused = file("result", name="firm2")
    act(kept, "accept", "economy")
    act(kept, "verify", "tax", reason="税额无误")
    act(kept, "maintain", "economy", reason="维持原值")
    with pytest.raises(InputError) as caught:
        act(refused, "reject", "economy")
    assert "理由" in str(caught.value)
    act(refused, "reject", "economy", reason="超出申诉范围")
    assert refused.state == "rejected"
    late = services.queue(scope=scope_for(user("economy")), today=dt.date(2026, 3, 20))
    assert [(a.number, a.late) for a in late] == [(kept.number, True), (refused.number, False)]
    assert [a.number for a in services.queue(scope=scope_for(user("economy")), state="rejected")] == [refused.number]
    assert services.queue(scope=scope_for(user("statistics"))) == []  # checks neither
    with pytest.raises(InputError):
        services.queue(scope=scope_for(user("economy")), state="nope")


def test_self_reported_figures_stay_marked_until_the_owner_confirms(run):
    firm = scope_for(user("firm2"))
    reports = selfreport.report_figures(scope=firm, actor=user("firm2"), year=2025,
                                        values={"tax": 21.5, "revenue": None}, today=dt.date(2026, 3, 31))
    assert [(r.field, r.status, r.department) for r in reports] == [("tax", "reported", "tax")]
    assert not YearlyFigure.objects.filter(enterprise__credit_code=uscc(2), year=2025).exists()
    rows = selfservice.figures(scope=firm)[0]
    assert rows["year"] == 2025 and rows["rows"][0]["self_report"].status == "reported"
    with pytest.raises(InputError) as caught:
        selfreport.report_figures(scope=firm, actor=user("firm2"), year=2025, values={"tax": 1},
                                  today=dt.date(2026, 4, 1))
    assert "2026-03-31" in str(caught.value)
    with pytest.raises(PermissionDenied) as caught:  # 管委会 sees every report but confirms no tax figure
        selfreport.decide_report(scope=scope_for(user("committee")), actor=user("committee"),
                                 report_id=reports[0].pk, confirm=True)
    assert "税务" in str(caught.value) or "tax" in str(caught.value)
    with pytest.raises(NotFound):  # 统计 does not even see a tax report
        selfreport.decide_report(scope=scope_for(user("statistics")), actor=user("statistics"),
                                 report_id=reports[0].pk, confirm=True)
    selfreport.decide_report(scope=scope_for(user("tax")), actor=user("tax"), report_id=reports[0].pk, confirm=True)
    figure = YearlyFigure.objects.get(enterprise__credit_code=uscc(2), year=2025)
    assert figure.tax == 21.5 and Submission.objects.get(pk=figure.provenance["tax"]).department == "tax"
    assert SelfReport.objects.get().status == "confirmed"


def test_overview_explains_the_result_and_the_way_up(run):
    data = selfservice.overview(scope=scope_for(user("firm1")))
    result = data["result"]
    assert data["firm"].credit_code == uscc(1) and result.enterprise.credit_code == uscc(1)
    assert data["explained"]["indicators"] and any(i["text"] for i in data["explained"]["indicators"])
    move = data["explained"]["move_up"]
    if result.class_final != "A":
        assert move["target"] == {"B": "A", "C": "B", "D": "C"}[result.class_final]
    with pytest.raises(PermissionDenied):
        selfservice.overview(scope=scope_for(user("economy")))


def test_api_files_and_moves_an_appeal_and_refuses_invalid_steps(client, run, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a: MONDAY)
    firm = {"Authorization": f"Bearer {issue_api_token(user=user('firm1'))}"}
    staff = {"Authorization": f"Bearer {issue_api_token(user=user('economy'))}"}
    created = client.post("/api/appeals", {"field": "tax", "claimed_value": "900", "reason": "少计"},
                          content_type="application/json", headers=firm)
    assert created.status_code == 201, created.content
    number, pk = created.json()["number"], created.json()["id"]
    assert client.post("/api/appeals", {"field": "tax", "reason": "x"}, content_type="application/json",
                       headers=staff).status_code == 403
    wrong = client.post(f"/api/appeals/{pk}/transitions", {"action": "reply", "reply": "x"},
                        content_type="application/json", headers=staff)
    assert wrong.status_code == 422 and "当前状态为“已提交”" in wrong.json()["error"]["message"]
    accepted = client.post(f"/api/appeals/{pk}/transitions", {"action": "accept"}, content_type="application/json",
                           headers=staff)
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["state"] == "accepted" and accepted.json()["number"] == number
    assert client.post(f"/api/appeals/{pk}/transitions", {"action": "accept"}, content_type="application/json",
                       headers=firm).status_code in (403, 422)


def test_enterprise_accounts_by_the_cli_and_the_page(client, run, tmp_path):
    from parkgov.cli import app

    result = CliRunner().invoke(app, ["appeal", "account", "--credit-code", uscc(3), "--username", "firm3"])
    assert result.exit_code == 0, result.output
    assert user("firm3").profile.enterprise.credit_code == uscc(3) and not user("firm3").is_staff
    refused = CliRunner().invoke(app, ["appeal", "account", "--credit-code", uscc(99)])
    assert isinstance(refused.exception, NotFound) and uscc(99) in str(refused.exception)  # main() prints it
    client.force_login(user("committee"))
    page = client.post("/appeals/accounts/", {"credit_code": uscc(3), "username": "firm3b"}, follow=True)
    assert "firm3b" in page.content.decode() and user("firm3b").profile.enterprise.credit_code == uscc(3)
    client.force_login(user("tax"))
    assert client.get("/appeals/accounts/").status_code == 403
    published = CliRunner().invoke(app, ["appeal", "publicity", "--run", str(run.pk), "--start", "2025-09-30"])
    assert published.exit_code == 0 and "2025-10-13" in published.output


def test_appeal_pages_in_english_show_chinese_only_for_data(client, run):
    """issue 16 §5: the enterprise's pages and the staff pages of an appeal in English (data stays Chinese)."""
    from tests.test_i18n import CHINESE, _data_strings, _page_texts

    appeal = file()
    act(appeal, "accept", "economy")
    data = sorted(set(_data_strings()) | {appeal.reason, "完税证明.png", "嵊州经济开发区"}, key=len, reverse=True)
    client.cookies["django_language"] = "en"
    left = {}
    for name, urls in (("firm1", ["/me/", "/me/appeals/new/", f"/me/appeals/{appeal.pk}/", "/me/report/"]),
                       ("tax", [f"/appeals/{appeal.pk}/", "/appeals/"])):
        client.force_login(user(name))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            for text in _page_texts(response.content.decode()):
                for value in data:
                    text = text.replace(value, "")
                text = text.replace("简体中文", "")
                if CHINESE.search(text):
                    left.setdefault(url, []).append(text.strip()[:60])
    assert not left, left


def test_a_re_run_keeps_the_other_firms_class_adjustments_and_later_appeals_start_from_it(run):
    """An appeal adjusted after another re-ran the evaluation starts from the latest run, and the re-run keeps the
    定档调档 of the other firms (audited)."""
    on_result, on_tax = file("result", name="firm2"), file()
    for appeal, checker in ((on_result, "economy"), (on_tax, "tax")):
        act(appeal, "accept", "economy")
        act(appeal, "verify", checker, reason="核查")
    act(on_result, "adjust", "economy", reason="补计加分", value="B")
    act(on_tax, "adjust", "economy", reason="按税务核查调整", value="900")
    second = EvaluationRun.objects.order_by("-pk").first()
    kept = EvaluationResult.objects.get(run=second, enterprise__credit_code=uscc(2))
    assert kept.class_final == "B" and kept.adjustment_reason.startswith(f"沿用批次 {run.pk} 的调档")
    act(on_tax, "reply", "economy", reply="已调整")
    again = file("tax", run=run, claimed="950")  # the 公示 of the first run is still open
    act(again, "accept", "economy")
    act(again, "verify", "tax", reason="再核")
    act(again, "adjust", "economy", reason="再调", value="950")
    third = EvaluationRun.objects.order_by("-pk").first()
    event = again.events.get(action="adjust")
    assert event.details["run_before"] == second.pk and event.details["run_after"] == third.pk
    assert EvaluationResult.objects.get(run=third, enterprise__credit_code=uscc(2)).class_final == "B"


def test_the_enterprise_confirms_its_ledger_figures_before_the_deadline(client, run):
    firm = scope_for(user("firm1"))
    selfreport.report_figures(scope=firm, actor=user("firm1"), year=2025, values={"tax": 700},
                              today=dt.date(2026, 3, 1))
    rows = selfreport.confirm_figures(scope=firm, actor=user("firm1"), year=2025, today=dt.date(2026, 3, 1))
    assert {r.field for r in rows} == set(config.settings().self_report.fields) - {"tax"}  # its own report stays
    assert {r.status for r in rows} == {"agreed"} and SelfReport.objects.get(field="tax").status == "reported"
    with pytest.raises(InputError):
        selfreport.confirm_figures(scope=firm, actor=user("firm1"), year=2025, today=dt.date(2026, 4, 1))
    with pytest.raises(NotFound):
        selfreport.confirm_figures(scope=firm, actor=user("firm1"), year=2023, today=dt.date(2024, 3, 1))
    client.force_login(user("firm1"))
    page = client.get("/me/report/").content.decode()
    assert 'name="confirm_year"' in page and '<option value="2025">' in page
