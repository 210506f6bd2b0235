"""Checks across rows, sheets and the stored ledger: references, consistency and plausibility.

Errors block the import; warnings (提示) are reported and the rows are written.
"""

import datetime as dt

import polars as pl

from parkgov.codes.tables import code_table
from parkgov.codes.thresholds import threshold
from parkgov.ingest.extensions import EXTENSIONS
from parkgov.ingest.issues import WARNING, IssueList
from parkgov.ledger.bulk import fetch_frame
from parkgov.ledger.models import Enterprise, Parcel, Zone

OWNERSHIP_OF_LETTER = {"G": "state", "J": "collective"}
REFERENCES = ("zone", "parent", "enterprise", "parcel", "parent_parcel", "child_parcel")  # columns holding codes


def check_workbook(sheets: dict, issues: IssueList):
    """`sheets` maps sheet name to (RawSheet, typed frame); adds cross-sheet and database issues.

    A sheet missing a required column has already been reported and is left out of these checks.
    """
    sheets = {name: (raw, typed) for name, (raw, typed) in sheets.items()
              if all(c.field in typed.columns for c in raw.spec.columns if c.required)}
    zones = _known(sheets, "园区", "code", Zone, "code")
    firms = _known(sheets, "企业", "credit_code", Enterprise, "credit_code")
    parcels = _known(sheets, "地块", "code", Parcel, "code")
    _reference(sheets, issues, "园区", "parent", zones, "上级园区编码不存在（本表与系统中均无）")
    _reference(sheets, issues, "企业", "zone", zones, "所属园区编码不存在（「园区」表与系统中均无）")
    _reference(sheets, issues, "地块", "zone", zones, "所属园区编码不存在（「园区」表与系统中均无）")
    for name in ("用地关系", "年度数据", "检查发现"):
        _reference(sheets, issues, name, "enterprise", firms, "企业不存在（「企业」表与系统中均无此统一社会信用代码）")
    for name in ("用地关系", "检查发现"):
        _reference(sheets, issues, name, "parcel", parcels, "地块编码不存在（「地块」表与系统中均无）")
    for column in ("parent_parcel", "child_parcel"):
        _reference(sheets, issues, "地块沿革", column, parcels, "地块编码不存在（「地块」表与系统中均无）")
    if "园区" in sheets:
        _zone_rules(*sheets["园区"], issues)
    if "地块" in sheets:
        _parcel_rules(*sheets["地块"], issues)
    if "用地关系" in sheets:
        _link_rules(*sheets["用地关系"], issues)
    if "年度数据" in sheets:
        _yearly_rules(*sheets["年度数据"], issues)
    if "检查发现" in sheets:
        _finding_rules(*sheets["检查发现"], issues)
    if "地块沿革" in sheets:
        _lineage_rules(*sheets["地块沿革"], issues, parcels=sheets.get("地块"))
    for name, extension in EXTENSIONS.items():
        if name in sheets and extension.check is not None:
            extension.check(sheets, issues)
    if "企业" in sheets:
        raw, typed = sheets["企业"]
        _flag(raw, typed, issues, "production_start", pl.col("production_start") > dt.date.today(),
              "投产日期晚于今天，请核对", WARNING)


def _known(sheets, sheet, column, model, field) -> set:
    """Codes present in the sheet plus those of the same codes already stored."""
    codes = set()
    wanted = set()
    for name, (raw, typed) in sheets.items():
        for col in typed.columns:
            if col in REFERENCES or (name == sheet and col == column):
                wanted.update(typed.get_column(col).drop_nulls().cast(pl.String).unique().to_list())
    if sheet in sheets and column in sheets[sheet][1].columns:
        codes.update(sheets[sheet][1].get_column(column).drop_nulls().to_list())
    if wanted:
        stored = fetch_frame(model, columns=[field], where_column=field, values=sorted(wanted))
        codes.update(stored.get_column(field).to_list())
    return codes


def _reference(sheets, issues, sheet, column, known, message):
    if sheet not in sheets:
        return
    raw, typed = sheets[sheet]
    if column not in typed.columns:
        return
    missing = typed.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(sorted(known)))
    for row, value in missing.select("__row", column).iter_rows():
        issues.add(raw.title, row, raw.headers[column], value, message)


def _flag(raw, typed, issues, column, condition, message, level="error"):
    """Add an issue on `column` for every row where `condition` holds (needs the columns it reads)."""
    needed = condition.meta.root_names()
    if any(c not in typed.columns for c in needed) or column not in raw.headers:
        return
    hit = typed.filter(condition.fill_null(False)).select("__row")
    if hit.height == 0:
        return
    as_written = hit.join(raw.frame.select("__row", pl.col(column).alias("__text")), on="__row", how="left")
    for row, value in as_written.iter_rows():
        issues.add(raw.title, row, raw.headers[column], value, message, level)


def _zone_rules(raw, typed, issues):
    _flag(raw, typed, issues, "parent", pl.col("parent") == pl.col("code"), "上级园区不能是自身")
    _flag(raw, typed, issues, "parent", pl.col("parent").is_not_null() & (pl.col("kind") == "development_zone"),
          "类型为开发区的园区不能有上级园区")
    if "parent" in typed.columns and "parent" in raw.headers:
        _zone_cycles(raw, typed, issues)


def _zone_cycles(raw, typed, issues):
    """A parent that is one of the park's own descendants, in the stored tree as this sheet would change it."""
    stored = fetch_frame(Zone, columns=["code", "parent_id"])
    code_of = dict(zip(stored.get_column("id").to_list(), stored.get_column("code").to_list()))
    parent_of = {code: code_of.get(parent) for code, parent in stored.select("code", "parent_id").iter_rows()}
    given = typed.filter(pl.col("parent").is_not_null() & (pl.col("parent") != pl.col("code")))
    parent_of.update(given.select("code", "parent").iter_rows())  # a blank parent cell keeps the stored one
    as_written = given.join(raw.frame.select("__row", pl.col("parent").alias("__text")), on="__row", how="left")
    for row, code, parent, text in as_written.select("__row", "code", "parent", "__text").iter_rows():
        chain, current = [code], parent
        while current is not None and current not in chain:
            chain.append(current)
            current = parent_of.get(current)
        if current == code:
            loop = " → ".join([*chain, code])
            issues.add(raw.title, row, raw.headers["parent"], text,
                       f"上级园区 {parent} 是园区 {code} 的下级园区，会形成循环（下级 → 上级）：{loop}")


def _parcel_rules(raw, typed, issues):
    _flag(raw, typed, issues, "registered_area_m2", pl.col("registered_area_m2") <= 0, "土地面积必须大于0")
    for column, label in (("footprint_area_m2", "建筑基底面积"), ("admin_area_m2", "行政办公及生活设施用地面积"),
                          ("green_area_m2", "绿地面积")):
        _flag(raw, typed, issues, column, pl.col(column) > pl.col("registered_area_m2") * (1 + threshold("area_tolerance_ratio")),
              f"{label}大于土地面积")
    _flag(raw, typed, issues, "floor_area_m2", pl.col("floor_area_m2") > pl.col("registered_area_m2") * threshold("plot_ratio_plausible_max"),
          f"容积率超过{threshold('plot_ratio_plausible_max'):g}，请核对面积单位", WARNING)
    letter = pl.col("land_code").str.slice(12, 1)
    _flag(raw, typed, issues, "ownership",
          (letter == "G") & (pl.col("ownership") != "state") | (letter == "J") & (pl.col("ownership") != "collective"),
          "土地权属与宗地代码第13位（所有权类型）不一致")
    _flag(raw, typed, issues, "supply_date", (pl.col("supply_status") == "approved_not_supplied")
          & pl.col("supply_date").is_not_null(), "批而未供地块不应有供地日期", WARNING)
    _flag(raw, typed, issues, "supply_status", pl.col("supply_status").is_in(["in_use", "idle", "supplied_not_used"])
          & pl.col("supply_method").is_null(), "已供地块未填写供地方式", WARNING)
    this_year = dt.date.today().year
    _flag(raw, typed, issues, "building_year", pl.col("building_year") > this_year,
          f"建成年份晚于当前年度 {this_year}")
    _flag(raw, typed, issues, "building_quality", pl.col("building_quality").is_not_null()
          & (pl.col("floor_area_m2") == 0), "总建筑面积为0的地块不应有房屋质量", WARNING)
    _flag(raw, typed, issues, "ended_on", pl.col("ended_on") <= pl.col("started_on"), "灭失日期应晚于启用日期")
    if "land_code" in typed.columns:
        _stored_land_codes(raw, typed, issues)
    _stored_validity(raw, typed, issues)


def _stored_validity(raw, typed, issues):
    """启用日期 and 灭失日期 are written by a split or merge: an import may give them for a parcel the ledger does not
    hold yet (an exported ledger restored into an empty database), and may not change them on a stored parcel (an
    old workbook must not revive a parcel that was split or merged away; a blank cell keeps the stored date)."""
    given = [c for c in ("started_on", "ended_on") if c in typed.columns and c in raw.headers]
    if not given or "code" not in typed.columns:
        return
    rows = typed.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in given]))
    if rows.height == 0:
        return
    stored = fetch_frame(Parcel, columns=["code", *given], where_column="code",
                         values=rows.get_column("code").unique().to_list())
    joined = rows.select("__row", "code", *given).join(stored.drop("id"), on="code", suffix="__stored")
    for column in given:
        label = raw.headers[column]
        for row, value, was in joined.filter(pl.col(column).is_not_null()
                                             & pl.col(column).ne_missing(pl.col(f"{column}__stored"))) \
                .select("__row", column, f"{column}__stored").iter_rows():
            now = f"{was:%Y-%m-%d}" if was else "空"
            issues.add(raw.title, row, label, value, f"{label}由分割或合并设定，不能通过导入修改（系统中为 {now}）")


def _stored_land_codes(raw, typed, issues):
    """A 宗地代码 may belong to one parcel only, across the sheet and the stored ledger."""
    given = typed.filter(pl.col("land_code").is_not_null()).with_columns(pl.col("land_code").str.slice(0, 19))
    stored = fetch_frame(Parcel, columns=["code", "land_code"], where_column="land_code",
                         values=given.get_column("land_code").unique().to_list())
    clash = given.join(stored.rename({"code": "__holder"}), on="land_code").filter(pl.col("__holder") != pl.col("code"))
    for row, value, holder in clash.select("__row", "land_code", "__holder").iter_rows():
        issues.add(raw.title, row, raw.headers["land_code"], value, f"该宗地代码已属于地块 {holder}")
    inside = given.with_columns(pl.col("__row").min().over("land_code").alias("__first")) \
        .filter(pl.col("__row") != pl.col("__first"))
    for row, value, first in inside.select("__row", "land_code", "__first").iter_rows():
        issues.add(raw.title, row, raw.headers["land_code"], value, f"与第{first}行的宗地代码重复")


def _link_rules(raw, typed, issues):
    _flag(raw, typed, issues, "end_date", pl.col("end_date") < pl.col("start_date"), "终止日期早于起始日期")


def _yearly_rules(raw, typed, issues):
    this_year = dt.date.today().year
    _flag(raw, typed, issues, "year", pl.col("year") > this_year, f"年度晚于当前年度 {this_year}")
    _flag(raw, typed, issues, "tax", pl.col("tax") > pl.col("revenue"), "评价税收大于营业收入，请核对", WARNING)
    _flag(raw, typed, issues, "value_added", pl.col("value_added") > pl.col("output_value"),
          "工业增加值大于工业总产值，请核对", WARNING)
    _flag(raw, typed, issues, "rd_expense", pl.col("rd_expense") > pl.col("revenue"), "研发经费大于营业收入，请核对",
          WARNING)
    _flag(raw, typed, issues, "tax", pl.col("tax") < 0, "评价税收为负数，请核对（退税可为负）", WARNING)


def check_finding_scope(raw, typed, issues, scope) -> None:
    """A department imports only findings of its own department (roles.yaml own_findings_only) and of the
    categories it records (finding_categories), as on the finding pages; `scope` None (the command line, an
    operator) imports any."""
    from parkgov.ledger.choices import FindingCategory

    if scope is None:
        return
    if scope.own_findings_only:
        name = code_table("departments").label(scope.department) or scope.department
        _flag(raw, typed, issues, "department", pl.col("department") != scope.department,
              f"只能导入本部门（{name}）的检查发现")
    if scope.finding_categories is not None:
        allowed = sorted(scope.finding_categories)
        labels = "、".join(str(FindingCategory(c).label) for c in FindingCategory.values if c in allowed)
        _flag(raw, typed, issues, "category", ~pl.col("category").is_in(allowed),
              f"本角色只能导入以下类别的检查发现：{labels}")


def _finding_rules(raw, typed, issues):
    if "enterprise" in typed.columns or "parcel" in typed.columns:
        conds = [pl.col(c).is_null() for c in ("enterprise", "parcel") if c in typed.columns]
        hit = typed.filter(pl.all_horizontal(conds))
        column = raw.headers.get("enterprise") or raw.headers.get("parcel")
        for (row,) in hit.select("__row").iter_rows():
            issues.add(raw.title, row, column, "", "统一社会信用代码与地块编码至少填一项")
    else:
        issues.add(raw.title, 1, "统一社会信用代码", "", "缺少「统一社会信用代码」或「地块编码」列（至少一列）")
    _flag(raw, typed, issues, "found_on", pl.col("found_on") > dt.date.today(), "发现日期晚于今天")
    _flag(raw, typed, issues, "deadline", pl.col("deadline") < pl.col("found_on"), "整改期限早于发现日期")
    _flag(raw, typed, issues, "closed_on", pl.col("closed_on") < pl.col("found_on"), "销号日期早于发现日期")
    _flag(raw, typed, issues, "closed_on", pl.col("closed_on") > dt.date.today(), "销号日期晚于今天")
    closed = pl.col("status") == "closed"
    if "status" in typed.columns:
        _flag(raw, typed, issues, "closed_on", pl.col("closed_on").is_not_null() & ~closed,
              "填写了销号日期，状态应为“已销号”")
        _flag(raw, typed, issues, "status", closed & pl.col("closed_on").is_null(), "已销号的检查发现未填写销号日期",
              WARNING)
    else:
        _flag(raw, typed, issues, "closed_on", pl.col("closed_on").is_not_null(),
              "填写了销号日期，须同时填写「状态」列为“已销号”")


def _lineage_rules(raw, typed, issues, *, parcels):
    """A lineage edge joins two different parcels on the day the old one ended and the new one started (as the
    「地块」 sheet gives them, else as stored), and the rows of one operation agree: one 方式 and one 日期, one old
    parcel for a split and one new parcel for a merge."""
    _flag(raw, typed, issues, "child_parcel", pl.col("child_parcel") == pl.col("parent_parcel"), "新地块不能与原地块相同")
    _flag(raw, typed, issues, "effective_date", pl.col("effective_date") > dt.date.today(), "日期晚于今天")
    if "operation_id" not in typed.columns:
        return
    first = pl.col("__row").min().over("operation_id")
    for column, label in (("operation", "方式"), ("effective_date", "日期")):
        _flag(raw, typed, issues, column, pl.col(column).n_unique().over("operation_id") > 1,
              f"同一操作编号的各行{label}应相同")
    for column, operation, label in (("parent_parcel", "split", "分割只能有一宗原地块"),
                                     ("child_parcel", "merge", "合并只能有一宗新地块")):
        _flag(raw, typed, issues, column, (pl.col("operation") == operation)
              & (pl.col(column).n_unique().over("operation_id") > 1) & (pl.col("__row") != first),
              f"{label}（同一操作编号）")
    _lineage_dates(raw, typed, issues, parcels)


def _lineage_dates(raw, typed, issues, parcels):
    """日期 is the old parcel's 灭失日期 and the new parcel's 启用日期 (the sheet's value, else the stored one)."""
    codes = pl.concat([typed.get_column("parent_parcel"), typed.get_column("child_parcel")]).drop_nulls().unique()
    dates = fetch_frame(Parcel, columns=["code", "started_on", "ended_on"], where_column="code",
                        values=codes.to_list()).drop("id")
    if parcels is not None and {"code", "started_on", "ended_on"} <= set(parcels[1].columns):
        given = parcels[1].select("code", "started_on", "ended_on")  # a blank cell keeps the stored date
        dates = pl.concat([given, dates], how="vertical_relaxed").group_by("code").agg(
            pl.col("started_on").drop_nulls().first(), pl.col("ended_on").drop_nulls().first())
    for column, field, label in (("parent_parcel", "ended_on", "原地块的灭失日期"),
                                 ("child_parcel", "started_on", "新地块的启用日期")):
        joined = typed.select("__row", column, "effective_date").join(
            dates.select(pl.col("code").alias(column), pl.col(field).alias("__day")), on=column, how="inner")
        for row, code, day, was in joined.filter(pl.col("effective_date").is_not_null()
                                                 & pl.col("effective_date").ne_missing(pl.col("__day"))).iter_rows():
            shown = f"{was:%Y-%m-%d}" if was else "空"
            issues.add(raw.title, row, raw.headers["effective_date"], f"{day:%Y-%m-%d}",
                       f"日期应等于{label}（地块 {code} 为 {shown}）")
