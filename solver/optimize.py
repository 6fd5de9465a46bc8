"""Stage 4: the constraint model -> Z3 -> a plan, proven optimal or reported with its gap.

Encoding (see README, "How the optimizer works"): a 0/1 integer per candidate payment; an
amount that is that 0/1 times the payment's closed-form maximum, or, only where a shared
ceiling couples it to others, an integer number of rounding units. Choices (从优不重复, one
city direction a year, windows of years) are at-most-one constraints over 0/1 integers. The
model is split into independent parts, each solved by `Optimize` and then certified by a
plain `Solver`: "this part pays at least 1元 more" must be UNSAT before the plan is called
optimal. Every plan is re-checked in exact integers before it is returned.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import z3

from .ground import Candidate, Grounded


@dataclass(frozen=True, slots=True)
class Plan:
    status: str  # optimal | feasible | unknown | infeasible
    total: int
    bound: int  # proven upper bound of the total
    amounts: dict[int, int]  # candidate index -> amount paid (> 0)
    parts: int  # independent parts solved
    certificate: tuple[dict, ...]  # per part: its optimum and the UNSAT check that nothing pays more
    seconds: float


class PlanError(Exception):
    """The profile contradicts the rules (e.g. two granted city awards in two directions)."""


def _components(g: Grounded) -> list[list[int]]:
    parent = list(range(len(g.candidates)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(members) -> None:
        members = list(members)
        for m in members[1:]:
            parent[find(m)] = find(members[0])

    for c in g.ceilings:
        join(c.members)
    for w in g.windows:
        join(i for _, i in w.members)
    for ch in g.choices:
        join(i for _, opt in ch.options for i in opt)
    for s in g.supports:
        join((s.member,) + s.supporters)
    groups: dict[int, list[int]] = {}
    for i in range(len(g.candidates)):
        groups.setdefault(find(i), []).append(i)
    coupled = [m for m in groups.values() if len(m) > 1]
    single = [m[0] for m in groups.values() if len(m) == 1]
    return sorted(coupled) + ([single] if single else [])


class _Part:
    """The Z3 encoding of one independent part of the model."""

    def __init__(self, g: Grounded, members: list[int]):
        self.g = g
        self.members = members
        inside = set(members)
        coupled = {i for c in g.ceilings if inside & set(c.members) for i in c.members}
        self.constraints: list = []
        self.splits = bool(coupled) or any(inside & {i for _, i in w.members} for w in g.windows)
        self.x: dict[int, z3.ArithRef] = {}
        self.amount: dict[int, z3.ArithRef] = {}
        for i in members:
            c: Candidate = g.candidates[i]
            x = z3.Int(f"x{i}")
            self.x[i] = x
            self.constraints += [x >= 0, x <= 1]
            if c.forced:
                self.constraints.append(x == 1)
            if i in coupled:
                k = z3.Int(f"k{i}")
                lo, hi = -(-c.minimum // c.unit), c.most // c.unit
                self.constraints += [k >= lo * x, k <= hi * x]
                self.amount[i] = c.unit * k if c.unit != 1 else k
            else:
                self.amount[i] = c.most * x
        for ceiling in g.ceilings:
            if inside & set(ceiling.members):
                self.constraints.append(z3.Sum([self.amount[i] for i in ceiling.members]) <= ceiling.amount)
        for n, w in enumerate(g.windows):
            if inside & {i for _, i in w.members}:
                self._window(n, w)
        for n, ch in enumerate(g.choices):
            if inside & {i for _, opt in ch.options for i in opt}:
                chosen = []
                for m, (_, option) in enumerate(ch.options):
                    y = z3.Int(f"c{n}_{m}")
                    chosen.append(y)
                    self.constraints += [y >= 0, y <= 1] + [self.x[i] <= y for i in option]
                self.constraints.append(z3.Sum(chosen) <= 1)
        for s in g.supports:
            if s.member in inside:
                self.constraints.append(self.x[s.member] <= z3.Sum([self.x[i] for i in s.supporters]))
        self.total = z3.Sum([self.amount[i] for i in members]) if members else z3.IntVal(0)

    def _window(self, n: int, w) -> None:
        if w.years is None:
            self.constraints.append(z3.Sum([self.x[i] for _, i in w.members]) <= 1)
            return
        starts = sorted({y for y, _ in w.members})
        start = {s: z3.Int(f"w{n}_{s}") for s in starts}
        for s in starts:
            self.constraints += [start[s] >= 0, start[s] <= 1]
        self.constraints.append(z3.Sum(list(start.values())) <= 1)
        for y, i in w.members:
            cover = [start[s] for s in starts if s <= y < s + w.years]
            self.constraints.append(self.x[i] <= z3.Sum(cover))

    def solve(self, timeout_ms: int) -> tuple[str, int, int, dict[int, int], dict]:
        opt = z3.Optimize()
        opt.set("elim_01", False)
        opt.set("timeout", max(timeout_ms, 1))
        opt.add(*self.constraints)
        handle = opt.maximize(self.total)
        result = opt.check()
        trivial_bound = sum(self.g.candidates[i].most for i in self.members)
        if result == z3.unsat:
            raise PlanError("the profile's fixed facts contradict the rules: " + self._conflict())
        try:  # on a time limit, Optimize keeps the best model it found, if any
            model = opt.model()
        except z3.Z3Exception:
            model = None
        if model is None:
            return "unknown", 0, trivial_bound, {}, {}
        amounts = {i: model.eval(self.amount[i], model_completion=True).as_long() for i in self.members}
        amounts = {i: a for i, a in amounts.items() if a}
        value = sum(amounts.values())
        if result != z3.sat:
            if violations(self.g, amounts, self.members):
                return "unknown", 0, trivial_bound, {}, {}
            upper = handle.upper()
            bound = upper.as_long() if z3.is_int_value(upper) else trivial_bound
            return "feasible", value, max(bound, value), amounts, {}
        proven = self.certify(value, timeout_ms)
        if proven and self.splits:
            amounts = self.earliest(value, timeout_ms) or amounts
        # No timings here: the certificate is part of the byte-stable JSON.
        certificate = {"candidates": len(self.members), "optimum": value,
                       "check": f"total >= {value + 1} is {'unsat' if proven else 'unknown'}"}
        return ("optimal" if proven else "feasible"), value, value if proven else trivial_bound, amounts, certificate

    def earliest(self, value: int, timeout_ms: int) -> dict[int, int] | None:
        """Among the plans paying the proven optimum, the one that pays earliest: where a
        cumulative ceiling or a window leaves the years open, money is placed in the first
        years (a stable, documented convention, not a legal rule)."""
        last = max(self.g.candidates[i].year for i in self.members)
        weights = z3.Sum([(last - self.g.candidates[i].year + 1) * self.amount[i] for i in self.members])
        opt = z3.Optimize()
        opt.set("elim_01", False)
        opt.set("timeout", max(timeout_ms, 1))
        opt.add(*self.constraints)
        opt.add(self.total == value)
        opt.maximize(weights)
        if opt.check() != z3.sat:
            return None
        model = opt.model()
        amounts = {i: model.eval(self.amount[i], model_completion=True).as_long() for i in self.members}
        return {i: a for i, a in amounts.items() if a}

    def certify(self, value: int, timeout_ms: int) -> bool:
        """Prove with a plain Solver that no plan of this part pays 1元 more."""
        s = z3.Solver()
        s.set("timeout", max(timeout_ms, 1))
        s.add(*self.constraints)
        s.add(self.total >= value + 1)
        return s.check() == z3.unsat

    def _conflict(self) -> str:
        forced = [self.g.candidates[i] for i in self.members if self.g.candidates[i].forced]
        names = ", ".join(f"{c.subject} ({c.clause.article}, {c.year})" for c in forced)
        return f"the granted payments {names} cannot all hold together"


def optimize(g: Grounded, timeout_s: float | None = None) -> Plan:
    start = time.perf_counter()
    deadline = None if timeout_s is None else start + timeout_s
    status, total, bound, amounts, certs = "optimal", 0, 0, {}, []
    components = _components(g)
    solved: list[int] = []
    for n, members in enumerate(components):
        if deadline is not None and time.perf_counter() >= deadline:
            # out of time: the parts not yet solved pay nothing in this plan, and their most
            # is added to the bound, so the bound stays proven
            bound += sum(g.candidates[i].most for i in members)
            status = "feasible"
            continue
        solved += members
        left = 600_000 if deadline is None else int((deadline - time.perf_counter()) * 1000 / (len(components) - n))
        part = _Part(g, members)
        s, value, upper, paid, cert = part.solve(max(left, 1))
        amounts.update(paid)
        total += value
        bound += upper
        if cert:
            certs.append(cert)
        if s != "optimal":
            status = "feasible" if s == "feasible" or status == "feasible" else s
    plan = Plan(status, total, bound, dict(sorted(amounts.items())), len(components), tuple(certs),
                time.perf_counter() - start)
    verify(g, plan, solved)
    return plan


def violations(g: Grounded, paid: dict[int, int], members=None) -> list[str]:
    """Every constraint the amounts break, checked in exact integers (within `members`, if given)."""
    inside = set(range(len(g.candidates)) if members is None else members)
    problems = []
    for i, amount in paid.items():
        c = g.candidates[i]
        if not (c.minimum <= amount <= c.most and amount % c.unit == 0):
            problems.append(f"{c.clause.key} {c.subject} {c.year}: {amount} outside [{c.minimum}, {c.most}]")
    for c in g.candidates:
        if c.forced and c.index in inside and c.index not in paid:
            problems.append(f"{c.clause.key} {c.subject}: a granted payment is missing")
    for ceiling in g.ceilings:
        if sum(paid.get(i, 0) for i in ceiling.members) > ceiling.amount:
            problems.append(f"{ceiling.label} exceeded")
    for w in g.windows:
        years = sorted(y for y, i in w.members if i in paid)
        if years and (len(years) > 1 if w.years is None else years[-1] - years[0] + 1 > w.years):
            problems.append(f"{w.label}: paid in {years}")
    for ch in g.choices:
        used = [k for k, option in ch.options if any(i in paid for i in option)]
        if len(used) > 1:
            problems.append(f"{ch.label}: {used} all used")
    for s in g.supports:
        if s.member in paid and not any(i in paid for i in s.supporters):
            problems.append(f"{s.label}: paid without the payment it matches")
    return problems


def verify(g: Grounded, plan: Plan, solved: list[int] | None = None) -> None:
    """Re-check a plan in exact integers against every constraint; raise if any fails."""
    problems = violations(g, plan.amounts, solved)
    if plan.status != "unknown" and sum(plan.amounts.values()) != plan.total:
        problems.append("the total is not the sum of the payments")
    if problems:
        raise AssertionError("the solver's plan fails the exact re-check: " + "; ".join(problems))
