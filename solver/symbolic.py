"""The rules compiled with every fact unknown: for claims about all enterprises (`prove`).

Each enterprise fact (per year) and each field of a few symbolic items is a Z3 variable,
bounded by declared limits; conditions and amounts become Z3 terms; every candidate payment
(clause part × subject × year) gets an amount variable bounded by its rate and ceilings, and
the shared ceilings, windows, 从优不重复, one direction a year and matching are the same
constraints the optimizer uses. A model of these constraints is a legal plan for some
enterprise; its facts are written back as a profile that `subsidy optimize` replays.
"""
from __future__ import annotations

import operator
from collections import defaultdict
from fractions import Fraction

import z3
from msgspec import Struct, field

from . import ast
from .diagnostics import SymbolicProblem
from .model import RECORD_SUFFIX, Clause, FactInfo, Part, Ruleset

MONEY_MAX = 10 ** 12  # 1万亿: a bound on every amount of money a fact may hold


class SymItem(Struct):
    id: str
    kind: str
    fields: dict = field(default_factory=dict)  # (name, year|None) -> z3 term


class SymCandidate(Struct):
    index: int
    clause: Clause
    part: Part
    subject: str
    item: SymItem | None
    year: int
    amount: z3.ArithRef
    paid: z3.BoolRef  # amount > 0
    eligible: z3.BoolRef | None = None  # when it may pay at all (conditions, subject, presence)
    bounds: tuple = ()  # the terms its amount may not exceed: its pay, its payment and item-year caps


class SymbolicModel:
    """Facts as variables, candidates as bounded amounts, and the rules between them."""

    def __init__(self, rules: Ruleset, clauses: list[Clause], years: tuple[int, ...], items_per_kind: int,
                 pinned: dict, money_max: int = MONEY_MAX, texts: dict[str, int] | None = None):
        """`texts` numbers text values; two models of one enterprise (`subsidy diff`) share it."""
        self.rules, self.years, self.pinned, self.money_max = rules, years, pinned, money_max
        self.history = tuple(range(years[0] - 2, years[0]))  # earlier years: prev(), growth, first
        self.constraints: list = []
        self.domain: list = []  # the constraints on the facts alone (their ranges): the enterprises admitted
        # for `part`: every other constraint with the candidates it is about and the facts it reads,
        # each fact's ranges, and the facts read while `_reading` is a set
        self._owned: list[tuple[frozenset[int], z3.BoolRef, frozenset]] = []
        self._ranges: dict[tuple, list] = {}
        self._reading: set | None = None
        self._exclusive: list[list[list[SymCandidate]]] = []  # 从优不重复: each matter's options, by clause
        self.facts: dict[tuple[str, int | None], z3.ExprRef] = {}
        self.texts: dict[str, int] = {} if texts is None else texts
        self.candidates: list[SymCandidate] = []
        # the policy's conditions in a year, as terms: the same for each of its candidates that year
        # (built once: 平谷's model, 2 items of each kind, 0.093 s -> 0.056 s; 3 items 0.140 -> 0.107 s)
        self._conditions: dict[tuple[str, int], tuple[list, set]] = {}  # and the facts they read
        kinds = sorted({p.subject.kind for c in clauses for p in c.parts if p.subject.kind})
        self.items = [SymItem(f"{kind}_{n + 1}", kind) for kind in kinds for n in range(items_per_kind)]
        for clause in clauses:
            self._clause(clause)
        self._couple(clauses)

    # -- facts -----------------------------------------------------------------------------
    def _var(self, key: tuple, info: FactInfo, store: dict) -> z3.ExprRef:
        if self._reading is not None:
            self._reading.add(key)
        if key in store:
            return store[key]
        name = "/".join(str(k) for k in key if k is not None)
        t = info.type
        if info.name in self.pinned:
            value = self.pinned[info.name]
            if t.startswith("enum:"):
                value = self.rules.vocab.enums[t[5:]].index(value)
            elif t == "text":
                value = self.texts.setdefault(value, len(self.texts) + 1)
            var = z3.RealVal(value) if t == "rate" else (z3.BoolVal(value) if t == "bool" else z3.IntVal(value))
        elif t == "bool":
            var = z3.Bool(name)
        elif t == "rate":
            raise SymbolicProblem(f"fact '{info.name}' is a rate compared with a growth: pin its value "
                                  f"in the bounds file (e.g. {info.name}: '6%') so the claim stays linear")
        else:
            var = z3.Int(name)
            ranges = []
            if t == "money":
                ranges = [var >= 0, var <= self.money_max]
            elif t == "count":
                ranges = [var >= 0, var <= 10 ** 6]
            elif t == "year":
                ranges = [var >= self.history[0], var <= self.years[-1]]
            elif t.startswith("enum:"):
                ranges = [var >= 0, var < len(self.rules.vocab.enums[t[5:]])]
            self.constraints += ranges
            self.domain += ranges
            self._ranges[key] = ranges
        store[key] = var
        return var

    def fact(self, info: FactInfo, year: int | None, item: SymItem | None) -> z3.ExprRef:
        year = year if info.per_year else None
        if item is None:
            return self._var((info.name, year), info, self.facts)
        return self._var((item.id, info.name, year), info, item.fields)

    # -- expressions -------------------------------------------------------------------------
    def expr(self, e: ast.Expr, item: SymItem | None, year: int):
        """A Z3 term (or Python constant) for e in `year`."""
        if isinstance(e, ast.Literal):
            if e.type == "text":
                return self.texts.setdefault(e.value, len(self.texts) + 1)
            if e.type == "rate":
                return z3.RealVal(e.value)
            return e.value if e.type != "bool" else z3.BoolVal(e.value)
        if isinstance(e, ast.CurrentYear):
            return year
        if isinstance(e, ast.Ref):
            return self._ref(e.path, item, year)
        if isinstance(e, ast.Arith):
            terms = [_num(self.expr(i, item, year)) for i in e.items]
            if e.ops[0] != "*" and len(terms) > 2:  # one n-ary sum, not a term nested as deep as the chain is long
                return z3.Sum([terms[0]] + [x if op == "+" else -x for op, x in zip(e.ops, terms[1:])])
            result = terms[0]
            for op, x in zip(e.ops, terms[1:]):
                result = {"+": operator.add, "-": operator.sub, "*": operator.mul}[op](result, x)
            return result
        if isinstance(e, ast.Neg):
            return -_num(self.expr(e.expr, item, year))
        if isinstance(e, ast.Compare):
            return self._compare(e, item, year)
        if isinstance(e, ast.Member):
            value = self.expr(e.expr, item, year)
            return z3.Or([value == self._enum_index(e.expr, n, item) for n, _ in e.names])
        if isinstance(e, ast.BoolOp):
            terms = [self.expr(i, item, year) for i in e.items]
            return z3.And(terms) if e.op == "and" else z3.Or(terms)
        if isinstance(e, ast.Not):
            return z3.Not(self.expr(e.expr, item, year))
        if isinstance(e, ast.IfElse):
            return z3.If(self.expr(e.cond, item, year), _num(self.expr(e.then, item, year)),
                         _num(self.expr(e.other, item, year)))
        if isinstance(e, ast.FirstTier):
            result = z3.RealVal(0)
            for threshold, amount in sorted(e.tiers, key=lambda t: t[0].value):
                reached = self._first_reaches(e.series, threshold.value, item, year)
                result = z3.If(reached, z3.RealVal(amount.value), result)
            return result
        if isinstance(e, ast.Call):
            return self._call(e, item, year)
        if isinstance(e, ast.Total):  # as evaluate._total, over the symbolic items of the kind
            info = self.rules.vocab.kinds[e.kind].fields[e.field]
            terms = []
            for other in (i for i in self.items if i.kind == e.kind):
                value = _num(self._ref(("item", e.field), other, year))
                cond = [self.expr(e.where, other, year)] if e.where is not None else []
                if info.per_year:
                    cond.append(z3.Bool(f"{other.id}/present/{year}"))
                terms.append(z3.If(z3.And(cond), value, z3.RealVal(0)) if cond else value)
            return z3.Sum(terms) if terms else z3.RealVal(0)
        raise TypeError(type(e))

    def _info(self, path, item):
        if path[0] == "item":
            return self.rules.vocab.kinds[item.kind].fields[path[1]]
        return self.rules.vocab.facts.get(path[0])

    def _ref(self, path, item, year, at: int | None = None):
        info = self._info(path, item)
        if info is None:  # an enum value standing alone
            return path[0]
        return self.fact(info, at if at is not None else year, item if path[0] == "item" else None)

    def _enum_index(self, ref_expr, name: str, item) -> int:
        info = self._info(ref_expr.path, item)
        return self.rules.vocab.enums[info.type[5:]].index(name)

    def _compare(self, e: ast.Compare, item, year):
        for growth_side, other_side, op in ((e.left, e.right, e.op), (e.right, e.left, _FLIP[e.op])):
            if isinstance(growth_side, ast.Call) and growth_side.name == "growth":
                series = growth_side.args[0]
                cur, prev = self._ref(series.path, item, year, year), self._ref(series.path, item, year, year - 1)
                rate = self.expr(other_side, item, year)
                # growth(x) op r  <=>  prev > 0 and (cur - prev) op r * prev
                return z3.And(prev > 0, _OPS[op](z3.ToReal(cur - prev), rate * z3.ToReal(prev)))
        a, b = self.expr(e.left, item, year), self.expr(e.right, item, year)
        if isinstance(b, str):
            b = self._enum_index(e.left, b, item)
        if isinstance(a, str):
            a = self._enum_index(e.right, a, item)
        return _OPS[e.op](_num(a), _num(b))

    def _first_reaches(self, series: ast.Ref, threshold, item, year):
        cur = self._ref(series.path, item, year, year)
        earlier = [self._ref(series.path, item, year, y) for y in range(self.history[0], year)]
        record = self._ref(series.path[:-1] + (series.path[-1] + RECORD_SUFFIX,), item, year)  # before history
        return z3.And([cur >= threshold, record < threshold] + [v < threshold for v in earlier])

    def _call(self, e: ast.Call, item, year):
        args = e.args
        if e.name in ("min", "max"):
            values = [_num(self.expr(a, item, year)) for a in args]
            out = values[0]
            for v in values[1:]:
                out = z3.If(v < out, v, out) if e.name == "min" else z3.If(v > out, v, out)
            return out
        if e.name == "consecutive":
            return z3.And([self.expr(args[1], item, year - k) for k in range(args[0].value)])
        series = args[0]
        if e.name == "prev":
            return self._ref(series.path, item, year, year - 1)
        if e.name == "increase":
            return self._ref(series.path, item, year, year) - self._ref(series.path, item, year, year - 1)
        if e.name == "first_reaches":
            return self._first_reaches(series, args[1].value, item, year)
        raise SymbolicProblem(f"{e.name}() outside a comparison with a rate cannot be proved about")

    # -- candidates ----------------------------------------------------------------------------
    def _clause(self, clause: Clause) -> None:
        policy = self.rules.policies[clause.policy]
        conditions = [r for c in self.rules.conditions if c.policy == policy.id for r in c.requires]
        for part in clause.parts:
            subjects = [None] if part.subject.kind is None else [i for i in self.items if i.kind == part.subject.kind]
            for item in subjects:
                for year in self.years:
                    # as ground.out_of_force: an enterprise's yearly figures as year_claims says; an
                    # item's event in any year in force on some day (its date is then chosen in force)
                    if policy.pays_year(year) if item is None else policy.in_force_in(year):
                        self._candidate(clause, part, policy, item, year, conditions)

    def _candidate(self, clause, part, policy, item, year, conditions) -> None:
        i = len(self.candidates)
        amount = z3.Int(f"pay{i}")
        self._reading = set()
        if (policy.id, year) not in self._conditions:
            self._conditions[policy.id, year] = [self.expr(r, None, year) for r in conditions], self._reading
            self._reading = set(self._reading)
        terms, read = self._conditions[policy.id, year]
        self._reading |= read
        eligible = list(terms)
        eligible += [self.expr(r, item, year) for r in ([part.subject.where] if part.subject.where else []) + list(part.requires)]
        if item is not None:
            eligible.append(self._present(part, item, year))
        bounds = [_num(self.expr(part.pay, item, year))]
        for cap in part.caps + clause.caps:
            if cap.scope in ("payment", "item_year"):
                bounds.append(_num(self.expr(cap.amount, item, year)))
        when = z3.And(eligible)
        cs = [amount >= 0, z3.Implies(amount > 0, when)] + [z3.ToReal(amount) <= b for b in bounds]
        if part.fixed is not None:  # a granted award is in every plan, when it may be paid at all
            cs.append(z3.Implies(z3.And([self.expr(part.fixed, item, year)] + eligible), amount > 0))
        if policy.rounding:
            unit, minimum = policy.rounding
            k = z3.Int(f"unit{i}")
            cs += [amount == unit * k, z3.Or(amount == 0, amount >= minimum)]
        self._own([i], *cs)
        self._reading = None
        self.candidates.append(SymCandidate(i, clause, part, item.id if item else "enterprise", item, year,
                                            amount, amount > 0, when, tuple(bounds)))

    def _present(self, part: Part, item: SymItem, year: int):
        """When a symbolic item is there to be paid in `year` (its event year, its figures, or
        the year the part names)."""
        kind = self.rules.vocab.kinds[item.kind]
        if part.subject.timing == "once_in":
            return self.expr(part.subject.timing_expr, item, year) == year
        present = z3.Bool(f"{item.id}/present/{year}")
        if "year" in kind.fields:
            event = self.fact(kind.fields["year"], None, item) == year
            # an item with yearly figures is there in those years too (instalments, standards met)
            return z3.Or(event, present) if any(f.per_year for f in kind.fields.values()) else event
        return present

    def _couple(self, clauses: list[Clause]) -> None:
        by = defaultdict(list)
        for c in self.candidates:
            by[("part", c.clause.key, c.part.name, c.subject)].append(c)
            by[("partall", c.clause.key, c.part.name)].append(c)
            by[("clause", c.clause.key)].append(c)
        for key, members in by.items():
            c0 = members[0]
            if key[0] == "part":
                timing, limit = c0.part.subject.timing, c0.part.subject.max_years
                if timing in ("once", "once_in"):
                    self._own(members, z3.Sum([z3.If(m.paid, 1, 0) for m in members]) <= 1)
                elif timing == "consecutive":
                    years = sorted({m.year for m in members})
                    self._own(members, z3.Or([z3.And([z3.Not(m.paid) for m in members if not s <= m.year < s + limit])
                                              for s in years]))
            caps = c0.part.caps if key[0] == "partall" else (c0.clause.caps if key[0] == "clause" else ())
            for cap in caps:
                self._ceiling(cap, members)
        groups = defaultdict(lambda: defaultdict(list))
        for c in self.candidates:
            policy = self.rules.policies[c.clause.policy]
            if policy.no_duplication:
                matter = c.subject if c.item else f"enterprise:{c.part.matter or c.clause.key}:{c.year}"
                groups[(policy.no_duplication, matter)][c.clause.key].append(c)
        for options in groups.values():
            if len(options) > 1:
                self._exclusive.append(list(options.values()))
                self._own([m for ms in options.values() for m in ms], _one_of(options.values()))
        for c in self.candidates:
            if c.part.matches:
                supporters = [d for d in self.candidates
                              if d.clause.policy == c.part.matches and d.subject == c.subject]
                self._own([c] + supporters, z3.Implies(c.paid, z3.Or([d.paid for d in supporters]) if supporters
                                                       else z3.BoolVal(False)))
        for clause in clauses:
            for one in clause.one_per:
                members = [c for c in self.candidates if c.clause.key == clause.key]
                for y in self.years:
                    in_year = [c for c in members if c.year == y or one.scope == "enterprise"]
                    for a in in_year:
                        for b in in_year:
                            if a.index < b.index:
                                exempt = lambda c: self.expr(one.unless, c.item, c.year) if one.unless else z3.BoolVal(False)  # noqa: E731
                                self._reading = set()
                                self._own([a, b], z3.Implies(
                                    z3.And(a.paid, b.paid, z3.Not(exempt(a)), z3.Not(exempt(b))),
                                    self.expr(one.key, a.item, a.year) == self.expr(one.key, b.item, b.year)))
                                self._reading = None

    def _ceiling(self, cap, members: list[SymCandidate]) -> None:
        self._reading = set()
        for limit, group in self.ceiling_groups(cap, members):
            self._own(group, z3.ToReal(z3.Sum([m.amount for m in group])) <= limit)
        self._reading = None

    def _own(self, members, *constraints) -> None:
        """Constraints about these candidates (or candidate indices), reading the facts read since
        `_reading` was set (none when it is None: a constraint on payments alone)."""
        owners = frozenset(m if isinstance(m, int) else m.index for m in members)
        read = frozenset(self._reading or ())
        self.constraints += constraints
        self._owned += [(owners, c, read) for c in constraints]

    def part(self, keep: set[int]) -> list:
        """The constraints of the model of the candidates `keep` alone: the ranges of the facts they
        read, every constraint about those candidates only, and 从优不重复 among their own clauses. A subset
        of this model's constraints and of what they imply (one of fewer options), so any plan
        of this model, cut to `keep`, satisfies them: its most bounds theirs. It is the model a
        SymbolicModel of their clauses alone would build, over this model's items."""
        kept = [(c, read) for owners, c, read in self._owned if owners <= keep]
        mine = [c for c, _ in kept]
        for options in self._exclusive:
            ours = [ms for ms in options if all(m.index in keep for m in ms)]
            if 1 < len(ours) < len(options):  # all of them: already among `mine`
                mine.append(_one_of(ours))
        # the ranges of the facts they read alone (the others' slowed Z3: 平谷's eleven articles
        # 0.28 -> 0.32 s, 2 items of each kind; 0.52 -> 0.68 s with 3)
        read = set().union(*(r for _, r in kept))
        return [r for key, ranges in self._ranges.items() if key in read for r in ranges] + mine

    def ceiling_groups(self, cap, members: list[SymCandidate]) -> list[tuple[z3.ArithRef, list[SymCandidate]]]:
        """A shared ceiling's groups of payments (by item, year or enterprise, as its scope says),
        each with its limit; none for a ceiling on one payment (that bounds the payment itself)."""
        if cap.scope in ("payment", "item_year"):
            return []
        groups = defaultdict(list)
        for m in members:
            groups[{"item": m.subject, "enterprise_year": m.year, "enterprise": None}[cap.scope]].append(m)
        return [(_num(self.expr(cap.amount, group[0].item, group[0].year)), group) for group in groups.values()]

    # -- back to a profile ---------------------------------------------------------------------
    def _event_day(self, year: int):
        """The date a counter-example gives an event of `year`: the first day of the year on which
        the most policies are in force (the symbolic model pays an event in any year a policy is in
        force on some day; the profile's date must let the replay pay it too)."""
        from datetime import date
        days = [date(year, 1, 1)] + [p.in_force[0] for p in self.rules.policies.values() if p.in_force[0].year == year]
        return max(sorted(days), key=lambda d: sum(p.in_force_on(d) for p in self.rules.policies.values()))

    def profile_of(self, model: z3.ModelRef) -> dict:
        """The counter-example's facts as a profile `subsidy optimize` reads."""
        names = {v: k for k, v in self.texts.items()}

        def value(info: FactInfo, term):
            v = model.eval(term, model_completion=True)
            if info.type == "bool":
                return z3.is_true(v)
            if info.type == "rate":
                frac = Fraction(str(v.as_fraction()))
                return f"{float(frac * 100):g}%"
            n = v.as_long()
            if info.type.startswith("enum:"):
                return self.rules.vocab.enums[info.type[5:]][n]
            if info.type == "text":
                return names.get(n, f"value{n}")
            return n

        facts: dict = {}
        for (name, year), term in sorted(self.facts.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
            info = self.rules.vocab.facts[name]
            if info.per_year:
                facts.setdefault(name, {})[year] = value(info, term)
            else:
                facts[name] = value(info, term)
        items = []
        for item in self.items:
            entry: dict = {"id": item.id, "kind": item.kind}
            kind = self.rules.vocab.kinds[item.kind]
            for (_, name, year), term in sorted(item.fields.items(), key=lambda kv: (kv[0][1], kv[0][2] or 0)):
                info = kind.fields[name]
                if info.per_year:
                    present = model.eval(z3.Bool(f"{item.id}/present/{year}"), model_completion=True)
                    if z3.is_true(present) or "year" in kind.fields:
                        entry.setdefault(name, {})[year] = value(info, term)
                else:
                    entry[name] = value(info, term)
            years = [y for y in self.years if z3.is_true(model.eval(z3.Bool(f"{item.id}/present/{y}"),
                                                                    model_completion=True))]
            if years and "year" not in kind.fields:
                entry["years"] = years
            if isinstance(entry.get("year"), int):
                entry["date"] = str(self._event_day(entry["year"]))  # text: the JSON verdict carries it too
            items.append(entry)
        return {"facts": facts, "items": items}


_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq,
        "!=": operator.ne}
_FLIP = {">=": "<=", "<=": ">=", ">": "<", "<": ">", "==": "==", "!=": "!="}


def _one_of(options) -> z3.BoolRef:
    """At most one of the options (each a clause's payments on one matter) pays."""
    return z3.Sum([z3.If(z3.Or([m.paid for m in ms]), 1, 0) for ms in options]) <= 1


def _num(v):
    """Python numbers as Z3 reals; Z3 terms as they are."""
    if isinstance(v, bool):
        return z3.BoolVal(v)
    if isinstance(v, (int, Fraction)):
        return z3.RealVal(v)
    return v
