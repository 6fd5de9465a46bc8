"""The checked model: names, types, dates and scopes resolved; what later stages consume."""
# No `from __future__ import annotations` here, in ast.py or in diagnostics.py, where the Ruleset's
# records live: the rules cache and the shipped rules decode into them, and msgspec reads every
# field's type on a process's first decode. Annotations kept as text are evaluated one by one
# (2.5-4 ms of every command for the Ruleset's 148 fields); as objects, 1.2-2 ms (fresh
# processes, 6 runs each). Forward references are quoted.

from datetime import date
from functools import lru_cache

from msgspec import Struct

from . import ast
from .diagnostics import Span
from .i18n import zh

BASE_TYPES = ("money", "rate", "count", "bool", "year", "date", "text", "item")  # item: the id of another item
SCOPES = ("payment", "item_year", "item", "enterprise_year", "enterprise")
YEAR_CLAIMS = ("any_day", "while_in_force")
#: `first_reaches(x, …)` and `first_tier(x)` read x's history before the years a profile gives from
#: the fact (or field) x_record: the highest yearly figure before them (0 for a new enterprise).
RECORD_SUFFIX = "_record"


class FactInfo(Struct, frozen=True):
    name: str
    type: str  # one of BASE_TYPES, or "enum:<name>"
    per_year: bool
    label: str
    span: Span
    default_raw: int | bool | str | tuple[int, int] | None = None  # ast.to_raw of the default, if any

    @property
    def default(self):
        """The exact value used when a profile does not give the fact (None: no default)."""
        return None if self.default_raw is None else ast.from_raw(self.default_raw, self.type)

    @property
    def has_default(self) -> bool:
        return self.default_raw is not None


class KindInfo(Struct, frozen=True):
    name: str
    label: str
    fields: dict[str, FactInfo]
    span: Span


class Vocab(Struct, frozen=True):
    enums: dict[str, tuple[str, ...]]
    facts: dict[str, FactInfo]
    kinds: dict[str, KindInfo]

    def enum_of(self, value: str) -> list[str]:
        return [name for name, values in self.enums.items() if value in values]


class Policy(Struct, frozen=True):
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
    year_claims: str = "any_day"  # which years' figures it pays: any_day | while_in_force (YEAR_CLAIMS)
    readings_used: tuple[str, ...] = ()  # keys of the readings whose alternative shaped its settings
    short: str = ""  # the short title people call it by (tables in Chinese); the title when not given
    source: str | None = None  # the path of its published text (`source "texts/…"`), resolved; None: not given

    @property
    def key(self) -> str:
        return f"policy {self.id}"

    @property
    def validity(self) -> str:
        """Its dates, as messages give them: 'in force 2025-08-29 to 2027-08-28'."""
        return _validity(*self.in_force, zh())

    def in_force_in(self, year: int) -> bool:
        """In force on at least one day of the year."""
        start, end = self.in_force
        return start.year <= year and (end is None or end.year >= year)

    def in_force_on(self, day: date) -> bool:
        start, end = self.in_force
        return start <= day and (end is None or day <= end)

    def partly_in_force(self, year: int) -> bool:
        """In force on some days of the year and not on others: an event of that year needs its date."""
        start, end = self.in_force
        return self.in_force_in(year) and ((start.year == year and start > date(year, 1, 1)) or
                                           (end is not None and end.year == year and end < date(year, 12, 31)))

    def pays_year(self, year: int) -> bool:
        """Whether a year's figures (output, R&D, orders executed in the year …) are paid: the
        policy is in force on a day of the year and, where `year_claims` is while_in_force, still
        in force on 1 January after it, when the year's figures are claimed."""
        if not self.in_force_in(year):
            return False
        return self.year_claims == "any_day" or self.in_force_on(date(year + 1, 1, 1))

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


class Alternative(Struct, frozen=True):
    name: str
    description: str  # what the engine computes under it
    span: Span


class Reading(Struct, frozen=True):
    """An ambiguous sentence of an article and the ways the rules can read it (DESIGN §7)."""

    policy: str
    name: str
    article: str
    texts: tuple[str, ...]
    alternatives: tuple[Alternative, ...]
    default: str
    reason: str  # why the default was chosen
    span: Span

    @property
    def key(self) -> str:
        return f"{self.policy}.{self.name}"


class Condition(Struct, frozen=True):
    policy: str
    name: str
    article: str
    texts: tuple[str, ...]
    readings: tuple[str, ...]
    requires: tuple[ast.Expr, ...]
    span: Span
    readings_used: tuple[str, ...] = ()  # keys of the readings whose alternative shaped it

    @property
    def key(self) -> str:
        return f"condition {self.policy}.{self.name}"


class Cap(Struct, frozen=True):
    amount: ast.Expr
    scope: str
    span: Span


class Part(Struct, frozen=True):
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
    difference: str | None = None  # 晋级享受差额支持: the item field naming the lower level it was promoted from
    readings_used: tuple[str, ...] = ()  # keys of the readings whose alternative shaped this part


class Clause(Struct, frozen=True):
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
    readings_used: tuple[str, ...] = ()  # keys of the readings whose alternative shaped it

    @property
    def key(self) -> str:
        return f"{self.policy}.{self.name}"

    def part_key(self, part: Part) -> str:
        return self.key if part.name is None else f"{self.key}.{part.name}"


class Variant(Struct, frozen=True):
    """A clause or condition as it reads under one alternative of each reading it uses."""

    on: tuple[tuple[str, str], ...]  # (reading key, alternative), by reading key
    clause: Clause | None = None
    condition: Condition | None = None
    policy: Policy | None = None


class Ruleset(Struct, frozen=True):
    vocab: Vocab
    policies: dict[str, Policy]
    conditions: tuple[Condition, ...]  # as the default readings read them
    clauses: tuple[Clause, ...]  # as the default readings read them
    files: tuple[str, ...] = ()
    articles: tuple[tuple[str, ast.ArticleDecl], ...] = ()  # (policy, article that pays nothing)
    readings: dict[str, Reading] = {}  # by key, POLICY.NAME
    variants: dict[str, tuple[Variant, ...]] = {}  # by clause or condition key: every combination
    chosen: tuple[tuple[str, str], ...] = ()  # alternatives other than the defaults (solver/readings.py)
    chinese: dict[str, str] = {}  # a rule file's English note -> the same in Chinese (its `zh "…"`)

    def say(self, note: str) -> str:
        """A note of the rule files (a clause's reading, an alternative, a reason) in the output's
        language: its Chinese words where the rule file gives them and the output is Chinese."""
        return self.chinese.get(note, note) if zh() else note

    def clause(self, key: str) -> Clause | None:
        """A clause by POLICY.NAME, POLICY.ARTICLE or ARTICLE, the article in the document's own
        spelling or a common other one (`(七)` for `（七）`, `第3条` for `第三条`), the policy by its
        id or its district (`通州.（七）`: the one 通州区 document that has a （七）)."""
        policy, _, rest = key.partition(".")
        article = document_spelling(rest or key)
        for c in self.clauses:
            if key in (c.key, f"{c.policy}.{c.article}", c.article, c.name) or \
                    (rest and policy == c.policy and article in (c.article, c.name)):
                return c
        region = policy if policy.endswith("区") else policy + "区"
        found = [c for c in self.clauses if rest and self.policies[c.policy].region == region and c.article == article]
        return found[0] if len({c.policy for c in found}) == 1 else None


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..99 as the documents write them: 三, 十二, 二十, 二十一."""
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else _DIGITS[tens]) + "十" if tens else "") + (_DIGITS[ones] if ones else "")


def document_spelling(label: str) -> str:
    """An article label as the documents spell it: half-width brackets become full-width, and
    Arabic numbers Chinese (`(7)` → `（七）`, `第3条` → `第三条`); anything else is kept."""
    import re
    label = label.strip().replace("(", "（").replace(")", "）")
    return re.sub(r"(?<=[第（])(\d{1,2})(?=[条）])", lambda m: chinese_number(int(m.group(1))) if 0 < int(m.group(1)) < 100
                  else m.group(1), label)


@lru_cache(maxsize=256)
def _validity(start: date, end: date | None, chinese: bool) -> str:
    """`Policy.validity`, written once per policy and language: grounding writes it into every
    refusal of a subject out of force (12,000 at 5000 items × 5 years)."""
    if chinese:
        return f"有效期 {start}{f' 至 {end}' if end else ' 起'}"
    return f"in force {start}{f' to {end}' if end else ' on'}"
