"""Vectorised clean-up of cell text before checking: full-width forms, separators, percent, Excel dates.

Every function takes and returns Polars expressions over String columns, so a sheet is cleaned in one pass.
"""

import re
import unicodedata

import polars as pl

EXCEL_EPOCH = pl.date(1899, 12, 30)
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%Y-%m-%d %H:%M:%S",
                "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
_SPACES = r"[\s\u3000\u00a0]+"


def normalise_header(text) -> tuple:
    """(name, unit) of a header after NFKC, removing spaces and lower-casing: '土地面积（亩）' → ('土地面积', '亩')."""
    clean = unicodedata.normalize("NFKC", str(text or ""))
    clean = re.sub(r"\s+", "", clean).lower().replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")")
    match = re.fullmatch(r"(.*?)\((.*)\)", clean)
    if match:
        return match.group(1), match.group(2)
    return clean, ""


def text(col: str) -> pl.Expr:
    """Free text: trim, turn blank into null. Keeps full-width punctuation (names round-trip unchanged)."""
    stripped = pl.col(col).str.replace_all(r"^[\s\u3000\u00a0]+|[\s\u3000\u00a0]+$", "")
    return pl.when(stripped == "").then(None).otherwise(stripped)


def code_key(value) -> str:
    """The Python twin of `code`: what a label or value becomes after the cell clean-up, for lookup tables.

    Choice labels such as 作价出资（入股） carry full-width brackets that `code` turns half-width, so a table
    keyed by the raw label would never match the cleaned cell.
    """
    return re.sub(_SPACES, "", unicodedata.normalize("NFKC", str(value))).upper()


def code(col: str, *, upper=True) -> pl.Expr:
    """A code: NFKC (full-width letters and digits to half-width), no spaces, upper-case; blank → null."""
    out = pl.col(col).str.normalize("NFKC").str.replace_all(_SPACES, "")
    if upper:
        out = out.str.to_uppercase()
    return pl.when(out == "").then(None).otherwise(out)


def number(col: str) -> pl.Expr:
    """A number from text: NFKC, thousands separators and spaces removed, '12.5%' → 0.125; NaN/inf → null."""
    raw = code(col).str.replace_all(r"[,，'_]", "")
    percent = raw.str.ends_with("%")
    value = pl.when(percent).then(raw.str.strip_suffix("%").cast(pl.Float64, strict=False) / 100) \
        .otherwise(raw.cast(pl.Float64, strict=False))
    return pl.when(value.is_finite()).then(value).otherwise(None)


def date(col: str) -> pl.Expr:
    """A date from an Excel serial number or from common written forms."""
    raw = code(col)
    serial = raw.cast(pl.Float64, strict=False)
    from_serial = pl.when(serial.is_between(1, 2958465)).then(
        EXCEL_EPOCH + pl.duration(days=serial.floor().cast(pl.Int64)))
    parsed = [raw.str.strptime(pl.Date, fmt, strict=False, exact=True) for fmt in DATE_FORMATS]
    short = raw.str.replace(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$", "$1-$2-$3")
    parsed.append(short.str.strptime(pl.Date, "%Y-%m-%d", strict=False, exact=True))
    return pl.coalesce([from_serial.otherwise(None)] + parsed)
