"""Issue 14 §3: 四个一批 suggestions from the criteria (each outcome and boundary on crafted frames), stored for the
parcels on a year's lists, and the staff decision: reasons required when it differs, audited, scoped."""

import polars as pl
import pytest
import shapely
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from parkgov.accounts.models import Profile
from parkgov.accounts.scopes import scope_for
from parkgov.errors import InputError
from parkgov.evaluation.models import EvaluationResult
from parkgov.governance.disposition_criteria import CriteriaError, get_criteria, load_criteria
from parkgov.governance.dispositions import decide, listed_parcel_ids, scoped_decisions, suggest, suggest_dispositions
from parkgov.governance.layers import import_layer
from parkgov.governance.models import DispositionDecision, ReferenceLayer
from parkgov.ledger.models import Finding, Parcel, Zone
from parkgov.testing import evaluated_ledger_with_geometry, list_run, uscc, write_layer_file

CRITERIA = get_criteria("shengzhou-2021")


def frame(**overrides) -> pl.DataFrame:
    """One parcel that complies, is efficient, new and good, with no findings and an ordinary industry."""
    row = {"parcel_id": 1, "year": 2025, "plan_share": 0.9, "classes": ["B"], "tiers": [], "building_year": 2015,
           "building_quality": "good", "open_findings": 0, "unfixable_findings": 0, "industry_codes": ["3854"]}
    row |= overrides
    return pl.DataFrame([row], schema={"parcel_id": pl.Int64, "year": pl.Int64, "plan_share": pl.Float64,
                                       "classes": pl.List(pl.String), "tiers": pl.List(pl.String),
                                       "building_year": pl.Int64, "building_quality": pl.String,
                                       "open_findings": pl.Int64, "unfixable_findings": pl.Int64,
                                       "industry_codes": pl.List(pl.String)})


def outcome(**overrides):
    out = suggest(frame(**overrides), CRITERIA).row(0, named=True)
    return out["suggested"], out["rule"], out["reasons"]


@pytest.mark.parametrize("overrides,expected,rule_start", [
    ({"industry_codes": ["2645"]}, "exit", "关停退出"),  # backward capacity (染料制造)
    ({"industry_codes": ["3854", "1713"]}, "exit", "关停退出"),  # one of the parcel's firms is enough
    ({"open_findings": 2, "unfixable_findings": 1}, "exit", "关停退出"),
    ({"plan_share": 0.4999}, "convert", "功能转型"),
    ({"plan_share": 0.0, "classes": ["D"], "building_quality": "poor"}, "convert", "功能转型"),
    ({"plan_share": 0.5, "classes": ["D"], "building_quality": "poor"}, "rebuild", "拆除重建"),  # boundary: complies
    ({"plan_share": None, "classes": ["D"], "building_quality": "dangerous"}, "rebuild", "拆除重建"),  # unknown plan
    ({"classes": [], "tiers": ["重点排查（一企一策）"], "building_quality": "poor"}, "rebuild", "拆除重建"),
    ({"classes": ["D"], "building_quality": "fair"}, "upgrade", "整治提升：符合规划，亩均效益较低"),
    ({"classes": ["C"], "building_quality": "poor"}, "upgrade", "整治提升：符合规划，亩均效益较低"),
    ({"building_year": 2005}, "upgrade", "整治提升：符合规划，亩均效益较低"),  # 20 years: old
    ({"building_year": 2006}, "upgrade", "整治提升：符合规划，除拆除重建类以外"),  # 19 years: default
    ({"open_findings": 1, "unfixable_findings": 0}, "upgrade", "整治提升：符合规划，亩均效益较低"),
    ({"tiers": ["重点指导"]}, "upgrade", "整治提升：符合规划，亩均效益较低"),
    ({}, "upgrade", "整治提升：符合规划，除拆除重建类以外"),
])
def test_each_outcome_and_boundary(overrides, expected, rule_start):
    suggested, rule, reasons = outcome(**overrides)
    assert suggested == expected and rule.startswith(rule_start), (suggested, rule)
    assert reasons[0].startswith(f"建议{rule_start}") and "嵊州市工业全域治理“四个一批”判定标准（2021） 第 1 版" in reasons[0]
    assert [r.split("：")[0] for r in reasons[1:]] == ["规划符合性", "亩均效益", "建筑", "检查发现", "落后产能"]


def test_reasons_name_each_criterion_and_the_value():
    _s, _r, reasons = outcome(plan_share=0.35, classes=["C", "D"], building_year=1995, building_quality="poor",
                              open_findings=3, unfixable_findings=0, industry_codes=["2645"])
    text = "\n".join(reasons)
    assert "规划工业用地（1001）占地块面积 35.0%，低于 50%，不符合规划" in text
    assert "评价类别 C、D，档位 无；属亩均效益低" in text
    assert "建成年份 1995，房龄 30 年（≥ 20 年为老旧）；房屋质量 较差（属建筑质量差：较差、危房）" in text
    assert "未销号 3 条，其中经认定不可整改达标 0 条" in text
    assert "企业行业代码 2645，属淘汰类行业清单" in text
    _s, _r, unknown = outcome(plan_share=None, building_year=None, building_quality="")
    assert "无规划用地图层或地块无图形，按符合规划处理" in unknown[1] and "建成年份 未填，房龄未知；房屋质量 未填" in unknown[3]


def test_criteria_are_validated_naming_the_yaml_path(tmp_path):
    text = (CRITERIA.model_dump_json())
    import json

    import yaml

    data = json.loads(text)
    data["rules"][1]["all"] = ["not complies_with_the_plan"]
    data["plan_compliance"]["industrial_codes"] = ["9999"]
    data["backward_capacity"].pop("source")
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CriteriaError) as caught:
        load_criteria(path)
    message = str(caught.value)
    assert message.startswith("四个一批判定标准 bad.yaml 有 3 处错误")
    assert "rules[1].all: 未知判定项 'not complies_with_the_plan'" in message
    assert "plan_compliance.industrial_codes: 不是用地用海分类代码：9999" in message
    assert "backward_capacity.source: 缺少必填项" in message
    with pytest.raises(ValueError, match="缺少列"):
        suggest(frame().drop("tiers"), CRITERIA)


# --- stored suggestions and decisions -------------------------------------------------------------------------

@pytest.fixture
def ledger(tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    evaluated_ledger_with_geometry(folder=tmp_path, actor=actor)
    # plan: industrial over SZ-0001 (120.80–120.802), residential over SZ-0002 (120.90–120.901)
    plan = write_layer_file(tmp_path / "plan.gpkg", [shapely.box(120.79, 29.59, 120.81, 29.61),
                                                     shapely.box(120.89, 29.69, 120.91, 29.71)],
                            {"用地用海分类": ["100101", "070102"]})
    import_layer(path=plan, code="plan", name="规划", kind="planned_land_use", source="测试用规划图层", actor=actor)
    Parcel.objects.filter(code="SZ-0001").update(building_year=1990, building_quality="poor")
    Finding.objects.filter(parcel__code="SZ-0003").update(rectifiable=False)
    User = get_user_model()
    for role, park in (("economy", None), ("economy", "SZ-XW1"), ("ecology", None), ("committee", "SZ-XW1")):
        user = User.objects.create_user(f"t-{role}-{park}")
        profile = Profile.objects.create(user=user, role=role, department=role)
        if park:
            profile.zones.set([Zone.objects.get(code=park)])
    return tmp_path


def user(role, park=None):
    return get_user_model().objects.get(username=f"t-{role}-{park}")


@pytest.mark.django_db
def test_suggestions_for_the_listed_parcels_are_stored_with_history(ledger, actor):
    list_run(rule_id="test-list", year=2025, keys=["SZ-0001", "SZ-0003"], subject="parcel")
    list_run(rule_id="firms", year=2025, keys=[uscc(2)])  # firm b → its parcel SZ-0002
    list_run(rule_id="old-year", year=2024, keys=["SZ-0001"], subject="parcel")
    assert len(listed_parcel_ids(year=2025)) == 3
    assert suggest_dispositions(year=2025, actor=actor) == 3
    rows = {d.parcel.code: d for d in DispositionDecision.objects.select_related("parcel")}
    assert set(rows) == {"SZ-0001", "SZ-0002", "SZ-0003"} and all(d.year == 2025 for d in rows.values())
    assert rows["SZ-0002"].suggested == "convert" and "占地块面积 0.0%" in rows["SZ-0002"].suggestion_reasons[1]
    assert rows["SZ-0003"].suggested == "exit" and "不可整改达标 1 条" in rows["SZ-0003"].suggestion_reasons[4]
    classes = set(EvaluationResult.objects.filter(enterprise__credit_code__in=[uscc(1), uscc(3)])
                  .values_list("class_final", flat=True)) & set("ABCD")
    assert rows["SZ-0001"].suggested == ("rebuild" if "D" in classes else "upgrade")
    assert "占地块面积 100.0%" in rows["SZ-0001"].suggestion_reasons[1]
    assert f"评价类别 {'、'.join(sorted(classes)) or '无'}" in rows["SZ-0001"].suggestion_reasons[2]
    assert rows["SZ-0001"].criteria_id == "shengzhou-2021" and rows["SZ-0001"].zone.code == "SZ"
    first = rows["SZ-0002"].history.get()
    assert first.history_user == actor and first.history_change_reason.startswith("四个一批建议 2025")
    decide(decision=rows["SZ-0002"], actor=user("economy"), scope=scope_for(user("economy")),
           disposition="convert", reasons="")
    suggest_dispositions(year=2025, actor=actor)  # again: nothing changed, the decision stays
    kept = DispositionDecision.objects.get(parcel__code="SZ-0002")
    assert kept.decided == "convert" and kept.history.count() == 2


@pytest.mark.django_db
def test_decide_requires_reasons_when_it_differs_and_is_audited(ledger, actor):
    list_run(rule_id="test-list", year=2025, keys=["SZ-0001", "SZ-0002", "SZ-0003"], subject="parcel")
    suggest_dispositions(year=2025, actor=actor)
    row = DispositionDecision.objects.get(parcel__code="SZ-0002")
    staff = user("economy")
    with pytest.raises(InputError, match="决定（整治提升）与建议（功能转型）不同，须写明理由"):
        decide(decision=row, actor=staff, scope=scope_for(staff), disposition="upgrade", reasons="  ")
    with pytest.raises(InputError, match="处置方式“close”无效"):
        decide(decision=row, actor=staff, scope=scope_for(staff), disposition="close", reasons="x")
    decided = decide(decision=row, actor=staff, scope=scope_for(staff), disposition="upgrade",
                     reasons="规划修编后调整为工业用地，原地提升")
    decided.refresh_from_db()
    assert decided.decided == "upgrade" and decided.decided_by == staff and decided.decided_at is not None
    assert decided.suggested == "convert" and decided.decision_reasons == "规划修编后调整为工业用地，原地提升"
    last = decided.history.latest("history_id")
    assert last.history_user == staff and last.decided == "upgrade" and last.history_change_reason == "决定四个一批：upgrade"


@pytest.mark.django_db
def test_decide_and_read_are_scoped(ledger, actor):
    list_run(rule_id="test-list", year=2025, keys=["SZ-0001", "SZ-0002", "SZ-0003"], subject="parcel")
    suggest_dispositions(year=2025, actor=actor)
    outside = DispositionDecision.objects.get(parcel__code="SZ-0001")
    inside = DispositionDecision.objects.get(parcel__code="SZ-0002")
    park_user = user("economy", "SZ-XW1")
    assert [d.parcel.code for d in scoped_decisions(scope=scope_for(park_user))] == ["SZ-0002"]
    assert {d.parcel.code for d in scoped_decisions(scope=scope_for(user("ecology")))} == {"SZ-0001", "SZ-0002",
                                                                                            "SZ-0003"}
    with pytest.raises(PermissionDenied, match="园区范围"):
        decide(decision=outside, actor=park_user, scope=scope_for(park_user), disposition="convert", reasons="x")
    with pytest.raises(PermissionDenied, match="无权修改"):
        decide(decision=inside, actor=user("ecology"), scope=scope_for(user("ecology")), disposition="convert",
               reasons="")
    decide(decision=inside, actor=user("committee", "SZ-XW1"), scope=scope_for(user("committee", "SZ-XW1")),
           disposition="convert", reasons="")
    assert DispositionDecision.objects.get(pk=inside.pk).decided_by == user("committee", "SZ-XW1")
    assert scoped_decisions(scope=scope_for(park_user), decided=False).count() == 0
    assert scoped_decisions(scope=scope_for(user("economy")), decided=False).count() == 2


# --- pages ------------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_disposition_page_filters_and_decide_form(client, ledger, actor):
    list_run(rule_id="test-list", year=2025, keys=["SZ-0001", "SZ-0002", "SZ-0003"], subject="parcel")
    client.force_login(user("ecology"))
    assert client.post("/governance/dispositions/suggest/", {"year": 2025}).status_code == 403
    client.force_login(user("economy"))
    assert 'id="suggest-form"' in client.get("/governance/dispositions/").content.decode()
    empty = client.post("/governance/dispositions/suggest/", {"year": 2024}, follow=True).content.decode()
    assert "2024 年还没有清单" in empty and not DispositionDecision.objects.exists()
    done = client.post("/governance/dispositions/suggest/", {"year": 2025}, follow=True).content.decode()
    assert "已按 2025 年清单为 3 宗地块给出建议" in done
    assert DispositionDecision.objects.get(parcel__code="SZ-0001").history.get().history_user == user("economy")
    page = client.get("/governance/dispositions/").content.decode()
    assert page.count('data-parcel="') == 3 and "功能转型" in page and "建议理由" in page
    only = client.get("/governance/dispositions/", {"suggested": "convert"}).content.decode()
    assert only.count('data-parcel="') == 1 and 'data-parcel="SZ-0002"' in only
    row = DispositionDecision.objects.get(parcel__code="SZ-0002")
    refused = client.post(f"/governance/dispositions/{row.pk}/decide/", {"disposition": "upgrade", "reasons": ""})
    assert refused.status_code == 200 and "须写明理由" in refused.content.decode()
    done = client.post(f"/governance/dispositions/{row.pk}/decide/", {"disposition": "upgrade", "reasons": "规划已修编"})
    assert done.status_code == 302
    assert client.get("/governance/dispositions/", {"decided": "no"}).content.decode().count('data-parcel="') == 2
    decided = client.get("/governance/dispositions/", {"decided": "yes"}).content.decode()
    assert 'data-parcel="SZ-0002"' in decided and "与建议不同" in decided and "规划已修编" in decided
    client.force_login(user("ecology"))
    assert client.get("/governance/dispositions/").status_code == 200
    assert "/decide/" not in client.get("/governance/dispositions/").content.decode()
    assert client.post(f"/governance/dispositions/{row.pk}/decide/", {"disposition": "exit"}).status_code == 403


@pytest.mark.django_db
def test_layer_page_upload_for_land_roles_only(client, ledger, tmp_path):
    path = write_layer_file(tmp_path / "plan2.geojson", [shapely.box(120.7, 29.5, 120.75, 29.55)],
                            {"用地用海分类": ["1001"]}, crs="EPSG:4326")
    get_user_model().objects.create_user("t-nr")
    Profile.objects.create(user=get_user_model().objects.get(username="t-nr"), role="natural_resources",
                           department="natural_resources")
    client.force_login(get_user_model().objects.get(username="t-nr"))
    page = client.get("/governance/layers/").content.decode()
    assert 'id="layer-form"' in page and "测试用规划图层" in page
    form = {"code": "plan-b", "name": "规划B", "kind": "planned_land_use", "source": "测试上传的规划图层", "verified": "on"}
    with path.open("rb") as handle:
        response = client.post("/governance/layers/", form | {"file": handle})
    assert response.status_code == 302
    layer = ReferenceLayer.objects.get(code="plan-b")
    assert layer.file_name == "plan2.geojson" and layer.verified and layer.actor.username == "t-nr"
    bad = write_layer_file(tmp_path / "bad.geojson", [shapely.box(120.7, 29.5, 120.75, 29.55)],
                           {"用地用海分类": ["77"]}, crs="EPSG:4326")
    with bad.open("rb") as handle:
        response = client.post("/governance/layers/", form | {"file": handle})
    body = response.content.decode()
    assert response.status_code == 200 and "bad.geojson 图层「bad」第1个要素「用地用海分类」：值“77”" in body
    assert ReferenceLayer.objects.get(code="plan-b").file_name == "plan2.geojson"
    client.force_login(user("ecology"))
    assert 'id="layer-form"' not in client.get("/governance/layers/").content.decode()
    with path.open("rb") as handle:
        assert client.post("/governance/layers/", form | {"file": handle}).status_code == 403
