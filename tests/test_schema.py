"""JSON Schemas (`subsidy schema NAME`): every example profile and every kind of JSON output is
valid against its schema, and decodes into its record type with no undocumented key."""
from __future__ import annotations

import json

import jsonschema
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

import cli
from solver.schema import NAMES, check_output
from tests.conftest import EXAMPLES

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.main, list(args))
    return result.exit_code, result.output


def schema_of(name: str) -> dict:
    code, out = run("schema", name)
    assert code == 0, out
    doc = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(doc)  # a well-formed schema first
    return doc


def valid(name: str, doc) -> None:
    jsonschema.Draft202012Validator(schema_of(name), format_checker=jsonschema.FormatChecker()).validate(doc)
    if name not in ("profile", "ledger"):
        check_output(name, doc)


def as_json(path) -> dict:
    """A YAML profile as the same profile in JSON (dates and years as text)."""
    return json.loads(json.dumps(YAML(typ="safe").load(path.read_text(encoding="utf-8")), default=str))


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_profile_and_its_plan_are_valid(path):
    valid("profile", as_json(path))
    code, out = run("optimize", str(path), "--json", "--include-drafts")
    assert code == 0, out
    valid("optimize", json.loads(out))


def test_the_profile_schema_refuses_what_the_reader_refuses():
    doc = as_json(EXAMPLES / "pinggu-2025.yaml")
    checker = jsonschema.Draft202012Validator(schema_of("profile"))
    assert checker.is_valid(doc)
    for broken in ({**doc, "facts": {**doc["facts"], "distrct": "平谷区"}},  # a misspelt fact
                   {**doc, "facts": {**doc["facts"], "district": "平谷"}},  # not one of the enum's values
                   {**doc, "facts": {**doc["facts"], "manufacturer": "yes"}},  # a bool as text
                   {**doc, "items": [{"id": "enterprise", "kind": "vehicle_order"}]},  # the reserved id
                   {**doc, "items": [{"id": "x", "kind": "no_such_kind"}]}):
        assert not checker.is_valid(broken)


def test_ranges_explanations_audits_and_proofs_are_valid(tmp_path):
    code, out = run("optimize", str(EXAMPLES / "pinggu-city-2024-2027.yaml"), "--json", "--readings")
    plan = json.loads(out)
    assert code == 0 and plan["range"] is not None
    valid("optimize", plan)
    code, out = run("explain", str(EXAMPLES / "pinggu-2025.yaml"), "pinggu.第三条", "--json")
    assert code == 0
    valid("explain", json.loads(out))
    pinggu = json.loads(run("optimize", str(EXAMPLES / "pinggu-2025.yaml"), "--json")[1])
    valid("ledger", pinggu)  # the JSON optimize prints is itself a ledger
    ledger = tmp_path / "ledger.json"
    ledger.write_text(json.dumps(pinggu, ensure_ascii=False), encoding="utf-8")
    code, out = run("audit", str(EXAMPLES / "pinggu-2025.yaml"), str(ledger), "--json")
    assert code == 0
    valid("audit", json.loads(out))
    pinggu["payments"][0]["amount"] += 1000  # over 004 第三条's 125,000: FAIL
    ledger.write_text(json.dumps(pinggu, ensure_ascii=False), encoding="utf-8")
    code, out = run("audit", str(EXAMPLES / "pinggu-2025.yaml"), str(ledger), "--json")
    assert code == 1
    valid("audit", json.loads(out))
    # 004 第三条 pays up to 500万 a year: "at most 1万" is refuted by a counter-example
    code, out = run("prove", "at-most", "1万", "--policy", "pinggu", "--article", "第三条", "--years", "2025",
                    "--items", "1", "--json")
    assert code == 1
    refuted = json.loads(out)
    valid("prove", refuted)
    valid("profile", refuted["counterexample"])  # the counter-example is a profile
    code, out = run("prove", "at-most", "500万", "--policy", "pinggu", "--article", "第三条", "--years", "2025",
                    "--items", "1", "--json")
    assert code == 0
    valid("prove", json.loads(out))


def test_an_undocumented_key_is_caught():
    plan = json.loads(run("optimize", str(EXAMPLES / "pinggu-2025.yaml"), "--json")[1])
    with pytest.raises(Exception):
        check_output("optimize", {**plan, "surprise": 1})
    with pytest.raises(jsonschema.ValidationError):
        valid("optimize", {**plan, "total": "1755000"})


def test_every_name_has_a_schema():
    assert set(NAMES) == {"profile", "ledger", "optimize", "explain", "audit", "prove"}
    code, out = run("schema", "optimise")
    assert code == 2 and "optimize" in out
