"""Issue 16 §2: green indicators per zone and year against the profile's baseline year (firms' yearly figures of
the 规上 firms summed, the 园区绿色指标 sheet for what firms do not report and for the baseline), the 底线 sets per
year, pass/fail, the consequences (通报约谈, 问责) with reasons and history, and at most three leading industries;
the sheet refuses bad rows naming file, sheet, row, column and value and writes nothing. SQLite and PostgreSQL."""

import pytest

from parkgov.errors import ImportRejected, InputError, NotFound
from parkgov.ingest.services import import_workbook
from parkgov.testing import green_sheet_rows, green_world, write_workbook
from parkgov.zones.bottom_line import assess, consequence_of, zone_outcomes, zones_outcomes
from parkgov.zones.green import zone_green
from parkgov.zones.green_rules import ConsequenceRules, GreenProfile, consequence_rules, green_profile
from parkgov.zones.industries import leading_industries
from parkgov.zones.models import ZoneGreenEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tmp_path, actor):
    green_world(folder=tmp_path, actor=actor)


def by_code(items):
    return {i["code"]: i for i in items}


def test_green_indicators_against_the_baseline_year(world):
    green = zone_green(zone="SZ", year=2025)
    assert green["baseline_year"] == 2015
    ind = by_code(green["indicators"])
    energy, water = ind["energy_intensity"], ind["water_intensity"]
    assert energy["value"] == pytest.approx(2150 / 3500) and energy["baseline"] == pytest.approx(0.75)
    assert energy["change_pct"] == pytest.approx((2150 / 3500 / 0.75 - 1) * 100)  # −18.1 %
    assert energy["passed"] is True and energy["target"] == -10 and energy["unit"] == "吨标准煤/万元"
    assert water["value"] == pytest.approx(6.0 * 10000 / 3500) and water["baseline"] == pytest.approx(20.0)
    assert water["change_pct"] == pytest.approx(-14.2857, abs=1e-3) and water["passed"] is False
    assert ind["solid_waste"]["value"] == pytest.approx(90.0) and ind["solid_waste"]["passed"] is False
    assert ind["iso14001"]["value"] == 1.0 and ind["iso14001"]["passed"] is True
    assert "1 家规上企业" in energy["origin"]
    # SZ-XW1 has no 规上 firm: no intensity, its certificate stated 否
    xw = by_code(zone_green(zone="SZ-XW1", year=2025)["indicators"])
    assert xw["energy_intensity"]["value"] is None and xw["energy_intensity"]["passed"] is None
    assert xw["iso14001"]["passed"] is False


def test_bottom_line_consequences_two_running_years_and_one(world, tmp_path, actor):
    outcome = zone_outcomes(zone="SZ", year=2025)
    assert set(outcome) >= {"year", "indicators", "failed", "consequence", "reasons", "history"}
    assert outcome["failed"] == 3 and outcome["consequence"] == "问责"
    assert {i["code"]: i["passed"] for i in outcome["indicators"]} == {
        "energy_reduction": True, "water_reduction": False, "solid_waste": False, "iso14001": True,
        "energy_intensity_cap": False}  # 2025 adds the 0.5 tce/万元 cap: 0.614 fails it
    assert [(h["year"], h["failed"], h["consequence"]) for h in outcome["history"]] == [
        (2023, 0, ""), (2024, 2, "通报约谈"), (2025, 3, "问责")]
    assert any("问责" in r and "连续两年" in r for r in outcome["reasons"])
    assert any(r.startswith("工业固体废物综合利用率 不达标：90.00%") for r in outcome["reasons"])
    # 2024 mended (certificate stated 是): only one failed in 2024, so 2025 is 通报约谈
    import_workbook(path=write_workbook(tmp_path / "fix.xlsx", {"园区绿色指标": green_sheet_rows(
        [{"zone": "SZ", "year": 2024, "iso14001": "是"}])}), actor=actor)
    mended = zone_outcomes(zone="SZ", year=2025)
    assert mended["consequence"] == "通报约谈" and mended["history"][1]["failed"] == 1
    assert ZoneGreenEntry.objects.get(zone__code="SZ", year=2024).waste_utilised == 9.8  # blank cell kept
    xw = {o["zone"].code: o for o in zones_outcomes(year=2025)}["SZ-XW1"]
    assert xw["failed"] == 1 and xw["consequence"] == "" and xw["missing"] == 4
    with pytest.raises(NotFound, match="没有 2019 年的底线指标"):
        zone_outcomes(zone="SZ", year=2019)
    with pytest.raises(NotFound, match="园区 NOPE 不存在"):
        zone_outcomes(zone="NOPE", year=2025)
    with pytest.raises(NotFound, match="园区 NOPE 不存在"):
        zone_green(zone="NOPE", year=2025)


def test_the_consequence_rules_are_data():
    rules = consequence_rules()
    assert consequence_of(failed_by_year={2024: 2, 2025: 2}, year=2025, rules=rules)[0] == "问责"
    assert consequence_of(failed_by_year={2024: 1, 2025: 3}, year=2025, rules=rules)[0] == "通报约谈"
    assert consequence_of(failed_by_year={2025: 1}, year=2025, rules=rules)[0] == ""
    assert consequence_of(failed_by_year={2023: 2, 2025: 2}, year=2025, rules=rules)[0] == "通报约谈"  # 2024 gap
    three = ConsequenceRules.model_validate({**rules.model_dump(), "rules": [
        {**rules.rules[0].model_dump(), "years_running": 3}, rules.rules[1].model_dump()]})
    assert consequence_of(failed_by_year={2024: 2, 2025: 2}, year=2025, rules=three)[0] == "通报约谈"


def test_bad_data_files_are_refused_naming_the_yaml_path(tmp_path):
    path = tmp_path / "bad.yaml"
    data = green_profile().model_dump()
    data["indicators"][0]["target"] = 10
    data["indicators"][1]["kind"] = "maximum"
    import yaml

    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        green_profile(str(path))
    text = str(caught.value)
    assert "bad.yaml 有 2 处错误" in text and "indicators[0]: 降幅指标的目标须为负数" in text
    assert "indicators[1].kind: 取值无效" in text
    assert GreenProfile  # the model the loader validates with


def test_the_sheet_refuses_bad_rows_naming_the_cell_and_writes_nothing(world, tmp_path, actor):
    rows = [{"zone": "SZ", "year": 2023, "iso14001": "是"},
            {"zone": "SZ", "year": 2025, "waste_utilised": 10.5},  # 10.5 > 10 stored
            {"zone": "NOPE", "year": 2025, "iso14001": "是"},
            {"zone": "SZ", "year": 2024, "waste_generated": -1},
            {"zone": "SZ", "year": 2022, "iso14001": "也许"}]
    path = write_workbook(tmp_path / "bad.xlsx", {"园区绿色指标": green_sheet_rows(rows)})
    before = ZoneGreenEntry.objects.count()
    with pytest.raises(ImportRejected) as caught:
        import_workbook(path=path, actor=actor)
    errors = {(e.sheet, e.row, e.column, e.value): e.message for e in caught.value.report.issues.errors}
    assert errors[("园区绿色指标", 3, "工业固体废物综合利用量（万吨）", "10.5")] == \
        "综合利用量 10.5 万吨大于产生量与往年贮存量之和 10 万吨"
    assert ("园区绿色指标", 4, "园区编码", "NOPE") in errors
    assert any(k[1] == 5 and k[2] == "工业固体废物产生量（万吨）" for k in errors)
    assert any(k[1] == 6 and k[2] == "通过ISO 14001认证（是/否）" and k[3] == "也许" for k in errors)
    assert ZoneGreenEntry.objects.count() == before and not ZoneGreenEntry.objects.filter(year=2023).exists()
    assert str(caught.value).startswith("bad.xlsx 有 4 处错误，未写入任何数据")


def test_at_most_three_leading_industries(world):
    mix = {m["zone"].code: m for m in leading_industries(year=2025)}
    # SZ (with its park): 38 电气机械 16100 and 36 汽车制造 390 of 2025 output; SZ-XW1's firm reports only 2024
    sz = mix["SZ"]
    assert [(i["code"], round(i["share"], 2), i["leading"]) for i in sz["industries"]] == [
        ("38", round(16100 / 16490 * 100, 2), True), ("36", round(390 / 16490 * 100, 2), False)]
    assert sz["leading_count"] == 1 and not sz["flagged"] and not mix["SZ-XW1"]["has_data"]


def test_a_park_with_four_leading_industries_is_flagged(world, actor):
    from parkgov.ledger.models import Enterprise, YearlyFigure, Zone

    zone = Zone.objects.get(code="SZ-XW1")
    for n, code in enumerate(("1830", "2614", "3670", "3484")):
        firm = Enterprise.objects.create(credit_code=f"91330683MA2{n:07d}", name=f"企业{n}", industry_code=code,
                                         scale="above", zone=zone, status="active")
        YearlyFigure.objects.create(enterprise=firm, year=2025, output_value=1000 + n)
    xw = {m["zone"].code: m for m in leading_industries(year=2025)}["SZ-XW1"]
    # 1830 → 18, 2614 → 26, 3670 → 36, 3484 → 34: four divisions of about 25 % each
    assert xw["leading_count"] == 4 and xw["flagged"] and "超过 3 个" in xw["reason"]


# --- pages, API, CLI, cockpit ------------------------------------------------------------------------------------

def committee():
    from django.contrib.auth import get_user_model

    from parkgov.accounts.models import Profile

    account = get_user_model().objects.create_user("committee")
    Profile.objects.create(user=account, role="committee", department="committee")
    return account


def test_pages_show_the_outcome_reasons_history_and_charts(client, world):
    from django.urls import reverse

    client.force_login(committee())
    page = client.get(reverse("zones:green"), {"year": 2025}).content.decode()
    assert '<tr data-zone="SZ" class="alert">' in page and '<tr data-zone="SZ-XW1" class="ok">' in page
    assert 'id="chart-green-failed"' in page and 'id="green-compare"' in page and "1 <small>/ 2</small>" in page
    zone = client.get(reverse("zones:green_zone", args=["SZ", 2025])).content.decode()
    assert "连续两年有两项及以上底线指标不达标" in zone and 'data-indicator="water_reduction" class="fail"' in zone
    assert 'data-year="2024"' in zone and 'id="chart-green-mix"' in zone and 'data-industry="38"' in zone
    assert client.get(reverse("zones:green_zone", args=["NOPE", 2025])).status_code == 404
    assert client.get(reverse("zones:green_zone", args=["SZ", 2019])).status_code == 404
    cockpit = client.get("/").content.decode()
    assert 'id="bottom-line-card"' in cockpit and "/zones/green/SZ/2025/" in cockpit


def test_api_lists_each_zones_outcome(client, world):
    from parkgov.accounts.services import issue_api_token

    headers = {"Authorization": f"Bearer {issue_api_token(user=committee())}"}
    body = client.get("/api/zones/bottom-line", {"year": 2025}, headers=headers).json()
    sz = {z["zone_code"]: z for z in body}["SZ"]
    assert sz["consequence"] == "问责" and sz["failed"] == 3 and [h["year"] for h in sz["history"]] == [2023, 2024, 2025]
    assert {g["code"] for g in sz["green"]} == {"energy_intensity", "water_intensity", "solid_waste", "iso14001"}
    missing = client.get("/api/zones/bottom-line", {"year": 2019}, headers=headers)
    assert missing.status_code == 404 and "没有 2019 年的底线指标" in missing.json()["error"]["message"]


@pytest.mark.django_db(transaction=True)
def test_cli_bottom_line_writes_the_workbook(tmp_path):
    import fastexcel

    from parkgov.testing import GREEN_ROWS, small_ledger_sheets
    from tests.test_cli import initialised, run

    initialised(tmp_path)
    sheets = small_ledger_sheets()
    sheets["园区绿色指标"] = green_sheet_rows(GREEN_ROWS)
    write_workbook(tmp_path / "ledger.xlsx", sheets)
    assert run(tmp_path, "import", "ledger.xlsx").returncode == 0
    result = run(tmp_path, "zone", "bottom-line", "--year", "2025", "--out", "b.xlsx")
    assert result.returncode == 0, result.stderr
    assert "SZ 嵊州经济开发区：3 项不达标，问责" in result.stdout and "2 个园区的底线考核" in result.stdout
    reader = fastexcel.read_excel(tmp_path / "b.xlsx")
    assert reader.sheet_names == ["底线考核", "底线指标", "绿色指标", "主导产业", "说明"]
    outcome = reader.load_sheet("底线考核").to_polars()
    assert outcome["园区编码"].to_list() == ["SZ", "SZ-XW1"] and outcome["后果"].to_list() == ["问责", "—"]
    limits = reader.load_sheet("底线指标").to_polars()
    assert limits.height == 10 and set(limits["是否达标"].to_list()) == {"是", "否", "—"}
    late = run(tmp_path, "zone", "bottom-line", "--year", "2019", "--out", "x.xlsx")
    assert late.returncode != 0 and "没有 2019 年的底线指标" in late.stderr and not (tmp_path / "x.xlsx").exists()


def test_every_green_and_bottom_line_label_is_marked_for_the_catalogue():
    import re

    import yaml

    from parkgov.zones import labels
    from parkgov.zones.green_rules import BOTTOM_LINE_DIR, GREEN_DIR

    names = set()
    for path in GREEN_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        names |= {data["name"]} | {i[k] for i in data["indicators"] for k in ("name", "unit", "formula")}
    for path in BOTTOM_LINE_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "rules" in data:
            names |= {r[k] for r in data["rules"] for k in ("consequence", "text")}
        else:
            names |= {data["name"]} | {i[k] for i in data["indicators"] for k in ("name", "unit") if k in i}
    names = {n for n in names if re.search(r"[\u4e00-\u9fff]", n)}
    assert names - set(labels.GREEN_LABELS) == set()


def test_pages_in_english_show_chinese_only_for_data(client, world):
    """The page text goes through the catalogue; what stays Chinese is data: zone names, industry names and the
    sources cited by the data files."""
    from django.urls import reverse

    from parkgov.codes.tables import code_table
    from parkgov.zones.green_rules import bottom_line_set, green_profile
    from tests.test_i18n import CHINESE, _page_texts, english

    client.force_login(committee())
    english(client)
    data = {"嵊州经济开发区", "三江小微企业园", "简体中文", code_table("gbt4754_2017").label("38"),
            code_table("gbt4754_2017").label("36")}
    data |= {i.source for i in green_profile().indicators} | {i.source for i in bottom_line_set(2025).indicators}
    assert "Bottom-line assessment 2025" in client.get("/").content.decode()  # the cockpit's card
    for url in (reverse("zones:green") + "?year=2025", reverse("zones:green_zone", args=["SZ", 2025])):
        left = []
        for text in _page_texts(client.get(url).content.decode()):
            for value in sorted(data, key=len, reverse=True):
                text = text.replace(value, "")
            if CHINESE.search(text):
                left.append(text)
        assert not left, (url, left)


def test_the_sheet_records_provenance_and_round_trips(world, tmp_path, actor):
    import fastexcel
    import polars as pl

    from parkgov.ingest.export import export_ledger, ledger_frames

    entry = ZoneGreenEntry.objects.get(zone__code="SZ", year=2025)
    assert entry.iso14001 == "yes" and set(entry.provenance) == {"waste_generated", "waste_utilised", "iso14001"}
    assert entry.history.count() == 1
    before = ledger_frames()["园区绿色指标"]
    export_ledger(path=tmp_path / "out.xlsx")
    sheet = fastexcel.read_excel(tmp_path / "out.xlsx").load_sheet("园区绿色指标").to_polars()
    assert sheet.height == 4 and sheet.filter(pl.col("年度") == 2025)["通过ISO 14001认证（是/否）"].to_list() == ["是", "否"]
    report = import_workbook(path=tmp_path / "out.xlsx", actor=actor)
    assert report.written["园区绿色指标"] == {"created": 0, "updated": 0, "unchanged": 4}
    assert ledger_frames()["园区绿色指标"].equals(before)
