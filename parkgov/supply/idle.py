"""闲置土地 services: the idle status of supplied parcels as of a date (frames loaded with one query per table,
then the pure engine), the clock of one parcel for its dossier, and recording the procedure's notices and the
government-caused exceptions with their date checks.

Services take keyword-only arguments and never commit: the caller owns the transaction. Refused input raises
InputError with a Chinese message naming the field and the dates.
"""

import datetime as dt

import polars as pl
from django.utils.translation import gettext

from parkgov.accounts.scopes import with_children
from parkgov.errors import InputError
from parkgov.ledger.bulk import fetch_frame
from parkgov.ledger.models import Parcel
from parkgov.ledger.services import current_parcel_frame
from parkgov.supply.choices import IDLE_COLOURS, ExceptionCause, IdleStatus, NoticeKind
from parkgov.supply.idle_engine import evaluate
from parkgov.supply.idle_rules import IdleRules, idle_rules
from parkgov.supply.models import Contract, IdleException, IdleNotice

PARCEL_COLUMNS = ["code", "zone_id", "supply_status", "supply_date", "land_price", "registered_area_m2"]
CONTRACT_COLUMNS = ["parcel_id", "number", "signed_on", "agreed_start", "actual_start", "total_investment",
                    "invested", "developed_area_m2", "stopped_on"]
EXCEPTION_COLUMNS = ["parcel_id", "contract_id", "cause", "reason", "article", "starts_on", "ends_on",
                     "extended_start"]
ATTENTION = (IdleStatus.WARNING, IdleStatus.IDLE, IdleStatus.RECOVER, IdleStatus.GOVERNMENT)


def idle_frames(*, zone_ids=None, parcel_ids=None) -> dict[str, pl.DataFrame]:
    """The engine's inputs: parcels (of `zone_ids` / `parcel_ids` when given), their contracts and exceptions."""
    # an ended parcel (split or merged away) holds no land today, so it is never idle: its successors are judged
    if parcel_ids is not None:
        parcels = current_parcel_frame(columns=PARCEL_COLUMNS, where_column="id", values=parcel_ids)
    else:
        parcels = current_parcel_frame(columns=PARCEL_COLUMNS)
    if zone_ids is not None:
        parcels = parcels.filter(pl.col("zone_id").is_in(list(zone_ids)))
    ids = parcels.get_column("id").to_list()
    return {
        "parcels": parcels,
        "contracts": fetch_frame(Contract, columns=CONTRACT_COLUMNS, where_column="parcel_id", values=ids),
        "exceptions": fetch_frame(IdleException, columns=EXCEPTION_COLUMNS, where_column="parcel_id", values=ids),
    }


def idle_status(*, on: dt.date, zone_ids=None, parcel_ids=None, rules: IdleRules | None = None) -> pl.DataFrame:
    """The engine's rows as of `on` for the supplied parcels (of `zone_ids` when given), with parcel_code."""
    frames = idle_frames(zone_ids=zone_ids, parcel_ids=parcel_ids)
    result = evaluate(**frames, rules=rules or idle_rules(), on=on)
    codes = frames["parcels"].select(parcel_id=pl.col("id"), parcel_code=pl.col("code"))
    return result.join(codes, on="parcel_id", how="left")


def idle_clock(*, parcel: Parcel, on: dt.date) -> dict:
    """The idle-land clock of one parcel for its dossier, as of `on`: the status (code, Chinese label, colour),
    the agreed / extended / actual start, the one-year and two-year dates, days left (negative: overdue), the fee
    with its formula, the reasons, and the notices and exceptions recorded. `status` is None for a parcel that
    is not supplied (it has no clock)."""
    rows = idle_status(on=on, parcel_ids=[parcel.pk])
    notices = list(IdleNotice.objects.filter(parcel=parcel).order_by("issued_on", "pk"))
    exceptions = list(IdleException.objects.filter(parcel=parcel).order_by("starts_on", "pk"))
    clock = {"on": on, "status": None, "label": "", "colour": "", "notices": notices, "exceptions": exceptions}
    if rows.height == 0:
        return clock
    row = rows.row(0, named=True)
    status = IdleStatus(row["status"])
    days = row["days_to_next"]
    clock.update({
        "status": status.value, "label": status.label, "colour": IDLE_COLOURS[status],
        "contract": Contract.objects.filter(pk=row["contract_id"]).first() if row["contract_id"] else None,
        "agreed_start": row["agreed_start"], "effective_start": row["effective_start"],
        "actual_start": row["actual_start"], "idle_on": row["idle_on"], "recover_on": row["recover_on"],
        "extended_idle_on": row["extended_idle_on"], "days_to_next": days,
        "days_left": days if days is not None and days > 0 else None,
        "days_overdue": -days if days is not None and days <= 0 else None,
        "fee": row["fee"], "formula": row["formula"], "government_caused": row["government_caused"],
        "reasons": row["reasons"],
    })
    return clock


ATTENTION_FILTER = "attention"


def idle_listing(*, scope, on: dt.date, status: str = ATTENTION_FILTER, zone_id=None) -> list[dict]:
    """The idle page's rows as of `on` for the user's parks (read access to supply): every supplied parcel, or
    only those of `status` (an IdleStatus code; "attention": about to be idle, idle, to recover, government-caused;
    "" = all), of `zone_id` and the parks under it. Each row has parcel_code, zone_name and contract_number."""
    from parkgov.ledger.models import Zone

    scope.require("supply")
    if status not in ("", ATTENTION_FILTER, *IdleStatus.values):
        raise InputError(gettext("闲置状态 %(status)s 无效；可选：%(allowed)s") % {
            "status": status, "allowed": ", ".join([ATTENTION_FILTER, *IdleStatus.values])})
    zone_ids = scope.zone_ids
    if zone_id:
        chosen = set(with_children([zone_id]))
        zone_ids = sorted(chosen if zone_ids is None else chosen & set(zone_ids))
    rows = idle_status(on=on, zone_ids=zone_ids)
    if status == ATTENTION_FILTER:
        rows = rows.filter(pl.col("status").is_in([s.value for s in ATTENTION]))
    elif status:
        rows = rows.filter(pl.col("status") == status)
    names = dict(Zone.objects.filter(pk__in=rows["zone_id"].unique().to_list()).values_list("pk", "name"))
    numbers = dict(Contract.objects.filter(pk__in=rows["contract_id"].drop_nulls().to_list())
                   .values_list("pk", "number"))
    order = {s: i for i, s in enumerate([IdleStatus.RECOVER, IdleStatus.IDLE, IdleStatus.GOVERNMENT,
                                         IdleStatus.WARNING, IdleStatus.UNKNOWN, IdleStatus.NORMAL,
                                         IdleStatus.STARTED])}
    listed = [row | {"zone_name": names.get(row["zone_id"], ""), "contract_number": numbers.get(row["contract_id"], ""),
                     "label": IdleStatus(row["status"]).label,
                     "overdue": -row["days_to_next"] if row["days_to_next"] is not None and row["days_to_next"] <= 0
                     else None}
              for row in rows.rows(named=True)]
    return sorted(listed, key=lambda r: (order[IdleStatus(r["status"])], r["days_to_next"] if r["days_to_next"]
                                         is not None else 10**6, r["parcel_code"]))


def operator_listing(*, on: dt.date, zone_code: str | None = None, status: str = "") -> list[dict]:
    """The rows for a command-line operator (every park): of `zone_code` and the parks under it when given."""
    from parkgov.errors import NotFound
    from parkgov.governance.lists import operator_scope
    from parkgov.ledger.models import Zone

    zone_id = None
    if zone_code:
        zone_id = Zone.objects.filter(code=zone_code).values_list("pk", flat=True).first()
        if zone_id is None:
            raise NotFound(gettext("园区编码 %(code)s 不存在") % {"code": zone_code})
    return idle_listing(scope=operator_scope(), on=on, status=status, zone_id=zone_id)


def parcel_in_scope(*, scope, code: str, write=False) -> Parcel:
    """The parcel `code` if the user may read (write) supply and it lies in the user's parks; NotFound else."""
    from parkgov.errors import NotFound

    scope.require("supply", write=write)
    parcel = scope.filter_zones(Parcel.objects.filter(code=code), "zone_id").defer("geometry").first()
    if parcel is None:
        raise NotFound(gettext("地块 %(code)s 不存在或不在您的数据范围内") % {"code": code})
    return parcel


# --- notices ------------------------------------------------------------------------------------------------------

NOTICE_FIELDS = ("kind", "document_number", "issued_on", "served_on", "answer_due", "answered_on", "note")


def record_notice(*, parcel: Parcel, actor, kind: str, issued_on: dt.date, served_on=None, answer_due=None,
                  answered_on=None, document_number: str = "", note: str = "", contract: Contract | None = None,
                  rules: IdleRules | None = None) -> IdleNotice:
    """Record a notice of the idle-land procedure after checking its dates and its place in the procedure; the
    answer due date defaults to service + the rules' answer period for that kind (e.g. 30 days)."""
    rules = rules or idle_rules()
    notice = IdleNotice(parcel=parcel, contract=contract or _latest_contract(parcel), actor=actor)
    return _save_notice(notice, rules=rules, kind=kind, issued_on=issued_on, served_on=served_on,
                        answer_due=answer_due, answered_on=answered_on, document_number=document_number, note=note)


def edit_notice(*, notice: IdleNotice, actor, rules: IdleRules | None = None, **fields) -> IdleNotice:
    """Change a recorded notice (the same checks as recording it)."""
    unknown = set(fields) - set(NOTICE_FIELDS)
    if unknown:
        raise InputError(gettext("文书没有字段 %(fields)s") % {"fields": "、".join(sorted(unknown))})
    values = {name: getattr(notice, name) for name in NOTICE_FIELDS} | fields
    notice.actor = actor
    return _save_notice(notice, rules=rules or idle_rules(), **values)


def _save_notice(notice: IdleNotice, *, rules: IdleRules, kind, issued_on, served_on, answer_due, answered_on,
                 document_number, note) -> IdleNotice:
    if kind not in NoticeKind.values:
        raise InputError(gettext("文书类型 %(kind)s 无效；可选：%(allowed)s") % {
            "kind": kind, "allowed": "、".join(str(k.label) for k in NoticeKind)})
    if issued_on is None:
        raise InputError(gettext("请填写发出日期"))
    label = NoticeKind(kind).label
    if served_on and served_on < issued_on:
        raise InputError(gettext("%(notice)s的送达日期 %(served)s 早于发出日期 %(issued)s") % {
            "notice": label, "served": served_on, "issued": issued_on})
    period = rules.notices.answer_days.get(kind)
    if answer_due is None and period and served_on:
        answer_due = served_on + dt.timedelta(days=period.days)
    if answer_due and not served_on:
        raise InputError(gettext("%(notice)s填写了答复期限，请同时填写送达日期") % {"notice": label})
    if answer_due and answer_due < served_on:
        raise InputError(gettext("%(notice)s的答复期限 %(due)s 早于送达日期 %(served)s") % {
            "notice": label, "due": answer_due, "served": served_on})
    if answered_on and not served_on:
        raise InputError(gettext("%(notice)s尚未送达，不能登记答复日期") % {"notice": label})
    if answered_on and answered_on < served_on:
        raise InputError(gettext("%(notice)s的答复日期 %(answered)s 早于送达日期 %(served)s") % {
            "notice": label, "answered": answered_on, "served": served_on})
    earlier = IdleNotice.objects.filter(parcel_id=notice.parcel_id, issued_on__lte=issued_on)
    if notice.pk:
        earlier = earlier.exclude(pk=notice.pk)
    present = set(earlier.values_list("kind", flat=True))
    for needed in rules.notices.requires.get(kind, []):
        if needed not in present:
            raise InputError(gettext("地块 %(parcel)s 在 %(date)s 之前没有%(needed)s，不能登记%(notice)s（%(article)s）") % {
                "parcel": notice.parcel.code, "date": issued_on, "needed": NoticeKind(needed).label,
                "notice": label, "article": rules.notices.order_article})
    notice.kind, notice.issued_on, notice.served_on = kind, issued_on, served_on
    notice.answer_due, notice.answered_on = answer_due, answered_on
    notice.document_number, notice.note = (document_number or "").strip(), (note or "").strip()
    notice.save()
    return notice


# --- government-caused exceptions -------------------------------------------------------------------------------

EXCEPTION_FIELDS = ("cause", "reason", "article", "starts_on", "ends_on", "extended_start")


def record_exception(*, parcel: Parcel, actor, cause: str, reason: str, starts_on: dt.date, article: str = "",
                     ends_on=None, extended_start=None, contract: Contract | None = None,
                     rules: IdleRules | None = None) -> IdleException:
    """Record a government-caused delay (order No. 53 Art. 8) on a parcel: cause, reason and article are required
    (the article defaults to the rules'), an extended start lies after the agreed start and at most the rules' cap
    (one year) after it."""
    rules = rules or idle_rules()
    exception = IdleException(parcel=parcel, contract=contract or _latest_contract(parcel), actor=actor)
    return _save_exception(exception, rules=rules, cause=cause, reason=reason, article=article,
                           starts_on=starts_on, ends_on=ends_on, extended_start=extended_start)


def edit_exception(*, exception: IdleException, actor, rules: IdleRules | None = None, **fields) -> IdleException:
    """Change a recorded exception (the same checks as recording it)."""
    unknown = set(fields) - set(EXCEPTION_FIELDS)
    if unknown:
        raise InputError(gettext("政府原因记录没有字段 %(fields)s") % {"fields": "、".join(sorted(unknown))})
    values = {name: getattr(exception, name) for name in EXCEPTION_FIELDS} | fields
    exception.actor = actor
    return _save_exception(exception, rules=rules or idle_rules(), **values)


def _save_exception(exception: IdleException, *, rules: IdleRules, cause, reason, article, starts_on, ends_on,
                    extended_start) -> IdleException:
    if cause not in ExceptionCause.values:
        raise InputError(gettext("政府原因类型 %(cause)s 无效；可选：%(allowed)s") % {
            "cause": cause, "allowed": "、".join(str(c.label) for c in ExceptionCause)})
    if not (reason or "").strip():
        raise InputError(gettext("请填写政府原因的说明"))
    if starts_on is None:
        raise InputError(gettext("请填写起始日期"))
    if ends_on and ends_on < starts_on:
        raise InputError(gettext("终止日期 %(ends)s 早于起始日期 %(starts)s") % {"ends": ends_on, "starts": starts_on})
    agreed = exception.contract.agreed_start if exception.contract else None
    if extended_start and agreed:
        cap_years = rules.government.extension_cap_years
        cap = _anniversary(agreed, cap_years, rules)
        if extended_start <= agreed:
            raise InputError(gettext("延长后的动工期限 %(extended)s 应晚于约定动工日期 %(agreed)s") % {
                "extended": extended_start, "agreed": agreed})
        if extended_start > cap:
            raise InputError(gettext("延长后的动工期限 %(extended)s 超过上限 %(cap)s（约定动工日期 %(agreed)s 后最长 "
                                     "%(years)s 年，%(article)s）") % {
                "extended": extended_start, "cap": cap, "agreed": agreed, "years": cap_years,
                "article": rules.government.article})
    exception.cause, exception.reason = cause, reason.strip()
    exception.article = (article or "").strip() or rules.government.article
    exception.starts_on, exception.ends_on, exception.extended_start = starts_on, ends_on, extended_start
    exception.save()
    return exception


def _anniversary(day: dt.date, years: int, rules: IdleRules) -> dt.date:
    """`years` full years after `day`, with the rules' 29 February rule (as the engine computes it)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return dt.date(day.year + years, 2, 28) if rules.day_rule.leap_day == "month_end" else \
            dt.date(day.year + years, 3, 1)


def _latest_contract(parcel: Parcel) -> Contract | None:
    return Contract.objects.filter(parcel=parcel).order_by("-signed_on", "-pk").first()
