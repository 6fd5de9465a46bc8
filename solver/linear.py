"""The grounded model as an integer linear program: the one encoding every solver reads.

One 0/1 variable per candidate payment; its amount is that variable times the payment's
closed-form maximum or, only where a shared ceiling couples it to other payments, an integer
count of rounding units. 0/1 variables choose the option of each choice (从优不重复, one city
direction a year) and the first year of each window. Rows are {variable: coefficient} with
lo <= row <= hi. `solver/optimize.py` hands it to Z3 as SMT-LIB text; `bench/` hands the same
model to HiGHS and CP-SAT.
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
    amounts: dict[int, dict[int, int]] = field(default_factory=dict)  # candidate -> its amount as a row

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


def linear_model(g: Grounded, members=None) -> LinearModel:
    """The model of the candidates in `members` (all, if None) and every constraint on them;
    `members` must be closed under the constraints (an independent part, or everything)."""
    inside = set(range(len(g.candidates)) if members is None else members)
    m = LinearModel()
    coupled = {i for c in g.ceilings for i in c.members}
    x = {}
    for i in sorted(inside):
        c = g.candidates[i]
        x[i] = m.var(f"x{i}", 1 if c.forced else 0, 1)
        if i in coupled:
            hi = c.most // c.unit
            k = m.var(f"k{i}", 0, hi)
            lo = -(-c.minimum // c.unit)
            m.row({k: 1, x[i]: -lo}, 0, INF)  # k >= ceil(minimum / unit) * x
            m.row({k: 1, x[i]: -hi}, -INF, 0)  # k <= hi * x
            m.amounts[i] = {k: c.unit}
        else:
            m.amounts[i] = {x[i]: c.most}
    for ceiling in g.ceilings:
        if inside.issuperset(ceiling.members):
            m.row(m.combine(dict.fromkeys(ceiling.members, 1)), -INF, ceiling.amount)
    for n, w in enumerate(g.windows):
        if not inside.issuperset(i for _, i in w.members):
            continue
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
        if not inside.issuperset(i for _, option in ch.options for i in option):
            continue
        chosen = []
        for k, (_, option) in enumerate(ch.options):
            y = m.var(f"c{n}_{k}", 0, 1)
            chosen.append(y)
            for i in option:
                m.row({x[i]: 1, y: -1}, -INF, 0)
        m.row({v: 1 for v in chosen}, -INF, 1)
    for s in g.supports:
        if s.member not in inside:
            continue
        row = {x[s.member]: 1}
        for i in s.supporters:
            row[x[i]] = row.get(x[i], 0) - 1
        m.row(row, -INF, 0)
    return m


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
