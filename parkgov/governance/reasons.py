"""Chinese reason texts of list conditions: "亩均税收 3.2 万元/亩 < 5 万元/亩", "土地权属为集体".

`leaf_text` builds the text of a leaf that held as a Polars expression over its measured value (vectorised);
`describe` is the same sentence without the value, for a negated condition and for documentation.
Coded values (集体, 危房 …) and finding categories are shown by their Chinese labels.
"""

import polars as pl

from parkgov.governance import listfields as vocab
from parkgov.governance.listrules import Condition, ListRule

DECIMALS = {"distance": 1, "change": 2}  # others: 4, so a value just below a threshold never shows as it


def label_unit(leaf: Condition, rule: ListRule) -> tuple[str, str]:
    """The Chinese name and unit of the measure a leaf tests."""
    subject = rule.subject
    if leaf.field:
        _kind, unit, label = vocab.FIELDS[subject][leaf.field]
        return label, unit
    if leaf.findings:
        labels = vocab.category_labels()
        names = "、".join(labels[c] for c in leaf.findings.categories)
        severity = "" if leaf.findings.min_severity == "minor" else f"（{labels[leaf.findings.min_severity]}及以上）"
        return f"未销号{names}问题{severity}", "条"
    if leaf.distance:
        return f"距{vocab.layer_label(leaf.distance.layer)}", "米"
    if leaf.missing_years:
        return f"近{rule.window(leaf)}年缺报年度", "个"
    figure = vocab.FIGURES[leaf.change.field][2]
    back = "上年" if leaf.change.years == 1 else f"{leaf.change.years}年前"
    return f"{figure}较{back}变化", "%"


def is_text(leaf: Condition, subject: str) -> bool:
    """Whether a leaf's measure is text (a coded or free-text field)."""
    return bool(leaf.field) and vocab.FIELDS[subject][leaf.field][0] == vocab.TEXT


def number(value: float) -> str:
    """A threshold as written: 5, 0.35, 1000."""
    return f"{value:g}"


def number_expr(column: pl.Expr, decimals: int) -> pl.Expr:
    """3.2 → "3.2", 5.0 → "5" (+ 0.0 turns a rounded −0.0 into 0.0)."""
    return (column.cast(pl.Float64).round(decimals) + 0.0).cast(pl.String).str.strip_suffix(".0")


def _items(leaf: Condition, rule: ListRule, labels: dict) -> str:
    value = rule.threshold(leaf)
    joined = "、".join(labels.get(v, number(v) if isinstance(v, (int, float)) else v) for v in value)
    label = rule.parameters[leaf.param].label if leaf.param else ""
    return f"{label}（{joined}）" if label else joined


def leaf_text(leaf: Condition, rule: ListRule, column: pl.Expr) -> pl.Expr:
    """The reason text of a leaf that held, over its measured value `column`."""
    label, unit = label_unit(leaf, rule)
    spaced = f" {unit}" if unit else ""
    op = leaf.op
    if is_text(leaf, rule.subject):
        labels = vocab.code_labels(leaf.field)
        actual = column.replace(labels) if labels else column
        if op == "eq":
            return pl.lit(f"{label}为{labels.get(rule.threshold(leaf), rule.threshold(leaf))}")
        if op == "ne":
            return pl.concat_str([pl.lit(f"{label}为"), actual,
                                  pl.lit(f"（不是{labels.get(rule.threshold(leaf), rule.threshold(leaf))}）")])
        if op == "is_null":
            return pl.lit(f"{label}为空")
        if op == "not_null":
            return pl.concat_str([pl.lit(f"{label}为"), actual])
        verb = {"in": "属于", "not_in": "不属于", "prefix_in": "属于"}[op]
        return pl.concat_str([pl.lit(f"{label} "), actual, pl.lit(f" {verb}{_items(leaf, rule, labels)}")])
    shown = number_expr(column, DECIMALS.get(leaf.measure, 4))
    if op == "is_null":
        return pl.lit(f"{label}缺失")
    if op == "not_null":
        return pl.concat_str([pl.lit(f"{label} "), shown, pl.lit(spaced)])
    if op in ("in", "not_in"):
        verb = "属于" if op == "in" else "不属于"
        return pl.concat_str([pl.lit(f"{label} "), shown, pl.lit(f"{spaced} {verb}{_items(leaf, rule, {})}")])
    threshold = number(rule.threshold(leaf))
    return pl.concat_str([pl.lit(f"{label} "), shown,
                          pl.lit(f"{spaced} {vocab.OPERATORS[op]} {threshold}{spaced}")])


def describe(condition: Condition, rule: ListRule) -> str:
    """A condition as a sentence without values: "亩均税收 < 5 万元/亩", "（…）且（…）"."""
    if condition.all is not None:
        return "且".join(f"（{describe(c, rule)}）" for c in condition.all)
    if condition.any is not None:
        return "或".join(f"（{describe(c, rule)}）" for c in condition.any)
    if condition.not_ is not None:
        return negation_text(condition.not_, rule)
    label, unit = label_unit(condition, rule)
    spaced = f" {unit}" if unit else ""
    op = condition.op
    if op in vocab.NULL_OPERATORS:
        return f"{label}{vocab.OPERATORS[op]}"
    labels = vocab.code_labels(condition.field) if is_text(condition, rule.subject) else {}
    if op in vocab.LIST_OPERATORS:
        verb = {"in": "属于", "not_in": "不属于", "prefix_in": "属于"}[op]
        return f"{label}{verb}{_items(condition, rule, labels)}"
    value = rule.threshold(condition)
    if labels or isinstance(value, str):
        return f"{label}{'为' if op == 'eq' else '不是'}{labels.get(value, value)}"
    return f"{label} {vocab.OPERATORS[op]} {number(value)}{spaced}"


def negation_text(condition: Condition, rule: ListRule) -> str:
    """The reason of a `not` that held: "不满足：<condition>"."""
    return f"不满足：{describe(condition, rule)}"
