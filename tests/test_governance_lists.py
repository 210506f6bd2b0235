"""Issue 14 §2 §5: governance list runs stored, compared between years, seen within scope on the pages, in the
workbook, through the API and the CLI."""


import fastexcel
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from parkgov.accounts.models import Profile
from parkgov.accounts.scopes import scope_for
from parkgov.accounts.services import issue_api_token
from parkgov.governance.lists import compare_years, latest_runs, scoped_entries
from parkgov.governance.models import ListRun
from parkgov.ledger.models import Zone
from parkgov.testing import evaluated_ledger_with_geometry, list_run, uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_MEDIA_ROOT = tmp_path / "media"
    evaluated_ledger_with_geometry(folder=tmp_path, actor=actor)
    for role in ("economy", "ecology"):
        user = get_user_model().objects.create_user(f"{role}-xw1")
        Profile.objects.create(user=user, role=role, department=role).zones.set([Zone.objects.get(code="SZ-XW1")])


@pytest.fixture
def two_years(ledger):
    """低效 firms: 2024 lists firms 1 and 2, 2025 lists 2 and 3 (an older 2025 run listed 1 only)."""
    list_run(rule_id="low", year=2024, keys=[uscc(1), uscc(2)])
    list_run(rule_id="low", year=2025, keys=[uscc(1)])
    return list_run(rule_id="low", year=2025, keys=[uscc(2), uscc(3)], category="<5万元/亩")


def user(name):
    return get_user_model().objects.get(username=name)


def keys(rows):
    return [row["subject_key"] for row in rows]


def test_compare_years_new_still_left_by_subject_key(two_years):
    diff = compare_years(rule_id="low", year=2025, previous_year=2024, scope=scope_for(user("economy")))
    assert diff["run"] == two_years  # the latest run of the year, not the older one
    assert keys(diff["new"]) == [uscc(3)] and keys(diff["still"]) == [uscc(2)] and keys(diff["left"]) == [uscc(1)]
    assert diff["left"][0]["enterprise__name"] == "嵊州市甲厨具有限公司"


def test_compare_years_within_the_users_parks(two_years):
    diff = compare_years(rule_id="low", year=2025, previous_year=2024, scope=scope_for(user("economy-xw1")))
    assert (keys(diff["new"]), keys(diff["still"]), keys(diff["left"])) == ([], [uscc(2)], [])


def test_compare_years_without_a_previous_run_lists_everything_as_new(two_years):
    diff = compare_years(rule_id="low", year=2025, previous_year=2023, scope=scope_for(user("economy")))
    assert diff["previous_run"] is None and keys(diff["new"]) == [uscc(2), uscc(3)] and not diff["left"]


def test_scoped_entries_and_latest_runs(two_years):
    list_run(rule_id="plots", year=2025, keys=["SZ-0002", "SZ-0003"], subject="parcel")
    assert [r.rule_id for r in latest_runs(year=2025)] == ["low", "plots"]
    assert latest_runs(year=2025)[0] == two_years
    assert set(scoped_entries(scope=scope_for(user("economy-xw1")), run=two_years)
               .values_list("subject_key", flat=True)) == {uscc(2)}
    assert scoped_entries(scope=scope_for(user("ecology")), run=two_years).count() == 2


def test_landing_page_lists_the_years_lists_with_counts_in_scope(client, two_years):
    client.force_login(user("economy-xw1"))
    page = client.get(reverse("governance:index")).content.decode()
    assert reverse("governance:list", args=[two_years.pk]) in page
    assert '<td class="num">1</td>' in page  # one entry in the park, of two
    assert 'id="generate-form"' in page and "/governance/cases/" in page and "/governance/dispositions/" in page
    client.force_login(user("ecology-xw1"))
    page = client.get(reverse("governance:index")).content.decode()
    assert 'id="generate-form"' not in page  # 生态环境 reads lists but does not generate them


def test_list_page_filters_reasons_links_and_diff(client, two_years):
    client.force_login(user("economy"))
    url = reverse("governance:list", args=[two_years.pk])
    page = client.get(url).content.decode()
    assert reverse("web:enterprise", args=[uscc(3)]) in page and f"low：{uscc(3)} 符合条件" in page
    assert 'id="diff-new"' in page and "合计：2 条" in page
    assert "<5万元/亩：<strong>2</strong>" in page.replace("&lt;", "<")
    filtered = client.get(url, {"q": "丙"}).content.decode()
    assert "合计：1 条" in filtered and reverse("web:enterprise", args=[uscc(2)]) not in filtered
    park = Zone.objects.get(code="SZ-XW1")
    assert "合计：1 条" in client.get(url, {"zone": park.pk}).content.decode()


def test_list_page_is_scoped_to_the_park(client, two_years):
    client.force_login(user("economy-xw1"))
    page = client.get(reverse("governance:list", args=[two_years.pk])).content.decode()
    assert reverse("web:enterprise", args=[uscc(2)]) in page and reverse("web:enterprise", args=[uscc(3)]) not in page


def workbook(response):
    body = b"".join(response.streaming_content)
    reader = fastexcel.read_excel(body)
    return {name: reader.load_sheet(name).to_polars() for name in reader.sheet_names}


def test_export_one_sheet_per_list_with_reasons_and_notes(client, two_years):
    list_run(rule_id="plots", year=2025, keys=["SZ-0002", "SZ-0003"], subject="parcel", rule_name="批而未供")
    client.force_login(user("economy-xw1"))
    sheets = workbook(client.get(reverse("governance:lists_export"), {"year": 2025}))
    assert list(sheets) == ["low", "批而未供", "说明"]
    assert sheets["low"]["对象编码"].to_list() == [uscc(2)]
    assert sheets["low"]["列入理由"].to_list() == [f"low：{uscc(2)} 符合条件"]
    assert sheets["批而未供"]["地块编码"].to_list() == ["SZ-0002"]
    notes = sheets["说明"]
    assert notes["规则编号"].to_list()[:2] == ["low", "plots"] and notes["导出条目数"].to_list()[:2] == [1, 1]
    assert notes["来源"].to_list()[0] == "测试"
    one = workbook(client.get(reverse("governance:list_export", args=[two_years.pk]), {"q": "乙"}))
    assert one["low"]["对象编码"].to_list() == [uscc(2)]


def api(client, name, path, **params):
    headers = {"Authorization": f"Bearer {issue_api_token(user=user(name))}"}
    return client.get(path, params, headers=headers)


def test_api_runs_entries_and_diff_in_scope(client, two_years):
    runs = api(client, "economy-xw1", "/api/governance/lists", year=2025).json()
    assert [(r["id"], r["entries"]) for r in runs["items"]] == [(two_years.pk, 1), (two_years.pk - 1, 0)]
    entries = api(client, "economy", f"/api/governance/lists/{two_years.pk}/entries").json()
    assert [e["subject_key"] for e in entries["items"]] == [uscc(2), uscc(3)] and entries["count"] == 2
    assert entries["items"][0]["reasons"] == [f"low：{uscc(2)} 符合条件"]
    scoped = api(client, "economy-xw1", f"/api/governance/lists/{two_years.pk}/entries").json()
    assert [e["subject_key"] for e in scoped["items"]] == [uscc(2)]
    diff = api(client, "economy", f"/api/governance/lists/{two_years.pk}/diff").json()
    assert [[e["subject_key"] for e in diff[p]] for p in ("new", "still", "left")] == [[uscc(3)], [uscc(2)], [uscc(1)]]


def test_api_generate_needs_list_write(client, two_years):
    headers = {"Authorization": f"Bearer {issue_api_token(user=user('ecology'))}"}
    response = client.post("/api/governance/lists", {"year": 2025}, content_type="application/json", headers=headers)
    assert response.status_code == 403 and "生态环境" in response.json()["error"]["message"]
    assert ListRun.objects.count() == 3


def test_page_works_without_any_list(client, ledger):
    client.force_login(user("economy"))
    page = client.get(reverse("governance:index")).content.decode()
    assert 'id="no-lists"' in page
    assert client.get(reverse("governance:lists_export")).status_code == 404


def test_reasons_resting_on_figures_a_role_does_not_see_are_withheld(client, ledger):
    """A 自然资源 user reads the 亩均 list (who is on it) but not the tax per mu behind each reason; 税务 does."""
    run = list_run(rule_id="mu", year=2025, keys=[uscc(1)], fields=["tax", "evaluation_tier"])
    get_user_model().objects.create_user("nr")
    Profile.objects.create(user=user("nr"), role="natural_resources", department="natural_resources")
    client.force_login(user("nr"))
    page = client.get(reverse("governance:list", args=[run.pk])).content.decode()
    assert uscc(1) in page and "符合条件" not in page and "无权查看的税收数据、亩均评价结果" in page
    sheet = workbook(client.get(reverse("governance:list_export", args=[run.pk])))["mu"]
    assert sheet["对象编码"].to_list() == [uscc(1)] and "符合条件" not in sheet["列入理由"].to_list()[0]
    assert sheet["依据数值"].null_count() == 1
    item = api(client, "nr", f"/api/governance/lists/{run.pk}/entries").json()["items"][0]
    assert item["values"] == {} and "符合条件" not in item["reasons"][0]
    client.force_login(user("economy"))
    assert f"mu：{uscc(1)} 符合条件" in client.get(reverse("governance:list", args=[run.pk])).content.decode()
