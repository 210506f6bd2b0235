"""The demo's supply reviews: as of 2024-12-31 (figures of 2024), 2025-12-31 (2025) and today (2025), so that the
later runs find earlier failures (整改期内, 应收回) as well as first ones."""

from __future__ import annotations

import datetime as dt

from parkgov.supply.review import run_review

DEMO_DATES = ((dt.date(2024, 12, 31), 2024), (dt.date(2025, 12, 31), 2025))


def build(*, data, seed: int, actor) -> int:
    """Store the demo's review runs; returns the checks written."""
    today = dt.date.today()
    dates = list(DEMO_DATES) + ([(today, 2025)] if today > DEMO_DATES[-1][0] else [])
    checks = 0
    for on, year in dates:
        run = run_review(on=on, year=year, actor=actor)
        checks += run.summary.get("contracts", 0) + run.summary.get("parcels", 0)
    return checks
