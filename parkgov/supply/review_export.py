"""The review workbook: 达产复核 (one row per contract), 闲置土地 (one row per supplied parcel) and 说明.

`write_review_workbook(run=, path=, zone_ids=)` writes what a user may see: `zone_ids` is the scope's parks
(None = all). Statuses in Chinese, amounts in 万元, reasons and formulas as text; cells are written safely.
"""

from pathlib import Path

import xlsxwriter

from parkgov.ingest.excel import safe_cell
from parkgov.supply.choices import CommitmentStatus, IdleStatus
from parkgov.supply.contract_rules import breach_rules, indicator_set
from parkgov.supply.models import CommitmentCheck, IdleCheck, ReviewRun

COMMITMENT_HEADERS = ("地块编码", "合同编号", "企业名称", "统一社会信用代码", "所属园区", "复核结果", "未达标指标",
                      "违约金（万元）", "计算公式", "下一步", "整改期限", "未达标次数", "理由")
IDLE_HEADERS = ("地块编码", "合同编号", "企业名称", "所属园区", "闲置状态", "认定闲置之日", "可无偿收回之日",
                "距下一节点（天）", "土地闲置费（万元）", "计算公式", "政府原因", "理由")


def commitment_rows(run: ReviewRun, zone_ids=None) -> list:
    checks = CommitmentCheck.objects.filter(run=run).select_related("contract", "parcel", "enterprise", "zone")
    if zone_ids is not None:
        checks = checks.filter(zone_id__in=zone_ids)
    rows = []
    for check in checks.order_by("parcel__code", "contract__number"):
        unmet = "、".join(i["name"] for i in check.indicators if i.get("met") is False)
        rows.append([check.parcel.code, check.contract.number, check.enterprise.name if check.enterprise else "",
                     check.enterprise.credit_code if check.enterprise else "", check.zone.name,
                     str(CommitmentStatus(check.status).label), unmet, check.damages, check.formula, check.next_step,
                     check.rectify_by, check.failures, "；".join(check.reasons)])
    return rows


def idle_rows(run: ReviewRun, zone_ids=None) -> list:
    checks = IdleCheck.objects.filter(run=run).select_related("contract__enterprise", "parcel", "zone")
    if zone_ids is not None:
        checks = checks.filter(zone_id__in=zone_ids)
    rows = []
    for check in checks.order_by("parcel__code"):
        contract = check.contract
        firm = contract.enterprise.name if contract and contract.enterprise_id else ""
        rows.append([check.parcel.code, contract.number if contract else "", firm, check.zone.name,
                     str(IdleStatus(check.status).label), check.idle_on, check.recover_on, check.days_to_next,
                     check.fee, check.formula, "是" if check.government_caused else "", "；".join(check.reasons)])
    return rows


def write_review_workbook(*, run: ReviewRun, path: Path, zone_ids=None) -> dict:
    """Write the run's checks (within `zone_ids`) to `path`; returns rows per sheet."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                               "strings_to_numbers": False})
    header = workbook.add_format({"bold": True, "bg_color": "#dde3ea", "border": 1, "text_wrap": True})
    money = workbook.add_format({"num_format": "#,##0.00"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    counts = {}
    for name, headers, rows, money_cols in (
            ("达产复核", COMMITMENT_HEADERS, commitment_rows(run, zone_ids), {7}),
            ("闲置土地", IDLE_HEADERS, idle_rows(run, zone_ids), {8})):
        sheet = workbook.add_worksheet(name)
        for col, text in enumerate(headers):
            sheet.write_string(0, col, text, header)
            sheet.set_column(col, col, 40 if text in ("计算公式", "理由", "下一步") else 14)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if hasattr(value, "isoformat"):
                    sheet.write_datetime(r, c, _datetime(value), date)
                elif isinstance(value, (int, float)):
                    sheet.write_number(r, c, value, money if c in money_cols else None)
                else:
                    sheet.write_string(r, c, safe_cell(value))
        sheet.freeze_panes(1, 0)
        counts[name] = len(rows)
    _notes(workbook.add_worksheet("说明"), run, counts, wrap)
    workbook.close()
    return counts


def _datetime(value):
    import datetime as dt

    return dt.datetime(value.year, value.month, value.day)


def _notes(sheet, run, counts, wrap):
    lines = [
        f"供地复核批次 {run.pk}：复核基准日 {run.as_of:%Y-%m-%d}，数据年度 {run.year}" + (f"，园区 {run.zone.name}" if run.zone else ""),
        f"规则指纹 {run.rules_hash[:16]}，输入数据指纹 {run.input_hash[:16]}（相同输入、相同规则重算结果相同）",
        f"达产复核 {counts.get('达产复核', 0)} 份合同，闲置土地 {counts.get('闲置土地', 0)} 宗已供地块。",
        "达产复核：竣工阶段指标（投资强度、容积率、建筑系数）自约定竣工日期起复核，达产阶段指标（亩均税收、单位能耗增加值、"
        "单位排放增加值、研发经费占比）自约定达产日期起复核；短缺以承诺值的百分点计。",
        "违约金 = 土地价款 × 每短缺1个百分点的比例 × 短缺百分点，不超过土地价款的上限比例；首次未达标限期整改，"
        "整改期满后仍未达标计为再次未达标，达到规则规定次数时收回或回购土地使用权。",
        "闲置土地：按《闲置土地处置办法》（国土资源部令第53号）自约定动工日期起算；满一年按土地价款的20%征缴土地闲置费，"
        "满两年可无偿收回；政府原因造成的闲置单独标明。",
        "金额单位：万元；1 亩 = 10000/15 平方米。",
        "",
        "指标（supply/data/indicators.yaml）：",
        *[f"  {i.name}（{i.unit or '—'}）：{'不低于' if i.direction == '>=' else '不高于'}承诺值，{i.stage_label}复核"
          for i in indicator_set().indicators],
        "违约规则（supply/breach_rules/）：",
        *[f"  {r.id}：{r.name}；整改期 {r.rectification_days} 天；第 {r.recovery_after} 次未达标{r.recovery}；"
          f"来源：{r.source.citation}{'' if r.verified else '（未经核实）'}" for r in breach_rules().values()],
    ]
    sheet.set_column(0, 0, 120)
    for row, line in enumerate(lines):
        sheet.write_string(row, 0, line, wrap)
