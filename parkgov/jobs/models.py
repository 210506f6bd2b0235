"""Long work (import, evaluation, export) as background jobs whose progress is stored in the database."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    REJECTED = "rejected", _("数据有误，未写入")
    FAILED = "failed", _("失败")
    INTERRUPTED = "interrupted", _("中断")


class Job(models.Model):
    """One background job: what, by whom, how far along, and its outcome."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("类型"), max_length=32)
    title = models.CharField(_("名称"), max_length=200)
    params = models.JSONField(_("参数"), default=dict)
    status = models.CharField(_("状态"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    message = models.CharField(_("当前步骤"), max_length=300, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    output_file = models.CharField(_("结果文件"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # issue 18: the job-worker process that runs it (its heartbeat tells whether it still lives); empty inline
    worker_id = models.CharField(_("任务进程"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


FINISHED = (JobStatus.DONE, JobStatus.REJECTED, JobStatus.FAILED, JobStatus.INTERRUPTED)


class WorkerHeartbeat(models.Model):
    """A running job-worker process: written every few seconds by a thread of the process (`jobs.heartbeat`),
    removed when it stops cleanly; a row that stops being written is a worker that died."""

    worker_id = models.CharField(_("任务进程"), max_length=64, unique=True)
    host = models.CharField(_("主机"), max_length=200)
    pid = models.PositiveIntegerField(_("进程号"))
    started_at = models.DateTimeField(_("启动时间"))
    beat_at = models.DateTimeField(_("最近心跳"))

    class Meta:
        verbose_name = _("任务进程心跳")
        verbose_name_plural = _("任务进程心跳")


class ServiceEvent(models.Model):
    """What an operator did to the service (issue 18): a backup written, an upgrade run; `parkgov status` shows
    the latest of each."""

    kind = models.CharField(_("类型"), max_length=32)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    detail = models.JSONField(_("详情"), default=dict)

    class Meta:
        verbose_name = _("运维记录")
        verbose_name_plural = _("运维记录")
        indexes = [models.Index(fields=["kind", "-at"], name="service_event_latest")]
