"""Admin for evaluation runs and results (read-only figures; a class adjustment goes through the service).

Both classes use `ScopedAdminMixin`: results are limited to the firms of the user's parks, runs to runs of
those parks; only the final class and its reason can be changed, by roles that write evaluations.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from parkgov.accounts.admin_scope import ScopedAdminMixin, ScopedModelForm
from parkgov.evaluation.models import EvaluationResult, EvaluationRun
from parkgov.evaluation.services import adjust_class


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_domain = "evaluation"
    zone_paths = ("zone_id",)
    scoped_actions = ()  # runs are made by the evaluation job, never edited
    list_display = ["year", "ruleset_id", "ruleset_version", "zone", "firms", "created_at", "actor"]
    list_filter = ["year", "ruleset_id"]
    readonly_fields = [f.name for f in EvaluationRun._meta.fields]


class ClassAdjustmentForm(ScopedModelForm):
    """The admin's 定档调档 form: as on the evaluation page, a reason is required."""

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("adjustment_reason") or "").strip():
            self.add_error("adjustment_reason", _("调档必须填写理由"))
        return cleaned


@admin.register(EvaluationResult)
class EvaluationResultAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_domain = "evaluation"
    zone_paths = ("enterprise__zone_id",)
    scoped_actions = ("change",)
    full_view_fields = ("indicators", "tier")  # as on the dossier and the map: they reveal hidden figures
    form = ClassAdjustmentForm
    list_display = ["enterprise", "run", "population_name", "total", "rank", "class_original", "class_final", "tier"]
    list_filter = ["run__year", "run__ruleset_id", "population", "class_final"]
    search_fields = ["enterprise__credit_code", "enterprise__name"]
    list_select_related = ["enterprise", "run"]
    readonly_fields = [f.name for f in EvaluationResult._meta.fields if f.name not in ("class_final",
                                                                                       "adjustment_reason")]

    def save_model(self, request, obj, form, change):
        """Through `adjust_class`, which bumps the version the evaluation page's own lock compares."""
        adjust_class(result=obj, new_class=obj.class_final, reason=obj.adjustment_reason, actor=request.user,
                     expected_version=obj.version)
