"""Issue 16 §3 (longyan): zone targets with monthly actuals and completion %, key projects by category with the
monthly dispatch (web form, Excel template and upload, API), late and missing reports by the due day of
data/targets.yaml, quarterly reviews, the annual score of the scoring rule, and the cockpit card
(45.67 亿 / 目标 47.33 亿 = 96.5 %). Scope per role and park: tests/test_scope.py."""

import datetime as dt

import fastexcel
import pytest
import yaml
from django.contrib.auth import get_user_model
from django.urls import reverse

from parkgov.accounts.models import Profile
from parkgov.accounts.services import issue_api_token
from parkgov.errors import ImportRejected, InputError
from parkgov.ledger.models import Zone
from parkgov.testing import make_dispatch, make_key_project, small_ledger_sheets, write_workbook
from parkgov.zones import projects as project_services
from parkgov.zones.dispatch_sheet import import_dispatch, write_dispatch_template
from parkgov.zones.models import DispatchReport, KeyProject
from parkgov.zones.target_rules import TARGETS_FILE, target_rules
from parkgov.zones.targets import cockpit_card, record_actual, set_target, zone_progress

TODAY = dt.date(2026, 3, 1)  # every month of 2025 is due (the last by 2026-01-05)


@pytest.fixture
def zones(db, tmp_path, actor):
    from parkgov.ingest.services import import_workbook

    import_workbook(path=write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets()), actor=actor)
    return {z.code: z for z in Zone.objects.all()}


def user(role, park=None):
    account = get_user_model().objects.create_user(f"{role}-{park or 'all'}")
    profile = Profile.objects.create(user=account, role=role, department=role)
    if park:
        profile.zones.set([Zone.objects.get(code=park)])
    return account


def test_the_data_file_is_validated_with_the_yaml_path(tmp_path):
    data = yaml.safe_load(TARGETS_FILE.read_text(encoding="utf-8"))
    assert [c["name"] for c in data["categories"]] == ["产业发展", "基础设施", "公共服务", "创新平台", "环境整治"]
    assert {k["unit"] for k in data["kinds"]} == {"万元", "亩", "万平方米"}
    data["scoring"]["parts"][0]["weight"] = 50
    data["kinds"][0]["unit"] = "亿元"
    bad = tmp_path / "targets.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        target_rules(bad)
    assert "targets.yaml" in str(exc.value) and "kinds[0].unit" in str(exc.value)
    assert "权重合计应为 100，现为 90" in str(exc.value)
    assert target_rules().dispatch.due_date(2025, 12) == dt.date(2026, 1, 5)


def test_zone_progress_gives_completion_and_the_monthly_trend(zones):
    sz = zones["SZ"]
    set_target(zone=sz, year=2025, kind="plant_area", target=20.0)
    for month, value in ((1, 2.0), (2, 3.0), (4, 5.0)):
        record_actual(zone=sz, year=2025, month=month, kind="plant_area", value=value)
    record_actual(zone=sz, year=2025, month=3, kind="bond_approved", value=1000.0)
    with pytest.raises(InputError, match="目标指标 steel 未定义"):
        set_target(zone=sz, year=2025, kind="steel", target=1.0)
    with pytest.raises(InputError, match="月份 13 不在允许范围 1–12"):
        record_actual(zone=sz, year=2025, month=13, kind="tax", value=1.0)
    progress = zone_progress(zone=sz, year=2025)
    plant = next(k for k in progress["kinds"] if k["code"] == "plant_area")
    assert progress["as_of_month"] == 4
    assert (plant["target"], plant["actual"], plant["completion_pct"], plant["unit"]) == (20.0, 10.0, 50.0, "万平方米")
    assert [m["cumulative_pct"] for m in plant["months"]] == [10.0, 25.0, 25.0, 50.0]
    bonds = next(k for k in progress["kinds"] if k["code"] == "bond_approved")
    assert bonds["target"] is None and bonds["completion_pct"] is None and bonds["actual"] == 1000.0


def test_late_and_missing_reports_and_the_annual_score(zones):
    project = make_key_project(zone=zones["SZ"], code="XM-1", annual_target=1200.0)
    for month in range(1, 11):  # Nov and Dec never reported
        late = month in (3, 7)
        make_dispatch(project=project, month=month, invested=100.0, progress_pct=month * 8,
                      reported_on=dt.date(2025, month + 1, 20 if late else 3))
    rows = project_services.month_rows(project=project, today=TODAY)
    assert [r["state"] for r in rows].count("late") == 2 and rows[2]["state"] == "late"
    assert [r["month"] for r in rows if r["state"] == "missing"] == [11, 12]
    assert rows[9]["cumulative_pct"] == pytest.approx(1000 / 1200 * 100, abs=0.1)
    result = project_services.score(project=project, rows=rows)
    # investment 1000/1200 × 60 = 50.0; progress 80 % × 25 = 20.0; on time 8 of 12 due × 15 = 10.0
    assert [p["points"] for p in result["parts"]] == [50.0, 20.0, 10.0]
    assert (result["score"], result["grade"], result["verified"]) == (80.0, "良好", False)
    totals = project_services.project_totals(zone_ids=None, year=2025, today=TODAY)
    assert (totals["count"], totals["invested"], totals["late"], totals["missing"]) == (1, 1000.0, 2, 2)
    early = project_services.month_rows(project=project, today=dt.date(2025, 12, 10))
    assert early[10]["state"] == "missing" and early[11]["state"] == "not_due"  # Nov due 12-05, Dec due 01-05
    with pytest.raises(InputError, match="形象进度 120% 不在 0–100 之间"):
        project_services.submit_report(project=project, year=2025, month=11, invested=1.0, progress_pct=120)


def test_cockpit_card_reads_like_longyan(zones, client):
    """longyan-2020: 1至8月完成投资45.67亿元、占年度目标的96.5%."""
    project = make_key_project(zone=zones["SZ"], code="XM-1", annual_target=473300.0)
    make_dispatch(project=project, month=8, invested=456700.0)
    set_target(zone=zones["SZ"], year=2025, kind="plant_area", target=120.0)
    record_actual(zone=zones["SZ"], year=2025, month=8, kind="plant_area", value=109.75)
    record_actual(zone=zones["SZ-XW1"], year=2025, month=8, kind="bond_approved", value=143300.0)
    record_actual(zone=zones["SZ-XW1"], year=2025, month=8, kind="bond_disbursed", value=65300.0)
    card = cockpit_card(year=2025, zone_ids=None)
    assert (card["invested_yi"], card["target_yi"], card["invested_pct"]) == (45.67, 47.33, 96.5)
    assert (card["plant"], card["plant_pct"], card["bond_approved_yi"], card["bond_disbursed_yi"]) == \
        (109.75, 91.5, 14.33, 6.53)
    assert cockpit_card(year=2025, zone_ids=(zones["SZ-XW1"].pk,))["invested_yi"] == 0.0
    client.force_login(user("committee"))
    page = client.get(reverse("web:cockpit"), {"year": 2025}).content.decode()
    assert 'id="targets-card"' in page and "45.67 亿 / 目标 47.33 亿 = 96.5%" in page
    assert "109.75 / 120.00 万平方米 = 91.5%" in page and "14.33 亿 / 已支付 6.53 亿" in page
    client.force_login(user("ecology"))  # no zone_eval: no card
    assert 'id="targets-card"' not in client.get(reverse("web:cockpit"), {"year": 2025}).content.decode()


def _filled(path, values):
    """The template's rows with `values` (header → cell) written into the rows of each project code."""
    frame = fastexcel.read_excel(path).load_sheet("项目调度").to_polars()
    headers, rows = frame.columns, [list(r) for r in frame.rows()]
    for row in rows:
        for header, value in values.get(row[0], {}).items():
            row[headers.index(header)] = value
    return write_workbook(path, {"项目调度": [headers, *rows]})


def test_dispatch_template_upload_and_all_or_nothing_errors(zones, tmp_path, actor):
    a = make_key_project(zone=zones["SZ"], code="XM-A", name="厨电基地")
    make_key_project(zone=zones["SZ"], code="XM-B", category="infrastructure")
    make_key_project(zone=zones["SZ-XW1"], code="XM-C")
    make_dispatch(project=a, month=7, invested=10.0)
    path = tmp_path / "dispatch.xlsx"
    assert write_dispatch_template(path=path, zone=zones["SZ"], year=2025, month=8, zone_ids=None) == 2
    frame = fastexcel.read_excel(path).load_sheet("项目调度").to_polars()
    assert frame["项目编码"].to_list() == ["XM-A", "XM-B"] and frame["月份"].to_list() == [8, 8]
    assert frame["项目名称（仅供核对，不导入）"].to_list()[0] == "厨电基地"
    _filled(path, {"XM-A": {"本月完成投资（万元）": 260, "需协调事项": "请供电公司增容"},
                   "XM-B": {"本月完成投资（万元）": -5}})
    with pytest.raises(ImportRejected) as exc:
        import_dispatch(path=path, actor=actor, zone_ids=None)
    text = [i.describe(path.name) for i in exc.value.report.issues.errors]
    assert any("dispatch.xlsx 工作表「项目调度」第3行「本月完成投资（万元）」列：值“-5”" in t for t in text), text
    assert DispatchReport.objects.filter(month=8).count() == 0  # nothing written
    _filled(path, {"XM-B": {"本月完成投资（万元）": 40, "项目编码": "XM-C"}})
    with pytest.raises(ImportRejected) as exc:
        import_dispatch(path=path, actor=actor, zone_ids=(zones["SZ"].pk,))
    assert any("项目不在您的数据范围内" in i.message for i in exc.value.report.issues.errors)
    _filled(path, {"XM-C": {"项目编码": "XM-B"}})
    report = import_dispatch(path=path, actor=actor, zone_ids=(zones["SZ"].pk,))
    assert report.rows["项目调度"] == 2
    stored = DispatchReport.objects.get(project__code="XM-A", month=8)
    assert (stored.invested, stored.help_requested, stored.submission_id) == (260.0, "请供电公司增容",
                                                                               report.submission_id)
    assert stored.history.count() == 1


def test_project_pages_web_dispatch_review_and_api(zones, client):
    project = make_key_project(zone=zones["SZ"], code="XM-A", year=2025, annual_target=1000.0)
    make_dispatch(project=project, month=1, invested=50.0, reported_on=dt.date(2025, 2, 20))
    client.force_login(user("committee"))  # reads zone_eval, does not write it
    page = client.get(reverse("zones:project", args=["XM-A"])).content.decode()
    assert 'data-month="1" class="state-late"' in page and "逾期报送" in page and 'id="dispatch-form"' not in page
    assert client.post(reverse("zones:project_dispatch", args=["XM-A"]), {"month": 2, "invested": 1}).status_code == 403
    listing = client.get(reverse("zones:projects"), {"year": 2025}).content.decode()
    assert 'data-project="XM-A"' in listing and "产业发展" in listing
    assert reverse("zones:dispatch_template_download", args=["SZ", 2025, 12]) in listing or "template.xlsx" in listing
    writer = user("natural_resources")
    client.force_login(writer)
    page = client.post(reverse("zones:project_dispatch", args=["XM-A"]),
                       {"month": 2, "invested": 80, "progress_pct": 15, "problems": "征迁未完成"}, follow=True)
    assert "已报送 2 月调度" in page.content.decode()
    report = DispatchReport.objects.get(project=project, month=2)
    assert (report.invested, report.problems, report.reported_by) == (80.0, "征迁未完成", writer)
    refused = client.post(reverse("zones:project_dispatch", args=["XM-A"]), {"month": 13, "invested": -1},
                          follow=True).content.decode()
    assert "月份" in refused and DispatchReport.objects.filter(project=project).count() == 2
    client.post(reverse("zones:project_review", args=["XM-A"]), {"quarter": 1, "note": "进度滞后，须加快征迁"})
    assert "进度滞后，须加快征迁" in client.get(reverse("zones:project", args=["XM-A"])).content.decode()
    api = client.get("/api/zones/projects", {"year": 2025}).json()
    assert [(p["code"], p["invested"], p["late"]) for p in api] == [("XM-A", 130.0, 2)]  # February sent today
    headers = {"Authorization": f"Bearer {issue_api_token(user=writer)}"}
    months = client.post("/api/zones/projects/XM-A/dispatch", {"month": 3, "invested": 20},
                         content_type="application/json", headers=headers).json()
    assert [(m["month"], m["invested"], m["state"]) for m in months[:4]] == [
        (1, 50.0, "late"), (2, 80.0, "late"), (3, 20.0, "late"), (4, None, "missing")]
    reader = {"Authorization": f"Bearer {issue_api_token(user=user('committee', 'SZ-XW1'))}"}
    assert client.post("/api/zones/projects/XM-A/dispatch", {"month": 4, "invested": 1},
                       content_type="application/json", headers=reader).status_code == 403
    assert client.get("/api/zones/projects/NOPE/dispatch").status_code == 404
    set_target(zone=zones["SZ"], year=2025, kind="investment", target=5000.0)
    record_actual(zone=zones["SZ"], year=2025, month=1, kind="investment", value=400.0)
    targets = client.get(reverse("zones:zone_targets", args=["SZ", 2025])).content.decode()
    assert 'id="chart-targets-trend"' in targets and "8.0%" in targets
    assert [(t["zone_code"], t["kind"], t["completion_pct"]) for t in
            client.get("/api/zones/targets", {"year": 2025}).json()] == [("SZ", "investment", 8.0)]


def test_the_project_sheets_import_through_the_exchange_workbook(zones, tmp_path, actor):
    from parkgov.ingest.services import import_workbook

    sheets = {"重点项目": [["项目编码", "项目名称", "园区编码", "年度", "项目类别", "年度计划投资（万元）"],
                       ["XM-9", "污水处理厂二期", "SZ", 2025, "基础设施", 21643]],
              "园区目标": [["园区编码", "年度", "指标", "年度目标", "1月完成", "2月完成"],
                       ["SZ", 2025, "新建标准厂房", 20, 1.5, 2.5]],
              "项目调度": [["项目编码", "年度", "月份", "本月完成投资（万元）"], ["XM-9", 2025, 1, 800]]}
    import_workbook(path=write_workbook(tmp_path / "p.xlsx", sheets), actor=actor)
    assert KeyProject.objects.get(code="XM-9").category == "infrastructure"
    plant = next(k for k in zone_progress(zone=zones["SZ"], year=2025)["kinds"] if k["code"] == "plant_area")
    assert (plant["actual"], plant["completion_pct"]) == (4.0, 20.0)
    assert DispatchReport.objects.get(project__code="XM-9").reported_on is not None
    sheets["项目调度"][1] = ["XM-9", 2024, 1, 800]
    sheets["园区目标"][1] = ["SZ", 2025, "钢产量", 20, 1.5, 2.5]
    with pytest.raises(ImportRejected) as exc:
        import_workbook(path=write_workbook(tmp_path / "q.xlsx", sheets), actor=actor)
    messages = [i.describe("q.xlsx") for i in exc.value.report.issues.errors]
    assert any("「项目调度」第2行「年度」列：值“2024”，项目 XM-9 属于 2025 年重点项目清单" in m for m in messages), messages
    assert any("「园区目标」第2行「指标」列：值“钢产量”，不是允许的取值" in m for m in messages), messages


@pytest.mark.django_db(transaction=True)
def test_cli_targets_template_import_and_dispatch_report(tmp_path):
    from tests.test_cli import initialised, run

    initialised(tmp_path)
    sheets = {"园区": small_ledger_sheets()["园区"],
              "重点项目": [["项目编码", "项目名称", "园区编码", "年度", "项目类别", "年度计划投资（万元）"],
                       ["XM-1", "南北环路网工程", "SZ", 2025, "基础设施", 36000],
                       ["XM-2", "科创中心及孵化器", "SZ", 2025, "创新平台", 11000]],
              "园区目标": [["园区编码", "年度", "指标", "年度目标", "1月完成"], ["SZ", 2025, "新建标准厂房", 20, 5]]}
    write_workbook(tmp_path / "list.xlsx", sheets)
    assert run(tmp_path, "import", "list.xlsx").returncode == 0
    made = run(tmp_path, "zone", "dispatch-template", "--zone", "SZ", "--year", "2025", "--month", "1", "--out", "t.xlsx")
    assert made.returncode == 0 and "已写出 t.xlsx：2 个重点项目" in made.stdout, made.stderr
    _filled(tmp_path / "t.xlsx", {"XM-1": {"本月完成投资（万元）": 3000, "存在问题": "征迁尚有 3 户未签约"},
                                  "XM-2": {"本月完成投资（万元）": "三百"}})
    refused = run(tmp_path, "zone", "dispatch-import", "t.xlsx")
    text = refused.stderr.replace("\n", "")
    assert refused.returncode == 1 and "t.xlsx 工作表「项目调度」第3行「本月完成投资（万元）」列：值“三百”" in text, text
    _filled(tmp_path / "t.xlsx", {"XM-2": {"本月完成投资（万元）": 900}})
    done = run(tmp_path, "zone", "dispatch-import", "t.xlsx")
    assert done.returncode == 0 and "已导入 t.xlsx：2 条月度调度" in done.stdout, done.stderr
    shown = run(tmp_path, "zone", "targets", "--zone", "SZ", "--year", "2025").stdout
    assert "新建标准厂房：5.00 / 20.00 万平方米，完成 25.0%" in shown
    assert "重点项目 2 个：完成投资 3,900.00 / 47,000.00 万元，完成 8.3%" in shown
    report = run(tmp_path, "zone", "dispatch-report", "--zone", "SZ", "--year", "2025", "--month", "1", "--out", "d.pdf")
    assert report.returncode == 0 and "已写出 d.pdf" in report.stdout, report.stderr
    assert (tmp_path / "d.pdf").read_bytes().startswith(b"%PDF")


def test_every_label_of_the_data_file_is_marked_for_the_catalogue():
    from parkgov.zones.target_labels import TARGET_LABELS

    rules = target_rules()
    labels = {k.name for k in rules.kinds} | {k.unit for k in rules.kinds} | {c.name for c in rules.categories}
    labels |= {p.name for p in rules.scoring.parts} | {g.name for g in rules.scoring.grades}
    assert labels - set(TARGET_LABELS) == set()


def test_monthly_dispatch_report_pdf_is_real_chinese_text(zones, client, tmp_path):
    import subprocess

    a = make_key_project(zone=zones["SZ"], code="XM-A", name="南北环路网工程", annual_target=36000.0)
    b = make_key_project(zone=zones["SZ"], code="XM-B", name="科创中心及孵化器", category="innovation")
    make_key_project(zone=zones["SZ-XW1"], code="XM-C", name="三江园区供水改造")
    make_dispatch(project=a, month=7, invested=3000.0)
    make_dispatch(project=a, month=8, invested=2600.0, reported_on=dt.date(2025, 9, 18),
                  help_requested="请属地街道加快征迁")
    set_target(zone=zones["SZ"], year=2025, kind="plant_area", target=20.0)
    record_actual(zone=zones["SZ"], year=2025, month=8, kind="plant_area", value=4.0)
    client.force_login(user("committee", "SZ"))
    response = client.get(reverse("zone_dispatch_report", args=["SZ", 2025, 8]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "dispatch.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "嵊州经济开发区 2025 年 8 月重点项目调度报告" in text
    assert "南北环路网工程" in text and "科创中心及孵化器" in text and "三江园区供水改造" not in text
    assert "5,600.00" in text and "15.6%" in text  # 1—8 月 3,000 + 2,600 of 36,000
    assert "南北环路网工程：逾期报送（2025-09-18）" in text and "请属地街道加快征迁" in text
    assert "科创中心及孵化器：未报送" in text and "新建标准厂房" in text and "20.0%" in text
    assert b.reports.count() == 0
    refused = client.get(reverse("zone_dispatch_report", args=["SZ", 2025, 13]))
    assert refused.status_code == 400 and "月份 13 不在允许范围 1–12" in refused.content.decode()
    assert client.get(reverse("zone_dispatch_report", args=["SZ-XW1", 2025, 8])).status_code == 200
    client.force_login(user("committee", "SZ-XW1"))
    assert client.get(reverse("zone_dispatch_report", args=["SZ", 2025, 8])).status_code == 404


def test_pages_in_english_show_chinese_only_for_data(zones, client):
    """Page text and the data file's labels (kinds, units, categories, grades) go through the catalogue; project
    names, plans and what a report says stay as entered."""
    from tests.test_i18n import CHINESE, _page_texts, english

    project = make_key_project(zone=zones["SZ"], code="XM-A", name="南北环路网工程")
    make_dispatch(project=project, month=1, invested=100.0, progress_pct=5, help_requested="请属地街道加快征迁",
                  reported_on=dt.date(2025, 2, 20))
    project_services.add_review(project=project, quarter=1, note="进度滞后")
    set_target(zone=zones["SZ"], year=2025, kind="plant_area", target=20.0)
    record_actual(zone=zones["SZ"], year=2025, month=1, kind="plant_area", value=2.0)
    client.force_login(user("natural_resources"))
    english(client)
    data = {"嵊州经济开发区", "三江小微企业园", "简体中文", "南北环路网工程", "年内主体结顶", "请属地街道加快征迁", "进度滞后",
            target_rules().scoring.source}
    for url in (reverse("zones:projects") + "?year=2025", reverse("zones:project", args=["XM-A"]),
                reverse("zones:targets") + "?year=2025", reverse("zones:zone_targets", args=["SZ", 2025]),
                reverse("zones:zone_targets_edit", args=["SZ", 2025]),
                reverse("web:cockpit") + "?year=2025"):
        html = client.get(url).content.decode()
        left = []
        for text in _page_texts(html):
            for value in sorted(data, key=len, reverse=True):
                text = text.replace(value, "")
            if CHINESE.search(text):
                left.append(text)
        assert not left, (url, left)
    assert "Industrial development" in client.get(reverse("zones:projects") + "?year=2025").content.decode()


def test_dispatch_upload_on_the_projects_page(zones, client, tmp_path):
    """The page's upload: the month's template back with the figures; a bad cell lists file, sheet, row, column and
    value and writes nothing; a reader may not upload."""
    make_key_project(zone=zones["SZ"], code="XM-A")
    client.force_login(user("natural_resources"))
    template = client.get(reverse("zones:dispatch_template_download", args=["SZ", 2025, 5]))
    path = tmp_path / "五月调度.xlsx"
    path.write_bytes(b"".join(template.streaming_content))
    _filled(path, {"XM-A": {"本月完成投资（万元）": 120, "形象进度（%）": 130}})
    back = reverse("zones:projects") + "?year=2025&month=5"
    with path.open("rb") as handle:
        page = client.post(reverse("zones:dispatch_upload"), {"file": handle, "back": back}, follow=True)
    html = page.content.decode()
    assert "五月调度.xlsx 有 1 处错误，未写入任何数据" in html
    assert "五月调度.xlsx 工作表「项目调度」第2行「形象进度（%）」列：值“130" in html
    assert not DispatchReport.objects.exists()
    _filled(path, {"XM-A": {"形象进度（%）": 30}})
    with path.open("rb") as handle:
        page = client.post(reverse("zones:dispatch_upload"), {"file": handle, "back": back}, follow=True)
    assert "已导入 五月调度.xlsx：1 条月度调度" in page.content.decode() and page.redirect_chain[-1][0] == back
    assert DispatchReport.objects.get().progress_pct == 30.0
    client.force_login(user("committee"))
    with path.open("rb") as handle:
        assert client.post(reverse("zones:dispatch_upload"), {"file": handle}).status_code == 403
