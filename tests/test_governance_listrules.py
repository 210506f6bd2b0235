"""List rules load from YAML or fail naming the file, the YAML path and what is allowed; parcel-to-layer distances
(STRtree over segments) equal Shapely's own distance; reasons of negated conditions."""

import copy
import datetime as dt

import numpy as np
import pytest
import shapely
import yaml
from pyproj import Transformer

from parkgov.codes.tables import code_table
from parkgov.governance import proximity
from parkgov.governance.engine import generate
from parkgov.governance.frames import make_inputs
from parkgov.governance.listrules import (BUILTIN_DIR, ListRule, ListRuleError, builtin_rules, get_rule, load_rule,
                                          rule_hash)

BASE = {
    "id": "test-rule", "version": 1, "name": "测试清单", "subject": "parcel", "owner_department": "natural_resources",
    "source": {"citation": "测试用规则来源"}, "verified": False,
    "parameters": {"limit": {"value": 1.0, "unit": "无量纲"}},
    "categories": [{"name": "低", "when": {"field": "plot_ratio", "op": "lt", "param": "limit"}}],
}


def write(tmp_path, data, name="rule.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def error_of(tmp_path, change) -> str:
    data = copy.deepcopy(BASE)
    change(data)
    with pytest.raises(ListRuleError) as caught:
        load_rule(write(tmp_path, data, "bad-rule.yaml"))
    message = str(caught.value)
    assert "bad-rule.yaml" in message
    return message


def test_shipped_rules_load_with_sources_and_departments():
    rules = builtin_rules()
    assert len(rules) >= 7
    departments = code_table("departments")
    for rule in rules.values():
        assert rule.owner_department in departments and len(rule.source.citation) > 10
        assert all(p.unit for p in rule.parameters.values())
    assert {r.subject for r in rules.values()} == {"enterprise", "parcel"}
    assert len(list(BUILTIN_DIR.glob("*.yaml"))) == len(rules)


def test_rule_hash_is_stable_and_follows_a_parameter(tmp_path):
    rule = load_rule(write(tmp_path, BASE))
    assert rule_hash(rule) == rule_hash(load_rule(write(tmp_path, BASE, "again.yaml")))
    changed = copy.deepcopy(BASE)
    changed["parameters"]["limit"]["value"] = 1.2
    assert rule_hash(ListRule.model_validate(changed)) != rule_hash(rule)
    assert get_rule(str(write(tmp_path, BASE))) == rule


def test_unknown_field_names_the_path_and_the_allowed_fields(tmp_path):
    message = error_of(tmp_path, lambda d: d["categories"][0]["when"].update(field="plot_ratoi"))
    assert "categories[0].when.field" in message and "'plot_ratoi'" in message
    assert "允许：" in message and "plot_ratio" in message and "building_age" in message


def test_a_firm_field_on_a_parcel_rule_is_unknown(tmp_path):
    message = error_of(tmp_path, lambda d: d["categories"][0]["when"].update(field="klass", op="eq", param=None,
                                                                            value="D"))
    assert "parcel 没有字段 'klass'" in message


def test_unknown_operator(tmp_path):
    message = error_of(tmp_path, lambda d: d["categories"][0]["when"].update(op="less"))
    assert "categories[0].when" in message and "未知运算符 'less'" in message and "lt, le" in message


def test_missing_source_and_verified(tmp_path):
    message = error_of(tmp_path, lambda d: (d.pop("source"), d.pop("verified")))
    assert "source: 缺少必填项" in message and "verified: 缺少必填项" in message


def test_unknown_parameter_and_unknown_department(tmp_path):
    message = error_of(tmp_path, lambda d: d["categories"][0]["when"].update(param="limt"))
    assert "categories[0].when.param: 未定义的参数 'limt'；已定义：limit" in message
    message = error_of(tmp_path, lambda d: d.update(owner_department="land_bureau"))
    assert "owner_department" in message and "未知部门 'land_bureau'" in message and "natural_resources" in message


def test_value_types_and_measures_are_checked(tmp_path):
    message = error_of(tmp_path, lambda d: d["categories"][0].update(
        when={"field": "land_use_code", "op": "eq", "value": 1001}))
    assert "categories[0].when.value" in message and "代码请加引号" in message
    message = error_of(tmp_path, lambda d: d["categories"][0].update(
        when={"missing_years": {"window": 3}, "op": "ge", "value": 1}))
    assert "只适用于企业" in message
    message = error_of(tmp_path, lambda d: d["categories"][0].update(
        when={"findings": {"categories": ["noise"]}, "op": "ge", "value": 1}))
    assert "categories[0].when.findings.categories[0]" in message and "environment" in message
    message = error_of(tmp_path, lambda d: d["categories"][0].update(
        when={"field": "plot_ratio", "op": "in", "param": "limit"}))
    assert "parameters.limit: 运算符 in 需要列表" in message
    message = error_of(tmp_path, lambda d: d["categories"][0].update(
        when={"field": "plot_ratio", "distance": {"layer": "river"}, "op": "lt", "value": 1}))
    assert "恰好给出一个度量" in message
    message = error_of(tmp_path, lambda d: d["categories"].append(copy.deepcopy(d["categories"][0])))
    assert "细类名称重复：低" in message
    message = error_of(tmp_path, lambda d: d["parameters"]["limit"].pop("unit"))
    assert "parameters.limit.unit: 缺少必填项" in message


def test_broken_yaml_and_unknown_rule(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ListRuleError, match="broken.yaml 不是有效的 YAML"):
        load_rule(path)
    with pytest.raises(ListRuleError, match="未知清单规则 nope；内置："):
        get_rule("nope")


def test_a_negated_condition_is_explained_by_its_negation():
    data = copy.deepcopy(BASE)
    data["categories"] = [{"name": "非出让", "when": {"not": {"field": "supply_status", "op": "in",
                                                             "value": ["in_use", "idle"]}}}]
    rule = ListRule.model_validate(data)
    inputs = make_inputs(year=2025, parcels=[{"parcel_id": 1, "parcel_code": "P1", "supply_status": "reserved"},
                                             {"parcel_id": 2, "parcel_code": "P2", "supply_status": "idle"}])
    rows = generate(inputs, rule).rows(named=True)
    assert [r["subject_key"] for r in rows] == ["P1"]
    assert rows[0]["reasons"] == ["不满足：供地状态属于已供已用、闲置"] and rows[0]["values"] == "{}"


def test_findings_open_on_the_list_date_only():
    data = copy.deepcopy(BASE)
    data["subject"] = "enterprise"
    data["categories"] = [{"name": "有问题", "when": {"findings": {"categories": ["fire"]}, "op": "ge", "value": 1}}]
    rule = ListRule.model_validate(data)
    firms = [{"enterprise_id": i, "credit_code": f"F{i}"} for i in (1, 2, 3, 4)]
    findings = [  # closed without a date counts as closed; closed on 31 Dec is closed on the list date
        {"finding_id": 1, "enterprise_id": 1, "category": "fire", "severity": "minor", "status": "closed",
         "found_on": dt.date(2025, 1, 1)},
        {"finding_id": 2, "enterprise_id": 2, "category": "fire", "severity": "minor", "status": "closed",
         "found_on": dt.date(2025, 1, 1), "closed_on": dt.date(2025, 12, 31)},
        {"finding_id": 3, "enterprise_id": 3, "category": "fire", "severity": "minor", "status": "rectifying",
         "found_on": dt.date(2025, 12, 31)},
        {"finding_id": 4, "enterprise_id": 4, "category": "fire", "severity": "minor", "status": "open",
         "found_on": dt.date(2026, 1, 1)}]
    keys = generate(make_inputs(year=2025, firms=firms, findings=findings), rule).get_column("subject_key")
    assert keys.to_list() == ["F3"]


# --- proximity ---------------------------------------------------------------------------------------------------

def test_distances_match_shapely_on_the_projected_geometries():
    rng = np.random.default_rng(14)
    x = 120.80 + rng.random(400) * 0.2
    y = 29.55 + rng.random(400) * 0.1
    parcels = shapely.box(x, y, x + 0.0005, y + 0.0005)
    parcels[5] = None
    river = shapely.LineString(np.column_stack([np.linspace(120.78, 121.02, 300),
                                                29.60 + 0.01 * np.sin(np.linspace(0, 12, 300))]))
    lake = shapely.box(120.85, 29.62, 120.86, 29.63)
    metres = proximity.distances(parcels, np.array([river, lake], dtype=object))
    to_gk = Transformer.from_crs("EPSG:4490", "EPSG:4549", always_xy=True)

    def project(g):
        return shapely.transform(g, lambda xy: np.column_stack(to_gk.transform(xy[:, 0], xy[:, 1])))

    expected = np.array([np.nan if p is None else min(project(p).distance(project(river)),
                                                      project(p).distance(project(lake))) for p in parcels])
    assert np.isnan(metres[5]) and np.allclose(metres, expected, equal_nan=True, atol=1e-6)
    inside = proximity.distances(np.array([shapely.box(120.852, 29.622, 120.853, 29.623)]), np.array([lake]))
    assert inside[0] == 0.0
    big_lake = shapely.box(120.0, 29.0, 121.0, 30.0)  # the parcel is ~30 km from its shore, still inside
    deep = proximity.distances(np.array([shapely.box(120.5, 29.5, 120.501, 29.501)]), np.array([big_lake]),
                               max_distance=10.0)
    assert deep[0] == 0.0
    bounded = proximity.distances(parcels, np.array([river, lake], dtype=object), max_distance=500.0)
    assert np.array_equal(np.isnan(bounded), np.isnan(expected) | (expected > 500.0))
    assert np.isnan(proximity.distances(parcels, np.array([], dtype=object))).all()


def test_every_rule_field_measure_and_operator_is_in_the_user_guide():
    from pathlib import Path

    from parkgov.governance import listfields

    guide = (Path(__file__).resolve().parent.parent / "docs" / "user-guide" / "lists.md").read_text(encoding="utf-8")
    for rule in builtin_rules().values():
        assert f"`{rule.id}`" in guide and rule.name in guide, rule.id
        for name in rule.parameters:
            assert f"`{name}`" in guide or name in ("gone", "operating", "industrial_land_use", "in_use",
                                                     "poor_quality"), (rule.id, name)
    for subject_fields in listfields.FIELDS.values():
        for name in subject_fields:
            assert f"`{name}`" in guide, name
    for name in (*listfields.OPERATORS, "findings", "distance", "missing_years", "change"):
        assert f"`{name}`" in guide or f"{name}:" in guide, name
