"""调整: what an upheld appeal changes. On a figure: the yearly figure takes the adjusted value with its
provenance (a Submission naming the appeal and the department) and the evaluation is re-run with the same rule
set, year and zone; the firms' manual class adjustments (定档调档) of the old run are carried to the new one. On
the result: the class is adjusted (定档调档, evaluation.services.adjust_class). Either way the class, total and
rank before and after are returned for the appeal's event and written to the result's history.
"""

from django.utils.translation import gettext

from parkgov.appeals.models import PublicityPeriod
from parkgov.errors import InputError
from parkgov.evaluation.models import EvaluationResult
from parkgov.evaluation.services import CLASSES, adjust_class, latest_run, run_evaluation
from parkgov.ledger.models import Submission, YearlyFigure

RESULT = "result"


def apply_adjustment(*, appeal, value: str, reason: str, actor) -> dict:
    """Apply the adjusted `value` of `appeal` (a number for a figure, a class for the result); returns the
    details recorded on the 调整 event (before/after class, total, rank and the runs)."""
    # the latest run of the same year, rule set and zone: an earlier adjustment may have re-run the appealed one
    run = latest_run(year=appeal.run.year, ruleset_id=appeal.run.ruleset_id,
                     zone_code=appeal.run.zone.code if appeal.run.zone_id else None)
    before = EvaluationResult.objects.get(run=run, enterprise=appeal.enterprise)
    snapshot = {"class_before": before.class_final, "total_before": before.total, "rank_before": before.rank,
                "run_before": before.run_id}
    if appeal.field == RESULT:
        new_class = value.strip().upper()
        if new_class not in CLASSES:
            raise InputError(gettext("调整后的类别“%(value)s”无效；允许：%(allowed)s")
                             % {"value": value, "allowed": "、".join(CLASSES)})
        after = adjust_class(result=before, new_class=new_class, reason=f"申诉 {appeal.number}：{reason}",
                             actor=actor)
        appeal.adjusted_value, appeal.adjusted_run = new_class, run
        return _details(snapshot, after)
    number = _number(value, appeal.field)
    figure, _created = YearlyFigure.objects.get_or_create(enterprise=appeal.enterprise, year=appeal.year)
    submission = Submission.objects.create(method="form", department=appeal.department, actor=actor,
                                           file_name=f"申诉 {appeal.number}",
                                           summary={"appeal": appeal.number, "field": appeal.field,
                                                    "before": getattr(figure, appeal.field), "after": number})
    setattr(figure, appeal.field, number)
    figure.provenance = {**(figure.provenance or {}), appeal.field: submission.pk}
    figure._history_user = actor
    figure._change_reason = f"申诉 {appeal.number} 调整：{reason}"[:100]
    figure.save()
    new_run = run_evaluation(year=run.year, ruleset_id=run.ruleset_id, zone_code=run.zone.code if run.zone_id else None,
                             actor=actor)
    _carry_over(old_run=run, new_run=new_run, actor=actor, skip=appeal.enterprise_id)
    period = PublicityPeriod.objects.filter(run=run).first()
    if period is not None:  # the re-run is published within the same period
        PublicityPeriod.objects.create(run=new_run, starts_on=period.starts_on, working_days=period.working_days,
                                       ends_on=period.ends_on, created_by=actor)
    after = EvaluationResult.objects.get(run=new_run, enterprise=appeal.enterprise)
    after._history_user = actor
    after._change_reason = (f"申诉 {appeal.number} 调整{appeal.field}后重新评价：类别 {before.class_final}→"
                            f"{after.class_final}")[:100]
    after.save()
    appeal.adjusted_value, appeal.adjusted_run = f"{number:g}", new_run
    return _details(snapshot, after)


def _carry_over(*, old_run, new_run, actor, skip):
    """Keep the other firms' 定档调档 of the old run in the new run (audited like any adjustment)."""
    adjusted = EvaluationResult.objects.filter(run=old_run).exclude(enterprise_id=skip).exclude(
        adjustment_reason="")
    for old in adjusted:
        if not old.adjusted:
            continue
        new = EvaluationResult.objects.filter(run=new_run, enterprise_id=old.enterprise_id).first()
        if new is not None and new.class_final != old.class_final:
            adjust_class(result=new, new_class=old.class_final, actor=actor,
                         reason=f"沿用批次 {old_run.pk} 的调档：{old.adjustment_reason}")


def _number(value: str, field: str) -> float:
    try:
        number = float(value.replace(",", "").replace("，", ""))
    except ValueError:
        number = None
    if number is None or number != number or number < 0:
        name = YearlyFigure._meta.get_field(field).verbose_name
        raise InputError(gettext("调整后的“%(field)s”应为不小于 0 的数字，收到“%(value)s”")
                         % {"field": name, "value": value})
    return number


def _details(snapshot, after) -> dict:
    return {**snapshot, "class_after": after.class_final, "total_after": after.total, "rank_after": after.rank,
            "run_after": after.run_id}
