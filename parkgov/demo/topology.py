"""The demo's topology problems (issue 17 §1): one of each kind the check finds, as edits in QGIS or an old
import would leave them, then a check run so that the page and the map show them.

The generated layout is clean (no parcel touches or overlaps another; the narrowest gap is 0.2 m; every parcel
lies in its park), so each problem below is the only one of its kind:
- 无效图形: a parcel's corners joined in the wrong order (a bow-tie) — it takes part in no other check;
- 地块重叠: a parcel moved 3 m into its nearest neighbour;
- 超出园区范围: the parcel nearest its park's boundary moved 15 m across it;
- 地块缝隙: a parcel 0.2 m from its neighbour moved to within 5 cm of it;
- 狭长碎片: a parcel cut down to a 1.5 m strip along its front (its recorded area following, so only the sliver);
- 面积不符: a parcel's recorded 土地面积 raised by a fifth.
"""

import numpy as np
import shapely
from shapely import affinity

from parkgov.audit.context import acting_as
from parkgov.ledger.models import Parcel, Zone
from parkgov.ledger.services import geometry_columns
from parkgov.spatial.topology import _projection
from parkgov.spatial.topology_checks import check_topology

SEEDED = ("invalid", "overlap", "outside_zone", "gap", "sliver", "area_mismatch")


def build_topology(*, data=None, seed: int, actor=None, say=print) -> dict:
    """Seed one problem of each kind into the ledger and run the check; returns {kind: parcel code(s)}."""
    del data
    with acting_as(actor, reason="演示：模拟图形编辑留下的拓扑与面积问题"):
        seeded = seed_problems(seed=seed)
        run = check_topology(actor=actor)
    say(f"拓扑检查：{run.parcels} 宗地块，{sum(run.counts.values())} 个问题（{', '.join(sorted(seeded))}）")
    return seeded


def seed_problems(*, seed: int) -> dict:
    """Edit six different parcels so that each kind of problem appears once."""
    rng = np.random.default_rng(seed + 17)
    parcels = list(Parcel.objects.exclude(geometry=None).select_related("zone").order_by("code"))
    geoms = shapely.from_wkb([bytes(p.geometry) for p in parcels])
    to_plane, to_storage = _projection(geoms)
    plane = shapely.transform(geoms, to_plane)
    tree = shapely.STRtree(plane)
    used: set = set()
    seeded = {}

    def pick(accept=lambda k: True):
        for k in rng.permutation(len(parcels)):
            if not ({int(k)} | _neighbours(tree, plane, int(k))) & used and accept(int(k)):
                used.update({int(k)} | _neighbours(tree, plane, int(k)))
                return int(k)
        raise RuntimeError("no parcel left to seed a problem on")

    def save(k, geometry=None, **fields):
        parcel = parcels[k]
        if geometry is not None:
            columns = geometry_columns([shapely.to_wkb(shapely.transform(geometry, to_storage))], with_area=True)
            for name, value in columns.row(0, named=True).items():
                setattr(parcel, name, value)
        for name, value in fields.items():
            setattr(parcel, name, value)
        parcel.save()
        return parcel.code

    k = pick()
    ring = np.asarray(plane[k].exterior.coords)[:4]
    seeded["invalid"] = save(k, shapely.Polygon(ring[[0, 2, 1, 3]]))
    # a neighbour within 16 m: moved 3 m into it
    k = pick(lambda i: _nearest(tree, plane, i, 16.0) is not None)
    other = _nearest(tree, plane, k, 16.0)
    used.add(other)
    seeded["overlap"] = save(k, _moved_towards(plane[k], plane[other], 3.0))
    # the gap of 0.2 m closed to 5 cm
    k = pick(lambda i: _nearest(tree, plane, i, 0.25) is not None)
    other = _nearest(tree, plane, k, 0.25)
    used.add(other)
    seeded["gap"] = save(k, _moved_towards(plane[k], plane[other], -0.05))
    seeded["outside_zone"] = _across_the_boundary(parcels, plane, to_plane, used, save)
    k = pick()
    strip = _front_strip(plane[k], 1.5)
    # its buildings and green land went with the rest of the parcel: a strip holds none (else the ledger's export would
    # not import back: 建筑基底面积大于土地面积)
    seeded["sliver"] = save(k, strip, registered_area_m2=round(float(strip.area), 2), floor_area_m2=None,
                            footprint_area_m2=None, admin_area_m2=None, green_area_m2=None)
    k = pick()
    seeded["area_mismatch"] = save(k, registered_area_m2=round(parcels[k].registered_area_m2 * 1.2, 2))
    return seeded


def _neighbours(tree, plane, k, distance=20.0) -> set:
    return {int(i) for i in tree.query(plane[k], predicate="dwithin", distance=distance)} - {k}


def _nearest(tree, plane, k, within):
    near = [int(i) for i in tree.query(plane[k], predicate="dwithin", distance=within) if int(i) != k]
    return min(near, key=lambda i: shapely.distance(plane[k], plane[i])) if near else None


def _moved_towards(moving, target, into: float):
    """`moving` shifted along the shortest line to `target` until it is `into` metres inside it (negative: that
    far short of it)."""
    line = shapely.shortest_line(moving, target)
    (x0, y0), (x1, y1) = line.coords
    gap = max(line.length, 1e-9)
    if line.length < 1e-9:  # touching: move away from the centroid
        (x0, y0), (x1, y1) = moving.centroid.coords[0], target.centroid.coords[0]
        gap = np.hypot(x1 - x0, y1 - y0)
    unit = np.array([x1 - x0, y1 - y0]) / gap
    shift = unit * (line.length + into)
    return affinity.translate(moving, *shift)


def _across_the_boundary(parcels, plane, to_plane, used, save):
    """The parcel nearest its park's boundary (not next to another seeded one), moved 15 m across it."""
    zones = {z.pk: shapely.transform(shapely.from_wkb(bytes(z.geometry)), to_plane)
             for z in Zone.objects.exclude(geometry=None)}
    best = None
    for k, parcel in enumerate(parcels):
        boundary = zones.get(parcel.zone_id)
        if boundary is None or k in used:
            continue
        distance = boundary.exterior.distance(plane[k]) if boundary.geom_type == "Polygon" else boundary.boundary.distance(plane[k])
        if best is None or distance < best[0]:
            best = (distance, k, boundary)
    _, k, boundary = best
    edge = boundary.exterior if boundary.geom_type == "Polygon" else boundary.boundary
    centre = plane[k].centroid
    nearest = edge.interpolate(edge.project(centre))
    unit = np.array([nearest.x - centre.x, nearest.y - centre.y])
    unit = unit / max(np.hypot(*unit), 1e-9)
    reach = max(abs(np.dot(np.asarray(plane[k].exterior.coords) - [centre.x, centre.y], unit)))
    shift = unit * (centre.distance(nearest) - reach + 15.0)
    used.add(k)
    return save(k, affinity.translate(plane[k], *shift))


def _front_strip(polygon, depth: float):
    """The `depth`-metre strip of `polygon` along its longest side."""
    coords = np.asarray(polygon.exterior.coords)
    sides = [(np.hypot(*(coords[i + 1] - coords[i])), i) for i in range(len(coords) - 1)]
    _, i = max(sides)
    a, b = coords[i], coords[i + 1]
    direction = (b - a) / np.hypot(*(b - a))
    inward = np.array([-direction[1], direction[0]])
    if not polygon.contains(shapely.Point(*((a + b) / 2 + inward * 0.01))):
        inward = -inward
    band = shapely.Polygon([a, b, b + inward * depth, a + inward * depth])
    return shapely.intersection(polygon, band)
