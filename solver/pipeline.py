"""The pipeline in one place: text -> AST -> checked rules; profile -> grounded model -> plan
-> result. Each function is one command's whole job; cli.py only calls these and renders."""
from __future__ import annotations

from pathlib import Path

from . import ast
from .check import check
from .diagnostics import Diagnostic, DiagnosticError, Span
from .explain import Result, explain_clause, build_result
from .ground import ground
from .model import Ruleset
from .optimize import optimize as solve
from .parse import parse_text
from .profile import load_profile
from .resources import rules_dir

RULE_SUFFIX = ".rules"


def rule_files(paths: list[str] | None) -> list[Path]:
    """The rule files named (files, or folders of *.rules); the bundled rules by default."""
    if not paths:
        paths = [str(rules_dir())]
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.glob(f"*{RULE_SUFFIX}"))
            if not found:
                raise DiagnosticError(Diagnostic("error", "E300", f"no {RULE_SUFFIX} files in '{p}'", None))
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            raise DiagnosticError(Diagnostic("error", "E301", f"no such rule file or folder: '{p}'", None))
    return files


def load_rules(paths: list[str] | None = None) -> Ruleset:
    """Parse and check rule files; every syntax error of every file, then every check error."""
    parsed: list[ast.RuleFile] = []
    errors: list[Diagnostic] = []
    for f in rule_files(paths):
        try:
            text = f.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            errors.append(Diagnostic("error", "E202", "rule file is not UTF-8 text", Span(str(f), 1, 1)))
            continue
        try:
            parsed.append(parse_text(text, str(f)))
        except DiagnosticError as err:
            errors.extend(err.diagnostics)
    if errors:
        raise DiagnosticError(errors)
    return check(parsed)


def default_horizon(ruleset: Ruleset, profile, years: tuple[int, ...] | None) -> tuple[int, ...]:
    if years:
        return years
    if profile.years:
        return profile.years
    mentioned = profile.mentioned_years(ruleset.vocab)
    if not mentioned:
        raise DiagnosticError(Diagnostic("error", "E302", "the profile gives no year: nothing to plan",
                                         Span(profile.path, 1, 1), "add e.g. 'years: 2025' or use --years"))
    return mentioned


def optimize(profile_path: str, rules: list[str] | None = None, years: tuple[int, ...] | None = None,
             include_drafts: bool = False, timeout: float | None = None) -> Result:
    ruleset = load_rules(rules)
    profile = load_profile(profile_path, ruleset.vocab)
    horizon = default_horizon(ruleset, profile, years)
    grounded = ground(ruleset, profile, horizon, include_drafts)
    plan = solve(grounded, timeout)
    return build_result(grounded, plan)


def audit(profile_path: str, ledger_path: str, rules: list[str] | None = None,
          include_drafts: bool = False):
    """Check a payout ledger against every rule that applies to the profile's enterprise."""
    from .audit import audit as check_ledger, read_ledger, resolve_lines
    ruleset = load_rules(rules)
    profile = load_profile(profile_path, ruleset.vocab)
    rows = read_ledger(ledger_path)
    years = set(profile.years or profile.mentioned_years(ruleset.vocab))
    for row in rows:
        if str(row.get("year", "")).strip().isdigit():
            years.add(int(row["year"]))
    grounded = ground(ruleset, profile, tuple(sorted(years)), include_drafts)
    lines = resolve_lines(rows, grounded, ledger_path)
    return check_ledger(grounded, lines)


def explain(profile_path: str, clause: str, rules: list[str] | None = None,
            years: tuple[int, ...] | None = None, include_drafts: bool = False,
            timeout: float | None = None) -> dict:
    ruleset = load_rules(rules)
    target = ruleset.clause(clause)
    if target is None:
        from .diagnostics import did_you_mean
        names = [c.key for c in ruleset.clauses] + [f"{c.policy}.{c.article}" for c in ruleset.clauses]
        raise DiagnosticError(Diagnostic("error", "E303", f"no clause '{clause}'", None,
                                         did_you_mean(clause, names) or "name it as POLICY.CLAUSE, e.g. pinggu.第三条"))
    profile = load_profile(profile_path, ruleset.vocab)
    horizon = default_horizon(ruleset, profile, years)
    grounded = ground(ruleset, profile, horizon, include_drafts)
    plan = solve(grounded, timeout)
    return explain_clause(grounded, plan, target)
