"""Rules that extend the bundled ones: `--rules FILE` (and `check FILE`) read FILE beside the
bundled rules — a new district's policy is added, a file declaring a bundled policy's id replaces
that policy's file — and `--only-rules FILE` reads FILE alone. `subsidy new-policy` writes a
starting rule file that checks cleanly beside the bundled rules."""
from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

import cli
from solver import pipeline
from solver.check import POLICY_SETTINGS
from solver.resources import rules_dir

from .conftest import EXAMPLES, write_profile

#: A new district's policy, as an analyst writes it from the README (the bundled vocabulary's names).
SHUNYI = """
policy shunyi {
    title    "顺义区支持研发投入试行措施"
    level    district
    region   顺义区
    in_force 2024-01-01 to 2025-12-31
    status   in_force
    no_duplication 顺义区
}

condition applicability "第二条" {
    text "本措施适用于在顺义区注册登记的企业。"
    require district == 顺义区
}

clause rd "第三条" {
    text "按年度研发费用的10%给予支持，最高不超过100万元。"
    for enterprise each year
    pay 10% of rd_expense
    cap 100万 per payment
}
"""

#: A 顺义区 enterprise with 300万 of R&D in 2024 and a city award of 80万 it was granted in 2024.
PROFILE = {
    "enterprise": "顺义某企业",
    "years": 2024,
    "facts": {"district": "顺义区", "registered_in_beijing": True, "serious_dishonesty_3y": False,
              "rd_expense": {2024: "300万"}},
    "items": [{"id": "award", "kind": "city_award", "direction": "智能制造", "amount": "80万", "year": 2024,
               "status": "granted", "investment_project": False, "other_city_funds": False,
               "major_project": False}],
}


def run(*args):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def _shunyi(tmp_path):
    path = tmp_path / "shunyi.rules"
    path.write_text(SHUNYI, encoding="utf-8")
    return path


def test_checking_a_new_districts_file_reads_the_bundled_rules_beside_it(tmp_path):
    out = run("check", _shunyi(tmp_path), "--json")
    assert out.exit_code == 0, out.output
    # the five bundled policies and the new one, checked together
    assert json.loads(out.output)["policies"] == ["city2024", "fengtai", "pinggu", "shunyi", "tongzhou", "tongzhou_mfg"]
    alone = run("check", "--only-rules", _shunyi(tmp_path), "--json")
    assert alone.exit_code == 0 and json.loads(alone.output)["policies"] == ["shunyi"]


def test_optimize_with_rules_pays_the_new_clause_and_the_bundled_policies_still_apply(tmp_path):
    profile = write_profile(tmp_path, PROFILE)
    out = run("optimize", profile, "--rules", _shunyi(tmp_path), "--json")
    assert out.exit_code == 0, out.output
    paid = {(p["policy"], p["article"]): p["amount"] for p in json.loads(out.output)["payments"]}
    # shunyi 第三条: 10% × 300万 = 30万, under its 100万 ceiling; city2024 四(二)2: the granted
    # award's 80万 as notified. Together 110万.
    assert paid == {("shunyi", "第三条"): 300_000, ("city2024", "四(二)2"): 800_000}
    assert json.loads(out.output)["total"] == 1_100_000
    assert pipeline.optimize(str(profile), [str(_shunyi(tmp_path))]).total == 1_100_000  # the Python API alike
    alone = run("optimize", profile, "--only-rules", _shunyi(tmp_path), "--json")
    assert json.loads(alone.output)["total"] == 300_000  # the new policy alone: no city award
    assert pipeline.optimize(str(profile), [str(_shunyi(tmp_path))], bundled=False).total == 300_000
    both = run("optimize", profile, "--rules", _shunyi(tmp_path), "--only-rules", _shunyi(tmp_path))
    assert both.exit_code == 2 and "give one of the two" in both.output


def test_a_file_declaring_a_bundled_policy_replaces_it(tmp_path):
    # a copy of 004 in another folder (its text beside it) with 第三条's rate doubled: 0.5% -> 1%
    shutil.copytree(rules_dir() / "texts", tmp_path / "texts")
    text = (rules_dir() / "004_pinggu.rules").read_text(encoding="utf-8")
    assert text.count("pay 0.5% of increase(industrial_output)") == 1
    (tmp_path / "mine.rules").write_text(text.replace("pay 0.5% of increase(industrial_output)",
                                                      "pay 1% of increase(industrial_output)"), encoding="utf-8")
    example = str(EXAMPLES / "pinggu-2025.yaml")
    bundled = pipeline.optimize(example)
    out = run("optimize", example, "--rules", tmp_path / "mine.rules", "--json")
    assert out.exit_code == 0, out.output  # no 'policy pinggu is declared twice'
    result = json.loads(out.output)
    third = [p.amount for p in bundled.payments if p.article == "第三条" and p.policy == "pinggu"]
    # README's example total is 1,755,000 元, of which 第三条 pays 125,000 (0.5% of a 2500万
    # increase); at 1% it pays 250,000: the total is 125,000 more.
    assert bundled.total == 1_755_000 and third == [125_000]
    assert result["total"] == 1_755_000 + 125_000
    assert [p["amount"] for p in result["payments"] if p["article"] == "第三条"] == [250_000]


def test_new_policy_writes_a_file_that_checks_beside_the_bundled_rules(tmp_path):
    path = tmp_path / "shunyi.rules"
    out = run("new-policy", "shunyi", "--district", "顺义区", "--out", path)
    assert out.exit_code == 0, out.output
    text = path.read_text(encoding="utf-8")
    for key in POLICY_SETTINGS:  # every setting is there, the optional ones commented out
        assert f"    {key} " in text or f"    # {key} " in text, key
    checked = run("check", path, "--json")
    assert checked.exit_code == 0, checked.output
    assert "shunyi" in json.loads(checked.output)["policies"]
    ruleset = pipeline.load_rules([str(path)])
    assert [c.key for c in ruleset.clauses if c.policy == "shunyi"] == ["shunyi.example"]
    assert ruleset.policies["shunyi"].is_draft  # its example pays nothing until it is made in force
    again = run("new-policy", "shunyi", "--district", "顺义区", "--out", path)
    assert again.exit_code == 2 and "E315" in again.output  # never overwrites


def test_new_policy_refuses_an_unknown_district_a_bundled_id_and_a_bad_name():
    out = run("new-policy", "shunyi", "--district", "顺义")
    assert out.exit_code == 2 and "error[E963]" in out.output and "did you mean '顺义区'?" in out.output
    out = run("new-policy", "pinggu", "--district", "平谷区")
    assert out.exit_code == 2 and "error[E966]" in out.output
    out = run("new-policy", "3shunyi", "--district", "顺义区")
    assert out.exit_code == 2 and "error[E965]" in out.output
