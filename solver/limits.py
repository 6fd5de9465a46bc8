"""Z3's memory ceiling: each `z3.Solver` the engine makes stops at MEMORY_MB and answers
`unknown` ("max. memory exceeded"), as it does at its time limit; the command then answers
`feasible`/`UNKNOWN` with its bound and says which limit it met.

Why the solver parameter `max_memory` and not the global `memory_max_size`: `max_memory` is
a watermark the solver looks at between steps, so it stops cleanly and Z3 stays usable;
`memory_max_size` makes Z3's allocator throw where it stands (measured with z3 5.4.0: a call
outside a solver's check aborted the process, exit 134; after one `Optimize` hit it, every
later Z3 call in the process failed with "out of memory"). `z3.Optimize` takes no
`max_memory`: its calls (the optimizer's search from nothing, prove's article-by-article
bounds) are bounded by their time limit only. README "Limits on input" has the figures.
"""
from __future__ import annotations

import os

import z3

#: The ceiling in MB, unless SUBSIDY_Z3_MEMORY_MB gives another (a whole number from 16).
DEFAULT_MB = 4096
_met = False


def memory_mb() -> int:
    raw = os.environ.get("SUBSIDY_Z3_MEMORY_MB", "")
    return int(raw) if raw.isdigit() and 16 <= int(raw) <= 10 ** 6 else DEFAULT_MB


def bounded(solver: z3.Solver) -> z3.Solver:
    """`solver` with the memory ceiling set."""
    solver.set("max_memory", memory_mb())
    return solver


def check(solver: z3.Solver, *assumptions):
    """solver.check(*assumptions), noting whether an `unknown` came from the memory ceiling."""
    global _met
    try:
        result = solver.check(*assumptions)
    except z3.Z3Exception as err:  # a check with assumptions raises where a plain one answers unknown
        if "memory" not in str(err):
            raise
        _met = True
        return z3.unknown
    if result == z3.unknown and "memory" in solver.reason_unknown():
        _met = True
    return result


def reset() -> None:
    """A command starts: no limit met yet."""
    global _met
    _met = False


def memory_met() -> bool:
    return _met
