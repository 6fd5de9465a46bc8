"""The `subsidy` command: parses options, calls one function of solver/, renders.

Exit codes: 0 success; 1 a verdict to act on (check found errors); 2 bad input or usage;
3 the solver gave up before proving the optimum (time limit).
"""
from __future__ import annotations

import time

STARTED = time.perf_counter()  # --timeout counts from here: importing z3 and the rest is the command's time too

import os  # noqa: E402
import sys  # noqa: E402
from functools import wraps  # noqa: E402

import click  # noqa: E402

from solver import __version__, i18n, pipeline  # noqa: E402
from solver.diagnostics import DiagnosticError, SymbolicProblem, render  # noqa: E402
from solver.optimize import PlanError  # noqa: E402
from solver.profile import parse_years  # noqa: E402
from solver.render import (format_check, format_coverage, format_explanation, format_readings,  # noqa: E402
                           format_readings_markdown,
                           format_result, format_verdict, to_json)
from solver.values import ValueProblem  # noqa: E402

EXIT_OK, EXIT_VERDICT, EXIT_INPUT, EXIT_GAVE_UP, EXIT_INTERNAL = 0, 1, 2, 3, 70

#: The path types of every option and argument, made once: each click.Path() looks up its name's
#: translation through gettext, which searches the locale folders anew each time (34 of them took
#: 2.1 ms of every command under LANG=C.UTF-8, 4.5 ms under zh_CN.UTF-8).
_PATH, _FILE, _FOLDER = click.Path(), click.Path(dir_okay=False), click.Path(file_okay=False)


def _width() -> int:
    """Tables fit the terminal; piped or redirected output is laid out 160 cells wide."""
    import shutil
    return shutil.get_terminal_size((160, 24)).columns if sys.stdout.isatty() else 160


def _guard(fn):
    """Bad input ends in a diagnostic and exit 2; never a traceback. The command's messages are in
    the language of --lang (else the locale's), and only its own: the language is reset after it."""
    @wraps(fn)
    def wrapper(*args, **kwargs):
        from solver import limits
        limits.reset()  # no limit met yet by this command
        with i18n.use(click.get_current_context().meta.get("subsidy_lang") or i18n.from_locale()):
            return _guarded(fn, *args, **kwargs)
    return wrapper


def _guarded(fn, *args, **kwargs):
    """`fn`, its bad input rendered as diagnostics in the command's language (see `_guard`)."""
    try:
        return fn(*args, **kwargs)
    except DiagnosticError as err:
        click.echo(render(err.diagnostics), err=True)
        sys.exit(EXIT_INPUT)
    except SymbolicProblem as err:
        click.echo(f"error[E606]: {err}", err=True)
        sys.exit(EXIT_INPUT)
    except PlanError as err:
        click.echo(f"error[E400]: {err}", err=True)
        sys.exit(EXIT_INPUT)
    except RecursionError:
        click.echo("error[E205]: the input is nested too deeply to read", err=True)
        sys.exit(EXIT_INPUT)
    except BrokenPipeError:  # the reader stopped early (`| head`): click ends quietly with exit 1
        raise
    except click.ClickException:  # a bad option value (click.BadParameter): click's usage message, exit 2
        raise
    except OSError as err:  # the system refused a path (readers and writers map theirs; this is the net)
        where = f" '{err.filename}'" if err.filename else ""
        click.echo(f"error[E982]: cannot use{where}: {err.strerror or err}\n  = help: check the path and its "
                   "permissions", err=True)
        sys.exit(EXIT_INPUT)
    except Exception as err:  # a bug of ours: say so plainly
        if os.environ.get("SUBSIDY_DEBUG"):
            raise
        click.echo(f"internal error: {type(err).__name__}: {err}\n"
                   "this is a bug in subsidy-solver; rerun with SUBSIDY_DEBUG=1 for details", err=True)
        sys.exit(EXIT_INTERNAL)


def _years(ctx, param, value):
    if value is None:
        return None
    try:
        return parse_years(value)  # "2025", "2024-2027"
    except ValueProblem as err:
        raise click.BadParameter(str(err)) from None


class _Seconds(click.ParamType):
    """A time limit: a finite number of seconds from 0.01 to a million (inf, nan and 1e308 would
    overflow the solver's millisecond limit)."""

    name = "seconds"

    def convert(self, value, param, ctx):
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not 0.01 <= seconds <= 1e6:  # also refuses nan, whose comparisons are all false
            self.fail(f"{value!r}: give a number of seconds from 0.01 to 1000000", param, ctx)
        return seconds


def _set_only_rules(ctx, param, value):
    if value:
        ctx.meta["subsidy_only_rules"] = list(value)
    return value


_only_rules_opt = click.option("--only-rules", multiple=True, type=_PATH, expose_value=False,
                               callback=_set_only_rules, metavar="PATH",
                               help="Use only these rule files or folders (repeatable), not the bundled rules.")


def _rules_opt(fn):
    fn = _only_rules_opt(fn)
    return click.option("--rules", "rules", multiple=True, type=_PATH, metavar="PATH",
                        help="Rule file or folder read beside the bundled rules (repeatable): a new policy is added, "
                             "a file declaring a bundled policy's id replaces that policy's file.")(fn)


def _rule_paths(rules) -> tuple[list[str] | None, bool]:
    """The rule paths of --rules (read beside the bundled rules) or --only-rules (alone), and
    whether the bundled rules are read too."""
    only = click.get_current_context().meta.get("subsidy_only_rules")
    if only and rules:
        raise click.UsageError("--rules adds to the bundled rules and --only-rules replaces them: give one of the two")
    return (only, False) if only else (list(rules) or None, True)
_years_opt = click.option("--years", callback=_years, metavar="YEARS",
                          help="Years to plan: 2025, 2024-2027. Default: the profile's.")
_drafts_opt = click.option("--include-drafts", is_flag=True, help="Include draft policies (征求意见稿), labelled.")
_timeout_opt = click.option("--timeout", type=_Seconds(), default=None, metavar="S",
                            help="Give up after S seconds with the best plan found and its proven bound (exit 3).")
_reading_opt = click.option("--reading", "readings", multiple=True, metavar="ID=ALT",
                            help="Read the rules under this alternative of a reading (repeatable); "
                                 "`subsidy readings` lists them. Default: each reading's default.")


def _set_lang(ctx, param, value):
    if value is not None:
        ctx.meta["subsidy_lang"] = value
    return value


_lang_opt = click.option("--lang", type=click.Choice(i18n.LANGS), default=None, callback=_set_lang, expose_value=False,
                         is_eager=True, help="Language of tables and reasons: zh (中文) or en. Default: the locale's "
                                             "(zh where LC_ALL/LC_MESSAGES/LANG is zh_*; SUBSIDY_LANG overrides).")
_prove_timeout_opt = click.option("--timeout", type=_Seconds(), default=None, metavar="S",
                                  help="Give up after S seconds, counted from the start: UNKNOWN (exit 3).")
_csv_opt = click.option("--csv", "csv_out", type=_FILE, metavar="FILE",
                        help="Also write the table (payments, or the ledger's lines and what they break) as CSV "
                             "for Excel (UTF-8 with BOM, Chinese headers).")
_xlsx_opt = click.option("--xlsx", "xlsx_out", type=_FILE, metavar="FILE",
                         help="Also write an .xlsx workbook: payments / not taken / notes; or verdict / ledger / "
                              "violations / rules checked.")


_launched: float | None = None  # when the `subsidy` process started its work (set by `run`)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="subsidy")
@click.pass_context
def main(ctx) -> None:
    """Beijing enterprise subsidy policies as rules: the provably optimal legal combination."""
    ctx.obj = _launched if _launched is not None else time.perf_counter()


#: Without --timeout a command still ends: the solver stops at these limits with its best plan
#: and proven bound (exit 3), never running for an hour. Measured runs take well under a second
#: (5000 items: about 1 s); a whole-policy `prove` 2-3 s.
DEFAULT_LIMIT, DEFAULT_PROVE_LIMIT = 60.0, 300.0


def _left(timeout: float | None, default: float | None = None) -> float:
    """The time limit left: --timeout (or the default limit) counts from the command's start
    (`STARTED` in the `subsidy` process; the invocation's start when `main` is called in-process)."""
    limit = (DEFAULT_LIMIT if default is None else default) if timeout is None else timeout
    return max(limit - (time.perf_counter() - click.get_current_context().find_root().obj), 0.0)


def _say_default_limit(timeout: float | None, default: float | None = None) -> None:
    from solver import limits
    if limits.memory_met():  # the memory ceiling stopped Z3, not the clock
        click.echo(i18n.t(f"stopped at Z3's memory ceiling of {limits.memory_mb()} MB: set SUBSIDY_Z3_MEMORY_MB for "
                          "more, or ask a smaller question",
                          f"已在 Z3 内存上限 {limits.memory_mb()} MB 处停止：可设 SUBSIDY_Z3_MEMORY_MB 放宽，或缩小问题"),
                   err=True)
        return
    if timeout is None:
        limit = DEFAULT_LIMIT if default is None else default
        click.echo(i18n.t(f"stopped at the default limit of {limit:g} s: give --timeout S for a longer search",
                          f"已在默认时限 {limit:g} 秒处停止：用 --timeout S 给更长的搜索时间"), err=True)


@main.command()
@click.argument("rules", nargs=-1, type=_PATH)
@_only_rules_opt
@click.option("--json", "as_json", is_flag=True, help="Print diagnostics (or coverage) as JSON.")
@click.option("--coverage", "show_coverage", is_flag=True,
              help="List every article of each policy's text (its `source`): encoded, condition, non-monetary, "
                   "procedural, not encoded or uncovered; exit 1 if any is uncovered or not encoded.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too (a figure of the rules the article's text "
              "does not state, W960).")
@click.option("--deep", is_flag=True, help="Ask Z3 about every enterprise: clauses that never pay, ceilings that "
              "never bind, unbounded clauses, overlapping clauses with no non-duplication rule.")
@_reading_opt
@_lang_opt
@_guard
def check(rules, as_json, show_coverage, strict, deep, readings) -> None:
    """Check rule files beside the bundled rules (a new policy added, a bundled one's file replaced;
    default: the bundled rules alone; --only-rules: the files alone); exit 1 on any error. Every
    alternative of every reading is checked; --reading chooses the ones --deep asks Z3 about."""
    if readings and not deep:
        raise click.UsageError("--reading goes with --deep (every alternative is checked anyway)")
    paths, bundled = _rule_paths(rules)
    try:
        ruleset = pipeline.load_rules(paths, bundled)
    except DiagnosticError as err:
        if as_json:
            click.echo(to_json({"ok": False, "diagnostics": [d.as_dict() for d in err.diagnostics]}))
        else:
            click.echo(render(err.diagnostics), err=True)
        sys.exit(EXIT_VERDICT)
    from solver.lint import figures
    warnings = figures(ruleset)  # shown, never an error: exit 1 only with --strict
    if warnings and not as_json:
        click.echo(render(warnings), err=True)
    warned = EXIT_VERDICT if strict and warnings else EXIT_OK
    if deep:
        from solver.deep import deep_check
        try:
            ruleset = pipeline.read_under(ruleset, list(readings))
        except DiagnosticError as err:
            click.echo(render(err.diagnostics), err=True)
            sys.exit(EXIT_INPUT)
        findings = deep_check(ruleset)
        _say_default_limit(0.0)  # a question Z3 left at its memory ceiling found nothing: say so
        if as_json:
            click.echo(to_json({"ok": True, "findings": [f.as_dict() for f in findings]}), nl=False)
        else:
            for f in findings:
                click.echo(f"{f.kind}: {f.clause} ({f.article}): {f.message}")
            click.echo(i18n.t(f"{len(findings)} finding(s)", f"共 {len(findings)} 项发现"))
        sys.exit(warned)
    if show_coverage:
        from solver.coverage import coverage, failed
        report = coverage(ruleset)
        if as_json:
            click.echo(to_json({"ok": not failed(report), "coverage": report}), nl=False)
        else:
            click.echo(format_coverage(report, _width()))
        sys.exit(EXIT_VERDICT if failed(report) else warned)
    if as_json:
        click.echo(to_json({"ok": True, "policies": sorted(ruleset.policies),
                            "clauses": [c.key for c in ruleset.clauses],
                            "warnings": [d.as_dict() for d in warnings]}))
    else:
        click.echo(format_check(ruleset))
    sys.exit(warned)


@main.command()
@click.argument("profile", type=_PATH)
@_rules_opt
@_years_opt
@_drafts_opt
@click.option("--json", "as_json", is_flag=True, help="Print the documented JSON instead of tables.")
@_timeout_opt
@click.option("--only", multiple=True, metavar="POLICY[.ARTICLE]",
              help="Consider only these policies, articles or non-duplication groups (and the city awards they match).")
@click.option("--proof", type=_FOLDER, metavar="DIR",
              help="Write the Z3 checks behind 'optimal' to DIR as SMT-LIB files any z3 can rerun.")
@_reading_opt
@click.option("--readings", "with_range", is_flag=True,
              help="Also prove the optimum under the most conservative and the most generous readings, and what "
                   "each reading that matters moves the total (ask the bureau about these).")
@_csv_opt
@_xlsx_opt
@_lang_opt
@_guard
def optimize(profile, rules, years, include_drafts, as_json, timeout, only, proof, readings, with_range,
             csv_out, xlsx_out) -> None:
    """The most PROFILE may legally receive, clause by clause, proven optimal."""
    paths, bundled = _rule_paths(rules)
    result = pipeline.optimize(profile, paths, years, include_drafts, _left(timeout), list(only) or None,
                               list(readings), with_range, bundled)
    paths = None if proof is None else pipeline.save_proofs(result, proof)  # written before the plan is shown
    _tables("plan", result, csv_out, xlsx_out, (profile,))
    if as_json:
        click.echo(to_json(result.to_json()), nl=False)
    else:
        click.echo(format_result(result, _width()))
    if result.status != "optimal":
        _say_default_limit(timeout)
    if paths is not None:
        click.echo(i18n.t(f"proof: {len(paths)} SMT-LIB file(s) in {proof}; `z3 FILE` answers unsat for each"
                          + ("" if paths else " (nothing to check: no payment was possible)"),
                          f"证明：{proof} 中有 {len(paths)} 个 SMT-LIB 文件；对每个运行 `z3 FILE` 都应得到 unsat"
                          + ("" if paths else "（无需检查：不可能有任何支付）")), err=as_json)
    sys.exit(EXIT_OK if result.status == "optimal" else EXIT_GAVE_UP)


@main.command()
@click.argument("profile", type=_PATH)
@click.argument("ledger", type=_PATH)
@_rules_opt
@_drafts_opt
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@_reading_opt
@click.option("--timeout", type=_Seconds(), default=None, metavar="S",
              help="Give up after S seconds, counted from the start: UNKNOWN (exit 3).")
@click.option("--unit", type=click.Choice(["元", "万元"]), default=None,
              help="The unit of a CSV or .xlsx ledger's bare amounts (default 元; a header 金额（万元） says it too).")
@click.option("--sheet", default=None, metavar="NAME", help="The sheet of an .xlsx ledger (default: the first).")
@_csv_opt
@_xlsx_opt
@_lang_opt
@_guard
def audit(profile, ledger, rules, include_drafts, as_json, readings, timeout, unit, sheet, csv_out, xlsx_out) -> None:
    """Check LEDGER (YAML/JSON with a payments list, CSV or .xlsx) against every rule: PASS or FAIL (exit 1).
    A CSV or .xlsx ledger whose amounts look like 万元 read as 元 is a warning, exit 1, unless --unit is given."""
    paths, bundled = _rule_paths(rules)
    verdict = pipeline.audit(profile, ledger, paths, include_drafts, list(readings), _left(timeout), unit, sheet, bundled)
    _tables("audit", verdict, csv_out, xlsx_out, (profile, ledger))
    if verdict.warnings:
        click.echo(render(list(verdict.warnings)), err=True)
    if as_json:
        click.echo(to_json(verdict.to_json()), nl=False)
    else:
        click.echo(format_verdict(verdict, _width()))
    if verdict.unknown:
        _say_default_limit(timeout)
    sys.exit(EXIT_GAVE_UP if verdict.unknown else EXIT_OK if verdict.passed and not verdict.warnings else EXIT_VERDICT)


def _tables(kind: str, data, csv_out: str | None, xlsx_out: str | None, inputs: tuple) -> None:
    """--csv/--xlsx: written before the result is shown; never over a file not written by this command."""
    if not (csv_out or xlsx_out):
        return  # nothing to write: tabular (and csv) not imported, 1.3 ms of every command
    from solver import tabular
    build = {"plan": (tabular.plan_csv, tabular.plan_xlsx), "audit": (tabular.audit_csv, tabular.audit_xlsx)}[kind]
    for path in tabular.save_all(lambda suffix: build[suffix == "xlsx"](data), kind, csv_out, xlsx_out, inputs):
        click.echo(f"{kind} written to {path}", err=True)


@main.command()
@click.argument("profile", type=_PATH)
@click.argument("clause")
@_rules_opt
@_years_opt
@_drafts_opt
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@_timeout_opt
@_reading_opt
@_lang_opt
@_guard
def explain(profile, clause, rules, years, include_drafts, as_json, timeout, readings) -> None:
    """Why CLAUSE (e.g. pinggu.第三条 or pinggu.output_growth) pays PROFILE what it pays, or nothing."""
    paths, bundled = _rule_paths(rules)
    data = pipeline.explain(profile, clause, paths, years, include_drafts, _left(timeout), list(readings), bundled)
    if as_json:
        click.echo(to_json(data), nl=False)
    else:
        click.echo(format_explanation(data))


@main.group()
def prove() -> None:
    """Claims about every enterprise the rules admit: PROVED (exit 0), or REFUTED (exit 1)
    with a counter-example profile that `subsidy optimize --only …` replays."""


_prove_common = [
    _rules_opt,
    click.option("--years", callback=_years, metavar="YEARS", help="Years to reason about (default: the policy's)."),
    click.option("--items", type=click.IntRange(1, 6), default=None,
                 help="Symbolic items of each kind an enterprise may hold. Default: 2, and a PROVED claim about "
                      "an enterprise's total is asked again with 3."),
    click.option("--bounds", type=_PATH, help="YAML: money_max and facts pinned to values."),
    click.option("--counterexample", "out", type=_PATH, help="Write a counter-example profile here."),
    click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON."),
    _prove_timeout_opt,
    _reading_opt,
    _lang_opt,
]


def _with_common(fn):
    for option in reversed(_prove_common):
        fn = option(fn)
    return fn


def _report(proof, out, as_json, timeout=None) -> None:
    from solver import limits
    if proof.verdict == "REFUTED" and out:
        pipeline.save_counterexample(proof, out)
    if as_json:
        click.echo(to_json(proof.to_json()), nl=False)
    else:
        t = i18n.t
        click.echo(f"{proof.verdict}: {proof.claim.describe()}"
                   + t(f" (years {proof.years[0]}-{proof.years[-1]})", f"（{proof.years[0]}–{proof.years[-1]} 年）"))
        if proof.verdict == "PROVED":
            click.echo(f"  {proof.scope()}" + t(" (--items and a --bounds file widen or narrow this)",
                                                "（--items 与 --bounds 文件可放宽或收窄此范围）"))
            if out:
                click.echo(t(f"  no counter-example: nothing was written to {out}", f"  没有反例：未写入 {out}"))
        for w in proof.witness:
            click.echo(t("  counter-example pays ", "  反例支付 ")
                       + f"{w['policy']} {w['article']} {w['item']} {w['year']}: {w['amount']:,} 元")
        if proof.verdict == "REFUTED":
            click.echo(t("  replay: ", "  重现：")
                       + proof.replay.replace('COUNTEREXAMPLE', out or t('FILE (use --counterexample FILE)',
                                                                         'FILE（用 --counterexample FILE 写出）')))
        if proof.by_article:
            from solver.values import fmt_money
            whole = fmt_money(sum(most for _, most in proof.by_article))
            click.echo(t(f"  article by article (each article's most, proven on its rules alone; the whole is at most "
                         f"their sum, {whole}):", f"  逐条（每条单独证明的最高额；整体不超过其和 {whole}）："))
            for article, most in proof.by_article:
                click.echo(t(f"    {article}: at most {most:,} 元", f"    {article}：最高 {most:,} 元"))
        if proof.verdict == "UNKNOWN" and limits.memory_met():
            click.echo(t("  Z3 did not decide the claim within its memory ceiling: neither proved nor refuted.",
                         "  Z3 未能在内存上限内判定：既未证明也未推翻。"))
        elif proof.verdict == "UNKNOWN":
            click.echo(t("  Z3 did not decide the claim within --timeout: neither proved nor refuted. Give it more "
                         "time, or ask a smaller question (fewer --items, one --article, one --year).",
                         "  Z3 未能在 --timeout 内判定：既未证明也未推翻。请给更多时间，或缩小问题"
                         "（更少的 --items、单个 --article、单个 --year）。"))
    if proof.verdict == "UNKNOWN":
        _say_default_limit(timeout, DEFAULT_PROVE_LIMIT)
    sys.exit({"PROVED": EXIT_OK, "REFUTED": EXIT_VERDICT}.get(proof.verdict, EXIT_GAVE_UP))


@prove.command("at-most")
@click.argument("amount")
@click.option("--policy", required=True, help="Policy id, e.g. tongzhou_mfg.")
@click.option("--article", help="Article or clause, e.g. 第四条.")
@click.option("--per", type=click.Choice(["item", "enterprise"]), default="enterprise", show_default=True)
@click.option("--year", type=int, help="One year only (default: all years).")
@_with_common
@_guard
def prove_at_most(amount, policy, article, per, year, rules, years, items, bounds, out, as_json, timeout,
                  readings) -> None:
    """No enterprise is ever paid more than AMOUNT (e.g. 1000万) by POLICY [ARTICLE]."""
    from solver.prove import Claim
    from solver.values import parse_money
    try:
        limit = parse_money(amount)
    except ValueProblem as err:
        raise click.BadParameter(str(err), param_hint="AMOUNT") from None
    claim = Claim("at_most", policy, article, per, year, limit)
    paths, bundled = _rule_paths(rules)
    _report(pipeline.prove(claim, paths, years, items, bounds, _left(timeout, DEFAULT_PROVE_LIMIT),
                           list(readings), bundled), out, as_json, timeout)


@prove.command("no-double")
@click.argument("group")
@_with_common
@_guard
def prove_no_double(group, rules, years, items, bounds, out, as_json, timeout, readings) -> None:
    """No item is ever paid by two clauses of non-duplication GROUP (e.g. 平谷区)."""
    from solver.prove import Claim
    claim = Claim("no_double", group=group)
    paths, bundled = _rule_paths(rules)
    _report(pipeline.prove(claim, paths, years, items, bounds, _left(timeout, DEFAULT_PROVE_LIMIT),
                           list(readings), bundled), out, as_json, timeout)


@main.group("rules")
def rules_group() -> None:
    """The bundled rule files."""


@rules_group.command("path")
def rules_path() -> None:
    """Where the bundled rules are (inside the installed package after `pip install`)."""
    from solver.resources import rules_dir
    click.echo(str(rules_dir()))


@main.command()
@click.option("--district", required=True, help="The enterprise's district, e.g. 通州区.")
@_years_opt
@_rules_opt
@_drafts_opt
@click.option("--out", type=_FILE, help="Write the template to this file (it must not exist).")
@_guard
def template(district, years, rules, include_drafts, out) -> None:
    """A profile skeleton (Chinese, commented) asking for every fact and item the district's and the
    city's policies read, with the articles that need each."""
    paths, bundled = _rule_paths(rules)
    text = pipeline.template(district, years, paths, include_drafts, bundled)
    _emit(text, out, f"template written to {out}")


@main.command()
@click.argument("name", type=click.Choice(["profile", "ledger", "optimize", "explain", "audit", "prove"]))
@_rules_opt
@_guard
def schema(name, rules) -> None:
    """The JSON Schema of NAME: the profile (from the vocabulary of the rules), a ledger, or a
    command's --json output."""
    from solver.schema import schema as make
    vocab = pipeline.load_rules(*_rule_paths(rules)).vocab if name == "profile" else None
    click.echo(to_json(make(name, vocab)), nl=False)


@main.command()
@click.argument("name", required=False)
@click.option("--out", type=_FILE, help="Write the profile to this file (it must not exist).")
@_guard
def example(name, out) -> None:
    """A bundled example profile: NAME's YAML on stdout (or --out FILE); without NAME, the list."""
    from solver.resources import examples
    found = examples()
    if name is None:
        for stem, path in found.items():
            click.echo(f"{stem}\t{_first_line(path)}")
        return
    path = found.get(name.removesuffix(".yaml"))
    if path is None:
        from solver.diagnostics import Diagnostic, did_you_mean
        raise DiagnosticError(Diagnostic("error", "E316", f"no bundled example '{name}'", None,
                                         did_you_mean(name, found) or f"one of: {', '.join(found)}"))
    text = path.read_text(encoding="utf-8")
    _emit(text, out, f"{name} written to {out}: subsidy optimize {out}")


def _first_line(path) -> str:
    """An example's own description: its first comment line."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


def _emit(text: str, out: str | None, said: str) -> None:
    """TEXT on stdout, or written to the new file OUT with SAID on stderr."""
    if out is None:
        click.echo(text, nl=False)
        return
    _write_new(out, text)
    click.echo(said, err=True)


def _write_new(out: str, text: str) -> None:
    """Write a new file; never overwrite one (a profile someone filled in)."""
    try:
        with open(out, "x", encoding="utf-8") as f:
            f.write(text)
    except OSError as err:
        from solver.diagnostics import Diagnostic
        raise DiagnosticError(Diagnostic("error", "E315", f"cannot write '{out}': {err.strerror}", None,
                                         "name a new file")) from None


@main.command()
@click.argument("policy", required=False)
@_rules_opt
@click.option("--json", "as_json", is_flag=True, help="Print the readings as JSON.")
@click.option("--markdown", is_flag=True, help="Print them as the README's list (its section 'Readings taken').")
@_lang_opt
@_guard
def readings(policy, rules, as_json, markdown) -> None:
    """Every reading of an ambiguous sentence (of POLICY): its alternatives, the default and why."""
    data = pipeline.readings(policy, *_rule_paths(rules))
    if as_json:
        click.echo(to_json({"readings": data}), nl=False)
    elif markdown:
        click.echo(format_readings_markdown(data), nl=False)
    else:
        click.echo(format_readings(data, _width()))


@main.command("test")
@click.argument("cases", nargs=-1, required=True, type=_PATH)
@_guard
def test_cases(cases) -> None:
    """Run analysts' test cases (YAML: profiles and what they must be paid); exit 1 if any fails."""
    from solver.cases import report, run as run_cases
    outcomes = run_cases(list(cases))
    click.echo(report(outcomes, _width()))
    sys.exit(EXIT_OK if all(o.passed for o in outcomes) else EXIT_VERDICT)


@main.command("fmt")
@click.argument("files", nargs=-1, required=True, type=_PATH)
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 listing the files that would change.")
@_guard
def fmt_rules(files, check_only) -> None:
    """Lay out rule files (or folders of them) canonically, comments kept."""
    from solver.fmt import fmt
    changed = fmt(list(files), check_only)
    for f in changed:
        click.echo(f"{'would reformat' if check_only else 'reformatted'} {f}")
    click.echo(f"{len(changed)} file(s) {'would change' if check_only else 'reformatted'}", err=True)
    sys.exit(EXIT_VERDICT if check_only and changed else EXIT_OK)


@main.command("doc")
@click.option("--out", default="handbook", show_default=True, type=_PATH, metavar="DIR",
              help="The folder to write (new, empty, or a handbook written before).")
@_rules_opt
@_drafts_opt
@_guard
def doc(out, rules, include_drafts) -> None:
    """Write the policy handbook: static HTML in Chinese, each article's text beside its encoding."""
    from solver.handbook import generate
    paths, bundled = _rule_paths(rules)
    folder, pages = generate(out, paths, include_drafts, bundled)
    click.echo(i18n.t(f"wrote {pages} pages: {folder / 'index.html'}", f"已写入 {pages} 个页面：{folder / 'index.html'}"))


def _utf8_out() -> None:
    """Output piped or redirected (JSON, a file, another program) is UTF-8 whatever the locale;
    a terminal keeps its own encoding (a GBK console shows Chinese), and a character it cannot
    show is written as an escape, never a crash."""
    for stream in (sys.stdout, sys.stderr):
        if not hasattr(stream, "reconfigure"):
            continue
        try:
            if stream.isatty():
                stream.reconfigure(errors="backslashreplace")
            else:
                stream.reconfigure(encoding="utf-8", errors="strict")
        except (OSError, ValueError):
            pass


@main.command()
@click.argument("input_path", metavar="INPUT", type=_PATH)
@click.option("--out", required=True, type=_FILE, metavar="FILE",
              help="Results: .csv (UTF-8 with BOM, for Excel), .xlsx or .jsonl; the budget report beside it "
                   "(FILE.budget.csv) or in the workbook.")
@click.option("--jobs", type=click.IntRange(1, 512), default=None, help="Processes. Default: the machine's cores.")
@click.option("--resume", is_flag=True, help="Keep the enterprises an interrupted run already finished.")
@click.option("--cluster", metavar="ADDRESS", help="Run on the Dask scheduler at ADDRESS (tcp://host:8786).")
@click.option("--timeout", type=_Seconds(), default=None, metavar="S",
              help="Seconds per enterprise (default 60): its best plan and proven bound after that.")
@click.option("--readings", "with_range", is_flag=True,
              help="Also prove each enterprise's total under the most conservative and the most generous readings.")
@_rules_opt
@_years_opt
@_drafts_opt
@_reading_opt
@_lang_opt
@_guard
def batch(input_path, out, jobs, resume, cluster, timeout, with_range, rules, years, include_drafts, readings) -> None:
    """Optimize every enterprise of INPUT (a folder of profiles, a .jsonl file, or a .csv/.xlsx sheet
    of enterprises) and write one row per enterprise and payment, and the budget report."""
    from solver.batch import Options, STATUS_ZH, run as run_batch
    options = Options(years, include_drafts, DEFAULT_LIMIT if timeout is None else timeout, tuple(readings), with_range,
                      i18n.current())
    paths, bundled = _rule_paths(rules)
    summary = run_batch(input_path, out, options, paths, jobs, resume, cluster, sys.stderr.isatty(), bundled=bundled)
    counts = "，".join(f"{STATUS_ZH[s].split()[0]} {n}" for s, n in sorted(summary.statuses.items()))
    click.echo(f"{summary.enterprises} 家企业（{counts}）" + (f"，续跑保留 {summary.resumed} 家" if summary.resumed else "")
               + f"；合计 {summary.total:,} 元 → {', '.join(summary.files)}")
    bad = summary.statuses.get("bad_input", 0) + summary.statuses.get("error", 0)
    sys.exit(EXIT_INPUT if bad else EXIT_GAVE_UP if summary.enterprises > summary.statuses.get("optimal", 0) else EXIT_OK)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port (0: any free one).")
@_rules_opt
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Worker processes that solve requests (rules loaded once in each).")
@click.option("--timeout", type=_Seconds(), default=60.0, show_default=True, metavar="S",
              help="A request's time limit when it names none.")
@click.option("--max-timeout", type=_Seconds(), default=300.0, show_default=True, metavar="S",
              help="The longest time limit a request may name.")
@_lang_opt
@_guard
def serve(host, port, rules, workers, timeout, max_timeout) -> None:
    """An HTTP API (/api/optimize, explain, audit, prove, template, policies; /openapi.json) and a
    page for enterprises at /, until interrupted."""
    from solver.serve import serve as run_server
    paths, bundled = _rule_paths(rules)
    run_server(host, port, paths, workers, timeout, max_timeout,
               lambda url: click.echo(f"subsidy serve: {url}", err=True), bundled)


@main.command("new-policy")
@click.argument("name")
@click.option("--district", required=True, help="The policy's region: 北京市 or a district, e.g. 顺义区.")
@click.option("--out", type=_FILE, help="Write the rule file here (it must not exist); "
              "default: stdout.")
@_guard
def new_policy(name, district, out) -> None:
    """A starting rule file for a new policy NAME (its id): every policy setting, an applicability
    condition and one example clause, a draft that checks cleanly beside the bundled rules."""
    from solver.newpolicy import starting_rules
    text = starting_rules(name, district, bundled=tuple(pipeline.load_rules().policies))
    _emit(text, out, f"{name} written to {out}: subsidy check {out}")


@main.command()
@_guard
def lsp() -> None:
    """The editor server for rule files (Language Server Protocol on stdin/stdout): the checker's
    diagnostics as you type, hover, go to definition, completion. Needs the `lsp` extra (pygls)."""
    from solver.lsp import serve
    serve()


@main.command("diff")
@click.argument("old", type=_PATH)
@click.argument("new", type=_PATH)
@click.option("--policy", help="The policy compared (default: the one both versions' files declare).")
@click.option("--direction", type=click.Choice(["less", "more"]), default="less", show_default=True,
              help="The claim: no enterprise gets less (more) under NEW than under OLD.")
@click.option("--items", type=click.IntRange(1, 6), default=2, show_default=True,
              help="Symbolic items of each kind an enterprise may hold.")
@click.option("--bounds", type=_PATH, help="YAML: money_max and facts pinned to values.")
@click.option("--years", callback=_years, metavar="YEARS", help="Years to compare (default: the policy's).")
@_drafts_opt
@click.option("--counterexample", "out", type=_PATH, help="Write the counter-example profile here.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes and the verdict as JSON.")
@_prove_timeout_opt
@_lang_opt
@_guard
def diff_command(old, new, policy, direction, items, bounds, years, include_drafts, out, as_json, timeout) -> None:
    """What changed from OLD to NEW (rule files or folders, each read beside the bundled rules) and
    whether any enterprise gets less (--direction more: more) under NEW: PROVED (exit 0), REFUTED
    with a counter-example profile (exit 1), UNKNOWN (exit 3)."""
    from solver.diff import diff, format_diff, save
    result = diff([old], [new], policy, direction, items, bounds, include_drafts, _left(timeout, DEFAULT_PROVE_LIMIT),
                  years)
    if result.verdict == "REFUTED" and out:
        save(result, out)
    click.echo(to_json(result.to_json()), nl=False) if as_json else click.echo(format_diff(result, _width(), out))
    sys.exit({"PROVED": EXIT_OK, "REFUTED": EXIT_VERDICT}.get(result.verdict, EXIT_GAVE_UP))


def run() -> None:
    """The `subsidy` command (the console script): `main`, then, once its output is flushed, an
    immediate exit. Python's own exit would then collect every object still alive and tear down
    Z3's context, 5–20 ms of a 150 ms command (bench/results.md §a) that no user waits for.
    Nothing of ours needs an exit hook: files are written and closed before `main` returns.
    A reader that stops early (`subsidy … | head`) ends the command with exit 1 and no
    traceback, as click does when a write fails."""
    global _launched
    _launched = STARTED
    _utf8_out()
    pipeline.collect_less()
    try:
        main()
        code: int | str | None = EXIT_OK
    except SystemExit as stop:
        code = stop.code
    if isinstance(code, str):  # sys.exit("message"): the message, then exit 1, as Python does
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = code or 1
    try:
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(code or 0)


if __name__ == "__main__":
    run()
