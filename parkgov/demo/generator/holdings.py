"""Land held per firm (how many parcels, how large), the 2024 revenue that goes with it, and the unoccupied
批而未供 / 储备 parcels."""

from __future__ import annotations

import numpy as np

from parkgov.demo.generator.industries import GROUP_INTENSITY, GROUPS
from parkgov.demo.generator.sampling import lognormal, normalised
from parkgov.demo.generator.zones import ZONES

MU_M2 = 10000 / 15
ABOVE_SCALE_REVENUE = 2000.0  # 万元: 规模以上工业企业 主营业务收入 threshold


def draw_holdings(n: int, firms: dict, rng) -> dict:
    """Parcels per holder firm (firm-major) sized by scale, plus unoccupied 批而未供 and 储备 parcels.

    The firm's 2024 revenue follows from its land and a drawn 亩均税收 (long low tail), so that tax per mu,
    tax ≈ 2–7 % of revenue and the 规上 threshold (2,000 万元) hold together; 规下 firms above the threshold
    are rare (capped with probability 0.8) and left as cases for a "应统未统" check.
    """
    total = max(1, int(round(n * 5 / 3)))
    n_ans = int(round(total * 0.05))
    n_res = int(round(total * 0.01))
    holders, k = _parcels_per_holder(firms, total - n_ans - n_res, rng)
    low_eff, new_firm, new_started = _firm_kinds(firms, holders, k, rng)
    owner, rank, mu = _holder_parcels(firms, holders, k, low_eff, new_firm, rng)
    land_mu = np.bincount(owner, weights=mu, minlength=firms["n"])
    rate = _tax_rates(firms, rng)
    revenue = _revenue(firms, land_mu, rate, low_eff, new_firm, rng)
    k_by_firm = np.zeros(firms["n"], dtype=np.int64)
    k_by_firm[holders] = k
    firms.update(revenue=revenue, rate=rate, land_mu=land_mu, low_eff=low_eff, new_firm=new_firm,
                 new_started=new_started, k=k_by_firm)

    un_zone, un_status, un_mu = _unoccupied(n_ans, n_res, rng)
    n_un = len(un_zone)
    return {
        "owner": np.r_[owner, np.full(n_un, -1)],
        "rank": np.r_[rank, np.zeros(n_un, dtype=np.int64)],
        "zone": np.r_[firms["zone"][owner], un_zone],
        "area_target": np.r_[mu, un_mu] * MU_M2,
        "status0": np.r_[np.full(len(owner), 2), un_status],
    }


def _parcels_per_holder(firms: dict, target: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Holder firms and their parcel counts: one each, the rest of `target` mostly to larger (规上) firms."""
    holders = np.flatnonzero(~firms["tenant"])
    n_holder_parcels = max(target, len(holders))
    k = np.ones(len(holders), dtype=np.int64)
    extra = n_holder_parcels - len(holders)
    if extra > 0:  # larger firms hold several parcels (expansion phases)
        w = np.where(firms["above"][holders], 6.0, 1.0) * lognormal(rng, 1.0, 0.6, len(holders))
        k += np.bincount(rng.choice(len(holders), size=extra, p=w / w.sum()), minlength=len(holders))
    return holders, k


def _firm_kinds(firms: dict, holders: np.ndarray, k: np.ndarray, rng) -> tuple[np.ndarray, ...]:
    """Low-efficiency firms (small firms on oversized old land), new firms and new firms already producing."""
    nf = firms["n"]
    above, tenant = firms["above"], firms["tenant"]
    low_eff = ~above & ~tenant & (rng.random(nf) < np.array([z.low_efficiency_p for z in ZONES])[firms["zone"]])
    new_firm = np.zeros(nf, dtype=bool)  # bought land, not (or only just) producing
    new_firm[holders] = (~above[holders]) & (k == 1) & (rng.random(len(holders)) < 0.02)
    new_started = new_firm & (rng.random(nf) < 0.5)  # trial production in the last year
    return low_eff, new_firm, new_started


def _holder_parcels(firms: dict, holders, k, low_eff, new_firm, rng) -> tuple[np.ndarray, ...]:
    """Owner, rank within the owner and size (亩) of every held parcel, firm-major."""
    above = firms["above"]
    owner = np.repeat(holders, k)
    starts = np.repeat(np.cumsum(np.r_[0, k[:-1]]), k)
    rank = np.arange(len(owner)) - starts
    zone_size = np.array([z.parcel_size for z in ZONES])[firms["zone"][owner]]
    mu = np.where(above[owner], lognormal(rng, 11.0, 0.85, len(owner)), lognormal(rng, 4.5, 0.45, len(owner)))
    mu = mu * zone_size * np.where(low_eff[owner], 2.5, 1.0)
    mu = np.where(new_firm[owner], lognormal(rng, 15.0, 0.5, len(owner)), mu)
    mu = np.clip(mu, 2.5, 250.0)
    return owner, rank, mu


def _tax_rates(firms: dict, rng) -> np.ndarray:
    """Tax as a share of revenue, uniform in the range of the firm's industry group."""
    group = firms["group"]
    rate_lo = np.array([GROUP_INTENSITY[g][4][0] for g in GROUPS])[group]
    rate_hi = np.array([GROUP_INTENSITY[g][4][1] for g in GROUPS])[group]
    return rate_lo + rng.random(firms["n"]) * (rate_hi - rate_lo)


def _revenue(firms: dict, land_mu, rate, low_eff, new_firm, rng) -> np.ndarray:
    """2024 revenue (万元) of holders from land × 亩均税收 / tax rate; tenants drawn directly.

    Also settles the scale of tenants (规上 by revenue, with a few misreported) in `firms["above"]`.
    """
    nf = firms["n"]
    above, tenant = firms["above"], firms["tenant"]
    tax_mu = np.where(above, lognormal(rng, 26.0, 0.7, nf), lognormal(rng, 16.0, 1.1, nf))
    tax_mu = np.where(low_eff, tax_mu / 2.2, tax_mu)
    revenue = tax_mu * land_mu / rate
    capped = ~above & (revenue >= ABOVE_SCALE_REVENUE) & (rng.random(nf) < 0.8)
    revenue = np.where(capped, ABOVE_SCALE_REVENUE * rng.uniform(0.7, 0.99, nf), revenue)
    revenue = np.where(above, np.maximum(revenue, ABOVE_SCALE_REVENUE * rng.uniform(1.0, 1.3, nf)), revenue)
    revenue = np.where(new_firm, lognormal(rng, 900, 0.5, nf), revenue)  # once producing
    revenue = np.where(tenant, lognormal(rng, 550, 0.8, nf), revenue)
    firms["above"] = np.where(tenant, (revenue >= ABOVE_SCALE_REVENUE) ^ (rng.random(nf) < 0.03), above)
    return revenue


def _unoccupied(n_ans: int, n_res: int, rng) -> tuple[np.ndarray, ...]:
    """Zone, status (批而未供 / 储备) and size (亩) of the parcels no firm holds."""
    n_un = n_ans + n_res
    un_zone = rng.choice(len(ZONES), size=n_un, p=normalised([z.unoccupied_w for z in ZONES]))
    un_status = np.r_[np.full(n_ans, 0), np.full(n_res, 4)]  # index into SUPPLY_STATUSES
    un_mu = np.clip(lognormal(rng, 18, 0.8, n_un), 2.5, 250.0)
    return un_zone, un_status, un_mu

