"""Yearly figures (tax, revenue, output, resources, staff, investment per firm and year) and department findings.

Figures follow each firm's 2024 revenue with growth, production start and exit; a few implausible values are
planted for the checks. Findings fall on risky firms (chemicals, 工业集聚点, low efficiency) and on parcels
without a known firm (collective, idle and 批而未供 land).
"""

from __future__ import annotations

import numpy as np

from parkgov.demo.generator.arrays import group_starts, rounded
from parkgov.demo.generator.dates import REF_DAY, YEARS, day
from parkgov.demo.generator.industries import GROUP_INTENSITY, GROUPS
from parkgov.demo.generator.sampling import categorical, days_between, lognormal, weighted_sample
from parkgov.demo.generator.zones import ZONES

CATEGORIES = ("environment", "safety", "fire", "illegal_construction", "unlicensed")
CATEGORY_DEPARTMENT = ("ecology", "emergency", "fire", "enforcement", "market")
DESCRIPTIONS = {
    "environment": ("危废暂存间标识不全", "废气收集处理设施未正常运行", "雨污分流不彻底，雨水口有污水排入",
                    "VOCs无组织排放，车间未密闭", "危险废物台账记录不全", "污水处理设施运行记录缺失",
                    "喷涂废气活性炭未按期更换", "一般固废露天堆放"),
    "safety": ("有限空间作业未履行审批手续", "特种设备未按期检验", "安全生产责任制未落实到岗位",
               "危化品仓库超量储存", "冲压设备防护装置缺失", "员工安全培训记录不全", "粉尘涉爆场所除尘系统不规范",
               "液化气瓶使用不规范"),
    "fire": ("消防通道被货物堵塞", "疏散指示标志损坏", "灭火器过期未更换", "厂房内违规设置员工宿舍（三合一）",
             "室内消火栓无水", "彩钢板夹芯材料不符合防火要求", "电气线路私拉乱接", "自动喷淋系统未保持完好"),
    "illegal_construction": ("未经审批擅自搭建钢结构棚约{n}平方米", "厂区内违法加层约{n}平方米",
                             "占用绿地搭建临时建筑约{n}平方米", "围墙外违法搭建简易仓库约{n}平方米"),
    "unlicensed": ("未取得营业执照从事生产经营", "超出登记经营范围生产", "排污许可证过期未延续",
                   "特种设备未办理使用登记", "工业产品生产许可证过期"),
}
PARCEL_FINDINGS = (  # findings on a parcel without a known firm: (department, category, description)
    ("enforcement", "illegal_construction", "集体土地上未批先建厂房约{n}平方米"),
    ("enforcement", "illegal_construction", "厂区内违法搭建钢棚约{n}平方米，使用人不明"),
    ("natural_resources", "illegal_construction", "地块被擅自占用建设约{n}平方米"),
    ("natural_resources", "other", "批而未供地块被擅自堆放物料约{n}平方米"),
    ("fire", "fire", "出租厂房消防设施缺失，承租人不明"),
    ("ecology", "environment", "闲置厂区内堆放不明固体废物约{n}平方米"),
)
DIGITS = {"water_10k_t": 3, "emissions_t": 3, "employees": 0}  # decimals where not 2
MISSING = {"energy_tce": 0.02, "electricity_10k_kwh": 0.01, "water_10k_t": 0.02, "emissions_t": 0.03,
           "rd_expense": 0.03, "employees": 0.01, "fixed_investment": 0.02}  # share of blank figures


def yearly(f: dict, rng) -> dict:
    """Three years per firm: revenue from the firm's size, tax 2–6 % of it; resources by industry."""
    n = f["n"]
    revenue = _revenue_by_year(f, rng)
    start_year = _start_years(f)
    years = np.array(YEARS)[None, :]
    producing = years >= start_year[:, None]
    first_year = years == start_year[:, None]
    revenue = np.where(producing, revenue, 0.0)
    revenue = np.where(first_year, revenue * rng.uniform(0.15, 0.5, (n, 1)), revenue)
    tax, output, value_added = _output_figures(f, revenue, rng)
    energy, electricity, water, emissions = _resource_figures(f, np.where(producing, output, 0.0), rng)
    rd, employees = _research_and_staff(f, revenue, producing, rng)
    invest = _investment(f, revenue, start_year, rng)
    # before production a land holder still pays 城镇土地使用税 (about 0.3–0.6 万元 per 亩 and year)
    land_tax = f["land_mu"][:, None] * rng.uniform(0.3, 0.6, (n, len(YEARS)))
    tax = np.where(producing, tax, np.where(f["new_firm"][:, None], land_tax, 0.0))
    cols = {"tax": tax, "revenue": revenue, "output_value": output, "value_added": value_added,
            "energy_tce": energy, "electricity_10k_kwh": electricity, "water_10k_t": water,
            "emissions_t": emissions, "rd_expense": rd, "employees": employees, "fixed_investment": invest}
    out = _rows(f, cols, rng)
    _oddities(out, n, rng)
    return out


def _noise(rng, sigma, shape) -> np.ndarray:
    """Multiplicative lognormal noise around 1."""
    return np.exp(rng.normal(0, sigma, shape))


def _revenue_by_year(f: dict, rng) -> np.ndarray:
    """Revenue (n, years) around the firm's 2024 revenue, with correlated growth into 2025."""
    n = f["n"]
    base = f["revenue"]  # 2024
    g24 = rng.normal(0.05, 0.10, n)
    g25 = 0.4 * g24 + rng.normal(0.03, 0.10, n)
    return np.stack([base / np.exp(g24), base, base * np.exp(g25)], axis=1)


def _start_years(f: dict) -> np.ndarray:
    """Year production started (inf when not yet): firms that have not started produce nothing."""
    start_year = np.where(f["production_valid"], 1970 + (f["production_start"] + 0.5) / 365.2425, np.inf)
    return np.floor(start_year)


def _output_figures(f: dict, revenue: np.ndarray, rng) -> tuple[np.ndarray, ...]:
    """Tax (at the firm's rate), output value and value added."""
    shape = revenue.shape
    tax = revenue * f["rate"][:, None] * _noise(rng, 0.08, shape)
    output = revenue * rng.uniform(0.9, 1.1, shape)
    value_added = output * rng.uniform(0.18, 0.30, (shape[0], 1)) * _noise(rng, 0.04, shape)
    return tax, output, value_added


def _resource_figures(f: dict, size: np.ndarray, rng) -> tuple[np.ndarray, ...]:
    """Energy (tce), electricity (万kWh), water (万t) and emissions (t) from output by industry intensity."""
    n, shape = f["n"], size.shape
    intens = np.array([GROUP_INTENSITY[g][:4] for g in GROUPS])[f["group"]]
    energy = size * intens[:, [0]] * lognormal(rng, 1.0, 0.5, (n, 1)) * _noise(rng, 0.06, shape)
    electricity = energy * np.clip(intens[:, [3]] * _noise(rng, 0.05, shape), 0.05, 0.98) / 1.229
    water = size * intens[:, [1]] * lognormal(rng, 1.0, 0.5, (n, 1)) * _noise(rng, 0.08, shape) / 10000
    emissions = size * intens[:, [2]] * lognormal(rng, 1.0, 0.6, (n, 1)) * _noise(rng, 0.1, shape) / 1000
    return energy, electricity, water, emissions


def _research_and_staff(f: dict, revenue, producing, rng) -> tuple[np.ndarray, np.ndarray]:
    """R&D expense (规上 firms always, others often none) and employees from revenue per head."""
    n, shape = f["n"], revenue.shape
    rd_share = np.where(f["above"], rng.uniform(0.01, 0.06, n), np.where(rng.random(n) < 0.4, 0.0,
                                                                        rng.uniform(0.0, 0.04, n)))
    rd = revenue * rd_share[:, None] * _noise(rng, 0.1, shape)
    productivity = lognormal(rng, 95, 0.35, n)  # 万元 per employee
    employees = np.round(np.maximum(revenue / productivity[:, None], np.where(producing, 3, 0))
                         * _noise(rng, 0.03, shape))
    # not yet producing firms still employ some staff and invest
    employees = np.where(~producing & f["new_firm"][:, None], np.round(rng.uniform(3, 20, (n, 1))), employees)
    return rd, employees


def _investment(f: dict, revenue, start_year, rng) -> np.ndarray:
    """Fixed investment: none in ~45 % of years, else a share of revenue; new firms invest while building."""
    shape = revenue.shape
    invest = np.where(rng.random(shape) < 0.45, 0.0, revenue * rng.uniform(0.01, 0.15, shape))
    # new firms build: 投资强度 of about 250–450 万元/亩 spread over the construction years
    build_invest = f["new_firm"][:, None] & (np.array(YEARS)[None, :] <= start_year[:, None])
    return np.where(build_invest, f["land_mu"][:, None] * rng.uniform(80, 150, shape), invest)


def _rows(f: dict, cols: dict, rng) -> dict:
    """One row per firm and year it existed, figures rounded and a few left blank."""
    keep = _kept_years(f).ravel()
    rows_firm = np.repeat(np.arange(f["n"]), len(YEARS))[keep]
    rows_year = np.tile(np.array(YEARS), f["n"])[keep]
    out = {"firm": rows_firm, "year": rows_year}
    k = len(rows_firm)
    for name, values in cols.items():
        v = rounded(values.ravel()[keep], DIGITS.get(name, 2))
        if name in MISSING:
            v = np.where(rng.random(k) < MISSING[name], np.nan, v)
        out[name] = v
    return out


def _kept_years(f: dict) -> np.ndarray:
    """(firm, year) mask: every firm and year, except firms gone before a year and tenants not yet there."""
    years = np.array(YEARS)[None, :]
    end_year = np.where(f["end_day"] >= 0, np.floor(1970 + f["end_day"] / 365.2425), 9999)
    keep = years <= end_year[:, None]
    # tenant firms registered after a year have no row for that year
    keep &= (years >= np.floor(1970 + np.minimum(f["first_supply_or_start"], REF_DAY) / 365.2425)[:, None]) | \
        ~f["tenant"][:, None]
    return keep


def _oddities(out: dict, n: int, rng) -> None:
    """Plausibility oddities: tax above revenue, value added above output, energy in kgce instead of tce."""
    last = np.flatnonzero(out["year"] == YEARS[-1])
    producing_last = last[out["revenue"][last] > 50]
    for count, fn in ((max(2, n // 600), "tax"), (max(1, n // 1000), "value_added"), (max(1, n // 1000), "energy")):
        if not len(producing_last):
            break
        idx = rng.choice(producing_last, size=min(count, len(producing_last)), replace=False)
        if fn == "tax":
            out["tax"][idx] = rounded(out["revenue"][idx] * rng.uniform(1.2, 3.0, len(idx)))
        elif fn == "value_added":
            out["value_added"][idx] = rounded(out["output_value"][idx] * rng.uniform(1.05, 1.5, len(idx)))
        else:
            out["energy_tce"][idx] = rounded(np.nan_to_num(out["energy_tce"][idx], nan=10.0) * 1000)


def findings(f: dict, p: dict, links: dict, rng) -> dict:
    """Findings on ~8 % of firms (1–3 each, by risk), and on ~1.2 % of parcels without a known firm.

    Returns drawn indices and uniforms; `frames` turns them into rows (descriptions, statuses).
    """
    firm_side = _firm_findings(f, links, rng)
    pp, template = _parcel_findings(p, rng)
    k = len(firm_side["firm"])
    return {**firm_side,
            "desc_u": rng.random(k), "area_n": rng.integers(3, 80, k) * 10,
            "status_u": rng.random(k), "status_v": rng.random(k),
            "p_parcel": pp, "p_template": template,
            "p_found": days_between(rng, len(pp), day(2023, 2, 1), day(2025, 12, 19)),
            "p_severity": categorical(rng, np.tile([0.45, 0.45, 0.10], (len(pp), 1))),
            "p_area": rng.integers(5, 150, len(pp)) * 10, "p_status_u": rng.random(len(pp)),
            "p_status_v": rng.random(len(pp))}


def _firm_findings(f: dict, links: dict, rng) -> dict:
    """Firm, parcel (-1 when none), category, severity and date of the findings on firms."""
    n = f["n"]
    risk = np.array([z.risk for z in ZONES])[f["zone"]] * np.where(f["low_eff"], 1.8, 1.0)
    chosen = np.sort(weighted_sample(rng, risk, int(round(0.08 * n))))
    per = rng.choice([1, 2, 3], len(chosen), p=[0.62, 0.27, 0.11])
    firm = np.repeat(chosen, per)
    k = len(firm)
    probs, chem = _category_probabilities(f, firm)
    category = categorical(rng, probs)
    severity = categorical(rng, np.where(chem[:, None], [0.55, 0.35, 0.10], [0.70, 0.26, 0.04]))
    found = days_between(rng, k, day(2023, 1, 4), day(2025, 12, 19))
    # environment and illegal-construction findings usually name the parcel
    with_parcel = np.where(np.isin(category, (0, 3)), rng.random(k) < 0.8, rng.random(k) < 0.3)
    parcel = np.where(with_parcel, _primary_parcels(n, links)[firm], -1)
    return {"firm": firm, "parcel": parcel, "category": category, "severity": severity, "found": found}


def _category_probabilities(f: dict, firm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chance of each of CATEGORIES per finding, by industry and zone kind; and which firms are chemical."""
    kind = np.array([z.kind for z in ZONES])[f["zone"][firm]]
    chem = f["group"][firm] == GROUPS.index("chemical")
    probs = np.tile([0.30, 0.30, 0.20, 0.12, 0.08], (len(firm), 1))
    probs[chem] = [0.45, 0.40, 0.10, 0.03, 0.02]
    probs[kind == "cluster_point"] = [0.15, 0.20, 0.30, 0.22, 0.13]
    probs[kind == "small_firm_park"] = [0.20, 0.25, 0.35, 0.08, 0.12]
    return probs, chem


def _primary_parcels(n: int, links: dict) -> np.ndarray:
    """Primary parcel of each firm: first holder parcel, else the first rented parcel (-1 when none)."""
    primary = np.full(n, -1, dtype=np.int64)
    order = np.lexsort((links["start"], links["role"], links["firm"]))
    lf = links["firm"][order]
    firsts = group_starts(lf)
    primary[lf[firsts]] = links["parcel"][order][firsts]
    return primary


def _parcel_findings(p: dict, rng) -> tuple[np.ndarray, np.ndarray]:
    """Parcel-only findings on collective, idle and 批而未供 land: parcels and index into PARCEL_FINDINGS."""
    pool_w = np.where(p["collective"], 5.0, 0.0) + np.where(p["status"] == 3, 4.0, 0.0) + \
        np.where(p["status"] == 0, 3.0, 0.0)
    pool = np.flatnonzero(pool_w > 0)
    n_parcel = min(int(round(0.012 * len(p["zone"]))), len(pool))
    if n_parcel:
        pp = np.sort(pool[weighted_sample(rng, pool_w[pool], n_parcel)])
    else:
        pp = np.zeros(0, dtype=np.int64)
    template = np.where(p["status"][pp] == 0, np.where(rng.random(len(pp)) < 0.5, 2, 3),
                        np.where(p["collective"][pp], rng.choice([0, 1, 4], len(pp), p=[0.5, 0.25, 0.25]),
                                 rng.choice([1, 5, 4], len(pp), p=[0.5, 0.3, 0.2])))
    return pp, template
