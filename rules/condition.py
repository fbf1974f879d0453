"""Rule conditions: a small, safe language over registered features, translated into Polars.

A condition reads like a spreadsheet formula::

    police_knife_offences_730d >= 2
    14 <= person_age <= 25 and not person_moved_out
    partner_last_referrer in ['school', 'youth offending service']

It is parsed with Python's ``ast`` module and translated node by node; any node not named here is
refused, so a condition can compare features with literals and combine the comparisons, nothing
more: no calls, attributes, indexing, names other than features, or statements. Nothing is ever
evaluated by Python.

- Numbers (counts, days, years, percents, amounts) compare with ``== != < <= > >=`` and add or
  subtract (``+ -``).
- Text features compare with ``==``, ``!=``, ``in`` and ``not in`` against quoted text.
- Flags stand on their own (``police_in_custody``) or with ``not``.
- ``and``, ``or``, ``not`` and brackets combine.

A comparison with a missing value (for example days since an offence, for someone with none)
is unknown, and a rule whose condition is unknown is not met.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import polars as pl

from features.registry import Feature

Kind = Literal["number", "text", "flag"]
NUMBER_TYPES = frozenset({"count", "number", "percent", "days", "years"})
COMPARISONS: dict[type[ast.cmpop], Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
ARITHMETIC: dict[type[ast.operator], Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
}
SYMBOL = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


class ConditionError(ValueError):
    """A condition that is not in the language, with where it goes wrong (0-based character)."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class Condition:
    """A checked condition: its text, the Polars expression it means and the features it reads."""

    text: str
    expr: pl.Expr  # true, false or null per row; null means not met
    features: tuple[str, ...]


@dataclass(frozen=True)
class _Term:
    expr: pl.Expr
    kind: Kind
    features: tuple[str, ...]


def parse_condition(text: str, features: Mapping[str, Feature]) -> Condition:
    """Check a condition against the registered features and translate it.

    Raises:
        ConditionError: what is wrong and at which character, in words an analyst can act on.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ConditionError(f"not a condition: {error.msg}", (error.offset or 1) - 1) from error
    term = _Translator(features).term(tree.body)
    if term.kind != "flag":
        raise ConditionError(
            "a condition must be true or false, not a value on its own", tree.body.col_offset
        )
    return Condition(text.strip(), term.expr, tuple(dict.fromkeys(term.features)))


class _Translator:
    def __init__(self, features: Mapping[str, Feature]) -> None:
        self.features = features

    def term(self, node: ast.expr) -> _Term:
        match node:
            case ast.BoolOp(op=op, values=values):
                parts = [self.flag(v) for v in values]
                combine = operator.and_ if isinstance(op, ast.And) else operator.or_
                expr = parts[0].expr
                for part in parts[1:]:
                    expr = combine(expr, part.expr)
                return _Term(expr, "flag", sum((p.features for p in parts), ()))
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                inner = self.flag(operand)
                return _Term(~inner.expr, "flag", inner.features)
            case ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=int() | float() as number)):
                return _Term(pl.lit(-number), "number", ())
            case ast.BinOp(left=left, op=op, right=right) if type(op) in ARITHMETIC:
                a, b = self.number(left), self.number(right)
                return _Term(ARITHMETIC[type(op)](a.expr, b.expr), "number", a.features + b.features)
            case ast.Compare(left=left, ops=ops, comparators=comparators):
                return self.compare(left, ops, comparators)
            case ast.Name(id=name):
                return self.name(name, node)
            case ast.Constant(value=bool() as value):
                return _Term(pl.lit(value), "flag", ())
            case ast.Constant(value=int() | float() as value):
                return _Term(pl.lit(value), "number", ())
            case ast.Constant(value=str() as value):
                return _Term(pl.lit(value), "text", ())
        raise ConditionError(
            f"'{ast.unparse(node)}' is not allowed in a condition (allowed: features, numbers, quoted text, "
            "true/false, comparisons == != < <= > >=, in / not in a [list], + -, and, or, not)",
            node.col_offset,
        )

    def name(self, name: str, node: ast.expr) -> _Term:
        if name in ("true", "false"):
            return _Term(pl.lit(name == "true"), "flag", ())
        feature = self.features.get(name)
        if feature is None:
            raise ConditionError(f"unknown feature '{name}' (see features/registry.yaml)", node.col_offset)
        if feature.type == "flag":
            return _Term(pl.col(name), "flag", (name,))
        if feature.type == "text":
            return _Term(pl.col(name), "text", (name,))
        if feature.type in NUMBER_TYPES:
            return _Term(pl.col(name), "number", (name,))
        raise ConditionError(
            f"feature '{name}' is a {feature.type}, which conditions cannot compare", node.col_offset
        )

    def flag(self, node: ast.expr) -> _Term:
        term = self.term(node)
        if term.kind != "flag":
            raise ConditionError(
                f"'{ast.unparse(node)}' is a {term.kind}; compare it, for example '{ast.unparse(node)} >= 1'",
                node.col_offset,
            )
        return term

    def number(self, node: ast.expr) -> _Term:
        term = self.term(node)
        if term.kind != "number":
            raise ConditionError(f"'{ast.unparse(node)}' is a {term.kind}, not a number", node.col_offset)
        return term

    def compare(self, left: ast.expr, ops: list[ast.cmpop], comparators: list[ast.expr]) -> _Term:
        parts: list[_Term] = []
        for op, right in zip(ops, comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                parts.append(self.membership(left, right, isinstance(op, ast.NotIn)))
            elif type(op) in COMPARISONS:
                parts.append(self.ordered(left, type(op), right))
            else:
                raise ConditionError(
                    "only == != < <= > >= and in / not in compare values", getattr(right, "col_offset", 0)
                )
            left = right
        expr = parts[0].expr
        for part in parts[1:]:
            expr = expr & part.expr
        return _Term(expr, "flag", sum((p.features for p in parts), ()))

    def ordered(self, left: ast.expr, op: type[ast.cmpop], right: ast.expr) -> _Term:
        a, b = self.term(left), self.term(right)
        if a.kind != b.kind:
            raise ConditionError(f"cannot compare a {a.kind} with a {b.kind}", right.col_offset)
        if a.kind != "number" and op not in (ast.Eq, ast.NotEq):
            raise ConditionError(
                f"a {a.kind} can only be compared with == or !=, not {SYMBOL[op]}", right.col_offset
            )
        return _Term(COMPARISONS[op](a.expr, b.expr), "flag", a.features + b.features)

    def membership(self, left: ast.expr, right: ast.expr, negate: bool) -> _Term:
        a = self.term(left)
        if not isinstance(right, ast.List | ast.Tuple) or not right.elts:
            raise ConditionError(
                "'in' needs a list of values, for example ['school', 'police']", right.col_offset
            )
        wanted = str if a.kind == "text" else (int, float)
        values = [v.value for v in right.elts if isinstance(v, ast.Constant) and isinstance(v.value, wanted)]
        if a.kind == "flag" or len(values) != len(right.elts) or any(isinstance(v, bool) for v in values):
            raise ConditionError(f"'in' needs a list of literal {a.kind} values", right.col_offset)
        expr = a.expr.is_in(values)
        # is_in is never null; keep a missing value unknown like every other comparison
        expr = pl.when(a.expr.is_null()).then(None).otherwise(expr)
        return _Term(~expr if negate else expr, "flag", a.features)
