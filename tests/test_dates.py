"""Time by dates: a policy pays an item's event (a title awarded, an approval, a contract) only if
the event's date falls while it is in force; in a year it is in force on some days only, an
undated event is not paid (its date is asked for); a year's figures are paid as the policy's
validity reading says (`year_claims`).

A made-up district policy with 004's dates (第二十一条: from 2025-08-29, two years: to 2027-08-28),
so that every figure is worked by hand here.
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner

import cli
from solver import pipeline
from solver.resources import rules_dir

from .conftest import pinggu, write_profile

RULES = '''
policy trial {
    title    "试行措施"
    level    district
    region   平谷区
    in_force 2025-08-29 to 2027-08-28
    status   in_force
    when validity is claimed_in_force { year_claims while_in_force }
    when validity is any_day { year_claims any_day }
}

reading validity "第二十一条" {
    text "本措施自发布之日起施行，有效期2年"
    alternative claimed_in_force "一年的数据在次年申报时措施仍有效才支持：2027年的数据于2028年申报，措施已失效"
    alternative any_day "措施在某年任何一天有效，该年的数据即可支持"
    default claimed_in_force because "有效期届满后申报的年度数据没有依据"
}

clause growth "第三条" {
    text "按全年产值增量的0.5%给予支持。"
    for enterprise each year
    require growth(industrial_output) >= 5%
    pay 0.5% of increase(industrial_output)
}

clause lighthouse "第六条" {
    text "对新获评世界经济论坛“灯塔工厂”的企业，给予不超过200万元奖励。"
    for item smart_factory_title once
    require item.level == 灯塔工厂
    pay up to 200万
}
'''

OUTPUT = {2024: "1亿", 2025: "1.1亿", 2026: "1.2亿", 2027: "1.3亿"}


@pytest.fixture
def trial(tmp_path):
    (tmp_path / "trial.rules").write_text(RULES, encoding="utf-8")
    rules = [str(rules_dir() / "vocabulary.rules"), str(tmp_path / "trial.rules")]

    def solve(items=(), facts=None, years="2025-2027", readings=None, name="p.yaml"):
        data = pinggu(facts or {}, list(items), years)
        return pipeline.optimize(str(write_profile(tmp_path, data, name)), rules, readings=readings, bundled=False)
    return rules, solve


def title(year: int, date: str | None = None) -> dict:
    t = {"id": "灯塔工厂", "kind": "smart_factory_title", "level": "灯塔工厂", "year": year}
    if date:
        t["date"] = date
    return t


@pytest.mark.parametrize("year, date, paid, kind", [
    (2025, "2025-10-15", 2_000_000, None),        # after 2025-08-29: in force, up to 200万
    (2025, "2025-06-01", 0, "out_of_force"),      # before the measures were issued
    (2025, None, 0, "missing"),                   # 2025 is in force from 08-29 only: the date is asked for
    (2026, None, 2_000_000, None),                # in force all of 2026: no date needed
    (2027, "2027-05-20", 2_000_000, None),        # before 2027-08-28
    (2027, "2027-11-05", 0, "out_of_force"),      # after the measures expired
])
def test_an_event_is_paid_when_its_date_falls_in_force(trial, year, date, paid, kind):
    _, solve = trial
    r = solve([title(year, date)])
    assert r.total == paid
    if kind:
        assert any(n.item == "灯塔工厂" and n.kind == kind for n in r.not_taken), r.not_taken


def test_a_years_figures_are_paid_while_claimable(trial):
    _, solve = trial
    # 第三条: increments 1000万 a year (11%, 9.1%, 8.3% growth, each ≥ 5%): 0.5% = 5万 a year.
    # claimed_in_force (default): 2025's figures are claimed in 2026 and 2026's in 2027, while in
    # force; 2027's in 2028, after 2027-08-28: 5万 + 5万
    r = solve(facts={"industrial_output": OUTPUT})
    assert r.total == 100_000
    assert [p.year for p in r.payments] == [2025, 2026]
    # any_day: 2027 is in force on some days: 5万 × 3
    assert solve(facts={"industrial_output": OUTPUT}, readings=["validity=any_day"], name="q.yaml").total == 150_000


def test_the_validity_reading_is_named_beside_every_figure(trial):
    _, solve = trial
    r = solve([title(2026)], facts={"industrial_output": OUTPUT})
    assert all(p.readings_used == ("trial.validity",) for p in r.payments)


def test_a_date_outside_its_items_year_is_located(trial, tmp_path):
    rules, _ = trial
    path = write_profile(tmp_path, pinggu(items=[title(2026, "2025-10-15")], years=2026), "bad.yaml")
    out = CliRunner().invoke(cli.main, ["optimize", str(path), "--only-rules", rules[0], "--only-rules", rules[1]])
    assert out.exit_code == 2 and "error[E227]" in out.output and "not in its year 2026" in out.output, out.output
