"""Admin for evaluation runs and results (read-only figures; class adjustment goes through the service)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from parkgov.evaluation.models import EvaluationResult, EvaluationRun


@admin.register(EvaluationRun)
class EvaluationRunAdmin(admin.ModelAdmin):
    list_display = ["year", "ruleset_id", "ruleset_version", "zone", "firms", "created_at", "actor"]
    list_filter = ["year", "ruleset_id"]
    readonly_fields = [f.name for f in EvaluationRun._meta.fields]


@admin.register(EvaluationResult)
class EvaluationResultAdmin(SimpleHistoryAdmin):
    list_display = ["enterprise", "run", "population_name", "total", "rank", "class_original", "class_final", "tier"]
    list_filter = ["run__year", "run__ruleset_id", "population", "class_final"]
    search_fields = ["enterprise__credit_code", "enterprise__name"]
    list_select_related = ["enterprise", "run"]
    readonly_fields = [f.name for f in EvaluationResult._meta.fields if f.name not in ("class_final",
                                                                                       "adjustment_reason")]
