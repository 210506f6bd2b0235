"""Appeals (申诉) of enterprises against their evaluation, the 公示 period of each run, and self-reported figures.

A `PublicityPeriod` sets when a run's results are published (公示) and for how many working days; appeals are
filed only within it. An `Appeal` is on one figure of the yearly data (field) or on the result itself (field
"result"); its state follows appeals/data/workflow.yaml and every step writes an `AppealEvent`. A `SelfReport`
is a figure the enterprise reports itself (自报): it enters the ledger only when the owning department confirms it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parkgov.audit.context import history_user
from parkgov.codes.tables import code_table
from parkgov.evaluation.models import EvaluationRun
from parkgov.ledger.models import Enterprise


def _history():
    return HistoricalRecords(get_user=history_user, inherit=False)


class Labelled:
    """The Chinese names of the department and of the figure (msgids; pages translate them)."""

    @property
    def department_label(self) -> str:
        return code_table("departments").label(self.department) or self.department

    @property
    def figure_label(self) -> str:
        from parkgov.ledger.models import YearlyFigure

        if self.field == "result":
            return "评价结果（类别、得分、排名）"
        return str(YearlyFigure._meta.get_field(self.field).verbose_name)


class PublicityPeriod(models.Model):
    """The 公示 of one run: first day, length in working days (data: appeals.yaml default) and the last day."""

    run = models.OneToOneField(EvaluationRun, verbose_name=_("评价批次"), on_delete=models.CASCADE,
                               related_name="publicity")
    starts_on = models.DateField(_("公示开始日期"))
    working_days = models.PositiveSmallIntegerField(_("公示工作日数"))
    ends_on = models.DateField(_("公示截止日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("设置人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    history = _history()

    class Meta:
        verbose_name = _("公示期")
        verbose_name_plural = _("公示期")


class Appeal(Labelled, models.Model):
    """One enterprise's appeal on a figure (field of its yearly data) or on its result, in one run."""

    number = models.CharField(_("申诉编号"), max_length=24, unique=True)
    run = models.ForeignKey(EvaluationRun, verbose_name=_("评价批次"), on_delete=models.PROTECT, related_name="appeals")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="appeals")
    field = models.CharField(_("申诉对象"), max_length=32)  # a yearly-figure field, or "result"
    year = models.PositiveSmallIntegerField(_("年度"))
    current_value = models.CharField(_("原值"), max_length=64, blank=True)
    claimed_value = models.CharField(_("企业主张值"), max_length=64, blank=True)
    reason = models.TextField(_("申诉理由"))
    department = models.CharField(_("核查部门"), max_length=32)
    state = models.CharField(_("状态"), max_length=16, default="submitted")
    state_since = models.DateField(_("进入本状态日期"))
    due_on = models.DateField(_("本步办理期限"), null=True, blank=True)
    adjusted_value = models.CharField(_("调整后值"), max_length=64, blank=True)
    reply = models.TextField(_("答复"), blank=True)
    adjusted_run = models.ForeignKey(EvaluationRun, verbose_name=_("重新评价批次"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申诉人"), null=True,
                                 on_delete=models.SET_NULL, related_name="+")
    filed_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    history = _history()

    class Meta:
        verbose_name = _("申诉")
        verbose_name_plural = _("申诉")
        ordering = ["-filed_at", "-pk"]
        indexes = [models.Index(fields=["state", "due_on"], name="appeal_queue")]

    def __str__(self):
        return self.number


class AppealEvent(models.Model):
    """One step of an appeal: who did what, from which state to which, with what note (the workflow's audit)."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("申诉"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=16)
    from_state = models.CharField(_("原状态"), max_length=16, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16)
    note = models.TextField(_("说明"), blank=True)
    details = models.JSONField(_("明细"), default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    @property
    def action_label(self) -> str:
        """The step's Chinese name (workflow.yaml; filing is 提交申诉), a msgid pages translate."""
        from parkgov.appeals.config import workflow

        step = workflow().transitions.get(self.action)
        return step.label if step else "提交申诉"

    class Meta:
        verbose_name = _("申诉记录")
        verbose_name_plural = _("申诉记录")
        ordering = ["at", "pk"]


class AppealEvidence(models.Model):
    """A file proving an appeal (stored by governance.evidence.store_file, served only within scope)."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("申诉"), on_delete=models.CASCADE, related_name="evidence")
    stored_name = models.CharField(_("存储名"), max_length=120)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=64)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申诉证据")
        verbose_name_plural = _("申诉证据")


class SelfReport(Labelled, models.Model):
    """A yearly figure reported by the enterprise itself (自报) until the owning department confirms it."""

    class Status(models.TextChoices):
        REPORTED = "reported", _("自报")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("未采纳")
        AGREED = "agreed", _("企业确认无误")  # the firm confirms the ledger's value as it stands

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="self_reports")
    year = models.PositiveSmallIntegerField(_("年度"))
    field = models.CharField(_("指标"), max_length=32)
    value = models.FloatField(_("自报值"))
    note = models.CharField(_("说明"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.REPORTED)
    department = models.CharField(_("确认部门"), max_length=32)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填报人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reported_at = models.DateTimeField(_("填报时间"), auto_now=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    history = _history()

    class Meta:
        verbose_name = _("企业自报数据")
        verbose_name_plural = _("企业自报数据")
        constraints = [models.UniqueConstraint(fields=["enterprise", "year", "field"], name="self_report_key")]



