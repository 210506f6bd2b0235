"""Terminal side of `parkgov import`: progress bar, summary table, error workbook. Calls the services only."""

from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from parkgov.audit.context import acting_as
from parkgov.errors import ImportRejected, InputError
from parkgov.ingest.issues import LEVEL_LABELS

GIS_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".fgb"}
SHOWN_ISSUES = 50


def run_import(*, path: Path, dry_run, errors, department, encoding, crs, actor, out, console) -> int:
    """Run an import and print what happened; returns the exit code (0 written/checked, 1 rejected)."""
    suffix = path.suffix.lower()
    if suffix in GIS_SUFFIXES:
        from parkgov.ingest.gis import import_geometry

        with acting_as(actor, reason=f"导入图形 {path.name}"):
            try:
                result = import_geometry(path=path, actor=actor, encoding=encoding, crs=crs, dry_run=dry_run)
            except ImportRejected as exc:
                _print_issues(exc.report, console)
                console.print(f"[red]{exc}[/red]")
                return 1
        _print_issues(result, console)
        verb = "检查通过（未写入）" if dry_run else "已写入"
        out.print(f"{path.name}：{verb}，匹配地块 {result.written.get('地块', 0)} 宗")
        return 0
    if suffix not in (".xlsx", ".xlsm"):
        raise InputError(f"不支持的文件类型 {suffix or '（无扩展名）'}：请使用 .xlsx 工作簿或 .gpkg/.shp/.geojson 图形文件")
    from parkgov.ingest.services import import_workbook

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("读取与检查", total=None)

        def progress(stage, name, rows):
            label = {"check": "检查", "write": "写入"}[stage]
            bar.update(task, description=f"{label}「{name}」", advance=1)

        try:
            with acting_as(actor, reason=f"导入 {path.name}"):
                report = import_workbook(path=path, actor=actor, department=department, dry_run=dry_run,
                                         progress=progress)
        except ImportRejected as exc:
            report = exc.report
            bar.stop()
            _print_issues(report, console)
            if errors:
                from parkgov.ingest.report import write_error_workbook

                write_error_workbook(path=errors, report=report)
                console.print(f"错误工作簿已写到 {errors}（出错单元格标红并附说明）")
            console.print(f"[red]{exc}[/red]")
            return 1
    _print_issues(report, console)
    out.print(_summary_table(report))
    return 0


def _print_issues(report, console):
    items = report.issues.sorted()
    if not items:
        return
    table = Table(title=f"{report.file_name}：{len(report.issues.errors)} 处错误，{len(report.issues.warnings)} 处提示")
    table.add_column("级别", no_wrap=True)
    table.add_column("工作表", no_wrap=True)
    table.add_column("行", justify="right", no_wrap=True)
    table.add_column("列", overflow="fold", max_width=18)
    table.add_column("值", overflow="fold", max_width=20)
    table.add_column("说明", overflow="fold", ratio=1)
    for issue in items[:SHOWN_ISSUES]:
        table.add_row(LEVEL_LABELS[issue.level], issue.sheet, str(issue.row), issue.column, issue.value[:40],
                      issue.message)
    console.print(table)
    if len(items) > SHOWN_ISSUES:
        console.print(f"……另有 {len(items) - SHOWN_ISSUES} 条，完整清单见错误工作簿（--errors）")


def _summary_table(report):
    title = "检查通过（试运行，未写入）" if report.dry_run else f"已写入（提交编号 {report.submission_id}）"
    table = Table(title=f"{report.file_name}：{title}")
    for header in ("工作表", "读取行数", "新增", "修改", "未变"):
        table.add_column(header)
    for name, rows in report.rows.items():
        written = report.written.get(name, {})
        table.add_row(name, str(rows), str(written.get("created", "-")), str(written.get("updated", "-")),
                      str(written.get("unchanged", "-")))
    return table
