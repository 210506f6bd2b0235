"""Django admin for the ledger, in Chinese, with the change history of every record.

Every class uses `ScopedAdminMixin`: what a department user sees and edits here is their data scope, the
same as on the pages, in the API and in exports; every change form is optimistically locked.
"""

from django.contrib import admin
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from parkgov.accounts.admin_scope import ScopedAdminMixin
from parkgov.accounts.models import Profile, profiles_restricted_to
from parkgov.ledger.models import (Enterprise, Finding, LandLink, Parcel, ParcelLineage, Submission, YearlyFigure,
                                   Zone)
from parkgov.web.lists import enterprise_rows, finding_rows, parcel_rows


@admin.register(Zone)
class ZoneAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_domain = "zone"
    zone_paths = ("id", "parent_id")  # the parent: a park a restricted user adds below one of theirs is theirs
    list_display = ["code", "name", "kind", "parent", "division_code", "level"]
    list_filter = ["kind", "level"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        """A restricted user may not move a park whose parent is outside their parks (nor loop it below itself)."""
        fields = list(super().get_readonly_fields(request, obj))
        scope = self.scope(request)
        if (obj is not None and obj.parent_id is not None and not request.user.is_superuser and scope is not None
                and scope.zone_ids is not None and obj.parent_id not in scope.zone_ids and "parent" not in fields):
            fields.append("parent")
        return fields

    def get_deleted_objects(self, objs, request):
        """A park that restricts a user's profile is protected (no park would mean the whole ledger to them)."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        verbose = capfirst(Profile._meta.verbose_name)
        protected = [*protected, *(f"{verbose}: {profile}" for profile in profiles_restricted_to(objs))]
        return deleted, counts, perms_needed, protected


@admin.register(Parcel)
class ParcelAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_domain = "parcel"
    scope_rows = staticmethod(parcel_rows)
    list_display = ["code", "land_code", "zone", "registered_area_m2", "area_mu", "computed_area_m2",
                    "computed_mu", "ownership", "supply_status", "plot_ratio_display"]
    list_filter = ["supply_status", "ownership", "zone"]
    search_fields = ["code", "land_code"]
    readonly_fields = ["computed_area_m2", "area_mu", "computed_mu", "plot_ratio_display",
                       "building_coefficient_display"]
    list_select_related = ["zone"]

    @admin.display(description=_("面积（亩）"))
    def area_mu(self, obj):
        return "" if obj.registered_area_m2 is None else f"{obj.registered_area_mu:,.2f}"

    @admin.display(description=_("图形面积（亩）"))
    def computed_mu(self, obj):
        return "" if obj.computed_area_m2 is None else f"{obj.computed_area_mu:,.2f}"

    @admin.display(description=_("容积率"))
    def plot_ratio_display(self, obj):
        return "" if obj.plot_ratio is None else f"{obj.plot_ratio:.2f}"

    @admin.display(description=_("建筑系数"))
    def building_coefficient_display(self, obj):
        return "" if obj.building_coefficient is None else f"{obj.building_coefficient:.1%}"


@admin.register(ParcelLineage)
class ParcelLineageAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_domain = "parcel"
    zone_paths = ("parent__zone_id", "child__zone_id")
    list_display = ["operation_id", "operation", "parent", "child", "effective_date"]
    list_filter = ["operation"]
    raw_id_fields = ["parent", "child"]


@admin.register(Enterprise)
class EnterpriseAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_domain = "enterprise"
    scope_rows = staticmethod(enterprise_rows)
    list_display = ["credit_code", "name", "industry_code", "scale", "zone", "status", "production_start"]
    list_filter = ["scale", "status", "zone"]
    search_fields = ["credit_code", "name"]
    list_select_related = ["zone"]


@admin.register(LandLink)
class LandLinkAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_domain = "parcel"  # who holds or rents which land is land administration (自然资源和规划)
    zone_paths = ("enterprise__zone_id", "parcel__zone_id")
    list_display = ["enterprise", "parcel", "role", "land_area_m2", "floor_area_m2", "start_date", "end_date"]
    list_filter = ["role"]
    raw_id_fields = ["enterprise", "parcel"]
    list_select_related = ["enterprise", "parcel"]


@admin.register(YearlyFigure)
class YearlyFigureAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_domain = "yearly"
    zone_paths = ("enterprise__zone_id",)
    full_view_fields = ("provenance",)
    list_display = ["enterprise", "year", "tax", "revenue", "value_added", "energy_tce", "electricity_10k_kwh"]
    list_filter = ["year"]
    search_fields = ["enterprise__credit_code", "enterprise__name"]
    raw_id_fields = ["enterprise"]
    list_select_related = ["enterprise"]
    readonly_fields = ["provenance"]


@admin.register(Finding)
class FindingAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_domain = "finding"
    scope_rows = staticmethod(finding_rows)
    list_display = ["found_on", "department", "category", "severity", "enterprise", "parcel", "status"]
    list_filter = ["department", "category", "severity", "status"]
    raw_id_fields = ["enterprise", "parcel"]
    list_select_related = ["enterprise", "parcel"]

    def scope_fixed_values(self, scope):
        """A department that sees only its own findings records them in its own name."""
        return {"department": scope.department} if scope.own_findings_only else {}


@admin.register(Submission)
class SubmissionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_domain = "audit"  # who submitted which file when: the audit trail, like the audit page
    scoped_actions = ()
    list_display = ["created_at", "method", "department", "file_name", "actor"]
    list_filter = ["method", "department"]
    readonly_fields = ["method", "department", "file_name", "file_sha256", "actor", "created_at", "summary"]
