"""`parkgov export ledger`: the ledger in the exchange format, so export → edit → import round-trips."""

from pathlib import Path

import polars as pl
import xlsxwriter

from parkgov.codes.tables import code_table
from parkgov.ingest.excel import SheetWriter
from parkgov.ingest.extensions import EXTENSIONS, all_sheets
from parkgov.ingest.schema import SHEETS
from parkgov.ledger.bulk import fetch_frame
from parkgov.ledger.models import Enterprise, Finding, LandLink, Parcel, ParcelLineage, YearlyFigure, Zone


def ledger_frames() -> dict:
    """Sheet name → frame with schema field names and stored codes (refs as codes, choices as values)."""
    zones = fetch_frame(Zone, columns=["code", "name", "parent_id", "kind", "division_code", "level"])
    zone_codes = zones.select(pl.col("id").alias("zone_id"), pl.col("code").alias("zone"))
    zones = zones.join(zone_codes.rename({"zone_id": "parent_id", "zone": "parent"}), on="parent_id", how="left")
    firms = fetch_frame(Enterprise, columns=["credit_code", "name", "industry_code", "scale", "zone_id", "status",
                                             "production_start"]).join(zone_codes, on="zone_id", how="left")
    parcel_cols = [c.field for c in _spec("地块").columns if c.field not in ("zone",)]
    parcels = fetch_frame(Parcel, columns=parcel_cols + ["zone_id", "unit_code_suffix"]) \
        .join(zone_codes, on="zone_id", how="left") \
        .with_columns((pl.col("land_code") + pl.col("unit_code_suffix").fill_null("")).alias("land_code"),
                      _yes_no("code_provisional"))
    firm_codes = firms.select(pl.col("id").alias("enterprise_id"), pl.col("credit_code").alias("enterprise"))
    parcel_codes = parcels.select(pl.col("id").alias("parcel_id"), pl.col("code").alias("parcel"))
    links = fetch_frame(LandLink, columns=["enterprise_id", "parcel_id", "role", "land_area_m2", "floor_area_m2",
                                           "start_date", "end_date"])
    links = links.join(firm_codes, on="enterprise_id", how="left").join(parcel_codes, on="parcel_id", how="left")
    yearly_cols = [c.field for c in _spec("年度数据").columns if c.field != "enterprise"]
    yearly = fetch_frame(YearlyFigure, columns=["enterprise_id"] + yearly_cols) \
        .join(firm_codes, on="enterprise_id", how="left")
    findings = fetch_frame(Finding, columns=["enterprise_id", "parcel_id", "department", "category", "severity",
                                             "found_on", "description", "status", "legal_basis", "deadline",
                                             "rectifiable", "closed_on"])
    findings = findings.with_columns(_yes_no("rectifiable"))
    findings = findings.join(firm_codes, on="enterprise_id", how="left").join(parcel_codes, on="parcel_id",
                                                                             how="left")
    lineage = fetch_frame(ParcelLineage, columns=["operation_id", "parent_id", "child_id", "operation",
                                                  "effective_date", "note"]) \
        .join(parcel_codes.rename({"parcel_id": "parent_id", "parcel": "parent_parcel"}), on="parent_id", how="left") \
        .join(parcel_codes.rename({"parcel_id": "child_id", "parcel": "child_parcel"}), on="child_id", how="left")
    frames = {"园区": zones, "企业": firms, "地块": parcels, "用地关系": links, "年度数据": yearly,
              "检查发现": findings, "地块沿革": lineage}
    sort = {"园区": ["code"], "企业": ["credit_code"], "地块": ["code"], "用地关系": ["enterprise", "parcel", "role"],
            "年度数据": ["enterprise", "year"], "检查发现": ["found_on", "enterprise", "parcel"],
            "地块沿革": ["effective_date", "operation_id", "parent_parcel", "child_parcel"]}
    frames = {name: frame.sort(sort[name], nulls_last=True) for name, frame in frames.items()}
    for name, extension in EXTENSIONS.items():  # a registered sheet is exported when it has rows
        frame = extension.export() if extension.export is not None else None
        if frame is not None and frame.height:
            frames[name] = frame
    return frames


def _yes_no(column: str) -> pl.Expr:
    """A stored nullable boolean as the sheet's 是/否 choice value (a column of nulls has no type: cast first)."""
    flag = pl.col(column).cast(pl.Boolean)
    return pl.when(flag).then(pl.lit("yes")).when(~flag).then(pl.lit("no")).otherwise(pl.lit(None, dtype=pl.String)) \
        .alias(column)


def _spec(name):
    return next(s for s in SHEETS if s.name == name)


def to_display(frame: pl.DataFrame, spec) -> pl.DataFrame:
    """Replace choice values and department codes by their Chinese labels; keep schema column order."""
    exprs = []
    departments = {c: e.name for c, e in code_table("departments").entries.items()}
    for column in spec.columns:
        if column.field not in frame.columns:
            exprs.append(pl.lit(None).alias(column.field))
            continue
        expr = pl.col(column.field)
        if column.choices is not None:
            expr = expr.replace_strict({v: str(label) for v, label in column.choices.choices}, default=expr)
        elif column.kind == "department":
            expr = expr.replace_strict(departments, default=expr)
        exprs.append(expr.alias(column.field))
    return frame.select(exprs)


def export_ledger(*, path: Path) -> dict:
    """Write every sheet of the ledger to `path`; returns rows per sheet."""
    return write_exchange_workbook(path=path, frames=ledger_frames())


def write_exchange_workbook(*, path: Path, frames: dict) -> dict:
    """Write frames (sheet name → frame with schema field names and stored codes) as an exchange workbook."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                               "strings_to_urls": False, "strings_to_numbers": False})
    writer = SheetWriter(workbook)
    counts = {}
    for spec in all_sheets():
        if spec.name not in frames:
            continue
        frame = to_display(frames.pop(spec.name), spec)
        sheet, columns = writer.start(spec)
        for row, values in enumerate(frame.iter_rows(), start=1):
            writer.write_row(sheet, row, columns, values)
        counts[spec.name] = frame.height
    workbook.close()
    return counts
