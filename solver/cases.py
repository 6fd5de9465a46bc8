"""`subsidy test`: analysts' test cases in YAML, run against the rules.

A case file (README, "Test cases in YAML") holds a list of cases. Each case is an enterprise's
profile — inline, a file beside the case file, or the file's shared `profile:` with the case's
own `facts:`/`items:`/`years:` laid over it — optionally readings and years, and expectations:
the total, what each article (or clause) pays, articles that must not pay, missing facts, an
audit verdict for a ledger, and the same expectations under another alternative of a reading
(`under:`). Every case is read and validated first (a malformed case file is a located
diagnostic, E900–E939, before anything runs); then each runs through ground → optimize →
result, and every expectation that does not hold is a `Failure` at its own file:line.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from msgspec import Struct
from msgspec.structs import replace
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from .diagnostics import Collector, Diagnostic, DiagnosticError, Span, did_you_mean
from .model import Ruleset, document_spelling
from .profile import key_span, node_span, read_document, spells_year, value_span
from .values import ValueProblem, fmt_money as _fmt, parse_money

FILE_KEYS = ("policy", "rules", "include_drafts", "profile", "cases")
CASE_KEYS = ("name", "profile", "facts", "items", "years", "readings", "include_drafts", "expect")
EXPECT_KEYS = ("total", "computed", "discretionary", "payments", "not_paid", "missing_facts", "audit", "under")
UNDER_KEYS = ("reading",) + tuple(k for k in EXPECT_KEYS if k != "under")
AUDIT_KEYS = ("ledger", "verdict", "violates")
VERDICTS = ("PASS", "FAIL")
#: Each case's optimisation stops here, as `optimize` does without --timeout (cli.DEFAULT_LIMIT).
CASE_LIMIT = 60.0


class Expect(Struct, frozen=True):
    """What a case (or one of its `under:` blocks) expects; None where it says nothing."""
    span: Span  # the `expect:` (or `under:` entry) key
    readings: tuple[str, ...] = ()  # `under:`: ID=ALT chosen on top of the case's
    total: tuple[int, Span] | None = None
    computed: tuple[int, Span] | None = None
    discretionary: tuple[int, Span] | None = None
    payments: tuple[tuple[str, int | None, int, Span], ...] = ()  # (label, year or None, amount, span)
    not_paid: tuple[tuple[str, Span], ...] = ()
    missing_facts: tuple[tuple[str, Span], ...] = ()
    audit: tuple[list, str, tuple[tuple[str, Span], ...], Span] | None = None  # (ledger rows, verdict, violates, span)
    under: tuple["Expect", ...] = ()


class Case(Struct, frozen=True):
    file: str
    name: str
    span: Span  # the case's `name:`
    policy: str | None  # the file's `policy:`, for bare article labels
    ruleset: Ruleset
    profile: object  # solver.profile.Profile
    years: tuple[int, ...]
    include_drafts: bool
    readings: tuple[str, ...]
    expect: Expect


class Failure(Struct, frozen=True):
    span: Span
    message: str
    table: tuple[tuple[str, str, str, str], ...] = ()  # payments by article: (label, expected, actual, diff)


class Outcome(Struct, frozen=True):
    case: Case
    failures: tuple[Failure, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


# ---- reading case files ---------------------------------------------------------------------
def load_cases(paths: list[str]) -> list[Case]:
    """Every case of every case file (files, or folders of *.yaml/*.yml/*.json), validated;
    DiagnosticError listing every mistake of a file, located in it."""
    from .pipeline import named_files
    files = named_files(paths, (".yaml", ".yml", ".json"), "case", ("E900", "E900"),
                        "name case files or a folder holding them")
    rulesets: dict[tuple[str, ...], Ruleset] = {}
    cases: list[Case] = []
    for f in files:
        cases.extend(_CaseFile(str(f), rulesets).read())
    return cases


class _CaseFile:
    """One case file: its nodes checked key by key, every mistake collected."""

    def __init__(self, path: str, rulesets: dict):
        self.path, self.rulesets, self.diag = path, rulesets, Collector()
        self.checked: set[str] = set()  # profile files validated alone
        self.base_dir = Path(path).parent

    def read(self) -> list[Case]:
        doc, _ = read_document(self.path, "case file")
        if not isinstance(doc, dict):
            raise DiagnosticError(Diagnostic("error", "E900", "a case file is a mapping with a 'cases' list",
                                             Span(self.path, 1, 1), "see tests/cases/ for complete ones"))
        self._keys(doc, FILE_KEYS, "case file")
        if not isinstance(doc.get("cases"), list) or not doc["cases"]:
            where = value_span(self.path, doc, "cases") if "cases" in doc else Span(self.path, 1, 1)
            self.diag.error("E902", "a case file needs a 'cases' list with at least one case", where,
                            "cases: [{name: …, profile: …, expect: {total: …}}]")
        self.diag.raise_if_errors()
        ruleset = self._rules(doc)
        self.ruleset, self.vocab = ruleset, ruleset.vocab
        self.policy = self._policy(doc, ruleset)
        drafts = self._flag(doc, "include_drafts", False)
        base = self._profile_node(doc, "profile") if "profile" in doc else None
        cases = []
        for n, node in enumerate(doc["cases"]):
            if not isinstance(node, dict):
                self.diag.error("E903", "each case is a mapping (name, profile, expect)", value_span(self.path, doc["cases"], n))
                continue
            case = self._case(node, base, ruleset, drafts)
            if case is not None:
                cases.append(case)
        self.diag.raise_if_errors()
        return cases

    # -- file level
    def _keys(self, node, known: tuple[str, ...], what: str) -> None:
        for key in node:
            if str(key) not in known:
                self.diag.error("E901", f"unknown key '{key}' in {what}", key_span(self.path, node, key),
                                did_you_mean(str(key), known) or f"keys: {', '.join(known)}")

    def _rules(self, doc) -> Ruleset:
        from .pipeline import load_rules
        raw = doc.get("rules")
        listed = [] if raw is None else raw if isinstance(raw, list) else [raw]
        paths = []
        for n, entry in enumerate(listed):
            where = value_span(self.path, raw, n) if isinstance(raw, list) else value_span(self.path, doc, "rules")
            target = self.base_dir / str(entry)
            if not isinstance(entry, str) or not target.exists():
                raise DiagnosticError(Diagnostic("error", "E910", f"no such rule file or folder: '{entry}'", where,
                                                 "rule paths are relative to the case file; leave 'rules' out for "
                                                 "the bundled rules"))
            paths.append(str(target))
        key = tuple(paths)
        if key not in self.rulesets:
            self.rulesets[key] = load_rules(paths or None)
        return self.rulesets[key]

    def _policy(self, doc, ruleset: Ruleset) -> str | None:
        if "policy" not in doc:
            return None
        policy = str(doc["policy"])
        if policy not in ruleset.policies:
            self.diag.error("E905", f"unknown policy '{policy}'", value_span(self.path, doc, "policy"),
                            did_you_mean(policy, ruleset.policies) or f"policies: {', '.join(sorted(ruleset.policies))}")
            return None
        return policy

    def _flag(self, node, key: str, default: bool) -> bool:
        if key not in node:
            return default
        if not isinstance(node[key], bool):
            self.diag.error("E903", f"'{key}' is true or false", value_span(self.path, node, key))
            return default
        return node[key]

    def _profile_node(self, node, key: str):
        """A profile given inline (a mapping) or as a file's path relative to the case file: the
        mapping's nodes, with the path its positions belong to."""
        value = node[key]
        if isinstance(value, dict):
            return value, self.path
        if isinstance(value, str):
            target = self.base_dir / value
            if not target.is_file():
                self.diag.error("E906", f"no such profile file: '{value}'", value_span(self.path, node, key),
                                "a profile path is relative to the case file")
                return None
            doc, _ = read_document(str(target), "profile")
            return doc, str(target)
        self.diag.error("E903", f"'{key}' is a profile (a mapping) or a profile file's path",
                        value_span(self.path, node, key))
        return None

    # -- one case
    def _case(self, node, base, ruleset: Ruleset, drafts: bool) -> Case | None:
        from .profile import _validated
        from .readings import parse_choices
        self._keys(node, CASE_KEYS, "case")
        for key in ("name", "expect"):
            if key not in node:
                self.diag.error("E902", f"this case has no '{key}'", node_span(self.path, node),
                                "each case has a name, a profile and what it expects")
        if "name" not in node or "expect" not in node:
            return None
        name, span = str(node["name"]), key_span(self.path, node, "name")
        own = self._profile_node(node, "profile") if "profile" in node else base
        if own is None:
            if "profile" not in node and base is None:
                self.diag.error("E902", f"case '{name}' has no profile", span,
                                "give it 'profile:' (a mapping or a file), or give the file one")
            return None
        doc, origin = own
        if any(k in node for k in ("facts", "items", "years")):
            if origin != self.path and origin not in self.checked:  # the file alone first: located in it
                try:
                    _validated(doc, origin, self.vocab)
                except DiagnosticError as err:
                    self.diag.items.extend(err.diagnostics)
                    return None
                self.checked.add(origin)
            doc, origin = _overlay(doc, node), self.path
        try:
            profile = _validated(doc, origin, self.vocab)
        except DiagnosticError as err:
            self.diag.items.extend(err.diagnostics)
            return None
        readings = self._readings(node, "readings", ruleset)
        try:
            parse_choices(ruleset, readings)
        except DiagnosticError as err:  # each entry is known (checked alone): one chosen twice
            self.diag.error("E907", err.diagnostics[0].message.replace("--reading ", "reading "),
                            value_span(self.path, node, "readings"), "give each reading one alternative")
        from .pipeline import default_horizon
        try:
            years = default_horizon(ruleset, profile, None)
        except DiagnosticError as err:
            self.diag.error("E909", f"case '{name}': {err.diagnostics[0].message}", span,
                            "give the profile (or the case) 'years: 2025'")
            return None
        expect = self._expect(node["expect"], key_span(self.path, node, "expect"), ruleset, readings, under=True)
        if expect is None:
            return None
        return Case(self.path, name, span, self.policy, ruleset, profile, years,
                    self._flag(node, "include_drafts", drafts), readings, expect)

    def _readings(self, node, key: str, ruleset: Ruleset) -> tuple[str, ...]:
        """`readings: {ID: ALT}` (or a list of ID=ALT, or one ID=ALT) -> ID=ALT texts, each checked."""
        from .readings import parse_choices
        if key not in node:
            return ()
        raw = node[key]
        if isinstance(raw, dict):
            entries = [(f"{k}={v}", key_span(self.path, raw, k, len(f"{k}: {v}"))) for k, v in raw.items()]
        elif isinstance(raw, list):
            entries = [(str(v), value_span(self.path, raw, n)) for n, v in enumerate(raw)]
        elif isinstance(raw, str):
            entries = [(raw, value_span(self.path, node, key))]
        else:
            self.diag.error("E903", f"'{key}' is a mapping of readings to alternatives", value_span(self.path, node, key),
                            "e.g. {pinggu.vehicle_order_ceiling: per_order_year}")
            return ()
        good = []
        for text, where in entries:
            name = text.partition("=")[0].strip()
            if "." not in name and f"{self.policy}.{name}" in ruleset.readings:  # the file's policy's reading
                text = f"{self.policy}.{text.strip()}"
            try:
                parse_choices(ruleset, [text])
                good.append(text)
            except DiagnosticError as err:
                d = err.diagnostics[0]
                self.diag.error("E907", d.message.replace("--reading ", "reading "), where, d.help)
        return tuple(good)

    def _expect(self, node, span: Span, ruleset: Ruleset, readings, under: bool) -> Expect | None:
        if not isinstance(node, dict) or not node:
            self.diag.error("E903", "'expect' is a mapping: total, payments, not_paid, missing_facts, audit, under",
                            span)
            return None
        self._keys(node, EXPECT_KEYS if under else UNDER_KEYS, "expect" if under else "under")
        fields: dict = {"span": span}
        for key in ("total", "computed", "discretionary"):
            if key in node:
                amount = self._money(node, key)
                if amount is not None:
                    fields[key] = (amount, key_span(self.path, node, key))
        if "payments" in node:
            fields["payments"] = self._payments(node, ruleset)
        for key, check in (("not_paid", self._label), ("missing_facts", self._fact)):
            if key in node:
                raw = node[key] if isinstance(node[key], list) else [node[key]]
                spans = [value_span(self.path, node[key], n) if isinstance(node[key], list) else value_span(self.path, node, key)
                         for n in range(len(raw))]
                fields[key] = tuple((v, s) for v, s in ((check(str(x), sp), sp) for x, sp in zip(raw, spans)) if v)
        if "audit" in node:
            fields["audit"] = self._audit(node, ruleset)
        if under and "under" in node:
            fields["under"] = self._unders(node, ruleset, readings)
        return Expect(**{k: v for k, v in fields.items() if v is not None})

    def _unders(self, node, ruleset: Ruleset, readings) -> tuple[Expect, ...]:
        raw = node["under"] if isinstance(node["under"], list) else [node["under"]]
        found = []
        for n, entry in enumerate(raw):
            where = value_span(self.path, node["under"], n) if isinstance(node["under"], list) else value_span(self.path, node, "under")
            if not isinstance(entry, dict) or "reading" not in entry:
                self.diag.error("E902", "each 'under' entry names a reading's alternative and what it expects", where,
                                "under: [{reading: pinggu.vehicle_order_ceiling=per_order_year, total: 1355万}]")
                continue
            chosen = self._readings(entry, "reading", ruleset)
            expect = self._expect(entry, key_span(self.path, entry, "reading"), ruleset, readings, under=False)
            if expect is not None:
                found.append(replace(expect, readings=chosen))
        return tuple(found)

    def _money(self, node, key) -> int | None:
        raw = node[key]
        try:
            if isinstance(raw, (bool, float)):
                raise ValueProblem(f"{raw} is not whole 元")
            return parse_money(str(raw))
        except ValueProblem as err:
            self.diag.error("E904", f"'{key}': {err}", value_span(self.path, node, key),
                            "money is whole 元 or text with a unit: 100000, 10万, 1.2亿")
            return None

    def _names(self, ruleset: Ruleset, policy: str | None) -> set[str]:
        clauses = [c for c in ruleset.clauses if policy is None or c.policy == policy]
        if policy is None:  # POLICY.ARTICLE, POLICY.CLAUSE, POLICY.CLAUSE.PART
            return ({f"{c.policy}.{c.article}" for c in clauses} | {c.key for c in clauses}
                    | {c.part_key(p) for c in clauses for p in c.parts})
        return ({c.article for c in clauses} | {c.name for c in clauses} | {c.key for c in clauses}
                | {f"{c.policy}.{c.article}" for c in clauses} | {c.part_key(p) for c in clauses for p in c.parts}
                | {c.part_key(p).removeprefix(f"{policy}.") for c in clauses for p in c.parts})

    def _label(self, label: str, span: Span) -> str | None:
        """An article or clause label, in the document's spelling; None (and an error) if unknown."""
        names = self._names(self.ruleset, self.policy) | self._names(self.ruleset, None)
        spelt = label if label in names else document_spelling(label)
        if "." in label and spelt not in names:
            policy, _, rest = label.partition(".")
            spelt = f"{policy}.{document_spelling(rest)}"
        if spelt in names:
            return spelt
        hint = did_you_mean(label, names) or ("name it POLICY.ARTICLE (pinggu.第三条) or give the file 'policy:'"
                                              if self.policy is None else f"an article or clause of {self.policy}")
        self.diag.error("E905", f"no article or clause '{label}'" + (f" in {self.policy}" if self.policy else ""),
                        span, hint)
        return None

    def _fact(self, name: str, span: Span) -> str | None:
        if name in self.vocab.facts:
            return name
        self.diag.error("E905", f"unknown fact '{name}'", span, did_you_mean(name, self.vocab.facts))
        return None

    def _payments(self, node, ruleset: Ruleset):
        raw = node["payments"]
        if not isinstance(raw, dict):
            self.diag.error("E903", "'payments' maps articles (or clauses) to amounts", value_span(self.path, node, "payments"),
                            "payments: {第三条: 10万, 第十二条: {2025: 50万, 2026: 200万}}")
            return ()
        found = []
        for label in raw:
            span = key_span(self.path, raw, label)
            spelt = self._label(str(label), span)
            value = raw[label]
            if isinstance(value, dict):  # by year
                for year in value:
                    if not spells_year(str(year)):
                        self.diag.error("E909", f"'{year}' is not a year", key_span(self.path, value, year),
                                        "by year: {2025: 50万, 2026: 200万}")
                        continue
                    amount = self._money(value, year)
                    if spelt and amount is not None:
                        found.append((spelt, int(year), amount, key_span(self.path, value, year)))
            else:
                amount = self._money(raw, label)
                if spelt and amount is not None:
                    found.append((spelt, None, amount, span))
        return tuple(found)

    def _audit(self, node, ruleset: Ruleset):
        raw, span = node["audit"], key_span(self.path, node, "audit")
        if not isinstance(raw, dict) or "ledger" not in raw or "verdict" not in raw:
            self.diag.error("E902", "'audit' gives a ledger and the verdict expected", span,
                            "audit: {ledger: ledger.yaml, verdict: FAIL, violates: [第十二条]}")
            return None
        self._keys(raw, AUDIT_KEYS, "audit")
        verdict = str(raw["verdict"]).upper()
        if verdict not in VERDICTS:
            self.diag.error("E908", f"verdict '{raw['verdict']}' is neither PASS nor FAIL", value_span(self.path, raw, "verdict"),
                            did_you_mean(verdict, VERDICTS))
        rows = self._ledger(raw)
        violates = raw.get("violates") or []
        violates = violates if isinstance(violates, list) else [violates]
        labels = []
        for n, label in enumerate(violates):
            where = value_span(self.path, raw["violates"], n) if isinstance(raw["violates"], list) else value_span(self.path, raw, "violates")
            spelt = self._label(str(label), where)
            if spelt:
                labels.append((spelt, where))
        return (rows, verdict, tuple(labels), key_span(self.path, raw, "verdict")) if rows is not None else None

    def _ledger(self, raw):
        """Ledger rows as `audit.read_ledger` gives them: a file beside the case file, or inline."""
        from .audit import read_ledger
        ledger = raw["ledger"]
        if isinstance(ledger, str):
            target = self.base_dir / ledger
            if not target.is_file():
                self.diag.error("E906", f"no such ledger file: '{ledger}'", value_span(self.path, raw, "ledger"),
                                "a ledger path is relative to the case file")
                return None
            return (read_ledger(str(target)), str(target))
        if not isinstance(ledger, list) or not all(isinstance(e, dict) for e in ledger):
            self.diag.error("E903", "'ledger' is a ledger file's path or a list of payments",
                            value_span(self.path, raw, "ledger"), "each payment: {policy, article, item, year, amount}")
            return None
        rows = [dict({k: e[k] for k in e}, _span=node_span(self.path, e), _node=e) for e in ledger]
        return (rows, self.path)


def _overlay(base, node) -> CommentedMap:
    """The profile `base` with the case's `facts` added over its facts (`fact: ~` takes one
    away), its `items` after its items, and its `years` in place of its years; every node keeps the line and column it was
    written at, so a mistake is still shown where it stands."""
    out = _copy_map(base)
    if "facts" in node and isinstance(node["facts"], dict) and isinstance(base.get("facts", {}), dict):
        facts = _copy_map(base.get("facts") or CommentedMap())
        for k in node["facts"]:
            if node["facts"][k] is None:  # `fact: ~` takes the shared profile's fact away
                facts.pop(k, None)
                continue
            facts[k] = node["facts"][k]
            _copy_lc(node["facts"], facts, k)
        out["facts"] = facts
    elif "facts" in node:
        out["facts"] = node["facts"]
        _copy_lc(node, out, "facts")
    if "items" in node and isinstance(node["items"], list) and isinstance(base.get("items", []), list):
        items = CommentedSeq()
        for source in (base.get("items") or [], node["items"]):
            for n, entry in enumerate(source):
                items.append(entry)
                if getattr(source, "lc", None) is not None and source.lc.data and n in source.lc.data:
                    items.lc.add_kv_line_col(len(items) - 1, source.lc.data[n])
        out["items"] = items
    elif "items" in node:
        out["items"] = node["items"]
        _copy_lc(node, out, "items")
    if "years" in node:
        out["years"] = node["years"]
        _copy_lc(node, out, "years")
    return out


def _copy_map(source) -> CommentedMap:
    out = CommentedMap()
    lc = getattr(source, "lc", None)
    if lc is not None and lc.line is not None:
        out._yaml_set_line_col(lc.line, lc.col)
    for k in source:
        out[k] = source[k]
        _copy_lc(source, out, k)
    return out


def _copy_lc(source, target, key) -> None:
    lc = getattr(source, "lc", None)
    if lc is not None and lc.data and key in lc.data:
        target.lc.add_kv_line_col(key, lc.data[key])


# ---- running ------------------------------------------------------------------------------
def run_case(case: Case) -> Outcome:
    """The case run against its rules; every expectation that does not hold, located."""
    failures = _check(case, case.expect, case.readings)
    for under in case.expect.under:
        failures += _check(case, under, case.readings + under.readings)
    return Outcome(case, tuple(failures))


def _solve(case: Case, readings: tuple[str, ...]):
    from .explain import build_result
    from .ground import ground
    from .optimize import optimize as solve
    from .readings import parse_choices, select
    ruleset = select(case.ruleset, parse_choices(case.ruleset, readings))
    grounded = ground(ruleset, case.profile, case.years, case.include_drafts)
    return grounded, build_result(grounded, solve(grounded, CASE_LIMIT))


def _matches(case: Case, payment, label: str) -> bool:
    """Whether a payment is paid under `label` (an article, a clause or a part, with or without
    its policy)."""
    policy = case.policy
    if "." in label and label.partition(".")[0] in case.ruleset.policies:
        policy, _, label = label.partition(".")
    if payment.policy != policy:
        return False
    clause = payment.clause.removeprefix(f"{policy}.")
    return label in (payment.article, clause) or clause.startswith(label + ".")


def _paid(case: Case, payments, label: str, year: int | None) -> int:
    return sum(p.amount for p in payments if _matches(case, p, label) and (year is None or p.year == year))


def _check(case: Case, expect: Expect, readings: tuple[str, ...]) -> list[Failure]:
    grounded, result = _solve(case, readings)
    under = f" (reading {', '.join(expect.readings)})" if expect.readings else ""
    failures: list[Failure] = []
    if result.status != "optimal":
        failures.append(Failure(expect.span, f"not proven optimal within {CASE_LIMIT:g} s{under}: "
                                f"status {result.status}"))
    for key, actual in (("total", result.total), ("computed", result.computed_total),
                        ("discretionary", result.discretionary_total)):
        wanted = getattr(expect, key)
        if wanted is not None and wanted[0] != actual:
            failures.append(Failure(wanted[1], f"{key}{under}: expected {fmt_money(wanted[0])}, got {fmt_money(actual)}"
                                    f" ({_diff(actual - wanted[0])})"))
    table = _payment_table(case, expect, result.payments)  # shown once, under the first payment that is wrong
    for label, year, amount, span in expect.payments:
        actual = _paid(case, result.payments, label, year)
        if actual != amount:
            what = label + (f" in {year}" if year is not None else "")
            failures.append(Failure(span, f"payments{under}: {what}: expected {fmt_money(amount)}, got "
                                    f"{fmt_money(actual)}", table))
            table = ()
    for label, span in expect.not_paid:
        paid = _paid(case, result.payments, label, None)
        if paid:
            failures.append(Failure(span, f"not_paid{under}: {label} pays {fmt_money(paid)}", table))
            table = ()
    missing = {fact for fact, *_ in result.missing_facts}
    for fact, span in expect.missing_facts:
        if fact not in missing:
            failures.append(Failure(span, f"missing_facts{under}: '{fact}' is not among the facts asked for"
                                    + (f" ({', '.join(sorted(missing))})" if missing else " (none is)")))
    if expect.audit is not None:
        failures += _audit(case, expect.audit, readings, under)
    return failures


def _audit(case: Case, spec, readings: tuple[str, ...], under: str) -> list[Failure]:
    from .audit import audit, resolve_lines
    from .ground import ground
    from .readings import parse_choices, select
    (rows, path), verdict, violates, span = spec
    ruleset = select(case.ruleset, parse_choices(case.ruleset, readings))
    years = set(case.years)
    years.update(int(r["year"]) for r in rows if spells_year(str(r.get("year", ""))))
    grounded = ground(ruleset, case.profile, tuple(sorted(years)), case.include_drafts)
    found = audit(grounded, resolve_lines(rows, grounded, path), CASE_LIMIT)
    got = "UNKNOWN" if found.unknown else "PASS" if found.passed else "FAIL"
    if got != verdict:
        broken = "; ".join(f.rule for f in found.violated)
        return [Failure(span, f"audit{under}: expected {verdict}, got {got}" + (f" — {broken}" if broken else ""))]
    cited = {(f.policy, f.article) for f in found.violated}
    failures = []
    for label, where in violates:
        found_clause = case.ruleset.clause(label if "." in label and label.partition(".")[0] in case.ruleset.policies
                                           else f"{case.policy}.{label}")
        policy, article = (found_clause.policy, found_clause.article) if found_clause else (case.policy, label)
        if (policy, article) not in cited:
            failures.append(Failure(where, f"audit{under}: {label} is not among the rules broken ("
                                    + (", ".join(f"{p}.{a}" for p, a in sorted(cited)) or "none") + ")"))
    return failures


def fmt_money(n: int) -> str:
    return _fmt(n) if n else "0元"


def _diff(n: int) -> str:
    return f"{'+' if n > 0 else '−' if n < 0 else '±'}{fmt_money(abs(n))}"


def _payment_table(case: Case, expect: Expect, payments) -> tuple[tuple[str, str, str, str], ...]:
    """Expected against actual, by article: every article the case names, then every other
    article that pays (expected —)."""
    rows = []
    named = set()
    for label, year, amount, _ in expect.payments:
        actual = _paid(case, payments, label, year)
        named.add((label, year))
        what = label + (f" {year}" if year is not None else "")
        rows.append((what, fmt_money(amount), fmt_money(actual), _diff(actual - amount)))
    for label, _ in expect.not_paid:
        actual = _paid(case, payments, label, None)
        rows.append((label, fmt_money(0), fmt_money(actual), _diff(actual)))
        named.add((label, None))
    others: dict[str, int] = defaultdict(int)
    for p in payments:
        if not any(_matches(case, p, label) for label, _ in named):
            others[p.article if p.policy == case.policy else f"{p.policy}.{p.article}"] += p.amount
    rows += [(label, "—", fmt_money(amount), "") for label, amount in others.items()]
    return tuple(rows)


def run(paths: list[str]) -> list[Outcome]:
    """Every case of the case files, run; DiagnosticError first if any file is malformed."""
    return [run_case(case) for case in load_cases(paths)]


def report(outcomes: list[Outcome], limit: int = 160) -> str:
    """A test runner's report (Chinese first): each file, each case 通过/失败; under a failed
    one each expectation that does not hold at its file:line:col, and expected against actual
    by article; then the counts."""
    from .table import render
    out: list[str] = []
    current = None
    for o in outcomes:
        if o.case.file != current:
            current = o.case.file
            out.append(current)
        out.append(f"  {'通过 ok    ' if o.passed else '失败 FAILED'}  {o.case.name}")
        for f in o.failures:
            out.append(f"    {f.span}: {f.message}")
            if f.table:
                table = render(["条款 article", "期望 expected", "实际 actual", "差额 diff"], [list(r) for r in f.table],
                               right=(1, 2, 3), limit=max(limit - 6, 40))
                out.extend("      " + line for line in table.splitlines())
    failed = sum(not o.passed for o in outcomes)
    files = len({o.case.file for o in outcomes})
    out.append(f"{len(outcomes) - failed} 通过 passed, {failed} 失败 failed ({len(outcomes)} 个用例 cases in {files} "
               f"个文件 files)")
    return "\n".join(out)
