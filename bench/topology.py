"""Benchmark: the topology and area checks (issue 17 §1) over 1,000,000 parcels, in the engine and end to end from
the database (SQLite, and PostgreSQL/PostGIS when PARKGOV_TEST_POSTGRES_URL is set), against a GeoPandas `sjoin`
overlap check on the same parcels measured in the same run.

Target: 1M parcels checked in ≤ 120 s on SQLite and on PostGIS; ≥ 5× faster than the GeoPandas overlap check.
The baseline is what an analyst would write with GeoPandas: read the WKB, project to metres (`to_crs`),
`sjoin(predicate="intersects")` of the layer with itself, keep each pair once, and compute the overlaps' areas —
one check of the six (the engine's figure is all six, from the same WKB).
Usage: python bench/topology.py [--parcels 1000000] [--skip-database]

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


def synthetic(n: int):
    """(codes, lon/lat polygons, recorded areas m², zone polygon) as described in the module docstring."""
    import numpy as np
    import shapely

    rng = np.random.default_rng(SEED)
    cols = int(np.ceil(np.sqrt(n)))
    k = np.arange(n)
    x0, y0 = (k % cols) * 52.0, (k // cols) * 42.0
    x1, y1 = x0 + 50, y0 + 40
    moved = rng.random(n)
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
    zone = shapely.transform(shapely.box(-100, -100, cols * 52 + 100, (n // cols + 1) * 42 + 100), to_lonlat)
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
    layer = topology.ParcelLayer(ids=np.arange(n), codes=codes, zone_codes=np.array(["B"] * n, dtype=object),
                                 wkb=list(shapely.to_wkb(geoms)), recorded_m2=recorded)
    started = time.perf_counter()
    frame = topology.find_problems(layer, {"B": shapely.to_wkb(zone)}, topology.topology_rules())
    seconds = time.perf_counter() - started
    counts = {kind: frame.filter(kind=kind).height for kind in topology.KINDS}
    print(f"seconds={seconds:.2f}")
    print(f"counts={counts}")
    print(f"rss_mib={peak_rss_mib():.0f}")


def stage_geopandas(n: int):
    import geopandas as gpd
    import numpy as np

    import shapely

    codes, geoms, _recorded, _zone = synthetic(n)
    wkb = list(shapely.to_wkb(geoms))  # as read from the database, like the engine's input
    del geoms
    started = time.perf_counter()
    frame = gpd.GeoDataFrame({"code": codes}, geometry=gpd.GeoSeries.from_wkb(wkb, crs="EPSG:4490")).to_crs("EPSG:4549")
    frame = frame[frame.is_valid]
    pairs = gpd.sjoin(frame, frame, predicate="intersects", how="inner")
    pairs = pairs[pairs.index < pairs["index_right"]]
    left = frame.geometry.loc[pairs.index].values
    right = frame.geometry.loc[pairs["index_right"]].values
    areas = np.asarray(left.intersection(right).area)
    overlaps = int((areas >= 1.0).sum())
    print(f"seconds={time.perf_counter() - started:.2f}")
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
             "supply_status", "supply_method", "building_quality", "land_procedures", *columns.columns]
    rows = ((code, f"{i:05d}", zone.pk, float(area), "1001", "state", "supplied", "transfer", "good", "complete",
             *values) for i, (code, area, values) in enumerate(zip(codes, recorded, columns.iter_rows())))
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
    args = parser.parse_args()
    if args.stage:
        {"engine": stage_engine, "geopandas": stage_geopandas, "database": stage_database}[args.stage](args.parcels)
        return
    script = Path(__file__)
    n = str(args.parcels)
    engine = run_stage(script, "--stage", "engine", "--parcels", n)
    print(f"engine, {args.parcels:,} parcels: {engine['seconds']} s, peak {engine['rss_mib']} MiB; {engine['counts']}")
    try:
        import geopandas  # noqa: F401

        baseline = run_stage(script, "--stage", "geopandas", "--parcels", n)
        ratio = float(baseline["seconds"]) / float(engine["seconds"])
        print(f"GeoPandas sjoin overlap check: {baseline['seconds']} s ({baseline['overlaps']} overlaps), peak "
              f"{baseline['rss_mib']} MiB; the engine's six checks are {ratio:.1f}× faster (target ≥ 5×)")
    except ImportError:
        print("GeoPandas not installed (pip install -e '.[bench]'): no baseline")
    if args.skip_database:
        return
    import os

    kinds = ["sqlite"] + (["postgres"] if os.environ.get("PARKGOV_TEST_POSTGRES_URL") else [])
    for kind in kinds:
        measured = run_stage(script, "--stage", "database", "--parcels", n, database_url=fresh_database(kind))
        print(f"end to end on {measured['vendor']}: {measured['seconds']} s (target ≤ 120 s), peak "
              f"{measured['rss_mib']} MiB; {measured['counts']}")


if __name__ == "__main__":
    main()
