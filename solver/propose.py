"""A first plan for one part of the model, found in exact integer arithmetic without a solver.

Z3 is good at proving that no plan pays more than a given one, and erratic at finding the best
plan from nothing (SOLVER-NOTES.md). So the engine proposes: payments are taken one at a time,
each paid as much as its ceilings still allow, skipping any that a choice, a window or a
matching rule already taken forbids. Several orders are tried (largest first, earliest year
first, largest option first) and the plan that pays most — then earliest — is kept. The
proposal is only a starting point: `optimize.py` asks Z3 whether any plan pays more, or as
much but earlier, and only an UNSAT answer makes it the plan.
"""
from __future__ import annotations

from msgspec import Struct

from .ground import Grounded
from .linear import Links, Scope


class Proposal(Struct, frozen=True):
    amounts: dict[int, int]  # candidate -> amount (> 0)
    total: int
    weight: int  # Σ (last year − year + 1) × amount: larger pays earlier

    @staticmethod
    def of(paid: dict[int, int], weight: dict[int, int]) -> Proposal:
        return Proposal(paid, sum(paid.values()), sum(weight[i] * a for i, a in paid.items()))

    def beats(self, other: Proposal | None) -> bool:
        """Pays more than `other`, or as much but earlier (anything beats no plan)."""
        return other is None or (self.total, self.weight) > (other.total, other.weight)


def weights(g: Grounded, members: tuple[int, ...]) -> dict[int, int]:
    """Each candidate's earliness weight inside its part: 1 in the part's last year, more before."""
    last = max(g.candidates[i].year for i in members)
    return {i: last - g.candidates[i].year + 1 for i in members}


class _Links(Links):
    """A part's links, with what the greedy plan keeps track of: each ceiling's amount, each
    window's span, and the most each choice option could pay; and per candidate, in one tuple
    (`facts`), everything the greedy plan looks at, gathered once for all the orders it tries
    (the greedy plan took 2.4 ms an order over 800 candidates looking them up each time, 1.0 ms
    with the tuples; gathering them 1.8 ms while `Links` kept four lists for every candidate,
    0.9 ms since it keeps them for candidates in a constraint only)."""

    def __init__(self, g: Grounded, scope: Scope):
        super().__init__(g, scope)
        self.limits = {n: g.ceilings[n].amount for n in scope.ceilings}
        self.spans = {n: g.windows[n].years for n in scope.windows}
        value = {(n, k): sum(g.candidates[j].most for j in option)
                 for n in scope.choices for k, (_, option) in enumerate(g.choices[n].options)}
        #: the most the best option a candidate belongs to could pay (0 outside every choice)
        self.option_value = {i: value[options[0]] if len(options) == 1 else max(value[o] for o in options)
                             for i, options in self.options.items()}
        candidates = g.candidates
        self.forced = {i for i in scope.members if candidates[i].forced}
        # local names in the loop below: it runs once per candidate (800 for 400 city awards)
        facts: dict[int, tuple] = {}
        none: tuple = ()
        options_at, supports_at, ceilings_at, windows_at = (self.options.get, self.supports.get, self.ceilings.get,
                                                             self.windows.get)
        supporters = {n: g.supports[n].supporters for n in scope.supports}
        for i in scope.members:
            c, options, supports = candidates[i], options_at(i, none), supports_at(i)
            # in two options of one choice: never payable (one option at most is taken)
            clash = len(options) > 1 and len({n for n, _ in options}) < len(options)
            facts[i] = (c.most, c.minimum, c.unit, c.year, ceilings_at(i, none), windows_at(i, none),
                        options, [supporters[n] for n in supports] if supports else None, clash)
        self.facts = facts


def _greedy(g: Grounded, links: _Links, order: list[int]) -> dict[int, int] | None:
    """Take the granted payments, then the rest, each group in `order`, each paid the most its
    ceilings leave; None if a granted payment cannot be kept."""
    if links.forced:
        order = [i for i in order if i in links.forced] + [i for i in order if i not in links.forced]
    left = dict(links.limits)
    spans, facts = links.spans, links.facts
    years: dict[int, list[int]] = {}  # window -> years paid
    used: dict[int, int] = {}  # choice -> option taken
    paid: dict[int, int] = {}
    pending = order
    while pending:  # a matching payment may become payable once a later payment is taken
        waiting, taken = [], len(paid)
        for i in pending:
            most, minimum, unit, year, ceilings, windows, options, supporters, clash = facts[i]
            # plain loops, not all()/any() over generators: a third of the time per candidate
            if supporters and not _supported(supporters, paid):
                waiting.append(i)  # every payment it matches must be taken first
                continue
            if options and (clash or _elsewhere(options, used)):
                continue
            if windows and not all(_fits(years.get(n, []), year, spans[n]) for n in windows):
                continue
            amount = most
            if ceilings:
                for n in ceilings:
                    if left[n] < amount:
                        amount = left[n]
                amount = amount // unit * unit
            if amount <= 0 or amount < minimum:
                continue
            paid[i] = amount
            for n in ceilings:
                left[n] -= amount
            for n in windows:
                years.setdefault(n, []).append(year)
            for n, k in options:
                used[n] = k
        if len(paid) == taken:  # nothing taken: nothing more becomes payable
            break
        pending = waiting
    if any(i not in paid for i in links.forced):
        return None
    return paid


def _supported(supporters: list[tuple[int, ...]], paid: dict[int, int]) -> bool:
    """Whether each matching rule of a payment has a payment it matches already taken."""
    for some in supporters:
        for s in some:
            if s in paid:
                break
        else:
            return False
    return True


def _elsewhere(options: list[tuple[int, int]], used: dict[int, int]) -> bool:
    """Whether a choice the payment's option belongs to has another option taken already."""
    for n, k in options:
        if used.get(n, k) != k:
            return True
    return False


def _fits(paid_years: list[int], year: int, span: int | None) -> bool:
    if span is None:  # one payment only
        return not paid_years
    chosen = paid_years + [year]
    return max(chosen) - min(chosen) + 1 <= span


#: Up to this many options over all of a part's choices, each is also tried first (`propose`).
OPTIONS_TRIED = 16


def propose(g: Grounded, scope: Scope) -> Proposal | None:
    """The best of a few greedy plans for one part, or None if none keeps every granted payment."""
    return proposed(g, scope)[0]


def proposed(g: Grounded, scope: Scope, weight: dict[int, int] | None = None) -> tuple[Proposal | None, int | None]:
    """`propose`'s plan, and the part's `upper_bound` where proposing worked it out on the way
    (a part with one choice of at most OPTIONS_TRIED options and no window; else None): the
    optimizer needs that bound again (`optimize._relaxable`), and over 400 candidate city awards
    it costs 0.7 ms."""
    members = scope.members
    weight = weights(g, members) if weight is None else weight  # the optimizer's part has them already
    if len(scope.windows) == 1 and not (scope.ceilings or scope.choices or scope.supports):
        best = _best_run(g, g.windows[scope.windows[0]], weight)
        if best is not None:
            return best, None
    links = _Links(g, scope)
    if not (scope.ceilings or scope.windows or scope.choices or scope.supports):  # every order pays each its most
        paid = _greedy(g, links, list(members))
        return None if paid is None else Proposal.of(paid, weight), None
    c = g.candidates
    # The orders, each built only if it is tried (a plan at the part's bound ends proposing).
    orders = [
        lambda: sorted(members, key=lambda i: (-c[i].most, c[i].year, i)),
        lambda: sorted(members, key=lambda i: (c[i].year, -c[i].most, i)),
        lambda: sorted(members, key=lambda i: (-links.option_value.get(i, 0), -c[i].most, c[i].year, i)),
    ]
    largest = []  # orders[0], built once for the orders that take an option first

    def first(option: list[int]):
        def order() -> list[int]:
            if not largest:
                largest.append(orders[0]())
            chosen = set(option)
            return [i for i in largest[0] if i in chosen] + [i for i in largest[0] if i not in chosen]
        return order
    # Each option of a choice taken first, in turn (a city direction and the district's matching
    # of its awards, which `option_value` does not see): where the options are few, the best of
    # them is usually the optimum, and Z3 is asked once instead of climbing (400 candidate city
    # awards in 4 directions: two SAT answers, 0.9 s, before the UNSAT one).
    options = [option for n in scope.choices for _, option in g.choices[n].options]
    # Likewise each run of a window's years taken first: the greedy order fills the run of its
    # largest payment, which is not always the run that pays most, or as much earlier (丰台
    # 第四条's two-year window over a project's yearly investment: one SAT answer over 61 parts
    # cost 0.19 s at 1000 items × 5 years before its UNSAT one).
    for n in scope.windows:
        w = g.windows[n]
        if w.years is not None:
            options += _runs(w)
    tried = options if len(options) <= OPTIONS_TRIED else []
    orders += [first(option) for option in tried]
    # With one choice and no window, what a plan using each option (or none) can pay at most:
    # `upper_bound`'s own branches, whose largest is the part's bound. The options are tried
    # first, the best-bounded first; one that cannot pay what a plan found already pays is not
    # tried, and once a plan pays the bound, no order can pay more and none is tried (an equal
    # plan paying earlier is for Z3 to find). 400 candidate city awards in 4 directions: the first
    # direction reaches the bound, and 6 of 7 greedy orders (0.3 ms each over 800 candidates) are
    # neither built nor run; the same plans as before over the bench's models and the examples,
    # with as many checks.
    reach: list[int | None] = [None] * len(orders)
    bound = None
    sequence = list(range(len(orders)))
    if tried and len(scope.choices) == 1 and not scope.windows:
        reach[3:] = _option_bounds(g, scope, scope.choices[0])
        bound = max((r for r in reach if r is not None), default=None)
        sequence = sorted(range(3, len(orders)), key=lambda n: (reach[n] is None, -(reach[n] or 0))) + [0, 1, 2]
    best = None
    done: list[list[int]] = []
    for n in sequence:
        if best is not None and reach[n] is not None and reach[n] < best.total:
            continue
        if best is not None and bound is not None and best.total >= bound:
            break
        order = orders[n]()
        if order in done:  # the same order gives the same plan (one payment: all three agree)
            continue
        done.append(order)
        paid = _greedy(g, links, order)
        if paid is None:
            continue
        proposal = Proposal.of(paid, weight)
        if proposal.beats(best):
            best = proposal
    return best, bound


def _best_run(g: Grounded, w, weight: dict[int, int]) -> Proposal | None:
    """The plan of a part that is one window of years and nothing else (丰台 第四条's two-year
    window over one project's yearly investment): every legal plan pays within one run of its
    years (one payment, for a window without years), and paying all of a run at its most is
    legal, so the run that pays most, then earliest, is the optimum: what every run-first
    greedy order would have found among them, without building the orders (60 such parts at
    1000 items × 5 years: 2.3 ms). None where a payment is granted (the greedy plan keeps it)."""
    c = g.candidates
    if any(c[i].forced for _, i in w.members):
        return None
    payable = {i: c[i].most for _, i in w.members if c[i].most > 0 and c[i].most >= c[i].minimum}
    runs = [[i] for i in payable] if w.years is None else _runs(w)
    best = Proposal({}, 0, 0)
    for run in runs:
        proposal = Proposal.of({i: payable[i] for i in sorted(run) if i in payable}, weight)
        if proposal.beats(best):
            best = proposal
    return best


def _runs(w) -> list[list[int]]:
    """A window's runs of years, one from each year it has a payment in: the payments of each."""
    return [[i for y, i in w.members if s <= y < s + w.years] for s in sorted({y for y, _ in w.members})]


def _option_bounds(g: Grounded, scope: Scope, n: int) -> list[int | None]:
    """For each option of the part's one choice `n`, `upper_bound` of the plans that use it or
    no option (None for an option with no member in the part)."""
    members = set(scope.members)
    options = [members.intersection(option) for _, option in g.choices[n].options]
    inside = set().union(*options)
    return [_branch(g, scope, (members - inside) | option, [], BRANCHES) if option else None for option in options]


def polish(g: Grounded, scope: Scope, paid: dict[int, int]) -> dict[int, int] | None:
    """The amounts of a plan shaped like `paid` (a solver's plan: legal but paying less than its
    shape allows, or, from a relaxed statement, breaking a window), each payment then paid as
    much as its ceilings leave: the greedy plan taking first what `paid` pays, largest first,
    then the rest. Z3 answers "is there a better plan?" with any better plan, as little as one
    rounding unit better; polished, the answer usually reaches the better shape's best in one
    step. Two 第十二条 orders under a yearly cap: 400万 proposed, 405万 from Z3, 500万 polished;
    unpolished, Z3 climbed 16 times, to 465万, and the part ended in Optimize."""
    c = g.candidates
    first = sorted(paid, key=lambda i: (-paid[i], c[i].year, i))
    rest = sorted(set(scope.members).difference(paid), key=lambda i: (-c[i].most, c[i].year, i))
    return _greedy(g, _Links(g, scope), first + rest)


#: How many option combinations `upper_bound` may branch into, over all choices of a part.
BRANCHES = 64


def upper_bound(g: Grounded, scope: Scope) -> int:
    """A proven (if loose) bound on what the part can pay.

    A legal plan uses at most one option of each choice, so it pays only within the rest of the
    part plus one option: the bound is the largest over the options, choice by choice, while
    the branches stay within BRANCHES. In each such set, a matching payment none of whose
    supporters is in the set is dropped, and what remains is bounded by `_grouped`."""
    return _branch(g, scope, set(scope.members), list(scope.choices), BRANCHES)


def _branch(g: Grounded, scope: Scope, members: set[int], choices: list[int], budget: int) -> int:
    for k, n in enumerate(choices):
        options = [used for used in (members.intersection(option) for _, option in g.choices[n].options) if used]
        if len(options) > 1 and len(options) <= budget:
            outside = members.difference(*options)
            return max(_branch(g, scope, outside | option, choices[k + 1:], budget // len(options))
                       for option in options)
    # A matching payment (配套) whose supporters all lie outside cannot be paid; dropping it may
    # leave another without supporters only where it supports another itself (not 通州's
    # matching of city awards, which nothing matches: one pass, not two, over its 400 rules).
    supports = g.supports
    pending = [s for n in scope.supports if (s := supports[n]).member in members]
    while pending:
        unmatched = {s.member for s in pending if members.isdisjoint(s.supporters)}
        if not unmatched:
            break
        members = members - unmatched
        pending = [s for s in pending if s.member in members and not unmatched.isdisjoint(s.supporters)]
    return _grouped(g, scope, members)


def _grouped(g: Grounded, scope: Scope, members: set[int]) -> int:
    """Each candidate of `members` counted in one group, whose figure bounds what any legal plan
    pays its members: a shared ceiling's payments at most the ceiling; of the rest, a window's
    within one run of its years, a choice's within one option, any other at its most. Which
    group a payment counts in changes the figure, not its validity: the smallest of four ways
    (with and without ceilings; windows or choices first) is returned."""
    bounded: set[int] = set()
    total = 0
    for ceiling in sorted((g.ceilings[n] for n in scope.ceilings), key=lambda c: c.amount):
        group = [i for i in ceiling.members if i in members and i not in bounded]
        if group:
            total += min(ceiling.amount, sum(g.candidates[i].most for i in group))
            bounded.update(group)
    rest = members - bounded
    best = None
    for windows_first in (True, False) if scope.windows and scope.choices else (True,):  # order matters only with both
        with_ceilings = total + _exclusive(g, scope, rest, windows_first)
        without = _exclusive(g, scope, members, windows_first) if bounded else with_ceilings
        best = min(with_ceilings, without) if best is None else min(best, with_ceilings, without)
    return best


def _exclusive(g: Grounded, scope: Scope, members: set[int], windows_first: bool) -> int:
    """Σ most over `members`, except that a window's members count only within its best run of
    years (one payment, for a window of one year) and a choice's only within its best option."""
    candidates = g.candidates
    most = {i: candidates[i].most for i in members}

    def windows() -> int:
        total = 0
        for n in scope.windows:
            w = g.windows[n]
            mine = [(year, i) for year, i in w.members if i in most]
            if not mine:
                continue
            if w.years is None:  # one payment at most
                total += max(most[i] for _, i in mine)
            else:
                total += max(sum(most[i] for year, i in mine if start <= year < start + w.years) for start, _ in mine)
            for _, i in mine:
                del most[i]
        return total

    def choices() -> int:
        total = 0
        for n in scope.choices:
            # each option's members as a set, intersected in C (ground.py lists a candidate once in
            # an option); a candidate in two options counts in both, and is taken out once
            options = [most.keys() & option for _, option in g.choices[n].options]
            if any(options):
                total += max(sum(most[i] for i in option) for option in options)
                for i in set().union(*options):
                    del most[i]
        return total

    grouped = windows() + choices() if windows_first else choices() + windows()
    return grouped + sum(most.values())
