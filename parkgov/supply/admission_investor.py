"""The investor's record in the ledger, for the admission checks: the facts of the investor and its related firms
(关联企业, by credit code) that admission_checks.investor_checks weighs.

- idle land: the latest IdleCheck (of the newest review run that checked the parcel) of every parcel the firms
  hold (an open 土地使用权人 link) or have a contract on, when its status is one of the rule's statuses;
- open 标准地 breaches: the latest CommitmentCheck of each of their contracts in the rule's statuses;
- class D: the firms' class in the latest evaluation run (newest year, then newest run);
- serious open findings: findings of the firms or on their parcels, not closed, of the rule's severities.

The investor's record is read across the whole ledger, whatever the reviewer's parks: a firm holding idle land in
another park is still a reason. One query per table; the firms are few.
"""

from django.utils.translation import gettext

from parkgov.ledger.choices import FindingStatus, LinkRole
from parkgov.ledger.models import Enterprise, Finding, LandLink
from parkgov.supply.admission_rules import ReviewRules


def investor_facts(*, credit_codes, rules: ReviewRules) -> dict:
    """{check code: [fact dicts]} for the firms with these credit codes (unknown codes are simply not in the
    ledger yet: no facts)."""
    firms = {f.pk: f for f in Enterprise.objects.filter(credit_code__in=list(credit_codes))}
    if not firms:
        return {code: [] for code in rules.investor_checks}
    return {"idle_land": _idle_land(firms, rules), "open_breach": _open_breaches(firms, rules),
            "class_d": _class_d(firms, rules), "serious_findings": _findings(firms, rules)}


def _firm(firm) -> str:
    return f"{firm.name}（{firm.credit_code}）"


def _parcels(firms) -> dict:
    """parcel id → firm, for parcels the firms hold now or have a contract on."""
    from parkgov.supply.models import Contract

    held = {}
    for link in LandLink.objects.filter(enterprise_id__in=firms, role=LinkRole.HOLDER, end_date__isnull=True):
        held.setdefault(link.parcel_id, firms[link.enterprise_id])
    for parcel_id, firm_id in Contract.objects.filter(enterprise_id__in=firms).values_list("parcel_id",
                                                                                             "enterprise_id"):
        held.setdefault(parcel_id, firms[firm_id])
    return held


def _idle_land(firms, rules) -> list:
    from parkgov.supply.choices import IdleStatus
    from parkgov.supply.models import IdleCheck

    held = _parcels(firms)
    latest = {}
    for check in (IdleCheck.objects.filter(parcel_id__in=held).select_related("parcel", "run")
                  .order_by("parcel_id", "-run__as_of", "-run_id")):
        latest.setdefault(check.parcel_id, check)
    statuses = rules.investor_checks["idle_land"].statuses
    return [{"parcel": c.parcel.code, "firm": _firm(held[c.parcel_id]), "status": str(IdleStatus(c.status).label),
             "as_of": c.run.as_of.isoformat()}
            for c in latest.values() if c.status in statuses]


def _open_breaches(firms, rules) -> list:
    from parkgov.supply.choices import CommitmentStatus
    from parkgov.supply.models import CommitmentCheck

    latest = {}
    for check in (CommitmentCheck.objects.filter(contract__enterprise_id__in=firms)
                  .select_related("contract", "run").order_by("contract_id", "-run__as_of", "-run_id")):
        latest.setdefault(check.contract_id, check)
    statuses = rules.investor_checks["open_breach"].statuses
    return [{"contract": c.contract.number, "firm": _firm(firms[c.contract.enterprise_id]),
             "status": str(CommitmentStatus(c.status).label), "as_of": c.run.as_of.isoformat()}
            for c in latest.values() if c.status in statuses]


def _class_d(firms, rules) -> list:
    from parkgov.evaluation.models import EvaluationResult, EvaluationRun

    run = EvaluationRun.objects.order_by("-year", "-created_at", "-id").first()
    if run is None:
        return []
    classes = rules.investor_checks["class_d"].classes
    results = EvaluationResult.objects.filter(run=run, enterprise_id__in=firms, class_final__in=classes)
    return [{"firm": _firm(firms[r.enterprise_id]), "year": run.year, "class": r.class_final}
            for r in results.order_by("enterprise__credit_code")]


def _findings(firms, rules) -> list:
    from django.db.models import Q

    from parkgov.ledger.choices import Severity

    held = _parcels(firms)
    severities = rules.investor_checks["serious_findings"].severities
    findings = (Finding.objects.filter(Q(enterprise_id__in=firms) | Q(parcel_id__in=held), severity__in=severities)
                .exclude(status=FindingStatus.CLOSED).select_related("enterprise", "parcel").order_by("found_on", "id"))
    facts = []
    for f in findings:
        firm = firms.get(f.enterprise_id) or held.get(f.parcel_id)
        facts.append({"firm": _firm(firm), "parcel": f.parcel.code if f.parcel else "",
                      "description": f.description or gettext("（无描述）"),
                      "severity": str(Severity(f.severity).label), "found_on": f.found_on.isoformat()})
    return facts
