"""The demo's split and merge (issue 17 §2): one parcel in use cut into three strips on 2024-07-01 by two lines
across its long side, then two of the strips merged on 2025-03-01, so that a dossier shows a lineage graph of
three generations and the date picker shows the parcel as it was before either change.

Runs after the topology demo: the parcel chosen is none of those it seeded, and the parts share their edges
exactly, so the check finds nothing new.
"""

import datetime as dt

import numpy as np
import shapely
from django.contrib.auth import get_user_model

from parkgov.accounts.scopes import scope_for
from parkgov.ledger.models import Parcel
from parkgov.ledger.split import merge_parcels, split_parcel
from parkgov.spatial.models import TopologyProblem

SPLIT_ON, MERGE_ON = dt.date(2024, 7, 1), dt.date(2025, 3, 1)


def build_split_merge(*, seed: int, actor=None, say=print) -> dict:
    """Split one parcel into three and merge two of the parts; returns the codes written."""
    del seed
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    scope = scope_for(admin)
    actor = actor or admin
    parcel = _chosen()
    if parcel is None:
        say("地块分割合并：没有合适的地块，跳过")
        return {}
    split = split_parcel(scope=scope, parcel=parcel, by=_cutting_lines(parcel), actor=actor, on=SPLIT_ON,
                         note="演示：按规划道路拆分为三宗")
    first, second, third = split.created
    merged = merge_parcels(scope=scope, parcels=[second.code, third.code], actor=actor, on=MERGE_ON,
                           note="演示：两宗并入同一项目")
    say(f"地块分割合并：{parcel.code} 分割为 {'、'.join(p.code for p in split.created)}，"
        f"其中两宗合并为 {merged.created[0].code}")
    return {"split": parcel.code, "parts": [p.code for p in split.created], "merged": merged.created[0].code}


def _chosen():
    seeded = set(TopologyProblem.objects.values_list("parcel_id", flat=True)) | set(
        TopologyProblem.objects.exclude(other=None).values_list("other_id", flat=True))
    candidates = Parcel.objects.filter(ended_on=None, supply_status="in_use", registered_area_m2__gte=20000,
                                       land_links__isnull=False).exclude(geometry=None).exclude(pk__in=seeded)
    for parcel in candidates.distinct().order_by("code")[:50]:
        shape = shapely.from_wkb(bytes(parcel.geometry))
        if shape.geom_type == "Polygon" and shape.is_valid:
            return parcel
    return None


def _cutting_lines(parcel):
    """Two lines across the parcel's long side at a third and two thirds of its length, reaching past it."""
    shape = shapely.from_wkb(bytes(parcel.geometry))
    corners = np.asarray(shape.minimum_rotated_rectangle.exterior.coords)[:4]
    sides = [corners[(k + 1) % 4] - corners[k] for k in range(4)]
    k = int(np.argmax([np.hypot(*side) for side in sides[:2]]))
    start, long_side, short_side = corners[k], sides[k], sides[(k + 1) % 4]
    lines = []
    for fraction in (1 / 3, 2 / 3):
        middle = start + long_side * fraction
        lines.append([tuple(middle - short_side * 0.5), tuple(middle + short_side * 1.5)])
    return shapely.MultiLineString(lines)
