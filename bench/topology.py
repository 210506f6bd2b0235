"""Benchmark: the topology and area checks (issue 17 §1) over 1,000,000 parcels, in the engine and end to end from
the database (SQLite, and PostgreSQL/PostGIS when PARKGOV_TEST_POSTGRES_URL is set), against a GeoPandas `sjoin`
overlap check on the same parcels measured in the same run.

Target: 1M parcels checked in ≤ 120 s on SQLite and on PostGIS; ≥ 5× faster than the GeoPandas overlap check.
The baseline is what an analyst would write with GeoPandas: read the WKB, project to metres (`to_crs`),
`sjoin(predicate="intersects")` of the layer with itself, keep each pair once, and compute the overlaps' areas —
one check of the six (the engine's figure is all six, from the same WKB).
With --touching the parcels share their edges (no 2 m strips between them), as on a cadastral map: every parcel
then has up to eight neighbours whose boxes meet its own, and both checks test each such pair exactly; the gaps are
seeded by pulling an edge back 5 cm.
The engine reads the box, area, perimeter and validity the ledger keeps with each geometry (written with it, like
the 图形面积); the time to measure them from the WKB, which each write pays, is reported beside it.
Usage: python bench/topology.py [--parcels 1000000] [--skip-database] [--touching]

The input is synthetic and seeded: a grid of 50 m × 40 m parcels 2 m apart near 120.8°E 29.6°N in one zone, with
0.1 % of them moved into a neighbour (overlaps), 0.1 % moved to within 5 cm of one (gaps), 100 bow-ties, 100
slivers and 1 % with a recorded area 10 % off. Each measurement runs in a fresh interpreter (time and peak memory
its own).
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import fresh_database, peak_rss_mib, run_stage, setup_django  # noqa: E402

LON, LAT = 120.80, 29.60
SEED = 17


TOUCHING = False  # set by --touching (each stage runs in an interpreter of its own)


def synthetic(n: int):
    """(codes, lon/lat polygons, recorded areas m², zone polygon) as described in the module docstring."""
    import numpy as np
    import shapely

    rng = np.random.default_rng(SEED)
    cols = int(np.ceil(np.sqrt(n)))
    k = np.arange(n)
    spacing = 0.0 if TOUCHING else 2.0
    x0, y0 = (k % cols) * (50 + spacing), (k // cols) * (40 + spacing)
    x1, y1 = x0 + 50, y0 + 40
    moved = rng.random(n)
    if TOUCHING:  # overlap 3 m; gap 5 cm
        x0, x1 = x0 + np.where(moved < 0.001, 3.0, 0.0), x1 + np.where(moved < 0.001, 3.0, 0.0)
        x1 = x1 - np.where((moved >= 0.001) & (moved < 0.002), 0.05, 0.0)
    else:
        shift = np.where(moved < 0.001, 5.0, np.where(moved < 0.002, 1.95, 0.0))  # overlap 3 m, gap 5 cm
        x0, x1 = x0 + shift, x1 + shift
    boxes = shapely.box(x0, y0, x1, y1)
    special = rng.choice(n, 200, replace=False)
    for i in special[:100]:  # bow-ties
        boxes[i] = shapely.Polygon([(x0[i], y0[i]), (x1[i], y1[i]), (x1[i], y0[i]), (x0[i], y1[i])])
    for i in special[100:]:  # slivers
        boxes[i] = shapely.box(x0[i], y0[i], x1[i], y0[i] + 1.5)
    area = shapely.area(boxes)
    recorded = np.where(rng.random(n) < 0.01, area * 1.1, area)
    scale_x = 1 / 111_320 / np.cos(np.radians(LAT))

    def to_lonlat(xy):
        return np.column_stack([LON + xy[:, 0] * scale_x, LAT + xy[:, 1] / 111_320])

    geoms = shapely.transform(boxes, to_lonlat)
    east, north = cols * (50 + spacing) + 100, (n // cols + 1) * (40 + spacing) + 100
    zone = shapely.transform(shapely.box(-100, -100, east, north), to_lonlat)
    codes = np.array([f"B-{i:07d}" for i in range(n)], dtype=object)
    return codes, geoms, recorded, zone


def stage_engine(n: int):
    import numpy as np
    import shapely

    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkgov.settings")
    import django

    django.setup()
    from parkgov.spatial import topology

    codes, geoms, recorded, zone = synthetic(n)
    wkb = list(shapely.to_wkb(geoms))
    del geoms
    started = time.perf_counter()
    layer = topology.ParcelLayer.from_wkb(ids=np.arange(n), codes=codes, zone_codes=np.array(["B"] * n, dtype=object),
                                          wkb=wkb, recorded_m2=recorded)
    measured = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    frame = topology.find_problems(layer, {"B": shapely.to_wkb(zone)}, topology.topology_rules())
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    counts = {kind: frame.filter(kind=kind).height for kind in topology.KINDS}
    print(f"measure_seconds={measured:.2f}")
    print(f"seconds={seconds:.2f}")
    print(f"cpu={cpu:.2f}")
    print(f"counts={counts}")
    print(f"rss_mib={peak_rss_mib():.0f}")


def stage_geopandas(n: int):
    import geopandas as gpd
    import numpy as np

    import shapely

    codes, geoms, _recorded, _zone = synthetic(n)
    wkb = list(shapely.to_wkb(geoms))  # as read from the database, like the engine's input
    del geoms
    started, cpu = time.perf_counter(), time.process_time()
    frame = gpd.GeoDataFrame({"code": codes}, geometry=gpd.GeoSeries.from_wkb(wkb, crs="EPSG:4490")).to_crs("EPSG:4549")
    frame = frame[frame.is_valid]
    pairs = gpd.sjoin(frame, frame, predicate="intersects", how="inner")
    pairs = pairs[pairs.index < pairs["index_right"]]
    left = frame.geometry.loc[pairs.index].values
    right = frame.geometry.loc[pairs["index_right"]].values
    areas = np.asarray(left.intersection(right).area)
    overlaps = int((areas >= 1.0).sum())
    print(f"seconds={time.perf_counter() - started:.2f}")
    print(f"cpu={time.process_time() - cpu:.2f}")
    print(f"overlaps={overlaps}")
    print(f"rss_mib={peak_rss_mib():.0f}")


def stage_database(n: int):
    setup_django()
    import shapely
    from django.db import connection, transaction

    from parkgov.ledger.bulk import insert_rows
    from parkgov.ledger.models import Parcel, Zone
    from parkgov.ledger.services import geometry_columns
    from parkgov.spatial.topology_checks import check_topology

    codes, geoms, recorded, zone_geometry = synthetic(n)
    zone = Zone.objects.create(code="B", name="基准园区", kind="development_zone", division_code="330683",
                               level="provincial", geometry=shapely.to_wkb(zone_geometry))
    columns = geometry_columns(list(shapely.to_wkb(geoms)), with_area=True)
    names = ["code", "unit_code_suffix", "zone_id", "registered_area_m2", "land_use_code", "ownership",
             "supply_status", "supply_method", "building_quality", "land_procedures", "code_provisional",
             *columns.columns]
    rows = ((code, f"{i:05d}", zone.pk, float(area), "1001", "state", "supplied", "transfer", "good", "complete",
             False, *values) for i, (code, area, values) in enumerate(zip(codes, recorded, columns.iter_rows())))
    with transaction.atomic():
        insert_rows(Parcel._meta.db_table, names, list(rows))
    del columns
    started = time.perf_counter()
    with transaction.atomic():
        run = check_topology()
    print(f"seconds={time.perf_counter() - started:.2f}")
    print(f"counts={run.counts}")
    print(f"vendor={connection.vendor}")
    print(f"rss_mib={peak_rss_mib():.0f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--stage", choices=("engine", "geopandas", "database"))
    parser.add_argument("--skip-database", action="store_true")
    parser.add_argument("--touching", action="store_true", help="parcels sharing their edges")
    args = parser.parse_args()
    global TOUCHING
    TOUCHING = args.touching
    if args.stage:
        {"engine": stage_engine, "geopandas": stage_geopandas, "database": stage_database}[args.stage](args.parcels)
        return
    script = Path(__file__)
    n = str(args.parcels)
    flags = ["--touching"] if args.touching else []
    engine = run_stage(script, "--stage", "engine", "--parcels", n, *flags)
    print(f"engine, {args.parcels:,} parcels: {engine['seconds']} s from the measures the ledger keeps with each "
          f"geometry (measuring them, as a write does: {engine['measure_seconds']} s), peak {engine['rss_mib']} MiB; "
          f"{engine['counts']}")
    try:
        import geopandas  # noqa: F401

        baseline = run_stage(script, "--stage", "geopandas", "--parcels", n, *flags)
        ratio = float(baseline["seconds"]) / float(engine["seconds"])
        cpu_ratio = float(baseline["cpu"]) / max(float(engine["cpu"]), 0.01)
        with_measuring = float(baseline["seconds"]) / (float(engine["seconds"]) + float(engine["measure_seconds"]))
        print(f"GeoPandas sjoin overlap check: {baseline['seconds']} s (CPU {baseline['cpu']} s; "
              f"{baseline['overlaps']} overlaps), peak {baseline['rss_mib']} MiB; the engine's six checks are "
              f"{ratio:.1f}× faster in wall time, {cpu_ratio:.1f}× in CPU (engine CPU {engine['cpu']} s; target ≥ 5×); "
              f"{with_measuring:.1f}× counting the measuring too")
    except ImportError:
        print("GeoPandas not installed (pip install -e '.[bench]'): no baseline")
    if args.skip_database:
        return
    import os

    kinds = ["sqlite"] + (["postgres"] if os.environ.get("PARKGOV_TEST_POSTGRES_URL") else [])
    for kind in kinds:
        measured = run_stage(script, "--stage", "database", "--parcels", n, *flags, database_url=fresh_database(kind))
        print(f"end to end on {measured['vendor']}: {measured['seconds']} s (target ≤ 120 s), peak "
              f"{measured['rss_mib']} MiB; {measured['counts']}")


if __name__ == "__main__":
    main()
