"""Control-indicator services: load the scoped parcels with their firm's industry (one query per table), run the
pure engine (supply/control_engine.py) and give the page, the API, the CLI and the export the same rows.

Invariant: the page, its export and the API list all read `control_rows(scope=…)`, which keeps to the user's
parks before the engine runs, so no export holds a parcel the user's page would not show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import xlsxwriter
from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy as _

from parkgov.codes.tables import code_table
from parkgov.ingest.excel import safe_cell
from parkgov.ledger.choices import LinkRole
from parkgov.ledger.models import Enterprise, LandLink, Parcel, Zone
from parkgov.supply.control_engine import evaluate
from parkgov.supply.landuse_rules import INDICATORS, UNITS, control_rules

DOMAIN = "supply"
INDICATOR_LABELS = {"plot_ratio": _("容积率"), "building_coefficient": _("建筑系数"),
                    "admin_share": _("行政办公及生活服务设施用地所占比重"), "green_ratio": _("绿地率")}
STATUS_LABELS = {"violation": _("不符合"), "ok": _("符合"), "no_edition": _("供地早于控制指标或无供地日期，未核"),
                 "no_limit": _("该版本无此指标（或未录入），未核"), "no_industry": _("企业无行业代码，未核"),
                 "not_tabled": _("该版本指标表无此行业，未核"), "no_value": _("缺少面积数据，未核")}
PARCEL_COLUMNS = ("id", "code", "zone_id", "land_use_code", "registered_area_m2", "floor_area_m2",
                  "footprint_area_m2", "admin_area_m2", "green_area_m2", "supply_date")
SCHEMA = {"parcel_id": pl.Int64, "code": pl.Utf8, "zone_id": pl.Int64, "land_use_code": pl.Utf8,
          "registered_area_m2": pl.Float64, "floor_area_m2": pl.Float64, "footprint_area_m2": pl.Float64,
          "admin_area_m2": pl.Float64, "green_area_m2": pl.Float64, "supply_date": pl.Date}
EXPORT_SHEET = "控制指标核查"


@dataclass(frozen=True)
class ControlFilters:
    """The page's filters: park (zone id), indicator, edition, and whether to list violations only."""

    zone_id: int | None = None
    indicator: str = ""
    edition: str = ""
    violations_only: bool = True

    @classmethod
    def parse(cls, params) -> "ControlFilters":
        zone = str(params.get("zone") or "")
        indicator = params.get("indicator") or ""
        edition = params.get("edition") or ""
        return cls(zone_id=int(zone) if zone.isdigit() else None,
                   indicator=indicator if indicator in INDICATORS else "",
                   edition=edition if control_rules().edition(edition) else "",
                   violations_only=params.get("all") not in ("1", "true", "on"))


def parcel_inputs(*, scope, zone_id=None) -> pl.DataFrame:
    """The engine's input: the user's parcels (one query) with their firm's industry (one query on the current
    links): the land-use-right holder with the largest land area, else the tenant with the largest floor."""
    scope.require(DOMAIN)
    parcels = scope.filter_zones(Parcel.objects.current())  # not parcels ended by a split or merge
    if zone_id:
        parcels = parcels.filter(zone_id=zone_id)
    rows = list(parcels.values_list(*PARCEL_COLUMNS))
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    firms = _main_firms(frame["parcel_id"].to_list())
    return frame.join(firms, on="parcel_id", how="left")


def _main_firms(parcel_ids) -> pl.DataFrame:
    today = timezone.localdate()
    links = LandLink.objects.filter(parcel_id__in=parcel_ids, role__in=[LinkRole.HOLDER, LinkRole.TENANT]) \
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today)) \
        .values_list("parcel_id", "enterprise_id", "enterprise__industry_code", "role", "land_area_m2",
                     "floor_area_m2", "enterprise__credit_code")
    frame = pl.DataFrame(list(links), orient="row", schema={
        "parcel_id": pl.Int64, "enterprise_id": pl.Int64, "industry_code": pl.Utf8, "role": pl.Utf8,
        "land_area_m2": pl.Float64, "floor_area_m2": pl.Float64, "credit_code": pl.Utf8})
    return (frame.with_columns((pl.col("role") == LinkRole.HOLDER).alias("holder"))
            .sort(["parcel_id", "holder", "land_area_m2", "floor_area_m2", "credit_code"],
                  descending=[False, True, True, True, False], nulls_last=True)
            .unique("parcel_id", keep="first", maintain_order=True)
            .select("parcel_id", "enterprise_id", "industry_code"))


def control_rows(*, scope, filters: ControlFilters | None = None) -> list[dict]:
    """The engine's rows for the user's parks and `filters` (violations only unless asked), each with the
    parcel's zone and firm and Chinese (translated) labels, in parcel code then indicator order."""
    filters = filters or ControlFilters()
    checked = evaluate(parcels=parcel_inputs(scope=scope, zone_id=filters.zone_id), rules=control_rules())
    if filters.violations_only:
        checked = checked.filter(pl.col("violated"))
    if filters.indicator:
        checked = checked.filter(pl.col("indicator") == filters.indicator)
    if filters.edition:
        checked = checked.filter(pl.col("edition") == filters.edition)
    rows = checked.to_dicts()
    zones = dict(Zone.objects.filter(id__in={r["zone_id"] for r in rows}).values_list("id", "name"))
    firms = {e["id"]: e for e in Enterprise.objects.filter(id__in={r["enterprise_id"] for r in rows if r["enterprise_id"]})
             .values("id", "name", "credit_code")}
    industries = code_table("gbt4754_2017")
    for row in rows:
        firm = firms.get(row["enterprise_id"]) or {}
        row.update(zone_name=zones.get(row["zone_id"], ""), enterprise_name=firm.get("name", ""),
                   credit_code=firm.get("credit_code", ""),
                   industry_name=industries.label(row["industry_code"]) if row["industry_code"] else "",
                   indicator_label=str(INDICATOR_LABELS[row["indicator"]]), unit=UNITS[row["indicator"]],
                   bound_label=gettext("≥") if row["bound"] == "min" else gettext("≤"),
                   status_label=str(STATUS_LABELS[row["status"]]))
    return rows


def violation_counts(*, scope) -> dict:
    """indicator → number of violating parcels in the user's parks (every indicator, 0 when none)."""
    checked = evaluate(parcels=parcel_inputs(scope=scope), rules=control_rules()).filter(pl.col("violated"))
    counts = dict(checked.group_by("indicator").len().iter_rows())
    return {indicator: counts.get(indicator, 0) for indicator in INDICATORS}


def export_rows(*, rows: list[dict], path) -> int:
    """Write `rows` (from `control_rows`) to `path` with a 说明 sheet naming each edition's source; Chinese
    headers whatever the page language; returns the number of rows."""
    with translation.override(settings.LANGUAGE_CODE):
        headers = [gettext("地块编码"), gettext("所属园区"), gettext("统一社会信用代码"), gettext("企业名称"),
                   gettext("行业代码"), gettext("行业名称"), gettext("适用版本"), gettext("指标"), gettext("实际值"),
                   gettext("控制值"), gettext("单位"), gettext("结果")]
        book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
        bold = book.add_format({"bold": True, "bg_color": "#dde3ea", "border": 1, "text_wrap": True})
        sheet = book.add_worksheet(EXPORT_SHEET)
        sheet.write_row(0, 0, headers, bold)
        sheet.set_column(0, len(headers) - 1, 16)
        sheet.freeze_panes(1, 1)
        for r, row in enumerate(rows, start=1):
            limit = f"{row['bound_label']} {row['limit']:g}" if row["limit"] is not None else ""
            values = [row["code"], row["zone_name"], row["credit_code"], row["enterprise_name"], row["industry_code"],
                      row["industry_name"], row["edition"], str(INDICATOR_LABELS[row["indicator"]]), row["value"], limit,
                      row["unit"], str(STATUS_LABELS[row["status"]])]
            for c, value in enumerate(values):
                if isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                elif value:
                    sheet.write_string(r, c, safe_cell(value))
        sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
        notes = book.add_worksheet("说明")
        notes.write_row(0, 0, [gettext("版本"), gettext("名称"), gettext("文号"), gettext("适用于供地日期自"),
                               gettext("来源"), gettext("说明"), gettext("已核实")], bold)
        for r, edition in enumerate(control_rules().editions, start=1):
            notes.write_row(r, 0, [edition.id, edition.name, edition.document, edition.applies_from.isoformat(),
                                   edition.source.citation, edition.source.note, "是" if edition.verified else "否"])
        notes.write_string(len(control_rules().editions) + 2, 0,
                           gettext("导出时间：%(at)s") % {"at": dt.datetime.now().strftime("%Y-%m-%d %H:%M")})
        notes.set_column(0, 6, 24)
        book.close()
    return len(rows)


def zone_choices(*, scope) -> list:
    """(id, name) of the user's parks for the filter."""
    return list(scope.filter_zones(Zone.objects.order_by("code"), "id").values_list("id", "name"))

