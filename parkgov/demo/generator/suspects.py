"""漏报瞒报 suspects planted in the yearly figures, for the list rule that looks for them (issue 14 §2).

Among active firms producing in every year: a few lack the 2024 row (a missing year), a few report no revenue,
output or value added for 2025 while paying tax and using power (figures that contradict each other), and a few
drop to a fifth to a half of their 2024 revenue (or only their tax) in 2025 while using as much power as before
(a sharp unexplained drop). Drawn from their own generator after the other sections, so the rest of the demo
stays as it was for a seed.
"""

from __future__ import annotations

import numpy as np

from parkgov.demo.generator.dates import YEARS

SHARES = {"missing_year": 0.008, "no_revenue": 0.005, "revenue_drop": 0.006, "tax_drop": 0.004}
REVENUE_DROP = ("tax", "revenue", "output_value", "value_added")  # power use stays: the drop is unexplained
UNREPORTED = ("revenue", "output_value", "value_added")


def plant_suspects(f: dict, y: dict, rng) -> dict:
    """The yearly rows `y` with the suspects planted (rows dropped, figures zeroed or cut)."""
    n = f["n"]
    rows_per_firm = np.bincount(y["firm"], minlength=n)
    revenue_2024 = np.zeros(n)
    in_2024 = y["year"] == YEARS[1]
    revenue_2024[y["firm"][in_2024]] = np.nan_to_num(y["revenue"][in_2024])
    steady = np.flatnonzero((f["status"] <= 1) & (rows_per_firm == len(YEARS)) & (revenue_2024 > 300))
    order = rng.permutation(steady)
    sizes = [max(1, int(round(share * n))) for share in SHARES.values()]
    picked = np.split(order[:sum(sizes)], np.cumsum(sizes)[:-1])
    missing, no_revenue, revenue_drop, tax_drop = (np.isin(y["firm"], p) for p in picked)
    last = y["year"] == YEARS[-1]
    out = dict(y)
    for name in UNREPORTED:
        out[name] = np.where(no_revenue & last, 0.0, y[name])
    cut = rng.uniform(0.2, 0.45, len(y["firm"]))
    for name in REVENUE_DROP:
        out[name] = np.where(revenue_drop & last, np.round(y[name] * cut, 2), out[name])
    out["tax"] = np.where(tax_drop & last, np.round(y["tax"] * cut, 2), out["tax"])
    keep = ~(missing & in_2024)
    return {k: v[keep] for k, v in out.items()}
