"""Calendar of the demo: dates as days since 1970-01-01 (what a Polars Date holds), the figure years, "today"."""

from __future__ import annotations

from datetime import date

import numpy as np

EPOCH = date(1970, 1, 1)
YEARS = (2023, 2024, 2025)


def day(y, m=1, d=1) -> int:
    """Days from 1970-01-01 to the given date."""
    return (date(y, m, d) - EPOCH).days


REF_DAY = day(2025, 12, 31)  # "today" of the demo; fixed so output does not depend on the clock
NEVER = np.iinfo(np.int64).max  # "no date yet" while taking minima of days
