"""Finished tiles as sent (gzipped or not), kept where they are costly: zoom 10–12 parcel tiles in this worker's
memory and in the cache table shared by every web worker and the job worker, which cuts them after a job changed
the data (`warm_map`)."""

import gzip

import numpy as np
from django.core.cache import cache

from parkgov.spatial import overview, tile_data
from parkgov.spatial.tile_data import KeptTiles
from parkgov.spatial.tiles import data_version, render_tile, tile_etag

GZIP_MIN_BYTES = 1024  # smaller tiles go as they are
GZIP_LEVEL = 1  # a dense 740 KB tile: level 1 gives 32 % in 25 ms, level 6 26 % in 72 ms (measured)
KEPT = KeptTiles(max_bytes=32 * 2**20)  # generalised parcel tiles of this worker: ~5 MB gzipped per scope
WARM_LIMIT = 2500  # generalised tiles a job cuts after changing the data (the 1,000,000-parcel demo has 469)
SHARED_SECONDS = 14 * 24 * 3600  # in the shared cache (entity tags change with the data: old ones only expire)


def finished_tile(*, etag, accepts, later=None, **tile) -> tuple:
    """(body, gzipped) of a tile as sent; `later`, when given, is handed the shared cache's write to run once the
    tile has been sent (14 ms of a 100 ms first cut of a dense zoom-10 tile on PostgreSQL, measured).

    Generalised parcel tiles (z ≤ overview.MAX_ZOOM) are few, the costliest to cut (a z10 tile of a
    1,000,000-parcel ledger holds 120,000 parcels: 140–270 ms) and everyone's map opens on them: they are kept
    under their entity tag (which names the data version and what the user's scope lets the tile show) in this
    worker and in the cache table shared by every worker and the job worker, which cuts them after an import or
    evaluation (`warm_map`). A worker that finds a tile there needs neither to cut it nor to load the outlines.
    """
    keep = tile["layer"] == "parcels" and tile["z"] <= overview.MAX_ZOOM
    key = (etag, accepts)
    found = KEPT.get(key) if keep else None
    if found is None and keep:
        found = cache.get(_shared_key(etag, accepts))
        if found is not None:
            KEPT.put(key, *found)
    if found is None:
        body = render_tile(**tile)
        packed = accepts and len(body) >= GZIP_MIN_BYTES
        found = (gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0) if packed else body, packed)
        if keep:
            KEPT.put(key, *found)
            (later or _now)(lambda: cache.set(_shared_key(etag, accepts), found, SHARED_SECONDS))
    return found


def _now(work) -> None:
    work()


def _shared_key(etag, accepts) -> str:
    tag = etag.removeprefix("W/").strip('"')
    return f"parkgov:tile:{tag}:{int(accepts)}"


def warm_map(*, scope, limit=None) -> int:
    """Cut the generalised parcel tiles holding the user's parcels into the shared cache (after a job changed the
    data, like the cockpit); returns how many it cut (at most WARM_LIMIT, the map's opening zoom first)."""
    limit = WARM_LIMIT if limit is None else limit
    version, done = data_version(), 0
    for z, tiles in occupied_tiles(scope=scope, version=version).items():
        for x, y in tiles:
            if done >= limit:
                return done
            done += 1
            etag = f'W/"{tile_etag(layer="parcels", z=z, x=x, y=y, scope=scope, version=version)}"'
            finished_tile(etag=etag, accepts=True, layer="parcels", z=z, x=x, y=y, scope=scope, version=version)
    return done


def occupied_tiles(*, scope, version) -> dict:
    """Zoom (PARCEL_MIN_ZOOM … overview.MAX_ZOOM) → the (x, y) of the tiles that hold a corner of a parcel in the
    scope, from the outlines in memory. The 1,000,000-parcel demo's extent spans 2,000 tiles at zooms 10–12; most
    are empty: cutting them all took the job worker 109–138 s, the 469 holding parcels 41 s."""
    from parkgov.spatial.services import PARCEL_MIN_ZOOM

    shapes = tile_data.parcel_shapes(version)
    rows = np.ones(len(shapes.ids), dtype=bool) if scope.zone_ids is None else np.isin(
        shapes.zone_ids, np.asarray(scope.zone_ids, dtype=np.int64))
    box = np.floor(shapes.grid_bbox[:, rows] / overview.EXTENT).astype(np.int64)  # z = MAX_ZOOM tile numbers
    xs, ys = np.concatenate([box[0], box[2], box[0], box[2]]), np.concatenate([box[1], box[3], box[3], box[1]])
    found = {}
    for z in range(PARCEL_MIN_ZOOM, overview.MAX_ZOOM + 1):
        shift = overview.MAX_ZOOM - z
        keys = np.unique(((xs >> shift) << 32) | (ys >> shift))
        found[z] = list(zip((keys >> 32).tolist(), (keys & 0xFFFFFFFF).tolist()))
    return found
