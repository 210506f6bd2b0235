"""Benchmark: what the map's governance properties (lists, case state, overdue, case number; issue 14) add to
building the parcel table the tiles are cut from, on the demo zone of --enterprises firms.

The demo is built in a fresh SQLite database; then, without any ORM loop over firms, list runs for three rules
and two years (each with 20 % of the firms and 10 % of the parcels as entries, a quarter of each year's runs
generated twice so the latest run per rule must be chosen) and cases for 5 % of the firms and 2 % of the parcels
(every state, a third overdue) are written in bulk. Measured: `tile_data._build_parcel_table` (the whole table,
median of 3) and `governance_data.governance_ratings` alone (median of 3) — the baseline is the table without
it, i.e. the difference.
Usage: python bench/map_governance.py [--enterprises 20000]
"""

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database, setup_django  # noqa: E402


def _governance_rows(seed=7):
    from parkgov.governance.models import Case, ListEntry, ListRun
    from parkgov.ledger.models import Enterprise, Parcel

    rng = random.Random(seed)
    firms = list(Enterprise.objects.values_list("id", "credit_code", "zone_id"))
    parcels = list(Parcel.objects.values_list("id", "code", "zone_id"))
    entries = 0
    for year in (2024, 2025):
        for rule in ("low_efficiency", "low_scattered", "collective"):
            for _repeat in range(2 if rule == "collective" else 1):
                run = ListRun.objects.create(rule_id=rule, rule_version=1, rule_hash="h", rule_name=rule,
                                             owner_department="economy", subject="enterprise", year=year,
                                             input_hash="i")
                rows = [ListEntry(run=run, subject_key=code, enterprise_id=pk, zone_id=zone)
                        for pk, code, zone in rng.sample(firms, len(firms) // 5)]
                rows += [ListEntry(run=run, subject_key=code, parcel_id=pk, zone_id=zone)
                         for pk, code, zone in rng.sample(parcels, len(parcels) // 10)]
                ListEntry.objects.bulk_create(rows, batch_size=5000)
                entries += len(rows)
    states = ["to_dispatch", "dispatched", "rectifying", "to_verify", "closed"]
    today = dt.date.today()
    cases = [Case(number=f"B-{i}", title="t", state=rng.choice(states), enterprise_id=pk, zone_id=zone,
                  lead_department="economy", departments=["economy"],
                  deadline=today + dt.timedelta(days=rng.randint(-60, 120)))
             for i, (pk, _code, zone) in enumerate(rng.sample(firms, len(firms) // 20))]
    cases += [Case(number=f"P-{i}", title="t", state=rng.choice(states), parcel_id=pk, zone_id=zone,
                   lead_department="economy", departments=["economy"],
                   deadline=today + dt.timedelta(days=rng.randint(-60, 120)))
              for i, (pk, _code, zone) in enumerate(rng.sample(parcels, len(parcels) // 50))]
    Case.objects.bulk_create(cases, batch_size=5000)
    return len(firms), len(parcels), entries, len(cases)


def _median(work, times=3):
    spent = []
    for _ in range(times):
        start = time.perf_counter()
        result = work()
        spent.append(time.perf_counter() - start)
    return statistics.median(spent), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=20000)
    args = parser.parse_args()
    setup_django(fresh_database("sqlite"))
    import polars as pl
    from django.db import connection

    from parkgov.audit.context import system_user
    from parkgov.demo.services import build_demo
    from parkgov.spatial import governance_data, tile_data

    build_demo(enterprises=args.enterprises, seed=2021, workbook=None, write_db=True, actor=system_user(),
               console=None)
    firms, parcels, entries, cases = _governance_rows()
    from parkgov.ledger.models import Parcel

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Parcel._meta.db_table} WHERE geometry IS NOT NULL ORDER BY id")
        ids = pl.DataFrame({"id": [row[0] for row in cursor.fetchall()]}, schema={"id": pl.Int64})
        table, built = _median(lambda: tile_data._build_parcel_table(cursor, None, None))
        alone, ratings = _median(lambda: governance_data.governance_ratings(cursor, ids))
    listed = ratings["lists"].drop_nulls().len()
    print(f"firms={firms} parcels={parcels} drawn={ids.height} list_entries={entries} cases={cases}")
    print(f"parcels_listed={listed} parcels_with_case={ratings['case'].drop_nulls().len()}")
    print(f"parcel_table_s={table:.3f} governance_s={alone:.3f} without_governance_s={table - alone:.3f} "
          f"share={alone / table:.0%} distinct_lists={ratings['lists'].n_unique()}")


if __name__ == "__main__":
    main()
