"""JSON Schemas of what the commands read and print (`subsidy schema NAME`).

The `--json` documents are described by record types (msgspec Structs) that mirror each
command's `to_json()`, and their schemas are generated from those types by msgspec; a test
decodes every JSON output into its type with unknown keys forbidden, so the types and the
outputs cannot drift apart. The profile's schema is generated from the vocabulary (every fact
with its description, type, unit and enum values; every kind of item with its fields), the
ledger's from its record type.
"""
from __future__ import annotations

from typing import Literal, Union

import msgspec
from msgspec import Struct

Money = int  # whole 元
Year = int


class _Doc(Struct, forbid_unknown_fields=True):
    pass


# -- optimize -------------------------------------------------------------------------------
class PolicyNames(_Doc):
    title: str
    short: str
    document: Union[str, None]


class ExplainedPayment(_Doc):
    """A payment as `explain` lists it; `optimize`'s payments add the policy's title."""
    policy: str
    article: str
    clause: str
    item: str
    year: Year
    amount: Money
    bound_by: str
    up_to: bool
    readings: list[str]
    draft: bool
    kind: Literal["computed", "discretionary"]
    readings_used: list[str]
    year_by_convention: bool


class Payment(ExplainedPayment):
    policy_title: str


class ReadingInEffect(_Doc):
    reading: str
    alternative: str
    default: bool


class MissingFact(_Doc):
    fact: str
    description: str
    articles: list[str]
    up_to: Union[Money, None]  # the most one payment of those articles can be by their texts' fixed figures


class NotTaken(_Doc):
    policy: str
    article: str
    clause: str
    item: str
    kind: Literal["draft", "out_of_force", "no_item", "missing", "ineligible", "below_minimum", "dominated",
                  "unproven"]
    reason: str


class Benefit(_Doc):
    policy: str
    article: str
    clause: str
    benefit: str


class Check(_Doc):
    candidates: int
    optimum: Money
    check: str


class Certificate(_Doc):
    method: str
    parts: int
    proven: bool
    checks: list[Check]


class RangeFigure(_Doc):
    total: Money
    computed_total: Money
    discretionary_total: Money
    status: Literal["optimal", "feasible", "unknown"]
    bound: Money
    readings: dict[str, str]


class Flip(_Doc):
    reading: str
    article: str
    alternative: str
    description: str
    total: Money
    status: Literal["optimal", "feasible", "unknown"]
    change: int


class Range(_Doc):
    default: RangeFigure
    conservative: RangeFigure
    generous: RangeFigure
    flips: list[Flip]
    ask_the_bureau: list[str]
    chosen: Union[RangeFigure, None] = None


class OptimizeDoc(_Doc):
    """`subsidy optimize --json` (README, "JSON output")."""
    schema: Literal[1]
    enterprise: str
    years: list[Year]
    status: Literal["optimal", "feasible", "unknown"]
    total: Money
    computed_total: Money
    discretionary_total: Money
    bound: Money
    policies: dict[str, PolicyNames]
    payments: list[Payment]
    readings_in_effect: list[ReadingInEffect]
    missing_facts: list[MissingFact]
    not_taken: list[NotTaken]
    benefits: list[Benefit]
    assumptions: list[str]
    certificate: Certificate
    range: Union[Range, None] = None


# -- explain --------------------------------------------------------------------------------
class ExplainDoc(_Doc):
    """`subsidy explain --json`."""
    policy: str
    policy_title: str
    article: str
    clause: str
    text: list[str]
    readings: list[str]
    readings_in_effect: list[ReadingInEffect]
    paid: list[ExplainedPayment]
    total: Money
    not_taken: list[NotTaken]
    status: Literal["optimal", "feasible", "unknown"]


# -- audit ----------------------------------------------------------------------------------
class Finding(_Doc):
    rule: str
    policy: str
    article: str
    article_text: str
    lines: list[int]
    excess: Union[Money, None]
    slack: Union[Money, None]


class LedgerLine(_Doc):
    line: int
    policy: str
    article: str
    item: str
    year: Year
    amount: Money


class DiagnosticDoc(_Doc):
    """A diagnostic as JSON: `file`, `line`, `column` where it has a place, `help` where it has one."""
    severity: Literal["error", "warning", "note"]
    code: str
    message: str
    file: Union[str, None] = None
    line: Union[int, None] = None
    column: Union[int, None] = None
    help: Union[str, None] = None


class AuditDoc(_Doc):
    """`subsidy audit --json`."""
    verdict: Literal["PASS", "FAIL", "UNKNOWN"]
    checked: list[Finding]
    violated: list[Finding]
    ledger: list[LedgerLine]
    discretionary_lines: list[int]
    warnings: list[DiagnosticDoc]  # e.g. E520: a spreadsheet's amounts look like 万元 read as 元


# -- prove ----------------------------------------------------------------------------------
class Witness(_Doc):
    policy: str
    article: str
    clause: str
    item: str
    year: Year
    amount: Money


class ByArticle(_Doc):
    article: str
    at_most: Money


class ArticleTime(_Doc):
    article: str
    seconds: float


class ProofTimings(_Doc):
    """Seconds of each step of one proof (solver/prove.py, `Timings`); None: the step was not made."""
    model: float  # building the symbolic model
    whole_try: Union[float, None]  # the claim asked whole for at most JOINT_FIRST seconds
    articles: list[ArticleTime]  # each article's most (Optimize), in order
    whole: Union[float, None]  # the claim asked whole with no limit but the command's
    not_vacuous: Union[float, None]  # the check that the bounds admit an enterprise paid something
    total: float


class Timings(ProofTimings):
    recheck: Union[ProofTimings, None]  # the proof asked again with one more item of each kind, if it was


class ProveDoc(_Doc):
    """`subsidy prove … --json`. `counterexample` is a profile (see the profile schema)."""
    verdict: Literal["PROVED", "REFUTED", "UNKNOWN"]
    claim: str
    years: list[Year]
    bounds: dict
    counterexample: Union[dict, None]
    witness: list[Witness]
    replay: Union[str, None]
    by_article: list[ByArticle]
    timings: Timings


# -- ledger (input) -------------------------------------------------------------------------
class LedgerPayment(Struct):
    """One payment of a ledger: the keys of an `optimize --json` payment (others are ignored)."""
    policy: str
    item: str
    year: Year
    amount: Union[Money, str]  # whole 元, or text with a unit: "12.5万"
    article: Union[str, None] = None  # or clause: one of the two names what was paid
    clause: Union[str, None] = None


class Ledger(Struct):
    """A YAML or JSON ledger: a mapping with a `payments` list (the JSON of `optimize --json` is one)."""
    payments: list[LedgerPayment]


OUTPUTS = {"optimize": OptimizeDoc, "explain": ExplainDoc, "audit": AuditDoc, "prove": ProveDoc}
NAMES = ("profile", "ledger", *OUTPUTS)


def schema(name: str, vocab=None) -> dict:
    """The JSON Schema (draft 2020-12) of NAME: `profile`, `ledger`, or a command's `--json` output."""
    if name == "profile":
        return profile_schema(vocab)
    kind = Ledger if name == "ledger" else OUTPUTS[name]
    doc = msgspec.json.schema(kind)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": f"subsidy {name}", **doc}


def check_output(name: str, doc: dict) -> None:
    """Raise msgspec.ValidationError unless `doc` is a valid NAME output (no undocumented key)."""
    msgspec.convert(doc, OUTPUTS[name], strict=True)


_MONEY = {"anyOf": [{"type": "integer", "minimum": 0},
                    {"type": "string", "pattern": r"^\s*[0-9][0-9,]*(\.[0-9]+)?\s*(元|万|万元|亿|亿元)?\s*$"}],
          "description": "whole 元, or text with a unit: 500万, 1.8亿, 12000元"}
_TYPES = {
    "money": _MONEY,
    "rate": {"type": "string", "pattern": r"^\s*[0-9]+(\.[0-9]+)?\s*%\s*$|^\s*[0-9]+\s*:\s*[0-9]+\s*$",
             "description": "a quoted rate: \"6%\" or a ratio \"1:1\""},
    "count": {"type": "integer", "minimum": 0},
    "bool": {"type": "boolean"},
    "year": {"type": "integer", "minimum": 1900, "maximum": 2200},
    "date": {"type": "string", "format": "date", "description": "YYYY-MM-DD"},
    "text": {"type": "string"},
    "item": {"type": "string", "description": "the id of another item of the profile"},
}


def _value(info, vocab) -> dict:
    if info.type.startswith("enum:"):
        base = {"enum": list(vocab.enums[info.type.split(":", 1)[1]])}
    else:
        base = dict(_TYPES[info.type])
    if info.per_year:
        base = {"type": "object", "propertyNames": {"pattern": "^[0-9]{4}$"}, "additionalProperties": base,
                "description": "per year: {2024: …, 2025: …}"}
    return {**base, "description": info.label + (f" ({base['description']})" if "description" in base else "")}


_YEARS = {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": r"^\s*[0-9]{4}\s*(-\s*[0-9]{4})?\s*$"},
                    {"type": "array", "items": {"type": "integer"}}],
          "description": "2025, \"2024-2027\" or [2025, 2026]"}


def profile_schema(vocab=None) -> dict:
    """The profile as the vocabulary declares it (the bundled one unless another is given)."""
    if vocab is None:
        from . import pipeline
        vocab = pipeline.load_rules(None).vocab
    facts = {name: _value(info, vocab) for name, info in sorted(vocab.facts.items())}
    kinds = []
    for name, kind in sorted(vocab.kinds.items()):
        fields = {f: _value(info, vocab) for f, info in sorted(kind.fields.items())}
        kinds.append({"type": "object", "title": name, "description": kind.label,
                      "properties": {"id": {"type": "string", "not": {"const": "enterprise"}}, "kind": {"const": name},
                                     "years": _YEARS, "date": {"type": "string", "format": "date",
                                                               "description": "the day of the item's event"},
                                     **fields},
                      "required": ["id", "kind"], "additionalProperties": False})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "subsidy profile",
        "type": "object", "additionalProperties": False,
        "properties": {
            "enterprise": {"type": "string", "description": "the enterprise's name (default: the file's name)"},
            "years": _YEARS,
            "facts": {"type": "object", "properties": facts, "additionalProperties": False},
            "items": {"type": "array", "items": {"oneOf": kinds}},
        },
    }
