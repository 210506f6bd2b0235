"""What the tiles are cut from, kept per worker process: the layers' tables and properties, the evaluation runs
the map shows, the data version every tile depends on, the parcels' properties (`ParcelTable`) and their low-zoom
outlines (`parkgov.spatial.overview.ParcelShapes`).

Both are rebuilt when `data_version` changes (the outlines only when a parcel does), once for the machine: the
first process builds them into files the others map (`parkgov.spatial.shared`), and within a process one thread
asks while the others wait. With the 100,000-firm demo (166,667 parcels) each takes one to two seconds and
about 20 MB; at 1,666,667 parcels on PostgreSQL the table 6–7 s, the outlines 11 s (measured).
"""

import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl
from django.db import connection
from django.utils import timezone

from parkgov.audit import versions
from parkgov.evaluation.models import EvaluationResult, EvaluationRun
from parkgov.governance.models import Case
from parkgov.governance.queries import list_version
from parkgov.ledger import bulk
from parkgov.ledger.bulk import query_frame
from parkgov.ledger.choices import FindingStatus, LinkRole, Severity
from parkgov.ledger.models import Finding, LandLink, Parcel, Zone
from parkgov.spatial import governance_data, modes, mvt, overview
from parkgov.spatial.mvt import ValueTable, factorise, value_table
from parkgov.spatial.shared import shared

RUNS_SEARCHED = 20
SEPARATOR = "\x1f"  # between the classes and tiers sent to PostgreSQL (chr(31) there)


@dataclass(frozen=True)
class LayerSpec:
    """How one layer is read: its table and joins, property columns, the column the user's scope restricts."""

    name: str
    model: type
    joins: str
    properties: tuple  # (name, SQL expression)
    scope_column: str
    rated: bool  # parcels carry their holder's class and tier


# parcel properties taken from the holders' results, the open findings and the governance lists and cases
# (`parkgov.spatial.governance_data`); CARD_ONLY ones are left out of generalised tiles and legend counts
RATED = ("class", "tier", "finding", *governance_data.NAMES)


def rated_properties() -> tuple:
    """RATED and the properties of the modes other apps registered (`parkgov.spatial.modes`), in the order the
    parcel table and the PostGIS query carry them."""
    return (*RATED, *modes.names())
CARD_ONLY = ("case_number",)
OVERVIEW_PROPERTIES = ("supply_status", "zone")  # with class and tier: what colours and filters need
NUMBERS = {"area_mu": pl.Float64}  # properties that are numbers (the others are text)
BBOX = ["min_x", "min_y", "max_x", "max_y"]


@cache
def layers() -> dict:
    """Layer name → LayerSpec."""
    parcels = LayerSpec(
        name="parcels", model=Parcel, scope_column="t.zone_id", rated=True,
        joins=f"JOIN {Zone._meta.db_table} z ON z.id = t.zone_id",
        properties=(("code", "t.code"), ("land_code", "t.land_code"), ("zone", "z.code"),
                    ("supply_status", "t.supply_status"), ("ownership", "t.ownership"),
                    ("area_mu", "t.registered_area_m2 * 15 / 10000")))
    zones = LayerSpec(
        name="zones", model=Zone, scope_column="t.id", rated=False,
        joins=f"LEFT JOIN {Zone._meta.db_table} pz ON pz.id = t.parent_id",
        properties=(("code", "t.code"), ("name", "t.name"), ("kind", "t.kind"), ("parent", "pz.code")))
    return {spec.name: spec for spec in (parcels, zones)}


def evaluation_runs() -> tuple:
    """(id of the run whose classes the map shows, id of the run whose tiers it shows), None when absent.

    Classes come from the latest whole-ledger run (latest year, then latest run); tiers from the latest
    whole-ledger run that assigned any, which is the same run when its rule set defines tiers.
    """
    return tuple(run[0] if run else None for run in _runs())


def _runs() -> tuple:
    """The class run and the tier run as (id, created_at), each None when there is none."""
    runs = list(EvaluationRun.objects.filter(zone__isnull=True).order_by("-year", "-created_at", "-id")
                .values_list("id", "created_at")[:RUNS_SEARCHED])
    if not runs:
        return None, None
    return runs[0], next((run for run in runs if _assigned_tiers(run)), None)


_TIERED: dict = {}


def _assigned_tiers(run: tuple) -> bool:
    """Whether a stored run gave any firm a tier (results are written once, so the answer is kept)."""
    if run not in _TIERED:
        _TIERED[run] = EvaluationResult.objects.filter(run_id=run[0]).exclude(tier="").exists()
    return _TIERED[run]


@dataclass(frozen=True)
class ParcelTable:
    """Every parcel with geometry: its bbox and tile properties, factorised and encoded once.

    SQLite tiles take all their properties from it; PostGIS tiles take class and tier (sent with the query) and
    low-zoom tiles on either database the OVERVIEW_PROPERTIES with class and tier, so neither database looks up
    holders and results parcel by parcel for every tile.
    """

    ids: np.ndarray  # sorted parcel ids
    bbox: np.ndarray  # (4, n): min_x, min_y, max_x, max_y
    columns: dict  # property name → (code of each parcel's value, -1 = absent; mvt.ValueTable); SQLite: all
    ratings: dict  # "class" / "tier" / "finding" → their distinct values (the parcels' codes are in `columns`)
    rated: np.ndarray  # parcels with a class or a tier
    by_west: np.ndarray  # rows ordered by the bbox's west edge
    wests: np.ndarray  # those west edges, ascending
    widest: float  # the widest bbox, degrees
    values: dict  # OVERVIEW_PROPERTIES → their distinct values (what each code stands for)

    def counts(self, *, zones, names) -> list:
        """[zone, supply_status, *values of `names`, parcels] for each combination that parcels of `zones` (zone
        codes; None = all) have, None for an absent value: the map's legend counts, as the tiles draw them."""
        decoded = {**{name: self.values[name] for name in OVERVIEW_PROPERTIES},
                   **{name: self.ratings[name] for name in names}}
        codes = np.column_stack([self.columns[name][0] for name in ("zone", "supply_status", *names)]) \
            if len(self.ids) else np.zeros((0, 2 + len(names)), dtype=np.int64)
        if zones is not None:
            wanted = [i for i, code in enumerate(self.values["zone"]) if code in set(zones)]
            codes = codes[np.isin(codes[:, 0], wanted)]
        combinations, parcels = np.unique(codes, axis=0, return_counts=True)
        lookups = [decoded[name] for name in ("zone", "supply_status", *names)]
        return [[lookups[i][code] if code >= 0 else None for i, code in enumerate(row)] + [int(n)]
                for row, n in zip(combinations.tolist(), parcels.tolist())]

    def within(self, lonlat) -> np.ndarray:
        """Rows whose bbox meets `lonlat`, in row order: a window of the rows by west edge, then the other edges.

        Checking every row took 5 ms a tile at 1,666,667 parcels (measured), longer than a detailed tile's query.
        """
        west, south, east, north = lonlat
        window = self.by_west[np.searchsorted(self.wests, west - self.widest):
                              np.searchsorted(self.wests, east, side="right")]
        rows = np.sort(window)
        min_x, min_y, max_x, max_y = self.bbox[:, rows]
        return rows[(max_x >= west) & (min_y <= north) & (max_y >= south)]

    def properties(self, ids, names) -> dict:
        at = np.minimum(np.searchsorted(self.ids, ids), max(len(self.ids) - 1, 0))
        found = self.ids[at] == ids if len(self.ids) else np.zeros(len(ids), dtype=bool)
        out = {}  # a parcel added since the table was built shows without properties until the next request
        for name in names:
            codes, table = self.columns[name]
            out[name] = (np.where(found, codes[at] if len(codes) else -1, -1), table)
        return out

    def ratings_of(self, parcel_id: int, names) -> dict:
        """Class and tier of one parcel (only those it has)."""
        at = int(np.searchsorted(self.ids, parcel_id))
        if at == len(self.ids) or self.ids[at] != parcel_id:
            return {}
        codes = {name: int(self.columns[name][0][at]) for name in names}
        return {name: self.ratings[name][code] for name, code in codes.items() if code >= 0}

    def ratings_within(self, lonlat) -> dict:
        """Ids, classes and tiers of the rated parcels whose bbox meets `lonlat`, as query parameters.

        Each list goes as one delimited string: binding thousands of list items one by one took longer than
        cutting the tile.
        """
        rows = self.within(lonlat)
        chosen = rows[self.rated[rows]]
        return {"rated_ids": ",".join(map(str, self.ids[chosen].tolist())),
                **{name: SEPARATOR.join(np.array([*values, ""], dtype=object)[self.columns[name][0][chosen]])
                   for name, values in self.ratings.items()}}  # code -1 (none) is the "" at the end

    def to_arrays(self) -> tuple[dict, dict]:
        """(arrays, meta) for `shared.shared`; `from_arrays` reads them back."""
        arrays = {name: getattr(self, name) for name in ("ids", "bbox", "rated", "by_west", "wests")}
        for name, (codes, table) in self.columns.items():
            arrays |= {f"{name}.codes": codes, f"{name}.data": table.data, f"{name}.offsets": table.offsets}
        return arrays, {"columns": list(self.columns), "ratings": self.ratings, "widest": self.widest,
                        "values": self.values}

    @classmethod
    def from_arrays(cls, arrays: dict, meta: dict) -> "ParcelTable":
        columns = {name: (arrays[f"{name}.codes"], ValueTable(arrays[f"{name}.data"], arrays[f"{name}.offsets"]))
                   for name in meta["columns"]}
        return cls(ids=arrays["ids"], bbox=arrays["bbox"], columns=columns, ratings=meta["ratings"],
                   rated=arrays["rated"], by_west=arrays["by_west"], wests=arrays["wests"], widest=meta["widest"],
                   values=meta["values"])


_PARCEL_TABLE: dict = {}
_PARCEL_SHAPES: dict = {}
_BUILDING = threading.Lock()  # one thread of a worker builds a cache; the others wait for it
SOURCES = (Parcel, Zone, LandLink, EvaluationResult, Finding, Case)
# in `data_version` (2 runs, change tokens, newest run, date, newest history rows): the parcels' change tokens
# (of their table and history table: SOURCES starts with Parcel) and newest history row
PARCEL_TOKENS, PARCEL_STAMP = 2, 5
_BUILT_BY = (sys.modules[__name__], overview, mvt, bulk, governance_data)  # their source decides what the shared arrays hold


def data_version() -> tuple:
    """What every tile depends on: the runs shown and the data version of the source tables
    (`audit.versions.data_version`: change token, newest run, date — land links end, cases fall overdue — and
    newest history rows), the stored list runs (`governance.queries.list_version`) and the registered modes'
    versions (`modes.version`: issue 15, the newest review run)."""
    return (*_runs(), *versions.data_version(*SOURCES), list_version(), modes.version())


def parcel_table(version: tuple | None = None) -> ParcelTable:
    """The cached table, rebuilt when `data_version` changes."""
    key = version or data_version()
    cached = _PARCEL_TABLE.get("current")
    if cached is None or cached[0] != key:
        with _BUILDING:
            cached = _PARCEL_TABLE.get("current")
            if cached is None or cached[0] != key:
                class_run, tier_run = (run[0] if run else None for run in key[:2])

                def build():
                    with connection.cursor() as cursor:
                        return _build_parcel_table(cursor, class_run, tier_run).to_arrays()
                built_by = (*_BUILT_BY, *(mode.module for mode in modes.registered()))
                table = ParcelTable.from_arrays(*shared("parcel-table", key, build, code=built_by))
                cached = _PARCEL_TABLE["current"] = (key, table)
    return cached[1]


def parcel_shapes(version: tuple | None = None) -> overview.ParcelShapes:
    """Every parcel's outline on the low-zoom grid, rebuilt when a parcel changes (not on a new class or tier)."""
    version = version or data_version()
    key = (version[PARCEL_TOKENS][:2], version[PARCEL_STAMP])
    cached = _PARCEL_SHAPES.get("current")
    if cached is None or cached[0] != key:
        with _BUILDING:
            cached = _PARCEL_SHAPES.get("current")
            if cached is None or cached[0] != key:
                def build():
                    with connection.cursor() as cursor:
                        return overview.build_shapes(cursor, Parcel._meta.db_table).to_arrays()
                shapes = overview.ParcelShapes.from_arrays(*shared("parcel-shapes", key, build, code=_BUILT_BY))
                cached = _PARCEL_SHAPES["current"] = (key, shapes)
    return cached[1]


def release() -> None:
    """Forget this process's outlines and parcel table (the job worker after warming the map: the outlines of
    1,666,667 parcels hold 2 GB, and the next job would find them stale or rebuild them in under a minute)."""
    with _BUILDING:
        _PARCEL_SHAPES.clear()
        _PARCEL_TABLE.clear()


def _build_parcel_table(cursor, class_run, tier_run) -> ParcelTable:
    """Read every parcel with geometry once; PostGIS cuts detailed tiles with their properties itself."""
    spec = layers()["parcels"]
    names = [name for name, _sql in spec.properties
             if connection.vendor != "postgresql" or name in OVERVIEW_PROPERTIES]
    selected = "".join(f", {sql}" for name, sql in spec.properties if name in names)
    schema = {"id": pl.Int64, **{side: pl.Float64 for side in BBOX},
              **{name: NUMBERS.get(name, pl.String) for name in names}}
    frame = query_frame(cursor, f"SELECT t.id, t.min_x, t.min_y, t.max_x, t.max_y{selected} "
                                f"FROM {Parcel._meta.db_table} t {spec.joins} WHERE t.geometry IS NOT NULL AND t.ended_on IS NULL "
                                f"ORDER BY t.id",
                        [], schema)
    encoded, values = {}, {}
    for name in names:
        codes, values[name] = factorise(frame[name])
        encoded[name] = (codes, value_table(values[name]))
    ratings = {}
    for name, rating in _holder_ratings(cursor, frame.select("id"), class_run, tier_run).items():
        codes, ratings[name] = factorise(rating)
        encoded[name] = (codes, value_table(ratings[name]))
    bbox = np.ascontiguousarray(frame.select(BBOX).to_numpy().T)
    by_west = np.argsort(bbox[0], kind="stable")
    return ParcelTable(ids=frame["id"].to_numpy(), bbox=bbox, columns=encoded, ratings=ratings,
                       rated=np.logical_or.reduce([encoded[name][0] >= 0 for name in ratings]),
                       by_west=by_west, wests=bbox[0][by_west], widest=float((bbox[2] - bbox[0]).max(initial=0.0)),
                       values={name: values[name] for name in OVERVIEW_PROPERTIES})


def _holder_ratings(cursor, parcels: pl.DataFrame, class_run, tier_run) -> dict:
    """`rated_properties()` (String series, null = none) of each parcel of `parcels` (its "id" column): its current
    holder's class and tier (the lowest enterprise id when it has several), the most severe finding not yet closed
    (已销号) about the parcel or that holder, its lists and case (`governance_data`) and the registered modes'."""
    links = query_frame(cursor, f"SELECT parcel_id, enterprise_id FROM {LandLink._meta.db_table} WHERE role = %s "
                                f"AND (end_date IS NULL OR end_date >= %s)",
                        [LinkRole.HOLDER.value, timezone.localdate().isoformat()],
                        {"id": pl.Int64, "enterprise": pl.Int64})
    holders = links.group_by("id").agg(pl.col("enterprise").min())
    ratings = {}
    for name, run, column in (("class", class_run, "class_final"), ("tier", tier_run, "tier")):
        results = query_frame(cursor, f"SELECT enterprise_id, {column} FROM {EvaluationResult._meta.db_table} "
                                      f"WHERE run_id = %s AND {column} <> ''", [run],
                              {"enterprise": pl.Int64, name: pl.String}).unique("enterprise", keep="any")
        rated = holders.join(results, on="enterprise").select("id", name)
        ratings[name] = parcels.join(rated, on="id", how="left", maintain_order="left")[name]
    ratings["finding"] = _worst_findings(cursor, parcels, holders)
    ratings |= governance_data.governance_ratings(cursor, parcels)
    for mode in modes.registered():
        ratings |= mode.ratings(cursor, parcels)
    return ratings


def _worst_findings(cursor, parcels: pl.DataFrame, holders: pl.DataFrame) -> pl.Series:
    """The severity of each parcel's most severe open finding (its own or its holder's); Severity's order of
    choices is the order of severity."""
    order = list(Severity.values)
    findings = query_frame(cursor, f"SELECT parcel_id, enterprise_id, severity FROM {Finding._meta.db_table} "
                                   f"WHERE status <> %s", [FindingStatus.CLOSED.value],
                           {"id": pl.Int64, "enterprise": pl.Int64, "severity": pl.String})
    findings = findings.with_columns(rank=pl.col("severity").replace_strict(order, list(range(len(order))),
                                                                            default=None, return_dtype=pl.Int32))
    own = findings.select("id", "rank").drop_nulls()
    held = holders.join(findings.select("enterprise", "rank").drop_nulls(), on="enterprise").select("id", "rank")
    worst = pl.concat([own, held]).group_by("id").agg(pl.col("rank").max())
    ranks = parcels.join(worst, on="id", how="left", maintain_order="left")["rank"]
    return ranks.replace_strict(list(range(len(order))), order, default=None, return_dtype=pl.String).alias("finding")


class KeptTiles:
    """Finished tile responses of one worker by key (the tile's entity tag names the data version, so a change
    makes new keys), the least recently used dropped beyond `max_bytes` (ENTRY_BYTES counted for each entry
    besides its body, so empty tiles cannot pile up)."""

    ENTRY_BYTES = 256

    def __init__(self, *, max_bytes: int):
        self.max_bytes, self.size = max_bytes, 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0

    def put(self, key, body: bytes, *extra) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (body, *extra)
            self.size += len(body) + self.ENTRY_BYTES
            while self.size > self.max_bytes and self._items:
                _key, (dropped, *_rest) = self._items.popitem(last=False)
                self.size -= len(dropped) + self.ENTRY_BYTES
