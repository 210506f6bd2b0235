"""Parcel geometry: rows of plots along roads per zone, zones placed around the development zone, lon/lat.

Works in a Lambert azimuthal equal-area plane centred on the demo, so polygon areas in metres are true
ellipsoidal areas; coordinates are then converted to CGCS2000 lon/lat (EPSG:4490).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import shapely
from pyproj import Transformer

from parkgov.demo.generator.arrays import group_starts
from parkgov.demo.generator.sampling import lognormal
from parkgov.demo.generator.zones import CENTRE_LAT, CENTRE_LON, ZONES, place_zones, zone_outlines, zone_polygons

BANDS = np.array([55.0, 110.0, 200.0, 300.0])  # standard plot depths of the rows, m
BAND_LIMITS = np.array([4000.0, 16000.0, 60000.0])  # parcel areas (m²) where the next depth starts
BLOCK_M, CROSS_STREET_M = 420.0, 22.0


@cache
def _transformer() -> Transformer:
    """Local Lambert azimuthal equal-area plane (metres) → CGCS2000 lon/lat."""
    return Transformer.from_crs(
        f"+proj=laea +lat_0={CENTRE_LAT} +lon_0={CENTRE_LON} +ellps=GRS80 +units=m +no_defs",
        "EPSG:4490", always_xy=True)


def lay_out(p: dict, rng) -> dict:
    """Place parcels as (slightly irregular) rectangles in rows; return coordinates, areas, zone outlines.

    Returns `order` (the parcels' new order: by zone, row depth and firm), `lonlat` (m, 4, 2) corners,
    `area` (true m²) and `zones` (zone polygons in lon/lat).
    """
    plots = _plots(p, rng)
    row_len = _row_lengths(plots["zone"], plots["area"])
    shelf, sfirst, x_in, x_out = _positions_along_rows(plots, row_len)
    rows = _stack_rows(plots, sfirst, x_out, rng)
    local = _quads(plots, rows, shelf, x_in, x_out, rng)
    outlines, extent = zone_outlines(rows["zone"], rows["x0"], rows["y0"], rows["x1"], rows["depth"])
    placement = place_zones(extent)
    world = placement.to_world(local, plots["zone"][:, None])
    lonlat, zones_ll = _to_lonlat(world, zone_polygons(outlines, placement))
    return {"order": plots["order"], "lonlat": lonlat, "area": _shoelace_area(world), "zones": zones_ll}


def reorder(parcels: dict, order: np.ndarray) -> None:
    """Put every per-parcel array of `parcels` in the layout's order."""
    for key, value in list(parcels.items()):
        if isinstance(value, np.ndarray) and len(value) == len(order):
            parcels[key] = value[order]


def _plots(p: dict, rng) -> dict:
    """Depth band, depth, width and gap to the next plot of each parcel, sorted by zone, band and firm."""
    m = len(p["zone"])
    zone = p["zone"]
    area = p["area_target"]
    band = np.searchsorted(BAND_LIMITS, area * lognormal(rng, 1.0, 0.15, m))
    depth = BANDS[band] * (1 - rng.uniform(0.0, 0.06, m))
    width = area / depth
    # party walls: 35 % of neighbours nearly touch (0.2 m keeps the lon/lat chords of shared edges apart)
    gap = np.where(rng.random(m) < 0.35, 0.2, rng.uniform(4, 16, m))
    # keep a firm's parcels side by side: sort key = firm's random key + rank
    firm_key = rng.random(int(max(p["owner"].max(initial=-1), 0)) + 1)
    key = np.where(p["owner"] >= 0, firm_key[np.maximum(p["owner"], 0)] + p["rank"] * 1e-9, rng.random(m))
    order = np.lexsort((key, band, zone))
    names = ("zone", "area", "band", "depth", "width", "gap")
    plots = {name: a[order] for name, a in zip(names, (zone, area, band, depth, width, gap))}
    plots["order"] = order
    return plots


def _row_lengths(zone: np.ndarray, area: np.ndarray) -> np.ndarray:
    """Target row length per zone: a block of the zone's aspect holding its plots at ~62 % cover."""
    zone_area = np.bincount(zone, weights=area, minlength=len(ZONES))
    aspect = np.array([z.aspect for z in ZONES])
    return np.maximum(np.sqrt(np.maximum(zone_area, 40000) / 0.62) * aspect, 250.0)


def _positions_along_rows(plots: dict, row_len: np.ndarray) -> tuple[np.ndarray, ...]:
    """Row (shelf) of each plot, first plot of each row, and each plot's start and end along its row.

    Positions come from one running sum; a parcel's end is exactly the next one's start when there is no gap,
    so neighbours share an edge instead of overlapping by rounding.
    """
    total = np.cumsum(plots["width"] + plots["gap"])
    begin = np.r_[0.0, total[:-1]]
    end = total - plots["gap"]
    shelf, sfirst = _row_breaks(plots, begin, total, row_len)
    row_base = begin[sfirst][shelf]
    x_in = begin - row_base
    x_out = end - row_base
    cross = CROSS_STREET_M * np.floor(x_in / BLOCK_M)  # cross streets every ~400 m
    return shelf, sfirst, x_in + cross, x_out + cross


def _row_breaks(plots: dict, begin, total, row_len) -> tuple[np.ndarray, np.ndarray]:
    """Row index of each plot and first plot of each row; a zone's band is cut into rows of equal length."""
    zone, band = plots["zone"], plots["band"]
    m = len(zone)
    gid = zone * len(BANDS) + band
    gstart = group_starts(gid)
    glen = np.diff(np.r_[gstart, m])
    s = begin - np.repeat(begin[gstart], glen)
    # rows of one depth share the band's length evenly, so no row is left half empty
    g_total = total[np.r_[gstart[1:], m] - 1] - begin[gstart] if m else np.zeros(0)
    g_rows = np.maximum(1, np.round(g_total / row_len[zone[gstart]]))
    g_len = g_total / g_rows * (1 + 1e-9)
    shelf_local = np.floor(s / np.repeat(g_len, glen)).astype(np.int64)
    flag = np.ones(m, dtype=bool)
    if m > 1:
        flag[1:] = (gid[1:] != gid[:-1]) | (shelf_local[1:] != shelf_local[:-1])
    return np.cumsum(flag) - 1, np.flatnonzero(flag)


def _stack_rows(plots: dict, sfirst: np.ndarray, x_out: np.ndarray, rng) -> dict:
    """Per row: zone, depth, x extent and base y; rows of a zone stacked with alternating road widths."""
    zone, band = plots["zone"], plots["band"]
    ns = len(sfirst)
    s_zone = zone[sfirst]
    s_depth = BANDS[band[sfirst]]
    s_xoff = rng.uniform(0, 60, ns)
    s_xend = (np.maximum.reduceat(x_out, sfirst) if len(zone) else np.zeros(0)) + s_xoff
    zfirst = group_starts(s_zone)
    zlen = np.diff(np.r_[zfirst, ns])
    s_idx_in_zone = np.arange(ns) - np.repeat(zfirst, zlen)
    parity = s_idx_in_zone % 2
    s_h = s_depth + np.where(parity == 0, 6.0, 28.0)
    s_cum = np.cumsum(s_h) - s_h
    s_y0 = s_cum - np.repeat(s_cum[zfirst], zlen)
    return {"zone": s_zone, "depth": s_depth, "x0": s_xoff, "x1": s_xend, "y0": s_y0, "parity": parity}


def _quads(plots: dict, rows: dict, shelf, x_in, x_out, rng) -> np.ndarray:
    """Corners (m, 4, 2) of each plot in its zone's local frame; on even rows plots align to the road below."""
    depth, width = plots["depth"], plots["width"]
    m = len(depth)
    x0 = rows["x0"][shelf] + x_in
    x1 = rows["x0"][shelf] + x_out
    y_base = rows["y0"][shelf]
    deep = rows["depth"][shelf]
    even = rows["parity"][shelf] == 0
    y0 = np.where(even, y_base, y_base + deep - depth)
    y1 = y0 + depth
    # irregular quads: corners pulled inwards by up to 5 % of the side on ~40 % of parcels
    jitter = (rng.random(m) < 0.4)[:, None, None] * rng.uniform(0, 0.05, (m, 4, 2))
    jx = jitter[:, :, 0] * width[:, None]
    jy = jitter[:, :, 1] * depth[:, None]
    local = np.empty((m, 4, 2))
    local[:, 0] = np.c_[x0 + jx[:, 0], y0 + jy[:, 0]]
    local[:, 1] = np.c_[x1 - jx[:, 1], y0 + jy[:, 1]]
    local[:, 2] = np.c_[x1 - jx[:, 2], y1 - jy[:, 2]]
    local[:, 3] = np.c_[x0 + jx[:, 3], y1 - jy[:, 3]]
    return local


def _shoelace_area(world: np.ndarray) -> np.ndarray:
    """True areas (equal-area plane) of the quads by the shoelace formula."""
    xw, yw = world[..., 0], world[..., 1]
    return 0.5 * np.abs(np.sum(xw * np.roll(yw, -1, axis=1) - np.roll(xw, -1, axis=1) * yw, axis=1))


def _to_lonlat(world: np.ndarray, zone_polys: list) -> tuple[np.ndarray, np.ndarray]:
    """Quad corners (m, 4, 2) and zone polygons from the equal-area plane to CGCS2000 lon/lat."""
    m = len(world)
    transformer = _transformer()
    lon, lat = transformer.transform(world[..., 0].ravel(), world[..., 1].ravel())
    lonlat = np.stack([np.asarray(lon).reshape(m, 4), np.asarray(lat).reshape(m, 4)], axis=-1)

    def poly_to_lonlat(coords):
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    zones_ll = shapely.transform(np.array(zone_polys, dtype=object), poly_to_lonlat)
    zones_ll = shapely.orient_polygons(zones_ll) if hasattr(shapely, "orient_polygons") else zones_ll
    return lonlat, zones_ll
