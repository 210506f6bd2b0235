"""Problems found in input, each naming the file, sheet, row, column and value, in Chinese."""

from dataclasses import dataclass, field

import polars as pl

ERROR = "error"
WARNING = "warning"
LEVEL_LABELS = {ERROR: "错误", WARNING: "提示"}


@dataclass(frozen=True)
class Issue:
    """One problem: `row` is the Excel row number (1 = header row), `column` the header as in the file."""

    sheet: str
    row: int
    column: str
    value: str
    message: str
    level: str = ERROR

    def describe(self, file_name="") -> str:
        where = f"{file_name} " if file_name else ""
        place = f"工作表「{self.sheet}」第{self.row}行" + (f"「{self.column}」列" if self.column else "")
        shown = f"值“{self.value}”" if self.value not in ("", None) else "值为空"
        return f"{where}{place}：{shown}，{self.message}"


@dataclass
class IssueList:
    """Issues collected while checking a file."""

    items: list = field(default_factory=list)

    def add(self, sheet, row, column, value, message, level=ERROR):
        self.items.append(Issue(sheet, int(row), column or "", "" if value is None else str(value), message, level))

    def add_frame(self, sheet, column, frame: pl.DataFrame, message, level=ERROR, value_col="__value"):
        """Add one issue per row of `frame` (columns __row and `value_col`); `message` may use {value}."""
        for row, value in zip(frame.get_column("__row").to_list(), frame.get_column(value_col).to_list()):
            text = message.format(value=value) if "{value}" in message else message
            self.add(sheet, row, column, value, text, level)

    @property
    def errors(self):
        return [i for i in self.items if i.level == ERROR]

    @property
    def warnings(self):
        return [i for i in self.items if i.level == WARNING]

    def sorted(self):
        return sorted(self.items, key=lambda i: (i.sheet, i.row, i.column, i.level))
