"""Excel export of the idle-land page: one row per parcel the page shows (the caller passes the scoped, filtered
rows), then a 说明 sheet with the as-of date, the rules, their articles and whether they are verified. Headers and
labels are Chinese whatever the page language (the caller sets zh-hans); text is made formula-safe."""

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext

from parkgov.ingest.excel import safe_cell
from parkgov.supply.choices import IdleStatus
from parkgov.supply.idle_rules import IdleRules


def idle_columns() -> list:
    """(header, function of a row, kind) for each column of the 闲置土地 sheet."""
    return [
        (gettext("地块编码"), lambda r: r["parcel_code"], "text"),
        (gettext("所属园区"), lambda r: r.get("zone_name", ""), "text"),
        (gettext("合同编号"), lambda r: r.get("contract_number", ""), "text"),
        (gettext("闲置状态"), lambda r: str(IdleStatus(r["status"]).label), "text"),
        (gettext("约定动工日期"), lambda r: r["agreed_start"], "date"),
        (gettext("延长后的动工期限"), lambda r: r["effective_start"] if r["government_caused"] else None, "date"),
        (gettext("实际动工日期"), lambda r: r["actual_start"], "date"),
        (gettext("满一年之日"), lambda r: r["idle_on"], "date"),
        (gettext("满两年之日"), lambda r: r["recover_on"], "date"),
        (gettext("距下一节点（天）"), lambda r: r["days_to_next"], "number"),
        (gettext("土地闲置费（万元）"), lambda r: r["fee"], "number"),
        (gettext("计算公式"), lambda r: r["formula"], "text"),
        (gettext("政府原因"), lambda r: gettext("是") if r["government_caused"] else "", "text"),
        (gettext("理由"), lambda r: "；".join(r["reasons"] or []), "text"),
    ]


def write_idle_workbook(*, target, rows: list[dict], on, rules: IdleRules) -> int:
    """Write `rows` (idle_status rows with zone_name, contract_number) to `target` (a path or a binary file);
    returns the number of rows written."""
    book = xlsxwriter.Workbook(target, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})
    header = book.add_format({"bold": True, "bg_color": "#EEF2F7"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    day = book.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
    money = book.add_format({"num_format": "0.00", "valign": "top"})
    columns = idle_columns()
    sheet = book.add_worksheet(gettext("闲置土地"))
    sheet.set_column(0, len(columns) - 1, 14)
    sheet.set_column(11, 11, 48)
    sheet.set_column(13, 13, 80)
    sheet.freeze_panes(1, 1)
    sheet.write_row(0, 0, [h for h, _v, _k in columns], header)
    for n, row in enumerate(rows, start=1):
        for c, (_h, value, kind) in enumerate(columns):
            cell = value(row)
            if cell is None or cell == "":
                continue
            if kind == "date":
                sheet.write_datetime(n, c, timezone.datetime(cell.year, cell.month, cell.day), day)
            elif kind == "number":
                sheet.write_number(n, c, cell, money if c == 10 else None)
            else:
                sheet.write_string(n, c, safe_cell(cell), wrap if c >= 11 else None)
    notes = book.add_worksheet(gettext("说明"))
    notes.set_column(0, 0, 22)
    notes.set_column(1, 1, 100)
    lines = [
        (gettext("基准日"), str(on)), (gettext("导出行数"), str(len(rows))),
        (gettext("规则"), f"{rules.name}（{rules.id} v{rules.version}）"),
        (gettext("依据"), rules.source.citation),
        (gettext("核对状态"), gettext("已核对官方文本") if rules.verified else gettext("条款为记忆所及，尚未核对官方文本")),
        (gettext("满一年"), f"{rules.idle.article}：{rules.idle.text}"),
        (gettext("满两年"), f"{rules.recover.article}：{rules.recover.text}"),
        (gettext("土地闲置费"), gettext("%(article)s：土地价款 × %(share)s%%") % {
            "article": rules.fee.article, "share": f"{rules.fee.share_pct:g}"}),
        (gettext("中止开发"), f"{rules.stalled.article}"),
        (gettext("即将闲置"), gettext("满一年前 %(days)s 天（%(article)s）") % {
            "days": rules.warning.days, "article": rules.warning.article}),
        (gettext("政府原因"), f"{rules.government.article}：{rules.government.text}"),
        (gettext("日期规则"), gettext("周年日当天即满一年；2 月 29 日在平年取 %(rule)s（%(article)s）") % {
            "rule": "2 月 28 日" if rules.day_rule.leap_day == "month_end" else "3 月 1 日",
            "article": rules.day_rule.article}),
        (gettext("规则指纹"), rules.digest),
    ]
    notes.write_row(0, 0, [gettext("项目"), gettext("内容")], header)
    for n, (key, text) in enumerate(lines, start=1):
        notes.write_string(n, 0, key)
        notes.write_string(n, 1, safe_cell(text), wrap)
    book.close()
    return len(rows)


def write_idle_gpkg(*, path, rows: list[dict]) -> int:
    """The GIS variant: the layer 闲置土地, a MultiPolygon feature per parcel with the sheet's columns (地块编码 and
    园区编码 from the parcel). Returns the number of features."""
    from parkgov.spatial.gpkg import write_parcel_layer

    columns = [(h, value) for h, value, _kind in idle_columns() if h != gettext("地块编码")]
    return write_parcel_layer(path=path, layer=gettext("闲置土地"), columns=[h for h, _v in columns],
                              rows=[(row["parcel_id"], [_blank(value(row)) for _h, value in columns]) for row in rows])


def _blank(value):
    return None if value == "" else value
