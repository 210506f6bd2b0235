"""Code tables shipped as CSV data files, each row with its `source` and `verified` flag.

Tables are read once per process; every lookup goes through `code_table(name)`.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class CodeEntry:
    """One row of a code table."""

    code: str
    name: str
    level: str
    parent: str
    source: str
    verified: bool
    factor: str = ""


@dataclass(frozen=True)
class CodeTable:
    """A code table keyed by code, with its entries in file order."""

    name: str
    entries: dict

    def __contains__(self, code):
        return code in self.entries

    def get(self, code):
        return self.entries.get(code)

    def label(self, code):
        entry = self.entries.get(code)
        return entry.name if entry else ""

    def codes(self, level=None):
        return [c for c, e in self.entries.items() if level is None or e.level == level]


@cache
def code_table(name: str) -> CodeTable:
    """Load `data/<name>.csv` (columns code, name, [level, parent,] source, verified)."""
    path = DATA_DIR / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    entries = {}
    for row in rows:
        code = row["code"].strip()
        entries[code] = CodeEntry(
            code=code,
            name=row["name"].strip(),
            level=(row.get("level") or "").strip(),
            parent=(row.get("parent") or "").strip(),
            source=row["source"].strip(),
            verified=row["verified"].strip().lower() == "true",
            factor=(row.get("factor") or "").strip(),
        )
    return CodeTable(name=name, entries=entries)


def department_code(value: str) -> str:
    """The code of the department named `value` (its code or Chinese name in data/departments.csv); "" stays "".

    UsageError naming the value and listing the allowed departments otherwise.
    """
    from django.utils.translation import gettext

    from parkgov.errors import UsageError

    value = value.strip()
    if not value:
        return ""
    entries = code_table("departments").entries
    for entry in entries.values():
        if value in (entry.code, entry.name):
            return entry.code
    allowed = "、".join(f"{e.name}（{e.code}）" for e in entries.values())
    raise UsageError(gettext("部门“%(value)s”不在部门表中，可用的部门：%(allowed)s") % {"value": value, "allowed": allowed})
