"""`subsidy prove`: claims about every enterprise the rules admit, PROVED or REFUTED with a
counter-example profile that `subsidy optimize --only …` replays above the claim."""
from __future__ import annotations

import time

import z3
from msgspec import Struct
from msgspec.structs import replace

from .model import Clause, Ruleset
from .symbolic import MONEY_MAX, SymbolicModel, SymbolicProblem


class Claim(Struct, frozen=True):
    kind: str  # at_most | no_double
    policy: str | None = None
    article: str | None = None
    per: str = "enterprise"  # item | enterprise
    year: int | None = None
    amount: int = 0
    group: str | None = None

    def describe(self) -> str:
        if self.kind == "no_double":
            return f"no item is paid by two clauses of non-duplication group {self.group}"
        what = f"{self.policy}{' ' + self.article if self.article else ''}"
        when = f"in {self.year}" if self.year else "over all years"
        return f"the total from {what} per {self.per} {when} is at most {self.amount} 元"


class Proof(Struct, frozen=True):
    verdict: str  # PROVED | REFUTED | UNKNOWN
    claim: Claim
    years: tuple[int, ...]
    counterexample: dict | None  # a profile
    witness: tuple[dict, ...]  # the counter-example's payments
    replay: str | None  # the command that replays it

    def to_json(self) -> dict:
        return {"verdict": self.verdict, "claim": self.claim.describe(), "years": list(self.years),
                "counterexample": self.counterexample, "witness": list(self.witness), "replay": self.replay}


def selected(rules: Ruleset, policy: str, article: str | None) -> list[Clause]:
    return [c for c in rules.clauses if c.policy == policy and (article is None or article in (c.article, c.key, c.name))]


def with_support(rules: Ruleset, clauses: list[Clause]) -> list[Clause]:
    """The clauses, and the clauses of every policy they match (配套 needs its city award)."""
    wanted = {p.matches for c in clauses for p in c.parts if p.matches}
    extra = [c for c in rules.clauses if c.policy in wanted and c not in clauses]
    return clauses + extra


def default_years(rules: Ruleset, policies: set[str]) -> tuple[int, ...]:
    years: set[int] = set()
    for pid in policies:
        start, end = rules.policies[pid].in_force
        last = end.year if end else start.year + 4
        years.update(range(start.year, min(last, start.year + 5) + 1))
    return tuple(sorted(years))


def prove(rules: Ruleset, claim: Claim, years: tuple[int, ...] | None = None, items: int = 2,
          pinned: dict | None = None, money_max: int = MONEY_MAX, deadline: float | None = None) -> Proof:
    """PROVED, REFUTED with a counter-example, or UNKNOWN when Z3 has not decided by `deadline`
    (a `time.perf_counter()` instant: the command's --timeout counts from its start, so reading
    the rules and building the symbolic model, 0.25 s for 平谷 with 6 items, count too)."""
    if claim.kind == "no_double":
        clauses = [c for c in rules.clauses if rules.policies[c.policy].no_duplication == claim.group]
    else:
        clauses = selected(rules, claim.policy, claim.article)
    clauses = with_support(rules, clauses)
    policies = {c.policy for c in clauses}
    years = years or default_years(rules, policies)
    per_item = 1 if claim.kind == "at_most" and claim.per == "item" else items
    model = SymbolicModel(rules, clauses, years, per_item, pinned or {}, money_max)
    solver = z3.Solver()
    solver.add(*model.constraints)
    solver.add(_negation(model, claim))
    if deadline is not None:
        left = int((deadline - time.perf_counter()) * 1000)
        if left <= 0:
            return Proof("UNKNOWN", claim, years, None, (), None)
        solver.set("timeout", left)
    result = solver.check()
    if result == z3.unsat:
        return Proof("PROVED", claim, years, None, (), None)
    if result == z3.unknown:
        return Proof("UNKNOWN", claim, years, None, (), None)
    m = solver.model()
    profile = model.profile_of(m)
    profile = {"enterprise": "counter-example", "years": f"{years[0]}-{years[-1]}", **profile}
    witness = tuple({"policy": c.clause.policy, "article": c.clause.article, "clause": c.clause.part_key(c.part),
                     "item": c.subject, "year": c.year, "amount": m.eval(c.amount).as_long()}
                    for c in model.candidates if m.eval(c.amount, model_completion=True).as_long() > 0)
    only = claim.policy + (f".{claim.article}" if claim.article else "") if claim.kind == "at_most" else claim.group
    return Proof("REFUTED", claim, years, profile, witness, f"subsidy optimize COUNTEREXAMPLE --only {only}")


def _negation(model: SymbolicModel, claim: Claim):
    if claim.kind == "no_double":
        by_subject: dict = {}  # the matter each payment is about, as 从优不重复 groups them
        for c in model.candidates:
            matter = c.subject if c.item else f"enterprise:{c.part.matter or c.clause.key}:{c.year}"
            by_subject.setdefault(matter, {}).setdefault(c.clause.key, []).append(c.paid)
        doubles = []
        for clauses in by_subject.values():
            keys = sorted(clauses)
            for i, a in enumerate(keys):
                for b in keys[i + 1:]:
                    if model.rules.policies[a.split(".")[0]].no_duplication == claim.group == \
                            model.rules.policies[b.split(".")[0]].no_duplication:
                        doubles.append(z3.And(z3.Or(clauses[a]), z3.Or(clauses[b])))
        return z3.Or(doubles) if doubles else z3.BoolVal(False)
    mine = [c for c in model.candidates if c.clause.policy == claim.policy
            and (claim.article is None or claim.article in (c.clause.article, c.clause.key, c.clause.name))
            and (claim.year is None or c.year == claim.year)]
    if not mine:
        return z3.BoolVal(False)
    if claim.per == "item":
        subjects = sorted({c.subject for c in mine})
        return z3.Or([z3.Sum([c.amount for c in mine if c.subject == s]) > claim.amount for s in subjects])
    return z3.Sum([c.amount for c in mine]) > claim.amount


def restrict(rules: Ruleset, only: list[str]) -> Ruleset:
    """The rules cut down to the named policies, clauses or groups (and what they match)."""
    keep = []
    for c in rules.clauses:
        group = rules.policies[c.policy].no_duplication
        for spec in only:
            policy, _, article = spec.partition(".")
            if (policy == c.policy and (not article or article in (c.article, c.name))) or spec == group:
                keep.append(c)
                break
    return replace(rules, clauses=tuple(sorted(with_support(rules, keep), key=lambda c: c.order)))


__all__ = ["Claim", "Proof", "prove", "restrict", "SymbolicProblem"]
