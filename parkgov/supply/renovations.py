"""零增地 renovation (plant storeys added, plot ratio raised on the same land; suqian §6, requirements.md §4):
record and edit, with totals per parcel and per zone.

A record is refused unless the plot ratio after is above the one before and the floor area added agrees with
the change: |added − (after − before) × land area| ≤ tolerance × (after − before) × land area, the tolerance
being data (control_indicators/checks.yaml `renovation_tolerance_ratio`). Services never commit; every row keeps
its history with the acting user. Lists keep to the user's parks (the page, the API and the totals read the
same scoped queryset).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.utils.translation import gettext

from parkgov.errors import InputError, NotFound
from parkgov.ledger.models import Parcel
from parkgov.supply.landuse_rules import control_rules
from parkgov.supply.models import Renovation

DOMAIN = "supply"
FIELDS = ("completed_on", "storeys_added", "plot_ratio_before", "plot_ratio_after", "floor_area_added_m2", "note")


def scoped_renovations(*, scope, zone_id=None):
    """The renovations of the user's parks (optionally one zone), newest first."""
    scope.require(DOMAIN)
    rows = scope.filter_zones(Renovation.objects.select_related("parcel__zone", "actor"), "parcel__zone_id")
    if zone_id:
        rows = rows.filter(parcel__zone_id=zone_id)
    return rows.order_by("-completed_on", "-id")


def renovation_in_scope(*, scope, pk: int) -> Renovation:
    row = scoped_renovations(scope=scope).filter(pk=pk).first()
    if row is None:
        raise NotFound(gettext("零增地改造记录 %(id)s 不存在或不在您的数据范围内") % {"id": pk})
    return row


def record(*, scope, actor, parcel_code: str, completed_on, storeys_added, plot_ratio_before, plot_ratio_after,
           floor_area_added_m2, note="") -> Renovation:
    """Record a 零增地 renovation of a parcel in the user's parks (checked as the module docstring says)."""
    scope.require(DOMAIN, write=True)
    parcel = scope.filter_zones(Parcel.objects.all()).filter(code=(parcel_code or "").strip()).first()
    if parcel is None:
        raise InputError(gettext("您的园区范围内没有地块编码为“%(code)s”的地块") % {"code": parcel_code})
    row = Renovation(parcel=parcel, actor=actor)
    return _save(row, actor=actor, completed_on=completed_on, storeys_added=storeys_added,
                 plot_ratio_before=plot_ratio_before, plot_ratio_after=plot_ratio_after,
                 floor_area_added_m2=floor_area_added_m2, note=note)


def edit(*, scope, actor, renovation: Renovation, **values) -> Renovation:
    """Change a recorded renovation (same checks); the history keeps what it was."""
    scope.require(DOMAIN, write=True)
    if scope.zone_ids is not None and renovation.parcel.zone_id not in scope.zone_ids:
        raise PermissionDenied(gettext("该地块不在您的园区范围内"))
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise InputError(gettext("未知字段：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    current = {name: getattr(renovation, name) for name in FIELDS} | values
    return _save(renovation, actor=actor, **current)


def check(*, land_area_m2: float, plot_ratio_before, plot_ratio_after, floor_area_added_m2, storeys_added,
          completed_on) -> list[str]:
    """The problems of a renovation's figures (empty when it may be saved), each naming the values."""
    problems = []
    if not isinstance(completed_on, dt.date):
        problems.append(gettext("完成日期无效：“%(value)s”") % {"value": completed_on})
    numbers = {"storeys_added": storeys_added, "plot_ratio_before": plot_ratio_before,
               "plot_ratio_after": plot_ratio_after, "floor_area_added_m2": floor_area_added_m2}
    labels = {"storeys_added": gettext("加层数"), "plot_ratio_before": gettext("改造前容积率"),
              "plot_ratio_after": gettext("改造后容积率"), "floor_area_added_m2": gettext("新增建筑面积")}
    for name, value in numbers.items():
        if not isinstance(value, (int, float)) or value != value or value < 0 or (
                name == "storeys_added" and value != int(value)):
            problems.append(gettext("%(field)s应为不小于 0 的数字，实为“%(value)s”") % {"field": labels[name], "value": value})
    if problems:
        return problems
    if plot_ratio_after <= plot_ratio_before:
        problems.append(gettext("改造后容积率 %(after)s 应大于改造前容积率 %(before)s") % {
            "after": plot_ratio_after, "before": plot_ratio_before})
        return problems
    expected = (plot_ratio_after - plot_ratio_before) * land_area_m2
    tolerance = control_rules().checks.renovation_tolerance_ratio
    if abs(floor_area_added_m2 - expected) > tolerance * expected:
        problems.append(gettext(
            "新增建筑面积 %(added)s 平方米与容积率变化不符：（%(after)s − %(before)s）× 土地面积 %(land)s 平方米 = "
            "%(expected)s 平方米，允许相差 %(tolerance)s%%") % {
            "added": f"{floor_area_added_m2:,.2f}", "after": plot_ratio_after, "before": plot_ratio_before,
            "land": f"{land_area_m2:,.2f}", "expected": f"{expected:,.2f}", "tolerance": f"{tolerance * 100:g}"})
    return problems


def parcel_totals(*, scope, zone_id=None) -> list[dict]:
    """Per parcel: renovations, storeys and floor area added, the latest plot ratio after, in parcel code order."""
    rows = scoped_renovations(scope=scope, zone_id=zone_id).order_by()
    totals = rows.values("parcel__code", "parcel__zone__name").annotate(
        count=Count("id"), storeys=Sum("storeys_added"), floor_area=Sum("floor_area_added_m2")).order_by("parcel__code")
    latest = {}
    for code, after in rows.order_by("completed_on", "id").values_list("parcel__code", "plot_ratio_after"):
        latest[code] = after
    return [row | {"latest_plot_ratio": latest.get(row["parcel__code"])} for row in totals]


def zone_totals(*, scope) -> list[dict]:
    """Per zone: parcels renovated, renovations, storeys and floor area added, in zone code order."""
    rows = scoped_renovations(scope=scope).order_by()
    return list(rows.values("parcel__zone__code", "parcel__zone__name").annotate(
        parcels=Count("parcel", distinct=True), count=Count("id"), storeys=Sum("storeys_added"),
        floor_area=Sum("floor_area_added_m2")).order_by("parcel__zone__code"))


def _save(row: Renovation, *, actor, completed_on, storeys_added, plot_ratio_before, plot_ratio_after,
          floor_area_added_m2, note="") -> Renovation:
    problems = check(land_area_m2=row.parcel.registered_area_m2, plot_ratio_before=plot_ratio_before,
                     plot_ratio_after=plot_ratio_after, floor_area_added_m2=floor_area_added_m2,
                     storeys_added=storeys_added, completed_on=completed_on)
    if problems:
        raise InputError(gettext("地块 %(code)s 的零增地改造记录不能保存：%(problems)s") % {
            "code": row.parcel.code, "problems": "；".join(problems)})
    row.completed_on, row.storeys_added = completed_on, int(storeys_added)
    row.plot_ratio_before, row.plot_ratio_after = float(plot_ratio_before), float(plot_ratio_after)
    row.floor_area_added_m2, row.note = float(floor_area_added_m2), (note or "").strip()
    row._history_user = actor
    row.save()
    return row
