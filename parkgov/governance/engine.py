"""The list engine: a pure, vectorised function from input frames and one list rule to the list's entries.

`generate(inputs, rule)` reads only `inputs` (parkgov.governance.frames.ListInputs) — no database, no I/O —
and returns one row per listed subject, sorted by subject_key, with the columns of OUTPUT_SCHEMA:
subject_key (credit code or parcel code), enterprise_id, parcel_id, zone_id, category (the first of the rule's
categories the subject meets), reasons (Chinese texts, one per condition that held, naming the measure, its
value and the threshold: "亩均税收 3.2 万元/亩 < 5 万元/亩"; those of the category listed under first, then those
of the other categories met, one per measure; `where` is the list's scope and gives no reason) and values (JSON
of the measured values that held, by measure key). Explanations are built only for the rows and conditions that
hold, so their cost follows the size of the list, not of the ledger.

How subjects are built (docs/user-guide/lists.md):
- a firm: its ledger row, its figures of the list year, its result in the chosen evaluation run (final class),
  `class_d_years` (years in a row, this one included, in class D), its main parcel (a holder's link before a
  tenant's, then the largest linked land area, then the lowest id);
- a parcel: its ledger row with 容积率 and 建筑系数 over the registered area, `full_years_since_supply`
  (anniversaries of the supply date reached by `as_of`), the firms linked to it during the year, their tax
  shared by linked land area (equally when no link gives an area), its main firm (as above) and the lowest class.
- a finding is open when found by `as_of` and not 销号 by then; a parcel's findings are its own and those of the
  firms linked to it; a firm's distance to a layer is its nearest linked parcel's (parkgov.governance.proximity).
Null never matches a comparison, so a subject without the figure a condition needs is not listed by it.
"""

import numpy as np
import polars as pl
import shapely

from parkgov.errors import InputError
from parkgov.governance import listfields as vocab
from parkgov.governance import proximity
from parkgov.governance.frames import ListInputs
from parkgov.governance.listrules import Condition, ListRule
from parkgov.governance.reasons import is_text, leaf_text, negation_text, number_expr
from parkgov.units import square_metres_to_mu

OUTPUT_SCHEMA = {"subject_key": pl.String, "enterprise_id": pl.Int64, "parcel_id": pl.Int64, "zone_id": pl.Int64,
                 "category": pl.String, "reasons": pl.List(pl.String), "values": pl.String}
SEVERITY_RANK = {"minor": 1, "serious": 2, "major": 3}
CLASS_RANK = {"A": 1, "B": 2, "C": 3, "D": 4}
ID = {"enterprise": "enterprise_id", "parcel": "parcel_id"}
EXPLAINED = ("reasons", "values")
# Derived ratios are rounded so a value at a threshold compares as written: 80 ÷ 100 − 1 is −0.19999999999999996
# in floating point, and −20 % must not count as "fell by less than 20 %".
RATIO_DECIMALS = 9

_COMPARE = {
    "eq": lambda c, v: c == v, "ne": lambda c, v: c != v, "lt": lambda c, v: c < v, "le": lambda c, v: c <= v,
    "gt": lambda c, v: c > v, "ge": lambda c, v: c >= v, "in": lambda c, v: c.is_in(v),
    "not_in": lambda c, v: ~c.is_in(v),
    "prefix_in": lambda c, v: pl.any_horizontal([c.str.starts_with(p) for p in v]),
}


def generate(inputs: ListInputs, rule: ListRule) -> pl.DataFrame:
    """The entries of `rule`'s list over `inputs` (see the module docstring for the contract)."""
    if rule.needs_evaluation and inputs.evaluation_run_id is None:
        raise InputError(f"清单「{rule.name}」需要评价结果：{inputs.year} 年没有选定的评价批次，请先运行评价")
    leaves = list(rule.leaves())
    number = {id(leaf): i for i, leaf in enumerate(leaves)}
    frame = subject_frame(inputs, rule.subject)
    frame = _with_measures(frame, inputs, rule, leaves)
    frame = frame.with_columns([_test(leaf, rule, i).alias(f"__t{i}") for i, leaf in enumerate(leaves)])
    where = _expr(rule.where, number) if rule.where else pl.lit(True)
    matched = [_expr(c.when, number).alias(f"__c{j}") for j, c in enumerate(rule.categories)]
    frame = frame.with_columns(matched)
    needed = [c for c in frame.columns if c.startswith("__") or c in OUTPUT_SCHEMA]  # filter only what is read
    frame = frame.select(needed).filter(where & pl.any_horizontal(
        [pl.col(f"__c{j}") for j in range(len(rule.categories))]))
    category = pl.coalesce([pl.when(pl.col(f"__c{j}")).then(pl.lit(c.name)) for j, c in enumerate(rule.categories)])
    units = _first_per_measure([(pl.col(f"__c{j}") & hit, leaf) for j, c in enumerate(rule.categories)
                                for hit, leaf in _units(c.when, pl.lit(True), number)])
    frame = frame.with_columns(category.alias("category")).with_row_index("__row")
    keys = frame.select("__row", *[pl.col(c).cast(t) for c, t in OUTPUT_SCHEMA.items() if c not in EXPLAINED])
    explained = _explanations(frame, units, rule, number)
    if explained.height == keys.height:  # every listed row has a reason, and they come sorted by row
        out = keys.hstack(explained.drop("__row").get_columns())
    else:
        out = keys.join(explained, on="__row", how="left").with_columns(pl.col("reasons").fill_null([]),
                                                                         pl.col("values").fill_null("{}"))
    return out.select(list(OUTPUT_SCHEMA)).sort("subject_key")


def _explanations(frame: pl.DataFrame, units, rule: ListRule, number: dict) -> pl.DataFrame:
    """__row, reasons, values: the text and the measured value of each unit that holds, built only for the rows
    where it holds (one long frame, then one list and one JSON object per row, in the units' order)."""
    lazy = frame.lazy()
    parts = []
    for hit, leaf in units:
        index = number.get(id(leaf))
        pair = pl.lit(None, dtype=pl.String)
        if leaf.measure:
            value = pl.col(f"__m{index}")
            shown = _json_text(value) if is_text(leaf, rule.subject) else number_expr(value, 4)
            pair = pl.concat_str([pl.lit(f'"{measure_key(leaf)}":'), shown])
        parts.append(lazy.filter(hit).select("__row", _text(leaf, rule, index).alias("text"), pair.alias("pair")))
    if not parts:
        return pl.DataFrame(schema={"__row": pl.UInt32, "reasons": pl.List(pl.String), "values": pl.String})
    # concatenated in the units' order and sorted stably by row: each row's texts come in the units' order
    grouped = pl.concat(parts).sort("__row", maintain_order=True).group_by("__row", maintain_order=True).agg(
        pl.col("text").alias("reasons"), pl.col("pair"))
    return grouped.with_columns(pl.concat_str([pl.lit("{"), pl.col("pair").list.drop_nulls().list.join(","),
                                               pl.lit("}")]).alias("values")).drop("pair").collect()


def _json_text(column: pl.Expr) -> pl.Expr:
    """A text value as a JSON string (codes rarely hold a quote or backslash, but stay valid if they do)."""
    escaped = column.str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
    return pl.concat_str([pl.lit('"'), escaped, pl.lit('"')])


# --- subjects ---------------------------------------------------------------------------------------------------

def subject_frame(inputs: ListInputs, subject: str) -> pl.DataFrame:
    """One row per firm or parcel with subject_key, the ids, zone_id and every field of listfields.FIELDS."""
    key = ("subject", subject)
    if key not in inputs.derived:
        inputs.derived[key] = _enterprises(inputs) if subject == "enterprise" else _parcels(inputs)
    return inputs.derived[key]


def _in_zones(frame: pl.DataFrame, inputs: ListInputs) -> pl.DataFrame:
    return frame if inputs.zone_ids is None else frame.filter(pl.col("zone_id").is_in(inputs.zone_ids))


def _main_links(inputs: ListInputs, by: str) -> pl.DataFrame:
    """The main link of each firm (by="enterprise_id") or parcel (by="parcel_id"): a holder's before a tenant's,
    then the largest land area, then the lowest id of the other side. Columns: enterprise_id, parcel_id."""
    other = "parcel_id" if by == "enterprise_id" else "enterprise_id"
    rank = (pl.col("role") != "holder").cast(pl.Float64) * 1e12 - pl.col("land_area_m2").fill_null(-1.0)
    return inputs.links.group_by(by).agg(pl.col(other).sort_by([rank, pl.col(other)]).first())


def _figures(inputs: ListInputs, year: int) -> pl.DataFrame:
    """The figures of one year, one row per firm (the ledger keeps one per firm and year)."""
    key = ("figures", year)
    if key not in inputs.derived:
        inputs.derived[key] = inputs.figures.filter(pl.col("year") == year).drop("year")
    return inputs.derived[key]


def _enterprises(inputs: ListInputs) -> pl.DataFrame:
    main = _main_links(inputs, "enterprise_id")
    evaluation = inputs.evaluation
    frame = _in_zones(inputs.firms, inputs).join(_figures(inputs, inputs.year), on="enterprise_id", how="left") \
        .join(evaluation, on="enterprise_id", how="left").join(main, on="enterprise_id", how="left")
    frame = frame.join(_class_d_years(inputs, evaluation), on="enterprise_id", how="left")
    return frame.with_columns(
        pl.col("credit_code").alias("subject_key"),
        pl.col("industry_code").str.slice(0, 2).alias("industry_division"),
        ((pl.lit(inputs.as_of) - pl.col("production_start")).dt.total_days() / 365.25).alias("years_in_production"),
        pl.col("class_d_years").fill_null(0))


def _class_d_years(inputs: ListInputs, evaluation: pl.DataFrame) -> pl.DataFrame:
    """Years in a row, the list year included, each firm has been in class D (0 when not D this year)."""
    earlier = inputs.class_history.filter((pl.col("klass") == "D") & (pl.col("year") < inputs.year))
    streak, still = pl.lit(1, dtype=pl.Int64), pl.lit(True)
    for back in range(1, vocab.HISTORY_YEARS):
        ids = earlier.filter(pl.col("year") == inputs.year - back).get_column("enterprise_id")
        if not len(ids):
            break
        still = still & pl.col("enterprise_id").is_in(ids.implode())
        streak = streak + still.cast(pl.Int64)
    return evaluation.filter(pl.col("klass") == "D").select("enterprise_id", streak.alias("class_d_years"))


def _parcels(inputs: ListInputs) -> pl.DataFrame:
    as_of = inputs.as_of
    area = pl.col("registered_area_m2")
    supplied = pl.col("supply_date")
    full_years = (as_of.year - supplied.dt.year()) - (
        pl.lit(as_of.month * 100 + as_of.day) < supplied.dt.month() * 100 + supplied.dt.day()).cast(pl.Int32)
    frame = _in_zones(inputs.parcels, inputs).drop("geometry").with_columns(
        pl.col("parcel_code").alias("subject_key"),
        square_metres_to_mu(area).alias("area_mu"),
        pl.when(area > 0).then(pl.col("floor_area_m2") / area).round(RATIO_DECIMALS).alias("plot_ratio"),
        pl.when(area > 0).then(pl.col("footprint_area_m2") / area).round(RATIO_DECIMALS).alias("building_coefficient"),
        (inputs.year - pl.col("building_year")).alias("building_age"),
        full_years.alias("full_years_since_supply"))
    return frame.join(_parcel_firms(inputs), on="parcel_id", how="left") \
        .with_columns(pl.col("firms").fill_null(0), pl.when(pl.col("area_mu") > 0).then(
            pl.col("tax") / pl.col("area_mu")).round(RATIO_DECIMALS).alias("tax_per_mu"))


def _parcel_firms(inputs: ListInputs) -> pl.DataFrame:
    """Per parcel: firms linked, their tax shared by linked land area, the main firm's industry, lowest class."""
    links = inputs.links.with_columns(pl.col("land_area_m2").fill_null(0.0).alias("__w"))
    links = links.with_columns(pl.when(pl.col("__w").sum().over("enterprise_id") > 0)
                               .then(pl.col("__w") / pl.col("__w").sum().over("enterprise_id"))
                               .otherwise(1.0 / pl.len().over("enterprise_id")).alias("share"))
    classes = inputs.evaluation.select(
        "enterprise_id", pl.col("klass").replace_strict(CLASS_RANK, default=None, return_dtype=pl.Int64)
        .alias("class_rank"))
    per_parcel = links.join(_figures(inputs, inputs.year).select("enterprise_id", "tax"), on="enterprise_id",
                            how="left").join(classes, on="enterprise_id", how="left").group_by("parcel_id").agg(
        pl.col("enterprise_id").n_unique().alias("firms"),
        pl.when(pl.col("tax").is_not_null().any()).then((pl.col("tax") * pl.col("share")).sum()).alias("tax"),
        pl.col("class_rank").max().alias("class_rank"))
    ranks = {v: k for k, v in CLASS_RANK.items()}
    main = _main_links(inputs, "parcel_id").join(
        inputs.firms.select("enterprise_id", "industry_code"), on="enterprise_id", how="left")
    return per_parcel.join(main, on="parcel_id", how="left").with_columns(
        pl.col("industry_code").str.slice(0, 2).alias("industry_division"),
        pl.col("class_rank").replace_strict(ranks, default=None, return_dtype=pl.String).alias("worst_class"),
    ).drop("class_rank")


# --- measures ---------------------------------------------------------------------------------------------------

def measure_key(leaf: Condition) -> str:
    """The name a leaf's measured value goes under in `values` (e.g. tax_per_mu, distance_m:river)."""
    if leaf.field:
        return leaf.field
    if leaf.findings:
        return f"open_findings:{','.join(leaf.findings.categories)}:{leaf.findings.min_severity}"
    if leaf.distance:
        return f"distance_m:{leaf.distance.layer}"
    if leaf.missing_years:
        return f"missing_years:{leaf.missing_years.window}"  # a parameter's name stands for its value
    return f"change_pct:{leaf.change.field}:{leaf.change.years}"


def _with_measures(frame: pl.DataFrame, inputs: ListInputs, rule: ListRule, leaves) -> pl.DataFrame:
    """`__m<i>`: the measured value of leaf i; the aggregates of the other measures are joined onto the key
    column alone (rows kept in order) and set beside the subject frame, so its columns are not copied per join."""
    subject, done, extra = rule.subject, {}, []
    measured = frame.select(ID[subject])
    for i, leaf in enumerate(leaves):
        key = measure_key(leaf)
        if leaf.field:
            extra.append(pl.col(leaf.field).alias(f"__m{i}"))
        elif key in done:
            extra.append(pl.col(done[key]).alias(f"__m{i}"))
        else:
            if leaf.findings:
                values = _open_findings(inputs, subject, leaf.findings)
            elif leaf.distance:
                values = _distances(inputs, subject, leaf.distance.layer, _distance_bound(rule, leaf.distance.layer))
            elif leaf.missing_years:
                values = _missing_years(inputs, rule.window(leaf))
            else:
                values = _change(inputs, leaf.change.field, leaf.change.years)
            done[key] = f"__m{i}"
            measured = measured.join(values.rename({"value": f"__m{i}"}), on=ID[subject], how="left",
                                     maintain_order="left")
            if leaf.findings or leaf.missing_years:
                measured = measured.with_columns(pl.col(f"__m{i}").fill_null(0))
    frame = frame.hstack(measured.drop(ID[subject]).get_columns()) if measured.width > 1 else frame
    return frame.with_columns(extra)


def open_findings(inputs: ListInputs) -> pl.DataFrame:
    """Findings open at `as_of`: found by then and not 销号 by then."""
    closed = (pl.col("status") == "closed") & (pl.col("closed_on").is_null() | (pl.col("closed_on") <= inputs.as_of))
    return inputs.findings.filter((pl.col("found_on") <= inputs.as_of) & ~closed)


def _open_findings(inputs: ListInputs, subject: str, spec) -> pl.DataFrame:
    chosen = open_findings(inputs).filter(
        pl.col("category").is_in(spec.categories)
        & (pl.col("severity").replace_strict(SEVERITY_RANK, default=0) >= SEVERITY_RANK[spec.min_severity]))
    if subject == "enterprise":
        pairs = chosen.filter(pl.col("enterprise_id").is_not_null()).select("enterprise_id", "finding_id")
    else:
        direct = chosen.filter(pl.col("parcel_id").is_not_null()).select("parcel_id", "finding_id")
        via = chosen.select("enterprise_id", "finding_id").join(inputs.links.select("enterprise_id", "parcel_id"),
                                                                on="enterprise_id").select("parcel_id", "finding_id")
        pairs = pl.concat([direct, via]).unique()
    return pairs.group_by(ID[subject]).agg(pl.len().cast(pl.Float64).alias("value"))


def _distance_bound(rule: ListRule, layer: str) -> float | None:
    """The largest threshold of `lt`/`le` tests on this layer's distance, when every such test is one."""
    tests = [leaf for leaf in rule.leaves() if leaf.distance and leaf.distance.layer == layer]
    if all(leaf.op in ("lt", "le") for leaf in tests):
        return max(max(float(rule.threshold(leaf)) for leaf in tests), 0.001)  # the tree needs a positive bound
    return None


def _distances(inputs: ListInputs, subject: str, layer: str, bound: float | None) -> pl.DataFrame:
    key = ("distance", layer, bound)
    if key not in inputs.derived:
        features = proximity.decode(inputs.references.filter(pl.col("kind") == layer).get_column("geometry"))
        parcels = _in_zones(inputs.parcels, inputs).filter(pl.col("geometry").is_not_null()) \
            .select("parcel_id", "geometry", "min_x", "min_y", "max_x", "max_y")
        if bound is not None and len(features):  # drop parcels far from the layer by their boxes, undecoded
            parcels = parcels.filter(proximity.near(_boxes(parcels), features, bound))
        metres = proximity.distances(proximity.decode(parcels.get_column("geometry")), features, max_distance=bound)
        inputs.derived[key] = pl.DataFrame({"parcel_id": parcels.get_column("parcel_id"), "value": metres},
                                           schema={"parcel_id": pl.Int64, "value": pl.Float64}) \
            .with_columns(pl.col("value").fill_nan(None)).filter(pl.col("value").is_not_null())
    by_parcel = inputs.derived[key]
    if subject == "parcel":
        return by_parcel
    return inputs.links.select("enterprise_id", "parcel_id").join(by_parcel, on="parcel_id") \
        .group_by("enterprise_id").agg(pl.col("value").min())


def _boxes(parcels: pl.DataFrame):
    """(n, 4) boxes of the parcels: the stored ones, else from the geometry."""
    boxes = parcels.select("min_x", "min_y", "max_x", "max_y").to_numpy()
    missing = np.isnan(boxes).any(axis=1)
    if missing.any():
        boxes[missing] = shapely.bounds(proximity.decode(parcels.get_column("geometry").filter(pl.Series(missing))))
    return boxes


def _missing_years(inputs: ListInputs, window: int) -> pl.DataFrame:
    """Years of the window (none before the production start year, none before the first year the ledger holds
    figures for: a ledger begun in 2024 does not make every firm miss 2023) without any figure reported."""
    first = inputs.year - window + 1
    if inputs.figures.height:
        first = max(first, int(inputs.figures.get_column("year").min()))
    reported = pl.any_horizontal([pl.col(c).is_not_null() for c in vocab.FIGURES])
    since = pl.max_horizontal(pl.lit(first), pl.col("production_start").dt.year().fill_null(first))
    missing = [((since <= year) & ~pl.col("enterprise_id").is_in(
        _figures(inputs, year).filter(reported).get_column("enterprise_id").implode())).cast(pl.Int32)
        for year in range(first, inputs.year + 1)]
    return inputs.firms.select("enterprise_id", pl.sum_horizontal(missing).cast(pl.Float64).alias("value"))


def _change(inputs: ListInputs, field: str, years: int) -> pl.DataFrame:
    now = _figures(inputs, inputs.year).select("enterprise_id", pl.col(field).alias("now"))
    then = _figures(inputs, inputs.year - years).select("enterprise_id", pl.col(field).alias("then"))
    return now.join(then, on="enterprise_id").select(
        "enterprise_id", pl.when(pl.col("then") > 0).then(((pl.col("now") / pl.col("then") - 1) * 100).round(RATIO_DECIMALS))
        .alias("value"))


# --- conditions ------------------------------------------------------------------------------------------------

def _test(leaf: Condition, rule: ListRule, index: int) -> pl.Expr:
    column = pl.col(f"__m{index}")
    if leaf.op == "is_null":
        return column.is_null()
    if leaf.op == "not_null":
        return column.is_not_null()
    return _COMPARE[leaf.op](column, rule.threshold(leaf)).fill_null(False)


def _expr(condition: Condition, number: dict) -> pl.Expr:
    if condition.measure:
        return pl.col(f"__t{number[id(condition)]}")
    if condition.all is not None:
        return pl.all_horizontal([_expr(c, number) for c in condition.all])
    if condition.any is not None:
        return pl.any_horizontal([_expr(c, number) for c in condition.any])
    return ~_expr(condition.not_, number)


def _units(condition: Condition, context: pl.Expr, number: dict):
    """(expression, leaf) for each leaf that explains a match: it held, and every `all` around it held.

    A leaf under `not` is explained by the negation itself (see _text: "不满足…")."""
    if condition.measure:
        return [(context & pl.col(f"__t{number[id(condition)]}"), condition)]
    if condition.not_ is not None:
        return [(context & _expr(condition, number), condition)]
    if condition.all is not None:
        inner = context & _expr(condition, number)
        return [unit for child in condition.all for unit in _units(child, inner, number)]
    return [unit for child in condition.any for unit in _units(child, context, number)]


def _first_per_measure(units):
    """Each unit kept only where no earlier unit on the same measure held: the chosen category's test of a
    measure explains the entry ("亩均税收 3.2 万元/亩 < 5 万元/亩"), the looser tiers it also meets add nothing."""
    kept, seen = [], {}
    for hit, leaf in units:
        key = measure_key(leaf) if leaf.measure else None
        earlier = seen.get(key, [])
        kept.append((hit & ~pl.any_horizontal(earlier) if earlier else hit, leaf))
        if key is not None:
            seen.setdefault(key, []).append(hit)
    return kept


def _text(condition: Condition, rule: ListRule, index: int | None) -> pl.Expr:
    if condition.measure:
        return leaf_text(condition, rule, pl.col(f"__m{index}"))
    return pl.lit(negation_text(condition.not_, rule))
