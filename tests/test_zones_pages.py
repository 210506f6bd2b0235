"""Issue 16 §1 in the web, the API and the CLI: a zone's evaluation page (indicators with formula and inputs,
score, potentials, the account with provenance, its years), the ranking and the comparison; running an evaluation
needs zone_eval write; `parkgov zone evaluate` writes one row per indicator with its Chinese name, value, unit,
ideal value, score and formula plus a 说明 sheet, and refuses in Chinese. Scope per role and park:
tests/test_scope.py."""

import fastexcel
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from parkgov.accounts.models import Profile
from parkgov.testing import land_sheet_rows, small_ledger_sheets, write_workbook, zone_world
from parkgov.zones.models import ZoneEvaluationRun
from tests.test_cli import initialised, run

ROW = {"zone": "SZ", "year": 2025, "total_area": 10.0, "a1": 1.0, "a31": 0.5, "d1": 0.5, "floor_area": 5.0,
       "footprint_area": 1.8}


@pytest.fixture
def world(db, tmp_path, actor):
    zone_world(folder=tmp_path, actor=actor, entered=ROW)
    return ZoneEvaluationRun.objects.get()


def user(role):
    account = get_user_model().objects.create_user(role)
    Profile.objects.create(user=account, role=role, department=role)
    return account


def test_zone_page_shows_each_indicator_with_formula_inputs_and_provenance(client, world):
    client.force_login(user("committee"))
    page = client.get(reverse("zones:zone", args=["SZ", 2025])).content.decode()
    assert page.count('data-indicator="') == 10
    # SZ: A = A1 1.0 (entered) + A2 2.67 (parcels) + A31 0.5 = 4.17 公顷; D = D1 0.5 + D21 2.67; B21 = 0
    assert "D ÷ (A + B21) × 100" in page and "3.17 ÷ (4.17 + 0.0) × 100" in page
    assert "D = 3.17 公顷；A = 4.17 公顷；B21 = 0.0 公顷" in page
    assert '<tr data-field="a1" class="entered">' in page and "填报（园区土地表）" in page
    assert "台账推算（2 宗地块）" in page  # A2 from SZ-0001 and SZ-0002
    for potential in ("expansion", "structure", "intensity", "management"):
        assert f'data-potential="{potential}"' in page
    assert 'id="chart-zone-radar"' in page and 'id="zone-chart"' in page and 'data-year="2025"' in page
    result = world.results.get(zone__code="SZ")
    supply = next(i for i in result.indicators if i["code"] == "supply_rate")
    assert supply["value"] == pytest.approx((0.5 + 2.666667) / (1.0 + 2.666667 + 0.5) * 100)


def test_ranking_compare_and_running_an_evaluation(client, world):
    client.force_login(user("committee"))  # reads zone_eval, does not write it
    index = client.get(reverse("zones:index")).content.decode()
    assert 'data-zone="SZ"' in index and 'data-zone="SZ-XW1"' in index and "zones:evaluate" not in index
    assert 'action="/zones/evaluate/"' not in index
    assert client.post(reverse("zones:evaluate"), {"year": 2025, "profile": "tdt1029_2014_industrial"}).status_code \
        == 403
    compare = client.get(reverse("zones:compare"), {"year": 2025, "zone": ["SZ-XW1", "SZ"]}).content.decode()
    assert compare.index('data-zone="SZ-XW1"') < compare.index('<th data-zone="SZ"')
    client.force_login(user("natural_resources"))
    response = client.post(reverse("zones:evaluate"), {"year": 2025, "profile": "tdt1029_2014_integrated"})
    assert response.status_code == 302 and ZoneEvaluationRun.objects.filter(profile_id="tdt1029_2014_integrated",
                                                                            zones=2).exists()
    page = client.get(response.url).content.decode()
    assert "已评价 2025 年 2 个园区" in page and page.count('data-zone="') == 2
    refused = client.post(reverse("zones:evaluate"), {"year": 2100, "profile": "tdt1029_2014_industrial"},
                          follow=True).content.decode()
    assert "年度 2100 不在允许范围 2000–" in refused
    assert client.get(reverse("zones:zone", args=["NOPE", 2025])).status_code == 404
    assert client.get(reverse("zones:zone", args=["SZ", 2019])).status_code == 404


def test_a_role_without_zone_eval_does_not_see_the_navigation_entry(client, world):
    client.force_login(user("ecology"))
    assert reverse("zones:index") not in client.get("/").content.decode()
    assert client.get(reverse("zones:index")).status_code == 403
    client.force_login(user("economy"))
    assert reverse("zones:index") in client.get("/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_cli_zone_evaluate_writes_one_row_per_indicator(tmp_path):
    initialised(tmp_path)
    empty = run(tmp_path, "zone", "evaluate", "--zone", "SZ", "--year", "2025", "--out", "e.xlsx")
    assert empty.returncode != 0 and "2025 年没有任何园区的土地账" in empty.stderr.replace("\n", "")
    sheets = small_ledger_sheets()
    sheets["园区土地"] = land_sheet_rows([ROW])
    write_workbook(tmp_path / "ledger.xlsx", sheets)
    assert run(tmp_path, "import", "ledger.xlsx").returncode == 0
    result = run(tmp_path, "zone", "evaluate", "--zone", "SZ", "--year", "2025", "--out", "sz.xlsx")
    assert result.returncode == 0, result.stderr
    assert "已评价 2025 年 2 个园区" in result.stdout and "已导出 sz.xlsx：10 个指标" in result.stdout
    reader = fastexcel.read_excel(tmp_path / "sz.xlsx")
    assert reader.sheet_names == ["指标", "潜力", "土地账", "说明"]
    sheet = reader.load_sheet("指标").to_polars()
    assert sheet.height == 10
    for column in ("指标", "数值", "单位", "理想值", "实现度分值", "公式"):
        assert column in sheet.columns
    row = sheet.filter(sheet["指标"] == "综合容积率").row(0, named=True)
    assert row["数值"] == pytest.approx(5.0 / (1.0 + 2.666667 + 0.5)) and row["理想值"] == 1.14
    assert row["实现度分值"] == pytest.approx(min(row["数值"] / 1.14 * 100, 100)) and row["公式"] == "总建筑面积 ÷ A"
    about = reader.load_sheet("说明").to_polars()
    assert "tdt1029_2014_industrial" in " ".join(str(v) for v in about["内容"].to_list())
    missing = run(tmp_path, "zone", "evaluate", "--zone", "NOPE", "--year", "2025", "--out", "x.xlsx")
    assert missing.returncode != 0 and "园区 NOPE 不存在" in missing.stderr and not (tmp_path / "x.xlsx").exists()
    late = run(tmp_path, "zone", "evaluate", "--zone", "SZ", "--year", "2100", "--out", "y.xlsx")
    assert late.returncode != 0 and "年度 2100 不在允许范围" in late.stderr.replace("\n", "")
    bad = run(tmp_path, "zone", "evaluate", "--zone", "SZ", "--year", "2025", "--out", "z.xlsx", "--profile", "nope")
    assert bad.returncode != 0 and "没有指标体系 nope" in bad.stderr


def test_every_profile_label_is_marked_for_the_catalogue():
    import yaml

    from parkgov.zones import labels
    from parkgov.zones.profile import PROFILES_DIR

    listed = set(labels.PROFILE_LABELS)
    for path in PROFILES_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        names = {data["name"]} | {p["name"] for p in data["potentials"]}
        for goal in data["goals"]:
            names |= {goal["name"]} | {s["name"] for s in goal["subgoals"]}
            names |= {i["name"] for s in goal["subgoals"] for i in s["indicators"]}
        assert names - listed == set(), path.name


def test_pages_in_english_show_chinese_only_for_data(client, world):
    """The page text goes through the catalogue; what stays Chinese is data: zone names and the stored texts of a
    run (formulas with their numbers, inputs, potentials, the account's checks), kept as the record of the run."""
    from tests.test_i18n import CHINESE, _page_texts, english

    client.force_login(user("committee"))
    english(client)
    result = world.results.get(zone__code="SZ")
    account = result.zone.land_accounts.get(year=2025)
    data = {"嵊州经济开发区", "三江小微企业园", "简体中文", result.total_text, result.supply_years_text}
    data |= {i[k] for i in result.indicators for k in ("formula", "computation", "inputs")}
    data |= {p["text"] for p in result.potentials} | {p["message"] for p in account.problems}
    for url in (reverse("zones:index"), reverse("zones:zone", args=["SZ", 2025]),
                reverse("zones:compare") + "?year=2025&zone=SZ&zone=SZ-XW1"):
        left = []
        for text in _page_texts(client.get(url).content.decode()):
            for value in sorted(data, key=len, reverse=True):
                text = text.replace(value, "")
            if CHINESE.search(text):
                left.append(text)
        assert not left, (url, left)
