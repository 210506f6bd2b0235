"""Output frames: the drawn sections as one frame per exchange sheet (schema field names, choice values),
and the parcel and zone polygons as WKB.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import shapely

from parkgov.demo.generator.arrays import pick, series
from parkgov.demo.generator.buildings import PROCEDURES, QUALITIES
from parkgov.demo.generator.dates import REF_DAY
from parkgov.demo.generator.figures import CATEGORIES, CATEGORY_DEPARTMENT, DESCRIPTIONS, PARCEL_FINDINGS
from parkgov.demo.generator.firms import STATUSES
from parkgov.demo.generator.land import SUPPLY_METHODS, SUPPLY_STATUSES
from parkgov.demo.generator.legal import legal_basis
from parkgov.demo.generator.zones import DIVISION, ZONES

FINDING_STATUSES = ("open", "rectifying", "closed")
SEVERITIES = ("minor", "serious", "major")
FINDING_COLUMNS = ["enterprise", "parcel", "department", "category", "severity", "found_on", "description", "status",
                   "legal_basis", "deadline", "rectifiable", "closed_on"]
YEARLY_FIELDS = ("tax", "revenue", "output_value", "value_added", "energy_tce", "electricity_10k_kwh",
                 "water_10k_t", "emissions_t", "rd_expense", "employees", "fixed_investment")


def parcel_codes(m: int) -> pl.Series:
    """地块编码 SZ-000001… for `m` parcels (at least six digits)."""
    width = max(6, len(str(m)))
    return (pl.Series(np.arange(1, m + 1)).cast(pl.String).str.zfill(width).alias("code")
            .to_frame().select(pl.concat_str([pl.lit("SZ-"), pl.col("code")])).to_series())


def zone_codes() -> pl.Series:
    """园区编码 of the zones, in ZONES order."""
    return pl.Series([z.code for z in ZONES], dtype=pl.String)


def sheet_frames(*, firms: dict, parcels: dict, links: dict, yearly: dict, findings: dict,
                 parcel_codes: pl.Series, zone_codes: pl.Series) -> dict[str, pl.DataFrame]:
    """One frame per exchange sheet, keyed by sheet name, in workbook order."""
    credit = pl.Series(firms["credit_code"], dtype=pl.String)
    return {
        "园区": _zones_frame(),
        "企业": _enterprises_frame(firms, zone_codes),
        "地块": _parcels_frame(parcels, parcel_codes, zone_codes),
        "用地关系": _links_frame(links, credit, parcel_codes),
        "年度数据": _yearly_frame(yearly, credit),
        "检查发现": _findings_frame(findings, credit, parcel_codes),
        "地块沿革": _lineage_frame(),
    }


def _lineage_frame() -> pl.DataFrame:
    """地块沿革 sheet: empty (the demo's split and merge write the lineage once the ledger is stored)."""
    return pl.DataFrame(schema={"operation_id": pl.String, "parent_parcel": pl.String, "child_parcel": pl.String,
                                "operation": pl.String, "effective_date": pl.Date, "note": pl.String})


def parcel_geometry(codes: pl.Series, lonlat: np.ndarray) -> pl.DataFrame:
    """Parcel polygons: code (地块编码), wkb."""
    return pl.DataFrame({"code": codes, "wkb": _quad_wkb(lonlat)})


def zone_geometry(codes: pl.Series, polygons: np.ndarray) -> pl.DataFrame:
    """Zone polygons: code (园区编码), wkb."""
    return pl.DataFrame({"code": codes, "wkb": pl.Series(list(shapely.to_wkb(polygons)), dtype=pl.Binary)})


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


def _zones_frame() -> pl.DataFrame:
    """园区 sheet."""
    return pl.DataFrame({
        "code": [z.code for z in ZONES], "name": [z.name for z in ZONES], "parent": [z.parent for z in ZONES],
        "kind": [z.kind for z in ZONES], "division_code": [DIVISION] * len(ZONES), "level": [z.level for z in ZONES],
    }, schema={"code": pl.String, "name": pl.String, "parent": pl.String, "kind": pl.String,
               "division_code": pl.String, "level": pl.String})


def _enterprises_frame(f: dict, zone_codes: pl.Series) -> pl.DataFrame:
    """企业 sheet."""
    return pl.DataFrame({
        "credit_code": pl.Series(f["credit_code"], dtype=pl.String),
        "name": f["name"],
        "industry_code": pick(f["industry"], f["industry_index"]),
        "scale": pick(("above", "below"), np.where(f["above"], 0, 1)),
        "zone": zone_codes.gather(pl.Series(f["zone"])),
        "status": pick(STATUSES, f["status"]),
        "production_start": series(np.minimum(f["production_start"], REF_DAY), pl.Date, f["production_valid"]),
    })


def _parcels_frame(p: dict, codes: pl.Series, zone_codes: pl.Series) -> pl.DataFrame:
    """地块 sheet."""
    supplied = p["supplied"]
    building = p["building_valid"]
    return pl.DataFrame({"code": codes}).with_columns(
        _land_code_column(p),
        zone=zone_codes.gather(pl.Series(p["zone"])),
        registered_area_m2=series(p["registered"]),
        land_use_code=pick(p["land_use_codes"], p["land_use"], p["land_use_valid"]),
        ownership=pick(("state", "collective"), p["collective"].astype(np.int64)),
        supply_status=pick(SUPPLY_STATUSES, p["status"]),
        supply_method=pick(SUPPLY_METHODS, p["method"], supplied & p["method_valid"]),
        supply_date=series(p["supply_day"], pl.Date, supplied),
        term_years=series(p["term"]),
        land_price=series(p["price"]),
        floor_area_m2=series(p["floor"], valid=building),
        footprint_area_m2=series(p["footprint"], valid=building),
        admin_area_m2=series(p["admin"], valid=building),
        green_area_m2=series(p["green"], valid=building),
        building_year=series(p["building_year"], pl.Int64, p["building_year"] > 0),
        building_quality=pick(QUALITIES, np.maximum(p["quality"], 0), p["quality"] >= 0),
        land_procedures=pick(PROCEDURES, np.maximum(p["procedures"], 0), p["procedures"] >= 0),
        started_on=pl.lit(None, pl.Date), ended_on=pl.lit(None, pl.Date),  # set by the demo's split and merge later
        code_provisional=pl.lit("no"),  # every generated parcel has its own code; the split's parts get 是
    ).select(["code", "land_code", "zone", "registered_area_m2", "land_use_code", "ownership", "supply_status",
              "supply_method", "supply_date", "term_years", "land_price", "floor_area_m2", "footprint_area_m2",
              "admin_area_m2", "green_area_m2", "building_year", "building_quality", "land_procedures",
              "started_on", "ended_on", "code_provisional"])


def _land_code_column(p: dict) -> pl.Series:
    """宗地代码 (GB/T 37346) of each parcel from its drawn parts; null for parcels without one."""
    district, sub, feature, seq = p["land_code_parts"]
    coded = pl.DataFrame({
        "i": p["land_code_index"],
        "district": district, "sub": sub, "feature": pick(("GB", "JB", "JA"), feature), "seq": seq,
    }).select("i", pl.concat_str([
        pl.lit(DIVISION), pl.col("district").cast(pl.String).str.zfill(3),
        pl.col("sub").cast(pl.String).str.zfill(3), pl.col("feature"),
        pl.col("seq").cast(pl.String).str.zfill(5)]).alias("land_code"))
    land_code = pl.DataFrame({"i": np.arange(len(p["zone"]))}).join(coded, on="i", how="left", maintain_order="left")
    return land_code["land_code"]


def _links_frame(links: dict, credit: pl.Series, parcel_codes: pl.Series) -> pl.DataFrame:
    """用地关系 sheet."""
    return pl.DataFrame({
        "enterprise": credit.gather(pl.Series(links["firm"])),
        "parcel": parcel_codes.gather(pl.Series(links["parcel"])),
        "role": pick(("holder", "tenant", "subtenant"), links["role"]),
        "land_area_m2": series(links["land"]),
        "floor_area_m2": series(links["floor"]),
        "start_date": series(links["start"], pl.Date),
        "end_date": series(np.maximum(links["end"], 0), pl.Date, links["end"] >= 0),
    })


def _yearly_frame(y: dict, credit: pl.Series) -> pl.DataFrame:
    """年度数据 sheet."""
    data = {"enterprise": credit.gather(pl.Series(y["firm"])), "year": pl.Series(y["year"], dtype=pl.Int64)}
    for name in YEARLY_FIELDS:
        data[name] = series(y[name])
    return pl.DataFrame(data)


def _finding_status(found, u, v):
    """Index into FINDING_STATUSES: older findings are more often closed."""
    year = np.floor(1970 + found / 365.2425)
    closed_p = np.select([year <= 2023, year == 2024], [0.92, 0.7], 0.3)
    return np.where(u < closed_p, 2, np.where(v < 0.5, 1, 0))  # closed / rectifying / open


def _findings_frame(fd: dict, credit: pl.Series, parcel_codes: pl.Series) -> pl.DataFrame:
    """检查发现 sheet: findings on firms, then on parcels; {n} filled in; duplicates on the natural key dropped."""
    frame = pl.concat([_firm_finding_rows(fd, credit, parcel_codes), _parcel_finding_rows(fd, parcel_codes)])
    frame = frame.with_columns(pl.col("description").str.replace("{n}", pl.col("n"), literal=True)).drop("n")
    key = ["enterprise", "parcel", "department", "category", "found_on", "description"]
    frame = frame.unique(subset=key, keep="first", maintain_order=True)
    return frame.with_columns(pl.when(pl.col("status") == "closed").then(pl.col("closed_on")).alias("closed_on")) \
        .select(FINDING_COLUMNS)


def _firm_finding_rows(fd: dict, credit: pl.Series, parcel_codes: pl.Series) -> pl.DataFrame:
    """Rows of the findings on firms, description templates picked by the drawn uniform within the category."""
    cat = fd["category"]
    templates = [t for c in CATEGORIES for t in DESCRIPTIONS[c]]
    t_off = np.cumsum([0] + [len(DESCRIPTIONS[c]) for c in CATEGORIES])[:-1]
    t_n = np.array([len(DESCRIPTIONS[c]) for c in CATEGORIES])
    t_idx = t_off[cat] + np.minimum((fd["desc_u"] * t_n[cat]).astype(np.int64), t_n[cat] - 1)
    return pl.DataFrame({
        "enterprise": credit.gather(pl.Series(fd["firm"])),
        "parcel": pick(parcel_codes, np.maximum(fd["parcel"], 0), fd["parcel"] >= 0),
        "department": pick(CATEGORY_DEPARTMENT, cat),
        "category": pick(CATEGORIES, cat),
        "severity": pick(SEVERITIES, fd["severity"]),
        "found_on": series(fd["found"], pl.Date),
        "description": pick(templates, t_idx),
        "n": pl.Series(fd["area_n"]).cast(pl.String),
        "status": pick(FINDING_STATUSES, _finding_status(fd["found"], fd["status_u"], fd["status_v"])),
        "legal_basis": pick(legal_basis(templates), t_idx),
        **_follow_up_columns(fd["follow_up"]),
    })


def _parcel_finding_rows(fd: dict, parcel_codes: pl.Series) -> pl.DataFrame:
    """Rows of the findings on parcels without a known firm."""
    tpl = fd["p_template"]
    return pl.DataFrame({
        "enterprise": pl.Series([None] * len(tpl), dtype=pl.String),
        "parcel": parcel_codes.gather(pl.Series(fd["p_parcel"])),
        "department": pick([t[0] for t in PARCEL_FINDINGS], tpl),
        "category": pick([t[1] for t in PARCEL_FINDINGS], tpl),
        "severity": pick(SEVERITIES, fd["p_severity"]),
        "found_on": series(fd["p_found"], pl.Date),
        "description": pick([t[2] for t in PARCEL_FINDINGS], tpl),
        "n": pl.Series(fd["p_area"]).cast(pl.String),
        "status": pick(FINDING_STATUSES, _finding_status(fd["p_found"], fd["p_status_u"], fd["p_status_v"])),
        "legal_basis": pick(legal_basis([t[2] for t in PARCEL_FINDINGS]), tpl),
        **_follow_up_columns(fd["p_follow_up"]),
    })


def _follow_up_columns(fu: dict) -> dict:
    """Deadline, rectifiable and closing day (kept only for closed findings by the caller)."""
    return {"deadline": series(fu["deadline"], pl.Date), "rectifiable": pick(("no", "yes"), fu["rectifiable"].astype(np.int64)),
            "closed_on": series(fu["closed"], pl.Date)}
