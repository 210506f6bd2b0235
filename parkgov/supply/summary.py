"""What the 供地 landing page, the cockpit's 供地 card and the map show of supply: applications by state and outcome,
the latest review run's commitment and idle counts, the contracts' date reminders and the quota balances.

Every figure starts from a queryset cut to the user's parks (`scope.filter_zones` on the row's own zone: an
application's park, a contract's parcel's park, a check's zone, an account's zone), so a park-scoped user never
counts a row of a park it may not see. Reads the supply models directly, one query per figure.
"""

import datetime as dt

from django.db.models import Count, Max
from django.utils.translation import gettext_lazy as _

from parkgov.supply import choices
from parkgov.supply.models import (Application, CommitmentCheck, Contract, IdleCheck, QuotaAccount, QuotaTransfer,
                                   ReviewRun)
from parkgov.supply.reminders import reminders

# the stages of `supply.reminders` (its labels) → the key and the translated label the pages show
MILESTONES = {"动工": ("start", _("动工")), "竣工": ("completion", _("竣工")), "达产": ("production", _("达产"))}
REMINDER_ROWS = 50  # rows listed per group on the page (the counts are complete)
IDLE_ALERTS = (choices.IdleStatus.IDLE, choices.IdleStatus.RECOVER)  # the cockpit's "idle parcels"


def latest_run() -> ReviewRun | None:
    """The review run the pages and the map show: the newest run over the whole ledger (no zone), or, when every
    run was limited to a zone, the newest run."""
    return (ReviewRun.objects.filter(zone__isnull=True).order_by("-created_at", "-id").first()
            or ReviewRun.objects.order_by("-created_at", "-id").first())


def run_version() -> tuple:
    """What the latest run's figures depend on: the newest run id and the number of runs (a run deleted changes
    it too). Review runs and their checks are written once and carry no history rows."""
    found = ReviewRun.objects.aggregate(newest=Max("id"), runs=Count("id"))
    return found["newest"], found["runs"]


def status_counts(*, scope, run, model, enum, colours) -> list:
    """[{code, label, colour, count}] for every status of `enum`, counted on `model` rows of `run` in scope."""
    counts = {}
    if run is not None:
        rows = scope.filter_zones(model.objects.filter(run=run))
        counts = dict(rows.order_by().values_list("status").annotate(n=Count("id")))
    return [{"code": s.value, "label": str(s.label), "colour": colours[s], "count": counts.get(s.value, 0)}
            for s in enum]


def application_counts(*, scope) -> dict:
    """{"states": [{code, label, count}], "outcomes": [{code, label, colour, count}], "total"}."""
    rows = scope.filter_zones(Application.objects.all())
    states = dict(rows.order_by().values_list("state").annotate(n=Count("id")))
    outcomes = dict(rows.exclude(outcome="").order_by().values_list("outcome").annotate(n=Count("id")))
    return {"states": [{"code": s.value, "label": str(s.label), "count": states.get(s.value, 0)}
                       for s in choices.ApplicationState],
            "outcomes": [{"code": o.value, "label": str(o.label), "colour": choices.OUTCOME_COLOURS[o],
                          "count": outcomes.get(o.value, 0)} for o in choices.Outcome],
            "total": sum(states.values())}


def contract_reminders(*, scope, today: dt.date, rows: int = REMINDER_ROWS) -> dict:
    """The contracts' agreed 动工 / 竣工 / 达产 dates not yet reached (`supply.reminders`: the windows are data),
    as the pages show them: {"within_30": n, "within_90": n, "overdue": n, "due": [row…], "late": [row…]}, rows
    (up to `rows` of each, soonest and longest overdue first) {contract_id, number, parcel_code, enterprise, milestone, label,
    date, days, late_by}; within_90 includes within_30."""
    found = reminders(scope=scope, today=today)
    shown = found["within_90"][:rows] + found["overdue"][:rows]
    firms = {c.pk: c.enterprise for c in Contract.objects.filter(pk__in=[i["contract_id"] for i in shown])
             .select_related("enterprise")}

    def row(item):
        key, label = MILESTONES[item["stage"]]
        return {"contract_id": item["contract_id"], "number": item["number"], "parcel_code": item["parcel"], "enterprise": firms.get(item["contract_id"]),
                "milestone": key, "label": str(label), "date": item["date"], "days": item["days"],
                "late_by": max(0, -item["days"])}
    return {"within_30": found["counts"]["within_30"], "within_90": found["counts"]["within_90"],
            "overdue": found["counts"]["overdue"], "due": [row(i) for i in found["within_90"][:rows]],
            "late": [row(i) for i in found["overdue"][:rows]]}


def quota_balances(*, scope) -> list:
    """[{zone, code, name, balance_mu, pending_in, pending_out}] for the quota accounts of the user's parks; the
    pending counts are the 指标调剂 requests awaiting the 管委会's decision (nothing has moved for them yet)."""
    accounts = list(scope.filter_zones(QuotaAccount.objects.select_related("zone")).order_by("zone__code"))
    pending = QuotaTransfer.objects.filter(state=choices.TransferState.PENDING).order_by()
    into = dict(pending.filter(to_account__in=accounts).values_list("to_account_id").annotate(n=Count("id")))
    out = dict(pending.filter(from_account__in=accounts).values_list("from_account_id").annotate(n=Count("id")))
    return [{"zone": a.zone, "code": a.zone.code, "name": a.zone.name, "balance_mu": round(a.balance_mu, 2),
             "pending_in": into.get(a.pk, 0), "pending_out": out.get(a.pk, 0)} for a in accounts]


def supply_summary(*, scope, today: dt.date) -> dict:
    """Everything the 供地 landing page shows, in the user's parks."""
    run = latest_run()
    return {
        "applications": application_counts(scope=scope),
        "run": run,
        "commitments": status_counts(scope=scope, run=run, model=CommitmentCheck, enum=choices.CommitmentStatus,
                                     colours=choices.COMMITMENT_COLOURS),
        "idle": status_counts(scope=scope, run=run, model=IdleCheck, enum=choices.IdleStatus,
                              colours=choices.IDLE_COLOURS),
        "reminders": contract_reminders(scope=scope, today=today),
        "quota": quota_balances(scope=scope),
        "contracts": scope.filter_zones(Contract.objects.all(), "parcel__zone_id").count(),
    }


def cockpit_figures(*, scope, today: dt.date) -> dict:
    """The cockpit's 供地 card: reminders in 30 / 90 days and overdue, idle parcels (闲置 + 应收回) and contracts not
    meeting their commitments (未达标 + 整改期内 + 应收回) in the latest review run, in the user's parks."""
    run = latest_run()
    reminders = contract_reminders(scope=scope, today=today, rows=0)
    idle = not_met = 0
    if run is not None:
        idle = scope.filter_zones(IdleCheck.objects.filter(run=run, status__in=IDLE_ALERTS)).count()
        not_met = scope.filter_zones(CommitmentCheck.objects.filter(run=run, status__in=NOT_MET)).count()
    return {"within_30": reminders["within_30"], "within_90": reminders["within_90"],
            "overdue": reminders["overdue"], "idle": idle, "not_met": not_met,
            "run": {"id": run.pk, "as_of": run.as_of.isoformat()} if run else None}


NOT_MET = (choices.CommitmentStatus.NOT_MET, choices.CommitmentStatus.RECTIFYING, choices.CommitmentStatus.RECOVERY)
