"""Parcel × planned-land-use overlay: the share of each parcel's area that the plan assigns to industry.

`planned_use_shares` is pure (arrays in, array out): parcels and planned-use polygons (EPSG:4490) are
projected to one Lambert azimuthal equal-area plane centred on the parcels, so shares are true area ratios;
candidate pairs come from a Shapely 2 STRtree over the planned polygons whose code is one of the industrial
codes (data: `plan_compliance.industrial_codes` of the 四个一批 criteria; a listed code also covers its
sub-classes, 1001 covers 100101–100103). A planning layer partitions the land, so intersection areas are
summed per parcel; a share above 1 (overlapping planned polygons) is capped at 1.
`parcel_plan_shares` reads the parcels and the newest planned-land-use layer from the database.
"""

import numpy as np
import polars as pl
import shapely
from pyproj import CRS

from parkgov.governance.choices import ReferenceLayerKind
from parkgov.governance.models import ReferenceLayer
from parkgov.ledger import geometry
from parkgov.ledger.bulk import fetch_frame
from parkgov.ledger.models import Parcel


def equal_area_crs(geometries) -> str:
    """A Lambert azimuthal equal-area CRS (metres, GRS80) centred on the bounding box of `geometries`."""
    box = shapely.total_bounds(np.asarray(geometries, dtype=object))
    lon, lat = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return CRS.from_proj4(f"+proj=laea +lat_0={lat:.6f} +lon_0={lon:.6f} +ellps=GRS80 +units=m +no_defs").to_wkt()


def is_industrial(codes, industrial_codes) -> np.ndarray:
    """Whether each 用地用海分类 code is one of `industrial_codes` or a sub-class of one (prefix match)."""
    prefixes = tuple(str(c) for c in industrial_codes)
    return np.array([bool(c) and str(c).startswith(prefixes) for c in codes], dtype=bool)


def planned_use_shares(parcels, planned, planned_codes, *, industrial_codes) -> np.ndarray:
    """Share (0–1) of each parcel's area covered by planned polygons of an industrial code; NaN without geometry.

    `parcels` and `planned` are arrays of Shapely geometries in EPSG:4490, `planned_codes` the planned use of
    each planned polygon. Vectorised: one STRtree query, one intersection over all candidate pairs.
    """
    parcels = np.asarray(parcels, dtype=object)
    shares = np.full(len(parcels), np.nan)
    present = ~shapely.is_missing(parcels) & ~shapely.is_empty(parcels)
    if not present.any():
        return shares
    shares[present] = 0.0
    planned = np.asarray(planned, dtype=object)
    chosen = planned[is_industrial(planned_codes, industrial_codes)] if len(planned) else planned
    if not len(chosen):
        return shares
    index = np.flatnonzero(present)
    plane = equal_area_crs(parcels[present])
    local_parcels = geometry.transform(parcels[present], geometry.STORAGE_CRS, plane)
    local_planned = geometry.transform(chosen, geometry.STORAGE_CRS, plane)
    tree = shapely.STRtree(local_planned)
    left, right = tree.query(local_parcels, predicate="intersects")
    covered = shapely.area(shapely.intersection(local_parcels[left], local_planned[right]))
    areas = shapely.area(local_parcels)
    sums = np.bincount(left, weights=covered, minlength=len(local_parcels))
    with np.errstate(invalid="ignore", divide="ignore"):
        shares[index] = np.minimum(np.where(areas > 0, sums / areas, 0.0), 1.0)
    return shares


def planned_land_use_layer(code: str | None = None) -> ReferenceLayer | None:
    """The planned-land-use layer named `code`, or the one imported last."""
    layers = ReferenceLayer.objects.filter(kind=ReferenceLayerKind.PLANNED_LAND_USE)
    if code:
        return layers.filter(code=code).first()
    return layers.order_by("-imported_at", "-id").first()


def parcel_plan_shares(*, parcel_ids, industrial_codes, layer: ReferenceLayer | None) -> pl.DataFrame:
    """parcel_id, plan_share (null where the parcel has no geometry or there is no planned-land-use layer)."""
    from parkgov.governance.layers import layer_geometries

    parcels = fetch_frame(Parcel, columns=["geometry"], where_column="id", values=list(parcel_ids))
    if layer is None or parcels.is_empty():
        return pl.DataFrame({"parcel_id": parcels.get_column("id"),
                             "plan_share": pl.Series([None] * parcels.height, dtype=pl.Float64)})
    geoms = geometry.from_wkb(parcels.get_column("geometry").to_list())
    planned, codes = layer_geometries(layer=layer)
    shares = planned_use_shares(geoms, planned, codes, industrial_codes=industrial_codes)
    return pl.DataFrame({"parcel_id": parcels.get_column("id"), "plan_share": shares}).fill_nan(None)
