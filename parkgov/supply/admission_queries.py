"""The application list's one scoped queryset (page, Excel export and API list share it, so all three give the
same rows of the user's parks) and the export workbook."""

from dataclasses import dataclass

from django.db.models import F, Q
from django.utils.translation import gettext, gettext_noop

from parkgov.errors import InputError
from parkgov.supply.admission import scoped_applications
from parkgov.supply.admission_rules import admission_workflow
from parkgov.supply.choices import ApplicationState, Outcome


@dataclass(frozen=True)
class ApplicationFilters:
    state: str = ""
    outcome: str = ""
    zone: str = ""
    q: str = ""

    @classmethod
    def parse(cls, params) -> "ApplicationFilters":
        """From query parameters; InputError naming a state or outcome that does not exist."""
        state, outcome = params.get("state", "") or "", params.get("outcome", "") or ""
        if state and state not in ApplicationState.values:
            raise InputError(gettext("状态“%(value)s”无效；允许：%(allowed)s") % {
                "value": state, "allowed": "、".join(ApplicationState.values)})
        if outcome and outcome not in Outcome.values:
            raise InputError(gettext("联审结论“%(value)s”无效；允许：%(allowed)s") % {
                "value": outcome, "allowed": "、".join(Outcome.values)})
        return cls(state=state, outcome=outcome, zone=(params.get("zone", "") or "").strip(),
                   q=(params.get("q", "") or "").strip()[:100])


def filtered_applications(*, scope, filters: ApplicationFilters):
    """The applications in scope matching the filters (a zone includes its child zones), newest first."""
    from parkgov.ledger.models import Zone

    rows = scoped_applications(scope=scope).select_related("zone", "parcel").annotate(
        intensity=F("fixed_investment") / F("land_mu"))
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.outcome:
        rows = rows.filter(outcome=filters.outcome)
    if filters.zone:
        zone = Zone.objects.filter(code=filters.zone).first()
        ids = [zone.pk, *Zone.objects.filter(parent=zone).values_list("pk", flat=True)] if zone else []
        rows = rows.filter(zone_id__in=ids)
    if filters.q:
        rows = rows.filter(Q(project_name__icontains=filters.q) | Q(investor_name__icontains=filters.q)
                           | Q(number__icontains=filters.q) | Q(investor_credit_code=filters.q.upper()))
    return rows


def state_counts(rows) -> dict:
    from django.db.models import Count

    return dict(rows.order_by().values_list("state").annotate(n=Count("id")))


EXPORT_HEADER = (gettext_noop("申请编号"), gettext_noop("项目名称"), gettext_noop("投资主体"), gettext_noop("统一社会信用代码"),
                 gettext_noop("园区编码"), gettext_noop("行业代码"), gettext_noop("拟用地面积（亩）"), gettext_noop("固定资产投资（万元）"),
                 gettext_noop("投资强度（万元/亩）"), gettext_noop("预计年税收（万元）"), gettext_noop("状态"), gettext_noop("联审结论"),
                 gettext_noop("联审轮次"), gettext_noop("否决项"), gettext_noop("提示项"), gettext_noop("决定日期"),
                 gettext_noop("地块编码"))


def export_applications(*, path, scope, filters: ApplicationFilters) -> int:
    """Write the filtered applications to an xlsx at `path` (one row each, every check's reason in 否决项 /
    提示项); returns the row count."""
    import xlsxwriter

    flow = admission_workflow()
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    sheet, bold = workbook.add_worksheet(gettext("准入申请")), workbook.add_format({"bold": True})
    sheet.write_row(0, 0, [gettext(h) for h in EXPORT_HEADER], bold)
    count = 0
    for count, app in enumerate(filtered_applications(scope=scope, filters=filters), start=1):
        reasons = {level: "；".join(c["reason"] for c in app.checks if c["level"] == level) for level in ("block", "warn")}
        sheet.write_row(count, 0, [
            app.number, app.project_name, app.investor_name, app.investor_credit_code, app.zone.code,
            app.industry_code, app.land_mu, app.fixed_investment, round(app.fixed_investment / app.land_mu, 2),
            app.expected_tax if app.expected_tax is not None else "", gettext(flow.state(app.state).label),
            str(Outcome(app.outcome).label) if app.outcome else "", app.round, reasons["block"], reasons["warn"],
            app.decided_on.isoformat() if app.decided_on else "", app.parcel.code if app.parcel else ""])
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 2, 28)
    sheet.set_column(13, 14, 40)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return count
