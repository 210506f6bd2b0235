"""Governance records: reference layers, list runs and entries, 四个一批 decisions, cases with their events,
sign-offs and steps, evidence attachments, and the zones' yearly 盘活 targets.

A list run is stored like an evaluation run (rule id, version, content hash, input hash) with one entry per
listed firm or parcel and the reasons that made it match. A case moves only through
`parkgov.governance.cases.transition`, which checks the transition table (workflows/*.yaml) and writes a
CaseEvent in the same transaction; the case's history (django-simple-history) keeps every field change.
Every row carries the zone it belongs to, so that scope (a park-scoped user) is one filter.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parkgov.audit.context import history_user
from parkgov.evaluation.models import EvaluationRun
from parkgov.governance import choices
from parkgov.ledger.models import Enterprise, Finding, GeometryMixin, Parcel, Zone


def _history():
    return HistoricalRecords(get_user=history_user, inherit=False)


class ReferenceLayer(models.Model):
    """A GIS reference layer (river, planned land use, protected areas …) imported from a file, with its source."""

    code = models.SlugField(_("图层编码"), max_length=40, unique=True)
    name = models.CharField(_("图层名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=24, choices=choices.ReferenceLayerKind.choices)
    source = models.CharField(_("来源"), max_length=300)
    verified = models.BooleanField(_("已核实"), default=False)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    file_sha256 = models.CharField(_("文件SHA-256"), max_length=64, blank=True)
    features = models.PositiveIntegerField(_("要素数"), default=0)
    imported_at = models.DateTimeField(_("导入时间"), auto_now=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    history = _history()

    class Meta:
        verbose_name = _("参考图层")
        verbose_name_plural = _("参考图层")
        ordering = ["kind", "code"]

    def __str__(self):
        return self.name


class ReferenceFeature(GeometryMixin):
    """One feature of a reference layer; `land_use_code` is the planned use on a planned-land-use layer."""

    layer = models.ForeignKey(ReferenceLayer, verbose_name=_("图层"), on_delete=models.CASCADE,
                              related_name="feature_rows")
    name = models.CharField(_("名称"), max_length=200, blank=True)
    land_use_code = models.CharField(_("规划用地分类"), max_length=6, blank=True)
    attributes = models.JSONField(_("属性"), default=dict, blank=True)

    class Meta:
        verbose_name = _("参考要素")
        verbose_name_plural = _("参考要素")
        indexes = [models.Index(fields=["layer", "min_x", "min_y", "max_x", "max_y"], name="reference_bbox")]


class ListRun(models.Model):
    """One generation of one list rule for one year (reproducible: rule id/version/hash, input hash)."""

    rule_id = models.CharField(_("清单规则"), max_length=64)
    rule_version = models.PositiveIntegerField(_("规则版本"))
    rule_hash = models.CharField(_("规则指纹"), max_length=64)
    rule_name = models.CharField(_("清单名称"), max_length=200)
    owner_department = models.CharField(_("责任部门"), max_length=32)
    subject = models.CharField(_("对象"), max_length=12, choices=choices.SubjectKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    evaluation_run = models.ForeignKey(EvaluationRun, verbose_name=_("依据的评价批次"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    zone = models.ForeignKey(Zone, verbose_name=_("园区范围"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    input_hash = models.CharField(_("输入数据指纹"), max_length=64)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("执行人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    entries_count = models.PositiveIntegerField(_("条目数"), default=0)
    summary = models.JSONField(_("概况"), default=dict, blank=True)

    class Meta:
        verbose_name = _("清单批次")
        verbose_name_plural = _("清单批次")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["rule_id", "year"], name="list_run_key")]

    def __str__(self):
        return f"{self.year} {self.rule_name} v{self.rule_version}"


class ListEntry(models.Model):
    """One firm or parcel on a list, with why: `reasons` (texts naming the condition) and `values` (the figures
    that made it match). `subject_key` (credit code or parcel code) compares years."""

    run = models.ForeignKey(ListRun, verbose_name=_("清单批次"), on_delete=models.CASCADE, related_name="entries")
    subject_key = models.CharField(_("对象编码"), max_length=40)
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="list_entries")
    parcel = models.ForeignKey(Parcel, verbose_name=_("地块"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="list_entries")
    zone = models.ForeignKey(Zone, verbose_name=_("所属园区"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    category = models.CharField(_("细类"), max_length=64, blank=True)
    reasons = models.JSONField(_("列入理由"), default=list)
    values = models.JSONField(_("依据数值"), default=dict)

    class Meta:
        verbose_name = _("清单条目")
        verbose_name_plural = _("清单条目")
        constraints = [models.UniqueConstraint(fields=["run", "subject_key"], name="list_entry_key")]
        indexes = [models.Index(fields=["run", "zone"], name="list_entry_zone")]


class DispositionDecision(models.Model):
    """四个一批 for one parcel and year: the suggestion from the criteria (with reasons) and the staff decision."""

    parcel = models.ForeignKey(Parcel, verbose_name=_("地块"), on_delete=models.CASCADE,
                               related_name="dispositions")
    zone = models.ForeignKey(Zone, verbose_name=_("所属园区"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    criteria_id = models.CharField(_("判定标准"), max_length=64)
    criteria_version = models.PositiveIntegerField(_("标准版本"))
    suggested = models.CharField(_("建议处置"), max_length=12, choices=choices.Disposition.choices)
    suggestion_reasons = models.JSONField(_("建议理由"), default=list)
    decided = models.CharField(_("决定处置"), max_length=12, choices=choices.Disposition.choices, blank=True)
    decision_reasons = models.TextField(_("决定理由"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    history = _history()

    class Meta:
        verbose_name = _("四个一批处置")
        verbose_name_plural = _("四个一批处置")
        constraints = [models.UniqueConstraint(fields=["parcel", "year"], name="disposition_key")]

    def __str__(self):
        return f"{self.parcel} {self.year} {self.get_decided_display() or self.get_suggested_display()}"



class Case(models.Model):
    """一地一企一策: a case for a listed firm and/or parcel, tracked through the states of its workflow to 销号.

    `departments` lists the department codes (codes/data/departments.csv) responsible; every one must sign off
    before 销号. Targets are what the case must reach; `freed_mu` is what it freed (counted on the cockpit)."""

    number = models.CharField(_("案件编号"), max_length=24, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    workflow = models.CharField(_("流程"), max_length=40, default="case")
    state = models.CharField(_("状态"), max_length=16, choices=choices.CaseState.choices,
                             default=choices.CaseState.TO_DISPATCH)
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="cases")
    parcel = models.ForeignKey(Parcel, verbose_name=_("地块"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="cases")
    zone = models.ForeignKey(Zone, verbose_name=_("所属园区"), on_delete=models.PROTECT, related_name="cases")
    list_entry = models.ForeignKey(ListEntry, verbose_name=_("来源清单条目"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="cases")
    disposition = models.CharField(_("处置方式"), max_length=12, choices=choices.Disposition.choices, blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    lead_department = models.CharField(_("牵头部门"), max_length=32)
    departments = models.JSONField(_("责任部门"), default=list)
    deadline = models.DateField(_("整改期限"))
    original_deadline = models.DateField(_("原定期限"), null=True, blank=True)
    round = models.PositiveSmallIntegerField(_("核验轮次"), default=1)
    target_free_mu = models.FloatField(_("目标腾退（亩）"), null=True, blank=True)
    target_tax_per_mu = models.FloatField(_("目标亩均税收（万元/亩）"), null=True, blank=True)
    target_demolish_m2 = models.FloatField(_("目标拆除建筑（平方米）"), null=True, blank=True)
    target_add_floor_m2 = models.FloatField(_("目标新增建筑面积（平方米）"), null=True, blank=True)
    freed_mu = models.FloatField(_("已腾退（亩）"), null=True, blank=True)
    acceptance_record = models.TextField(_("验收记录"), blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("立案人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(_("立案时间"), auto_now_add=True)
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = _history()

    class Meta:
        verbose_name = _("治理案件")
        verbose_name_plural = _("治理案件")
        ordering = ["deadline", "id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(enterprise__isnull=False) | models.Q(parcel__isnull=False),
            name="case_has_subject")]
        indexes = [models.Index(fields=["state", "deadline"], name="case_board")]

    def __str__(self):
        return f"{self.number} {self.title}"


class CaseEvent(models.Model):
    """One step on a case's timeline: a transition, a sign-off or a note, by whom, as which role and department."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=24)
    from_state = models.CharField(_("原状态"), max_length=16, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    role = models.CharField(_("角色"), max_length=32, blank=True)
    department = models.CharField(_("部门"), max_length=32, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    deadline_before = models.DateField(_("原期限"), null=True, blank=True)
    deadline_after = models.DateField(_("新期限"), null=True, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("案件记录")
        verbose_name_plural = _("案件记录")
        ordering = ["at", "id"]


class CaseSignoff(models.Model):
    """A named department's acceptance (项目化验收) of a case in one verification round."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="signoffs")
    round = models.PositiveSmallIntegerField(_("核验轮次"))
    department = models.CharField(_("部门"), max_length=32)
    decision = models.CharField(_("意见"), max_length=12, choices=choices.SignoffDecision.choices)
    comment = models.TextField(_("验收意见"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签署人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("签署时间"), auto_now_add=True)
    history = _history()

    class Meta:
        verbose_name = _("部门验收")
        verbose_name_plural = _("部门验收")
        constraints = [models.UniqueConstraint(fields=["case", "round", "department"], name="case_signoff_key")]

    def __str__(self):
        return f"{self.case} {self.department} {self.get_decision_display()}"



class CaseStep(models.Model):
    """A step of a case template (e.g. the seven steps of an exited chemical site's restoration)."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("序号"))
    code = models.CharField(_("步骤编码"), max_length=40)
    name = models.CharField(_("步骤"), max_length=120)
    department = models.CharField(_("责任部门"), max_length=32, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=choices.StepStatus.choices,
                              default=choices.StepStatus.PENDING)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("完成人"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("说明"), blank=True)
    history = _history()

    class Meta:
        verbose_name = _("案件步骤")
        verbose_name_plural = _("案件步骤")
        ordering = ["case", "order"]
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="case_step_key")]

    def __str__(self):
        return f"{self.case} {self.order}. {self.name}"



class Attachment(models.Model):
    """An evidence file (image or PDF) stored outside the web root under PARKGOV_EVIDENCE_DIR by its SHA-256,
    attached to a finding or a case (and, for a case, to the event or step it proves)."""

    stored_name = models.CharField(_("存储名"), max_length=80)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    finding = models.ForeignKey(Finding, verbose_name=_("检查发现"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="attachments")
    case = models.ForeignKey(Case, verbose_name=_("案件"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="attachments")
    event = models.ForeignKey(CaseEvent, verbose_name=_("案件记录"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="attachments")
    step = models.ForeignKey(CaseStep, verbose_name=_("案件步骤"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("证据材料")
        verbose_name_plural = _("证据材料")
        ordering = ["uploaded_at", "id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(finding__isnull=False) | models.Q(case__isnull=False), name="attachment_has_owner")]


class RevitalisationTarget(models.Model):
    """A zone's yearly 盘活 target in 亩 (shengzhou §一.(三): about 3,000 亩), with its source."""

    zone = models.ForeignKey(Zone, verbose_name=_("园区"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    target_mu = models.FloatField(_("盘活目标（亩）"))
    source = models.CharField(_("来源"), max_length=300)
    verified = models.BooleanField(_("已核实"), default=False)
    history = _history()

    class Meta:
        verbose_name = _("盘活目标")
        verbose_name_plural = _("盘活目标")
        constraints = [models.UniqueConstraint(fields=["zone", "year"], name="revitalisation_target_key")]

    def __str__(self):
        return f"{self.zone} {self.year} {self.target_mu:g}"
