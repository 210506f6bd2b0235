"""Enterprises: zone, industry and role of each firm, production start and status, 统一社会信用代码, names."""

from __future__ import annotations

import numpy as np
import polars as pl

from parkgov.codes.uscc import CHARSET as USCC_CHARSET
from parkgov.demo.generator.arrays import pick, rank_in_group
from parkgov.demo.generator.dates import NEVER, day
from parkgov.demo.generator.industries import GROUP_CODES, GROUPS
from parkgov.demo.generator.sampling import affine_permutation, categorical, counts, days_between
from parkgov.demo.generator.zones import DIVISION, ZONES

TRADE_CHARS = ("恒达华新宏利泰丰盛隆鑫源通兴广佳富荣昌瑞安康永天伟明宇海嘉诚信德正祥发远博亿立中美东升飞龙凯星光腾越航辉晨"
               "豪锦绿雅洁高联创宝顺帅欧森万亚威力浙剡舜溪江峰贝迪奥特普尔卓群益俊英乐福百春秋方圆山虹阳")
THIRD_CHARS = "兴达源盛泰华宏昌隆祥瑞丰顺鑫康宇辉豪凯捷诚信和润嘉乐福元利"
NAME_PREFIXES = ("嵊州市", "嵊州", "浙江", "绍兴")
NAME_SUFFIXES = ("有限公司", "科技有限公司", "股份有限公司")
STATUSES = ("active", "in_business", "suspended", "revoked", "deregistered", "moved_out")
OLD_ORG_PREFIXES = ("14", "25", "70", "72", "73", "74", "77", "79")  # first two digits of pre-2015 org codes


def draw_firms(n: int, rng) -> dict:
    """Zone (by the zones' firm shares), industry group and class, tenant / subtenant and 规上 of each firm."""
    zone = np.repeat(np.arange(len(ZONES)), counts(n, [z.firm_share for z in ZONES]))
    zs = np.array([[z.mix.get(g, 0.0) for g in GROUPS] for z in ZONES])
    group = categorical(rng, zs[zone])
    industry, industry_index = _industries(group, rng)
    tenant_p = np.array([z.tenant_p for z in ZONES])[zone]
    tenant = rng.random(n) < tenant_p
    subtenant = tenant & (rng.random(n) < 0.08)
    above_p = np.array([z.above_p for z in ZONES])[zone]
    above = ~tenant & (rng.random(n) < above_p)
    return {"n": n, "zone": zone, "group": group, "industry": industry, "industry_index": industry_index,
            "tenant": tenant, "subtenant": subtenant, "above": above}


def _industries(group: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """All industry classes (group by group) and each firm's index into them, drawn by weight in its group."""
    code_list = [list(GROUP_CODES[g]) for g in GROUPS]
    width = max(len(c) for c in code_list)
    code_w = np.zeros((len(GROUPS), width))
    for gi, g in enumerate(GROUPS):
        code_w[gi, :len(code_list[gi])] = [w for w, _words in GROUP_CODES[g].values()]
    industry_local = categorical(rng, code_w[group])
    industry = np.array([c for codes in code_list for c in codes])
    offsets = np.cumsum([0] + [len(c) for c in code_list])[:-1]
    return industry, offsets[group] + industry_local


def firm_dates(f: dict, p: dict, rng) -> None:
    """production_start from the firm's first parcel; statuses (suspended firms hold idle land)."""
    _production_start(f, p, rng)
    f["status"] = _statuses(f, p, rng)


def _production_start(f: dict, p: dict, rng) -> None:
    """First supply day of each holder, production some months to years later; new firms start in 2025."""
    n = f["n"]
    held = p["owner"] >= 0
    first = np.full(n, NEVER)
    np.minimum.at(first, p["owner"][held], p["supply_day"][held])
    f["first_supply"] = first
    has_land = first < NEVER
    start = np.where(has_land, first, day(2020)) + rng.integers(180, 900, n)
    start = np.minimum(start, day(2025, 6, 30))
    new = f["new_firm"]
    started_2025 = f["new_started"]
    start = np.where(started_2025, days_between(rng, n, day(2025, 1, 15), day(2025, 11, 30)), start)
    f["production_start"] = start
    f["production_valid"] = ~f["tenant"] & (~new | started_2025)  # tenants are filled from their lease


def _statuses(f: dict, p: dict, rng) -> np.ndarray:
    """Index into STATUSES: mostly active, some suspended (often with idle land), a few revoked."""
    n = f["n"]
    held = p["owner"] >= 0
    status = np.select([rng.random(n) < 0.04], [1], 0)
    idle_holder = np.zeros(n, dtype=bool)
    idle_holder[p["owner"][held & (p["status"] == 3)]] = True
    status = np.where(idle_holder & (rng.random(n) < 0.35), 2, status)
    status = np.where(~f["tenant"] & ~f["above"] & ~idle_holder & (rng.random(n) < 0.004), 3, status)
    status = np.where(~f["tenant"] & ~idle_holder & (status == 0) & (rng.random(n) < 0.008), 2, status)
    return status


def credit_codes(f: dict, rng) -> None:
    """统一社会信用代码 91330683…: old numeric organisation codes for firms before 2015-10, MA… codes after."""
    n = f["n"]
    old = f["first_supply_or_start"] < day(2015, 10, 1)
    cp = np.zeros((n, 18), dtype=np.uint32)  # code points
    cp[:, :8] = np.frombuffer(("91" + DIVISION).encode("utf-32-le"), dtype=np.uint32)
    charset = np.frombuffer(USCC_CHARSET.encode("utf-32-le"), dtype=np.uint32)
    _old_organisation_codes(cp, np.flatnonzero(old), charset[:10], rng)
    _new_organisation_codes(cp, np.flatnonzero(~old), charset, rng)
    cp[:, 16] = _organisation_check(cp[:, 8:16])
    cp[:, 17] = _credit_check(cp[:, :17], charset)
    f["credit_code"] = np.ascontiguousarray(cp).view("<U18").ravel()


def _old_organisation_codes(cp: np.ndarray, rows: np.ndarray, digits: np.ndarray, rng) -> None:
    """Old style: prefix + 6 digits, unique through a seeded affine permutation."""
    if not len(rows):
        return
    prefixes = np.array([[ord(c) for c in s] for s in OLD_ORG_PREFIXES], dtype=np.uint32)
    v = affine_permutation(rng.permutation(len(rows)), len(prefixes) * 10**6, rng)
    cp[rows, 8:10] = prefixes[v // 10**6]
    rest = v % 10**6
    for j in range(6):
        cp[rows, 10 + j] = digits[(rest // 10 ** (5 - j)) % 10]


def _new_organisation_codes(cp: np.ndarray, rows: np.ndarray, charset: np.ndarray, rng) -> None:
    """New style: MA2 + 5 characters of the GB 32100 charset, unique through a seeded affine permutation."""
    if not len(rows):
        return
    v = affine_permutation(rng.permutation(len(rows)), 31**5, rng)
    cp[rows, 8] = ord("M")
    cp[rows, 9] = ord("A")
    cp[rows, 10] = ord("2")
    for j in range(5):
        cp[rows, 11 + j] = charset[(v // 31 ** (4 - j)) % 31]


def _organisation_check(org_cp: np.ndarray) -> np.ndarray:
    """GB 11714 check character (code point) of the 8-character organisation codes."""
    org = org_cp.astype(np.int64)
    org_values = np.where(org <= ord("9"), org - ord("0"), org - 55)
    total = (org_values * np.array([3, 7, 9, 10, 5, 8, 4, 2])).sum(axis=1)
    check = 11 - total % 11
    return np.where(check == 10, ord("X"), np.where(check == 11, ord("0"), ord("0") + check % 10))


def _credit_check(head_cp: np.ndarray, charset: np.ndarray) -> np.ndarray:
    """GB 32100 check character (code point) of the first 17 characters."""
    lookup = np.zeros(128, dtype=np.int64)
    lookup[charset] = np.arange(31)
    weights = np.array([pow(3, i, 31) for i in range(17)])
    total = (lookup[head_cp] * weights).sum(axis=1)
    return charset[(31 - total % 31) % 31]


def names(f: dict, rng) -> None:
    """Unique names 嵊州市<字号><行业词>有限公司; uniqueness by (字号, 行业词) within each industry class."""
    trade = list(dict.fromkeys(TRADE_CHARS))[:90]
    third = list(dict.fromkeys(THIRD_CHARS))
    word_lists, words = _name_words(third)
    word_off = np.cumsum([0] + [len(ws) for ws in word_lists])[:-1]
    word_n = np.array([len(ws) for ws in word_lists])
    ind = f["industry_index"]
    rank = _rank_in_industry(ind, rng)
    per_code = word_n[ind]
    primary = rank < len(trade) * (len(trade) - 1) * per_code
    combo, overflow_third = _name_combinations(ind, rank, word_n, len(trade), rng)
    if (overflow_third > len(third)).any():
        raise ValueError("too many firms in one industry class for unique demo names")
    word = word_off[ind] + combo % per_code
    t1, t2 = _trade_pair(combo // per_code, len(trade))
    prefix, suffix = _affixes(f["above"], rng)
    frame = pl.DataFrame({
        "a": pick(NAME_PREFIXES, prefix), "b": pick(trade, t1), "c": pick(trade, t2),
        "d": pick([""] + third, np.where(primary, 0, overflow_third)), "e": pick(words, word),
        "f": pick(NAME_SUFFIXES, suffix)})
    f["name"] = frame.select(pl.concat_str(["a", "b", "c", "d", "e", "f"])).to_series()


def _name_words(third: list) -> tuple[list, list]:
    """Industry words per class (class order) and all of them flat; each unique, none starting with a third char."""
    word_lists = [GROUP_CODES[g][c][1] for g in GROUPS for c in GROUP_CODES[g]]
    words = [w for ws in word_lists for w in ws]
    assert len(set(words)) == len(words)
    assert not {w[0] for w in words} & set(third)
    return word_lists, words


def _rank_in_industry(ind: np.ndarray, rng) -> np.ndarray:
    """Rank of each firm within its industry class, in a random order."""
    shuffle = rng.permutation(len(ind))
    rank = np.empty(len(ind), dtype=np.int64)
    rank[shuffle] = rank_in_group(ind[shuffle])
    return rank


def _name_combinations(ind, rank, word_n, n_trade: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """(字号 pair, word) combination per firm and how many times its class ran out of combinations.

    A different affine permutation per industry class, seeded in class order.
    """
    combo = np.empty(len(ind), dtype=np.int64)
    overflow_third = np.zeros(len(ind), dtype=np.int64)
    for ci in range(len(word_n)):
        sel = np.flatnonzero(ind == ci)
        if not len(sel):
            continue
        cap = n_trade * (n_trade - 1) * word_n[ci]
        r = rank[sel]
        combo[sel] = affine_permutation(r % cap, cap, rng)
        overflow_third[sel] = r // cap
    return combo, overflow_third


def _trade_pair(pair: np.ndarray, n_trade: int) -> tuple[np.ndarray, np.ndarray]:
    """Two different 字号 characters (indices) from a pair number in [0, n·(n-1))."""
    t1 = pair // (n_trade - 1)
    t2 = pair % (n_trade - 1)
    return t1, t2 + (t2 >= t1)


def _affixes(above: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """Name prefix (place) and suffix (company form) indices; 规上 firms more often 浙江… and 股份有限公司."""
    prefix = categorical(rng, np.where(above[:, None], [0.55, 0.05, 0.32, 0.08], [0.74, 0.08, 0.12, 0.06]))
    suffix = categorical(rng, np.where(above[:, None], [0.72, 0.12, 0.16], [0.86, 0.14, 0.0]))
    return prefix, suffix
