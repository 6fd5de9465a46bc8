"""The rule language's syntax tree: immutable nodes, each with the span it came from."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from .diagnostics import Span


# ---- expressions ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Literal:
    value: object  # int 元 for money, Fraction for rate, int for count/year, date, str, bool
    type: str  # money | rate | count | date | text | bool
    span: Span


@dataclass(frozen=True, slots=True)
class Ref:
    """A name: an enterprise fact (`rd_expense`), an item field (`item.level`) or an enum value."""

    path: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class CurrentYear:
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple["Expr", ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Arith:
    op: str  # + - *
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class Member:
    expr: "Expr"
    names: tuple[tuple[str, Span], ...]
    span: Span


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # and | or
    items: tuple["Expr", ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Not:
    expr: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class IfElse:
    cond: "Expr"
    then: "Expr"
    other: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class FirstTier:
    """The amount of the highest threshold `series` first reaches this year (0 if none)."""

    series: "Expr"
    tiers: tuple[tuple["Expr", "Expr"], ...]  # (threshold, amount), as written
    span: Span


@dataclass(frozen=True, slots=True)
class Neg:
    expr: "Expr"
    span: Span


Expr = Union[Literal, Ref, CurrentYear, Call, Arith, Compare, Member, BoolOp, Not, IfElse, Neg, FirstTier]


# ---- vocabulary ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EnumDecl:
    name: str
    values: tuple[tuple[str, Span], ...]
    span: Span


@dataclass(frozen=True, slots=True)
class FactDecl:
    """A typed fact of the enterprise (`fact`) or of an item (`field`)."""

    name: str
    type: str
    per_year: bool
    label: str
    span: Span
    type_span: Span
    default: "Expr | None" = None  # the value when a profile does not give it


@dataclass(frozen=True, slots=True)
class KindDecl:
    name: str
    label: str
    fields: tuple[FactDecl, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Vocabulary:
    enums: tuple[EnumDecl, ...]
    facts: tuple[FactDecl, ...]
    kinds: tuple[KindDecl, ...]
    span: Span


# ---- policies and clauses ------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    value: object  # str, date, (date, date), (int, int) for rounding
    kind: str  # string | name | date | date_range | rounding
    span: Span
    value_span: Span


@dataclass(frozen=True, slots=True)
class PolicyDecl:
    name: str
    settings: tuple[Setting, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str | None  # None: the enterprise
    where: Expr | None
    timing: str  # each_year | once | once_in | consecutive
    timing_expr: Expr | None
    max_years: int | None
    span: Span


@dataclass(frozen=True, slots=True)
class Cap:
    amount: Expr
    scope: str
    span: Span


@dataclass(frozen=True, slots=True)
class OnePer:
    key: Expr
    scope: str
    unless: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class Body:
    """The statements of a clause or of one of its parts."""

    texts: tuple[str, ...] = ()
    readings: tuple[str, ...] = ()
    benefits: tuple[str, ...] = ()
    subject: Subject | None = None
    requires: tuple[Expr, ...] = ()
    pay: Expr | None = None
    up_to: bool = False
    caps: tuple[Cap, ...] = ()
    matter: tuple[str, Span] | None = None
    one_per: tuple[OnePer, ...] = ()
    fixed: Expr | None = None
    matches: tuple[str, Span] | None = None
    parts: tuple["PartDecl", ...] = ()
    duplicates: tuple[tuple[str, Span], ...] = ()  # statements given twice


@dataclass(frozen=True, slots=True)
class PartDecl:
    name: str
    body: Body
    span: Span


@dataclass(frozen=True, slots=True)
class ClauseDecl:
    name: str
    article: str
    body: Body
    span: Span


@dataclass(frozen=True, slots=True)
class ConditionDecl:
    name: str
    article: str
    body: Body
    span: Span


@dataclass(frozen=True, slots=True)
class ArticleDecl:
    """An article that promises no money: procedural, or non-monetary, with a note."""

    article: str
    status: str
    note: str
    span: Span


@dataclass(frozen=True, slots=True)
class RuleFile:
    path: str
    vocabularies: tuple[Vocabulary, ...]
    policies: tuple[PolicyDecl, ...]
    conditions: tuple[ConditionDecl, ...]
    clauses: tuple[ClauseDecl, ...]
    articles: tuple[ArticleDecl, ...] = ()
