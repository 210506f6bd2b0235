"""Import uploads as background jobs, and the jobs' progress and output files."""

import uuid

from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext
from ninja import File, Path, Router, Status, UploadedFile

from parkgov.api import queries
from parkgov.api.auth import scope_of
from parkgov.api.schemas import ErrorResponse, JobPublic, responses
from parkgov.api.uploads import check_upload
from parkgov.jobs.services import store_upload
from parkgov.jobs.services import start_job

router = Router(tags=["导入与任务"])


@router.post("/imports", response={**responses(202, JobPublic), 413: ErrorResponse}, summary="上传并导入（后台任务）")
def create_import(request, response: HttpResponse, file: File[UploadedFile]):
    """上传 xlsx 工作簿或 GeoPackage / GeoJSON 图形文件（检查同导入页面），在后台导入；返回 202 和任务，
    到 /api/jobs/{id} 查看进度。数据有误时任务状态为 rejected，result.issues 逐条列出错误。"""
    scope = scope_of(request)
    scope.require("import", write=True)
    check_upload(file)
    path = store_upload(file)
    job = start_job(kind="import", title=gettext("导入 %(name)s") % {"name": file.name}, user=request.auth,
                    params={"path": str(path), "name": file.name, "department": scope.department})
    response["Location"] = reverse("api:get_job", kwargs={"job_id": job.pk})
    return Status(202, queries.job(user=request.auth, job_id=job.pk))


@router.get("/jobs/{job_id}", response=responses(200, JobPublic), summary="任务状态")
def get_job(request, job_id: Path[uuid.UUID]):
    """您提交的任务的状态、进度和结果。"""
    scope_of(request)  # accounts without a role get 403, as on every endpoint
    return queries.job(user=request.auth, job_id=job_id)


@router.post("/jobs/{job_id}/cancel", response=responses(200, JobPublic), summary="取消任务")
def cancel_job(request, job_id: Path[uuid.UUID]):
    """取消您提交的任务：排队中的立即取消；进行中的在当前步骤结束后停止（状态先为 cancelling），本任务写入的数据全部撤销。
    已结束的任务不能取消（422）。"""
    from parkgov.jobs.models import Job
    from parkgov.jobs.services import cancel_job as cancel

    scope_of(request)
    queries.job(user=request.auth, job_id=job_id)  # 404 unless the caller started it
    cancel(job=Job.objects.get(pk=job_id), user=request.auth)
    return queries.job(user=request.auth, job_id=job_id)


@router.post("/jobs/{job_id}/retry", response={**responses(202, JobPublic)}, summary="重新运行中断、失败或已取消的任务")
def retry_job(request, response: HttpResponse, job_id: Path[uuid.UUID]):
    """以相同参数（上传的文件仍保留）重新运行您提交的中断、失败或已取消的任务，返回新任务（202）。"""
    from parkgov.jobs.models import Job
    from parkgov.jobs.services import retry_job as retry

    scope_of(request)
    queries.job(user=request.auth, job_id=job_id)
    again = retry(job=Job.objects.get(pk=job_id), user=request.auth)
    response["Location"] = reverse("api:get_job", kwargs={"job_id": again.pk})
    return Status(202, queries.job(user=request.auth, job_id=again.pk))


@router.get("/jobs/{job_id}/file", response=responses(200, None), summary="下载任务结果文件（如错误清单）")
def get_job_file(request, job_id: Path[uuid.UUID]):
    """任务的结果文件（如被拒绝导入的错误清单工作簿）。"""
    scope_of(request)
    path = queries.job_file(user=request.auth, job_id=job_id)
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
