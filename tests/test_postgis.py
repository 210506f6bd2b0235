"""PostgreSQL only: the PostGIS column derived from the stored WKB, its index, and agreement of areas."""

import pytest
from django.db import connection
from shapely.geometry import Polygon

from parkgov.ledger.models import Parcel
from parkgov.ledger.services import attach_geometry
from parkgov.testing import small_ledger_sheets, write_workbook

pytestmark = [pytest.mark.postgis, pytest.mark.django_db]


def test_geometry_column_follows_wkb_and_is_indexed(tmp_path, actor):
    assert connection.vendor == "postgresql", "this test belongs to the PostgreSQL pass"
    from parkgov.ingest.services import import_workbook

    import_workbook(path=write_workbook(tmp_path / "a.xlsx", small_ledger_sheets()), actor=actor)
    square = Polygon([(120.8, 29.6), (120.802, 29.6), (120.802, 29.602), (120.8, 29.602)])
    import polars as pl

    attach_geometry(model=Parcel, frame=pl.DataFrame({"code": ["SZ-0001"], "wkb": [square.wkb]}))
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_SRID(geom), ST_AsText(geom), ST_Area(geom::geography), computed_area_m2 "
                       "FROM ledger_parcel WHERE code = 'SZ-0001'")
        srid, text, geodesic, computed = cursor.fetchone()
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'ledger_parcel' AND indexdef LIKE '%gist%'")
        index = cursor.fetchone()[0]
    assert srid == 4490 and text.startswith("MULTIPOLYGON(((120.8 29.6")  # typed by spatial 0002 (issue 17)
    assert computed == pytest.approx(geodesic, rel=2e-3)  # Gauss-Krüger vs ellipsoid: same figure within 0.2 %
    assert "USING gist (geom)" in index


def test_name_search_has_statistics_on_the_expression_django_filters_by(db):
    """The enterprise list's name search filters on UPPER(name); PostgreSQL keeps statistics on exactly that
    expression (migration 0004), so it walks the credit-code index for the first page (290 → 22 ms at 1M firms)."""
    from django.db import connection

    from parkgov.ledger.models import Enterprise

    sql, _params = Enterprise.objects.filter(name__icontains="厨具").query.sql_with_params()
    assert 'UPPER("ledger_enterprise"."name"::text) LIKE UPPER(' in sql
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_statisticsobjdef(oid) FROM pg_statistic_ext WHERE stxname = %s",
                       ["ledger_enterprise_upper_name"])
        (definition,) = cursor.fetchone()
    assert "ON upper(name::text) FROM ledger_enterprise" in definition


@pytest.mark.django_db(transaction=True)
def test_an_import_locks_the_rows_it_read_until_it_writes(tmp_path):
    """Review of issue 4: an import reads the stored rows, merges `coalesce(incoming, stored)` and writes them
    back; an edit committed in between would be overwritten with the stale value. On PostgreSQL the rows read
    are locked (FOR UPDATE) until the import's transaction ends, so the other writer waits instead."""
    import psycopg
    from django.db import transaction

    from parkgov.audit.context import system_user
    from parkgov.ingest.services import import_workbook
    from parkgov.ledger.bulk import fetch_frame
    from parkgov.ledger.models import YearlyFigure

    import_workbook(path=write_workbook(tmp_path / "l.xlsx", small_ledger_sheets()), actor=system_user("test"))
    figure = YearlyFigure.objects.order_by("id").first()
    settings = connection.settings_dict
    other = psycopg.connect(host=settings["HOST"], port=settings["PORT"], user=settings["USER"],
                            dbname=settings["NAME"], password=settings["PASSWORD"] or None, autocommit=True)
    try:
        other.execute("SET lock_timeout = '300ms'")
        with transaction.atomic():
            fetch_frame(YearlyFigure, columns=["tax"], where_column="enterprise_id", values=[figure.enterprise_id],
                        lock=True)
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("UPDATE ledger_yearlyfigure SET tax = 1 WHERE id = %s", [figure.id])
        other.execute("UPDATE ledger_yearlyfigure SET tax = 1 WHERE id = %s", [figure.id])  # free once committed
    finally:
        other.close()
