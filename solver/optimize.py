"""Stage 4: the grounded model -> a plan, proven optimal by Z3 or reported with its gap.

(See README, "How the optimizer works".) The model is split into independent parts
(`linear.split`); each gets a plan proposed in exact arithmetic (`propose.py`); its linear
model (`linear.py`) goes to Z3 as SMT-LIB text, and one check over a batch of parts must be
UNSAT for "some part pays at least 1元 more than its plan, or as much but earlier" before the
plans are called optimal. A SAT answer is a better plan, which replaces the proposal; a part
that keeps improving is searched by `Optimize`. Every plan is re-checked in exact integers
before it is returned, and keeps its UNSAT checks as scripts anyone can rerun (`--proof`).
Out of time, a part keeps its proposal and reports `propose.upper_bound`.
"""
from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager

import z3
from msgspec import Struct
from msgspec.structs import replace

from . import limits
from .ground import Grounded
from .linear import LinearModel, Scope, linear_model, smt2, split, term
from .propose import Proposal, polish, proposed, upper_bound, weights


class Plan(Struct, frozen=True):
    status: str  # optimal | feasible | unknown | infeasible
    total: int
    bound: int  # proven upper bound of the total
    amounts: dict[int, int]  # candidate index -> amount paid (> 0)
    parts: int  # independent parts solved
    certificate: tuple[dict, ...]  # per part: its optimum and the UNSAT check that nothing pays more
    seconds: float
    stages: tuple[tuple[str, float], ...] = ()  # (stage, seconds): propose, compile, certify, re-check
    proofs: tuple[str, ...] = ()  # the UNSAT checks behind `optimal`, as SMT-LIB scripts any Z3 can rerun


class PlanError(Exception):
    """The profile contradicts the rules (e.g. two granted city awards in two directions)."""


class _Part:
    """One independent part of the model: its linear model as SMT-LIB text, with its total
    `t` and earliness weight `e` named (no `e` for a part all in one year, where it equals
    `t`), so that Z3 can be asked about them. It also has a
    relaxed model (`linear_model(relaxed=True)`): without its windows and smallest amounts,
    which Z3 reads in about half the time where ceilings couple many payments. Each encoding
    is built when first asked for."""

    def __init__(self, g: Grounded, scope: Scope, tag: str = "", relaxable: bool = False,
                 weight: dict[int, int] | None = None):
        self.g, self.scope = g, scope
        self.weight = weights(g, scope.members) if weight is None else weight  # `weights`, if worked out
        self.t, self.e = f"t{tag}", f"e{tag}"
        # All in one year: earliness is the total itself, so "as much but earlier" cannot hold and
        # is not stated (it made Z3's check of 3 small parts 15–20% slower).
        self.flat = len(set(self.weight.values())) == 1
        self.relaxable = relaxable  # stated relaxed first in a joint check (`_relaxable`)
        self._encodings: dict[bool, tuple[LinearModel, str]] = {}

    def encoding(self, relaxed: bool = False) -> tuple[LinearModel, str]:
        if relaxed not in self._encodings:
            m = linear_model(self.g, self.scope, relaxed)
            # t and e are named terms (define-fun), not variables held equal to them: Z3 then
            # has no row of its own for each, and read the same checks in 0.70-0.75 of the time
            # (丰台 50 × 3 and 200 × 5: 1.2-1.6 ms -> 0.9-1.1 ms, 3.5-3.8 ms -> 2.5 ms).
            lines = [smt2(m), f"(define-fun {self.t} () Int {term(m, m.objective)})"]
            if not self.flat:
                lines.append(f"(define-fun {self.e} () Int {term(m, m.combine(self.weight))})")
            self._encodings[relaxed] = m, "\n".join(lines)
        return self._encodings[relaxed]

    @property
    def text(self) -> str:
        return self.encoding()[1]

    def fits(self, clock: _Clock) -> bool:
        """Whether a check of this part, stated in full, fits in the time left. Judged first on
        the shortest statement already built (a relaxed one is never longer), so that a part
        refused anyway is not stated in full first: 31 ms, past the limit, for a part of 2467
        payments at 5000 items × 5 years."""
        built = [len(text) for _, text in self._encodings.values()]
        return (not built or clock.affords(min(built))) and clock.affords(len(self.text))

    def improves(self, plan: Proposal) -> str:
        """The SMT-LIB condition "this part pays more than `plan`, or as much but earlier"."""
        if self.flat:
            return f"(>= {self.t} {plan.total + 1})"
        return f"(or (>= {self.t} {plan.total + 1}) (and (= {self.t} {plan.total}) (>= {self.e} {plan.weight + 1})))"

    def amounts(self, values: dict[str, int], relaxed: bool = False) -> dict[int, int]:
        return self.encoding(relaxed)[0].paid(values)

    def scored(self, paid: dict[int, int]) -> Proposal:
        return Proposal.of(paid, self.weight)

    def polished(self, found: Proposal, legal: bool) -> Proposal | None:
        """The better of a plan Z3 found (if `legal`) and its polished form (`polish`), if legal."""
        taken = polish(self.g, self.scope, found.amounts)
        shaped = None if taken is None or violations(self.g, taken, scope=self.scope) else self.scored(taken)
        plans = [plan for plan in (found if legal else None, shaped) if plan is not None]
        return max(plans, key=lambda plan: (plan.total, plan.weight), default=None)

    def better(self, plan: Proposal, clock: _Clock) -> tuple[str, Proposal | str | None]:
        """Ask Z3 for a plan paying more than `plan`, or as much but earlier: ('unsat', the check as
        a script) proves `plan` optimal (and earliest); ('sat', better plan); ('unknown', None) on
        the time limit."""
        started = time.process_time()
        s = _prover()
        s.set("timeout", max(clock.left_ms(), 1))
        text = self.text + f"\n(assert {self.improves(plan)})"
        s.from_string(text)
        result = limits.check(s)
        clock.spent(len(text), time.process_time() - started)
        if result == z3.unsat:
            return "unsat", _script(text, [(self, plan)])
        if result != z3.sat:
            return str(result), None
        return "sat", self.polished(self.scored(self.amounts(_values(s.model()))), legal=True)

    def search(self, clock: _Clock) -> tuple[str, Proposal | None, int | None]:
        """Z3 `Optimize` from nothing, for parts where no proposal exists or climbing stalls:
        (status, plan, proven upper bound)."""
        opt = z3.Optimize()
        opt.set("elim_01", False)
        opt.set("timeout", max(clock.left_ms(), 1))
        total = f"{self.t}_total"  # a constant Optimize can maximise: t itself is a named term
        opt.add(z3.parse_smt2_string(self.text + f"\n(declare-const {total} Int)\n(assert (= {total} {self.t}))"))
        handle = opt.maximize(z3.Int(total))
        result = opt.check()
        if result == z3.unsat:
            raise PlanError("the profile's fixed facts contradict the rules: " + self._conflict())
        try:  # on a time limit, Optimize keeps the best model it found, if any
            plan = self.scored(self.amounts(_values(opt.model())))
        except z3.Z3Exception:
            return "unknown", None, None
        if violations(self.g, plan.amounts, scope=self.scope):
            return "unknown", None, None
        if result != z3.sat:
            upper = handle.upper()
            return "feasible", plan, upper.as_long() if z3.is_int_value(upper) else None
        return "sat", plan, None

    def _conflict(self) -> str:
        forced = [self.g.candidates[i] for i in self.scope.members if self.g.candidates[i].forced]
        names = ", ".join(f"{c.subject} ({c.clause.article}, {c.year})" for c in forced)
        return f"the granted payments {names} cannot all hold together"


def _values(model) -> dict[str, int]:
    return {d.name(): model[d].as_long() for d in model.decls() if z3.is_int_value(model[d])}


#: How many better plans Z3 may hand back before a part is searched with Optimize instead.
CLIMB = 8

Result = tuple[str, int, int, dict[int, int], dict]  # status, total, proven bound, amounts, certificate


def _script(text: str, proved: list[tuple[_Part, Proposal]], relaxed: list[bool] | None = None) -> str:
    """An UNSAT check as a self-contained SMT-LIB script: `z3 FILE` prints unsat."""
    lines = ["; subsidy-solver: proof that no legal plan of these parts pays more than the plan found,",
             "; or as much but earlier (t: what a part pays, in 元; e: its earliness weight).",
             "; Z3 answers unsat: no such plan exists."]
    loose = relaxed or [False] * len(proved)
    if any(loose):
        lines += ["; Parts marked 'relaxed' are stated without their windows and smallest payable amounts:",
                  "; every legal plan, or one paying as much and as early, is a plan of the relaxed part,",
                  "; so what is unsat for it is unsat under the rules too."]
    lines += [f"; {part.t} = {plan.total}" + ("" if part.flat else f" and {part.e} = {plan.weight}")
              + f": {len(part.scope.members)} candidate payments" + (" (one year: no e)" if part.flat else "")
              + (" (relaxed)" if rel else "") for (part, plan), rel in zip(proved, loose)]
    return "\n".join(lines) + "\n" + text + "\n(check-sat)\n"


def _certificate(part: _Part, plan: Proposal) -> dict:
    # No timings here: the certificate is part of the byte-stable JSON.
    return {"candidates": len(part.scope.members), "optimum": plan.total, "check": f"total >= {plan.total + 1} is unsat"}


#: How often the interpreter hands the GIL over while Z3's context is built beside the body of
#: `z3_starting` (Python's default: every 5 ms).
SWITCH_INTERVAL = 0.0001


@contextmanager
def z3_starting():
    """Build Z3's main context on a second thread while the body runs; the body must not use Z3.
    The context costs about 9 ms inside libz3, which runs without the GIL, so a command that
    reads its profile meanwhile no longer waits for it. The thread makes a few short calls into
    libz3 around it, each waiting for the GIL back from the body (pure Python, reading YAML):
    at Python's 5 ms hand-over the context was ready ~3 ms after the body had ended
    (tongzhou-city-direction, median of 15: join 3.3 ms); handed over every SWITCH_INTERVAL, it
    is ready before (join 0.4 ms). Only on the main thread, where no other call can be setting
    the process-wide interval meanwhile."""
    main = threading.current_thread() is threading.main_thread()
    interval = sys.getswitchinterval()
    if main:
        sys.setswitchinterval(SWITCH_INTERVAL)
    thread = threading.Thread(target=z3.main_ctx, name="z3-context")
    thread.start()
    try:
        yield
    finally:
        thread.join()
        if main:
            sys.setswitchinterval(interval)


def _prover() -> z3.Solver:
    """A Z3 solver for "does any plan pay more?". The SMT core alone (the `smt` tactic), without
    the default QF_LIA preprocessing that turns 0/1 integers into pseudo-Boolean constraints:
    on these models that preprocessing made the same checks 2–3× slower (measured at 200 to
    5000 items × 5 years), and on a choice among hundreds of city awards, seconds slower."""
    return limits.bounded(z3.Tactic("smt").solver())


class _Clock:
    """The time limit. Z3 does not look at its own timeout while it reads and preprocesses a
    problem, so a call that starts just before the limit can end well after it; the clock
    therefore learns how long Z3 takes per character of problem text, and a call expected to
    outlast the limit is not started. A call also costs a fixed OVERHEAD (a new Solver), so
    only calls of LEARN characters or more teach the rate: learnt from a 260-character check,
    the rate made a 262 kB check look 20× longer than it was. The rate never falls below its
    prior: a limit is also spent after the last check, on the bounds of the parts left
    unproven, and a clock that trusted a fast check left too little for them (a 0.25 s limit
    answered in 0.30 s).

    Work is learnt in the CPU seconds this process got (`time.process_time`), and turned into
    wall seconds by the run's own `pace`: on a machine other processes load, a CPU second of
    ours takes longer, and by how much changes from one run to the next (two CPU hogs on two
    cores: 1.5–3×). Measured in wall seconds, a rate learnt in a quiet moment promised too much
    once the load came back; the pace is measured up to the moment it is used."""

    OVERHEAD = 0.002  # CPU seconds: a Solver, its parameters and an empty check took about 1 ms
    LEARN = 10_000  # characters
    #: Share of the time proposing takes that is held back for the work after the last check: the
    #: bounds of the parts left unproven and the exact re-check walk the same candidates as
    #: proposing did, in 0.10–0.15 of its time (5000 items × 5 years: 6 ms and 2 ms after 55 ms
    #: of proposing, CPU). Held for every candidate, proposed or not: a part not reached adds
    #: its bound too.
    RESERVE = 0.2
    #: Building a batch's statements (its linear models as text) took 0.1–0.4× the time
    #: proposing its candidates did; a batch is not built unless half that time is left, since
    #: building it at the very limit overran 0.17 s by 19 ms. Batches built teach the rate.
    BUILDING = 0.5
    #: CPU seconds to propose a plan for one candidate before the run has measured its own:
    #: 6–8 µs measured at 1000 and 5000 items × 5 years.
    PROPOSING = 10e-6
    #: CPU seconds the process must have had before its pace is trusted (before, it is 1).
    SETTLE = 0.005

    def __init__(self, deadline: float | None, grace: float = 0.0, candidates: int = 0):
        self.deadline = deadline
        #: CPU seconds of this solve past which proposing stops once the deadline is passed
        #: (`optimize`'s grace_s)
        self.grace = grace
        self.candidates = candidates  # every candidate of the model: each may need its bound
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.reserve = 0.0  # CPU seconds held back before the deadline for the work after the checks
        self.building = 0.0  # CPU seconds per candidate to build a batch's statements, at least
        self.rate = 1e-6  # CPU seconds per character, at least; 0.2e-6 to 0.7e-6 at 5000 items × 5 years
        self.proposing = self.PROPOSING  # CPU seconds per candidate to propose
        self.proposed_n, self.proposed_cpu = 0, 0.0

    def pace(self) -> float:
        """Wall seconds a CPU second of this process has taken since the clock started: 1 on a
        quiet machine, more when others share the CPUs; never below 1 (a second thread's CPU,
        such as Z3 building its context, is no reason to expect our work to go faster)."""
        cpu = time.process_time() - self.cpu
        return 1.0 if cpu < self.SETTLE else max((time.perf_counter() - self.wall) / cpu, 1.0)

    def left_ms(self) -> int:
        """Milliseconds left for checks: up to the deadline, less the reserve."""
        if self.deadline is None:
            return 600_000
        return int((self.deadline - self.reserve * self.pace() - time.perf_counter()) * 1000)

    def affords(self, chars: int) -> bool:
        return self.deadline is None or self.left_ms() > 1000 * (self.OVERHEAD + self.rate * chars) * self.pace()

    def affords_proposing(self, candidates: int) -> bool:
        """Whether a part of `candidates` can still be proposed: its proposing, at the rate
        measured so far, ends before the deadline with the bounds of every candidate and the
        re-check still to come; or else within the grace, counted in CPU seconds of this solve,
        not wall seconds. On a loaded machine the wall clock runs on while the process waits for
        a CPU, and a grace of a few wall milliseconds can be gone before the first part is
        proposed: bench section e, two CPU hogs, a limit reading had spent, answered `unknown`,
        total 0 (grace 0.5 × grounding wall time, measured from the solver's start)."""
        if self.deadline is None:
            return True
        work = self.proposing * candidates + self.RESERVE * self.proposing * self.candidates
        if time.perf_counter() + work * self.pace() <= self.deadline:
            return True
        return time.process_time() - self.cpu + work <= self.grace

    def proposed(self, candidates: int, seconds: float) -> None:
        """A part of `candidates` was proposed in `seconds` of CPU: the measure of this run for
        proposing the next ones, the reserve and the building of batches."""
        self.proposed_n += candidates
        self.proposed_cpu += seconds
        if self.proposed_cpu >= self.SETTLE:
            self.proposing = self.proposed_cpu / self.proposed_n
        self.reserve = self.RESERVE * self.proposing * max(self.candidates, self.proposed_n)
        self.building = self.BUILDING * self.proposing

    def affords_building(self, candidates: int) -> bool:
        return self.deadline is None or self.left_ms() > 1000 * self.building * candidates * self.pace()

    def built(self, candidates: int, seconds: float) -> None:
        self.building = max(self.building, seconds / max(candidates, 1))

    def spent(self, chars: int, seconds: float) -> None:
        """A check of `chars` characters took `seconds` of CPU."""
        if chars >= self.LEARN:
            self.rate = max(self.rate, (seconds - self.OVERHEAD) / chars)


#: Candidates per joint check. One check over many small parts is cheaper than one check each
#: (a Solver costs about 1 ms before it reads anything), but Z3's time on one big disjunction
#: grows faster than its size: at 5000 items × 5 years, batches of this size took 1.0 s, and one
#: check over everything 2.6 s.
BATCH = 400


def _batches(scopes: list[Scope]) -> list[list[int]]:
    batches, batch, size = [], [], 0
    for n, scope in enumerate(scopes):
        batch.append(n)
        size += len(scope.members)
        if size >= BATCH:
            batches.append(batch)
            batch, size = [], 0
    return batches + ([batch] if batch else [])


def _certify_together(parts: list[_Part], plans: list[Proposal | None], clock: _Clock) -> str | None:
    """One Z3 check for every part at once: "some part pays more than its plan, or as much but
    earlier". UNSAT proves every plan optimal and earliest: the check is returned as a script
    ("" when there is nothing to check). A SAT answer hands back better plans for the parts it
    improves, and the check is asked again (at most CLIMB times). None if a plan is missing or
    the check cannot be settled, and `plans` stays usable.

    Parts marked `relaxable` (`_relaxable`) are first stated relaxed. If Z3 finds a relaxed
    part a plan that pays more but breaks a window or a smallest amount, that part is stated in
    full and the check asked again: such a step does not count as a climb."""
    if any(plan is None for plan in plans):
        return None
    if not parts:  # nothing can be paid: 0 is the optimum
        return ""
    relaxed = [part.relaxable for part in parts]
    climbs = 0
    while climbs < CLIMB:
        text = "\n".join(part.encoding(rel)[1] for part, rel in zip(parts, relaxed)) \
            + "\n(assert (or " + " ".join(part.improves(plan) for part, plan in zip(parts, plans)) + "))"
        if not clock.affords(len(text)):
            return None
        started = time.process_time()
        s = _prover()
        s.set("timeout", clock.left_ms())
        s.from_string(text)
        answer = limits.check(s)
        clock.spent(len(text), time.process_time() - started)
        if answer == z3.unsat:
            return _script(text, list(zip(parts, plans)), relaxed)
        if answer != z3.sat:
            return None
        values = _values(s.model())
        improved = tightened = False
        for n, part in enumerate(parts):
            found = part.scored(part.amounts(values, relaxed[n]))
            if not found.beats(plans[n]):
                continue
            best = part.polished(found, legal=not violations(part.g, found.amounts, scope=part.scope))
            if best is not None and best.beats(plans[n]):
                plans[n], improved = best, True
            elif relaxed[n]:  # a plan of the relaxation only: state this part in full
                relaxed[n], tightened = False, True
        if not (improved or tightened):
            return None
        climbs += improved
    return None


def _relaxable(g: Grounded, scope: Scope, plan: Proposal | None, bound: int | None = None) -> bool:
    """Whether a joint check states this part relaxed first: it has ceilings (their x/k pairs
    are what the relaxation spares Z3), and its plan already pays the part's bound without
    windows, so the relaxation can prove it (else Z3 would first find a plan that breaks a
    window, and the part be stated again in full). `bound`: that bound, if already known (a
    part without windows, whose `upper_bound` proposing worked out)."""
    if not scope.ceilings or plan is None:
        return False
    if bound is None or scope.windows:
        bound = upper_bound(g, replace(scope, windows=()))
    return bound <= plan.total


def _unproven(g: Grounded, scope: Scope, plan: Proposal | None, upper: int | None = None) -> Result:
    """A part left unproven (out of time): its best plan so far, if any, and its proven bound
    (`upper_bound`, or Optimize's own `upper` where that is smaller)."""
    bound = upper_bound(g, scope) if upper is None else min(upper, upper_bound(g, scope))
    return ("unknown", 0, bound, {}, {}) if plan is None else ("feasible", plan.total, bound, plan.amounts, {})


def _solve_part(part: _Part, plan: Proposal | None, clock: _Clock) -> tuple[Result, str]:
    """Prove one part's plan optimal, improving it while Z3 finds better ones: the result, and
    the script of the check that proved it ("" if none did)."""
    climbs = 0
    while True:
        if not part.fits(clock):
            return _unproven(part.g, part.scope, plan), ""
        if plan is None or climbs >= CLIMB:
            status, found, upper = part.search(clock)
            if found is None:
                return _unproven(part.g, part.scope, plan), ""
            if found.beats(plan):
                plan = found
            if status == "feasible":
                return _unproven(part.g, part.scope, plan, upper), ""
            climbs = -CLIMB  # the plan is Optimize's best: a few more climbs for earliness only
        answer, found = part.better(plan, clock)
        if answer == "unsat":
            return ("optimal", plan.total, plan.total, plan.amounts, _certificate(part, plan)), found
        if answer != "sat":
            return _unproven(part.g, part.scope, plan), ""
        plan, climbs = found, climbs + 1


def optimize(g: Grounded, timeout_s: float | None = None, grace_s: float = 0.0) -> Plan:
    """The plan that pays most (then earliest), proven optimal by Z3 within the time limit.

    Every independent part gets a plan proposed in exact arithmetic (`propose.py`); one Z3 check
    over a batch of parts then proves them optimal together. Only if that check finds a better
    plan too often, or cannot finish, is each part of the batch certified (or searched) alone.
    Out of time, the best plans so far are returned as `feasible`, with the proven bound.
    `grace_s`: CPU seconds of this solve within which proposing may still go on past the
    limit, for a caller whose limit was spent before the solver started (reading a profile
    cannot be interrupted; CPU, not wall, so that a loaded machine does not spend it): proposing
    costs a tenth of grounding, and a proposed, re-checked plan is worth those few per cent of
    the limit where `unknown`, total 0, is worth nothing."""
    start = time.perf_counter()
    components = split(g)
    clock = _Clock(None if timeout_s is None else start + timeout_s, grace_s, len(g.candidates))
    laps = [start]

    def lap() -> float:
        laps.append(time.perf_counter())
        return laps[-1] - laps[-2]

    # A proof that nothing beats a plan proves it optimal only if the plan itself is legal: a
    # part whose rules contradict its granted payments has no legal plan, and "nothing pays
    # more" would hold there vacuously. So every proposal is re-checked before Z3 sees it.
    # Parts are proposed while their proposing (~7 µs a candidate: 0.05 s at 5000 items × 5
    # years), at the pace the run measures, still leaves the bounds of every part before the
    # limit (plus the grace); a part not reached pays nothing and adds its proven bound, and the
    # answer says `feasible`, or `unknown` when no part was reached.
    plans: list[Proposal | None] = []
    bounds: list[int | None] = []  # upper_bound of a part, where proposing worked it out
    weighted: list[dict[int, int] | None] = []  # a proposed part's earliness weights, for its checks too
    for scope in components:
        plan = bound = weight = None
        if clock.affords_proposing(len(scope.members)):
            cpu = time.process_time()
            weight = weights(g, scope.members)
            plan, bound = proposed(g, scope, weight)
            clock.proposed(len(scope.members), time.process_time() - cpu)
        plans.append(plan if plan is None or not violations(g, plan.amounts, scope=scope) else None)
        bounds.append(bound)
        weighted.append(weight)
    stages = [("propose", lap())]
    clock.grace = 0.0  # the grace is for proposing only: checks end by the limit
    compiling = 0.0
    results: list[Result] = []
    proofs: list[str] = []
    for batch in _batches(components):
        size = sum(len(components[n].members) for n in batch)
        if not (clock.affords(1) and clock.affords_building(size)):  # out of time: proposals and bounds stand
            results += [_unproven(g, components[n], plans[n]) for n in batch]
            continue
        built, cpu = time.perf_counter(), time.process_time()
        parts = [_Part(g, components[n], str(n), _relaxable(g, components[n], plans[n], bounds[n]), weighted[n])
                 for n in batch]  # compiled only when there is time
        for part in parts:
            part.encoding(part.relaxable)  # the encoding the joint check states first
        clock.built(size, time.process_time() - cpu)
        compiling += time.perf_counter() - built
        chosen = [plans[n] for n in batch]
        together = _certify_together(parts, chosen, clock)
        if together:
            proofs.append(together)
        for n, part, plan in zip(batch, parts, chosen):
            plans[n] = plan
            if together is not None:
                results.append(("optimal", plan.total, plan.total, plan.amounts, _certificate(part, plan)))
                continue
            result, alone = _solve_part(part, plan, clock)
            results.append(result)
            if alone:
                proofs.append(alone)
    certifying = lap()
    stages += [("compile", compiling), ("certify", certifying - compiling)]
    status, total, bound, amounts, certs, solved = "optimal", 0, 0, {}, [], []
    for scope, (s, value, upper, paid, cert) in zip(components, results):
        amounts.update(paid)
        total += value
        bound += upper
        if cert:
            certs.append(cert)
        if s != "unknown":
            solved += scope.members
        if s != "optimal":
            status = "feasible" if s == "feasible" or status == "feasible" else s
    plan = Plan(status, total, bound, dict(sorted(amounts.items())), len(components), tuple(certs), 0.0)
    verify(g, plan, solved)
    stages.append(("re-check", lap()))
    return replace(plan, seconds=time.perf_counter() - start, stages=tuple(stages), proofs=tuple(proofs))


def violations(g: Grounded, paid: dict[int, int], members=None, scope: Scope | None = None) -> list[str]:
    """Every constraint the amounts break, checked in exact integers: within `members`, or
    within one part (`scope`, which looks at that part's constraints only), or everywhere."""
    if scope is not None:
        members = scope.members
        ceilings = [g.ceilings[n] for n in scope.ceilings]
        windows = [g.windows[n] for n in scope.windows]
        choices = [g.choices[n] for n in scope.choices]
        supports = [g.supports[n] for n in scope.supports]
    else:
        ceilings, windows, choices, supports = g.ceilings, g.windows, g.choices, g.supports
    inside = range(len(g.candidates)) if members is None else members
    problems = []
    for i, amount in paid.items():
        c = g.candidates[i]
        if not (c.minimum <= amount <= c.most and amount % c.unit == 0):
            problems.append(f"{c.clause.key} {c.subject} {c.year}: {amount} outside [{c.minimum}, {c.most}]")
    for c in (g.candidates[i] for i in inside):
        if c.forced and c.index not in paid:
            problems.append(f"{c.clause.key} {c.subject}: a granted payment is missing")
    for ceiling in ceilings:
        if sum(paid.get(i, 0) for i in ceiling.members) > ceiling.amount:
            problems.append(f"{ceiling.label} exceeded")
    for w in windows:
        years = sorted(y for y, i in w.members if i in paid)
        if years and (len(years) > 1 if w.years is None else years[-1] - years[0] + 1 > w.years):
            problems.append(f"{w.label}: paid in {years}")
    for ch in choices:
        used = [k for k, option in ch.options if any(i in paid for i in option)]
        if len(used) > 1:
            problems.append(f"{ch.label}: {used} all used")
    for s in supports:
        if s.member in paid and not any(i in paid for i in s.supporters):
            problems.append(f"{s.label}: paid without the payment it matches")
    return problems


def verify(g: Grounded, plan: Plan, solved: list[int] | None = None) -> None:
    """Re-check a plan in exact integers against every constraint; raise if any fails."""
    problems = violations(g, plan.amounts, solved)
    if plan.status != "unknown" and sum(plan.amounts.values()) != plan.total:
        problems.append("the total is not the sum of the payments")
    if plan.bound < plan.total:
        problems.append(f"the proven bound {plan.bound} is below the plan's total {plan.total}")
    if problems:
        raise AssertionError("the solver's plan fails the exact re-check: " + "; ".join(problems))
