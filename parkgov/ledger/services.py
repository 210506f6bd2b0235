"""Ledger services: invariants shared by forms, admin and import; geometry attachment; summaries."""

import datetime as dt

import numpy as np
import polars as pl
from django.conf import settings
from django.db import connection

from parkgov.codes.parcel_code import parse_land_code
from parkgov.codes.tables import code_table
from parkgov.codes.thresholds import threshold
from parkgov.ledger import geometry
from parkgov.ledger.bulk import fetch_frame
from parkgov.ledger.models import Enterprise, Finding, LandLink, Parcel, YearlyFigure, Zone
from parkgov.units import square_metres_to_mu



def parcel_problems(*, land_code, ownership, land_use_code, registered_area_m2, footprint_area_m2) -> dict:
    """Field → Chinese message for a parcel's broken invariants (used by Parcel.clean and the admin)."""
    problems = {}
    if land_code:
        try:
            parsed = parse_land_code(land_code)
        except ValueError as exc:
            problems["land_code"] = str(exc)
        else:
            expected = {"state": "G", "collective": "J"}.get(ownership)
            if expected and parsed.ownership_letter not in (expected, "Z"):
                problems["ownership"] = "土地权属与宗地代码第13位（所有权类型）不一致"
    if land_use_code and land_use_code not in code_table("land_use_2023"):
        problems["land_use_code"] = f"{land_use_code} 不是用地用海分类（2023）代码"
    if registered_area_m2 is not None and registered_area_m2 <= 0:
        problems["registered_area_m2"] = "土地面积必须大于0"
    if footprint_area_m2 and registered_area_m2 and footprint_area_m2 > registered_area_m2:
        problems["footprint_area_m2"] = "建筑基底面积大于土地面积"
    return problems


PARCEL_MEASURES = ("computed_area_m2", "computed_perimeter_m", "geometry_problem")  # what geometry_columns adds


def geometry_columns(wkb: list, *, with_area: bool) -> pl.DataFrame:
    """Stored geometry columns for EPSG:4490 WKB: the WKB, its bbox and, for parcels, the Gauss-Krüger area and
    perimeter and GEOS's reason when the shape is invalid ('' when valid) — what the topology check reads instead
    of decoding every parcel (`parkgov.spatial.topology`)."""
    geoms = geometry.from_wkb(wkb)
    box = geometry.bounds(geoms)
    columns = {"geometry": pl.Series(geometry.to_wkb(geoms), dtype=pl.Binary), "min_x": box[:, 0],
               "min_y": box[:, 1], "max_x": box[:, 2], "max_y": box[:, 3]}
    if with_area:
        areas, lengths = geometry.projected_measures(geoms)
        columns["computed_area_m2"] = np.round(areas, 2)
        columns["computed_perimeter_m"] = np.round(lengths, 3)
        columns["geometry_problem"] = pl.Series(geometry.invalid_reasons(geoms), dtype=pl.String)
    return pl.DataFrame(columns).fill_nan(None)


def attach_geometry(*, model, frame: pl.DataFrame) -> int:
    """Store WKB (column `wkb`, EPSG:4490) for rows of `model` matched by `code`; fill bbox and parcel areas.

    Returns the number of rows updated. Caller owns the transaction and writes the history rows.
    """
    columns = geometry_columns(frame.get_column("wkb").to_list(), with_area=model is Parcel)
    names = columns.columns
    rows = [(*values, code) for values, code in zip(columns.iter_rows(), frame.get_column("code").to_list())]
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(n)} = %s" for n in names)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE code = %s", rows)
    return len(rows)


def current_parcel_frame(*, columns, where_column=None, values=None) -> pl.DataFrame:
    """`fetch_frame(Parcel, ...)` of the parcels not ended by a split or merge (`ParcelQuerySet.current`): what
    every figure of the ledger as it is today counts, so an ended parcel's land is never added to its successors'."""
    frame = fetch_frame(Parcel, columns=[*(c for c in columns if c != "ended_on"), "ended_on"], where_column=where_column,
                        values=values)
    return frame.filter(pl.col("ended_on").is_null()).drop("ended_on")


def links_in_year(*, year: int, columns: list) -> pl.DataFrame:
    """Land links in force during `year` (id, `columns`, parcel_id, start_date, end_date), less those a split or
    merge in or before `year` carried over to the new parcels: the carried shares count the land instead, so a firm's
    land in the year of a split is counted once, not on the old parcel and again on the new ones (issue 17 §2).
    A link that ended before its parcel was split was not carried and still counts for its days in the year."""
    wanted = list(dict.fromkeys([*columns, "parcel_id", "start_date", "end_date"]))
    links = fetch_frame(LandLink, columns=wanted)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    links = links.filter((pl.col("start_date").is_null() | (pl.col("start_date") <= end))
                         & (pl.col("end_date").is_null() | (pl.col("end_date") >= start)))
    # the ended parcels only (few): reading every parcel's end date to keep these took 0.1–0.2 s at 166,667 parcels
    ended = pl.DataFrame(list(Parcel.objects.filter(ended_on__isnull=False, ended_on__lte=end)
                              .values_list("id", "ended_on")),
                         schema={"parcel_id": pl.Int64, "__ended_on": pl.Date}, orient="row")
    if ended.height == 0:
        return links
    carried = pl.col("end_date").is_null() | (pl.col("end_date") >= pl.col("__ended_on") - pl.duration(days=1))
    return links.join(ended, on="parcel_id", how="left") \
        .filter(pl.col("__ended_on").is_null() | ~carried).drop("__ended_on")


def parcel_frame(columns=None) -> pl.DataFrame:
    """The current parcels (not ended) as a frame with derived ratios (容积率, 建筑系数, 行政办公比重, 绿地率) and
    areas in 亩."""
    base = ["code", "land_code", "zone_id", "registered_area_m2", "computed_area_m2", "ownership", "supply_status",
            "floor_area_m2", "footprint_area_m2", "admin_area_m2", "green_area_m2"]
    frame = current_parcel_frame(columns=columns or base)
    area = pl.col("registered_area_m2")
    return frame.with_columns(
        (area * 15 / 10000).alias("registered_area_mu"),
        (pl.col("floor_area_m2") / area).alias("plot_ratio"),
        (pl.col("footprint_area_m2") / area).alias("building_coefficient"),
        (pl.col("admin_area_m2") / area).alias("admin_share"),
        (pl.col("green_area_m2") / area).alias("green_ratio"),
        ((pl.col("computed_area_m2") - area).abs() / area > threshold("area_mismatch_ratio")).alias("area_mismatch"),
    )


def check_database_ready() -> None:
    """Raise ConfigError when the database cannot be reached or lacks migrations (`parkgov init` fixes it)."""
    from django.db import DatabaseError
    from django.db.migrations.executor import MigrationExecutor

    from parkgov.errors import ConfigError

    try:
        plan = MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise ConfigError(f"无法连接数据库 {database_label()}：{str(exc).splitlines()[0]}") from exc
    if plan:
        raise ConfigError(f"数据库 {database_label()} 尚未初始化或需要升级：新数据库请运行 parkgov init，"
                          "安装新版本后请运行 parkgov upgrade")


def database_label() -> str:
    """The database in use, without password."""
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"SQLite {db['NAME']}"
    return f"PostgreSQL {db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


def ledger_summary() -> dict:
    """Counts and land totals for the terminal and the cockpit."""
    parcels = parcel_frame()
    by_status = parcels.group_by("supply_status").agg(pl.col("registered_area_m2").sum()).rows()
    years = sorted(YearlyFigure.objects.values_list("year", flat=True).distinct())
    return {
        "zones": Zone.objects.count(),
        "enterprises": Enterprise.objects.count(),
        "parcels": parcels.height,
        "land_mu": square_metres_to_mu(parcels.get_column("registered_area_m2").sum() or 0),
        "land_by_status_mu": {status: square_metres_to_mu(area) for status, area in by_status},
        "collective_parcels": parcels.filter(pl.col("ownership") == "collective").height,
        "area_mismatch": parcels.filter(pl.col("area_mismatch").fill_null(False)).height,
        "links": LandLink.objects.count(),
        "yearly_figures": YearlyFigure.objects.count(),
        "years": years,
        "findings": Finding.objects.count(),
    }


def ledger_summary_text() -> str:
    """A Chinese text summary of the ledger: what it holds, not where (a restored copy reads the same)."""
    from parkgov.ledger.choices import SupplyStatus

    s = ledger_summary()
    lines = [
        f"园区 {s['zones']} 个，企业 {s['enterprises']} 家，地块 {s['parcels']} 宗（土地 {s['land_mu']:,.1f} 亩）",
    ]
    for status in SupplyStatus:
        if status.value in s["land_by_status_mu"]:
            lines.append(f"  {status.label}：{s['land_by_status_mu'][status.value]:,.1f} 亩")
    lines += [
        f"集体土地地块 {s['collective_parcels']} 宗；登记面积与图形面积相差超过5%的地块 {s['area_mismatch']} 宗",
        f"用地关系 {s['links']} 条，年度数据 {s['yearly_figures']} 条（年度：{'、'.join(map(str, s['years'])) or '无'}），"
        f"检查发现 {s['findings']} 条",
    ]
    return "\n".join(lines)
