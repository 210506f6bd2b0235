"""企业自报: an enterprise reports its own yearly figures before the deadline (appeals.yaml self_report); they stay
marked 自报 and out of the ledger until the department that owns each figure confirms them, which writes the
value to the yearly figures with its provenance (a Submission naming the department and the report)."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext

from parkgov.appeals import config
from parkgov.appeals.models import SelfReport
from parkgov.errors import InputError, NotFound
from parkgov.ledger.models import Submission, YearlyFigure


def deadline_for(year: int) -> dt.date:
    """The last day to report the figures of `year` (month-day of appeals.yaml, in the next year)."""
    month, day = (int(part) for part in config.settings().self_report.deadline.split("-"))
    return dt.date(year + 1, month, day)


def report_figures(*, scope, actor, year: int, values: dict, note: str = "", today=None) -> list:
    """Record the enterprise's own figures of `year` ({field: number or None = leave}) as 自报; refused after the
    deadline or for fields not open to self-reporting. A re-report of a field replaces the open one."""
    today = today or timezone.localdate()
    if not scope.is_enterprise:
        raise PermissionDenied(gettext("只有企业账号可以自报数据"))
    deadline = deadline_for(year)
    if today > deadline:
        raise InputError(gettext("%(year)s 年数据的自报截止日期为 %(deadline)s，已过期")
                         % {"year": year, "deadline": deadline})
    allowed = config.settings().self_report.fields
    reports = []
    for field, value in values.items():
        if field not in allowed:
            raise InputError(gettext("“%(field)s”不能自报") % {"field": field})
        if value is None:
            continue
        if value < 0:
            raise InputError(gettext("“%(field)s”不能为负数：%(value)s")
                             % {"field": YearlyFigure._meta.get_field(field).verbose_name, "value": value})
        report, _created = SelfReport.objects.update_or_create(
            enterprise_id=scope.enterprise_id, year=year, field=field,
            defaults={"value": value, "note": note[:500], "status": SelfReport.Status.REPORTED,
                      "department": config.settings().figure_owners[field], "reported_by": actor,
                      "decided_by": None, "decided_at": None})
        reports.append(report)
    return reports


def confirm_figures(*, scope, actor, year: int, today=None) -> list:
    """The enterprise confirms the ledger's figures of `year` as they stand (企业确认无误), before the deadline:
    one row per self-reportable field that has a value; a field it reported itself and that is still open stays."""
    today = today or timezone.localdate()
    if not scope.is_enterprise:
        raise PermissionDenied(gettext("只有企业账号可以确认本企业数据"))
    deadline = deadline_for(year)
    if today > deadline:
        raise InputError(gettext("%(year)s 年数据的确认截止日期为 %(deadline)s，已过期")
                         % {"year": year, "deadline": deadline})
    figure = YearlyFigure.objects.filter(enterprise_id=scope.enterprise_id, year=year).first()
    if figure is None:
        raise NotFound(gettext("台账中没有本企业 %(year)s 年的数据") % {"year": year})
    open_reports = set(SelfReport.objects.filter(enterprise_id=scope.enterprise_id, year=year,
                                                 status=SelfReport.Status.REPORTED).values_list("field", flat=True))
    rows = []
    for field in config.settings().self_report.fields:
        value = getattr(figure, field)
        if value is None or field in open_reports:
            continue
        row, _created = SelfReport.objects.update_or_create(
            enterprise_id=scope.enterprise_id, year=year, field=field,
            defaults={"value": value, "status": SelfReport.Status.AGREED, "reported_by": actor, "note": "",
                      "department": config.settings().figure_owners[field], "decided_by": None,
                      "decided_at": None})
        rows.append(row)
    return rows


def scoped_reports(*, scope):
    """Self-reports `scope` may read: an enterprise its own; staff with `appeal` read those of their parks, a
    department only those it confirms (administrators and the roles accepting appeals all)."""
    reports = SelfReport.objects.select_related("enterprise")
    if scope.is_enterprise:
        return scope.filter_firm(reports)
    scope.require("appeal")
    reports = scope.filter_zones(reports, "enterprise__zone_id")
    if scope.role not in config.workflow().transitions["accept"].roles:
        reports = reports.filter(department=scope.department)
    return reports


def decide_report(*, scope, actor, report_id: int, confirm: bool) -> SelfReport:
    """The owning department confirms a 自报 figure (written to the ledger with provenance) or does not adopt it."""
    report = scoped_reports(scope=scope).filter(pk=report_id).first()
    if report is None:
        raise NotFound(gettext("自报数据不存在或不在您的数据范围内"))
    scope.require("appeal", write=True)
    if scope.role != "admin" and scope.department != report.department:
        raise PermissionDenied(gettext("“%(field)s”应由部门“%(department)s”确认")
                               % {"field": YearlyFigure._meta.get_field(report.field).verbose_name,
                                  "department": report.department})
    if report.status != SelfReport.Status.REPORTED:
        raise InputError(gettext("该自报数据已处理（%(status)s）") % {"status": report.get_status_display()})
    if confirm:
        figure, _created = YearlyFigure.objects.get_or_create(enterprise=report.enterprise, year=report.year)
        submission = Submission.objects.create(method="form", department=report.department, actor=actor,
                                               file_name=f"企业自报 {report.enterprise.credit_code}",
                                               summary={"self_report": report.pk, "field": report.field})
        setattr(figure, report.field, report.value)
        figure.provenance = {**(figure.provenance or {}), report.field: submission.pk}
        figure._history_user = actor
        figure._change_reason = f"确认企业自报 {report.field}"
        figure.save()
    report.status = SelfReport.Status.CONFIRMED if confirm else SelfReport.Status.REJECTED
    report.decided_by, report.decided_at = actor, timezone.now()
    report._history_user = actor
    report.save()
    return report
