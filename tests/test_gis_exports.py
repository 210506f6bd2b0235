"""Issue 17 §3: the GIS (GeoPackage) variant of every list and result export — evaluation classes and tiers, list
entries, cases, idle land, 标准地 commitments — read back with GDAL's ogrinfo: Chinese field names, feature counts,
EPSG:4490, MultiPolygon, one feature per parcel (a firm with two parcels gives two), the Excel paths unchanged."""

import datetime as dt
import re
import subprocess
import uuid

import fastexcel
import pytest
from django.urls import reverse

from parkgov.evaluation.export import export_evaluation
from parkgov.evaluation.models import EvaluationResult, EvaluationRun
from parkgov.governance.case_exchange import export_cases
from parkgov.governance.export import write_year_workbook
from parkgov.governance.lists import operator_scope
from parkgov.ledger.models import Enterprise, LandLink, Parcel
from parkgov.spatial.gpkg import write_layer
from parkgov.testing import (contracts_world, evaluated_ledger_with_geometry, list_run, make_idle_contract,
                             open_test_case, uscc)

pytestmark = pytest.mark.django_db

FIELD = re.compile(r"^  (.+?) \((String|Real|Integer64|Integer|Date|DateTime)\) = (.*)$")


def ogr_summary(path) -> dict:
    """layer → {count, geometry, epsg, fields} as `ogrinfo -ro -al -so` reports them."""
    text = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True, text=True,
                          check=True).stdout
    layers = {}
    for block in text.split("Layer name: ")[1:]:
        name = block.splitlines()[0].strip()
        layers[name] = {
            "count": int(re.search(r"Feature Count: (\d+)", block).group(1)),
            "geometry": re.search(r"Geometry: (.+)", block).group(1).strip(),
            "epsg": re.findall(r'ID\["EPSG",(\d+)\]\]\s*$', block.split("Data axis")[0].strip() + "\n", re.M),
            "fields": [m.group(1) for m in (re.match(r"^(\S.*?): (String|Real|Integer64|Integer|Date|DateTime) ",
                                                     line) for line in block.splitlines()) if m]}
    return layers


def ogr_features(path, layer) -> list[dict]:
    """The features of `layer` as dicts of field → text (None for null), and `_geometry` (its WKT type)."""
    text = subprocess.run(["ogrinfo", "-ro", "-q", str(path), layer], capture_output=True, text=True,
                          check=True).stdout
    features = []
    for block in text.split("OGRFeature(")[1:]:
        feature = {"_geometry": None}
        for line in block.splitlines()[1:]:
            found = FIELD.match(line)
            if found:
                feature[found.group(1)] = None if found.group(3) == "(null)" else found.group(3)
            elif line.strip().startswith(("MULTIPOLYGON", "POLYGON", "LINESTRING")):
                feature["_geometry"] = line.strip().split(" ")[0]
        features.append(feature)
    return features


def assert_parcel_layer(summary, layer, count, fields):
    assert summary[layer]["count"] == count, summary[layer]
    assert summary[layer]["geometry"] == "Multi Polygon" and summary[layer]["epsg"] == ["4490"], summary[layer]
    assert summary[layer]["fields"][:3] == ["地块编码", "宗地代码", "园区编码"]
    assert set(fields) <= set(summary[layer]["fields"]), summary[layer]["fields"]


@pytest.fixture
def ledger(tmp_path, actor):
    """The small evaluated ledger (SZ-0001, SZ-0002 drawn; SZ-0003 not), firm 1 also holding SZ-0003: firm 1 has
    two parcels, firm 2 one, firm 3 (tenant) one."""
    evaluated_ledger_with_geometry(folder=tmp_path, actor=actor)
    LandLink.objects.create(enterprise=Enterprise.objects.get(credit_code=uscc(1)),
                            parcel=Parcel.objects.get(code="SZ-0003"), role="holder")
    return EvaluationRun.objects.get()


def test_writer_types_fields_and_writes_an_empty_layer(tmp_path):
    import shapely

    path = tmp_path / "t.gpkg"
    assert write_layer(path=path, layer="测试", columns=["名称", "面积（亩）", "年度", "日期"],
                       rows=[("甲", 1.5, 2025, dt.date(2025, 1, 2)), (None, None, 2024, None)],
                       geometries=[shapely.box(120, 29, 120.1, 29.1), None]) == 2
    write_layer(path=path, layer="空", columns=[], rows=[], geometries=[], append=True)
    summary = ogr_summary(path)
    assert summary["测试"]["count"] == 2 and summary["空"]["count"] == 0 and summary["空"]["epsg"] == ["4490"]
    info = subprocess.run(["ogrinfo", "-ro", "-so", str(path), "测试"], capture_output=True, text=True).stdout
    assert "面积（亩）: Real" in info and "年度: Integer64" in info and "名称: String" in info
    features = ogr_features(path, "测试")
    assert features[0]["名称"] == "甲" and features[0]["日期"] == "2025-01-02" and features[0]["_geometry"] == "MULTIPOLYGON"
    assert features[1]["名称"] is None and features[1]["面积（亩）"] is None and features[1]["_geometry"] is None


def test_evaluation_results_as_gpkg_one_feature_per_parcel_with_class_and_tier(ledger, tmp_path):
    path = tmp_path / "e.gpkg"
    counts = export_evaluation(path=path, run=ledger)
    summary = ogr_summary(path)
    results = {r.enterprise.credit_code: r for r in EvaluationResult.objects.select_related("enterprise")}
    rated = [r for r in results.values() if not r.not_rated_reason]
    for name, count in counts.items():
        assert summary[name]["count"] == count
    features = [f for layer in summary for f in ogr_features(path, layer)]
    by_firm = {}
    for feature in features:
        by_firm.setdefault(feature["统一社会信用代码"], []).append(feature)
    assert set(by_firm) == set(results)
    assert sorted(f["地块编码"] for f in by_firm[uscc(1)]) == ["SZ-0001", "SZ-0003"]  # two parcels, same values
    assert [f["_geometry"] for f in sorted(by_firm[uscc(1)], key=lambda f: f["地块编码"])] == ["MULTIPOLYGON", None]
    assert [f["地块编码"] for f in by_firm[uscc(3)]] == ["SZ-0001"]  # the tenant: on its landlord's parcel
    for result in rated:
        layer = next(name for name in summary if any(f["统一社会信用代码"] == result.enterprise.credit_code
                                                     for f in ogr_features(path, name)))
        assert_parcel_layer(summary, layer, summary[layer]["count"], ["统一社会信用代码", "企业名称", "类别"])
        for feature in by_firm[result.enterprise.credit_code]:
            assert feature["类别"] == result.class_final and feature["企业名称"] == result.enterprise.name
            if "档位" in feature:
                assert feature["档位"] == (result.tier or None)
    assert "不参评名单" in summary
    export_evaluation(path=tmp_path / "e.xlsx", run=ledger)  # the workbook is unchanged
    assert "不参评名单" in fastexcel.read_excel(tmp_path / "e.xlsx").sheet_names


def test_lists_as_gpkg_a_layer_per_list(ledger, tmp_path):
    list_run(rule_id="firms", year=2025, keys=[uscc(1), uscc(2)], rule_name="低效企业")
    list_run(rule_id="plots", year=2025, keys=["SZ-0002", "SZ-0003"], subject="parcel", rule_name="低效地块")
    path = tmp_path / "l.gpkg"
    counts = write_year_workbook(path=path, year=2025, scope=operator_scope())
    assert counts == {"低效企业": 3, "低效地块": 2}  # firm 1: two parcels
    summary = ogr_summary(path)
    assert_parcel_layer(summary, "低效企业", 3, ["对象编码", "统一社会信用代码", "企业名称", "列入理由"])
    assert_parcel_layer(summary, "低效地块", 2, ["对象编码", "列入理由"])
    firms = ogr_features(path, "低效企业")
    assert sorted((f["对象编码"], f["地块编码"]) for f in firms) == [
        (uscc(1), "SZ-0001"), (uscc(1), "SZ-0003"), (uscc(2), "SZ-0002")]
    plots = ogr_features(path, "低效地块")
    assert {f["地块编码"]: f["园区编码"] for f in plots} == {"SZ-0002": "SZ-XW1", "SZ-0003": "SZ"}
    assert all(f["列入理由"] for f in plots)
    assert write_year_workbook(path=tmp_path / "l.xlsx", year=2025, scope=operator_scope()) == {
        "低效企业": 2, "低效地块": 2}  # the workbook: a row per entry, as before


def test_cases_as_gpkg_with_their_state(ledger, tmp_path):
    from parkgov.accounts.services import ensure_demo_accounts

    ensure_demo_accounts()
    open_test_case(parcel_code="SZ-0002")
    open_test_case(parcel_code=None, credit_code=uscc(1), title="甲厨具企业整治")
    path = tmp_path / "c.gpkg"
    assert export_cases(path=path, scope=operator_scope(), today=dt.date(2026, 1, 5)) == 3
    summary = ogr_summary(path)
    assert_parcel_layer(summary, "治理案件", 3, ["案件编号", "标题", "状态", "统一社会信用代码", "整改期限"])
    features = ogr_features(path, "治理案件")
    assert sorted((f["标题"], f["地块编码"]) for f in features) == sorted([
        ("甲厨具地块整治提升", "SZ-0002"), ("甲厨具企业整治", "SZ-0001"), ("甲厨具企业整治", "SZ-0003")])
    assert all(f["状态"] for f in features) and {f["整改期限"] for f in features} == {"2026-12-31"}
    assert export_cases(path=tmp_path / "c.xlsx", scope=operator_scope(), today=dt.date(2026, 1, 5)) == 2


def test_idle_land_and_commitments_as_gpkg(ledger, tmp_path, actor, client):
    from parkgov.supply.idle import operator_listing
    from parkgov.supply.idle_export import write_idle_gpkg
    from parkgov.supply.contract_sheet import write_contracts_gpkg
    from parkgov.supply.models import Contract

    for code, agreed in (("SZ-0001", dt.date(2024, 11, 30)), ("SZ-0002", dt.date(2025, 1, 31))):
        make_idle_contract(parcel_code=code, number=f"HT-{code}", agreed_start=agreed)
    rows = operator_listing(on=dt.date(2025, 12, 31), zone_code=None, status="")
    path = tmp_path / "i.gpkg"
    assert write_idle_gpkg(path=path, rows=rows) == len(rows)
    summary = ogr_summary(path)
    assert_parcel_layer(summary, "闲置土地", len(rows), ["闲置状态", "满一年之日", "土地闲置费（万元）"])
    status = {f["地块编码"]: f["闲置状态"] for f in ogr_features(path, "闲置土地")}
    assert status == {"SZ-0001": "闲置", "SZ-0002": "即将闲置", "SZ-0003": "缺少合同日期"}
    Contract.objects.all().delete()
    contracts_world(folder=tmp_path, actor=actor)
    path = tmp_path / "k.gpkg"
    assert write_contracts_gpkg(path=path, queryset=Contract.objects.all()) == 2
    assert_parcel_layer(ogr_summary(path), "标准地承诺", 2, ["合同编号"])
    assert {f["地块编码"]: f["合同编号"] for f in ogr_features(path, "标准地承诺")} == {
        "SZ-0001": "BZD-2021-0001", "SZ-0002": "BZD-2021-0002"}


def test_the_web_serves_the_gpkg_variant(ledger, client, tmp_path):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="admin"))
    response = client.get(reverse("web:evaluation_download", args=[ledger.pk]), {"format": "gpkg"})
    assert response.status_code == 200 and response["Content-Type"] == "application/geopackage+sqlite3"
    assert ".gpkg" in response["Content-Disposition"]
    path = tmp_path / "w.gpkg"
    path.write_bytes(b"".join(response.streaming_content))
    assert sum(layer["count"] for layer in ogr_summary(path).values()) == 4  # 3 firms, firm 1 on two parcels
    page = client.get(reverse("web:evaluation"), {"run": ledger.pk}).content.decode()
    assert f'{reverse("web:evaluation_download", args=[ledger.pk])}?format=gpkg' in page


def gpkg_codes(response, header, folder) -> set:
    """The values of field `header` over every layer of a GPKG download, read with ogrinfo (tests/test_scope.py)."""
    assert response["Content-Type"] == "application/geopackage+sqlite3", response["Content-Type"]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    path = folder / f"download-{uuid.uuid4().hex}.gpkg"
    path.write_bytes(body)
    try:
        return {f[header] for layer in ogr_summary(path) for f in ogr_features(path, layer) if f.get(header)}
    finally:
        path.unlink()


def test_the_cli_writes_gpkg_where_it_writes_excel(ledger, tmp_path):
    from typer.testing import CliRunner

    from parkgov.cli import app

    make_idle_contract(parcel_code="SZ-0001", number="HT-1", agreed_start=dt.date(2024, 11, 30))
    runner = CliRunner()
    out = tmp_path / "idle.gpkg"
    result = runner.invoke(app, ["supply", "idle", "--on", "2025-12-31", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert_parcel_layer(ogr_summary(out), "闲置土地", 3, ["闲置状态"])
    out = tmp_path / "evaluation.gpkg"
    result = runner.invoke(app, ["export", "evaluation", str(out), "--year", "2025", "--ruleset", ledger.ruleset_id])
    assert result.exit_code == 0, result.output
    assert sum(layer["count"] for layer in ogr_summary(out).values()) == 4
    out = tmp_path / "cases.gpkg"
    result = runner.invoke(app, ["governance", "cases", "--out", str(out)])
    assert result.exit_code == 0 and ogr_summary(out)["治理案件"]["count"] == 0, result.output


def test_qgis_commands_refuse_sqlite_and_point_to_the_gpkg_exports(db, vendor):
    from typer.testing import CliRunner

    from parkgov.cli import app

    if vendor != "sqlite":
        pytest.skip("the PostgreSQL side is tests/test_qgis_views.py")
    for command in (["qgis", "role"], ["qgis", "views"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code != 0 and "导出 GIS（GPKG）" in str(result.exception), result.output
