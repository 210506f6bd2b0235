"""What the map page (一张图) needs besides the tiles: the user's zones and their extent, legends, run names and
the legend counts (parcels with geometry in the user's parks for each combination of park, supply status and the
colouring properties the user's tiles carry, taken from the table the tiles are cut from, so the counts are what
the map draws; the page sums them for the park and statuses chosen)."""

from django.conf import settings
from django.db.models import Max, Min
from django.urls import reverse
from django.utils.translation import gettext

from parkgov.errors import InputError
from parkgov.evaluation.models import CLASS_CHOICES, EvaluationResult, EvaluationRun
from parkgov.evaluation.ruleset import get_ruleset
from parkgov.governance.choices import CASE_STATE_COLOURS, CaseState
from parkgov.governance.queries import case_url, latest_list_runs
from parkgov.ledger.choices import SEVERITY_COLOURS, SUPPLY_STATUS_COLOURS, Severity, SupplyStatus
from parkgov.ledger.models import Parcel, Zone
from parkgov.spatial import modes, tile_data
from parkgov.spatial.map_settings import map_settings
from parkgov.spatial.reference_map import reference_layers
from parkgov.spatial.tile_data import CARD_ONLY
from parkgov.spatial.tiles import rated_names

CLASS_COLOURS = {"A": "#2f7d32", "B": "#1d4e89", "C": "#e0a526", "D": "#b4436c", "T": "#7b8794"}
TIER_COLOURS = ["#b4436c", "#f78154", "#f2c14e", "#c7b8ea", "#8fb8de"]  # most severe band first
NONE_COLOUR = "#c5ccd3"
LISTED_COLOUR = "#b4436c"
OVERDUE_COLOUR = "#d7263d"
GOVERNANCE = ("lists", "case", "overdue")  # counted in a table of their own: fewer combinations per table
PARCEL_MIN_ZOOM = 10  # below this the map shows zone outlines only
DATA_MAX_ZOOM = 17  # tiles are cut up to here; MapLibre over-zooms beyond


def map_context(*, scope) -> dict:
    """Zones in scope (with their members and extents), the extent to fit, legends and tile URL templates."""
    zones = _zones(scope)
    rated = rated_names(scope)
    extent = _extent(scope, zones)
    return {
        "zones": zones,
        "extent": extent,
        "legends": _legends(rated),
        "counts": legend_counts(scope=scope, zones=zones, rated=rated),
        "tiles": {layer: _tile_template(layer) for layer in tile_data.layers()},
        "parcel_url": reverse("web:parcel", kwargs={"code": "__CODE__"}),
        "feature_url": reverse("web:parcel_feature", kwargs={"parcel_id": 0}).replace("/0.json", "/__ID__.json"),
        "point_url": reverse("web:parcel_at_point"),
        "base_tile_url": settings.PARKGOV_TILE_URL,
        "parcel_min_zoom": PARCEL_MIN_ZOOM,
        "data_max_zoom": DATA_MAX_ZOOM,
        "sees_tax": scope.sees("tax"),
        "sees_class": "class" in rated,
        "sees_tier": "tier" in rated,
        "sees_lists": "lists" in rated,
        "sees_cases": "case" in rated,
        "case_url": case_url("__NUMBER__"),
        **tool_context(scope=scope, extent=extent),
    }


def tool_context(*, scope, extent) -> dict:
    """What the map's tools need (issue 17 §3): the reference layers the user sees, the parcel label zoom and the
    URLs of search, measuring, the selection export and the parcels as they were on a date."""
    return {
        "reference_layers": reference_layers(scope=scope, extent=extent),
        "label_min_zoom": map_settings().label_min_zoom,
        "search_url": reverse("web:map_search"),
        "measure_url": reverse("web:map_measure"),
        "export_url": reverse("web:map_selection_export", kwargs={"fmt": "__FMT__"}),
        "selection_max": map_settings().selection_max,
        # 历史地块 (issue 17 §2): the parcels valid on a chosen day, from the scoped API endpoint
        "as_of_url": reverse("api:list_parcels_on", args=["__DAY__"]),
    }


def scope_extent(scope):
    """The lon/lat extent of the user's parks (as the map page fits it), None when nothing has geometry."""
    return _extent(scope, _zones(scope))


def _tile_template(layer: str) -> str:
    path = reverse("web:tile", kwargs={"layer": layer, "z": 0, "x": 0, "y": 0})
    return path.removesuffix("/0/0/0.pbf") + "/{z}/{x}/{y}.pbf"


def _zones(scope) -> list:
    """Zones the user may see, parents before children, each with the codes it covers and its bounds."""
    rows = list(scope.filter_zones(Zone.objects.all(), "id").order_by("code")
                .values("id", "code", "name", "kind", "parent_id", "min_x", "min_y", "max_x", "max_y"))
    children = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)
    known = {row["id"] for row in rows}
    ordered = []

    def visit(row, depth):
        ordered.append({"code": row["code"], "name": row["name"], "label": "\u3000" * depth + row["name"],
                        "kind": row["kind"],
                        "members": _members(row, children), "bounds": _bounds(row)})
        for child in children.get(row["id"], []):
            visit(child, depth + 1)

    for row in rows:
        if row["parent_id"] not in known:
            visit(row, 0)
    return ordered


def _members(row, children) -> list:
    codes, stack = [], [row]
    while stack:
        current = stack.pop()
        codes.append(current["code"])
        stack.extend(children.get(current["id"], []))
    return sorted(codes)


def _bounds(row):
    if row["min_x"] is None:
        return None
    return [row["min_x"], row["min_y"], row["max_x"], row["max_y"]]


def _extent(scope, zones):
    """Bounds covering the user's zones; the parcels' bounds when no zone has a boundary; None when neither."""
    boxes = [z["bounds"] for z in zones if z["bounds"]]
    if not boxes:
        found = scope.filter_zones(Parcel.objects.filter(geometry__isnull=False), "zone_id").aggregate(
            Min("min_x"), Min("min_y"), Max("max_x"), Max("max_y"))
        boxes = [list(found.values())] if found["min_x__min"] is not None else []
    if not boxes:
        return None
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def legend_counts(*, scope, zones, rated) -> dict:
    """{"columns": ["zone", "supply_status", *rated], "rows": [[values…, parcels], …]} for the user's parks; the
    governance properties (lists, case, overdue) in a table of their own under "governance", same shape, and each
    registered mode's properties in one table each under "tables"."""
    codes = None if scope.zone_ids is None else [zone["code"] for zone in zones]
    table = tile_data.parcel_table()
    apart = set(modes.names())
    names = [name for name in rated if name not in CARD_ONLY and name not in GOVERNANCE and name not in apart]
    governance = [name for name in rated if name in GOVERNANCE]
    counts = {"columns": ["zone", "supply_status", *names], "rows": table.counts(zones=codes, names=names)}
    if governance:
        counts["governance"] = {"columns": ["zone", "supply_status", *governance],
                                "rows": table.counts(zones=codes, names=governance)}
    # each registered mode's properties (issue 15: commitment, idle) in a table of their own, one per property
    counts["tables"] = [{"columns": ["zone", "supply_status", name], "rows": table.counts(zones=codes, names=[name])}
                        for name in rated if name in apart]
    return counts


def _legends(rated) -> dict:
    class_run, tier_run = tile_data.evaluation_runs()
    legends = {
        "supply": {"title": gettext("供地状态"), "property": "supply_status", "note": "",
                   "items": [{"value": s.value, "label": str(s.label), "colour": SUPPLY_STATUS_COLOURS[s]}
                             for s in SupplyStatus]},
    }
    if "class" in rated:
        legends["class"] = {
            "title": gettext("评价类别"), "property": "class", "note": _run_note(class_run),
            "items": [{"value": value, "label": _class_label(value, label), "colour": CLASS_COLOURS[value]}
                      for value, label in CLASS_CHOICES]
            + [{"value": None, "label": gettext("无评价结果（无使用权人或未评价）"), "colour": NONE_COLOUR}]}
    if "tier" in rated:
        legends["tier"] = {"title": gettext("亩均税收档位"), "property": "tier",
                           "note": _tier_note(class_run, tier_run), "items": _tier_items(tier_run)}
    if "finding" in rated:
        legends["finding"] = {
            "title": gettext("检查发现"), "property": "finding",
            "note": gettext("地块及其土地使用权人未销号检查发现的最高严重程度"),
            "items": [{"value": value, "label": str(label), "colour": SEVERITY_COLOURS[value]}
                      for value, label in reversed(Severity.choices)]
            + [{"value": None, "label": gettext("无未销号检查发现"), "colour": NONE_COLOUR}]}
    if "lists" in rated:
        legends["list"] = _list_legend()
    if "case" in rated:
        legends["case"] = {
            "title": gettext("案件状态"), "property": "case",
            "note": gettext("地块（或其用地企业）未销号案件中期限最早者的状态；红框为逾期"),
            "items": [{"value": state.value, "label": str(state.label), "colour": CASE_STATE_COLOURS[state]}
                      for state in CaseState]
            + [{"value": None, "label": gettext("无案件"), "colour": NONE_COLOUR}],
            "overdue": {"label": gettext("其中逾期"), "colour": OVERDUE_COLOUR}}
    for mode in modes.registered():  # issue 15: supply's 承诺状态 and 闲置状态
        if set(mode.names) <= set(rated):
            legends |= {key: legend | {"extra": True} for key, legend in mode.legends().items()}
    return legends


def _list_legend() -> dict:
    """The 清单 mode: years with list runs (newest first), each with its lists (the latest run of each rule)."""
    years = {}
    for run in latest_list_runs():
        years.setdefault(run.year, []).append({"id": run.rule_id, "name": run.rule_name})
    return {"title": gettext("清单"), "property": "lists", "kind": "membership",
            "note": gettext("地块或其用地企业在所选年度清单上（每条规则取最新一次生成）") if years
            else gettext("尚未生成治理清单"),
            "years": [{"year": year, "lists": lists} for year, lists in years.items()],
            "items": [{"value": "on", "label": gettext("在所选清单上"), "colour": LISTED_COLOUR},
                      {"value": None, "label": gettext("不在所选清单上"), "colour": NONE_COLOUR}]}


def _class_label(value, label) -> str:
    return gettext("%(klass)s 类") % {"klass": value} if value != "T" else str(label)


def _run_note(run_id) -> str:
    run = EvaluationRun.objects.filter(pk=run_id).first() if run_id else None
    if run is None:
        return gettext("尚无全域评价结果")
    return gettext("%(year)s 年 · %(ruleset)s") % {"year": run.year, "ruleset": run.ruleset_name}


def _tier_note(class_run, tier_run) -> str:
    """Which run the tiers come from; when no whole-ledger run assigned tiers, that the latest one has none."""
    if tier_run is None and class_run is not None:
        return gettext("最新全域评价（%(run)s）的规则集未设亩均税收档位") % {"run": _run_note(class_run)}
    return _run_note(tier_run)


def _tier_items(run_id) -> list:
    """The tier bands of the run's rule set, most severe first, then parcels in no band."""
    run = EvaluationRun.objects.filter(pk=run_id).first() if run_id else None
    bands = []
    if run is not None:
        try:
            tiers = get_ruleset(run.ruleset_id).tiers
            label = gettext("%(tier)s（< %(below)s 万元/亩）")
            bands = [(band.name, label % {"tier": band.name, "below": f"{band.below:g}"})
                     for band in (tiers.bands if tiers else [])]
        except (InputError, OSError):  # a rule-set file no longer readable: fall back to the stored names
            names = EvaluationResult.objects.filter(run=run).exclude(tier="").values_list("tier", flat=True)
            bands = [(name, name) for name in sorted(set(names))]
    items = [{"value": value, "label": label, "colour": TIER_COLOURS[i % len(TIER_COLOURS)]}
             for i, (value, label) in enumerate(bands)]
    return items + [{"value": None, "label": gettext("不在低效档位或无评价"), "colour": NONE_COLOUR}]
