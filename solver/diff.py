"""`subsidy diff OLD NEW`: what changed between two versions of a policy, and whether any
enterprise gets less (or more) under the new one.

"No enterprise gets less under NEW" compares two optima per enterprise (∃e: OPT_old(e) >
OPT_new(e) is ∃∀), so it is not asked as such. It is PROVED by a refinement: over one symbolic
enterprise (solver/symbolic.py, as `prove` builds it) the two versions have the same
combination structure (windows, matching, 从优不重复, one direction a year, rounding, granted
awards: matched by clause, part, item and year), and one Z3 query shows that no payment OLD can
make is refused or capped lower by NEW and no shared ceiling of NEW binds below what OLD allows.
Then every legal OLD plan is a legal NEW plan paying the same, so NEW's optimum is at least
OLD's. Where that query finds an enterprise (a "shape": a payment refused, a maximum or ceiling
lowered), the enterprise is written as a profile and both optima are computed by the engine:
only an engine-proven OPT_new < OPT_old is reported (REFUTED), replayable through `subsidy
optimize`. Shapes that cost nothing are set aside and the next is tried; none found: UNKNOWN.
"Gets more" is the same with OLD and NEW exchanged.
"""
from __future__ import annotations

import shlex
import time

import z3
from msgspec import Struct, to_builtins

from . import limits
from .diagnostics import Diagnostic, DiagnosticError, did_you_mean
from .i18n import name_of, t
from .model import Clause, Ruleset
from .show import show
from .symbolic import MONEY_MAX, SymbolicModel

DIRECTIONS = ("less", "more")
#: Shapes (a kind of drop in one clause part) tried against the engine before UNKNOWN.
MAX_SHAPES = 12
#: Seconds Z3 may take to find the largest drop of one shape (then any enterprise of that shape).
SHAPE_SECONDS = 10.0


class Change(Struct, frozen=True):
    """One declaration added, removed or changed: its rule lines as show.py prints them."""

    change: str  # added | removed | changed
    what: str  # policy | condition | clause | reading
    key: str
    article: str
    text: tuple[str, ...]  # the article's words (NEW's where both have them)
    text_changed: bool
    old: tuple[str, ...]  # the rule lines only OLD has
    new: tuple[str, ...]  # the rule lines only NEW has

    def to_json(self) -> dict:
        return {"change": self.change, "what": self.what, "key": self.key, "article": self.article,
                "text": list(self.text), "text_changed": self.text_changed, "old": list(self.old),
                "new": list(self.new)}


class Tried(Struct, frozen=True):
    """One shape tried: the enterprise Z3 found for it and both engine optima (None: none found)."""

    shape: str
    clause: str
    old_total: int | None
    new_total: int | None
    note: str = ""

    def to_json(self) -> dict:
        return {"shape": self.shape, "clause": self.clause, "old_total": self.old_total,
                "new_total": self.new_total, "note": self.note}


class Diff(Struct, frozen=True):
    policy: str
    title: str
    old: tuple[str, ...]
    new: tuple[str, ...]
    changes: tuple[Change, ...]
    direction: str  # less | more
    verdict: str  # PROVED | REFUTED | UNKNOWN
    years: tuple[int, ...]
    bounds: dict
    structure: tuple[str, ...] = ()  # why the refinement cannot be asked (the combination structure differs)
    tried: tuple[Tried, ...] = ()
    counterexample: dict | None = None
    old_total: int | None = None
    new_total: int | None = None
    replay: tuple[str, ...] = ()
    timings: dict = {}

    def claim(self) -> str:
        p = self.policy
        return (t(f"no enterprise gets less from {p} under NEW than under OLD", f"没有任何企业在新版{self.title}下所得少于旧版")
                if self.direction == "less" else
                t(f"no enterprise gets more from {p} under NEW than under OLD", f"没有任何企业在新版{self.title}下所得多于旧版"))

    def scope(self) -> str:
        """The enterprises the verdict is about, in words (part of the verdict itself)."""
        b = self.bounds
        pinned = "".join(t(", ", "，") + f"{k} = {v}" for k, v in b.get("pinned", {}).items())
        return t(f"for every enterprise with at most {b['items_per_kind']} item(s) of each kind and every money "
                 f"figure at most {b['money_max']:,} 元{pinned}, years {self.years[0]}-{self.years[-1]}",
                 f"适用于每类项目不超过 {b['items_per_kind']} 个、每个金额不超过 {b['money_max']:,} 元的任何企业"
                 f"{pinned}，{self.years[0]}–{self.years[-1]} 年")

    @property
    def change(self) -> int | None:
        """NEW's optimum minus OLD's on the counter-example (negative: a loss)."""
        return None if self.old_total is None or self.new_total is None else self.new_total - self.old_total

    def to_json(self) -> dict:
        return {"policy": self.policy, "old": list(self.old), "new": list(self.new),
                "changes": [c.to_json() for c in self.changes], "direction": self.direction, "claim": self.claim(),
                "verdict": self.verdict, "scope": self.scope(), "years": list(self.years), "bounds": self.bounds,
                "structure": list(self.structure), "tried": [x.to_json() for x in self.tried],
                "counterexample": self.counterexample, "old_total": self.old_total, "new_total": self.new_total,
                "change": self.change, "replay": list(self.replay), "timings": self.timings}


# -- reading the two versions ------------------------------------------------------------------
def diff(old: list[str], new: list[str], policy: str | None = None, direction: str = "less", items: int = 2,
         bounds: str | None = None, include_drafts: bool = False, timeout: float | None = None,
         years: tuple[int, ...] | None = None) -> Diff:
    """OLD and NEW (rule files or folders, each read beside the bundled rules as `--rules` reads
    them) compared: the declarations of POLICY that changed, and the verdict on "no enterprise
    gets less" (`direction` less) or "gets more" (more) for every enterprise with at most `items`
    items of each kind, money and pinned facts as the `bounds` file says, over `years` (default:
    every year either version is in force, as `prove` takes them)."""
    from .pipeline import _declares, _deadline, load_rules, read_bounds, rule_files
    from .profile import read_limited
    deadline = _deadline(timeout)
    started = time.perf_counter()
    rules_old, rules_new = load_rules(old), load_rules(new)
    declared = {p for paths in (old, new) for f in rule_files(paths)
                for p in _declares(read_limited(str(f), "rule file"))[0]}
    policy = _policy(policy, declared, rules_old, rules_new)
    for version, rules in (("OLD", rules_old), ("NEW", rules_new)):
        if rules.policies[policy].is_draft and not include_drafts:
            raise DiagnosticError(Diagnostic("error", "E613", f"policy '{policy}' is a draft (征求意见稿) in {version}: "
                                             "the engine pays a draft nothing unless asked", None,
                                             "add --include-drafts to compare the draft's figures"))
    _same_vocabulary(rules_old, rules_new)
    pinned, money_max = read_bounds(bounds, rules_new) if bounds else ({}, None)
    money_max = money_max or MONEY_MAX
    changes = tuple(changed(rules_old, rules_new, policy))
    years = tuple(sorted(years)) if years else _years(rules_old, rules_new, policy)
    scope = {"items_per_kind": items, "money_max": money_max,
             "pinned": {k: _value(v) for k, v in sorted(pinned.items())}}
    a, b = (rules_old, rules_new) if direction == "less" else (rules_new, rules_old)
    texts: dict[str, int] = {}
    model_a = SymbolicModel(a, _clauses(a, policy), years, items, pinned, money_max, texts)
    model_b = SymbolicModel(b, _clauses(b, policy), years, items, pinned, money_max, texts)
    built = time.perf_counter()
    structure = tuple(_structure(model_a, model_b, direction))
    shapes = _shapes(model_a, model_b)
    query = limits.bounded(z3.Solver())
    query.add(*model_a.domain, *model_b.domain)
    query.add(z3.Or([s.holds for s in shapes]) if shapes else z3.BoolVal(False))
    answer = _check(query, deadline, None)
    asked = time.perf_counter()
    title = name_of(rules_new.policies[policy])
    common = dict(policy=policy, title=title, old=tuple(old), new=tuple(new), changes=changes, direction=direction,
                  years=years, bounds=scope, structure=structure)
    timings = {"model": round(built - started, 3), "refinement": round(asked - built, 3)}
    if answer == z3.unsat and not structure:
        return Diff(verdict="PROVED", timings=timings | {"total": round(time.perf_counter() - started, 3)}, **common)
    tried, best = _search(shapes, model_a, model_b, (rules_old, rules_new), policy, years, include_drafts, deadline,
                          direction)
    timings |= {"search": round(time.perf_counter() - asked, 3), "total": round(time.perf_counter() - started, 3)}
    if best is None:
        return Diff(verdict="UNKNOWN", tried=tuple(tried), timings=timings, **common)
    profile, old_total, new_total = best
    return Diff(verdict="REFUTED", tried=tuple(tried), counterexample=profile, old_total=old_total, new_total=new_total,
                replay=tuple(_replay(paths, policy, include_drafts) for paths in (old, new)), timings=timings, **common)


def _value(v) -> str:
    """A pinned fact's value as a profile writes it (a rate as 6%, not 3/50)."""
    from fractions import Fraction

    from .values import fmt_rate
    return fmt_rate(v) if isinstance(v, Fraction) else str(v)


def _policy(asked: str | None, declared: set[str], old: Ruleset, new: Ruleset) -> str:
    """The policy compared: the one asked, else the one policy OLD's and NEW's files declare."""
    both = sorted(set(old.policies) & set(new.policies))
    if asked is not None:
        if asked not in both:
            known = sorted(set(old.policies) | set(new.policies))
            where = "NEW" if asked in old.policies else "OLD" if asked in new.policies else "either version"
            raise DiagnosticError(Diagnostic("error", "E611", f"policy '{asked}' is not in {where}", None,
                                             did_you_mean(asked, known) or f"policies: {', '.join(both)}"))
        return asked
    mine = sorted(declared & set(both))
    if len(mine) != 1:
        listed = ", ".join(mine) or t("none", "无")
        raise DiagnosticError(Diagnostic("error", "E610", f"OLD and NEW declare {len(mine)} policies both have "
                                         f"({listed}): say which to compare", None,
                                         f"give --policy, e.g. --policy {(mine or both or ['POLICY'])[0]}"))
    return mine[0]


def _same_vocabulary(old: Ruleset, new: Ruleset) -> None:
    """One enterprise must read the same under both: a fact both versions declare keeps its type,
    and an enum both declare keeps its values' order (values may only be added at its end)."""
    for name in sorted(set(old.vocab.facts) & set(new.vocab.facts)):
        a, b = old.vocab.facts[name], new.vocab.facts[name]
        if (a.type, a.per_year) != (b.type, b.per_year):
            raise DiagnosticError(Diagnostic("error", "E614", f"fact '{name}' is {a.type} in OLD and {b.type} in NEW: "
                                             "one enterprise cannot be read by both versions", b.span,
                                             "keep the fact's type, or give the new meaning a new name"))
    for name in sorted(set(old.vocab.enums) & set(new.vocab.enums)):
        a, b = old.vocab.enums[name], new.vocab.enums[name]
        if a[:len(b)] != b[:len(a)]:
            raise DiagnosticError(Diagnostic("error", "E614", f"enum '{name}' lists its values differently in OLD "
                                             f"({', '.join(a)}) and NEW ({', '.join(b)})", None,
                                             "keep the old values in their order and add new ones at the end"))


def _years(old: Ruleset, new: Ruleset, policy: str) -> tuple[int, ...]:
    from .prove import default_years
    return tuple(sorted(set(default_years(old, {policy})) | set(default_years(new, {policy}))))


def _clauses(rules: Ruleset, policy: str) -> list[Clause]:
    from .prove import selected, with_support
    return with_support(rules, selected(rules, policy, None))


def _replay(paths: list[str], policy: str, include_drafts: bool) -> str:
    rules = " ".join(f"--rules {shlex.quote(p)}" for p in paths)
    return f"subsidy optimize COUNTEREXAMPLE {rules} --only {policy}" + (" --include-drafts" if include_drafts else "")


# -- what changed ------------------------------------------------------------------------------
def _plain(value):
    """A declaration as plain data without its places in the files (spans, the order of clauses)."""
    if isinstance(value, dict):
        if set(value) >= {"file", "line", "column"}:
            return None
        return {k: _plain(v) for k, v in value.items() if k not in ("span", "order", "value_span", "type_span")}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def changed(old: Ruleset, new: Ruleset, policy: str) -> list[Change]:
    """The policy's settings, conditions, readings and clauses that OLD and NEW declare
    differently, in NEW's order (then those only OLD has)."""
    out = []
    a, b = old.policies[policy], new.policies[policy]
    settings = [f for f in ("title", "document", "issuer", "level", "region", "in_force", "status", "supersedes",
                            "rounding", "no_duplication", "year_claims")
                if _plain(to_builtins(getattr(a, f))) != _plain(to_builtins(getattr(b, f)))]
    if settings:
        out.append(Change("changed", "policy", f"policy {policy}", "", (), False,
                          tuple(f"{f} {_setting(getattr(a, f))}" for f in settings),
                          tuple(f"{f} {_setting(getattr(b, f))}" for f in settings)))
    kinds = (("condition", lambda r: r.conditions, condition_lines),
             ("reading", lambda r: tuple(r.readings.values()), reading_lines),
             ("clause", lambda r: r.clauses, clause_lines))
    for what, decls, lines in kinds:
        before = {d.name: d for d in decls(old) if d.policy == policy}
        after = {d.name: d for d in decls(new) if d.policy == policy}
        for name in list(after) + [n for n in before if n not in after]:
            x, y = before.get(name), after.get(name)
            if x is not None and y is not None and _plain(to_builtins(x)) == _plain(to_builtins(y)):
                continue
            old_lines, new_lines = (lines(x) if x else []), (lines(y) if y else [])
            gone = tuple(line for line in old_lines if line not in new_lines)
            came = tuple(line for line in new_lines if line not in old_lines)
            shown = y or x
            texts = tuple(shown.texts)
            out.append(Change("added" if x is None else "removed" if y is None else "changed", what,
                              f"{policy}.{name}", shown.article, texts,
                              x is not None and y is not None and tuple(x.texts) != tuple(y.texts), gone, came))
    return out


def _setting(value) -> str:
    if isinstance(value, tuple) and len(value) == 2 and not isinstance(value[0], str):
        return f"{value[0]} to {value[1]}" if value[1] is not None else f"{value[0]} on"
    return str(value)


def clause_lines(clause: Clause) -> list[str]:
    """A clause as rule lines (show.py's notation), one statement a line, a part's prefixed by its name."""
    lines = []
    for part in clause.parts:
        at = f"part {part.name}: " if part.name else ""
        lines.append(at + _subject(part.subject))
        lines += [at + f"require {show(r)}" for r in part.requires]
        lines.append(at + f"pay {'up to ' if part.up_to else ''}{show(part.pay)}")
        lines += [at + f"cap {show(c.amount)} per {c.scope}" for c in part.caps]
        for word, value in (("matter", part.matter), ("matches", part.matches), ("difference from", part.difference)):
            if value:
                lines.append(at + f"{word} {value}")
        if part.fixed is not None:
            lines.append(at + f"fixed when {show(part.fixed)}")
    lines += [f"cap {show(c.amount)} per {c.scope}" for c in clause.caps]
    lines += [f"one {show(o.key)} per {o.scope}" + (f" unless {show(o.unless)}" if o.unless else "")
              for o in clause.one_per]
    return lines


def _subject(subject) -> str:
    who = f"for item {subject.kind}" + (f" where {show(subject.where)}" if subject.where else "") \
        if subject.kind else "for enterprise"
    timing = {"each_year": "each year", "once": "once", "consecutive": f"consecutive years at most {subject.max_years}",
              "once_in": f"once in {show(subject.timing_expr) if subject.timing_expr else ''}"}.get(subject.timing,
                                                                                                    subject.timing)
    return f"{who} {timing}"


def condition_lines(condition) -> list[str]:
    return [f"require {show(r)}" for r in condition.requires]


def reading_lines(reading) -> list[str]:
    return [f"alternative {a.name}: {a.description}" for a in reading.alternatives] + [f"default {reading.default}"]


# -- the refinement and its shapes -------------------------------------------------------------
class Shape(Struct, frozen=True):
    """One way B might pay less than A for an enterprise: `holds` when it does, `drop` how much
    A's payment could exceed B's there (what the search maximises)."""

    kind: str  # refused | dropped | maximum | ceiling | granted (A's payment as B treats it)
    clause: str  # the clause part (or clause) it is about
    order: int
    holds: object
    drop: object


def _key(c) -> tuple:
    return (c.clause.key, c.part.name, c.subject, c.year)


def _least(terms: tuple | list):
    out = terms[0]
    for x in terms[1:]:
        out = z3.If(x < out, x, out)
    return out


def _payable(c):
    return z3.And(c.eligible, _least(c.bounds) >= 1)


def _shapes(a: SymbolicModel, b: SymbolicModel) -> list[Shape]:
    """Every way a legal plan of A might not be a legal plan of B paying as much; none (UNSAT of
    their disjunction) with the same structure means B's optimum ≥ A's for every enterprise."""
    theirs = {_key(c): c for c in b.candidates}
    shapes = []
    shared: dict[tuple, list] = {}  # A's shared ceilings over each payment: it never pays more than their limit
    for limit, group in _ceilings(a):
        for m in group:
            shared.setdefault(_key(m), []).append(limit)
    for c in a.candidates:
        most = _least(list(c.bounds) + shared.get(_key(c), []))
        payable = z3.And(c.eligible, most >= 1)
        part = c.clause.part_key(c.part)
        d = theirs.get(_key(c))
        if d is None:
            shapes.append(Shape("dropped", part, c.clause.order, payable, most))
            continue
        if not c.eligible.eq(d.eligible):
            shapes.append(Shape("refused", part, c.clause.order, z3.And(payable, z3.Not(d.eligible)), most))
        for bound in d.bounds:
            if not any(bound.eq(mine) for mine in list(c.bounds) + shared.get(_key(c), [])):
                shapes.append(Shape("maximum", part, c.clause.order, z3.And(payable, bound < most), most - bound))
        if d.part.fixed is not None and not c.eligible.eq(d.eligible):  # B must pay a granted award A need not
            granted = b.expr(d.part.fixed, d.item, d.year)
            shapes.append(Shape("granted", part, c.clause.order,
                                z3.And(granted, d.eligible, z3.Not(c.eligible)), z3.RealVal(0)))
    mine = {_key(c): c for c in a.candidates}
    limits_a = [(limit, {_key(m) for m in group}) for limit, group in _ceilings(a)]
    for (limit, group), (clause, cap) in zip(_ceilings(b), _ceiling_names(b)):
        members = [mine[_key(m)] for m in group if _key(m) in mine]
        if not members:
            continue
        keys = {_key(m) for m in members}
        total = z3.Sum([z3.If(_payable(m), _least(m.bounds), z3.RealVal(0)) for m in members])
        above = [limit < other for other, covered in limits_a if keys <= covered]
        if any(limit.eq(other) for other, covered in limits_a if keys <= covered):
            continue  # the same ceiling over the same payments (or more of them)
        shapes.append(Shape("ceiling", f"{clause.key} cap {show(cap.amount)} per {cap.scope}", clause.order,
                            z3.And([limit < total] + above), total - limit))
    return shapes


def _ceiling_sets(model: SymbolicModel):
    """Each shared ceiling (of a part, over all the part's payments; of a clause, over all its
    parts') with its members, as SymbolicModel._couple groups them."""
    for clause in dict.fromkeys(c.clause for c in model.candidates):
        mine = [c for c in model.candidates if c.clause.key == clause.key]
        for part in clause.parts:
            for cap in part.caps:
                yield clause, cap, [c for c in mine if c.part.name == part.name]
        for cap in clause.caps:
            yield clause, cap, mine


def _ceilings(model: SymbolicModel) -> list:
    return [group for clause, cap, members in _ceiling_sets(model) for group in model.ceiling_groups(cap, members)]


def _ceiling_names(model: SymbolicModel) -> list:
    return [(clause, cap) for clause, cap, members in _ceiling_sets(model)
            for _ in model.ceiling_groups(cap, members)]


def _structure(a: SymbolicModel, b: SymbolicModel, direction: str) -> list[str]:
    """How the two versions combine payments differently (other than ceilings, which the query
    compares): then no refinement is asked, and PROVED cannot be the verdict."""
    out = []
    older, newer = ("OLD", "NEW") if direction == "less" else ("NEW", "OLD")
    theirs = {(c.clause.key, c.part.name): c for c in b.candidates}
    seen = set()
    for c in a.candidates:
        d = theirs.get((c.clause.key, c.part.name))
        if d is None or (c.clause.key, c.part.name) in seen:
            continue
        seen.add((c.clause.key, c.part.name))
        part = c.clause.part_key(c.part)
        for what, x, y in (("timing", _subject(c.part.subject), _subject(d.part.subject)),
                           ("matter", c.part.matter, d.part.matter), ("matches", c.part.matches, d.part.matches),
                           ("difference", c.part.difference, d.part.difference),
                           ("fixed", _shown(c.part.fixed), _shown(d.part.fixed)),
                           ("one per", _one_per(c.clause), _one_per(d.clause))):
            if x != y:
                out.append(t(f"{part}: {what} is '{x}' in {older} and '{y}' in {newer}",
                             f"{part}：{what} 在{_zh(older)}为「{x}」，在{_zh(newer)}为「{y}」"))
    for pid in sorted({c.clause.policy for c in a.candidates} & {c.clause.policy for c in b.candidates}):
        p, q = a.rules.policies[pid], b.rules.policies[pid]
        if p.no_duplication != q.no_duplication:
            out.append(t(f"{pid}: no_duplication {p.no_duplication} in {older}, {q.no_duplication} in {newer}",
                         f"{pid}：从优不重复组在{_zh(older)}为 {p.no_duplication}，在{_zh(newer)}为 {q.no_duplication}"))
        if q.rounding is not None and p.rounding != q.rounding:
            out.append(t(f"{pid}: rounding {p.rounding} in {older}, {q.rounding} in {newer}",
                         f"{pid}：取整规则在{_zh(older)}为 {p.rounding}，在{_zh(newer)}为 {q.rounding}"))
    mine = {(c.clause.key, c.part.name) for c in a.candidates}
    for key, d in theirs.items():
        if key not in mine and d.part.fixed is not None:
            out.append(t(f"{d.clause.part_key(d.part)}: a granted award only {newer} pays",
                         f"{d.clause.part_key(d.part)}：仅{_zh(newer)}支付的已获批奖励"))
    return out


def _zh(version: str) -> str:
    return {"OLD": "旧版", "NEW": "新版"}[version]


def _shown(e) -> str | None:
    return None if e is None else show(e)


def _one_per(clause: Clause) -> str:
    return "; ".join(f"{show(o.key)} per {o.scope}" + (f" unless {show(o.unless)}" if o.unless else "")
                     for o in clause.one_per)


def _check(solver, deadline: float | None, at_most: float | None):
    from .prove import _check as check
    return check(solver, deadline, at_most)


# -- the search for a counter-example ----------------------------------------------------------
def _search(shapes: list[Shape], a: SymbolicModel, b: SymbolicModel, rules: tuple[Ruleset, Ruleset], policy: str,
            years: tuple[int, ...], include_drafts: bool, deadline: float | None, direction: str):
    """Each shape (kind × clause part, in rule order, at most MAX_SHAPES): Z3's enterprise with the
    largest drop of that shape, written as a profile; both engine optima on it. The tries, and the
    profile with the largest proven loss (OPT_A − OPT_B > 0; None if none)."""
    from .pipeline import optimize_with
    groups: dict[tuple[str, str], list[Shape]] = {}
    for s in sorted(shapes, key=lambda s: s.order):
        groups.setdefault((s.kind, s.clause), []).append(s)
    tried, best = [], None
    for (kind, clause), members in list(groups.items())[:MAX_SHAPES]:
        model = _largest(members, a, b, deadline)
        if model is None:
            tried.append(Tried(kind, clause, None, None,
                               t("no enterprise has this shape, or Z3 did not find one in time",
                                 "没有企业呈现此情形，或 Z3 未能及时找到")))
            continue
        profile = _profile(a, b, model, years)
        totals = []
        for ruleset in rules:
            left = None if deadline is None else max(deadline - time.perf_counter(), 0.0)
            try:
                result = optimize_with(ruleset, _readable(profile, ruleset), None, include_drafts,
                                       None if left is None else time.perf_counter() + left, [policy])
            except DiagnosticError as err:
                totals.append(None)
                note = err.diagnostics[0].message
                break
            totals.append(result.total if result.status == "optimal" else None)
        else:
            note = ""
        old_total, new_total = (totals + [None, None])[:2]
        if old_total is None or new_total is None:
            tried.append(Tried(kind, clause, old_total, new_total,
                               note or t("the engine did not prove both optima in time", "引擎未能及时证明两个最优值")))
            continue
        gain = new_total - old_total
        lost = -gain if direction == "less" else gain
        tried.append(Tried(kind, clause, old_total, new_total))
        if lost > 0 and (best is None or lost > abs(best[2] - best[1])):
            best = (profile, old_total, new_total)
    return tried, best


def _shape_word(kind: str, direction: str) -> str:
    """A shape as the claim's reader sees it: what NEW does to a payment (less) or OLD (more)."""
    if direction == "more":
        return {"refused": t("a payment NEW makes that OLD refuses", "新版支付而旧版拒绝的支付"),
                "dropped": t("a payment only NEW makes", "仅新版才有的支付"),
                "maximum": t("a maximum higher in NEW", "新版最高额更高"),
                "ceiling": t("a shared ceiling of OLD that NEW lifts", "新版放宽的旧版共同上限"),
                "granted": t("a granted award OLD must pay", "旧版须支付的已获批奖励")}.get(kind, kind)
    return {"refused": t("a payment NEW refuses", "新版拒绝的支付"), "dropped": t("a payment NEW no longer makes",
                                                                            "新版不再有的支付"),
            "maximum": t("a maximum lower in NEW", "新版最高额更低"), "ceiling": t("a shared ceiling lower in NEW",
                                                                          "新版共同上限更低"),
            "granted": t("a granted award NEW must pay", "新版须支付的已获批奖励")}.get(kind, kind)


def _largest(members: list[Shape], a: SymbolicModel, b: SymbolicModel, deadline: float | None):
    """Z3's model of an enterprise where one of the shapes holds, the summed drop made largest
    (Optimize, SHAPE_SECONDS at most), else any such enterprise; None if none is found."""
    holds = z3.Or([s.holds for s in members])
    left = SHAPE_SECONDS if deadline is None else min(SHAPE_SECONDS, deadline - time.perf_counter())
    if left <= 0:
        return None
    opt = z3.Optimize()
    opt.set("elim_01", False)  # SOLVER-NOTES: 0/1 integers as pseudo-Booleans without a relaxation are slow
    opt.set("timeout", max(int(left * 1000), 1))
    opt.add(*a.domain, *b.domain, holds)
    opt.maximize(z3.Sum([z3.If(s.holds, s.drop, z3.RealVal(0)) for s in members]))
    if opt.check() == z3.sat:
        return opt.model()
    solver = limits.bounded(z3.Solver())
    solver.add(*a.domain, *b.domain, holds)
    return solver.model() if _check(solver, deadline, SHAPE_SECONDS) == z3.sat else None


def _profile(a: SymbolicModel, b: SymbolicModel, model, years: tuple[int, ...]) -> dict:
    """The enterprise of a Z3 model as one profile: the facts and items either version reads."""
    first, second = a.profile_of(model), b.profile_of(model)
    facts = dict(second["facts"]) | dict(first["facts"])
    items = {i["id"]: dict(i) for i in second["items"]}
    for item in first["items"]:
        items[item["id"]] = items.get(item["id"], {}) | item
    return {"enterprise": "counter-example", "years": f"{years[0]}-{years[-1]}", "facts": facts,
            "items": list(items.values())}


def _readable(profile: dict, rules: Ruleset) -> dict:
    """The profile with the facts and item fields this version's vocabulary does not declare left
    out (a version may read a fact the other does not know)."""
    facts = {k: v for k, v in profile["facts"].items() if k in rules.vocab.facts}
    items = []
    for item in profile["items"]:
        kind = rules.vocab.kinds.get(item["kind"])
        if kind is None:
            continue
        items.append({k: v for k, v in item.items() if k in ("id", "kind", "years", "date") or k in kind.fields})
    return profile | {"facts": facts, "items": items}


# -- rendering ---------------------------------------------------------------------------------
def format_diff(d: Diff, width: int = 160, out_file: str | None = None) -> str:
    """The changes as a table, then the verdict with its scope and, when REFUTED, the loss."""
    from .table import render
    from .values import fmt_money
    out = [f"{d.title} ({d.policy})" + t(f": OLD {' '.join(d.old)} → NEW {' '.join(d.new)}",
                                         f"：旧版 {' '.join(d.old)} → 新版 {' '.join(d.new)}")]
    if d.changes:
        rows = []
        for c in d.changes:
            words = {"added": t("added", "新增"), "removed": t("removed", "删除"), "changed": t("changed", "修改")}
            what = {"clause": t("clause", "条款"), "condition": t("condition", "条件"), "reading": t("reading", "解读"),
                    "policy": t("policy", "政策设置")}[c.what]
            text = "".join(c.text) + (t(" (text changed)", "（条文有改动）") if c.text_changed else "")
            rows.append([f"{words[c.change]} {what}", f"{c.key} {c.article}".strip(), text,
                         "; ".join(c.old) or "—", "; ".join(c.new) or "—"])
        out.append(render([t("change", "变化"), t("declaration", "条款"), t("article text", "条文"),
                           t("OLD rule", "旧版规则"), t("NEW rule", "新版规则")], rows, limit=width))
    else:
        out.append(t("no declaration of the policy changed", "该政策的声明没有变化"))
    verdict = {"PROVED": t("PROVED", "已证明 PROVED"), "REFUTED": t("REFUTED", "已推翻 REFUTED"),
               "UNKNOWN": t("UNKNOWN", "未判定 UNKNOWN")}[d.verdict]
    out.append(t(f"{verdict}: {d.claim()}, {d.scope()}", f"{verdict}：{d.claim()}，{d.scope()}"))
    if d.verdict == "PROVED":
        out.append(t("  every plan of the old version is a plan of the new one paying at least as much "
                     "(same combination structure; no payment refused, no maximum or shared ceiling lower)",
                     "  旧版的每个支付方案都是新版的方案，且所得不少（组合结构相同；没有支付被拒，最高额与共同上限都不更低）")
                   if d.direction == "less" else
                   t("  every plan of the new version is a plan of the old one paying at least as much",
                     "  新版的每个支付方案都是旧版的方案，且所得不少"))
    for why in d.structure:
        out.append(t("  structure differs: ", "  组合结构不同：") + why)
    if d.verdict == "REFUTED":
        change = d.change or 0
        word = t("loses", "少得") if change < 0 else t("gains", "多得")
        out.append(t(f"  counter-example: OLD pays {fmt_money(d.old_total)} ({d.old_total:,} 元), NEW pays "
                     f"{fmt_money(d.new_total)} ({d.new_total:,} 元): it {word} {abs(change):,} 元 (the largest found)",
                     f"  反例：旧版支付 {fmt_money(d.old_total)}（{d.old_total:,} 元），新版支付 {fmt_money(d.new_total)}"
                     f"（{d.new_total:,} 元）：{word} {abs(change):,} 元（所找到的最大值）"))
        for r in d.replay:
            out.append(t("  replay: ", "  重现：") + r.replace("COUNTEREXAMPLE", shlex.quote(out_file) if out_file else
                                                              t("FILE (use --counterexample FILE)",
                                                                "FILE（用 --counterexample FILE 写出）")))
    if d.tried:
        out.append(t("  shapes tried (an enterprise Z3 found for each, both optima by the engine):",
                     "  尝试过的情形（Z3 为每种情形找到的企业，两个最优值由引擎计算）："))
        for x in d.tried:
            figures = (f"{x.old_total:,} → {x.new_total:,} 元" if x.old_total is not None and x.new_total is not None
                       else x.note)
            out.append(f"    {_shape_word(x.shape, d.direction)} · {x.clause}: {figures}")
    if d.verdict == "UNKNOWN":
        out.append(t("  neither proved nor refuted: no shape tried cost an enterprise anything under the engine; "
                     "give more --timeout, or compare fewer changes at a time",
                     "  既未证明也未推翻：尝试过的情形在引擎下都没有使企业所得减少；可给更多 --timeout，或每次比较更少的改动"))
    return "\n".join(out)


def save(d: Diff, out: str) -> None:
    """The counter-example profile with both replay lines (`--counterexample FILE`)."""
    from .pipeline import write_counterexample
    write_counterexample(out, d.claim(), list(d.replay), d.counterexample, "E615")


__all__ = ["Diff", "Change", "diff", "changed", "format_diff", "save", "DIRECTIONS"]
