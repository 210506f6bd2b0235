"""Supply records: admission applications with their department opinions, land contracts carrying the 标准地
commitments, review runs (达产复核 and 闲置土地 status as of a date), idle-land notices and government-caused
exceptions, 零增地 renovations, and the zones' land-quota accounts with their movements.

A review run is stored like an evaluation run (rules hash, input hash, as-of date) with one check per contract
and one per supplied parcel, each with its reasons. Every row carries or reaches the zone it belongs to, so that
scope (a park-scoped user) is one filter. Amounts are 万元, areas m² unless the field says 亩.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parkgov.audit.context import history_user
from parkgov.governance.models import Case
from parkgov.ledger.models import Enterprise, Parcel, Zone
from parkgov.supply import choices


def _history():
    return HistoricalRecords(get_user=history_user, inherit=False)


class Application(models.Model):
    """准入联审: a new project's application, reviewed by the departments against the zone's admission thresholds
    (supply/thresholds/*.yaml) and the investor's record in the ledger. `checks` keeps every check's result and
    reason as computed at submission; the outcome, once decided, carries its reasons and conditions."""

    number = models.CharField(_("申请编号"), max_length=24, unique=True)
    zone = models.ForeignKey(Zone, verbose_name=_("拟落地园区"), on_delete=models.PROTECT, related_name="applications")
    investor_credit_code = models.CharField(_("投资主体统一社会信用代码"), max_length=18)
    investor_name = models.CharField(_("投资主体名称"), max_length=200)
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("台账中的企业"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="applications")
    related_credit_codes = models.JSONField(_("关联企业统一社会信用代码"), default=list, blank=True)
    project_name = models.CharField(_("项目名称"), max_length=200)
    industry_code = models.CharField(_("行业代码"), max_length=4)
    land_mu = models.FloatField(_("拟用地面积（亩）"))
    fixed_investment = models.FloatField(_("固定资产投资（万元）"))
    expected_output = models.FloatField(_("预计年产值（万元）"), null=True, blank=True)
    expected_tax = models.FloatField(_("预计年税收（万元）"), null=True, blank=True)
    expected_value_added = models.FloatField(_("预计年增加值（万元）"), null=True, blank=True)
    energy_tce = models.FloatField(_("预计年综合能耗（吨标准煤）"), null=True, blank=True)
    emissions_t = models.FloatField(_("预计主要污染物排放量（吨）"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("预计职工人数（人）"), null=True, blank=True)
    plot_ratio = models.FloatField(_("规划容积率"), null=True, blank=True)
    building_coefficient = models.FloatField(_("建筑系数（%）"), null=True, blank=True)
    admin_share = models.FloatField(_("行政办公及生活服务设施用地比重（%）"), null=True, blank=True)
    green_ratio = models.FloatField(_("绿地率（%）"), null=True, blank=True)
    rd_share = models.FloatField(_("研发经费占比（%）"), null=True, blank=True)
    threshold_profile = models.CharField(_("准入标准"), max_length=64)
    state = models.CharField(_("状态"), max_length=16, choices=choices.ApplicationState.choices,
                             default=choices.ApplicationState.DRAFT)
    round = models.PositiveSmallIntegerField(_("联审轮次"), default=1)
    checks = models.JSONField(_("核查结果"), default=list, blank=True)
    outcome = models.CharField(_("联审结论"), max_length=12, choices=choices.Outcome.choices, blank=True)
    outcome_reasons = models.JSONField(_("结论理由"), default=list, blank=True)
    conditions = models.TextField(_("附加条件"), blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    parcel = models.ForeignKey(Parcel, verbose_name=_("供应地块"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="applications")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填报人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = _history()

    class Meta:
        verbose_name = _("准入申请")
        verbose_name_plural = _("准入申请")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.number} {self.project_name}"


class ApplicationDocument(models.Model):
    """A document submitted with an application (可研报告, 环评, 能评 …), stored like evidence (outside the web
    root by its SHA-256, served only to users who may read the application)."""

    application = models.ForeignKey(Application, verbose_name=_("准入申请"), on_delete=models.CASCADE,
                                    related_name="documents")
    kind = models.CharField(_("材料类型"), max_length=40)
    stored_name = models.CharField(_("存储名"), max_length=80)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申报材料")
        verbose_name_plural = _("申报材料")
        ordering = ["uploaded_at", "id"]


class AdmissionOpinion(models.Model):
    """One department's opinion in one round of the joint review: 同意 / 不同意 / 需补正, with its comment."""

    application = models.ForeignKey(Application, verbose_name=_("准入申请"), on_delete=models.CASCADE,
                                    related_name="opinions")
    round = models.PositiveSmallIntegerField(_("联审轮次"))
    department = models.CharField(_("部门"), max_length=32)
    decision = models.CharField(_("意见"), max_length=12, choices=choices.Opinion.choices)
    comment = models.TextField(_("意见说明"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签署人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("联审意见")
        verbose_name_plural = _("联审意见")
        ordering = ["round", "at", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "round", "department"],
                                               name="one_opinion_per_department_round")]


class ApplicationEvent(models.Model):
    """One step on an application's timeline: a transition or an opinion, by whom, as which role and department."""

    application = models.ForeignKey(Application, verbose_name=_("准入申请"), on_delete=models.CASCADE,
                                    related_name="events")
    action = models.CharField(_("操作"), max_length=24)
    from_state = models.CharField(_("原状态"), max_length=16, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    role = models.CharField(_("角色"), max_length=32, blank=True)
    department = models.CharField(_("部门"), max_length=32, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("准入流程记录")
        verbose_name_plural = _("准入流程记录")
        ordering = ["at", "id"]


class Contract(models.Model):
    """A land contract (出让合同 / 投资协议) on a parcel, with the 标准地 commitments written into it.

    `indicators` maps an indicator code (supply/data/indicators.yaml: investment_intensity, plot_ratio, …) to the
    committed value in that indicator's unit. `breach_rule` is the id of a breach rule (supply/breach_rules/*.yaml).
    The dates drive the 达产复核 and the idle-land clock; `total_investment`, `invested`, `developed_area_m2` and
    `stopped_on` are the facts of order No. 53 Art. 2's second case (started, developed < 1/3 or invested < 25 %,
    stopped a full year)."""

    number = models.CharField(_("合同编号"), max_length=64, unique=True)
    parcel = models.ForeignKey(Parcel, verbose_name=_("地块"), on_delete=models.PROTECT, related_name="contracts")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="contracts")
    application = models.OneToOneField(Application, verbose_name=_("准入申请"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="contract")
    signed_on = models.DateField(_("签订日期"))
    delivered_on = models.DateField(_("交地日期"), null=True, blank=True)
    agreed_start = models.DateField(_("约定动工日期"), null=True, blank=True)
    agreed_completion = models.DateField(_("约定竣工日期"), null=True, blank=True)
    agreed_production = models.DateField(_("约定达产日期"), null=True, blank=True)
    actual_start = models.DateField(_("实际动工日期"), null=True, blank=True)
    actual_completion = models.DateField(_("实际竣工日期"), null=True, blank=True)
    actual_production = models.DateField(_("实际投产日期"), null=True, blank=True)
    indicators = models.JSONField(_("承诺指标"), default=dict, blank=True)
    breach_rule = models.CharField(_("违约规则"), max_length=64, blank=True)
    total_investment = models.FloatField(_("约定总投资（万元）"), null=True, blank=True)
    invested = models.FloatField(_("已完成投资（万元）"), null=True, blank=True)
    developed_area_m2 = models.FloatField(_("已开发面积（平方米）"), null=True, blank=True)
    stopped_on = models.DateField(_("停工日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    history = _history()

    class Meta:
        verbose_name = _("标准地合同")
        verbose_name_plural = _("标准地合同")
        ordering = ["signed_on", "number"]

    def __str__(self):
        return self.number


class ReviewRun(models.Model):
    """One 达产复核 and idle-land review as of a date (reproducible: rules hash, input hash), with a check per
    contract and per supplied parcel."""

    as_of = models.DateField(_("复核基准日"))
    year = models.PositiveSmallIntegerField(_("数据年度"))
    zone = models.ForeignKey(Zone, verbose_name=_("园区范围"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    rules_hash = models.CharField(_("规则指纹"), max_length=64)
    input_hash = models.CharField(_("输入数据指纹"), max_length=64)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("执行人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    summary = models.JSONField(_("概况"), default=dict, blank=True)

    class Meta:
        verbose_name = _("供地复核批次")
        verbose_name_plural = _("供地复核批次")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.as_of} 复核"


class CommitmentCheck(models.Model):
    """达产复核 of one contract in a run: per indicator committed / actual / met / shortfall (`indicators`, a list
    of dicts), the damages with the formula shown, and the next step."""

    run = models.ForeignKey(ReviewRun, verbose_name=_("复核批次"), on_delete=models.CASCADE, related_name="commitments")
    contract = models.ForeignKey(Contract, verbose_name=_("合同"), on_delete=models.CASCADE, related_name="checks")
    parcel = models.ForeignKey(Parcel, verbose_name=_("地块"), on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="+")
    zone = models.ForeignKey(Zone, verbose_name=_("所属园区"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("复核结果"), max_length=12, choices=choices.CommitmentStatus.choices)
    indicators = models.JSONField(_("指标复核"), default=list, blank=True)
    damages = models.FloatField(_("违约金（万元）"), null=True, blank=True)
    formula = models.TextField(_("计算公式"), blank=True)
    next_step = models.CharField(_("下一步"), max_length=200, blank=True)
    rectify_by = models.DateField(_("整改期限"), null=True, blank=True)
    failures = models.PositiveSmallIntegerField(_("未达标次数"), default=0)
    reasons = models.JSONField(_("理由"), default=list, blank=True)

    class Meta:
        verbose_name = _("达产复核结果")
        verbose_name_plural = _("达产复核结果")
        ordering = ["run", "id"]
        indexes = [models.Index(fields=["parcel", "run"], name="commitment_check_parcel")]


class IdleCheck(models.Model):
    """The idle-land status of one supplied parcel in a run: the clock's dates, the fee and why."""

    run = models.ForeignKey(ReviewRun, verbose_name=_("复核批次"), on_delete=models.CASCADE, related_name="idle")
    parcel = models.ForeignKey(Parcel, verbose_name=_("地块"), on_delete=models.CASCADE, related_name="+")
    contract = models.ForeignKey(Contract, verbose_name=_("合同"), null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+")
    zone = models.ForeignKey(Zone, verbose_name=_("所属园区"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("闲置状态"), max_length=12, choices=choices.IdleStatus.choices)
    idle_on = models.DateField(_("认定闲置之日"), null=True, blank=True)
    recover_on = models.DateField(_("可无偿收回之日"), null=True, blank=True)
    days_to_next = models.IntegerField(_("距下一节点（天）"), null=True, blank=True)
    fee = models.FloatField(_("土地闲置费（万元）"), null=True, blank=True)
    formula = models.TextField(_("计算公式"), blank=True)
    government_caused = models.BooleanField(_("政府原因"), default=False)
    reasons = models.JSONField(_("理由"), default=list, blank=True)

    class Meta:
        verbose_name = _("闲置土地核查结果")
        verbose_name_plural = _("闲置土地核查结果")
        ordering = ["run", "id"]
        indexes = [models.Index(fields=["parcel", "run"], name="idle_check_parcel")]


class IdleException(models.Model):
    """A government-caused delay on a parcel (order No. 53 Art. 8) with its reason and article. It changes the
    disposition (an extended start at most one year later, change of use, buy-back …), never the clock's facts."""

    parcel = models.ForeignKey(Parcel, verbose_name=_("地块"), on_delete=models.PROTECT, related_name="idle_exceptions")
    contract = models.ForeignKey(Contract, verbose_name=_("合同"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="idle_exceptions")
    cause = models.CharField(_("政府原因类型"), max_length=24, choices=choices.ExceptionCause.choices)
    reason = models.TextField(_("原因说明"))
    article = models.CharField(_("依据条款"), max_length=80)
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("终止日期"), null=True, blank=True)
    extended_start = models.DateField(_("延长后的动工期限"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = _history()

    class Meta:
        verbose_name = _("政府原因闲置")
        verbose_name_plural = _("政府原因闲置")
        ordering = ["starts_on", "id"]


class IdleNotice(models.Model):
    """A notice of the idle-land procedure (调查通知书, 认定书, 告知书 …) with its number and dates."""

    parcel = models.ForeignKey(Parcel, verbose_name=_("地块"), on_delete=models.PROTECT, related_name="idle_notices")
    contract = models.ForeignKey(Contract, verbose_name=_("合同"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="idle_notices")
    kind = models.CharField(_("文书类型"), max_length=16, choices=choices.NoticeKind.choices)
    document_number = models.CharField(_("文号"), max_length=80, blank=True)
    issued_on = models.DateField(_("发出日期"))
    served_on = models.DateField(_("送达日期"), null=True, blank=True)
    answer_due = models.DateField(_("答复期限"), null=True, blank=True)
    answered_on = models.DateField(_("答复日期"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = _history()

    class Meta:
        verbose_name = _("闲置土地文书")
        verbose_name_plural = _("闲置土地文书")
        ordering = ["issued_on", "id"]


class Renovation(models.Model):
    """零增地 renovation of a parcel: storeys added, plot ratio before and after, floor area added."""

    parcel = models.ForeignKey(Parcel, verbose_name=_("地块"), on_delete=models.PROTECT, related_name="renovations")
    completed_on = models.DateField(_("完成日期"))
    storeys_added = models.PositiveSmallIntegerField(_("加层数"), default=0)
    plot_ratio_before = models.FloatField(_("改造前容积率"))
    plot_ratio_after = models.FloatField(_("改造后容积率"))
    floor_area_added_m2 = models.FloatField(_("新增建筑面积（平方米）"))
    case = models.ForeignKey(Case, verbose_name=_("治理案件"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="renovations")
    note = models.TextField(_("说明"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    history = _history()

    class Meta:
        verbose_name = _("零增地改造")
        verbose_name_plural = _("零增地改造")
        ordering = ["-completed_on", "id"]


class QuotaAccount(models.Model):
    """A zone's land-quota account in 亩 (空间补偿 / 指标调剂, changzhou). `balance_mu` is kept by the movements'
    service in the same transaction and can never go negative (a database constraint holds it too)."""

    zone = models.OneToOneField(Zone, verbose_name=_("园区"), on_delete=models.PROTECT, related_name="quota_account")
    balance_mu = models.FloatField(_("余额（亩）"), default=0)
    source = models.CharField(_("依据"), max_length=300, blank=True)
    history = _history()

    class Meta:
        verbose_name = _("用地指标账户")
        verbose_name_plural = _("用地指标账户")
        ordering = ["zone__code"]
        constraints = [models.CheckConstraint(condition=models.Q(balance_mu__gte=0), name="quota_never_negative")]


class QuotaMovement(models.Model):
    """One movement on a quota account: a credit when an exited site's restoration completes (linked to its
    case), a debit when land is supplied with the quota, or one side of a transfer between zones (pending until
    approved). Amounts are positive 亩; the kind says the direction."""

    account = models.ForeignKey(QuotaAccount, verbose_name=_("账户"), on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("类型"), max_length=16, choices=choices.QuotaMovementKind.choices)
    mu = models.FloatField(_("指标（亩）"))
    balance_after = models.FloatField(_("变动后余额（亩）"), null=True, blank=True)
    moved_on = models.DateField(_("日期"))
    parcel = models.ForeignKey(Parcel, verbose_name=_("地块"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="quota_movements")
    case = models.ForeignKey(Case, verbose_name=_("治理案件"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="quota_movements")
    counterpart = models.OneToOneField("self", verbose_name=_("对应调剂"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    transfer_state = models.CharField(_("调剂审批"), max_length=12, choices=choices.TransferState.choices, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = _history()

    class Meta:
        verbose_name = _("指标变动")
        verbose_name_plural = _("指标变动")
        ordering = ["moved_on", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(mu__gt=0), name="quota_movement_positive")]


class QuotaTransfer(models.Model):
    """指标调剂: a zone's request for quota from another zone's account, decided by the 管委会. Nothing moves while
    it is pending; approval writes the pair of movements (调出 on the source, 调入 on the requesting zone) under
    the accounts' row locks and links them here; a refusal writes none."""

    from_account = models.ForeignKey(QuotaAccount, verbose_name=_("调出账户"), on_delete=models.PROTECT,
                                     related_name="transfers_out")
    to_account = models.ForeignKey(QuotaAccount, verbose_name=_("调入账户"), on_delete=models.PROTECT,
                                   related_name="transfers_in")
    mu = models.FloatField(_("指标（亩）"))
    state = models.CharField(_("调剂审批"), max_length=12, choices=choices.TransferState.choices,
                             default=choices.TransferState.PENDING)
    reason = models.TextField(_("申请理由"))
    requested_on = models.DateField(_("申请日期"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_on = models.DateField(_("审批日期"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    movement_out = models.OneToOneField(QuotaMovement, verbose_name=_("调出记录"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="transfer_out_of")
    movement_in = models.OneToOneField(QuotaMovement, verbose_name=_("调入记录"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="transfer_in_of")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = _history()

    class Meta:
        verbose_name = _("指标调剂")
        verbose_name_plural = _("指标调剂")
        ordering = ["-requested_on", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(mu__gt=0), name="quota_transfer_positive"),
                       models.CheckConstraint(condition=~models.Q(from_account=models.F("to_account")),
                                              name="quota_transfer_between_zones")]
