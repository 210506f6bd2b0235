"""Sheets that other apps add to the exchange workbook (the supply app's 标准地承诺 …), registered at start-up.

Ingest never imports those apps: an app registers a `SheetExtension` from its AppConfig.ready(), and the reader,
the checks, the writer, the template and the exporter treat it like a built-in sheet, after the built-in ones.
"""

from dataclasses import dataclass
from typing import Callable

from parkgov.ingest.schema import SHEETS, Sheet


@dataclass(frozen=True)
class SheetExtension:
    """One added sheet.

    `check(sheets, issues)`: cross-row and database checks; `sheets` maps sheet name → (RawSheet, typed frame)
    for every sheet of the workbook. `write(frame, *, submission_id, actor_id, reason, now)` upserts the typed
    frame (schema field names) and returns UpsertCounts; the caller owns the transaction. `export()` returns the
    stored rows as a frame with schema field names and stored codes, for export → edit → import.
    """

    spec: Sheet
    write: Callable
    check: Callable | None = None
    export: Callable | None = None


EXTENSIONS: dict[str, SheetExtension] = {}


def register_sheet(extension: SheetExtension) -> None:
    """Add (or replace, on a reload) a sheet of the exchange workbook."""
    if extension.spec.name in {s.name for s in SHEETS}:
        raise ValueError(f"工作表「{extension.spec.name}」与内置工作表同名")
    EXTENSIONS[extension.spec.name] = extension


def all_sheets() -> tuple:
    """The built-in sheets, then the registered ones."""
    return SHEETS + tuple(e.spec for e in EXTENSIONS.values())


def sheets_by_name() -> dict:
    return {s.name: s for s in all_sheets()}
