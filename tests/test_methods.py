"""The built-in evaluation methods reproduce the published formulas and the worked cases of methods.md §5.

Pure engine tests: small Polars frames with the engine's input fields, no database.
"""

import math
import random
import re
from pathlib import Path

import yaml

import polars as pl
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from parkgov.evaluation.engine import evaluate
from parkgov.evaluation.fields import INPUT_FIELDS, NUMBER
from parkgov.evaluation.land import MU, attribute_land, merge_tenants
from parkgov.evaluation import ruleset as schema
from parkgov.evaluation.ruleset import BUILTIN_DIR, RuleSet, builtin_rulesets, load_ruleset_file

RULESETS = builtin_rulesets()
SCHEMA = {"credit_code": pl.String, "name": pl.String} | {
    key: (pl.Float64 if kind == NUMBER else pl.String) for key, (kind, _unit, _label) in INPUT_FIELDS.items()}
DEFAULTS = {"years_in_production": 5.0, "industry_division": "13", "zone_code": "Z1", "tenants": 0.0,
            "tenants_below_scale": 0.0, "findings_major": 0.0, "findings_safety_major": 0.0,
            "findings_environment_major": 0.0, "findings_serious_or_major": 0.0}
HUANGYAN_FIRM = {"scale": "above", "land_mu": 50, "tax": 1000, "value_added": 5000, "energy_tce": 2000,
                 "emissions_t": 1.2, "employees": 250, "rd_expense": 450, "revenue": 15000}
HUANGYAN_SCORES = ["tax_per_mu", "va_per_mu", "va_per_energy", "va_per_emission", "labour_productivity", "rd_share"]


def frame(rows):
    """A firms frame with every engine input field (missing ones null, counts 0)."""
    filled = [{key: ({**DEFAULTS, "name": row.get("credit_code")} | row).get(key) for key in SCHEMA} for row in rows]
    return pl.DataFrame(filled, schema=SCHEMA)


def run(rows, ruleset_id, year=2023, **kwargs):
    ruleset = RULESETS[ruleset_id] if isinstance(ruleset_id, str) else ruleset_id
    return evaluate(frame(rows), ruleset, year=year, **kwargs).results


def run_generated(rows, ruleset_id, **kwargs):
    """`run` for generated data: a previous year with no usable benchmark is a clear InputError, not a case."""
    from parkgov.errors import InputError

    try:
        return run(rows, ruleset_id, **kwargs)
    except InputError as exc:
        assert "没有可用于计算基准的数据" in str(exc)
        reject()


def one(results, code):
    return results.filter(pl.col("credit_code") == code).row(0, named=True)


def ladder(count, **fields):
    """`count` 规上 firms with distinct 亩均税收 (firm F001 best), everything else equal."""
    return [{"credit_code": f"F{i:03d}", "scale": "above", "land_mu": 10, "tax": 10 * (count - i + 1),
             "value_added": 1000, "energy_tce": 100, "emissions_t": 1, "employees": 50, "rd_expense": 30,
             "revenue": 2000, "electricity_10k_kwh": 100, "fixed_investment": 500, **fields}
            for i in range(1, count + 1)]


def class_counts(results):
    counts = results.group_by("klass").len()
    return {row["klass"]: row["len"] for row in counts.iter_rows(named=True)}


def assert_finite(results):
    for name, dtype in results.schema.items():
        if dtype.is_float():
            values = results.get_column(name).drop_nulls()
            assert values.is_finite().all(), name


# ---------------------------------------------------------------------------------------------- rule-set files


def test_every_builtin_ruleset_loads_and_its_id_is_the_file_stem():
    paths = sorted(BUILTIN_DIR.glob("*.yaml"))
    assert {p.stem for p in paths} >= {"zj-huangyan-2022", "zj-huangyan-2021", "js-huaian-2024", "zj-linhai-2014",
                                        "ah-jingde-2022", "zj-wenling-2022", "shengzhou-tiers"}
    for path in paths:
        ruleset = load_ruleset_file(path)
        assert ruleset.id == path.stem
        assert ruleset.source.citation and (ruleset.source.url or ruleset.source.note)
        header = Path(path).read_text(encoding="utf-8").splitlines()
        assert header[0].startswith("#") and any("本地默认" in line for line in header if line.startswith("#")), path


def test_published_flags_follow_the_sources():
    for ruleset_id in ("zj-huangyan-2021", "zj-linhai-2014", "js-huaian-2024"):
        for population in RULESETS[ruleset_id].populations:
            assert all(item.published and item.benchmark.published for item in population.indicators), ruleset_id
    for population in RULESETS["ah-jingde-2022"].populations + RULESETS["zj-wenling-2022"].populations:
        assert not any(item.published for item in population.indicators)
    assert all(a.published for a in RULESETS["zj-wenling-2022"].adjustments)
    assert RULESETS["js-huaian-2024"].populations[0].classes.published
    assert not RULESETS["zj-linhai-2014"].populations[0].classes.published


def test_new_zhejiang_rulesets_carry_the_haining_policies_and_local_vetoes():
    for ruleset_id in ("zj-huangyan-2021", "zj-linhai-2014", "zj-wenling-2022"):
        ruleset = RULESETS[ruleset_id]
        assert ruleset.policy_combine == "max"
        assert sorted((p.klass, p.min_consecutive_years, p.amount, p.basis) for p in ruleset.policies) == [
            ("D", 1, 0.3, "electricity_10k_kwh"), ("D", 3, 0.4, "electricity_10k_kwh")]
        assert {(v.when.field, v.action) for v in ruleset.vetoes} == {
            ("findings_safety_major", "force_D"), ("findings_environment_major", "cap_at_C")}
        assert not any(p.published for p in ruleset.policies) and not any(v.published for v in ruleset.vetoes)


DOC = (Path(__file__).resolve().parent.parent / "docs" / "评价规则集.md").read_text(encoding="utf-8")


def test_the_guide_names_every_key_of_the_schema_and_every_builtin_ruleset():
    for model in (schema.RuleSet, schema.Source, schema.Land, schema.Indicator, schema.Condition, schema.Benchmark,
                  schema.ScoredIndicator, schema.Band, schema.Classes, schema.Population, schema.NotRated,
                  schema.Adjustment, schema.Veto, schema.Tier, schema.Tiers, schema.Policy, schema.Publication,
                  schema.Plausibility):
        for name, field in model.model_fields.items():
            assert f"`{field.alias or name}`" in DOC or f"{{{field.alias or name}:" in DOC, (model.__name__, name)
    for ruleset_id in RULESETS:
        assert f"| `{ruleset_id}` |" in DOC, ruleset_id


def test_the_guide_example_is_a_valid_ruleset_that_evaluates(tmp_path):
    block = re.search(r"## 9\. 完整示例.*?```yaml\n(.*?)```", DOC, re.S).group(1)
    path = tmp_path / "example-county-2025.yaml"
    path.write_text(block, encoding="utf-8")
    example = load_ruleset_file(path)
    assert example.id == path.stem and yaml.safe_load(block)["id"] == example.id
    rows = ladder(6) + ladder(3, scale="below")
    for i, row in enumerate(rows[6:]):
        row["credit_code"] = f"G{i:03d}"
    results = run(rows, example, 2025, previous=frame(rows))
    assert results.filter(pl.col("population") == "above").get_column("klass").is_in(list("ABCD")).all()
    assert results.filter(pl.col("population") == "below").get_column("total").is_not_null().all()


# ---------------------------------------------------------------------------------------------- methods.md §5


@pytest.mark.parametrize(("ruleset_id", "scores", "total"), [
    ("zj-huangyan-2022", [24.8994, 14.6886, 18.5598, 8.4520, 11.0254, 9.9338], 87.5588),
    ("zj-huangyan-2021", [23.0681, 15.1206, 19.6850, 8.5715, 11.4613, 9.8361], 87.7425),
])
def test_huangyan_above_scale_worked_case(ruleset_id, scores, total):
    results = run([{"credit_code": "H1", **HUANGYAN_FIRM}], ruleset_id)
    firm = one(results, "H1")
    assert [round(firm[f"{key}__score"], 4) for key in HUANGYAN_SCORES] == scores
    assert round(firm["total"], 4) == total
    assert firm["tax_per_mu__value"] == 20.0
    assert "亩均税收 = 评价税收 1000.0万元 ÷ 用地面积 50.0亩 = 20.0 万元/亩" in firm["tax_per_mu__explain"]


def test_huangyan_below_scale_worked_case():
    # 8 亩, 评价税收 80 万元, 3,000,000 kWh = 300 万千瓦时 → 0.266667 元/千瓦时.
    results = run([{"credit_code": "H2", "scale": "below", "land_mu": 8, "tax": 80, "electricity_10k_kwh": 300}],
                  "zj-huangyan-2022")
    firm = one(results, "H2")
    assert firm["population"] == "below"
    assert round(firm["tax_per_mu__score"], 4) == 43.1287
    assert round(firm["tax_per_kwh__value"], 6) == 0.266667
    assert round(firm["tax_per_kwh__score"], 4) == 56.6893
    assert round(firm["total"], 4) == 99.8181


def test_huangyan_2021_below_scale_benchmarks():
    results = run([{"credit_code": "H3", "scale": "below", "land_mu": 8, "tax": 80, "electricity_10k_kwh": 300}],
                  "zj-huangyan-2021")
    firm = one(results, "H3")
    # 10 / 16.601058 × 50 + 0.266667 / 0.236565 × 50
    assert firm["total"] == pytest.approx(10 / 16.601058 * 50 + (80 / 300) / 0.236565 * 50, abs=1e-9)
    assert round(firm["total"], 4) == 86.4808


def test_linhai_three_mu_and_over_worked_case():
    # 亩均税收 10, 亩均销售 250, VA/tce 2, VA/t 400, VA/吨水 0.08 (1200 万元 ÷ 1.5 万吨), 劳动生产率 12.
    results = run([{"credit_code": "L1", "land_mu": 10, "tax": 100, "revenue": 2500, "value_added": 1200,
                    "energy_tce": 600, "emissions_t": 3, "water_10k_t": 1.5, "employees": 100}], "zj-linhai-2014", 2015)
    firm = one(results, "L1")
    assert firm["population"] == "land-3mu-plus"
    assert firm["va_per_water__value"] == pytest.approx(0.08)
    scores = [firm[f"{k}__score"] for k in ("tax_per_mu", "revenue_per_mu", "va_per_energy", "va_per_cod",
                                             "va_per_water", "labour_productivity")]
    assert [round(s, 4) for s in scores] == [26.6667, 8.3333, 13.3333, 12.0, 4.0, 8.0]
    assert round(firm["total"], 4) == 72.3333


def test_linhai_under_three_mu_uses_its_own_indicators():
    # 2 亩: 亩均税收 10 → 10/15×50; 亩均销售收入 200 → 200/300×20; 20 万元 ÷ 10 万千瓦时 = 2 元/度 → 2/2×30.
    results = run([{"credit_code": "L2", "land_mu": 2, "tax": 20, "revenue": 400, "electricity_10k_kwh": 10}],
                  "zj-linhai-2014", 2015)
    firm = one(results, "L2")
    assert firm["population"] == "land-under-3mu"
    assert [round(firm[f"{k}__score"], 4) for k in ("tax_per_mu", "revenue_per_mu", "tax_per_kwh")] == [
        33.3333, 13.3333, 30.0]
    assert round(firm["total"], 4) == 76.6667


def test_huaian_benchmark_is_twice_the_previous_year_mean():
    previous = frame([
        {"credit_code": "P1", "scale": "above", "land_mu": 10, "tax": 100, "revenue": 1000, "electricity_10k_kwh": 100},
        {"credit_code": "P2", "scale": "above", "land_mu": 10, "tax": 300, "revenue": 3000, "electricity_10k_kwh": 100},
    ])  # means: 亩均税收 20, 亩均销售收入 200, 单位电耗税收 2 元/千瓦时
    results = run([
        {"credit_code": "AT-MEAN", "scale": "above", "land_mu": 10, "tax": 200, "revenue": 2000,
         "electricity_10k_kwh": 100},
        {"credit_code": "AT-2X", "scale": "above", "land_mu": 10, "tax": 400, "revenue": 4000,
         "electricity_10k_kwh": 100},
    ], "js-huaian-2024", 2024, previous=previous)
    at_mean, at_double = one(results, "AT-MEAN"), one(results, "AT-2X")
    assert (at_mean["tax_per_mu__benchmark"], at_mean["revenue_per_mu__benchmark"], at_mean["tax_per_kwh__benchmark"]) \
        == (40.0, 400.0, 4.0)
    assert [at_mean[f"{k}__score"] for k in ("tax_per_mu", "revenue_per_mu", "tax_per_kwh")] == [22.5, 17.5, 10.0]
    assert at_mean["total"] == pytest.approx(50.0)
    assert at_double["total"] == pytest.approx(100.0)


def test_jingde_minmax_scoring():
    rows = ladder(3)
    for row, tax in zip(rows, (5, 120, 605)):  # 亩均税收 0.5, 12, 60.5
        row["tax"] = tax
    results = run(rows, "ah-jingde-2022", 2022)
    scores = {r["credit_code"]: r["tax_per_mu__score"] for r in results.iter_rows(named=True)}
    assert scores["F002"] == pytest.approx(10.6)  # 30 × (20 + 80 × 11.5/60) / 100
    assert scores["F001"] == pytest.approx(0.2 * 30)
    assert scores["F003"] == pytest.approx(1.0 * 30)
    # Every other indicator is equal across the firms, so each scores its full weight (no spread).
    assert one(results, "F002")["total"] == pytest.approx(10.6 + 70)


def test_huaian_rank_bands_for_100_firms():
    rows = ladder(100)
    results = run(rows, "js-huaian-2024", 2024, previous=frame(rows))
    assert class_counts(results) == {"A": 20, "B": 40, "C": 35, "D": 5}
    klass = {r["rank"]: r["klass"] for r in results.iter_rows(named=True)}
    assert (klass[20], klass[21], klass[60], klass[61], klass[95], klass[96]) == ("A", "B", "B", "C", "C", "D")
    assert one(results, "F001")["rank"] == 1 and one(results, "F020")["percentile"] == 20.0


def test_wenling_rank_bands_for_100_firms():
    above = run(ladder(100), "zj-wenling-2022")
    assert class_counts(above) == {"A": 20, "B": 60, "C": 15, "D": 5}
    klass = {r["rank"]: r["klass"] for r in above.iter_rows(named=True)}
    assert (klass[20], klass[21], klass[80], klass[81], klass[95], klass[96]) == ("A", "B", "B", "C", "C", "D")
    below = run(ladder(100, scale="below"), "zj-wenling-2022")
    assert class_counts(below) == {"A": 5, "B": 70, "C": 20, "D": 5}


def test_a_population_of_one_firm_gets_the_last_band():
    results = run([{"credit_code": "H1", **HUANGYAN_FIRM}], "zj-huangyan-2022")
    assert (one(results, "H1")["percentile"], one(results, "H1")["klass"]) == (100.0, "D")


# ---------------------------------------------------------------------------------------------- hand-computed cases


def test_missing_emissions_get_the_population_mean_score():
    rows = [{"credit_code": "E1", **HUANGYAN_FIRM},
            {"credit_code": "E2", **HUANGYAN_FIRM, "emissions_t": 2.4},
            {"credit_code": "E3", **HUANGYAN_FIRM, "emissions_t": None}]
    results = run(rows, "zj-huangyan-2022")
    e1, e2, e3 = (one(results, c) for c in ("E1", "E2", "E3"))
    assert round(e1["va_per_emission__score"], 4) == 8.4520 and round(e2["va_per_emission__score"], 4) == 4.2260
    assert e3["va_per_emission__value"] is None
    mean = (e1["va_per_emission__score"] + e2["va_per_emission__score"]) / 2
    assert e3["va_per_emission__score"] == pytest.approx(mean)
    assert round(e3["va_per_emission__score"], 4) == 6.3390
    assert "按本人群该项平均得分计" in e3["va_per_emission__explain"]
    assert e3["not_rated_reason"] is None and e3["klass"] in "ABCD"


def test_zero_denominators_follow_the_missing_rule_not_nan_or_inf():
    results = run([{"credit_code": "Z1", **HUANGYAN_FIRM, "energy_tce": 0, "employees": 0, "revenue": 0},
                   {"credit_code": "Z2", "scale": "below", "land_mu": 8, "tax": 80, "electricity_10k_kwh": 0}],
                  "zj-huangyan-2022")
    z1, z2 = one(results, "Z1"), one(results, "Z2")
    for key in ("va_per_energy", "labour_productivity", "rd_share"):
        assert z1[f"{key}__value"] is None and z1[f"{key}__score"] == 0.0
        assert "按0分计" in z1[f"{key}__explain"]
    assert z1["total"] == pytest.approx(24.899365 + 14.688602 + 8.451982, abs=1e-6)
    assert z2["tax_per_kwh__value"] is None and z2["tax_per_kwh__score"] == 0.0
    assert_finite(results)


def test_zero_land_is_not_rated():
    results = run([{"credit_code": "N1", **HUANGYAN_FIRM, "land_mu": 0}], "zj-huangyan-2022")
    firm = one(results, "N1")
    assert (firm["klass"], firm["total"], firm["not_rated_reason"]) == ("T", None, "无可认定的用地面积")
    assert_finite(results)


def test_wenling_sublet_deductions():
    rows = [{**ladder(1)[0], "credit_code": "UP3", "tenants": 3},
            {**ladder(1)[0], "credit_code": "UP1", "tenants": 1},
            {**ladder(1)[0], "credit_code": "UP30", "tenants": 30},
            {**ladder(1)[0], "credit_code": "DN2", "scale": "below", "tenants": 2, "tenants_below_scale": 2},
            {**ladder(1)[0], "credit_code": "DN1", "scale": "below", "tenants": 4, "tenants_below_scale": 1},
            {**ladder(1)[0], "credit_code": "DN0", "scale": "below", "tenants": 5, "tenants_below_scale": 0}]
    results = run(rows, "zj-wenling-2022")
    deduction = {r["credit_code"]: r["deduction"] for r in results.iter_rows(named=True)}
    assert deduction == {"UP3": 10.0, "UP1": 0.0, "UP30": 145.0, "DN2": 15.0, "DN1": 10.0, "DN0": 0.0}
    up3 = one(results, "UP3")
    # identical firms score the population mean on every indicator: 100 points before deductions
    assert up3["total"] == pytest.approx(100 - 10)
    assert one(results, "DN2")["total"] == pytest.approx(100 - 15)
    assert "扣10.0分" in up3["adjustments"]


def test_vetoes_force_d_and_cap_at_c():
    rows = ladder(20)
    rows[0]["findings_safety_major"] = 1        # rank 1 (A) → D
    rows[1]["findings_environment_major"] = 2   # rank 2 (A) → C
    rows[19]["findings_environment_major"] = 1  # rank 20 (D) stays D
    results = run(rows, "zj-huangyan-2021", 2022)
    first, second, last = one(results, "F001"), one(results, "F002"), one(results, "F020")
    assert (first["class_before_veto"], first["klass"]) == ("A", "D")
    assert "重大安全生产问题" in first["vetoes"]
    assert (second["class_before_veto"], second["klass"]) == ("A", "C")
    assert (last["class_before_veto"], last["klass"]) == ("D", "D")
    assert one(results, "F003")["klass"] == "A" and not one(results, "F003")["vetoes"]


def test_not_rated_firms_are_t_with_a_reason():
    rows = ladder(5)
    rows[0]["industry_division"] = "45"
    rows[1]["years_in_production"] = 1.5
    results = run(rows, "js-huaian-2024", 2024, previous=frame(ladder(5)))
    utility, young = one(results, "F001"), one(results, "F002")
    assert (utility["klass"], utility["total"], utility["rank"]) == ("T", None, None)
    assert "水、电、气供应企业" in utility["not_rated_reason"]
    assert young["klass"] == "T" and "投产不满2年" in young["not_rated_reason"]
    assert one(results, "F003")["rank"] == 1


def test_shengzhou_tiers_on_tax_per_mu():
    rows = [{"credit_code": code, "land_mu": 1, "tax": tax}
            for code, tax in (("T499", 4.99), ("T500", 5), ("T999", 9.99), ("T1499", 14.99), ("T1500", 15))]
    results = run(rows, "shengzhou-tiers")
    tier = {r["credit_code"]: r["tier"] for r in results.iter_rows(named=True)}
    assert tier == {"T499": "重点排查（一企一策）", "T500": "重点检查", "T999": "重点检查", "T1499": "重点指导",
                    "T1500": None}
    assert results.get_column("klass").is_null().all()  # no classes in this rule set
    assert_finite(results)


def _d_firm_results(history=None):
    rows = ladder(20)  # F020 is the only D firm; its electricity is 100 万千瓦时
    return run(rows, "zj-wenling-2022", 2023, history=history)


def test_class_d_electricity_surcharge_first_year():
    results = _d_firm_results()
    firm = one(results, "F020")
    assert firm["klass"] == "D" and firm["consecutive_years"] == 1
    assert [(p["amount"], p["charge_10k_yuan"]) for p in firm["policies"]] == [(0.3, pytest.approx(30.0))]
    assert firm["charge_total"] == pytest.approx(0.3 * 100)  # 元/千瓦时 × 万千瓦时 = 万元
    assert one(results, "F019")["policies"] == [] and one(results, "F019")["charge_total"] == 0


def test_class_d_third_consecutive_year_takes_the_highest_surcharge_not_the_sum():
    history = pl.DataFrame({"credit_code": ["F020", "F020"], "year": [2022, 2021], "klass": ["D", "D"]})
    firm = one(_d_firm_results(history), "F020")
    assert firm["consecutive_years"] == 3
    assert [p["amount"] for p in firm["policies"]] == [0.4]
    assert firm["charge_total"] == pytest.approx(0.4 * 100)  # not (0.3 + 0.4) × 100


def test_a_break_in_the_d_streak_restarts_the_count():
    history = pl.DataFrame({"credit_code": ["F020", "F020", "F020"], "year": [2022, 2021, 2020],
                            "klass": ["D", "C", "D"]})
    firm = one(_d_firm_results(history), "F020")
    assert firm["consecutive_years"] == 2
    assert firm["charge_total"] == pytest.approx(0.3 * 100)


def test_wenling_ranks_within_industry_groups():
    textiles = [{**row, "credit_code": f"T{i:02d}", "industry_division": "17", "tax": 1000 + 10 * i}
                for i, row in enumerate(ladder(10))]
    metal = [{**row, "credit_code": f"M{i:02d}", "industry_division": "33", "tax": 10 + i}
             for i, row in enumerate(ladder(10))]
    extra = [{**ladder(1)[0], "credit_code": "P00", "industry_division": "35"},
             {**ladder(1)[0], "credit_code": "X00", "industry_division": "36"},
             {**ladder(1)[0], "credit_code": "X01", "industry_division": None}]
    results = run(textiles + metal + extra, "zj-wenling-2022")
    group = {r["credit_code"]: (r["rank_group"], r["rank"], r["rank_of"], r["klass"])
             for r in results.iter_rows(named=True)}
    assert group["T09"] == ("纺织鞋帽橡塑", 1, 10, "A")
    assert group["M09"] == ("金属制品及冶炼", 1, 10, "A")  # best of its group although far below every textile firm
    assert group["M08"][3] == "A" and group["M07"][3] == "B" and group["M00"][3] == "D"
    assert group["P00"][0] == "泵阀动力机械通用设备"
    assert group["X00"][0] == "其他" and group["X01"][0] == "其他" and group["X01"][2] == 2


def test_ties_are_broken_by_total_then_first_indicator_then_credit_code():
    ruleset = RuleSet.model_validate({
        "id": "tie-test", "version": 1, "name": "并列测试", "source": {"citation": "单元测试用规则集"},
        "indicators": {"tax_per_mu": {"name": "亩均税收", "numerator": "tax", "denominator": "land_mu", "unit": "万元/亩"},
                       "revenue_per_mu": {"name": "亩均营业收入", "numerator": "revenue", "denominator": "land_mu",
                                          "unit": "万元/亩"}},
        "populations": [{"id": "all", "name": "全部", "indicators": [
            {"indicator": "tax_per_mu", "weight": 50, "benchmark": {"method": "fixed", "value": 1}},
            {"indicator": "revenue_per_mu", "weight": 50, "benchmark": {"method": "fixed", "value": 1}}],
            "classes": {"method": "rank_bands", "bands": [{"class": "A", "upper_percent": 50},
                                                          {"class": "D", "upper_percent": 100}]}}],
    })
    rows = [{"credit_code": "C-X", "land_mu": 1, "tax": 3, "revenue": 1},   # 200 points, 亩均税收 3
            {"credit_code": "B-Y", "land_mu": 1, "tax": 1, "revenue": 3},   # 200 points, 亩均税收 1
            {"credit_code": "A-Z", "land_mu": 1, "tax": 1, "revenue": 3},   # same as B-Y, smaller credit code
            {"credit_code": "0-W", "land_mu": 1, "tax": 1, "revenue": 1}]   # 100 points
    results = run(rows, ruleset)
    assert results.sort("rank").get_column("credit_code").to_list() == ["C-X", "A-Z", "B-Y", "0-W"]
    assert all(r["total"] == 200 for r in results.iter_rows(named=True) if r["rank"] <= 3)


def _host_and_tenant():
    """Host H holds a 10 亩 parcel (plot ratio 2); tenant T (规下) rents 3000 m² of floor, i.e. 1500 m² of land."""
    parcel = 10 / MU
    firms = pl.DataFrame({"credit_code": ["H", "T"], "scale": ["above", "below"], "tax": [100.0, 20.0]})
    links = pl.DataFrame({"credit_code": ["H", "T"], "parcel_code": ["P", "P"], "role": ["holder", "tenant"],
                          "land_area_m2": [parcel, 1000.0], "floor_area_m2": [None, 3000.0],
                          "parcel_area_m2": [parcel, parcel], "parcel_floor_area_m2": [2 * parcel, 2 * parcel]},
                         schema_overrides={"floor_area_m2": pl.Float64})
    return firms, links


@pytest.mark.parametrize(("land", "tenant_mu", "host_mu"), [
    ({}, 1500 * MU, 10 - 1500 * MU),                                          # floor ÷ plot ratio, let land subtracted
    ({"subtract_let_to_rated_tenants": False}, 1500 * MU, 10.0),
    ({"leased": "floor_times_factor", "leased_factor": 0.4}, 1200 * MU, 10 - 1200 * MU),
    ({"leased": "land_area"}, 1000 * MU, 10 - 1000 * MU),
    ({"leased": "none"}, 0.0, 10.0),
])
def test_land_attribution_options(land, tenant_mu, host_mu):
    firms, links = _host_and_tenant()
    out = attribute_land(firms, links, schema.Land(**land))
    host, tenant = one(out, "H"), one(out, "T")
    assert tenant["land_mu"] == pytest.approx(tenant_mu) and tenant["is_tenant"] == "yes"
    assert host["land_mu"] == pytest.approx(host_mu) and host["has_own_land"] == "yes"
    assert (host["tenants"], host["tenants_below_scale"], tenant["host_credit_code"]) == (1.0, 1.0, "H")


def test_the_host_is_chosen_by_rule_not_by_row_order():
    """issue 13 (found while checking the 公示名单): with two holders on a parcel and a tenant leasing on two hosts'
    parcels, the host depended on row order, so the same ledger gave a new input fingerprint on every run. The
    parcel's host is its largest holder and a tenant's host the one it leases most from; ties go to the lower code."""
    parcel = 10 / MU
    firms = pl.DataFrame({"credit_code": ["H1", "H2", "H3", "T"], "scale": ["above", "above", "above", "below"],
                          "tax": [100.0, 50.0, 30.0, 20.0]})
    links = pl.DataFrame({
        "credit_code": ["H1", "H2", "H3", "T", "T"], "parcel_code": ["P", "P", "Q", "P", "Q"],
        "role": ["holder", "holder", "holder", "tenant", "tenant"],
        "land_area_m2": [parcel / 4, parcel * 3 / 4, parcel, 500.0, 900.0], "floor_area_m2": [None] * 5,
        "parcel_area_m2": [parcel] * 5, "parcel_floor_area_m2": [parcel] * 5},
        schema_overrides={"floor_area_m2": pl.Float64})
    rule = schema.Land(leased="land_area")
    hosts = set()
    for seed in range(8):
        out = attribute_land(firms.sample(fraction=1.0, shuffle=True, seed=seed),
                             links.sample(fraction=1.0, shuffle=True, seed=seed), rule)
        hosts.add((one(out, "T")["host_credit_code"], one(out, "H2")["tenants"], one(out, "H1")["tenants"]))
    assert hosts == {("H3", 1.0, 0.0)}  # T leases 900 m² from H3 (parcel Q), 500 m² from H2 (P's largest holder)


# ---------------------------------------------------------------------------------------------- known engine bugs


def test_merged_tenants_land_stays_with_the_host():
    firms, links = _host_and_tenant()
    rule = schema.Land(merge_tenants=True)
    merged = merge_tenants(attribute_land(firms, links, rule), ["tax"])
    host = one(merged, "H")
    assert host["tax"] == 120.0
    assert host["land_mu"] == pytest.approx(10.0)  # the tenant is not rated on its own: nothing is let to a rated firm


def test_minmax_missing_value_without_spread_follows_the_missing_rule():
    rows = ladder(2)
    rows[1]["emissions_t"] = None  # the only other firm has the same 单位污染物排放营业收入
    results = run(rows, "ah-jingde-2022", 2022)
    assert one(results, "F002")["revenue_per_emission__score"] == 0.0


def test_previous_mean_ignores_firms_not_rated_last_year():
    previous = frame([
        {"credit_code": "P1", "scale": "above", "land_mu": 10, "tax": 100, "revenue": 1000, "electricity_10k_kwh": 100},
        {"credit_code": "P2", "scale": "above", "land_mu": 10, "tax": 300, "revenue": 3000, "electricity_10k_kwh": 100},
        {"credit_code": "P3", "scale": "above", "land_mu": 10, "tax": 9000, "revenue": 10, "electricity_10k_kwh": 100,
         "industry_division": "44"},  # a utility: class T last year
    ])
    results = run([{"credit_code": "C1", "scale": "above", "land_mu": 10, "tax": 200, "revenue": 2000,
                    "electricity_10k_kwh": 100}], "js-huaian-2024", 2024, previous=previous)
    assert one(results, "C1")["tax_per_mu__benchmark"] == 40.0


# ---------------------------------------------------------------------------------------------- properties

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
amount = st.one_of(st.none(), st.just(0.0), st.floats(min_value=0.01, max_value=1e5, allow_nan=False))


@st.composite
def firm_rows(draw, min_size=1, max_size=40):
    count = draw(st.integers(min_value=min_size, max_value=max_size))
    rows = []
    for i in range(count):
        rows.append({
            "credit_code": f"91{i:04d}", "scale": draw(st.sampled_from(["above", "above", "below"])),
            "land_mu": draw(st.one_of(st.just(0.0), st.floats(min_value=0.5, max_value=500))),
            "tax": draw(amount), "revenue": draw(amount), "value_added": draw(amount), "energy_tce": draw(amount),
            "electricity_10k_kwh": draw(amount), "water_10k_t": draw(amount), "emissions_t": draw(amount),
            "rd_expense": draw(amount), "employees": draw(st.one_of(st.none(), st.integers(0, 2000).map(float))),
            "fixed_investment": draw(amount),
            "years_in_production": draw(st.sampled_from([0.5, 1.5, 3.0, 10.0])),
            "industry_division": draw(st.sampled_from(["13", "17", "33", "34", "39", "44", None])),
            "tenants": float(draw(st.integers(0, 4))), "tenants_below_scale": float(draw(st.integers(0, 2))),
            "findings_safety_major": float(draw(st.integers(0, 1))),
            "findings_environment_major": float(draw(st.integers(0, 1))),
        })
    return rows


RATED = {"land_mu": 20.0, "years_in_production": 5.0, "industry_division": "13", "findings_safety_major": 0.0,
         "findings_environment_major": 0.0}


@PROPERTY
@given(rows=firm_rows(min_size=2), pick=st.integers(min_value=0), extra=st.floats(min_value=0.01, max_value=1e4),
       ruleset_id=st.sampled_from(["zj-huangyan-2022", "zj-wenling-2022", "ah-jingde-2022", "zj-linhai-2014",
                                   "js-huaian-2024"]))
def test_raising_tax_never_lowers_the_firms_total(rows, pick, extra, ruleset_id):
    index = pick % len(rows)
    rows[index] |= RATED | {"scale": "above", "tax": rows[index]["tax"] or 0.0}
    previous = frame(rows)
    before = one(run_generated(rows, ruleset_id, previous=previous), rows[index]["credit_code"])["total"]
    rows[index]["tax"] += extra
    after = one(run_generated(rows, ruleset_id, previous=previous), rows[index]["credit_code"])["total"]
    assert after >= before - 1e-9 * max(1.0, abs(before))


@PROPERTY
@given(count=st.integers(min_value=1, max_value=300),
       case=st.sampled_from([("zj-huangyan-2022", "above", (20, 60, 95)), ("zj-wenling-2022", "above", (20, 80, 95)),
                             ("zj-wenling-2022", "below", (5, 75, 95)), ("ah-jingde-2022", "above", (25, 70, 95))]))
def test_class_counts_match_the_bands_for_any_population_size(count, case):
    ruleset_id, scale, uppers = case
    results = run(ladder(count, scale=scale), ruleset_id)
    cumulative = [count * upper // 100 for upper in uppers] + [count]
    expected = dict(zip("ABCD", [b - a for a, b in zip([0, *cumulative], cumulative)]))
    assert {k: class_counts(results).get(k, 0) for k in "ABCD"} == expected


@PROPERTY
@given(rows=firm_rows(), seed=st.integers(0, 2**32 - 1),
       ruleset_id=st.sampled_from(sorted(RULESETS)))
def test_results_do_not_depend_on_row_order(rows, seed, ruleset_id):
    previous = frame(rows)
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)
    first = run_generated(rows, ruleset_id, previous=previous).sort("credit_code")
    second = run_generated(shuffled, ruleset_id, previous=previous).sort("credit_code")
    assert first.columns == second.columns
    for name, dtype in first.schema.items():
        a, b = first.get_column(name).to_list(), second.get_column(name).to_list()
        if dtype.is_float():
            # Means are summed in row order, so benchmarks may differ in the last binary digit.
            assert all((x is None and y is None) or (x is not None and y is not None and math.isclose(
                x, y, rel_tol=1e-9, abs_tol=1e-9)) for x, y in zip(a, b)), name
        else:
            assert a == b, name


@PROPERTY
@given(rows=firm_rows(), ruleset_id=st.sampled_from(sorted(RULESETS)))
def test_no_nan_or_inf_in_any_numeric_output(rows, ruleset_id):
    from parkgov.errors import InputError

    try:
        evaluation = evaluate(frame(rows), RULESETS[ruleset_id], year=2023, previous=frame(rows))
    except InputError as exc:
        assert "没有可用于计算基准的数据" in str(exc)
        reject()
    assert_finite(evaluation.results)
    if evaluation.parks.height:
        assert_finite(evaluation.parks)
    assert evaluation.results.height == len(rows)
    rated = evaluation.results.filter(pl.col("not_rated_reason").is_null() & pl.col("klass").is_not_null())
    assert rated.get_column("klass").is_in(list("ABCD")).all()
    assert evaluation.results.filter(pl.col("not_rated_reason").is_not_null()).get_column("klass").eq("T").all()


def test_previous_year_benchmark_without_previous_data_is_a_clear_error():
    from parkgov.errors import InputError

    with pytest.raises(InputError, match="2022 年没有可用于计算基准的数据"):
        run(ladder(5), "js-huaian-2024", 2023)
