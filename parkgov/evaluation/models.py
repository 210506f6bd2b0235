"""Stored evaluations: a run (rule set id/version/hash, year, zone, input hash) and one result per firm.

Results are written in bulk when a run is stored; an implausible input is kept as `review_reason` (待复核).
A manual class adjustment (定档调档) keeps the engine's class in `class_original`, sets `class_final` with a
reason, and is recorded in the history.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parkgov.audit.context import history_user
from parkgov.evaluation.json_text import JSONTextField
from parkgov.ledger.models import Enterprise, Zone

CLASS_CHOICES = [("A", "A"), ("B", "B"), ("C", "C"), ("D", "D"), ("T", _("T（不定等级）"))]


class EvaluationRun(models.Model):
    """One evaluation of one year under one rule set, for the whole ledger or one zone."""

    year = models.PositiveSmallIntegerField(_("评价年度"))
    ruleset_id = models.CharField(_("规则集"), max_length=64)
    ruleset_version = models.PositiveIntegerField(_("规则集版本"))
    ruleset_hash = models.CharField(_("规则集指纹"), max_length=64)
    ruleset_name = models.CharField(_("规则集名称"), max_length=200)
    zone = models.ForeignKey(Zone, verbose_name=_("园区范围"), null=True, blank=True, on_delete=models.PROTECT)
    input_hash = models.CharField(_("输入数据指纹"), max_length=64)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("执行人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("执行时间"), auto_now_add=True)
    firms = models.PositiveIntegerField(_("企业数"), default=0)
    summary = models.JSONField(_("结果概况"), default=dict, blank=True)
    parks = models.JSONField(_("园区汇总"), default=list, blank=True)
    # population → indicator → the fixed parts of the explanation text (engine.explain_template): results keep
    # the numbers, and the text is rendered from both when it is shown (evaluation.explain)
    explanations = models.JSONField(_("指标说明模板"), default=dict, blank=True)

    class Meta:
        verbose_name = _("评价批次")
        verbose_name_plural = _("评价批次")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["ruleset_id", "year"], name="evaluation_run_key")]

    def __str__(self):
        scope = f" {self.zone.code}" if self.zone_id else ""
        return f"{self.year} {self.ruleset_id} v{self.ruleset_version}{scope}"


class EvaluationResult(models.Model):
    """One firm's result in a run: population, land, indicators with explanations, total, rank, class."""

    # Neither key has a database constraint: a run's results are written in bulk in the transaction that creates the
    # run, from the firms read in it, and PostgreSQL checked each result's run and firm row at commit (100,000
    # results: ~0.25 s for the run, ~0.45 s for the firms; 1,000,000: 6.2 s of server CPU for the firms,
    # bench/evaluate_e2e.py). Deleting a run or a firm through Django still deletes its results (on_delete=CASCADE
    # is Django's, not the database's). The run has no index of its own: the unique (run, enterprise) index serves
    # lookups by run (one index less to write for each of a million results).
    run = models.ForeignKey(EvaluationRun, verbose_name=_("评价批次"), on_delete=models.CASCADE,
                            related_name="results", db_index=False, db_constraint=False)
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="evaluation_results", db_constraint=False)
    population = models.CharField(_("评价人群"), max_length=64, blank=True)
    population_name = models.CharField(_("评价人群名称"), max_length=128, blank=True)
    not_rated_reason = models.CharField(_("不参评原因"), max_length=200, blank=True)
    land_mu = models.FloatField(_("用地面积（亩）"), null=True)
    # json, not jsonb, on PostgreSQL: written in bulk, read whole (evaluation.json_text)
    indicators = JSONTextField(_("指标"), default=dict)
    bonus = models.FloatField(_("加分"), null=True)
    deduction = models.FloatField(_("扣分"), null=True)
    adjustments = models.CharField(_("加扣分说明"), max_length=500, blank=True)
    vetoes = models.CharField(_("否决事项"), max_length=500, blank=True)
    total = models.FloatField(_("总分"), null=True)
    rank = models.PositiveIntegerField(_("排名"), null=True)
    rank_of = models.PositiveIntegerField(_("参与排名企业数"), null=True)
    rank_group = models.CharField(_("排名分组"), max_length=64, blank=True)
    percentile = models.FloatField(_("排名百分位"), null=True)
    class_original = models.CharField(_("评定类别"), max_length=1, choices=CLASS_CHOICES)
    class_final = models.CharField(_("最终类别"), max_length=1, choices=CLASS_CHOICES)
    adjustment_reason = models.TextField(_("调档理由"), blank=True)
    tier = models.CharField(_("档位"), max_length=64, blank=True)
    review_reason = models.TextField(_("待复核原因"), blank=True, default="")
    consecutive_years = models.PositiveSmallIntegerField(_("连续同类年数"), default=1)
    policies = models.JSONField(_("差别化政策"), default=list)
    charge_total = models.FloatField(_("加价合计（万元）"), null=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords(get_user=history_user, inherit=False)

    class Meta:
        verbose_name = _("评价结果")
        verbose_name_plural = _("评价结果")
        constraints = [models.UniqueConstraint(fields=["run", "enterprise"], name="evaluation_result_key")]
        indexes = [models.Index(fields=["run", "population", "rank"], name="evaluation_result_rank")]

    @property
    def adjusted(self) -> bool:
        return self.class_final != self.class_original

    @property
    def needs_review(self) -> bool:
        """The engine found an implausible input (rule set `plausibility`); a person should check it."""
        return bool(self.review_reason)
