"""Background task functions (django-tasks with its database backend: no extra server needed)."""

import functools
import logging
from pathlib import Path

from django.utils.translation import gettext
from django_tasks import task

from parkgov.audit.context import acting_as
from parkgov.errors import ImportRejected, ParkgovError
from parkgov.jobs.models import Job, JobStatus
from parkgov.jobs.services import CANCEL_MARKER, JobCancelled, JobGone, job_dir, job_path, report
from parkgov.logs import job_context

log = logging.getLogger("parkgov.jobs")


def stoppable(function):
    """Run a task function for its job (issue 18 §2, §5): in the job's log context; a job its owner cancelled ends
    已取消 (JobCancelled left the job's transactions, so what it wrote is undone); a job that is no longer the
    worker's (cancelled while queued, marked 中断) is left as it is."""

    @functools.wraps(function)
    def run(job_id: str):
        job = Job.objects.filter(pk=job_id).values("kind", "created_by_id", "created_by__username", "request_id").first()
        if job is None:
            log.warning("job %s is gone", job_id)
            return
        with job_context(job_id=job_id, kind=job["kind"], user_id=job["created_by_id"],
                         username=job["created_by__username"], request_id=job["request_id"]):
            try:
                function(job_id)
            except JobCancelled:
                try:
                    report(job_id, status=JobStatus.CANCELLED, progress=100,
                           message=gettext("已取消：任务已停止，本任务写入的数据已全部撤销"))
                except JobGone:
                    pass
            except JobGone:
                log.info("job %s: no longer to be run by this worker", job_id)
            finally:
                (job_path(job_id) / CANCEL_MARKER).unlink(missing_ok=True)

    return run


def _uploader_scope(user):
    """The uploader's scope, so that a department imports findings of its own department and categories only;
    None (an operator's import, as on the command line) for a system account without a role, which only code
    can start a job for: the import page and the API ask for a role that writes imports first."""
    from django.core.exceptions import PermissionDenied

    from parkgov.accounts.scopes import scope_for

    try:
        return scope_for(user)
    except PermissionDenied:
        return None


@task()
@stoppable
def import_task(job_id: str):
    """Import an uploaded workbook or GIS file; on errors write the error workbook for download."""
    job = Job.objects.select_related("created_by").get(pk=job_id)
    path = Path(job.params["path"])
    report(job_id, status=JobStatus.RUNNING, progress=5, message="读取文件")
    steps = {"n": 0}

    def progress(stage, name, rows):
        steps["n"] += 1
        label = {"check": "检查", "write": "写入"}[stage]
        report(job_id, progress=min(95, 5 + steps["n"] * 8), message=f"{label}「{name}」{rows} 行")

    try:
        with acting_as(job.created_by, reason=f"网页导入 {job.params['name']}"):
            if path.suffix.lower() in (".gpkg", ".shp", ".geojson", ".json", ".zip"):
                from parkgov.ingest.gis import import_geometry

                outcome = import_geometry(path=path, actor=job.created_by)
                result = {"written": outcome.written, "rows": outcome.rows}
            else:
                from parkgov.ingest.services import import_workbook

                outcome = import_workbook(path=path, actor=job.created_by, department=job.params.get("department", ""),
                                          progress=progress, scope=_uploader_scope(job.created_by))
                result = {"written": outcome.written, "rows": outcome.rows,
                          "warnings": len(outcome.issues.warnings)}
        report(job_id, status=JobStatus.DONE, progress=100, message="已写入", result=result)
        warm_views(job.created_by)
    except ImportRejected as exc:
        output = ""
        if hasattr(exc.report, "raw_sheets"):
            from parkgov.ingest.report import write_error_workbook

            output = str(job_dir(job) / f"{path.stem}-错误清单.xlsx")
            write_error_workbook(path=Path(output), report=exc.report)
        issues = [{"sheet": i.sheet, "row": i.row, "column": i.column, "value": i.value, "message": i.message}
                  for i in exc.report.issues.errors[:200]]
        report(job_id, status=JobStatus.REJECTED, progress=100, message=str(exc),
               result={"errors": len(exc.report.issues.errors), "issues": issues}, output_file=output)
    except ParkgovError as exc:
        report(job_id, status=JobStatus.REJECTED, progress=100, message=str(exc))
    except Exception:  # the job must end in a visible state, never hang
        log.exception("import job %s failed", job_id)
        report(job_id, status=JobStatus.FAILED, progress=100, message="内部错误，已记录日志，请联系管理员")


@task()
@stoppable
def evaluation_task(job_id: str):
    """Run an evaluation for the job's year, rule set and zone."""
    from django.db import transaction

    from parkgov.evaluation.services import run_evaluation

    job = Job.objects.select_related("created_by").get(pk=job_id)
    report(job_id, status=JobStatus.RUNNING, progress=10, message="读取台账与年度数据")
    try:
        with acting_as(job.created_by, reason="网页运行评价"), transaction.atomic():
            run = run_evaluation(year=job.params["year"], ruleset_id=job.params["ruleset"],
                                 zone_code=job.params.get("zone") or None, actor=job.created_by)
            report(job_id, progress=95, message="写入评价结果")  # a cancel asked meanwhile undoes the run
        report(job_id, status=JobStatus.DONE, progress=100, message="评价完成",
               result={"run": run.pk, "firms": run.firms, "summary": run.summary})
        warm_views(job.created_by)
    except ParkgovError as exc:
        report(job_id, status=JobStatus.REJECTED, progress=100, message=str(exc))
    except Exception:
        log.exception("evaluation job %s failed", job_id)
        report(job_id, status=JobStatus.FAILED, progress=100, message="内部错误，已记录日志，请联系管理员")


@task()
@stoppable
def lists_task(job_id: str):
    """Generate the governance lists of the job's year (rules, evaluation run, zone), reporting each rule done."""
    from django.db import transaction

    from parkgov.governance.lists import generate_lists

    job = Job.objects.select_related("created_by").get(pk=job_id)
    params = job.params
    report(job_id, status=JobStatus.RUNNING, progress=5, message="读取台账、评价结果与检查发现")

    def progress(done, total, name):
        report(job_id, progress=5 + 90 * done // total, message=f"已生成「{name}」（{done}/{total}）")

    try:
        with acting_as(job.created_by, reason="网页生成治理清单"), transaction.atomic():  # a cancel undoes them all
            runs = generate_lists(year=params["year"], actor=job.created_by, rule_ids=params.get("rules") or None,
                                  evaluation_run=params.get("evaluation_run") or None,
                                  zone_code=params.get("zone") or None, progress=progress)
        report(job_id, status=JobStatus.DONE, progress=100, message=f"已生成 {len(runs)} 份清单",
               result={"year": params["year"], "runs": [r.pk for r in runs],
                       "entries": sum(r.entries_count for r in runs)})
    except ParkgovError as exc:
        report(job_id, status=JobStatus.REJECTED, progress=100, message=str(exc))
    except Exception:
        log.exception("list job %s failed", job_id)
        report(job_id, status=JobStatus.FAILED, progress=100, message="内部错误，已记录日志，请联系管理员")


@task()
@stoppable
def supply_review_task(job_id: str):
    """Run and store the supply review (达产复核 and 闲置土地) as of the job's date, and write its workbook within
    the creator's parks for download."""
    import datetime as dt

    from django.db import transaction

    from parkgov.accounts.scopes import scope_for
    from parkgov.supply.review import run_review
    from parkgov.supply.review_export import write_review_workbook

    job = Job.objects.select_related("created_by").get(pk=job_id)
    params = job.params
    report(job_id, status=JobStatus.RUNNING, progress=10, message="读取合同、地块与年度数据")
    try:
        with acting_as(job.created_by, reason="网页运行供地复核"), transaction.atomic():
            run = run_review(on=dt.date.fromisoformat(params["on"]), year=int(params["year"]), actor=job.created_by,
                             zone_code=params.get("zone") or None)
            report(job_id, progress=70, message="写出复核工作簿")  # a cancel asked meanwhile undoes the run
        output = job_dir(job) / f"供地复核-{run.as_of:%Y%m%d}-批次{run.pk}.xlsx"
        counts = write_review_workbook(run=run, path=output, zone_ids=scope_for(job.created_by).zone_ids)
        report(job_id, status=JobStatus.DONE, progress=100, message="复核完成",
               result={"run": run.pk, "summary": run.summary, "rows": counts}, output_file=str(output))
    except ParkgovError as exc:
        report(job_id, status=JobStatus.REJECTED, progress=100, message=str(exc))
    except Exception:
        log.exception("supply review job %s failed", job_id)
        report(job_id, status=JobStatus.FAILED, progress=100, message="内部错误，已记录日志，请联系管理员")


@task()
@stoppable
def topology_task(job_id: str):
    """Check the parcels' topology (all parks or the job's one) and write the problems within the creator's parks
    as a GeoPackage for download."""
    from django.db import transaction

    from parkgov.accounts.scopes import scope_for
    from parkgov.spatial.topology_checks import check_topology, run_problems, write_problems

    job = Job.objects.select_related("created_by").get(pk=job_id)
    report(job_id, status=JobStatus.RUNNING, progress=10, message="读取地块图形并检查")
    try:
        with acting_as(job.created_by, reason="网页拓扑检查"), transaction.atomic():
            run = check_topology(zone_code=job.params.get("zone") or None, actor=job.created_by)
            report(job_id, progress=80, message="写出问题图层")  # a cancel asked meanwhile undoes the run
        output = job_dir(job) / f"拓扑检查-{run.pk}.gpkg"
        written = write_problems(path=output, problems=run_problems(run=run, zone_ids=scope_for(job.created_by).zone_ids),
                                 run=run)
        report(job_id, status=JobStatus.DONE, progress=100, message=f"检查完成：{written} 个问题",
               result={"run": run.pk, "counts": run.counts, "parcels": run.parcels}, output_file=str(output))
    except ParkgovError as exc:
        report(job_id, status=JobStatus.REJECTED, progress=100, message=str(exc))
    except Exception:
        log.exception("topology job %s failed", job_id)
        report(job_id, status=JobStatus.FAILED, progress=100, message="内部错误，已记录日志，请联系管理员")


@task()
@stoppable
def report_task(job_id: str):
    """Render a batch of dossier PDFs (parkgov.reports.batch) for download."""
    from django.core.exceptions import PermissionDenied

    from parkgov.reports.batch import run_dossier_job

    job = Job.objects.select_related("created_by").get(pk=job_id)
    report(job_id, status=JobStatus.RUNNING, progress=1, message="读取档案")
    try:
        run_dossier_job(job)
    except (ParkgovError, PermissionDenied) as exc:
        report(job_id, status=JobStatus.REJECTED, progress=100, message=str(exc))
    except Exception:
        log.exception("report job %s failed", job_id)
        report(job_id, status=JobStatus.FAILED, progress=100, message="内部错误，已记录日志，请联系管理员")


@task()
@stoppable
def export_task(job_id: str):
    """Write a large list export to the job's folder for download."""
    from parkgov.web.exports import export_to_file
    from parkgov.web.lists import LISTINGS

    job = Job.objects.select_related("created_by").get(pk=job_id)
    kind = job.params["list"]
    if kind not in LISTINGS:
        report(job_id, status=JobStatus.FAILED, progress=100, message=f"未知列表 {kind}")
        return
    report(job_id, status=JobStatus.RUNNING, progress=5, message="查询并写出")
    path = job_dir(job) / f"{job.title}.xlsx"
    try:
        rows = export_to_file(user=job.created_by, kind=kind, query=job.params.get("query", ""), path=path,
                              progress=lambda n: report(job_id, progress=50, message=f"已写出 {n:,} 行"))
        note = "（超过 Excel 上限 1,048,575 行的部分未写出）" if rows > 1_048_575 else ""
        report(job_id, status=JobStatus.DONE, progress=100, message=f"已导出 {rows:,} 行{note}",
               output_file=str(path), result={"rows": rows})
    except Exception:
        log.exception("export job %s failed", job_id)
        report(job_id, status=JobStatus.FAILED, progress=100, message="内部错误，已记录日志，请联系管理员")


def warm_views(user):
    """After a job changed the data: compute the cockpit and cut the map's generalised parcel tiles as its user
    sees them, so the next views read them from the shared cache instead of computing them (seconds on a large
    ledger, in every web worker). A failure here only costs that speed."""
    from parkgov.accounts.scopes import scope_for
    from parkgov.spatial import tile_data

    try:
        _warm_scope(scope_for(user))
    except Exception:
        log.exception("warming the cockpit and map after a job failed")
    finally:
        tile_data.release()  # the tiles are in the shared cache; the outlines would sit idle in this process


def warm_everyone(progress=None) -> dict:
    """What `warm_views` does, for every active user's scope (users with the same scope share their cockpit and
    tiles): after data changed without a web job, e.g. a bulk load with `parkgov import`. Returns counts."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import PermissionDenied

    from parkgov.accounts.scopes import scope_for
    from parkgov.spatial import tile_data

    scopes = {}
    for user in get_user_model().objects.filter(is_active=True).select_related("profile").order_by("pk"):
        try:
            scopes.setdefault(scope_for(user), user.username)
        except PermissionDenied:
            continue  # no role: sees nothing
    tiles = 0
    try:
        for done, scope in enumerate(scopes, start=1):
            tiles += _warm_scope(scope)
            if progress:
                progress(done, len(scopes))
    finally:
        tile_data.release()
    return {"scopes": len(scopes), "tiles": tiles}


def _warm_scope(scope) -> int:
    from parkgov.spatial.tile_cache import warm_map
    from parkgov.web.services import cockpit

    cockpit(scope=scope)
    return warm_map(scope=scope) if scope.can_read("parcel") else 0
