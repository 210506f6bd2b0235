"""Excel workbooks of zone evaluations: one zone's evaluation (one row per indicator, its potentials, its land
account with provenance, a 说明 sheet) and a run's ranking of zones.

The rows are what the caller passes: pages and API pass the results of the user's zones (services.scoped_results),
so a workbook never holds a zone the ranking page would not show. Headers are Chinese; text is formula-safe.
"""

from pathlib import Path

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext

from parkgov.ingest.excel import safe_cell
from parkgov.zones.fields import FIELDS

INDICATOR_COLUMNS = [("指标", "name", 22), ("目标", "goal", 12), ("子目标", "subgoal", 16), ("数值", "value", 12),
                     ("单位", "unit", 10), ("理想值", "ideal", 10), ("实现度分值", "score", 12), ("权重", "weight", 8),
                     ("公式", "formula", 36), ("代入数值", "computation", 36), ("输入", "inputs", 48),
                     ("理想值依据", "ideal_reason", 40), ("来源", "source", 40), ("已核实", "verified", 8)]


class _Book:
    def __init__(self, path: Path):
        self.workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                                        "strings_to_numbers": False, "nan_inf_to_errors": False})
        self.head = self.workbook.add_format({"bold": True, "bg_color": "#dfe7ef", "text_wrap": True,
                                              "valign": "top"})
        self.number = self.workbook.add_format({"num_format": "#,##0.00"})

    def sheet(self, name, headers):
        sheet = self.workbook.add_worksheet(name)
        for col, (header, width) in enumerate(headers):
            sheet.write_string(0, col, header, self.head)
            sheet.set_column(col, col, width)
        sheet.freeze_panes(1, 0)
        return sheet

    def cell(self, sheet, row, col, value):
        if value is None:
            return
        if isinstance(value, bool):
            sheet.write_string(row, col, "是" if value else "否")
        elif isinstance(value, (int, float)):
            sheet.write_number(row, col, value, self.number)
        else:
            sheet.write_string(row, col, safe_cell(str(value)))

    def close(self):
        self.workbook.close()


def provenance_text(item: dict | None) -> str:
    """填报（园区土地表）（提交 12） / 台账推算（35 宗地块） / 未填报, in the active language."""
    if not item:
        return gettext("未填报")
    if item.get("source") == "entered":
        return gettext("填报（园区土地表）（提交 %(id)s）") % {"id": item["submission"]} if item.get("submission") \
            else gettext("填报（园区土地表）")
    if "parcels" in item:
        return gettext("台账推算（%(n)s 宗地块）") % {"n": item["parcels"]}
    return gettext("台账推算（%(n)s 家企业）") % {"n": item.get("firms", 0)}


def write_zone_workbook(*, path: Path, zone, run, result, provenance: dict) -> int:
    """One zone's evaluation: 指标 (one row per indicator), 潜力, 土地账, 说明; returns the indicator rows."""
    book = _Book(path)
    sheet = book.sheet("指标", [("园区编码", 12)] + [(h, w) for h, _k, w in INDICATOR_COLUMNS])
    for row, item in enumerate(result.indicators, start=1):
        book.cell(sheet, row, 0, zone.code)
        for col, (_h, key, _w) in enumerate(INDICATOR_COLUMNS, start=1):
            book.cell(sheet, row, col, item.get(key))
    potentials = book.sheet("潜力", [("园区编码", 12), ("潜力", 14), ("面积（公顷）", 14), ("计算", 90)])
    rows = [(p["name"], p["value"], p["text"]) for p in result.potentials]
    rows.append(("尚可供地年数（年）", result.supply_years, result.supply_years_text))
    for row, values in enumerate(rows, start=1):
        for col, value in enumerate((zone.code, *values)):
            book.cell(potentials, row, col, value)
    account = book.sheet("土地账", [("园区编码", 12), ("项目", 28), ("数值", 14), ("单位", 10), ("来源", 30)])
    for row, f in enumerate(FIELDS, start=1):
        for col, value in enumerate((zone.code, f"{f.header}（{f.label}）" if f.label != f.header else f.header,
                                     result.account.get(f.field), f.unit, provenance_text(provenance.get(f.field)))):
            book.cell(account, row, col, value)
    _about(book, run, extra=[("园区", f"{zone.code} {zone.name}"), ("集约度分值", result.total),
                             ("分值计算", result.total_text), ("星级", result.stars),
                             ("排名", f"{result.rank}/{result.rank_of}" if result.rank else "—"),
                             ("缺少数据的指标", result.missing or "无")])
    book.close()
    return len(result.indicators)


def write_ranking_workbook(*, path: Path, run, results) -> int:
    """A run's zones by rank: total, stars, each indicator's value and score; returns the zone rows."""
    results = list(results)
    names = [i["name"] for i in results[0].indicators] if results else []
    book = _Book(path)
    headers = [("排名", 6), ("园区编码", 12), ("园区名称", 26), ("集约度分值", 12), ("星级", 6), ("尚可供地年数", 12)]
    headers += [(f"{n}（数值）", 14) for n in names] + [(f"{n}（分值）", 14) for n in names]
    sheet = book.sheet("园区排名", headers)
    for row, result in enumerate(results, start=1):
        values = [result.rank, result.zone.code, result.zone.name, result.total, result.stars, result.supply_years]
        values += [i.get("value") for i in result.indicators] + [i.get("score") for i in result.indicators]
        for col, value in enumerate(values):
            book.cell(sheet, row, col, value)
    _about(book, run, extra=[("园区数", len(results))])
    book.close()
    return len(results)


def _about(book, run, *, extra):
    sheet = book.sheet("说明", [("项目", 18), ("内容", 100)])
    rows = [("评价年度", run.year), ("指标体系", f"{run.profile_name}（{run.profile_id} 第 {run.profile_version} 版）"),
            ("指标体系指纹", run.profile_hash), ("输入数据指纹", run.input_hash), ("评价批次", run.pk),
            ("评价时间", timezone.localtime(run.created_at).strftime("%Y-%m-%d %H:%M")), *extra,
            ("实现度", "理想值比例推算法：正向指标 S = X ÷ T × 100（超过 100 按 100 计）；土地闲置率 S = 100 − X"),
            ("说明", "理想值与权重均为数据（指标体系文件），已核实为“否”的数值系回忆或示例，须对照规程正式文本核实。"
                   "缺少数据的指标不计分，其权重按比例分给同层其余指标。")]
    for row, (label, value) in enumerate(rows, start=1):
        book.cell(sheet, row, 0, label)
        book.cell(sheet, row, 1, value)
