"""`subsidy check --deep`: questions about the rules themselves, answered by Z3 for every
enterprise the rules admit — clauses that can never pay, ceilings that can never bind, clauses
whose amount has no ceiling, and clauses that can pay one item with no rule between them."""
from __future__ import annotations

from fractions import Fraction

import z3
from msgspec import Struct

from . import limits
from .model import Clause, Ruleset
from .prove import with_support
from .symbolic import SymbolicModel, SymbolicProblem

HUGE = 10 ** 9  # 10亿: more than any ceiling in these documents allows one payment


class Finding(Struct, frozen=True):
    kind: str  # never_pays | ceiling_never_binds | unbounded | overlap | skipped
    clause: str
    article: str
    message: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "clause": self.clause, "article": self.article, "message": self.message}


#: A published rate compared with a growth is pinned here, so that the questions stay linear.
PINNED_RATE = Fraction(5, 100)


def _model(rules: Ruleset, clauses: list[Clause], timeout_ms: int, items: int = 1) -> tuple[SymbolicModel, _Asker]:
    clauses = with_support(rules, clauses)
    years = []
    for pid in sorted({c.policy for c in clauses}):
        start, end = rules.policies[pid].in_force
        years += list(range(start.year, min(end.year if end else start.year + 2, start.year + 2) + 1))
    pinned = {f.name: PINNED_RATE for f in rules.vocab.facts.values() if f.type == "rate"}
    model = SymbolicModel(rules, clauses, tuple(sorted(set(years))), items, pinned, money_max=10 ** 13)
    return model, _Asker(model, timeout_ms)


class _Asker:
    """Questions about one symbolic model, each within the time limit, one solver for them all
    until one is not decided in time: the next question goes to a new solver, since Z3's answers
    after an interrupted check are not sanctioned (Z3Prover/z3#5062), and a wrong `unsat` would
    report a part that can never pay."""

    def __init__(self, model: SymbolicModel, timeout_ms: int):
        self.model, self.timeout_ms = model, timeout_ms
        self.solver = self._new()

    def _new(self) -> z3.Solver:
        solver = limits.bounded(z3.Solver())
        solver.set("timeout", self.timeout_ms)
        solver.add(*self.model.constraints)
        return solver

    def check(self, question: z3.BoolRef):
        answer = limits.check(self.solver, question)
        if answer == z3.unknown:
            self.solver = self._new()
        return answer


def deep_check(rules: Ruleset, timeout_ms: int = 5000) -> list[Finding]:
    findings: list[Finding] = []
    for clause in rules.clauses:
        if not clause.parts:
            continue
        try:
            model, asker = _model(rules, [clause], timeout_ms)
        except SymbolicProblem as err:  # pragma: no cover - rate facts are pinned above
            findings.append(Finding("skipped", clause.key, clause.article, str(err)))
            continue
        for part in clause.parts:
            mine = [c for c in model.candidates if c.clause.key == clause.key and c.part is part]
            label = clause.part_key(part)
            if not mine or asker.check(z3.Or([c.paid for c in mine])) == z3.unsat:
                findings.append(Finding("never_pays", label, clause.article,
                                        "no enterprise can ever be paid by this part: its conditions never hold together"))
                continue
            if asker.check(z3.Or([c.amount > HUGE for c in mine])) == z3.sat:
                findings.append(Finding("unbounded", label, clause.article,
                                        "no ceiling: one payment can exceed 10亿 when the facts are large enough"))
        for cap in [c for p in clause.parts for c in p.caps] + list(clause.caps):
            if not _can_bind(model, clause, cap, rules, timeout_ms):
                findings.append(Finding("ceiling_never_binds", clause.key, clause.article,
                                        f"the ceiling 'cap … per {cap.scope}' (line {cap.span.line}) never binds: "
                                        "the amount it bounds can never exceed it"))
    findings += _overlaps(rules)
    return findings


def _can_bind(model: SymbolicModel, clause: Clause, cap, rules: Ruleset, timeout_ms: int) -> bool:
    """Could the amounts under this ceiling, uncapped by it, ever exceed it?"""
    stripped = _without_cap(clause, cap)
    # a ceiling per enterprise (and year) can bind only over several items: per-unit awards of
    # 5万 under a 50万 ceiling need eleven of them
    items = 12 if cap.scope in ("enterprise_year", "enterprise") else 1
    try:
        free, asker = _model(rules, [stripped], timeout_ms, items)
    except SymbolicProblem:
        return True
    mine = [c for c in free.candidates if c.clause.key == clause.key]
    if not mine:
        return True
    item = mine[0].item
    limit = free.expr(cap.amount, item, mine[0].year)
    if cap.scope in ("payment", "item_year"):
        return asker.check(z3.Or([z3.ToReal(c.amount) > limit for c in mine])) != z3.unsat
    return asker.check(z3.ToReal(z3.Sum([c.amount for c in mine])) > limit) != z3.unsat


def _without_cap(clause: Clause, cap) -> Clause:
    from msgspec.structs import replace
    parts = tuple(replace(p, caps=tuple(c for c in p.caps if c is not cap)) for p in clause.parts)
    return replace(clause, parts=parts, caps=tuple(c for c in clause.caps if c is not cap))


def _overlaps(rules: Ruleset) -> list[Finding]:
    """Pairs of clauses of one region that pay the same kind of item with no 从优不重复 between them."""
    out = []
    clauses = [c for c in rules.clauses if c.parts]
    for i, a in enumerate(clauses):
        for b in clauses[i + 1:]:
            pa, pb = rules.policies[a.policy], rules.policies[b.policy]
            if pa.region != pb.region or a.key == b.key:
                continue
            if pa.no_duplication and pa.no_duplication == pb.no_duplication:
                continue
            kinds = {p.subject.kind for p in a.parts} & {p.subject.kind for p in b.parts} - {None}
            for kind in sorted(kinds):
                out.append(Finding("overlap", f"{a.key} / {b.key}", f"{a.article} / {b.article}",
                                   f"both can pay one item of kind {kind} and no non-duplication rule is between them"))
    return out
