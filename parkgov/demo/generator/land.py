"""Parcel attributes (supply status, ownership, supply, land use, registered area, price, buildings), 宗地代码
parts and land links (holders, tenants, subtenants).

Runs after the layout has fixed the parcel order and true areas.
"""

from __future__ import annotations

import numpy as np

from parkgov.demo.generator.arrays import group_starts, rank_in_group, rounded
from parkgov.demo.generator.dates import NEVER, REF_DAY, day
from parkgov.demo.generator.holdings import MU_M2
from parkgov.demo.generator.sampling import categorical, days_between, lognormal, weighted_sample
from parkgov.demo.generator.zones import ZONES

SUPPLY_STATUSES = ("approved_not_supplied", "supplied_not_used", "in_use", "idle", "reserved")
SUPPLY_METHODS = ("transfer", "allocation", "lease", "share", "collective_use", "other")


def parcel_attributes(p: dict, firms: dict, geo: dict, rng) -> None:
    """Status, ownership, supply, buildings and registered area, after the layout fixed the parcel order."""
    p["status"] = _supply_statuses(p, firms, rng)
    _ownership(p, rng)
    p["supply_day"] = _supply_days(p, firms, rng)
    p["supplied"] = p["owner"] >= 0
    _supply_terms(p, rng)
    _land_use(p, rng)
    p["registered"] = _registered_area(geo["area"], rng)
    p["price"] = _land_price(p, rng)
    _buildings(p, firms, rng)


def _new_firm_parcels(p: dict, firms: dict) -> np.ndarray:
    """Parcels held by new firms (bought land, not or only just producing)."""
    return (p["owner"] >= 0) & firms["new_firm"][np.maximum(p["owner"], 0)]


def _supply_statuses(p: dict, firms: dict, rng) -> np.ndarray:
    """Index into SUPPLY_STATUSES: held parcels in use, ~4 % 供而未用 and ~3 % 闲置; the rest as drawn."""
    status = p["status0"].copy()
    _not_yet_used(p, firms, status, rng)
    _idle(p, firms, status, rng)
    return status


def _not_yet_used(p: dict, firms: dict, status: np.ndarray, rng) -> None:
    """供而未用: new firms' parcels, plus recently bought extra parcels of growing firms (~4 % in all)."""
    m = len(p["zone"])
    owner = np.maximum(p["owner"], 0)
    new_firm_parcel = _new_firm_parcels(p, firms)
    status[new_firm_parcel & ~firms["new_started"][owner]] = 1
    last_extra = (p["owner"] >= 0) & (p["rank"] > 0) & (p["rank"] == firms["k"][owner] - 1)
    need = max(0, int(round(0.04 * m)) - int(new_firm_parcel.sum()))
    candidates = np.flatnonzero(last_extra & ~new_firm_parcel)
    snu_extra = np.zeros(m, dtype=bool)
    if need and len(candidates):
        snu_extra[rng.choice(candidates, size=min(need, len(candidates)), replace=False)] = True
    status[snu_extra] = 1


def _idle(p: dict, firms: dict, status: np.ndarray, rng) -> None:
    """闲置 (~3 %): held parcels of ordinary firms, more often of low-efficiency firms."""
    pool = np.flatnonzero((p["owner"] >= 0) & (status == 2))
    n_idle = min(len(pool), int(round(0.03 * len(p["zone"]))))
    if n_idle:
        w = np.where(firms["low_eff"][p["owner"][pool]], 4.0, 1.0)
        status[pool[weighted_sample(rng, w, n_idle)]] = 3


def _ownership(p: dict, rng) -> None:
    """Collective land mostly in the 工业集聚点, never for 批而未供 / 储备; most of it without a registered right."""
    m = len(p["zone"])
    collective = (p["owner"] >= 0) & (rng.random(m) < np.array([z.collective_p for z in ZONES])[p["zone"]])
    p["collective"] = collective
    p["informal"] = collective & (rng.random(m) < 0.65)  # no collective construction-land right registered (JA)


def _supply_days(p: dict, firms: dict, rng) -> np.ndarray:
    """Supply date, by zone era; a firm's later parcels are later; 供而未用 parcels are recent."""
    m = len(p["zone"])
    held = p["owner"] >= 0
    status = p["status"]
    new_firm_parcel = _new_firm_parcels(p, firms)
    lo, hi = _era_bounds(p["zone"])
    days = _in_rank_order(p, firms["n"], lo + (rng.random(m) * (hi - lo)).astype(np.int64))
    # established firms (all but the new ones) started on their first parcel by 2020
    established = held & (p["rank"] == 0) & ~new_firm_parcel
    hi_old = np.maximum(np.minimum(hi, day(2020, 12, 31)), lo)
    days = np.where(established & (days > hi_old), lo + (rng.random(m) * (hi_old - lo)).astype(np.int64), days)
    recent = days_between(rng, m, day(2021, 7), day(2024, 12, 31))
    days = np.where(status == 1, recent, days)
    days = np.where(new_firm_parcel, days_between(rng, m, day(2022, 3), day(2024, 12, 31)), days)
    idle_day = days_between(rng, m, day(2004), day(2020, 12, 31))
    return np.where(status == 3, np.minimum(days, idle_day), days)


def _era_bounds(zone: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last day of each parcel's zone era (supply years)."""
    era0 = np.array([z.era[0] for z in ZONES])[zone]
    era1 = np.array([z.era[1] for z in ZONES])[zone]
    day0 = np.array([day(y) for y in range(1990, 2027)])
    return day0[era0 - 1990], day0[era1 + 1 - 1990] - 1


def _in_rank_order(p: dict, nf: int, days: np.ndarray) -> np.ndarray:
    """The days re-dealt within each owner so that rank 0 is the earliest."""
    m = len(days)
    owner_key = np.where(p["owner"] >= 0, p["owner"], nf + np.arange(m))
    order = np.lexsort((days, owner_key))
    by_owner_rank = np.lexsort((p["rank"], owner_key))
    days_new = np.empty(m, dtype=np.int64)
    days_new[by_owner_rank] = days[order]
    return days_new


def _supply_terms(p: dict, rng) -> None:
    """Supply method (transfer mostly; collective land by right or informally) and term in years."""
    m = len(p["zone"])
    collective, informal, supplied = p["collective"], p["informal"], p["supplied"]
    u = rng.random(m)
    method = np.select([u < 0.91, u < 0.93, u < 0.96], [0, 1, 2], 3)  # transfer / allocation / lease / share
    method = np.where(collective, np.where(informal, 5, 4), method)
    year = 1970 + p["supply_day"] / 365.2425
    flexible = (method == 0) & (year >= 2017) & (rng.random(m) < 0.3)
    term = np.select([method == 2, method == 4, flexible], [20.0, 30.0, np.where(rng.random(m) < 0.5, 20.0, 30.0)],
                     50.0)
    term = np.where((method == 1) | (method == 5), np.nan, term)
    p["method"] = method
    p["method_valid"] = supplied & ~(informal & (rng.random(m) < 0.4))
    p["term"] = np.where(supplied, term, np.nan)


def _land_use(p: dict, rng) -> None:
    """用地用海分类 by the zone's weights; ~2 % of parcels without one."""
    lu_codes = sorted({c for z in ZONES for c in z.land_use})
    lu_w = np.array([[z.land_use.get(c, 0.0) for c in lu_codes] for z in ZONES])
    p["land_use_codes"] = lu_codes
    p["land_use"] = categorical(rng, lu_w[p["zone"]])
    p["land_use_valid"] = rng.random(len(p["zone"])) > 0.02


def _registered_area(true_area: np.ndarray, rng) -> np.ndarray:
    """The polygon's true area, registered mostly within ±2 %, a few off by 5–15 %."""
    m = len(true_area)
    eps = np.clip(rng.normal(0, 0.006, m), -0.02, 0.02)
    off = rng.random(m) < 0.04
    eps = np.where(off, rng.choice([-1.0, 1.0], m) * rng.uniform(0.05, 0.15, m), eps)
    registered = true_area * (1 + eps)
    return np.where(rng.random(m) < 0.3, np.round(registered), rounded(registered))


def _land_price(p: dict, rng) -> np.ndarray:
    """Land price (万元): rising with the year, pro rata for flexible terms; only for paid supply."""
    mu = p["registered"] / MU_M2
    year = 1970 + p["supply_day"] / 365.2425
    term = p["term"]
    price_per_mu = 6.0 * 1.068 ** np.clip(year - 1995, 0, None) * lognormal(rng, 1.0, 0.15, len(mu))
    price = mu * price_per_mu * np.where(np.isnan(term), 1.0, term / 50.0)
    return np.where(p["supplied"] & np.isin(p["method"], (0, 3)), rounded(price), np.nan)


def _buildings(p: dict, firms: dict, rng) -> None:
    """Floor, footprint, admin and green areas as built: none on 供而未用, part of it on half the idle land."""
    m = len(p["zone"])
    floor, footprint, admin, green = _building_capacity(p, firms, rng)
    status = p["status"]
    in_use, idle, snu = status == 2, status == 3, status == 1
    partial = idle & (rng.random(m) < 0.5)
    idle_frac = rng.uniform(0.05, 0.3, m)
    built = in_use | partial
    scale = np.where(partial, idle_frac, 1.0)
    p["floor"] = rounded(np.where(built, floor * scale, np.where(snu | idle, 0.0, np.nan)))
    p["footprint"] = rounded(np.where(built, footprint * scale, np.where(snu | idle, 0.0, np.nan)))
    p["admin"] = rounded(np.where(built, admin * scale, np.nan))
    p["green"] = rounded(np.where(built, green, np.nan))
    p["building_valid"] = rng.random(m) > 0.015  # a few parcels without surveyed building figures


def _building_capacity(p: dict, firms: dict, rng) -> tuple[np.ndarray, ...]:
    """Floor, footprint, admin and green areas of a fully built parcel, from 容积率, 建筑系数 and shares."""
    m = len(p["zone"])
    zone, registered = p["zone"], p["registered"]
    plot = np.array([z.plot_ratio for z in ZONES])[zone] * lognormal(rng, 1.0, 0.28, m)
    low = firms["low_eff"][np.maximum(p["owner"], 0)] & (p["owner"] >= 0)
    plot = np.clip(np.where(low, plot * 0.55, plot), 0.25, 3.2)
    c0 = np.array([z.coverage[0] for z in ZONES])[zone]
    c1 = np.array([z.coverage[1] for z in ZONES])[zone]
    coverage = c0 + rng.random(m) * (c1 - c0)
    coverage = np.where(rng.random(m) < 0.05, rng.uniform(0.15, 0.3, m), coverage)
    footprint = registered * coverage
    floor = np.maximum(registered * plot, footprint)
    admin_share = np.where(rng.random(m) < 0.04, rng.uniform(0.075, 0.15, m), rng.uniform(0.015, 0.07, m))
    green_share = np.where(rng.random(m) < 0.05, rng.uniform(0.2, 0.3, m), rng.uniform(0.05, 0.2, m))
    return floor, footprint, registered * admin_share, registered * green_share


def land_codes(p: dict, rng) -> None:
    """宗地代码 for ~85 % of parcels: district per zone, sub-district per 5,000 parcels, rising sequence."""
    m = len(p["zone"])
    status = p["status"]
    has = np.where(status == 0, False,
                   np.where(status == 4, rng.random(m) < 0.5,
                            rng.random(m) < np.where(p["collective"], 0.8, 0.9)))
    zone = p["zone"]
    coded = np.flatnonzero(has)
    rank = rank_in_group(zone[coded])  # parcels are in layout order, so ranks follow the map
    sub = rank // 5000 + 1
    step = rng.integers(1, 9, len(coded))
    # sequence: cumulative steps within (zone, sub-district)
    key = zone[coded] * 1000 + sub
    cum = np.cumsum(step)
    starts = group_starts(key)
    base = np.repeat(cum[starts] - step[starts], np.diff(np.r_[starts, len(coded)]))
    seq = cum - base
    district = np.array([z.district for z in ZONES])[zone[coded]]
    collective = p["collective"][coded]
    feature = np.where(collective, np.where(p["informal"][coded], 2, 1), 0)  # GB / JB / JA
    p["land_code_index"] = coded
    p["land_code_parts"] = (district, sub, feature, seq)


def links(f: dict, p: dict, rng) -> dict:
    """Holder links for every supplied parcel; tenants on in-use parcels of their zone; a few subtenants.

    Also moves tenants to the zone of their parcel where needed, marks tenants that left, and sets the
    tenants' production start from their lease (`f` is updated in place).
    """
    ten, first_link, leave = _tenant_links(f, p, rng)
    sub = _subtenant_links(f, p, ten, first_link & ~leave, rng)
    hold = _holder_links(p)
    result = _unique_links({k: np.r_[hold[k], ten[k], sub[k]] for k in hold}, len(p["zone"]))
    _production_from_leases(f, result, rng)
    return result


def _holder_links(p: dict) -> dict:
    """One holder link per supplied parcel, from the supply date, open-ended."""
    held = np.flatnonzero(p["owner"] >= 0)
    return {
        "firm": p["owner"][held], "parcel": held, "role": np.zeros(len(held), dtype=np.int64),
        "land": p["registered"][held], "floor": p["floor"][held], "start": p["supply_day"][held],
        "end": np.full(len(held), -1, dtype=np.int64),
    }


class _InUseParcels:
    """Floor-weighted draws of in-use parcels by zone (of any zone when the zone has none)."""

    def __init__(self, p: dict):
        in_use = np.flatnonzero((p["status"] == 2) & (p["floor"] > 0))
        in_use = in_use[np.argsort(p["zone"][in_use], kind="stable")]
        nz = len(ZONES)
        cw = np.cumsum(p["floor"][in_use])
        z_of = p["zone"][in_use]
        zstart = np.searchsorted(z_of, np.arange(nz), side="left")
        zend = np.searchsorted(z_of, np.arange(nz), side="right")
        self.in_use, self.cw = in_use, cw
        self.total_w = cw[-1] if len(in_use) else 0.0
        self.base = np.where(zstart > 0, cw[np.maximum(zstart - 1, 0)] if len(in_use) else 0.0, 0.0)
        self.top = cw[np.maximum(zend - 1, 0)] if len(in_use) else np.zeros(nz)
        self.empty_zone = zend == zstart

    def pick(self, zones: np.ndarray, rng) -> np.ndarray:
        """A floor-weighted in-use parcel of each zone (of any zone when the zone has none)."""
        lo = np.where(self.empty_zone[zones], 0.0, self.base[zones])
        hi = np.where(self.empty_zone[zones], self.total_w, self.top[zones])
        target = lo + rng.random(len(zones)) * (hi - lo)
        chosen = np.minimum(np.searchsorted(self.cw, target, side="right"), max(len(self.in_use) - 1, 0))
        return self.in_use[chosen] if len(self.in_use) else np.zeros(0, dtype=np.int64)


def _tenant_links(f: dict, p: dict, rng) -> tuple[dict, np.ndarray, np.ndarray]:
    """Tenant links, which of them are a tenant's first link, and which tenants have left."""
    t_firm, t_parcel, first_link = _tenant_places(f, p, rng)
    t_floor, t_land = _rented_areas(f, p, t_firm, t_parcel, rng)
    t_start, t_end = _leases(p, t_parcel, rng)
    leave, t_end = _tenants_leaving(f, t_firm, t_start, t_end, first_link, rng)
    ten = {"firm": t_firm, "parcel": t_parcel, "role": np.ones(len(t_firm), dtype=np.int64), "land": t_land,
           "floor": t_floor, "start": t_start, "end": t_end}
    return ten, first_link, leave


def _tenant_places(f: dict, p: dict, rng) -> tuple[np.ndarray, ...]:
    """Tenant firm and parcel of each lease: an in-use parcel of the firm's zone; ~6 % rent in a second place."""
    tenants = np.flatnonzero(f["tenant"] & ~f["subtenant"])
    parcels = _InUseParcels(p)
    if len(parcels.in_use) == 0:
        tenants = tenants[:0]
    t_parcel = parcels.pick(f["zone"][tenants], rng)
    f["zone"][tenants] = p["zone"][t_parcel]  # only changes firms of a zone without in-use parcels
    t2 = tenants[rng.random(len(tenants)) < 0.06]
    t_firm = np.r_[tenants, t2]
    t_parcel = np.r_[t_parcel, parcels.pick(f["zone"][t2], rng)]
    first_link = np.r_[np.ones(len(tenants), dtype=bool), np.zeros(len(t2), dtype=bool)]
    return t_firm, t_parcel, first_link


def _rented_areas(f: dict, p: dict, t_firm, t_parcel, rng) -> tuple[np.ndarray, np.ndarray]:
    """Rented floor (from the tenant's revenue, at most 90 % of the parcel's buildings) and, for ~30 %, land."""
    t_floor = f["revenue"][t_firm] / lognormal(rng, 0.28, 0.5, len(t_firm))  # 万元 per m² of floor
    t_floor = np.clip(t_floor, 150, None)
    rented = np.bincount(t_parcel, weights=t_floor, minlength=len(p["zone"]))
    factor = np.minimum(1.0, 0.9 * np.nan_to_num(p["floor"]) / np.maximum(rented, 1e-9))
    t_floor = rounded(t_floor * factor[t_parcel])
    plot = np.nan_to_num(p["floor"][t_parcel] / p["registered"][t_parcel], nan=1.0)
    t_land = np.where(rng.random(len(t_firm)) < 0.3, rounded(t_floor / np.maximum(plot, 0.3)), np.nan)
    return t_floor, t_land


def _leases(p: dict, t_parcel: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """Lease start (a year or more after supply) and end (-1 when open-ended or expired and not kept)."""
    k = len(t_parcel)
    supply = p["supply_day"][t_parcel]
    lo_day = np.minimum(supply + 365, day(2025, 6, 30))
    lo_day = np.maximum(lo_day, supply)
    t_start = lo_day + (rng.random(k) * (day(2025, 9, 30) - lo_day).clip(0)).astype(np.int64)
    term_years = rng.choice([3, 5, 10], k, p=[0.45, 0.4, 0.15])
    t_end = t_start + (term_years * 365.25).astype(np.int64)
    expired_kept = rng.random(k) < 0.15
    t_end = np.where((t_end < REF_DAY) & ~expired_kept, -1, t_end)
    t_end = np.where(rng.random(k) < 0.35, -1, t_end)  # open-ended leases
    return t_start, t_end


def _tenants_leaving(f: dict, t_firm, t_start, t_end, first_link, rng) -> tuple[np.ndarray, np.ndarray]:
    """Some tenants have left: deregistered / moved out, lease ended in 2024. Returns (leave, new lease ends)."""
    n = f["n"]
    gone = np.zeros(n, dtype=bool)
    candidates = first_link & (t_start < day(2023, 6, 30)) & ~np.isin(t_firm, t_firm[~first_link])
    leave = candidates & (rng.random(len(t_firm)) < 0.12)
    t_end = np.where(leave, days_between(rng, len(t_firm), day(2024, 1, 15), day(2024, 12, 15)), t_end)
    gone[t_firm[leave]] = True
    f["status"] = np.where(gone, np.where(rng.random(n) < 0.5, 4, 5), f["status"])
    f["end_day"] = np.full(n, -1, dtype=np.int64)
    f["end_day"][t_firm[leave]] = t_end[leave]
    return leave, t_end


def _subtenant_links(f: dict, p: dict, ten: dict, host_ok: np.ndarray, rng) -> dict:
    """Subtenants: part of a (first-link, still current) tenant's floor, not beyond the head lease."""
    subs = np.flatnonzero(f["subtenant"])
    host_pool = np.flatnonzero(host_ok)
    if not (len(host_pool) and len(subs)):
        return {k: v[:0] for k, v in ten.items()}
    host = host_pool[rng.integers(0, len(host_pool), len(subs))]
    s_floor = rounded(ten["floor"][host] * rng.uniform(0.2, 0.5, len(subs)))
    s_start = np.minimum(ten["start"][host] + rng.integers(60, 720, len(subs)), day(2025, 10, 31))
    s_end = np.where(ten["end"][host] >= s_start + 180, ten["end"][host], -1)  # not beyond the head lease
    s_parcel = ten["parcel"][host]
    f["zone"][subs] = p["zone"][s_parcel]
    return {"firm": subs, "parcel": s_parcel, "role": np.full(len(subs), 2), "land": np.full(len(subs), np.nan),
            "floor": s_floor, "start": s_start, "end": s_end}


def _unique_links(links: dict, m: int) -> dict:
    """(enterprise, parcel, role) is the natural key: a tenant renting twice on one parcel is one link."""
    key = (links["firm"].astype(np.int64) * (m + 1) + links["parcel"]) * 3 + links["role"]
    _, first = np.unique(key, return_index=True)
    keep = np.sort(first)
    return {k: v[keep] for k, v in links.items()}


def _production_from_leases(f: dict, links: dict, rng) -> None:
    """Tenants' production start follows the lease; the first supply or lease date of every firm."""
    tenant_first = np.full(f["n"], NEVER)
    rent = links["role"] > 0
    np.minimum.at(tenant_first, links["firm"][rent], links["start"][rent])
    has_rent = tenant_first < NEVER
    f["production_start"] = np.where(f["tenant"] & has_rent, tenant_first + rng.integers(15, 150, f["n"]),
                                     f["production_start"])
    f["production_start"] = np.minimum(f["production_start"], day(2025, 11, 30))
    f["production_valid"] = f["production_valid"] | (f["tenant"] & has_rent)
    f["first_supply_or_start"] = np.where(f["tenant"], np.where(has_rent, tenant_first, day(2018)),
                                          np.where(f["first_supply"] < NEVER, f["first_supply"], day(2020)))
