"""Read an exchange workbook with fastexcel into text frames, matching sheets and headers to the schema."""

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import fastexcel
import polars as pl

from parkgov.codes.thresholds import threshold
from parkgov.codes.units import allowed_units, conversion_factor
from parkgov.errors import InputError
from parkgov.ingest.excel import GUARD_PATTERN
from parkgov.ingest.issues import WARNING, IssueList
from parkgov.ingest.normalise import normalise_header
from parkgov.ingest.extensions import all_sheets
from parkgov.ingest.schema import Column, Sheet, header_of
from parkgov.ingest.sheet_chunks import split_sheet

IGNORED_SHEETS = {"说明", "填表说明", "错误清单", "导入说明", "代码表"}
NOTE_HEADER = "备注"
EXAMPLE_MARK = "示例"


@dataclass
class RawSheet:
    """A sheet as read: text cells, Excel row numbers in `__row`, and the schema columns found."""

    spec: Sheet
    title: str
    frame: pl.DataFrame
    original: pl.DataFrame | None = None  # every column as read, with __row, for the error workbook
    headers: dict = field(default_factory=dict)  # field -> header text as in the file
    factors: dict = field(default_factory=dict)  # field -> Fraction converting the file's unit to ours


def read_workbook(path: Path, issues: IssueList, *, read_rows: int | None = None) -> list:
    """Return the recognised sheets of `path`; unreadable files raise InputError with a Chinese message.

    Sheets longer than `read_rows` (thresholds.csv `import_read_chunk_rows`) are parsed that many rows at a
    time, so the cells of a million-row sheet are never all in memory at once.
    """
    read_rows = read_rows or int(threshold("import_read_chunk_rows"))
    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own types for corrupt or non-xlsx files
        raise InputError(f"无法读取 {path.name}：不是有效的 Excel 工作簿（{_short(exc)}）") from exc
    sheets = all_sheets()
    by_name = {normalise_header(s.name)[0]: s for s in sheets}
    found = []
    for title in reader.sheet_names:
        spec = by_name.get(normalise_header(title)[0])
        if spec is None:
            if title.strip() not in IGNORED_SHEETS:
                issues.add(title, 1, "", title, f"未识别的工作表，已忽略（可识别：{'、'.join(s.name for s in sheets)}）",
                           WARNING)
            continue
        try:
            frame = _load_text(reader, path, title, read_rows)
        except Exception as exc:
            raise InputError(f"无法读取 {path.name} 的工作表「{title}」：{_short(exc)}") from exc
        raw = _match_headers(spec, title, frame, issues)
        if raw is not None:
            found.append(raw)
    if not found and not issues.errors:
        issues.add("（工作簿）", 1, "", path.name,
                   f"没有可导入的工作表；工作表名称应为：{'、'.join(s.name for s in sheets)}")
    return found


def _load_text(reader, path: Path, title: str, read_rows: int) -> pl.DataFrame:
    """Every cell of sheet `title` as text, with its Excel row number in `__row`.

    A sheet longer than `read_rows` is read piece by piece (see sheet_chunks); a short one in one call.
    """
    parts = []
    try:
        for first, handle in split_sheet(path, title, read_rows):
            with handle:
                piece = fastexcel.read_excel(handle.name).load_sheet(title, dtypes="string", header_row=0)
                parts.append(_numbered(piece.to_polars(), first))
                del piece
    except (ValueError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        parts = []  # an unusual sheet layout: read it whole, as fastexcel sees it
    if not parts:
        return _numbered(reader.load_sheet(title, dtypes="string", header_row=0).to_polars(), 2)
    return pl.concat(parts, how="diagonal_relaxed")


def _numbered(frame: pl.DataFrame, first: int) -> pl.DataFrame:
    return frame.with_row_index("__row", offset=first).with_columns(pl.col("__row").cast(pl.Int64))


def _short(exc) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def _column_lookup(spec: Sheet) -> dict:
    lookup = {}
    for column in spec.columns:
        for name in (column.header, *column.aliases, header_of(column)):
            lookup.setdefault(normalise_header(name)[0], column)
    return lookup


def _match_headers(spec: Sheet, title: str, frame: pl.DataFrame, issues: IssueList):
    lookup = _column_lookup(spec)
    headers, factors, renames = {}, {}, {}
    for header in frame.columns:
        if header == "__row":
            continue
        name, unit = normalise_header(header)
        column = lookup.get(name)
        if column is None:
            if name and name != NOTE_HEADER and not header.startswith("__UNNAMED__"):
                issues.add(title, 1, header, header, "未识别的列，已忽略", WARNING)
            continue
        if column.field in headers:
            issues.add(title, 1, header, header, f"与「{headers[column.field]}」是同一列，重复")
            continue
        factor = _unit_factor(column, unit, title, header, issues)
        if factor is False:
            continue
        headers[column.field] = header
        renames[header] = column.field
        if factor is not None and factor != 1:
            factors[column.field] = factor
    missing = [header_of(c) for c in spec.columns if c.required and c.field not in headers]
    for header in missing:
        issues.add(title, 1, header, "", "缺少必填列")
    note = next((h for h in frame.columns if normalise_header(h)[0] == NOTE_HEADER), None)
    original = frame
    if note is not None:
        frame = frame.filter(~pl.col(note).fill_null("").str.strip_chars().str.starts_with(EXAMPLE_MARK))
    frame = frame.select(["__row", *renames]).rename(renames)
    guarded = [f for f in renames.values() if frame.get_column(f).cast(pl.String).str.starts_with("'").any()]
    frame = frame.with_columns(pl.col(f).cast(pl.String).str.replace(GUARD_PATTERN, "$1") for f in guarded)
    data_cols = [c for c in frame.columns if c != "__row"]
    if data_cols:
        blank = pl.all_horizontal([pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in data_cols])
        frame = frame.filter(~blank)
    return RawSheet(spec=spec, title=title, frame=frame, original=original, headers=headers, factors=factors)


def _unit_factor(column: Column, unit: str, title, header, issues):
    """Factor to our unit, None when no conversion applies, False when the unit is unknown (issue added)."""
    if not unit or not column.unit or column.kind not in ("float", "int"):
        return None
    factor = conversion_factor(unit, column.unit)
    if factor is None:
        allowed = "、".join(allowed_units(column.unit)) or column.unit
        issues.add(title, 1, header, unit, f"单位无法识别，本列允许的单位：{allowed}")
        return False
    return factor
