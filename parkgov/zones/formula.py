"""Indicator formulas over the account's fields (e.g. `D / (A + B21) * 100`): parsed once at load from a small,
safe grammar (numbers, names, + − × ÷, parentheses), evaluated as Polars expressions, shown as text with numbers.
"""

import ast
from dataclasses import dataclass

import polars as pl

OPERATORS = {ast.Add: "+", ast.Sub: "−", ast.Mult: "×", ast.Div: "÷"}


@dataclass(frozen=True)
class Formula:
    """A parsed formula: its text, the names it reads and its syntax tree."""

    text: str
    names: tuple
    tree: ast.AST

    def expr(self) -> pl.Expr:
        """The formula as a Polars expression over columns named like its names (null where ÷ 0 or an input is null)."""
        value = _expr(self.tree)
        return pl.when(value.is_finite()).then(value).otherwise(None)

    def shown(self, namer=None) -> str:
        """The formula with × and ÷ (as users write it), each name through `namer` (e.g. 总建筑面积 for floor_area)."""
        return _show(self.tree, namer or (lambda name: name))

    def with_values(self, values: dict) -> str:
        """The formula with each name replaced by its value, e.g. `850.20 ÷ (900.10 + 12.30) × 100`."""
        return _show(self.tree, lambda name: "—" if values.get(name) is None else f"{values[name]:,.2f}")


def parse(text: str, *, allowed) -> Formula:
    """Parse `text`; ValueError naming the problem (syntax, an operator not allowed, a name not in `allowed`)."""
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        raise ValueError(f"公式 {text!r} 语法错误：{exc.msg}") from exc
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id not in allowed:
                raise ValueError(f"公式 {text!r} 中的 {node.id} 不是土地账字段；可用：{'、'.join(sorted(allowed))}")
            names.append(node.id)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in OPERATORS:
                raise ValueError(f"公式 {text!r} 只能使用 + - * / 和括号")
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub):
                raise ValueError(f"公式 {text!r} 只能使用 + - * / 和括号")
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, (int, float)) or isinstance(node.value, bool):
                raise ValueError(f"公式 {text!r} 中的 {node.value!r} 不是数字")
        elif not isinstance(node, (ast.operator, ast.unaryop, ast.Load)):
            raise ValueError(f"公式 {text!r} 只能使用数字、土地账字段、+ - * / 和括号")
    return Formula(text=text, names=tuple(dict.fromkeys(names)), tree=tree)


def _expr(node) -> pl.Expr:
    if isinstance(node, ast.Name):
        return pl.col(node.id).cast(pl.Float64)
    if isinstance(node, ast.Constant):
        return pl.lit(float(node.value))
    if isinstance(node, ast.UnaryOp):
        return -_expr(node.operand)
    left, right = _expr(node.left), _expr(node.right)
    return {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right,
            ast.Div: left / right}[type(node.op)]


def _needs_parens(node, parent) -> bool:
    """A + or − inside × or ÷, or on the right of −; a × or ÷ on the right of ÷."""
    if not isinstance(node, ast.BinOp) or not isinstance(parent, ast.BinOp):
        return False
    low = isinstance(node.op, (ast.Add, ast.Sub))
    if low and isinstance(parent.op, (ast.Mult, ast.Div)):
        return True
    if low and isinstance(parent.op, ast.Sub) and parent.right is node:
        return True
    return isinstance(parent.op, ast.Div) and parent.right is node


def _show(node, name, parent=None) -> str:
    if isinstance(node, ast.Name):
        return name(node.id)
    if isinstance(node, ast.Constant):
        return f"{node.value:g}"
    if isinstance(node, ast.UnaryOp):
        return f"−{_show(node.operand, name, node)}"
    text = f"{_show(node.left, name, node)} {OPERATORS[type(node.op)]} {_show(node.right, name, node)}"
    return f"({text})" if _needs_parens(node, parent) else text

def number_text(expr: pl.Expr, decimals: int = 2) -> pl.Expr:
    """A number as text with `decimals` places ("—" when null), for the formulas shown with their numbers."""
    return pl.when(expr.is_null()).then(pl.lit("—")).otherwise(expr.round(decimals).cast(pl.String))


def text_expr(formula: Formula) -> pl.Expr:
    """The formula with each name replaced by its row's value, as a Polars string expression."""
    pieces = []
    _pieces(formula.tree, pieces)
    return pl.concat_str([p if isinstance(p, pl.Expr) else pl.lit(p) for p in pieces])


def _pieces(node, out, parent=None):
    if isinstance(node, ast.Name):
        out.append(number_text(pl.col(node.id)))
        return
    if isinstance(node, ast.Constant):
        out.append(f"{node.value:g}")
        return
    if isinstance(node, ast.UnaryOp):
        out.append("−")
        _pieces(node.operand, out, node)
        return
    wrap = _needs_parens(node, parent)
    if wrap:
        out.append("(")
    _pieces(node.left, out, node)
    out.append(f" {OPERATORS[type(node.op)]} ")
    _pieces(node.right, out, node)
    if wrap:
        out.append(")")
