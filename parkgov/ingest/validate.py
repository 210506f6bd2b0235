"""Per-sheet checks: types, ranges, codes, choices and duplicate keys, all vectorised over the sheet.

`check_sheet` turns a RawSheet of text into a typed frame (model field names, plus `__row`) and records
every problem in the IssueList; nothing here touches the database.
"""

import dataclasses
import datetime as dt

import polars as pl

from parkgov.codes.parcel_code import parse_land_code
from parkgov.codes.tables import code_table
from parkgov.codes.thresholds import threshold
from parkgov.codes.uscc import check_uscc, valid_codes
from parkgov.ingest import normalise
from parkgov.ingest.issues import WARNING, IssueList
from parkgov.ingest.reader import RawSheet

MIN_DATE = dt.date(1949, 10, 1)


def check_sheet(raw: RawSheet, issues: IssueList, *, chunk_rows: int | None = None) -> pl.DataFrame:
    """Typed frame of `raw` with one column per schema field found; problems go to `issues`.

    Cells are checked `chunk_rows` rows at a time (thresholds.csv `import_chunk_rows`), so the intermediate
    columns of a million-row sheet never exist at once; `__row` keeps each row's number in the workbook and
    duplicate keys are checked over the whole sheet.
    """
    size = chunk_rows or int(threshold("import_chunk_rows"))
    height = raw.frame.height
    parts = [_check_chunk(dataclasses.replace(raw, frame=raw.frame.slice(start, size)), issues)
             for start in range(0, max(height, 1), size)]
    out = parts[0] if len(parts) == 1 else pl.concat(parts, how="vertical_relaxed")
    _check_duplicates(raw, out, issues)
    return out


def _check_chunk(raw: RawSheet, issues: IssueList) -> pl.DataFrame:
    frame = raw.frame
    out = frame.select("__row")
    for column in raw.spec.columns:
        if column.field not in frame.columns:
            continue
        header = raw.headers[column.field]
        check = _CHECKS[column.kind]
        typed = check(frame, column, header, raw, issues)
        out = out.with_columns(typed.alias(column.field))
        if column.required:
            raw_text = frame.get_column(column.field)
            blank = raw_text.is_null() | (raw_text.str.strip_chars() == "")
            missing = frame.filter(out.get_column(column.field).is_null() & blank)
            issues.add_frame(raw.title, header, missing.with_columns(pl.lit("").alias("__value")), "必填项为空")
    return out


def _bad(frame, column, typed: pl.Series, raw, header, issues, message):
    """Record cells that had text but did not parse."""
    bad = frame.filter(typed.is_null() & frame.get_column(column.field).is_not_null()
                       & (frame.get_column(column.field).str.strip_chars() != ""))
    issues.add_frame(raw.title, header, bad.rename({column.field: "__value"}), message)


def _text(frame, column, header, raw, issues):
    typed = frame.select(normalise.text(column.field)).to_series()
    if column.max_length:
        long = frame.filter(typed.str.len_chars() > column.max_length)
        issues.add_frame(raw.title, header, long.rename({column.field: "__value"}),
                         f"超过最大长度 {column.max_length} 个字符")
        typed = pl.Series(typed.name, [None if v is not None and len(v) > column.max_length else v
                                       for v in typed.to_list()], dtype=pl.String)
    return typed


def _ref(frame, column, header, raw, issues):
    typed = frame.select(normalise.code(column.field, upper=False)).to_series()
    return typed


def _number(frame, column, header, raw, issues):
    typed = _fast_then_slow(frame, column.field, lambda s: s.cast(pl.Float64, strict=False), normalise.number)
    typed = typed.set(~typed.is_finite().fill_null(True), None) if typed.len() else typed
    _bad(frame, column, typed, raw, header, issues, "不是有效数字")
    factor = raw.factors.get(column.field)
    if factor is not None:
        typed = typed * float(factor)
    if column.kind == "int":
        fractional = frame.filter(typed.is_not_null() & (typed != typed.round(0)))
        issues.add_frame(raw.title, header, fractional.rename({column.field: "__value"}), "应为整数")
        typed = pl.Series(typed.name, typed.round(0)).cast(pl.Int64, strict=False)
    lo, hi = column.minimum, column.maximum
    if lo is not None or hi is not None:
        outside = pl.Series([False] * len(typed), dtype=pl.Boolean)
        if lo is not None:
            outside = outside | (typed < lo).fill_null(False)
        if hi is not None:
            outside = outside | (typed > hi).fill_null(False)
        shown = f"{lo if lo is not None else '-∞'}–{hi if hi is not None else '∞'}"
        issues.add_frame(raw.title, header, frame.filter(outside).rename({column.field: "__value"}),
                         f"不在允许范围 {shown} {column.unit}".rstrip())
        if outside.any():
            typed = typed.set(outside, None)
    return typed


def _date(frame, column, header, raw, issues):
    typed = frame.select(normalise.date(column.field)).to_series()
    _bad(frame, column, typed, raw, header, issues,
         "不是有效日期（可填 2024-05-01、2024/5/1、2024年5月1日 或 Excel 日期）")
    limit = dt.date.today() + dt.timedelta(days=366 * 80)
    outside = typed.is_not_null() & ((typed < MIN_DATE) | (typed > limit))
    issues.add_frame(raw.title, header, frame.filter(outside).rename({column.field: "__value"}),
                     f"日期不在 {MIN_DATE:%Y-%m-%d} 至 {limit:%Y-%m-%d} 之间")
    return typed.set(outside, None) if outside.any() else typed


def _choice(frame, column, header, raw, issues):
    mapping = {}
    for value, label in column.choices.choices:
        mapping[normalise.code_key(label)] = value
        mapping[normalise.code_key(value)] = value
    cleaned = frame.select(normalise.code(column.field)).to_series()
    typed = cleaned.replace_strict(mapping, default=None, return_dtype=pl.String)
    allowed = "、".join(str(label) for _v, label in column.choices.choices)
    _bad(frame, column, typed, raw, header, issues, f"不是允许的取值（允许：{allowed}）")
    return typed


def _fast_then_slow(frame, field, fast, slow_expr):
    """Apply the cheap `fast` Series function; cells it cannot read go through the full `slow_expr` clean-up."""
    raw = frame.get_column(field)
    typed = fast(raw)
    need = typed.is_null() & raw.is_not_null()
    if need.any():
        index = need.arg_true()
        slow = frame.filter(need).select(slow_expr(field)).to_series()
        typed = typed.scatter(index, slow.cast(typed.dtype))
    return typed


def _plain_code(series: pl.Series) -> pl.Series:
    """Codes already in canonical form (upper-case ASCII letters, digits, '-') pass unchanged; others → null."""
    return series.set(~series.str.contains(r"^[0-9A-Z\-]+$").fill_null(False), None)


def _by_unique(frame, column, header, raw, issues, check, message_prefix="", fast_valid=None):
    """Apply a Python check to each distinct value once; `check` returns (normalised, error, warning).

    `fast_valid`, given a Series of distinct values, marks those known good without the Python check.
    """
    cleaned = _fast_then_slow(frame, column.field, _plain_code, normalise.code)
    distinct = cleaned.unique().drop_nulls()
    if fast_valid is not None and distinct.len():
        good = fast_valid(distinct)
        results = {value: (value, "", "") for value in distinct.filter(good).to_list()}
        results.update({value: check(value) for value in distinct.filter(~good).to_list()})
    else:
        results = {value: check(value) for value in distinct.to_list()}
    changed = {k: v[0] for k, v in results.items() if v[0] != k}
    typed = cleaned.replace(changed) if changed else cleaned
    for level, index in (("error", 1), (WARNING, 2)):
        messages = {k: v[index] for k, v in results.items() if v[index]}
        if not messages:
            continue
        hit = frame.with_columns(cleaned.alias("__key")).filter(pl.col("__key").is_in(list(messages)))
        for row, key, original in hit.select("__row", "__key", column.field).iter_rows():
            issues.add(raw.title, row, header, original, message_prefix + messages[key], level)
    return typed


def _uscc(frame, column, header, raw, issues):
    def check(value):
        result = check_uscc(value)
        if not result.ok:
            return None, "统一社会信用代码无效：" + "；".join(result.errors), ""
        return result.code, "", "；".join(result.warnings)
    return _by_unique(frame, column, header, raw, issues, check, fast_valid=valid_codes)


def _land_code(frame, column, header, raw, issues):
    def check(value):
        try:
            parsed = parse_land_code(value)
        except ValueError as exc:
            return None, str(exc), ""
        return parsed.land_code + parsed.unit_suffix, "", ""
    return _by_unique(frame, column, header, raw, issues, check)


def _industry(frame, column, header, raw, issues):
    table = code_table("gbt4754_2017")

    def check(value):
        digits = value.lstrip("ABCDEFGHIJKLMNOPQRST") if len(value) == 5 else value
        if len(digits) == 3 and digits.isdigit() and "0" + digits in table and table.get("0" + digits).level == "class":
            digits = "0" + digits
        entry = table.get(digits)
        if entry is None:
            return None, "不是 GB/T 4754-2017 行业代码", ""
        if entry.level != "class":
            return None, f"应填4位小类代码，{digits}（{entry.name}）是{_LEVELS.get(entry.level, entry.level)}", ""
        return digits, "", ""
    return _by_unique(frame, column, header, raw, issues, check)


_LEVELS = {"section": "门类", "division": "大类", "group": "中类", "class": "小类"}


def _land_use(frame, column, header, raw, issues):
    table = code_table("land_use_2023")

    def check(value):
        candidate = "0" + value if len(value) % 2 == 1 else value
        if candidate not in table:
            return None, "不是用地用海分类（2023）代码，应为2、4或6位代码，如 100101", ""
        return candidate, "", ""
    return _by_unique(frame, column, header, raw, issues, check)


def _division(frame, column, header, raw, issues):
    table = code_table("admin_divisions")

    def check(value):
        if len(value) != 6 or not value.isdigit():
            return None, "行政区划代码应为6位数字（GB/T 2260）", ""
        warning = "" if value in table else "不在内置行政区划表中，请核对"
        return value, "", warning
    return _by_unique(frame, column, header, raw, issues, check)


def _department(frame, column, header, raw, issues):
    table = code_table("departments")
    mapping = {normalise.code_key(e.name): c for c, e in table.entries.items()} \
        | {normalise.code_key(c): c for c in table.entries}

    def check(value):
        found = mapping.get(normalise.code_key(value))
        if found is None:
            return None, f"不是已登记的部门（允许：{'、'.join(e.name for e in table.entries.values())}）", ""
        return found, "", ""
    return _by_unique(frame, column, header, raw, issues, check)


_CHECKS = {
    "text": _text, "ref": _ref, "float": _number, "int": _number, "date": _date, "choice": _choice,
    "uscc": _uscc, "land_code": _land_code, "industry": _industry, "land_use": _land_use,
    "division": _division, "department": _department,
}


def _check_duplicates(raw: RawSheet, typed: pl.DataFrame, issues: IssueList):
    key = [k for k in raw.spec.key if k in typed.columns]
    if len(key) != len(raw.spec.key):
        return
    present = typed.select("__row", *key).filter(pl.any_horizontal([pl.col(k).is_not_null() for k in key]))
    # Rows whose key hash repeats, then the exact check on those only: at 1,000,000 rows min().over(key) took
    # ~300 MB and is_duplicated() on the keys ~160 MB, the hashes ~20 MB (a collision only adds a candidate).
    repeated = present.filter(pl.struct(key).hash().is_duplicated())
    dupes = repeated.with_columns(pl.col("__row").min().over(key).alias("__first")) \
        .filter(pl.col("__row") != pl.col("__first"))
    headers = "+".join(raw.headers[k] for k in key)
    for row, first in dupes.select("__row", "__first").iter_rows():
        issues.add(raw.title, row, raw.headers[key[0]], typed.filter(pl.col("__row") == row)
                   .get_column(key[0]).item(), f"与第{first}行重复（{headers} 须唯一）")
