"""Stage 3: checked rules + one enterprise's facts -> the constraint model.

Every fact is known, so each clause, item and year is evaluated here in exact arithmetic:
its conditions, its amount and the ceilings that bound that one payment alone. What remains
for the solver are the real choices — which clause takes each item, which city direction,
which years of a window — and the ceilings several payments share. Each candidate payment,
ceiling and choice keeps a link back to its clause and span.
"""
from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

from msgspec import Struct
from msgspec.structs import replace

from .ast import Literal
from .evaluate import Env, Missing, Undefined, evaluate, why_false
from .i18n import current, name_of, scope_word, t, use
from .model import Cap, Clause, Part, Policy, Ruleset
from .profile import Item, Profile
from .show import show
from .values import floor_money, fmt_money


class Candidate(Struct, frozen=True, gc=False):
    """One payment the plan may make: a clause part, a subject (item or enterprise), a year."""

    index: int
    clause: Clause
    part: Part
    policy: Policy
    subject: str  # the item's id, or "enterprise"
    item: Item | None
    year: int
    most: int  # the most this payment may be on its own, after its own ceilings and rounding
    raw: Fraction  # the amount the pay statement gives, before any ceiling
    label: str | PaymentBound  # what sets `most`: text, or what to write it from (`bound`)
    unit: int  # payments are whole multiples of this (the policy's rounding step, else 1)
    minimum: int  # the smallest payable amount
    forced: bool  # already granted: the plan must include it
    one_key: object  # the value 'one … per' groups by, or None when exempt

    @property
    def part_key(self) -> str:
        return self.clause.part_key(self.part)

    @property
    def bound(self) -> str:
        """What sets `most`, in words (written when read: most candidates are never printed)."""
        return self.label if isinstance(self.label, str) else self.label.text()


class PaymentBound(Struct, frozen=True, gc=False):
    """What sets a payment's own maximum, kept to be written only if it is read: the pay
    statement's figure, or the per-payment ceiling below it, and the policy's rounding. Written
    in the language of the grounding (`lang`), as it would have been written then."""

    lang: str
    part: Part
    policy: Policy
    pay: int  # the pay statement's figure, floored to whole 元
    cap: tuple[int, str] | None  # (amount, scope) of the per-payment ceiling that binds, if one does
    rounded: int  # the most after rounding to the policy's unit

    def text(self) -> str:
        with use(self.lang):
            part = self.part
            if self.cap is not None:
                most = self.cap[0]
                bound = t(f"ceiling {fmt_money(most)} per {self.cap[1].replace('_', '-')}",
                          f"{scope_word(self.cap[1])}上限 {fmt_money(most)}")
            else:
                most = self.pay
                bound = f"{show(part.pay)} = {fmt_money(most)}" if not isinstance(part.pay, Literal) else \
                    f"{t('up to ', '最高') if part.up_to else ''}{fmt_money(most)}"
            if self.rounded != most:
                unit = fmt_money(self.policy.rounding[0])
                bound += t(f", rounded down to {fmt_money(self.rounded)} ({self.policy.id} rounding to {unit})",
                           f"，按{name_of(self.policy)}取整到 {unit}，向下取整为 {fmt_money(self.rounded)}")
            return bound


class Ceiling(Struct, frozen=True, gc=False):
    """A ceiling several candidates share."""

    clause: Clause
    cap: Cap
    amount: int
    members: tuple[int, ...]
    label: str


class Window(Struct, frozen=True, gc=False):
    """The years one subject is paid by one part must lie in one run of at most `years` years."""

    label: str
    years: int | None  # None: one year only
    members: tuple[tuple[int, int], ...]  # (year, candidate)


class Choice(Struct, frozen=True, gc=False):
    """At most one option may be used; each option is a set of candidates."""

    kind: str  # duplication | one_per
    label: str
    options: tuple[tuple[str, tuple[int, ...]], ...]


class Support(Struct, frozen=True, gc=False):
    """A matching payment (配套) is paid only if one of the payments it matches is paid."""

    member: int
    supporters: tuple[int, ...]
    label: str


class Refusal(Struct, frozen=True, gc=False):
    """Why a clause part pays a subject nothing in a year (None: in any year)."""

    clause: Clause
    part: Part | None
    subject: str
    year: int | None
    kind: str  # draft | out_of_force | no_item | missing | ineligible | below_minimum
    reason: str
    fact: tuple[str, str] | None = None  # missing: (the fact, its description) the profile should give


class Grounded(Struct, frozen=True):
    ruleset: Ruleset
    profile: Profile
    horizon: tuple[int, ...]
    candidates: tuple[Candidate, ...]
    ceilings: tuple[Ceiling, ...]
    windows: tuple[Window, ...]
    choices: tuple[Choice, ...]
    supports: tuple[Support, ...]
    refusals: tuple[Refusal, ...]
    benefits: tuple[tuple[Clause, str], ...]
    include_drafts: bool
    defaults: tuple[tuple[str, str, str], ...] = ()  # (name, label, value) of each vocabulary default read


def ground(ruleset: Ruleset, profile: Profile, horizon: tuple[int, ...], include_drafts: bool) -> Grounded:
    g = _Grounder(ruleset, profile, horizon, include_drafts)
    for clause in ruleset.clauses:
        g.clause(clause)
    g.link_matches()
    g.couple()
    return Grounded(ruleset, profile, horizon, tuple(g.candidates), tuple(g.ceilings), tuple(g.windows),
                    tuple(g.choices), tuple(g.supports), tuple(g.refusals), tuple(g.benefits), include_drafts,
                    tuple(sorted(g.defaults)))


class _Grounder:
    def __init__(self, ruleset: Ruleset, profile: Profile, horizon, include_drafts: bool):
        self.rules, self.profile, self.horizon = ruleset, profile, horizon
        self.include_drafts = include_drafts
        self.candidates: list[Candidate] = []
        self.ceilings: list[Ceiling] = []
        self.windows: list[Window] = []
        self.choices: list[Choice] = []
        self.supports: list[Support] = []
        self.refusals: list[Refusal] = []
        self.benefits: list[tuple[Clause, str]] = []
        self._policy_refusals: dict[str, tuple[str, str] | None] = {}
        self._conditions = defaultdict(list)
        for c in ruleset.conditions:
            self._conditions[c.policy].append(c)
        self._items = {i.id: i for i in profile.items}
        self._of_kind: dict[str, list[Item]] = defaultdict(list)  # the profile's items of each kind, in order
        for i in profile.items:
            self._of_kind[i.kind].append(i)
        self._enterprise: dict[tuple[str, int], str | Exception | None] = {}
        self.defaults: set = set()

    def env(self, item: Item | None, year: int | None) -> Env:
        return Env(self.rules.vocab, self.profile, item, year, self.defaults)

    def refuse(self, clause, part, subject, year, kind, reason, fact=None) -> None:
        self.refusals.append(Refusal(clause, part, subject, year, kind, reason, fact))

    # -- one clause ------------------------------------------------------------------------
    def clause(self, clause: Clause) -> None:
        policy = self.rules.policies[clause.policy]
        if policy.is_draft and not self.include_drafts:
            self.refuse(clause, None, "-", None, "draft",
                        t(f"{policy.title} is a draft (征求意见稿): left out unless --include-drafts",
                          f"《{policy.title}》是征求意见稿：加 --include-drafts 才计入"))
            return
        refusal = self.policy_refusal(policy)
        if refusal:
            self.refuse(clause, None, "-", None, *refusal)
            return
        for benefit in clause.benefits:
            self.benefits.append((clause, benefit))
        for part in clause.parts:
            kind = part.subject.kind
            if kind is None:
                self.subject(clause, part, policy, None)
                continue
            items = self._of_kind.get(kind, [])
            if not items:
                label = self.rules.vocab.kinds[kind].label
                self.refuse(clause, part, "-", None, "no_item", t(f"the profile has no item of kind {kind} ({label})",
                                                                   f"企业信息中没有 {kind}（{label}）类项目"))
            for item in items:
                self.subject(clause, part, policy, item)

    def policy_refusal(self, policy: Policy) -> tuple[str, str] | None:
        """Why the policy pays this enterprise nothing in any planned year (jurisdiction, its
        enterprise-wide conditions, its dates), or None if it may pay in some year."""
        if policy.id in self._policy_refusals:
            return self._policy_refusals[policy.id]
        reasons: list[tuple] = []
        for year in self.horizon:
            if not policy.in_force_in(year):
                continue
            env = self.env(None, year)
            try:
                failed = next(((c, r) for c in self._conditions[policy.id] for r in c.requires
                               if not evaluate(r, env)), None)
            except Missing as m:
                reasons.append(("missing", t(f"{policy.id} conditions need {m.describe()}",
                                             f"{name_of(policy)}的申报条件需要 {m.describe()}"), (m.name, m.label)))
                continue
            except Undefined as u:
                reasons.append(("ineligible", str(u)))
                continue
            if failed is None:
                self._policy_refusals[policy.id] = None
                return None
            cond, req = failed
            reasons.append(("ineligible", t(f"{policy.id} {cond.article}: {why_false(req, env)}",
                                            f"{name_of(policy)} {cond.article}：{why_false(req, env)}")))
        if not reasons:
            years = ", ".join(map(str, self.horizon))
            reasons.append(("out_of_force", t(f"{policy.id} is not in force in {years} ({policy.validity})",
                                              f"{name_of(policy)}在 {years.replace(', ', '、')} 年不在有效期内"
                                              f"（{policy.validity}）")))
        self._policy_refusals[policy.id] = reasons[0]
        return reasons[0]

    def years_of(self, clause, part: Part, item: Item | None) -> list[int]:
        if part.subject.timing == "once_in":
            try:
                year = evaluate(part.subject.timing_expr, self.env(item, None))
            except Missing as m:
                self.refuse(clause, part, item.id if item else "enterprise", None, "missing",
                            t(f"needs {m.describe()}", f"需要 {m.describe()}"), (m.name, m.label))
                return []
            return [year] if year in self.horizon else []
        if item is None:
            return list(self.horizon)
        return [y for y in item.years(self.rules.vocab) if y in self.horizon]

    def subject(self, clause: Clause, part: Part, policy: Policy, item: Item | None) -> None:
        subject = item.id if item else "enterprise"
        for year in self.years_of(clause, part, item):
            refusal = self.out_of_force(part, policy, item, year)
            if refusal:
                self.refuse(clause, part, subject, year, *refusal)
                continue
            try:
                candidate = self.payment(clause, part, policy, item, year)
            except Missing as m:
                self.refuse(clause, part, subject, year, "missing", t(f"needs {m.describe()}", f"需要 {m.describe()}"),
                            (m.name, m.label))
                continue
            except Undefined as u:
                self.refuse(clause, part, subject, year, "ineligible", str(u))
                continue
            if candidate is not None:
                self.candidates.append(candidate)

    def out_of_force(self, part: Part, policy: Policy, item: Item | None, year: int) -> tuple | None:
        """Why the policy cannot pay this subject in this year by its dates, or None. An item's
        event (a title, an approval, a contract: paid once) is paid when its date falls while the
        policy is in force; in a year the policy is in force on some days only, an event with no
        date is not paid (its date is asked for, never assumed). An enterprise-wide payment rests on
        a year's figures (output, R&D, contribution), paid as the policy's `year_claims` says (a
        reading of its validity article); an item paid over years (a project, an order) is paid in
        a year the policy is in force on some day (001 第二十七条: 期间已立项项目至约定任务期止)."""
        event = item is not None and part.subject.timing in ("once", "once_in")
        if event and item.date is not None and item.date.year == year:
            if not policy.in_force_on(item.date):
                return "out_of_force", t(f"{policy.id} is not in force on {item.date}, the date of {item.id} "
                                         f"({policy.validity})",
                                         f"{name_of(policy)}在 {item.id} 的日期 {item.date} 不在有效期内"
                                         f"（{policy.validity}）")
            return None
        if not policy.in_force_in(year):
            return "out_of_force", t(f"{policy.id} is not in force in {year} ({policy.validity})",
                                     f"{name_of(policy)}在 {year} 年不在有效期内（{policy.validity}）")
        if event and policy.partly_in_force(year):
            return "missing", t(f"needs {item.id}'s date (date: YYYY-MM-DD): {policy.id} is in force on some days of "
                                f"{year} only ({policy.validity})",
                                f"需要 {item.id} 的日期（date: YYYY-MM-DD）：{name_of(policy)}只在 {year} 年的部分日子有效"
                                f"（{policy.validity}）"), (f"{item.id}.date", "事件日期")
        if item is None and not policy.pays_year(year):
            return "out_of_force", t(f"{policy.id} expires on {policy.in_force[1]}, before {year}'s figures are claimed in "
                                     f"{year + 1} (year_claims while_in_force; {policy.validity})",
                                     f"{name_of(policy)}于 {policy.in_force[1]} 到期，早于 {year + 1} 年申报 {year} 年数据"
                                     f"（year_claims while_in_force；{policy.validity}）")
        return None

    def enterprise_refusal(self, policy: Policy, year: int) -> str | None:
        """Why the policy's enterprise-wide conditions fail in `year`, or None if they hold; the
        same for every payment of the policy that year, so worked out once. Raises Missing or
        Undefined, as evaluating them does, each time it is asked."""
        key = (policy.id, year)
        if key not in self._enterprise:
            env = self.env(None, year)
            try:
                failed = next(((cond, req) for cond in self._conditions[policy.id] for req in cond.requires
                               if not evaluate(req, env)), None)
                if failed is None:
                    self._enterprise[key] = None
                else:
                    cond, req = failed
                    self._enterprise[key] = t(f"{policy.id} {cond.article}: {why_false(req, env)}",
                                              f"{name_of(policy)} {cond.article}：{why_false(req, env)}")
            except (Missing, Undefined) as err:
                self._enterprise[key] = err
        found = self._enterprise[key]
        if isinstance(found, Exception):
            raise found.with_traceback(None)
        return found

    def payment(self, clause: Clause, part: Part, policy: Policy, item: Item | None, year: int) -> Candidate | None:
        subject = item.id if item else "enterprise"
        refusal = self.enterprise_refusal(policy, year)
        if refusal is not None:
            self.refuse(clause, part, subject, year, "ineligible", refusal)
            return None
        env = self.env(item, year)
        tests = ([part.subject.where] if part.subject.where is not None else []) + list(part.requires)
        for req in tests:
            if not evaluate(req, env):
                self.refuse(clause, part, subject, year, "ineligible", why_false(req, env))
                return None
        raw = Fraction(evaluate(part.pay, env))
        most = pay = max(floor_money(raw), 0)
        capped = None
        for cap in part.caps + clause.caps:
            if cap.scope in ("payment", "item_year"):
                amount = floor_money(Fraction(evaluate(cap.amount, env)))
                if amount < most:
                    most, capped = amount, (amount, cap.scope)
        unit, minimum = policy.rounding or (1, 1)
        rounded = most - most % unit
        rounding_loss = most - rounded
        most = rounded
        if most < max(minimum, 1):
            reason = t(f"amount {fmt_money(most + rounding_loss)} is 0", f"金额 {fmt_money(most + rounding_loss)} 为零") \
                if most + rounding_loss <= 0 else \
                t(f"amount {fmt_money(most + rounding_loss)} is below the smallest payment {fmt_money(minimum)} "
                  f"({policy.id} rounding)",
                  f"金额 {fmt_money(most + rounding_loss)} 低于最小支付额 {fmt_money(minimum)}（{name_of(policy)}取整规则）")
            self.refuse(clause, part, subject, year, "below_minimum", reason)
            return None
        forced = bool(part.fixed is not None and evaluate(part.fixed, env))
        one_key = None
        for one in clause.one_per:
            if one.unless is None or not evaluate(one.unless, env):
                one_key = evaluate(one.key, env)
        bound = PaymentBound(current(), part, policy, pay, capped, rounded)
        return Candidate(len(self.candidates), clause, part, policy, subject, item, year, most, raw, bound,
                         unit, max(minimum, 1), forced, one_key)

    # -- what couples candidates --------------------------------------------------------------
    def link_matches(self) -> None:
        """A matching part pays only on an item its policy pays: drop those with nothing to
        match, renumber, and record which payments each match rests on."""
        by_payer: dict[tuple[str, str], list[Candidate]] = defaultdict(list)  # (policy, subject) -> its payments
        for c in self.candidates:
            by_payer[(c.policy.id, c.subject)].append(c)
        kept: list[Candidate] = []
        for c in self.candidates:
            if c.part.matches and not by_payer.get((c.part.matches, c.subject)):
                self.refuse(c.clause, c.part, c.subject, c.year, "ineligible",
                            t(f"matches {c.part.matches}, which cannot pay {c.subject} (see its own reason)",
                              f"配套 {c.part.matches}，而后者不能支持 {c.subject}（见其原因）"))
                continue
            kept.append(replace(c, index=len(kept)))
        self.candidates = kept
        by_payer = defaultdict(list)
        for c in kept:
            by_payer[(c.policy.id, c.subject)].append(c.index)
        for c in kept:
            if c.part.matches:
                supporters = tuple(by_payer[(c.part.matches, c.subject)])
                self.supports.append(Support(c.index, supporters,
                                             t(f"{c.clause.policy} {c.clause.article} matches {c.part.matches} on {c.subject}",
                                               f"{c.clause.policy} {c.clause.article} 对 {c.subject} 配套 {c.part.matches}")))

    def couple(self) -> None:
        by_part_subject = defaultdict(list)
        by_part = defaultdict(list)
        by_clause = defaultdict(list)
        for c in self.candidates:
            by_part_subject[(c.clause.key, c.part.name, c.subject)].append(c)
            by_part[(c.clause.key, c.part.name)].append(c)
            by_clause[c.clause.key].append(c)
        for members in by_part_subject.values():
            self.window(members)
        for members in by_part.values():  # a part's ceilings span all its subjects
            for cap in members[0].part.caps:
                self.ceiling(members[0].clause, cap, members)
        for members in by_clause.values():
            clause = members[0].clause
            for cap in clause.caps:
                self.ceiling(clause, cap, members)
            for one in clause.one_per:
                self.one_per(clause, one, members)
        self._by_subject = defaultdict(list)  # each subject's payments, for the lower levels of a promotion
        for c in self.candidates:
            self._by_subject[c.subject].append(c)
        for members in by_part_subject.values():
            if members[0].part.difference:
                self.difference(members)
        self.duplication()

    def linked(self, item: Item, field: str) -> list[Item]:
        """The items `item` leads to through `field` (the profile has checked there is no cycle)."""
        chain, at = [], item.fields.get(field)
        while at is not None:
            chain.append(self._items[at])
            at = self._items[at].fields.get(field)
        return chain

    def difference(self, members: list[Candidate]) -> None:
        """晋级享受差额支持: a promoted item is paid its level's amount minus what the lower levels
        it was promoted from are paid, by this clause or by any clause of its 从优不重复 group: the
        item and those levels share a ceiling of the item's own amount."""
        c0 = members[0]
        lower = {i.id for i in self.linked(c0.item, c0.part.difference)}
        if not lower:
            return
        group = c0.policy.no_duplication
        paid_lower = sorted(c.index for s in lower for c in self._by_subject.get(s, ())
                            if c.clause.key == c0.clause.key or (group is not None and c.policy.no_duplication == group))
        if not paid_lower:
            return
        amount = max(c.most for c in members)
        label = t(f"{c0.clause.policy} {c0.clause.article} 晋级差额: {c0.subject} and the lower level(s) "
                  f"{', '.join(sorted(lower))} together at most {fmt_money(amount)}",
                  f"{c0.clause.policy} {c0.clause.article} 晋级差额：{c0.subject} 与较低级别 "
                  f"{'、'.join(sorted(lower))} 合计最高 {fmt_money(amount)}")
        cap = Cap(Literal.of(amount, "money", c0.part.span), "item", c0.part.span)
        self.ceilings.append(Ceiling(c0.clause, cap, amount, tuple(c.index for c in members) + tuple(paid_lower), label))
        self.bind(paid_lower, amount, label)

    def window(self, members: list[Candidate]) -> None:
        c0 = members[0]
        timing, limit = c0.part.subject.timing, c0.part.subject.max_years
        years = sorted(c.year for c in members)
        label = f"{c0.clause.key} {c0.subject}"
        if timing == "once" and len(years) > 1:
            self.windows.append(Window(label + t(" once", " 仅一次"), None, tuple((c.year, c.index) for c in members)))
        elif timing == "consecutive" and years[-1] - years[0] + 1 > limit:
            self.windows.append(Window(label + t(f" {limit} consecutive years", f" 连续不超过 {limit} 年"), limit,
                                       tuple((c.year, c.index) for c in members)))

    def ceiling(self, clause: Clause, cap: Cap, members: list[Candidate]) -> None:
        if cap.scope in ("payment", "item_year"):
            return
        groups = defaultdict(list)
        for c in members:
            key = {"item": c.subject, "enterprise_year": c.year, "enterprise": None}[cap.scope]
            groups[key].append(c)
        for group in groups.values():
            # a ceiling per item may depend on the item's own facts (30% of its approved investment)
            amount = floor_money(Fraction(evaluate(cap.amount, self.env(group[0].item, None))))
            bound = t(f"ceiling {fmt_money(amount)} per {cap.scope.replace('_', '-')} ({clause.article})",
                      f"{scope_word(cap.scope)}上限 {fmt_money(amount)}（{clause.article}）")
            label = f"{clause.policy} {clause.article} {bound}"
            if len(group) > 1:
                self.ceilings.append(Ceiling(clause, cap, amount, tuple(c.index for c in group), label))
            self.bind([c.index for c in group], amount, bound)

    def bind(self, indices, amount: int, bound: str) -> None:
        """No single payment can exceed a ceiling it shares: each is at most `amount` (in its units)."""
        for i in indices:
            c = self.candidates[i]
            if amount < c.most:
                self.candidates[i] = replace(c, most=amount - amount % c.unit, label=bound)

    def one_per(self, clause: Clause, one, members: list[Candidate]) -> None:
        groups = defaultdict(lambda: defaultdict(list))
        for c in members:
            c = self.candidates[c.index]
            if c.one_key is not None:
                scope_key = c.year if one.scope == "enterprise_year" else None
                groups[scope_key][str(c.one_key)].append(c.index)
        for scope_key, options in groups.items():
            if len(options) > 1:
                label = t(f"{clause.policy} {clause.article}: one {show(one.key)} per {one.scope.replace('_', '-')}",
                          f"{clause.policy} {clause.article}：{scope_word(one.scope)}限一个 {show(one.key)}") + \
                    (f" ({scope_key})" if scope_key is not None else "")
                self.choices.append(Choice("one_per", label, tuple((k, tuple(v)) for k, v in sorted(options.items()))))

    def duplication(self) -> None:
        groups = defaultdict(lambda: defaultdict(list))
        for c in self.candidates:
            if c.policy.no_duplication is None:
                continue
            # an item is one matter over all its years (or the item it is about: `matter item.FIELD`,
            # a loan and the project it finances); an enterprise-wide matter (a year's output
            # growth, a year's regional contribution) is one matter in each year
            if c.item is not None:
                about = self.linked(c.item, c.part.matter) if c.part.matter else []
                matter = about[-1].id if about else c.subject
            else:
                matter = f"enterprise:{c.part.matter or c.clause.key}:{c.year}"
            groups[(c.policy.no_duplication, matter)][c.clause.key].append(c.index)
        for (group, matter), options in groups.items():
            if len(options) > 1:
                about = matter.removeprefix('enterprise:').replace(':', ' ')
                self.choices.append(Choice("duplication", t(f"从优不重复 ({group}): {about}", f"从优不重复（{group}）：{about}"),
                                           tuple((k, tuple(v)) for k, v in options.items())))

