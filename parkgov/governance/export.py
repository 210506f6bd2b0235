"""Excel export of governance lists: one sheet per list (reasons in a column), and a 说明 sheet naming each list's
rule, version, fingerprints, source and the evaluation run it used.

The rows of a sheet are the entries the caller passes: the pages, the API and the CLI pass `scoped_entries`
(filtered as the page is), so a workbook never holds an entry the user's list page would not show. Headers and
labels are Chinese whatever the page language (the caller sets zh-hans), text is made formula-safe.
"""

import re

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext

from parkgov.codes.tables import code_table
from parkgov.governance import choices
from parkgov.ingest.excel import safe_cell

SHEET_NAME_MAX = 31
BAD_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
ENTRY_FIELDS = ["subject_key", "category", "reasons", "values", "enterprise__credit_code", "enterprise__name",
                "parcel__code", "zone__code", "zone__name", "run__subject"]


def entry_columns() -> list:
    """(header, function of an entry row) for each column of a list sheet."""
    return [(gettext("对象编码"), lambda r: r["subject_key"]),
            (gettext("统一社会信用代码"), lambda r: r["enterprise__credit_code"]),
            (gettext("企业名称"), lambda r: r["enterprise__name"]),
            (gettext("地块编码"), lambda r: r["parcel__code"]),
            (gettext("所属园区编码"), lambda r: r["zone__code"]),
            (gettext("所属园区"), lambda r: r["zone__name"]),
            (gettext("细类"), lambda r: r["category"]),
            (gettext("列入理由"), lambda r: "；".join(r["reasons"] or [])),
            (gettext("依据数值"), lambda r: _values_text(r["values"], r["run__subject"]))]


def value_label(key: str, subject: str) -> str:
    """The Chinese name (with unit) of a measure key in an entry's `values` (engine.measure_key)."""
    from parkgov.governance import listfields

    field = listfields.FIELDS.get(subject, {}).get(key)
    if field:
        return f"{field[2]}（{field[1]}）" if field[1] else field[2]
    kind, _sep, rest = key.partition(":")
    if kind == "open_findings":
        return "未销号检查发现（条）"
    if kind == "distance_m":
        return f"距{listfields.layer_label(rest)}（米）"
    if kind == "missing_years":
        return "缺少年度数据（年）"
    if kind == "change_pct":
        figure = listfields.FIGURES.get(rest.split(":")[0])
        return f"{figure[2] if figure else rest}变化（%）"
    return key


def _values_text(values, subject) -> str:
    if not values:
        return ""
    return "；".join(f"{value_label(key, subject)} {value}" for key, value in values.items())


def write_lists_workbook(*, path, sheets, scope) -> dict:
    """Write `sheets` — (run, entries queryset) pairs — to `path`: one sheet per list, then the 说明 sheet.
    Reasons and values resting on figures the `scope` may not see are replaced by a note. Returns the rows
    written per sheet name. A `path` ending in .gpkg gets the GIS variant (`write_lists_gpkg`)."""
    from parkgov.governance.lists import withheld_note

    if str(path).lower().endswith(".gpkg"):
        return write_lists_gpkg(path=path, sheets=sheets, scope=scope)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_numbers": False, "strings_to_urls": False})
    header = book.add_format({"bold": True, "bg_color": "#EEF2F7"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    columns = entry_columns()
    counts, used = {}, {gettext("说明").lower()}
    for run, entries in sheets:
        name = sheet_name(f"{run.rule_name}", used)
        sheet = book.add_worksheet(name)
        sheet.set_column(0, len(columns) - 1, 18)
        sheet.set_column(7, 8, 60)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, [h for h, _value in columns], header)
        rows, withheld = 0, withheld_note(scope=scope, run=run)
        for rows, entry in enumerate(entries.order_by("subject_key").values(*ENTRY_FIELDS).iterator(chunk_size=2000),
                                     start=1):
            if withheld:
                entry = {**entry, "reasons": [withheld], "values": {}}
            for c, (_h, value) in enumerate(columns):
                text = value(entry)
                if text:
                    sheet.write_string(rows, c, safe_cell(text), wrap if c >= 7 else None)
        counts[name] = rows
    _write_notes(book, header, [run for run, _entries in sheets], counts)
    book.close()
    return counts


def write_lists_gpkg(*, path, sheets, scope) -> dict:
    """The GIS variant of the lists workbook: a MultiPolygon layer per list with the sheet's columns, one feature
    per parcel (a parcel entry: its parcel; a firm entry: each parcel the firm uses today, same values).
    Returns the features per layer."""
    from parkgov.governance.lists import withheld_note
    from parkgov.spatial.gpkg import firm_parcels, write_parcel_layer

    columns = [(h, value) for h, value in entry_columns() if h not in (gettext("地块编码"), gettext("所属园区编码"))]
    counts, used = {}, set()
    for run, entries in sheets:
        name, withheld = sheet_name(run.rule_name, used), withheld_note(scope=scope, run=run)
        found = list(entries.order_by("subject_key").values(*ENTRY_FIELDS, "enterprise_id", "parcel_id"))
        parcels = firm_parcels(e["enterprise_id"] for e in found if e["parcel_id"] is None and e["enterprise_id"])
        rows = [(entry["parcel_id"] or parcels.get(entry["enterprise_id"]),
                 [value(entry) or None for _h, value in columns])
                for entry in ({**e, "reasons": [withheld], "values": {}} if withheld else e for e in found)]
        counts[name] = write_parcel_layer(path=path, layer=name, columns=[h for h, _v in columns], rows=rows,
                                          append=bool(counts))
    if not counts:
        write_parcel_layer(path=path, layer=gettext("清单"), columns=[h for h, _v in columns], rows=[])
    return counts


def write_year_workbook(*, path, year: int, scope, zone_ids=None) -> dict:
    """Every list of `year` (the latest run of each rule) with the entries `scope` sees — and of the parks
    `zone_ids` when given — written to `path`. NotFound when no list of that year is stored."""
    from parkgov.errors import NotFound
    from parkgov.governance.lists import latest_runs, scoped_entries

    runs = latest_runs(year=year)
    if not runs:
        raise NotFound(gettext("%(year)s 年还没有生成清单") % {"year": year})
    sheets = []
    for run in runs:
        entries = scoped_entries(scope=scope, run=run)
        sheets.append((run, entries.filter(zone_id__in=zone_ids) if zone_ids is not None else entries))
    return write_lists_workbook(path=path, sheets=sheets, scope=scope)


def sheet_name(wanted: str, used: set) -> str:
    """A sheet name Excel accepts (≤ 31 characters, none of []:*?/\\), unique within the workbook."""
    base = BAD_SHEET_CHARACTERS.sub("_", wanted).strip("'") or "清单"
    name, n = base[:SHEET_NAME_MAX], 1
    while name.lower() in used:
        n += 1
        suffix = f"({n})"
        name = base[:SHEET_NAME_MAX - len(suffix)] + suffix
    used.add(name.lower())
    return name


def _write_notes(book, header, runs, counts):
    sheet = book.add_worksheet(gettext("说明"))
    subjects = dict(choices.SubjectKind.choices)
    departments = code_table("departments")
    heads = [gettext("工作表"), gettext("清单"), gettext("规则编号"), gettext("规则版本"), gettext("规则指纹"),
             gettext("来源"), gettext("已核实"), gettext("责任部门"), gettext("对象"), gettext("年度"),
             gettext("评价批次"), gettext("园区范围"), gettext("输入数据指纹"), gettext("生成时间"), gettext("导出条目数")]
    sheet.set_column(0, len(heads) - 1, 18)
    sheet.write_row(0, 0, heads, header)
    for r, (run, name) in enumerate(zip(runs, counts), start=1):
        evaluation = run.evaluation_run
        label = departments.label(run.owner_department)
        values = [name, run.rule_name, run.rule_id, run.rule_version, run.rule_hash, run.summary.get("source", ""),
                  gettext("是") if run.summary.get("verified") else gettext("否"),
                  gettext(label) if label else run.owner_department, str(subjects.get(run.subject, run.subject)),
                  run.year, f"{evaluation.pk} {evaluation.ruleset_name}" if evaluation else "",
                  run.zone.name if run.zone_id else gettext("全部园区"), run.input_hash,
                  timezone.localtime(run.created_at).strftime("%Y-%m-%d %H:%M"), counts[name]]
        for c, value in enumerate(values):
            if isinstance(value, int):
                sheet.write_number(r, c, value)
            elif value:
                sheet.write_string(r, c, safe_cell(value))
    row = len(runs) + 2
    sheet.write_string(row, 0, gettext("每个清单一张工作表；“列入理由”写明规则与触发的数值；只含导出人数据范围内的条目。"))
