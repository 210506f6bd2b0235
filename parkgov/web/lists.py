"""Ledger lists (企业、地块、检查发现): filter forms, sortable tables and the listings their exports share.

A page and its export (web/exports.py) start from the same scoped queryset and the same columns, so a user
never exports a row or a figure the page would not show; the totals row is one aggregate over that queryset too.
Pages do not paginate by COUNT(*) (LazyPaginator): the totals row's one COUNT and SUMs are the only aggregate. The
body is rendered with per-column cell functions (web/table_body.py), so pages stay fast on a million rows.
"""

import math
from dataclasses import dataclass
from functools import lru_cache

import django_filters
import django_tables2 as tables
from django import forms
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db import connection
from django.db.models import Count, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Abs
from django.utils import timezone
from django.shortcuts import render
from django.urls import reverse
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_tables2.paginators import LazyPaginator
from django_tables2.rows import BoundRows

from parkgov.accounts.scopes import zone_tree_ids
from parkgov.audit.versions import cached_for_query
from parkgov.codes.tables import code_table
from parkgov.codes.thresholds import threshold
from parkgov.evaluation.models import CLASS_CHOICES, EvaluationResult, EvaluationRun
from parkgov.governance.findings import scoped_findings, writable_categories
from parkgov.ledger import choices
from parkgov.ledger.models import (
    FIGURE_FIELDS, PARCEL_STATES, Enterprise, Finding, LandLink, Parcel, YearlyFigure, Zone,
)
from parkgov.reports.labels import department_text, figure_fields, figure_label, industry_text  # noqa: F401
from parkgov.units import square_metres_to_mu
from parkgov.accounts.pages import scoped
from parkgov.web.table_body import ListTable

ALL = _("全部")
PER_PAGE = 50
MAX_PAGE = 100_000  # deeper pages are useless and an enormous OFFSET can overflow the database's integer
FINDING_COLUMNS = ["found_on", "department", "category", "severity", "status", "deadline", "description",
                   "enterprise", "parcel"]
LIST_FIGURES = ["tax", "revenue", "value_added", "energy_tce", "employees"]


def grouped(value, decimals: int, language=None) -> str:
    """`number_format(value, decimals, force_grouping=True)` without its three format look-ups per call (a table
    passes the page's language, looked up once) and, for plain ints and floats, without its digit-by-digit
    grouping loop: a list page formats hundreds of figures. Truncates as number_format does (test_pages)."""
    decimal_sep, grouping, thousand_sep = _number_formats(language or get_language())
    if type(grouping) is int and (type(value) is float or type(value) is int) and math.isfinite(value):
        text = str(value)
        if "e" not in text:  # what number_format does, without its digit-by-digit loop
            sign, text = ("-", text[1:]) if text[0] == "-" else ("", text)
            whole, _, fraction = text.partition(".")
            if grouping > 0 and thousand_sep and len(whole) > grouping:
                head = len(whole) % grouping or grouping
                whole = thousand_sep.join([whole[:head]] + [whole[i:i + grouping]
                                                            for i in range(head, len(whole), grouping)])
            return sign + whole + (decimal_sep + (fraction[:decimals] + "0" * decimals)[:decimals] if decimals else "")
    return numberformat.format(value, decimal_sep, decimals, grouping, thousand_sep, force_grouping=True)


@lru_cache(maxsize=8)
def _number_formats(language) -> tuple:
    return tuple(get_format(name, language, use_l10n=True)
                 for name in ("DECIMAL_SEPARATOR", "NUMBER_GROUPING", "THOUSAND_SEPARATOR"))


# --- rows each user may see -------------------------------------------------------------------------------

# `listed`: as a list page shows them, with the park's name as a column (`zone_name`) rather than a Zone read in
# for every row (the admin's way): 50 Zone instances took a list page 1 ms of CPU (measured, PostgreSQL).

def enterprise_rows(*, scope, listed=False):
    rows = Enterprise.objects.annotate(zone_name=F("zone__name")) if listed else \
        Enterprise.objects.select_related("zone").defer("zone__geometry")
    return scope.filter_zones(rows, "zone_id")


def parcel_rows(*, scope, listed=False):
    rows = Parcel.objects.defer("geometry").annotate(zone_name=F("zone__name")) if listed else \
        Parcel.objects.select_related("zone").defer("geometry", "zone__geometry")
    return scope.filter_zones(rows, "zone_id")


def latest_class(enterprise_id):
    """The enterprise's final class in the latest whole-ledger evaluation run (latest year, then latest run: the
    run the map colours by), as a subquery for the enterprise id `enterprise_id` (an OuterRef)."""
    run = EvaluationRun.objects.filter(zone__isnull=True).order_by("-year", "-created_at", "-id").values("id")[:1]
    return Subquery(EvaluationResult.objects.filter(run_id=Subquery(run), enterprise_id=enterprise_id)
                    .values("class_final")[:1])


def holder_class():
    """`latest_class` of each parcel's current land-use right holder (the lowest enterprise id when it has several,
    as on the map)."""
    holder = LandLink.objects.filter(parcel_id=OuterRef(OuterRef("pk")), role=choices.LinkRole.HOLDER) \
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=timezone.localdate())).order_by("enterprise_id")
    return latest_class(Subquery(holder.values("enterprise_id")[:1]))


def finding_rows(*, scope):
    """Findings the user may read (`parkgov.governance.findings.scoped_findings`: parks, categories, own
    department), with the columns the list shows."""
    return scoped_findings(scope=scope).select_related("enterprise", "parcel").only(
        *FINDING_COLUMNS, "enterprise__credit_code", "enterprise__name", "parcel__code").order_by("-found_on", "-id")


# --- filters ------------------------------------------------------------------------------------------------

class _ListedChoices(django_filters.fields.ModelChoiceIterator):
    """Choices from one ordinary query. Django reads them through `.iterator()`, which on PostgreSQL opens a
    server-side cursor (DECLARE, FETCH, CLOSE: three round trips, about 3 % of a list page's time under load)
    for the dozen parks of a zone."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for row in self.queryset.all():
            yield self.choice(row)


class _ParkField(django_filters.fields.ModelChoiceField):
    iterator = _ListedChoices


class ParkFilter(django_filters.ModelChoiceFilter):
    field_class = _ParkField


class ScopedFilterSet(django_filters.FilterSet):
    """A filter set whose park choices are the user's parks; invalid values are reported and ignored."""

    zone = ParkFilter(label=_("园区（含下属园区）"), queryset=Zone.objects.none(), method="in_zone",
                                            empty_label=ALL)
    zone_path = "zone_id"

    def __init__(self, data=None, queryset=None, *, scope, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.scope = scope
        self.filters["zone"].queryset = scope.filter_zones(Zone.objects.defer("geometry"), "id")

    def in_zone(self, queryset, name, value):
        return queryset.filter(**{f"{self.zone_path}__in": zone_tree_ids(value)})


class EnterpriseFilter(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("企业名称或信用代码"), method="search")
    industry = django_filters.CharFilter(label=_("行业代码（前几位）"), field_name="industry_code",
                                         lookup_expr="startswith")
    scale = django_filters.ChoiceFilter(label=_("规模"), choices=choices.Scale.choices, empty_label=ALL)
    status = django_filters.ChoiceFilter(label=_("登记状态"), choices=choices.EnterpriseStatus.choices, empty_label=ALL)
    year = django_filters.NumberFilter(label=_("数据年度"), method="keep")

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__startswith=value.upper()))

    def keep(self, queryset, name, value):
        return queryset  # the year chooses which figures are shown (see `figure_year`), not which rows

    def figure_year(self):
        """The year whose figures are shown: as asked if plausible, else the latest year with figures."""
        asked = self.form.cleaned_data.get("year") if self.is_bound and self.errors is not None else None
        if asked is not None and 2000 <= asked <= 2100 and asked == int(asked):
            return int(asked)
        with connection.cursor() as cursor:  # written out: the ORM took 1 ms of CPU a list page to build it
            cursor.execute(f"SELECT MAX(year) FROM {YearlyFigure._meta.db_table}")
            latest = cursor.fetchone()[0]
        self.form.fields["year"].widget.attrs["placeholder"] = latest or ""
        return latest


class ParcelFilter(ScopedFilterSet):
    """The parcel list's filters. 状态 defaults to 现存: the list, its totals and its export show the ledger as it
    is today unless ended parcels (split or merged away, kept for their history) are asked for."""

    state = django_filters.ChoiceFilter(label=_("状态"), method="keep", empty_label=None, choices=[
        ("current", _("现存")), ("ended", _("已灭失")), ("all", _("全部"))])
    q = django_filters.CharFilter(label=_("地块编码或宗地代码"), method="search")
    land_use = django_filters.CharFilter(label=_("用地分类代码（前几位）"), field_name="land_use_code",
                                         lookup_expr="startswith")
    ownership = django_filters.ChoiceFilter(label=_("土地权属"), choices=choices.Ownership.choices, empty_label=ALL)
    supply_status = django_filters.ChoiceFilter(label=_("供地状态"), choices=choices.SupplyStatus.choices, empty_label=ALL)
    supply_method = django_filters.ChoiceFilter(label=_("供地方式"), choices=choices.SupplyMethod.choices, empty_label=ALL)
    mismatch = django_filters.BooleanFilter(label=_("登记与图形面积差异超阈值"), method="area_mismatch", widget=forms.Select(
        choices=[("", ALL), ("true", _("是")), ("false", _("否"))]))  # not NullBooleanSelect's "未知" for no filter

    @property
    def qs(self):
        return super().qs.in_state(self.chosen_state())

    def chosen_state(self) -> str:
        """current, ended or all: as asked when valid, else current (also for an unbound form)."""
        asked = self.form.cleaned_data.get("state") if self.is_bound and self.errors is not None else None
        return asked if asked in PARCEL_STATES else "current"

    def keep(self, queryset, name, value):
        return queryset  # applied in `qs`, so that no value (the default) means current parcels too

    def search(self, queryset, name, value):
        value = value.upper()
        return queryset.filter(Q(code__startswith=value) | Q(land_code__startswith=value))

    def area_mismatch(self, queryset, name, value):
        over = Q(area_gap__gt=F("registered_area_m2") * threshold("area_mismatch_ratio"))
        queryset = queryset.annotate(area_gap=Abs(F("computed_area_m2") - F("registered_area_m2")))
        return queryset.filter(over) if value else queryset.exclude(over)


class FindingFilter(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("描述或企业名称"), method="search")
    department = django_filters.ChoiceFilter(label=_("部门"), choices=[
        (code, _(entry.name)) for code, entry in code_table("departments").entries.items()], empty_label=ALL)
    category = django_filters.ChoiceFilter(label=_("类别"), choices=choices.FindingCategory.choices, empty_label=ALL)
    severity = django_filters.ChoiceFilter(label=_("严重程度"), choices=choices.Severity.choices, empty_label=ALL)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=choices.FindingStatus.choices, empty_label=ALL)
    since = django_filters.DateFilter(label=_("发现日期自"), field_name="found_on", lookup_expr="gte",
                                      widget=forms.DateInput(attrs={"type": "date"}))
    until = django_filters.DateFilter(label=_("发现日期至"), field_name="found_on", lookup_expr="lte",
                                      widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, scope=scope, **kwargs)
        if scope.own_findings_only:
            del self.filters["department"]  # such a user sees the own department's findings only
        if scope.finding_categories is not None:
            self.filters["category"].extra["choices"] = [
                (code, label) for code, label in choices.FindingCategory.choices if code in scope.finding_categories]

    def search(self, queryset, name, value):
        return queryset.filter(Q(description__icontains=value) | Q(enterprise__name__icontains=value))

    def in_zone(self, queryset, name, value):
        ids = zone_tree_ids(value)
        return queryset.filter(Q(enterprise__zone_id__in=ids) | Q(parcel__zone_id__in=ids))


# --- tables -------------------------------------------------------------------------------------------------

class NumberColumn(tables.Column):
    """A right-aligned figure with two decimals, sorted by its field and then a unique key."""

    def __init__(self, verbose_name, *, order_by, decimals=2, accessor=None):
        super().__init__(verbose_name=verbose_name, order_by=order_by, accessor=accessor,
                         attrs={"td": {"class": "num"}, "th": {"class": "num"}})
        self.decimals = decimals

    def render(self, value, table):
        return grouped(value, self.decimals, table.language)


class ClassColumn(tables.Column):
    """The evaluation class (A–D, T), coloured as elsewhere, sorted by class and then a unique key."""

    def __init__(self, *, order_by):
        super().__init__(verbose_name=_("评价类别"), accessor="evaluation_class", order_by=order_by)

    def render(self, value):
        return format_html('<span class="class-{}">{}</span>', value, class_label(value))


CLASS_LABELS = dict(CLASS_CHOICES)


def class_label(value):
    """The class's label in the active language (pages follow the page; exports run in Chinese)."""
    return str(CLASS_LABELS.get(value, value)) if value else value


class TotalledTable(ListTable):
    """A list table with a totals row (`foot_html`) from `totals` (`list_totals`, set by the view): the count in
    the first column (`totals_label`), the sums under the columns named in `summed` (column → converter or None)."""

    totals_label = _("合计：%(rows)s")
    summed: dict = {}

    def foot_html(self):
        totals = getattr(self, "totals", None)
        if not totals:
            return ""
        cells = []
        for position, column in enumerate(self.columns):
            attrs = self.column_attrs[column.name]["td"].as_html()
            value, convert = totals.get(column.name), self.summed.get(column.name)
            if position == 0:
                content = escape(str(self.totals_label) % {"rows": grouped(totals["rows"], 0, self.language)})
            elif column.name in self.summed and value is not None:
                content = grouped(convert(value) if convert else value, column.column.decimals, self.language)
            else:
                content = ""
            cells.append(f"<td {attrs}>{content}</td>")
        return mark_safe(f'<tfoot><tr class="totals">{"".join(cells)}</tr></tfoot>')


class ListMeta:
    attrs = {"class": "data list"}
    template_name = "web/list_table.html"
    empty_text = _("没有符合条件的记录")


WRAP = {"td": {"class": "wrap"}}


class EnterpriseTable(TotalledTable):
    Meta = ListMeta
    credit_code = tables.Column(verbose_name=_("统一社会信用代码"), linkify=("web:enterprise", [tables.A("credit_code")]))
    name = tables.Column(verbose_name=_("企业名称"), order_by=("name", "credit_code"), attrs=WRAP)
    industry_code = tables.Column(verbose_name=_("行业"), order_by=("industry_code", "credit_code"), attrs=WRAP)
    scale = tables.Column(verbose_name=_("规模"), order_by=("scale", "credit_code"))
    status = tables.Column(verbose_name=_("登记状态"), order_by=("status", "credit_code"))
    zone = tables.Column(verbose_name=_("所属园区"), accessor="zone_name", order_by=("zone__code", "credit_code"),
                         attrs=WRAP)
    production_start = tables.DateColumn(verbose_name=_("投产日期"), format="Y-m-d",
                                         order_by=("production_start", "credit_code"))
    tax = NumberColumn(figure_label("tax"), order_by=("tax", "credit_code"))
    revenue = NumberColumn(figure_label("revenue"), order_by=("revenue", "credit_code"))
    value_added = NumberColumn(figure_label("value_added"), order_by=("value_added", "credit_code"))
    energy_tce = NumberColumn(figure_label("energy_tce"), order_by=("energy_tce", "credit_code"))
    employees = NumberColumn(figure_label("employees"), order_by=("employees", "credit_code"), decimals=0)
    evaluation_class = ClassColumn(order_by=("evaluation_class", "credit_code"))
    totals_label = _("合计：%(rows)s 家企业")
    summed = {name: None for name in LIST_FIGURES}

    def render_industry_code(self, value):
        return industry_text(value)


class ParcelTable(TotalledTable):
    Meta = ListMeta
    code = tables.Column(verbose_name=_("地块编码"), linkify=("web:parcel", [tables.A("code")]))
    land_code = tables.Column(verbose_name=_("宗地代码"), order_by=("land_code", "code"))
    zone = tables.Column(verbose_name=_("所属园区"), accessor="zone_name", order_by=("zone__code", "code"), attrs=WRAP)
    registered_area_m2 = NumberColumn(_("土地面积（亩）"), order_by=("registered_area_m2", "code"))
    registered_m2 = NumberColumn(_("土地面积（平方米）"), order_by=("registered_area_m2", "code"),
                                 accessor="registered_area_m2")
    computed_area_m2 = NumberColumn(_("图形面积（亩）"), order_by=("computed_area_m2", "code"))
    land_use_code = tables.Column(verbose_name=_("用地分类"), order_by=("land_use_code", "code"), attrs=WRAP)
    ownership = tables.Column(verbose_name=_("土地权属"), order_by=("ownership", "code"))
    supply_status = tables.Column(verbose_name=_("供地状态"), order_by=("supply_status", "code"))
    supply_date = tables.DateColumn(verbose_name=_("供地日期"), format="Y-m-d", order_by=("supply_date", "code"))
    ended_on = tables.DateColumn(verbose_name=_("灭失日期"), format="Y-m-d", order_by=("ended_on", "code"))
    evaluation_class = ClassColumn(order_by=("evaluation_class", "code"))
    totals_label = _("合计：%(rows)s 宗地块")
    summed = {"registered_area_m2": square_metres_to_mu, "registered_m2": None, "computed_area_m2": square_metres_to_mu}

    def render_registered_area_m2(self, value):
        return grouped(square_metres_to_mu(value), 2, self.language)

    def render_computed_area_m2(self, record, value):
        gap = abs(value - record.registered_area_m2) / record.registered_area_m2 if record.registered_area_m2 else 0
        text = grouped(square_metres_to_mu(value), 2, self.language)
        if gap > threshold("area_mismatch_ratio"):
            return format_html('{} <span class="flag" title="{}">⚠</span>', text,
                               gettext("与登记面积相差 %(gap)s") % {"gap": f"{gap:.1%}"})
        return text

    def render_land_use_code(self, value):
        return f"{value} {code_table('land_use_2023').label(value)}"


class FindingTable(TotalledTable):
    Meta = ListMeta
    found_on = tables.DateColumn(verbose_name=_("发现日期"), format="Y-m-d", order_by=("found_on", "id"),
                                 linkify=("governance:finding", [tables.A("pk")]))
    department = tables.Column(verbose_name=_("部门"), order_by=("department", "id"))
    category = tables.Column(verbose_name=_("类别"), order_by=("category", "id"))
    severity = tables.Column(verbose_name=_("严重程度"), order_by=("severity", "id"))
    status = tables.Column(verbose_name=_("状态"), order_by=("status", "id"))
    deadline = tables.DateColumn(verbose_name=_("整改期限"), format="Y-m-d", order_by=("deadline", "id"))
    enterprise = tables.Column(verbose_name=_("企业"), accessor="enterprise__name", order_by=("enterprise__name", "id"),
                               attrs=WRAP,
                               linkify=lambda record: reverse("web:enterprise", args=[record.enterprise.credit_code]))
    parcel = tables.Column(verbose_name=_("地块"), accessor="parcel__code", order_by=("parcel__code", "id"),
                           linkify=lambda record: reverse("web:parcel", args=[record.parcel.code]))
    description = tables.Column(verbose_name=_("描述"), orderable=False, attrs=WRAP)
    totals_label = _("合计：%(rows)s 条")

    def render_department(self, value):
        return department_text(value)

    def render_severity(self, record, value):
        colour = choices.SEVERITY_COLOURS.get(record.severity, "#9aa5b1")
        # an SVG fill, not style="": the Content-Security-Policy refuses inline styles
        return format_html('<svg class="dot" viewBox="0 0 8 8" aria-hidden="true"><circle cx="4" cy="4" r="4" fill="{}"/>'
                           '</svg>{}', colour, value)

    def render_description(self, value):
        return value if len(value) <= 60 else value[:60] + "…"


# --- listings: rows, filter, columns and export columns for one user ---------------------------------------

@dataclass
class Listing:
    """What a list page and its export share."""

    title: str
    filter: django_filters.FilterSet
    rows: object
    table_class: type
    hidden: list
    export_columns: list  # (header, value path, converter or None)
    export_name: str
    export_url: str
    note: str = ""
    create_url: str = ""  # a page to add a row, for roles that may (shown as a button)
    create_label: str = ""


def enterprise_listing(*, scope, params, figures=FIGURE_FIELDS) -> Listing:
    """Enterprises of the user's parks with the figures of one year that the user may see (of `figures`: the page
    shows LIST_FIGURES, the export every figure)."""
    found = EnterpriseFilter(params or None, queryset=enterprise_rows(scope=scope, listed=True), scope=scope)
    year = found.figure_year()
    fields = figure_fields(scope, figures)
    rows = found.qs
    if fields and year:
        rows = rows.annotate(figures=FilteredRelation("yearly_figures", condition=Q(yearly_figures__year=year))) \
            .annotate(**{f: F(f"figures__{f}") for f in fields})
    else:
        fields = []
    classes = scope.sees("evaluation_class")
    if classes:
        rows = rows.annotate(evaluation_class=latest_class(OuterRef("pk")))
    scale, status = choices.by_value(choices.Scale), choices.by_value(choices.EnterpriseStatus)
    columns = [(_("统一社会信用代码"), "credit_code", None), (_("企业名称"), "name", None),
               (_("行业代码"), "industry_code", None), (_("行业名称"), "industry_code", industry_text),
               (_("规模"), "scale", scale.get), (_("登记状态"), "status", status.get), (_("所属园区编码"), "zone__code", None),
               (_("所属园区"), "zone__name", None), (_("投产日期"), "production_start", None)]
    columns += [(gettext("%(year)s年 %(field)s") % {"year": year, "field": figure_label(f)}, f, None) for f in fields]
    columns += [(_("评价类别"), "evaluation_class", class_label)] if classes else []
    return Listing(title=_("企业"), filter=found, rows=rows, table_class=EnterpriseTable,
                   hidden=[f for f in LIST_FIGURES if f not in fields] + ([] if classes else ["evaluation_class"]),
                   export_columns=columns,
                   export_name=_("企业名单.xlsx"), export_url=reverse("web:enterprises_export"),
                   note=gettext("年度数据为 %(year)s 年") % {"year": year} if fields else "")


def parcel_listing(*, scope, params) -> Listing:
    """Parcels of the user's parks: the current ones unless 状态 asks for ended ones (`ParcelFilter`)."""
    found = ParcelFilter(params or None, queryset=parcel_rows(scope=scope, listed=True), scope=scope)
    classes = scope.sees("evaluation_class")
    rows = found.qs.annotate(evaluation_class=holder_class()) if classes else found.qs
    land_use = code_table("land_use_2023")
    columns = [(_("地块编码"), "code", None), (_("宗地代码"), "land_code", None), (_("所属园区编码"), "zone__code", None),
               (_("所属园区"), "zone__name", None), (_("土地面积（平方米）"), "registered_area_m2", None),
               (_("土地面积（亩）"), "registered_area_m2", square_metres_to_mu), (_("图形面积（平方米）"), "computed_area_m2", None),
               (_("图形面积（亩）"), "computed_area_m2", square_metres_to_mu), (_("用地分类代码"), "land_use_code", None),
               (_("用地分类"), "land_use_code", land_use.label),
               (_("土地权属"), "ownership", choices.by_value(choices.Ownership).get),
               (_("供地状态"), "supply_status", choices.by_value(choices.SupplyStatus).get),
               (_("供地方式"), "supply_method", choices.by_value(choices.SupplyMethod).get), (_("供地日期"), "supply_date", None),
               (_("出让年限（年）"), "term_years", None), (_("土地价款（万元）"), "land_price", None),
               (_("总建筑面积（平方米）"), "floor_area_m2", None), (_("建筑基底面积（平方米）"), "footprint_area_m2", None),
               (_("行政办公及生活设施用地面积（平方米）"), "admin_area_m2", None), (_("绿地面积（平方米）"), "green_area_m2", None)]
    state = found.chosen_state()
    columns += [(_("启用日期"), "started_on", None), (_("灭失日期"), "ended_on", None)] if state != "current" else []
    columns += [(_("土地使用权人评价类别"), "evaluation_class", class_label)] if classes else []
    return Listing(title=_("地块"), filter=found, rows=rows, table_class=ParcelTable,
                   hidden=([] if classes else ["evaluation_class"]) + (["ended_on"] if state == "current" else []),
                   export_columns=columns, export_name=_("地块清单.xlsx"), export_url=reverse("web:parcels_export"),
                   note=_("⚠ 登记面积与图形面积相差超过阈值"))


def finding_listing(*, scope, params) -> Listing:
    """Findings of the user's parks (a department's own where the role says so)."""
    found = FindingFilter(params or None, queryset=finding_rows(scope=scope), scope=scope)
    columns = [(_("发现日期"), "found_on", None), (_("部门"), "department", department_text),
               (_("类别"), "category", choices.by_value(choices.FindingCategory).get),
               (_("严重程度"), "severity", choices.by_value(choices.Severity).get),
               (_("状态"), "status", choices.by_value(choices.FindingStatus).get), (_("统一社会信用代码"), "enterprise__credit_code", None),
               (_("企业名称"), "enterprise__name", None), (_("地块编码"), "parcel__code", None), (_("描述"), "description", None),
               (_("法律依据"), "legal_basis", None), (_("整改期限"), "deadline", None),
               (_("可整改达标"), "rectifiable", lambda v: gettext("是") if v else gettext("否")),
               (_("销号日期"), "closed_on", None)]
    writable = writable_categories(scope)
    return Listing(title=_("检查发现"), filter=found, rows=found.qs, table_class=FindingTable, hidden=[],
                   export_columns=columns, export_name=_("检查发现.xlsx"), export_url=reverse("web:findings_export"),
                   note=finding_note(scope), create_url=reverse("governance:finding_new") if writable else "",
                   create_label=_("新增检查发现"))


def finding_note(scope) -> str:
    """What limits the findings the user sees: the own department's only, and of which categories."""
    labels = choices.by_value(choices.FindingCategory)
    categories = gettext("、").join(str(labels[c]) for c in choices.FindingCategory.values
                          if scope.finding_categories is None or c in scope.finding_categories)
    if scope.own_findings_only:
        return gettext("仅显示本部门的检查发现（类别：%(categories)s）") % {"categories": categories}
    if scope.finding_categories is not None:
        return gettext("仅显示以下类别的检查发现：%(categories)s") % {"categories": categories}
    return ""


# --- pages and exports --------------------------------------------------------------------------------------

def _int(text, default):
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


def build_table(listing: Listing, params):
    """The listing's table, sorted as asked (unknown columns are ignored). The sort goes to the constructor:
    without one, django-tables2 works out which columns the queryset's own order matches (4–6 % of a list
    page's CPU under load, py-spy), only for the caller to set the order afterwards."""
    return listing.table_class(listing.rows, exclude=listing.hidden, order_by=[s for s in params.getlist("sort") if s])


class KeysFirstPaginator(LazyPaginator):
    """LazyPaginator that fetches a page below the first in two steps: the keys of the page's rows (the database
    skips the rows before it in an index, without the joins), then those rows with their joins. One query that
    joins every skipped row took 10–12 ms for page 50 of 100,000 firms on SQLite; the two take 2.5–5 ms."""

    def __init__(self, rows, per_page, **kwargs):
        super().__init__(_KeysFirstRows(rows), per_page, **kwargs)


class _KeysFirstRows:
    def __init__(self, rows):
        self.rows = rows

    def __getitem__(self, key):
        rows = self.rows
        queryset = getattr(rows.data, "data", None)
        if not isinstance(queryset, QuerySet) or not isinstance(key, slice) or not key.start:
            return rows[key]
        keys = list(queryset.values_list("pk", flat=True)[key])
        found = {record.pk: record for record in queryset.filter(pk__in=keys)}
        return BoundRows([found[k] for k in keys if k in found], table=rows.table)  # a row deleted in between: gone


def paginate(table, params):
    """One page of rows without counting them; a page that does not exist shows the first page."""
    page = min(max(_int(params.get("page"), 1), 1), MAX_PAGE)
    try:
        table.paginate(paginator_class=KeysFirstPaginator, per_page=PER_PAGE, page=page)
    except (EmptyPage, PageNotAnInteger):
        table.paginate(paginator_class=KeysFirstPaginator, per_page=PER_PAGE, page=1)
    return table


def list_totals(*, listing: Listing) -> dict:
    """The count of the filtered rows and the sums of the table's summed columns the user sees, in one aggregate
    query over the listing's queryset (the rows the page and the export show). Kept in the cache under the query
    and the data version of the tables it reads (`audit.versions.cached_for_query`): at 1,000,000 firms on
    PostgreSQL the aggregate took 1.16 s of every list page (bench/web_load.py), and paging through a list, or
    fifty people opening the same list, repeats it for the same rows."""
    table = listing.table_class
    summed = {name: table.base_columns[name].accessor or name for name in getattr(table, "summed", {})
              if name not in listing.hidden}
    rows = listing.rows.order_by()

    def compute():
        found = rows.aggregate(rows=Count("pk"), **{f"sum_{name}": Sum(path) for name, path in summed.items()})
        return {"rows": found["rows"], **{name: found[f"sum_{name}"] for name in summed}}
    return cached_for_query(rows, name="list-totals", extra=(table.__name__, sorted(summed.items())), compute=compute)


def show_list(request, listing: Listing):
    table = paginate(build_table(listing, request.GET), request.GET)
    table.totals = list_totals(listing=listing)
    table.request = request  # for the header's sort links (ListTable.head_html)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/list.html", {"listing": listing, "table": table, "query": query.urlencode()})


LISTINGS = {"enterprises": lambda **kw: enterprise_listing(**kw), "parcels": lambda **kw: parcel_listing(**kw),
            "findings": lambda **kw: finding_listing(**kw)}


@scoped("enterprise")
def enterprises(request, scope):
    return show_list(request, enterprise_listing(scope=scope, params=request.GET, figures=LIST_FIGURES))


@scoped("parcel")
def parcels(request, scope):
    return show_list(request, parcel_listing(scope=scope, params=request.GET))


@scoped("finding")
def findings(request, scope):
    return show_list(request, finding_listing(scope=scope, params=request.GET))
