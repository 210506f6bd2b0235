"""Django admin for the ledger, in Chinese, with the change history of every record."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from parkgov.ledger.models import (Enterprise, Finding, LandLink, Parcel, ParcelLineage, Submission, YearlyFigure,
                                   Zone)


@admin.register(Zone)
class ZoneAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "parent", "division_code", "level"]
    list_filter = ["kind", "level"]
    search_fields = ["code", "name"]


@admin.register(Parcel)
class ParcelAdmin(SimpleHistoryAdmin):
    list_display = ["code", "land_code", "zone", "registered_area_m2", "area_mu", "computed_area_m2",
                    "computed_mu", "ownership", "supply_status", "plot_ratio_display"]
    list_filter = ["supply_status", "ownership", "zone"]
    search_fields = ["code", "land_code"]
    readonly_fields = ["computed_area_m2", "area_mu", "computed_mu", "plot_ratio_display",
                       "building_coefficient_display"]
    list_select_related = ["zone"]

    @admin.display(description=_("面积（亩）"))
    def area_mu(self, obj):
        return f"{obj.registered_area_mu:,.2f}"

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
class ParcelLineageAdmin(SimpleHistoryAdmin):
    list_display = ["operation_id", "operation", "parent", "child", "effective_date"]
    list_filter = ["operation"]
    raw_id_fields = ["parent", "child"]


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ["credit_code", "name", "industry_code", "scale", "zone", "status", "production_start"]
    list_filter = ["scale", "status", "zone"]
    search_fields = ["credit_code", "name"]
    list_select_related = ["zone"]


@admin.register(LandLink)
class LandLinkAdmin(SimpleHistoryAdmin):
    list_display = ["enterprise", "parcel", "role", "land_area_m2", "floor_area_m2", "start_date", "end_date"]
    list_filter = ["role"]
    raw_id_fields = ["enterprise", "parcel"]
    list_select_related = ["enterprise", "parcel"]


@admin.register(YearlyFigure)
class YearlyFigureAdmin(SimpleHistoryAdmin):
    list_display = ["enterprise", "year", "tax", "revenue", "value_added", "energy_tce", "electricity_10k_kwh"]
    list_filter = ["year"]
    search_fields = ["enterprise__credit_code", "enterprise__name"]
    raw_id_fields = ["enterprise"]
    list_select_related = ["enterprise"]
    readonly_fields = ["provenance"]


@admin.register(Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = ["found_on", "department", "category", "severity", "enterprise", "parcel", "status"]
    list_filter = ["department", "category", "severity", "status"]
    raw_id_fields = ["enterprise", "parcel"]
    list_select_related = ["enterprise", "parcel"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "method", "department", "file_name", "actor"]
    list_filter = ["method", "department"]
    readonly_fields = ["method", "department", "file_name", "file_sha256", "actor", "created_at", "summary"]
