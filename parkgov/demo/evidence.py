"""Evidence files for the demo's cases: a small PNG "photo" and a one-page PDF "acceptance record", made in
memory (nothing is downloaded or read from disk) and stored through the evidence service like an upload."""

from __future__ import annotations

import struct
import zlib


def photo_png(*, shade: int = 0, width: int = 96, height: int = 64) -> bytes:
    """A width×height RGB PNG: a sky band over ground, the ground's green set by `shade` (0–255)."""
    sky, ground = bytes((170, 200, 230)), bytes((90, 120 + shade % 100, 70))
    rows = b"".join(b"\x00" + (sky if y < height // 3 else ground) * width for y in range(height))
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + \
        _chunk(b"IDAT", zlib.compress(rows, 9)) + _chunk(b"IEND", b"")


def record_pdf(*, title: str = "acceptance") -> bytes:
    """A minimal one-page PDF whose only text is `title` (ASCII)."""
    text = title.encode("ascii", "replace")[:60]
    stream = b"BT /F1 14 Tf 20 60 Td (" + text + b") Tj ET"
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
               b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 120]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
               b"<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream",
               b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj".encode() + body + b"endobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
