"""The governance properties of each parcel on the map: the lists it is on and the state of its case.

- `lists`: "|2025:rule_a|2025:rule_b|2024:rule_a|" — every (year, list rule) whose latest run
  (`governance.queries.latest_list_runs`) has the parcel, or a firm with a current land link to it (any role),
  as an entry. Through a firm only when the entry belongs to the parcel's park: a park-scoped user sees only
  parcels of its parks, and must not learn of entries and cases of parks it may not see. One text value, so the map chooses the year and the list in the browser (a MapLibre "in"
  expression finds "|2025:rule_a|" in it) and the tiles need no parameter.
- `case`: the state of the parcel's open case with the earliest deadline (a case is on the parcel when it names
  the parcel, or a firm with a current land link to it and the case belongs to the parcel's park); "closed" when
  all its cases are closed.
- `overdue`: "1" when any of its open cases is past its deadline (`governance.queries.overdue_q`).
- `case_number`: the number of the case `case` is from (on the card only; generalised tiles leave it out).

Read with one query per table and joined in Polars, like the holders' classes in `tile_data`.
"""

import polars as pl
from django.utils import timezone

from parkgov.governance.choices import CaseState
from parkgov.governance.models import Case, ListEntry
from parkgov.governance.queries import latest_list_runs
from parkgov.ledger.bulk import query_frame
from parkgov.ledger.models import LandLink, Parcel

NAMES = ("lists", "case", "overdue", "case_number")


def governance_ratings(cursor, parcels: pl.DataFrame) -> dict:
    """NAMES → String series aligned with `parcels` (its "id" column), null where the parcel has none."""
    today = timezone.localdate().isoformat()
    links = query_frame(cursor, f"SELECT l.parcel_id, l.enterprise_id, p.zone_id FROM {LandLink._meta.db_table} l "
                                f"JOIN {Parcel._meta.db_table} p ON p.id = l.parcel_id "
                                f"WHERE l.end_date IS NULL OR l.end_date >= %s", [today],
                        {"id": pl.Int64, "enterprise": pl.Int64, "zone": pl.Int64}).unique()
    ratings = {"lists": _lists(cursor, parcels, links)}
    ratings.update(_cases(cursor, parcels, links, today))
    return ratings


def _on_parcels(rows: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """Rows with "parcel", "enterprise" and "zone" columns, as rows per parcel ("id"): their own parcel and the
    parcels of their park their firm is linked to."""
    own = rows.filter(pl.col("parcel").is_not_null()).rename({"parcel": "id"}).drop("enterprise")
    held = rows.filter(pl.col("enterprise").is_not_null()).drop("parcel") \
        .join(links, on=["enterprise", "zone"]).drop("enterprise")
    return pl.concat([own, held.select(own.columns)])


def _lists(cursor, parcels, links) -> pl.Series:
    runs = {run.id: f"{run.year}:{run.rule_id}" for run in latest_list_runs()}
    if not runs:
        return pl.Series("lists", [None] * parcels.height, dtype=pl.String)
    entries = query_frame(cursor, f"SELECT run_id, enterprise_id, parcel_id, zone_id FROM "
                                  f"{ListEntry._meta.db_table} WHERE run_id IN ({', '.join(map(str, runs))})", [],
                          {"run": pl.Int64, "enterprise": pl.Int64, "parcel": pl.Int64, "zone": pl.Int64})
    tags = _on_parcels(entries, links).with_columns(
        tag=pl.col("run").replace_strict(list(runs), list(runs.values()), return_dtype=pl.String)) \
        .select("id", "tag").unique().sort("id", "tag", descending=[False, True])
    joined = tags.group_by("id", maintain_order=True).agg(
        ("|" + pl.col("tag").str.join("|") + "|").alias("lists"))
    return parcels.join(joined, on="id", how="left", maintain_order="left")["lists"]


def _cases(cursor, parcels, links, today) -> dict:
    closed = CaseState.CLOSED.value
    cases = query_frame(cursor, f"SELECT id, number, state, CAST(deadline AS TEXT), "
                                f"CASE WHEN state <> %s AND deadline < %s THEN 1 ELSE 0 END, "
                                f"enterprise_id, parcel_id, zone_id FROM {Case._meta.db_table}", [closed, today],
                        {"case": pl.Int64, "number": pl.String, "state": pl.String, "deadline": pl.String,
                         "late": pl.Int64, "enterprise": pl.Int64, "parcel": pl.Int64, "zone": pl.Int64})
    if not cases.height:
        return {name: pl.Series(name, [None] * parcels.height, dtype=pl.String) for name in NAMES[1:]}
    on = _on_parcels(cases, links).unique(["id", "case"]).with_columns(
        done=(pl.col("state") == closed).cast(pl.Int8))
    # open cases first, the earliest deadline first; among closed ones the latest deadline
    chosen = on.sort("id", "done", pl.when(pl.col("done") == 0).then(pl.col("deadline")).otherwise(None),
                     "deadline", "case", descending=[False, False, False, True, False], nulls_last=True) \
        .group_by("id", maintain_order=True).agg(pl.col("state").first().alias("case"),
                                                 pl.col("number").first().alias("case_number"),
                                                 pl.col("late").max().alias("overdue"))
    chosen = chosen.with_columns(pl.when(pl.col("overdue") == 1).then(pl.lit("1")).alias("overdue"))
    joined = parcels.join(chosen, on="id", how="left", maintain_order="left")
    return {name: joined[name] for name in NAMES[1:]}
