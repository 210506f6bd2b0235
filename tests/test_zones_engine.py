"""Issue 16 §1: the TD/T 1029 zone evaluation engine (pure, no database): every indicator's value and score of
the 2014 industrial profile computed by hand, the weighted total, the potentials, 尚可供地年数, stars and ranks;
missing data, the negative and uncapped scores; profiles that must be refused at load, naming the YAML path."""

import pytest
import polars as pl
import yaml

from parkgov.errors import InputError
from parkgov.zones.engine import evaluate
from parkgov.zones.fields import FIELDS
from parkgov.zones.formula import parse
from parkgov.zones.profile import PROFILES_DIR, get_profile, profile_ids
from parkgov.zones.stars import star_bands

BASE = dict(total_area=1000, a1=100, a2=500, a31=100, b21=100, c1=50, d21=600, g=6, e21=40, floor_area=700,
            footprint_area=280, industrial_floor_area=450, industrial_footprint_area=200,
            industrial_investment=1_600_000, industrial_tax=300_000)


def accounts(*zones) -> pl.DataFrame:
    """Rows (zone_id, year, supplied, overrides) over BASE, every field present."""
    rows = []
    for zone_id, year, supplied, over in zones:
        row = {f.field: None for f in FIELDS}
        row.update(BASE, zone_id=zone_id, zone_code=f"Z{zone_id}", zone_name=f"园区{zone_id}", year=year,
                   supplied=supplied, **over)
        rows.append(row)
    return pl.DataFrame(rows, schema_overrides={f.field: pl.Float64 for f in FIELDS})


def three_years(zone_id=1, **over):
    return [(zone_id, 2023, 10.0, over), (zone_id, 2024, 20.0, over), (zone_id, 2025, 30.0, over)]


def indicators(row) -> dict:
    return {i["code"]: i for i in row["indicators"]}


def test_every_indicator_of_the_2014_industrial_profile_by_hand():
    row = evaluate(accounts(*three_years()), get_profile("tdt1029_2014_industrial"), year=2025,
                   stars=star_bands()).row(0, named=True)
    got = indicators(row)
    # A = A1 + A2 + A31 = 100 + 500 + 100 = 700; D = 600; B21 = 100
    expected = {  # code: (value, score)
        "supply_rate": (600 / 800 * 100, 75.0),  # D ÷ (A + B21) × 100 = 75 %, ideal 100
        "built_rate": (700 / 600 * 100, 100.0),  # 116.7 % capped at 100
        "industrial_land_rate": (500 / 700 * 100, 100.0),  # 71.4 % above the ideal 55
        "plot_ratio": (1.0, 1.0 / 1.14 * 100),  # 700 万 m² ÷ 700 公顷
        "building_density": (40.0, 40 / 42 * 100),
        "industrial_plot_ratio": (0.9, 0.9 / 0.98 * 100),
        "industrial_building_coefficient": (40.0, 100.0),  # 40 % above the ideal 30 %
        "industrial_investment_intensity": (3200.0, 3200 / 3344 * 100),
        "industrial_tax_per_ha": (600.0, 600 / 678.99 * 100),
        "idle_rate": (1.0, 99.0),  # G ÷ D = 6 ÷ 600 = 1 %, score 100 − 1
    }
    for code, (value, score) in expected.items():
        assert got[code]["value"] == pytest.approx(value), code
        assert got[code]["score"] == pytest.approx(score), code
    assert got["supply_rate"]["formula"] == "D ÷ (A + B21) × 100"
    assert got["supply_rate"]["computation"] == "600.0 ÷ (700.0 + 100.0) × 100"
    assert got["supply_rate"]["inputs"] == "D = 600.0 公顷；A = 700.0 公顷；B21 = 100.0 公顷"
    assert got["plot_ratio"]["formula"] == "总建筑面积 ÷ A"
    assert got["plot_ratio"]["weight"] == pytest.approx(0.7 * 0.5 * 0.25)
    degree = 0.5 * 75 + 0.5 * 100
    intensity = 0.25 * (100 / 1.14) + 0.22 * (4000 / 42) + 0.25 * (90 / 0.98) + 0.28 * 100
    land_use = 0.25 * degree + 0.25 * 100 + 0.5 * intensity
    benefit = 0.5 * (320000 / 3344) + 0.5 * (60000 / 678.99)
    total = 0.7 * land_use + 0.2 * benefit + 0.1 * 99
    assert row["total"] == pytest.approx(total) and round(total, 2) == 93.96
    assert row["total_text"] == "土地利用状况 0.7 × 93.8 + 用地效益 0.2 × 92.03 + 管理绩效 0.1 × 99.0 = 93.96"
    assert row["missing"] == "" and row["stars"] == 5 and row["rank"] == 1 and row["rank_of"] == 1


def test_potentials_and_years_of_supply_by_hand():
    row = evaluate(accounts(*three_years()), get_profile("tdt1029_2014_industrial"), year=2025,
                   stars=star_bands()).row(0, named=True)
    potentials = {p["code"]: p for p in row["potentials"]}
    assert potentials["expansion"]["value"] == 40.0  # E = E21
    assert potentials["structure"]["value"] == 0.0  # 工业用地率 71 % is above its ideal 55 %
    # A2 × (1 − X/T), the largest: 工业用地地均税收 500 × (1 − 600/678.99) = 58.17
    assert potentials["intensity"]["value"] == pytest.approx(500 * (1 - 600 / 678.99))
    assert "工业用地综合容积率：A2 × max(0, 1 − X ÷ 0.98)，X = 0.9 → 40.82 公顷" in potentials["intensity"]["text"]
    assert potentials["management"]["value"] == 6.0  # G
    assert row["supply_years"] == pytest.approx(40 / 20)  # E ÷ mean(10, 20, 30)
    assert row["supply_years_text"].startswith("尚可供地年数 = 尚可供应土地 E ÷ 近三年年均供地 = 40.0 ÷ 20.0 = 2.0 年")


def test_structure_potential_and_supply_from_the_change_of_d():
    frame = accounts((1, 2022, None, {"d21": 540}), (1, 2023, None, {"d21": 560}), (1, 2024, None, {"d21": 570}),
                     (1, 2025, None, {"a2": 300, "a1": 300, "d21": 600}))
    row = evaluate(frame, get_profile("tdt1029_2014_industrial"), year=2025, stars=star_bands()).row(0, named=True)
    assert indicators(row)["industrial_land_rate"]["value"] == pytest.approx(300 / 700 * 100)
    structure = next(p for p in row["potentials"] if p["code"] == "structure")
    assert structure["value"] == pytest.approx(700 * (55 - 300 / 700 * 100) / 100)  # A × (T − X) ÷ 100 = 85 公顷
    assert row["supply_years"] == pytest.approx(40 / ((20 + 10 + 30) / 3))  # no `supplied`: D − D of the year before


def test_missing_data_scores_nothing_and_its_weight_goes_to_the_others():
    frame = accounts(*three_years(industrial_tax=None))
    row = evaluate(frame, get_profile("tdt1029_2014_industrial"), year=2025, stars=star_bands()).row(0, named=True)
    got = indicators(row)
    assert got["industrial_tax_per_ha"]["value"] is None and got["industrial_tax_per_ha"]["score"] is None
    assert row["missing"] == "工业用地地均税收"
    complete = evaluate(accounts(*three_years()), get_profile("tdt1029_2014_industrial"), year=2025,
                        stars=star_bands()).row(0, named=True)
    # 用地效益 is then the investment score alone (its weight 0.5 renormalised to 1)
    shift = 0.2 * (got["industrial_investment_intensity"]["score"]
                   - (0.5 * got["industrial_investment_intensity"]["score"] + 0.5 * 600 / 678.99 * 100))
    assert row["total"] == pytest.approx(complete["total"] + shift)


def test_parts_left_blank_in_a_stated_group_count_as_zero():
    profile = get_profile("tdt1029_2010")
    row = evaluate(accounts(*three_years()), profile, year=2025, stars=star_bands()).row(0, named=True)
    assert indicators(row)["paid_use_rate"]["value"] == pytest.approx(100.0)  # (D21 + D22) ÷ D with D22 blank
    assert indicators(row)["development_rate"]["value"] == pytest.approx(800 / 800 * 100)  # (A + B21) ÷ (A + B)
    assert "闲置土地处置率" in row["missing"] and "工业用地产出强度" in row["missing"]


def test_negative_indicator_with_a_non_zero_ideal_and_an_uncapped_profile(tmp_path):
    data = yaml.safe_load((PROFILES_DIR / "tdt1029_2014_industrial.yaml").read_text(encoding="utf-8"))
    data["id"], data["cap"] = "uncapped", False
    data["goals"][2]["subgoals"][0]["indicators"][0]["ideal"] = 0.5  # 土地闲置率 ideal 0.5 %
    path = tmp_path / "uncapped.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    row = evaluate(accounts(*three_years()), get_profile(str(path)), year=2025, stars=star_bands()).row(0, named=True)
    got = indicators(row)
    assert got["idle_rate"]["score"] == pytest.approx(0.5 / 1.0 * 100)  # X = 1 % > T: T ÷ X × 100
    assert got["built_rate"]["score"] == pytest.approx(700 / 600 * 100)  # not capped
    low = evaluate(accounts(*three_years(g=2)), get_profile(str(path)), year=2025, stars=star_bands())
    assert indicators(low.row(0, named=True))["idle_rate"]["score"] == 100.0  # X = 0.33 % ≤ T


def test_stars_and_ranks_with_a_tie():
    frame = accounts(*three_years(1), *three_years(2, b21=700), *three_years(3))
    out = evaluate(frame, get_profile("tdt1029_2014_industrial"), year=2025, stars=star_bands())
    ranks = dict(zip(out["zone_code"], out["rank"]))
    assert ranks == {"Z1": 1, "Z3": 1, "Z2": 3} and set(out["rank_of"]) == {3}
    low = out.filter(pl.col("zone_code") == "Z2").row(0, named=True)
    assert indicators(low)["supply_rate"]["value"] == pytest.approx(600 / 1400 * 100)
    assert low["stars"] == next(b.stars for b in star_bands().bands if low["total"] >= b.minimum)
    assert out["zone_code"].to_list()[-1] == "Z2"


def test_every_builtin_profile_loads_with_sources_and_weights():
    assert set(profile_ids()) >= {"tdt1029_2010", "tdt1029_2014_industrial", "tdt1029_2014_integrated",
                                  "tdt1029_2014_direction_area"}
    for pid in profile_ids():
        profile = get_profile(pid)
        assert profile.content_hash and not profile.verified
        assert all(i.source and i.ideal_reason and i.verified is False for _g, _s, i in profile.indicators)
    assert get_profile("tdt1029_2014_direction_area").area == "direction"


@pytest.mark.parametrize("change,message", [
    (lambda d: d["goals"][0].update(weight=0.6), "goals: 权重之和为 0.9，应为 1"),
    (lambda d: d["goals"][0]["subgoals"][0]["indicators"][0].update(formula="D / (A + X9) * 100"),
     "goals[0].subgoals[0].indicators[0].formula: 公式 'D / (A + X9) * 100' 中的 X9 不是土地账字段"),
    (lambda d: d["goals"][0]["subgoals"][0]["indicators"][0].update(formula="D ** 2"), "只能使用 + - * / 和括号"),
    (lambda d: d["goals"][0]["subgoals"][0]["indicators"][0].update(direction="up"),
     "goals[0].subgoals[0].indicators[0].direction: 取值无效"),
    (lambda d: d["goals"][0]["subgoals"][0]["indicators"][0].pop("source"),
     "goals[0].subgoals[0].indicators[0].source: 缺少必填项"),
    (lambda d: d["potentials"][1].update(indicators=["nope"]), "potentials[1].indicators: 未知指标 nope"),
])
def test_a_bad_profile_is_refused_naming_the_file_and_yaml_path(tmp_path, change, message):
    data = yaml.safe_load((PROFILES_DIR / "tdt1029_2014_industrial.yaml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        get_profile(str(path))
    assert "指标体系 bad.yaml 有" in str(caught.value) and message in str(caught.value)


def test_formula_texts():
    f = parse("(A + B21) / (A + B) * 100", allowed={"A", "B21", "B"})
    assert f.shown() == "(A + B21) ÷ (A + B) × 100" and f.names == ("A", "B21", "B")
    assert parse("A / (B * C)", allowed={"A", "B", "C"}).shown() == "A ÷ (B × C)"
    assert parse("A - (B - C)", allowed={"A", "B", "C"}).shown() == "A − (B − C)"
    frame = pl.DataFrame({"A": [4.0, 1.0], "B": [0.0, None]})
    ratio = parse("A / B", allowed={"A", "B"})
    assert frame.select(ratio.expr()).to_series().to_list() == [None, None]  # ÷ 0 and a null input
    with pytest.raises(ValueError, match="语法错误"):
        parse("A /", allowed={"A"})
