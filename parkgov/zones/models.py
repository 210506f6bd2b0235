"""Zone land accounts (one row per zone and year) and stored TD/T 1029 zone evaluations.

A `ZoneLandEntry` holds what was entered through the 园区土地 sheet (公顷, 万平方米, 万元, 人; blank = not stated),
with the submission of each value. A `ZoneLandAccount` is the account the evaluation reads: each value derived from
the ledger's parcels and yearly figures (parkgov.zones.accounts) unless entered, which wins; `provenance` says which
for every field. Evaluations are runs like evaluation runs: profile id, version, content hash and input hash.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parkgov.audit.context import history_user
from parkgov.ledger.models import Zone
from parkgov.zones.choices import Certified
from parkgov.zones.fields import FIELDS, SHEET_FIELDS


def _history():
    return HistoricalRecords(get_user=history_user, inherit=False)


def _values(fields) -> dict:
    return {f.field: models.FloatField(f"{f.header}（{f.unit}）", null=True, blank=True) for f in fields}


class _Meta:
    abstract = True


EntryValues = type("EntryValues", (models.Model,), {"__module__": __name__, "Meta": _Meta, **_values(SHEET_FIELDS)})
AccountValues = type("AccountValues", (models.Model,), {"__module__": __name__, "Meta": _Meta, **_values(FIELDS)})


class ZoneLandEntry(EntryValues):
    """The values of one zone and year entered through the 园区土地 sheet; `provenance` maps field → submission."""

    zone = models.ForeignKey(Zone, verbose_name=_("园区"), on_delete=models.CASCADE, related_name="land_entries")
    year = models.PositiveSmallIntegerField(_("年度"))
    provenance = models.JSONField(_("数据来源"), default=dict, blank=True)
    history = _history()

    class Meta:
        verbose_name = _("园区土地填报")
        verbose_name_plural = _("园区土地填报")
        constraints = [models.UniqueConstraint(fields=["zone", "year"], name="zone_land_entry_key")]


class ZoneLandAccount(AccountValues):
    """The land account of one zone (with its parks) and year; `provenance` maps each field to
    {"source": "entered", "submission": id} or {"source": "derived", "parcels"/"firms": n}."""

    zone = models.ForeignKey(Zone, verbose_name=_("园区"), on_delete=models.CASCADE, related_name="land_accounts")
    year = models.PositiveSmallIntegerField(_("年度"))
    provenance = models.JSONField(_("数据来源"), default=dict, blank=True)
    problems = models.JSONField(_("核对提示"), default=list, blank=True)
    refreshed_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = _history()

    class Meta:
        verbose_name = _("园区土地账")
        verbose_name_plural = _("园区土地账")
        ordering = ["zone__code", "year"]
        constraints = [models.UniqueConstraint(fields=["zone", "year"], name="zone_land_account_key")]

    def __str__(self):
        return f"{self.zone.code} {self.year}"


class ZoneEvaluationRun(models.Model):
    """One TD/T 1029 evaluation of one year under one indicator profile, for every zone with an account."""

    year = models.PositiveSmallIntegerField(_("评价年度"))
    profile_id = models.CharField(_("指标体系"), max_length=64)
    profile_version = models.PositiveIntegerField(_("指标体系版本"))
    profile_hash = models.CharField(_("指标体系指纹"), max_length=64)
    profile_name = models.CharField(_("指标体系名称"), max_length=200)
    input_hash = models.CharField(_("输入数据指纹"), max_length=64)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("执行人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("执行时间"), auto_now_add=True)
    zones = models.PositiveIntegerField(_("园区数"), default=0)

    class Meta:
        verbose_name = _("园区评价批次")
        verbose_name_plural = _("园区评价批次")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["profile_id", "year"], name="zone_eval_run_key")]

    def __str__(self):
        return f"{self.year} {self.profile_id} v{self.profile_version}"


class ZoneEvaluationResult(models.Model):
    """One zone's result in a run: indicators (value, score, formula, inputs), total, potentials, stars, rank."""

    run = models.ForeignKey(ZoneEvaluationRun, verbose_name=_("园区评价批次"), on_delete=models.CASCADE,
                            related_name="results")
    zone = models.ForeignKey(Zone, verbose_name=_("园区"), on_delete=models.CASCADE, related_name="+")
    indicators = models.JSONField(_("指标"), default=list)
    total = models.FloatField(_("集约度分值"), null=True)
    total_text = models.TextField(_("分值计算"), blank=True)
    potentials = models.JSONField(_("潜力"), default=list)
    supply_years = models.FloatField(_("尚可供地年数"), null=True)
    supply_years_text = models.TextField(_("尚可供地年数计算"), blank=True)
    stars = models.PositiveSmallIntegerField(_("星级"), null=True)
    rank = models.PositiveIntegerField(_("排名"), null=True)
    rank_of = models.PositiveIntegerField(_("参与排名园区数"), null=True)
    missing = models.TextField(_("缺少数据"), blank=True)
    account = models.JSONField(_("土地账快照"), default=dict)

    class Meta:
        verbose_name = _("园区评价结果")
        verbose_name_plural = _("园区评价结果")
        ordering = ["rank", "zone__code"]
        constraints = [models.UniqueConstraint(fields=["run", "zone"], name="zone_eval_result_key")]


# --- issue 16 §2: the zone-level green figures (园区绿色指标 sheet) ----------------------------------------------

class ZoneGreenEntry(models.Model):
    """The green figures of one zone and year that firms do not report (solid waste, the zone's ISO 14001
    certificate), or zone totals of value added, energy and water that override the firms' sum (a baseline year
    before the ledger's first year). Blank = not stated; `provenance` maps field → submission id."""

    zone = models.ForeignKey(Zone, verbose_name=_("园区"), on_delete=models.CASCADE, related_name="green_entries")
    year = models.PositiveSmallIntegerField(_("年度"))
    value_added = models.FloatField(_("规上工业增加值（万元）"), null=True, blank=True)
    energy_tce = models.FloatField(_("规上综合能耗（吨标准煤）"), null=True, blank=True)
    water_10k_t = models.FloatField(_("规上用水量（万吨）"), null=True, blank=True)
    waste_generated = models.FloatField(_("工业固体废物产生量（万吨）"), null=True, blank=True)
    waste_utilised = models.FloatField(_("工业固体废物综合利用量（万吨）"), null=True, blank=True)
    waste_stored_utilised = models.FloatField(_("综合利用往年贮存量（万吨）"), null=True, blank=True)
    iso14001 = models.CharField(_("通过ISO 14001认证"), max_length=4, choices=Certified.choices, null=True, blank=True)
    provenance = models.JSONField(_("数据来源"), default=dict, blank=True)
    history = _history()

    class Meta:
        verbose_name = _("园区绿色指标填报")
        verbose_name_plural = _("园区绿色指标填报")
        ordering = ["zone__code", "year"]
        constraints = [models.UniqueConstraint(fields=["zone", "year"], name="zone_green_entry_key")]

    def __str__(self):
        return f"{self.zone.code} {self.year}"


# issue 16 §3: targets per zone and year with monthly actuals, key projects, monthly dispatch and quarterly reviews
# (kinds, categories, the due day and the scoring rule are data: zones/data/targets.yaml, zones/target_rules.py)


class ZoneTarget(models.Model):
    """A zone's own target of one kind (target_rules kinds: 固定资产投资, 新建标准厂房 …) for a year, in the kind's unit."""

    zone = models.ForeignKey(Zone, verbose_name=_("园区"), on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("目标指标"), max_length=32)
    target = models.FloatField(_("年度目标"))
    source = models.CharField(_("来源"), max_length=300, blank=True)
    history = _history()

    class Meta:
        verbose_name = _("园区年度目标")
        verbose_name_plural = _("园区年度目标")
        ordering = ["zone__code", "year", "kind"]
        constraints = [models.UniqueConstraint(fields=["zone", "year", "kind"], name="zone_target_key")]


class ZoneActual(models.Model):
    """What a zone completed of one kind in one month (the month's amount, not the running total)."""

    zone = models.ForeignKey(Zone, verbose_name=_("园区"), on_delete=models.CASCADE, related_name="actuals")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    kind = models.CharField(_("目标指标"), max_length=32)
    value = models.FloatField(_("本月完成"))
    submission = models.ForeignKey("ledger.Submission", verbose_name=_("数据来源"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    history = _history()

    class Meta:
        verbose_name = _("园区月度完成")
        verbose_name_plural = _("园区月度完成")
        ordering = ["zone__code", "year", "month", "kind"]
        constraints = [models.UniqueConstraint(fields=["zone", "year", "month", "kind"], name="zone_actual_key")]


class KeyProject(models.Model):
    """A key project (重点项目) on a zone's list of a year: category, plan and the year's investment target."""

    zone = models.ForeignKey(Zone, verbose_name=_("园区"), on_delete=models.CASCADE, related_name="key_projects")
    year = models.PositiveSmallIntegerField(_("年度"))
    code = models.CharField(_("项目编码"), max_length=40, unique=True)
    name = models.CharField(_("项目名称"), max_length=200)
    category = models.CharField(_("项目类别"), max_length=32)
    builder = models.CharField(_("建设单位"), max_length=200, blank=True)
    total_investment = models.FloatField(_("总投资（万元）"), null=True, blank=True)
    annual_target = models.FloatField(_("年度计划投资（万元）"))
    planned_start = models.DateField(_("计划开工日期"), null=True, blank=True)
    planned_completion = models.DateField(_("计划竣工日期"), null=True, blank=True)
    plan = models.TextField(_("建设内容与年度计划"), blank=True)
    history = _history()

    class Meta:
        verbose_name = _("重点项目")
        verbose_name_plural = _("重点项目")
        ordering = ["zone__code", "code"]
        indexes = [models.Index(fields=["zone", "year"], name="key_project_zone_year")]

    def __str__(self):
        return f"{self.code} {self.name}"


class DispatchReport(models.Model):
    """The monthly dispatch (月度调度) of a key project: investment completed in the month, progress, problems and
    the help requested; `reported_on` against target_rules dispatch.due_day says whether it was late."""

    project = models.ForeignKey(KeyProject, verbose_name=_("重点项目"), on_delete=models.CASCADE,
                                related_name="reports")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    invested = models.FloatField(_("本月完成投资（万元）"))
    progress_pct = models.FloatField(_("形象进度（%）"), null=True, blank=True)
    progress = models.TextField(_("进展情况"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    help_requested = models.TextField(_("需协调事项"), blank=True)
    reported_on = models.DateField(_("报送日期"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报送人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    submission = models.ForeignKey("ledger.Submission", verbose_name=_("数据来源"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    history = _history()

    class Meta:
        verbose_name = _("月度调度")
        verbose_name_plural = _("月度调度")
        ordering = ["project__code", "year", "month"]
        constraints = [models.UniqueConstraint(fields=["project", "year", "month"], name="dispatch_report_key")]


class QuarterReview(models.Model):
    """The quarterly review note (一季一点评) of a key project."""

    project = models.ForeignKey(KeyProject, verbose_name=_("重点项目"), on_delete=models.CASCADE,
                                related_name="reviews")
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    note = models.TextField(_("点评意见"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("点评人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    reviewed_on = models.DateField(_("点评日期"))
    history = _history()

    class Meta:
        verbose_name = _("季度点评")
        verbose_name_plural = _("季度点评")
        ordering = ["project__code", "year", "quarter"]
        constraints = [models.UniqueConstraint(fields=["project", "year", "quarter"], name="quarter_review_key")]


# issue 16 §2: the frozen yearly 底线 record. A confirmation (确认) stores what the assessment of a year gave for
# every zone — the outcome per indicator, the inputs' values, the set's version — by whom and when; the newest
# confirmation of a year is the record that pages, the cockpit, the workbook and the annual report show
# (zones.bottom_line_record). Confirmations are never changed: re-confirming adds one, with its reason.


class BottomLineConfirmation(models.Model):
    """A 确认 of one year's 底线 assessment: the set (id, version, name, green profile and its hash) it used, who
    confirmed it and when; `reason` is required when the year was confirmed before (重新确认)."""

    year = models.PositiveSmallIntegerField(_("考核年度"))
    set_name = models.CharField(_("底线指标"), max_length=200)
    set_version = models.PositiveIntegerField(_("底线指标版本"))
    green_profile = models.CharField(_("绿色指标体系"), max_length=64)
    green_profile_hash = models.CharField(_("绿色指标体系指纹"), max_length=64, blank=True)
    reason = models.TextField(_("确认说明"), blank=True)
    replaces = models.ForeignKey("self", verbose_name=_("取代的确认"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), auto_now_add=True)
    zones = models.PositiveIntegerField(_("园区数"), default=0)
    history = _history()

    class Meta:
        verbose_name = _("底线考核确认")
        verbose_name_plural = _("底线考核确认")
        ordering = ["-year", "-confirmed_at", "-pk"]
        indexes = [models.Index(fields=["year", "confirmed_at"], name="bottom_line_confirm_year")]

    def __str__(self):
        return f"{self.year} v{self.set_version} {self.confirmed_at:%Y-%m-%d %H:%M}"


class BottomLineRecord(models.Model):
    """One zone's frozen 底线 outcome in a confirmation: each indicator (value, limit, passed, source), the number
    failed and missing, the consequence and its reasons, and the inputs the values came from (the green figures
    of the year and the baseline year, and where each came from)."""

    confirmation = models.ForeignKey(BottomLineConfirmation, verbose_name=_("底线考核确认"), on_delete=models.CASCADE,
                                     related_name="records")
    zone = models.ForeignKey(Zone, verbose_name=_("园区"), on_delete=models.CASCADE, related_name="+")
    indicators = models.JSONField(_("指标"), default=list)
    failed = models.PositiveSmallIntegerField(_("不达标项数"))
    missing = models.PositiveSmallIntegerField(_("缺少数据项数"))
    consequence = models.CharField(_("处理"), max_length=16, blank=True)
    reasons = models.JSONField(_("理由"), default=list)
    inputs = models.JSONField(_("输入数据"), default=dict)

    class Meta:
        verbose_name = _("底线考核记录")
        verbose_name_plural = _("底线考核记录")
        ordering = ["confirmation", "zone__code"]
        constraints = [models.UniqueConstraint(fields=["confirmation", "zone"], name="bottom_line_record_key")]
