"""Topology check runs and the problems they found (issue 17 §1): kept so that the page, the map and the exports
read one result rather than checking a million parcels per request."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkgov.ledger.models import Parcel, Zone


class TopologyRun(models.Model):
    """One check of the parcel layer (all parks, or one), with the tolerances it used and its counts per kind."""

    zone = models.ForeignKey(Zone, verbose_name=_("检查园区（空 = 全部）"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    rules = models.JSONField(_("容差"), default=dict)
    counts = models.JSONField(_("各类问题数"), default=dict)
    parcels = models.PositiveIntegerField(_("检查地块数"), default=0)
    seconds = models.FloatField(_("耗时（秒）"), default=0)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("执行人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("检查时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("拓扑检查")
        verbose_name_plural = _("拓扑检查")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.zone.code if self.zone else ''}".strip()


class TopologyProblem(models.Model):
    """One problem: its kind, the parcel(s), the zone, the measure against its tolerance and its geometry."""

    run = models.ForeignKey(TopologyRun, verbose_name=_("拓扑检查"), on_delete=models.CASCADE,
                            related_name="problems")
    kind = models.CharField(_("问题类型"), max_length=16)
    parcel = models.ForeignKey(Parcel, verbose_name=_("地块"), null=True, on_delete=models.SET_NULL, related_name="+")
    other = models.ForeignKey(Parcel, verbose_name=_("另一地块"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    codes = models.CharField(_("地块编码"), max_length=200)
    zone = models.ForeignKey(Zone, verbose_name=_("园区"), null=True, on_delete=models.SET_NULL, related_name="+")
    measure = models.FloatField(_("量值"))
    limit = models.FloatField(_("容差"), null=True, blank=True)
    detail = models.CharField(_("说明"), max_length=500)
    geometry = models.BinaryField(_("问题图形（WKB, EPSG:4490）"), null=True)

    class Meta:
        verbose_name = _("拓扑问题")
        verbose_name_plural = _("拓扑问题")
        ordering = ["run", "pk"]
        indexes = [models.Index(fields=["run", "kind"], name="topology_problem_kind")]

    def __str__(self):
        return f"{self.kind} {self.codes}"
