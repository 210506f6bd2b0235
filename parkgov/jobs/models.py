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
    CANCELLING = "cancelling", _("正在取消")
    CANCELLED = "cancelled", _("已取消")


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
    # issue 18 §5: the id of the web request that started it, carried into the job's log lines
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


# The final states of jobs/data/job_states.yaml (tests/test_jobs_workflow.py checks the two agree).
FINISHED = (JobStatus.DONE, JobStatus.REJECTED, JobStatus.FAILED, JobStatus.INTERRUPTED, JobStatus.CANCELLED)


class JobEvent(models.Model):
    """One step of a job's state machine (jobs/data/job_states.yaml): who made it, from and to which state."""

    job = models.ForeignKey(Job, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=32)
    from_state = models.CharField(_("原状态"), max_length=12)
    to_state = models.CharField(_("新状态"), max_length=12)
    by = models.CharField(_("执行方"), max_length=12)  # worker, monitor or owner
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    message = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("任务步骤")
        verbose_name_plural = _("任务步骤")
        ordering = ["at", "pk"]

    @property
    def action_label(self) -> str:
        from parkgov.jobs.workflow import job_workflow

        return _(job_workflow().transition(self.action).label)

    @property
    def to_label(self) -> str:
        return JobStatus(self.to_state).label

    @property
    def by_label(self) -> str:
        from parkgov.jobs.workflow import BY_LABELS

        return _(BY_LABELS.get(self.by, self.by))


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
