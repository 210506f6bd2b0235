"""Issue 14 §1: findings recorded, edited and closed in the web and the API by each department within its
categories and parks; the 管委会 reads all; the list, export and API list give exactly the rows in scope."""

import datetime as dt

import fastexcel
import pytest

from parkgov.testing import staff_roles
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parkgov.accounts.scopes import role_table, scope_for
from parkgov.accounts.services import issue_api_token
from parkgov.errors import InputError, NotFound
from parkgov.governance import findings as services
from parkgov.governance.evidence import max_bytes
from parkgov.governance.models import Attachment
from parkgov.ledger.models import Enterprise, Finding, Parcel
from parkgov.testing import governance_world, pdf_bytes, png_bytes, uscc

pytestmark = pytest.mark.django_db

CATEGORIES = ["environment", "safety", "fire", "illegal_construction", "unlicensed", "other"]
EVERY = {"ecology-environment", "enforcement-illegal", "fire-fire", "emergency-safety", "market-unlicensed",
         "ecology-other", "ecology-safety"}
IN_XW1 = {"fire-fire", "emergency-safety", "market-unlicensed", "ecology-other"}
READS = {"admin": EVERY, "committee": EVERY, "economy": EVERY, "natural_resources": EVERY,
         "ecology": {"ecology-environment", "ecology-other"}, "emergency": {"emergency-safety"},
         "fire": {"fire-fire"}, "enforcement": {"enforcement-illegal"}, "market": {"market-unlicensed"},
         "tax": set(), "statistics": set(), "development_reform": set(), "housing": set(), "investment": set()}
WRITES = {"admin": set(CATEGORIES), "ecology": {"environment", "other"}, "emergency": {"safety", "other"},
          "fire": {"fire", "other"}, "enforcement": {"illegal_construction", "other"},
          "market": {"unlicensed", "other"}}
DESCRIPTIONS = {"ecology-environment": "危废暂存间标识不全", "enforcement-illegal": "未批先建彩钢棚"}
ROLES = sorted(READS)


@pytest.fixture
def world(tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_MEDIA_ROOT = tmp_path / "media"
    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    return governance_world(folder=tmp_path, actor=actor)


def user(role, park=None):
    return get_user_model().objects.get(username=role if park is None else f"{role}-xw1")


def users():
    return [(role, None) for role in ROLES] + [(role, "SZ-XW1") for role in ROLES if role != "admin"]


def visible(role, park):
    return READS[role] if park is None else READS[role] & IN_XW1


def described(label):
    return DESCRIPTIONS.get(label, label)


def evidence_files(settings):
    folder = settings.PARKGOV_EVIDENCE_DIR
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_the_expectations_cover_every_role():
    assert set(READS) == set(staff_roles())  # issue 16 §5: enterprise accounts in tests/test_scope.py
    assert {r for r, spec in role_table()["roles"].items() if "finding" in spec["write"]} == set(WRITES)


@pytest.mark.parametrize("role,park", users())
def test_list_export_and_api_list_give_exactly_the_findings_in_scope(client, world, role, park):
    client.force_login(user(role, park))
    expected = {described(label) for label in visible(role, park)}
    page = client.get(reverse("web:findings"))
    export = client.get(reverse("web:findings_export"))
    api = client.get("/api/findings", {"limit": 500},
                     headers={"Authorization": f"Bearer {issue_api_token(user=user(role, park))}"})
    if not READS[role]:
        assert (page.status_code, export.status_code, api.status_code) == (403, 403, 403)
        return
    html = page.content.decode()
    assert {d for label in EVERY if (d := described(label)) in html} == expected
    frame = fastexcel.read_excel(b"".join(export.streaming_content)).load_sheet(0).to_polars()
    assert set(frame["描述"].to_list()) == expected
    assert {item["description"] for item in api.json()["items"]} == expected
    assert (reverse("governance:finding_new") in html) == (role in WRITES)  # the 新增检查发现 button


@pytest.mark.parametrize("role,park", users())
def test_create_is_allowed_exactly_for_the_roles_categories_and_parks(world, actor, role, park):
    scope = scope_for(user(role, park))
    inside, outside = Enterprise.objects.get(credit_code=uscc(2)), Enterprise.objects.get(credit_code=uscc(1))
    before = Finding.objects.count()
    for category in CATEGORIES:
        for firm in (inside, outside):
            allowed = category in WRITES.get(role, ()) and (park is None or firm is inside)
            arguments = dict(actor=actor, scope=scope, category=category, severity="minor",
                             found_on=dt.date(2025, 8, 1), enterprise=firm, description=f"{role} {category}",
                             department="fire" if role == "admin" else None)
            if allowed:
                finding = services.create_finding(**arguments)
                assert finding.department == ("fire" if role == "admin" else scope.department)
                assert finding.history.get().history_change_reason == "新增检查发现"
            else:
                with pytest.raises(PermissionDenied):
                    services.create_finding(**arguments)
    written = {(f.category, f.enterprise_id) for f in Finding.objects.filter(description__startswith=f"{role} ")}
    assert written == {(c, firm.pk) for c in WRITES.get(role, ()) for firm in (inside, outside)
                       if park is None or firm is inside}
    assert Finding.objects.count() == before + len(written)


def new_finding_form(**overrides):
    return {"credit_code": uscc(2), "parcel_code": "SZ-0002", "category": "fire", "severity": "serious",
            "found_on": "2025-08-01", "description": "疏散通道堵塞", "legal_basis": "《中华人民共和国消防法》第二十八条",
            "deadline": "2025-09-01", "rectifiable": "true", **overrides}


def test_a_department_records_a_finding_with_evidence_on_the_page(client, world, settings):
    client.force_login(user("fire", "SZ-XW1"))
    page = client.get(reverse("governance:finding_new")).content.decode()
    assert '<option value="fire"' in page and '<option value="other"' in page and 'value="safety"' not in page
    response = client.post(reverse("governance:finding_new"), new_finding_form(
        files=[SimpleUploadedFile("现场.jpg", png_bytes()), SimpleUploadedFile("通知书.pdf", pdf_bytes())]))
    finding = Finding.objects.get(description="疏散通道堵塞")
    assert response.status_code == 302 and response["Location"] == reverse("governance:finding", args=[finding.pk])
    assert (finding.department, finding.category, finding.severity, finding.status) == \
        ("fire", "fire", "serious", "open")
    assert (finding.enterprise.credit_code, finding.parcel.code, finding.legal_basis, finding.deadline,
            finding.rectifiable) == (uscc(2), "SZ-0002", "《中华人民共和国消防法》第二十八条", dt.date(2025, 9, 1), True)
    assert sorted((a.original_name, a.content_type) for a in finding.attachments.all()) == \
        [("现场.jpg", "image/png"), ("通知书.pdf", "application/pdf")]
    detail = client.get(response["Location"]).content.decode()
    for attachment in finding.attachments.all():
        assert reverse("governance:attachment", args=[attachment.pk]) in detail
    assert "通知书.pdf" in detail and "《中华人民共和国消防法》第二十八条" in detail


@pytest.mark.parametrize("overrides,field,message", [
    ({"credit_code": uscc(1), "parcel_code": ""}, "credit_code", f"统一社会信用代码“{uscc(1)}”：没有这家企业，或它不在您的园区范围内"),
    ({"credit_code": "91330683MA0000000X", "parcel_code": ""}, "credit_code",
     "统一社会信用代码“91330683MA0000000X”：没有这家企业，或它不在您的园区范围内"),
    ({"credit_code": "", "parcel_code": "SZ-0001"}, "parcel_code", "地块编码“SZ-0001”：没有这个地块，或它不在您的园区范围内"),
    ({"credit_code": "", "parcel_code": ""}, None, "请填写统一社会信用代码或地块编码（至少一项）"),
    ({"category": "safety"}, "category", None),
    ({"deadline": "2025-07-01"}, None, "整改期限 2025-07-01 早于发现日期 2025-08-01"),
    ({"found_on": "2999-01-01", "deadline": ""}, None, "发现日期 2999-01-01 晚于今天"),
])
def test_the_page_refuses_bad_or_out_of_scope_input_and_writes_nothing(client, world, settings, overrides, field,
                                                                      message):
    client.force_login(user("fire", "SZ-XW1"))
    before = Finding.objects.count()
    response = client.post(reverse("governance:finding_new"), new_finding_form(
        **overrides, files=[SimpleUploadedFile("a.png", png_bytes())]))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors if field else "__all__" in errors
    if message:
        assert message in response.content.decode()
    assert Finding.objects.count() == before and not Attachment.objects.exists() and evidence_files(settings) == []


@pytest.mark.parametrize("name,data,message", [
    ("照片.png", b"MZ\x90\x00" + b"\x00" * 200,
     "文件“照片.png”未能作为证据材料上传：按文件内容判断，它不是 PNG、JPEG、WebP 图片或 PDF 文件（扩展名不作依据）"),
    ("大图.png", None, "文件“大图.png”未能作为证据材料上传：超过大小上限 20 MB"),
])
def test_a_bad_evidence_file_refuses_the_whole_finding(client, world, settings, name, data, message):
    """An .exe renamed .png, or a file over the limit, beside a good one: no finding, no attachment, no file."""
    client.force_login(user("fire"))
    data = data if data is not None else png_bytes(b"\x00" * max_bytes())
    response = client.post(reverse("governance:finding_new"), new_finding_form(
        files=[SimpleUploadedFile("good.png", png_bytes()), SimpleUploadedFile(name, data)]))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Finding.objects.filter(description="疏散通道堵塞").exists()
    assert not Attachment.objects.exists() and evidence_files(settings) == []


@pytest.mark.parametrize("role", ROLES)
def test_editing_another_departments_finding_is_refused(client, world, role):
    """Each role tries to edit every finding: only its own categories' findings of its department (all of them
    for the administrator) open for editing; the others are 404 (not visible) or 403 (a role that writes no
    findings, e.g. the 管委会, which reads them all)."""
    client.force_login(user(role))
    for label, finding in world.items():
        response = client.post(reverse("governance:finding_edit", args=[finding.pk]),
                               {"category": finding.category, "severity": "major", "found_on": "2025-08-02",
                                "description": "改", "credit_code": finding.enterprise.credit_code
                                if finding.enterprise else "", "parcel_code": finding.parcel.code if finding.parcel
                                else ""})
        may = role in WRITES and label in READS[role] and finding.category in WRITES[role]
        seen = label in READS[role]
        assert response.status_code == (302 if may else 403 if role not in WRITES or seen else 404), \
            (role, label, response.status_code)
        finding.refresh_from_db()
        assert (finding.description == "改") == may, (role, label)


def test_the_api_refuses_another_departments_finding_with_404_and_changes_nothing(client, world):
    token = issue_api_token(user=user("fire"))
    headers = {"Authorization": f"Bearer {token}"}
    other = world["ecology-other"]
    assert client.patch(f"/api/findings/{other.pk}", {"severity": "major"}, content_type="application/json",
                        headers=headers).status_code == 404
    assert client.post(f"/api/findings/{other.pk}/status", {"action": "close"}, content_type="application/json",
                       headers=headers).status_code == 404
    assert client.get(f"/api/findings/{other.pk}/attachments", headers=headers).status_code == 404
    upload = client.post(f"/api/findings/{other.pk}/attachments", {"files": [SimpleUploadedFile("a.png", png_bytes())]},
                         headers=headers)
    assert upload.status_code == 404
    other.refresh_from_db()
    assert (other.severity, other.status) == ("minor", "open") and not Attachment.objects.exists()
    committee = {"Authorization": f"Bearer {issue_api_token(user=user('committee'))}"}
    assert client.get(f"/api/findings/{other.pk}", headers=committee).status_code == 200  # reads all …
    refused = client.patch(f"/api/findings/{other.pk}", {"severity": "major"}, content_type="application/json",
                           headers=committee)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"  # … writes none


def test_status_moves_by_the_table_with_closed_on_and_history(world, actor):
    scope = scope_for(user("fire"))
    finding = world["fire-fire"]
    services.change_status(finding=finding, actor=actor, scope=scope, action="start", note="已约谈")
    with pytest.raises(InputError, match="状态为“整改中”的检查发现不能“开始整改”"):
        services.change_status(finding=finding, actor=actor, scope=scope, action="start")
    with pytest.raises(InputError, match="销号日期 2025-06-30 早于发现日期 2025-07-01"):
        services.close_finding(finding=finding, actor=actor, scope=scope, closed_on=dt.date(2025, 6, 30))
    closed = services.close_finding(finding=finding, actor=actor, scope=scope, closed_on=dt.date(2025, 8, 15))
    assert (closed.status, closed.closed_on) == ("closed", dt.date(2025, 8, 15))
    with pytest.raises(InputError, match="已销号，不能修改"):
        services.update_finding(finding=closed, actor=actor, scope=scope, severity="major")
    reopened = services.change_status(finding=closed, actor=actor, scope=scope, action="reopen")
    assert (reopened.status, reopened.closed_on) == ("rectifying", None)
    with pytest.raises(InputError, match="未知操作“delete”"):
        services.change_status(finding=reopened, actor=actor, scope=scope, action="delete")
    history = [(h.status, h.history_change_reason, h.history_user_id)
               for h in Finding.objects.get(pk=finding.pk).history.order_by("history_date", "history_id")][1:]
    assert history == [("rectifying", "开始整改：已约谈", actor.pk), ("closed", "销号", actor.pk),
                       ("rectifying", "重新打开", actor.pk)]


def test_status_buttons_on_the_page_close_and_reopen(client, world):
    finding = world["fire-fire"]
    client.force_login(user("fire", "SZ-XW1"))
    page = client.get(reverse("governance:finding", args=[finding.pk])).content.decode()
    assert 'value="start"' in page and 'value="close"' in page and 'value="reopen"' not in page
    client.post(reverse("governance:finding_status", args=[finding.pk]),
                {"action": "close", "closed_on": "2025-07-20", "note": "复查合格"})
    finding.refresh_from_db()
    assert (finding.status, finding.closed_on) == ("closed", dt.date(2025, 7, 20))
    page = client.get(reverse("governance:finding", args=[finding.pk])).content.decode()
    assert 'value="reopen"' in page and 'id="edit"' not in page and "复查合格" in page
    client.force_login(user("committee"))
    page = client.get(reverse("governance:finding", args=[finding.pk])).content.decode()
    assert 'id="status-actions"' not in page and 'id="evidence-form"' not in page  # 管委会: read only
    assert client.post(reverse("governance:finding_status", args=[finding.pk]), {"action": "reopen"}).status_code == 403


def test_the_api_creates_updates_closes_and_attaches(client, world, settings):
    headers = {"Authorization": f"Bearer {issue_api_token(user=user('ecology', 'SZ-XW1'))}"}
    created = client.post("/api/findings", {"credit_code": uscc(2), "category": "environment", "severity": "major",
                                            "found_on": "2025-08-03", "description": "废水直排",
                                            "legal_basis": "《水污染防治法》第三十九条", "rectifiable": False},
                          content_type="application/json", headers=headers)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["department"], body["credit_code"], body["parcel_code"], body["status"], body["rectifiable"]) == \
        ("ecology", uscc(2), None, "open", False)
    pk = body["id"]
    patched = client.patch(f"/api/findings/{pk}", {"parcel_code": "SZ-0002", "deadline": "2025-10-01"},
                           content_type="application/json", headers=headers).json()
    assert (patched["parcel_code"], patched["deadline"], patched["severity"]) == ("SZ-0002", "2025-10-01", "major")
    refused = client.patch(f"/api/findings/{pk}", {"parcel_code": "SZ-0001"}, content_type="application/json",
                           headers=headers)
    assert refused.status_code == 422 and refused.json()["error"]["message"] == \
        "地块编码“SZ-0001”：没有这个地块，或它不在您的园区范围内"
    wrong = client.patch(f"/api/findings/{pk}", {"category": "fire"}, content_type="application/json", headers=headers)
    assert wrong.status_code == 403 and "不能记录“消防”类检查发现" in wrong.json()["error"]["message"]
    bad = client.post(f"/api/findings/{pk}/attachments", {"files": [SimpleUploadedFile("ok.png", png_bytes()),
                                                                    SimpleUploadedFile("x.png", b"MZ" + b"\x00" * 64)]},
                      headers=headers)
    assert bad.status_code == 422 and "“x.png”" in bad.json()["error"]["message"]
    assert not Attachment.objects.exists() and evidence_files(settings) == []
    stored = client.post(f"/api/findings/{pk}/attachments", {"files": [SimpleUploadedFile("ok.png", png_bytes()),
                                                                       SimpleUploadedFile("b.pdf", pdf_bytes())]},
                         headers=headers)
    assert stored.status_code == 201 and [a["content_type"] for a in stored.json()] == ["image/png", "application/pdf"]
    listed = client.get(f"/api/findings/{pk}/attachments", headers=headers).json()
    assert [a["original_name"] for a in listed] == ["ok.png", "b.pdf"]
    assert client.get(listed[0]["url"], headers=headers).status_code == 302  # the download is a page: login first
    closed = client.post(f"/api/findings/{pk}/status", {"action": "close", "closed_on": "2025-09-30"},
                         content_type="application/json", headers=headers).json()
    assert (closed["status"], closed["closed_on"]) == ("closed", "2025-09-30")
    finding = Finding.objects.get(pk=pk)
    assert [h.history_change_reason for h in finding.history.order_by("history_date", "history_id")] == \
        ["新增检查发现", "修改检查发现", "上传证据材料：ok.png、b.pdf", "销号"]


def test_the_api_refuses_a_category_or_park_outside_the_scope_and_writes_nothing(client, world):
    headers = {"Authorization": f"Bearer {issue_api_token(user=user('market', 'SZ-XW1'))}"}
    before = Finding.objects.count()
    for payload, status in [({"credit_code": uscc(2), "category": "fire"}, 403),
                            ({"credit_code": uscc(1), "category": "unlicensed"}, 422),
                            ({"parcel_code": "SZ-0003", "category": "unlicensed"}, 422)]:
        response = client.post("/api/findings", {"severity": "minor", "found_on": "2025-08-01", **payload},
                               content_type="application/json", headers=headers)
        assert response.status_code == status, (payload, response.content)
    statistics = {"Authorization": f"Bearer {issue_api_token(user=user('statistics'))}"}
    assert client.post("/api/findings", {"credit_code": uscc(2), "category": "other", "severity": "minor",
                                         "found_on": "2025-08-01"}, content_type="application/json",
                       headers=statistics).status_code == 403
    assert Finding.objects.count() == before


def test_a_subject_outside_the_park_is_kept_but_cannot_be_chosen(world, actor):
    """A park-scoped department may edit its finding whose parcel lies in another park (it sees it through the
    firm), keeping that parcel; it cannot choose such a parcel itself."""
    finding = world["fire-fire"]
    Finding.objects.filter(pk=finding.pk).update(parcel=Parcel.objects.get(code="SZ-0001"))
    scope = scope_for(user("fire", "SZ-XW1"))
    finding = services.finding_for(scope=scope, pk=finding.pk, write=True)
    updated = services.update_finding(finding=finding, actor=actor, scope=scope, severity="major")
    assert (updated.severity, updated.parcel.code) == ("major", "SZ-0001")
    with pytest.raises(PermissionDenied, match="不在您的园区范围内"):
        services.update_finding(finding=updated, actor=actor, scope=scope, parcel=Parcel.objects.get(code="SZ-0003"))
    with pytest.raises(NotFound):
        services.finding_for(scope=scope_for(user("fire", "SZ-XW1")), pk=world["ecology-environment"].pk)


def finding_workbook(path, rows):
    from parkgov.testing import FINDING_HEADER, write_workbook

    return write_workbook(path, {"检查发现": [FINDING_HEADER + ["法律依据"], *rows]})


def test_a_department_imports_only_its_own_department_and_categories(world, actor, tmp_path):
    """The bulk path keeps the rule of the pages: 生态环境 may not import 消防's findings, nor a 安全生产 one."""
    from parkgov.errors import ImportRejected
    from parkgov.ingest.services import import_workbook

    path = finding_workbook(tmp_path / "发现.xlsx", [
        [uscc(2), None, "生态环境", "环保", "一般", dt.date(2025, 8, 1), "导入的环保问题", "待整改", "《环境保护法》"],
        [uscc(2), None, "消防", "消防", "一般", dt.date(2025, 8, 1), "冒名的消防问题", "待整改", None],
        [uscc(2), None, "生态环境", "安全生产", "一般", dt.date(2025, 8, 1), "越权的安全问题", "待整改", None]])
    before = Finding.objects.count()
    with pytest.raises(ImportRejected) as refused:
        import_workbook(path=path, actor=actor, department="ecology", scope=scope_for(user("ecology")))
    assert [(i.row, i.column, i.message) for i in refused.value.report.issues.errors] == [
        (3, "部门", "只能导入本部门（生态环境）的检查发现"),
        (3, "类别", "本角色只能导入以下类别的检查发现：环保、其他"),
        (4, "类别", "本角色只能导入以下类别的检查发现：环保、其他")]
    assert Finding.objects.count() == before
    report = import_workbook(path=path, actor=actor, scope=None)  # the command line: an operator imports any
    assert report.written["检查发现"]["created"] == 3
    assert Finding.objects.get(description="导入的环保问题").legal_basis == "《环境保护法》"


def test_the_web_import_job_applies_the_uploaders_scope(client, world, tmp_path, django_capture_on_commit_callbacks):
    from parkgov.jobs.models import Job

    path = finding_workbook(tmp_path / "发现.xlsx", [
        [uscc(2), None, "消防", "消防", "一般", dt.date(2025, 8, 1), "冒名的消防问题", "待整改", None]])
    client.force_login(user("ecology"))
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
        client.post(reverse("web:import"), {"file": handle})
    job = Job.objects.get(kind="import")
    assert job.status == "rejected" and job.result["issues"][0]["message"] == "只能导入本部门（生态环境）的检查发现"
    assert not Finding.objects.filter(description="冒名的消防问题").exists()
