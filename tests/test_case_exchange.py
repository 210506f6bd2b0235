"""Issue 14 §5: cases in Excel — the export (one sheet, Chinese headers, state, departments, deadline, overdue,
sign-offs, targets; scoped) and the 案件进展 import by a department, all or nothing with the row's error."""

import datetime as dt
import subprocess

import fastexcel
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from parkgov.accounts.scopes import scope_for
from parkgov.errors import ImportRejected
from parkgov.governance.case_exchange import EXPORT_HEADERS, apply_case_updates, export_cases
from parkgov.governance.case_queries import BoardFilters
from parkgov.governance.cases import add_evidence, sign_off
from parkgov.governance.models import Case, CaseEvent
from parkgov.testing import cases_world, open_test_case, png_bytes, write_workbook

pytestmark = pytest.mark.django_db
HEADER = ["案件编号", "操作", "说明", "新期限", "步骤"]


@pytest.fixture
def world(tmp_path, actor, settings):
    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    return cases_world()


def user(name):
    return get_user_model().objects.get(username=name)


def read(path):
    return fastexcel.read_excel(str(path)).load_sheet("治理案件", dtypes="string").to_polars()


def test_export_has_the_cases_of_the_users_scope_with_state_signoffs_and_targets(world, tmp_path):
    late = open_test_case(deadline=dt.date(2020, 1, 1), state="to_verify")
    other = open_test_case(parcel_code="SZ-0002", title="园中园")
    sign_off(case=late, actor=user("fire"), scope=scope_for(user("fire")), decision="approve")
    path = tmp_path / "cases.xlsx"
    assert export_cases(path=path, scope=scope_for(user("tax")), today=dt.date(2026, 6, 1)) == 2
    frame = read(path)
    assert frame.columns == EXPORT_HEADERS
    first = frame.row(0, named=True)
    assert (first["案件编号"], first["状态"], first["是否逾期"], first["责任部门"]) == (late.number, "待核验", "是",
                                                                                  "生态环境、消防")
    assert first["本轮部门验收"] == "生态环境：未签署；消防：同意销号"
    assert first["目标腾退（亩）"] == "12.5" and first["整改期限"].startswith("2020-01-01")
    assert frame["案件编号"].to_list() == [late.number, other.number]
    scoped = tmp_path / "xw1.xlsx"
    export_cases(path=scoped, scope=scope_for(user("tax-xw1")), today=dt.date(2026, 6, 1))
    assert read(scoped)["案件编号"].to_list() == [other.number]
    filtered = tmp_path / "late.xlsx"
    export_cases(path=filtered, scope=scope_for(user("tax")), filters=BoardFilters(overdue=True),
                 today=dt.date(2026, 6, 1))
    assert read(filtered)["案件编号"].to_list() == [late.number]


def test_export_opens_in_libreoffice(world, tmp_path):
    open_test_case()
    path = tmp_path / "cases.xlsx"
    export_cases(path=path, scope=scope_for(user("committee")), today=dt.date(2026, 6, 1))
    done = subprocess.run(["soffice", "--headless", "--convert-to", "csv", "--outdir", str(tmp_path), str(path)],
                          capture_output=True, timeout=120, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "cases.csv").read_text(encoding="utf-8", errors="replace")
    assert "案件编号" in text.splitlines()[0] or "ZL-" in text


def test_the_web_export_is_the_boards_rows(client, world):
    open_test_case()
    inside = open_test_case(parcel_code="SZ-0002")
    client.force_login(user("ecology-xw1"))
    response = client.get(reverse("governance:cases_export"))
    assert response.status_code == 200
    frame = fastexcel.read_excel(b"".join(response.streaming_content)).load_sheet("治理案件").to_polars()
    assert frame["案件编号"].to_list() == [inside.number]


def test_import_applies_every_row_through_the_services(world, tmp_path):
    case = open_test_case(state="rectifying")
    other = open_test_case(state="to_verify", title="第二件")
    add_evidence(case=case, actor=user("ecology"), scope=scope_for(user("ecology")), uploads=[("a.png", png_bytes())])
    path = write_workbook(tmp_path / "updates.xlsx", {"案件进展": [
        HEADER, [case.number, "提交核验", "已整改", None, None], [other.number, "同意销号", "合格", None, None]]})
    report = apply_case_updates(path=path, actor=user("ecology"), scope=scope_for(user("ecology")))
    assert report.applied == 2
    case.refresh_from_db()
    assert case.state == "to_verify" and other.signoffs.get().department == "ecology"
    assert CaseEvent.objects.filter(case=case, action="submit", actor=user("ecology")).exists()


def test_import_is_all_or_nothing_and_names_the_rows(world, tmp_path):
    case = open_test_case(state="to_verify")
    path = write_workbook(tmp_path / "updates.xlsx", {"案件进展": [
        HEADER,
        [case.number, "同意销号", "合格", None, None],       # fine on its own
        [case.number, "延期", "需要时间", "2027-03-01", None],  # 延期 is the 管委会's
        ["ZL-1999-0001", "接收", None, None, None],          # no such case
        [case.number, "飞走", None, None, None],
        [case.number, "退回", None, "明天", None]]})
    with pytest.raises(ImportRejected) as caught:
        apply_case_updates(path=path, actor=user("ecology"), scope=scope_for(user("ecology")), file_name="进展.xlsx")
    issues = {(i.row, i.column): i.message for i in caught.value.report.issues.errors}
    assert set(issues) == {(6, "新期限")}, issues  # a bad date is found before anything is applied
    assert "进展.xlsx" in str(caught.value)
    path = write_workbook(tmp_path / "updates2.xlsx", {"案件进展": [HEADER] + [
        [case.number, "同意销号", "合格", None, None], [case.number, "延期", "需要时间", "2027-03-01", None],
        ["ZL-1999-0001", "接收", None, None, None], [case.number, "飞走", None, None, None]]})
    with pytest.raises(ImportRejected) as caught:
        apply_case_updates(path=path, actor=user("ecology"), scope=scope_for(user("ecology")))
    issues = {(i.row, i.column): i.message for i in caught.value.report.issues.errors}
    assert set(issues) == {(3, "操作"), (4, "案件编号"), (5, "操作")}
    assert "延期" in issues[(3, "操作")] and "管委会" in issues[(3, "操作")]
    assert "不存在" in issues[(4, "案件编号")] and "未知操作" in issues[(5, "操作")]
    described = caught.value.report.issues.errors[0].describe("updates2.xlsx")
    assert "updates2.xlsx" in described and "「案件进展」第3行「操作」列" in described
    case.refresh_from_db()
    assert not case.signoffs.exists() and case.events.count() == 1  # row 2's sign-off was undone too


def test_import_refuses_a_workbook_without_the_sheet_or_columns(world, tmp_path):
    path = write_workbook(tmp_path / "wrong.xlsx", {"其他": [["a"], ["b"]]})
    with pytest.raises(ImportRejected) as caught:
        apply_case_updates(path=path, actor=user("ecology"), scope=scope_for(user("ecology")))
    assert "案件进展" in caught.value.report.issues.errors[0].message
    path = write_workbook(tmp_path / "cols.xlsx", {"案件进展": [["案件编号", "说明"], ["ZL-2026-0001", "x"]]})
    with pytest.raises(ImportRejected) as caught:
        apply_case_updates(path=path, actor=user("ecology"), scope=scope_for(user("ecology")))
    assert caught.value.report.issues.errors[0].column == "操作"


def test_import_page_reports_the_rows_and_writes_nothing(client, world, tmp_path):
    case = open_test_case(state="rectifying")
    path = write_workbook(tmp_path / "u.xlsx", {"案件进展": [HEADER, [case.number, "提交核验", None, None, None]]})
    client.force_login(user("ecology"))
    with path.open("rb") as handle:
        page = client.post(reverse("governance:cases_import"), {"file": handle}, follow=True).content.decode()
    assert "未写入任何数据" in page and "第2行" in page and "整改证据" in page
    assert Case.objects.get(pk=case.pk).state == "rectifying"
