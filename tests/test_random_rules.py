"""The optimizer against the enumeration oracle (solver/oracle.py) on small random rule sets:
one or two 平谷区 policies with one to three clauses each, drawn from the shapes the bundled
rules use — a rate of an order's yearly amount (each year, once, or in one run of consecutive
years), a rate of the enterprise's output each year, a fixed amount for a title — with random
rates, thresholds, per-payment caps, at most one shared cap per clause (per item, per
enterprise-year or per enterprise), rounding, and 从优不重复 between the policies or not. Every
generated rule set must pass the checker; then, for a random enterprise, the proven optimum
must equal the best enumerated total, and the plan's payments the evaluator's for its choice."""
from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from solver.check import check
from solver.ground import ground
from solver.optimize import PlanError, optimize, violations
from solver.oracle import TooLarge, best_by_enumeration, total_of
from solver.parse import parse_text
from solver.profile import Item, Profile

from .conftest import assert_bounds_hold, assert_encodings_admit

YEARS = (2024, 2025, 2026)

VOCAB = """
vocabulary {
    enum district { 平谷区, 通州区, 京外 }
    enum grade { 一级, 二级 }
    fact district: district "注册登记所在区"
    fact output: money per year "年度产值"
    kind order "订单" {
        field executed: money per year "年度执行额"
    }
    kind title "称号" {
        field level: grade "等级"
        field year: year "获评年份"
    }
}
"""

NUMERALS = "一二三四五六七八九"
wan = st.sampled_from([10, 20, 30, 50, 80, 120, 200, 300])


@st.composite
def clause(draw, n: int) -> str:
    shape = draw(st.sampled_from(["order", "order", "order", "output", "title"]))
    lines = [f'clause c{n} "第{NUMERALS[n]}条" {{', f'    text "generated clause {n}"']
    if shape == "order":
        timing = draw(st.sampled_from(["each year", "once", "consecutive years at most 1",
                                       "consecutive years at most 2", "consecutive years at most 3"]))
        lines += [f"    for item order {timing}",
                  f"    require item.executed > {draw(st.sampled_from([0, 0, 100, 500]))}万",
                  f"    pay {draw(st.sampled_from([1, 2, 5, 10]))}% of item.executed"]
        shared = ["item", "enterprise_year", "enterprise"]
    elif shape == "output":
        lines += ["    for enterprise each year",
                  f"    require output >= {draw(st.sampled_from([0, 5000, 10000]))}万",
                  f"    pay {draw(st.sampled_from(['0.1', '0.5', '1']))}% of output"]
        shared = ["enterprise"]
    else:
        level = draw(st.sampled_from(["item.level == 一级", "item.level in {一级, 二级}"]))
        lines += ["    for item title once", f"    require {level}", f"    pay up to {draw(wan)}万"]
        shared = ["enterprise_year", "enterprise"]
    if draw(st.booleans()):
        lines.append(f"    cap {draw(wan)}万 per payment")
    if draw(st.integers(0, 3)):  # a shared cap in three clauses of four: where plans differ
        lines.append(f"    cap {draw(wan)}万 per {draw(st.sampled_from(shared))}")
    return "\n".join(lines + ["}"])


@st.composite
def policy(draw, name: str, shared_group: bool) -> str:
    settings_ = [f'    title "随机政策 {name}"', "    level district", "    region 平谷区",
                 "    in_force 2024-01-01 to 2026-12-31", "    status in_force"]
    if draw(st.booleans()):
        settings_.append("    rounding round down to 1000元 minimum 1万")
    if shared_group:
        settings_.append("    no_duplication 平谷区")
    clauses = [draw(clause(n)) for n in range(draw(st.integers(1, 3)))]
    return "\n".join([f"policy {name} {{", *settings_, "}", *clauses]) + "\n"


@st.composite
def rule_sets(draw):
    shared = draw(st.sampled_from([True, True, False]))
    texts = [draw(policy("p1", shared))]
    if draw(st.integers(0, 2)):
        texts.append(draw(policy("p2", shared)))
    return texts


money = st.integers(min_value=0, max_value=300_000_000)


@st.composite
def enterprises(draw) -> Profile:
    output = {y: draw(money) for y in (2023,) + YEARS if draw(st.integers(0, 5))}  # a year may be missing
    items = []
    for n in range(draw(st.integers(1, 3))):
        years = draw(st.lists(st.sampled_from(YEARS), min_size=1, max_size=3, unique=True))
        items.append(Item(f"o{n}", "order", {"executed": {y: draw(st.integers(1_000_000, 80_000_000)) for y in years}}, None))
    for n in range(draw(st.integers(0, 2))):
        items.append(Item(f"t{n}", "title", {"level": draw(st.sampled_from(["一级", "二级"])),
                                               "year": draw(st.sampled_from(YEARS))}, None))
    return Profile("generated", "generated", {"district": "平谷区", "output": output}, tuple(items), YEARS, {})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(rule_sets(), enterprises())
def test_optimizer_equals_enumeration_on_random_rules(texts, profile):
    ruleset = check([parse_text(VOCAB, "vocabulary.rules")]
                    + [parse_text(t, f"p{n}.rules") for n, t in enumerate(texts, 1)])
    g = ground(ruleset, profile, YEARS, include_drafts=False)
    try:
        best = best_by_enumeration(g)
    except TooLarge:  # a shape the oracle does not enumerate (e.g. a payment under two shared ceilings)
        assume(False)
    try:
        plan = optimize(g)
    except PlanError as err:  # nothing here is granted, so no profile can contradict the rules
        raise AssertionError(f"no plan for generated rules: {err}") from None
    assert plan.status == "optimal"
    assert violations(g, plan.amounts) == []
    assert plan.total == best
    assert plan.total == total_of(g, set(plan.amounts))
    assert_bounds_hold(g, plan)
    assert_encodings_admit(g, plan)
