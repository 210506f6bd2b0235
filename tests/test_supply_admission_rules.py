"""Issue 15 §1: the admission thresholds, negative list and review rules as data; the pure checks at the exact
boundaries (hand-computed: 2800 万元 / 10 亩 = 280 万元/亩 passes ≥ 280; 100 万元 / 10 亩 = 10 万元/亩 fails
Suqian's > 10 and passes Guanyun's ≥ 10)."""

from types import SimpleNamespace

import pytest

from parkgov.supply import admission_checks as checks
from parkgov.supply.admission_rules import (AdmissionRulesError, AdmissionWorkflow, ReviewRules, admission_workflow,
                                            get_profile, load_profile_file, negative_list, review_rules)
from parkgov.codes.datafiles import load_validated
from parkgov.testing import APPLICATION_FIELDS


def app(**overrides):
    fields = {**APPLICATION_FIELDS, **overrides}
    return SimpleNamespace(**fields)


def by_code(result):
    return {c["code"]: c for c in result}


def test_shipped_files_load_with_sources():
    for profile_id in ("guanyun-2020", "suqian-2017", "national-2008"):
        profile = get_profile(profile_id)
        assert profile.source.citation and all(r.source for r in profile.rules)
    assert get_profile("guanyun-2020").chain == ("guanyun-2020", "national-2008")
    assert negative_list().entries and review_rules().departments == (
        "development_reform", "economy", "natural_resources", "ecology", "housing", "investment")
    assert admission_workflow().transition("decide").by == ("committee",)


def test_guanyun_investment_intensity_boundary_280_passes_greater_or_equal():
    profile = get_profile("guanyun-2020")
    exactly = by_code(checks.threshold_checks(app(fixed_investment=2800, land_mu=10), profile))["investment_intensity"]
    assert (exactly["value"], exactly["threshold"], exactly["op"], exactly["level"]) == (280, 280, "≥", "pass")
    below = by_code(checks.threshold_checks(app(fixed_investment=2799.9, land_mu=10), profile))["investment_intensity"]
    assert below["level"] == "block" and below["value"] == pytest.approx(279.99)
    assert "279.99 万元/亩，要求 ≥ 280 万元/亩：不符合" in below["reason"]


def test_a_division_that_is_not_exact_in_binary_still_meets_the_boundary():
    """0.3 × 7 亩 of 588 万元 = 280.0000…01 or 279.999…: rounded to 6 decimals first, 280 passes."""
    result = by_code(checks.threshold_checks(app(fixed_investment=196, land_mu=0.7), get_profile("guanyun-2020")))
    assert result["investment_intensity"]["level"] == "pass"


def test_suqian_tax_exactly_10_fails_strictly_greater_guanyun_passes():
    tax_10 = app(expected_tax=100, land_mu=10, fixed_investment=2800)
    suqian = by_code(checks.threshold_checks(tax_10, get_profile("suqian-2017")))["tax_per_mu"]
    assert (suqian["value"], suqian["op"], suqian["level"]) == (10, ">", "block")
    guanyun = by_code(checks.threshold_checks(tax_10, get_profile("guanyun-2020")))["tax_per_mu"]
    assert (guanyun["op"], guanyun["level"]) == ("≥", "pass")
    above = by_code(checks.threshold_checks(app(expected_tax=100.1, land_mu=10), get_profile("suqian-2017")))
    assert above["tax_per_mu"]["level"] == "pass"


def test_suqian_260_plot_ratio_and_building_coefficient_boundaries():
    profile = get_profile("suqian-2017")
    at = by_code(checks.threshold_checks(app(fixed_investment=2600, land_mu=10, plot_ratio=1.0,
                                             building_coefficient=35), profile))
    assert [at[c]["level"] for c in ("investment_intensity", "plot_ratio", "building_coefficient")] == ["pass"] * 3
    under = by_code(checks.threshold_checks(app(fixed_investment=2599, land_mu=10, plot_ratio=0.99,
                                                building_coefficient=34.9), profile))
    assert [under[c]["level"] for c in ("investment_intensity", "plot_ratio", "building_coefficient")] == ["block"] * 3


def test_suqian_plot_ratio_applies_to_manufacturing_only():
    """容积率 ≥ 1.0 is for 一般工业项目 (section C); a warehouse (5920, section G) is not held to it."""
    result = by_code(checks.threshold_checks(app(industry_code="5920", plot_ratio=0.5), get_profile("suqian-2017")))
    assert "plot_ratio" not in result and "building_coefficient" not in result
    assert "investment_intensity" in result


def test_national_control_indicators_and_the_untranscribed_table():
    profile = get_profile("national-2008")
    at = by_code(checks.threshold_checks(app(admin_share=7, green_ratio=20, building_coefficient=30), profile))
    assert [at[c]["level"] for c in ("national_admin_share", "national_green_ratio",
                                     "national_building_coefficient")] == ["pass"] * 3
    over = by_code(checks.threshold_checks(app(admin_share=7.01, green_ratio=20.5, building_coefficient=29), profile))
    assert [over[c]["level"] for c in ("national_admin_share", "national_green_ratio",
                                       "national_building_coefficient")] == ["block"] * 3
    table = at["national_investment_intensity"]
    assert table["level"] == "unchecked" and table["threshold"] is None and table["verified"] is False
    assert "未在资料中转录" in table["reason"]


def test_missing_figure_is_unchecked_not_failed():
    result = by_code(checks.threshold_checks(app(expected_tax=None), get_profile("guanyun-2020")))
    assert result["tax_per_mu"]["level"] == "unchecked"


def test_negative_list_blocks_eliminated_and_warns_restricted():
    coking = checks.negative_list_checks(app(industry_code="2521"), negative_list())
    assert [(c["code"], c["level"]) for c in coking] == [("negative_coking_backyard", "block")]
    cement = checks.negative_list_checks(app(industry_code="3011"), negative_list())
    assert [c["level"] for c in cement] == ["warn"]
    steel = checks.negative_list_checks(app(industry_code="3120"), negative_list())  # under 312
    assert [c["code"] for c in steel] == ["negative_iron_steel_capacity"]
    clean = checks.negative_list_checks(app(industry_code="3854"), negative_list())
    assert [c["level"] for c in clean] == ["pass"]


def test_investor_checks_levels_from_data():
    facts = {"idle_land": [{"firm": "甲（X）", "parcel": "SZ-0001", "status": "闲置"}], "open_breach": [],
             "class_d": [{"firm": "乙（Y）", "year": 2025}], "serious_findings": []}
    result = by_code(checks.investor_checks(facts, review_rules()))
    assert (result["idle_land"]["level"], result["class_d"]["level"]) == ("block", "warn")
    assert (result["open_breach"]["level"], result["serious_findings"]["level"]) == ("pass", "pass")
    assert "甲（X） 的地块 SZ-0001 最近一次核查为“闲置”" in result["idle_land"]["reason"]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


PROFILE = """id: test
version: 1
name: 测试
source: {citation: 测试来源}
verified: false
rules:
  - {code: a, label: 甲, measure: %s, op: ge, value: %s, level: block, source: 测试来源说明, verified: %s}
"""


def test_bad_profile_names_file_and_yaml_path(tmp_path):
    with pytest.raises(AdmissionRulesError) as error:
        load_profile_file(write(tmp_path, "test.yaml", PROFILE % ("land_price", 1, "false")))
    assert "准入标准文件 test.yaml" in str(error.value) and "rules[0].measure" in str(error.value)
    assert "未知的核查指标 'land_price'" in str(error.value)


def test_threshold_without_value_may_not_claim_verified(tmp_path):
    with pytest.raises(AdmissionRulesError) as error:
        load_profile_file(write(tmp_path, "test.yaml", PROFILE % ("tax_per_mu", "null", "true")))
    assert "rules[0]" in str(error.value) and "verified: false" in str(error.value)


def test_unknown_industry_in_a_rule_is_refused(tmp_path):
    text = PROFILE % ("tax_per_mu", 1, "false")
    text = text.replace("verified: false}", "verified: false, industries: [ZZ]}")
    with pytest.raises(AdmissionRulesError) as error:
        load_profile_file(write(tmp_path, "test.yaml", text))
    assert "rules[0].industries" in str(error.value) and "'ZZ'" in str(error.value)


def test_workflow_with_unknown_role_or_state_is_refused(tmp_path):
    from parkgov.supply.admission_rules import WORKFLOW_FILE

    text = WORKFLOW_FILE.read_text(encoding="utf-8").replace("by: [committee]\n    requires: [opinions]",
                                                             "by: [mayor]\n    requires: [opinions]")
    with pytest.raises(AdmissionRulesError) as error:
        load_validated(write(tmp_path, "admission.yaml", text), AdmissionWorkflow, noun="流程文件",
                       error=AdmissionRulesError)
    assert "未知角色 'mayor'" in str(error.value) and "transitions[4].by[0]" in str(error.value)


def test_review_rules_refuse_an_unknown_department(tmp_path):
    from parkgov.supply.admission_rules import REVIEW_FILE

    text = REVIEW_FILE.read_text(encoding="utf-8").replace("housing, investment]", "housing, investors]")
    with pytest.raises(AdmissionRulesError) as error:
        load_validated(write(tmp_path, "r.yaml", text), ReviewRules, noun="联审规则文件", error=AdmissionRulesError)
    assert "departments" in str(error.value) and "未知部门 'investors'" in str(error.value)


def test_every_admission_label_is_listed_for_the_catalogue():
    from parkgov.supply.admission_rules import profile_ids
    from parkgov.web.data_labels import ADMISSION

    labels = {c.label for c in review_rules().investor_checks.values()}
    for profile_id in profile_ids():
        profile = get_profile(profile_id)
        labels |= {profile.name} | {r.label for r in profile.rules}
    assert labels - set(ADMISSION) == set()
