"""Rule-set conditions compiled to Polars expressions (null never matches a comparison)."""

import polars as pl

_COMPARE = {
    "eq": lambda c, v: c == v, "ne": lambda c, v: c != v, "lt": lambda c, v: c < v, "le": lambda c, v: c <= v,
    "gt": lambda c, v: c > v, "ge": lambda c, v: c >= v,
    "in": lambda c, v: c.is_in(v), "not_in": lambda c, v: ~c.is_in(v),
}


def to_expr(condition) -> pl.Expr:
    """A boolean expression for a Condition (validated at load, so fields and operators are known)."""
    if condition is None:
        return pl.lit(True)
    if condition.all is not None:
        return pl.all_horizontal([to_expr(c) for c in condition.all])
    if condition.any is not None:
        return pl.any_horizontal([to_expr(c) for c in condition.any])
    if condition.not_ is not None:
        return ~to_expr(condition.not_)
    column = pl.col(condition.field)
    if condition.op == "is_null":
        return column.is_null()
    if condition.op == "not_null":
        return column.is_not_null()
    return _COMPARE[condition.op](column, condition.value).fill_null(False)


def describe(condition) -> str:
    """Chinese text of a condition, for explanations."""
    from parkgov.evaluation.fields import INPUT_FIELDS, OPERATORS

    if condition is None:
        return "全部"
    if condition.all is not None:
        return "且".join(f"（{describe(c)}）" for c in condition.all)
    if condition.any is not None:
        return "或".join(f"（{describe(c)}）" for c in condition.any)
    if condition.not_ is not None:
        return f"非（{describe(condition.not_)}）"
    label = INPUT_FIELDS[condition.field][2]
    value = "" if condition.value is None else (
        "、".join(map(str, condition.value)) if isinstance(condition.value, list) else condition.value)
    return f"{label}{OPERATORS[condition.op]}{value}"
