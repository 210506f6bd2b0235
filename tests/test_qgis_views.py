"""Issue 17 §3, PostgreSQL only: typed geometry for QGIS (geometry_columns: MultiPolygon / 4490 for the parcel and
zone tables and the views), the views qgis."地块" and qgis."企业地块" with their values for a built world, kept
current, and the read-only role that reads those views and nothing else."""

import datetime as dt
import uuid

import psycopg
import pytest
from django.db import connection

from parkgov.evaluation.models import EvaluationResult
from parkgov.ledger.models import Enterprise, LandLink, Parcel
from parkgov.spatial import qgis
from parkgov.testing import (evaluated_ledger_with_geometry, list_run, make_idle_check, make_review_run,
                             open_test_case, uscc)

pytestmark = [pytest.mark.postgis, pytest.mark.django_db]


def rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


@pytest.fixture
def world(tmp_path, actor):
    """The small evaluated ledger; firm 1 also holds SZ-0003; a firm list and a parcel list; a case on SZ-0002
    and one on firm 1; a review run with SZ-0001 idle."""
    evaluated_ledger_with_geometry(folder=tmp_path, actor=actor)
    LandLink.objects.create(enterprise=Enterprise.objects.get(credit_code=uscc(1)),
                            parcel=Parcel.objects.get(code="SZ-0003"), role="holder")
    list_run(rule_id="firms", year=2025, keys=[uscc(1)], rule_name="低效企业")
    list_run(rule_id="plots", year=2025, keys=["SZ-0002"], subject="parcel", rule_name="低效地块")
    list_run(rule_id="plots", year=2024, keys=["SZ-0003"], subject="parcel", rule_name="去年清单")  # not current
    cases = [open_test_case(parcel_code="SZ-0002"), open_test_case(parcel_code=None, credit_code=uscc(1))]
    run = make_review_run()
    make_idle_check(run=run, parcel=Parcel.objects.get(code="SZ-0001"), status="idle")
    make_idle_check(run=run, parcel=Parcel.objects.get(code="SZ-0002"), status="normal")
    return cases


def test_geometry_columns_report_multipolygon_4490(db):
    found = {(r["f_table_schema"], r["f_table_name"]): (r["type"], r["srid"]) for r in rows(
        "SELECT f_table_schema, f_table_name, type, srid FROM geometry_columns WHERE f_geometry_column = 'geom'")}
    for key in (("public", "ledger_parcel"), ("public", "ledger_zone"), ("qgis", "地块"), ("qgis", "企业地块")):
        assert found[key] == ("MULTIPOLYGON", 4490), (key, found)


def test_the_parcel_view_holds_each_parcel_with_its_firms_class_tier_lists_cases_and_idle_status(world):
    results = {r.enterprise.credit_code: r for r in EvaluationResult.objects.select_related("enterprise")}
    cases = {case.parcel.code if case.parcel else "firm": case.number for case in world}
    view = {r["地块编码"]: r for r in rows('SELECT *, ST_AsText(geom) AS wkt FROM qgis."地块"')}
    assert set(view) == {"SZ-0001", "SZ-0002", "SZ-0003"}
    one = view["SZ-0001"]
    assert one["统一社会信用代码"] == f"{uscc(1)}、{uscc(3)}"  # holder and tenant, credit-code order
    assert one["企业名称"] == "嵊州市甲厨具有限公司、嵊州市丙机械有限公司"
    assert one["评价类别"] == f"{results[uscc(1)].class_final}、{results[uscc(3)].class_final}"
    assert one["土地面积（亩）"] == pytest.approx(20000 / (10000 / 15)) and one["园区编码"] == "SZ"
    assert one["所在清单"] == "低效企业" and one["案件状态"] == f"{cases['firm']} 待派" and one["闲置状态"] == "闲置"
    assert one["wkt"].startswith("MULTIPOLYGON(((120.802 29.6,") and one["供地状态"] == "已供已用"
    two = view["SZ-0002"]
    assert two["企业名称"] == "嵊州市乙领带有限公司" and two["所在清单"] == "低效地块"
    assert two["案件状态"] == f"{cases['SZ-0002']} 待派" and two["闲置状态"] == "正常"
    three = view["SZ-0003"]
    assert three["统一社会信用代码"] == uscc(1) and three["wkt"] is None and three["所在清单"] == "低效企业"
    assert three["闲置状态"] is None and three["供地状态"] == "闲置"


def test_the_firm_parcel_view_has_a_row_per_current_link_and_follows_changes(world):
    view = rows('SELECT * FROM qgis."企业地块" ORDER BY "统一社会信用代码", "地块编码"')
    assert [(r["统一社会信用代码"], r["地块编码"], r["用地关系"]) for r in view] == [
        (uscc(1), "SZ-0001", "土地使用权人"), (uscc(1), "SZ-0003", "土地使用权人"),
        (uscc(2), "SZ-0002", "土地使用权人"), (uscc(3), "SZ-0001", "承租")]
    first = EvaluationResult.objects.get(enterprise__credit_code=uscc(1))
    assert {r["评价类别"] for r in view[:2]} == {first.class_final} and view[0]["所在清单"] == "低效企业"
    assert view[3]["所在清单"] is None  # firm 3 is on no list; its parcel neither
    EvaluationResult.objects.filter(pk=first.pk).update(class_final="D")
    LandLink.objects.filter(enterprise__credit_code=uscc(3)).update(end_date=dt.date(2020, 1, 1))
    view = rows('SELECT * FROM qgis."企业地块" ORDER BY "统一社会信用代码", "地块编码"')
    assert len(view) == 3 and view[0]["评价类别"] == "D"  # plain views: always current


@pytest.mark.django_db(transaction=True)
def test_the_read_only_role_reads_the_views_and_nothing_else(tmp_path, actor):
    evaluated_ledger_with_geometry(folder=tmp_path, actor=actor)
    role, password = f"parkgov_qgis_test_{uuid.uuid4().hex[:8]}", "qgis-test-pw"
    qgis.ensure_role(role=role, password=password)
    settings = connection.settings_dict
    try:
        with psycopg.connect(host=settings["HOST"], port=settings["PORT"], dbname=settings["NAME"], user=role,
                             password=password, autocommit=True) as reader:
            assert reader.execute('SELECT count(*) FROM qgis."地块"').fetchone() == (3,)
            assert reader.execute('SELECT count(*) FROM qgis."企业地块"').fetchone() == (3,)
            assert reader.execute("SELECT type FROM geometry_columns WHERE f_table_schema = 'qgis'").fetchall() \
                == [("MULTIPOLYGON",), ("MULTIPOLYGON",)]
            for statement in ("SELECT * FROM ledger_parcel", "SELECT * FROM ledger_enterprise",
                              "SELECT * FROM auth_user", "SELECT * FROM evaluation_evaluationresult",
                              "CREATE TABLE qgis.t (x int)", "CREATE TABLE public.t (x int)",
                              "UPDATE ledger_parcel SET code = 'x'"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    reader.execute(statement)
            for statement in ('DELETE FROM qgis."地块"', 'UPDATE qgis."企业地块" SET "企业名称" = \'x\''):
                with pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectNotInPrerequisiteState)):
                    reader.execute(statement)  # not updatable, and not granted either (below)
            granted = reader.execute(
                "SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = %s "
                "ORDER BY table_name", [role]).fetchall()
            assert granted == [("企业地块", "SELECT"), ("地块", "SELECT")]
        with connection.cursor() as cursor:  # migrate (here: flush) re-creates the views; the role keeps them
            qgis.create_views(cursor)
        with psycopg.connect(host=settings["HOST"], port=settings["PORT"], dbname=settings["NAME"], user=role,
                             password=password, autocommit=True) as reader:
            assert reader.execute('SELECT count(*) FROM qgis."地块"').fetchone() == (3,)
        qgis.ensure_role(role=role)  # no password: NOLOGIN
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(host=settings["HOST"], port=settings["PORT"], dbname=settings["NAME"], user=role,
                            password=password)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')
