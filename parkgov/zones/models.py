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
