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
            pieces = _row_pieces(stream)
            head = next(pieces, None)
            if head is None:
                return
            prefix, header = head
            batch = []
            for piece in pieces:
                batch.append(piece)
                if len(batch) == rows + 1:  # one more than a piece holds: the sheet is long, start splitting
                    break
            else:
                return
            carry = [batch.pop()]
            yield _piece(archive, part, prefix, header, batch)
            for piece in pieces:
                carry.append(piece)
                if len(carry) == rows:
                    yield _piece(archive, part, prefix, header, carry)
                    carry = []
            if carry:
                yield _piece(archive, part, prefix, header, carry)


def _row_pieces(stream):
    """First (sheet XML before the rows, header row), then each row element, as bytes."""
    pending = b""
    prefix = None
    header = None
    for block in iter(lambda: stream.read(BLOCK), b""):
        pending += block
        if prefix is None:
            start = pending.find(b"<sheetData>")
            if start < 0:
                if b"<sheetData/>" in pending:
                    return
                continue
            start += len(b"<sheetData>")
            prefix, pending = DIMENSION.sub(b"", pending[:start]), pending[start:]
        parts = pending.split(ROW_END)
        pending = parts.pop()
        for part in parts:
            element = part + ROW_END
            if header is None:
                header = element
                yield prefix, header
            else:
                yield element


def _piece(archive, part, prefix, header, batch):
    first = ROW_NUMBER.search(batch[0])
    if first is None:
        raise ValueError("sheet rows carry no row numbers (r attribute)")
    number = int(first.group(1))
    shifted = CELL_REF.sub(lambda m: m.group(1) + m.group(2) + str(number - 1).encode() + m.group(4), header)
    sheet = b"".join([prefix, shifted, *batch, b"</sheetData></worksheet>"])
    batch.clear()
    handle = tempfile.NamedTemporaryFile(prefix="parkgov-piece-", suffix=".xlsx")  # a file: fastexcel need not copy it
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as out:
        for info in archive.infolist():
            if info.filename == part:
                out.writestr(info.filename, sheet)
            elif info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                out.writestr(info.filename, EMPTY_SHEET)  # other sheets: read separately, not copied each time
            else:
                out.writestr(info.filename, archive.read(info.filename))
    handle.flush()
    return number, handle
