"""The checked model: names, types, dates and scopes resolved; what later stages consume."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from . import ast
from .diagnostics import Span

BASE_TYPES = ("money", "rate", "count", "bool", "year", "date", "text")
SCOPES = ("payment", "item_year", "item", "enterprise_year", "enterprise")


@dataclass(frozen=True, slots=True)
class FactInfo:
    name: str
    type: str  # one of BASE_TYPES, or "enum:<name>"
    per_year: bool
    label: str
    span: Span
    default: object = None  # the exact value used when a profile does not give the fact

    @property
    def has_default(self) -> bool:
        return self.default is not None


@dataclass(frozen=True, slots=True)
class KindInfo:
    name: str
    label: str
    fields: dict[str, FactInfo]
    span: Span


@dataclass(frozen=True, slots=True)
class Vocab:
    enums: dict[str, tuple[str, ...]]
    facts: dict[str, FactInfo]
    kinds: dict[str, KindInfo]

    def enum_of(self, value: str) -> list[str]:
        return [name for name, values in self.enums.items() if value in values]


@dataclass(frozen=True, slots=True)
class Policy:
    id: str
    title: str
    document: str
    issuer: str
    level: str  # city | district
    region: str
    in_force: tuple[date, date | None]
    status: str  # in_force | draft
    supersedes: str | None
    rounding: tuple[int, int] | None  # (step 元, minimum 元)
    no_duplication: str | None
    assumptions: tuple[str, ...]
    span: Span
    order: int

    def in_force_in(self, year: int) -> bool:
        start, end = self.in_force
        return start.year <= year and (end is None or end.year >= year)

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


@dataclass(frozen=True, slots=True)
class Condition:
    policy: str
    name: str
    article: str
    texts: tuple[str, ...]
    readings: tuple[str, ...]
    requires: tuple[ast.Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Cap:
    amount: ast.Expr
    scope: str
    span: Span


@dataclass(frozen=True, slots=True)
class Part:
    """One way a clause pays: its subject, conditions, amount and part-level ceilings."""

    name: str | None
    subject: ast.Subject
    requires: tuple[ast.Expr, ...]
    pay: ast.Expr
    up_to: bool
    caps: tuple[Cap, ...]
    matter: str | None
    fixed: ast.Expr | None
    texts: tuple[str, ...]
    span: Span
    matches: str | None = None  # pays only on an item this policy's plan also pays (配套)
    readings: tuple[str, ...] = ()  # the part's own readings (the clause's are on the clause)


@dataclass(frozen=True, slots=True)
class Clause:
    policy: str
    name: str
    article: str
    texts: tuple[str, ...]
    readings: tuple[str, ...]
    benefits: tuple[str, ...]
    parts: tuple[Part, ...]
    caps: tuple[Cap, ...]  # clause-level ceilings: across all parts
    one_per: tuple[ast.OnePer, ...]
    span: Span
    order: int

    @property
    def key(self) -> str:
        return f"{self.policy}.{self.name}"

    def part_key(self, part: Part) -> str:
        return self.key if part.name is None else f"{self.key}.{part.name}"


@dataclass(frozen=True, slots=True)
class Ruleset:
    vocab: Vocab
    policies: dict[str, Policy]
    conditions: tuple[Condition, ...]
    clauses: tuple[Clause, ...]
    files: tuple[str, ...] = field(default=())
    articles: tuple[tuple[str, ast.ArticleDecl], ...] = ()  # (policy, article that pays nothing)

    def clause(self, key: str) -> Clause | None:
        for c in self.clauses:
            if key in (c.key, f"{c.policy}.{c.article}", c.article, c.name):
                return c
        return None
