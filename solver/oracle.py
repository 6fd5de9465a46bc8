"""An evaluator independent of Z3 and of its encoding, for checking the optimizer.

Given the grounded model of one enterprise, it enumerates every combination of the real
choices — the clause that takes each item (从优不重复), the city direction of each year, the
year or run of years of each window — and computes each combination's total in exact
integer arithmetic: every payment a combination allows is paid its maximum, except that a
shared ceiling pays the best number k of its members, min(ceiling, the k largest maxima),
as long as k payments of the smallest payable amount fit under it. The best total over all
combinations is the optimum the solver must prove. Exponential: for small instances only.
"""
from __future__ import annotations

import itertools

from .ground import Grounded


class TooLarge(Exception):
    """The instance has more combinations than the oracle enumerates, or a shape it does not."""


def _group_best(mosts: list[int], ceiling: int, unit: int, minimum: int) -> int:
    limit = ceiling - ceiling % unit
    best, running = 0, 0
    for k, most in enumerate(sorted(mosts, reverse=True), 1):
        running += most
        if k * minimum <= limit:
            best = max(best, min(limit, running))
    return best


def total_of(g: Grounded, paid: set[int]) -> int:
    """The most the payments in `paid` can add up to, under the shared ceilings."""
    grouped: dict[int, int] = {}
    for n, ceiling in enumerate(g.ceilings):
        for i in ceiling.members:
            if i in grouped:
                raise TooLarge("a payment under two shared ceilings")
            grouped[i] = n
    total = sum(g.candidates[i].most for i in paid if i not in grouped)
    for n, ceiling in enumerate(g.ceilings):
        members = [g.candidates[i] for i in ceiling.members if i in paid]
        if members:
            units = {c.unit for c in members}
            minimum = max(c.minimum for c in members)
            total += _group_best([c.most for c in members], ceiling.amount, max(units), minimum)
    return total


def _allowed(g: Grounded, windows_pick, choices_pick) -> set[int] | None:
    """The candidates one combination allows, or None if it drops a granted payment."""
    allowed = set(range(len(g.candidates)))
    for w, pick in zip(g.windows, windows_pick):
        span = set() if pick is None else set(range(pick, pick + (w.years or 1)))
        allowed -= {i for y, i in w.members if y not in span}
    for ch, pick in zip(g.choices, choices_pick):
        allowed -= {i for k, option in ch.options if k != pick for i in option}
    changed = True
    while changed:  # a matching payment needs one of the payments it matches
        changed = False
        for s in g.supports:
            if s.member in allowed and not allowed & set(s.supporters):
                allowed.discard(s.member)
                changed = True
    if any(c.forced and c.index not in allowed for c in g.candidates):
        return None
    return allowed


def best_by_enumeration(g: Grounded, limit: int = 200_000) -> int:
    """The optimum by trying every combination of choices."""
    window_options = [[None] + sorted({y for y, _ in w.members}) for w in g.windows]
    choice_options = [[None] + [k for k, _ in ch.options] for ch in g.choices]
    count = 1
    for options in window_options + choice_options:
        count *= len(options)
    if count > limit:
        raise TooLarge(f"{count} combinations")
    best = None
    for windows_pick in itertools.product(*window_options):
        for choices_pick in itertools.product(*choice_options):
            allowed = _allowed(g, windows_pick, choices_pick)
            if allowed is not None:
                total = total_of(g, allowed)
                best = total if best is None else max(best, total)
    if best is None:
        raise TooLarge("no combination keeps every granted payment")
    return best
