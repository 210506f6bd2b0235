"""`parkgov template`: the canonical workbook with instructions, dropdowns and marked example rows."""

import datetime as dt
from pathlib import Path

import xlsxwriter

from parkgov.errors import InputError
from parkgov.ingest.excel import SheetWriter
from parkgov.ingest.reader import EXAMPLE_MARK
from parkgov.ingest.extensions import all_sheets, sheets_by_name
from parkgov.ingest.schema import header_of

KIND_LABELS = {
    "text": "文本", "ref": "编码（引用）", "float": "数字", "int": "整数", "date": "日期", "choice": "下拉选择",
    "uscc": "18位统一社会信用代码", "land_code": "19位宗地代码或28位不动产单元代码", "industry": "4位行业小类代码",
    "land_use": "用地用海分类代码", "division": "6位行政区划代码", "department": "部门名称",
}


def write_template(*, path: Path, sheet_names=None) -> None:
    """Write the template with the chosen sheets (by default all those meant to be filled in: `Sheet.template`)."""
    by_name = sheets_by_name()
    names = sheet_names or [s.name for s in all_sheets() if s.template]
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise InputError(f"未知的工作表 {'、'.join(unknown)}；可选：{'、'.join(by_name)}")
    specs = [by_name[n] for n in names]
    workbook = xlsxwriter.Workbook(str(path))
    _instructions(workbook, specs)
    lists = workbook.add_worksheet("代码表")
    writer = SheetWriter(workbook, lists_sheet=lists)
    for spec in specs:
        sheet, columns = writer.start(spec, with_note=True)
        values = [_example_value(c) for c in columns]
        writer.write_row(sheet, 1, columns, values, example=True)
        note = next((i for i, c in enumerate(columns) if c.header == "备注"), len(columns))
        sheet.write_string(1, note, f"{EXAMPLE_MARK}（导入时忽略，可删除）", writer.example)
    workbook.close()


def _example_value(column):
    if not column.example:
        return None
    if column.kind == "date":
        return dt.date.fromisoformat(column.example)
    if column.kind in ("float", "int"):
        return float(column.example) if column.kind == "float" else int(column.example)
    return column.example


def _instructions(workbook, specs):
    sheet = workbook.add_worksheet("说明")
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True, "bg_color": "#dde3ea", "border": 1, "text_wrap": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.write_string(0, 0, "园区管家 parkgov 数据交换模板", title)
    notes = [
        "1. 一个工作簿可以只包含部分工作表；工作表名称与列名须与本模板一致（列名中的空格、全角/半角括号不影响识别）。",
        "2. 橙色列为必填列。数字列可带千分位；面积、金额等列名括号中的单位可改为其他已知单位（如 亩、公顷、元），导入时自动换算。",
        "3. 每张表第2行为示例行（备注列写有“示例”），导入时自动忽略，可以删除。",
        "4. 导入时先检查全部数据，只要有一处错误就一行也不写入，并给出标注了错误单元格的错误工作簿。",
        "5. 已有记录按关键字段更新（企业：统一社会信用代码；地块：地块编码；年度数据：统一社会信用代码+年度）；空白单元格表示不修改原值。",
    ]
    for row, note in enumerate(notes, start=1):
        sheet.write_string(row, 0, note)
    start = len(notes) + 2
    headers = ["工作表", "列名", "必填", "类型", "允许取值 / 说明", "示例"]
    for col, (header, width) in enumerate(zip(headers, [12, 34, 6, 26, 60, 24])):
        sheet.write_string(start, col, header, bold)
        sheet.set_column(col, col, width)
    row = start + 1
    for spec in specs:
        sheet.write_string(row, 0, spec.name, bold)
        sheet.write_string(row, 1, spec.help, wrap)
        row += 1
        for column in spec.columns:
            allowed = "、".join(str(label) for _v, label in column.choices.choices) if column.choices else column.help
            sheet.write_row(row, 0, [spec.name, header_of(column), "是" if column.required else "",
                                     KIND_LABELS[column.kind] + (f"（{column.unit}）" if column.unit else ""),
                                     allowed or "", column.example], wrap)
            row += 1
        row += 1
