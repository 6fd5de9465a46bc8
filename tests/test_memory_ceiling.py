"""Z3's memory ceiling (solver/limits.py): a check that needs more memory than SUBSIDY_Z3_MEMORY_MB
answers unknown, the command answers feasible/UNKNOWN with exit 3 and says it met the memory
ceiling, and Z3 stays usable for the next command in the same process. 16 MB is below what Z3
holds once a model is built (measured: 16.4 MB after the first Solver; 平谷 第六条's claim
needs about 18), so these checks need more than the ceiling gives."""
from __future__ import annotations

import json

from click.testing import CliRunner

import cli

from .conftest import EXAMPLES

CEILING = "stopped at Z3's memory ceiling of 16 MB"
CLAIM = ["prove", "at-most", "199万", "--policy", "pinggu", "--article", "第六条", "--per", "item"]


def run(*args):
    result = CliRunner().invoke(cli.main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "internal error" not in result.stdout + result.stderr
    return result


def test_prove_at_the_ceiling_is_unknown_and_says_which_limit(monkeypatch):
    monkeypatch.setenv("SUBSIDY_Z3_MEMORY_MB", "16")
    result = run(*CLAIM)
    assert result.exit_code == 3 and result.stdout.startswith("UNKNOWN"), result.stdout
    assert "memory ceiling" in result.stdout and CEILING in result.stderr
    monkeypatch.delenv("SUBSIDY_Z3_MEMORY_MB")
    # the same claim under the default ceiling is decided: 第六条 can pay one title more than 199万
    result = run(*CLAIM)
    assert result.exit_code == 1 and result.stdout.startswith("REFUTED"), result.stdout


def test_optimize_at_the_ceiling_answers_feasible_with_its_bound_and_z3_stays_usable(monkeypatch):
    profile = str(EXAMPLES / "pinggu-city-2024-2027.yaml")
    monkeypatch.setenv("SUBSIDY_Z3_MEMORY_MB", "16")
    result = run("optimize", profile, "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 3 and data["status"] == "feasible" and CEILING in result.stderr
    assert data["total"] <= data["bound"]
    monkeypatch.delenv("SUBSIDY_Z3_MEMORY_MB")
    result = run("optimize", profile, "--json")  # the next command in this process: Z3 unharmed
    # the README's figure for this example: 12,850,000 (485万 computed + 800万 discretionary)
    assert result.exit_code == 0 and json.loads(result.stdout)["total"] == 12_850_000
    assert "memory ceiling" not in result.stderr


def test_audit_at_the_ceiling_is_unknown(monkeypatch, tmp_path):
    profile = str(EXAMPLES / "pinggu-2025.yaml")
    ledger = tmp_path / "plan.json"
    ledger.write_text(run("optimize", profile, "--json").stdout, encoding="utf-8")  # the plan is a ledger
    monkeypatch.setenv("SUBSIDY_Z3_MEMORY_MB", "16")
    result = run("audit", profile, str(ledger))
    assert result.exit_code == 3 and result.stdout.startswith("UNKNOWN") and CEILING in result.stderr


def test_a_malformed_ceiling_is_the_default(monkeypatch):
    from solver import limits
    for raw in ("", "abc", "-5", "1e9", "0", "15", "99999999999"):
        monkeypatch.setenv("SUBSIDY_Z3_MEMORY_MB", raw)
        assert limits.memory_mb() == limits.DEFAULT_MB
    monkeypatch.setenv("SUBSIDY_Z3_MEMORY_MB", "2048")
    assert limits.memory_mb() == 2048
