"""Pages of the governance lists: the 治理 landing page, a list run's page (filters, totals, reasons, the yearly
diff), the Excel downloads and the 生成清单 form.

A list page, its download and its diff start from `lists.scoped_entries` (the entries of the user's parks) and the
same filter, so a user never downloads or counts an entry the page would not show.
"""

import tempfile
from pathlib import Path

import django_filters
import django_tables2 as tables
from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from parkgov.errors import ParkgovError
from parkgov.evaluation.models import EvaluationRun
from parkgov.governance import lists
from parkgov.governance.export import write_lists_workbook, write_year_workbook
from parkgov.governance.models import ListRun
from parkgov.jobs.services import start_job
from parkgov.ledger.models import Zone
from parkgov.accounts.pages import scoped
from parkgov.web.lists import ALL, ListMeta, ScopedFilterSet, TotalledTable, department_text, paginate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DIFF_SHOWN = 200  # entries listed per part of the yearly diff on the page (the counts are complete)
NARROW_HIDDEN = {"td": {"class": "wide-only"}, "th": {"class": "wide-only"}}  # on a phone: the park and sub-list
NARROW_HIDDEN_WRAP = {"td": {"class": "wrap wide-only"}, "th": {"class": "wide-only"}}  # are in the filters
DIFF_PARTS = [("new", _("新列入")), ("still", _("继续在列")), ("left", _("已移出"))]
TABS = [("index", "", _("清单")), ("cases", "cases/", _("案件")), ("dispositions", "dispositions/", _("四个一批"))]


class EntryFilter(ScopedFilterSet):
    """Park (with the parks under it), sub-list and text (code or name) over a run's entries."""

    category = django_filters.ChoiceFilter(label=_("细类"), empty_label=ALL)
    q = django_filters.CharFilter(label=_("编码或企业名称"), method="search")

    def __init__(self, data=None, queryset=None, *, scope, run, **kwargs):
        super().__init__(data, queryset, scope=scope, **kwargs)
        self.filters["category"].extra["choices"] = [(c, c) for c in sorted(run.summary.get("categories", {}))
                                                     if c]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(subject_key__startswith=value.upper()) | Q(enterprise__name__icontains=value)
                               | Q(parcel__code__startswith=value.upper()))


class EntryTable(TotalledTable):
    Meta = ListMeta
    subject_key = tables.Column(verbose_name=_("对象编码"), order_by=("subject_key",), linkify=lambda record: (
        reverse("web:parcel", args=[record.subject_key]) if record.run.subject == "parcel"
        else reverse("web:enterprise", args=[record.subject_key])))
    enterprise = tables.Column(verbose_name=_("企业名称"), accessor="enterprise__name",
                               order_by=("enterprise__name", "subject_key"), attrs={"td": {"class": "wrap"}},
                               linkify=lambda record: reverse("web:enterprise", args=[record.enterprise.credit_code]))
    parcel = tables.Column(verbose_name=_("地块编码"), accessor="parcel__code", order_by=("parcel__code", "subject_key"),
                           linkify=lambda record: reverse("web:parcel", args=[record.parcel.code]))
    zone = tables.Column(verbose_name=_("所属园区"), accessor="zone__name", order_by=("zone__code", "subject_key"),
                         attrs=NARROW_HIDDEN_WRAP)
    category = tables.Column(verbose_name=_("细类"), order_by=("category", "subject_key"), attrs=NARROW_HIDDEN)
    reasons = tables.Column(verbose_name=_("列入理由"), orderable=False, attrs={"td": {"class": "wrap reasons"}})
    open_case = tables.Column(verbose_name=_("立案"), empty_values=(), orderable=False, accessor="pk")
    totals_label = _("合计：%(rows)s 条")

    withheld = ""  # set by the view when the role may not see the figures behind the reasons

    def render_open_case(self, record):
        """立案 from this entry (shown only to roles that may open cases: the view drops the column otherwise)."""
        return format_html('<a class="open-case" href="{}?entry={}">{}</a>', reverse("governance:case_open"),
                           record.pk, gettext("立案"))

    def render_reasons(self, value):
        if self.withheld:
            return format_html('<span class="withheld">{}</span>', self.withheld)
        return format_html_join("", "<span class=\"reason\">{}</span>", ((r,) for r in value or []))


class GenerateForm(forms.Form):
    """生成清单: year, the evaluation run (latest of the year by default), the rules, and for a park-scoped user
    one of its parks."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    evaluation_run = forms.ModelChoiceField(label=_("依据的评价批次"), queryset=EvaluationRun.objects.none(),
                                            required=False, empty_label=_("该年度最新批次"))
    rules = forms.MultipleChoiceField(label=_("清单"), widget=forms.CheckboxSelectMultiple)
    zone = forms.ModelChoiceField(label=_("园区范围"), queryset=Zone.objects.none(), required=False,
                                  empty_label=_("全部园区"), to_field_name="code")

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        rules = lists.chosen_rules()
        self.fields["rules"].choices = [(r.id, r.name) for r in rules]
        self.fields["rules"].initial = [r.id for r in rules]
        self.fields["evaluation_run"].queryset = EvaluationRun.objects.order_by("-year", "-created_at")
        self.fields["evaluation_run"].label_from_instance = lambda run: gettext(
            "%(year)s 年 %(name)s（批次 %(id)s）") % {"year": run.year, "name": run.ruleset_name, "id": run.pk}
        self.fields["zone"].queryset = scope.filter_zones(Zone.objects.defer("geometry").order_by("code"), "id")
        self.fields["zone"].label_from_instance = lambda zone: zone.name
        if scope.zone_ids is not None:  # a park-scoped user generates for one of its parks only
            self.fields["zone"].required = True
            self.fields["zone"].empty_label = None


def may_open_cases(scope) -> bool:
    """Whether the user may open a case (立案) from a list entry: the case workflow's opening step admits it."""
    from parkgov.governance.workflow import get_workflow

    return scope.can_write("case") and any(w.admits(role=scope.role, department=scope.department, named=())
                                           for w in get_workflow("case").open.by)


def _tabs(active):
    found = []
    for name, path, label in TABS:
        try:
            url = reverse(f"governance:{name}")
        except NoReverseMatch:  # the case board and 四个一批 pages come from their own branches
            url = reverse("governance:index") + path
        found.append({"name": name, "url": url, "label": label, "active": name == active})
    return found


def _year(request) -> int | None:
    text = request.GET.get("year", "")
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    years = lists.list_years()
    return years[0] if years else None


@scoped("list")
def index(request, scope):
    """治理: the lists of a year with the entries the user sees, their departments and links."""
    year = _year(request)
    runs = lists.latest_runs(year=year) if year else []
    counts = lists.scoped_counts(scope=scope, runs=runs)
    rows = [{"run": run, "entries": counts.get(run.pk, 0), "department": department_text(run.owner_department)}
            for run in runs]
    form = GenerateForm(scope=scope, initial={"year": year}) if scope.can_write("list") else None
    return render(request, "governance/lists.html", {
        "year": year, "years": lists.list_years(), "rows": rows, "form": form, "tabs": _tabs("index"),
        "total": sum(r["entries"] for r in rows)})


@require_POST
@scoped("list", write=True)
def generate(request, scope):
    """Start a background job generating the chosen lists (checked first, so a refusal is shown at once)."""
    form = GenerateForm(request.POST, scope=scope)
    if form.is_valid():
        data = form.cleaned_data
        run, zone = data["evaluation_run"], data["zone"]
        try:
            lists.check_generation(year=data["year"], rule_ids=data["rules"], evaluation_run=run)
            lists.check_zone_for(scope=scope, zone_code=zone.code if zone else None)
        except ParkgovError as exc:
            messages.error(request, str(exc))
        else:
            job = start_job(kind="lists", title=gettext("生成 %(year)s 年清单") % {"year": data["year"]},
                            user=request.user, params={"year": data["year"], "rules": data["rules"],
                                                       "evaluation_run": run.pk if run else None,
                                                       "zone": zone.code if zone else None})
            return redirect("web:job", job_id=job.pk)
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('governance:index')}?year={request.POST.get('year', '')}")


def _listing(request, scope, run):
    entries = lists.scoped_entries(scope=scope, run=run).select_related("run", "enterprise", "parcel", "zone") \
        .only("subject_key", "category", "reasons", "run__subject", "enterprise__credit_code", "enterprise__name",
              "parcel__code", "zone__name", "zone__code")
    return EntryFilter(request.GET or None, queryset=entries, scope=scope, run=run)


@scoped("list")
def run_page(request, scope, run_id):
    """One list: filters, totals by sub-list, the entries with their reasons, the diff with the year before."""
    run = get_object_or_404(ListRun.objects.select_related("evaluation_run", "zone"), pk=run_id)
    found = _listing(request, scope, run)
    rows = found.qs
    hidden = (["parcel"] if run.subject == "parcel" else []) + ([] if may_open_cases(scope) else ["open_case"])
    table = EntryTable(rows.order_by("subject_key"), exclude=hidden,
                       order_by=[s for s in request.GET.getlist("sort") if s])
    table.totals = {"rows": rows.count()}
    table.withheld = lists.withheld_note(scope=scope, run=run)
    table.request = request
    paginate(table, request.GET)
    categories = rows.order_by().values("category").annotate(n=Count("pk")).order_by("category")
    diff = lists.compare_runs(run=run, previous=lists.previous_run(run), scope=scope, limit=DIFF_SHOWN)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "governance/list.html", {
        "run": run, "filter": found, "table": table, "categories": categories, "diff": diff,
        "diff_parts": [(part, label, diff[part], diff[f"{part}_count"]) for part, label in DIFF_PARTS],
        "diff_shown": DIFF_SHOWN, "department": department_text(run.owner_department), "query": query.urlencode(),
        "tabs": _tabs("index"), "verified": run.summary.get("verified"), "source": run.summary.get("source", "")})


def _download(write, name, params):
    """`name` without suffix gets .xlsx, or .gpkg when asked `?format=gpkg` (the same rows as a GIS file)."""
    from parkgov.spatial.gpkg import content_type, export_suffix

    name += export_suffix(params)
    with tempfile.TemporaryDirectory(prefix="lists-") as folder:  # this request's own file, gone once opened
        path = Path(folder) / name
        with translation.override(settings.LANGUAGE_CODE):  # workbooks go between departments in Chinese
            write(path)
        handle = open(path, "rb")
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type(path) or XLSX)


@scoped("list")
def run_export(request, scope, run_id):
    """The list's entries the page shows (same filters) as xlsx, with the 说明 sheet."""
    run = get_object_or_404(ListRun, pk=run_id)
    rows = _listing(request, scope, run).qs
    return _download(lambda path: write_lists_workbook(path=path, sheets=[(run, rows)], scope=scope),
                     f"{run.year}-{run.rule_name}-{run.pk}", request.GET)


@scoped("list")
def year_export(request, scope):
    """Every list of the year (one sheet each) with the entries the user sees."""
    year = _year(request)
    if year is None:
        raise Http404(gettext("还没有生成任何清单"))
    try:
        return _download(lambda path: write_year_workbook(path=path, year=year, scope=scope),
                         f"{year}-治理清单", request.GET)
    except ParkgovError as exc:
        raise Http404(str(exc))

