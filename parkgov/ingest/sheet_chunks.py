"""Split a long worksheet into small in-memory workbooks so fastexcel never holds all of its cells at once.

fastexcel (calamine) parses a whole sheet on every `load_sheet`, even with `n_rows`: at 1,000,000 rows × 13
columns that alone peaked at ~900 MiB. Here the sheet's XML is streamed out of the zip and every `rows` rows
are written, behind a copy of the header row, into a workbook holding the same shared strings and styles;
fastexcel then reads each piece as usual, so cell types and text come out as for the whole sheet.
"""

import re
import tempfile
import zipfile
from xml.etree import ElementTree

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
ROW_END = b"</row>"
ROW_NUMBER = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')
CELL_REF = re.compile(rb'(\sr=")([A-Z]*)(\d+)(")')
DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
BLOCK = 1 << 22
EMPTY_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')


def sheet_part(archive: zipfile.ZipFile, title: str) -> str | None:
    """The zip member holding sheet `title`, from workbook.xml and its relationships."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{RELS}Relationship")}
    for sheet in workbook.iter(f"{MAIN}sheet"):
        if sheet.get("name") == title:
            target = targets.get(sheet.get(REL_ID), "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def split_sheet(path, title: str, rows: int):
    """Yield (first Excel row, open temporary xlsx file) per piece of at most `rows` data rows.

    Yields nothing when the sheet has `rows` data rows or fewer (the caller then reads it whole); raises
    ValueError when its rows carry no row numbers.
    """
    with zipfile.ZipFile(path) as archive:
        part = sheet_part(archive, title)
        if part is None:
            return
        with archive.open(part) as stream:
            batches = _row_batches(stream, rows)
            head = next(batches, None)
            if head is None:
                return
            prefix, header = head
            others = None
            for batch, more in batches:
                if others is None:
                    if not more:
                        return  # one piece only: the sheet is short
                    others = _other_parts(archive, part)
                yield _piece(others, part, prefix, header, batch)


def _row_batches(stream, rows: int):
    """First (sheet XML before the rows, header row), then (the XML of the next `rows` rows, whether rows follow).

    Works on the blocks read, counting row ends per block, so no Python object is made per row (making one per
    row took 0.8 s of the 200,000-row import under cProfile, bench/import_yearly.py).
    """
    pending = b""
    blocks = iter(lambda: stream.read(BLOCK), b"")
    for block in blocks:
        pending += block
        start = pending.find(b"<sheetData>")
        if start >= 0:
            break
        if b"<sheetData/>" in pending:
            return
    else:
        return
    start += len(b"<sheetData>")
    prefix, pending = DIMENSION.sub(b"", pending[:start]), pending[start:]
    while ROW_END not in pending:
        block = next(blocks, b"")
        if not block:
            return
        pending += block
    cut = pending.index(ROW_END) + len(ROW_END)
    yield prefix, pending[:cut]
    pending = pending[cut:]
    batch, count = [], 0
    while True:
        found = pending.count(ROW_END)
        if count + found >= rows:
            cut = 0
            for _ in range(rows - count):
                cut = pending.index(ROW_END, cut) + len(ROW_END)
            batch.append(pending[:cut])
            pending = pending[cut:]
            while ROW_END not in pending:  # look ahead: is there another row after this batch?
                block = next(blocks, b"")
                if not block:
                    break
                pending += block
            more = ROW_END in pending
            yield batch, more
            if not more:
                return
            batch, count = [], 0
            continue
        if found:
            cut = pending.rindex(ROW_END) + len(ROW_END)
            batch.append(pending[:cut])
            pending = pending[cut:]
            count += found
        block = next(blocks, b"")
        if not block:
            if batch:
                yield batch, False
            return
        pending += block


def _other_parts(archive, part) -> list:
    """(name, bytes) of every member of a piece in the workbook's order, read and unpacked once for all pieces; None
    for the sheet itself. Other sheets are empty in a piece: they are read separately, not copied each time."""
    return [(name, None if name == part else EMPTY_SHEET if name.startswith("xl/worksheets/") and name.endswith(".xml")
             else archive.read(name)) for name in archive.namelist()]


def _piece(others, part, prefix, header, batch):
    first = ROW_NUMBER.search(batch[0])
    if first is None:
        raise ValueError("sheet rows carry no row numbers (r attribute)")
    number = int(first.group(1))
    shifted = CELL_REF.sub(lambda m: m.group(1) + m.group(2) + str(number - 1).encode() + m.group(4), header)
    sheet = b"".join([prefix, shifted, *batch, b"</sheetData></worksheet>"])
    batch.clear()
    handle = tempfile.NamedTemporaryFile(prefix="parkgov-piece-", suffix=".xlsx")  # a file: fastexcel need not copy it
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as out:
        for name, data in others:
            out.writestr(name, sheet if data is None else data)
    handle.flush()
    return number, handle
