"""The 达产复核 engine: a pure, vectorised function from contract frames and the 标准地 rules to one check per
contract. No database and no I/O.

Inputs (Polars frames; extra columns are ignored):
- contracts: contract_id, parcel_id, enterprise_id (nullable), zone_id, breach_rule, agreed_completion,
  agreed_production (dates, nullable), invested, total_investment, developed_area_m2 (万元 / m², nullable).
- commitments: contract_id, code (indicator code of supply/data/indicators.yaml), committed (float).
- parcels: parcel_id, registered_area_m2, floor_area_m2, footprint_area_m2, land_price (万元).
- figures: enterprise_id, year and the yearly fields (tax, revenue, value_added, energy_tce, emissions_t,
  rd_expense, fixed_investment …); `yearly.x` reads the data year, `yearly_total.x` sums the years up to it.
- previous: contract_id, failures (int), rectify_by (date, nullable) — each contract's latest check in an
  earlier run (as of an earlier date); empty when there is none.

Rules: an indicator of stage 竣工 is due from the agreed 竣工 date (that day included), one of stage 达产 from
the agreed 达产 date. Not one indicator due → not_due. A due indicator is met when its actual reaches the
commitment (direction >=) or does not exceed it (<=); the shortfall is in percentage points of the commitment.
Damages = land price × rule.rate_per_point_pct % × the shortfall points (summed or the largest, rule.combine),
at most rule.cap_pct % of the land price. The first failure gives a rectification period of
rule.rectification_days from the as-of date; a failure found within a running period keeps that period
(rectifying); a failure after it counts once more, and the rule.recovery_after-th failure means recovery
(收回 / 回购). Unmet indicators take precedence; otherwise a due indicator without figures → no_data with the
missing figures named.

Output: one row per contract: contract_id, parcel_id, enterprise_id, zone_id, status (CommitmentStatus code),
indicators (list of structs code, name, unit, stage, due, committed, actual, met, shortfall_pct), damages (万元),
formula, next_step, rectify_by, failures, reasons (list of str).
"""

import datetime as dt

import polars as pl

from parkgov.supply.contract_rules import BreachRule, IndicatorSet, source_label
from parkgov.units import square_metres_to_mu

YEARLY_FIELDS = ("tax", "revenue", "output_value", "value_added", "energy_tce", "emissions_t", "rd_expense",
                 "employees", "fixed_investment")


def _num(expr: pl.Expr, decimals: int = 2) -> pl.Expr:
    """A number as short text: 150, 12.5, 1.25 (rounded, trailing zeros dropped)."""
    text = expr.round(decimals).cast(pl.String)
    return text.str.replace(r"\.0+$", "").str.replace(r"(\.\d*?[1-9])0+$", "$1")


def _actuals(base: pl.DataFrame, indicators: IndicatorSet) -> pl.DataFrame:
    """contract_id, code, actual: each indicator's value computed from its sources."""
    exprs = []
    for indicator in indicators.indicators:
        numerator = pl.coalesce([pl.col(s) for s in indicator.numerator])
        denominator = pl.col(indicator.denominator)
        value = pl.when(denominator > 0).then(numerator / denominator * indicator.scale)
        exprs.append(value.cast(pl.Float64).alias(indicator.code))
    wide = base.select("contract_id", *exprs)
    return wide.unpivot(index="contract_id", variable_name="code", value_name="actual")


def _base(contracts, parcels, figures, year):
    for column, dtype in (("enterprise_id", pl.Int64), ("year", pl.Int64)):
        if column not in figures.columns:
            figures = figures.with_columns(pl.lit(None, dtype=dtype).alias(column))
    figures = figures.with_columns(pl.col("enterprise_id").cast(pl.Int64), pl.col("year").cast(pl.Int64))
    yearly = figures.filter(pl.col("year") == year).select(
        "enterprise_id", *[pl.col(f).cast(pl.Float64).alias(f"yearly.{f}") for f in YEARLY_FIELDS if f in figures.columns])
    totals = figures.filter(pl.col("year") <= year).group_by("enterprise_id").agg(
        *[pl.col(f).cast(pl.Float64).sum().alias(f"yearly_total.{f}") for f in YEARLY_FIELDS if f in figures.columns])
    parcel_cols = parcels.select(
        "parcel_id", pl.col("land_price").cast(pl.Float64),
        *[pl.col(c).cast(pl.Float64).alias(f"parcel.{c}") for c in ("registered_area_m2", "floor_area_m2",
                                                                   "footprint_area_m2")],
        square_metres_to_mu(pl.col("registered_area_m2").cast(pl.Float64)).alias("parcel.land_mu"))
    base = contracts.join(parcel_cols, on="parcel_id", how="left") \
        .join(yearly, on="enterprise_id", how="left").join(totals, on="enterprise_id", how="left")
    base = base.with_columns(*[pl.col(c).cast(pl.Float64).alias(f"contract.{c}")
                               for c in ("invested", "total_investment", "developed_area_m2")])
    for source in [f"yearly.{f}" for f in YEARLY_FIELDS] + [f"yearly_total.{f}" for f in YEARLY_FIELDS]:
        if source not in base.columns:
            base = base.with_columns(pl.lit(None, dtype=pl.Float64).alias(source))
    return base


def _indicator_frame(indicators: IndicatorSet) -> pl.DataFrame:
    rows = [{"code": i.code, "name": i.name, "unit": i.unit, "direction": i.direction, "stage": i.stage,
             "order": n, "sources": "、".join(dict.fromkeys(source_label(s) for s in [*i.numerator, i.denominator]))}
            for n, i in enumerate(indicators.indicators)]
    return pl.DataFrame(rows)


def _rule_frame(rules: dict) -> pl.DataFrame:
    rows = [{"breach_rule": r.id, "rate": r.rate_per_point_pct, "cap": r.cap_pct, "combine": r.combine,
             "days": r.rectification_days, "recovery_after": r.recovery_after, "recovery": r.recovery}
            for r in rules.values()]
    return pl.DataFrame(rows)


def _per_indicator(commitments, actuals, base, indicators, on, year):
    due_from = pl.when(pl.col("stage") == "completion").then(pl.col("agreed_completion")) \
        .otherwise(pl.col("agreed_production"))
    frame = commitments.select("contract_id", "code", pl.col("committed").cast(pl.Float64)) \
        .join(_indicator_frame(indicators), on="code", how="inner") \
        .join(actuals, on=["contract_id", "code"], how="left") \
        .join(base.select("contract_id", "agreed_completion", "agreed_production"), on="contract_id", how="inner") \
        .with_columns(due_from.alias("due_from"))
    frame = frame.with_columns((pl.col("due_from") <= on).fill_null(False).alias("due"))
    gap = pl.when(pl.col("direction") == ">=").then(pl.col("committed") - pl.col("actual")) \
        .otherwise(pl.col("actual") - pl.col("committed"))
    shortfall = pl.when(pl.col("committed") > 0).then(pl.max_horizontal(gap, 0) / pl.col("committed") * 100) \
        .otherwise(pl.when(gap > 0).then(100.0).otherwise(0.0))
    frame = frame.with_columns(
        pl.when(pl.col("due") & pl.col("actual").is_not_null()).then(shortfall.round(2)).alias("shortfall_pct"),
        pl.col("actual").round(4))
    frame = frame.with_columns(pl.when(pl.col("shortfall_pct").is_not_null())
                               .then(pl.col("shortfall_pct") == 0).alias("met"))
    unit = pl.when(pl.col("unit") == "").then(pl.lit("")).otherwise(pl.lit(" ") + pl.col("unit"))
    stage = pl.when(pl.col("stage") == "completion").then(pl.lit("竣工")).otherwise(pl.lit("达产"))
    reason = (
        pl.when(~pl.col("due") & pl.col("due_from").is_null())
        .then(pl.format("{}：未约定{}日期，无法确定复核时间", pl.col("name"), stage))
        .when(~pl.col("due"))
        .then(pl.format("{}：{}指标，自约定{}日期 {} 起复核", pl.col("name"), stage, stage,
                        pl.col("due_from").dt.strftime("%Y-%m-%d")))
        .when(pl.col("actual").is_null())
        .then(pl.format("{}：缺少数据（{}，{}年度）", pl.col("name"), pl.col("sources"), pl.lit(year)))
        .when(~pl.col("met"))
        .then(pl.format("{}：实际 {}{}，承诺 {} {}{}，短缺 {} 个百分点", pl.col("name"), _num(pl.col("actual")), unit,
                        pl.when(pl.col("direction") == ">=").then(pl.lit("≥")).otherwise(pl.lit("≤")),
                        _num(pl.col("committed")), unit, _num(pl.col("shortfall_pct"))))
    )
    return frame.with_columns(reason.alias("reason")).sort(["contract_id", "order"])


def evaluate(*, contracts: pl.DataFrame, commitments: pl.DataFrame, parcels: pl.DataFrame, figures: pl.DataFrame,
             previous: pl.DataFrame, indicators: IndicatorSet, rules: dict[str, BreachRule], on: dt.date,
             year: int) -> pl.DataFrame:
    """The 达产复核 of every contract in `contracts` as of `on` with the figures of `year` (see the module doc)."""
    base = _base(contracts, parcels, figures, year)
    per = _per_indicator(commitments, _actuals(base, indicators), base, indicators, on, year)
    failed = pl.col("due") & (pl.col("met") == False)  # noqa: E712 - a Polars expression, not a Python bool
    agg = per.group_by("contract_id").agg(
        pl.struct("code", "name", "unit", "stage", "due", "committed", "actual", "met", "shortfall_pct")
        .alias("indicators"),
        pl.col("due").sum().alias("n_due"),
        (pl.col("due") & pl.col("actual").is_null()).sum().alias("n_missing"),
        failed.sum().alias("n_failed"),
        pl.col("shortfall_pct").filter(failed).sum().alias("points_sum"),
        pl.col("shortfall_pct").filter(failed).max().alias("points_max"),
        pl.col("reason").filter(pl.col("due").not_() | pl.col("actual").is_null() | failed).alias("reasons"),
        pl.format("{} {}", pl.col("name"), _num(pl.col("shortfall_pct"))).filter(failed).alias("parts"))
    frame = base.select("contract_id", "parcel_id", "enterprise_id", "zone_id", "breach_rule", "land_price",
                        "agreed_completion", "agreed_production") \
        .join(agg, on="contract_id", how="left") \
        .join(_rule_frame(rules), on="breach_rule", how="left") \
        .join(previous.select("contract_id", pl.col("failures").cast(pl.Int64).alias("prev_failures"),
                              pl.col("rectify_by").cast(pl.Date).alias("prev_rectify_by")),
              on="contract_id", how="left")
    frame = frame.with_columns(pl.col("n_due", "n_missing", "n_failed").fill_null(0),
                               pl.col("prev_failures").fill_null(0),
                               pl.col("reasons").fill_null(pl.lit([], dtype=pl.List(pl.String))))
    return _decide(frame, on).sort("contract_id")


def _decide(frame: pl.DataFrame, on: dt.date) -> pl.DataFrame:
    points = pl.when(pl.col("combine") == "max").then(pl.col("points_max")).otherwise(pl.col("points_sum"))
    frame = frame.with_columns(points.round(2).alias("points"))
    raw = pl.col("land_price") * pl.col("rate") / 100 * pl.col("points")
    cap = pl.col("land_price") * pl.col("cap") / 100
    failing = pl.col("n_failed") > 0
    frame = frame.with_columns(raw.round(2).alias("raw"), cap.round(2).alias("cap_amount"))
    frame = frame.with_columns(pl.when(failing).then(pl.min_horizontal("raw", "cap_amount")).alias("damages"))
    shortfall_text = pl.when(pl.col("n_failed") > 1).then(
        pl.when(pl.col("combine") == "max")
        .then(pl.format("短缺 {} 个百分点（取最大：{}）", _num(pl.col("points")), pl.col("parts").list.join("、")))
        .otherwise(pl.format("短缺 {} 个百分点（合计：{}）", _num(pl.col("points")), pl.col("parts").list.join(" + ")))
    ).otherwise(pl.format("短缺 {} 个百分点", _num(pl.col("points"))))
    formula = pl.format("土地价款 {} 万元 × {}% × {} = {} 万元", _num(pl.col("land_price")), _num(pl.col("rate")),
                        shortfall_text, _num(pl.col("raw")))
    capped = pl.when(pl.col("raw") > pl.col("cap_amount")).then(
        pl.format("{}，超过上限 {} 万元（土地价款的 {}%），按上限计", formula, _num(pl.col("cap_amount")), _num(pl.col("cap")))
    ).otherwise(pl.format("{}，上限 {} 万元（土地价款的 {}%）", formula, _num(pl.col("cap_amount")), _num(pl.col("cap"))))
    frame = frame.with_columns(
        pl.when(failing & pl.col("land_price").is_not_null() & pl.col("rate").is_not_null()).then(capped)
        .otherwise(pl.lit("")).alias("formula"))

    in_period = (pl.col("prev_failures") >= 1) & pl.col("prev_rectify_by").is_not_null() \
        & (pl.lit(on) <= pl.col("prev_rectify_by"))
    counted = pl.when(failing & ~in_period).then(pl.col("prev_failures") + 1).otherwise(pl.col("prev_failures"))
    frame = frame.with_columns(counted.alias("failures"))
    recovery = failing & ~in_period & (pl.col("failures") >= pl.col("recovery_after"))
    status = (pl.when(pl.col("rate").is_null()).then(pl.lit("no_data"))
              .when(pl.col("n_due") == 0).then(pl.lit("not_due"))
              .when(failing & in_period).then(pl.lit("rectifying"))
              .when(recovery).then(pl.lit("recovery"))
              .when(failing).then(pl.lit("not_met"))
              .when(pl.col("n_missing") > 0).then(pl.lit("no_data"))
              .otherwise(pl.lit("met")))
    frame = frame.with_columns(status.alias("status"))
    rectify_by = pl.when(pl.col("status") == "rectifying").then(pl.col("prev_rectify_by")) \
        .when(pl.col("status") == "not_met").then(pl.lit(on) + pl.duration(days=pl.col("days")))
    frame = frame.with_columns(rectify_by.cast(pl.Date).alias("rectify_by"))
    next_from = pl.min_horizontal("agreed_completion", "agreed_production")
    next_step = (
        pl.when(pl.col("rate").is_null()).then(pl.lit("补充有效的违约规则"))
        .when(pl.col("status") == "not_due").then(
            pl.when(next_from.is_null()).then(pl.lit("补充约定竣工、达产日期"))
            .otherwise(pl.format("{} 起复核", next_from.dt.strftime("%Y-%m-%d"))))
        .when(pl.col("status") == "rectifying").then(
            pl.format("整改期内，{} 期满后再次复核；仍未达标将{}", pl.col("rectify_by").dt.strftime("%Y-%m-%d"),
                      pl.col("recovery")))
        .when(pl.col("status") == "recovery").then(
            pl.format("第 {} 次未达标，依约{}土地使用权", pl.col("failures"), pl.col("recovery")))
        .when(pl.col("status") == "not_met").then(
            pl.format("限期整改至 {}，期满后再次复核（第 {} 次未达标将{}）", pl.col("rectify_by").dt.strftime("%Y-%m-%d"),
                      pl.col("recovery_after"), pl.col("recovery")))
        .when(pl.col("status") == "no_data").then(pl.lit("补报缺少的数据后复核"))
        .otherwise(pl.lit("无需处置")))
    extra = (pl.when(pl.col("rate").is_null())
             .then(pl.concat_list(pl.format("违约规则「{}」不存在", pl.col("breach_rule").fill_null(""))))
             .when(failing & pl.col("land_price").is_null()).then(pl.concat_list(pl.lit("地块无土地价款，无法计算违约金")))
             .otherwise(pl.lit([], dtype=pl.List(pl.String))))
    frame = frame.with_columns(next_step.alias("next_step"),
                               pl.concat_list("reasons", extra).alias("reasons"),
                               pl.col("failures").cast(pl.Int64))
    return frame.select("contract_id", "parcel_id", "enterprise_id", "zone_id", "status", "indicators", "damages",
                        "formula", "next_step", "rectify_by", "failures", "reasons")
