"""Exact evaluation of checked expressions against one enterprise's facts, in one year.

Money and rates are Fractions or ints, never floats. A fact the profile does not give raises
`Missing`; a figure the text cannot define (growth from zero) raises `Undefined`. `why_false`
says, with the actual values, why a condition does not hold.
"""
from __future__ import annotations

import operator
from fractions import Fraction

from msgspec import Struct

from . import ast
from .i18n import t, zh
from .model import RECORD_SUFFIX, FactInfo, Vocab
from .profile import Item, Profile
from .show import show
from .values import fmt_value


class Missing(Exception):
    def __init__(self, name: str, year: int | None, label: str):
        self.name, self.year, self.label = name, year, label
        super().__init__(self.describe())

    def describe(self) -> str:
        if zh():
            return f"{self.name}{f'（{self.year} 年）' if self.year is not None else ''}〔{self.label}〕"
        return f"{self.name}{f' for {self.year}' if self.year is not None else ''} ({self.label})"


class Undefined(Exception):
    """The text's figure has no value here (e.g. growth over a year whose figure is 0)."""


class Env(Struct, frozen=True, gc=False):
    vocab: Vocab
    profile: Profile
    item: Item | None
    year: int | None
    defaults: set | None = None  # collects (name, label, value) of each default read (the output states them)

    def at(self, year: int) -> "Env":
        return Env(self.vocab, self.profile, self.item, year, self.defaults)


def evaluate(e: ast.Expr, env: Env):
    return _EVAL[type(e)](e, env)


def _literal(e: ast.Literal, env: Env):
    return e.value


def _current_year(e, env: Env):
    return env.year


def _lookup(path: tuple[str, ...], env: Env) -> tuple[FactInfo | None, object]:
    """(info, raw value) of a name; info None means an enum value."""
    if path[0] == "item":
        info = env.vocab.kinds[env.item.kind].fields[path[1]]
        return info, env.item.fields.get(path[1])
    name = path[0]
    if name in env.vocab.facts:
        return env.vocab.facts[name], env.profile.facts.get(name)
    return None, name


def _ref(e: ast.Ref, env: Env, year: int | None = None):
    info, raw = _lookup(e.path, env)
    if info is None:
        return raw
    label = ".".join(e.path)
    year = env.year if year is None else year
    if info.per_year and raw is not None and year in raw:
        return raw[year]
    if not info.per_year and raw is not None:
        return raw
    if info.has_default:  # only defaults that can lower a figure are allowed (README, "The profile")
        if env.defaults is not None:
            env.defaults.add((label, info.label, fmt_value(info.default, info.type)))
        return info.default
    raise Missing(label, year if info.per_year else None, info.label)


def _series(e: ast.Ref, env: Env, year: int):
    return _ref(e, env, year)


def _call(e: ast.Call, env: Env):
    name, args = e.name, e.args
    if name in ("min", "max"):
        values = [evaluate(a, env) for a in args]
        return min(values) if name == "min" else max(values)
    if name == "consecutive":
        n = args[0].value
        return all(evaluate(args[1], env.at(env.year - k)) for k in range(n))
    series = args[0]
    if name == "prev":
        return _series(series, env, env.year - 1)
    current = _series(series, env, env.year)
    if name == "first_reaches":  # reached this year, and never before
        threshold = evaluate(args[1], env)
        return current >= threshold and reached_before(series, threshold, env) is None
    previous = _series(series, env, env.year - 1)
    if name == "increase":
        return current - previous
    if name == "growth":
        if previous <= 0:
            raise Undefined(t(f"growth of {show(series)} in {env.year} is undefined: {env.year - 1} is {previous}",
                              f"{show(series)} 在 {env.year} 年的增长率无定义：{env.year - 1} 年为 {previous}"))
        return Fraction(current - previous, previous)
    raise ValueError(f"unknown function {name}")


def _arith(e: ast.Arith, env: Env):
    result = evaluate(e.items[0], env)
    for op, item in zip(e.ops, e.items[1:]):  # left to right, as the chain reads
        b = evaluate(item, env)
        if op == "+":
            result = result + b
        elif op == "-":
            result = result - b
        else:
            result = Fraction(result) * Fraction(b)
    return result


def _compare(e: ast.Compare, env: Env):
    return _COMPARE[e.op](evaluate(e.left, env), evaluate(e.right, env))


def _member(e: ast.Member, env: Env):
    return evaluate(e.expr, env) in {n for n, _ in e.names}


def _boolop(e: ast.BoolOp, env: Env):
    if e.op == "and":
        return all(evaluate(i, env) for i in e.items)
    return any(evaluate(i, env) for i in e.items)


def _not(e: ast.Not, env: Env):
    return not evaluate(e.expr, env)


def _ifelse(e: ast.IfElse, env: Env):
    return evaluate(e.then, env) if evaluate(e.cond, env) else evaluate(e.other, env)


def _first_tier(e: ast.FirstTier, env: Env):
    """The highest tier first reached this year; a tier reached in an earlier year is not paid again."""
    current = _series(e.series, env, env.year)
    best = (None, 0)
    for threshold, amount in e.tiers:
        limit = evaluate(threshold, env)
        if current >= limit and reached_before(e.series, limit, env) is None:
            if best[0] is None or limit > best[0]:
                best = (limit, evaluate(amount, env))
    return best[1]


def reached_before(series: ast.Ref, threshold, env: Env) -> tuple[str, object] | None:
    """When `series` reached `threshold` before this year and at what figure (("2023", value), or
    ("before 2023 (its record)", record)), or None if it never did. Every year from the first the
    profile gives to last year is needed; what came before them is the record (SERIES_record:
    the highest yearly figure before the years given, asked for, never assumed low: "首次" is
    the text's condition)."""
    _, raw = _lookup(series.path, env)
    given = sorted(y for y in (raw or {}) if y < env.year)
    for y in given:
        if raw[y] >= threshold:
            return str(y), raw[y]
    start = given[0] if given else env.year
    for y in range(start, env.year):  # a year missing between them hides whether it was reached
        _series(series, env, y)
    record = _ref(ast.Ref(series.path[:-1] + (series.path[-1] + RECORD_SUFFIX,), series.span), env)
    return (t(f"before {start} (its record)", f"{start} 年以前（历史记录）"), record) if record >= threshold else None


def _total(e: ast.Total, env: Env):
    """The field added up over the profile's items of the kind that the condition holds for; a
    yearly field counts this year's figure (nothing in a year the item gives none)."""
    info = env.vocab.kinds[e.kind].fields[e.field]
    out = 0
    for item in env.profile.items:
        if item.kind != e.kind:
            continue
        at = Env(env.vocab, env.profile, item, env.year, env.defaults)
        if e.where is not None and not evaluate(e.where, at):
            continue
        if info.per_year:
            out += (item.fields.get(e.field) or {}).get(env.year, 0)
        else:
            out += _ref(ast.Ref(("item", e.field), e.span), at)
    return out


def _neg(e: ast.Neg, env: Env):
    return -evaluate(e.expr, env)


_COMPARE = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
            "==": operator.eq, "!=": operator.ne}
_EVAL = {ast.Literal: _literal, ast.CurrentYear: _current_year, ast.Ref: _ref, ast.Call: _call,
         ast.Arith: _arith, ast.Compare: _compare, ast.Member: _member, ast.BoolOp: _boolop,
         ast.Not: _not, ast.IfElse: _ifelse, ast.Neg: _neg, ast.FirstTier: _first_tier, ast.Total: _total}


# ---- explanations ---------------------------------------------------------------------
def type_of_value(e: ast.Expr, env: Env) -> str:
    """The display type of an expression's value: money, rate or other."""
    if isinstance(e, ast.Literal):
        return e.type
    if isinstance(e, ast.Ref):
        info, _ = _lookup(e.path, env)
        return info.type if info else "text"
    if isinstance(e, ast.Call):
        if e.name == "growth":
            return "rate"
        if e.name in ("increase", "prev", "min", "max"):
            return type_of_value(e.args[0], env)
        return "bool"
    if isinstance(e, ast.Arith):
        types = {type_of_value(i, env) for i in e.items}
        return "money" if "money" in types else ("rate" if "rate" in types else "count")
    if isinstance(e, (ast.Neg,)):
        return type_of_value(e.expr, env)
    if isinstance(e, ast.IfElse):
        return type_of_value(e.then, env)
    if isinstance(e, ast.FirstTier):
        return "money"
    if isinstance(e, ast.Total):
        return env.vocab.kinds[e.kind].fields[e.field].type
    return "bool"


def describe_value(e: ast.Expr, env: Env) -> str:
    value = evaluate(e, env)
    return fmt_value(value, type_of_value(e, env))


def why_false(e: ast.Expr, env: Env) -> str:
    """Why condition `e` is false in env, with the actual values (assumes it is false)."""
    if isinstance(e, ast.BoolOp):
        if e.op == "and":
            for item in e.items:
                if not evaluate(item, env):
                    return why_false(item, env)
        return t(" and ", "，且").join(why_false(i, env) for i in e.items)
    if isinstance(e, ast.Not):
        return t(f"{show(e.expr)} holds", f"{show(e.expr)} 成立")
    if isinstance(e, ast.Compare):
        parts = []
        for side in (e.left, e.right):
            if not isinstance(side, (ast.Literal, ast.CurrentYear)) and not (isinstance(side, ast.Ref) and _lookup(side.path, env)[0] is None):
                parts.append(f"{show(side)} = {describe_value(side, env)}")
        if zh():
            return f"{show(e)} 不成立" + (f"（实际 {'；'.join(parts)}）" if parts else "")
        return f"{show(e)} fails" + (f" ({'; '.join(parts)})" if parts else "")
    if isinstance(e, ast.Member):
        return t(f"{show(e.expr)} is {describe_value(e.expr, env)}, not one of {{{', '.join(n for n, _ in e.names)}}}",
                 f"{show(e.expr)} 为 {describe_value(e.expr, env)}，不在 {{{'、'.join(n for n, _ in e.names)}}} 之中")
    if isinstance(e, ast.Call) and e.name == "first_reaches":
        series, threshold = e.args
        info, raw = _lookup(series.path, env)
        cur = raw[env.year]
        limit = evaluate(threshold, env)
        if cur < limit:
            return f"{show(series)} {env.year} = {fmt_value(cur, info.type)} < {fmt_value(limit, info.type)}"
        when, value = reached_before(series, limit, env)
        return t(f"not the first time: {show(series)} {when} = {fmt_value(value, info.type)} already reached "
                 f"{fmt_value(limit, info.type)}",
                 f"并非首次：{show(series)} {when} = {fmt_value(value, info.type)}，已达到 {fmt_value(limit, info.type)}")
    if isinstance(e, ast.Call) and e.name == "consecutive":
        n, cond = e.args
        for k in range(n.value):
            sub = env.at(env.year - k)
            if not evaluate(cond, sub):
                return t(f"in {sub.year}: {why_false(cond, sub)}", f"{sub.year} 年：{why_false(cond, sub)}")
    return t(f"{show(e)} is false", f"{show(e)} 为否")
