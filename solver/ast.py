"""The rule language's syntax tree: immutable nodes, each with the span it came from."""
# No `from __future__ import annotations`: these records are decoded from the rules cache (model.py says why).

from datetime import date
from fractions import Fraction
from typing import Union

from msgspec import Struct

from .diagnostics import Span


def to_raw(value):
    """An exact value as data (the rules cache is data, not a pickle): a Fraction as (numerator,
    denominator), a date as its ordinal; ints, bools and text as they are."""
    if isinstance(value, Fraction):
        return (value.numerator, value.denominator)
    if isinstance(value, date):
        return value.toordinal()
    return value


def from_raw(raw, type_name: str):
    """The exact value `to_raw` stored, read back by its type."""
    if type_name == "rate":
        return Fraction(*raw) if isinstance(raw, tuple) else Fraction(raw)
    if type_name == "date":
        return date.fromordinal(raw)
    return raw


# ---- expressions ---------------------------------------------------------------------
class Literal(Struct, frozen=True, tag=True, tag_field="node"):
    raw: int | bool | str | tuple[int, int]  # to_raw of the value: see `value`
    type: str  # money | rate | count | date | text | bool
    span: Span

    @classmethod
    def of(cls, value, type_name: str, span: Span) -> "Literal":
        return cls(to_raw(value), type_name, span)

    @property
    def value(self):
        """int 元 for money, Fraction for a rate, int for a count or year, date, str, bool."""
        return from_raw(self.raw, self.type)


class Ref(Struct, frozen=True, tag=True, tag_field="node"):
    """A name: an enterprise fact (`rd_expense`), an item field (`item.level`) or an enum value."""

    path: tuple[str, ...]
    span: Span


class CurrentYear(Struct, frozen=True, tag=True, tag_field="node"):
    span: Span


class Call(Struct, frozen=True, tag=True, tag_field="node"):
    name: str
    args: tuple["Expr", ...]
    span: Span


class Arith(Struct, frozen=True, tag=True, tag_field="node"):
    """A chain of one precedence level read left to right: `a + b - c` is items (a, b, c) with
    ops ('+', '-'); a product's ops are all '*'. Flat, so a chain of any length has depth one."""

    ops: tuple[str, ...]  # the operator before each item after the first: + - or *
    items: tuple["Expr", ...]
    span: Span

    def upto(self, k: int) -> Span:
        """Where items[0] op … items[k] is written: the part of the chain a mistake at op k-1 spans."""
        first, last = self.items[0].span, self.items[k].span
        if first.line != last.line:
            return Span(first.file, first.line, first.column, 1)
        return Span(first.file, first.line, first.column, max(last.column + last.length - first.column, 1))


class Compare(Struct, frozen=True, tag=True, tag_field="node"):
    op: str
    left: "Expr"
    right: "Expr"
    span: Span


class Member(Struct, frozen=True, tag=True, tag_field="node"):
    expr: "Expr"
    names: tuple[tuple[str, Span], ...]
    span: Span


class BoolOp(Struct, frozen=True, tag=True, tag_field="node"):
    op: str  # and | or
    items: tuple["Expr", ...]
    span: Span


class Not(Struct, frozen=True, tag=True, tag_field="node"):
    expr: "Expr"
    span: Span


class IfElse(Struct, frozen=True, tag=True, tag_field="node"):
    cond: "Expr"
    then: "Expr"
    other: "Expr"
    span: Span


class FirstTier(Struct, frozen=True, tag=True, tag_field="node"):
    """The amount of the highest threshold `series` first reaches this year (0 if none)."""

    series: "Expr"
    tiers: tuple[tuple["Expr", "Expr"], ...]  # (threshold, amount), as written
    span: Span


class Neg(Struct, frozen=True, tag=True, tag_field="node"):
    expr: "Expr"
    span: Span


class Total(Struct, frozen=True, tag=True, tag_field="node"):
    """The sum of one field over the profile's items of a kind (those `where` holds for), this
    year's value for a yearly field: the enterprise's orders together."""

    kind: str
    field: str
    where: "Expr | None"
    span: Span


Expr = Union[Literal, Ref, CurrentYear, Call, Arith, Compare, Member, BoolOp, Not, IfElse, Neg, FirstTier, Total]


# ---- vocabulary ----------------------------------------------------------------------
class EnumDecl(Struct, frozen=True):
    name: str
    values: tuple[tuple[str, Span], ...]
    span: Span


class FactDecl(Struct, frozen=True):
    """A typed fact of the enterprise (`fact`) or of an item (`field`)."""

    name: str
    type: str
    per_year: bool
    label: str
    span: Span
    type_span: Span
    default: "Expr | None" = None  # the value when a profile does not give it


class KindDecl(Struct, frozen=True):
    name: str
    label: str
    fields: tuple[FactDecl, ...]
    span: Span


class Vocabulary(Struct, frozen=True):
    enums: tuple[EnumDecl, ...]
    facts: tuple[FactDecl, ...]
    kinds: tuple[KindDecl, ...]
    span: Span


# ---- policies and clauses ------------------------------------------------------------
class Setting(Struct, frozen=True):
    key: str
    value: object  # str, date, (date, date), (int, int) for rounding
    kind: str  # string | name | date | date_range | rounding
    span: Span
    value_span: Span


class PolicyWhen(Struct, frozen=True):
    """Settings that hold only when a reading takes one of the named alternatives."""

    reading: tuple[str, ...]
    alternatives: tuple[tuple[str, Span], ...]
    settings: tuple[Setting, ...]
    span: Span


class PolicyDecl(Struct, frozen=True):
    name: str
    settings: tuple[Setting, ...]
    span: Span
    whens: tuple[PolicyWhen, ...] = ()


class Subject(Struct, frozen=True):
    kind: str | None  # None: the enterprise
    where: Expr | None
    timing: str  # each_year | once | once_in | consecutive
    timing_expr: Expr | None
    max_years: int | None
    span: Span


class Cap(Struct, frozen=True):
    amount: Expr
    scope: str
    span: Span


class OnePer(Struct, frozen=True):
    key: Expr
    scope: str
    unless: Expr | None
    span: Span


class When(Struct, frozen=True):
    """Statements that hold only when a reading takes one of the named alternatives."""

    reading: tuple[str, ...]  # (NAME,) of this policy, or (POLICY, NAME)
    alternatives: tuple[tuple[str, Span], ...]
    body: "Body"
    span: Span


class Body(Struct, frozen=True):
    """The statements of a clause or of one of its parts."""

    texts: tuple[str, ...] = ()
    readings: tuple[str, ...] = ()
    benefits: tuple[str, ...] = ()
    subject: Subject | None = None
    requires: tuple[Expr, ...] = ()
    pay: Expr | None = None
    up_to: bool = False
    caps: tuple[Cap, ...] = ()
    matter: tuple[str, Span] | None = None  # NAME (enterprise-wide), or item.FIELD (the item it is about)
    difference: tuple[str, Span] | None = None  # item.FIELD: the lower level a promoted item pays the difference to
    one_per: tuple[OnePer, ...] = ()
    fixed: Expr | None = None
    matches: tuple[str, Span] | None = None
    parts: tuple["PartDecl", ...] = ()
    whens: tuple[When, ...] = ()
    duplicates: tuple[tuple[str, Span], ...] = ()  # statements given twice


class PartDecl(Struct, frozen=True):
    name: str
    body: Body
    span: Span


class ClauseDecl(Struct, frozen=True):
    name: str
    article: str
    body: Body
    span: Span


class ConditionDecl(Struct, frozen=True):
    name: str
    article: str
    body: Body
    span: Span


class ArticleDecl(Struct, frozen=True):
    """An article that promises no money: procedural, or non-monetary, with a note."""

    article: str
    status: str
    note: str
    span: Span


class ReadingDecl(Struct, frozen=True):
    """An ambiguous sentence of an article, the ways it can be read, the default and why."""

    name: str
    article: str
    texts: tuple[str, ...]
    alternatives: tuple[tuple[str, str, Span], ...]  # (name, what it computes, where)
    default: tuple[str, str, Span] | None  # (alternative, why it was chosen, where)
    span: Span
    duplicates: tuple[tuple[str, Span], ...] = ()


class RuleFile(Struct, frozen=True):
    path: str
    vocabularies: tuple[Vocabulary, ...]
    policies: tuple[PolicyDecl, ...]
    conditions: tuple[ConditionDecl, ...]
    clauses: tuple[ClauseDecl, ...]
    articles: tuple[ArticleDecl, ...] = ()
    readings: tuple[ReadingDecl, ...] = ()
    chinese: tuple[tuple[str, str], ...] = ()  # (a note's English words, the same in Chinese: `zh "…"`)
