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


# --- generation with the list engine -------------------------------------------------------------------------

def stored(run):
    return list(run.entries.order_by("subject_key").values_list("subject_key", "category", "reasons", "values",
                                                                "zone_id", "enterprise_id", "parcel_id"))


def test_generate_stores_a_run_per_rule_reproducibly(ledger, actor, django_assert_max_num_queries):
    from parkgov.evaluation.models import EvaluationRun
    from parkgov.governance.lists import generate_lists
    from parkgov.governance.listrules import builtin_rules, rule_hash
    from parkgov.governance.sources import list_sources

    with django_assert_max_num_queries(60):  # entries in bulk: no query per entry
        first = generate_lists(year=2025, actor=actor)
    rules = builtin_rules()
    # issue 15: lists other apps register (supply's 闲置土地) run beside the rules, with their own fingerprints
    assert [r.rule_id for r in first] == sorted({**rules, **list_sources()})
    first = [r for r in first if r.rule_id in rules]
    for run in first:
        rule = rules[run.rule_id]
        assert (run.rule_version, run.rule_hash, run.owner_department) == (rule.version, rule_hash(rule),
                                                                           rule.owner_department)
        assert run.evaluation_run == EvaluationRun.objects.get() and run.entries_count == run.entries.count()
        assert run.summary["source"] == rule.source.citation
    low = next(r for r in first if r.rule_id == "low-efficiency-firms")
    assert {e[0] for e in stored(low)} == {uscc(1), uscc(3)} and low.summary["fields"] == [
        "evaluation_class", "evaluation_tier", "tax"]
    assert any("亩均税收" in reason for e in stored(low) for reason in e[2])
    again = generate_lists(year=2025, actor=actor)
    assert latest_runs(year=2025) == again
    again = [r for r in again if r.rule_id in rules]
    assert len({r.input_hash for r in first + again}) == 1  # one set of inputs, unchanged
    assert [stored(r) for r in again] == [stored(r) for r in first]


def test_generate_refuses_a_year_without_evaluation_run_in_chinese(ledger, actor):
    from parkgov.errors import InputError
    from parkgov.evaluation.models import EvaluationRun
    from parkgov.governance.lists import generate_lists

    with pytest.raises(InputError) as caught:
        generate_lists(year=2024, actor=actor)
    assert "2024 年还没有亩均效益评价批次" in str(caught.value) and "亩均低效企业用地" in str(caught.value)
    assert not ListRun.objects.exists()
    runs = generate_lists(year=2024, actor=actor, rule_ids=["collective-industrial-land"])
    assert [r.rule_id for r in runs] == ["collective-industrial-land"] and runs[0].evaluation_run is None
    with pytest.raises(InputError, match="是 2025 年的，不能用于 2024 年"):
        generate_lists(year=2024, actor=actor, evaluation_run=EvaluationRun.objects.get())


def test_generate_for_one_park(ledger, actor):
    from parkgov.governance.lists import generate_lists

    runs = generate_lists(year=2025, actor=actor, zone_code="SZ-XW1")
    park = Zone.objects.get(code="SZ-XW1")
    assert all(r.zone == park for r in runs)
    assert {e for r in runs for e in r.entries.values_list("zone_id", flat=True)} <= {park.pk}


def test_generate_form_starts_a_job_and_lists_appear(client, ledger, django_capture_on_commit_callbacks):
    from parkgov.jobs.models import Job

    client.force_login(user("economy"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("governance:lists_generate"),
                               {"year": 2025, "rules": ["low-efficiency-firms", "collective-industrial-land"]})
    job = Job.objects.get(kind="lists")
    assert response.url == reverse("web:job", args=[job.pk])
    assert job.status == "done" and job.progress == 100 and job.result["entries"] == 3, job.message
    status = client.get(reverse("web:job", args=[job.pk])).content.decode()
    assert f"{reverse('governance:index')}?year=2025" in status
    page = client.get(reverse("governance:index"), {"year": 2025}).content.decode()
    assert "亩均低效企业用地" in page and "集体工业用地" in page


def test_generate_form_refuses_at_once_without_evaluation_run(client, ledger):
    from parkgov.jobs.models import Job

    client.force_login(user("economy"))
    response = client.post(reverse("governance:lists_generate"), {"year": 2024, "rules": ["low-efficiency-firms"]},
                           follow=True)
    assert "2024 年还没有亩均效益评价批次" in response.content.decode() and not Job.objects.exists()


def test_park_scoped_users_generate_for_their_park_only(client, ledger, django_capture_on_commit_callbacks):
    client.force_login(user("economy-xw1"))
    other = Zone.objects.get(code="SZ")
    refused = client.post(reverse("governance:lists_generate"),
                          {"year": 2025, "rules": ["collective-industrial-land"], "zone": other.code}, follow=True)
    assert not ListRun.objects.exists() and "SZ" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("governance:lists_generate"),
                    {"year": 2025, "rules": ["collective-industrial-land"], "zone": "SZ-XW1"})
    assert ListRun.objects.get().zone.code == "SZ-XW1"
    client.force_login(user("ecology"))
    assert client.post(reverse("governance:lists_generate"), {"year": 2025}).status_code == 403


def test_api_generate_starts_a_job_or_refuses_in_chinese(client, ledger, django_capture_on_commit_callbacks):
    headers = {"Authorization": f"Bearer {issue_api_token(user=user('economy'))}"}
    refused = client.post("/api/governance/lists", {"year": 2024}, content_type="application/json", headers=headers)
    assert refused.status_code == 422 and "2024 年还没有亩均效益评价批次" in refused.json()["error"]["message"]
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/api/governance/lists", {"year": 2025, "rules": ["low-efficiency-firms"]},
                              content_type="application/json", headers=headers)
    assert started.status_code == 202 and started.json()["kind"] == "lists"
    job = client.get(started["Location"], headers=headers).json()
    assert job["status"] == "done" and job["result"]["entries"] == 2
    scoped = {"Authorization": f"Bearer {issue_api_token(user=user('economy-xw1'))}"}
    outside = client.post("/api/governance/lists", {"year": 2025}, content_type="application/json", headers=scoped)
    assert outside.status_code == 403


def test_diff_on_a_page_reads_a_few_rows_but_counts_them_all(two_years):
    from parkgov.governance.lists import compare_runs

    diff = compare_runs(run=two_years, previous=None, scope=scope_for(user("economy")), limit=1)
    assert keys(diff["new"]) == [uscc(2)] and diff["new_count"] == 2 and diff["left_count"] == 0


def test_workbook_names_the_values_in_chinese(ledger, actor, tmp_path):
    from parkgov.governance.export import write_year_workbook
    from parkgov.governance.lists import generate_lists, operator_scope

    generate_lists(year=2025, actor=actor, rule_ids=["low-efficiency-firms"])
    counts = write_year_workbook(path=tmp_path / "l.xlsx", year=2025, scope=operator_scope())
    assert counts == {"亩均低效企业用地": 2}
    sheet = fastexcel.read_excel(tmp_path / "l.xlsx").load_sheet("亩均低效企业用地").to_polars()
    values = dict(zip(sheet["对象编码"].to_list(), sheet["依据数值"].to_list()))
    assert "亩均税收（万元/亩） 1.5889" in values[uscc(3)] and "评价类别 D" in values[uscc(3)]


def test_entries_keep_any_text_in_their_reasons(ledger):
    """Entries go in by COPY / executemany: quotes, backslashes, newlines and tabs in reasons come back as written."""
    import polars as pl

    from parkgov.governance.lists import _store_entries

    run = list_run(rule_id="raw", year=2025, keys=[])
    tricky = ['含 "引号" 与 \\反斜杠', "换行\n与\t制表", "“全角”"]
    _store_entries(run, pl.DataFrame({"subject_key": [uscc(1)], "enterprise_id": [None], "parcel_id": [None],
                                      "zone_id": [None], "category": [None], "reasons": [tricky],
                                      "values": ['{"tax_per_mu":1.5,"text":"a\\"b"}']},
                                     schema_overrides={"enterprise_id": pl.Int64, "parcel_id": pl.Int64,
                                                       "zone_id": pl.Int64, "category": pl.String}))
    entry = run.entries.get()
    assert entry.reasons == tricky and entry.values == {"tax_per_mu": 1.5, "text": 'a"b'} and entry.category == ""
