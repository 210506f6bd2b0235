"""Named thresholds used by checks, from `data/thresholds.csv` (value, unit, source, verified)."""

import csv
from functools import cache

from parkgov.codes.tables import DATA_DIR


@cache
def _thresholds() -> dict:
    with (DATA_DIR / "thresholds.csv").open(encoding="utf-8", newline="") as handle:
        return {row["code"]: float(row["value"]) for row in csv.DictReader(handle)}


def threshold(code: str) -> float:
    """The value of threshold `code`; a KeyError names a missing row in thresholds.csv."""
    return _thresholds()[code]
