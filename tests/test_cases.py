"""`subsidy test`: every bundled case file (tests/cases/*.yaml) runs here, one test per case,
so CI keeps the analysts' cases; then the runner itself — a failing expectation is reported at
its file:line with expected against actual by article and exits 1, a malformed case file is a
located diagnostic (exit 2)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

import cli
from solver import cases, pipeline

from .conftest import EXAMPLES, ROOT

CASE_DIR = ROOT / "tests" / "cases"
CASE_FILES = sorted(CASE_DIR.glob("*.yaml"))


def _case_ids() -> list[tuple[Path, int, str]]:
    """(file, index, name) of every bundled case, read without the rules (collection stays cheap)."""
    found = []
    for f in CASE_FILES:
        doc = YAML(typ="safe").load(f.read_text(encoding="utf-8"))
        found += [(f, n, str(c.get("name"))) for n, c in enumerate(doc["cases"])]
    return found


@lru_cache(maxsize=None)
def _loaded(path: Path) -> tuple:
    return tuple(cases.load_cases([str(path)]))


@pytest.mark.parametrize("path,index,name", _case_ids(), ids=[f"{f.stem}:{name}" for f, _, name in _case_ids()])
def test_bundled_case(path, index, name):
    case = _loaded(path)[index]
    assert case.name == name
    outcome = cases.run_case(case)
    assert outcome.passed, cases.report([outcome])


def test_every_policy_has_a_case_file():
    policies = set(pipeline.load_rules().policies)
    named = {YAML(typ="safe").load(f.read_text(encoding="utf-8")).get("policy") for f in CASE_FILES}
    assert policies <= named, f"no case file for {policies - named}"


def _run(*args):
    return CliRunner().invoke(cli.main, ["test", *map(str, args)])


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


# The example of README's table: total 1285万 (tests/test_engine.py), of which 第十二条 pays
# 50万 in 2025 (整车订单B: 0.5% × 1亿) and 200万 in 2026 and 2027 (the enterprise's yearly 200万).
EXAMPLE_CASE = f"""\
policy: pinggu
cases:
  - name: 平谷与市级 2024-2027
    profile: {EXAMPLES / "pinggu-city-2024-2027.yaml"}
    expect:
      total: 1285万
      payments: {{第十二条: {{2025: 50万, 2026: 200万, 2027: 200万}}, 第三条: 15万}}
"""


def test_a_passing_file_exits_0(tmp_path):
    f = _write(tmp_path / "ok.yaml", EXAMPLE_CASE)
    result = _run(f)
    assert result.exit_code == 0, result.output
    assert "1 通过 passed, 0 失败 failed" in result.output


def test_a_wrong_figure_is_reported_at_its_line_with_the_table_and_exits_1(tmp_path):
    # 第十二条 in 2026 is 200万, not 210万; the total 1285万, not 1300万 (−15万)
    f = _write(tmp_path / "wrong.yaml", EXAMPLE_CASE.replace("2026: 200万", "2026: 210万").replace("1285万", "1300万"))
    result = _run(f)
    assert result.exit_code == 1, result.output
    total_line = _line_of(f, "total: 1300万")
    assert f"{f}:{total_line}:7: total: expected 1300万, got 1285万 (−15万)" in result.output
    pay_line = _line_of(f, "2026: 210万")
    col = f.read_text(encoding="utf-8").splitlines()[pay_line - 1].index("2026") + 1
    assert f"{f}:{pay_line}:{col}: payments: 第十二条 in 2026: expected 210万, got 200万" in result.output
    row = next(line for line in result.output.splitlines() if "第十二条 2026" in line)
    assert [cell.strip() for cell in row.split("│")[2:5]] == ["210万", "200万", "−10万"]
    # the articles the case did not name are listed too: 002's candidate award of 800万
    assert any("city2024.四(二)2" in line and "800万" in line for line in result.output.splitlines())
    assert "0 通过 passed, 1 失败 failed" in result.output


def test_an_article_that_must_not_pay_and_an_alternative(tmp_path):
    # 第五条 pays 10万 in 2025 and 10万 in 2026 (R&D 700万 -> 800万 -> 900万: 10% of 100万 each): 20万.
    # Under pinggu.vehicle_order_ceiling=per_order_year each order has its own 200万 a year, at
    # most 2 consecutive years: 整车长单A 2026 200万 (0.5% × 5亿 = 250万) + 2027 200万 (0.5% × 4亿),
    # 整车订单B 2025 50万 + 2026 50万: 500万, where the enterprise's 200万 a year allowed 450万
    # (2025 B 50万, 2026 A 200万, 2027 A 200万): 1285万 + 50万 = 1335万, checked against optimize.
    alt = pipeline.optimize(str(EXAMPLES / "pinggu-city-2024-2027.yaml"),
                            readings=["pinggu.vehicle_order_ceiling=per_order_year"])
    assert alt.total == 13_350_000
    f = _write(tmp_path / "alt.yaml", EXAMPLE_CASE + """\
      not_paid: [第五条]
      under:
        - reading: {vehicle_order_ceiling: per_order_year}
          total: 1335万
        - reading: {vehicle_order_ceiling: per_order_year}
          total: 1285万
""")
    result = _run(f)
    assert result.exit_code == 1, result.output
    assert f"{f}:{_line_of(f, 'not_paid')}:18: not_paid: 第五条 pays 20万" in result.output
    assert "total (reading pinggu.vehicle_order_ceiling=per_order_year): expected 1285万, got 1335万" in result.output
    assert "expected 1335万" not in result.output


def test_files_beside_the_case_file_and_an_audit(tmp_path):
    # the profile and the ledger named relative to the case file; the ledger pays 第十二条
    # 300万 for 整车长单A in 2026 over the enterprise's 200万 a year: FAIL citing 第十二条
    (tmp_path / "p.yaml").write_bytes((EXAMPLES / "pinggu-city-2024-2027.yaml").read_bytes())
    _write(tmp_path / "ledger.yaml", "payments:\n  - {policy: pinggu, article: 第十二条, item: 整车长单A, "
                                     "year: 2026, amount: 300万}\n")
    f = _write(tmp_path / "audit.yaml", """\
policy: pinggu
profile: p.yaml
cases:
  - name: over the ceiling
    expect: {audit: {ledger: ledger.yaml, verdict: FAIL, violates: [vehicle_orders]}}
  - name: said to pass
    expect: {audit: {ledger: ledger.yaml, verdict: PASS}}
""")
    result = _run(f)
    assert result.exit_code == 1, result.output
    assert "通过 ok      over the ceiling" in result.output
    assert f"{f}:7:43: audit: expected PASS, got FAIL" in result.output


@pytest.mark.parametrize("text, code, needle, where, hint", [
    ("cases:\n  - name: a\n    profil: x.yaml\n    expect: {total: 0}\n", "E901", "unknown key 'profil'",
     (3, 5), "did you mean 'profile'?"),
    ("policy: pinggu\ncases:\n  - name: a\n    profile: {years: 2025, facts: {district: 平谷}}\n    expect: {total: 0}\n",
     "E213", "'平谷' is not a value of district; did you mean '平谷区'?", (4, 46), None),
    ("policy: pinggu\ncases:\n  - name: a\n    profile: {years: 2025}\n    expect: {payments: {第三十条: 0}}\n",
     "E905", "no article or clause '第三十条' in pinggu", (5, 25), "did you mean '第十条'?"),
    ("policy: pinggu\ncases:\n  - name: a\n    profile: {years: 2025}\n    expect: {total: 1.5}\n",
     "E904", "'total'", (5, 21), "money is whole 元"),
    ("policy: pingu\ncases:\n  - name: a\n    profile: {years: 2025}\n    expect: {total: 0}\n",
     "E905", "unknown policy 'pingu'", (1, 9), "did you mean 'pinggu'?"),
    ("cases:\n  - name: a\n    profile: {years: 2025}\n    readings: {pinggu.validity: whenever}\n    expect: {total: 0}\n",
     "E907", "no alternative 'whenever'", (4, 16), "alternatives:"),
    ("cases:\n  - name: a\n    profile: nowhere.yaml\n    expect: {total: 0}\n", "E906", "no such profile file",
     (3, 14), "relative to the case file"),
    ("cases: []\n", "E902", "at least one case", (1, 8), None),
    ("cases:\n  - name: a\n   expect: {total: 0}\n", "E204", "not valid YAML", (3, 4), None),
])
def test_a_malformed_case_file_is_located(tmp_path, text, code, needle, where, hint):
    f = _write(tmp_path / "bad.yaml", text)
    result = _run(f)
    assert result.exit_code == 2, result.output
    assert f"error[{code}]" in result.output and needle in result.output, result.output
    assert f"--> {f}:{where[0]}:{where[1]}" in result.output, result.output
    assert "^" in result.output  # the line, with a caret
    if hint:
        assert hint in result.output
    assert "通过" not in result.output  # nothing runs before every case file is read


def test_an_inline_profile_laid_over_the_files_is_located_in_the_case_file(tmp_path):
    # the case's own fact is wrong: located where the case writes it, not in the shared profile
    f = _write(tmp_path / "over.yaml", (CASE_DIR / "004_pinggu.yaml").read_text(encoding="utf-8").replace(
        "facts: {industrial_output: {2024: 1亿, 2025: 1.2亿}}", "facts: {industrial_outpt: {2024: 1亿, 2025: 1.2亿}}", 1))
    result = _run(f)
    assert result.exit_code == 2
    assert f"--> {f}:{_line_of(f, 'industrial_outpt')}:13" in result.output
    assert "did you mean 'industrial_output'?" in result.output


def test_a_changed_figure_in_a_bundled_case_file_fails_there(tmp_path):
    # 第三条: 0.5% × 2000万 = 10万; written as 11万 the bundled case must fail at that line
    text = (CASE_DIR / "004_pinggu.yaml").read_text(encoding="utf-8")
    f = _write(tmp_path / "004.yaml", text.replace("payments: {第三条: 10万}", "payments: {第三条: 11万}", 1))
    outcome = [o for o in cases.run([str(f)]) if not o.passed]
    assert [o.case.name for o in outcome] == ["第三条 产值增速20%，按增量的0.5%"]
    assert outcome[0].failures[0].span.line == _line_of(f, "第三条: 11万")
