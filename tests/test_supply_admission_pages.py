"""Issue 15 §1 准入联审 pages and API: the list with its filters, the form refusing bad inputs in Chinese with
nothing written, the steps through the pages, the printable review record, documents served within scope, the
API's list, steps and refusals (403 / 404 / 422 / 409)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from parkgov.accounts.services import issue_api_token
from parkgov.ledger.models import Parcel
from parkgov.supply import admission
from parkgov.supply.models import Application, Contract
from parkgov.testing import application_fields, cases_world, give_all_opinions, make_application, pdf_bytes, uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    cases_world()


def login(client, name):
    client.force_login(get_user_model().objects.get(username=name))


def bearer(name):
    return {"Authorization": f"Bearer {issue_api_token(user=get_user_model().objects.get(username=name))}"}


def test_list_filters_by_state_outcome_and_zone(client, world):
    draft = make_application(project_name="草稿项目")
    reviewing = make_application(project_name="联审项目", zone_code="SZ-XW1", state="reviewing")
    login(client, "economy")
    page = client.get(reverse("supply:applications"))
    assert page.status_code == 200 and draft.number in page.text and reviewing.number in page.text
    only = client.get(reverse("supply:applications"), {"state": "reviewing"})
    assert reviewing.number in only.text and draft.number not in only.text
    zone = client.get(reverse("supply:applications"), {"zone": "SZ-XW1"})
    assert reviewing.number in zone.text and draft.number not in zone.text
    bad = client.get(reverse("supply:applications"), {"state": "nope"})
    assert bad.status_code == 200 and "状态“nope”无效" in bad.text
    assert 'id="new-application"' not in page.text  # 经信 does not file applications
    login(client, "emergency")
    assert client.get(reverse("supply:applications")).status_code == 403


def test_form_refuses_with_chinese_messages_and_writes_nothing(client, world):
    login(client, "investment")
    data = {**application_fields(), "zone": "SZ", "investor_credit_code": "123", "land_mu": "十亩"}
    response = client.post(reverse("supply:application_new"), data)
    assert response.status_code == 200
    assert "投资主体统一社会信用代码“123”无效：长度应为18位，实为3位" in response.text
    assert "拟用地面积（亩）应为数字，实为“十亩”" in response.text
    assert not Application.objects.exists()
    ok = client.post(reverse("supply:application_new"), {
        **{k: "" if v is None else v for k, v in application_fields().items()}, "zone": "SZ",
        "related_credit_codes": f"{uscc(1)}\n{uscc(2)}", "documents": [], "document_kind": ""})
    app = Application.objects.get()
    assert ok.status_code == 302 and app.related_credit_codes == [uscc(1), uscc(2)]


def test_steps_through_the_pages_and_the_record(client, world):
    app = make_application(state="reviewing")
    login(client, "ecology")
    detail = client.get(reverse("supply:application", args=[app.number]))
    assert 'id="action-opinion"' in detail.text and 'data-check="investment_intensity"' in detail.text
    client.post(reverse("supply:application_opinion", args=[app.number]),
                {"decision": "approve", "comment": "", "version": app.version})
    again = client.get(reverse("supply:application", args=[app.number]))
    assert 'id="action-opinion"' not in again.text  # once per round
    app.refresh_from_db()
    give_all_opinions_except(app, "ecology")
    login(client, "committee")
    stale = app.version
    app.refresh_from_db()
    response = client.post(reverse("supply:application_decide", args=[app.number]),
                           {"outcome": "approved", "comment": "", "conditions": "", "version": stale - 1},
                           follow=True)
    assert "已被他人更新" in response.text
    client.post(reverse("supply:application_decide", args=[app.number]),
                {"outcome": "approved", "comment": "", "conditions": "", "version": app.version})
    app.refresh_from_db()
    assert app.outcome == "approved"
    Parcel.objects.filter(code="SZ-0003").update(supply_status="approved_not_supplied")
    done = client.post(reverse("supply:application_contract", args=[app.number]), {
        "parcel_code": "SZ-0003", "number": "HT-2026-9", "signed_on": "2026-02-01", "agreed_start": "2026-08-01",
        "version": app.version}, follow=True)
    assert "已签订标准地合同" in done.text and Contract.objects.get().indicators["investment_intensity"] == 280
    record = client.get(reverse("supply:application_record", args=[app.number]))
    assert record.status_code == 200 and "建设项目准入联审审查意见表" in record.text
    for text in ("≥ 280 万元/亩", "生态环境", "通过", "（盖章）", "supply/record.css"):
        assert text in record.text, text


def give_all_opinions_except(app, skip):
    from parkgov.accounts.scopes import scope_for
    from parkgov.supply.admission_rules import review_rules

    for department in review_rules().departments:
        if department != skip:
            user = get_user_model().objects.get(username=department)
            admission.give_opinion(application=app, actor=user, scope=scope_for(user), decision="approve")


def test_documents_download_within_scope(client, world):
    app = make_application()
    from parkgov.accounts.scopes import scope_for

    investment = get_user_model().objects.get(username="investment")
    document, = admission.add_documents(application=app, actor=investment, scope=scope_for(investment),
                                        uploads=[("可研.pdf", pdf_bytes())])
    login(client, "housing")
    assert client.get(reverse("supply:application_document", args=[document.pk])).status_code == 200
    login(client, "housing-xw1")  # park SZ-XW1 only; the application is in SZ
    assert client.get(reverse("supply:application_document", args=[document.pk])).status_code == 404
    login(client, "fire")
    assert client.get(reverse("supply:application_document", args=[document.pk])).status_code == 403


def test_api_walk_and_refusals(client, world):
    headers = bearer("investment")
    body = {**application_fields(), "zone": "SZ-XW1", "related_credit_codes": []}
    created = client.post("/api/supply/applications", body, content_type="application/json", headers=headers)
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    assert created.json()["actions"] == ["submit", "withdraw", "edit"]
    bad = client.post("/api/supply/applications", {**body, "industry_code": "0000"}, content_type="application/json",
                      headers=headers)
    assert bad.status_code == 422 and "不在 GB/T 4754-2017" in bad.json()["error"]["message"]
    step = client.post(f"/api/supply/applications/{number}/transitions", {"action": "submit"},
                       content_type="application/json", headers=headers)
    assert step.status_code == 200 and step.json()["state"] == "submitted"
    forbidden = client.post(f"/api/supply/applications/{number}/transitions", {"action": "start_review"},
                            content_type="application/json", headers=headers)
    assert forbidden.status_code == 403 and "不能发起联审" in forbidden.json()["error"]["message"]
    client.post(f"/api/supply/applications/{number}/transitions", {"action": "start_review"},
                content_type="application/json", headers=bearer("committee"))
    opinion = client.post(f"/api/supply/applications/{number}/opinions", {"decision": "changes", "comment": "补材料"},
                          content_type="application/json", headers=bearer("housing"))
    assert opinion.status_code == 201 and opinion.json()["state"] == "changes"
    stale = client.post(f"/api/supply/applications/{number}/transitions", {"action": "resubmit", "version": 1},
                        content_type="application/json", headers=headers)
    assert stale.status_code == 409
    outside = client.get(f"/api/supply/applications/{number}", headers=bearer("committee-xw1"))
    assert outside.status_code == 200  # SZ-XW1 is that user's park
    listed = client.get("/api/supply/applications", {"state": "changes"}, headers=bearer("committee"))
    assert [i["number"] for i in listed.json()["items"]] == [number]
    assert client.get("/api/supply/applications", headers=bearer("fire")).status_code == 403


def test_export_lists_the_filtered_rows(client, world):
    import fastexcel

    first = make_application(state="submitted")
    make_application(investor_credit_code=uscc(901))
    login(client, "committee")
    response = client.get(reverse("supply:applications_export"), {"state": "submitted"})
    frame = fastexcel.read_excel(b"".join(response.streaming_content)).load_sheet(0).to_polars()
    assert frame["申请编号"].to_list() == [first.number] and frame["投资强度（万元/亩）"].to_list() == [280]


def test_cli_export_by_operator_and_by_user_and_the_rules_listing(world, tmp_path):
    import fastexcel
    from typer.testing import CliRunner

    from parkgov.cli import app

    inside = make_application(zone_code="SZ-XW1", state="submitted")
    make_application(investor_credit_code=uscc(901))
    runner = CliRunner()
    result = runner.invoke(app, ["supply", "applications", "--out", str(tmp_path / "all.xlsx")])
    assert result.exit_code == 0, result.output
    assert "准入申请 2 件" in result.output.replace("\n", "")
    result = runner.invoke(app, ["supply", "applications", "--out", str(tmp_path / "xw1.xlsx"), "--user",
                                 "committee-xw1", "--state", "submitted"])
    frame = fastexcel.read_excel(str(tmp_path / "xw1.xlsx")).load_sheet("准入申请").to_polars()
    assert result.exit_code == 0 and frame["申请编号"].to_list() == [inside.number]
    bad = runner.invoke(app, ["supply", "applications", "--out", str(tmp_path / "x.xlsx"), "--state", "done"])
    assert bad.exit_code != 0 and "状态“done”无效" in str(bad.exception)  # parkgov.cli.main prints it, exit 2
    rules = runner.invoke(app, ["supply", "admission-rules"])
    assert rules.exit_code == 0 and "suqian-2017" in rules.output and "tax_per_mu" in rules.output


def test_class_d_detail_is_hidden_from_roles_without_the_evaluation_results(client, world):
    """roles.yaml: 自然资源和规划 does not see 亩均评价结果; it sees that the check failed, not which firm is D."""
    from parkgov.evaluation.models import EvaluationResult, EvaluationRun
    from parkgov.ledger.models import Enterprise

    run = EvaluationRun.objects.create(year=2025, ruleset_id="t", ruleset_version=1, ruleset_hash="h",
                                       ruleset_name="测试", input_hash="i")
    EvaluationResult.objects.create(run=run, enterprise=Enterprise.objects.get(credit_code=uscc(1)),
                                    class_original="D", class_final="D")
    app = make_application(state="reviewing", related_credit_codes=[uscc(1)])
    give_all_opinions(app)
    from parkgov.accounts.scopes import scope_for

    committee = get_user_model().objects.get(username="committee")
    admission.decide(application=app, actor=committee, scope=scope_for(committee), outcome="conditional",
                     conditions="两年内技改")
    for url in (reverse("supply:application", args=[app.number]), reverse("supply:application_record",
                                                                          args=[app.number])):
        login(client, "economy")
        assert "甲厨具" in client.get(url).text
        login(client, "natural_resources")
        shown = client.get(url).text
        assert "甲厨具" not in shown and "无权查看亩均评价结果的明细" in shown
    detail = client.get(f"/api/supply/applications/{app.number}", headers=bearer("natural_resources")).json()
    assert "甲厨具" not in str(detail["checks"]) + str(detail["outcome_reasons"])
