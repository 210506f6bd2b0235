"""The zone-level green figures (ZoneGreenEntry) by the web (issue 16 §2): what the `园区绿色指标` sheet states,
for one zone and year on a form. The form shows the stored values; a blank clears one (the sheet's blank keeps it).
The same check as the sheet (green_sheet.utilisation_problem) refuses solid waste that does not add up; each
changed value cites one Submission (method form) in `provenance`; the change is in the entry's history with the
caller's acting_as. Services never commit.
"""

from parkgov.errors import InputError
from parkgov.ledger.models import Submission
from parkgov.zones.green_sheet import FIELDS, SHEET_NAME, VALUES, utilisation_problem
from parkgov.zones.models import ZoneGreenEntry
from parkgov.zones.targets import check_period

LABELS = {field: f"{header}（{unit}）" for field, header, unit, _example, _help in VALUES}


def stored_values(*, zone, year: int) -> dict:
    """field → the stored value of the zone's year (nothing stored: {})."""
    entry = ZoneGreenEntry.objects.filter(zone=zone, year=year).first()
    return {} if entry is None else {f: getattr(entry, f) for f in FIELDS}


def enter_green(*, zone, year: int, values: dict, actor, department: str = "") -> tuple[ZoneGreenEntry | None, int]:
    """Set the zone's green figures of `year` to `values` (field → value, None = not stated). Returns the entry
    (None when nothing is stated any more: the row is removed) and the number of changed values."""
    check_period(year=year)
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise InputError(f"未知的园区绿色指标字段：{'、'.join(unknown)}；允许：{'、'.join(FIELDS)}")
    for field, value in values.items():
        if field != "iso14001" and value is not None and value < 0:
            raise InputError(f"{LABELS[field]} {value:g} 不能为负数")
    if values.get("iso14001") not in (None, "yes", "no"):
        raise InputError(f"通过ISO 14001认证 {values['iso14001']} 只能为 是 或 否")
    problem = utilisation_problem(values)
    if problem:
        raise InputError(f"{LABELS['waste_utilised']}：{problem}")
    entry = ZoneGreenEntry.objects.filter(zone=zone, year=year).first()
    old = {f: getattr(entry, f) for f in FIELDS} if entry else {}
    changed = [f for f in FIELDS if f in values and values[f] != old.get(f)]
    if not changed:
        return entry, 0
    if all(values.get(f, old.get(f)) is None for f in FIELDS):
        if entry is not None:
            entry.delete()
        return None, len(changed)
    submission = Submission.objects.create(method="form", department=department, actor=actor,
                                           summary={"sheet": SHEET_NAME, "zone": zone.code, "year": year,
                                                    "fields": changed})
    entry = entry or ZoneGreenEntry(zone=zone, year=year)
    provenance = dict(entry.provenance or {})
    for field in changed:
        setattr(entry, field, values[field])
        if values[field] is None:
            provenance.pop(field, None)
        else:
            provenance[field] = submission.pk
    entry.provenance = provenance
    entry.save()
    return entry, len(changed)
