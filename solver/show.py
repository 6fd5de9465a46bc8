"""Expressions printed back in the rule language's own notation, for messages."""
from __future__ import annotations

from . import ast
from .i18n import t
from .values import fmt_money, fmt_rate

_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6}


def show(e: ast.Expr, outer: int = 0) -> str:
    text, prec = _show(e)
    return f"({text})" if prec < outer else text


def _show(e: ast.Expr) -> tuple[str, int]:
    if isinstance(e, ast.Literal):
        if e.type == "money":
            return fmt_money(e.value), 9
        if e.type == "rate":
            return fmt_rate(e.value), 9
        if e.type == "text":
            return f'"{e.value}"', 9
        return (str(e.value).lower() if e.type == "bool" else str(e.value)), 9
    if isinstance(e, ast.CurrentYear):
        return "year", 9
    if isinstance(e, ast.Ref):
        return ".".join(e.path), 9
    if isinstance(e, ast.Call):
        return f"{e.name}({', '.join(show(a) for a in e.args)})", 9
    if isinstance(e, ast.Arith):  # left to right: the first item binds as a left operand, the rest as right ones
        p = _PREC[e.ops[0]]
        text = [show(e.items[0], p)]
        for k, (o, item) in enumerate(zip(e.ops, e.items[1:])):
            text.append(t(" of ", " × ") if o == "*" and k == 0 and _is_rate(e.items[0]) else f" {o} ")
            text.append(show(item, p + 1))
        return "".join(text), p
    if isinstance(e, ast.Compare):
        return f"{show(e.left, 5)} {e.op} {show(e.right, 5)}", 4
    if isinstance(e, ast.Member):
        return f"{show(e.expr, 5)} in {{{', '.join(n for n, _ in e.names)}}}", 4
    if isinstance(e, ast.BoolOp):
        p = _PREC[e.op]
        return f" {e.op} ".join(show(i, p + 1) for i in e.items), p
    if isinstance(e, ast.Not):
        return f"not {show(e.expr, 3)}", 3
    if isinstance(e, ast.IfElse):
        return f"if {show(e.cond)} then {show(e.then)} else {show(e.other)}", 0
    if isinstance(e, ast.FirstTier):
        tiers = ", ".join(f"{show(t)}: {show(a)}" for t, a in e.tiers)
        return f"first_tier({show(e.series)}) {{{tiers}}}", 9
    if isinstance(e, ast.Neg):
        return f"-{show(e.expr, 9)}", 8
    if isinstance(e, ast.Total):
        return f"total({e.kind}.{e.field}{f' where {show(e.where)}' if e.where is not None else ''})", 9
    raise TypeError(type(e))


def _is_rate(e: ast.Expr) -> bool:
    return isinstance(e, ast.Literal) and e.type == "rate"
