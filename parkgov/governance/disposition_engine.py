"""四个一批 suggestion engine: pure and vectorised, one Polars pass over the listed parcels.

Input frame, one row per parcel:
  parcel_id (Int64), year (Int64: the list year, for building age), plan_share (Float64, null = unknown),
  classes (List[String]: evaluation classes A–D of the parcel's firms), tiers (List[String]: their tier names;
  every list column unique and sorted, as the reasons show it),
  building_year (Int64, null = not recorded), building_quality (String: good/fair/poor/dangerous or ""),
  open_findings (Int64: findings not closed on the parcel or its firms), unfixable_findings (Int64: of those,
  the ones marked not rectifiable), industry_codes (List[String]: GB/T 4754 codes of the parcel's firms).
Output: parcel_id, suggested (disposition code), rule (the rule's name), reasons (List[String], Chinese): the
rule that matched first, then one sentence per criterion with the parcel's value and the threshold.
A parcel's firms count together: the parcel is low-efficiency when one of its firms is, backward capacity
when one of its firms' industries is listed. No database, no I/O.
"""

import polars as pl
from django.utils import translation

from parkgov.governance.disposition_criteria import FACTS as FACT_NAMES, Criteria
from parkgov.ledger.choices import BuildingQuality

COLUMNS = {"parcel_id": pl.Int64, "year": pl.Int64, "plan_share": pl.Float64, "classes": pl.List(pl.String),
           "tiers": pl.List(pl.String), "building_year": pl.Int64, "building_quality": pl.String,
           "open_findings": pl.Int64, "unfixable_findings": pl.Int64, "industry_codes": pl.List(pl.String)}


def _labels(choices) -> dict:
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices.choices}


def _any_in(column: str, values) -> pl.Expr:
    return pl.col(column).list.eval(pl.element().is_in(list(values))).list.any().fill_null(False)


def facts(criteria: Criteria) -> dict[str, pl.Expr]:
    """Each fact of the criteria as a boolean expression over the input frame."""
    plan, eff, build = criteria.plan_compliance, criteria.efficiency, criteria.buildings
    prefixes = criteria.backward_capacity.industry_codes
    backward = pl.lit(False)
    for prefix in prefixes:
        backward = backward | pl.col("industry_codes").list.eval(pl.element().str.starts_with(prefix)).list.any()
    return {
        "complies_with_plan": pl.when(pl.col("plan_share").is_null()).then(pl.lit(plan.when_unknown == "complies"))
        .otherwise(pl.col("plan_share") >= plan.min_share),
        "low_efficiency": _any_in("classes", eff.low.classes) | _any_in("tiers", eff.low.tiers),
        "lower_efficiency": _any_in("classes", eff.lower.classes) | _any_in("tiers", eff.lower.tiers),
        "old_buildings": (pl.col("year") - pl.col("building_year") >= build.old_age_years).fill_null(False),
        "poor_buildings": pl.col("building_quality").is_in(build.poor_quality).fill_null(False),
        "open_findings": pl.col("open_findings").fill_null(0) > 0,
        "unfixable_findings": pl.col("unfixable_findings").fill_null(0) > 0,
        "backward_capacity": backward.fill_null(False),
    }


def _fact(name: str, known: dict) -> pl.Expr:
    if name.startswith("not "):
        return ~known[name[4:].strip()]
    return known[name]


def _rule_holds(rule, known) -> pl.Expr:
    held = pl.lit(True)
    for name in rule.all:
        held = held & _fact(name, known)
    if rule.any:
        some = pl.lit(False)
        for name in rule.any:
            some = some | _fact(name, known)
        held = held & some
    return held


def _joined(column: str) -> pl.Expr:
    text = pl.col(column).list.join("、")  # the lists come unique and sorted (disposition_inputs)
    return pl.when(text.fill_null("") == "").then(pl.lit("无")).otherwise(text)


def _reason_texts(criteria: Criteria, known: dict) -> list[pl.Expr]:
    plan, eff, build = criteria.plan_compliance, criteria.efficiency, criteria.buildings
    share = (pl.col("plan_share") * 100).round(1).cast(pl.String)
    unknown = "符合" if plan.when_unknown == "complies" else "不符合"
    plan_text = pl.when(pl.col("plan_share").is_null()).then(
        pl.lit(f"规划符合性：无规划用地图层或地块无图形，按{unknown}规划处理")).otherwise(pl.format(
            "规划符合性：规划工业用地（{}）占地块面积 {}%，{} {}%，{}", pl.lit("、".join(plan.industrial_codes)), share,
            pl.when(known["complies_with_plan"]).then(pl.lit("达到")).otherwise(pl.lit("低于")),
            pl.lit(f"{plan.min_share * 100:g}"),
            pl.when(known["complies_with_plan"]).then(pl.lit("符合规划")).otherwise(pl.lit("不符合规划"))))
    low = "、".join(eff.low.classes + eff.low.tiers)
    lower = "、".join(eff.lower.classes + eff.lower.tiers)
    eff_text = pl.format("亩均效益：评价类别 {}，档位 {}；{}", _joined("classes"), _joined("tiers"),
                         pl.when(known["low_efficiency"]).then(pl.lit(f"属亩均效益低（{low}）"))
                         .when(known["lower_efficiency"]).then(pl.lit(f"属亩均效益较低（{lower}）"))
                         .otherwise(pl.lit(f"不属亩均效益较低（{lower}）")))
    qualities = _labels(BuildingQuality)
    quality = pl.col("building_quality").replace_strict(qualities, default="未填").fill_null("未填")
    age = (pl.col("year") - pl.col("building_year")).cast(pl.String)
    poor = "、".join(qualities[q] for q in build.poor_quality)
    build_text = pl.format("建筑：建成年份 {}，{}；房屋质量 {}{}",
                           pl.col("building_year").cast(pl.String).fill_null("未填"),
                           pl.when(pl.col("building_year").is_null()).then(pl.lit("房龄未知"))
                           .otherwise(pl.format("房龄 {} 年（{} {} 年为老旧）", age,
                                                pl.when(known["old_buildings"]).then(pl.lit("≥"))
                                                .otherwise(pl.lit("<")), pl.lit(str(build.old_age_years)))),
                           quality, pl.when(known["poor_buildings"]).then(pl.lit(f"（属建筑质量差：{poor}）"))
                           .otherwise(pl.lit("")))
    find_text = pl.format("检查发现：未销号 {} 条，其中经认定不可整改达标 {} 条",
                          pl.col("open_findings").fill_null(0).cast(pl.String),
                          pl.col("unfixable_findings").fill_null(0).cast(pl.String))
    listed = "、".join(criteria.backward_capacity.industry_codes)
    back_text = pl.format("落后产能：企业行业代码 {}，{}", _joined("industry_codes"),
                          pl.when(known["backward_capacity"]).then(pl.lit(f"属淘汰类行业清单（{listed}）"))
                          .otherwise(pl.lit(f"不在淘汰类行业清单（{listed}）")))
    return [plan_text, eff_text, build_text, find_text, back_text]


def suggest(frame: pl.DataFrame, criteria: Criteria) -> pl.DataFrame:
    """One suggestion per parcel: the first rule of `criteria` that holds (else the default), with reasons."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"四个一批输入缺少列：{', '.join(missing)}")
    frame = frame.select([pl.col(c).cast(t) for c, t in COLUMNS.items()])
    # each fact computed once into a column; the rules and the reasons then read the columns
    frame = frame.with_columns(expr.alias(f"__{name}") for name, expr in facts(criteria).items())
    known = {name: pl.col(f"__{name}") for name in FACT_NAMES}
    chosen, named = None, None
    for rule in criteria.rules:
        holds = _rule_holds(rule, known)
        chosen = (pl.when(holds) if chosen is None else chosen.when(holds)).then(pl.lit(rule.disposition))
        named = (pl.when(holds) if named is None else named.when(holds)).then(pl.lit(rule.name))
    chosen = chosen.otherwise(pl.lit(criteria.default))
    named = named.otherwise(pl.lit(criteria.default_name))
    head = pl.format("建议{}（{} 第 {} 版）", pl.col("rule"), pl.lit(criteria.name), pl.lit(str(criteria.version)))
    out = frame.with_columns(chosen.alias("suggested"), named.alias("rule"))
    return out.select("parcel_id", "suggested", "rule",
                      pl.concat_list([head] + _reason_texts(criteria, known)).alias("reasons"))
