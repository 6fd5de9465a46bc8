"""Items that name other items (a field of type `item`): `matter item.FIELD` (a loan is about the
project it finances: 同一项目, 从优不重复) and `difference from item.FIELD` (晋级享受差额支持: a
promoted title and the lower level it was promoted from share the higher level's amount).

A made-up district policy imitating 000 第七条、第九条、第十条 and 第十八条, so that every figure
is worked by hand here; the bundled 000's use of both is tested in test_tongzhou_articles.py.
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner

import cli
from solver import pipeline
from solver.resources import rules_dir

from .conftest import pinggu, write_profile

RULES = '''
vocabulary {
    enum trial_level { 低级, 高级 }
    kind trial_title "称号" {
        field level: trial_level "等级"
        field promoted_from: item "晋级前的较低等级称号（若在本档案中）"
        field previous_support: money "本次规划之前较低等级已获支持的金额"
        field year: year "获评年份"
    }
    kind trial_project "项目" {
        field investment: money "投资额"
        field year: year "年份"
    }
    kind trial_loan "贷款" {
        field interest: money "利息"
        field finances: item "贷款所投项目"
        field year: year "年份"
    }
}

policy trial {
    title    "试行细则"
    level    district
    region   平谷区
    in_force 2025-01-01 to 2027-12-31
    status   in_force
    no_duplication 平谷区
}

clause titles "第七条" {
    text "获得低级称号的给予最高50万元支持，获得高级称号的给予最高300万元支持。晋级享受差额支持。"
    for item trial_title once
    pay up to (if item.level == 高级 then 300万 else 50万) - item.previous_support
    difference from item.promoted_from
}

clause projects "第九条" {
    text "按项目投资额的10%给予支持。"
    for item trial_project once
    pay 10% of item.investment
}

clause loans "第十条" {
    text "按照不超过实际利息发生额给予贴息支持。"
    for item trial_loan once
    pay up to item.interest
    matter item.finances
}
'''


@pytest.fixture
def trial(tmp_path):
    (tmp_path / "trial.rules").write_text(RULES, encoding="utf-8")
    rules = [str(rules_dir() / "vocabulary.rules"), str(tmp_path / "trial.rules")]

    def solve(items, name="profile.yaml"):
        path = write_profile(tmp_path, pinggu(items=items, years="2025-2026"), name)
        return pipeline.optimize(str(path), rules, bundled=False)
    return rules, solve


LOW = {"id": "低级称号", "kind": "trial_title", "level": "低级", "previous_support": "0元", "year": 2025}


def test_a_promotion_pays_the_difference_to_what_the_plan_paid_the_lower_level(trial):
    _, solve = trial
    high = {"id": "高级称号", "kind": "trial_title", "level": "高级", "previous_support": "0元", "year": 2026,
            "promoted_from": "低级称号"}
    # 第七条: 低级 in 2025 up to 50万; promoted to 高级 in 2026: "晋级享受差额支持", 300万 − 50万 = 250万;
    # together at most the higher level's 300万
    r = solve([LOW, high])
    assert r.total == 3_000_000
    assert {p.item: p.amount for p in r.payments} == {"低级称号": 500_000, "高级称号": 2_500_000}
    # without the link they are two unrelated titles: 50万 + 300万
    unlinked = dict(high)
    del unlinked["promoted_from"]
    assert solve([LOW, unlinked], "unlinked.yaml").total == 3_500_000


def test_support_received_before_the_plan_is_subtracted(trial):
    _, solve = trial
    # the lower level was paid 50万 before the planned years (not an item here): 300万 − 50万 = 250万
    high = {"id": "高级称号", "kind": "trial_title", "level": "高级", "previous_support": "50万", "year": 2026}
    assert solve([high]).total == 2_500_000


def test_a_title_with_no_previous_support_stated_is_not_paid(trial):
    _, solve = trial
    # no default may raise a payment: previous_support is asked for, never assumed 0
    high = {"id": "高级称号", "kind": "trial_title", "level": "高级", "year": 2026}
    r = solve([high])
    assert r.total == 0
    assert any(n.kind == "missing" and "previous_support" in n.reason for n in r.not_taken)


def test_a_loan_and_the_project_it_finances_are_one_matter(trial):
    _, solve = trial
    project = {"id": "技改项目", "kind": "trial_project", "investment": "1000万", "year": 2025}
    loan = {"id": "项目贷款", "kind": "trial_loan", "interest": "30万", "finances": "技改项目", "year": 2025}
    # 第九条 10% × 1000万 = 100万; 第十条 up to 30万 of interest; 第十八条-like 从优不重复 on 同一项目:
    # one clause for the project, the higher: 100万
    r = solve([project, loan])
    assert r.total == 1_000_000
    assert [p.item for p in r.payments] == ["技改项目"]
    assert any(n.item == "项目贷款" and n.kind == "dominated" for n in r.not_taken)
    # a loan financing something else stacks: 100万 + 30万
    other = {k: v for k, v in loan.items() if k != "finances"}
    assert solve([project, other], "other.yaml").total == 1_300_000


@pytest.mark.parametrize("target, message, hint", [
    ("低级稱号", "names no item of the profile", "did you mean '低级称号'?"),
    ("高级称号", "names the item itself", None),
])
def test_a_link_to_no_item_or_to_itself_is_located(trial, tmp_path, target, message, hint):
    rules, _ = trial
    high = {"id": "高级称号", "kind": "trial_title", "level": "高级", "previous_support": "0元", "year": 2026,
            "promoted_from": target}
    path = write_profile(tmp_path, pinggu(items=[LOW, high], years=2026), "bad.yaml")
    out = CliRunner().invoke(cli.main, ["optimize", str(path), "--only-rules", rules[0], "--only-rules", rules[1]])
    assert out.exit_code == 2
    assert "error[E226]" in out.output and message in out.output, out.output
    assert hint is None or hint in out.output


def test_a_cycle_of_links_is_refused(trial, tmp_path):
    rules, _ = trial
    a = dict(LOW, promoted_from="高级称号")
    b = {"id": "高级称号", "kind": "trial_title", "level": "高级", "previous_support": "0元", "year": 2026,
         "promoted_from": "低级称号"}
    path = write_profile(tmp_path, pinggu(items=[a, b], years=2026), "cycle.yaml")
    out = CliRunner().invoke(cli.main, ["optimize", str(path), "--only-rules", rules[0], "--only-rules", rules[1]])
    assert out.exit_code == 2 and out.output.count("error[E226]") == 2, out.output


def test_matter_on_an_item_clause_must_name_a_link(tmp_path):
    text = RULES.replace("matter item.finances", "matter item.interest")
    (tmp_path / "trial.rules").write_text(text, encoding="utf-8")
    out = CliRunner().invoke(cli.main, ["check", str(rules_dir() / "vocabulary.rules"), str(tmp_path / "trial.rules")])
    assert out.exit_code == 1
    assert "error[E144]" in out.output and "did you mean 'item.finances'?" in out.output, out.output
