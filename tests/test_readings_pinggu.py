"""Readings of 004 (平谷, 京平科信发〔2025〕8号) and 002 (2024 city guide) with alternatives, and
which of their figures are computed and which discretionary.

Every expected figure is worked by hand from the article's words in the comment beside it.
004 第十七条: "兑现金额以万元为单位、精确到千元(向下取整),低于1万元不予兑现" — each payment is
rounded down to whole 千元, and nothing under 1万 is paid. The profiles plan 2026, a year 004
is in force on every day (第二十一条: 2025-08-29 to 2027-08-28); 002 governs 2024 only.
"""
from __future__ import annotations

import pytest

from solver import pipeline
from solver.readings import select

from .conftest import pinggu

OUTPUT_MATTER = "pinggu.output_matter"
KITCHEN = "pinggu.kitchen_order_ceiling"
VEHICLE = "pinggu.vehicle_order_ceiling"
CANDIDATE = "city2024.candidate_amount"


def by_article(result, article: str) -> int:
    return sum(p.amount for p in result.payments if (p.policy, p.article) == ("pinggu", article))


def payment(result, article: str, item: str = "enterprise"):
    (p,) = [p for p in result.payments if p.article == article and p.item == item and p.policy in ("pinggu", "city2024")]
    return p


def order(id_, kind, executed, **extra):
    return dict({"id": id_, "kind": kind, "new": True, "executed": executed}, **extra)


# ---- pinggu.output_matter: 第三条 and 第四条 in one year (第十八条) --------------------------------

#: Output 6000万 (2025) -> 1亿 (2026).
#: 第三条: growth 4000万 / 6000万 = 66.7% >= 5%: 0.5% × 4000万 = 20万 (under "最高不超过500万元").
#: 第四条: "首次突破1亿元（含）": 2026 reaches 1亿, 2025 did not: "不超过30万元" (new_plant_started
#: not stated: the general case).
FIRST_1YI = pinggu({"industrial_output": {2025: "6000万", 2026: "1亿"}}, years=2026)


def test_output_two_matters_is_the_default_and_pays_both(solve):
    r = solve(FIRST_1YI)
    assert r.status == "optimal"
    # two_matters: 20万 (第三条) + 30万 (第四条) = 50万
    assert (by_article(r, "第三条"), by_article(r, "第四条")) == (200_000, 300_000)
    assert r.total == 500_000
    # 第三条 is the text's formula (0.5% of the increment, capped): computed; 第四条 "给予不超过30万元奖励"
    # has no formula: discretionary
    assert (payment(r, "第三条").kind, payment(r, "第四条").kind) == ("computed", "discretionary")
    assert (r.computed_total, r.discretionary_total) == (200_000, 300_000)
    for article in ("第三条", "第四条"):
        assert OUTPUT_MATTER in payment(r, article).readings_used
    assert (OUTPUT_MATTER, "two_matters", True) in r.readings_in_effect


def test_output_one_matter_pays_the_higher_of_the_two(solve):
    r = solve(FIRST_1YI, readings=[f"{OUTPUT_MATTER}=one_matter"])
    assert r.status == "optimal"
    # one_matter (从优不重复): max(20万, 30万) = 30万, from 第四条; 第三条 is not paid
    assert (by_article(r, "第三条"), by_article(r, "第四条")) == (0, 300_000)
    assert r.total == 300_000
    loser = next(n for n in r.not_taken if (n.policy, n.article) == ("pinggu", "第三条"))
    assert loser.kind == "dominated"
    assert OUTPUT_MATTER in payment(r, "第四条").readings_used
    assert (OUTPUT_MATTER, "one_matter", False) in r.readings_in_effect


#: Output 8000万 (2025) -> 187654321元 (2026): increment 107654321元, growth 134.6% >= 5%.
#: 第三条: 0.5% × 107654321 = 538271.605元 -> 第十七条 rounds down to 千元: 538000元 (< 500万).
#: 第四条: first reaching 1亿: up to 30万.
def test_output_one_matter_takes_third_article_when_it_pays_more(solve):
    profile = pinggu({"industrial_output": {2025: "8000万", 2026: 187_654_321}}, years=2026)
    # two_matters: 538000 + 300000 = 838000
    assert solve(profile).total == 838_000
    r = solve(profile, readings=["output_matter=one_matter"])
    # one_matter: max(538000, 300000) = 538000, from 第三条
    assert (r.total, by_article(r, "第三条"), by_article(r, "第四条")) == (538_000, 538_000, 0)


def test_output_one_matter_with_a_new_plant(solve):
    # 第四条 "其中": a plant newly built and started in 2026 that reaches 1亿: up to 50万 instead of 30万.
    profile = pinggu({"industrial_output": {2025: "6000万", 2026: "1亿"}, "new_plant_started": {2026: True}},
                     years=2026)
    # two_matters: 20万 (第三条, as above) + 50万 = 70万
    assert solve(profile).total == 700_000
    # one_matter: max(20万, 50万) = 50万
    assert solve(profile, readings=[f"{OUTPUT_MATTER}=one_matter"]).total == 500_000


# ---- 第四条: new_plant_started defaults to false (rules/vocabulary.rules) ------------------------

def test_new_plant_default_can_only_lower_and_is_stated(solve):
    r = solve(FIRST_1YI)
    p = payment(r, "第四条")
    # new_plant_started not stated: false, the general case: up to 30万, never 50万
    assert p.amount == 300_000
    assert any("defaults to false" in note and "never 50万" in note for note in p.readings)
    # the default never makes 第四条 pay: output 1.2亿 (2025) -> 1.3亿 (2026) is no first crossing
    # of 1亿 (2025 already >= 1亿): 第四条 pays nothing, new plant or not
    for facts in ({}, {"new_plant_started": {2026: True}}):
        r = solve(pinggu({"industrial_output": {2025: "1.2亿", 2026: "1.3亿"}, **facts}, years=2026))
        assert by_article(r, "第四条") == 0


# ---- pinggu.kitchen_order_ceiling: 第九条's 200万 -------------------------------------------------

#: Two new purchase orders to 平谷区 unaffiliated suppliers, executed in 2026:
#: K1 3亿: 1% = 300万; K2 12345678元 (> 500万): 1% = 123456.78元 -> 第十七条: 123000元.
KITCHEN_ORDERS = pinggu({"central_kitchen_chain": True}, items=[
    order("K1", "kitchen_order", {2026: "3亿"}, to_pinggu_unaffiliated=True),
    order("K2", "kitchen_order", {2026: 12_345_678}, to_pinggu_unaffiliated=True)], years=2026)


def test_kitchen_ceiling_per_order_year_is_the_default(solve):
    r = solve(KITCHEN_ORDERS)
    assert r.status == "optimal"
    # per_order_year: K1 min(300万, 200万) = 200万; K2 123000: 2123000
    assert (payment(r, "第九条", "K1").amount, payment(r, "第九条", "K2").amount) == (2_000_000, 123_000)
    assert by_article(r, "第九条") == 2_123_000
    # "按照年度实际执行金额的1%给予最高不超过200万元": a rate under a cap, computed
    assert {p.kind for p in r.payments} == {"computed"}
    assert all(KITCHEN in p.readings_used for p in r.payments)


def test_kitchen_ceiling_per_enterprise_year(solve):
    r = solve(KITCHEN_ORDERS, readings=[f"{KITCHEN}=per_enterprise_year"])
    assert r.status == "optimal"
    # per_enterprise_year: 300万 + 123456.78元 together for 2026, at most 200万: 2000000
    assert by_article(r, "第九条") == 2_000_000
    assert all(KITCHEN in p.readings_used for p in r.payments)


def test_kitchen_threshold_is_one_orders_amount(solve):
    # "执行新增采购订单超过500万元": read per order. Two orders of 400万 (800万 together) pass no
    # threshold: nothing, under either ceiling reading (the orders are not added together).
    profile = pinggu({"central_kitchen_chain": True}, items=[
        order("K1", "kitchen_order", {2026: "400万"}, to_pinggu_unaffiliated=True),
        order("K2", "kitchen_order", {2026: "400万"}, to_pinggu_unaffiliated=True)], years=2026)
    for choice in ([], [f"{KITCHEN}=per_enterprise_year"]):
        assert by_article(solve(profile, readings=choice), "第九条") == 0


# ---- pinggu.vehicle_order_ceiling: 第十二条's 200万 -----------------------------------------------

#: Two new orders of vehicle makers, executed in 2026: A 5亿: 0.5% = 250万; B 23456789元 (> 2000万):
#: 0.5% = 117283.945元 -> 第十七条: 117000元.
VEHICLE_ORDERS = pinggu({"auto_parts_supplier": True}, items=[
    order("A", "vehicle_order", {2026: "5亿"}), order("B", "vehicle_order", {2026: 23_456_789})], years=2026)


def test_vehicle_ceiling_per_enterprise_year_is_the_default(solve):
    r = solve(VEHICLE_ORDERS)
    assert r.status == "optimal"
    # per_enterprise_year ("给予企业最高不超过200万元"): 250万 + 117283.945元 together, at most 200万
    assert by_article(r, "第十二条") == 2_000_000
    assert {p.kind for p in r.payments} == {"computed"}
    assert all(VEHICLE in p.readings_used for p in r.payments)


def test_vehicle_ceiling_per_order_year(solve):
    r = solve(VEHICLE_ORDERS, readings=[f"{VEHICLE}=per_order_year"])
    assert r.status == "optimal"
    # per_order_year: A min(250万, 200万) = 200万; B 117000: 2117000
    assert (payment(r, "第十二条", "A").amount, payment(r, "第十二条", "B").amount) == (2_000_000, 117_000)
    assert by_article(r, "第十二条") == 2_117_000
    assert all(VEHICLE in p.readings_used for p in r.payments)


def test_vehicle_threshold_is_one_orders_amount(solve):
    # "年度执行新增整车企业订单超过2000万元": read per order. Two orders of 1500万 (3000万 together)
    # pass no threshold: nothing, under either ceiling reading.
    profile = pinggu({"auto_parts_supplier": True}, items=[
        order("A", "vehicle_order", {2026: "1500万"}), order("B", "vehicle_order", {2026: "1500万"})], years=2026)
    for choice in ([], [f"{VEHICLE}=per_order_year"]):
        assert by_article(solve(profile, readings=choice), "第十二条") == 0


# ---- city2024.candidate_amount: a candidate city award, computed or discretionary -------------

def city_award(id_, status, amount):
    return {"id": id_, "kind": "city_award", "direction": "首台套", "amount": amount, "year": 2024,
            "status": status, "investment_project": False, "other_city_funds": False, "major_project": False}


#: 002 in 2024: a granted award of 300万 and a candidate of 200万 in the same direction (首台套):
#: "单个方向支持" allows both in one direction: 500万 under either reading; the readings differ only
#: in which part of it is computed.
CITY = pinggu(items=[city_award("G", "granted", "300万"), city_award("C", "candidate", "200万")], years=2024)


def test_candidate_award_up_to_notified_is_the_default(solve):
    r = solve(CITY)
    assert r.status == "optimal" and r.total == 5_000_000
    g, c = payment(r, "四(二)2", "G"), payment(r, "四(二)2", "C")
    # a granted award's amount is fixed: computed; a candidate's is the most the city may grant
    # after review: discretionary ("up to")
    assert (g.kind, g.amount, c.kind, c.amount, c.up_to) == ("computed", 3_000_000, "discretionary", 2_000_000, True)
    assert (r.computed_total, r.discretionary_total) == (3_000_000, 2_000_000)
    assert CANDIDATE in c.readings_used and CANDIDATE not in g.readings_used  # a granted award rests on no reading


def test_candidate_award_as_notified_is_computed(solve):
    r = solve(CITY, readings=[f"{CANDIDATE}=as_notified"])
    assert r.status == "optimal" and r.total == 5_000_000
    # as_notified: 300万 + 200万, both computed
    assert {p.kind for p in r.payments} == {"computed"}
    assert (r.computed_total, r.discretionary_total) == (5_000_000, 0)
    assert (CANDIDATE, "as_notified", False) in r.readings_in_effect


# ---- every paying part of 004 and 002, computed or discretionary, against the text's words -----

KINDS = {
    # 第三条 "按全年产值增量的0.5%给予支持，奖励资金最高不超过500万元": a rate under a cap
    "pinggu.output_growth": "computed",
    # 第四条 "给予不超过30万元奖励……给予不超过50万元奖励": no formula
    "pinggu.output_milestone": "discretionary",
    # 第五条 "给予不超过 30 万元资金支持"; "按照……增量的 10%给予资金支持，年度……不超过 100 万元"
    "pinggu.rd_investment.first_500w": "discretionary",
    "pinggu.rd_investment.growth": "computed",
    # 第六条 "给予不超过 50/100/200 万元(资金)奖励"
    "pinggu.smart_factory.advanced": "discretionary",
    "pinggu.smart_factory.national": "discretionary",
    "pinggu.smart_factory.lighthouse": "discretionary",
    # 第七条 "给予不超过 50/20/10 万元资金奖励", "给予不超过 30/50 万元一次性资金奖励"
    "pinggu.green.rating_a": "discretionary",
    "pinggu.green.rating_b": "discretionary",
    "pinggu.green.rating_c": "discretionary",
    "pinggu.green.green_factory_city": "discretionary",
    "pinggu.green.green_factory_national": "discretionary",
    # 第八条 "给予不超过 30 万元资金奖励"
    "pinggu.integration": "discretionary",
    # 第九条 "按照年度实际执行金额的 1% 给予最高不超过 200 万元"; "给予最高 30 万元支持"
    "pinggu.central_kitchen.orders": "computed",
    "pinggu.central_kitchen.standards": "discretionary",
    # 第十条 "分别给予不超过 300/200/100 万元", "给予不超过 20/300/100 万元"; 动物药 "分别一次性给予
    # 150 万元、100 万元、50 万元"
    "pinggu.pharma.innovative_drug": "discretionary",
    "pinggu.pharma.improved_drug": "discretionary",
    "pinggu.pharma.generic_drug": "discretionary",
    "pinggu.pharma.classic_tcm": "discretionary",
    "pinggu.pharma.device_class3": "discretionary",
    "pinggu.pharma.device_class2": "discretionary",
    "pinggu.pharma.vet_class1": "computed",
    "pinggu.pharma.vet_class2": "computed",
    "pinggu.pharma.vet_class3": "computed",
    # 第十一条 "给予最高不超过 1000 万元资金支持"
    "pinggu.pharma_leader": "discretionary",
    # 第十二条 "按照年度实际执行金额0.5%给予企业最高不超过200万元"
    "pinggu.vehicle_orders": "computed",
    # 第十三条 "按固定资产投资额的 5%给予资金奖励，最高不超过 300 万元"
    "pinggu.synbio": "computed",
    # 002: a granted award's amount is fixed; a candidate's depends on city2024.candidate_amount
    "city2024.award.granted": "computed",
    "city2024.award.candidate": "discretionary",
}


@pytest.mark.parametrize("choice", [[], [f"{OUTPUT_MATTER}=one_matter", f"{KITCHEN}=per_enterprise_year",
                                        f"{VEHICLE}=per_order_year"]])
def test_every_paying_part_has_the_kind_its_words_give(choice):
    from solver.readings import parse_choices
    ruleset = pipeline.load_rules(None)
    ruleset = select(ruleset, parse_choices(ruleset, choice))
    kinds = {c.part_key(p): "discretionary" if p.up_to else "computed"
             for c in ruleset.clauses if c.policy in ("pinggu", "city2024") for p in c.parts}
    assert kinds == KINDS  # 004's readings change ceilings and matters, never a kind


def test_candidate_award_as_notified_changes_only_the_candidates_kind():
    from solver.readings import parse_choices
    ruleset = pipeline.load_rules(None)
    ruleset = select(ruleset, parse_choices(ruleset, [f"{CANDIDATE}=as_notified"]))
    kinds = {c.part_key(p): "discretionary" if p.up_to else "computed"
             for c in ruleset.clauses if c.policy in ("pinggu", "city2024") for p in c.parts}
    assert kinds == KINDS | {"city2024.award.candidate": "computed"}


def test_computed_and_discretionary_totals_of_004(solve):
    # 第十条 in 2026: a 一类新兽药 "一次性给予150万元" (computed) and a first 创新药 approval, produced
    # and industrialised, "给予不超过300万元" (discretionary); 第十三条: fixed assets 2000万, output
    # 3000万: 5% × 2000万 = 100万 (computed). Computed 250万, discretionary 300万, total 550万.
    r = solve(pinggu(items=[
        {"id": "V", "kind": "vet_drug_certificate", "class": "一类", "year": 2026},
        {"id": "D", "kind": "drug_approval", "category": "创新药", "first_time": True, "industrialised": True,
         "year": 2026},
        {"id": "S", "kind": "synbio_project", "fixed_asset_investment": "2000万", "real_estate_or_data_center": False,
         "annual_output": "3000万", "year": 2026}], years=2026))
    assert r.status == "optimal"
    assert (r.total, r.computed_total, r.discretionary_total) == (5_500_000, 2_500_000, 3_000_000)


# ---- the range over 004's readings ------------------------------------------------------------

def test_range_over_pinggu_readings(solve):
    # FIRST_1YI's output and VEHICLE_ORDERS' orders together, 2026:
    #   default: two_matters 20万 + 30万, per_enterprise_year 200万: 250万
    #   output_matter=one_matter alone: 30万 + 200万 = 230万 (-20万)
    #   vehicle_order_ceiling=per_order_year alone: 50万 + 2117000 = 2617000 (+117000)
    #   conservative (one_matter, per_enterprise_year): 230万; generous (two_matters, per_order_year): 2617000
    profile = pinggu({"industrial_output": {2025: "6000万", 2026: "1亿"}, "auto_parts_supplier": True},
                     items=VEHICLE_ORDERS["items"], years=2026)
    rng = solve(profile, with_range=True).range
    assert (rng["default"]["total"], rng["conservative"]["total"], rng["generous"]["total"]) == \
        (2_500_000, 2_300_000, 2_617_000)
    changes = {(f["reading"], f["alternative"]): f["change"] for f in rng["flips"]}
    assert changes[(OUTPUT_MATTER, "one_matter")] == -200_000
    assert changes[(VEHICLE, "per_order_year")] == 117_000
    assert rng["ask_the_bureau"] == [OUTPUT_MATTER, VEHICLE]  # largest change first; the others move nothing here


# ---- pinggu.kitchen_order_threshold (第九条) and vehicle_order_threshold (第十二条) ---------------

def test_art12_orders_together_pass_the_threshold_only_under_that_reading(solve):
    # Two new vehicle-maker orders, each 1500万 executed in 2026.
    data = pinggu({"auto_parts_supplier": True},
                  items=[order("A", "vehicle_order", {2026: "1500万"}), order("B", "vehicle_order", {2026: "1500万"})],
                  years=2026)
    # one_order (default): "年度执行新增整车企业订单超过2000万元": neither order exceeds 2000万: 0.
    assert solve(data).total == 0
    # orders_together: 1500万 + 1500万 = 3000万 > 2000万; each 0.5% of its own amount: 7.5万 + 7.5万
    # = 15万 (whole 千元, under the 200万 a year): 150000.
    r = solve(data, readings=["pinggu.vehicle_order_threshold=orders_together"])
    assert r.total == 150_000 and all("pinggu.vehicle_order_threshold" in p.readings_used for p in r.payments)


def test_art9_orders_together_pass_the_threshold_only_under_that_reading(solve):
    # Two new orders to 平谷区 unaffiliated enterprises, each 300万 executed in 2026, by a
    # central-kitchen chain enterprise.
    data = pinggu({"central_kitchen_chain": True},
                  items=[order("A", "kitchen_order", {2026: "300万"}, to_pinggu_unaffiliated=True),
                         order("B", "kitchen_order", {2026: "300万"}, to_pinggu_unaffiliated=True)], years=2026)
    # one_order (default): "执行新增采购订单超过 500 万元": neither exceeds 500万: 0.
    assert solve(data).total == 0
    # orders_together: 600万 > 500万; 1% of each: 3万 + 3万 = 6万.
    assert solve(data, readings=["pinggu.kitchen_order_threshold=orders_together"]).total == 60_000
    # an order to an affiliated enterprise is not added in: 300万 alone does not pass 500万: 0.
    data["items"][1]["to_pinggu_unaffiliated"] = False
    assert solve(data, readings=["pinggu.kitchen_order_threshold=orders_together"]).total == 0


def test_prove_reads_orders_together_too():
    # 第十二条 "给予企业最高不超过200万元" per enterprise a year holds whichever way the threshold is read:
    # the symbolic model adds the orders up as the engine does.
    from solver.prove import Claim
    claim = Claim("at_most", "pinggu", "第十二条", "enterprise", 2026, 2_000_000)
    proof = pipeline.prove(claim, readings=["pinggu.vehicle_order_threshold=orders_together"])
    assert proof.verdict == "PROVED"
    # and 150万 is not an upper bound: two orders together can reach the 200万
    proof = pipeline.prove(Claim("at_most", "pinggu", "第十二条", "enterprise", 2026, 1_500_000),
                           readings=["pinggu.vehicle_order_threshold=orders_together"])
    assert proof.verdict == "REFUTED"
