"""Carrying an approved application's commitments into the 标准地 contract (准入联审 → 标准地).

The indicator codes are those of supply/data/indicators.yaml (the contracts part): investment_intensity (万元/亩),
tax_per_mu (万元/亩), plot_ratio, building_coefficient (%), rd_share (%), energy_value_added (万元/吨标准煤),
emission_value_added (万元/吨); each is the application's own figure (the same measures its checks compared), and
an indicator the application has no figure for is left out.
"""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from parkgov.accounts.scopes import scope_for
from parkgov.errors import InputError
from parkgov.supply import admission
from parkgov.supply.admission_checks import measure_values
from parkgov.supply.admission_rules import admission_workflow, review_rules
from parkgov.supply.models import Contract

INDICATORS = ("investment_intensity", "tax_per_mu", "plot_ratio", "building_coefficient", "rd_share",
              "energy_value_added", "emission_value_added")
BREACH_DIR = Path(__file__).resolve().parent / "breach_rules"


def commitments(application) -> dict:
    """indicator code → the committed value, from the application (rounded to 4 decimals)."""
    values = measure_values(application)
    return {code: round(values[code], 4) for code in INDICATORS if values[code] is not None}


def contract_from_application(*, application, parcel, number, signed_on, delivered_on=None, agreed_start=None,
                              agreed_completion=None, agreed_production=None, breach_rule="", actor,
                              scope=None, note="") -> Contract:
    """签订标准地合同: a Contract on `parcel` (in the application's zone or below it, in a supply state that
    admission_review.yaml allows, without a contract yet) carrying the application's commitments; the parcel
    becomes 供而未用 from `signed_on` when it was not supplied; the application moves to 已签约."""
    scope = scope or scope_for(actor)
    step = admission_workflow().transition(admission.CONTRACT)
    admission.require_step(application, step, scope=scope)
    number = (number or "").strip()
    problems = _problems(application=application, parcel=parcel, number=number, signed_on=signed_on,
                         dates=(delivered_on, agreed_start, agreed_completion, agreed_production),
                         breach_rule=breach_rule, scope=scope)
    if problems:
        raise InputError(gettext("无法签订标准地合同（%(number)s）：%(problems)s") % {
            "number": application.number, "problems": "；".join(problems)})
    with transaction.atomic():
        admission.claim(application)
        holder = _holder(application=application, parcel=parcel, signed_on=signed_on, actor=actor)
        contract = Contract(number=number, parcel=parcel, enterprise=holder, application=application,
                            signed_on=signed_on, delivered_on=delivered_on, agreed_start=agreed_start,
                            agreed_completion=agreed_completion, agreed_production=agreed_production,
                            indicators=commitments(application), breach_rule=breach_rule or "",
                            total_investment=application.fixed_investment, note=note or "")
        contract._history_user = actor
        try:
            with transaction.atomic():
                contract.save()
        except IntegrityError as exc:
            raise InputError(gettext("合同编号“%(number)s”已被使用") % {"number": number}) from exc
        _supply(parcel, signed_on=signed_on, actor=actor)
        before = application.state
        application.state, application.parcel = step.to, parcel
        application._history_user = actor
        application._change_reason = gettext("签订标准地合同 %(number)s") % {"number": number}
        application.save()
        admission.record_event(application, action=step.action, actor=actor, scope=scope, from_state=before,
                               to_state=step.to, comment=gettext("合同 %(number)s，地块 %(parcel)s") % {
                                   "number": number, "parcel": parcel.code})
    return contract


def _holder(*, application, parcel, signed_on, actor):
    """The investor as the ledger's firm holding the parcel from the signing day: registered in the ledger (the
    parcel's zone, 规下, 存续) when it is not there yet, so that the contract, its 达产复核 and the exchange
    workbook name a firm (the 标准地承诺 sheet requires its credit code)."""
    from parkgov.ledger.models import Enterprise, LandLink

    firm = application.enterprise or Enterprise.objects.filter(credit_code=application.investor_credit_code).first()
    if firm is None:
        firm = Enterprise(credit_code=application.investor_credit_code, name=application.investor_name,
                          industry_code=application.industry_code, scale="below", zone=parcel.zone, status="active")
        firm._history_user = actor
        firm.save()
    if not LandLink.objects.filter(enterprise=firm, parcel=parcel, role="holder").exists():
        link = LandLink(enterprise=firm, parcel=parcel, role="holder", land_area_m2=parcel.registered_area_m2,
                        start_date=signed_on)
        link._history_user = actor
        link.save()
    application.enterprise = firm
    return firm


def _problems(*, application, parcel, number, signed_on, dates, breach_rule, scope) -> list:
    from parkgov.ledger.choices import SupplyStatus

    if parcel is None:
        return [gettext("须选择供应地块")]
    if scope.zone_ids is not None and parcel.zone_id not in scope.zone_ids:
        raise PermissionDenied(gettext("地块 %(parcel)s 不在您的园区范围内") % {"parcel": parcel.code})
    problems = []
    if not number:
        problems.append(gettext("须填写合同编号"))
    if not _within(parcel.zone, application.zone_id):
        problems.append(gettext("地块 %(parcel)s 不在申请的拟落地园区（%(zone)s）内") % {
            "parcel": parcel.code, "zone": application.zone.name})
    allowed = review_rules().contract_parcel_states
    if parcel.supply_status not in allowed:
        problems.append(gettext("地块 %(parcel)s 的供地状态为“%(status)s”，只能在“%(allowed)s”的地块上签约") % {
            "parcel": parcel.code, "status": SupplyStatus(parcel.supply_status).label,
            "allowed": admission.listed(SupplyStatus(s).label for s in allowed)})
    if parcel.contracts.exists():
        problems.append(gettext("地块 %(parcel)s 已有标准地合同 %(contract)s") % {
            "parcel": parcel.code, "contract": parcel.contracts.first().number})
    if signed_on is None:
        problems.append(gettext("须填写签订日期"))
    elif any(d is not None and d < signed_on for d in dates):
        problems.append(gettext("交地、动工、竣工、达产日期不得早于签订日期 %(date)s") % {"date": signed_on.isoformat()})
    present = [d for d in dates[1:] if d is not None]
    if present != sorted(present):
        problems.append(gettext("约定动工、竣工、达产日期须依次不早于前一日期"))
    if breach_rule and BREACH_DIR.is_dir() and not (BREACH_DIR / f"{breach_rule}.yaml").is_file():
        known = "、".join(sorted(p.stem for p in BREACH_DIR.glob("*.yaml")))
        problems.append(gettext("违约规则“%(rule)s”不存在；可用：%(known)s") % {"rule": breach_rule, "known": known})
    return problems


def _within(zone, zone_id) -> bool:
    while zone is not None:
        if zone.pk == zone_id:
            return True
        zone = zone.parent
    return False


def _supply(parcel, *, signed_on, actor):
    from parkgov.ledger.choices import SupplyStatus

    if parcel.supply_status in (SupplyStatus.APPROVED_NOT_SUPPLIED, SupplyStatus.RESERVED):
        parcel.supply_status, parcel.supply_date = SupplyStatus.SUPPLIED_NOT_USED, signed_on
        parcel._history_user = actor
        parcel._change_reason = gettext("准入联审签约供地")
        parcel.save()
