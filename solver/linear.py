"""The grounded model as a plain integer linear program, for other solvers (bench/).

The same encoding as solver/optimize.py's Z3 parts: one 0/1 variable per candidate payment,
an integer count of rounding units where a shared ceiling couples a payment, 0/1 variables
for choices and windows. Rows are {variable: coefficient}, lo <= row <= hi.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .ground import Grounded

INF = float("inf")


@dataclass
class LinearModel:
    names: list[str] = field(default_factory=list)
    lower: list[int] = field(default_factory=list)
    upper: list[int] = field(default_factory=list)
    rows: list[tuple[dict[int, int], float, float]] = field(default_factory=list)
    objective: dict[int, int] = field(default_factory=dict)  # maximize

    def var(self, name: str, lo: int, hi: int) -> int:
        self.names.append(name)
        self.lower.append(lo)
        self.upper.append(hi)
        return len(self.names) - 1

    def row(self, coefs: dict[int, int], lo: float, hi: float) -> None:
        self.rows.append((coefs, lo, hi))


def linear_model(g: Grounded) -> LinearModel:
    m = LinearModel()
    coupled = {i for c in g.ceilings for i in c.members}
    x, amount = {}, {}
    for c in g.candidates:
        x[c.index] = m.var(f"x{c.index}", 1 if c.forced else 0, 1)
        if c.index in coupled:
            k = m.var(f"k{c.index}", 0, c.most // c.unit)
            lo = -(-c.minimum // c.unit)
            m.row({k: 1, x[c.index]: -lo}, 0, INF)  # k >= lo * x
            m.row({k: 1, x[c.index]: -(c.most // c.unit)}, -INF, 0)  # k <= hi * x
            amount[c.index] = {k: c.unit}
        else:
            amount[c.index] = {x[c.index]: c.most}
    for term in amount.values():
        for v, coef in term.items():
            m.objective[v] = m.objective.get(v, 0) + coef
    for ceiling in g.ceilings:
        row: dict[int, int] = {}
        for i in ceiling.members:
            for v, coef in amount[i].items():
                row[v] = row.get(v, 0) + coef
        m.row(row, -INF, ceiling.amount)
    for n, w in enumerate(g.windows):
        if w.years is None:
            m.row({x[i]: 1 for _, i in w.members}, -INF, 1)
            continue
        starts = sorted({y for y, _ in w.members})
        start = {s: m.var(f"w{n}_{s}", 0, 1) for s in starts}
        m.row({v: 1 for v in start.values()}, -INF, 1)
        for y, i in w.members:
            row = {x[i]: 1}
            for s in starts:
                if s <= y < s + w.years:
                    row[start[s]] = -1
            m.row(row, -INF, 0)
    for n, ch in enumerate(g.choices):
        chosen = []
        for k, (_, option) in enumerate(ch.options):
            y = m.var(f"c{n}_{k}", 0, 1)
            chosen.append(y)
            for i in option:
                m.row({x[i]: 1, y: -1}, -INF, 0)
        m.row({v: 1 for v in chosen}, -INF, 1)
    for s in g.supports:
        row = {x[s.member]: 1}
        for i in s.supporters:
            row[x[i]] = row.get(x[i], 0) - 1
        m.row(row, -INF, 0)
    return m
