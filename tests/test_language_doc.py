"""docs/language.md, the language reference: every example parses and checks, is taken from the
bundled rules, and together the examples use every keyword of the grammar.

How an example is checked (the reference says the same in its "例子如何检查" section):

- a ```rules block is whole declarations. A block with a `vocabulary` is checked alone; a block
  with a `policy` is checked beside the bundled vocabulary; any other block (a clause, a condition, a reading,
  an article) is checked inside the small policy `例` below, beside every bundled rule file.
- a ```rules-clause block is the statements of one clause: it is wrapped in
  `clause 例子 "例" { … }` (with `text "（例）"` if it has no `text` of its own: a clause must
  quote its article) and then checked as a ```rules block.
- every line of an example must be a line of a bundled rule file (spaces aside), except in a
  block marked `adapted` (```rules-clause adapted): a construct the bundled rules do not use,
  written after the article the reference names.

The example is checked with its own line numbers: a mistake is reported at the line of
docs/language.md it stands on.
"""
from __future__ import annotations

import re
from functools import lru_cache

import pytest

from solver.check import ARTICLE_STATUSES, FUNCTIONS, POLICY_SETTINGS, check
from solver.diagnostics import DiagnosticError, render
from solver.model import BASE_TYPES, SCOPES
from solver.parse import parse_text
from solver.resources import grammar_path, rules_dir

from .conftest import ROOT

DOC = ROOT / "docs" / "language.md"

#: The policy a fragment is checked inside (shown in the reference, "例子如何检查").
WRAPPER = """
policy 例 {
    title    "语言参考的例子"
    level    district
    region   平谷区
    in_force 2025-01-01 to 2027-12-31
    status   in_force
}
"""

_FENCE = re.compile(r"^```(rules(?:-clause)?)( adapted)?[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def examples() -> list[tuple[int, str, bool, str]]:
    """(line of the opening fence, kind, adapted, body) of every example of the reference."""
    text = DOC.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 1, m.group(1), bool(m.group(2)), m.group(3))
            for m in _FENCE.finditer(text)]


@lru_cache(maxsize=1)
def bundled() -> tuple:
    """(path, parsed file, declares vocabulary, policy ids) of every bundled rule file."""
    out = []
    for f in sorted(rules_dir().glob("*.rules")):
        parsed = parse_text(f.read_text(encoding="utf-8"), str(f))
        out.append((f, parsed, bool(parsed.vocabularies), {p.name for p in parsed.policies}))
    return tuple(out)


def bundled_lines() -> set[str]:
    return {line.strip() for f, *_ in bundled() for line in f.read_text(encoding="utf-8").splitlines()}


def source_of(line: int, kind: str, body: str) -> str:
    """The example as the checker reads it, each line at its line of the reference. A policy's
    `source "texts/…"` is read as it stands in the bundled rule file: beside the bundled rules."""
    body = re.sub(r'^(\s*source\s+")texts/', lambda m: f"{m.group(1)}{rules_dir().as_posix()}/texts/", body, flags=re.M)
    if kind == "rules-clause":
        text = "" if re.search(r"^\s*text\s", body, re.M) else '    text "（例）"'
        return "\n" * (line - 1) + 'clause 例子 "例" {' + text + "\n" + body + "}\n"
    return "\n" * line + body


def check_example(line: int, kind: str, body: str):
    """The rule set the example makes with what it is checked beside; DiagnosticError if wrong."""
    text = source_of(line, kind, body)
    if kind == "rules" and re.search(r"^\s*vocabulary\s*\{", body, re.M):
        return check([parse_text(text, str(DOC))])
    declared = set(re.findall(r"^\s*policy\s+(\w+)", body, re.M))
    if not declared:
        text += "\n" + WRAPPER
    beside = [parsed for _, parsed, vocab, _ in bundled() if vocab or not declared]
    return check(beside + [parse_text(text, str(DOC))])


EXAMPLES = examples()


def test_the_reference_has_examples():
    assert len(EXAMPLES) >= 40


@pytest.mark.parametrize("line,kind,adapted,body", EXAMPLES, ids=[f"language.md:{e[0]}" for e in EXAMPLES])
def test_example_parses_and_checks(line, kind, adapted, body):
    try:
        ruleset = check_example(line, kind, body)
    except DiagnosticError as err:
        pytest.fail(f"the example at docs/language.md:{line} does not check:\n{render(err.diagnostics)}")
    if kind == "rules-clause":  # the checker really read the fragment: its clause is in the rule set
        assert any(c.key == "例.例子" for c in ruleset.clauses)
    if not adapted:
        known = bundled_lines()
        foreign = [ln for ln in body.splitlines() if ln.strip() and not ln.strip().startswith("#")
                   and ln.strip() not in known]
        assert not foreign, f"docs/language.md:{line}: not lines of a bundled rule file (mark it 'adapted'?): {foreign}"


def test_a_wrong_example_is_refused_at_its_line():
    # the checker runs on each example: a fact misspelt in the first clause fragment is an error
    # (E172, unknown name) located at the reference's own line
    line, kind, _, body = next(e for e in EXAMPLES if e[1] == "rules-clause" and "industrial_output" in e[3])
    broken = body.replace("industrial_output", "industrial_outptu", 1)
    with pytest.raises(DiagnosticError) as err:
        check_example(line, kind, broken)
    d = err.value.diagnostics[0]
    assert d.span.file == str(DOC)
    first = next(n for n, ln in enumerate(broken.splitlines(), 1) if "industrial_outptu" in ln)
    assert d.span.line == line + first and "industrial_outptu" in d.message


def _words() -> set[str]:
    return {w for _, _, _, body in EXAMPLES for w in re.findall(r"[\w.]+|[^\w\s]+", re.sub(r'"[^"\n]*"', '""', body))}


def test_the_examples_use_every_keyword_of_the_grammar():
    grammar = grammar_path().read_text(encoding="utf-8")
    keywords = set(re.findall(r'"([a-z_]+)"', grammar))  # every keyword the grammar spells
    names = (keywords | set(SCOPES) | set(POLICY_SETTINGS) | set(FUNCTIONS) | set(BASE_TYPES)
             | set(ARTICLE_STATUSES) - {"not_encoded"})
    words = _words()
    missing = sorted(k for k in names if k not in words)
    assert not missing, f"no example of the reference uses: {missing}"


def test_the_examples_use_every_operator_and_literal():
    words = _words()
    for op in (">=", "<=", "==", "!=", ">", "<", "+", "-", "*", "%", ":", "(", "{"):
        assert any(op in w for w in words), op
    bodies = "\n".join(e[3] for e in EXAMPLES)
    for literal in (r"\d+万", r"\d+亿", r"\d+元", r"\d+(\.\d+)?%", r"\b1:1\b", r"\d{4}-\d{2}-\d{2}", r'"[^"]+"'):
        assert re.search(literal, bodies), literal
