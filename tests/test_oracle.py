"""The optimizer against an evaluator independent of Z3 (solver/oracle.py): on 300 small
generated enterprises, the proven optimum equals the best total found by enumerating every
combination of choices, and the plan's own payments add up to the evaluator's total for the
same choices."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.ground import ground
from solver.optimize import optimize
from solver.oracle import TooLarge, _group_best, best_by_enumeration, total_of
from solver.profile import Item, Profile

from .conftest import EXAMPLES, assert_bounds_hold, assert_proofs_hold, assert_encodings_admit
from .test_properties import BASE, RULES

YEARS = (2024, 2025, 2026, 2027)
money = st.integers(min_value=0, max_value=800_000_000)


@st.composite
def small_enterprises(draw) -> Profile:
    yearly = st.dictionaries(st.sampled_from((2023,) + YEARS), money, max_size=5)
    facts = dict(BASE, industrial_output=draw(yearly), rd_expense=draw(yearly),
                 industrial_output_record=draw(money), rd_expense_record=draw(money))
    items = []
    for n in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["vehicle_order", "vehicle_order", "kitchen_order"]))
        years = draw(st.lists(st.sampled_from(YEARS), min_size=2, max_size=4, unique=True))
        executed = {y: draw(st.integers(10_000_000, 800_000_000)) for y in years}
        fields = {"new": True, "executed": executed}
        if kind == "kitchen_order":
            fields["to_pinggu_unaffiliated"] = draw(st.booleans())
        items.append(Item(f"o{n}", kind, fields, None))
    for n in range(draw(st.integers(0, 3))):
        items.append(Item(f"a{n}", "city_award", {
            "direction": draw(st.sampled_from(["首台套", "并购重组"])), "amount": draw(st.integers(0, 30_000_000)),
            "year": 2024, "status": draw(st.sampled_from(["candidate", "candidate", "granted"])),
            "investment_project": False, "other_city_funds": False, "major_project": draw(st.booleans())}, None))
    if draw(st.booleans()):
        items.append(Item("f", "smart_factory_title", {"level": draw(st.sampled_from(["先进级", "灯塔工厂"])),
                                                       "year": draw(st.sampled_from(YEARS))}, None))
    return Profile("generated", "generated", facts, tuple(items), YEARS, {})


def test_group_best_takes_the_best_number_of_payments():
    # a 25000 ceiling over two payments of up to 20000, each at least 10000: 15000 + 10000.
    assert _group_best([20_000, 20_000], 25_000, 1000, 10_000) == 25_000
    # a 15000 ceiling: two payments of 10000 do not fit; one of 15000 does.
    assert _group_best([20_000, 20_000], 15_000, 1000, 10_000) == 15_000


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_enterprises())
def test_optimizer_equals_enumeration(profile):
    assert_optimum_is_enumerated_best(ground(RULES, profile, YEARS, include_drafts=False))


def assert_optimum_is_enumerated_best(g) -> None:
    """The proven optimum equals the best enumerated total, its payments add up, and every
    part's bound holds; where granted payments contradict the rules, both refuse."""
    from solver.optimize import PlanError
    try:
        plan = optimize(g)
    except PlanError:  # e.g. two granted awards in two directions: the oracle must find no plan either
        try:
            best_by_enumeration(g)
        except TooLarge:
            return
        raise AssertionError("the oracle found a plan the optimizer called contradictory") from None
    assert plan.status == "optimal"
    assert plan.total == best_by_enumeration(g)
    assert plan.total == total_of(g, set(plan.amounts))
    assert_bounds_hold(g, plan)
    assert_encodings_admit(g, plan)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_enterprises(), st.sampled_from(["none", "nothing"]))
def test_optimizer_reaches_the_optimum_without_a_good_proposal(profile, start):
    # The proposal is only a starting point. With no proposal (Z3 Optimize searches) or a plan
    # that pays nothing (Z3 must hand back better plans until none exists), the proven optimum
    # is still the enumerated best.
    from unittest import mock

    from solver.optimize import PlanError
    from solver.propose import Proposal
    g = ground(RULES, profile, YEARS, include_drafts=False)
    # (`proposed` also gives the part's bound where it worked it out: none here)
    poor = (lambda g, scope, weight: (None, None)) if start == "none" else \
        (lambda g, scope, weight: (Proposal({}, 0, 0), None))
    with mock.patch("solver.optimize.proposed", poor):
        try:
            plan = optimize(g)
        except PlanError:  # contradictory granted awards: the oracle finds no plan either
            with pytest.raises(TooLarge):
                best_by_enumeration(g)
            return
    assert plan.status == "optimal"
    assert plan.total == best_by_enumeration(g)
    assert plan.total == total_of(g, set(plan.amounts))
    assert_bounds_hold(g, plan)
    assert_encodings_admit(g, plan)
    assert_proofs_hold(plan.proofs)  # Optimize's and the climbs' proofs, part by part


def test_a_proposal_that_breaks_the_rules_is_never_certified():
    # Two granted 2024 city awards in two directions (002 四(二)2: one direction a year) leave
    # no legal plan. A proposal paying nothing is no legal plan either, and "no plan pays more"
    # would hold vacuously over contradictory rules: the optimizer must refuse, not certify it.
    from unittest import mock

    from solver.optimize import PlanError
    from solver.propose import Proposal
    award = {"amount": 1, "year": 2024, "status": "granted", "investment_project": False,
             "other_city_funds": False, "major_project": False}
    items = (Item("a0", "city_award", dict(award, direction="首台套"), None),
             Item("a1", "city_award", dict(award, direction="并购重组"), None))
    profile = Profile("generated", "generated", dict(BASE, industrial_output={}, rd_expense={}), items, YEARS, {})
    g = ground(RULES, profile, YEARS, include_drafts=False)
    with mock.patch("solver.optimize.proposed", lambda g, scope, weight: (Proposal({}, 0, 0), None)):
        with pytest.raises(PlanError):
            optimize(g)
    with pytest.raises(PlanError):
        optimize(g)


TONGZHOU_YEARS = (2024, 2025)


@st.composite
def tongzhou_city_awards(draw) -> Profile:
    """The 通州 enterprise of examples/tongzhou-city-direction.yaml with 1–4 random 2024 city
    awards: 002 四(二)2's one direction a year, and 000's matching (第五条 first use, 第十一条
    mergers) on the awards the plan takes, in their claim year."""
    from solver.profile import load_profile
    base = load_profile(str(EXAMPLES / "tongzhou-city-direction.yaml"), RULES.vocab)
    items = []
    for n in range(draw(st.integers(1, 4))):
        items.append(Item(f"a{n}", "city_award", {
            "direction": draw(st.sampled_from(["首台套", "并购重组", "产业筑基"])),
            "programme": draw(st.sampled_from(["首台套", "首批次", "新材料首批次", "并购重组", "产业筑基"])),
            "amount": draw(st.integers(0, 40_000_000)), "year": 2024, "claim_year": draw(st.sampled_from(TONGZHOU_YEARS)),
            "status": draw(st.sampled_from(["candidate", "candidate", "granted"])), "investment_project": False,
            "other_city_funds": False, "major_project": draw(st.booleans())}, None))
    return Profile(base.path, base.name, base.facts, tuple(items), TONGZHOU_YEARS, {})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tongzhou_city_awards())
def test_city_awards_and_their_matching_equal_enumeration(profile):
    # Matching rules (配套) couple a district payment to the city award it matches.
    assert_optimum_is_enumerated_best(ground(RULES, profile, TONGZHOU_YEARS, include_drafts=False))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tongzhou_city_awards())
def test_the_bound_proposing_works_out_is_the_parts_upper_bound(profile):
    # A part with one choice of direction hands the optimizer the bound its options' branches
    # add up to (`proposed`), which `_relaxable` then trusts as `upper_bound`: it must be that
    # bound exactly, and no less than what the enumerated best pays within the part.
    from solver.linear import split
    from solver.propose import proposed, upper_bound
    g = ground(RULES, profile, TONGZHOU_YEARS, include_drafts=False)
    for scope in split(g):
        plan, bound = proposed(g, scope)
        if bound is not None:
            assert bound == upper_bound(g, scope)
            assert plan is None or plan.total <= bound


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_enterprises())
def test_each_combination_of_readings_equals_enumeration(profile):
    # Readings swap clause variants before grounding (solver/readings.py): under every
    # combination of the alternatives of three readings of the 平谷 rules, the proven optimum is
    # still the enumerated best.
    from itertools import product

    from solver.readings import select
    keys = sorted(k for k, r in RULES.readings.items() if r.policy == "pinggu")[:3]
    assert len(keys) >= 2, "the 平谷 rules read at least two sentences two ways"
    for combo in product(*([a.name for a in RULES.readings[k].alternatives] for k in keys)):
        rules = select(RULES, dict(zip(keys, combo)))
        assert_optimum_is_enumerated_best(ground(rules, profile, YEARS, include_drafts=False))
