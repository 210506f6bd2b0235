"""The evaluation engine: a pure, vectorised function from firm frames and a rule set to results.

No database and no I/O. Every firm gets: population (or the reason it is not rated), land, each indicator's
value, benchmark, score and the text of how it was computed, bonuses/deductions, vetoes, total, rank,
percentile, class (A–D, or T when not rated), tier and policy charges.

Ranks follow the total score as published (rounded to the rule set's `publication.score_decimals`, desc);
ties are broken by the first indicator's value (desc), then the credit code (asc), so results never depend on
row order (docs/评价规则集.md). A total far above its population's median marks the firm 待复核
(`review_reason`, rule set `plausibility`).
"""

from dataclasses import dataclass

import polars as pl

from parkgov.errors import InputError
from parkgov.evaluation.conditions import to_expr
from parkgov.evaluation.fields import INPUT_FIELDS
from parkgov.evaluation.ruleset import RuleSet

CLASS_ORDER = {"A": 0, "B": 1, "C": 2, "D": 3}
NOT_IN_POPULATION = "不属于任何评价人群"
NO_FIGURES = "无本年度数据（评价税收、营业收入、增加值、产值均缺）"


@dataclass
class Evaluation:
    """Engine output: one row per firm, one row per park (zone), and the explanation templates.

    `explanations`: population id → indicator → the fixed parts of that indicator's explanation text
    (explain_template); with the numbers a result stores, explain_expr turns them into the text.
    """

    results: pl.DataFrame
    parks: pl.DataFrame
    explanations: dict


def evaluate(firms: pl.DataFrame, ruleset: RuleSet, *, year: int, previous: pl.DataFrame | None = None,
             history: pl.DataFrame | None = None, explain: bool = True) -> Evaluation:
    """Evaluate `firms` (one row per firm with the input fields, after land attribution) for `year`.

    `previous`: the previous year's firms frame (for previous_mean benchmarks).
    `history`: credit_code, year, klass of earlier years (for consecutive-year policies).
    `explain`: also build the per-indicator explanation texts as `<id>__explain` columns (the costliest part at a
    million firms). A stored run keeps the numbers instead and renders the texts when they are shown.
    """
    frame = _indicator_values(_prepare(firms.sort("credit_code"), ruleset), ruleset)
    prior = _indicator_values(_prepare(previous.sort("credit_code"), ruleset), ruleset) \
        if previous is not None else None
    parts = [_score_population(frame, ruleset, population, year, prior, explain) for population in ruleset.populations]
    # each population scores its own firms with no reason yet, so the rest are the firms no population scored
    unrated = frame.filter(pl.col("population").is_null() | pl.col("not_rated_reason").is_not_null())
    results = pl.concat(([p for p in parts if p.height] or parts[:1]) + [unrated], how="diagonal_relaxed")
    results = _vetoes(results, ruleset)
    results = results.with_columns(
        pl.when(pl.col("not_rated_reason").is_not_null()).then(pl.lit("T")).otherwise(pl.col("klass")).alias("klass"),
        pl.when(pl.col("not_rated_reason").is_not_null()).then(None).otherwise(pl.col("total")).alias("total"))
    results = _tiers(results, ruleset)
    results = _policies(results, ruleset, year, history)
    results = results.sort(["population_order", "rank", "credit_code"], nulls_last=True)
    return Evaluation(results=results, parks=park_aggregates(results), explanations=explanation_templates(ruleset, year))


def _prepare(firms: pl.DataFrame, ruleset: RuleSet) -> pl.DataFrame:
    """Assign each firm to the first population whose filter matches, and the first not-rated reason."""
    population = pl.lit(None, dtype=pl.String)
    order = pl.lit(None, dtype=pl.Int64)
    for index, item in reversed(list(enumerate(ruleset.populations))):
        population = pl.when(to_expr(item.filter)).then(pl.lit(item.id)).otherwise(population)
        order = pl.when(to_expr(item.filter)).then(pl.lit(index)).otherwise(order)
    reason = pl.when(population.is_null()).then(pl.lit(NOT_IN_POPULATION)).otherwise(pl.lit(None, dtype=pl.String))
    figures = [c for c in ("tax", "revenue", "value_added", "output_value") if c in firms.columns]
    if figures:
        no_figures = pl.all_horizontal([pl.col(c).is_null() for c in figures])
        reason = pl.when(no_figures).then(pl.lit(NO_FIGURES)).otherwise(reason)
    for rule in reversed(ruleset.not_rated):
        reason = pl.when(to_expr(rule.when)).then(pl.lit(rule.reason)).otherwise(reason)
    if "merged_into" in firms.columns:
        reason = pl.when(pl.col("merged_into").is_not_null()) \
            .then(pl.lit("承租企业并入出租方合并评价：") + pl.col("merged_into")).otherwise(reason)
    return firms.with_columns(population.alias("population"), order.alias("population_order"),
                              reason.alias("not_rated_reason"))


def _indicator_values(frame: pl.DataFrame, ruleset: RuleSet) -> pl.DataFrame:
    """`<id>__value` for every indicator: numerator / denominator × factor; null when undefined."""
    columns = []
    for key, indicator in ruleset.indicators.items():
        value = pl.col(indicator.numerator)
        if indicator.denominator:
            den = pl.col(indicator.denominator)
            value = pl.when(den.is_not_null() & (den != 0)).then(value / den).otherwise(None)
        value = value * indicator.factor
        columns.append(pl.when(value.is_finite()).then(value).otherwise(None).alias(f"{key}__value"))
    return frame.with_columns(columns) if columns else frame


def benchmark_text(item, year: int) -> str:
    """How an indicator's benchmark is set, as its explanation says it ('基准（固定值）')."""
    bench = item.benchmark
    if bench is None:
        return ""
    if bench.method == "fixed":
        return "基准（固定值）"
    if bench.method == "table":
        return f"基准（{year}年基准表）" if year in bench.table else f"基准表中没有 {year} 年"
    if bench.method == "population_mean":
        return f"基准 = 本人群均值 × {bench.k:g}"
    return f"基准 = 上年本人群均值 × {bench.k:g}"


def _benchmark(item, values: pl.Series, prior_values: pl.Series | None, year: int):
    bench = item.benchmark
    if bench is None:
        return None
    if bench.method == "fixed":
        return bench.value * bench.k
    if bench.method == "table":
        return bench.table[year] * bench.k if year in bench.table else None
    if bench.method == "population_mean":
        mean = values.drop_nulls().mean()
        return mean * bench.k if mean else None
    mean = prior_values.drop_nulls().mean() if prior_values is not None else None
    if not mean and values.drop_nulls().len():
        raise InputError(f"{year - 1} 年没有可用于计算基准的数据（{item.indicator} 的基准 = 上年均值 × {bench.k:g}），"
                         f"请先导入 {year - 1} 年的年度数据")
    return mean * bench.k if mean else None


def _score_population(frame, ruleset: RuleSet, population, year, prior, explain=True) -> pl.DataFrame:
    rows = frame.filter((pl.col("population") == population.id) & pl.col("not_rated_reason").is_null())
    prior_rows = prior.filter((pl.col("population") == population.id) & pl.col("not_rated_reason").is_null()) \
        if prior is not None else None
    score_columns, missing_reasons = [], []
    for item in population.indicators:
        indicator = ruleset.indicators[item.indicator]
        key = item.indicator
        values = rows.get_column(f"{key}__value")
        prior_values = prior_rows.get_column(f"{key}__value") if prior_rows is not None else None
        benchmark = _benchmark(item, values, prior_values, year)
        score = _score_expr(population.scoring, item, indicator, pl.col(f"{key}__value"), benchmark, values)
        rows = rows.with_columns(pl.lit(benchmark, dtype=pl.Float64).alias(f"{key}__benchmark"),
                                 score.alias(f"{key}__score"))
        filled, reason = _missing(rows, item, indicator, key)
        rows = rows.with_columns(filled.alias(f"{key}__score"))
        if explain:
            rows = rows.with_columns(explain_expr(explain_template(indicator, item, population.scoring, year),
                                                  **explain_columns(key, indicator)).alias(f"{key}__explain"))
        if reason is not None:
            missing_reasons.append(reason)
        score_columns.append(f"{key}__score")
    if missing_reasons:
        rows = rows.with_columns(pl.coalesce(missing_reasons).alias("not_rated_reason"))
    rows = _adjust(rows, ruleset, population)
    indicator_total = pl.sum_horizontal([pl.col(c) for c in score_columns]) if score_columns else pl.lit(None)
    rows = rows.with_columns((indicator_total + pl.col("bonus") - pl.col("deduction")).alias("total")
                             if score_columns else pl.lit(None, dtype=pl.Float64).alias("total"))
    rows = _plausibility(rows, ruleset, population)
    return _rank_and_class(rows, ruleset, population)


def _plausibility(rows, ruleset: RuleSet, population):
    """`review_reason`: why a rated firm's result needs review (待复核), null when nothing is implausible.

    A total above `median_factor` × the population's median total is implausible (a firm with almost no land has
    an enormous 亩均税收 score); the reason names the indicators whose values lie beyond the same factor of their
    median in their better direction, and the inputs to check. A population that is only tiered checks the tier
    indicator's value. Flagged firms keep their class: the flag asks a person to check the inputs.
    """
    check = ruleset.plausibility
    nothing = rows.with_columns(pl.lit(None, dtype=pl.String).alias("review_reason"))
    if check is None:
        return nothing
    factor, rated = check.median_factor, rows.filter(pl.col("not_rated_reason").is_null())
    keys = [item.indicator for item in population.indicators] or ([ruleset.tiers.indicator] if ruleset.tiers else [])
    causes = [_beyond_median(rated, ruleset.indicators[key], key, factor) for key in keys]
    causes = [cause for cause in causes if cause is not None]
    if population.indicators:
        median = rated.get_column("total").drop_nulls().median() if rated.height else None
        if not median or median <= 0:
            return nothing
        hit = pl.col("total") > factor * median
        causes.insert(0, pl.concat_str([pl.lit("总分 "), pl.col("total").round(2).cast(pl.String),
                                        pl.lit(f" 超过本人群中位数 {median:.4g} 的 {factor:g} 倍")]))
    elif causes:
        hit = pl.lit(True)
    else:
        return nothing
    # the text is built for the flagged rows only: a million rows of number-to-text would cost more than the rest
    flagged = rows.select(pl.arg_where(hit & pl.col("not_rated_reason").is_null())).to_series()
    text = pl.concat_str(causes, separator="；", ignore_nulls=True)
    texts = rows[flagged].select(pl.when(text != "").then(text).otherwise(None)).to_series()
    reason = pl.repeat(None, rows.height, dtype=pl.String, eager=True).scatter(flagged, texts) \
        if flagged.len() else pl.repeat(None, rows.height, dtype=pl.String, eager=True)
    return rows.with_columns(reason.alias("review_reason"))


def _beyond_median(rated, indicator, key, factor):
    """The text for a value beyond `factor` × the median (below median ÷ factor when lower is better), else null."""
    median = rated.get_column(f"{key}__value").median() if rated.height else None
    if not median or median <= 0:
        return None
    value = pl.col(f"{key}__value")
    hit = (value > factor * median) if indicator.higher_is_better else ((value > 0) & (value < median / factor))
    inputs = "、".join(INPUT_FIELDS[f][2] for f in (indicator.numerator, indicator.denominator) if f)
    return pl.when(hit).then(pl.concat_str([
        pl.lit(f"{indicator.name} "), value.round(4).cast(pl.String),
        pl.lit(f" {indicator.unit}，是本人群中位数 {median:.4g} 的 "), (value / median).round(1).cast(pl.String),
        pl.lit(f" 倍（复核线 {factor:g} 倍），请核对{inputs}")]))


def _score_expr(scoring, item, indicator, value, benchmark, values):
    if scoring == "minmax":
        low, high = values.drop_nulls().min(), values.drop_nulls().max()
        if low is None:
            return pl.lit(None, dtype=pl.Float64)
        spread = (high - low) if high != low else None
        position = (value - low) / spread if spread else pl.lit(1.0)
        if not indicator.higher_is_better:
            position = 1 - position
        return pl.when(value.is_not_null()).then(item.weight * (20 + 80 * position) / 100)
    if benchmark is None:
        return pl.lit(None, dtype=pl.Float64)
    ratio = value / benchmark if indicator.higher_is_better else pl.when(value > 0).then(benchmark / value)
    if item.cap is not None:
        ratio = pl.min_horizontal(ratio, pl.lit(item.cap))
    score = ratio * item.weight
    if item.floor is not None:
        score = pl.max_horizontal(score, pl.lit(item.floor * item.weight))
    return pl.when(value.is_not_null()).then(score)


def _missing(rows, item, indicator, key):
    """The score column with the missing-value rule applied, and a not-rated reason expression if any."""
    score = pl.col(f"{key}__score")
    if item.missing == "zero":
        return score.fill_null(0.0), None
    if item.missing == "population_mean_score":
        mean = rows.get_column(f"{key}__score").drop_nulls().mean()
        return score.fill_null(mean if mean is not None else 0.0), None
    reason = pl.when(pl.col(f"{key}__value").is_null()).then(pl.lit(f"缺少{indicator.name}所需数据"))
    return score, reason


def explanation_templates(ruleset: RuleSet, year: int) -> dict:
    """Population id → indicator → explain_template, for every scored indicator of the rule set in `year`."""
    return {population.id: {item.indicator: explain_template(ruleset.indicators[item.indicator], item,
                                                             population.scoring, year)
                            for item in population.indicators} for population in ruleset.populations}


def explain_template(indicator, item, scoring, year: int) -> dict:
    """The fixed parts of an indicator's explanation text, between which explain_expr puts the numbers."""
    numerator = INPUT_FIELDS[indicator.numerator]
    denominator = INPUT_FIELDS[indicator.denominator] if indicator.denominator else None
    if scoring == "minmax":
        score = f"得分 = {item.weight:g} × (20 + 80 × (值 − 最小值) ÷ (最大值 − 最小值)) ÷ 100 = "
        benchmark = None
    else:
        score = f"；得分 = 值 ÷ 基准 × {item.weight:g}" + (f"（比值上限 {item.cap:g}）" if item.cap else "") + " = "
        benchmark = f"{benchmark_text(item, year)} = "
    return {"head": f"{indicator.name} = {numerator[2]} ", "numerator_unit": numerator[1],
            "denominator": f" ÷ {denominator[2]} " if denominator else None,
            "denominator_unit": denominator[1] if denominator else "",
            "value": (f" × {indicator.factor:g}" if indicator.factor != 1 else "") + " = ",
            "unit": f" {indicator.unit}；", "benchmark": benchmark, "score": score,
            "missing": {"zero": "（数据缺失，按0分计）", "population_mean_score": "（数据缺失，按本人群该项平均得分计）",
                        "not_rated": "（数据缺失，不参评）"}[item.missing]}


def explain_columns(key, indicator) -> dict:
    """The columns of the engine's frame that explain_expr reads for an indicator."""
    return {"numerator": pl.col(indicator.numerator),
            "denominator": pl.col(indicator.denominator) if indicator.denominator else None,
            "value": pl.col(f"{key}__value"), "benchmark": pl.col(f"{key}__benchmark"),
            "score": pl.col(f"{key}__score")}


def explain_expr(template: dict, *, numerator, denominator, value, benchmark, score) -> pl.Expr:
    """'亩均税收 = 评价税收 1000 ÷ 用地面积 50 = 20.0000 万元/亩；基准 24.097（公布值）；得分 = …' from the
    template and the number expressions: the engine's columns, or a stored result's numbers read back."""
    def num(expr):
        return expr.round(4).cast(pl.String).fill_null("—")

    parts = [pl.lit(template["head"]), num(numerator), pl.lit(template["numerator_unit"])]
    if template["denominator"] is not None:
        parts += [pl.lit(template["denominator"]), num(denominator), pl.lit(template["denominator_unit"])]
    parts += [pl.lit(template["value"]), num(value), pl.lit(template["unit"])]
    if template["benchmark"] is not None:
        parts += [pl.lit(template["benchmark"]), num(benchmark)]
    parts += [pl.lit(template["score"]), num(score)]
    missing = pl.when(value.is_null()).then(pl.lit(template["missing"])).otherwise(pl.lit(""))
    return pl.concat_str(parts + [missing])


def _adjust(rows, ruleset: RuleSet, population):
    """Bonus and deduction points: `steps` per unit of the counted field, the last step repeating."""
    bonus, deduction, texts = pl.lit(0.0), pl.lit(0.0), []
    for item in ruleset.adjustments:
        if item.populations and population.id not in item.populations:
            continue
        count = pl.col(item.per).fill_null(0).floor()
        cumulative = [sum(item.steps[:i + 1]) for i in range(len(item.steps))]
        points = pl.lit(0.0)
        for units, total in reversed(list(enumerate(cumulative, start=1))):
            points = pl.when(count == units).then(pl.lit(total)).otherwise(points)
        beyond = pl.when(count > len(item.steps)).then(
            cumulative[-1] + (count - len(item.steps)) * item.steps[-1]).otherwise(points)
        if item.cap is not None:
            beyond = pl.min_horizontal(beyond, pl.lit(item.cap))
        if item.kind == "bonus":
            bonus = bonus + beyond
        else:
            deduction = deduction + beyond
        texts.append(pl.when(beyond > 0).then(pl.lit(f"{item.name}{'加' if item.kind == 'bonus' else '扣'}")
                                               + beyond.round(2).cast(pl.String) + pl.lit("分")))
    text = pl.concat_str(texts, separator="；", ignore_nulls=True) if texts else pl.lit(None, dtype=pl.String)
    return rows.with_columns(bonus.alias("bonus"), deduction.alias("deduction"), text.alias("adjustments"))


def _rank_and_class(rows, ruleset: RuleSet, population):
    if not population.indicators:  # tiers only (e.g. shengzhou-tiers): nothing to rank
        return rows.with_columns(pl.lit(None, dtype=pl.Int64).alias("rank"), pl.lit(None, dtype=pl.Int64)
                                 .alias("rank_of"), pl.lit(None, dtype=pl.Float64).alias("percentile"),
                                 pl.lit(None, dtype=pl.String).alias("klass"), pl.lit(population.name).alias("rank_group"))
    rated = pl.col("not_rated_reason").is_null()
    first = population.indicators[0].indicator if population.indicators else None
    group = _group_expr(ruleset, population)
    rows = rows.with_columns(group.alias("rank_group"))
    # ranked (and banded) on the total as published, so two firms the notice shows with equal totals are
    # ordered by the first indicator, as the ranking rule says, not by decimals nobody sees
    published = ruleset.publication
    ranked = pl.col("total").round(published.score_decimals) if published else pl.col("total")
    keys = ["__ranked_total"] + ([f"{first}__value"] if first else []) + ["credit_code"]
    rated_rows = rows.filter(rated).with_columns(ranked.alias("__ranked_total"))
    # the order as row numbers, ranks counted within each group in that order, then put back in row order
    order = rated_rows.select(pl.arg_sort_by(keys, descending=[True] * (len(keys) - 1) + [False],
                                             nulls_last=True)).to_series()
    ranks = rated_rows.select(pl.col("rank_group").gather(order)).with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("rank_group").alias("rank"),
        pl.len().over("rank_group").alias("rank_of")).select("rank", "rank_of")
    back = order.arg_sort()
    ordered = rated_rows.with_columns(ranks.get_column("rank").gather(back), ranks.get_column("rank_of").gather(back))
    ordered = ordered.with_columns((pl.col("rank") / pl.col("rank_of") * 100).alias("percentile"))
    ordered = ordered.with_columns(_class_expr(population).alias("klass")).drop("__ranked_total")
    return pl.concat([ordered, rows.filter(~rated)], how="diagonal_relaxed")


def _group_expr(ruleset, population):
    if not (population.classes and population.classes.group_by and ruleset.industry_groups):
        return pl.lit(population.name)
    group = pl.lit("其他")
    for name, divisions in reversed(list(ruleset.industry_groups.items())):
        group = pl.when(pl.col("industry_division").is_in(divisions)).then(pl.lit(name)).otherwise(group)
    return group


def _class_expr(population):
    classes = population.classes
    if classes is None:
        return pl.lit(None, dtype=pl.String)
    result = pl.lit(classes.bands[-1].klass)
    for band in reversed(classes.bands[:-1]):
        test = (pl.col("percentile") <= band.upper_percent + 1e-9) if classes.method == "rank_bands" \
            else (pl.col("__ranked_total") >= band.min_score)
        result = pl.when(test).then(pl.lit(band.klass)).otherwise(result)
    return result


def _vetoes(results, ruleset: RuleSet):
    """Apply veto rules to rated firms after banding; record their names."""
    texts = []
    klass = pl.col("klass")
    for veto in ruleset.vetoes:
        hit = to_expr(veto.when) & pl.col("not_rated_reason").is_null() & klass.is_not_null()
        if veto.action == "force_D":
            changed = pl.lit("D")
        elif veto.action == "cap_at_C":
            changed = pl.when(klass.is_in(["A", "B"])).then(pl.lit("C")).otherwise(klass)
        else:
            changed = klass.replace({"A": "B", "B": "C", "C": "D"})
        klass = pl.when(hit).then(changed).otherwise(klass)
        texts.append(pl.when(hit).then(pl.lit(veto.name)))
    if not texts:
        return results.with_columns(pl.col("klass").alias("class_before_veto"), pl.lit(None, dtype=pl.String)
                                    .alias("vetoes"))
    text = pl.concat_str(texts, separator="；", ignore_nulls=True)
    return results.with_columns(pl.col("klass").alias("class_before_veto"), klass.alias("klass"),
                                pl.when(text != "").then(text).alias("vetoes"))


def _tiers(results, ruleset: RuleSet):
    if ruleset.tiers is None:
        return results.with_columns(pl.lit(None, dtype=pl.String).alias("tier"))
    value = pl.col(f"{ruleset.tiers.indicator}__value")
    tier = pl.lit(None, dtype=pl.String)
    for band in reversed(ruleset.tiers.bands):
        tier = pl.when(value < band.below).then(pl.lit(band.name)).otherwise(tier)
    return results.with_columns(tier.alias("tier"))


def with_consecutive_years(results: pl.DataFrame, history: pl.DataFrame | None, year: int) -> pl.DataFrame:
    """Add `consecutive_years`: years in a row, this one included, that each firm has held its current class."""
    if history is None or not history.height:
        return results.with_columns(pl.lit(1, dtype=pl.Int64).alias("consecutive_years"))
    codes = results.select("credit_code", "klass")
    still, streak = pl.lit(True), pl.lit(1, dtype=pl.Int64)
    for back in range(1, int(year - history.get_column("year").min()) + 1):
        past = history.filter(pl.col("year") == year - back).select("credit_code", pl.col("klass").alias(f"__k{back}"))
        try:  # one class per firm and year, as class_history_frame gives it; else the last one counts
            codes = codes.join(past, on="credit_code", how="left", maintain_order="left", validate="m:1")
        except pl.exceptions.ComputeError:
            codes = codes.join(past.unique("credit_code", keep="last", maintain_order=True), on="credit_code",
                               how="left", maintain_order="left")
        still = still & (pl.col(f"__k{back}") == pl.col("klass")).fill_null(False)
        streak = streak + still.cast(pl.Int64)
    return results.with_columns(codes.select(streak.alias("consecutive_years")).to_series())


def _policies(results, ruleset: RuleSet, year, history):
    results = with_consecutive_years(results, history, year)
    by_element = {}
    for policy in ruleset.policies:
        by_element.setdefault(policy.element, []).append(policy)
    structs = []
    for element, policies in by_element.items():
        amount = pl.lit(None, dtype=pl.Float64)
        name = pl.lit(None, dtype=pl.String)
        ordered = sorted(policies, key=lambda p: p.amount) if ruleset.policy_combine == "max" else policies
        for policy in ordered:
            hit = (pl.col("klass") == policy.klass) & (pl.col("consecutive_years") >= policy.min_consecutive_years)
            if ruleset.policy_combine == "max":
                amount = pl.when(hit).then(pl.lit(policy.amount)).otherwise(amount)
                name = pl.when(hit).then(pl.lit(policy.name)).otherwise(name)
            else:
                amount = pl.when(hit).then(amount.fill_null(0) + policy.amount).otherwise(amount)
                name = pl.when(hit).then(pl.lit(policy.name)).otherwise(name)
        basis = policies[0].basis
        charge = (amount * pl.col(basis)) if basis else pl.lit(None, dtype=pl.Float64)
        structs.append(pl.when(amount.is_not_null()).then(pl.struct(
            pl.lit(element).alias("element"), name.alias("name"), amount.alias("amount"),
            pl.lit(policies[0].unit).alias("unit"), charge.alias("charge_10k_yuan"))))
    if not structs:
        return results.with_columns(pl.lit(None, dtype=pl.Float64).alias("charge_total"))
    results = results.with_columns(pl.concat_list(structs).list.eval(pl.element().drop_nulls()).alias("policies"))
    charges = pl.col("policies").list.eval(pl.element().struct.field("charge_10k_yuan")).list
    return results.with_columns((charges.sum() + 0.0).alias("charge_total"))  # + 0.0 turns −0.0 into 0.0


def park_aggregates(results: pl.DataFrame) -> pl.DataFrame:
    """Per zone: firms, land, 亩均税收 and 亩均增加值 (Σ/Σ), class counts, and the ranking of parks."""
    if "zone_code" not in results.columns:
        return pl.DataFrame()
    parks = results.group_by("zone_code").agg(
        pl.len().alias("firms"),
        pl.col("land_mu").sum().alias("land_mu"),
        pl.col("tax").sum().alias("tax"),
        pl.col("value_added").sum().alias("value_added"),
        *[(pl.col("klass") == k).sum().alias(f"class_{k}") for k in ("A", "B", "C", "D", "T")],
    ).with_columns(
        pl.when(pl.col("land_mu") > 0).then(pl.col("tax") / pl.col("land_mu")).alias("tax_per_mu"),
        pl.when(pl.col("land_mu") > 0).then(pl.col("value_added") / pl.col("land_mu")).alias("value_added_per_mu"),
    )
    return parks.sort(["tax_per_mu", "zone_code"], descending=[True, False], nulls_last=True) \
        .with_columns(pl.int_range(1, pl.len() + 1).alias("park_rank"))
