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

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.REJECTED, JobStatus.FAILED)
