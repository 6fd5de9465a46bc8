"""Lints of `subsidy check`: slips that check cleanly but say something the article does not.

The figures lint compares the money and rate figures a clause (or condition) computes with —
the literals of its `pay`, `cap`, `require` and tiers, as `solver/show.py` prints them — with
the figures its quoted `text` states (`最高不超过300万元`, `0.5%`). A figure of the rules that
the text states nowhere, where the text does state figures of that kind, is a warning naming
both: `cap 30万` under a text that says 300万元 is a slip of a zero. A figure may be derived (a
ceiling per year from a ceiling over three years); such a clause says so with a `reading`
that states the figure, and the lint reads the clause's readings as part of its text.
"""
from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

from . import ast
from .diagnostics import Diagnostic, Span
from .model import Clause, Condition, Ruleset
from .show import show

_UNITS = {"亿元": 10 ** 8, "亿": 10 ** 8, "万元": 10 ** 4, "万": 10 ** 4, "千元": 1000, "元": 1}
_MONEY = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(亿元|万元|千元|亿|万|元)")
_RATE = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")


def text_figures(text: str) -> tuple[dict[int, str], dict[Fraction, str]]:
    """The money (in 元) and rate figures a text states, each with how the text writes it."""
    money: dict[int, str] = {}
    for m in _MONEY.finditer(text):
        amount = Fraction(m.group(1).replace(",", "")) * _UNITS[m.group(2)]
        if amount.denominator == 1:
            money.setdefault(int(amount), m.group(0))
    rates = {Fraction(m.group(1)) / 100: m.group(0) for m in _RATE.finditer(text)}
    return money, rates


def _literals(e, role: str, out: list) -> None:
    """Every money or rate literal of an expression, with the statement it stands in."""
    if isinstance(e, ast.Literal):
        if e.type in ("money", "rate"):
            out.append((e, role))
        return
    if isinstance(e, (list, tuple)):
        for x in e:
            _literals(x, role, out)
        return
    if hasattr(e, "__struct_fields__"):
        for name in e.__struct_fields__:
            if name != "span":
                _literals(getattr(e, name), role, out)


def _figures_of(unit: Clause | Condition) -> list[tuple[ast.Literal, str]]:
    out: list = []
    if isinstance(unit, Condition):
        _literals(unit.requires, "require", out)
        return out
    for part in unit.parts:
        _literals(part.pay, "pay", out)
        _literals(part.requires, "require", out)
        _literals(part.subject, "for", out)
        for cap in part.caps:
            _literals(cap.amount, "cap", out)
    for cap in unit.caps:
        _literals(cap.amount, "cap", out)
    return out


def _words(unit: Clause | Condition) -> str:
    texts = list(unit.texts) + list(unit.readings)
    if isinstance(unit, Clause):
        for part in unit.parts:
            texts += list(part.texts) + list(part.readings)
    return "\n".join(texts)


def _likeness(stated, written) -> tuple:
    """How likely `stated` is the figure meant where `written` stands: a power of ten apart (a
    slip of a zero: 30万 for 300万元) first, then the closest in ratio."""
    import math
    if stated <= 0:
        return (2, 0.0)
    ratio = math.log10(stated / written)
    return (0 if ratio == round(ratio) else 1, abs(ratio))


def _text_span(unit: Clause | Condition, written: str, lines: dict[str, list[str]]) -> Span | None:
    """Where in the rule file the clause's text writes a figure (its first `text` line holding it)."""
    path = unit.span.file
    if path not in lines:
        try:
            lines[path] = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            lines[path] = []
    for n in range(unit.span.line - 1, len(lines[path])):
        line = lines[path][n]
        if n > unit.span.line - 1 and re.match(r"\s*(clause|condition|article|reading|policy)\b", line):
            break
        col = line.find(written)
        if col >= 0 and re.match(r"\s*(text|reading)\b", line):
            return Span(path, n + 1, col + 1, len(written))
    return None


def figures(ruleset: Ruleset) -> list[Diagnostic]:
    """W960: a money or rate figure of a clause's rules that its text states nowhere."""
    found: dict[tuple, Diagnostic] = {}
    lines: dict[str, list[str]] = {}
    units: list[Clause | Condition] = list(ruleset.clauses) + list(ruleset.conditions)
    for variants in ruleset.variants.values():  # every alternative of every reading
        units += [v.clause or v.condition for v in variants if v.clause or v.condition]
    for unit in units:
        money, rates = text_figures(_words(unit))
        for literal, role in _figures_of(unit):
            stated = money if literal.type == "money" else rates
            if not stated or literal.value in stated or literal.value == 0:  # 0元, 0%: a baseline, not a figure
                continue
            span_key = (literal.span.file, literal.span.line, literal.span.column)
            if span_key in found:
                continue
            nearest = min(stated, key=lambda v: _likeness(v, literal.value))
            written = stated[nearest]
            where = _text_span(unit, written, lines)
            kind = "amount" if literal.type == "money" else "rate"
            found[span_key] = Diagnostic(
                "warning", "W960",
                f"{role} {show(literal)} in {unit.key.removeprefix('condition ')} ({unit.article}): the article's "
                f"text states no such {kind}; it says {'、'.join(stated.values())}",
                literal.span,
                f"did you mean {written}? If {show(literal)} is derived from the text, say how in a reading "
                f"that states it (reading \"… {show(literal)} …\")",
                ((where, f"the text says {written}"),) if where else ())
    return sorted(found.values(), key=lambda d: (d.span.file, d.span.line, d.span.column))
