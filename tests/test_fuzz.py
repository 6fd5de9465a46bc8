"""Bad input never ends in a traceback or a hang: generated mistakes in rule files, profiles
and ledgers each end in a diagnostic and exit 2 (exit 1 for `check`'s verdict)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cli
from solver.resources import rules_dir

from .conftest import EXAMPLES, ROOT

PINGGU = (rules_dir() / "004_pinggu.rules").read_text(encoding="utf-8")
PROFILE = (EXAMPLES / "pinggu-2025.yaml").read_text(encoding="utf-8")
FUZZ = settings(max_examples=int(os.environ.get("SUBSIDY_FUZZ_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def invoke(*args):
    result = CliRunner().invoke(cli.main, list(args))
    assert "Traceback" not in result.output, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    return result


TOKENS = ["{", "}", "(", ")", ",", ":", "500万", "1.5元", "30%", "1:0", "per", "cap", "pay", "up", "to",
          "require", "item", "for", "enterprise", "once", "年", "\"", "#", "and", "or", "not", "*", "of",
          "第三条", "growth(", "first_tier(x) {", "9" * 30 + "亿", "2025-13-45", "\u3000", "，"]


@st.composite
def mutated_rules(draw):
    """The 平谷 rule file with a few token-level mutations: deletions, insertions, swaps."""
    text = PINGGU
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text) - 1))
        action = draw(st.sampled_from(["delete", "insert", "replace"]))
        width = draw(st.integers(1, 12))
        token = draw(st.sampled_from(TOKENS))
        if action == "delete":
            text = text[:pos] + text[pos + width:]
        elif action == "insert":
            text = text[:pos] + token + text[pos:]
        else:
            text = text[:pos] + token + text[pos + width:]
    return text


@FUZZ
@given(mutated_rules())
def test_mutated_rule_file_gives_a_diagnostic_not_a_traceback(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("rules")
    for f in rules_dir().glob("*.rules"):
        (folder / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copytree(rules_dir() / "texts", folder / "texts")  # the policies' `source` texts
    (folder / "004_pinggu.rules").write_text(text, encoding="utf-8")
    result = invoke("optimize", str(EXAMPLES / "pinggu-2025.yaml"), "--rules", str(folder))
    assert result.exit_code in (0, 2, 3), result.output
    if result.exit_code == 2:
        assert "error[" in result.output


BAD_VALUES = st.one_of(
    st.just(-1), st.just("-5万"), st.just(1e30), st.just("1e30"), st.just(10 ** 30), st.just("0.5元"),
    st.just(3.7), st.just(True), st.just(None), st.just([]), st.just({}), st.just("五百万"), st.just("💰"),
    st.text(max_size=12), st.integers(), st.floats(allow_nan=True),
)


@st.composite
def broken_profiles(draw):
    """The example profile with one value replaced by something of the wrong kind."""
    lines = PROFILE.splitlines()
    candidates = [i for i, line in enumerate(lines) if ":" in line and not line.lstrip().startswith("#")]
    i = draw(st.sampled_from(candidates))
    key = lines[i].split(":", 1)[0]
    value = draw(BAD_VALUES)
    lines[i] = f"{key}: {value!r}" if not isinstance(value, str) else f"{key}: \"{value}\""
    return "\n".join(lines) + "\n"


def ends_located(folder, name: str, text: str) -> None:
    """`optimize` on `text` as file `name` either answers or exits 2 with an error naming the
    file, line and column."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    result = invoke("optimize", str(path))
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert "error[" in result.output and re.search(rf"{re.escape(name)}:\d+:\d+", result.output), result.output


@FUZZ
@given(broken_profiles())
def test_broken_profile_gives_a_diagnostic(tmp_path_factory, text):
    ends_located(tmp_path_factory.mktemp("p"), "p.yaml", text)


@st.composite
def broken_json_profiles(draw):
    """The example as JSON (what json reads fast) with one value, anywhere in it, replaced by
    something of the wrong kind, or one key doubled."""
    import json

    from ruamel.yaml import YAML
    data = YAML(typ="safe", pure=True).load(PROFILE)
    spots = []  # (container, key) of every value

    def walk(node):
        for key in (node if isinstance(node, dict) else range(len(node))):
            spots.append((node, key))
            if isinstance(node[key], (dict, list)):
                walk(node[key])
    walk(data)
    node, key = draw(st.sampled_from(spots))
    value = draw(BAD_VALUES)
    node[key] = value if not (isinstance(value, float) and value != value) else "NaN"
    text = json.dumps(data, ensure_ascii=False, default=str)
    if draw(st.booleans()):
        text = text.replace('"years": ', '"years": 2025, "years": ', 1)  # a key given twice
    return text


@FUZZ
@given(broken_json_profiles())
def test_broken_json_profile_gives_a_located_diagnostic(tmp_path_factory, text):
    ends_located(tmp_path_factory.mktemp("p"), "p.json", text)


@FUZZ
@given(st.lists(st.fixed_dictionaries({
    "policy": st.sampled_from(["pinggu", "city2024", "pingu", ""]),
    "article": st.sampled_from(["第三条", "第十二条", "第99条", "四(二)2"]),
    "item": st.sampled_from(["enterprise", "整车订单", "智能工厂", "nobody"]),
    "year": st.one_of(st.integers(1900, 2100), st.text(max_size=4)),
    "amount": BAD_VALUES | st.integers(0, 10 ** 8),
}), max_size=4))
def test_generated_ledger_gives_a_verdict_or_a_diagnostic(tmp_path_factory, payments):
    import json
    path = tmp_path_factory.mktemp("l") / "ledger.json"
    path.write_text(json.dumps({"payments": payments}, ensure_ascii=False, default=str), encoding="utf-8")
    result = invoke("audit", str(EXAMPLES / "pinggu-2025.yaml"), str(path))
    assert result.exit_code in (0, 1, 2), result.output


def test_pathological_files(tmp_path):
    cases = {
        "empty.yaml": b"",
        "binary.yaml": bytes(range(256)),
        "nested.yaml": b"a: " + b"[" * 5000 + b"]" * 5000,
        "huge.yaml": b"facts:\n" + b"  x: 1\n" * 1_500_000,
        "list.yaml": b"- 1\n- 2\n",
        "anchors.yaml": b"a: &a [1, 2]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = invoke("optimize", str(path))
        assert result.exit_code == 2, (name, result.output)
        assert "error[" in result.output, (name, result.output)


def test_json_and_proofs_are_byte_identical_across_hash_seeds(tmp_path):
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proofs = tmp_path / seed
        proc = subprocess.run([sys.executable, "cli.py", "optimize", "examples/pinggu-city-2024-2027.yaml", "--json",
                               "--proof", str(proofs)], cwd=ROOT, env=env, capture_output=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        outputs.add((proc.stdout, tuple(f.read_bytes() for f in sorted(proofs.glob("proof-*.smt2")))))
    assert len(outputs) == 1
    assert next(iter(outputs))[1]  # there were proofs to compare
