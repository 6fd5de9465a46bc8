"""Properties that hold for every profile: generated 平谷 enterprises over 2024-2027."""
from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.ground import ground
from solver.optimize import optimize, violations
from solver.pipeline import load_rules
from solver.profile import Item, Profile

RULES = load_rules()
YEARS = (2024, 2025, 2026, 2027)
BASE = {"district": "平谷区", "registered_in_beijing": True, "operates_in_district": True, "manufacturer": True,
        "fits_capital_positioning": True, "serious_dishonesty_3y": False, "stable_operation_in_beijing": True,
        "abnormal_affiliate_output": False, "good_credit": True, "major_penalty_3y": False,
        "criminal_record_3y": False, "false_materials_within_3y": False, "auto_parts_supplier": True,
        "central_kitchen_chain": True, "pg_other_pinggu_support": False}

money = st.integers(min_value=0, max_value=2_000_000_000)
yearly = st.dictionaries(st.sampled_from((2023,) + YEARS), money, min_size=0, max_size=5)


@st.composite
def profiles(draw) -> Profile:
    facts = dict(BASE, industrial_output=draw(yearly), rd_expense=draw(yearly),
                 industrial_output_record=draw(money), rd_expense_record=draw(money))
    items = []
    for n in range(draw(st.integers(0, 4))):
        executed = draw(st.dictionaries(st.sampled_from(YEARS), money, min_size=1, max_size=4))
        kind = draw(st.sampled_from(["vehicle_order", "kitchen_order"]))
        fields = {"new": draw(st.booleans()), "executed": executed}
        if kind == "kitchen_order":
            fields["to_pinggu_unaffiliated"] = True
        items.append(Item(f"order{n}", kind, fields, None))
    for n in range(draw(st.integers(0, 2))):
        level = draw(st.sampled_from(RULES.vocab.enums["smart_factory_level"]))
        items.append(Item(f"factory{n}", "smart_factory_title", {"level": level, "year": draw(st.sampled_from(YEARS))},
                          None))
    for n in range(draw(st.integers(0, 3))):
        award = {"direction": draw(st.sampled_from(["首台套", "并购重组", "产业筑基"])),
                 "amount": draw(st.integers(0, 50_000_000)), "year": 2024, "status": "candidate",
                 "investment_project": False, "other_city_funds": False, "major_project": draw(st.booleans())}
        items.append(Item(f"award{n}", "city_award", award, None))
    return Profile("generated", "generated", facts, tuple(items), YEARS, {})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles())
def test_every_plan_is_optimal_legal_and_adds_up(profile):
    g = ground(RULES, profile, YEARS, include_drafts=False)
    plan = optimize(g)
    assert plan.status == "optimal" and plan.bound == plan.total
    assert sum(plan.amounts.values()) == plan.total
    assert violations(g, plan.amounts) == []
    by_year = defaultdict(int)
    for i, amount in plan.amounts.items():
        c = g.candidates[i]
        if c.policy.id == "pinggu":
            # 第十七条: whole 千元, nothing under 1万; 第二十一条: 2025-2027 only
            assert amount % 1000 == 0 and amount >= 10_000 and 2025 <= c.year <= 2027
        if c.clause.name == "vehicle_orders":
            by_year[c.year] += amount
    # 第十二条: at most 200万 per enterprise per year across orders
    assert all(total <= 2_000_000 for total in by_year.values())
    # 002 四(二)2: one direction a year, unless a 市级重大项目
    directions = {g.candidates[i].item.fields["direction"] for i in plan.amounts
                  if g.candidates[i].clause.key == "city2024.award" and not g.candidates[i].item.fields["major_project"]}
    assert len(directions) <= 1


@settings(max_examples=30, deadline=None)
@given(profiles())
def test_more_of_a_candidate_city_award_never_lowers_the_total(profile):
    # Monotonicity: raising one candidate award's amount cannot lower the optimum.
    g = ground(RULES, profile, YEARS, include_drafts=False)
    before = optimize(g).total
    items = tuple(Item(i.id, i.kind, dict(i.fields, amount=i.fields["amount"] + 1_000_000), i.span)
                  if i.kind == "city_award" else i for i in profile.items)
    raised = Profile(profile.path, profile.name, profile.facts, items, profile.years, {})
    assert optimize(ground(RULES, raised, YEARS, include_drafts=False)).total >= before


def test_a_time_limit_gives_a_checked_plan_and_a_proven_bound():
    # 40 generated items over 5 years under a 10 ms limit: whatever the solver reached, the plan
    # passes the exact re-check, and the bound is at least the total (equal only when proven).
    import random
    rng = random.Random(5)
    items = tuple(Item(f"o{n}", "vehicle_order", {"new": True, "executed": {y: rng.randrange(10 ** 7, 10 ** 9)
                                                                             for y in YEARS}}, None)
                  for n in range(40))
    profile = Profile("generated", "generated", dict(BASE, industrial_output={}, rd_expense={}), items, YEARS, {})
    g = ground(RULES, profile, YEARS, include_drafts=False)
    plan = optimize(g, timeout_s=0.01)
    assert violations(g, plan.amounts) == []
    assert plan.bound >= plan.total
    assert plan.status in ("optimal", "feasible")
    if plan.status == "optimal":
        assert plan.bound == plan.total
    # the same model without a limit is proven, and never below what the limited run found
    full = optimize(g)
    assert full.status == "optimal" and plan.total <= full.total <= plan.bound


def test_a_plan_cut_short_never_calls_itself_optimal():
    # The time limit stopped the solver with nothing paid: a clause the rules did not keep out
    # is "unproven", never "not taken by the optimal plan".
    from msgspec.structs import replace

    from solver.explain import build_result
    profile = Profile("generated", "generated", dict(BASE, industrial_output={2024: 10 ** 8, 2025: 2 * 10 ** 8},
                                                     rd_expense={}), (), YEARS, {})
    g = ground(RULES, profile, YEARS, include_drafts=False)
    plan = optimize(g)
    # 004 第三条: 2025 output 2亿 over 1亿 grows 100% >= 5%: 0.5% × (2亿 − 1亿) = 50万 (<= 500万).
    assert plan.status == "optimal" and plan.total == 500_000
    cut = build_result(g, replace(plan, status="feasible", total=0, amounts={}))
    unproven = [n for n in cut.not_taken if n.kind == "unproven"]
    assert unproven and all("not proven optimal" in n.reason for n in unproven)
    assert not any("optimal plan" in n.reason for n in cut.not_taken)


def test_no_time_at_all_answers_unknown_with_a_proven_bound():
    # A limit already spent (say, by reading the profile): no part is proposed or proven, nothing
    # is paid, and the answer is `unknown` with a bound at least what the unlimited run proves.
    items = tuple(Item(f"o{n}", "vehicle_order", {"new": True, "executed": {y: (n + 1) * 10 ** 8 for y in YEARS}}, None)
                  for n in range(5))
    profile = Profile("generated", "generated", dict(BASE, industrial_output={}, rd_expense={}), items, YEARS, {})
    g = ground(RULES, profile, YEARS, include_drafts=False)
    plan = optimize(g, timeout_s=0.0)
    assert (plan.status, plan.total, plan.amounts) == ("unknown", 0, {})
    full = optimize(g)
    assert full.status == "optimal" and 0 < full.total <= plan.bound


def test_the_clock_does_not_learn_a_solvers_fixed_cost_per_character():
    # Measured at 5000 items × 5 years: a 260-character check took 1.2 ms (a new Solver), and a
    # 262,189-character check 54 ms. Learnt per character, the small one predicted 1.2 s for the
    # big one, which was then never started.
    import time

    from solver.optimize import _Clock
    clock = _Clock(time.perf_counter() + 600)
    prior = clock.rate
    clock.spent(260, 0.0012)
    clock.spent(262_189, 0.054)
    assert clock.rate == prior  # neither raises it: the small one is overhead, the big one is fast
    clock.spent(67_941, 0.1)  # a slow big check raises it: the clock stays on the safe side
    assert clock.rate == (0.1 - _Clock.OVERHEAD) / 67_941
    clock.deadline = time.perf_counter() + 0.25  # 250 ms left: a 100 kB check fits, a 1 MB one does not
    assert clock.affords(100_000) and not clock.affords(1_000_000)
    clock.reserve = 0.2  # 200 ms held back for the bounds and the re-check after the last check
    assert not clock.affords(100_000) and clock.left_ms() <= 50


def _two_orders():
    """The grounded model of two 004 第十二条 vehicle orders, 3亿 executed each year of
    2025–2027, new: 150万 an order a year, at most 200万 an enterprise a year, an order paid in
    at most 2 consecutive years."""
    executed = {y: 3 * 10 ** 8 for y in (2025, 2026, 2027)}
    items = tuple(Item(f"o{n}", "vehicle_order", {"new": True, "executed": executed}, None) for n in range(2))
    profile = Profile("generated", "generated", dict(BASE, industrial_output={}, rd_expense={}), items, YEARS, {})
    return ground(RULES, profile, YEARS, include_drafts=False)


def test_a_part_out_of_time_is_refused_before_it_is_stated_in_full():
    # At 5000 items × 5 years, stating a part of 2467 payments in full took 31 ms, past the
    # limit, only for its check to be refused. The relaxed statement already built is never
    # longer than the full one, so it decides first. 004 第十二条: two orders of 3亿 a year.
    import time

    from solver.linear import split
    from solver.optimize import _Clock, _Part
    g = _two_orders()
    (scope,) = split(g)
    part = _Part(g, scope, "0", relaxable=True)
    relaxed = part.encoding(True)[1]
    assert len(relaxed) < len(_Part(g, scope, "1").text)
    assert not part.fits(_Clock(time.perf_counter()))  # no time left
    assert list(part._encodings) == [True]  # refused on the relaxed text: the full one was never built
    assert part.fits(_Clock(None)) and False in part._encodings


def test_a_relaxed_part_whose_better_plan_breaks_a_window_is_proven_in_full():
    # 004 第十二条: 0.5% of 3亿 executed = 150万 an order a year, at most 200万 an enterprise a
    # year, an order paid in at most 2 consecutive years. Two orders over 2025–2027: o0 in
    # 2025–2026 and o1 in 2026–2027 pay 150万 + 200万 (2026: 300万 capped) + 150万 = 500万.
    # Without the windows every year would pay 200万 (600万), so the relaxation cannot prove
    # 500万: stated relaxed anyway, Z3 finds a 600万 plan, it breaks a window, and the part is
    # stated in full; the proof that stands is of the rules.
    from solver.linear import split
    from solver.optimize import _certify_together, _Clock, _Part, _relaxable
    from solver.propose import Proposal, weights

    from .conftest import assert_proofs_hold
    g = _two_orders()
    best = optimize(g)
    assert best.status == "optimal" and best.total == 5_000_000
    (scope,) = split(g)
    plans = [Proposal.of(best.amounts, weights(g, scope.members))]
    assert scope.ceilings and not _relaxable(g, scope, plans[0])  # the optimizer itself states it in full
    script = _certify_together([_Part(g, scope, "0", relaxable=True)], plans, _Clock(None))
    assert script and "(relaxed)" not in script and plans[0].total == 5_000_000
    assert_proofs_hold([script])


def test_a_better_plan_from_z3_is_polished_to_the_best_of_its_shape(monkeypatch):
    # 004 第十二条 again: two orders of 3亿 a year over 2025–2027, 150万 an order a year, at most
    # 200万 a year, an order paid in at most 2 consecutive years. The greedy proposal starts both
    # orders in 2025: 2025 150万 + 50万, 2026 150万 + 50万, 2027 closed to both = 400万 (with
    # the orders that take a run of years first turned off: they find 500万 at once, the next
    # test). Z3 then answers with any better plan (405万 with this Z3); polished (`polish`), its
    # shape, o0 in 2025–2026 and o1 in 2026–2027, pays 150万 + 200万 + 150万 = 500万, which the
    # next check proves. Without polishing Z3 climbed 16 times and the part ended in Optimize.
    from solver import optimize as opt
    from solver import propose as proposing
    from solver.linear import split
    from solver.propose import propose
    monkeypatch.setattr(proposing, "OPTIONS_TRIED", 0)
    g = _two_orders()
    (scope,) = split(g)
    assert propose(g, scope).total == 4_000_000
    checks = []
    prover = opt._prover
    monkeypatch.setattr(opt, "_prover", lambda: checks.append(1) or prover())
    monkeypatch.setattr(opt._Part, "search", lambda *_: pytest.fail("the climb fell back to Optimize"))
    plan = opt.optimize(g)
    assert plan.status == "optimal" and plan.total == 5_000_000
    assert len(checks) <= 3  # a better plan, polished to 500万; its proof


def test_a_run_of_years_taken_first_proposes_the_best_window():
    # The same two orders (004 第十二条: 150万 an order a year, at most 200万 a year, an order
    # paid in at most 2 consecutive years, 2025–2027). Taking o1's run 2026–2027 first: o1 2026
    # 150万, o1 2027 150万; then the largest first: o0 2025 150万, o0 2026 only the 50万 left
    # under 2026's 200万, o0 2027 outside o0's run = 500万, the optimum, proposed without Z3.
    from solver.linear import split
    from solver.propose import propose
    g = _two_orders()
    (scope,) = split(g)
    proposal = propose(g, scope)
    assert proposal.total == 5_000_000
    assert sorted(proposal.amounts.values()) == [500_000, 1_500_000, 1_500_000, 1_500_000]


def _fengtai_project(investment: dict[int, str]):
    """A 丰台 enterprise (001, a draft: included) whose only item is one 第四条 project with this
    yearly fixed-asset investment, and the part of its model that is 第四条's window alone."""
    from solver.linear import split
    from solver.profile import load_profile

    from .test_fengtai_articles import ft
    raw = ft(items=[{"id": "P", "kind": "ft_project", "type": "小试中试", "fixed_asset_investment": investment}],
             years="2025-2027")
    profile = load_profile(raw, RULES.vocab)
    g = ground(RULES, profile, profile.years, include_drafts=True)
    (scope,) = [s for s in split(g) if s.windows]
    assert not (scope.ceilings or scope.choices or scope.supports) and len(scope.windows) == 1
    return g, scope


def test_a_part_that_is_one_window_proposes_its_best_run_the_earliest_of_equals():
    # 001 第四条: 20% of the year's fixed assets, "年度最高500万元", "连续支持不超过两年". 2025 1000万,
    # 2026 4000万, 2027 1000万: 200万, 800万 -> 500万, 200万. The runs: 2025-2026 700万, 2026-2027
    # 700万, 2027 alone 200万. Two runs pay 700万; the earlier, 2025-2026, is the plan: earliness
    # weights (2027 = 1): 3 × 200万 + 2 × 500万 = 1600万 against 2 × 500万 + 1 × 200万 = 1200万.
    # The closed form (`_best_run`) must agree with every run-first greedy order, and Z3 proves it.
    from solver import propose as proposing
    g, scope = _fengtai_project({2025: "1000万", 2026: "4000万", 2027: "1000万"})
    plan, bound = proposing.proposed(g, scope)
    by_year = {g.candidates[i].year: a for i, a in plan.amounts.items()}
    assert by_year == {2025: 2_000_000, 2026: 5_000_000} and plan.weight == 16_000_000 and bound is None
    links, weight = proposing._Links(g, scope), proposing.weights(g, scope.members)
    orders = [sorted(scope.members, key=lambda i: (g.candidates[i].year != y, g.candidates[i].year))
              for y in (2025, 2026, 2027)]  # each year's run taken first, as `proposed` did before
    greedy = [proposing.Proposal.of(proposing._greedy(g, links, order), weight) for order in orders]
    assert max((p.total, p.weight) for p in greedy) == (plan.total, plan.weight)
    proven = optimize(g)
    assert proven.status == "optimal"
    assert {i: a for i, a in proven.amounts.items() if i in scope.members} == plan.amounts


def test_a_part_that_is_one_window_takes_the_earlier_of_two_equal_runs_of_another_shape():
    # 001 第四条 with 2025 3000万, 2026 500万, 2027 2500万: 600万 -> 500万, 100万, 500万. Runs:
    # 2025-2026 600万, 2026-2027 600万, 2027 500万: 2025-2026 is the earlier of the two 600万 runs
    # (weights 3 × 500万 + 2 × 100万 = 1700万 against 2 × 100万 + 500万 = 700万).
    from solver.propose import proposed
    g, scope = _fengtai_project({2025: "3000万", 2026: "500万", 2027: "2500万"})
    plan, _ = proposed(g, scope)
    assert {g.candidates[i].year: a for i, a in plan.amounts.items()} == {2025: 5_000_000, 2026: 1_000_000}
    assert plan.total == 6_000_000 and plan.weight == 17_000_000


def test_a_direction_that_cannot_beat_the_plan_found_is_not_tried_first(monkeypatch):
    # 002 四(二)2: one city direction a year. The bench's 通州 enterprise with 400 candidate 2024
    # city awards in 4 directions and 000's matching of them (`matching_enterprise`): the part is
    # one choice of direction. Each direction's `upper_bound` branch bounds the orders that take it
    # first; the best-bounded direction is tried first and its plan reaches its bound, so no other
    # order can pay more and none is tried. The bound proposing worked out is the part's
    # `upper_bound`, which `_relaxable` then uses instead of working it out again.
    from pathlib import Path

    from solver import propose as proposing
    from solver.linear import split
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent / "bench"))
    from run import matching_enterprise
    g = ground(RULES, matching_enterprise(400, 400, RULES.vocab), YEARS, include_drafts=False)
    (scope,) = split(g)
    taken = []
    greedy = proposing._greedy
    monkeypatch.setattr(proposing, "_greedy", lambda g, links, order: taken.append(order) or greedy(g, links, order))
    plan, bound = proposing.proposed(g, scope)
    assert bound == proposing.upper_bound(g, scope) == plan.total  # the plan reaches the bound: proven best total
    reach = proposing._option_bounds(g, scope, scope.choices[0])
    assert len(reach) == 4 and sorted(reach)[-1] == bound and sorted(reach)[-2] < bound
    assert len(taken) == 1  # the best-bounded direction first: it reaches the bound, nothing else is tried
    monkeypatch.setattr(proposing, "_greedy", greedy)
    full = proposing.OPTIONS_TRIED
    monkeypatch.setattr(proposing, "OPTIONS_TRIED", 0)  # no option orders: three greedy orders, no bound
    poorer, none = proposing.proposed(g, scope)
    assert none is None and poorer.total < plan.total
    monkeypatch.setattr(proposing, "OPTIONS_TRIED", full)
    from solver import optimize as opt
    monkeypatch.setattr(opt, "upper_bound", lambda *_: pytest.fail("the bound was asked again"))
    assert opt._relaxable(g, scope, plan, bound)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles(), st.data())
def test_under_any_readings_the_plan_is_optimal_legal_and_passes_the_audit(profile, data):
    # Readings swap clause variants: under any choice of alternatives of the 平谷 and city
    # readings, the plan is proven optimal, breaks no rule of the rules so read, and a ledger of it
    # passes the audit of those same rules.
    from solver.audit import Line, audit
    from solver.readings import select
    choice = {k: data.draw(st.sampled_from([a.name for a in r.alternatives]), label=k)
              for k, r in sorted(RULES.readings.items()) if r.policy in ("pinggu", "city2024")}
    g = ground(select(RULES, choice), profile, YEARS, include_drafts=False)
    plan = optimize(g)
    assert plan.status == "optimal" and sum(plan.amounts.values()) == plan.total
    assert violations(g, plan.amounts) == []
    lines = [Line(n, g.candidates[i].policy.id, g.candidates[i].part_key, g.candidates[i].subject,
                  g.candidates[i].year, amount, None) for n, (i, amount) in enumerate(plan.amounts.items(), 1)]
    assert audit(g, lines).passed
