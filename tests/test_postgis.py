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
    assert srid == 4490 and text.startswith("POLYGON((120.8 29.6")
    assert computed == pytest.approx(geodesic, rel=2e-3)  # Gauss-Krüger vs ellipsoid: same figure within 0.2 %
    assert "USING gist (geom)" in index
