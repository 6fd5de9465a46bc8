"""The `subsidy` command: parses options, calls one function of solver/, renders.

Exit codes: 0 success; 1 a verdict to act on (check found errors); 2 bad input or usage;
3 the solver gave up before proving the optimum (time limit).
"""
from __future__ import annotations

import os
import sys
from functools import wraps

import click
from rich.console import Console

from solver import __version__, pipeline
from solver.diagnostics import DiagnosticError, render
from solver.optimize import PlanError
from solver.profile import parse_years
from solver.coverage import coverage
from solver.render import print_check, print_coverage, print_explanation, print_result, print_verdict, to_json
from solver.values import ValueProblem

EXIT_OK, EXIT_VERDICT, EXIT_INPUT, EXIT_GAVE_UP, EXIT_INTERNAL = 0, 1, 2, 3, 70


def _console(err: bool = False) -> Console:
    return Console(stderr=err, highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160)


def _guard(fn):
    """Bad input ends in a diagnostic and exit 2; never a traceback."""
    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except DiagnosticError as err:
            click.echo(render(err.diagnostics), err=True)
            sys.exit(EXIT_INPUT)
        except PlanError as err:
            click.echo(f"error[E400]: {err}", err=True)
            sys.exit(EXIT_INPUT)
        except RecursionError:
            click.echo("error[E205]: the input is nested too deeply to read", err=True)
            sys.exit(EXIT_INPUT)
        except Exception as err:  # a bug of ours: say so plainly
            if os.environ.get("SUBSIDY_DEBUG"):
                raise
            click.echo(f"internal error: {type(err).__name__}: {err}\n"
                       "this is a bug in subsidy-solver; rerun with SUBSIDY_DEBUG=1 for details", err=True)
            sys.exit(EXIT_INTERNAL)
    return wrapper


def _years(ctx, param, value):
    if value is None:
        return None
    try:
        return parse_years(int(value) if value.isdigit() else value)
    except ValueProblem as err:
        raise click.BadParameter(str(err)) from None


_rules_opt = click.option("--rules", "rules", multiple=True, type=click.Path(),
                          help="Rule file or folder (repeatable). Default: the bundled rules.")
_years_opt = click.option("--years", callback=_years, metavar="YEARS",
                          help="Years to plan: 2025, 2024-2027. Default: the profile's.")
_drafts_opt = click.option("--include-drafts", is_flag=True, help="Include draft policies (征求意见稿), labelled.")
_timeout_opt = click.option("--timeout", type=click.FloatRange(min=0.01), default=None, metavar="S",
                            help="Give up after S seconds with the best plan found and its proven bound (exit 3).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="subsidy")
def main() -> None:
    """Beijing enterprise subsidy policies as rules: the provably optimal legal combination."""


@main.command()
@click.argument("rules", nargs=-1, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print diagnostics (or coverage) as JSON.")
@click.option("--coverage", "show_coverage", is_flag=True,
              help="List every article of each document: encoded, condition, non-monetary, procedural or not encoded.")
def check(rules, as_json, show_coverage) -> None:
    """Check rule files (default: the bundled rules); exit 1 on any error."""
    try:
        ruleset = pipeline.load_rules(list(rules) or None)
    except DiagnosticError as err:
        if as_json:
            click.echo(to_json({"ok": False, "diagnostics": [d.as_dict() for d in err.diagnostics]}))
        else:
            click.echo(render(err.diagnostics), err=True)
        sys.exit(EXIT_VERDICT)
    if show_coverage:
        report = coverage(ruleset)
        if as_json:
            click.echo(to_json({"ok": True, "coverage": report}), nl=False)
        else:
            print_coverage(report, _console())
        sys.exit(EXIT_VERDICT if any(p["not_encoded"] for p in report) else EXIT_OK)
    if as_json:
        click.echo(to_json({"ok": True, "policies": sorted(ruleset.policies),
                            "clauses": [c.key for c in ruleset.clauses]}))
    else:
        print_check(ruleset, _console())


@main.command()
@click.argument("profile", type=click.Path())
@_rules_opt
@_years_opt
@_drafts_opt
@click.option("--json", "as_json", is_flag=True, help="Print the documented JSON instead of tables.")
@_timeout_opt
@_guard
def optimize(profile, rules, years, include_drafts, as_json, timeout) -> None:
    """The most PROFILE may legally receive, clause by clause, proven optimal."""
    result = pipeline.optimize(profile, list(rules) or None, years, include_drafts, timeout)
    if as_json:
        click.echo(to_json(result.to_json()), nl=False)
    else:
        print_result(result, _console())
    sys.exit(EXIT_OK if result.status == "optimal" else EXIT_GAVE_UP)


@main.command()
@click.argument("profile", type=click.Path())
@click.argument("ledger", type=click.Path())
@_rules_opt
@_drafts_opt
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@_guard
def audit(profile, ledger, rules, include_drafts, as_json) -> None:
    """Check LEDGER (YAML/JSON with a payments list, or CSV) against every rule: PASS or FAIL (exit 1)."""
    verdict = pipeline.audit(profile, ledger, list(rules) or None, include_drafts)
    if as_json:
        click.echo(to_json(verdict.to_json()), nl=False)
    else:
        print_verdict(verdict, _console())
    sys.exit(EXIT_OK if verdict.passed else EXIT_VERDICT)


@main.command()
@click.argument("profile", type=click.Path())
@click.argument("clause")
@_rules_opt
@_years_opt
@_drafts_opt
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@_timeout_opt
@_guard
def explain(profile, clause, rules, years, include_drafts, as_json, timeout) -> None:
    """Why CLAUSE (e.g. pinggu.第三条 or pinggu.output_growth) pays PROFILE what it pays, or nothing."""
    data = pipeline.explain(profile, clause, list(rules) or None, years, include_drafts, timeout)
    if as_json:
        click.echo(to_json(data), nl=False)
    else:
        print_explanation(data, _console())


if __name__ == "__main__":
    main()
