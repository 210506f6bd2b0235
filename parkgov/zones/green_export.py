"""The 底线 workbook of a year (page download and `parkgov zone bottom-line`): per zone its outcome, the
indicators of the year's 底线 set, its green indicators against the baseline and its leading industries, and a 说明
sheet naming the data files. The zones are those the caller passes (Scope.zone_ids), as on the pages."""

from pathlib import Path

from django.utils import timezone

from parkgov.zones.bottom_line import overview
from parkgov.zones.export import _Book
from parkgov.zones.green_rules import bottom_line_set, consequence_rules, green_profile, industry_rule

OUTCOME = [("园区编码", 14), ("园区名称", 28), ("年度", 8), ("不达标项数", 10), ("缺少数据项数", 10), ("后果", 10),
           ("原因", 70), ("历年", 40)]
LIMITS = [("园区编码", 14), ("指标", 30), ("数值", 12), ("单位", 12), ("底线", 14), ("是否达标", 10), ("来源", 50),
          ("已核实", 8)]
GREEN = [("园区编码", 14), ("指标", 26), ("数值", 12), ("单位", 14), ("基准年数值", 12), ("较基准年变化（%）", 14),
         ("目标", 10), ("是否达标", 10), ("数据来源", 26), ("公式", 50), ("依据", 50)]
MIX = [("园区编码", 14), ("行业代码", 10), ("行业", 30), ("工业总产值（万元）", 16), ("占比（%）", 10), ("主导产业", 10),
       ("主导产业数", 10), ("超过上限", 10)]


def _passed(value) -> str:
    return "—" if value is None else ("是" if value else "否")


def write_bottom_line(*, path: Path, year: int, zone_ids=None) -> int:
    """Write the workbook for `year` (NotFound without a published set); returns the number of zones."""
    outcomes = overview(year=year, zone_ids=zone_ids)
    profile = green_profile(bottom_line_set(year).green_profile)
    book = _Book(path)
    sheets = (book.sheet("底线考核", OUTCOME), book.sheet("底线指标", LIMITS), book.sheet("绿色指标", GREEN),
              book.sheet("主导产业", MIX))
    rows = [1, 1, 1, 1]

    def put(n, values):
        for col, value in enumerate(values):
            book.cell(sheets[n], rows[n], col, value)
        rows[n] += 1

    for o in outcomes:
        zone = o["zone"]
        history = "；".join(f"{h['year']} 年 {h['failed']} 项{('·' + h['consequence']) if h['consequence'] else ''}"
                           for h in o["history"])
        put(0, [zone.code, zone.name, year, o["failed"], o["missing"], o["consequence"] or "—",
                "\n".join(o["reasons"]), history])
        for i in o["indicators"]:
            put(1, [zone.code, i["name"], i["value"], i["unit"], f"{i['sign']} {i['limit']:g}", _passed(i["passed"]),
                    i["source"], _passed(i["verified"])])
        for i in o["green"]:
            put(2, [zone.code, i["name"], i["value"], i["unit"], i["baseline"], i["change_pct"], i["target"],
                    _passed(i["passed"]), i["origin"], i["formula"], i["source"]])
    for m in (o["mix"] for o in outcomes):
        for i in m["industries"]:
            put(3, [m["zone"].code, i["code"], i["name"], i["value"], i["share"], _passed(i["leading"]),
                    m["leading_count"], _passed(m["flagged"])])
    notes = book.sheet("说明", [("项目", 20), ("内容", 100)])
    rule, found, consequences = industry_rule(), bottom_line_set(year), consequence_rules()
    for n, (key, text) in enumerate([
            ("年度", str(year)), ("底线指标", f"{found.name}（第 {found.version} 版）：{found.source}"),
            ("后果规则", "；".join(f"{r.consequence}：{r.text}" for r in consequences.rules)),
            ("缺少数据", consequences.missing_source),
            ("绿色指标体系", f"{profile.name}，基准年 {profile.baseline_year}：{profile.source}"),
            ("主导产业", f"{rule.max_source}；认定：{rule.share_source}"),
            ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M"))], start=1):
        book.cell(notes, n, 0, key)
        book.cell(notes, n, 1, text)
    book.close()
    return len(outcomes)
