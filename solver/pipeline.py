"""The pipeline in one place: text -> AST -> checked rules; profile -> grounded model -> plan
-> result. Each function is one command's whole job; cli.py only calls these and renders."""
from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec.structs import replace

from . import cache, shipped
from .diagnostics import Diagnostic, DiagnosticError, Span
from .explain import Result, explain_clause, build_result
from .ground import ground
from .model import Ruleset
from .optimize import optimize as solve, z3_starting
from .readings import in_effect, listing, parse_choices, select, shaped_by
from .profile import load_profile, spells_year
from .resources import rules_dir

if TYPE_CHECKING:  # prove (and its symbolic model) is imported by the prove command only
    from .prove import Claim, Proof

RULE_SUFFIX = ".rules"


def rule_files(paths: list[str] | None) -> list[Path]:
    """The rule files named (files, or folders of *.rules); the bundled rules by default."""
    return named_files([str(rules_dir())] if not paths else paths, (RULE_SUFFIX,), "rule", ("E300", "E301"),
                       "name a rule file or a folder of them")


def named_files(paths: list[str], suffixes: tuple[str, ...], what: str, codes: tuple[str, str],
                hint: str) -> list[Path]:
    """Files named, or found (by suffix, in name order) in the folders named: rule files, case
    files. `codes`: (a folder with none of them, a name that is neither file nor folder)."""
    files: list[Path] = []
    for p in map(Path, paths):
        try:
            is_dir = p.is_dir()
        except OSError as err:  # a name too long for the system (pathlib passes over only a missing file)
            raise DiagnosticError(Diagnostic("error", "E981", f"cannot use the {what} path '{p}': {err.strerror}",
                                             None, hint)) from None
        if is_dir:
            found = sorted(f for f in p.iterdir() if f.suffix in suffixes and f.is_file())  # not a folder x.rules
            if not found:
                raise DiagnosticError(Diagnostic("error", codes[0], f"no {what} files (*{suffixes[0]}) in '{p}'",
                                                 None, hint))
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            raise DiagnosticError(Diagnostic("error", codes[1], f"no such {what} file or folder: '{p}'", None, hint))
    return files


def load_rules(paths: list[str] | None = None, bundled: bool = True) -> Ruleset:
    """Parse and check rule files; every syntax error of every file, then every check error.
    The files named are read beside the bundled rules (`bundled`, the default): a file declaring
    a policy the bundled rules declare replaces that bundled file, a vocabulary file replaces the
    bundled one of the same name, and anything else is added. With `bundled=False` the files
    named are the whole rule set (`--only-rules`); files that declare no vocabulary then still
    read the bundled vocabulary. The bundled rules alone, unchanged, come as checked when the
    package was made (solver/shipped.py); a rule set checked before, from the same bytes, comes
    from the cache (solver/cache.py)."""
    from .profile import read_limited
    files = [(f, read_limited(str(f), "rule file")) for f in rule_files(paths)]
    if paths and bundled:
        files = with_bundled(files)
    elif paths and not any(_declares(raw)[1] for _, raw in files):  # (the bundled files declare one: 1 ms saved)
        # a new policy's file alone (`subsidy check --only-rules shunyi.rules`) reads the bundled vocabulary
        found = sorted(rules_dir().glob(f"vocabulary*{RULE_SUFFIX}"))
        files = [(f, read_limited(str(f), "rule file")) for f in found] + files
    shipped_form = None if paths else shipped.matching(files)
    name = shipped_form.digest if shipped_form else cache.key(files)
    if _kept is not None and name in _kept:
        return _kept[name]
    checked = shipped.ruleset(shipped_form) if shipped_form else None
    if checked is not None:
        return _keep(name, checked)
    if shipped_form:  # damaged: parsed and cached as any other rule set
        name = cache.key(files)
    cached = cache.load(name)
    if isinstance(cached, Ruleset):
        return _keep(name, cached)
    from .check import check
    from .parse import parse_files  # lark is imported only when rules must be parsed
    ruleset = check(parse_files(files))
    cache.store(name, ruleset)
    return _keep(name, ruleset)


#: Rule sets kept in memory by their files' content key, in a process that answers many requests
#: (`subsidy serve`'s workers call `keep_rules`); None, as in every command: read each time.
_kept: dict[str, Ruleset] | None = None


def keep_rules() -> None:
    """From now on this process keeps each rule set it loads (frozen, so safely shared) and
    reuses it while its files' bytes are unchanged: no cache decoding per request."""
    global _kept
    if _kept is None:
        _kept = {}


def _keep(name: str, ruleset: Ruleset) -> Ruleset:
    if _kept is not None:
        _kept[name] = ruleset
    return ruleset


# [ \t]* not \s*: a space class that spans lines made these searches quadratic in a file's blank lines
_VOCABULARY = re.compile(r"(?m)^[ \t]*vocabulary\s*\{")
_POLICY = re.compile(r"(?m)^[ \t]*policy\s+([^\W\d]\w*)\s*\{")


def _declares(raw: bytes) -> tuple[set[str], bool]:
    """The policy ids a rule file declares, and whether it declares a vocabulary (a quick look;
    the parser reads it properly)."""
    text = raw.decode("utf-8", "replace")
    return set(_POLICY.findall(text)), bool(_VOCABULARY.search(text))


def with_bundled(files: list[tuple[Path, bytes]]) -> list[tuple[Path, bytes]]:
    """The files named, and the bundled rule files they do not replace: a bundled file is
    replaced by a named one declaring the same policy id, or, for a vocabulary file, by a named
    vocabulary file of the same name. The bundled files come first, in their order."""
    from .profile import read_limited
    named = {f.resolve() for f, _ in files}
    policies = {p for _, raw in files for p in _declares(raw)[0]}
    vocabularies = {f.name for f, raw in files if _declares(raw)[1]}
    kept = []
    for f in rule_files([str(rules_dir())]):
        if f.resolve() in named:
            continue
        raw = read_limited(str(f), "rule file")
        declared, vocabulary = _declares(raw)
        if declared & policies or (vocabulary and f.name in vocabularies):
            continue
        kept.append((f, raw))
    return kept + files


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
             include_drafts: bool = False, timeout: float | None = None, only: list[str] | None = None,
             readings: list[str] | None = None, with_range: bool = False, bundled: bool = True) -> Result:
    """The proven optimum under the chosen readings (`--reading ID=ALT`; the defaults elsewhere);
    `with_range` adds the optima under the other readings (`reading_range`). `profile_path` is a
    profile file's path, or the profile itself as a dict (README, "Python API"). `rules` are
    read beside the bundled rules, or alone with `bundled=False` (`load_rules`)."""
    deadline = _deadline(timeout)
    return optimize_with(load_rules(rules, bundled), profile_path, years, include_drafts, deadline, only, readings, with_range)


def optimize_with(ruleset: Ruleset, profile_path, years: tuple[int, ...] | None = None, include_drafts: bool = False,
                  deadline: float | None = None, only: list[str] | None = None, readings: list[str] | None = None,
                  with_range: bool = False) -> Result:
    """`optimize` on rules already loaded (a batch's worker loads them once): `deadline` is a
    `time.perf_counter()` instant, or None for no limit."""
    choice = parse_choices(ruleset, readings or ())
    chosen = _read_as(ruleset, choice, only)
    grounded, plan = _plan(chosen, profile_path, years, include_drafts, deadline)
    result = build_result(grounded, plan)
    if not with_range:
        return result
    return replace(result, range=reading_range(ruleset, choice, only, grounded, result, deadline))


def read_under(ruleset: Ruleset, readings: list[str] | None) -> Ruleset:
    """The rules read under `--reading ID=ALT` options (each reading's default elsewhere)."""
    return select(ruleset, parse_choices(ruleset, readings or ()))


def _read_as(ruleset: Ruleset, choice: dict[str, str], only: list[str] | None) -> Ruleset:
    """The rules under the chosen readings, cut down to `--only`."""
    ruleset = select(ruleset, choice)
    if only:
        from .prove import restrict
        ruleset = restrict(ruleset, only)
    return ruleset


def reading_range(ruleset: Ruleset, choice: dict[str, str], only: list[str] | None, grounded, base: Result,
                  deadline: float | None) -> dict:
    """How much of the total rests on readings: each reading that could matter to this
    enterprise flipped alone to each other alternative (a proven optimum each), then the most
    conservative and the most generous combination — each reading at the alternative that paid
    least (most) when flipped alone, the chosen one on a tie — each proven like the default.
    A reading matters unless every clause it shapes is refused as a whole (another district,
    a draft left out, out of force) and it shapes no policy condition or setting."""
    refused = {r.clause.key for r in grounded.refusals if r.part is None}
    effect = in_effect(ruleset) | choice
    base_figure = _figure(base, effect, ruleset)

    def optimum(alternatives: dict[str, str]) -> Result:
        g = ground(_read_as(ruleset, alternatives, only), grounded.profile, grounded.horizon, grounded.include_drafts)
        left = None if deadline is None else max(deadline - time.perf_counter(), 0.0)
        return build_result(g, solve(g, left))

    flips, low, high = [], dict(effect), dict(effect)
    low_total, high_total = {}, {}
    for key, reading in ruleset.readings.items():
        shaped = shaped_by(ruleset, key)
        if all(k in refused for k in shaped) and not any(k.startswith(("condition ", "policy ")) for k in shaped):
            continue
        for alt in reading.alternatives:
            if alt.name == effect[key]:
                continue
            result = optimum(effect | {key: alt.name})
            flips.append({"reading": key, "article": reading.article, "alternative": alt.name,
                          "description": ruleset.say(alt.description), "total": result.total, "status": result.status,
                          "change": result.total - base.total})
            if result.total < low_total.get(key, base.total):
                low[key], low_total[key] = alt.name, result.total
            if result.total > high_total.get(key, base.total):
                high[key], high_total[key] = alt.name, result.total
    flips.sort(key=lambda f: (-abs(f["change"]), f["reading"], f["alternative"]))
    figures = {}
    defaults = in_effect(ruleset)
    for name, combo in (("default", defaults), ("conservative", low), ("generous", high)):
        figures[name] = base_figure if combo == effect else _figure(optimum(combo), combo, ruleset)
    if effect != defaults:
        figures["chosen"] = base_figure
    ask = list(dict.fromkeys(f["reading"] for f in flips if f["change"] != 0))
    return figures | {"flips": flips, "ask_the_bureau": ask}


def _figure(result: Result, alternatives: dict[str, str], ruleset: Ruleset) -> dict:
    return {"total": result.total, "computed_total": result.computed_total,
            "discretionary_total": result.discretionary_total, "status": result.status, "bound": result.bound,
            "readings": {k: a for k, a in sorted(alternatives.items()) if a != ruleset.readings[k].default}}


def readings(policy: str | None = None, rules: list[str] | None = None, bundled: bool = True) -> list[dict]:
    """Every reading of the rules (of one policy), for `subsidy readings`."""
    ruleset = load_rules(rules, bundled)
    if policy and policy not in ruleset.policies:
        from .diagnostics import did_you_mean
        raise DiagnosticError(Diagnostic("error", "E600", f"unknown policy '{policy}'", None,
                                         did_you_mean(policy, ruleset.policies)))
    return listing(ruleset, policy)


def template(district: str, years: tuple[int, ...] | None = None, rules: list[str] | None = None,
             include_drafts: bool = False, bundled: bool = True) -> str:
    """A profile skeleton for an enterprise of `district`: every fact and item its policies read."""
    from .template import render
    return render(*_for_district(district, years, rules, include_drafts, bundled), include_drafts)


def template_form(district: str, years: tuple[int, ...] | None = None, rules: list[str] | None = None,
                  include_drafts: bool = False, bundled: bool = True) -> dict:
    """What the skeleton asks for, as data (solver.template.form): `subsidy serve`'s form."""
    from .template import form
    return form(*_for_district(district, years, rules, include_drafts, bundled), include_drafts)


def _for_district(district: str, years: tuple[int, ...] | None, rules: list[str] | None,
                  include_drafts: bool, bundled: bool = True) -> tuple[Ruleset, str, tuple[int, ...]]:
    """The rules, the district (refused with the nearest name if unknown) and the years to ask
    for: the given ones, or the year before the district's measures start, that year and the next."""
    from .diagnostics import did_you_mean
    from .template import policies_for
    ruleset = load_rules(rules, bundled)
    known = ruleset.vocab.enums.get("district", ())
    if district not in known:
        raise DiagnosticError(Diagnostic("error", "E314", f"unknown district '{district}'", None,
                                         did_you_mean(district, known) or f"districts: {', '.join(known)}"))
    policies = policies_for(ruleset, district, include_drafts)
    if not years:
        starts = [p.in_force[0].year for p in policies if p.level == "district"] or [p.in_force[0].year for p in policies]
        first = max(starts) if starts else 2025
        years = (first - 1, first, first + 1)
    return ruleset, district, years


def save_proofs(result: Result, folder: str) -> list[Path]:
    """Write each check behind the result's `optimal` as FOLDER/proof-N.smt2; `z3 FILE` reruns it.
    All are written to a fresh folder inside FOLDER first; only then are the old proof-<digits>.smt2
    (this command's names, never a user's proof-notes.smt2) replaced, so a failure leaves the
    folder as it was."""
    import re
    import shutil
    import tempfile
    out = Path(folder)
    fresh = None
    try:
        out.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(dir=out, prefix=".proof-"))
        for n, script in enumerate(result.proofs, 1):
            (fresh / f"proof-{n}.smt2").write_text(script, encoding="utf-8")
        for old in out.glob("proof-*.smt2"):  # no stale proof may stay beside the new ones
            if re.fullmatch(r"proof-\d+\.smt2", old.name):
                old.unlink()
        paths = []
        for n in range(1, len(result.proofs) + 1):
            paths.append(out / f"proof-{n}.smt2")
            os.replace(fresh / f"proof-{n}.smt2", paths[-1])
    except OSError as err:
        raise DiagnosticError(Diagnostic("error", "E304", f"cannot write the proofs to '{folder}': {err.strerror}",
                                         None, "give --proof a folder you can write")) from None
    finally:
        if fresh is not None:
            shutil.rmtree(fresh, ignore_errors=True)
    return paths


def save_counterexample(proof: Proof, out: str) -> None:
    """The counter-example profile, written whole or not at all (a temporary file renamed into
    place), never through a symbolic link, the replay line quoted (a path may hold a newline)."""
    write_counterexample(out, proof.claim.describe(), [proof.replay], proof.counterexample, "E609")


def write_counterexample(out: str, claim: str, replays: list[str], profile: dict, code: str) -> None:
    """A counter-example profile to `claim` at OUT (`save_counterexample`; `subsidy diff` too),
    headed by the claim and a `# replay:` line per command (COUNTEREXAMPLE standing for OUT);
    a failure is the command's own diagnostic `code`."""
    import io
    import shlex

    from ruamel.yaml import YAML
    if os.path.islink(out) or os.path.isdir(out):
        raise DiagnosticError(Diagnostic("error", code, f"--counterexample '{out}' is a link or a folder", None,
                                         "name a new or regular file"))
    if os.path.exists(out) and not os.path.isfile(out):  # a pipe or a device is never replaced by a file
        raise DiagnosticError(Diagnostic("error", code, f"--counterexample '{out}' is not a regular file "
                                         "(a pipe or a device)", None, "name a new or regular file"))
    if os.path.isfile(out) and not _starts_with(out, COUNTEREXAMPLE_HEAD):  # a user's file (the profile itself?)
        raise DiagnosticError(Diagnostic("error", code, f"--counterexample '{out}' exists and is not a "
                                         "counter-example this program wrote: it is not overwritten", None,
                                         "name a new file (or remove that one first)"))
    text = io.StringIO()
    text.write(f"{COUNTEREXAMPLE_HEAD}{claim}\n")
    for replay in replays:
        text.write("# replay: " + replay.replace("COUNTEREXAMPLE", shlex.quote(out)).replace("\n", "\\n") + "\n")
    YAML().dump(profile, text)
    try:
        write_atomic(out, text.getvalue().encode("utf-8"))
    except OSError as err:
        raise DiagnosticError(Diagnostic("error", code, f"cannot write the counter-example to '{out}': "
                                         f"{err.strerror}", None, "give --counterexample a file you can write")) from None


COUNTEREXAMPLE_HEAD = "# counter-example to: "


def _starts_with(path: str, head: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(head.encode())) == head.encode()
    except OSError:
        return False


def write_atomic(out: str, data: bytes) -> None:
    """OUT holds DATA whole or is left as it was: a temporary file beside it, renamed into place
    (a rename replaces a symbolic link itself, never the file it points to). OSError on failure."""
    import errno
    import stat
    import tempfile
    tmp = None
    try:
        try:  # a rename would replace a pipe or a device (even /dev/null, run as root) with a file
            mode = os.lstat(out).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
                raise OSError(errno.EEXIST, "it exists and is not a regular file (a folder, a pipe or a device)")
        except FileNotFoundError:
            pass
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(out)), suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except OSError:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise


#: The garbage collector's thresholds for a command's process. The default (700, 10, 10) runs
#: the youngest generation's pass every 700 new objects, and a 20,000-item plan makes millions
#: that live to the end (candidates, refusals, payments): measured at 20,000 items × 5 years,
#: 2.78 s with the default, 2.54 s with these after `gc.freeze()`, the same as with the
#: collector off, and the same peak memory (the pipeline makes almost no cyclic garbage). The
#: records themselves are untracked (`gc=False`: they never hold what holds them).
GC_THRESHOLDS = (10_000, 10, 10)


def collect_less() -> None:
    """For a command's process, once its modules are imported: what it holds so far is kept for
    good (`gc.freeze`) and the collector runs GC_THRESHOLDS apart (turned on again if the
    console script turned it off while the modules loaded: solver/command.py)."""
    import gc
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    gc.enable()


def _deadline(timeout: float | None) -> float | None:
    """When the command must answer: --timeout counts from the command's start, so reading and
    checking the rules and grounding the profile count against it too."""
    return None if timeout is None else time.perf_counter() + timeout


#: Explaining a plan and printing it walk the same candidates as grounding did, so the solver's
#: share of a time limit leaves twice the grounding time for them: explaining and the JSON text
#: took 1.0–1.3× the grounding time, explaining and the tables 1.8–2.1× (CPU, 1000 and 5000
#: items × 5 years, optimal and feasible plans alike). With 1× the tables answered at 1.2× a
#: limit falling between the reading and the unlimited answer. (2× once left the solver nothing
#: where reading took most of the limit, `unknown` where a plan was a few ms away: GRACE.)
AFTER_SOLVING = 2.0
#: Proposing every part costs 0.1–0.2× the grounding time (1000 items × 5 years: 9 ms against
#: 33 ms of CPU): a limit spent before the solver starts (reading a profile cannot be
#: interrupted; under load it can take the whole limit) still gets proposals, re-checked, within
#: this many times the grounding time, in CPU seconds of the solver (`_Clock.affords_proposing`).
#: Without it such a limit answered `unknown`, total 0, at 1.15×.
GRACE = 0.5


def _plan(ruleset: Ruleset, profile_path: str, years, include_drafts: bool, deadline: float | None):
    """Profile -> grounded model -> proven plan: the shared core of optimize and explain."""
    with z3_starting():  # reading the profile and grounding use no Z3
        profile = load_profile(profile_path, ruleset.vocab)
        started = time.perf_counter()
        grounded = ground(ruleset, profile, default_horizon(ruleset, profile, years), include_drafts)
    if deadline is None:
        return grounded, solve(grounded)
    grounding = time.perf_counter() - started
    return grounded, solve(grounded, max(deadline - AFTER_SOLVING * grounding - time.perf_counter(), 0.0),
                           GRACE * grounding)


#: Items of each kind a claim is first proved for when --items is not given; a PROVED claim about
#: an enterprise's total is then asked again with one more, and the verdict says whether it held.
DEFAULT_ITEMS = 2
RECHECK, RECHECK_MIN = 2.0, 5.0


def prove(claim: Claim, rules: list[str] | None = None, years: tuple[int, ...] | None = None,
          items: int | None = None, bounds: str | None = None, timeout: float | None = None,
          readings: list[str] | None = None, bundled: bool = True) -> Proof:
    """Decide a claim for every enterprise the rules admit (within the bounds file's limits),
    the rules read under the chosen readings. With `items` given, for enterprises with at most
    that many items of each kind; without, for DEFAULT_ITEMS, and a claim PROVED about the
    enterprise's total (where more items could pay more) is asked again with one more item of
    each kind: the answer with more items is the verdict, and the verdict says so."""
    deadline = _deadline(timeout)
    ruleset = load_rules(rules, bundled)
    ruleset = read_under(ruleset, readings)
    known = list(ruleset.policies)
    if claim.policy and claim.policy not in known:
        from .diagnostics import did_you_mean
        raise DiagnosticError(Diagnostic("error", "E600", f"unknown policy '{claim.policy}'", None,
                                         did_you_mean(claim.policy, known)))
    if claim.kind == "no_double" and claim.group not in {p.no_duplication for p in ruleset.policies.values()}:
        groups = sorted({p.no_duplication for p in ruleset.policies.values() if p.no_duplication})
        raise DiagnosticError(Diagnostic("error", "E601", f"no policy declares non-duplication group '{claim.group}'",
                                         None, f"groups: {', '.join(groups)}"))
    if claim.article and not any(claim.article in (c.article, c.name) for c in ruleset.clauses if c.policy == claim.policy):
        from .model import document_spelling
        claim = replace(claim, article=document_spelling(claim.article))  # 第3条 → 第三条, (七) → （七）
    _check_claim(ruleset, claim, years)
    pinned, money_max = read_bounds(bounds, ruleset) if bounds else ({}, None)
    kwargs = {"money_max": money_max} if money_max is not None else {}
    from .prove import prove as prove_claim
    started = time.perf_counter()
    proof = prove_claim(ruleset, claim, years, items or DEFAULT_ITEMS, pinned, deadline=deadline, **kwargs)
    if items is not None or proof.verdict != "PROVED" or (claim.kind == "at_most" and claim.per == "item"):
        return proof
    # the re-check may take RECHECK times the first proof's time (at least RECHECK_MIN seconds):
    # with one item more a whole policy's claim can take minutes, and the first answer stands;
    # it asks first the way the first proof was decided (article by article, or whole)
    took = time.perf_counter() - started
    until = time.perf_counter() + max(RECHECK * took, RECHECK_MIN)
    more = prove_claim(ruleset, claim, years, DEFAULT_ITEMS + 1, pinned,
                       deadline=until if deadline is None else min(deadline, until),
                       whole_first=not proof.by_article, **kwargs)
    timings = proof.timings | {"recheck": {k: v for k, v in more.timings.items() if k != "recheck"}}
    if more.verdict == "UNKNOWN":  # no time left to ask again: the first answer, saying so
        return replace(proof, bounds=proof.bounds | {"rechecked_with": None}, timings=timings)
    return replace(more, bounds=more.bounds | {"rechecked_with": DEFAULT_ITEMS + 1, "first_with": DEFAULT_ITEMS},
                   timings=timings)


def _check_claim(ruleset: Ruleset, claim: Claim, years: tuple[int, ...] | None) -> None:
    """A claim that names an article the policy lacks, or years in which the policy pays nothing,
    would be decided about nothing (IndexError, or PROVED vacuously): refused, with the nearest name."""
    from .diagnostics import did_you_mean
    from .profile import YEAR_RANGE
    if claim.kind == "at_most" and claim.article:
        clauses = [c for c in ruleset.clauses if c.policy == claim.policy]
        if not any(claim.article in (c.article, c.key, c.name) for c in clauses):
            names = list(dict.fromkeys([c.article for c in clauses] + [c.name for c in clauses]))
            a = claim.article
            spelt = next((f"did you mean '{n}'?" for n in (a.replace("(", "（").replace(")", "）"), f"（{a}）", f"第{a}条")
                          if n in names), None)  # the document's own spelling of the same number
            raise DiagnosticError(Diagnostic("error", "E607", f"policy '{claim.policy}' has no article or clause "
                                             f"'{a}'", None, spelt or did_you_mean(a, names)
                                             or f"articles: {', '.join(names[:12])} …"))
    policies = [ruleset.policies[claim.policy]] if claim.kind == "at_most" else \
        [p for p in ruleset.policies.values() if p.no_duplication == claim.group]
    asked = ([claim.year] if claim.year is not None else []) + list(years or ())
    for year in asked:
        if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
            raise DiagnosticError(Diagnostic("error", "E608", f"{year} is not a plausible year", None,
                                             f"give a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}"))
    for year in ([claim.year] if claim.year is not None else []):
        if not any(p.in_force_in(year) for p in policies):
            spans = "; ".join(f"{p.id} {p.validity}" for p in policies)
            raise DiagnosticError(Diagnostic("error", "E608", f"nothing is in force in {year} ({spans}): the claim "
                                             "would hold vacuously", None, "give a year in which the policy is in force"))


def read_bounds(path: str, ruleset: Ruleset) -> tuple[dict, int | None]:
    """A bounds file: `money_max: 100亿` and `facts: {name: value}` pinning facts to values."""
    from .profile import convert, key_span, read_document, value_span
    from .values import ValueProblem, parse_money
    doc, _ = read_document(path, "bounds file")
    if not isinstance(doc, dict):
        raise DiagnosticError(Diagnostic("error", "E602", "a bounds file is a mapping (money_max, facts)",
                                         Span(path, 1, 1)))
    pinned, money_max = {}, None
    if "money_max" in doc:
        try:
            money_max = parse_money(str(doc["money_max"]))
            if money_max <= 0:  # no enterprise would exist, and every claim would be PROVED about none
                raise ValueProblem(f"money_max must be a positive amount, not {doc['money_max']}")
        except ValueProblem as err:
            raise DiagnosticError(Diagnostic("error", "E603", str(err), value_span(path, doc, "money_max"))) from None
    for name in doc.get("facts") or {}:
        info = ruleset.vocab.facts.get(str(name))
        if info is None:
            from .diagnostics import did_you_mean
            raise DiagnosticError(Diagnostic("error", "E604", f"unknown fact '{name}'",
                                             key_span(path, doc["facts"], name), did_you_mean(str(name), ruleset.vocab.facts)))
        try:
            pinned[info.name] = convert(doc["facts"][name], info, ruleset.vocab)
        except ValueProblem as err:
            raise DiagnosticError(Diagnostic("error", "E605", str(err), value_span(path, doc["facts"], name))) from None
    return pinned, money_max


def audit(profile_path: str, ledger_path: str, rules: list[str] | None = None,
          include_drafts: bool = False, readings: list[str] | None = None, timeout: float | None = None,
          unit: str | None = None, sheet: str | None = None, bundled: bool = True):
    """Check a payout ledger against every rule that applies to the profile's enterprise, the
    rules read under the chosen readings; out of time, the verdict is UNKNOWN. The profile and
    the ledger are files' paths, or the documents themselves as data (dicts; the ledger's
    payments may be a list). `unit` (元 or 万元) is the unit of a CSV or workbook ledger's bare
    amounts, `sheet` the workbook's sheet; a tabular ledger whose bare amounts look like 万元 read
    as 元 gets a warning (E520)."""
    from .audit import LEDGER_DATA, audit as check_ledger, read_ledger, resolve_lines
    from .tabular import Ledger, scale_warning
    deadline = _deadline(timeout)
    ruleset = load_rules(rules, bundled)
    ruleset = read_under(ruleset, readings)
    profile = load_profile(profile_path, ruleset.vocab)
    ledger = read_ledger(ledger_path, unit, sheet)
    rows = ledger.rows if isinstance(ledger, Ledger) else ledger
    years = set(profile.years or profile.mentioned_years(ruleset.vocab))
    for row in rows:
        if spells_year(str(row.get("year", ""))):  # else the ledger check reports it
            years.add(int(row["year"]))
    grounded = ground(ruleset, profile, tuple(sorted(years)), include_drafts)
    where = ledger_path if isinstance(ledger_path, str) else LEDGER_DATA
    lines = resolve_lines(rows, grounded, where)
    verdict = check_ledger(grounded, lines, None if deadline is None else max(deadline - time.perf_counter(), 0.001))
    warning = scale_warning(grounded, lines, ledger, ledger_path) if isinstance(ledger, Ledger) else None
    return verdict if warning is None else replace(verdict, warnings=(warning,))


def explain(profile_path: str, clause: str, rules: list[str] | None = None,
            years: tuple[int, ...] | None = None, include_drafts: bool = False,
            timeout: float | None = None, readings: list[str] | None = None, bundled: bool = True) -> dict:
    deadline = _deadline(timeout)
    ruleset = load_rules(rules, bundled)
    ruleset = read_under(ruleset, readings)
    target = ruleset.clause(clause)
    if target is None:
        from .diagnostics import did_you_mean
        policy = clause.partition(".")[0]
        mine = [c for c in ruleset.clauses if c.policy == policy] or list(ruleset.clauses)  # the same document first
        names = [c.key for c in mine] + [f"{c.policy}.{c.article}" for c in mine]
        raise DiagnosticError(Diagnostic("error", "E303", f"no clause '{clause}'", None,
                                         did_you_mean(clause, names) or "name it as POLICY.CLAUSE, e.g. pinggu.第三条"))
    return explain_clause(*_plan(ruleset, profile_path, years, include_drafts, deadline), target)
