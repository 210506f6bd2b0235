"""The map's 承诺状态 and 闲置状态 modes (issue 15), registered into spatial (`parkgov.spatial.modes`) from
SupplyConfig.ready(): spatial draws them without importing supply.

- `commitment`: the 达产复核 status (CommitmentStatus code) of the parcel's contract in the latest review run
  (`summary.latest_run`); a parcel with several contracts shows the most serious (SEVERITY, worst first);
- `idle`: the parcel's idle-land status (IdleStatus code) in that run.
Both null for parcels the run has no check for. Shown to roles that read `supply`. The run's id and the number of
runs are the modes' version: a new review run makes new tiles, entity tags and legend counts.
Read with one query per table and joined in Polars, like `spatial.governance_data`.
"""

import sys

import polars as pl
from django.utils.translation import gettext

from parkgov.ledger.bulk import query_frame
from parkgov.spatial.modes import ParcelMode, register
from parkgov.supply import choices
from parkgov.supply.models import CommitmentCheck, IdleCheck
from parkgov.supply.summary import latest_run, run_version

NAMES = ("commitment", "idle")
SEVERITY = (choices.CommitmentStatus.RECOVERY, choices.CommitmentStatus.NOT_MET, choices.CommitmentStatus.RECTIFYING,
            choices.CommitmentStatus.NO_DATA, choices.CommitmentStatus.MET, choices.CommitmentStatus.NOT_DUE)
NONE_COLOUR = "#e4e7eb"


def supply_ratings(cursor, parcels: pl.DataFrame) -> dict:
    """NAMES → String series aligned with `parcels` ("id" column), null where the latest run has no check."""
    run = latest_run()
    if run is None:
        return {name: pl.Series(name, [None] * parcels.height, dtype=pl.String) for name in NAMES}
    order = [s.value for s in SEVERITY]
    checks = query_frame(cursor, f"SELECT parcel_id, status FROM {CommitmentCheck._meta.db_table} WHERE run_id = %s",
                         [run.pk], {"id": pl.Int64, "commitment": pl.String})
    worst = checks.with_columns(rank=pl.col("commitment").replace_strict(order, list(range(len(order))),
                                                                         default=len(order), return_dtype=pl.Int32)) \
        .sort("id", "rank").unique("id", keep="first").select("id", "commitment")
    idle = query_frame(cursor, f"SELECT parcel_id, status FROM {IdleCheck._meta.db_table} WHERE run_id = %s",
                       [run.pk], {"id": pl.Int64, "idle": pl.String}).unique("id", keep="first")
    joined = parcels.select("id").join(worst, on="id", how="left", maintain_order="left") \
        .join(idle, on="id", how="left", maintain_order="left")
    return {name: joined[name] for name in NAMES}


def supply_legends() -> dict:
    """The two legends, their note naming the run the colours come from."""
    run = latest_run()
    note = gettext("最新复核：基准日 %(as_of)s") % {"as_of": f"{run.as_of:%Y-%m-%d}"} if run \
        else gettext("尚未运行达产复核与闲置土地核查")
    return {
        "commitment": {"title": gettext("承诺状态"), "property": "commitment",
                       "note": note + gettext("；一宗地有多份合同时取最严重者"),
                       "items": [{"value": s.value, "label": str(s.label), "colour": choices.COMMITMENT_COLOURS[s]}
                                 for s in SEVERITY]
                       + [{"value": None, "label": gettext("无标准地合同或未复核"), "colour": NONE_COLOUR}]},
        "idle": {"title": gettext("闲置状态"), "property": "idle", "note": note,
                 "items": [{"value": s.value, "label": str(s.label), "colour": choices.IDLE_COLOURS[s]}
                           for s in choices.IdleStatus]
                 + [{"value": None, "label": gettext("未核查（非出让供应地块或未复核）"), "colour": NONE_COLOUR}]},
    }


def register_map_modes() -> None:
    """Register the two modes with the map (called from SupplyConfig.ready())."""
    register(ParcelMode(names=NAMES, ratings=supply_ratings, shown=lambda scope: scope.can_read("supply"),
                        legends=supply_legends, version=run_version, module=sys.modules[__name__]))
