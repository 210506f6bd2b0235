"""Issue 17 §4: the bulk paths of an import (ids given before the insert, COPY of CSV on PostgreSQL, a larger SQLite
page cache) store the same rows, history and provenance as the row-by-row paths did."""

import datetime as dt

import polars as pl
import pytest
from django.db import connection
from django.utils import timezone

from parkgov.ingest.services import import_workbook
from parkgov.ledger.bulk import fetch_frame, insert_rows
from parkgov.ledger.models import FIGURE_FIELDS, Enterprise, Finding, YearlyFigure
from parkgov.testing import small_ledger_sheets, write_workbook

pytestmark = pytest.mark.django_db(transaction=False)


def _figures():
    return {(f.enterprise.credit_code, f.year): f for f in YearlyFigure.objects.select_related("enterprise")}


def _history(figure):
    return [(h.history_type, h.history_change_reason, h.history_user_id, h.provenance,
             tuple(getattr(h, f) for f in FIGURE_FIELDS))
            for h in YearlyFigure.history.filter(id=figure.pk).order_by("history_id")]


def test_import_then_reimport_keeps_values_provenance_and_history(tmp_path, actor):
    """issue 17 §4: figures, per-field provenance and one full history snapshot per created or changed row."""
    sheets = small_ledger_sheets()
    first = import_workbook(path=write_workbook(tmp_path / "first.xlsx", sheets), actor=actor)
    one = first.submission_id
    after_first = _figures()
    a, b, c = (row[0] for row in sheets["企业"][1:4])
    assert after_first[(c, 2025)].revenue == 400 and after_first[(c, 2025)].rd_expense is None
    given = [f for f, v in zip(["enterprise", "year", *FIGURE_FIELDS], sheets["年度数据"][4]) if v is not None]
    assert after_first[(c, 2025)].provenance == {f: one for f in given if f in FIGURE_FIELDS}
    assert _history(after_first[(a, 2024)]) == [
        ("+", "导入 first.xlsx", actor.pk, {f: one for f in FIGURE_FIELDS},
         (620.5, 15800.0, 15200.0, 3300.0, 2100.0, 950.0, 6.2, 3.1, 540.0, 420.0, 800.0))]
    stamps = set(YearlyFigure.history.values_list("history_date", flat=True))
    assert len(stamps) == 1 and abs(stamps.pop() - timezone.now()) < dt.timedelta(minutes=5)
    ids = sorted(f.pk for f in after_first.values())
    assert ids == list(range(ids[0], ids[0] + len(ids)))  # the ids are a run, as the database hands them out

    second = {"年度数据": [sheets["年度数据"][0],
                           [a, 2024, 700, None, None, None, None, None, None, None, None, None, None],
                           [b, 2024, 18.2, 900, None, None, None, None, None, None, None, None, None],
                           [b, 2025, 20, 950, None, None, None, None, None, None, None, 36, None]]}
    report = import_workbook(path=write_workbook(tmp_path / "second.xlsx", second), actor=actor)
    two = report.submission_id
    assert report.written["年度数据"] == {"created": 1, "updated": 1, "unchanged": 1}
    now = _figures()
    assert now[(a, 2024)].tax == 700 and now[(a, 2024)].revenue == 15800  # a blank cell keeps the stored value
    assert now[(a, 2024)].provenance == {f: one for f in FIGURE_FIELDS} | {"tax": two}
    assert _history(now[(a, 2024)])[1] == (
        "~", "导入 second.xlsx", actor.pk, {f: one for f in FIGURE_FIELDS} | {"tax": two},
        (700.0, 15800.0, 15200.0, 3300.0, 2100.0, 950.0, 6.2, 3.1, 540.0, 420.0, 800.0))
    assert len(_history(now[(b, 2024)])) == 1  # the same values again: no history row
    assert _history(now[(b, 2025)]) == [("+", "导入 second.xlsx", actor.pk,
                                         {"tax": two, "revenue": two, "employees": two},
                                         (20.0, 950.0, None, None, None, None, None, None, None, 36.0, None))]
    assert now[(b, 2025)].pk > max(ids)
    assert Finding.history.filter(history_type="+").count() == Finding.objects.count() == 2
    assert Enterprise.history.count() == Enterprise.objects.count() == 3


def test_frame_and_tuples_insert_the_same_cells(actor):
    """issue 17 §4: on PostgreSQL a frame goes in as CSV; '' stays '', null stays null, quotes, commas, line breaks,
    dates, booleans, floats and time stamps arrive as through the tuple path (executemany elsewhere)."""
    table = Finding.history.model._meta.db_table
    now = timezone.now()
    frame = pl.DataFrame({
        "id": [9_000_001, 9_000_002, 9_000_003],
        "department": ["ecology", "", "fire"],
        "category": ["environment", "safety", "environment"],
        "severity": ["minor", "major", "minor"],
        "found_on": [dt.date(2025, 5, 20), dt.date(1999, 12, 31), dt.date(2024, 2, 29)],
        "description": ['说明,含"引号"\n与换行', "", None],
        "status": ["open", "closed", "open"],
        "legal_basis": ["", "\\N", "第3条"],
        "deadline": [None, dt.date(2025, 1, 1), None],
        "rectifiable": [True, None, False],
        "closed_on": [None, None, dt.date(2025, 3, 1)],
        "history_type": ["+", "~", "+"],
        "history_change_reason": ["导入 a.xlsx", None, ""],
        "history_date": [now, now, now],
        "history_user_id": [actor.pk, None, actor.pk],
    }).with_columns(pl.col("description").cast(pl.String))
    columns = frame.columns
    sqlite = connection.vendor == "sqlite"
    as_db = frame.with_columns(pl.col(c).cast(pl.String) for c in ("found_on", "deadline", "closed_on")) \
        if sqlite else frame
    insert_rows(table, columns, as_db.with_columns(pl.col("description").fill_null("")))
    tuples = as_db.with_columns(pl.col("id") + 10, pl.col("description").fill_null("")).rows()
    insert_rows(table, columns, tuples)
    stored = fetch_frame(Finding.history.model, columns=["history_id", *(c for c in columns if c != "id")]) \
        .sort("history_id")
    by_frame = stored.filter(pl.col("id") < 9_000_010).drop("history_id")
    by_tuples = stored.filter(pl.col("id") > 9_000_010).drop("history_id").with_columns(pl.col("id") - 10)
    assert by_frame.height == 3 and by_frame.equals(by_tuples)
    rows = {r["id"]: r for r in Finding.history.filter(id__gte=9_000_001).values()}
    assert rows[9_000_002]["department"] == "" and rows[9_000_002]["legal_basis"] == "\\N"
    assert rows[9_000_001]["description"] == '说明,含"引号"\n与换行' and rows[9_000_002]["rectifiable"] is None
    assert rows[9_000_002]["history_change_reason"] is None and rows[9_000_003]["history_change_reason"] == ""
    assert rows[9_000_001]["history_date"] == now


def test_deleting_a_user_keeps_the_ledger_history_of_their_import(tmp_path):
    """issue 17 §4: the ledger's history rows name their user without a database constraint (one check per history
    row cost PostgreSQL 0.8 s per 200,000 rows); deleting the user through Django still sets it to null, and the
    history stays."""
    from django.contrib.auth import get_user_model

    importer = get_user_model().objects.create_user("importer-17")
    import_workbook(path=write_workbook(tmp_path / "first.xlsx", small_ledger_sheets()), actor=importer)
    written = YearlyFigure.history.filter(history_user_id=importer.pk).count()
    assert written == YearlyFigure.objects.count() > 0
    importer.delete()
    assert YearlyFigure.history.filter(history_user__isnull=True).count() == written
    assert Enterprise.history.filter(history_user__isnull=True).count() == Enterprise.objects.count()
