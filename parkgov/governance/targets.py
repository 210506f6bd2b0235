"""The zones' yearly 盘活 targets (RevitalisationTarget) from the `盘活目标` sheet of a workbook, so that each zone
sends its target in Excel: columns 园区编码, 年度, 盘活目标（亩）, 来源 (and optionally 已核实 是/否).

Every row is checked first (zone known, year 2000–2100, a target ≥ 0, a source); one bad cell and nothing is
written, with a Chinese message naming the file, sheet, row, column and value. Rows upsert on (zone, year).
"""

import math
from pathlib import Path

import fastexcel
from django.utils.translation import gettext

from parkgov.errors import InputError
from parkgov.governance.models import RevitalisationTarget
from parkgov.ledger.models import Zone

SHEET = "盘活目标"
COLUMNS = {"zone": ("园区编码",), "year": ("年度",), "target_mu": ("盘活目标（亩）", "盘活目标(亩)", "盘活目标"),
           "source": ("来源",), "verified": ("已核实",)}
REQUIRED = ("zone", "year", "target_mu", "source")
YES = {"是", "true", "1", "yes", "已核实"}


def import_targets(*, path: Path) -> dict:
    """Write the targets of the `盘活目标` sheet of the workbook at `path`: {"created": n, "updated": n}.

    InputError naming the file, sheet, row, column and value for the first problems found (nothing written).
    The caller owns the transaction; the history records the actor (`parkgov.audit.context`).
    """
    rows = _read(Path(path))
    zones = dict(Zone.objects.values_list("code", "id"))
    problems, checked = [], []
    for number, row in rows:
        found = _check(row, zones, number, problems)
        if found:
            checked.append(found)
    if problems:
        raise InputError(gettext("%(file)s 工作表“%(sheet)s”有错误，未写入任何数据：%(problems)s")
                         % {"file": Path(path).name, "sheet": SHEET, "problems": "；".join(problems[:20])})
    counts = {"created": 0, "updated": 0}
    for zone_id, year, target_mu, source, verified in checked:
        _target, created = RevitalisationTarget.objects.update_or_create(
            zone_id=zone_id, year=year, defaults={"target_mu": target_mu, "source": source, "verified": verified})
        counts["created" if created else "updated"] += 1
    return counts


def _read(path: Path) -> list:
    """(row number in the workbook, {field: cell text}) for each non-empty row of the sheet."""
    try:
        reader = fastexcel.read_excel(str(path))
        if SHEET not in reader.sheet_names:
            raise InputError(gettext("%(file)s 没有工作表“%(sheet)s”（有：%(sheets)s）")
                             % {"file": path.name, "sheet": SHEET, "sheets": "、".join(reader.sheet_names)})
        frame = reader.load_sheet_by_name(SHEET, dtypes="string").to_polars()
    except (fastexcel.FastExcelError, OSError) as exc:
        raise InputError(gettext("无法读取 %(file)s：%(error)s") % {"file": path.name, "error": exc}) from exc
    headers = {str(name).replace(" ", "").strip(): name for name in frame.columns}
    columns = {}
    for field, names in COLUMNS.items():
        column = next((headers[name] for name in names if name in headers), None)
        if column is None and field in REQUIRED:
            raise InputError(gettext("%(file)s 工作表“%(sheet)s”缺少列“%(column)s”")
                             % {"file": path.name, "sheet": SHEET, "column": names[0]})
        if column is not None:
            columns[field] = column
    rows = []
    for index, values in enumerate(frame.select(list(columns.values())).iter_rows()):
        row = {field: (str(value).strip() if value is not None else "") for field, value in zip(columns, values)}
        if any(row.values()):
            rows.append((index + 2, row))  # row 1 is the header
    return rows


def _check(row, zones, number, problems):
    """(zone id, year, target, source, verified), or None after adding the row's problems to `problems`."""
    def problem(field, message):
        problems.append(gettext("第 %(row)s 行“%(column)s”%(message)s（值：%(value)r）")
                        % {"row": number, "column": COLUMNS[field][0], "message": message,
                           "value": row.get(field, "")})

    before = len(problems)
    zone_id = zones.get(row["zone"])
    if zone_id is None:
        problem("zone", gettext("不是已登记的园区编码"))
    year = _number(row["year"])
    if year is None or year != int(year) or not 2000 <= year <= 2100:
        problem("year", gettext("应为 2000–2100 之间的年份"))
    target = _number(row["target_mu"])
    if target is None or target < 0:
        problem("target_mu", gettext("应为不小于 0 的亩数"))
    if not row["source"]:
        problem("source", gettext("必填（目标的文件依据）"))
    if len(problems) > before:
        return None
    return zone_id, int(year), target, row["source"][:300], row.get("verified", "").lower() in YES


def _number(text):
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None
