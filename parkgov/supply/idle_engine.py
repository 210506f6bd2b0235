"""闲置土地 status of every supplied parcel as of a date (闲置土地处置办法, order No. 53): pure and vectorised.

`evaluate(parcels=, contracts=, exceptions=, rules=, on=)` reads no database; the caller loads the frames (one
query per table) and stores the result. Input columns (the field names of ledger Parcel and supply Contract /
IdleException; extra columns are ignored, the optional ones may be absent):

- parcels: id, zone_id, supply_status, land_price (万元, nullable), registered_area_m2; optional code,
  supply_date. Only parcels whose supply_status is in `rules.supplied_statuses` are in the output.
- contracts: id, parcel_id, signed_on, agreed_start, actual_start, total_investment (万元), invested (万元),
  developed_area_m2, stopped_on (all but id/parcel_id nullable); optional number. A parcel with several
  contracts is judged on its latest (signed_on, then id).
- exceptions: id, parcel_id, contract_id (nullable: any contract of the parcel), cause (ExceptionCause code),
  reason, article, starts_on, ends_on, extended_start. An exception counts from its starts_on on.

Output, one row per supplied parcel: parcel_id, contract_id (null without a contract), zone_id, status
(IdleStatus code), idle_on, recover_on, days_to_next, fee (万元), formula, government_caused, reasons (list of
Chinese sentences), and for the dossier and the idle page agreed_start, effective_start, actual_start,
extended_idle_on.

The rules (supply/data/idle_rules.yaml): a mark falls on the anniversary (`on_or_after`: on the day itself), a
29 February start falls on 28 February of a common year (`month_end`) or 1 March (`next_day`).
- not started: normal → warning (`warning.days` before the one-year mark) → idle on the one-year mark (fee =
  land price × `fee.share_pct` %) → recover on the two-year mark (the fee stays shown).
- started: `started`, unless developed area / registered area < `stalled.developed_share_below` or invested /
  total investment < `stalled.invested_share_below` and stopped since `stopped_on`: warning, then idle one full
  `stalled.stopped_years` after stopped_on (with the fee).
- a government-caused exception (Art. 8): the start is extended to its extended_start (else its ends_on, else
  the cap), at most `government.extension_cap_years` after the agreed start; until one full year after the
  extended start the status is `government` with no fee; after it the holder is idle/recover again. idle_on
  and recover_on always stay the marks of the agreed start (the clock's facts); extended_idle_on is the mark
  of the extended start.
- a supplied parcel without a contract, or not started and without an agreed start, is `unknown` with the reason
  (a recorded start needs no agreed date: the parcel is `started`, or stalled).
"""

from datetime import date
from fractions import Fraction

import polars as pl

from parkgov.supply.choices import ExceptionCause, IdleStatus
from parkgov.supply.idle_rules import IdleRules

PARCEL_SCHEMA = {"id": pl.Int64, "zone_id": pl.Int64, "supply_status": pl.String, "land_price": pl.Float64,
                 "registered_area_m2": pl.Float64, "code": pl.String}
CONTRACT_SCHEMA = {"id": pl.Int64, "parcel_id": pl.Int64, "number": pl.String, "signed_on": pl.Date,
                   "agreed_start": pl.Date, "actual_start": pl.Date, "total_investment": pl.Float64,
                   "invested": pl.Float64, "developed_area_m2": pl.Float64, "stopped_on": pl.Date}
EXCEPTION_SCHEMA = {"id": pl.Int64, "parcel_id": pl.Int64, "contract_id": pl.Int64, "cause": pl.String,
                    "reason": pl.String, "article": pl.String, "starts_on": pl.Date, "ends_on": pl.Date,
                    "extended_start": pl.Date}
OUTPUT_SCHEMA = {"parcel_id": pl.Int64, "contract_id": pl.Int64, "zone_id": pl.Int64, "status": pl.String,
                 "idle_on": pl.Date, "recover_on": pl.Date, "days_to_next": pl.Int64, "fee": pl.Float64,
                 "formula": pl.String, "government_caused": pl.Boolean, "reasons": pl.List(pl.String),
                 "agreed_start": pl.Date, "effective_start": pl.Date, "actual_start": pl.Date,
                 "extended_idle_on": pl.Date}
REQUIRED = {"parcels": ("id", "zone_id", "supply_status"), "contracts": ("id", "parcel_id"),
            "exceptions": ("id", "parcel_id")}

S = IdleStatus
col, lit, when = pl.col, pl.lit, pl.when


def evaluate(*, parcels: pl.DataFrame, contracts: pl.DataFrame, exceptions: pl.DataFrame, rules: IdleRules,
             on: date) -> pl.DataFrame:
    """One row per supplied parcel with its idle status as of `on` (see the module docstring)."""
    parcels = _conform(parcels, PARCEL_SCHEMA, "parcels")
    contracts = _conform(contracts, CONTRACT_SCHEMA, "contracts")
    exceptions = _conform(exceptions, EXCEPTION_SCHEMA, "exceptions")
    frame = (
        parcels.filter(col("supply_status").is_in(rules.supplied_statuses))
        .rename({"id": "parcel_id"})
        .join(_latest_contracts(contracts), on="parcel_id", how="left")
    )
    frame = frame.join(_government(frame, exceptions, rules, on), on="parcel_id", how="left")
    frame = _clock(frame, rules, on)
    frame = _status(frame, rules, on)
    frame = _explain(frame, rules, on)
    return frame.select([pl.col(name).cast(dtype) for name, dtype in OUTPUT_SCHEMA.items()]).sort("parcel_id")


def _conform(frame: pl.DataFrame, schema: dict, name: str) -> pl.DataFrame:
    missing = [c for c in REQUIRED[name] if c not in frame.columns]
    if missing:
        raise ValueError(f"idle_engine: {name} lacks columns {missing}")
    return frame.with_columns(
        [pl.lit(None, dtype).alias(c) for c, dtype in schema.items() if c not in frame.columns]
    ).select([pl.col(c).cast(dtype) for c, dtype in schema.items()])


def _latest_contracts(contracts: pl.DataFrame) -> pl.DataFrame:
    return (
        contracts.sort(["parcel_id", "signed_on", "id"], nulls_last=False)
        .group_by("parcel_id", maintain_order=True).last()
        .rename({"id": "contract_id"})
    )


def anniversary(column: pl.Expr, years: int, rules: IdleRules) -> pl.Expr:
    """The date `years` full years after `column` (29 February → 28 February or 1 March, as the rules say)."""
    shifted = column.dt.offset_by(f"{years}y")
    if rules.day_rule.leap_day == "next_day":
        leap = (column.dt.month() == 2) & (column.dt.day() == 29) & (shifted.dt.day() == 28)
        shifted = when(leap).then(shifted.dt.offset_by("1d")).otherwise(shifted)
    return shifted


def _government(frame: pl.DataFrame, exceptions: pl.DataFrame, rules: IdleRules, on: date) -> pl.DataFrame:
    """Per parcel, the government-caused exception that counts (the latest extended start) and that start."""
    cap_years = rules.government.extension_cap_years
    candidates = (
        exceptions.filter(col("starts_on").is_null() | (col("starts_on") <= on))
        .join(frame.select("parcel_id", "contract_id", "agreed_start"), on="parcel_id", how="inner",
              suffix="_chosen")
        .filter(col("contract_id").is_null() | (col("contract_id") == col("contract_id_chosen")))
        .with_columns(cap=anniversary(col("agreed_start"), cap_years, rules) if cap_years else col("agreed_start"))
        .with_columns(asked=pl.coalesce("extended_start", "ends_on", "cap"))
        .with_columns(
            effective=pl.max_horizontal(pl.min_horizontal("asked", "cap"), "agreed_start"),
            capped=col("asked") > col("cap"),
        )
    )
    return (
        candidates.sort(["parcel_id", "effective", "id"])
        .group_by("parcel_id", maintain_order=True).last()
        .select("parcel_id", gov=lit(True), gov_cause=col("cause"), gov_reason=col("reason"),
                gov_article=col("article"), gov_asked=col("asked"), gov_capped=col("capped"),
                gov_start=col("effective"))
    )


def _clock(frame: pl.DataFrame, rules: IdleRules, on: date) -> pl.DataFrame:
    """The marks: of the agreed start (the facts), of the effective start, of the stop (stalled case)."""
    stall = rules.stalled
    recover_gap = rules.recover.years - rules.idle.years
    gov = col("gov").fill_null(False)
    frame = frame.with_columns(
        gov=gov,
        effective_start=when(gov).then(col("gov_start")).otherwise(col("agreed_start")),
        started=col("actual_start").is_not_null() & (col("actual_start") <= on),
        developed_share=col("developed_area_m2") / when(col("registered_area_m2") > 0).then(col("registered_area_m2")),
        invested_share=col("invested") / when(col("total_investment") > 0).then(col("total_investment")),
    ).with_columns(
        agreed_idle_on=anniversary(col("agreed_start"), rules.idle.years, rules),
        agreed_recover_on=anniversary(col("agreed_start"), rules.recover.years, rules),
        effective_idle_on=anniversary(col("effective_start"), rules.idle.years, rules),
        effective_recover_on=anniversary(col("effective_start"), rules.recover.years, rules),
        low_developed=col("developed_share") < stall.developed_share_below,
        low_invested=col("invested_share") < stall.invested_share_below,
        stopped=col("started") & col("stopped_on").is_not_null() & (col("stopped_on") <= on),
    ).with_columns(
        stalled=col("stopped") & (col("low_developed").fill_null(False) | col("low_invested").fill_null(False)),
        stall_facts_missing=col("stopped") & col("low_developed").is_null() & col("low_invested").is_null(),
        stall_idle_on=anniversary(col("stopped_on"), stall.stopped_years, rules),
        stall_recover_on=anniversary(col("stopped_on"), stall.stopped_years + recover_gap, rules),
    )
    return frame


def _status(frame: pl.DataFrame, rules: IdleRules, on: date) -> pl.DataFrame:
    warning = pl.duration(days=rules.warning.days)
    stall_recover = lit(rules.stalled.recover)
    not_started = ~col("started")
    status = (
        when(col("contract_id").is_null() | (col("agreed_start").is_null() & not_started)).then(lit(S.UNKNOWN.value))
        # not started: the marks of the effective start (= the agreed one without a government exception)
        .when(not_started & (col("effective_recover_on") <= on)).then(lit(S.RECOVER.value))
        .when(not_started & (col("effective_idle_on") <= on)).then(lit(S.IDLE.value))
        .when(not_started & col("gov")).then(lit(S.GOVERNMENT.value))
        .when(not_started & (col("effective_idle_on") - warning <= on)).then(lit(S.WARNING.value))
        .when(not_started).then(lit(S.NORMAL.value))
        # started, stalled: a government cause takes the stop over
        .when(col("stalled") & (col("stall_idle_on") <= on) & col("gov")).then(lit(S.GOVERNMENT.value))
        .when(col("stalled") & stall_recover & (col("stall_recover_on") <= on)).then(lit(S.RECOVER.value))
        .when(col("stalled") & (col("stall_idle_on") <= on)).then(lit(S.IDLE.value))
        .when(col("stalled") & (col("stall_idle_on") - warning <= on)).then(lit(S.WARNING.value))
        .otherwise(lit(S.STARTED.value))
    )
    frame = frame.with_columns(status=status)
    holder_idle = col("status").is_in([S.IDLE.value, S.RECOVER.value])
    share = rules.fee.share_pct
    next_mark = (
        when(col("status") == S.UNKNOWN.value).then(lit(None, pl.Date))
        .when(not_started & col("status").is_in([S.NORMAL.value, S.WARNING.value, S.GOVERNMENT.value]))
        .then(col("effective_idle_on"))
        .when(not_started).then(col("effective_recover_on"))
        .when(col("stalled") & stall_recover & (col("status") != S.GOVERNMENT.value)
              & (col("stall_idle_on") <= on)).then(col("stall_recover_on"))
        .when(col("stalled")).then(col("stall_idle_on"))
    )
    return frame.with_columns(
        idle_on=when(not_started).then(col("agreed_idle_on")).otherwise(
            when(col("stalled")).then(col("stall_idle_on"))),
        recover_on=when(not_started).then(col("agreed_recover_on")).otherwise(
            when(col("stalled") & stall_recover).then(col("stall_recover_on"))),
        extended_idle_on=when(col("gov")).then(col("effective_idle_on")),
        days_to_next=(next_mark - lit(on)).dt.total_days(),
        fee=when(holder_idle).then(col("land_price") * share / 100),
        government_caused=col("gov"),
    )


def _text(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String)


def _amount(expr: pl.Expr) -> pl.Expr:
    """万元 with two decimals: 1200 → "1200.00"."""
    return pl.format("{}.{}", expr.round(2).floor().cast(pl.Int64),
                     ((expr.round(2) - expr.round(2).floor()) * 100).round(0).cast(pl.Int64).cast(pl.String)
                     .str.zfill(2))


def _pct(expr: pl.Expr) -> pl.Expr:
    return pl.format("{}%", (expr * 100).round(1).cast(pl.String).str.strip_suffix(".0"))


def _explain(frame: pl.DataFrame, rules: IdleRules, on: date) -> pl.DataFrame:
    cause_labels = {c.value: str(c.label) for c in ExceptionCause}
    share = f"{rules.fee.share_pct:g}%"
    status = col("status")
    not_started = ~col("started")
    days_left = col("days_to_next")
    idle_text = (lit(f"（{rules.idle.article}）"))
    formula = when(col("fee").is_not_null()).then(pl.format(
        "土地闲置费 = 土地价款 {} 万元 × {} = {} 万元（{}）", _amount(col("land_price")), lit(share),
        _amount(col("fee")), lit(rules.fee.article)))
    reasons = [
        when(col("contract_id").is_null()).then(lit("地块已供应，但没有登记土地合同，无法计算闲置期限")),
        when(col("contract_id").is_not_null() & col("agreed_start").is_null() & not_started).then(
            pl.format("合同{}未填写约定动工日期，无法计算闲置期限", col("number").fill_null(""))),
        # the clock's facts of the agreed start
        when(col("agreed_start").is_not_null() & not_started).then(pl.format(
            "约定动工日期 {}，截至 {} 未动工；满{}年之日 {}，满{}年之日 {}", _text(col("agreed_start")), lit(str(on)),
            lit(rules.idle.years), _text(col("agreed_idle_on")), lit(rules.recover.years),
            _text(col("agreed_recover_on")))),
        when(col("gov")).then(pl.format(
            "政府原因：{}——{}（{}）", col("gov_cause").replace_strict(cause_labels, default=col("gov_cause")),
            col("gov_reason").fill_null(""), col("gov_article").fill_null(lit(rules.government.article)))),
        when(col("gov") & col("gov_capped")).then(pl.format(
            "登记的延长动工期限 {} 超过上限（约定动工日期后 {} 年），按 {} 计（{}）", _text(col("gov_asked")),
            lit(rules.government.extension_cap_years), _text(col("effective_start")),
            lit(rules.government.article))),
        when(col("gov") & not_started & col("agreed_start").is_not_null()).then(pl.format(
            "动工期限延长至 {}，按延长后的期限满{}年之日为 {}", _text(col("effective_start")), lit(rules.idle.years),
            _text(col("effective_idle_on")))),
        when(status == S.WARNING.value).then(pl.format(
            "距满一年认定闲置还有 {} 天（提前 {} 天预警，{}）", days_left, lit(rules.warning.days),
            lit(rules.warning.article))),
        when(not_started & (status == S.IDLE.value)).then(pl.format(
            "已于 {} 满{}年未动工开发，认定为闲置土地{}", _text(col("effective_idle_on")), lit(rules.idle.years),
            idle_text)),
        when(not_started & (status == S.RECOVER.value)).then(pl.format(
            "已于 {} 满{}年未动工开发，可无偿收回国有建设用地使用权（{}）", _text(col("effective_recover_on")),
            lit(rules.recover.years), lit(rules.recover.article))),
        when(not_started & (status == S.GOVERNMENT.value)).then(pl.format(
            "因政府原因延迟，不征缴土地闲置费；距延长后的期限满一年还有 {} 天", days_left)),
        when(col("started")).then(pl.format("已于 {} 动工开发", _text(col("actual_start")))),
        when(col("started") & col("agreed_start").is_not_null() & (col("actual_start") >= col("agreed_idle_on")))
        .then(pl.format("动工晚于约定动工日期满一年之日 {}", _text(col("agreed_idle_on")))),
        when(col("stalled")).then(pl.format(
            "已开发面积占 {}、已投资占 {}（低于 {} 或 {}），自 {} 中止开发；中止满{}年之日 {}（{}）",
            _pct(col("developed_share")).fill_null("—"), _pct(col("invested_share")).fill_null("—"),
            lit(_fraction_text(rules.stalled.developed_share_below)),
            lit(f"{rules.stalled.invested_share_below * 100:g}%"), _text(col("stopped_on")),
            lit(rules.stalled.stopped_years), _text(col("stall_idle_on")), lit(rules.stalled.article))),
        when(col("stall_facts_missing")).then(lit("已中止开发，但缺少已开发面积和投资数据，无法判断是否闲置")),
        when(col("started") & (status == S.GOVERNMENT.value)).then(lit("中止开发系政府原因，不征缴土地闲置费")),
        when(col("fee").is_null() & status.is_in([S.IDLE.value, S.RECOVER.value]) & col("land_price").is_null())
        .then(lit("缺少土地价款，无法计算土地闲置费")),
        when(col("started") & (status == S.IDLE.value)).then(pl.format(
            "中止开发满{}年，认定为闲置土地（{}）", lit(rules.stalled.stopped_years), lit(rules.stalled.article))),
        when((status == S.RECOVER.value) & col("fee").is_not_null()).then(lit("满一年时应征缴的土地闲置费仍列示")),
    ]
    return frame.with_columns(formula=formula.fill_null(""), reasons=pl.concat_list(reasons).list.drop_nulls())


def _fraction_text(value: float) -> str:
    fraction = Fraction(value).limit_denominator(100)
    return f"{fraction.numerator}/{fraction.denominator}" if fraction.denominator != 1 else f"{value:g}"
