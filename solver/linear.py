"""The grounded model as an integer linear program: the one encoding every solver reads.

A 0/1 variable per candidate payment; its amount is that variable times the payment's
closed-form maximum or, only where a shared ceiling couples it to other payments, an integer
count of rounding units. 0/1 variables choose the option of each choice (从优不重复, one city
direction a year) and the first year of each window. By dominance, a payment bound only by
its choice option shares that option's 0/1, one bound only by a window of years is paid in
full by the 0/1s of the runs of years covering it, and a payment bound by nothing is fixed at
its maximum (see `linear_model`). Rows are {variable: coefficient} with lo <= row <= hi.
A relaxed model (`relaxed=True`) leaves out the windows and the smallest payable amounts, so
that every legal plan, or one paying as much and as early, is a plan of it: what it proves
unreachable is unreachable under the rules too.
`solver/optimize.py` hands it to Z3 as SMT-LIB text; `bench/` hands the same model to HiGHS
and CP-SAT.
"""
from __future__ import annotations

from msgspec import Struct, field

from .ground import Grounded

INF = float("inf")


class LinearModel(Struct):
    names: list[str] = field(default_factory=list)
    lower: list[int] = field(default_factory=list)
    upper: list[int] = field(default_factory=list)
    rows: list[tuple[dict[int, int], float, float]] = field(default_factory=list)
    amounts: dict[int, dict[int, int]] = field(default_factory=dict)  # candidate -> its amount as a row
    #: A variable several payments share (`_Pools`): [(candidate, its most in units)]. The
    #: first candidate's row holds the variable; the others' rows are empty.
    pooled: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    def var(self, name: str, lo: int, hi: int) -> int:
        self.names.append(name)
        self.lower.append(lo)
        self.upper.append(hi)
        return len(self.names) - 1

    def row(self, coefs: dict[int, int], lo: float, hi: float) -> None:
        self.rows.append((coefs, lo, hi))

    def combine(self, weights: dict[int, int]) -> dict[int, int]:
        """Σ weight × amount over the given candidates, as one row."""
        out: dict[int, int] = {}
        for i, weight in weights.items():
            for v, coef in self.amounts[i].items():
                out[v] = out.get(v, 0) + weight * coef
        return out

    @property
    def objective(self) -> dict[int, int]:  # maximize: the total paid
        return self.combine(dict.fromkeys(self.amounts, 1))

    def value(self, row: dict[int, int], values: dict[str, int]) -> int:
        return sum(coef * values.get(self.names[v], 0) for v, coef in row.items())

    def paid(self, values: dict[str, int]) -> dict[int, int]:
        """What each candidate is paid (> 0) under a solver's `values`. A pooled variable's
        units go to its payments in turn, each up to its most: any split pays the same total,
        as early, within the same ceilings."""
        out = {i: self.value(row, values) for i, row in self.amounts.items() if row}
        for v, members in self.pooled.items():
            left = values.get(self.names[v], 0)
            unit = self.amounts[members[0][0]][v]
            for i, most in members:
                take = min(left, most)
                out[i], left = take * unit, left - take
        return {i: a for i, a in out.items() if a}


class Scope(Struct, frozen=True):
    """Candidates of the grounded model and the constraints on them, as indices into its
    tuples: one independent part, or everything."""
    members: tuple[int, ...]
    ceilings: tuple[int, ...] = ()
    windows: tuple[int, ...] = ()
    choices: tuple[int, ...] = ()
    supports: tuple[int, ...] = ()


def whole(g: Grounded) -> Scope:
    return Scope(tuple(range(len(g.candidates))), tuple(range(len(g.ceilings))), tuple(range(len(g.windows))),
                 tuple(range(len(g.choices))), tuple(range(len(g.supports))))


def _window_members(w) -> list[int]:
    return [i for _, i in w.members]


def _choice_members(ch) -> list[int]:
    return [i for _, option in ch.options for i in option]


class Links:
    """For each candidate of a scope, the constraints it is in, as indices into the grounded
    model's tuples, in the model's order: ceilings, windows, choice options (choice, option)
    and the matching rules it is the matching payment of. Only candidates in some constraint
    have an entry (look up with `.get(i, ())`): most candidates of a large enterprise are in
    none, and four lists each cost explaining 17 ms at 5000 items × 5 years."""

    def __init__(self, g: Grounded, scope: Scope):
        self.ceilings = ceilings_of(g, scope)
        self.windows: dict[int, list[int]] = {}
        self.options: dict[int, list[tuple[int, int]]] = {}
        self.supports = supports_of(g, scope)
        for n in scope.windows:
            for i in dict.fromkeys(_window_members(g.windows[n])):
                self.windows.setdefault(i, []).append(n)
        for n in scope.choices:
            for k, (_, option) in enumerate(g.choices[n].options):
                for i in dict.fromkeys(option):
                    self.options.setdefault(i, []).append((n, k))


def ceilings_of(g: Grounded, scope: Scope) -> dict[int, list[int]]:
    """{candidate: the scope's ceilings it is under}, for candidates under one or more."""
    out: dict[int, list[int]] = {}
    for n in scope.ceilings:
        for i in dict.fromkeys(g.ceilings[n].members):
            out.setdefault(i, []).append(n)
    return out


def supports_of(g: Grounded, scope: Scope) -> dict[int, list[int]]:
    """{matching payment: the scope's matching rules it is the matching payment of}."""
    out: dict[int, list[int]] = {}
    for n in scope.supports:
        out.setdefault(g.supports[n].member, []).append(n)
    return out


def split(g: Grounded) -> list[Scope]:
    """The independent parts: candidates linked by no ceiling, window, choice or matching rule
    are in different parts, and every candidate linked to no other is in one last part. Each
    constraint is looked at once, so splitting takes time linear in the model's size.

    Union-find whose root is always the group's smallest candidate: a candidate's parent then
    comes before it, so one pass in index order leaves every candidate pointing at its root,
    with no call per candidate (interleaved with the code before: 通州 with 400 candidate city
    awards 0.44-0.57 -> 0.31-0.39 ms; 平谷 1000 items × 5 years 1.04 -> 0.86 ms)."""
    parent = list(range(len(g.candidates)))

    def join(members) -> None:
        root = -1
        for m in members:
            while parent[m] != m:
                parent[m] = m = parent[parent[m]]
            if root < 0:
                root = m
            elif m < root:
                parent[root] = root = m
            elif m > root:
                parent[m] = root

    kinds = [("ceilings", g.ceilings, lambda c: c.members), ("windows", g.windows, _window_members),
             ("choices", g.choices, _choice_members),
             ("supports", g.supports, lambda s: (s.member, *s.supporters))]
    heads: dict[str, list[int | None]] = {}  # each constraint's first member: the part it belongs to
    for kind, items, members_of in kinds:
        firsts = heads[kind] = []
        for item in items:
            members = members_of(item)
            join(members)
            firsts.append(members[0] if members else None)
    for i, p in enumerate(parent):  # p < i is already its root's index, or p == i
        parent[i] = parent[p]
    groups: dict[int, list[int]] = {}
    for i, root in enumerate(parent):
        groups.setdefault(root, []).append(i)
    # kind -> {root: its constraints of that kind}: only groups with constraints get an entry
    # (most candidates of a large enterprise are alone and in none)
    found: dict[str, dict[int, list[int]]] = {kind: {} for kind in heads}
    for kind, firsts in heads.items():
        mine = found[kind]
        for n, i in enumerate(firsts):
            if i is not None:
                root = parent[i]
                if root in mine:
                    mine[root].append(n)
                else:
                    mine[root] = [n]
    parts = [Scope(tuple(m), **{k: tuple(found[k].get(root, ())) for k in found})
             for root, m in groups.items() if len(m) > 1]
    alone = [root for root, m in groups.items() if len(m) == 1]  # each its own root, in index order
    lone = set(alone)
    single = [Scope(tuple(alone), **{k: tuple(sorted(n for r, ns in found[k].items() if r in lone for n in ns))
                                     for k in found})] if alone else []
    return sorted(parts, key=lambda p: p.members) + single


def _runs(g: Grounded, windows, m: LinearModel, bound: set[int]):
    """A 0/1 for each run of years a window may choose ({window: {first year: variable}}), and
    the payments bound by nothing but one of these windows ({candidate: (window, year)})."""
    starts: dict[int, dict[int, int]] = {}
    seen: dict[int, list[tuple[int, int]]] = {}
    for n in windows:
        w = g.windows[n]
        if w.years is not None:
            starts[n] = {s: m.var(f"w{n}_{s}", 0, 1) for s in sorted({y for y, _ in w.members})}
        for y, i in w.members:
            seen.setdefault(i, []).append((n, y))
    run_of = {i: places[0] for i, places in seen.items()
              if len(places) == 1 and places[0][0] in starts and i not in bound}
    return starts, run_of


def linear_model(g: Grounded, scope: Scope | None = None, relaxed: bool = False) -> LinearModel:
    """The model of one part of `g` (everything, if no scope is given); `relaxed`: without its
    windows and smallest payable amounts (see the module's docstring)."""
    scope = whole(g) if scope is None else scope
    ceilings = [g.ceilings[n] for n in scope.ceilings]
    windows = () if relaxed else scope.windows
    m = LinearModel()
    coupled = {i for c in ceilings for i in c.members}
    # A payment bound by nothing but the one choice option it belongs to is paid in full
    # whenever its option is chosen: paying it less never helps the total or the earliness.
    # Its amount is then the option's 0/1 times its maximum, with no variable of its own —
    # which spares Z3 a knapsack over hundreds of 0/1 integers with large coefficients.
    supporting = supports_of(g, scope)  # {matching payment: its matching rules}
    matching = set(supporting)
    matched = {i for n in scope.supports for i in g.supports[n].supporters}  # what they match
    linked = matching | matched
    windowed = {i for n in windows for i in _window_members(g.windows[n])}
    # A payment that only others match (a city award its district matches, 配套) is bound by
    # nothing else for being matched: paying it only lets more be matched, so it too is paid in
    # full whenever its option is chosen (or always, bound by nothing at all).
    constrained = coupled | matching | windowed
    in_options: dict[int, int] = {}
    for n in scope.choices:
        for i in _choice_members(g.choices[n]):
            in_options[i] = in_options.get(i, 0) + 1
    follows = {i for i, n in in_options.items()
               if n == 1 and i not in constrained and not g.candidates[i].forced}
    # For the same reason a payment bound by nothing at all is paid in full: all such payments
    # share one variable fixed at 1, so that Z3 reads their sum as one number.
    free = [i for i in scope.members if i not in constrained and i not in in_options]
    if free:
        fixed = m.var(f"f{free[0]}", 1, 1)
    option_var: dict[tuple[int, int], int] = {}
    for n in scope.choices:
        for k, _ in enumerate(g.choices[n].options):
            option_var[n, k] = m.var(f"c{n}_{k}", 0, 1)
    of_option = {i: option_var[n, k] for (n, k) in option_var for i in g.choices[n].options[k][1]}
    # Likewise a payment bound by nothing but one window of years is paid in full whenever the
    # run of years chosen covers its year: its amount is its maximum times the 0/1s of the runs
    # that cover it. The total is then Σ (what a run pays) × its 0/1, and Z3's simplex alone
    # proves that no run pays more than the best one, without a case split.
    bound = coupled | linked | set(in_options) | {i for i in scope.members if g.candidates[i].forced}
    starts, run_of = _runs(g, windows, m, bound)
    # A matching payment bound by nothing but what it matches is paid in full whenever what it
    # matches is paid: it follows that payment's 0/1 (decided after the others, below). On a
    # 通州 enterprise with 400 candidate city awards this leaves Z3 one term per direction, not
    # 800 large coefficients (the check: 2-5 s -> see README, "How the optimizer works").
    trailing = {i for i, ns in supporting.items() if len(ns) == 1 and i not in windowed and i not in matched
                and i not in in_options and not g.candidates[i].forced
                and (i not in coupled or relaxed or g.candidates[i].minimum <= g.candidates[i].unit)}
    under = {i: tuple(ns) for i, ns in ceilings_of(g, scope).items()}  # the ceilings over each payment
    pools = _Pools(m)
    x = {}
    for i in sorted(scope.members):
        c = g.candidates[i]
        if i in trailing:
            continue
        if i in follows:
            m.amounts[i] = {of_option[i]: c.most}
            continue
        if i in run_of:
            n, year = run_of[i]
            m.amounts[i] = {v: c.most for s, v in starts[n].items() if s <= year < s + g.windows[n].years}
            continue
        if i not in constrained and i not in in_options:
            m.amounts[i] = {fixed: c.most}
            continue
        hi = c.most // c.unit
        if relaxed and i not in linked and i not in in_options and not c.forced:
            # only its ceilings bind it: an amount of 0 to its maximum, in units, and no 0/1
            pools.amount(i, ("ceilings", under.get(i, ()), c.unit, c.year), hi, c.unit)
            continue
        x[i] = m.var(f"x{i}", 1 if c.forced else 0, 1)
        if i in coupled:
            k = m.var(f"k{i}", 0, hi)
            if not relaxed or c.forced:
                lo = -(-c.minimum // c.unit)
                m.row({k: 1, x[i]: -lo}, 0, INF)  # k >= ceil(minimum / unit) * x
            m.row({k: 1, x[i]: -hi}, -INF, 0)  # k <= hi * x
            m.amounts[i] = {k: c.unit}
        else:
            m.amounts[i] = {x[i]: c.most}

    def paid(i: int) -> list[int]:
        """The 0/1 variables whose sum says whether candidate i is paid."""
        return [x[i]] if i in x else list(m.amounts[i])
    trailing_pools: dict[int, set[int]] = {}  # pooled variable -> the 0/1s of what its payments match
    for i in sorted(trailing):
        c = g.candidates[i]
        (n,) = supporting[i]
        supporters = g.supports[n].supporters
        if len(supporters) == 1:  # one payment matched, as each of 400 city awards its district matches (通州)
            ways = set(paid(supporters[0]))
            one_way = len(ways) == 1
        else:
            each = [paid(s) for s in supporters]
            ways = {v for vs in each for v in vs}
            one_way = len(ways) == 1 and all(len(vs) == 1 for vs in each)
        if i in coupled:
            # shared ceilings bind it, and any amount from its smallest unit up is payable: an
            # amount of 0 to its maximum, in units, and no 0/1 of its own — at most its maximum
            # times whether what it matches is paid
            key = ("matching", tuple(sorted(ways)) if len(ways) > 1 else tuple(ways), under[i], c.unit, c.year)
            trailing_pools[pools.amount(i, key, c.most // c.unit, c.unit)] = ways
        elif one_way:  # what it matches is paid by one 0/1 alone: it follows that 0/1
            m.amounts[i] = {ways.pop(): c.most}
        else:
            x[i] = m.var(f"x{i}", 0, 1)
            m.amounts[i] = {x[i]: c.most}
    for ceiling in ceilings:
        m.row(m.combine(dict.fromkeys(ceiling.members, 1)), -INF, ceiling.amount)
    for n in windows:
        w = g.windows[n]
        if w.years is None:
            m.row({x[i]: 1 for _, i in w.members}, -INF, 1)
            continue
        start = starts[n]
        m.row({v: 1 for v in start.values()}, -INF, 1)
        for y, i in w.members:
            if i in run_of:
                continue
            row = {x[i]: 1}
            for s in start:
                if s <= y < s + w.years:
                    row[start[s]] = -1
            m.row(row, -INF, 0)
    for n in scope.choices:
        ch = g.choices[n]
        for k, (_, option) in enumerate(ch.options):
            for i in option:
                if i in x:
                    m.row({x[i]: 1, option_var[n, k]: -1}, -INF, 0)
        m.row({option_var[n, k]: 1 for k in range(len(ch.options))}, -INF, 1)
    for k, ways in trailing_pools.items():  # at most the pool's maximum times whether what it matches is paid
        m.row({k: 1} | {v: -m.upper[k] for v in ways}, -INF, 0)
    for n in scope.supports:
        s = g.supports[n]
        if s.member not in x:  # it follows what it matches, or is bounded by it (trailing_pools)
            continue
        row = {x[s.member]: 1}
        for v in {v for i in s.supporters for v in paid(i)}:
            row[v] = -1  # runs of years and options are exclusive: their sum is at most 1
        m.row(row, -INF, 0)
    m.pooled = {v: members for v, members in m.pooled.items() if len(members) > 1}
    return m


class _Pools:
    """Payments that differ only in how much each may be paid: an amount of 0 to its most in
    rounding units, in the same ceilings, matching the same payments (or none), in the same
    year. Whatever such payments are paid together, any split of that sum within their mosts
    is as legal and pays as much, as early, so they are stated as one variable, their sum, up
    to the sum of their mosts (`LinearModel.pooled` splits it back). A 通州 enterprise with 400
    candidate city awards had 310 matching amounts under six yearly caps: Z3's check pivoted
    over all 310 columns of the total's row; pooled, they are 24 (see README, "How the
    optimizer works")."""

    def __init__(self, m: LinearModel):
        self.m = m
        self.var: dict[tuple, int] = {}

    def amount(self, i: int, key: tuple, most: int, unit: int) -> int:
        """Candidate i's amount (`most` units of `unit` at most) in the pool `key`: its variable."""
        m, v = self.m, self.var.get(key)
        if v is None:
            v = self.var[key] = m.var(f"k{i}", 0, most)
            m.pooled[v] = [(i, most)]
            m.amounts[i] = {v: unit}
        else:
            m.upper[v] += most
            m.pooled[v].append((i, most))
            m.amounts[i] = {}
        return v


def num(n: int) -> str:
    """An integer as an SMT-LIB numeral (negative numbers are written (- n))."""
    return str(n) if n >= 0 else f"(- {-n})"


def term(m: LinearModel, row: dict[int, int]) -> str:
    """A row as an SMT-LIB integer term."""
    parts = [m.names[v] if coef == 1 else f"(* {num(coef)} {m.names[v]})" for v, coef in row.items() if coef]
    if not parts:
        return "0"
    return parts[0] if len(parts) == 1 else f"(+ {' '.join(parts)})"


def smt2(m: LinearModel) -> str:
    """The model's variables and rows as SMT-LIB declarations and assertions (no objective)."""
    lines = [f"(declare-const {n} Int)" for n in m.names]
    lines += [f"(assert (<= {lo} {n} {hi}))" for n, lo, hi in zip(m.names, m.lower, m.upper)]
    for row, lo, hi in m.rows:
        t = term(m, row)
        if lo != -INF:
            lines.append(f"(assert (>= {t} {num(int(lo))}))")
        if hi != INF:
            lines.append(f"(assert (<= {t} {num(int(hi))}))")
    return "\n".join(lines)
