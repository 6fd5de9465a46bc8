"""Readings: choosing the alternatives the rules are read under, and how much money rests on them.

A rule file declares a reading of an ambiguous sentence with named alternatives and a default
(`reading NAME "ARTICLE" { … }`); clauses say what changes under each (`when NAME is ALT { … }`).
The checker keeps every variant (model.Ruleset.variants); `select` swaps in the chosen ones, so
every later stage reads an ordinary rule set.
"""
from __future__ import annotations

from msgspec.structs import replace

from .diagnostics import Diagnostic, DiagnosticError, did_you_mean
from .model import Reading, Ruleset


def parse_choices(ruleset: Ruleset, texts: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`--reading ID=ALT` options -> {reading key: alternative}. ID is POLICY.NAME, or NAME
    where one policy alone declares it. Anything unknown is a diagnostic naming the nearest."""
    choice: dict[str, str] = {}
    for text in texts:
        name, sep, alt = text.partition("=")
        name, alt = name.strip(), alt.strip()
        if not sep or not name or not alt:
            raise DiagnosticError(Diagnostic("error", "E310", f"--reading '{text}' is not ID=ALTERNATIVE", None,
                                             "e.g. --reading tongzhou.rd_amount=flat; `subsidy readings` lists them"))
        reading = find_reading(ruleset, name)
        names = [a.name for a in reading.alternatives]
        if alt not in names:
            raise DiagnosticError(Diagnostic("error", "E312", f"reading '{reading.key}' has no alternative '{alt}'",
                                             None, did_you_mean(alt, names) or f"alternatives: {', '.join(names)}"))
        if choice.get(reading.key, alt) != alt:
            raise DiagnosticError(Diagnostic("error", "E313", f"reading '{reading.key}' is chosen twice", None,
                                             "give each reading one --reading"))
        choice[reading.key] = alt
    return choice


def find_reading(ruleset: Ruleset, name: str) -> Reading:
    if name in ruleset.readings:
        return ruleset.readings[name]
    matches = [r for r in ruleset.readings.values() if r.name == name]
    if len(matches) == 1:
        return matches[0]
    if matches:
        keys = ", ".join(r.key for r in matches)
        raise DiagnosticError(Diagnostic("error", "E311", f"reading '{name}' is declared by several policies", None,
                                         f"name one of: {keys}"))
    known = list(ruleset.readings) + [r.name for r in ruleset.readings.values()]
    raise DiagnosticError(Diagnostic("error", "E311", f"unknown reading '{name}'", None,
                                     did_you_mean(name, known) or "`subsidy readings` lists every reading"))


def select(ruleset: Ruleset, choice: dict[str, str]) -> Ruleset:
    """The rule set read under `choice` (reading key -> alternative; the default elsewhere)."""
    chosen = tuple(sorted((k, a) for k, a in choice.items() if ruleset.readings[k].default != a))
    if chosen == ruleset.chosen:
        return ruleset
    wanted = {k: r.default for k, r in ruleset.readings.items()} | choice

    def pick(item):
        if not item.readings_used:
            return item
        on = tuple((k, wanted[k]) for k in item.readings_used)
        variant = next(v for v in ruleset.variants[item.key] if v.on == on)
        return variant.clause or variant.condition or variant.policy

    return replace(ruleset, clauses=tuple(map(pick, ruleset.clauses)),
                   conditions=tuple(map(pick, ruleset.conditions)),
                   policies={pid: pick(p) for pid, p in ruleset.policies.items()}, chosen=chosen)


def in_effect(ruleset: Ruleset) -> dict[str, str]:
    """Every reading's alternative in this rule set."""
    return {k: r.default for k, r in ruleset.readings.items()} | dict(ruleset.chosen)


def shaped_by(ruleset: Ruleset, key: str) -> list[str]:
    """The clauses and conditions whose text the reading `key` shapes."""
    return [k for k, variants in ruleset.variants.items()
            if key in (variants[0].clause or variants[0].condition or variants[0].policy).readings_used]


def listing(ruleset: Ruleset, policy: str | None = None) -> list[dict]:
    """Every reading (of one policy): what `subsidy readings` prints and its JSON."""
    out = []
    for r in ruleset.readings.values():
        if policy and r.policy != policy:
            continue
        out.append({"reading": r.key, "policy": r.policy, "article": r.article, "text": list(r.texts),
                    "alternatives": [{"name": a.name, "description": ruleset.say(a.description)} for a in r.alternatives],
                    "default": r.default, "why": ruleset.say(r.reason), "shapes": shaped_by(ruleset, r.key)})
    return out
