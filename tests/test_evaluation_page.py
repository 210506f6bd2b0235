"""Issue 13 §4: the evaluation page leads with its summary, a tiers-only rule set shows tiers, and the 公示名单's
numbers are rounded as published, with implausible inputs flagged 待复核. Both databases, no mocks."""

import dataclasses
import datetime as dt
import re
from types import SimpleNamespace

import fastexcel
import pytest
from django.contrib.auth import get_user_model

from parkgov.accounts.services import ensure_demo_accounts
from parkgov.evaluation.explain import indicator_texts
from parkgov.evaluation.export import export_evaluation
from parkgov.evaluation.models import EvaluationResult
from parkgov.evaluation.ruleset import RuleSetError, load_ruleset_file
from parkgov.evaluation.services import adjust_class, run_evaluation
from parkgov.evaluation.summary import evaluation_summary, scoped_results
from parkgov.ingest.services import import_workbook
from parkgov.ledger.models import Zone
from parkgov.testing import small_ledger_sheets, uscc, write_workbook

pytestmark = pytest.mark.django_db
TINY = uscc(20)  # an above-scale firm on 40 m² of land: its 亩均税收 is thousands of 万元/亩


def _with_more_firms(sheets):
    """Five more above-scale firms in SZ, each on its own 10,000 m² parcel; the last on 40 m² (a typing slip)."""
    for n in range(16, 21):
        code, parcel, area = uscc(n), f"SZ-01{n}", 40 if n == 20 else 10000
        sheets["企业"].append([code, f"嵊州市第{n}机械有限公司", "3670", "规上", "SZ", "存续", dt.date(2010, 1, 1)])
        sheets["地块"].append([parcel, None, "SZ", area, "100101", "国有", "已供已用", "出让", dt.date(2009, 1, 1), 50,
                              100, area, area / 2, None, None])
        sheets["用地关系"].append([code, parcel, "土地使用权人", area, None, dt.date(2009, 1, 1), None])
        for year, tax in ((2024, 300 + n * 10), (2025, 500 - n * 10)):  # the order turns round
            sheets["年度数据"].append([code, year, tax, 9000, 8800, 2000, 1500, 700, 4, 2, 200, 150, 100])
    return sheets


@pytest.fixture
def zone(tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sheets = _with_more_firms(small_ledger_sheets())
    import_workbook(path=write_workbook(tmp_path / "ledger.xlsx", sheets), actor=actor)
    earlier = run_evaluation(year=2024, ruleset_id="zj-huangyan-2021", actor=actor)
    tiers = run_evaluation(year=2025, ruleset_id="shengzhou-tiers", actor=actor)
    classes = run_evaluation(year=2025, ruleset_id="zj-huangyan-2022", actor=actor)
    ensure_demo_accounts()
    return SimpleNamespace(earlier=earlier, tiers=tiers, classes=classes)


def login(client, role):
    user = get_user_model().objects.get(username=role)
    client.force_login(user, backend="parkgov.accounts.backends.ProfileBackend")
    return user


def _scope(role):
    from parkgov.accounts.scopes import scope_for

    return scope_for(get_user_model().objects.get(username=role))


def _columns(html):
    table = re.search(r'<table class="data" id="results">(.*?)</tr>', html, re.S).group(1)
    return re.findall(r"<th>(.*?)</th>", table)


def test_summary_figures_are_the_database_counts(zone):
    """issue 13: per population class counts, review count and the changes against last year equal the database."""
    summary = evaluation_summary(run=zone.classes, scope=_scope("economy"), top=3)
    stored = EvaluationResult.objects.filter(run=zone.classes)
    for row in summary["classes"]:
        of = stored.filter(population_name=row["population"], not_rated_reason="") if row["population"] \
            else stored.exclude(not_rated_reason="")
        assert row["firms"] == of.count()
        assert row["counts"] == {k: of.filter(class_final=k).count() for k in "ABCDT"}, row
    assert sum(row["firms"] for row in summary["classes"]) == stored.count() == summary["firms"]
    assert summary["review"] == stored.exclude(review_reason="").count() == 1
    changes = summary["changes"]
    assert changes["previous"] == zone.earlier
    before = dict(EvaluationResult.objects.filter(run=zone.earlier).values_list("enterprise_id", "class_final"))
    now = dict(stored.values_list("enterprise_id", "class_final"))
    order = "ABCD"
    up = sum(1 for e, k in now.items() if e in before and k in order and before[e] in order
             and order.index(k) < order.index(before[e]))
    down = sum(1 for e, k in now.items() if e in before and k in order and before[e] in order
               and order.index(k) > order.index(before[e]))
    assert (changes["up"], changes["down"]) == (up, down) and up + down > 0
    assert changes["new"] == len(set(now) - set(before)) and changes["gone"] == len(set(before) - set(now))
    same = sum(1 for e, k in now.items() if before.get(e) == k)  # T both years is unchanged, not "other"
    assert changes["same"] == same and changes["up"] + changes["down"] + same + changes["other"] == len(
        set(now) & set(before))
    above = next(end for end in summary["ends"] if end["population"] == "规上工业企业")
    totals = sorted(stored.filter(population="above", not_rated_reason="").values_list("total", flat=True),
                    reverse=True)
    assert [f["total"] for f in above["top"]] == totals[:3]
    assert [f["total"] for f in above["bottom"]] == sorted(totals[3:])[:3]


def test_summary_keeps_to_the_users_parks(zone):
    """issue 13: a user limited to one park is counted only that park's firms, in the summary and the table."""
    scope = dataclasses.replace(_scope("economy"), zone_ids=(Zone.objects.get(code="SZ-XW1").pk,))
    summary = evaluation_summary(run=zone.classes, scope=scope, top=3)
    assert summary["firms"] == 1 == scoped_results(run=zone.classes, zone_ids=scope.zone_ids).count()
    assert summary["ends"] == [] and summary["review"] == 0


def test_the_page_leads_with_the_summary_and_shows_classes(client, zone):
    """issue 13: the summary (class counts per population, top and bottom firms, changes) comes before the detail."""
    login(client, "economy")
    html = client.get(f"/evaluation/?run={zone.classes.pk}").content.decode()
    assert html.index('id="class-counts"') < html.index('id="changes"') < html.index('id="results"')
    assert html.index('id="results"') < html.index('id="evaluation-form"')
    assert "评定类别" in _columns(html) and "档位" not in _columns(html)
    assert 'id="chart-eval-classes"' in html and 'id="chart-eval-tiers"' not in html
    assert "最好的 3 家" in html and "最差的 3 家" in html  # six above-scale firms: a half at each end
    row = re.search(rf'<tr data-credit-code="{TINY}">.*?</tr>', html[html.index('id="results"'):], re.S).group(0)
    assert "待复核" in row and "请核对评价税收、用地面积" in row


def test_a_tiers_only_run_shows_tiers_not_classes(client, zone):
    """issue 13: shengzhou-tiers lists each firm's tier, has no class column and charts the tiers."""
    login(client, "economy")
    html = client.get(f"/evaluation/?run={zone.tiers.pk}").content.decode()
    columns = _columns(html)
    assert "档位" in columns and "评定类别" not in columns and "最终类别" not in columns and "总分" not in columns
    assert 'id="chart-eval-tiers"' in html and 'id="chart-eval-classes"' not in html
    stored = EvaluationResult.objects.filter(run=zone.tiers)
    counts = dict(re.findall(r'<tr data-tier="([^"]+)">.*?<td class="num">(\d+)</td>', html))
    tiers = {t: stored.filter(tier=t).count() for t in ("重点排查（一企一策）", "重点检查", "重点指导")}
    assert {t: int(counts[t]) for t in tiers} == tiers and int(counts["未入档"]) == stored.filter(tier="").count()
    assert sum(tiers.values()) > 0
    detail = html[html.index('id="results"'):]
    for result in stored.exclude(tier="").select_related("enterprise"):
        row = re.search(rf'<tr data-credit-code="{result.enterprise.credit_code}">.*?</tr>', detail, re.S).group(0)
        assert f'<td data-field="tier">{result.tier}</td>' in row
    tiered = client.get(f"/evaluation/?run={zone.tiers.pk}&tier=重点检查").content.decode()
    assert tiered.count('<td data-field="tier">重点检查</td>') == tiers["重点检查"]


def test_tiers_only_changes_compare_tiers(zone, actor):
    """issue 13: a tiers-only method compares tiers with its previous year's run."""
    run_evaluation(year=2024, ruleset_id="shengzhou-tiers", actor=actor)
    summary = evaluation_summary(run=zone.tiers, scope=_scope("economy"), top=3)
    changes = summary["changes"]
    assert changes["grade"] == "tier" and changes["up"] + changes["down"] + changes["same"] > 0
    assert summary["classes"] == [] and summary["ends"]  # bottom firms by 亩均税收 instead of by score


def test_a_user_who_may_not_see_classes_gets_none(zone):
    """issue 13: the field group evaluation_results guards classes, tiers and scores (scope.sees)."""
    hidden = frozenset({"evaluation_class", "evaluation_tier", "evaluation_score"})
    scope = dataclasses.replace(_scope("economy"), hidden_fields=hidden)
    summary = evaluation_summary(run=zone.classes, scope=scope, top=3)
    assert summary["classes"] == [] and summary["tiers"] == [] and summary["ends"] == [] and summary["changes"] is None


def test_the_notice_rounds_as_published_and_flags_review(zone, tmp_path):
    """issue 13: the 公示名单 writes scores with the rule set's 2 decimals (the cell values, not only the display)
    and the firm with almost no land is marked 待复核 with the reason, in the run and in the workbook."""
    flagged = EvaluationResult.objects.get(run=zone.classes, enterprise__credit_code=TINY)
    assert flagged.total > 1000 and "亩均税收" in flagged.review_reason and "中位数" in flagged.review_reason
    assert EvaluationResult.objects.filter(run=zone.classes).exclude(review_reason="").count() == 1
    out = tmp_path / "notice.xlsx"
    export_evaluation(path=out, year=2025, ruleset_id="zj-huangyan-2022")
    sheet = fastexcel.read_excel(str(out)).load_sheet("规上工业企业").to_polars()
    assert "复核提示" in sheet.columns and "档位" not in sheet.columns  # zj-huangyan-2022 assigns no tiers
    row = sheet.filter(sheet["统一社会信用代码"] == TINY).row(0, named=True)
    assert row["总分"] == round(flagged.total, 2) and row["复核提示"].startswith("待复核：总分 ")
    assert "亩均税收" in row["复核提示"]
    for column in [c for c in sheet.columns if c.endswith("得分") or c == "总分"]:
        assert all(v is None or round(v, 2) == v for v in sheet[column].to_list()), column
    assert sheet.filter(sheet["统一社会信用代码"] != TINY)["复核提示"].is_null().all()


def test_the_tiers_only_notice_has_tiers_and_no_class(zone, tmp_path):
    """issue 13: the shengzhou-tiers 公示名单 lists 亩均税收 and the tier, not a class T for everyone."""
    out = tmp_path / "tiers.xlsx"
    export_evaluation(path=out, year=2025, ruleset_id="shengzhou-tiers")
    sheet = fastexcel.read_excel(str(out)).load_sheet("工业企业").to_polars()
    assert {"亩均税收（万元/亩）", "档位"} <= set(sheet.columns) and not {"类别", "总分", "排名"} & set(sheet.columns)
    assert all(v is None or round(v, 4) == v for v in sheet["亩均税收（万元/亩）"].to_list())


def test_an_adjusted_class_counts_as_adjusted(zone, actor):
    """issue 13: the class counts use the final class (after 定档调档), as the detail table does."""
    result = EvaluationResult.objects.get(run=zone.classes, enterprise__credit_code=uscc(16))
    adjust_class(result=result, new_class="D", reason="联审会议", actor=actor)
    summary = evaluation_summary(run=zone.classes, scope=_scope("economy"), top=3)
    above = next(row for row in summary["classes"] if row["population"] == "规上工业企业")
    assert above["counts"]["D"] == EvaluationResult.objects.filter(run=zone.classes, population="above",
                                                                   class_final="D").count()


@pytest.mark.parametrize(("section", "error"), [
    ({"publication": {"score_decimals": -1, "value_decimals": 4, "source": "公示名单", "verified": False}},
     "publication.score_decimals"),
    ({"publication": {"score_decimals": 2, "value_decimals": 4, "verified": False}}, "publication.source: 缺少必填项"),
    ({"plausibility": {"median_factor": 1, "source": "本地默认值", "verified": False}},
     "plausibility.median_factor"),
    ({"plausibility": {"median_factor": 3, "source": "本地默认值", "verified": False, "factor": 2}},
     "plausibility.factor: 未知字段"),
])
def test_precision_and_plausibility_are_validated_data(tmp_path, section, error):
    """issue 13: precision and the plausibility factor are rule set data, checked at load with the YAML path."""
    import yaml

    from parkgov.evaluation.ruleset import BUILTIN_DIR

    data = yaml.safe_load((BUILTIN_DIR / "shengzhou-tiers.yaml").read_text(encoding="utf-8")) | section
    path = tmp_path / "county.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleSetError, match=re.escape(error)):
        load_ruleset_file(path)


def test_the_cockpit_shows_a_tiers_only_runs_tiers(zone):
    """issue 13: with a tiers-only evaluation rule set the cockpit's class chart was empty (everyone T);
    it now carries the run's tiers, the counts of the database."""
    from parkgov.web.services import class_distribution

    figures = class_distribution(year=2025, ruleset_id="shengzhou-tiers", scope=_scope("committee"))
    stored = EvaluationResult.objects.filter(run=zone.tiers)
    assert figures["counts"] == {} and [r["tier"] for r in figures["tiers"]][-1] == "未入档"
    assert {r["tier"]: r["firms"] for r in figures["tiers"]} == {
        t or "未入档": stored.filter(tier=t).count() for t in ("重点排查（一企一策）", "重点检查", "重点指导", "")}
    classes = class_distribution(year=2025, ruleset_id="zj-huangyan-2022", scope=_scope("committee"))
    assert classes["tiers"] == [] and classes["counts"]["规上工业企业"]["A"] >= 1


def test_the_engine_flags_an_implausible_input_and_keeps_the_class():
    """issue 13: a firm on almost no land gets a huge uncapped 亩均税收 score; the engine flags it for review with the
    indicator, the value and the median, and leaves its score and class as the method computes them."""
    from tests.test_methods import HUANGYAN_FIRM, run

    rows = [dict(HUANGYAN_FIRM, credit_code=f"C{i}", tax=1000 + 10 * i) for i in range(5)]
    rows.append(dict(HUANGYAN_FIRM, credit_code="TINY", land_mu=0.05))
    rows.append(dict(HUANGYAN_FIRM, credit_code="RESEARCH", rd_expense=450 * 5))  # one high value, a plausible total
    results = run(rows, "zj-huangyan-2022")
    flagged = results.filter(results["review_reason"].is_not_null())
    assert flagged["credit_code"].to_list() == ["TINY"]
    reason = flagged.item(0, "review_reason")
    assert reason.startswith("总分 39635.94 超过本人群中位数 ")
    assert "；亩均税收 20000.0 万元/亩，是本人群中位数 20.4 的 980.4 倍（复核线 3 倍），请核对评价税收、用地面积" in reason
    assert "R&D" not in reason and flagged.item(0, "klass") == "A" and flagged.item(0, "total") > 30000
    plain = _without_plausibility()
    assert run(rows, plain)["review_reason"].is_null().all()


def _without_plausibility():
    from parkgov.evaluation.ruleset import builtin_rulesets

    return builtin_rulesets()["zj-huangyan-2022"].model_copy(update={"plausibility": None})


def test_a_cap_in_the_rule_set_bounds_the_stored_score_and_the_notice(zone, actor, tmp_path):
    """issue 13: where a method has a ratio cap (`cap`), the stored score and the total keep to it (the 公示名单
    prints the stored scores) — the firm on 40 m² scores at most cap × weight on 亩均税收."""
    import yaml

    from parkgov.evaluation.ruleset import BUILTIN_DIR

    data = yaml.safe_load((BUILTIN_DIR / "zj-huangyan-2022.yaml").read_text(encoding="utf-8"))
    data["id"] = "county-capped"
    for item in data["populations"][0]["indicators"]:
        item["cap"] = 2
    path = tmp_path / "county-capped.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    run = run_evaluation(year=2025, ruleset_id=str(path), actor=actor)
    result = EvaluationResult.objects.get(run=run, enterprise__credit_code=TINY)
    assert result.indicators["tax_per_mu"]["score"] == 60 and result.total <= 200
    assert "比值上限 2" in indicator_texts(result)["tax_per_mu"]


def test_the_tiers_page_in_english(client, zone, settings):
    """issue 13: the summary's own words are translated; the rule set's tier names stay as the county wrote them."""
    login(client, "economy")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/evaluation/?run={zone.tiers.pk}").content.decode()
    assert "In no tier" in html and ">未入档<" not in html and "重点检查" in html and "Enterprises in this run" in html


def test_ranks_follow_the_published_total():
    """issue 13: two totals that the notice shows alike (87.55) are ordered by the first indicator, as the
    published ranking rule says, not by the third decimal; without `publication` the raw total decides."""
    from parkgov.evaluation.ruleset import RuleSet
    from tests.test_methods import run

    spec = {"id": "tie-test", "version": 1, "name": "并列测试", "source": {"citation": "单元测试用规则集"},
            "indicators": {"tax_per_mu": {"name": "亩均税收", "numerator": "tax", "denominator": "land_mu",
                                          "unit": "万元/亩"},
                           "revenue_per_mu": {"name": "亩均营业收入", "numerator": "revenue", "denominator": "land_mu",
                                              "unit": "万元/亩"}},
            "populations": [{"id": "all", "name": "全部", "indicators": [
                {"indicator": "tax_per_mu", "weight": 1, "benchmark": {"method": "fixed", "value": 1}},
                {"indicator": "revenue_per_mu", "weight": 1, "benchmark": {"method": "fixed", "value": 1}}],
                "classes": {"method": "rank_bands", "bands": [{"class": "A", "upper_percent": 50},
                                                              {"class": "D", "upper_percent": 100}]}}]}
    rows = [{"credit_code": "X", "land_mu": 1, "tax": 10.004, "revenue": 77.55},   # 87.554
            {"credit_code": "Y", "land_mu": 1, "tax": 10.5, "revenue": 77.046}]    # 87.546, higher 亩均税收
    published = RuleSet.model_validate(spec | {"publication": {"score_decimals": 2, "value_decimals": 4,
                                                               "source": "公示名单两位小数", "verified": False}})
    assert run(rows, published).sort("rank")["credit_code"].to_list() == ["Y", "X"]
    assert run(rows, RuleSet.model_validate(spec)).sort("rank")["credit_code"].to_list() == ["X", "Y"]
