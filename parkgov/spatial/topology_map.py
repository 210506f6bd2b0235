"""The map's 拓扑问题 mode (issue 17 §1): each parcel coloured by its first problem (in topology.KINDS order) in the
latest topology check, registered into `spatial.modes` like supply's modes, so that the problems the page lists
are a layer of the map. Shown to roles that read parcels; the latest check's id is the mode's version."""

import sys

import polars as pl
from django.db.models import Count, Max, Q
from django.utils.translation import gettext

from parkgov.ledger.bulk import query_frame
from parkgov.spatial import topology
from parkgov.spatial.modes import ParcelMode, register
from parkgov.spatial.models import TopologyProblem, TopologyRun

NAMES = ("topology",)
NONE_COLOUR = "#e4e7eb"


def _latest():
    return TopologyRun.objects.filter(zone=None).order_by("-created_at", "-pk").values_list("pk", flat=True).first()


def topology_ratings(cursor, parcels: pl.DataFrame) -> dict:
    """{"topology": the kind of each parcel's first problem, null when none} aligned with `parcels`' "id"."""
    run = _latest()
    if run is None:
        return {"topology": pl.Series("topology", [None] * parcels.height, dtype=pl.String)}
    order = list(topology.KINDS)
    table = TopologyProblem._meta.db_table
    found = query_frame(cursor, f"SELECT parcel_id, kind FROM {table} WHERE run_id = %s AND parcel_id IS NOT NULL "
                                f"UNION ALL SELECT other_id, kind FROM {table} WHERE run_id = %s AND other_id IS NOT NULL",
                        [run, run], {"id": pl.Int64, "topology": pl.String})
    first = found.with_columns(rank=pl.col("topology").replace_strict(order, list(range(len(order))),
                                                                      default=len(order), return_dtype=pl.Int32)) \
        .sort("id", "rank").unique("id", keep="first").select("id", "topology")
    return {"topology": parcels.select("id").join(first, on="id", how="left", maintain_order="left")["topology"]}


def _version() -> tuple:
    """The newest all-parks check and the number of checks, in one query."""
    found = TopologyRun.objects.aggregate(latest=Max("pk", filter=Q(zone=None)), checks=Count("pk"))
    return found["latest"], found["checks"]


def topology_legends() -> dict:
    rules = topology.topology_rules()
    return {"topology": {
        "title": gettext("拓扑问题"), "property": "topology",
        "note": gettext("最近一次全部园区拓扑检查；一宗地有多个问题时取排在前面的一类"),
        "items": [{"value": kind, "label": gettext(label.name), "colour": label.colour} for kind, label in rules.kinds.items()]
        + [{"value": None, "label": gettext("无问题或未检查"), "colour": NONE_COLOUR}]}}


def register_map_mode() -> None:
    """Register the mode with the map (called from SpatialConfig.ready())."""
    register(ParcelMode(names=NAMES, ratings=topology_ratings, shown=lambda scope: scope.can_read("parcel"),
                        legends=topology_legends, version=_version,
                        module=sys.modules[__name__]))
