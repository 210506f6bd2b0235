"""Parcel buildings' year and quality (房屋质量) and the land procedures (用地手续) of each parcel.

Drawn from their own generator after the other parcel attributes, so adding them left the rest of the demo
as it was for a seed. Buildings stand where the parcel has floor area: built one to three years after supply,
older buildings more often 较差 or 危房. State land supplied through the market has complete procedures almost
always; collective land with a registered right (宗地代码 JB) often lacks some papers, village land used
without one (JA) mostly has none.
"""

from __future__ import annotations

import numpy as np

from parkgov.demo.generator.sampling import categorical

QUALITIES = ("good", "fair", "poor", "dangerous")
PROCEDURES = ("complete", "incomplete", "none")
# chance of 良好 / 一般 / 较差 / 危房 by the building's age in 2025 (< 10, 10–19, ≥ 20 years) and on informal land
QUALITY_BY_AGE = np.array([[0.75, 0.22, 0.03, 0.00], [0.45, 0.42, 0.11, 0.02], [0.22, 0.45, 0.26, 0.07]])
QUALITY_INFORMAL = np.array([0.10, 0.38, 0.38, 0.14])
# chance of 手续完备 / 手续不全 / 无合法手续 for state land, registered collective land and informal collective land
PROCEDURES_BY_LAND = np.array([[0.97, 0.03, 0.0], [0.55, 0.45, 0.0], [0.0, 0.40, 0.60]])
LAST_YEAR = 2025


def buildings(p: dict, rng) -> None:
    """`building_year` (0 when none), `quality` and `procedures` (indices, -1 when blank) on the parcels."""
    m = len(p["zone"])
    built = np.nan_to_num(p["floor"]) > 0
    supply_year = np.floor(1970 + p["supply_day"] / 365.2425).astype(np.int64)
    year = np.minimum(supply_year + rng.integers(1, 4, m), LAST_YEAR)
    surveyed = p["building_valid"] & (rng.random(m) > 0.04)  # a few buildings of unknown age
    p["building_year"] = np.where(built & surveyed & p["supplied"], year, 0)
    age = LAST_YEAR - year
    band = np.select([age < 10, age < 20], [0, 1], 2)
    probs = np.where(p["informal"][:, None], QUALITY_INFORMAL[None, :], QUALITY_BY_AGE[band])
    quality = categorical(rng, probs)
    p["quality"] = np.where(built & p["building_valid"] & p["supplied"], quality, -1)
    land = np.where(p["collective"], np.where(p["informal"], 2, 1), 0)
    procedures = categorical(rng, PROCEDURES_BY_LAND[land])
    p["procedures"] = np.where(p["supplied"], procedures, -1)
