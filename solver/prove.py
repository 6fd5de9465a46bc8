"""`subsidy prove`: claims about every enterprise the rules admit, PROVED or REFUTED with a
counter-example profile that `subsidy optimize --only …` replays above the claim."""
from __future__ import annotations

import time

import z3
from msgspec import Struct
from msgspec.structs import replace

from . import limits
from .i18n import t, zh
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
            return t(f"no item is paid by two clauses of non-duplication group {self.group}",
                     f"从优不重复组 {self.group} 中没有任何项目获两个条款支持")
        what = f"{self.policy}{' ' + self.article if self.article else ''}"
        if zh():
            per = {"item": "每个项目", "enterprise": "每家企业"}.get(self.per, self.per)
            return f"{what} {per}{f'在 {self.year} 年' if self.year else '在全部年度'}合计不超过 {self.amount} 元"
        when = f"in {self.year}" if self.year else "over all years"
        return f"the total from {what} per {self.per} {when} is at most {self.amount} 元"


class Proof(Struct, frozen=True):
    verdict: str  # PROVED | REFUTED | UNKNOWN
    claim: Claim
    years: tuple[int, ...]
    counterexample: dict | None  # a profile
    witness: tuple[dict, ...]  # the counter-example's payments
    replay: str | None  # the command that replays it
    by_article: tuple[tuple[str, int], ...] = ()  # PROVED article by article: each article's proven most
    bounds: dict = {}  # the enterprises the verdict is about: items of each kind, money range, pinned facts
    timings: dict = {}  # seconds of each step (`Timings`); `recheck`: the re-check's own, added by pipeline.prove

    def to_json(self) -> dict:
        return {"verdict": self.verdict, "claim": self.claim.describe(), "years": list(self.years),
                "bounds": self.bounds,
                "counterexample": self.counterexample, "witness": list(self.witness), "replay": self.replay,
                "by_article": [{"article": a, "at_most": most} for a, most in self.by_article],
                "timings": self.timings}

    def scope(self) -> str:
        """What PROVED is relative to, in words."""
        b = self.bounds
        pinned = "".join(f", {k} = {v}" for k, v in b.get("pinned", {}).items())
        if not b:
            return ""
        again = ""
        if "rechecked_with" in b:
            again = (t(f"; asked again with {b['rechecked_with']} items of each kind after {b['first_with']}: "
                       "the same answer", f"；每类 {b['first_with']} 个项目之后又以每类 {b['rechecked_with']} 个项目重证："
                       "结论相同") if b["rechecked_with"] else
                     t("; not confirmed with one more item of each kind (that re-check did not finish in twice "
                       "the first proof's time)", "；每类多一个项目的重证未在首次证明两倍的时间内完成，未确认"))
        return t(f"for every enterprise with at most {b.get('items_per_kind')} item(s) of each kind and every money "
                 f"figure at most {b.get('money_max'):,} 元{pinned}{again}",
                 f"适用于每类项目不超过 {b.get('items_per_kind')} 个、每个金额不超过 {b.get('money_max'):,} 元的"
                 f"任何企业{pinned}{again}")


class Timings:
    """Where a proof's time went, in seconds: building the symbolic model (`model`), the first
    limited try of the claim whole (`whole_try`, None when not made: a claim about one article,
    or the re-check of a claim its articles proved), each article's most
    (`articles`), the claim asked whole without that limit (`whole`), the check that the bounds
    admit an enterprise paid something (`not_vacuous`), and all of it (`total`); `recheck`, the
    same of the proof asked again with one more item of each kind (pipeline.prove), or None."""

    def __init__(self):
        self.started = time.perf_counter()
        self.steps: dict = {"model": None, "whole_try": None, "articles": [], "whole": None, "not_vacuous": None}

    def timed(self, step: str, fn, *args):
        start = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.steps[step] = round(time.perf_counter() - start, 3)

    def article(self, article: str, seconds: float) -> None:
        self.steps["articles"].append({"article": article, "seconds": round(seconds, 3)})

    def done(self) -> dict:
        return self.steps | {"total": round(time.perf_counter() - self.started, 3), "recheck": None}


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
          pinned: dict | None = None, money_max: int = MONEY_MAX, deadline: float | None = None,
          whole_first: bool = True) -> Proof:
    """PROVED, REFUTED with a counter-example, or UNKNOWN when Z3 has not decided by `deadline`
    (a `time.perf_counter()` instant: the command's --timeout counts from its start, so reading
    the rules and building the symbolic model, 0.25 s for 平谷 with 6 items, count too).
    `whole_first=False` skips the first short try of a claim over several articles asked whole
    and goes article by article at once: pipeline.prove re-checks so a claim its articles proved
    (with one item more of each kind the whole is harder still: 平谷 at most 6000万 to 2亿 were
    undecided asked whole after 10 s with 3 items, the try's 1 s was spent for nothing)."""
    if claim.kind == "no_double":
        clauses = [c for c in rules.clauses if rules.policies[c.policy].no_duplication == claim.group]
    else:
        clauses = selected(rules, claim.policy, claim.article)
    clauses = with_support(rules, clauses)
    policies = {c.policy for c in clauses}
    years = years or default_years(rules, policies)
    per_item = 1 if claim.kind == "at_most" and claim.per == "item" else items
    clock = Timings()
    model = clock.timed("model", SymbolicModel, rules, clauses, years, per_item, pinned or {}, money_max)
    scope = {"items_per_kind": per_item, "money_max": money_max,
             "pinned": {k: str(v) for k, v in sorted((pinned or {}).items())}}
    negation = _negation(model, claim)
    solver = _whole(model, negation)
    articles = _articles(model, claim)
    by_parts = len(articles) > 1  # a claim over several articles may be proved by parts
    if not by_parts:
        result = clock.timed("whole", _check, solver, deadline, None)
    elif whole_first:
        result = clock.timed("whole_try", _check, solver, deadline, JOINT_FIRST)
    else:
        result = z3.unknown
    if result == z3.unknown and by_parts:
        parts_end = time.perf_counter() + PARTS
        bounds = _by_article(rules, model, claim, parts_end if deadline is None else min(deadline, parts_end),
                             articles, clock)
        if bounds is not None and sum(most for _, most in bounds) <= claim.amount:
            clock.timed("not_vacuous", _not_vacuous, model, claim, deadline)
            return Proof("PROVED", claim, years, None, (), None, tuple(bounds), scope, clock.done())
        # A solver whose check its time limit interrupted is not asked again: Z3's answers after
        # an interruption are not sanctioned (Z3Prover/z3#5062), and one such solver answered sat
        # with a model that broke its own ranges (an event in year 0, a crash writing its date).
        solver = _whole(model, negation)
        result = clock.timed("whole", _check, solver, deadline, None)
    if result == z3.unsat:
        clock.timed("not_vacuous", _not_vacuous, model, claim, deadline)
        return Proof("PROVED", claim, years, None, (), None, (), scope, clock.done())
    if result == z3.unknown:
        return Proof("UNKNOWN", claim, years, None, (), None, (), scope, clock.done())
    m = solver.model()
    if not all(z3.is_true(m.eval(c, model_completion=True)) for c in (*model.constraints, negation)):
        # never a counter-example that breaks the rules it is meant to satisfy: undecided instead
        return Proof("UNKNOWN", claim, years, None, (), None, (), scope, clock.done())
    profile = model.profile_of(m)
    profile = {"enterprise": "counter-example", "years": f"{years[0]}-{years[-1]}", **profile}
    # the payments the claim is about (a matched city award the model pays 1元 is no figure of the
    # counter-example: its replay pays the award's own amount)
    about = _mine(model, claim) if claim.kind == "at_most" else model.candidates
    witness = tuple({"policy": c.clause.policy, "article": c.clause.article, "clause": c.clause.part_key(c.part),
                     "item": c.subject, "year": c.year, "amount": m.eval(c.amount).as_long()}
                    for c in about if m.eval(c.amount, model_completion=True).as_long() > 0)
    only = claim.policy + (f".{claim.article}" if claim.article else "") if claim.kind == "at_most" else claim.group
    return Proof("REFUTED", claim, years, profile, witness, f"subsidy optimize COUNTEREXAMPLE --only {only}", (), scope,
                 clock.done())


#: Seconds the claim is first asked whole when it spans several articles; those still open are
#: tried article by article (`_by_article`), then asked whole again. Measured (README, "Claims"):
#: asked whole, 平谷 claims (11 articles, 2 items of each kind) were decided in 0.02-1.0 s or not
#: in 10 s (6000万 to 1亿), 通州 ones (13 and 16 articles) in under 0.25 s; the number of
#: articles does not tell them apart. A shorter try costs the claims it would have decided more
#: than it saves the others, because Z3 starts again from nothing after a limit (twenty checks of
#: 0.1 s did not decide 平谷 at most 4000万, one check decided it in 0.56 s): with tries of 0.1,
#: 0.25, 0.5 and 1 s, `prove at-most 1亿 --policy pinggu` took 1.98, 2.10, 2.40 and 2.93 s but at
#: most 4000万 1.46, 1.59, 1.90 and 1.01 s, at most 5000万 1.09, 1.22, 0.75 and 0.83 s
#: (2026-12-02, medians of 3 on 2 shared CPUs). The articles are now fast: the try is what waits.
JOINT_FIRST = 1.0
#: Seconds the articles may take before the claim is asked whole again (平谷's eleven take
#: 0.2-0.4 s with 2 items of each kind, 0.5-0.8 s with 3); a claim the parts cannot prove waits
#: at most this.
PARTS = 60.0


def _whole(model: SymbolicModel, negation: z3.BoolRef) -> z3.Solver:
    """A new solver of the whole claim: every constraint of the model and the claim negated."""
    solver = limits.bounded(z3.Solver())
    solver.add(*model.constraints)
    solver.add(negation)
    return solver


def _not_vacuous(model: SymbolicModel, claim: Claim, deadline: float | None) -> None:
    """PROVED must be about some enterprise: the bounds (money_max, pinned facts, years) admit one
    that the claim's clauses pay something; else the claim holds of nobody and is refused."""
    solver = limits.bounded(z3.Solver())
    solver.add(*model.constraints)
    paid = [c.paid for c in (_mine(model, claim) if claim.kind == "at_most" else model.candidates)]
    solver.add(z3.Or(paid) if paid else z3.BoolVal(False))
    if _check(solver, deadline, None) == z3.unsat:
        raise SymbolicProblem(f"no enterprise the bounds admit is paid anything by {claim.group or claim.policy}"
                              f"{' ' + claim.article if claim.article else ''} in these years: the claim would hold "
                              "vacuously; widen the bounds file (money_max, pinned facts) or the years")


def _check(solver: z3.Solver, deadline: float | None, at_most: float | None):
    """The solver's answer within the time left (and `at_most` seconds); unknown if none is left."""
    seconds = [s for s in (None if deadline is None else deadline - time.perf_counter(), at_most) if s is not None]
    if seconds and min(seconds) <= 0:
        return z3.unknown
    # a solver keeps its timeout from one check to the next: no limit is Z3's own default, 2^32 - 1 ms
    solver.set("timeout", max(int(min(seconds) * 1000), 1) if seconds else 2 ** 32 - 1)
    return limits.check(solver)


def _articles(model: SymbolicModel, claim: Claim) -> list[str]:
    """The articles whose payments an at-most claim per enterprise adds up (in rule order)."""
    if claim.kind != "at_most" or claim.per != "enterprise":
        return []
    return list(dict.fromkeys(c.clause.article for c in sorted(_mine(model, claim), key=lambda c: c.clause.order)))


def _by_article(rules: Ruleset, model: SymbolicModel, claim: Claim, deadline: float | None, articles: list[str],
                clock: Timings | None = None) -> list[tuple[str, int]] | None:
    """The most each article can pay any enterprise, each proven by Z3's Optimize on the rules of
    that article alone (and the city awards it matches: `model.part`), over the claim's years;
    None if one is unbounded or not found by `deadline`, or as soon as their sum exceeds the claim.

    Why their sum bounds the whole: the rules of one article alone are a subset of the rules of
    them all. Every constraint among that article's payments (its ceilings, windows, one
    direction, matching) is also in the model of them all, and every constraint that reaches
    other articles (a policy-wide cap, 从优不重复 between articles) only loses members, which
    allows more, never less. So the payments of any legal plan of any enterprise, article by
    article, are a legal plan of that article alone: each article pays at most its own most,
    and the whole at most their sum. (Each article's model is cut from the claim's own, not built
    again: 平谷's eleven took 0.066 s to build with 2 items of each kind, 0.108 s with 3.)"""
    bounds = []
    for article in articles:
        start = time.perf_counter()
        keys = {c.key for c in with_support(rules, selected(rules, claim.policy, article))}
        keep = {c.index for c in model.candidates if c.clause.key in keys}
        most = _article_most(model.part(keep), _mine(model, replace(claim, article=article)), deadline)
        if clock is not None:
            clock.article(article, time.perf_counter() - start)
        if most is None:
            return None  # unbounded (a rate of a fact with no ceiling), or out of time
        bounds.append((article, most))
        if sum(b for _, b in bounds) > claim.amount:
            return None  # already more than the claim: the parts cannot prove it
    return bounds


def _article_most(constraints: list, mine: list, deadline: float | None) -> int | None:
    """The most the payments `mine` (one article's) can add up to under `constraints`, proven by
    Optimize; None if unbounded or not found by `deadline`.

    Each subject's payments (one item's, or the enterprise's) are maximised first, and each
    subject's proven most is added to the model as a lemma before the article is: a lemma that
    every model of the article already satisfies changes neither its plans nor its most, but it
    hands the article's `Optimize` the bound its simplex could not see. Asked at once, Z3 must
    find that an item pays by one part in one year only through its enum and year facts, case by
    case, before the last UNSAT step ("nothing pays more") closes: 平谷 第十条 (54 payments over 6
    approvals) took 3.9-8.6 s, and had not finished in 117 s with 3 items of each kind; 第七条
    2.4-3.6 s with 3. With the lemmas: 第十条 0.09-0.17 s, 0.22-0.41 s with 3; 第七条 0.08-0.18 s
    with 3 (2026-12-02, 2 shared CPUs, README "Claims")."""
    subjects: dict[str, list] = {}
    for c in mine:
        subjects.setdefault(c.subject, []).append(c)
    # one subject: its most is the article's; one payment: its bound is already the model's own
    groups = [payments for payments in subjects.values() if len(payments) > 1] if len(subjects) > 1 else []
    lemmas = []
    if groups:
        mosts = _maximize(constraints, groups, (), deadline)
        if mosts is None:
            return None
        lemmas = [z3.Sum([c.amount for c in payments]) <= most for payments, most in zip(groups, mosts)]
    most = _maximize(constraints, [mine], lemmas, deadline)
    return None if most is None else most[0]


def _maximize(constraints: list, groups: list[list], lemmas: list, deadline: float | None) -> list[int] | None:
    """The proven most of each group's sum of payments under the constraints (and lemmas they
    imply), by one Optimize that maximises each independently (priority box); None if one is
    unbounded or the deadline comes first. (One Optimize for 平谷 第十条's 9 approvals with 3 items of each
    kind: 0.11 s; one for each approval: 0.24 s.)"""
    opt = z3.Optimize()
    # SOLVER-NOTES: with elim_01 on, 0/1 integers become pseudo-Booleans solved without a linear
    # relaxation: 平谷 第七条 alone took 12.9 s, 0.07 s without
    opt.set("elim_01", False)
    # arithmetic solver 5 (infinitary lra, the one Z3's own symba engine switches to), not the
    # default 6: on a payment bounded by a rate of a money fact, 6 climbs one improving model at
    # a time (003 （六）: 1,483 models up to 15% of an item's contribution, 1.5千亿, 2.9 s), 5 takes
    # the simplex's optimum in one step (0.02 s); 000 第九条 0.95 s -> 0.04 s, 003 （一） 2.2 -> 0.02 s
    opt.set("arith.solver", 5)
    opt.set("priority", "box")
    if deadline is not None:
        left = deadline - time.perf_counter()
        if left <= 0:
            return None
        opt.set("timeout", max(int(left * 1000), 1))
    opt.add(*constraints, *lemmas)
    mosts = [opt.maximize(z3.Sum([c.amount for c in payments]) if payments else z3.IntVal(0)) for payments in groups]
    if opt.check() != z3.sat or not all(z3.is_int_value(most.upper()) for most in mosts):
        return None
    return [most.upper().as_long() for most in mosts]


def _mine(model: SymbolicModel, claim: Claim) -> list:
    return [c for c in model.candidates if c.clause.policy == claim.policy
            and (claim.article is None or claim.article in (c.clause.article, c.clause.key, c.clause.name))
            and (claim.year is None or c.year == claim.year)]


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
    mine = _mine(model, claim)
    if not mine:
        return z3.BoolVal(False)
    if claim.per == "item":
        subjects = sorted({c.subject for c in mine})
        return z3.Or([z3.Sum([c.amount for c in mine if c.subject == s]) > claim.amount for s in subjects])
    return z3.Sum([c.amount for c in mine]) > claim.amount


def restrict(rules: Ruleset, only: list[str]) -> Ruleset:
    """The rules cut down to the named policies, clauses or groups (and what they match); a name
    that names none of them is an error with the nearest (never an empty plan called optimal)."""
    from .diagnostics import Diagnostic, DiagnosticError, did_you_mean
    groups = {p.no_duplication for p in rules.policies.values() if p.no_duplication}
    names = set(rules.policies) | groups | {f"{c.policy}.{n}" for c in rules.clauses for n in (c.article, c.name)}
    from .model import document_spelling
    only = [s if s in names or "." not in s else f"{s.partition('.')[0]}.{document_spelling(s.partition('.')[2])}"
            for s in only]
    for spec in only:
        if spec not in names:
            raise DiagnosticError(Diagnostic("error", "E309", f"--only '{spec}' names no policy, article or group",
                                             None, did_you_mean(spec, sorted(names)) or
                                             "give POLICY, POLICY.ARTICLE (pinggu.第三条) or a group (平谷区)"))
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
