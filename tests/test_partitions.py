"""Issue 17 §5: the yearly figures partitioned by year on PostgreSQL keep every row, id and constraint, are read
one partition per year, and the evaluation and the bulk import give the same results on them; a view on the table
makes the command refuse and change nothing; SQLite is refused with a message."""

import pytest
from django.db import connection
from typer.testing import CliRunner

from parkgov.cli import app
from parkgov.demo.services import build_demo
from parkgov.errors import ConfigError
from parkgov.evaluation.models import EvaluationResult
from parkgov.evaluation.services import run_evaluation
from parkgov.ledger.models import Enterprise, YearlyFigure
from parkgov.operations.partitions import TABLE, is_partitioned, partition_names, partition_yearly_figures


def _results(run) -> dict:
    return {row["enterprise__credit_code"]: (row["class_final"], row["total"], row["tier"]) for row in
            EvaluationResult.objects.filter(run=run).values("enterprise__credit_code", "class_final", "total", "tier")}


def _figures() -> dict:
    return {(f.enterprise_id, f.year): (f.pk, f.tax, f.revenue) for f in YearlyFigure.objects.all()}


@pytest.mark.postgis
@pytest.mark.django_db
def test_partitioned_yearly_figures_keep_rows_ids_and_results(actor):
    build_demo(enterprises=60, seed=7, actor=actor)
    before, run_before = _figures(), run_evaluation(year=2025, ruleset_id="zj-huangyan-2022", actor=actor)
    expected = _results(run_before)
    years = sorted({year for _firm, year in before})
    assert len(before) > 100 and len(years) >= 3

    report = partition_yearly_figures(first_year=years[0], last_year=years[-1] - 1)  # the last year in DEFAULT
    with connection.cursor() as cursor:
        assert is_partitioned(cursor)
        assert partition_names(cursor) == sorted([f"{TABLE}_y{y}" for y in years[:-1]] + [f"{TABLE}_default"])
        for year in years:
            cursor.execute(f"SELECT count(*) FROM {TABLE}_{'default' if year == years[-1] else f'y{year}'}")
            assert cursor.fetchone()[0] == sum(1 for _f, y in before if y == year), year
        cursor.execute(f"EXPLAIN SELECT * FROM {TABLE} WHERE year = %s", [years[0]])
        plan = "\n".join(line for (line,) in cursor.fetchall())
        assert f"{TABLE}_y{years[0]}" in plan and f"{TABLE}_y{years[1]}" not in plan  # partition pruning
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(%s)"
                       " AND contype IN ('p', 'u', 'f')", [TABLE])
        constraints = dict(cursor.fetchall())
    assert report.rows == len(before) and _figures() == before
    assert constraints["ledger_yearlyfigure_pkey"] == "PRIMARY KEY (id, year)"
    assert constraints["yearly_figure_key"] == "UNIQUE (enterprise_id, year)"
    assert any(d.startswith("FOREIGN KEY (enterprise_id) REFERENCES ledger_enterprise(id)") for d in constraints.values())

    firm = Enterprise.objects.order_by("pk").first()
    added = YearlyFigure.objects.create(enterprise=firm, year=2031, tax=1.5, provenance={})
    assert added.pk > max(pk for pk, _t, _r in before.values())  # ids go on counting
    with pytest.raises(Exception):  # the unique constraint still holds across the table
        from django.db import transaction

        with transaction.atomic():
            YearlyFigure.objects.create(enterprise=firm, year=years[0], provenance={})

    run_after = run_evaluation(year=2025, ruleset_id="zj-huangyan-2022", actor=actor)
    assert run_after.pk != run_before.pk and _results(run_after) == expected

    build_demo(enterprises=60, seed=7, actor=actor)  # the bulk upsert path over the partitions
    assert {key: value for key, value in _figures().items() if key[1] != 2031} == before

    again = partition_yearly_figures(first_year=years[0], last_year=2031)  # adds years, moves 2031 out of DEFAULT
    assert again.already and f"{TABLE}_y2031" in again.partitions
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {TABLE}_y2031")
        assert [row[0] for row in cursor.fetchall()] == [added.pk]
        cursor.execute(f"SELECT count(*) FROM {TABLE}_default")
        assert cursor.fetchone()[0] == 0


@pytest.mark.postgis
@pytest.mark.django_db
def test_a_view_on_the_table_refuses_the_change_and_leaves_it_as_it_was(actor):
    build_demo(enterprises=20, seed=3, actor=actor)
    before = _figures()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE VIEW yearly_tax AS SELECT enterprise_id, year, tax FROM {TABLE}")
    with pytest.raises(ConfigError, match="视图 yearly_tax"):
        partition_yearly_figures(first_year=2020, last_year=2025)
    with connection.cursor() as cursor:
        assert not is_partitioned(cursor)
    assert _figures() == before


@pytest.mark.postgis
@pytest.mark.django_db
def test_the_command_partitions_and_reports(actor):
    build_demo(enterprises=20, seed=3, actor=actor)
    result = CliRunner().invoke(app, ["partition-yearly", "--from", "2020", "--to", "2026"])
    assert result.exit_code == 0, result.output
    assert f"已按年度分区：{YearlyFigure.objects.count():,} 行年度数据，8 个分区" in result.output


@pytest.mark.django_db
def test_sqlite_and_a_bad_span_are_refused_with_a_message():
    if connection.vendor == "sqlite":
        with pytest.raises(ConfigError, match="只适用于 PostgreSQL"):
            partition_yearly_figures(first_year=2020, last_year=2025)
    else:
        with pytest.raises(ConfigError, match="年度范围无效：2026–2020"):
            partition_yearly_figures(first_year=2026, last_year=2020)
        with connection.cursor() as cursor:
            assert not is_partitioned(cursor)
