"""Small helpers for writing Excel safely."""

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A text that already looks guarded ('=…, ''=…) gets one more quote, so that the import, which removes
# exactly one leading quote before = + - @, gives back what was stored.
GUARDED = re.compile(r"^'+[=+\-@\t\r]")
GUARD_PATTERN = r"^'('*[=+\-@\t\r])"  # the quote safe_cell added, removed on import


def safe_cell(value) -> str:
    """Text for a cell that Excel will never run as a formula (prefix ' to text starting with = + - @)."""
    text = "" if value is None else str(value)
    if (text.startswith(FORMULA_STARTS) and not _is_number(text)) or GUARDED.match(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class SheetWriter:
    """Writes exchange sheets with the canonical headers, number/date formats and dropdown validation."""

    def __init__(self, workbook, *, lists_sheet=None):
        self.workbook = workbook
        self.header = workbook.add_format({"bold": True, "bg_color": "#dde3ea", "border": 1, "text_wrap": True,
                                           "valign": "vcenter"})
        self.required = workbook.add_format({"bold": True, "bg_color": "#f9d9a8", "border": 1, "text_wrap": True,
                                             "valign": "vcenter"})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.example = workbook.add_format({"italic": True, "font_color": "#7a7a7a"})
        self.example_date = workbook.add_format({"italic": True, "font_color": "#7a7a7a", "num_format": "yyyy-mm-dd"})
        self.lists_sheet = lists_sheet
        self._list_col = 0

    def start(self, spec, *, with_note=False):
        """Add the sheet with headers and validation; returns (worksheet, columns)."""
        from parkgov.ingest.schema import header_of

        sheet = self.workbook.add_worksheet(spec.name)
        columns = list(spec.columns)
        for col, column in enumerate(columns):
            sheet.write_string(0, col, header_of(column), self.required if column.required else self.header)
            sheet.set_column(col, col, max(12, min(40, len(header_of(column)) * 2 + 2)))
            self._validate(sheet, col, column)
        if with_note and not any(c.header == "备注" for c in columns):  # a sheet may have 备注 as a column of its own
            sheet.write_string(0, len(columns), "备注", self.header)
            sheet.set_column(len(columns), len(columns), 22)
        sheet.set_row(0, 36)
        sheet.freeze_panes(1, 0)
        return sheet, columns

    def _validate(self, sheet, col, column):
        values = None
        if column.choices is not None:
            values = [str(label) for _v, label in column.choices.choices]
        elif column.kind == "department":
            from parkgov.codes.tables import code_table

            values = [e.name for e in code_table("departments").entries.values()]
        if values and len("".join(values)) + len(values) < 250:
            sheet.data_validation(1, col, 1048575, col, {
                "validate": "list", "source": values, "error_title": "取值无效",
                "error_message": "请从下拉列表中选择：" + "、".join(values)[:200]})
        elif column.kind in ("industry", "land_use") and self.lists_sheet is not None:
            ref = self._code_list(column)
            sheet.data_validation(1, col, 1048575, col, {"validate": "list", "source": ref, "show_error": False})
        elif column.kind in ("float", "int") and column.minimum is not None:
            sheet.data_validation(1, col, 1048575, col, {
                "validate": "decimal", "criteria": ">=", "value": column.minimum,
                "error_title": "数值无效", "error_message": f"应为不小于 {column.minimum:g} 的数字（{column.unit}）"})

    def _code_list(self, column):
        from xlsxwriter.utility import xl_col_to_name

        from parkgov.codes.tables import code_table

        table = code_table("gbt4754_2017" if column.kind == "industry" else "land_use_2023")
        codes = [c for c, e in table.entries.items() if column.kind != "industry" or e.level == "class"]
        col = self._list_col
        self._list_col += 2
        self.lists_sheet.write_string(0, col, column.header + "代码", self.header)
        self.lists_sheet.write_string(0, col + 1, "名称", self.header)
        for row, code in enumerate(codes, start=1):
            self.lists_sheet.write_string(row, col, code)
            self.lists_sheet.write_string(row, col + 1, table.label(code))
        letter = xl_col_to_name(col)
        return f"='{self.lists_sheet.get_name()}'!${letter}$2:${letter}${len(codes) + 1}"

    def write_row(self, sheet, row, columns, values, *, example=False):
        """Write one row of display values (dates as date objects, numbers as numbers, text safely)."""
        import datetime as dt

        for col, (column, value) in enumerate(zip(columns, values)):
            if value is None or value == "":
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(row, col, dt.datetime(value.year, value.month, value.day),
                                     self.example_date if example else self.date)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(row, col, value, self.example if example else None)
            else:
                sheet.write_string(row, col, safe_cell(value), self.example if example else None)
