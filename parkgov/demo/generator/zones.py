"""The zones of the demo ("1+N" around 嵊州经济开发区): their specs, outlines and where they lie on the map.

Specs are data (`ZONES`); `zone_outlines`, `place_zones` and `zone_polygons` turn the rows of plots laid out
per zone (see `layout`) into zone boundaries in the equal-area plane.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

DIVISION = "330683"  # GB/T 2260 code of 嵊州市
CENTRE_LON, CENTRE_LAT = 120.80, 29.60
CORE_ANGLE = 15.0  # road-grid rotation of the development zone, degrees


@dataclass(frozen=True)
class ZoneSpec:
    """How one zone looks: its register entry, which firms it holds, its land and its layout on the map."""

    code: str
    name: str
    parent: str | None
    kind: str
    level: str | None
    firm_share: float
    tenant_p: float  # probability that a firm of the zone is a tenant rather than a land holder
    above_p: float  # probability that a holder firm is 规上
    mix: dict  # industry group -> weight
    era: tuple  # supply years (first, last)
    collective_p: float
    land_use: dict  # 用地用海分类 code -> weight
    plot_ratio: float  # median 容积率 of in-use parcels
    coverage: tuple  # 建筑系数 range
    low_efficiency_p: float  # share of small firms on oversized old land
    risk: float  # relative chance of department findings
    core: bool  # inside the development zone boundary
    district: int  # 地籍区 number in the 宗地代码
    angle: float  # road-grid rotation, degrees
    aspect: float  # row length relative to a square layout
    unoccupied_w: float  # weight for 批而未供 / 储备 parcels
    parcel_size: float = 1.0  # parcel size multiplier
    direction: tuple = (0.0, 0.0)  # where a non-core zone lies, seen from the development zone
    gap_m: float = 0.0


_LU_GENERAL = {"100101": 0.55, "100102": 0.38, "110101": 0.07}
ZONES = (
    ZoneSpec(code="SZ-KFQ", name="嵊州经济开发区", parent=None, kind="development_zone", level="省级",
             firm_share=0.20, tenant_p=0.10, above_p=0.30,
             mix={"kitchen": 0.30, "machinery": 0.25, "silk": 0.15, "other": 0.30}, era=(1997, 2023),
             collective_p=0.03, land_use=_LU_GENERAL, plot_ratio=1.25, coverage=(0.35, 0.62),
             low_efficiency_p=0.14, risk=1.0, core=True, district=1, angle=CORE_ANGLE, aspect=1.3,
             unoccupied_w=0.30),
    ZoneSpec(code="SZ-KFQ-CJ", name="嵊州经济开发区厨具电器产业园", parent="SZ-KFQ", kind="park_in_zone", level=None,
             firm_share=0.22, tenant_p=0.10, above_p=0.32, mix={"kitchen": 0.86, "other": 0.14}, era=(2004, 2024),
             collective_p=0.0, land_use={"100101": 0.62, "100102": 0.33, "110101": 0.05}, plot_ratio=1.35,
             coverage=(0.38, 0.65), low_efficiency_p=0.10, risk=0.9, core=True, district=2, angle=CORE_ANGLE,
             aspect=1.2, unoccupied_w=0.18),
    ZoneSpec(code="SZ-KFQ-LD", name="嵊州经济开发区领带真丝产业园", parent="SZ-KFQ", kind="park_in_zone", level=None,
             firm_share=0.15, tenant_p=0.12, above_p=0.27, mix={"silk": 0.86, "other": 0.14}, era=(1996, 2020),
             collective_p=0.01, land_use={"100101": 0.58, "100102": 0.40, "110101": 0.02}, plot_ratio=1.15,
             coverage=(0.35, 0.62), low_efficiency_p=0.22, risk=1.0, core=True, district=3, angle=CORE_ANGLE,
             aspect=1.4, unoccupied_w=0.10, parcel_size=0.9),
    ZoneSpec(code="SZ-KFQ-JX", name="嵊州经济开发区机械汽配产业园", parent="SZ-KFQ", kind="park_in_zone", level=None,
             firm_share=0.15, tenant_p=0.08, above_p=0.32, mix={"machinery": 0.86, "other": 0.14},
             era=(2002, 2024), collective_p=0.0, land_use={"100101": 0.45, "100102": 0.50, "110101": 0.05},
             plot_ratio=1.2, coverage=(0.38, 0.65), low_efficiency_p=0.12, risk=1.0, core=True, district=4,
             angle=CORE_ANGLE, aspect=1.1, unoccupied_w=0.18),
    ZoneSpec(code="SZ-KFQ-HG", name="嵊州经济开发区城北化工园区", parent="SZ-KFQ", kind="park_in_zone", level=None,
             firm_share=0.03, tenant_p=0.03, above_p=0.50, mix={"chemical": 1.0}, era=(1995, 2014),
             collective_p=0.0, land_use={"100103": 0.86, "100102": 0.10, "110101": 0.04}, plot_ratio=0.8,
             coverage=(0.30, 0.50), low_efficiency_p=0.18, risk=3.0, core=True, district=5, angle=CORE_ANGLE,
             aspect=1.0, unoccupied_w=0.10, parcel_size=1.5),
    ZoneSpec(code="SZ-XW-PK", name="嵊州市浦口街道小微企业园", parent="SZ-KFQ", kind="small_firm_park", level="市级",
             firm_share=0.08, tenant_p=0.45, above_p=0.10,
             mix={"kitchen": 0.50, "machinery": 0.20, "other": 0.30}, era=(2016, 2024), collective_p=0.06,
             land_use={"100101": 0.88, "110101": 0.12}, plot_ratio=2.0, coverage=(0.40, 0.65),
             low_efficiency_p=0.05, risk=1.2, core=False, district=6, angle=-20, aspect=1.2, unoccupied_w=0.05,
             parcel_size=0.8, direction=(-0.45, -1.0), gap_m=2500),
    ZoneSpec(code="SZ-XW-GL", name="嵊州市甘霖镇小微企业园", parent="SZ-KFQ", kind="small_firm_park", level="市级",
             firm_share=0.08, tenant_p=0.45, above_p=0.10, mix={"silk": 0.60, "other": 0.40}, era=(2015, 2024),
             collective_p=0.06, land_use={"100101": 0.90, "110101": 0.10}, plot_ratio=1.9, coverage=(0.40, 0.65),
             low_efficiency_p=0.05, risk=1.2, core=False, district=7, angle=35, aspect=1.0, unoccupied_w=0.05,
             parcel_size=0.8, direction=(1.0, -0.55), gap_m=3000),
    ZoneSpec(code="SZ-JJ-CR", name="嵊州市崇仁镇工业集聚点", parent="SZ-KFQ", kind="cluster_point", level="乡级",
             firm_share=0.045, tenant_p=0.15, above_p=0.06,
             mix={"other": 0.50, "silk": 0.25, "machinery": 0.25}, era=(1995, 2016), collective_p=0.68,
             land_use={"100101": 0.70, "100102": 0.30}, plot_ratio=0.75, coverage=(0.30, 0.55),
             low_efficiency_p=0.35, risk=2.2, core=False, district=8, angle=5, aspect=1.0, unoccupied_w=0.02,
             parcel_size=0.9, direction=(-1.0, 0.15), gap_m=4000),
    ZoneSpec(code="SZ-JJ-CL", name="嵊州市长乐镇工业集聚点", parent="SZ-KFQ", kind="cluster_point", level="村级",
             firm_share=0.045, tenant_p=0.15, above_p=0.06,
             mix={"other": 0.50, "silk": 0.25, "machinery": 0.25}, era=(1995, 2016), collective_p=0.68,
             land_use={"100101": 0.70, "100102": 0.30}, plot_ratio=0.75, coverage=(0.30, 0.55),
             low_efficiency_p=0.35, risk=2.2, core=False, district=9, angle=-40, aspect=1.0, unoccupied_w=0.02,
             parcel_size=0.9, direction=(-0.75, -1.6), gap_m=7000),
)
# Arrangement of the core zones inside the development zone (rows of zone indices, top row first).
CORE_ROWS = ((4, 3), (2, 0, 1))
CORE_GAP_M = 150.0
OUTLINE_MARGIN_M = 18.0  # zone boundary drawn this far outside its rows of plots


@dataclass(frozen=True)
class Placement:
    """Where each zone's local frame goes: local + offset, rotated by its angle, then shifted (metres)."""

    offset: np.ndarray  # (zones, 2)
    cos: np.ndarray
    sin: np.ndarray
    shift: np.ndarray  # (zones, 2)

    def to_world(self, xy: np.ndarray, zi) -> np.ndarray:
        """Local coordinates `xy` (..., 2) of zone(s) `zi` in the equal-area plane of the demo."""
        lx = xy[..., 0] + self.offset[zi, 0]
        ly = xy[..., 1] + self.offset[zi, 1]
        cos, sin, shift = self.cos, self.sin, self.shift
        return np.stack([cos[zi] * lx - sin[zi] * ly + shift[zi, 0], sin[zi] * lx + cos[zi] * ly + shift[zi, 1]],
                        axis=-1)


def zone_outlines(row_zone, x0, y0, x1, depth) -> tuple[list, np.ndarray]:
    """Outline (local coordinates) and extent (width, height) of each zone from its rows of plots."""
    outlines = []
    extent = np.zeros((len(ZONES), 2))
    for z in range(len(ZONES)):
        sel = np.flatnonzero(row_zone == z)
        if len(sel) == 0:
            outlines.append(shapely.box(0, 0, 150, 150))
            extent[z] = (150, 150)
            continue
        outlines.append(_outline(x0[sel], y0[sel], x1[sel], depth[sel]))
        extent[z] = (x1[sel].max() + OUTLINE_MARGIN_M, y0[sel][-1] + depth[sel][-1] + OUTLINE_MARGIN_M)
    return outlines, extent


def _outline(x0, y0, x1, depth) -> shapely.Polygon:
    """One polygon around the rows (x0..x1, y0..y0 + depth) of a zone, without holes."""
    boxes = shapely.box(x0, y0, x1, y0 + depth)
    outline = shapely.union_all(shapely.buffer(boxes, OUTLINE_MARGIN_M, join_style="mitre")).simplify(4)
    if outline.geom_type != "Polygon":
        outline = outline.convex_hull
    return shapely.Polygon(outline.exterior)


def place_zones(extent: np.ndarray) -> Placement:
    """Core zones side by side (rows), rotated together; the others around them."""
    nz = len(ZONES)
    offset = np.zeros((nz, 2))  # local + offset -> frame of the group
    angle = np.zeros(nz)
    shift = np.zeros((nz, 2))
    core_radius = _place_core(extent, offset, angle)
    _place_satellites(extent, core_radius, offset, angle, shift)
    theta = np.radians(angle)
    return Placement(offset=offset, cos=np.cos(theta), sin=np.sin(theta), shift=shift)


def _core_corners(extent: np.ndarray) -> dict:
    """Lower-left corner of each core zone, rows of `CORE_ROWS` stacked downwards, each row centred."""
    core_xy = {}
    row_top = 0.0
    for row in CORE_ROWS:
        widths = extent[list(row), 0]
        height = extent[list(row), 1].max()
        x = -(widths.sum() + CORE_GAP_M * (len(row) - 1)) / 2
        for zi in row:
            core_xy[zi] = (x, row_top - height)
            x += extent[zi, 0] + CORE_GAP_M
        row_top -= height + CORE_GAP_M
    return core_xy


def _place_core(extent: np.ndarray, offset: np.ndarray, angle: np.ndarray) -> float:
    """Fill offset and angle of the core zones around their common centre; return the radius of the core."""
    core_xy = _core_corners(extent)
    cx0 = min(v[0] for v in core_xy.values())
    cy0 = min(v[1] for v in core_xy.values())
    cx1 = max(core_xy[z][0] + extent[z, 0] for z in core_xy)
    cy1 = max(core_xy[z][1] + extent[z, 1] for z in core_xy)
    ccx, ccy = (cx0 + cx1) / 2, (cy0 + cy1) / 2
    for zi, (x, y) in core_xy.items():
        offset[zi] = (x - ccx, y - ccy)
        angle[zi] = ZONES[zi].angle
    return math.hypot(cx1 - cx0, cy1 - cy0) / 2


def _place_satellites(extent, core_radius, offset, angle, shift) -> None:
    """Put each non-core zone in its direction from the core, pushed out until it clears the others."""
    placed = []
    for zi, spec in enumerate(ZONES):
        if spec.core:
            continue
        offset[zi] = -extent[zi] / 2
        angle[zi] = spec.angle
        radius = math.hypot(*extent[zi]) / 2
        direction = np.array(spec.direction) / math.hypot(*spec.direction)
        gap_m = spec.gap_m + 0.1 * core_radius
        dist = core_radius + gap_m + radius
        while any(np.hypot(*(direction * dist - c)) < r + radius + gap_m for c, r in placed):
            dist *= 1.1
        shift[zi] = direction * dist
        placed.append((direction * dist, radius))


def zone_polygons(outlines: list, placement: Placement) -> list:
    """Zone outlines in the plane; the development zone becomes the hull around all core zones."""
    zone_polys = []
    for zi in range(len(ZONES)):
        coords = shapely.get_coordinates(outlines[zi])
        zone_polys.append(shapely.Polygon(placement.to_world(coords, zi)))
    core = [zi for zi, spec in enumerate(ZONES) if spec.core]
    dev = [zi for zi, spec in enumerate(ZONES) if spec.kind == "development_zone"][0]
    hull = shapely.union_all([zone_polys[zi] for zi in core]).convex_hull.buffer(80, join_style="mitre")
    zone_polys[dev] = hull.simplify(10)
    return zone_polys
