"""The sheets of issue 16 §3 in the exchange workbook — `重点项目` (the list), `项目调度` (the monthly dispatch) and
`园区目标` (a zone's target of one kind and the twelve months' actuals) — registered into ingest from
ZonesConfig.ready(), so the import page, `parkgov import`, the error workbook and the template treat them like every
sheet: all or nothing, each problem naming file, sheet, row, column and value. `write_dispatch_template` writes the
month's `项目调度` sheet pre-filled with a zone's projects (the upload reads it back through the same path).

A report is dated by the day it is imported (`now`): the due day (data/targets.yaml) judges it late or on time.
"""

from functools import cache

import polars as pl

from parkgov.ingest.extensions import SheetExtension, register_sheet
from parkgov.ingest.rules import _known, _reference
from parkgov.ingest.schema import Column, Sheet
from parkgov.ledger.bulk import UpsertCounts
from parkgov.ledger.models import Zone
from parkgov.zones.target_rules import target_rules

PROJECTS, DISPATCH, TARGETS = "重点项目", "项目调度", "园区目标"
MONTHS = tuple(range(1, 13))


class _DataChoices:
    """Codes and Chinese names of a data-file table as a choice list (dropdown in the template, checked on import)."""

    def __init__(self, items):
        self.choices = [(i.code, i.name) for i in items]


@cache
def projects_sheet() -> Sheet:
    rules = target_rules()
    return Sheet(name=PROJECTS, key=("code",), help="重点项目清单：每个项目一行，按项目编码更新；项目类别填名称或编码。", columns=(
        Column("code", "项目编码", "text", required=True, max_length=40, example="SZ-XM-2025-01", aliases=("项目代码",)),
        Column("name", "项目名称", "text", required=True, max_length=200, example="高端厨电智能制造基地"),
        Column("zone", "园区编码", "ref", required=True, max_length=32, example="SZ-KFQ", aliases=("所属园区编码",)),
        Column("year", "年度", "int", required=True, minimum=2000, maximum=2100, example="2025", aliases=("清单年度",)),
        Column("category", "项目类别", "choice", required=True, choices=_DataChoices(rules.categories), example="产业发展"),
        Column("builder", "建设单位", "text", max_length=200, example="浙江某厨电有限公司"),
        Column("total_investment", "总投资", "float", unit="万元", minimum=0, example="120000"),
        Column("annual_target", "年度计划投资", "float", unit="万元", required=True, minimum=0, example="30000",
               aliases=("年度投资目标",)),
        Column("planned_start", "计划开工日期", "date", example="2025-03-01"),
        Column("planned_completion", "计划竣工日期", "date", example="2026-12-31"),
        Column("plan", "建设内容与年度计划", "text", max_length=4000, example="新建厂房 8 万平方米，年内主体结顶"),
    ))


@cache
def dispatch_sheet() -> Sheet:
    return Sheet(name=DISPATCH, key=("project", "year", "month"),
                 help="重点项目月度调度：每个项目每月一行；报送日期为导入当天，晚于次月截止日即为逾期报送。", columns=(
        Column("project", "项目编码", "ref", required=True, max_length=40, example="SZ-XM-2025-01"),
        Column("project_name", "项目名称", "text", max_length=200, note="仅供核对，不导入"),
        Column("year", "年度", "int", required=True, minimum=2000, maximum=2100, example="2025"),
        Column("month", "月份", "int", required=True, minimum=1, maximum=12, example="8"),
        Column("invested", "本月完成投资", "float", unit="万元", required=True, minimum=0, example="2600"),
        Column("progress_pct", "形象进度", "float", unit="%", minimum=0, maximum=100, example="65"),
        Column("progress", "进展情况", "text", max_length=2000, example="主体结构施工至 5 层"),
        Column("problems", "存在问题", "text", max_length=2000, example="施工用电容量不足"),
        Column("help_requested", "需协调事项", "text", max_length=2000, example="请供电公司增容"),
    ))


@cache
def targets_sheet() -> Sheet:
    months = tuple(Column(f"m{m}", f"{m}月完成", "float", example="") for m in MONTHS)
    return Sheet(name=TARGETS, key=("zone", "year", "kind"),
                 help="园区年度目标与逐月完成：每个园区、年度、指标一行；单位按指标（万元、亩、万平方米）；空白不改。",
                 columns=(
        Column("zone", "园区编码", "ref", required=True, max_length=32, example="SZ-KFQ"),
        Column("year", "年度", "int", required=True, minimum=2000, maximum=2100, example="2025"),
        Column("kind", "指标", "choice", required=True, choices=_DataChoices(target_rules().kinds), example="固定资产投资"),
        Column("target", "年度目标", "float", minimum=0, example="500000"),
        *months))


def check_projects(sheets: dict, issues) -> None:
    known = _known(sheets, "园区", "code", Zone, "code")
    _reference(sheets, issues, PROJECTS, "zone", known, "园区编码不存在（「园区」表与系统中均无）")


def check_targets(sheets: dict, issues) -> None:
    known = _known(sheets, "园区", "code", Zone, "code")
    _reference(sheets, issues, TARGETS, "zone", known, "园区编码不存在（「园区」表与系统中均无）")


def check_dispatch(sheets: dict, issues) -> None:
    """Projects must exist (in this workbook or stored) and the row's year must be the project's list year."""
    from parkgov.zones.models import KeyProject

    raw, typed = sheets[DISPATCH]
    years = dict(KeyProject.objects.values_list("code", "year"))
    if PROJECTS in sheets:
        years.update({c: y for c, y in sheets[PROJECTS][1].select("code", "year").iter_rows() if c})
    header = raw.headers.get("project", "项目编码")
    for row in typed.select("__row", "project", "year").iter_rows(named=True):
        code = row["project"]
        if code is None:
            continue
        if code not in years:
            issues.add(raw.title, row["__row"], header, code, "项目编码不存在（「重点项目」表与系统中均无）")
        elif row["year"] is not None and row["year"] != years[code]:
            issues.add(raw.title, row["__row"], raw.headers.get("year", "年度"), row["year"],
                       f"项目 {code} 属于 {years[code]} 年重点项目清单，不能填报 {row['year']} 年的调度")


def _text(value) -> str:
    return value or ""


def write_projects(frame: pl.DataFrame, *, submission_id, actor_id, reason, now):
    from parkgov.zones.models import KeyProject

    zones = dict(Zone.objects.values_list("code", "id"))
    counts = UpsertCounts()
    for row in frame.iter_rows(named=True):
        values = {k: row[k] for k in ("name", "year", "category", "annual_target")}
        values.update({k: row.get(k) for k in ("total_investment", "planned_start", "planned_completion")
                       if row.get(k) is not None})
        values.update({k: row[k] for k in ("builder", "plan") if row.get(k)})
        _, created = KeyProject.objects.update_or_create(code=row["code"],
                                                         defaults={**values, "zone_id": zones[row["zone"]]})
        counts.created += created
        counts.updated += not created
    return counts


def write_dispatch(frame: pl.DataFrame, *, submission_id, actor_id, reason, now):
    """One report per row, dated today (`now`); a second import of the same month replaces it."""
    from django.utils import timezone

    from parkgov.zones.models import DispatchReport, KeyProject
    from parkgov.zones.projects import submit_report

    projects = {p.code: p for p in KeyProject.objects.filter(code__in=frame.get_column("project").unique().to_list())}
    counts = UpsertCounts()
    for row in frame.iter_rows(named=True):
        new = not DispatchReport.objects.filter(project=projects[row["project"]], year=row["year"],
                                                month=row["month"]).exists()
        submit_report(project=projects[row["project"]], year=row["year"], month=row["month"], invested=row["invested"],
                      progress_pct=row.get("progress_pct"), progress=_text(row.get("progress")),
                      problems=_text(row.get("problems")), help_requested=_text(row.get("help_requested")),
                      reported_on=timezone.localdate(now), actor_id=actor_id, submission_id=submission_id)
        counts.created += new
        counts.updated += not new
    return counts


def write_targets(frame: pl.DataFrame, *, submission_id, actor_id, reason, now):
    from parkgov.zones.models import ZoneTarget
    from parkgov.zones.targets import record_actual, set_target

    codes = frame.get_column("zone").unique().to_list()
    zones = {z.code: z for z in Zone.objects.defer("geometry").filter(code__in=codes)}
    counts = UpsertCounts()
    for row in frame.iter_rows(named=True):
        zone = zones[row["zone"]]
        new = not ZoneTarget.objects.filter(zone=zone, year=row["year"], kind=row["kind"]).exists()
        if row.get("target") is not None:
            set_target(zone=zone, year=row["year"], kind=row["kind"], target=row["target"])
        for month in MONTHS:
            if row.get(f"m{month}") is not None:
                record_actual(zone=zone, year=row["year"], month=month, kind=row["kind"], value=row[f"m{month}"],
                              submission_id=submission_id)
        counts.created += new
        counts.updated += not new
    return counts


def write_dispatch_template(*, path, zone, year: int, month: int, zone_ids) -> int:
    """The month's `项目调度` sheet pre-filled with the zone's key projects of `year` (and what each already
    reported for the month, to correct it); returns the number of project rows."""
    import xlsxwriter

    from parkgov.ingest.excel import SheetWriter
    from parkgov.zones.projects import scoped_projects
    from parkgov.zones.targets import check_period

    check_period(year=year, month=month)
    projects = list(scoped_projects(zone_ids=zone_ids, year=year, zone_code=zone.code).prefetch_related("reports"))
    workbook = xlsxwriter.Workbook(str(path))
    writer = SheetWriter(workbook, lists_sheet=workbook.add_worksheet("代码表"))
    sheet, columns = writer.start(dispatch_sheet())
    for n, project in enumerate(projects, start=1):
        report = next((r for r in project.reports.all() if r.year == year and r.month == month), None)
        values = {"project": project.code, "project_name": project.name, "year": year, "month": month}
        if report:
            values.update({"invested": report.invested, "progress_pct": report.progress_pct,
                           "progress": report.progress, "problems": report.problems,
                           "help_requested": report.help_requested})
        writer.write_row(sheet, n, columns, [values.get(c.field) or None if c.kind == "text" else values.get(c.field)
                                             for c in columns])
    workbook.close()
    return len(projects)


def import_dispatch(*, path, actor, zone_ids, department=""):
    """The dispatch upload of the 重点项目 pages: a workbook of `项目调度` rows only, each a project of the caller's
    zones, then the ordinary import (all or nothing). Raises ImportRejected naming every bad cell."""
    from parkgov.errors import ImportRejected
    from parkgov.ingest.services import _rejection, check_workbook_file, import_workbook
    from parkgov.zones.models import KeyProject

    report = check_workbook_file(path)
    if DISPATCH not in report.typed:
        report.issues.add(DISPATCH, 1, "", report.file_name, f"工作簿中没有「{DISPATCH}」工作表（请使用本月调度模板）")
    for name in sorted(set(report.typed) - {DISPATCH}):
        report.issues.add(name, 1, "", name, f"调度上传只导入「{DISPATCH}」工作表；其他工作表请在「数据导入」页面导入")
    if DISPATCH in report.typed and zone_ids is not None:
        raw = next(r for r in report.raw_sheets if r.spec.name == DISPATCH)
        allowed = set(KeyProject.objects.filter(zone_id__in=zone_ids).values_list("code", flat=True))
        for row, code in report.typed[DISPATCH].select("__row", "project").iter_rows():
            if code is not None and code not in allowed:
                report.issues.add(raw.title, row, raw.headers.get("project", "项目编码"), code,
                                  "项目不在您的数据范围内（只能填报本人所辖园区的重点项目）")
    if not report.ok:
        raise ImportRejected(_rejection(report), report)
    return import_workbook(path=path, actor=actor, department=department)


def register() -> None:
    """Add the three sheets to the exchange workbook (called from ZonesConfig.ready())."""
    register_sheet(SheetExtension(spec=projects_sheet(), write=write_projects, check=check_projects))
    register_sheet(SheetExtension(spec=dispatch_sheet(), write=write_dispatch, check=check_dispatch))
    register_sheet(SheetExtension(spec=targets_sheet(), write=write_targets, check=check_targets))
