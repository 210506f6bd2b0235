"""Reference layers of the demo zone: a river bending round the 城北化工园区 through the development zone,
a planned-land-use layer (用地用海分类) covering every zone, mostly industrial with some blocks planned for
other uses, so that the 沿江一公里 list and the 四个一批 plan check have something to find, and the roads round
each park (issue 17 §3: the map's offline base draws them).

`write_reference_layers` is deterministic for a seed and the demo's zone polygons (`DemoData.zone_geometry`);
it writes two GeoPackages in EPSG:4490. `import_demo_layers` imports them as reference layers (the demo
build calls it after writing the ledger). Geometry is built in the same Lambert azimuthal equal-area plane as
the parcels (see `layout`), where distances are metres.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pyogrio
import shapely
from pyproj import Transformer

from parkgov.demo.generator.zones import CENTRE_LAT, CENTRE_LON, CORE_ANGLE

RIVER_FILE, PLAN_FILE, ROAD_FILE = "river.gpkg", "planned_land_use.gpkg", "roads.gpkg"
ROAD_OFFSET_M = 25.0  # ring roads run this far outside each park's outline (itself 18 m outside the plots)
CHEMICAL_ZONE, DEVELOPMENT_ZONE = "SZ-KFQ-HG", "SZ-KFQ"
CELL_M = 160.0  # planning blocks
OTHER_USES = {"070102": "二类城镇住宅用地", "0901": "商业用地", "1401": "公园绿地", "1402": "防护绿地", "0804": "教育用地"}
INDUSTRIAL_USES = {"100101": "一类工业用地", "100102": "二类工业用地", "100103": "三类工业用地", "110101": "一类物流仓储用地"}
OTHER_SHARE = 0.08  # share of blocks planned for other uses (in clusters)
SOURCE_TEXT = "演示数据：parkgov 演示生成器按种子 {seed} 生成，非真实{what}"


def _transformers():
    plane = f"+proj=laea +lat_0={CENTRE_LAT} +lon_0={CENTRE_LON} +ellps=GRS80 +units=m +no_defs"
    return (Transformer.from_crs("EPSG:4490", plane, always_xy=True),
            Transformer.from_crs(plane, "EPSG:4490", always_xy=True))


def _apply(transformer, geoms):
    def move(coords):
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(np.asarray(geoms, dtype=object), move)


def _rotate(geoms, degrees):
    theta = np.radians(degrees)
    matrix = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    return shapely.transform(np.asarray(geoms, dtype=object), lambda c: c @ matrix.T)


def river_line(zones: dict, rng) -> shapely.LineString:
    """The river, in the road grid's frame: from the west along the chemical park's northern edge, south through
    the gap between the chemical park and its eastern neighbour, then east along the gap between the rows of
    the development zone; meanders only outside the development zone, so it crosses no parcel."""
    upright = {code: _rotate([zones[code]], -CORE_ANGLE)[0] for code in (DEVELOPMENT_ZONE, CHEMICAL_ZONE)}
    x0, _y0, x1, _y1 = upright[DEVELOPMENT_ZONE].bounds
    cx0, cy0, cx1, cy1 = upright[CHEMICAL_ZONE].bounds
    north = cy1 + rng.uniform(120, 200)
    east = cx1 + 60  # the parks are laid out 150 m apart (zones.CORE_GAP_M), outlines 18 m outside the plots
    south = cy0 - 60
    west_x = np.linspace(x0 - 6000, x0, 60)
    east_x = np.linspace(x1, x1 + 6000, 60)
    phase = rng.uniform(0, 2 * np.pi)
    west = np.column_stack([west_x, north + 160 * np.sin((west_x - x0) / 900 + phase) * (west_x < x0 - 200)])
    tail = np.column_stack([east_x, south + 160 * np.sin((east_x - x1) / 900 - phase) * (east_x > x1 + 200)])
    bend = np.array([[east, north], [east, south]])
    return _rotate([shapely.LineString(np.vstack([west, bend, tail]))], CORE_ANGLE)[0]


def planned_blocks(zones: dict, river, rng) -> tuple[np.ndarray, np.ndarray]:
    """Blocks (a grid of CELL_M squares along the road grid) covering every zone, and a code for each."""
    area = shapely.union_all(np.array(list(zones.values()), dtype=object)).buffer(40, join_style="mitre")
    upright = _rotate([area], -CORE_ANGLE)[0]
    x0, y0, x1, y1 = upright.bounds
    gx, gy = np.meshgrid(np.arange(x0, x1, CELL_M), np.arange(y0, y1, CELL_M))
    cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + CELL_M, gy.ravel() + CELL_M)
    cells = _rotate(cells, CORE_ANGLE)
    blocks = shapely.intersection(cells, area)
    keep = ~shapely.is_empty(blocks) & (shapely.area(blocks) > 1.0)
    blocks, centres = blocks[keep], shapely.centroid(cells[keep])
    blocks = np.array([b if b.geom_type in ("Polygon", "MultiPolygon") else _polygons_of(b) for b in blocks],
                      dtype=object)
    codes = _codes(centres, river, rng)
    return blocks, codes


def _polygons_of(geom):
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"]
    return shapely.MultiPolygon(parts) if parts else shapely.Polygon()


def _codes(centres, river, rng) -> np.ndarray:
    """Mostly industrial codes; clusters of other uses around a few seeds; green buffers beside the river."""
    n = len(centres)
    xy = shapely.get_coordinates(centres)
    codes = rng.choice(list(INDUSTRIAL_USES), size=n, p=[0.52, 0.40, 0.06, 0.02])
    seeds = rng.choice(n, size=max(1, int(n * OTHER_SHARE / 5)), replace=False)
    for seed_index in seeds:
        near = np.hypot(*(xy - xy[seed_index]).T) <= CELL_M * 1.2  # the seed block and its neighbours
        codes[near] = rng.choice(list(OTHER_USES)[:3] + list(OTHER_USES)[4:])
    by_river = shapely.distance(centres, river) < CELL_M * 0.75
    codes[by_river & (rng.random(n) < 0.5)] = "1402"
    return codes


def ring_roads(zones: dict) -> tuple[list, list]:
    """A ring road round each park (its outline grown by ROAD_OFFSET_M, squared corners) and its name."""
    roads, names = [], []
    for code, zone in sorted(zones.items()):
        grown = shapely.buffer(zone, ROAD_OFFSET_M, join_style="mitre")
        rings = [part.exterior for part in shapely.get_parts(grown) if part.geom_type == "Polygon"]
        roads.append(shapely.MultiLineString(rings))
        names.append(f"{code} 环园路（演示）")
    return roads, names


def write_reference_layers(*, zone_geometry: pl.DataFrame, directory: Path, seed: int) -> dict[str, Path]:
    """Write the river, the planned-land-use layer and the roads as GeoPackages (EPSG:4490) in `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 14]))
    to_plane, to_lonlat = _transformers()
    polygons = _apply(to_plane, shapely.from_wkb(zone_geometry.get_column("wkb").to_list()))
    zones = dict(zip(zone_geometry.get_column("code").to_list(), polygons))
    river = river_line(zones, rng)
    blocks, codes = planned_blocks(zones, river, rng)
    names = {**INDUSTRIAL_USES, **OTHER_USES}
    paths = {"river": directory / RIVER_FILE, "planned_land_use": directory / PLAN_FILE, "road": directory / ROAD_FILE}
    _write(paths["river"], _apply(to_lonlat, [river]), {"名称": ["剡溪（演示）"]}, "LineString", "river")
    _write(paths["planned_land_use"], _apply(to_lonlat, blocks),
           {"用地用海分类": list(codes), "名称": [names[c] for c in codes]}, "MultiPolygon", "planned_land_use")
    roads, road_names = ring_roads(zones)
    _write(paths["road"], _apply(to_lonlat, roads), {"名称": road_names}, "MultiLineString", "road")
    return paths


def _write(path, geoms, fields, geometry_type, layer):
    if path.exists():
        path.unlink()
    pyogrio.raw.write(str(path), geometry=np.asarray(shapely.to_wkb(geoms), dtype=object),
                      field_data=[np.asarray(v, dtype=object) for v in fields.values()], fields=list(fields),
                      driver="GPKG", geometry_type=geometry_type, crs="EPSG:4490", encoding="UTF-8",
                      promote_to_multi=geometry_type == "MultiPolygon", layer=layer)


def import_demo_layers(*, directory: Path, actor, seed: int = 2021) -> list:
    """Import the demo's river, planned-land-use and road GeoPackages from `directory` as reference layers."""
    from parkgov.governance.layers import import_layer

    directory = Path(directory)
    specs = [(RIVER_FILE, "demo-river", "剡溪（演示）", "river", "河流水系"),
             (PLAN_FILE, "demo-plan", "国土空间规划用地（演示）", "planned_land_use", "国土空间规划"),
             (ROAD_FILE, "demo-roads", "园区道路（演示）", "road", "道路")]
    return [import_layer(path=directory / file, code=code, name=name, kind=kind, actor=actor,
                         source=SOURCE_TEXT.format(seed=seed, what=what), verified=False).layer
            for file, code, name, kind, what in specs]
