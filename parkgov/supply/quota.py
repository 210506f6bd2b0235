"""空间补偿 / 指标调剂 (changzhou-2024): each zone's land-quota account in 亩, and every movement on it.

- Credit (复垦复绿释放): when a case of a workflow in quota_rules.yaml `credit_workflows` (the exited chemical
  site's seven-step restoration) reaches its final state (销号), its zone is credited with the case's `freed_mu`
  as recorded at 销号 (governance falls back on the case's target_free_mu when none was given), linked to the
  case and its parcel. Governance sends `case_closed`; `register()` (SupplyConfig.ready) connects us to it, so
  governance never imports supply. Once per case.
- Debit (新增供地使用): land supplied with the quota, linked to its parcel (at most the parcel's area, once).
- Transfer (指标调剂): one zone requests quota from another; nothing moves until the 管委会 approves, and the
  approval writes the pair (调出 / 调入) in one transaction; a refusal writes none.

The balance never goes negative: every change locks the account rows (select_for_update on PostgreSQL, in
account-id order so two transfers cannot deadlock; on SQLite the IMMEDIATE transaction takes the write lock),
re-reads the balance and refuses with a Chinese message naming the zone, the balance and the amount; the
database constraint `quota_never_negative` holds it too. Services never commit: the caller owns the transaction.
Every row keeps its history (django-simple-history, with the acting user).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from parkgov.errors import InputError, NotFound
from parkgov.ledger.choices import SupplyStatus
from parkgov.ledger.models import Parcel, Zone
from parkgov.supply.choices import QuotaMovementKind, TransferState
from parkgov.supply.landuse_rules import quota_rules
from parkgov.supply.models import QuotaAccount, QuotaMovement, QuotaTransfer
from parkgov.units import square_metres_to_mu

DOMAIN = "supply"


def register() -> None:
    """Connect the credit to governance's `case_closed` signal (called from SupplyConfig.ready)."""
    from parkgov.governance.signals import case_closed

    case_closed.connect(_on_case_closed, dispatch_uid="supply.quota.credit_on_restoration")


def _on_case_closed(sender, *, case, actor=None, **kwargs):
    credit_from_case(case=case, actor=actor)


def account_for(*, zone: Zone) -> QuotaAccount:
    """The zone's account, opened (balance 0) the first time it is needed."""
    account, _created = QuotaAccount.objects.get_or_create(zone=zone)
    return account


def credit_from_case(*, case, actor=None) -> QuotaMovement | None:
    """Credit the case's zone with the 亩 its restoration released (see the module docstring); None when the
    workflow releases no quota, nothing was freed, or the case was credited before."""
    if case.workflow not in quota_rules().credit_workflows or not case.freed_mu or case.freed_mu <= 0:
        return None
    if QuotaMovement.objects.filter(case=case, kind=QuotaMovementKind.CREDIT).exists():
        return None
    with transaction.atomic():
        account = _locked([account_for(zone=case.zone).pk])[0]
        return _move(account, kind=QuotaMovementKind.CREDIT, mu=_amount(case.freed_mu), actor=actor,
                     moved_on=case.closed_on or dt.date.today(), case=case, parcel=case.parcel,
                     note=gettext("案件 %(number)s 生态修复完成销号，释放用地指标") % {"number": case.number})


def debit(*, scope, actor, zone: Zone, parcel: Parcel, mu, moved_on: dt.date, note="") -> QuotaMovement:
    """Use `mu` 亩 of the zone's quota for supplying `parcel` (a parcel of that zone, not debited before, at most
    its area); refused when the balance is short."""
    _require_role(scope, quota_rules().debit_roles, gettext("登记新增供地使用指标"))
    _require_zone(scope, zone)
    mu = _positive(mu)
    if parcel.zone_id != zone.pk:
        raise InputError(gettext("地块 %(parcel)s 不属于园区 %(zone)s，不能使用该园区的指标") % {
            "parcel": parcel.code, "zone": zone.name})
    area_mu = round(square_metres_to_mu(parcel.registered_area_m2), quota_rules().decimals)
    if mu > area_mu:
        raise InputError(gettext("使用指标 %(mu)s 亩超过地块 %(parcel)s 的面积 %(area)s 亩") % {
            "mu": _fmt(mu), "parcel": parcel.code, "area": _fmt(area_mu)})
    before = QuotaMovement.objects.filter(parcel=parcel, kind=QuotaMovementKind.DEBIT).first()
    if before is not None:
        raise InputError(gettext("地块 %(parcel)s 已于 %(date)s 使用指标 %(mu)s 亩，不能重复登记") % {
            "parcel": parcel.code, "date": before.moved_on, "mu": _fmt(before.mu)})
    _require_date(moved_on)
    with transaction.atomic():
        account = _locked([account_for(zone=zone).pk])[0]
        return _move(account, kind=QuotaMovementKind.DEBIT, mu=-mu, actor=actor, moved_on=moved_on, parcel=parcel,
                     note=(note or "").strip())


def request_transfer(*, scope, actor, from_zone: Zone, to_zone: Zone, mu, reason, requested_on: dt.date
                     ) -> QuotaTransfer:
    """指标调剂 request by the receiving zone (in the user's parks) for `mu` 亩 of `from_zone`'s quota; nothing
    moves until the 管委会 approves."""
    _require_role(scope, quota_rules().request_roles, gettext("申请指标调剂"))
    _require_zone(scope, to_zone)
    mu = _positive(mu)
    if from_zone.pk == to_zone.pk:
        raise InputError(gettext("调出园区与调入园区相同（%(zone)s），调剂须在两个园区之间") % {"zone": to_zone.name})
    reason = (reason or "").strip()
    if not reason:
        raise InputError(gettext("申请指标调剂须写明理由"))
    _require_date(requested_on)
    source = account_for(zone=from_zone)
    if source.balance_mu < mu and (scope.zone_ids is None or from_zone.pk in scope.zone_ids):  # else not revealed
        raise InputError(_short(source, mu))
    transfer = QuotaTransfer(from_account=source, to_account=account_for(zone=to_zone), mu=mu, reason=reason,
                             requested_on=requested_on, requested_by=actor)
    transfer._history_user = actor
    transfer.save()
    return transfer


def decide_transfer(*, scope, actor, transfer: QuotaTransfer, approve: bool, note="", decided_on: dt.date
                    ) -> QuotaTransfer:
    """The 管委会 approves (the pair of movements is written, the source's balance checked under lock) or refuses
    (with a reason; nothing moves) a pending transfer."""
    _require_role(scope, quota_rules().decide_roles, gettext("审批指标调剂"))
    _require_zone(scope, transfer.from_account.zone)
    _require_zone(scope, transfer.to_account.zone)
    _require_date(decided_on)
    note = (note or "").strip()
    if not approve and not note:
        raise InputError(gettext("不批准指标调剂须写明理由"))
    with transaction.atomic():
        locked = {a.pk: a for a in _locked([transfer.from_account_id, transfer.to_account_id])}
        current = QuotaTransfer.objects.select_for_update().get(pk=transfer.pk)
        if current.state != TransferState.PENDING:
            raise InputError(gettext("该调剂申请已于 %(date)s %(state)s，不能再审批") % {
                "date": current.decided_on, "state": current.get_state_display()})
        if approve:
            source, target = locked[transfer.from_account_id], locked[transfer.to_account_id]
            label = gettext("指标调剂 %(from)s → %(to)s") % {"from": source.zone.name, "to": target.zone.name}
            out = _move(source, kind=QuotaMovementKind.TRANSFER_OUT, mu=-current.mu, actor=actor, moved_on=decided_on,
                        note=label, requested_by=current.requested_by)
            into = _move(target, kind=QuotaMovementKind.TRANSFER_IN, mu=current.mu, actor=actor, moved_on=decided_on,
                         note=label, requested_by=current.requested_by, counterpart=out)
            out.counterpart = into
            out.save(update_fields=["counterpart"])
            current.movement_out, current.movement_in = out, into
        current.state = TransferState.APPROVED if approve else TransferState.REFUSED
        current.decided_by, current.decided_on, current.decision_note = actor, decided_on, note
        current._history_user = actor
        current.save()
    return current


def scoped_accounts(*, scope) -> list[dict]:
    """Every zone of the user's parks with its balance (0 for a zone without movements yet), its pending
    requests (as source or target) and its 批而未供 land in 亩, in zone-code order."""
    scope.require(DOMAIN)
    zones = scope.filter_zones(Zone.objects.order_by("code"), "id")
    balances = dict(QuotaAccount.objects.filter(zone__in=zones).values_list("zone_id", "balance_mu"))
    pending = _pending_counts(zones)
    unsupplied = _unsupplied_mu(zones)
    return [{"zone": zone, "balance_mu": balances.get(zone.pk, 0.0), "pending": pending.get(zone.pk, 0),
             "unsupplied_mu": unsupplied.get(zone.pk, 0.0)} for zone in zones]


def zone_in_scope(*, scope, code: str) -> Zone:
    """The zone `code` among the user's parks; NotFound otherwise."""
    scope.require(DOMAIN)
    zone = scope.filter_zones(Zone.objects.all(), "id").filter(code=(code or "").strip()).first()
    if zone is None:
        raise NotFound(gettext("园区“%(code)s”不存在或不在您的数据范围内") % {"code": code})
    return zone


def zone_parcel(*, zone: Zone, code: str) -> Parcel:
    """The parcel `code` of `zone`; InputError naming both otherwise."""
    parcel = Parcel.objects.filter(zone=zone, code=(code or "").strip()).first()
    if parcel is None:
        raise InputError(gettext("园区 %(zone)s 没有地块编码为“%(code)s”的地块") % {"zone": zone.name, "code": code})
    return parcel


def any_zone(*, code: str) -> Zone:
    """A transfer's source zone by code (it may lie outside the requester's parks); InputError otherwise."""
    zone = Zone.objects.filter(code=(code or "").strip()).first()
    if zone is None:
        raise InputError(gettext("没有园区编码为“%(code)s”的园区") % {"code": code})
    return zone


def movements(*, scope, zone: Zone | None = None):
    """The movements of the accounts of the user's parks (or of one zone), newest first, with their links."""
    scope.require(DOMAIN)
    rows = scope.filter_zones(QuotaMovement.objects.all(), "account__zone_id")
    if zone is not None:
        rows = rows.filter(account__zone=zone)
    return rows.select_related("account__zone", "parcel", "case", "requested_by", "approved_by") \
        .order_by("-moved_on", "-id")


def transfers(*, scope, zone: Zone | None = None, state: str = ""):
    """Transfers touching the user's parks (either side) or one zone, newest first."""
    scope.require(DOMAIN)
    rows = QuotaTransfer.objects.select_related("from_account__zone", "to_account__zone", "requested_by",
                                                "decided_by")
    if scope.zone_ids is not None:
        rows = rows.filter(Q(from_account__zone_id__in=scope.zone_ids) | Q(to_account__zone_id__in=scope.zone_ids))
    if zone is not None:
        rows = rows.filter(Q(from_account__zone=zone) | Q(to_account__zone=zone))
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-requested_on", "-id")


def transfer_in_scope(*, scope, pk: int) -> QuotaTransfer:
    """One transfer touching the user's parks; NotFound otherwise."""
    transfer = transfers(scope=scope).filter(pk=pk).first()
    if transfer is None:
        raise NotFound(gettext("指标调剂申请 %(id)s 不存在或不在您的数据范围内") % {"id": pk})
    return transfer


def unsupplied_parcels(*, scope, zone: Zone):
    """The zone's own 批而未供 parcels (approved, not yet supplied), in code order."""
    scope.require(DOMAIN)
    return scope.filter_zones(Parcel.objects.current().filter(zone=zone, supply_status=SupplyStatus.APPROVED_NOT_SUPPLIED)) \
        .order_by("code")


def may(scope, action: str) -> bool:
    """Whether the user's role may `action` (debit, request, decide) on quota (quota_rules.yaml)."""
    roles = {"debit": quota_rules().debit_roles, "request": quota_rules().request_roles,
             "decide": quota_rules().decide_roles}[action]
    return scope.can_write(DOMAIN) and scope.role in roles


def _pending_counts(zones) -> dict:
    counts: dict = {}
    rows = QuotaTransfer.objects.filter(state=TransferState.PENDING).values_list("from_account__zone_id",
                                                                                 "to_account__zone_id")
    ids = set(zones.values_list("id", flat=True))
    for source, target in rows:
        for zone_id in {source, target} & ids:
            counts[zone_id] = counts.get(zone_id, 0) + 1
    return counts


def _unsupplied_mu(zones) -> dict:
    from django.db.models import Sum

    rows = Parcel.objects.current().filter(zone__in=zones, supply_status=SupplyStatus.APPROVED_NOT_SUPPLIED) \
        .values("zone_id").annotate(area=Sum("registered_area_m2"))
    return {row["zone_id"]: square_metres_to_mu(row["area"] or 0.0) for row in rows}


def _locked(account_ids) -> list[QuotaAccount]:
    """The accounts, locked for the rest of the transaction, in the order asked (locks taken in id order)."""
    rows = {a.pk: a for a in QuotaAccount.objects.select_for_update().select_related("zone")
            .filter(pk__in=account_ids).order_by("pk")}
    return [rows[pk] for pk in account_ids]


def _move(account: QuotaAccount, *, kind, mu: float, actor, moved_on, note="", case=None, parcel=None,
          requested_by=None, counterpart=None) -> QuotaMovement:
    """Apply a signed amount to a locked account and write its movement (positive 亩, the kind says the way)."""
    balance = round(account.balance_mu + mu, quota_rules().decimals)
    if balance < 0:
        raise InputError(_short(account, -mu))
    account.balance_mu = balance
    account._history_user = actor
    account.save(update_fields=["balance_mu"])
    movement = QuotaMovement(account=account, kind=kind, mu=abs(mu), balance_after=balance, moved_on=moved_on,
                             case=case, parcel=parcel, note=note, requested_by=requested_by or actor,
                             approved_by=actor if kind in (QuotaMovementKind.TRANSFER_IN,
                                                           QuotaMovementKind.TRANSFER_OUT) else None,
                             transfer_state=TransferState.APPROVED if kind in (
                                 QuotaMovementKind.TRANSFER_IN, QuotaMovementKind.TRANSFER_OUT) else "",
                             counterpart=counterpart)
    movement._history_user = actor
    movement.save()
    return movement


def _short(account: QuotaAccount, mu: float) -> str:
    return gettext("园区 %(zone)s 的用地指标余额为 %(balance)s 亩，不足 %(mu)s 亩，余额不能为负") % {
        "zone": account.zone.name, "balance": _fmt(account.balance_mu), "mu": _fmt(mu)}


def _positive(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(gettext("指标亩数应为数字，实为“%(value)s”") % {"value": value}) from None
    if not number > 0 or number != number or number == float("inf"):
        raise InputError(gettext("指标亩数应大于 0，实为“%(value)s”") % {"value": value})
    return _amount(number)


def _amount(value: float) -> float:
    return round(float(value), quota_rules().decimals)


def _fmt(value: float) -> str:
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def _require_date(value):
    if not isinstance(value, dt.date):
        raise InputError(gettext("日期无效：“%(value)s”") % {"value": value})


def _require_role(scope, roles, action: str):
    scope.require(DOMAIN, write=True)
    if scope.role not in roles:
        from parkgov.accounts.scopes import role_table

        names = gettext("、").join(gettext(role_table()["roles"][r]["name"]) for r in roles
                                  if r in role_table()["roles"])
        raise PermissionDenied(gettext("角色“%(role)s”不能%(action)s（可%(action)s：%(who)s）") % {
            "role": gettext(scope.role_name), "action": action, "who": names})


def _require_zone(scope, zone: Zone):
    if scope.zone_ids is not None and zone.pk not in scope.zone_ids:
        raise PermissionDenied(gettext("园区 %(zone)s 不在您的数据范围内") % {"zone": zone.name})
