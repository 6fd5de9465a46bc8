"""`subsidy audit`: a payout ledger checked against every rule that applies to one enterprise.

The ledger's amounts are fixed; every rule becomes a tracked Z3 constraint (a payment's own
ceiling or rate, rounding, each shared ceiling, 从优不重复, one direction a year, windows of
years, matching). PASS lists every rule with its slack; FAIL gives a minimal unsat core:
the smallest set of rules that cannot hold together with the ledger.
"""
from __future__ import annotations

from collections import defaultdict

import z3
from msgspec import Struct
from msgspec.structs import replace

from . import limits
from .diagnostics import Collector, Diagnostic, DiagnosticError, Span, did_you_mean
from .ground import Grounded
from .i18n import t
from .model import document_spelling
from .profile import key_span, node_span, read_document, read_limited, spells_year, value_span
from .values import ValueProblem, fmt_money, parse_money

LEDGER_KEYS = ("policy", "article", "item", "year", "amount")


class Line(Struct, frozen=True):
    number: int  # 1-based position in the ledger
    policy: str
    article: str  # an article label, or a clause key (pinggu.green.rating_b)
    item: str
    year: int
    amount: int
    span: Span


class Finding(Struct, frozen=True):
    rule: str  # what the rule says, with its article
    article_text: str
    lines: tuple[int, ...]  # ledger lines involved
    excess: int | None  # 元 the ledger must give up to meet it (a sum over its limit; the smaller option of a choice)
    slack: int | None  # on PASS: how much room is left
    policy: str = ""  # the policy and article that state the rule
    article: str = ""


class Verdict(Struct, frozen=True):
    passed: bool
    checked: tuple[Finding, ...]  # PASS: every rule with its slack
    violated: tuple[Finding, ...]  # FAIL: the minimal core
    lines: tuple[Line, ...]
    discretionary: tuple[int, ...] = ()  # ledger lines paid under a ceiling with no formula (最高/不超过)
    unknown: bool = False  # Z3 did not decide within the time limit: neither PASS nor FAIL
    warnings: tuple[Diagnostic, ...] = ()  # e.g. E520: a CSV/workbook's amounts look like 万元 read as 元

    def to_json(self) -> dict:
        def f(x: Finding) -> dict:
            return {"rule": x.rule, "policy": x.policy, "article": x.article, "article_text": x.article_text,
                    "lines": list(x.lines), "excess": x.excess, "slack": x.slack}
        return {"verdict": "UNKNOWN" if self.unknown else "PASS" if self.passed else "FAIL",
                "checked": [f(x) for x in self.checked], "violated": [f(x) for x in self.violated],
                "ledger": [{"line": ln.number, "policy": ln.policy, "article": ln.article, "item": ln.item,
                            "year": ln.year, "amount": ln.amount} for ln in self.lines],
                "discretionary_lines": list(self.discretionary),
                "warnings": [d.as_dict() for d in self.warnings]}


# ---- reading a ledger ------------------------------------------------------------------
#: Where a ledger given as data (not a file) is said to be in messages.
LEDGER_DATA = "<ledger>"


def read_ledger(path, unit: str | None = None, sheet: str | None = None):
    """Raw ledger rows with spans: YAML/JSON ({payments: [...]}); or a CSV or .xlsx table,
    read by solver.tabular into a `Ledger` (its rows, and whether a unit was given); or the
    ledger itself as data, a mapping with a payments list or the list (a web request's), at <ledger>."""
    if isinstance(path, (dict, list)):
        return _rows(path if isinstance(path, dict) else {"payments": path}, LEDGER_DATA)
    from . import tabular
    raw = read_limited(path, "ledger")
    if tabular.is_tabular(path, raw):
        return tabular.read(path, raw, unit, sheet)
    if unit is not None or sheet is not None:
        raise DiagnosticError(Diagnostic("error", "E523", "--unit and --sheet are for CSV and .xlsx ledgers", None,
                                         "amounts in YAML or JSON carry their unit in the text: 1200万"))
    return _rows(read_document(path, "ledger")[0], path)


def _rows(doc, path: str) -> list[dict]:
    if not isinstance(doc, dict) or not isinstance(doc.get("payments"), list):
        raise DiagnosticError(Diagnostic("error", "E502", "a ledger is a mapping with a 'payments' list",
                                         Span(path, 1, 1), "the JSON of `subsidy optimize --json` is a ledger"))
    rows = []
    for n, entry in enumerate(doc["payments"]):
        if not isinstance(entry, dict):
            raise DiagnosticError(Diagnostic("error", "E503", "each payment is a mapping",
                                             value_span(path, doc["payments"], n)))
        row = {k: entry[k] for k in entry}
        row["_span"] = node_span(path, entry)
        row["_node"] = entry
        rows.append(row)
    return rows


def resolve_lines(rows: list[dict], g: Grounded, path: str) -> list[Line]:
    """Check each row's names against the rules and the profile; convert amounts exactly."""
    diag = Collector()
    items = ["enterprise"] + [i.id for i in g.profile.items]
    lines = []
    for n, row in enumerate(rows, 1):
        span, node = row["_span"], row.get("_node")
        cells = row.get("_cells", {})  # a CSV or workbook row: each key's span and cell name (Sheet1!E7)
        n = row.get("_row", n)  # a table's line is the spreadsheet's row
        name = row.get("_label", t(f"payment {n}", f"第 {n} 笔支付"))

        def where(key):
            return key_span(path, node, key) if node is not None else cells[key][0] if key in cells else span

        def at(key):
            return f" ({cells[key][1]})" if key in cells else ""

        missing = [k for k in LEDGER_KEYS if k not in row or row[k] in (None, "")]
        if "clause" in row and row["clause"] not in (None, "") and "article" in missing:
            missing.remove("article")
        if missing:
            diag.error("E504", t(f"{name} lacks {', '.join(missing)}", f"{name}缺少 {'、'.join(missing)}"), span,
                       t(f"each payment has {', '.join(LEDGER_KEYS)}", f"每笔支付都要有 {'、'.join(LEDGER_KEYS)}"))
            continue
        policy = str(row["policy"])
        if policy not in g.ruleset.policies:  # a spreadsheet may name it by its title or document number
            policy = next((p.id for p in g.ruleset.policies.values() if policy in (p.title, p.document)), policy)
        if policy not in g.ruleset.policies:
            diag.error("E505", t(f"unknown policy '{policy}'", f"未知的政策 '{policy}'") + at('policy'), where("policy"),
                       did_you_mean(policy, g.ruleset.policies))
            continue
        label = str(row.get("clause") or row["article"])
        clauses = [c for c in g.ruleset.clauses if c.policy == policy]
        names = {c.article for c in clauses} | {c.key for c in clauses} | {c.part_key(p) for c in clauses for p in c.parts}
        if label not in names and document_spelling(label) in names:  # 第3条, (七): the document's 第三条, （七）
            label = document_spelling(label)
        if label not in names:
            key = "clause" if row.get("clause") else "article"
            diag.error("E506", t(f"policy '{policy}' has no article or clause '{label}'",
                                 f"政策 '{policy}' 没有条款或子项 '{label}'") + at(key), where(key),
                       did_you_mean(label, names))
            continue
        item = str(row["item"])
        if item not in items and item in ("企业", "本企业"):  # a spreadsheet's word for the enterprise itself
            item = "enterprise"
        if item not in items:
            diag.error("E507", t(f"unknown item '{item}' (not in the profile)", f"未知的项目 '{item}'（企业信息中没有）")
                       + at('item'), where("item"),
                       did_you_mean(item, items))
            continue
        about = "year"  # which cell a mistake below is in
        try:
            year = row["year"]
            if isinstance(year, bool) or not (isinstance(year, int) or spells_year(str(year))):
                raise ValueProblem(t(f"year {year!r} is not a year: write it whole, e.g. 2025",
                                     f"年度 {year!r} 不是年份：请写整数，如 2025"))
            year = int(year)
            about = "amount"
            raw = row["amount"]
            if isinstance(raw, float) or isinstance(raw, bool):
                raise ValueProblem(t(f"amount {raw} is not whole 元: write e.g. 125000 or 12.5万",
                                     f"金额 {raw} 不是整数元：请写成 125000 或 12.5万 这样的形式"))
            amount = parse_money(str(raw))
        except (ValueError, ValueProblem) as err:
            said = err if isinstance(err, ValueProblem) else t("year and amount are whole numbers", "年度和金额都是整数")
            diag.error("E508", f"{name}: {said}{at(about)}", where(about),
                       t("years are whole, e.g. 2025; amounts are whole 元 or text with a unit, e.g. 125000 or 12.5万",
                         "年度写整数，如 2025；金额写整数元或带单位的文字，如 125000 或 12.5万"))
            continue
        if amount < 0:
            diag.error("E508", f"{name}: " + t("a negative amount", "金额为负") + at('amount'), where("amount"))
            continue
        lines.append(Line(n, policy, label, item, year, amount, span))
    diag.raise_if_errors()
    return lines


# ---- checking -----------------------------------------------------------------------------
def payable(g: Grounded, lines: list[Line]) -> list[list]:
    """Each line's candidate payments, those it may name (its policy, item and year; its article,
    clause or part), through one index of the model: scanning every candidate for each line was
    lines × candidates."""
    by_key: dict[tuple, list] = defaultdict(list)
    for c in g.candidates:
        by_key[(c.policy.id, c.subject, c.year)].append(c)
    return [[c for c in by_key.get((ln.policy, ln.item, ln.year), ())
             if ln.article in (c.clause.article, c.clause.key, c.part_key)] for ln in lines]


def audit(g: Grounded, lines: list[Line], timeout: float | None = None) -> Verdict:
    """Check ledger lines against every rule that applies. Each line is allocated over the
    candidate payments it may name (x[line, c] >= 0, their sum = the line's amount), and a
    payment is the sum of what every line allocates to it: two lines for one payment add up,
    whether they name it by article or by clause, and a payment split over lines is whole again.
    Rounding and the smallest payable amount apply to a payment (a clause, a subject, a year),
    not to each line of it. A 0元 line pays nothing and is checked against nothing."""
    x_of: dict[int, list] = defaultdict(list)  # candidate -> its allocations
    lines_of: dict[int, set[int]] = defaultdict(set)  # candidate -> ledger lines that may pay it
    hard: list = []
    orphans: list[Finding] = []
    discretionary = []
    for line, options in zip(lines, payable(g, lines)):
        if not options:
            if line.amount:
                orphans.append(_orphan(g, line))
            continue
        if all(c.part.up_to for c in options):  # the bureau fixes the amount; the text only its ceiling
            discretionary.append(line.number)
        parts = [z3.Int(f"x{line.number}_{c.index}") for c in options]
        hard += [v >= 0 for v in parts] + [z3.Sum(parts) == line.amount]
        for c, v in zip(options, parts):
            x_of[c.index].append(v)
            lines_of[c.index].add(line.number)
    a = {i: (vs[0] if len(vs) == 1 else z3.Sum(vs)) for i, vs in x_of.items()}
    amount_of = {ln.number: ln.amount for ln in lines}
    rules = _rules(g, a, {i: tuple(sorted(ns)) for i, ns in lines_of.items()}, amount_of)
    return replace(_decide(g, lines, a, hard, rules, orphans, timeout), discretionary=tuple(discretionary))


def _rules(g: Grounded, a: dict, line_of: dict[int, tuple[int, ...]], amount_of: dict[int, int]) -> list:
    """(name, constraint, finding) for every rule the ledger's payments fall under, each citing
    the policy and article that state it; `excess` is filled in later for sums, here for the
    rules that forbid a payment outright (the smaller option of a choice, the years outside a run)."""
    rules: list[tuple[str, z3.BoolRef, Finding]] = []
    lines_in = lambda members: tuple(sorted({n for i in members for n in line_of[i]}))  # noqa: E731
    for c in g.candidates:
        if c.index not in a:
            continue
        text = " ".join(c.clause.texts)
        name = t(f"{c.policy.id} {c.clause.article} {c.part_key}: {c.subject} {c.year} at most {fmt_money(c.most)} ({c.bound})",
                 f"{c.policy.id} {c.clause.article} {c.part_key}：{c.subject} {c.year} 年最高 {fmt_money(c.most)}（{c.bound}）")
        rules.append((name, a[c.index] <= c.most, Finding(name, text, line_of[c.index], None, None,
                                                          c.policy.id, c.clause.article)))
        if c.unit > 1 or c.minimum > 1:
            k = z3.Int(f"k{c.index}")
            cond = z3.And(a[c.index] == c.unit * k, z3.Or(a[c.index] == 0, a[c.index] >= c.minimum))
            name = t(f"{c.policy.id} rounding: {c.part_key} {c.subject} {c.year} in whole {fmt_money(c.unit)}, "
                     f"nothing under {fmt_money(c.minimum)}",
                     f"{c.policy.id} 取整：{c.part_key} {c.subject} {c.year} 年按整 {fmt_money(c.unit)} 支付，"
                     f"低于 {fmt_money(c.minimum)} 不支付")
            article, note = _setting_article(g, c.policy.id, "rounding")
            rules.append((name, cond, Finding(name, note, line_of[c.index], None, None, c.policy.id, article)))
    for ceiling in g.ceilings:
        members = [i for i in ceiling.members if i in a]
        if members:
            rules.append((ceiling.label, z3.Sum([a[i] for i in members]) <= ceiling.amount,
                          Finding(ceiling.label, " ".join(ceiling.clause.texts), lines_in(members), None, None,
                                  ceiling.clause.policy, ceiling.clause.article)))
    for ch in g.choices:
        options = [[i for i in opt if i in a] for _, opt in ch.options]
        options = [opt for opt in options if opt]
        if len(options) > 1:
            used = [z3.Or([a[i] > 0 for i in opt]) for opt in options]
            totals = [sum(amount_of[n] for n in lines_in(opt)) for opt in options]
            first = g.candidates[options[0][0]]
            if ch.kind == "duplication":
                article, text = _setting_article(g, first.policy.id, "no_duplication")
                policy = first.policy.id
            else:
                policy, article, text = first.clause.policy, first.clause.article, " ".join(first.clause.texts)
            rules.append((ch.label, z3.Sum([z3.If(u, 1, 0) for u in used]) <= 1,
                          Finding(ch.label, text, lines_in([i for opt in options for i in opt]),
                                  sum(totals) - max(totals), None, policy, article)))
    for w in g.windows:
        members = [(y, i) for y, i in w.members if i in a]
        if len(members) > 1:
            paid = {y: a[i] > 0 for y, i in members}
            by_year = {y: sum(amount_of[n] for n in line_of[i]) for y, i in members}
            if w.years is None:
                cond = z3.Sum([z3.If(p, 1, 0) for p in paid.values()]) <= 1
                kept = max(by_year.values())
            else:
                starts = sorted(paid)
                cond = z3.Or([z3.And([z3.Not(p) for y, p in paid.items() if not s <= y < s + w.years]) for s in starts])
                kept = max(sum(v for y, v in by_year.items() if s <= y < s + w.years) for s in starts)
            c = g.candidates[members[0][1]]
            rules.append((w.label, cond, Finding(w.label, " ".join(c.clause.texts), lines_in([i for _, i in members]),
                                                 sum(by_year.values()) - kept, None, c.policy.id, c.clause.article)))
    for s in g.supports:
        if s.member in a:
            cond = z3.Implies(a[s.member] > 0, z3.Or([a[i] > 0 for i in s.supporters if i in a] or [z3.BoolVal(False)]))
            c = g.candidates[s.member]
            rules.append((s.label, cond, Finding(s.label, " ".join(c.clause.texts), line_of[s.member],
                                                 sum(amount_of[n] for n in line_of[s.member]), None,
                                                 c.policy.id, c.clause.article)))
    return rules


def _setting_article(g: Grounded, policy: str, setting: str) -> tuple[str, str]:
    """The article that states a policy setting (rounding, no_duplication) and its words, as the
    rule file's `article … procedural "…：policy setting '…'"` note records them."""
    for pid, decl in g.ruleset.articles:
        if pid == policy and f"'{setting}" in decl.note:
            return decl.article, decl.note.split("：policy setting", 1)[0]
    return "", ""


def _orphan(g: Grounded, line: Line) -> Finding:
    """A ledger line no clause can pay: say why, from the grounding's refusals."""
    reasons = sorted({r.reason for r in g.refusals
                      if r.clause.policy == line.policy and line.article in (r.clause.article, r.clause.key)
                      and r.subject in (line.item, "-") and r.year in (line.year, None)})
    why = t("; ", "；").join(reasons) or t("no clause of this article pays this item in this year",
                                         "本条没有条款在该年度支持该项目")
    clause = next((c for c in g.ruleset.clauses if c.policy == line.policy and line.article in
                   (c.article, c.key, *(c.part_key(p) for p in c.parts))), None)
    return Finding(t(f"{line.policy} {line.article}: nothing may be paid to {line.item} in {line.year} ({why})",
                     f"{line.policy} {line.article}：{line.year} 年不得向 {line.item} 支付（{why}）"),
                   " ".join(clause.texts) if clause else "", (line.number,), line.amount, None, line.policy,
                   clause.article if clause else line.article)


def _decide(g, lines, a, hard, rules, orphans, timeout: float | None = None) -> Verdict:
    """PASS with every rule's slack, or FAIL with each smallest set of rules the ledger breaks
    (unsat cores, one at a time, each minimised), or UNKNOWN when Z3 does not decide in time."""
    solver = limits.bounded(z3.Solver())
    if timeout is not None:
        solver.set("timeout", max(int(timeout * 1000), 1))
    solver.add(*hard)
    tracks = [z3.Bool(f"rule{n}") for n in range(len(rules))]
    for t, (_, cond, _) in zip(tracks, rules):
        solver.add(z3.Implies(t, cond))
    first = limits.check(solver, *tracks)
    if first == z3.unknown:
        return Verdict(False, (), tuple(orphans), tuple(lines), unknown=True)
    if first == z3.sat and not orphans:
        model = solver.model()
        return Verdict(True, tuple(_with_slack(r, model) for r in rules), (), tuple(lines))
    index = {str(t): n for n, t in enumerate(tracks)}
    violated: list[Finding] = []
    active = list(tracks)
    while (verdict := limits.check(solver, *active)) == z3.unsat:
        # one minimal core at a time (deletion-based minimisation), then set it aside and look
        # for the next, so that every independent violation of the ledger is reported
        core = [t for t in active if any(z3.eq(t, c) for c in solver.unsat_core())]
        if not core:  # the lines contradict each other whatever the rules: each line's allocations
            # are free, so this cannot happen; never loop on it
            violated.append(Finding("the ledger's lines cannot all be allocated to the payments they name", "",
                                    tuple(ln.number for ln in lines), None, None))
            break
        for t in list(core):
            trial = [c for c in core if not z3.eq(c, t)]
            answer = limits.check(solver, *trial)
            if answer == z3.unknown:
                # Out of time: the core so far, from the last answer Z3 gave in time, is broken by
                # the ledger (if not yet the smallest), and this solver is asked nothing more: its
                # answers after an interrupted check are not sanctioned (Z3Prover/z3#5062).
                violated += [_with_excess(rules[index[str(c)]], lines) for c in core]
                return Verdict(False, (), tuple(orphans + violated), tuple(lines), unknown=True)
            if answer == z3.unsat:
                core = trial
        violated += [_with_excess(rules[index[str(t)]], lines) for t in core]
        dropped = {str(t) for t in core}
        active = [t for t in active if str(t) not in dropped]
    return Verdict(False, (), tuple(orphans + violated), tuple(lines), unknown=verdict == z3.unknown)


def _with_slack(rule, model) -> Finding:
    name, cond, f = rule
    slack = None
    if z3.is_le(cond):
        lhs, rhs = cond.arg(0), cond.arg(1)
        slack = model.eval(rhs - lhs, model_completion=True).as_long()
    return replace(f, slack=slack)


def _with_excess(rule, lines) -> Finding:
    """By how much the ledger's lines exceed a sum rule (a rule forbidding a payment outright
    carries its excess already: the payments that must go)."""
    name, cond, f = rule
    if f.excess is None and z3.is_le(cond) and z3.is_int_value(cond.arg(1)):
        by_line = {ln.number: ln.amount for ln in lines}
        return replace(f, excess=sum(by_line[n] for n in f.lines) - cond.arg(1).as_long())
    return f
