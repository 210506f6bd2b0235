"""The demo's 标准地 contracts: one per parcel supplied since 2018 with its holder as the party, sent as a zone
would send them — a `标准地承诺` workbook imported through the exchange import (all-or-nothing, audited).

Deterministic by seed. Commitments are set around the holder's own figures so that some are met and some missed;
the agreed dates follow the supply date (动工 +180 days, 竣工 +2 years, 达产 +2 more), so contracts supplied up to
2021 are due by 2025-12-31 and later ones are not.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

import polars as pl

from parkgov.ingest.export import write_exchange_workbook
from parkgov.ingest.services import import_workbook
from parkgov.supply.contract_sheet import SHEET_NAME
from parkgov.units import square_metres_to_mu

FIRST_YEAR = 2018
SUPPLIED = ("in_use", "supplied_not_used", "idle")
DEMO_DATE = dt.date(2025, 12, 31)


def _years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def contract_rows(data, seed: int) -> pl.DataFrame:
    """The 标准地承诺 sheet rows (schema field names) for the demo's supplied parcels since FIRST_YEAR."""
    parcels = data.frames["地块"].filter(pl.col("supply_status").is_in(SUPPLIED)
                                         & (pl.col("supply_date") >= dt.date(FIRST_YEAR, 1, 1)))
    holders = data.frames["用地关系"].filter(pl.col("role") == "holder") \
        .unique("parcel", keep="first", maintain_order=True).select("parcel", "enterprise")
    figures = data.frames["年度数据"].filter(pl.col("year") == 2025)
    frame = parcels.join(holders, left_on="code", right_on="parcel", how="inner") \
        .join(figures, on="enterprise", how="left").sort("code")
    rng = random.Random(seed * 7919 + 15)
    rows = []
    for n, p in enumerate(frame.iter_rows(named=True)):
        supplied = p["supply_date"]
        mu = square_metres_to_mu(p["registered_area_m2"])
        start = supplied + dt.timedelta(days=180)
        completion = _years(start, 2)
        production = _years(completion, 2)
        built = p["supply_status"] == "in_use"
        miss = rng.random() < 0.4  # roughly four in ten miss at least one commitment

        def committed(actual, *, low=0.8, high=0.95, digits=2):
            if actual is None:
                return round(rng.uniform(1, 30), digits)
            factor = rng.uniform(1.05, 1.35) if miss and rng.random() < 0.6 else rng.uniform(low, high)
            return round(actual * factor, digits)

        tax = p["tax"] / mu if p["tax"] is not None and mu else None
        energy = p["value_added"] / p["energy_tce"] if p["value_added"] and p["energy_tce"] else None
        rd = p["rd_expense"] / p["revenue"] * 100 if p["rd_expense"] is not None and p["revenue"] else None
        plot = p["floor_area_m2"] / p["registered_area_m2"] if p["floor_area_m2"] else None
        coefficient = p["footprint_area_m2"] / p["registered_area_m2"] * 100 if p["footprint_area_m2"] else None
        intensity = round(rng.uniform(250, 450), 0)
        total = round(intensity * mu, 1)
        invested = round(total * (rng.uniform(0.8, 0.98) if miss and rng.random() < 0.5 else rng.uniform(1.0, 1.2)), 1) \
            if built else round(total * rng.uniform(0.0, 0.2), 1)
        rows.append({
            "parcel": p["code"], "number": f"BZD-{supplied.year}-{n + 1:04d}", "enterprise": p["enterprise"],
            "signed_on": supplied - dt.timedelta(days=20), "delivered_on": supplied + dt.timedelta(days=30),
            "agreed_start": start, "agreed_completion": completion, "agreed_production": production,
            "actual_start": start - dt.timedelta(days=rng.randint(0, 60)) if built else None,
            "actual_completion": completion - dt.timedelta(days=rng.randint(0, 90))
            if built and completion < DEMO_DATE else None,
            "actual_production": completion + dt.timedelta(days=rng.randint(30, 120))
            if built and completion < DEMO_DATE else None,
            "ind_investment_intensity": intensity, "ind_plot_ratio": committed(plot, digits=1) if plot else 1.0,
            "ind_building_coefficient": committed(coefficient, digits=0) if coefficient else 35.0,
            "ind_tax_per_mu": committed(tax), "ind_energy_value_added": committed(energy),
            "ind_rd_share": committed(rd, digits=1) if rng.random() < 0.7 else None,
            "ind_emission_value_added": None,
            "breach_rule": "max-shortfall-buyback" if rng.random() < 0.2 else "shortfall-1pct",
            "total_investment": total, "invested": invested, "developed_area_m2": None, "stopped_on": None,
            "note": "",
        })
    return pl.DataFrame(rows, infer_schema_length=None)


def build(*, data, seed: int, actor) -> int:
    """Import the demo's contracts through the 标准地承诺 sheet; returns the contracts written."""
    rows = contract_rows(data, seed)
    if rows.height == 0:
        return 0
    with tempfile.TemporaryDirectory(prefix="parkgov-demo-") as folder:
        path = Path(folder) / f"标准地承诺-种子{seed}.xlsx"
        write_exchange_workbook(path=path, frames={SHEET_NAME: rows})
        report = import_workbook(path=path, actor=actor, department="natural_resources")
    return report.written[SHEET_NAME]["created"] + report.written[SHEET_NAME]["updated"]
