"""Stage 5: a plan -> a result that names, for every figure, the policy, the article and what
bound it; and, for every clause part that paid nothing, why."""
from __future__ import annotations

from collections import Counter, defaultdict

from msgspec import Struct
from msgspec.structs import asdict

from .ground import Candidate, Grounded
from .i18n import name_of, t
from .linear import Links, whole
from .model import Clause
from .optimize import Plan
from .readings import in_effect

SCHEMA_VERSION = 1


class Payment(Struct, frozen=True, gc=False):
    policy: str
    article: str
    clause: str
    item: str
    year: int
    amount: int
    bound_by: str
    up_to: bool
    readings: tuple[str, ...]
    draft: bool = False  # from a draft policy (征求意见稿), included by --include-drafts
    kind: str = "computed"  # computed: the text's formula or fixed amount; discretionary: a ceiling the bureau fills
    readings_used: tuple[str, ...] = ()  # keys of the readings (alternatives) the figure rests on
    year_by_convention: bool = False  # one sum over several years of an item: its split by year is the earliest-years convention


class NotTaken(Struct, frozen=True, gc=False):
    policy: str
    article: str
    clause: str
    item: str
    kind: str
    reason: str


class Result(Struct, frozen=True):
    enterprise: str
    years: tuple[int, ...]
    status: str
    total: int
    bound: int
    payments: tuple[Payment, ...]
    not_taken: tuple[NotTaken, ...]
    benefits: tuple[dict, ...]
    assumptions: tuple[str, ...]
    certificate: dict
    proofs: tuple[str, ...] = ()  # SMT-LIB scripts of the checks behind `optimal` (`--proof DIR`); not in JSON
    readings_in_effect: tuple[tuple[str, str, bool], ...] = ()  # (reading, alternative, is default) behind a payment
    range: dict | None = None  # `--readings`: the optima under other readings (pipeline.reading_range)
    missing_facts: tuple[tuple[str, str, tuple[str, ...], int | None], ...] = ()  # (fact, description, articles
    # needing it, the most one payment of them can be by their texts' fixed figures, or None)
    policies: dict = {}  # id -> {"title", "short", "document"} of every policy the rules hold (JSON `policies`)

    @property
    def policy_names(self) -> dict[str, str]:
        """id -> the name a Chinese table shows: the short title, else the title."""
        return {pid: p["short"] or p["title"] for pid, p in self.policies.items()}

    @property
    def computed_total(self) -> int:
        return sum(p.amount for p in self.payments if p.kind == "computed")

    @property
    def discretionary_total(self) -> int:
        return self.total - self.computed_total

    def to_json(self) -> dict:
        """The documented, stable JSON of `subsidy optimize --json` (README, "JSON output")."""
        return {
            "schema": SCHEMA_VERSION,
            "enterprise": self.enterprise,
            "years": list(self.years),
            "status": self.status,
            "total": self.total,
            "computed_total": self.computed_total,
            "discretionary_total": self.discretionary_total,
            "bound": self.bound,
            "policies": self.policies,
            "payments": [dict(asdict(p), policy_title=self.policies.get(p.policy, {}).get("title", ""),
                              readings=list(p.readings), readings_used=list(p.readings_used))
                         for p in self.payments],
            "readings_in_effect": [{"reading": k, "alternative": a, "default": d} for k, a, d in self.readings_in_effect],
            "missing_facts": [{"fact": f, "description": d, "articles": list(a), "up_to": most}
                              for f, d, a, most in self.missing_facts],
            "not_taken": [asdict(n) for n in self.not_taken],
            "benefits": list(self.benefits),
            "assumptions": list(self.assumptions),
            "certificate": self.certificate,
        } | ({"range": self.range} if self.range is not None else {})


class Usage:
    """What one plan's payments use of each shared constraint of the grounded model, each
    figured once, when first asked (explaining 20,000 items re-summed whole ceilings per
    candidate: 31% of the command). `links` are each candidate's constraints."""

    def __init__(self, g: Grounded, plan: Plan, links: Links | None = None):
        self.g, self.paid = g, plan.amounts
        self.links = links if links is not None else Links(g, whole(g))
        self._sums: dict[int, int] = {}
        self._subjects: dict[int, Counter] = {}
        self._used: dict[int, list[str]] = {}
        self._matched: dict[int, bool] = {}
        self._years: dict[int, list[int]] = {}

    def ceiling_sum(self, n: int) -> int:
        """The plan's total under ceiling n."""
        if n not in self._sums:
            self._sums[n] = sum(self.paid.get(i, 0) for i in self.g.ceilings[n].members)
        return self._sums[n]

    def others(self, n: int, c: Candidate) -> list[str]:
        """The subjects, besides c, of the payments the plan makes under ceiling n, sorted."""
        if n not in self._subjects:
            self._subjects[n] = Counter(self.g.candidates[i].subject for i in dict.fromkeys(self.g.ceilings[n].members)
                                        if i in self.paid)
        count = self._subjects[n]
        mine = 1 if c.index in self.paid else 0
        return sorted(s for s, k in count.items() if k - (mine if s == c.subject else 0) > 0)

    def used(self, n: int) -> list[str]:
        """The options of choice n the plan takes, in the choice's order."""
        if n not in self._used:
            self._used[n] = [k for k, members in self.g.choices[n].options if any(i in self.paid for i in members)]
        return self._used[n]

    def matched(self, n: int) -> bool:
        """Whether the plan pays a payment that matching rule n matches."""
        if n not in self._matched:
            self._matched[n] = any(i in self.paid for i in self.g.supports[n].supporters)
        return self._matched[n]

    def years(self, n: int) -> list[int]:
        """The years window n is paid in."""
        if n not in self._years:
            self._years[n] = sorted(y for y, i in self.g.windows[n].members if i in self.paid)
        return self._years[n]


def bound_by(g: Grounded, plan: Plan, c: Candidate, amount: int, usage: Usage | None = None) -> str:
    """What stopped this payment at `amount`: its own bound, else the first shared ceiling the
    plan fills that it is under."""
    if amount == c.most:
        return c.bound
    usage = usage or Usage(g, plan)
    for n in usage.links.ceilings.get(c.index, ()):
        ceiling = g.ceilings[n]
        if usage.ceiling_sum(n) == ceiling.amount:
            others = usage.others(n, c)
            shared = t(f", shared with {', '.join(others)}", f"，与 {'、'.join(others)} 共用") if others else ""
            return f"{ceiling.label.split(' ', 1)[1]}{shared}"
    return t(f"{c.bound} (paid {amount} of it)", f"{c.bound}（本方案付 {amount}）")


def build_result(g: Grounded, plan: Plan) -> Result:
    payments = []
    usage = Usage(g, plan)
    by_policy: dict[str, tuple[str, ...]] = defaultdict(tuple)  # readings shaping a policy's conditions
    for cond in g.ruleset.conditions:
        by_policy[cond.policy] += cond.readings_used
    # a ceiling per item over several years (累计最高…) fixes the sum, not the years: the plan puts
    # the money in the earliest years, a convention for display (README, "Earliest years")
    spread = {i for ceiling in g.ceilings if ceiling.cap.scope == "item"
              and len({g.candidates[m].year for m in ceiling.members}) > 1 for i in ceiling.members}
    for i in sorted(plan.amounts, key=lambda i: _order(g.candidates[i])):
        c, amount = g.candidates[i], plan.amounts[i]
        used = tuple(sorted(set(c.part.readings_used + by_policy[c.policy.id] + c.policy.readings_used)))
        payments.append(Payment(c.policy.id, c.clause.article, c.part_key, c.subject, c.year, amount,
                                bound_by(g, plan, c, amount, usage), c.part.up_to,
                                tuple(map(g.ruleset.say, c.clause.readings + c.part.readings)),
                                c.policy.is_draft, "discretionary" if c.part.up_to else "computed", used,
                                i in spread))
    effect = in_effect(g.ruleset)
    readings_in_effect = tuple((k, effect[k], effect[k] == g.ruleset.readings[k].default)
                               for k in sorted({k for p in payments for k in p.readings_used}))
    used_policies = {g.candidates[i].policy.id for i in plan.amounts}
    assumptions = []
    for pid in sorted(used_policies, key=lambda p: g.ruleset.policies[p].order):
        policy = g.ruleset.policies[pid]
        assumptions += [f"{name_of(policy)}{t(': ', '：')}{a}" for a in policy.assumptions]
        if policy.is_draft:
            assumptions.append(t(f"{pid}: figures from a draft (征求意见稿), included by --include-drafts",
                                 f"{name_of(policy)}：数额来自征求意见稿，因 --include-drafts 而计入"))
    for ch in g.choices:  # DESIGN §7: a figure chosen across documents rests on that reading
        members = [i for _, option in ch.options for i in option]
        policies = sorted({g.candidates[i].policy.id for i in members})
        if ch.kind == "duplication" and len(policies) > 1 and any(i in plan.amounts for i in members):
            assumptions.append(t(f"{ch.label}: {' and '.join(policies)} are read as one 从优不重复 group "
                                 "(the higher figure of the documents is taken, never both)",
                                 f"{ch.label}：{'与'.join(name_of(g.ruleset.policies[p]) for p in policies)}"
                                 "视为同一从优不重复组（取文件中较高的一项，不重复享受）"))
    if any(p.readings for p in payments):
        assumptions.append(t("figures marked with readings rest on the team's interpretation of the article "
                             "(see each payment's readings)",
                             "标有解读的数额依据团队对条文的理解（见每笔的“所依解读”）"))
    if any(p.up_to for p in payments):
        assumptions.append(t("“最高/不超过” with no formula is a ceiling the bureau fills after review (discretionary): "
                             "the figure is the most the text allows, not an entitlement",
                             "没有计算公式的“最高/不超过”是主管部门评审后酌定的上限（酌定）：数额是条文允许的最高额，"
                             "不是应得金额"))
    assumptions += [t(f"{k} read as '{a}'", f"{k} 按“{a}”解读")
                    + ("" if d else t(" (chosen with --reading; not the default)", "（由 --reading 选定，非默认）"))
                    for k, a, d in readings_in_effect]
    assumptions += [t(f"{name} not given: read as {value} ({label}), its default, which can only lower a figure",
                      f"未提供 {name}〔{label}〕：按其默认值 {value} 计，只会降低数额")
                    for name, label, value in g.defaults]
    if any(p.year_by_convention for p in payments):
        assumptions.append(t("figures marked † are one sum over several years of an item (累计最高…): the text fixes the "
                             "sum, not the years; placing it in the earliest years is a display convention, not a "
                             "payment schedule",
                             "标 † 的数额是一个项目多年合计（累计最高…）：条文规定总额而不规定年度；放在最早年度只是展示方式，"
                             "不是拨付计划"))
    certificate = {
        "method": "a plan per independent part in exact arithmetic (z3 Optimize where none is found), then "
                  "one z3 check per batch of parts (a part with ceilings whose plan meets its bound without windows "
                  "first relaxed: no windows, no smallest amounts): "
                  "no part pays optimum + 1, or as much but earlier, is unsat",
        "parts": plan.parts,
        "proven": plan.status == "optimal",
        "checks": list(plan.certificate),
    }
    benefits = tuple({"policy": c.policy, "article": c.article, "clause": c.key, "benefit": b} for c, b in g.benefits)
    return Result(g.profile.name, g.horizon, plan.status, plan.total, plan.bound, tuple(payments),
                  tuple(not_taken(g, plan, usage)), benefits, tuple(assumptions), certificate, plan.proofs,
                  readings_in_effect, None, missing_facts(g), policy_table(g.ruleset))


def policy_table(ruleset) -> dict:
    """Every policy's id with the names people know it by: JSON keeps ids, with these beside them."""
    return {p.id: {"title": p.title, "short": p.short, "document": p.document}
            for p in sorted(ruleset.policies.values(), key=lambda p: p.order)}


def text_ceiling(clause: Clause) -> int | None:
    """The most one payment of the clause can be by the text's fixed figures (`pay up to 300万`,
    `cap 500万 per payment`, the largest branch of a tiered amount), whatever the enterprise; None
    where some part's amount has no fixed bound (a rate of a figure with no cap)."""
    most = 0
    for part in clause.parts:
        bounds = [b for b in [_fixed_most(part.pay)] + [_fixed_most(c.amount) for c in part.caps + clause.caps]
                  if b is not None]
        if not bounds:
            return None
        most = max(most, min(bounds))
    return most


def _fixed_most(e) -> int | None:
    """An upper bound of a money expression from its literals alone (money facts are never negative)."""
    from . import ast
    if isinstance(e, ast.Literal):
        return int(e.value) if e.type == "money" else None
    if isinstance(e, ast.IfElse):
        a, b = _fixed_most(e.then), _fixed_most(e.other)
        return None if a is None or b is None else max(a, b)
    if isinstance(e, ast.Call) and e.name == "min":
        known = [m for m in map(_fixed_most, e.args) if m is not None]
        return min(known) if known else None
    if isinstance(e, ast.Call) and e.name == "max":
        known = [_fixed_most(a) for a in e.args]
        return None if None in known else max(known)
    if isinstance(e, ast.Arith) and "*" not in e.ops:
        # a sum: its added terms bounded; a money fact subtracted, never negative, only lowers it
        added = [_fixed_most(e.items[0])] + [_fixed_most(x) for op, x in zip(e.ops, e.items[1:]) if op == "+"]
        taken = [x for op, x in zip(e.ops, e.items[1:]) if op == "-"]
        if None in added or not all(isinstance(x, ast.Ref) for x in taken):
            return None
        return sum(added)
    return None


def missing_facts(g: Grounded) -> tuple[tuple[str, str, tuple[str, ...], int | None], ...]:
    """Every fact the profile does not give that a clause needed, once, with the articles that
    need it: all of them in one run, not one per run. Each comes with the most one payment of
    those articles could be by their texts' fixed figures (None where a text fixes none), and
    the list is ordered by it, the largest first: what to look up first."""
    needed: dict[tuple[str, str], list[str]] = {}
    ceilings: dict[tuple[str, str], list[int | None]] = {}
    ceiling_of: dict[str, int | None] = {}  # clause key -> text_ceiling: refusals repeat a clause by item and year
    counted: set[tuple] = set()  # (fact, clause key) whose ceiling is counted

    def add(fact: tuple[str, str], where: str, clause: Clause | None = None) -> None:
        places = needed.setdefault(fact, [])
        if where not in places:
            places.append(where)
        if clause is not None and (fact, clause.key) not in counted:
            counted.add((fact, clause.key))
            if clause.key not in ceiling_of:
                ceiling_of[clause.key] = text_ceiling(clause)
            ceilings.setdefault(fact, []).append(ceiling_of[clause.key])
    blocked = []  # policies whose own conditions lack a fact: their clauses were not even tried
    for r in g.refusals:
        if r.kind == "missing" and r.fact is not None:
            add(r.fact, f"{r.clause.policy} {r.clause.article}", r.clause)
            if r.part is None and r.clause.policy not in blocked:
                blocked.append(r.clause.policy)
    if blocked:  # so also every fact their clauses read that the profile does not give
        from .template import needs
        vocab, given = g.ruleset.vocab, g.profile.facts
        need = needs(g.ruleset, [g.ruleset.policies[p] for p in blocked])
        for name, places in need.facts.items():
            info = vocab.facts[name]
            if name not in given and not info.has_default:
                for where in places:
                    add((name, info.label), where, g.ruleset.clause(where.replace(" ", ".", 1)))
    def most(fact) -> int | None:
        found = ceilings.get(fact, [None])
        return None if None in found else max(found)
    facts = [(name, label, tuple(places), most((name, label))) for (name, label), places in needed.items()]
    return tuple(sorted(facts, key=lambda f: (f[3] is None, -(f[3] or 0))))  # stable: first-seen order within


def not_taken(g: Grounded, plan: Plan, usage: Usage | None = None) -> list[NotTaken]:
    """Every clause part and subject that the plan pays nothing, with the reason."""
    paid_keys = {(g.candidates[i].part_key, g.candidates[i].subject) for i in plan.amounts}
    reasons: dict[tuple, list[tuple[int | None, str, str]]] = defaultdict(list)
    clause_of: dict[tuple, Clause] = {}
    for r in g.refusals:
        key = (r.clause.part_key(r.part) if r.part else r.clause.key, r.subject)
        reasons[key].append((r.year, r.kind, r.reason))
        clause_of[key] = r.clause
    usage = usage or Usage(g, plan)  # each candidate's constraints, found in one pass; the plan's use of each
    for c in g.candidates:
        key = (c.part_key, c.subject)
        if key in paid_keys:
            continue
        clause_of[key] = c.clause
        why = _why_unpaid(g, c, usage)
        if why is not None:
            reasons[key].append((c.year, "dominated", why))
        elif plan.status == "optimal":  # nothing in the rules kept it out: the optimum did
            reasons[key].append((c.year, "dominated", t("not taken by the optimal plan", "最优方案未选")))
        else:
            reasons[key].append((c.year, "unproven", t("not taken by the best plan found before the time limit "
                                                       "(not proven optimal)",
                                                       "时限前找到的最好方案未选（未证明最优）")))
    out = []
    for key, entries in reasons.items():
        if key in paid_keys:
            continue
        clause = clause_of[key]
        kinds = {k for _, k, _ in entries}
        kind = next((k for k in ("dominated", "unproven") if k in kinds), None) or \
            (sorted(kinds)[0] if len(kinds) == 1 else "ineligible")
        texts = sorted({(y or 0, text) for y, _, text in entries})
        if len({text for _, text in texts}) == 1:
            reason = texts[0][1]
        else:
            reason = t("; ", "；").join((t(f"{y}: ", f"{y} 年：") if y else "") + text for y, text in texts)
        out.append((clause.order, NotTaken(clause.policy, clause.article, key[0], key[1], kind, reason)))
    return [n for _, n in sorted(out, key=lambda o: (o[0], o[1].clause, o[1].item))]


def _order(c: Candidate) -> tuple:
    return (c.year, c.clause.order, c.clause.parts.index(c.part), c.subject)


def _why_unpaid(g: Grounded, c: Candidate, usage: Usage) -> str | None:
    """The choice, matching rule, window or ceiling that the plan's other payments use up, if any."""
    links, paid = usage.links, usage.paid
    for n in dict.fromkeys(n for n, _ in links.options.get(c.index, ())):
        ch = g.choices[n]
        used = usage.used(n)
        if used:
            if ch.kind == "duplication":
                taker = g.candidates[next(i for i in dict(ch.options)[used[0]] if i in paid)]
                return t(f"从优不重复: {c.subject} is paid by {taker.policy.id} {taker.clause.article} "
                         f"({used[0]}), which pays more or equal",
                         f"从优不重复：{c.subject} 已由{name_of(taker.policy)} {taker.clause.article}（{used[0]}）"
                         "支持，金额不低于本条")
            return t(f"{ch.label}: {used[0]} was chosen", f"{ch.label}：已选 {used[0]}")
    for n in links.supports.get(c.index, ()):
        if not usage.matched(n):
            s = g.supports[n]
            return t(f"{s.label}: the plan does not take what it matches", f"{s.label}：方案未取其所配套的支持")
    for n in links.windows.get(c.index, ()):
        years = usage.years(n)
        if years:
            w = g.windows[n]
            return t(f"{w.label}: paid in {', '.join(map(str, years))} instead",
                     f"{w.label}：已在 {'、'.join(map(str, years))} 年支付")
    for n in links.ceilings.get(c.index, ()):
        ceiling = g.ceilings[n]
        if usage.ceiling_sum(n) >= ceiling.amount:
            return t(f"{ceiling.label} already reached", f"{ceiling.label} 已用满")
    return None


def explain_clause(g: Grounded, plan: Plan, clause: Clause) -> dict:
    """Everything the engine knows about one clause for this enterprise."""
    result = build_result(g, plan)
    mine = [p for p in result.payments if p.clause == clause.key or p.clause.startswith(clause.key + ".")]
    reasons = [n for n in result.not_taken if n.clause == clause.key or n.clause.startswith(clause.key + ".")]
    policy = g.ruleset.policies[clause.policy]
    effect = in_effect(g.ruleset)
    return {
        "policy": clause.policy, "policy_title": policy.title, "article": clause.article, "clause": clause.key,
        "text": list(clause.texts),
        "readings": [g.ruleset.say(r) for r in clause.readings]
        + [f"{p.name}: {g.ruleset.say(r)}" for p in clause.parts for r in p.readings],
        "readings_in_effect": [{"reading": k, "alternative": effect[k], "default": effect[k] == g.ruleset.readings[k].default}
                               for k in clause.readings_used],
        "paid": [asdict(p) for p in mine], "total": sum(p.amount for p in mine),
        "not_taken": [asdict(n) for n in reasons], "status": result.status,
    }
