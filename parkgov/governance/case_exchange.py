"""Cases in Excel: the export (one sheet `治理案件`, Chinese headers, the user's scope and the board's filters) and
the import of case updates by a department (sheet `案件进展`), applied through the same services as the pages.

The import checks every row first (case number in the user's scope, known operation, dates, numbers) and then
applies the rows in order, each in a savepoint, inside one transaction: any error, in the checks or refused by
a service (who, state, evidence, sign-offs …), rejects the whole file with every error named by file, sheet,
row, column and value (ImportRejected, like the ledger import), and nothing is written.
"""

import datetime as dt
from dataclasses import dataclass, field

import fastexcel
import xlsxwriter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from parkgov.errors import ConflictError, ImportRejected, InputError, NotFound
from parkgov.governance import cases as services
from parkgov.governance.case_queries import BoardFilters, board_cases
from parkgov.governance.choices import SignoffDecision
from parkgov.governance.models import Case
from parkgov.governance.workflow import get_workflow
from parkgov.ingest import normalise
from parkgov.ingest.excel import safe_cell
from parkgov.ingest.issues import IssueList
from parkgov.ingest.normalise import normalise_header

EXPORT_SHEET = "治理案件"
EXPORT_HEADERS = ["案件编号", "标题", "流程", "状态", "企业名称", "统一社会信用代码", "地块编码", "所属园区编码", "处置方式",
                  "牵头部门", "责任部门", "整改期限", "原定期限", "是否逾期", "核验轮次", "本轮部门验收", "目标腾退（亩）",
                  "目标亩均税收（万元/亩）", "目标拆除建筑（平方米）", "目标新增建筑面积（平方米）", "已腾退（亩）", "整改措施",
                  "验收记录", "立案时间", "销号日期"]
UPDATE_SHEET = "案件进展"
# header → (field, required); the operation is a transition label or code, 同意销号 / 不同意, or 完成步骤
UPDATE_COLUMNS = {"案件编号": ("number", True), "操作": ("operation", True), "说明": ("comment", False),
                  "新期限": ("new_deadline", False), "步骤": ("step", False), "实际腾退（亩）": ("freed_mu", False)}
STEP_OPERATION = "完成步骤"


def update_sheet_terms() -> dict:
    """The `案件进展` sheet's name, columns and operation values, as the file must carry them (Chinese in every
    language: they are the exchange format, like the ledger sheets' headers)."""
    flow = get_workflow("case")
    with translation.override(settings.LANGUAGE_CODE):
        decisions = [str(label) for label in SignoffDecision.labels]
    operations = [t.label for t in flow.transitions] + decisions + [STEP_OPERATION]
    return {"sheet": UPDATE_SHEET, "columns": "、".join(UPDATE_COLUMNS), "operations": "、".join(operations)}


def export_cases(*, path, scope, filters: BoardFilters | None = None, today: dt.date) -> int:
    """Write the user's cases (the board's rows for `filters`) to `path`; returns the number of rows. Headers and
    labels are Chinese, as every exchange workbook. A `path` ending in .gpkg gets the GIS variant: the layer
    治理案件 with the same columns, one feature per parcel (the case's parcel, else each parcel its firm uses
    today); it then returns the number of features."""
    cases = board_cases(scope=scope, filters=filters or BoardFilters(), today=today).prefetch_related("signoffs")
    with translation.override(settings.LANGUAGE_CODE):
        if str(path).lower().endswith(".gpkg"):
            return _write_cases_gpkg(path, cases)
        return _write_cases_xlsx(path, cases)


def _case_values(case, departments) -> list:
    """The EXPORT_HEADERS values of one case."""
    flow = get_workflow(case.workflow)
    signed = {s.department: s for s in case.signoffs.all() if s.round == case.round}
    return [case.number, case.title, gettext(flow.name), gettext(flow.state(case.state).label),
            case.enterprise.name if case.enterprise else "",
            case.enterprise.credit_code if case.enterprise else "", case.parcel.code if case.parcel else "",
            case.zone.code, case.get_disposition_display() if case.disposition else "",
            departments.label(case.lead_department),
            "、".join(departments.label(c) for c in case.departments), case.deadline,
            case.original_deadline, "是" if case.late else "否", case.round,
            "；".join(f"{departments.label(c)}：{signed[c].get_decision_display() if c in signed else '未签署'}"
                     for c in case.departments),
            case.target_free_mu, case.target_tax_per_mu, case.target_demolish_m2, case.target_add_floor_m2,
            case.freed_mu, case.measures, case.acceptance_record,
            _naive(case.opened_at), case.closed_on]


def _write_cases_xlsx(path, cases) -> int:
    from parkgov.codes.tables import code_table

    departments = code_table("departments")
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    header = book.add_format({"bold": True, "bg_color": "#dde3ea", "border": 1, "text_wrap": True})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet = book.add_worksheet(EXPORT_SHEET)
    for col, title in enumerate(EXPORT_HEADERS):
        sheet.write_string(0, col, title, header)
        sheet.set_column(col, col, max(10, min(36, len(title) * 2 + 2)))
    sheet.freeze_panes(1, 1)
    rows = 0
    for rows, case in enumerate(cases, start=1):
        for col, value in enumerate(_case_values(case, departments)):
            _write(sheet, rows, col, value, date, stamp)
    sheet.autofilter(0, 0, max(rows, 1), len(EXPORT_HEADERS) - 1)
    book.close()
    return rows


def _write_cases_gpkg(path, cases) -> int:
    from parkgov.codes.tables import code_table
    from parkgov.spatial.gpkg import firm_parcels, write_parcel_layer

    departments = code_table("departments")
    cases = list(cases)
    parcels = firm_parcels(c.enterprise_id for c in cases if c.parcel_id is None and c.enterprise_id)
    columns = [h for h in EXPORT_HEADERS if h not in ("地块编码", "所属园区编码")]
    kept = [i for i, h in enumerate(EXPORT_HEADERS) if h in columns]
    rows = [(case.parcel_id or parcels.get(case.enterprise_id),
             [v if v != "" else None for i, v in enumerate(_case_values(case, departments)) if i in kept])
            for case in cases]
    return write_parcel_layer(path=path, layer=EXPORT_SHEET, columns=columns, rows=rows)


def _naive(moment):
    from django.utils import timezone

    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _write(sheet, row, col, value, date, stamp):
    if value is None or value == "":
        return
    if isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, value, stamp)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime(value.year, value.month, value.day), date)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, safe_cell(value))


@dataclass
class CaseUpdateReport:
    """What an import of case updates found and did (`issues` carry file-relative sheet/row/column/value)."""

    file_name: str
    issues: IssueList = field(default_factory=IssueList)
    applied: int = 0
    rows: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _Row:
    row: int
    number: str
    operation: str
    comment: str
    new_deadline: dt.date | None
    step: str
    freed_mu: float | None


def apply_case_updates(*, path, actor, scope, file_name="") -> CaseUpdateReport:
    """Apply the `案件进展` sheet of the workbook at `path` as `actor` (its role and department): all rows or
    none; ImportRejected with the report when any row is refused."""
    report = CaseUpdateReport(file_name=file_name or path.name)
    scope.require("case", write=True)
    rows = _read(path, report)
    if not report.issues.errors:
        with transaction.atomic():
            for row in rows:
                _apply(row, actor=actor, scope=scope, report=report)
            if report.issues.errors:
                transaction.set_rollback(True)
    if report.issues.errors:
        raise ImportRejected(gettext("%(name)s 有 %(count)s 处错误，未写入任何数据") % {
            "name": report.file_name, "count": len(report.issues.errors)}, report=report)
    return report


def _read(path, report) -> list:
    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own types for corrupt or non-xlsx files
        raise InputError(gettext("无法读取 %(name)s：不是有效的 Excel 工作簿") % {"name": report.file_name}) from exc
    title = next((t for t in reader.sheet_names if normalise_header(t)[0] == UPDATE_SHEET), None)
    if title is None:
        report.issues.add("（工作簿）", 1, "", report.file_name,
                          gettext("没有工作表「%(sheet)s」（现有：%(found)s）") % {
                              "sheet": UPDATE_SHEET, "found": "、".join(reader.sheet_names)})
        return []
    frame = reader.load_sheet(title, dtypes="string").to_polars()
    wanted = {normalise_header(h): (h, f) for h, (f, _r) in UPDATE_COLUMNS.items()}
    found = {}
    for column in frame.columns:
        key = normalise_header(column)
        if key in wanted:
            found[wanted[key][1]] = column
    for header, (name, required) in UPDATE_COLUMNS.items():
        if required and name not in found:
            report.issues.add(title, 1, header, "", gettext("缺少必填列「%(column)s」") % {"column": header})
    if report.issues.errors:
        return []
    frame = frame.with_row_index("__row", offset=2).with_columns(
        [normalise.text(found[n]).alias(n) for n in ("number", "operation", "comment", "step") if n in found]
        + ([normalise.date(found["new_deadline"]).alias("new_deadline")] if "new_deadline" in found else [])
        + ([normalise.number(found["freed_mu"]).alias("freed_mu")] if "freed_mu" in found else []))
    rows = []
    for record in frame.iter_rows(named=True):
        if not record.get("number") and not record.get("operation"):
            continue  # a blank row
        rows.append(_check_row(title, record, found, report))
    report.rows[title] = len(rows)
    if not rows and not report.issues.errors:
        report.issues.add(title, 2, "", "", gettext("工作表「%(sheet)s」没有数据行") % {"sheet": title})
    return rows


def _check_row(title, record, found, report) -> _Row:
    row = record["__row"]
    for name in ("number", "operation"):
        if not record.get(name):
            report.issues.add(title, row, found[name], "", gettext("必填"))
    deadline_text = record.get(found.get("new_deadline", ""), "") if "new_deadline" in found else ""
    if deadline_text and record.get("new_deadline") is None:
        report.issues.add(title, row, found["new_deadline"], deadline_text, gettext("不是有效日期（如 2026-09-30）"))
    freed_text = record.get(found.get("freed_mu", ""), "") if "freed_mu" in found else ""
    if freed_text and record.get("freed_mu") is None:
        report.issues.add(title, row, found["freed_mu"], freed_text, gettext("应为数字（亩）"))
    return _Row(row=row, number=record.get("number") or "", operation=record.get("operation") or "",
                comment=record.get("comment") or "", new_deadline=record.get("new_deadline"),
                step=record.get("step") or "", freed_mu=record.get("freed_mu"))


def _apply(row: _Row, *, actor, scope, report):
    """One row through the services, in a savepoint: a refusal is recorded against the row's cell and undone."""
    column = "操作"
    try:
        with transaction.atomic():
            case = Case.objects.filter(number=row.number).first()
            if case is None or not services.scoped_cases(scope=scope).filter(pk=case.pk).exists():
                column = "案件编号"
                raise NotFound(gettext("案件 %(number)s 不存在或不在您的数据范围内") % {"number": row.number})
            _operate(case, row, actor=actor, scope=scope)
            report.applied += 1
    except (InputError, PermissionDenied, ConflictError, NotFound) as exc:
        value = row.number if column == "案件编号" else row.operation
        report.issues.add(UPDATE_SHEET, row.row, column, value, str(exc))


def _operate(case, row: _Row, *, actor, scope):
    flow = get_workflow(case.workflow)
    operation = row.operation
    with translation.override(settings.LANGUAGE_CODE):  # the sheet is Chinese whatever the page's language
        decisions = {str(label): value for value, label in SignoffDecision.choices}
    labels = {t.label: t.action for t in flow.transitions}
    if operation in decisions or operation in SignoffDecision.values:
        services.sign_off(case=case, actor=actor, scope=scope, decision=decisions.get(operation, operation),
                          comment=row.comment)
    elif operation in (STEP_OPERATION, services.STEP):
        step = case.steps.filter(code=row.step).first() or case.steps.filter(name=row.step).first()
        services.complete_step(case=case, step_code=step.code if step else row.step, actor=actor, scope=scope,
                               note=row.comment)
    elif operation in labels or flow.transition(operation):
        services.transition(case=case, action=labels.get(operation, operation), actor=actor, scope=scope,
                            comment=row.comment, new_deadline=row.new_deadline, freed_mu=row.freed_mu)
    else:
        allowed = [t.label for t in flow.transitions] + [str(label) for label in SignoffDecision.labels] + \
            [STEP_OPERATION]
        raise InputError(gettext("未知操作；允许：%(allowed)s") % {"allowed": "、".join(allowed)})
