"""The 确认 of a year's 底线 assessment (issue 16 §2): freezing what the assessment gives today for every zone —
the outcome per indicator, the inputs' values (the zone's green figures of the year and the baseline), the set's
version and the green profile's hash — with who confirmed it and when. From then on bottom_line reads the year
from this record (pages, cockpit, workbook, API, annual report), and shows where today's data would differ.

Re-confirming a year needs a reason and adds a confirmation that replaces the previous one (nothing is changed or
deleted; the history of confirmations stays). A year is confirmed for all zones at once, so only a user whose
scope covers every zone may confirm. Services never commit; the caller's acting_as records who and why.
"""

import polars as pl
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import gettext

from parkgov.errors import InputError
from parkgov.ledger.models import Zone
from parkgov.zones.bottom_line import _years_for, assess, frozen_records
from parkgov.zones.green import green_frame
from parkgov.zones.green_rules import bottom_line_set, green_profile
from parkgov.zones.models import BottomLineConfirmation, BottomLineRecord


def latest_confirmation(year: int) -> BottomLineConfirmation | None:
    """The confirmation in force for `year`, or None."""
    return BottomLineConfirmation.objects.filter(year=year).select_related("confirmed_by") \
        .order_by("-confirmed_at", "-pk").first()


def confirmations(year: int) -> list:
    """Every confirmation of `year`, newest first (the newest is in force)."""
    return list(BottomLineConfirmation.objects.filter(year=year).select_related("confirmed_by")
                .order_by("-confirmed_at", "-pk"))


def confirm_year(*, year: int, actor, scope=None, reason: str = "") -> BottomLineConfirmation:
    """Freeze `year`'s 底线 outcome of every zone as today's data give it (earlier confirmed years count with their
    records). NotFound without a published set; InputError when the year is confirmed and `reason` is blank;
    PermissionDenied for a scope limited to some parks."""
    if scope is not None and scope.zone_ids is not None:
        raise PermissionDenied(gettext("底线考核按年度对全部园区确认，须由不限园区的账号确认"))
    found = bottom_line_set(year)
    previous = latest_confirmation(year)
    reason = (reason or "").strip()
    if previous is not None and not reason:
        who = previous.confirmed_by.username if previous.confirmed_by else "—"
        raise InputError(f"{year} 年底线考核已于 {previous.confirmed_at:%Y-%m-%d %H:%M} 由 {who} 确认；"
                         "重新确认须填写理由")
    years = _years_for(year)
    frame = green_frame(years=years, profile_id=found.green_profile)
    frozen = frozen_records(years=[y for y in years if y < year])
    zones = list(Zone.objects.defer("geometry").order_by("code"))
    confirmation = BottomLineConfirmation.objects.create(
        year=year, set_name=found.name, set_version=found.version, green_profile=found.green_profile,
        green_profile_hash=green_profile(found.green_profile).content_hash, reason=reason, replaces=previous,
        confirmed_by=actor, zones=len(zones))
    with translation.override("zh-hans"):  # the record keeps the Chinese names; pages translate them again
        BottomLineRecord.objects.bulk_create([
            _record(confirmation, zone, assess(frame=frame, zone_id=zone.pk, year=year, frozen=frozen),
                    _inputs(frame, zone.pk, year)) for zone in zones])
    return confirmation


def _record(confirmation, zone, outcome: dict, inputs: dict) -> BottomLineRecord:
    indicators = [{key: ind[key] for key in ("code", "name", "value", "unit", "op", "sign", "limit", "passed",
                                            "source", "verified")} for ind in outcome["indicators"]]
    return BottomLineRecord(confirmation=confirmation, zone=zone, indicators=indicators, failed=outcome["failed"],
                            missing=outcome["missing"], consequence=outcome["consequence"],
                            reasons=outcome["reasons"], inputs=inputs)


def _inputs(frame: pl.DataFrame, zone_id: int, year: int) -> dict:
    """The zone's green_frame row of `year` as JSON (NaN as null): the figures and where each came from."""
    rows = frame.filter((pl.col("zone_id") == zone_id) & (pl.col("year") == year)).to_dicts()
    if not rows:
        return {}
    return {key: (None if isinstance(value, float) and value != value else value)
            for key, value in rows[0].items() if key not in ("zone_id", "year")}
