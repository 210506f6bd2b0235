"""The TD/T 1029 zone evaluation engine: pure and vectorised (Polars), no database and no I/O.

Input: `accounts`, one row per zone and year (zone_id, zone_code, zone_name, year and the fields of fields.FIELDS in
公顷 / 万平方米 / 万元 / 人), holding the evaluation year and, for 尚可供地年数, the years before it; a validated
`Profile`; `StarBands`. Output: one row per zone with an account in `year`:
- indicators: a list of {code, name, goal, subgoal, unit, direction, ideal, weight (the product of the three levels'
  weights), value, score, formula, computation (the formula with its numbers), inputs, source, verified};
- total (集约度分值) and total_text; missing (indicators without data; their weight goes, in proportion, to the
  others of the same level — standards.md §1.5's sums over the indicators that have a value);
- potentials: a list of {code, name, value (公顷), text};
- supply_years (尚可供地年数 = E ÷ the mean yearly supply of the evaluation year and the two before it; a year's
  supply is the account's `supplied`, else D minus the year before's D) and supply_years_text;
- stars (the first band whose minimum the total reaches), rank (1 = highest total; ties share the rank) and rank_of.

Scores (standards.md §1.5, 理想值比例推算法): positive S = X / T × 100, capped at 100 when the profile says `cap`;
negative with T = 0: S = 100 − X (X in %), never below 0; negative with T > 0: 100 when X ≤ T, else T / X × 100.
"""

import polars as pl

from parkgov.zones.fields import FIELDS, GROUPS, display_name, unit_of
from parkgov.zones.formula import number_text, text_expr
from parkgov.zones.profile import Profile
from parkgov.zones.stars import StarBands


def with_codes(accounts: pl.DataFrame) -> pl.DataFrame:
    """The account fields under their formula names (A1 …) plus the group sums A–E (null when no part is stated)."""
    frame = accounts.with_columns([pl.col(f.field).cast(pl.Float64) for f in FIELDS if f.field in accounts.columns])
    frame = frame.rename({f.field: f.code for f in FIELDS if f.field in accounts.columns and f.field != f.code})
    filled = []
    for parts in GROUPS.values():  # a part left blank in a group with a stated part is 0 (as in the group's sum)
        stated = pl.any_horizontal([pl.col(p).is_not_null() for p in parts])
        filled += [pl.when(stated).then(pl.col(p).fill_null(0.0)).alias(p) for p in parts]
    frame = frame.with_columns(filled)
    return frame.with_columns([pl.when(pl.any_horizontal([pl.col(p).is_not_null() for p in parts]))
                               .then(pl.sum_horizontal([pl.col(p) for p in parts])).alias(group)
                               for group, parts in GROUPS.items()])


def _score(indicator, cap: bool) -> pl.Expr:
    x, t = pl.col(f"{indicator.code}__value"), indicator.ideal
    if indicator.direction == "positive":
        ratio = x / t * 100
        score = pl.min_horizontal(ratio, pl.lit(100.0)) if cap else ratio
    elif t == 0:
        score = pl.max_horizontal(pl.lit(100.0) - x, pl.lit(0.0))
    else:
        score = pl.when(x <= t).then(pl.lit(100.0)).otherwise(t / x * 100)
    return pl.when(x.is_not_null()).then(score).alias(f"{indicator.code}__score")


def _weighted(items) -> pl.Expr:
    """Σ w·S / Σ w over the items (expr, weight) whose score is not null; null when none has one."""
    num = pl.sum_horizontal([pl.when(e.is_not_null()).then(e * w).otherwise(0.0) for e, w in items])
    den = pl.sum_horizontal([pl.when(e.is_not_null()).then(pl.lit(w)).otherwise(0.0) for e, w in items])
    return pl.when(den > 0).then(num / den)


def indicator_values(frame: pl.DataFrame, profile: Profile) -> pl.DataFrame:
    """Each indicator's value, score and texts, the sub-goal, goal and total scores."""
    exprs = []
    for _goal, _sub, ind in profile.indicators:
        exprs.append(ind.parsed.expr().alias(f"{ind.code}__value"))
        exprs.append(text_expr(ind.parsed).alias(f"{ind.code}__computation"))
        exprs.append(inputs_text(ind.parsed.names).alias(f"{ind.code}__inputs"))
    frame = frame.with_columns(exprs)
    frame = frame.with_columns([_score(ind, profile.cap) for _g, _s, ind in profile.indicators])
    subs, goals = [], []
    for goal in profile.goals:
        for sub in goal.subgoals:
            subs.append(_weighted([(pl.col(f"{i.code}__score"), i.weight) for i in sub.indicators])
                        .alias(f"{goal.code}.{sub.code}__score"))
    frame = frame.with_columns(subs)
    for goal in profile.goals:
        goals.append(_weighted([(pl.col(f"{goal.code}.{s.code}__score"), s.weight) for s in goal.subgoals])
                     .alias(f"{goal.code}__score"))
    frame = frame.with_columns(goals)
    total = _weighted([(pl.col(f"{g.code}__score"), g.weight) for g in profile.goals])
    text = pl.concat_str([pl.concat_str([pl.lit(f"{g.name} {g.weight:g} × "), number_text(pl.col(f"{g.code}__score"))])
                          for g in profile.goals], separator=" + ")
    missing = pl.concat_list([pl.when(pl.col(f"{i.code}__value").is_null()).then(pl.lit(i.name))
                              for _g, _s, i in profile.indicators]).list.drop_nulls().list.join("、")
    return frame.with_columns(total.alias("total"), missing.alias("missing")).with_columns(
        pl.concat_str([text, pl.lit(" = "), number_text(pl.col("total"))]).alias("total_text"))


def inputs_text(names) -> pl.Expr:
    """"D = 600 公顷；总建筑面积 = 700 万平方米" for the formula's names."""
    return pl.concat_str([pl.concat_str([pl.lit(f"{display_name(n)} = "), number_text(pl.col(n)),
                                         pl.lit(f" {unit_of(n)}")]) for n in names], separator="；")


def potentials(frame: pl.DataFrame, profile: Profile) -> pl.DataFrame:
    """Each potential's value (公顷) and text."""
    by_code = {i.code: i for _g, _s, i in profile.indicators}
    exprs = []
    for p in profile.potentials:
        if p.formula is not None:
            parsed = p.parsed
            value = parsed.expr()
            text = pl.concat_str([pl.lit(f"{p.name} = {parsed.shown(display_name)} = "), text_expr(parsed), pl.lit(" = "),
                                  number_text(value), pl.lit(" 公顷")])
        else:
            gaps, texts = [], []
            for code in p.indicators:
                ind, x, base = by_code[code], pl.col(f"{code}__value"), pl.col(p.base)
                gap = base * pl.max_horizontal((ind.ideal - x) / 100, pl.lit(0.0)) if p.mode == "share" \
                    else base * pl.max_horizontal(1 - x / ind.ideal, pl.lit(0.0))
                shown = f"{p.base} × max(0, ({ind.ideal:g} − X) ÷ 100)" if p.mode == "share" \
                    else f"{p.base} × max(0, 1 − X ÷ {ind.ideal:g})"
                gaps.append(pl.when(x.is_not_null() & base.is_not_null()).then(gap))
                texts.append(pl.concat_str([pl.lit(f"{ind.name}：{shown}，X = "), number_text(x),
                                            pl.lit(" → "), number_text(gap), pl.lit(" 公顷")]))
            value = pl.max_horizontal(gaps)
            text = pl.concat_str([pl.lit(f"{p.name} = "), number_text(value), pl.lit(" 公顷（取最大者）："),
                                  pl.concat_str(texts, separator="；")])
        exprs += [value.alias(f"{p.code}__potential"), text.alias(f"{p.code}__potential_text")]
    return frame.with_columns(exprs) if exprs else frame


def supply_years(accounts: pl.DataFrame, *, year: int) -> pl.DataFrame:
    """zone_id, supply_years and supply_years_text from the accounts of year−3 … year (module docstring)."""
    frame = with_codes(accounts.filter(pl.col("year").is_between(year - 3, year)))
    previous = frame.select("zone_id", (pl.col("year") + 1).alias("year"), pl.col("D").alias("D_before"))
    frame = frame.join(previous, on=["zone_id", "year"], how="left").with_columns(
        pl.coalesce(pl.col("supplied"), pl.col("D") - pl.col("D_before")).alias("yearly"))
    window = frame.filter(pl.col("year").is_between(year - 2, year) & pl.col("yearly").is_not_null())
    means = window.group_by("zone_id").agg(pl.col("yearly").mean().alias("mean"), pl.len().alias("years"),
                                           pl.col("year").min().alias("first"))
    current = frame.filter(pl.col("year") == year).select("zone_id", "E").join(means, on="zone_id", how="left")
    value = pl.when(pl.col("mean") > 0).then(pl.col("E") / pl.col("mean"))
    text = pl.concat_str([pl.lit("尚可供地年数 = 尚可供应土地 E ÷ 近三年年均供地 = "), number_text(pl.col("E")),
                          pl.lit(" ÷ "), number_text(pl.col("mean")), pl.lit(" = "), number_text(value, 1),
                          pl.lit(" 年（"), pl.col("first").cast(pl.String).fill_null("—"), pl.lit(f"–{year} 年中有数据的 "),
                          pl.col("years").fill_null(0).cast(pl.String), pl.lit(" 年）")])
    return current.select("zone_id", value.alias("supply_years"), text.alias("supply_years_text"))


def evaluate(accounts: pl.DataFrame, profile: Profile, *, year: int, stars: StarBands) -> pl.DataFrame:
    """One row per zone with an account in `year` (module docstring)."""
    current = with_codes(accounts.filter(pl.col("year") == year))
    frame = potentials(indicator_values(current, profile), profile)
    frame = frame.join(supply_years(accounts, year=year), on="zone_id", how="left")
    star = pl.lit(None, dtype=pl.Int64)
    for band in reversed(stars.bands):
        star = pl.when(pl.col("total") >= band.minimum).then(pl.lit(band.stars)).otherwise(star)
    frame = frame.with_columns(star.alias("stars"),
                               pl.col("total").rank(method="min", descending=True).cast(pl.Int64).alias("rank"),
                               pl.lit(frame.get_column("total").drop_nulls().len()).alias("rank_of"))
    return frame.with_columns(_indicator_structs(profile), _potential_structs(profile)) \
        .sort(["rank", "zone_code"], nulls_last=True)


def _indicator_structs(profile: Profile) -> pl.Expr:
    items = []
    for goal, sub, ind in profile.indicators:
        items.append(pl.struct(
            pl.lit(ind.code).alias("code"), pl.lit(ind.name).alias("name"), pl.lit(goal.name).alias("goal"),
            pl.lit(sub.name).alias("subgoal"), pl.lit(ind.unit).alias("unit"), pl.lit(ind.direction).alias("direction"),
            pl.lit(ind.ideal).alias("ideal"), pl.lit(goal.weight * sub.weight * ind.weight).alias("weight"),
            pl.col(f"{ind.code}__value").alias("value"), pl.col(f"{ind.code}__score").alias("score"),
            pl.lit(ind.parsed.shown(display_name)).alias("formula"), pl.col(f"{ind.code}__computation").alias("computation"),
            pl.col(f"{ind.code}__inputs").alias("inputs"), pl.lit(ind.ideal_reason).alias("ideal_reason"),
            pl.lit(ind.source).alias("source"), pl.lit(ind.verified).alias("verified")))
    return pl.concat_list(items).alias("indicators")


def _potential_structs(profile: Profile) -> pl.Expr:
    if not profile.potentials:
        return pl.lit([]).alias("potentials")
    return pl.concat_list([pl.struct(pl.lit(p.code).alias("code"), pl.lit(p.name).alias("name"),
                                     pl.col(f"{p.code}__potential").alias("value"),
                                     pl.col(f"{p.code}__potential_text").alias("text"))
                           for p in profile.potentials]).alias("potentials")

