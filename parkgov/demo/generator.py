"""Synthetic demo zone modelled on 嵊州 (Shengzhou, 330683): frames in the exchange-workbook schema plus polygons.

One development zone (嵊州经济开发区) with three 区中园 and the 城北化工园区 inside its boundary, two 小微企业园 and
two 工业集聚点 a few kilometres away ("1+N"). About 1.67 parcels per firm, laid out as rows of plots along
roads; figures with a long tail of low 亩均税收, idle and 批而未供 land, collective land and department findings.

Everything is vectorised (NumPy, Polars, Shapely on a handful of zone outlines) so that a million firms take
seconds, not hours. Output is deterministic for a seed: each section draws from its own child generator.

`generate()` returns `DemoData`: `frames` keyed by sheet name (园区/企业/地块/用地关系/年度数据/检查发现) with the
schema's field names as columns and choice *values* (e.g. "in_use"), plus WKB polygons in EPSG:4490.

Calibration notes (1,500 firms, seed 2021):
- parcels 2.5–250 亩 (median ≈ 6, 95th percentile ≈ 33): 规下 holders mostly 3–8 亩, 规上 firms larger and
  several parcels; ≈ 88 % 已供已用, 3 % 闲置, 4 % 供而未用, 5 % 批而未供, 1 % 储备; 6 % collective land.
- 亩均税收 (2025, holder land): ≈ 18–21 % below 5 万元/亩, 23 % 5–10, 16 % 10–15, 40–43 % ≥ 15. The middle
  bands are fuller than a pure lognormal would give because 规下 revenue is kept under 2,000 万元 (tax 2–7 %
  of revenue) for all but ≈ 9 % of 规下 firms, which stay as "should be 规上" cases.
- 宗地代码: GB for state land; on collective land JB where a collective construction-land right is registered
  (supply method collective_use) and JA where the firm uses village land without one (method other/blank).
- Oddities for the checks: registered area off by 5–15 % on ≈ 4 % of parcels, admin share > 7 % on ≈ 4 %,
  tax > revenue, value added > output and energy in kgce instead of tce on a handful of firms, ≈ 2 % missing
  energy figures; firms not yet producing pay only 城镇土地使用税.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import polars as pl
import pyarrow as pa
import shapely
from pyproj import Transformer

from parkgov.codes.uscc import CHARSET as USCC_CHARSET

DIVISION = "330683"
CENTRE_LON, CENTRE_LAT = 120.80, 29.60
MU_M2 = 10000 / 15
YEARS = (2023, 2024, 2025)
EPOCH = date(1970, 1, 1)
ABOVE_SCALE_REVENUE = 2000.0  # 万元: 规模以上工业企业 主营业务收入 threshold


def _day(y, m=1, d=1) -> int:
    return (date(y, m, d) - EPOCH).days


REF_DAY = _day(2025, 12, 31)  # "today" of the demo; fixed so output does not depend on the clock

CORE_ANGLE = 15.0  # road-grid rotation of the development zone, degrees

# --------------------------------------------------------------------------------------------------------------
# Zones
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ZoneSpec:
    code: str
    name: str
    parent: str | None
    kind: str
    level: str | None
    firm_share: float
    tenant_p: float  # probability that a firm of the zone is a tenant rather than a land holder
    above_p: float  # probability that a holder firm is 规上
    mix: dict  # industry group -> weight
    era: tuple  # supply years (first, last)
    collective_p: float
    land_use: dict  # 用地用海分类 code -> weight
    plot_ratio: float  # median 容积率 of in-use parcels
    coverage: tuple  # 建筑系数 range
    low_efficiency_p: float  # share of small firms on oversized old land
    risk: float  # relative chance of department findings
    core: bool  # inside the development zone boundary
    district: int  # 地籍区 number in the 宗地代码
    angle: float  # road-grid rotation, degrees
    aspect: float  # row length relative to a square layout
    unoccupied_w: float  # weight for 批而未供 / 储备 parcels
    parcel_size: float = 1.0  # parcel size multiplier
    direction: tuple = (0.0, 0.0)  # where a non-core zone lies, seen from the development zone
    gap_m: float = 0.0


_LU_GENERAL = {"100101": 0.55, "100102": 0.38, "110101": 0.07}
ZONES = (
    ZoneSpec(code="SZ-KFQ", name="嵊州经济开发区", parent=None, kind="development_zone", level="省级",
             firm_share=0.20, tenant_p=0.10, above_p=0.30,
             mix={"kitchen": 0.30, "machinery": 0.25, "silk": 0.15, "other": 0.30}, era=(1997, 2023),
             collective_p=0.03, land_use=_LU_GENERAL, plot_ratio=1.25, coverage=(0.35, 0.62),
             low_efficiency_p=0.14, risk=1.0, core=True, district=1, angle=CORE_ANGLE, aspect=1.3,
             unoccupied_w=0.30),
    ZoneSpec(code="SZ-KFQ-CJ", name="嵊州经济开发区厨具电器产业园", parent="SZ-KFQ", kind="park_in_zone", level=None,
             firm_share=0.22, tenant_p=0.10, above_p=0.32, mix={"kitchen": 0.86, "other": 0.14}, era=(2004, 2024),
             collective_p=0.0, land_use={"100101": 0.62, "100102": 0.33, "110101": 0.05}, plot_ratio=1.35,
             coverage=(0.38, 0.65), low_efficiency_p=0.10, risk=0.9, core=True, district=2, angle=CORE_ANGLE,
             aspect=1.2, unoccupied_w=0.18),
    ZoneSpec(code="SZ-KFQ-LD", name="嵊州经济开发区领带真丝产业园", parent="SZ-KFQ", kind="park_in_zone", level=None,
             firm_share=0.15, tenant_p=0.12, above_p=0.27, mix={"silk": 0.86, "other": 0.14}, era=(1996, 2020),
             collective_p=0.01, land_use={"100101": 0.58, "100102": 0.40, "110101": 0.02}, plot_ratio=1.15,
             coverage=(0.35, 0.62), low_efficiency_p=0.22, risk=1.0, core=True, district=3, angle=CORE_ANGLE,
             aspect=1.4, unoccupied_w=0.10, parcel_size=0.9),
    ZoneSpec(code="SZ-KFQ-JX", name="嵊州经济开发区机械汽配产业园", parent="SZ-KFQ", kind="park_in_zone", level=None,
             firm_share=0.15, tenant_p=0.08, above_p=0.32, mix={"machinery": 0.86, "other": 0.14},
             era=(2002, 2024), collective_p=0.0, land_use={"100101": 0.45, "100102": 0.50, "110101": 0.05},
             plot_ratio=1.2, coverage=(0.38, 0.65), low_efficiency_p=0.12, risk=1.0, core=True, district=4,
             angle=CORE_ANGLE, aspect=1.1, unoccupied_w=0.18),
    ZoneSpec(code="SZ-KFQ-HG", name="嵊州经济开发区城北化工园区", parent="SZ-KFQ", kind="park_in_zone", level=None,
             firm_share=0.03, tenant_p=0.03, above_p=0.50, mix={"chemical": 1.0}, era=(1995, 2014),
             collective_p=0.0, land_use={"100103": 0.86, "100102": 0.10, "110101": 0.04}, plot_ratio=0.8,
             coverage=(0.30, 0.50), low_efficiency_p=0.18, risk=3.0, core=True, district=5, angle=CORE_ANGLE,
             aspect=1.0, unoccupied_w=0.10, parcel_size=1.5),
    ZoneSpec(code="SZ-XW-PK", name="嵊州市浦口街道小微企业园", parent="SZ-KFQ", kind="small_firm_park", level="市级",
             firm_share=0.08, tenant_p=0.45, above_p=0.10,
             mix={"kitchen": 0.50, "machinery": 0.20, "other": 0.30}, era=(2016, 2024), collective_p=0.06,
             land_use={"100101": 0.88, "110101": 0.12}, plot_ratio=2.0, coverage=(0.40, 0.65),
             low_efficiency_p=0.05, risk=1.2, core=False, district=6, angle=-20, aspect=1.2, unoccupied_w=0.05,
             parcel_size=0.8, direction=(-0.45, -1.0), gap_m=2500),
    ZoneSpec(code="SZ-XW-GL", name="嵊州市甘霖镇小微企业园", parent="SZ-KFQ", kind="small_firm_park", level="市级",
             firm_share=0.08, tenant_p=0.45, above_p=0.10, mix={"silk": 0.60, "other": 0.40}, era=(2015, 2024),
             collective_p=0.06, land_use={"100101": 0.90, "110101": 0.10}, plot_ratio=1.9, coverage=(0.40, 0.65),
             low_efficiency_p=0.05, risk=1.2, core=False, district=7, angle=35, aspect=1.0, unoccupied_w=0.05,
             parcel_size=0.8, direction=(1.0, -0.55), gap_m=3000),
    ZoneSpec(code="SZ-JJ-CR", name="嵊州市崇仁镇工业集聚点", parent="SZ-KFQ", kind="cluster_point", level="乡级",
             firm_share=0.045, tenant_p=0.15, above_p=0.06,
             mix={"other": 0.50, "silk": 0.25, "machinery": 0.25}, era=(1995, 2016), collective_p=0.68,
             land_use={"100101": 0.70, "100102": 0.30}, plot_ratio=0.75, coverage=(0.30, 0.55),
             low_efficiency_p=0.35, risk=2.2, core=False, district=8, angle=5, aspect=1.0, unoccupied_w=0.02,
             parcel_size=0.9, direction=(-1.0, 0.15), gap_m=4000),
    ZoneSpec(code="SZ-JJ-CL", name="嵊州市长乐镇工业集聚点", parent="SZ-KFQ", kind="cluster_point", level="村级",
             firm_share=0.045, tenant_p=0.15, above_p=0.06,
             mix={"other": 0.50, "silk": 0.25, "machinery": 0.25}, era=(1995, 2016), collective_p=0.68,
             land_use={"100101": 0.70, "100102": 0.30}, plot_ratio=0.75, coverage=(0.30, 0.55),
             low_efficiency_p=0.35, risk=2.2, core=False, district=9, angle=-40, aspect=1.0, unoccupied_w=0.02,
             parcel_size=0.9, direction=(-0.75, -1.6), gap_m=7000),
)
# Arrangement of the core zones inside the development zone (rows of zone indices, top row first).
CORE_ROWS = ((4, 3), (2, 0, 1))
CORE_GAP_M = 150.0

# --------------------------------------------------------------------------------------------------------------
# Industries: GB/T 4754-2017 classes by group, with the words used in company names and resource intensities
# --------------------------------------------------------------------------------------------------------------

# code: (weight in group, name words)
GROUP_CODES = {
    "kitchen": {"3854": (0.60, ("厨具", "集成灶", "厨房电器", "厨电")), "3861": (0.12, ("燃具", "燃气具")),
                "3857": (0.12, ("电器配件", "电子")), "3381": (0.09, ("厨业", "不锈钢制品")),
                "3853": (0.07, ("电器", "风机电器"))},
    "silk": {"1830": (0.42, ("领带", "服饰", "领带服饰")), "1742": (0.22, ("丝绸", "丝织", "真丝")),
             "1743": (0.10, ("印染", "丝绸印染")), "1741": (0.04, ("茧丝", "缫丝")),
             "1819": (0.14, ("制衣", "服装")), "1752": (0.08, ("染整", "化纤"))},
    "machinery": {"3670": (0.34, ("汽配", "汽车部件", "汽车零部件")), "3484": (0.14, ("机械", "精密机械")),
                  "3451": (0.08, ("轴承",)), "3443": (0.10, ("阀门",)), "3441": (0.10, ("泵业", "水泵")),
                  "3453": (0.08, ("齿轮", "传动")), "3412": (0.06, ("动力", "机电")),
                  "3489": (0.10, ("五金", "机械配件"))},
    "chemical": {"2614": (0.20, ("化工", "化学")), "2619": (0.12, ("精细化工",)), "2641": (0.14, ("涂料",)),
                 "2645": (0.14, ("染料", "染化")), "2661": (0.16, ("助剂", "化学助剂")),
                 "2651": (0.12, ("树脂", "新材料")), "2669": (0.12, ("化学品", "生物化工"))},
    "other": {"2929": (0.18, ("塑业", "塑料")), "3311": (0.10, ("钢结构",)), "3399": (0.10, ("金属制品",)),
              "3831": (0.08, ("电缆", "线缆")), "3872": (0.10, ("照明", "灯具")), "1713": (0.06, ("棉纺印染",)),
              "1761": (0.10, ("针织",)), "3032": (0.06, ("石材",)), "2231": (0.10, ("包装", "纸制品")),
              "3899": (0.12, ("电气", "电气设备"))},
}
GROUPS = tuple(GROUP_CODES)
# energy tce/万元 output, water t/万元, main pollutants kg/万元, electricity share of energy, tax rate range
GROUP_INTENSITY = {
    "kitchen": (0.025, 2.0, 0.06, 0.80, (0.03, 0.06)),
    "silk": (0.070, 12.0, 0.50, 0.60, (0.025, 0.05)),
    "machinery": (0.030, 2.5, 0.08, 0.85, (0.03, 0.06)),
    "chemical": (0.220, 15.0, 1.20, 0.45, (0.035, 0.07)),
    "other": (0.040, 4.0, 0.15, 0.70, (0.025, 0.055)),
}

TRADE_CHARS = ("恒达华新宏利泰丰盛隆鑫源通兴广佳富荣昌瑞安康永天伟明宇海嘉诚信德正祥发远博亿立中美东升飞龙凯星光腾越航辉晨"
               "豪锦绿雅洁高联创宝顺帅欧森万亚威力浙剡舜溪江峰贝迪奥特普尔卓群益俊英乐福百春秋方圆山虹阳")
THIRD_CHARS = "兴达源盛泰华宏昌隆祥瑞丰顺鑫康宇辉豪凯捷诚信和润嘉乐福元利"
NAME_PREFIXES = ("嵊州市", "嵊州", "浙江", "绍兴")
NAME_SUFFIXES = ("有限公司", "科技有限公司", "股份有限公司")

# --------------------------------------------------------------------------------------------------------------
# Findings
# --------------------------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------------------------------

@dataclass
class DemoData:
    """The demo zone: one frame per exchange sheet, and polygons (WKB, EPSG:4490) for parcels and zones."""

    frames: dict[str, pl.DataFrame]
    parcel_geometry: pl.DataFrame  # code (地块编码), wkb
    zone_geometry: pl.DataFrame  # code (园区编码), wkb


def generate(*, enterprises: int = 1500, seed: int = 2021) -> DemoData:
    """Generate the demo zone for `enterprises` firms (≈ 5/3 parcels per firm), deterministic for `seed`."""
    n = int(enterprises)
    if n < 1:
        raise ValueError("enterprises must be at least 1")
    rngs = dict(zip(("firms", "parcels", "layout", "codes", "links", "yearly", "findings", "names"),
                    (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8))))
    firms = _firms(n, rngs["firms"])
    parcels = _parcels(n, firms, rngs["parcels"])
    geo = _layout(parcels, rngs["layout"])
    _reorder(parcels, geo["order"])
    _parcel_attributes(parcels, firms, geo, rngs["parcels"])
    _land_codes(parcels, rngs["codes"])
    _firm_dates(firms, parcels, rngs["firms"])
    links = _links(firms, parcels, rngs["links"])
    _credit_codes(firms, rngs["names"])
    _names(firms, rngs["names"])
    yearly = _yearly(firms, rngs["yearly"])
    findings = _findings(firms, parcels, links, rngs["findings"])

    parcel_codes = _parcel_codes(len(parcels["zone"]))
    credit = pl.Series(firms["credit_code"], dtype=pl.String)
    zone_codes = pl.Series([z.code for z in ZONES], dtype=pl.String)
    frames = {
        "园区": _zones_frame(),
        "企业": _enterprises_frame(firms, zone_codes),
        "地块": _parcels_frame(parcels, parcel_codes, zone_codes),
        "用地关系": _links_frame(links, credit, parcel_codes),
        "年度数据": _yearly_frame(yearly, credit),
        "检查发现": _findings_frame(findings, credit, parcel_codes),
    }
    parcel_geometry = pl.DataFrame({"code": parcel_codes, "wkb": _quad_wkb(geo["lonlat"])})
    zone_geometry = pl.DataFrame({"code": zone_codes,
                                  "wkb": pl.Series(list(shapely.to_wkb(geo["zones"])), dtype=pl.Binary)})
    return DemoData(frames=frames, parcel_geometry=parcel_geometry, zone_geometry=zone_geometry)


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------

def _counts(total: int, shares) -> np.ndarray:
    """Split `total` by `shares` into integers (largest remainder), deterministic."""
    shares = np.asarray(shares, dtype=float)
    raw = total * shares / shares.sum()
    counts = np.floor(raw).astype(np.int64)
    rest = total - counts.sum()
    if rest:
        counts[np.argsort(-(raw - counts), kind="stable")[:rest]] += 1
    return counts


def _categorical(rng, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (n, k) probability matrix."""
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def _lognormal(rng, median, sigma, size):
    return np.asarray(median) * np.exp(sigma * rng.standard_normal(size))


def _group_starts(keys: np.ndarray) -> np.ndarray:
    """Index of the first row of each run of equal keys."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])


def _rank_in_group(keys: np.ndarray) -> np.ndarray:
    """0,1,2… within each group of `keys` (any order); stable by position."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = _group_starts(sorted_keys)
    run = np.repeat(starts, np.diff(np.r_[starts, len(keys)]))
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[order] = np.arange(len(keys)) - run
    return ranks


def _affine_permutation(i: np.ndarray, m: int, rng) -> np.ndarray:
    """A seeded bijection of [0, m) applied to i: (a·i + b) mod m with gcd(a, m) = 1."""
    a = int(rng.integers(m // 3 + 1, max(m // 3 + 2, m - 1))) | 1
    while math.gcd(a, m) != 1:
        a += 2
    b = int(rng.integers(0, m))
    return (a * i.astype(np.int64) + b) % m


def _series(values, dtype=pl.Float64, valid=None) -> pl.Series:
    """A polars Series from a NumPy array; NaN becomes null, and so does every row where `valid` is False."""
    if dtype == pl.Date:
        s = pl.Series(np.asarray(values, dtype=np.int32)).cast(pl.Date)
    elif dtype == pl.Float64:
        s = pl.Series(np.asarray(values, dtype=np.float64), nan_to_null=True)
    else:
        s = pl.Series(values, dtype=dtype)
    if valid is not None:
        s = pl.select(pl.when(pl.Series(np.asarray(valid, dtype=bool))).then(s).otherwise(None)).to_series()
    return s


def _pick(values, index, valid=None) -> pl.Series:
    """values[index] as a String Series (vectorised gather), null where `valid` is False."""
    values = values if isinstance(values, pl.Series) else pl.Series(list(values), dtype=pl.String)
    out = values.gather(pl.Series(np.asarray(index, dtype=np.int64)))
    return _series(out, pl.String, valid) if valid is not None else out


def _round(values, digits=2):
    return np.round(values, digits)


# --------------------------------------------------------------------------------------------------------------
# Firms and parcels
# --------------------------------------------------------------------------------------------------------------

def _firms(n: int, rng) -> dict:
    zone = np.repeat(np.arange(len(ZONES)), _counts(n, [z.firm_share for z in ZONES]))
    zs = np.array([[z.mix.get(g, 0.0) for g in GROUPS] for z in ZONES])
    group = _categorical(rng, zs[zone])
    code_list = [list(GROUP_CODES[g]) for g in GROUPS]
    width = max(len(c) for c in code_list)
    code_w = np.zeros((len(GROUPS), width))
    for gi, g in enumerate(GROUPS):
        code_w[gi, :len(code_list[gi])] = [w for w, _words in GROUP_CODES[g].values()]
    industry_local = _categorical(rng, code_w[group])
    industry = np.array([c for codes in code_list for c in codes])
    offsets = np.cumsum([0] + [len(c) for c in code_list])[:-1]
    industry_index = offsets[group] + industry_local  # index into `industry`

    tenant_p = np.array([z.tenant_p for z in ZONES])[zone]
    tenant = rng.random(n) < tenant_p
    subtenant = tenant & (rng.random(n) < 0.08)
    above_p = np.array([z.above_p for z in ZONES])[zone]
    above = ~tenant & (rng.random(n) < above_p)
    return {"n": n, "zone": zone, "group": group, "industry": industry, "industry_index": industry_index,
            "tenant": tenant, "subtenant": subtenant, "above": above}


def _parcels(n: int, firms: dict, rng) -> dict:
    """Parcels per holder firm (firm-major) sized by scale, plus unoccupied 批而未供 and 储备 parcels.

    The firm's 2024 revenue follows from its land and a drawn 亩均税收 (long low tail), so that tax per mu,
    tax ≈ 2–7 % of revenue and the 规上 threshold (2,000 万元) hold together; 规下 firms above the threshold
    are rare (capped with probability 0.8) and left as cases for a "应统未统" check.
    """
    total = max(1, int(round(n * 5 / 3)))
    n_ans = int(round(total * 0.05))
    n_res = int(round(total * 0.01))
    nf = firms["n"]
    above = firms["above"]
    zone = firms["zone"]
    tenant = firms["tenant"]
    holders = np.flatnonzero(~tenant)
    n_holder_parcels = max(total - n_ans - n_res, len(holders))
    k = np.ones(len(holders), dtype=np.int64)
    extra = n_holder_parcels - len(holders)
    if extra > 0:  # larger firms hold several parcels (expansion phases)
        w = np.where(above[holders], 6.0, 1.0) * _lognormal(rng, 1.0, 0.6, len(holders))
        k += np.bincount(rng.choice(len(holders), size=extra, p=w / w.sum()), minlength=len(holders))
    k_by_firm = np.zeros(nf, dtype=np.int64)
    k_by_firm[holders] = k

    low_eff = ~above & ~tenant & (rng.random(nf) < np.array([z.low_efficiency_p for z in ZONES])[zone])
    new_firm = np.zeros(nf, dtype=bool)  # bought land, not (or only just) producing
    new_firm[holders] = (~above[holders]) & (k == 1) & (rng.random(len(holders)) < 0.02)
    new_started = new_firm & (rng.random(nf) < 0.5)  # trial production in the last year

    owner = np.repeat(holders, k)
    starts = np.repeat(np.cumsum(np.r_[0, k[:-1]]), k)
    rank = np.arange(len(owner)) - starts
    zone_size = np.array([z.parcel_size for z in ZONES])[zone[owner]]
    mu = np.where(above[owner], _lognormal(rng, 11.0, 0.85, len(owner)), _lognormal(rng, 4.5, 0.45, len(owner)))
    mu = mu * zone_size * np.where(low_eff[owner], 2.5, 1.0)
    mu = np.where(new_firm[owner], _lognormal(rng, 15.0, 0.5, len(owner)), mu)
    mu = np.clip(mu, 2.5, 250.0)
    land_mu = np.bincount(owner, weights=mu, minlength=nf)

    # 2024 revenue (万元) of holders from land × 亩均税收 / tax rate.
    group = firms["group"]
    rate_lo = np.array([GROUP_INTENSITY[g][4][0] for g in GROUPS])[group]
    rate_hi = np.array([GROUP_INTENSITY[g][4][1] for g in GROUPS])[group]
    rate = rate_lo + rng.random(nf) * (rate_hi - rate_lo)
    tax_mu = np.where(above, _lognormal(rng, 26.0, 0.7, nf), _lognormal(rng, 16.0, 1.1, nf))
    tax_mu = np.where(low_eff, tax_mu / 2.2, tax_mu)
    revenue = tax_mu * land_mu / rate
    capped = ~above & (revenue >= ABOVE_SCALE_REVENUE) & (rng.random(nf) < 0.8)
    revenue = np.where(capped, ABOVE_SCALE_REVENUE * rng.uniform(0.7, 0.99, nf), revenue)
    revenue = np.where(above, np.maximum(revenue, ABOVE_SCALE_REVENUE * rng.uniform(1.0, 1.3, nf)), revenue)
    revenue = np.where(new_firm, _lognormal(rng, 900, 0.5, nf), revenue)  # once producing
    revenue = np.where(tenant, _lognormal(rng, 550, 0.8, nf), revenue)
    firms["above"] = np.where(tenant, (revenue >= ABOVE_SCALE_REVENUE) ^ (rng.random(nf) < 0.03), above)
    firms.update(revenue=revenue, rate=rate, land_mu=land_mu, low_eff=low_eff, new_firm=new_firm,
                 new_started=new_started, k=k_by_firm)

    n_un = n_ans + n_res
    un_zone = rng.choice(len(ZONES), size=n_un, p=_norm([z.unoccupied_w for z in ZONES]))
    un_status = np.r_[np.full(n_ans, 0), np.full(n_res, 4)]  # index into SUPPLY_STATUSES
    un_mu = np.clip(_lognormal(rng, 18, 0.8, n_un), 2.5, 250.0)
    return {
        "owner": np.r_[owner, np.full(n_un, -1)],
        "rank": np.r_[rank, np.zeros(n_un, dtype=np.int64)],
        "zone": np.r_[zone[owner], un_zone],
        "area_target": np.r_[mu, un_mu] * MU_M2,
        "status0": np.r_[np.full(len(owner), 2), un_status],
    }


def _norm(w):
    w = np.asarray(w, dtype=float)
    return w / w.sum()


def _reorder(parcels: dict, order: np.ndarray) -> None:
    for key, value in list(parcels.items()):
        if isinstance(value, np.ndarray) and len(value) == len(order):
            parcels[key] = value[order]


SUPPLY_STATUSES = ("approved_not_supplied", "supplied_not_used", "in_use", "idle", "reserved")
SUPPLY_METHODS = ("transfer", "allocation", "lease", "share", "collective_use", "other")


def _parcel_attributes(p: dict, firms: dict, geo: dict, rng) -> None:
    """Status, ownership, supply, buildings and registered area, after the layout fixed the parcel order."""
    m = len(p["zone"])
    zone = p["zone"]
    owner = p["owner"]
    held = owner >= 0
    status = p["status0"].copy()
    nf = firms["n"]

    # 供而未用: new firms' parcels, plus recently bought extra parcels of growing firms (~4 % in all).
    new_firm_parcel = held & firms["new_firm"][np.maximum(owner, 0)]
    status[new_firm_parcel & ~firms["new_started"][np.maximum(owner, 0)]] = 1
    last_extra = held & (p["rank"] > 0) & (p["rank"] == firms["k"][np.maximum(owner, 0)] - 1)
    need = max(0, int(round(0.04 * m)) - int(new_firm_parcel.sum()))
    candidates = np.flatnonzero(last_extra & ~new_firm_parcel)
    snu_extra = np.zeros(m, dtype=bool)
    if need and len(candidates):
        snu_extra[rng.choice(candidates, size=min(need, len(candidates)), replace=False)] = True
    status[snu_extra] = 1
    # 闲置 (~3 %): held parcels of ordinary firms, more often of low-efficiency firms.
    pool = np.flatnonzero(held & (status == 2))
    n_idle = min(len(pool), int(round(0.03 * m)))
    if n_idle:
        w = np.where(firms["low_eff"][owner[pool]], 4.0, 1.0)
        key = np.log(rng.random(len(pool))) / w  # weighted sampling without replacement (Efraimidis–Spirakis)
        status[pool[np.argpartition(-key, n_idle - 1)[:n_idle]]] = 3
    p["status"] = status

    # Ownership: collective land mostly in the 工业集聚点, never for 批而未供 / 储备.
    collective = held & (rng.random(m) < np.array([z.collective_p for z in ZONES])[zone])
    p["collective"] = collective
    informal = collective & (rng.random(m) < 0.65)  # no collective construction-land right registered (JA)
    p["informal"] = informal

    # Supply date, by zone era; a firm's later parcels are later; 供而未用 parcels are recent.
    era0 = np.array([z.era[0] for z in ZONES])[zone]
    era1 = np.array([z.era[1] for z in ZONES])[zone]
    day0 = np.array([_day(y) for y in range(1990, 2027)])
    lo = day0[era0 - 1990]
    hi = day0[era1 + 1 - 1990] - 1
    days = lo + (rng.random(m) * (hi - lo)).astype(np.int64)
    # sort within each owner so that rank 0 is the earliest
    order = np.lexsort((days, np.where(held, owner, nf + np.arange(m))))
    by_owner_rank = np.lexsort((p["rank"], np.where(held, owner, nf + np.arange(m))))
    days_sorted = days[order]
    days_new = np.empty(m, dtype=np.int64)
    days_new[by_owner_rank] = days_sorted
    days = days_new
    # established firms (all but the new ones) started on their first parcel by 2020
    established = held & (p["rank"] == 0) & ~new_firm_parcel
    hi_old = np.maximum(np.minimum(hi, _day(2020, 12, 31)), lo)
    days = np.where(established & (days > hi_old), lo + (rng.random(m) * (hi_old - lo)).astype(np.int64), days)
    recent = _days_between(rng, m, _day(2021, 7), _day(2024, 12, 31))
    days = np.where(status == 1, recent, days)
    days = np.where(new_firm_parcel, _days_between(rng, m, _day(2022, 3), _day(2024, 12, 31)), days)
    idle_day = _days_between(rng, m, _day(2004), _day(2020, 12, 31))
    days = np.where(status == 3, np.minimum(days, idle_day), days)
    supplied = held
    p["supply_day"] = days
    p["supplied"] = supplied

    # Supply method and term.
    u = rng.random(m)
    method = np.select([u < 0.91, u < 0.93, u < 0.96], [0, 1, 2], 3)  # transfer / allocation / lease / share
    method = np.where(collective, np.where(informal, 5, 4), method)
    year = 1970 + days / 365.2425
    flexible = (method == 0) & (year >= 2017) & (rng.random(m) < 0.3)
    term = np.select([method == 2, method == 4, flexible], [20.0, 30.0, np.where(rng.random(m) < 0.5, 20.0, 30.0)],
                     50.0)
    term = np.where((method == 1) | (method == 5), np.nan, term)
    p["method"] = method
    p["method_valid"] = supplied & ~(informal & (rng.random(m) < 0.4))
    p["term"] = np.where(supplied, term, np.nan)

    # 用地用海分类
    lu_codes = sorted({c for z in ZONES for c in z.land_use})
    lu_w = np.array([[z.land_use.get(c, 0.0) for c in lu_codes] for z in ZONES])
    p["land_use_codes"] = lu_codes
    p["land_use"] = _categorical(rng, lu_w[zone])
    p["land_use_valid"] = rng.random(m) > 0.02

    # Area: the polygon's true area, registered mostly within ±2 %, a few off by 5–15 %.
    true_area = geo["area"]
    eps = np.clip(rng.normal(0, 0.006, m), -0.02, 0.02)
    off = rng.random(m) < 0.04
    eps = np.where(off, rng.choice([-1.0, 1.0], m) * rng.uniform(0.05, 0.15, m), eps)
    registered = true_area * (1 + eps)
    registered = np.where(rng.random(m) < 0.3, np.round(registered), _round(registered))
    p["registered"] = registered
    mu = registered / MU_M2

    # Land price (万元): rising with the year, pro rata for flexible terms; only for paid supply.
    price_per_mu = 6.0 * 1.068 ** np.clip(year - 1995, 0, None) * _lognormal(rng, 1.0, 0.15, m)
    price = mu * price_per_mu * np.where(np.isnan(term), 1.0, term / 50.0)
    p["price"] = np.where(supplied & np.isin(method, (0, 3)), _round(price), np.nan)

    # Buildings.
    plot = np.array([z.plot_ratio for z in ZONES])[zone] * _lognormal(rng, 1.0, 0.28, m)
    low = firms["low_eff"][np.maximum(owner, 0)] & held
    plot = np.where(low, plot * 0.55, plot)
    plot = np.clip(plot, 0.25, 3.2)
    c0 = np.array([z.coverage[0] for z in ZONES])[zone]
    c1 = np.array([z.coverage[1] for z in ZONES])[zone]
    coverage = c0 + rng.random(m) * (c1 - c0)
    coverage = np.where(rng.random(m) < 0.05, rng.uniform(0.15, 0.3, m), coverage)
    footprint = registered * coverage
    floor = np.maximum(registered * plot, footprint)
    admin_share = np.where(rng.random(m) < 0.04, rng.uniform(0.075, 0.15, m), rng.uniform(0.015, 0.07, m))
    green_share = np.where(rng.random(m) < 0.05, rng.uniform(0.2, 0.3, m), rng.uniform(0.05, 0.2, m))
    admin = registered * admin_share
    green = registered * green_share
    in_use = status == 2
    idle = status == 3
    snu = status == 1
    partial = idle & (rng.random(m) < 0.5)
    idle_frac = rng.uniform(0.05, 0.3, m)
    built = in_use | partial
    scale = np.where(partial, idle_frac, 1.0)
    floor = np.where(built, floor * scale, np.where(snu | idle, 0.0, np.nan))
    footprint = np.where(built, footprint * scale, np.where(snu | idle, 0.0, np.nan))
    admin = np.where(built, admin * scale, np.nan)
    green = np.where(built, green, np.nan)
    p["floor"] = _round(floor)
    p["footprint"] = _round(footprint)
    p["admin"] = _round(admin)
    p["green"] = _round(green)
    p["building_valid"] = rng.random(m) > 0.015  # a few parcels without surveyed building figures


def _days_between(rng, size, lo, hi):
    """Uniform whole days in [lo, hi]."""
    return lo + (rng.random(size) * (hi - lo + 1)).astype(np.int64)


def _land_codes(p: dict, rng) -> None:
    """宗地代码 for ~85 % of parcels: district per zone, sub-district per 5,000 parcels, rising sequence."""
    m = len(p["zone"])
    status = p["status"]
    has = np.where(status == 0, False,
                   np.where(status == 4, rng.random(m) < 0.5,
                            rng.random(m) < np.where(p["collective"], 0.8, 0.9)))
    zone = p["zone"]
    coded = np.flatnonzero(has)
    rank = _rank_in_group(zone[coded])  # parcels are in layout order, so ranks follow the map
    sub = rank // 5000 + 1
    step = rng.integers(1, 9, len(coded))
    # sequence: cumulative steps within (zone, sub-district)
    key = zone[coded] * 1000 + sub
    cum = np.cumsum(step)
    starts = _group_starts(key)
    base = np.repeat(cum[starts] - step[starts], np.diff(np.r_[starts, len(coded)]))
    seq = cum - base
    district = np.array([z.district for z in ZONES])[zone[coded]]
    collective = p["collective"][coded]
    feature = np.where(collective, np.where(p["informal"][coded], 2, 1), 0)  # GB / JB / JA
    p["land_code_index"] = coded
    p["land_code_parts"] = (district, sub, feature, seq)


# --------------------------------------------------------------------------------------------------------------
# Layout: rows of plots along roads, per zone; zones placed around the development zone
# --------------------------------------------------------------------------------------------------------------

BANDS = np.array([55.0, 110.0, 200.0, 300.0])  # standard plot depths of the rows, m
BAND_LIMITS = np.array([4000.0, 16000.0, 60000.0])  # parcel areas (m²) where the next depth starts
BLOCK_M, CROSS_STREET_M = 420.0, 22.0


@cache
def _transformer() -> Transformer:
    """Local Lambert azimuthal equal-area plane (metres) → CGCS2000 lon/lat."""
    return Transformer.from_crs(
        f"+proj=laea +lat_0={CENTRE_LAT} +lon_0={CENTRE_LON} +ellps=GRS80 +units=m +no_defs",
        "EPSG:4490", always_xy=True)


def _layout(p: dict, rng) -> dict:
    """Place parcels as (slightly irregular) rectangles in rows; return coordinates, areas, zone outlines.

    Works in a Lambert azimuthal equal-area plane centred on the zone, so polygon areas in metres are true
    ellipsoidal areas; coordinates are then converted to CGCS2000 lon/lat.
    """
    m = len(p["zone"])
    nz = len(ZONES)
    zone = p["zone"]
    area = p["area_target"]
    band = np.searchsorted(BAND_LIMITS, area * _lognormal(rng, 1.0, 0.15, m))
    depth = BANDS[band] * (1 - rng.uniform(0.0, 0.06, m))
    width = area / depth
    # party walls: 35 % of neighbours nearly touch (0.2 m keeps the lon/lat chords of shared edges apart)
    gap = np.where(rng.random(m) < 0.35, 0.2, rng.uniform(4, 16, m))
    # keep a firm's parcels side by side: sort key = firm's random key + rank
    firm_key = rng.random(int(max(p["owner"].max(initial=-1), 0)) + 1)
    key = np.where(p["owner"] >= 0, firm_key[np.maximum(p["owner"], 0)] + p["rank"] * 1e-9, rng.random(m))
    order = np.lexsort((key, band, zone))
    zone, area, band, depth, width, gap = (a[order] for a in (zone, area, band, depth, width, gap))

    zone_area = np.bincount(zone, weights=area, minlength=nz)
    aspect = np.array([z.aspect for z in ZONES])
    row_len = np.maximum(np.sqrt(np.maximum(zone_area, 40000) / 0.62) * aspect, 250.0)

    # Positions along the row from one running sum; a parcel's end is exactly the next one's start when there is
    # no gap, so neighbours share an edge instead of overlapping by rounding.
    total = np.cumsum(width + gap)
    begin = np.r_[0.0, total[:-1]]
    end = total - gap
    gid = zone * len(BANDS) + band
    gstart = _group_starts(gid)
    glen = np.diff(np.r_[gstart, m])
    s = begin - np.repeat(begin[gstart], glen)
    # rows of one depth share the band's length evenly, so no row is left half empty
    g_total = total[np.r_[gstart[1:], m] - 1] - begin[gstart] if m else np.zeros(0)
    g_rows = np.maximum(1, np.round(g_total / row_len[zone[gstart]]))
    g_len = g_total / g_rows * (1 + 1e-9)
    shelf_local = np.floor(s / np.repeat(g_len, glen)).astype(np.int64)
    flag = np.ones(m, dtype=bool)
    if m > 1:
        flag[1:] = (gid[1:] != gid[:-1]) | (shelf_local[1:] != shelf_local[:-1])
    shelf = np.cumsum(flag) - 1
    sfirst = np.flatnonzero(flag)
    row_base = begin[sfirst][shelf]
    x_in = begin - row_base
    x_out = end - row_base
    cross = CROSS_STREET_M * np.floor(x_in / BLOCK_M)  # cross streets every ~400 m
    x_in, x_out = x_in + cross, x_out + cross
    ns = len(sfirst)
    s_zone = zone[sfirst]
    s_depth = BANDS[band[sfirst]]
    s_xoff = rng.uniform(0, 60, ns)
    s_xend = (np.maximum.reduceat(x_out, sfirst) if m else np.zeros(0)) + s_xoff
    zfirst = _group_starts(s_zone)
    zlen = np.diff(np.r_[zfirst, ns])
    s_idx_in_zone = np.arange(ns) - np.repeat(zfirst, zlen)
    parity = s_idx_in_zone % 2
    s_h = s_depth + np.where(parity == 0, 6.0, 28.0)
    s_cum = np.cumsum(s_h) - s_h
    s_y0 = s_cum - np.repeat(s_cum[zfirst], zlen)

    x0 = s_xoff[shelf] + x_in
    x1 = s_xoff[shelf] + x_out
    y_base = s_y0[shelf]
    deep = s_depth[shelf]
    even = parity[shelf] == 0
    y0 = np.where(even, y_base, y_base + deep - depth)
    y1 = y0 + depth
    # irregular quads: corners pulled inwards by up to 5 % of the side on ~40 % of parcels
    jitter = (rng.random(m) < 0.4)[:, None, None] * rng.uniform(0, 0.05, (m, 4, 2))
    jx = jitter[:, :, 0] * width[:, None]
    jy = jitter[:, :, 1] * depth[:, None]
    local = np.empty((m, 4, 2))
    local[:, 0] = np.c_[x0 + jx[:, 0], y0 + jy[:, 0]]
    local[:, 1] = np.c_[x1 - jx[:, 1], y0 + jy[:, 1]]
    local[:, 2] = np.c_[x1 - jx[:, 2], y1 - jy[:, 2]]
    local[:, 3] = np.c_[x0 + jx[:, 3], y1 - jy[:, 3]]

    # Zone extents and outlines in local coordinates.
    outlines = []
    extent = np.zeros((nz, 2))
    for z in range(nz):
        sel = np.flatnonzero(s_zone == z)
        if len(sel) == 0:
            outlines.append(shapely.box(0, 0, 150, 150))
            extent[z] = (150, 150)
            continue
        boxes = shapely.box(s_xoff[sel], s_y0[sel], s_xend[sel], s_y0[sel] + s_depth[sel])
        outline = shapely.union_all(shapely.buffer(boxes, 18, join_style="mitre")).simplify(4)
        if outline.geom_type != "Polygon":
            outline = outline.convex_hull
        outlines.append(shapely.Polygon(outline.exterior))
        extent[z] = (s_xend[sel].max() + 18, s_y0[sel][-1] + s_depth[sel][-1] + 18)

    # Core zones side by side (rows), rotated together; the others around them.
    offset = np.zeros((nz, 2))  # local + offset -> frame of the group
    core_xy = {}
    row_top = 0.0
    for row in CORE_ROWS:
        widths = extent[list(row), 0]
        height = extent[list(row), 1].max()
        x = -(widths.sum() + CORE_GAP_M * (len(row) - 1)) / 2
        for zi in row:
            core_xy[zi] = (x, row_top - height)
            x += extent[zi, 0] + CORE_GAP_M
        row_top -= height + CORE_GAP_M
    cx0 = min(v[0] for v in core_xy.values())
    cy0 = min(v[1] for v in core_xy.values())
    cx1 = max(core_xy[z][0] + extent[z, 0] for z in core_xy)
    cy1 = max(core_xy[z][1] + extent[z, 1] for z in core_xy)
    ccx, ccy = (cx0 + cx1) / 2, (cy0 + cy1) / 2
    angle = np.zeros(nz)
    shift = np.zeros((nz, 2))
    for zi, (x, y) in core_xy.items():
        offset[zi] = (x - ccx, y - ccy)
        angle[zi] = ZONES[zi].angle
    core_radius = math.hypot(cx1 - cx0, cy1 - cy0) / 2
    placed = []
    for zi, spec in enumerate(ZONES):
        if spec.core:
            continue
        offset[zi] = -extent[zi] / 2
        angle[zi] = spec.angle
        radius = math.hypot(*extent[zi]) / 2
        direction = np.array(spec.direction) / math.hypot(*spec.direction)
        gap_m = spec.gap_m + 0.1 * core_radius
        dist = core_radius + gap_m + radius
        while any(np.hypot(*(direction * dist - c)) < r + radius + gap_m for c, r in placed):
            dist *= 1.1
        shift[zi] = direction * dist
        placed.append((direction * dist, radius))

    theta = np.radians(angle)
    cos, sin = np.cos(theta), np.sin(theta)

    def to_world(xy, zi):
        lx = xy[..., 0] + offset[zi, 0]
        ly = xy[..., 1] + offset[zi, 1]
        return np.stack([cos[zi] * lx - sin[zi] * ly + shift[zi, 0], sin[zi] * lx + cos[zi] * ly + shift[zi, 1]],
                        axis=-1)

    world = to_world(local, zone[:, None])
    # true areas (equal-area plane) by the shoelace formula
    xw, yw = world[..., 0], world[..., 1]
    true_area = 0.5 * np.abs(np.sum(xw * np.roll(yw, -1, axis=1) - np.roll(xw, -1, axis=1) * yw, axis=1))

    zone_polys = []
    for zi in range(nz):
        coords = shapely.get_coordinates(outlines[zi])
        zone_polys.append(shapely.Polygon(to_world(coords, zi)))
    core = [zi for zi, spec in enumerate(ZONES) if spec.core]
    dev = [zi for zi, spec in enumerate(ZONES) if spec.kind == "development_zone"][0]
    hull = shapely.union_all([zone_polys[zi] for zi in core]).convex_hull.buffer(80, join_style="mitre")
    zone_polys[dev] = hull.simplify(10)

    transformer = _transformer()
    lon, lat = transformer.transform(world[..., 0].ravel(), world[..., 1].ravel())
    lonlat = np.stack([np.asarray(lon).reshape(m, 4), np.asarray(lat).reshape(m, 4)], axis=-1)

    def poly_to_lonlat(coords):
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    zones_ll = shapely.transform(np.array(zone_polys, dtype=object), poly_to_lonlat)
    zones_ll = shapely.orient_polygons(zones_ll) if hasattr(shapely, "orient_polygons") else zones_ll
    return {"order": order, "lonlat": lonlat, "area": true_area, "zones": zones_ll}


def _quad_wkb(lonlat: np.ndarray) -> pl.Series:
    """WKB (little-endian Polygon, one closed ring of 5 points) for each (4, 2) quad, built in one NumPy pass."""
    m = len(lonlat)
    dtype = np.dtype([("order", "u1"), ("type", "<u4"), ("rings", "<u4"), ("points", "<u4"), ("xy", "<f8", (10,))])
    rec = np.zeros(m, dtype=dtype)
    rec["order"] = 1
    rec["type"] = 3
    rec["rings"] = 1
    rec["points"] = 5
    ring = np.concatenate([lonlat, lonlat[:, :1]], axis=1)
    rec["xy"] = ring.reshape(m, 10)
    size = dtype.itemsize
    offsets = np.arange(0, (m + 1) * size, size, dtype=np.int64)
    arr = pa.Array.from_buffers(pa.large_binary(), m, [None, pa.py_buffer(offsets), pa.py_buffer(rec.tobytes())])
    return pl.Series("wkb", pl.from_arrow(arr)).cast(pl.Binary)


# --------------------------------------------------------------------------------------------------------------
# Firm dates, codes, names
# --------------------------------------------------------------------------------------------------------------

STATUSES = ("active", "in_business", "suspended", "revoked", "deregistered", "moved_out")


def _firm_dates(f: dict, p: dict, rng) -> None:
    """production_start from the firm's first parcel; statuses (suspended firms hold idle land)."""
    n = f["n"]
    held = p["owner"] >= 0
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, p["owner"][held], p["supply_day"][held])
    f["first_supply"] = first
    has_land = first < np.iinfo(np.int64).max
    start = np.where(has_land, first, _day(2020)) + rng.integers(180, 900, n)
    start = np.minimum(start, _day(2025, 6, 30))
    new = f["new_firm"]
    started_2025 = f["new_started"]
    start = np.where(started_2025, _days_between(rng, n, _day(2025, 1, 15), _day(2025, 11, 30)), start)
    f["production_start"] = start
    f["production_valid"] = ~f["tenant"] & (~new | started_2025)  # tenants are filled from their lease

    status = np.select([rng.random(n) < 0.04], [1], 0)
    idle_holder = np.zeros(n, dtype=bool)
    idle_holder[p["owner"][held & (p["status"] == 3)]] = True
    status = np.where(idle_holder & (rng.random(n) < 0.35), 2, status)
    status = np.where(~f["tenant"] & ~f["above"] & ~idle_holder & (rng.random(n) < 0.004), 3, status)
    status = np.where(~f["tenant"] & ~idle_holder & (status == 0) & (rng.random(n) < 0.008), 2, status)
    f["status"] = status


def _credit_codes(f: dict, rng) -> None:
    """统一社会信用代码 91330683…: old numeric organisation codes for firms before 2015-10, MA… codes after."""
    n = f["n"]
    old = f["first_supply_or_start"] < _day(2015, 10, 1)
    cp = np.zeros((n, 18), dtype=np.uint32)
    head = np.frombuffer(("91" + DIVISION).encode("utf-32-le"), dtype=np.uint32)
    cp[:, :8] = head
    charset = np.frombuffer(USCC_CHARSET.encode("utf-32-le"), dtype=np.uint32)
    digits = charset[:10]
    # old style: prefix + 6 digits, unique through a seeded affine permutation
    prefixes = np.array([[ord(c) for c in s] for s in ("14", "25", "70", "72", "73", "74", "77", "79")],
                        dtype=np.uint32)
    i_old = np.flatnonzero(old)
    if len(i_old):
        v = _affine_permutation(rng.permutation(len(i_old)), len(prefixes) * 10**6, rng)
        cp[i_old, 8:10] = prefixes[v // 10**6]
        rest = v % 10**6
        for j in range(6):
            cp[i_old, 10 + j] = digits[(rest // 10 ** (5 - j)) % 10]
    i_new = np.flatnonzero(~old)
    if len(i_new):
        v = _affine_permutation(rng.permutation(len(i_new)), 31**5, rng)
        cp[i_new, 8] = ord("M")
        cp[i_new, 9] = ord("A")
        cp[i_new, 10] = ord("2")
        for j in range(5):
            cp[i_new, 11 + j] = charset[(v // 31 ** (4 - j)) % 31]
    # GB 11714 check character of the organisation code
    org = cp[:, 8:16].astype(np.int64)
    org_values = np.where(org <= ord("9"), org - ord("0"), org - 55)
    total = (org_values * np.array([3, 7, 9, 10, 5, 8, 4, 2])).sum(axis=1)
    check = 11 - total % 11
    cp[:, 16] = np.where(check == 10, ord("X"), np.where(check == 11, ord("0"), ord("0") + check % 10))
    # GB 32100 check character
    lookup = np.zeros(128, dtype=np.int64)
    lookup[charset] = np.arange(31)
    weights = np.array([pow(3, i, 31) for i in range(17)])
    total = (lookup[cp[:, :17]] * weights).sum(axis=1)
    cp[:, 17] = charset[(31 - total % 31) % 31]
    f["credit_code"] = np.ascontiguousarray(cp).view("<U18").ravel()


def _names(f: dict, rng) -> None:
    """Unique names 嵊州市<字号><行业词>有限公司; uniqueness by (字号, 行业词) within each industry class."""
    n = f["n"]
    trade = list(dict.fromkeys(TRADE_CHARS))[:90]
    third = list(dict.fromkeys(THIRD_CHARS))
    word_lists = [GROUP_CODES[g][c][1] for g in GROUPS for c in GROUP_CODES[g]]
    words = [w for ws in word_lists for w in ws]
    assert len(set(words)) == len(words)
    assert not {w[0] for w in words} & set(third)
    word_off = np.cumsum([0] + [len(ws) for ws in word_lists])[:-1]
    word_n = np.array([len(ws) for ws in word_lists])
    ind = f["industry_index"]
    shuffle = rng.permutation(n)
    rank = np.empty(n, dtype=np.int64)
    rank[shuffle] = _rank_in_group(ind[shuffle])
    per_code = word_n[ind]
    c2 = len(trade) * (len(trade) - 1) * per_code
    primary = rank < c2
    # a different affine permutation per industry class, seeded in class order
    combo = np.empty(n, dtype=np.int64)
    overflow_third = np.zeros(n, dtype=np.int64)
    for ci in range(len(word_lists)):
        sel = np.flatnonzero(ind == ci)
        if not len(sel):
            continue
        cap = len(trade) * (len(trade) - 1) * word_n[ci]
        r = rank[sel]
        combo[sel] = _affine_permutation(r % cap, cap, rng)
        overflow_third[sel] = r // cap
    if (overflow_third > len(third)).any():
        raise ValueError("too many firms in one industry class for unique demo names")
    word = word_off[ind] + combo % per_code
    pair = combo // per_code
    t1 = pair // (len(trade) - 1)
    t2 = pair % (len(trade) - 1)
    t2 = t2 + (t2 >= t1)
    above = f["above"]
    prefix = _categorical(rng, np.where(above[:, None], [0.55, 0.05, 0.32, 0.08], [0.74, 0.08, 0.12, 0.06]))
    suffix = _categorical(rng, np.where(above[:, None], [0.72, 0.12, 0.16], [0.86, 0.14, 0.0]))
    frame = pl.DataFrame({
        "a": _pick(NAME_PREFIXES, prefix), "b": _pick(trade, t1), "c": _pick(trade, t2),
        "d": _pick([""] + third, np.where(primary, 0, overflow_third)), "e": _pick(words, word),
        "f": _pick(NAME_SUFFIXES, suffix)})
    name = frame.select(pl.concat_str(["a", "b", "c", "d", "e", "f"])).to_series()
    f["name"] = name


# --------------------------------------------------------------------------------------------------------------
# Land links
# --------------------------------------------------------------------------------------------------------------

def _links(f: dict, p: dict, rng) -> dict:
    """Holder links for every supplied parcel; tenants on in-use parcels of their zone; a few subtenants."""
    n = f["n"]
    m = len(p["zone"])
    held = np.flatnonzero(p["owner"] >= 0)
    hold = {
        "firm": p["owner"][held], "parcel": held, "role": np.zeros(len(held), dtype=np.int64),
        "land": p["registered"][held], "floor": p["floor"][held], "start": p["supply_day"][held],
        "end": np.full(len(held), -1, dtype=np.int64),
    }
    # Tenants: choose an in-use parcel of the firm's zone, weighted by floor area.
    tenants = np.flatnonzero(f["tenant"] & ~f["subtenant"])
    in_use = np.flatnonzero((p["status"] == 2) & (p["floor"] > 0))
    if len(in_use) == 0:
        tenants = tenants[:0]
    in_use = in_use[np.argsort(p["zone"][in_use], kind="stable")]
    nz = len(ZONES)
    cw = np.cumsum(p["floor"][in_use])
    z_of = p["zone"][in_use]
    zstart = np.searchsorted(z_of, np.arange(nz), side="left")
    zend = np.searchsorted(z_of, np.arange(nz), side="right")
    total_w = cw[-1] if len(in_use) else 0.0
    base = np.where(zstart > 0, cw[np.maximum(zstart - 1, 0)] if len(in_use) else 0.0, 0.0)
    top = cw[np.maximum(zend - 1, 0)] if len(in_use) else np.zeros(nz)
    empty_zone = zend == zstart

    def pick_parcel(zones):
        """A floor-weighted in-use parcel of each zone (of any zone when the zone has none)."""
        lo = np.where(empty_zone[zones], 0.0, base[zones])
        hi = np.where(empty_zone[zones], total_w, top[zones])
        target = lo + rng.random(len(zones)) * (hi - lo)
        pick = np.minimum(np.searchsorted(cw, target, side="right"), max(len(in_use) - 1, 0))
        return in_use[pick] if len(in_use) else np.zeros(0, dtype=np.int64)

    t_parcel = pick_parcel(f["zone"][tenants])
    f["zone"][tenants] = p["zone"][t_parcel]  # only changes firms of a zone without in-use parcels
    # a few tenants rent in two places of their zone
    t2 = tenants[rng.random(len(tenants)) < 0.06]
    t_firm = np.r_[tenants, t2]
    t_parcel = np.r_[t_parcel, pick_parcel(f["zone"][t2])]
    t_floor = f["revenue"][t_firm] / _lognormal(rng, 0.28, 0.5, len(t_firm))  # 万元 per m² of floor
    t_floor = np.clip(t_floor, 150, None)
    # total rented floor per parcel at most 90 % of the buildings
    rented = np.bincount(t_parcel, weights=t_floor, minlength=m)
    factor = np.minimum(1.0, 0.9 * np.nan_to_num(p["floor"]) / np.maximum(rented, 1e-9))
    t_floor = _round(t_floor * factor[t_parcel])
    plot = np.nan_to_num(p["floor"][t_parcel] / p["registered"][t_parcel], nan=1.0)
    t_land = np.where(rng.random(len(t_firm)) < 0.3, _round(t_floor / np.maximum(plot, 0.3)), np.nan)
    supply = p["supply_day"][t_parcel]
    lo_day = np.minimum(supply + 365, _day(2025, 6, 30))
    lo_day = np.maximum(lo_day, supply)
    t_start = lo_day + (rng.random(len(t_firm)) * (_day(2025, 9, 30) - lo_day).clip(0)).astype(np.int64)
    term_years = rng.choice([3, 5, 10], len(t_firm), p=[0.45, 0.4, 0.15])
    t_end = t_start + (term_years * 365.25).astype(np.int64)
    expired_kept = rng.random(len(t_firm)) < 0.15
    t_end = np.where((t_end < REF_DAY) & ~expired_kept, -1, t_end)
    t_end = np.where(rng.random(len(t_firm)) < 0.35, -1, t_end)  # open-ended leases
    # Some tenants have left: deregistered / moved out, lease ended in 2024.
    gone = np.zeros(n, dtype=bool)
    first_link = np.r_[np.ones(len(tenants), dtype=bool), np.zeros(len(t2), dtype=bool)]
    candidates = first_link & (t_start < _day(2023, 6, 30)) & ~np.isin(t_firm, t2)
    leave = candidates & (rng.random(len(t_firm)) < 0.12)
    t_end = np.where(leave, _days_between(rng, len(t_firm), _day(2024, 1, 15), _day(2024, 12, 15)), t_end)
    gone[t_firm[leave]] = True
    f["status"] = np.where(gone, np.where(rng.random(n) < 0.5, 4, 5), f["status"])
    f["end_day"] = np.full(n, -1, dtype=np.int64)
    f["end_day"][t_firm[leave]] = t_end[leave]
    ten = {"firm": t_firm, "parcel": t_parcel, "role": np.ones(len(t_firm), dtype=np.int64), "land": t_land,
           "floor": t_floor, "start": t_start, "end": t_end}

    # Subtenants: part of a (first-link, still current) tenant's floor.
    subs = np.flatnonzero(f["subtenant"])
    host_pool = np.flatnonzero(first_link & ~leave)
    if len(host_pool) and len(subs):
        host = host_pool[rng.integers(0, len(host_pool), len(subs))]
        s_floor = _round(t_floor[host] * rng.uniform(0.2, 0.5, len(subs)))
        s_start = np.minimum(t_start[host] + rng.integers(60, 720, len(subs)), _day(2025, 10, 31))
        s_end = np.where(t_end[host] >= s_start + 180, t_end[host], -1)  # not beyond the head lease
        s_parcel = t_parcel[host]
        f["zone"][subs] = p["zone"][s_parcel]
        sub = {"firm": subs, "parcel": s_parcel, "role": np.full(len(subs), 2), "land": np.full(len(subs), np.nan),
               "floor": s_floor, "start": s_start, "end": s_end}
    else:
        sub = {k: v[:0] for k, v in ten.items()}
    links = {k: np.r_[hold[k], ten[k], sub[k]] for k in hold}
    # (enterprise, parcel, role) is the natural key: a tenant renting twice on one parcel is one link
    key = (links["firm"].astype(np.int64) * (m + 1) + links["parcel"]) * 3 + links["role"]
    _, first = np.unique(key, return_index=True)
    keep = np.sort(first)
    links = {k: v[keep] for k, v in links.items()}
    # tenants' production start follows the lease
    tenant_first = np.full(n, np.iinfo(np.int64).max)
    rent = links["role"] > 0
    np.minimum.at(tenant_first, links["firm"][rent], links["start"][rent])
    has_rent = tenant_first < np.iinfo(np.int64).max
    f["production_start"] = np.where(f["tenant"] & has_rent, tenant_first + rng.integers(15, 150, n),
                                     f["production_start"])
    f["production_start"] = np.minimum(f["production_start"], _day(2025, 11, 30))
    f["production_valid"] = f["production_valid"] | (f["tenant"] & has_rent)
    f["first_supply_or_start"] = np.where(f["tenant"], np.where(has_rent, tenant_first, _day(2018)),
                                          np.where(f["first_supply"] < np.iinfo(np.int64).max, f["first_supply"],
                                                   _day(2020)))
    return links


# --------------------------------------------------------------------------------------------------------------
# Yearly figures
# --------------------------------------------------------------------------------------------------------------

def _yearly(f: dict, rng) -> dict:
    """Three years per firm: revenue from the firm's size, tax 2–6 % of it; resources by industry."""
    n = f["n"]
    ny = len(YEARS)
    group = f["group"]
    intens = np.array([GROUP_INTENSITY[g][:4] for g in GROUPS])[group]
    rate = f["rate"]
    base = f["revenue"]  # 2024
    g24 = rng.normal(0.05, 0.10, n)
    g25 = 0.4 * g24 + rng.normal(0.03, 0.10, n)
    revenue = np.stack([base / np.exp(g24), base, base * np.exp(g25)], axis=1)
    # production: firms that have not started produce nothing; started this year: part of the year
    start_year = np.where(f["production_valid"], 1970 + (f["production_start"] + 0.5) / 365.2425, np.inf)
    start_year = np.floor(start_year)
    years = np.array(YEARS)[None, :]
    producing = years >= start_year[:, None]
    first_year = years == start_year[:, None]
    revenue = np.where(producing, revenue, 0.0)
    revenue = np.where(first_year, revenue * rng.uniform(0.15, 0.5, (n, 1)), revenue)
    noise = lambda s: np.exp(rng.normal(0, s, (n, ny)))  # noqa: E731
    tax = revenue * rate[:, None] * noise(0.08)
    output = revenue * rng.uniform(0.9, 1.1, (n, ny))
    value_added = output * rng.uniform(0.18, 0.30, (n, 1)) * noise(0.04)
    size = np.where(producing, output, 0.0)
    energy = size * intens[:, [0]] * _lognormal(rng, 1.0, 0.5, (n, 1)) * noise(0.06)
    electricity = energy * np.clip(intens[:, [3]] * noise(0.05), 0.05, 0.98) / 1.229
    water = size * intens[:, [1]] * _lognormal(rng, 1.0, 0.5, (n, 1)) * noise(0.08) / 10000
    emissions = size * intens[:, [2]] * _lognormal(rng, 1.0, 0.6, (n, 1)) * noise(0.1) / 1000
    rd_share = np.where(f["above"], rng.uniform(0.01, 0.06, n), np.where(rng.random(n) < 0.4, 0.0,
                                                                        rng.uniform(0.0, 0.04, n)))
    rd = revenue * rd_share[:, None] * noise(0.1)
    productivity = _lognormal(rng, 95, 0.35, n)  # 万元 per employee
    employees = np.round(np.maximum(revenue / productivity[:, None], np.where(producing, 3, 0)) * noise(0.03))
    # not yet producing firms still employ some staff and invest
    employees = np.where(~producing & f["new_firm"][:, None], np.round(rng.uniform(3, 20, (n, 1))), employees)
    invest = np.where(rng.random((n, ny)) < 0.45, 0.0, revenue * rng.uniform(0.01, 0.15, (n, ny)))
    # new firms build: 投资强度 of about 250–450 万元/亩 spread over the construction years
    build_invest = f["new_firm"][:, None] & (years <= start_year[:, None])
    invest = np.where(build_invest, f["land_mu"][:, None] * rng.uniform(80, 150, (n, ny)), invest)
    # before production a land holder still pays 城镇土地使用税 (about 0.3–0.6 万元 per 亩 and year)
    land_tax = f["land_mu"][:, None] * rng.uniform(0.3, 0.6, (n, ny))
    tax = np.where(producing, tax, np.where(f["new_firm"][:, None], land_tax, 0.0))

    # rows: every firm and year, except firms gone before a year
    end_year = np.where(f["end_day"] >= 0, np.floor(1970 + f["end_day"] / 365.2425), 9999)
    keep = years <= end_year[:, None]
    # tenant firms registered after a year have no row for that year
    keep &= (years >= np.floor(1970 + np.minimum(f["first_supply_or_start"], REF_DAY) / 365.2425)[:, None]) | \
        ~f["tenant"][:, None]
    cols = {"tax": tax, "revenue": revenue, "output_value": output, "value_added": value_added,
            "energy_tce": energy, "electricity_10k_kwh": electricity, "water_10k_t": water,
            "emissions_t": emissions, "rd_expense": rd, "employees": employees, "fixed_investment": invest}
    digits = {"water_10k_t": 3, "emissions_t": 3, "employees": 0}
    missing = {"energy_tce": 0.02, "electricity_10k_kwh": 0.01, "water_10k_t": 0.02, "emissions_t": 0.03,
               "rd_expense": 0.03, "employees": 0.01, "fixed_investment": 0.02}
    rows_firm = np.repeat(np.arange(n), ny)[keep.ravel()]
    rows_year = np.tile(np.array(YEARS), n)[keep.ravel()]
    out = {"firm": rows_firm, "year": rows_year}
    k = len(rows_firm)
    for name, values in cols.items():
        v = _round(values.ravel()[keep.ravel()], digits.get(name, 2))
        if name in missing:
            v = np.where(rng.random(k) < missing[name], np.nan, v)
        out[name] = v
    # plausibility oddities: tax above revenue, value added above output, energy in kgce instead of tce
    last = np.flatnonzero(rows_year == YEARS[-1])
    producing_last = last[out["revenue"][last] > 50]
    for count, fn in ((max(2, n // 600), "tax"), (max(1, n // 1000), "value_added"), (max(1, n // 1000), "energy")):
        if not len(producing_last):
            break
        idx = rng.choice(producing_last, size=min(count, len(producing_last)), replace=False)
        if fn == "tax":
            out["tax"][idx] = _round(out["revenue"][idx] * rng.uniform(1.2, 3.0, len(idx)))
        elif fn == "value_added":
            out["value_added"][idx] = _round(out["output_value"][idx] * rng.uniform(1.05, 1.5, len(idx)))
        else:
            out["energy_tce"][idx] = _round(np.nan_to_num(out["energy_tce"][idx], nan=10.0) * 1000)
    return out


# --------------------------------------------------------------------------------------------------------------
# Findings
# --------------------------------------------------------------------------------------------------------------

def _findings(f: dict, p: dict, links: dict, rng) -> dict:
    n = f["n"]
    m = len(p["zone"])
    risk = np.array([z.risk for z in ZONES])[f["zone"]] * np.where(f["low_eff"], 1.8, 1.0)
    n_firms = int(round(0.08 * n))
    key = np.log(rng.random(n)) / risk
    chosen = np.sort(np.argpartition(-key, max(n_firms - 1, 0))[:n_firms]) if n_firms else np.zeros(0, np.int64)
    per = rng.choice([1, 2, 3], len(chosen), p=[0.62, 0.27, 0.11])
    firm = np.repeat(chosen, per)
    k = len(firm)
    kind = np.array([z.kind for z in ZONES])[f["zone"][firm]]
    chem = f["group"][firm] == GROUPS.index("chemical")
    probs = np.tile([0.30, 0.30, 0.20, 0.12, 0.08], (k, 1))
    probs[chem] = [0.45, 0.40, 0.10, 0.03, 0.02]
    probs[kind == "cluster_point"] = [0.15, 0.20, 0.30, 0.22, 0.13]
    probs[kind == "small_firm_park"] = [0.20, 0.25, 0.35, 0.08, 0.12]
    category = _categorical(rng, probs)
    severity = _categorical(rng, np.where(chem[:, None], [0.55, 0.35, 0.10], [0.70, 0.26, 0.04]))
    found = _days_between(rng, k, _day(2023, 1, 4), _day(2025, 12, 19))
    # primary parcel of each firm: first holder parcel, else the first rented parcel
    primary = np.full(n, -1, dtype=np.int64)
    order = np.lexsort((links["start"], links["role"], links["firm"]))
    lf = links["firm"][order]
    firsts = _group_starts(lf)
    primary[lf[firsts]] = links["parcel"][order][firsts]
    with_parcel = np.where(np.isin(category, (0, 3)), rng.random(k) < 0.8, rng.random(k) < 0.3)
    parcel = np.where(with_parcel, primary[firm], -1)

    # parcel-only findings: collective land, idle land, 批而未供 land
    n_parcel = int(round(0.012 * m))
    pool_w = np.where(p["collective"], 5.0, 0.0) + np.where(p["status"] == 3, 4.0, 0.0) + \
        np.where(p["status"] == 0, 3.0, 0.0)
    pool = np.flatnonzero(pool_w > 0)
    n_parcel = min(n_parcel, len(pool))
    if n_parcel:
        pk = np.log(rng.random(len(pool))) / pool_w[pool]
        pp = np.sort(pool[np.argpartition(-pk, n_parcel - 1)[:n_parcel]])
    else:
        pp = np.zeros(0, dtype=np.int64)
    template = np.where(p["status"][pp] == 0, np.where(rng.random(len(pp)) < 0.5, 2, 3),
                        np.where(p["collective"][pp], rng.choice([0, 1, 4], len(pp), p=[0.5, 0.25, 0.25]),
                                 rng.choice([1, 5, 4], len(pp), p=[0.5, 0.3, 0.2])))
    return {"firm": firm, "parcel": parcel, "category": category, "severity": severity, "found": found,
            "desc_u": rng.random(k), "area_n": rng.integers(3, 80, k) * 10,
            "status_u": rng.random(k), "status_v": rng.random(k),
            "p_parcel": pp, "p_template": template,
            "p_found": _days_between(rng, len(pp), _day(2023, 2, 1), _day(2025, 12, 19)),
            "p_severity": _categorical(rng, np.tile([0.45, 0.45, 0.10], (len(pp), 1))),
            "p_area": rng.integers(5, 150, len(pp)) * 10, "p_status_u": rng.random(len(pp)),
            "p_status_v": rng.random(len(pp))}


# --------------------------------------------------------------------------------------------------------------
# Frames
# --------------------------------------------------------------------------------------------------------------

def _parcel_codes(m: int) -> pl.Series:
    width = max(6, len(str(m)))
    return (pl.Series(np.arange(1, m + 1)).cast(pl.String).str.zfill(width).alias("code")
            .to_frame().select(pl.concat_str([pl.lit("SZ-"), pl.col("code")])).to_series())


def _zones_frame() -> pl.DataFrame:
    return pl.DataFrame({
        "code": [z.code for z in ZONES], "name": [z.name for z in ZONES], "parent": [z.parent for z in ZONES],
        "kind": [z.kind for z in ZONES], "division_code": [DIVISION] * len(ZONES), "level": [z.level for z in ZONES],
    }, schema={"code": pl.String, "name": pl.String, "parent": pl.String, "kind": pl.String,
               "division_code": pl.String, "level": pl.String})


def _enterprises_frame(f: dict, zone_codes: pl.Series) -> pl.DataFrame:
    return pl.DataFrame({
        "credit_code": pl.Series(f["credit_code"], dtype=pl.String),
        "name": f["name"],
        "industry_code": _pick(f["industry"], f["industry_index"]),
        "scale": _pick(("above", "below"), np.where(f["above"], 0, 1)),
        "zone": zone_codes.gather(pl.Series(f["zone"])),
        "status": _pick(STATUSES, f["status"]),
        "production_start": _series(np.minimum(f["production_start"], REF_DAY), pl.Date, f["production_valid"]),
    })


def _parcels_frame(p: dict, codes: pl.Series, zone_codes: pl.Series) -> pl.DataFrame:
    m = len(p["zone"])
    frame = pl.DataFrame({"code": codes})
    district, sub, feature, seq = p["land_code_parts"]
    coded = pl.DataFrame({
        "i": p["land_code_index"],
        "district": district, "sub": sub, "feature": _pick(("GB", "JB", "JA"), feature), "seq": seq,
    }).select("i", pl.concat_str([
        pl.lit(DIVISION), pl.col("district").cast(pl.String).str.zfill(3),
        pl.col("sub").cast(pl.String).str.zfill(3), pl.col("feature"),
        pl.col("seq").cast(pl.String).str.zfill(5)]).alias("land_code"))
    land_code = pl.DataFrame({"i": np.arange(m)}).join(coded, on="i", how="left", maintain_order="left")
    supplied = p["supplied"]
    building = p["building_valid"]
    return frame.with_columns(
        land_code["land_code"],
        zone=zone_codes.gather(pl.Series(p["zone"])),
        registered_area_m2=_series(p["registered"]),
        land_use_code=_pick(p["land_use_codes"], p["land_use"], p["land_use_valid"]),
        ownership=_pick(("state", "collective"), p["collective"].astype(np.int64)),
        supply_status=_pick(SUPPLY_STATUSES, p["status"]),
        supply_method=_pick(SUPPLY_METHODS, p["method"], supplied & p["method_valid"]),
        supply_date=_series(p["supply_day"], pl.Date, supplied),
        term_years=_series(p["term"]),
        land_price=_series(p["price"]),
        floor_area_m2=_series(p["floor"], valid=building),
        footprint_area_m2=_series(p["footprint"], valid=building),
        admin_area_m2=_series(p["admin"], valid=building),
        green_area_m2=_series(p["green"], valid=building),
    ).select(["code", "land_code", "zone", "registered_area_m2", "land_use_code", "ownership", "supply_status",
              "supply_method", "supply_date", "term_years", "land_price", "floor_area_m2", "footprint_area_m2",
              "admin_area_m2", "green_area_m2"])


def _links_frame(links: dict, credit: pl.Series, parcel_codes: pl.Series) -> pl.DataFrame:
    return pl.DataFrame({
        "enterprise": credit.gather(pl.Series(links["firm"])),
        "parcel": parcel_codes.gather(pl.Series(links["parcel"])),
        "role": _pick(("holder", "tenant", "subtenant"), links["role"]),
        "land_area_m2": _series(links["land"]),
        "floor_area_m2": _series(links["floor"]),
        "start_date": _series(links["start"], pl.Date),
        "end_date": _series(np.maximum(links["end"], 0), pl.Date, links["end"] >= 0),
    })


def _yearly_frame(y: dict, credit: pl.Series) -> pl.DataFrame:
    data = {"enterprise": credit.gather(pl.Series(y["firm"])), "year": pl.Series(y["year"], dtype=pl.Int64)}
    for name in ("tax", "revenue", "output_value", "value_added", "energy_tce", "electricity_10k_kwh", "water_10k_t",
                 "emissions_t", "rd_expense", "employees", "fixed_investment"):
        data[name] = _series(y[name])
    return pl.DataFrame(data)


def _finding_status(found, u, v):
    year = np.floor(1970 + found / 365.2425)
    closed_p = np.select([year <= 2023, year == 2024], [0.92, 0.7], 0.3)
    return np.where(u < closed_p, 2, np.where(v < 0.5, 1, 0))  # closed / rectifying / open


FINDING_STATUSES = ("open", "rectifying", "closed")
SEVERITIES = ("minor", "serious", "major")


def _findings_frame(fd: dict, credit: pl.Series, parcel_codes: pl.Series) -> pl.DataFrame:
    cat = fd["category"]
    templates = [t for c in CATEGORIES for t in DESCRIPTIONS[c]]
    t_off = np.cumsum([0] + [len(DESCRIPTIONS[c]) for c in CATEGORIES])[:-1]
    t_n = np.array([len(DESCRIPTIONS[c]) for c in CATEGORIES])
    t_idx = t_off[cat] + np.minimum((fd["desc_u"] * t_n[cat]).astype(np.int64), t_n[cat] - 1)
    firm_rows = pl.DataFrame({
        "enterprise": credit.gather(pl.Series(fd["firm"])),
        "parcel": _pick(parcel_codes, np.maximum(fd["parcel"], 0), fd["parcel"] >= 0),
        "department": _pick(CATEGORY_DEPARTMENT, cat),
        "category": _pick(CATEGORIES, cat),
        "severity": _pick(SEVERITIES, fd["severity"]),
        "found_on": _series(fd["found"], pl.Date),
        "description": _pick(templates, t_idx),
        "n": pl.Series(fd["area_n"]).cast(pl.String),
        "status": _pick(FINDING_STATUSES, _finding_status(fd["found"], fd["status_u"], fd["status_v"])),
    })
    tpl = fd["p_template"]
    parcel_rows = pl.DataFrame({
        "enterprise": pl.Series([None] * len(tpl), dtype=pl.String),
        "parcel": parcel_codes.gather(pl.Series(fd["p_parcel"])),
        "department": _pick([t[0] for t in PARCEL_FINDINGS], tpl),
        "category": _pick([t[1] for t in PARCEL_FINDINGS], tpl),
        "severity": _pick(SEVERITIES, fd["p_severity"]),
        "found_on": _series(fd["p_found"], pl.Date),
        "description": _pick([t[2] for t in PARCEL_FINDINGS], tpl),
        "n": pl.Series(fd["p_area"]).cast(pl.String),
        "status": _pick(FINDING_STATUSES, _finding_status(fd["p_found"], fd["p_status_u"], fd["p_status_v"])),
    })
    frame = pl.concat([firm_rows, parcel_rows])
    frame = frame.with_columns(pl.col("description").str.replace("{n}", pl.col("n"), literal=True)).drop("n")
    key = ["enterprise", "parcel", "department", "category", "found_on", "description"]
    return frame.unique(subset=key, keep="first", maintain_order=True).select(
        ["enterprise", "parcel", "department", "category", "severity", "found_on", "description", "status"])
