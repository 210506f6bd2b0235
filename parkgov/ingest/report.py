"""The error workbook: the user's own sheets with every bad cell highlighted and commented, plus a list."""

from pathlib import Path

import xlsxwriter

from parkgov.ingest.issues import ERROR, LEVEL_LABELS
from parkgov.ingest.excel import safe_cell

MAX_COMMENTS = 20000  # Excel slows to a crawl with more cell comments; the list sheet has everything


def write_error_workbook(*, path: Path, report) -> None:
    """Write `report`'s issues as a workbook: 错误清单 first, then each sheet as read with cells marked."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#dde3ea", "border": 1})
    red = workbook.add_format({"bg_color": "#f4b6b6", "border": 1})
    yellow = workbook.add_format({"bg_color": "#fff1a8", "border": 1})
    _write_list(workbook, report, bold, red, yellow)
    by_cell = {}
    for issue in report.issues.items:
        by_cell.setdefault((issue.sheet, issue.row, issue.column), []).append(issue)
    comments = 0
    for raw in report.raw_sheets:
        sheet = workbook.add_worksheet(raw.title[:31])
        headers = [c for c in raw.original.columns if c != "__row"]
        for col, header in enumerate(headers):
            sheet.set_column(col, col, max(12, min(40, len(header) * 2 + 2)))
            marks = by_cell.get((raw.title, 1, header))
            sheet.write_string(0, col, header, _format(marks, red, yellow) or bold)
            if marks:
                sheet.write_comment(0, col, "\n".join(i.message for i in marks))
        sheet.freeze_panes(1, 0)
        col_of = {h: i for i, h in enumerate(headers)}
        for values in raw.original.select(["__row", *headers]).iter_rows():
            row = values[0]
            for col, value in enumerate(values[1:]):
                if value is not None:
                    sheet.write_string(row - 1, col, safe_cell(_as_read(value)))
        for (title, row, column), marks in by_cell.items():
            if title != raw.title or row < 2 or column not in col_of:
                continue
            col = col_of[column]
            value = marks[0].value
            sheet.write_string(row - 1, col, safe_cell(value), _format(marks, red, yellow))
            if comments < MAX_COMMENTS:
                sheet.write_comment(row - 1, col, "\n".join(f"{LEVEL_LABELS[i.level]}：{i.message}" for i in marks),
                                    {"x_scale": 2, "y_scale": 1.5})
                comments += 1
    workbook.close()


def _as_read(text: str) -> str:
    """Cell text as the user typed it: dates read from Excel lose the midnight time fastexcel adds."""
    return text[:-9] if text.endswith(" 00:00:00") else text


def _format(marks, red, yellow):
    if not marks:
        return None
    return red if any(i.level == ERROR for i in marks) else yellow


def _write_list(workbook, report, bold, red, yellow):
    sheet = workbook.add_worksheet("错误清单")
    headers = ["级别", "工作表", "行号", "列", "值", "说明"]
    widths = [8, 14, 8, 24, 28, 70]
    for col, (header, width) in enumerate(zip(headers, widths)):
        sheet.write_string(0, col, header, bold)
        sheet.set_column(col, col, width)
    for index, issue in enumerate(report.issues.sorted(), start=1):
        fmt = red if issue.level == ERROR else yellow
        sheet.write_string(index, 0, LEVEL_LABELS[issue.level], fmt)
        sheet.write_string(index, 1, issue.sheet)
        sheet.write_number(index, 2, issue.row)
        sheet.write_string(index, 3, issue.column)
        sheet.write_string(index, 4, safe_cell(issue.value))
        sheet.write_string(index, 5, issue.message)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(1, len(report.issues.items)), len(headers) - 1)
