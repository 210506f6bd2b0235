"""Run the topology check over the ledger, keep its problems, and write them out as Excel or GeoPackage."""

import time
from pathlib import Path

import numpy as np
import polars as pl
import shapely
import xlsxwriter
from django.db import connection

from parkgov.errors import InputError, NotFound
from parkgov.ledger.bulk import query_frame
from parkgov.ledger.geometry import decode_wkb
from parkgov.ledger.models import Parcel, Zone
from parkgov.spatial import topology
from parkgov.spatial.gpkg import write_layer
from parkgov.spatial.models import TopologyProblem, TopologyRun

UNITS = {"invalid": "", "overlap": "平方米", "outside_zone": "平方米", "gap": "米", "sliver": "米",
         "area_mismatch": "%"}
GIS_TYPES = {"gap": "LineString"}  # the others are polygons (MultiPolygon layers)


def check_topology(*, zone_code: str | None = None, actor=None, rules_path: Path | None = None) -> TopologyRun:
    """Check every parcel (or one park's), store a TopologyRun with its problems and return it."""
    started = time.perf_counter()
    rules = topology.topology_rules(rules_path or topology.RULES_FILE)
    zone = None
    if zone_code:
        zone = Zone.objects.filter(code=zone_code).first()
        if zone is None:
            raise NotFound(f"没有编码为 {zone_code} 的园区")
    layer, zones = _read(zone)
    problems = topology.find_problems(layer, zones, rules)
    zone_ids = dict(Zone.objects.values_list("code", "pk"))
    run = TopologyRun.objects.create(zone=zone, rules=rules.model_dump(), parcels=len(layer.ids), actor=actor,
                                     counts={kind: problems.filter(kind=kind).height for kind in topology.KINDS})
    TopologyProblem.objects.bulk_create([
        TopologyProblem(run=run, kind=row["kind"], parcel_id=row["parcel_id"], other_id=row["other_id"],
                        codes=row["codes"][:200], zone_id=zone_ids.get(row["zone_code"]), measure=row["measure"],
                        limit=row["limit"], detail=row["detail"][:500],
                        geometry=shapely.to_wkb(row["geometry"]) if row["geometry"] is not None else None)
        for row in problems.iter_rows(named=True)], batch_size=2000)
    run.seconds = round(time.perf_counter() - started, 3)
    run.save(update_fields=["seconds"])
    return run


READ_BATCH = 500  # parcels' geometries fetched per query by id


def _read(zone) -> tuple[topology.ParcelLayer, dict]:
    """The parcels' ids, codes, zones, recorded areas and stored measures (one query, no geometry), with a loader
    of the geometries the checks need, and the zones' boundaries. Parcels drawn before the measures were kept
    (none after migration ledger/0009) are measured here from their WKB."""
    parcels, zones = Parcel._meta.db_table, Zone._meta.db_table
    sql = (f"SELECT p.id, p.code, z.code, p.registered_area_m2, p.min_x, p.min_y, p.max_x, p.max_y, "
           f"p.computed_area_m2, p.computed_perimeter_m, p.geometry_problem FROM {parcels} p "
           f"JOIN {zones} z ON z.id = p.zone_id WHERE p.geometry IS NOT NULL "
           f"AND p.ended_on IS NULL")  # a parcel ended by a split or merge overlaps its successors by design
    params = []
    if zone is not None:
        sql += " AND p.zone_id = %s"
        params.append(zone.pk)
    schema = {"id": pl.Int64, "code": pl.String, "zone": pl.String, "recorded": pl.Float64, "min_x": pl.Float64,
              "min_y": pl.Float64, "max_x": pl.Float64, "max_y": pl.Float64, "area": pl.Float64,
              "perimeter": pl.Float64, "problem": pl.String}
    with connection.cursor() as cursor:
        frame = query_frame(cursor, sql + " ORDER BY p.id", params, schema)
    ids = frame.get_column("id").to_numpy()
    boxes = frame.select("min_x", "min_y", "max_x", "max_y").to_numpy().astype(float)
    areas = frame.get_column("area").fill_null(np.nan).to_numpy().astype(float)
    perimeters = frame.get_column("perimeter").fill_null(np.nan).to_numpy().astype(float)
    problems = frame.get_column("problem").fill_null("").to_list()
    unmeasured = np.flatnonzero(np.isnan(perimeters) | np.isnan(areas) | np.isnan(boxes).any(axis=1))
    if len(unmeasured):
        _geoms, box, area, length, problem = topology.measure_wkb(_geometries(ids[unmeasured]))
        boxes[unmeasured], areas[unmeasured], perimeters[unmeasured] = box, area, length
        for k, text in zip(unmeasured, problem):
            problems[k] = text
    boundaries = dict(Zone.objects.filter(**({"pk": zone.pk} if zone else {})).values_list("code", "geometry"))
    layer = topology.ParcelLayer(ids=ids, codes=frame.get_column("code").to_numpy().astype(object),
                                 zone_codes=frame.get_column("zone").to_numpy().astype(object),
                                 recorded_m2=frame.get_column("recorded").to_numpy().astype(float), boxes=boxes,
                                 areas_m2=areas, perimeters_m=perimeters, problems=problems,
                                 load=lambda positions: decode_wkb(_geometries(ids[positions]))[0])
    return layer, boundaries


def _geometries(ids) -> list:
    """The stored WKB of the parcels `ids`, in that order."""
    found = {}
    table = Parcel._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(ids), READ_BATCH):
            chunk = [int(i) for i in ids[start:start + READ_BATCH]]
            cursor.execute(f"SELECT id, geometry FROM {table} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
            found.update((pk, bytes(blob) if blob is not None else None) for pk, blob in cursor.fetchall())
    return [found.get(int(i)) for i in ids]


def latest_run() -> TopologyRun | None:
    return TopologyRun.objects.filter(zone=None).first() or TopologyRun.objects.first()


def run_problems(*, run: TopologyRun, zone_ids=None, kind: str | None = None):
    """The run's problems in the parks `zone_ids` (None = every park), optionally of one kind."""
    problems = run.problems.select_related("zone", "parcel", "other").defer("geometry")
    if zone_ids is not None:
        problems = problems.filter(zone_id__in=zone_ids)
    if kind:
        problems = problems.filter(kind=kind)
    return problems.order_by("pk")


def kind_names() -> dict:
    return {kind: label.name for kind, label in topology.topology_rules().kinds.items()}


def write_problems(*, path: Path, problems, run: TopologyRun) -> int:
    """Write `problems` to `path`: .xlsx (a row each, the geometry as WKT, and a sheet of the tolerances) or .gpkg
    (a layer per kind, Chinese field names, EPSG:4490). Returns the number of problems written."""
    path = Path(path)
    rows = list(problems)
    if path.suffix.lower() == ".xlsx":
        _write_xlsx(path, rows, run)
    elif path.suffix.lower() == ".gpkg":
        _write_gpkg(path, rows)
    else:
        raise InputError(f"输出文件 {path.name} 应为 .xlsx 或 .gpkg")
    return len(rows)


COLUMNS = ("问题类型", "地块编码", "园区编码", "量值", "单位", "容差", "说明")


def _values(problem, names) -> list:
    return [names.get(problem.kind, problem.kind), problem.codes, problem.zone.code if problem.zone else "",
            problem.measure, UNITS.get(problem.kind, ""), problem.limit, problem.detail]


def _write_xlsx(path, rows, run):
    names = kind_names()
    book = xlsxwriter.Workbook(str(path))
    bold = book.add_format({"bold": True, "bg_color": "#e8eef7"})
    sheet = book.add_worksheet("拓扑检查")
    for col, title in enumerate((*COLUMNS, "图形（WKT，EPSG:4490）")):
        sheet.write(0, col, title, bold)
    for r, problem in enumerate(rows, start=1):
        sheet.write_row(r, 0, _values(problem, names))
        geometry = shapely.from_wkb(bytes(problem.geometry)) if problem.geometry else None
        sheet.write_string(r, len(COLUMNS), shapely.to_wkt(geometry, rounding_precision=7)[:32000] if geometry else "")
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 44)
    sheet.set_column(6, 6, 60)
    notes = book.add_worksheet("说明")
    notes.write_row(0, 0, ("项目", "值"), bold)
    facts = [("检查时间", f"{run.created_at:%Y-%m-%d %H:%M}"), ("检查地块数", run.parcels),
             *((f"{names.get(k, k)}（个）", n) for k, n in run.counts.items()),
             *((f"容差 {key}", str(value)) for key, value in run.rules.items() if key != "kinds")]
    for r, (name, value) in enumerate(facts, start=1):
        notes.write_row(r, 0, (name, value))
    notes.set_column(0, 1, 40)
    book.close()


def _write_gpkg(path, rows):
    """A layer per kind (lines for gaps, MultiPolygons for the others); an empty result is still a file."""
    if path.exists():
        path.unlink()
    names = kind_names()
    written = False
    for kind in topology.KINDS:
        chosen = [p for p in rows if p.kind == kind and p.geometry]
        if chosen:
            write_layer(path=path, layer=names[kind], columns=COLUMNS, rows=[_values(p, names) for p in chosen],
                        geometries=[p.geometry for p in chosen], geometry_type=GIS_TYPES.get(kind, "MultiPolygon"),
                        append=written)
            written = True
    if not written:
        write_layer(path=path, layer="拓扑检查", columns=(), rows=[], geometries=[])
