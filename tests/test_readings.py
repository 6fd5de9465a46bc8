"""Readings with alternatives (README, "Readings with alternatives"): the language, the checker,
`--reading`, `--readings` (the range), `subsidy readings`, and computed vs discretionary figures.

The rule file below is a made-up district policy written like the articles it imitates, so that
every figure can be worked by hand here; the bundled policies' readings are tested beside their
articles (test_readings_tongzhou.py, test_readings_fengtai.py, test_readings_pinggu.py).
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import cli
from solver import pipeline
from solver.diagnostics import DiagnosticError
from solver.resources import rules_dir

from .conftest import pinggu, write_profile
from .test_bad_input import assert_diagnostic

POLICY = '''
policy trial {
    title    "试行措施"
    level    district
    region   平谷区
    in_force 2025-01-01 to 2027-12-31
    status   in_force
}

reading scope "第二条" {
    text "在本区依法合规开展经营活动的企业"
    alternative registered "在本区注册登记"
    alternative operating "在本区依法经营，注册地不限"
    default registered because "申报以注册地为准"
}

condition applicability "第二条" {
    text "本措施适用于在本区依法合规开展经营活动的企业。"
    when scope is registered { require district == 平谷区 }
    when scope is operating { require operates_in_district }
}

reading rd_amount "第三条" {
    text "按照研发投入情况，每年给予最高300万元支持"
    alternative within_rd "每年最高300万元，且不超过当年研发费用"
    alternative flat "有研发费用的年份每年最高300万元，与投入多少无关"
    default within_rd because "“按照研发投入情况”把金额与投入挂钩"
}

clause rd "第三条" {
    text "按照研发投入情况，每年给予最高300万元支持。"
    for enterprise each year
    require rd_expense > 0元
    when rd_amount is within_rd { pay up to min(rd_expense, 300万) }
    when rd_amount is flat { pay up to 300万 }
}

reading share "第四条" {
    text "按产值增量的0.5%给予支持，增速达到10%的按1%"
    alternative half "增量的0.5%"
    alternative one "增速达到10%的，增量的1%"
    default half because "1%档须另有认定"
}

clause growth "第四条" {
    text "按产值增量的0.5%给予支持，最高不超过500万元。"
    for enterprise each year
    require growth(industrial_output) >= 5%
    when share in {half} { pay 0.5% of increase(industrial_output) }
    when share is one { pay 1% of increase(industrial_output) }
    cap 500万 per payment
}
'''


@pytest.fixture
def trial(tmp_path):
    """(rules, profile path): the vocabulary and the trial policy; an enterprise registered in
    平谷区 with R&D expense of 120万 in 2025 and output growing from 1亿 to 1.2亿 (20%)."""
    (tmp_path / "trial.rules").write_text(POLICY, encoding="utf-8")
    rules = [str(rules_dir() / "vocabulary.rules"), str(tmp_path / "trial.rules")]
    profile = write_profile(tmp_path, pinggu({"rd_expense": {2025: "120万"},
                                              "industrial_output": {2024: "1亿", 2025: "1.2亿"}}))
    return rules, str(profile)


def test_default_readings_and_the_two_kinds(trial):
    rules, profile = trial
    r = pipeline.optimize(profile, rules, bundled=False)
    by_article = {p.article: p for p in r.payments}
    # 第三条 within_rd: up to min(120万, 300万) = 120万, a ceiling with no formula: discretionary
    assert (by_article["第三条"].amount, by_article["第三条"].kind) == (1_200_000, "discretionary")
    # 第四条 half: 0.5% × (1.2亿 − 1亿) = 0.5% × 2000万 = 10万, the text's formula: computed
    assert (by_article["第四条"].amount, by_article["第四条"].kind) == (100_000, "computed")
    assert (r.total, r.computed_total, r.discretionary_total) == (1_300_000, 100_000, 1_200_000)
    # each payment rests on its clause's reading and on the policy condition's reading (第二条)
    assert by_article["第三条"].readings_used == ("trial.rd_amount", "trial.scope")
    assert by_article["第四条"].readings_used == ("trial.scope", "trial.share")
    assert {k: (a, d) for k, a, d in r.readings_in_effect} == {
        "trial.rd_amount": ("within_rd", True), "trial.scope": ("registered", True), "trial.share": ("half", True)}


def test_each_alternative_computes_what_it_says(trial):
    rules, profile = trial
    # 第三条 flat: up to 300万 in a year with R&D expense, whatever its size; 第四条 unchanged 10万
    assert pipeline.optimize(profile, rules, readings=["trial.rd_amount=flat"], bundled=False).total == 3_100_000
    # 第四条 one: 1% × 2000万 = 20万; 第三条 unchanged 120万 (the bare name works: one policy declares it)
    assert pipeline.optimize(profile, rules, readings=["share=one"], bundled=False).total == 1_400_000


def test_a_reading_of_a_condition(trial, tmp_path):
    rules, _ = trial
    elsewhere = write_profile(tmp_path, pinggu({"district": "丰台区", "rd_expense": {2025: "120万"},
                                                "industrial_output": {2024: "1亿", 2025: "1.2亿"}}), "fengtai.yaml")
    # 第二条 registered: registered in 丰台区, not 平谷区: nothing
    assert pipeline.optimize(str(elsewhere), rules, bundled=False).total == 0
    # 第二条 operating: it operates in the district (operates_in_district: true): 120万 + 10万
    assert pipeline.optimize(str(elsewhere), rules, readings=["trial.scope=operating"], bundled=False).total == 1_300_000


def test_the_range_over_the_readings(trial):
    rules, profile = trial
    rng = pipeline.optimize(profile, rules, with_range=True, bundled=False).range
    # default: 120万 + 10万; conservative: each reading at the alternative that paid least when
    # flipped alone — every default here (flat pays 300万 > 120万, one pays 20万 > 10万, and
    # operating pays as much as registered for an enterprise registered and operating in 平谷区);
    # generous: flat and one together, 300万 + 20万
    assert (rng["default"]["total"], rng["conservative"]["total"], rng["generous"]["total"]) == \
        (1_300_000, 1_300_000, 3_200_000)
    assert rng["generous"]["readings"] == {"trial.rd_amount": "flat", "trial.share": "one"}
    assert {f["reading"]: f["change"] for f in rng["flips"]} == {
        "trial.rd_amount": 1_800_000, "trial.share": 100_000, "trial.scope": 0}
    assert rng["ask_the_bureau"] == ["trial.rd_amount", "trial.share"]  # largest first
    assert all(rng[k]["status"] == "optimal" for k in ("default", "conservative", "generous"))


def test_a_chosen_reading_is_shown_beside_the_default(trial):
    rules, profile = trial
    rng = pipeline.optimize(profile, rules, readings=["trial.rd_amount=flat"], with_range=True, bundled=False).range
    # as chosen: 300万 + 10万; the default figure is still the defaults' 130万
    assert (rng["chosen"]["total"], rng["default"]["total"]) == (3_100_000, 1_300_000)
    # flipped back to within_rd alone: 120万 + 10万, 180万 less
    assert {f["reading"]: f["change"] for f in rng["flips"]}["trial.rd_amount"] == -1_800_000
    assert rng["conservative"]["total"] == 1_300_000


def run(*args):
    result = CliRunner().invoke(cli.main, list(args))
    assert "Traceback" not in result.output
    return result


def test_json_keys_sum_and_name_the_readings(trial):
    rules, profile = trial
    out = run("optimize", profile, "--only-rules", rules[0], "--only-rules", rules[1], "--json", "--readings")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["computed_total"] + data["discretionary_total"] == data["total"] == 1_300_000
    assert {p["article"]: (p["kind"], p["readings_used"]) for p in data["payments"]} == {
        "第三条": ("discretionary", ["trial.rd_amount", "trial.scope"]),
        "第四条": ("computed", ["trial.scope", "trial.share"])}
    assert set(data["range"]) >= {"default", "conservative", "generous", "flips", "ask_the_bureau"}


def test_terminal_output_names_kinds_readings_and_whom_to_ask(trial):
    rules, profile = trial
    out = run("optimize", profile, "--only-rules", rules[0], "--only-rules", rules[1], "--readings")
    assert out.exit_code == 0, out.output
    assert "computed: 100,000 元" in out.output and "discretionary (up to): 1,200,000 元" in out.output
    assert "trial.rd_amount = within_rd" in out.output
    assert "trial.rd_amount (第三条) = flat: +1,800,000 元" in out.output


def test_subsidy_readings_lists_every_alternative(trial):
    rules, _ = trial
    out = run("readings", "--only-rules", rules[0], "--only-rules", rules[1], "--json")
    assert out.exit_code == 0, out.output
    listed = {r["reading"]: r for r in json.loads(out.output)["readings"]}
    assert set(listed) == {"trial.scope", "trial.rd_amount", "trial.share"}
    assert listed["trial.rd_amount"]["default"] == "within_rd"
    assert [a["name"] for a in listed["trial.rd_amount"]["alternatives"]] == ["within_rd", "flat"]
    assert listed["trial.scope"]["shapes"] == ["condition trial.applicability"]
    text = run("readings", "--only-rules", rules[0], "--only-rules", rules[1])
    assert "* within_rd" in text.output and "3 reading(s)" in text.output


@pytest.mark.parametrize("choice, code, hint", [
    ("trial.rd_amount=flatt", "E312", "did you mean 'flat'?"),
    ("trial.rd_amont=flat", "E311", "did you mean 'trial.rd_amount'?"),
    ("rd_amount", "E310", "ID=ALTERNATIVE"),
])
def test_a_wrong_reading_option_is_exit_2_with_the_nearest(trial, choice, code, hint):
    rules, profile = trial
    out = run("optimize", profile, "--only-rules", rules[0], "--only-rules", rules[1], "--reading", choice)
    assert out.exit_code == 2
    assert f"error[{code}]" in out.output and hint in out.output, out.output


MISTAKES = [
    # (old, new, needle on the reported line, code, help)
    ("when rd_amount is flat {", "when rd_amount is flatt {", "flatt", "E260", "did you mean 'flat'?"),
    ("when share is one {", "when shares is one {", "when shares", "E267", "did you mean 'share'?"),
    ("default half because", "default halve because", "default halve", "E260", "did you mean 'half'?"),
    ('    alternative one "增速达到10%的，增量的1%"\n', "", "reading share", "E263", "at least two"),
    ('    default half because "1%档须另有认定"\n', "", "reading share", "E264", "default ALTERNATIVE"),
    ("    when share is one { pay 1% of increase(industrial_output) }\n",
     "    when share is one { pay 1% of increase(industrial_output) }\n    pay 10万\n",
     "when share in {half}", "E130", "given twice"),
]


@pytest.mark.parametrize("old, new, needle, code, help_text", MISTAKES)
def test_reading_mistakes_are_located(tmp_path, old, new, needle, code, help_text):
    assert old in POLICY
    text = POLICY.replace(old, new, 1)
    path = tmp_path / "trial.rules"
    path.write_text(text, encoding="utf-8")
    out = run("check", str(rules_dir() / "vocabulary.rules"), str(path))
    assert out.exit_code == 1
    line = next(i for i, l in enumerate(text.splitlines(), 1) if needle in l)
    assert_diagnostic(out.output, "trial.rules", line, code, help_text)


def test_a_reading_no_clause_uses_is_an_error(tmp_path):
    text = POLICY + '''
reading unused "第五条" {
    text "……"
    alternative a "甲"
    alternative b "乙"
    default a because "……"
}
'''
    path = tmp_path / "trial.rules"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DiagnosticError) as err:
        pipeline.load_rules([str(rules_dir() / "vocabulary.rules"), str(path)], bundled=False)
    assert [d.code for d in err.value.diagnostics] == ["E265"]


def test_every_variant_is_checked(tmp_path):
    # a mistake under the non-default alternative only is still found
    text = POLICY.replace("when rd_amount is flat { pay up to 300万 }", "when rd_amount is flat { pay up to rd_expens }")
    path = tmp_path / "trial.rules"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DiagnosticError) as err:
        pipeline.load_rules([str(rules_dir() / "vocabulary.rules"), str(path)], bundled=False)
    assert [d.code for d in err.value.diagnostics] == ["E172"]


def test_the_readme_lists_the_readings_of_the_bundled_rules():
    # README "Readings taken" is `subsidy readings --markdown` of the bundled rules: it cannot drift
    from solver.render import format_readings_markdown

    from .conftest import ROOT
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- readings:start -->\n", 1)[1].split("<!-- readings:end -->", 1)[0]
    assert block == format_readings_markdown(pipeline.readings()), \
        "README's readings differ from the rule files: regenerate with `subsidy readings --markdown`"


def test_explain_names_the_reading_and_pays_what_it_says(trial):
    rules, profile = trial
    out = run("explain", profile, "trial.第三条", "--only-rules", rules[0], "--only-rules", rules[1],
              "--reading", "trial.rd_amount=flat")
    assert out.exit_code == 0, out.output
    # flat: up to 300万 in a year with R&D expense
    assert "read as trial.rd_amount = flat (chosen with --reading)" in out.output
    assert "Paid 3,000,000 元" in out.output


def test_check_deep_reads_the_chosen_alternatives(trial):
    rules, _ = trial
    out = run("check", "--only-rules", rules[0], "--only-rules", rules[1], "--deep", "--reading", "trial.rd_amount=flat")
    assert out.exit_code == 0 and "finding(s)" in out.output, out.output
    assert run("check", "--only-rules", rules[0], "--only-rules", rules[1], "--reading", "trial.rd_amount=flat").exit_code == 2
    assert run("check", "--only-rules", rules[0], "--only-rules", rules[1], "--deep", "--reading", "trial.rd_amount=flatt").exit_code == 2


def test_a_new_policy_file_alone_is_checked_with_the_bundled_vocabulary(tmp_path):
    # an analyst's new district file names facts of the bundled vocabulary without naming it
    (tmp_path / "shunyi.rules").write_text(POLICY.replace("policy trial", "policy shunyi").replace("平谷区", "顺义区"),
                                           encoding="utf-8")
    out = run("check", str(tmp_path / "shunyi.rules"))
    assert out.exit_code == 0 and "shunyi" in out.output, out.output
    where = run("rules", "path")
    assert where.exit_code == 0
    from pathlib import Path
    assert (Path(where.output.strip()) / "vocabulary.rules").is_file()
