"""004 (平谷, 京平科信发〔2025〕8号): each money article once paying, once not.

The base enterprise (tests/conftest.py) meets 第二条, 第十五条 and 第十六条. Every expected
figure is worked from the article's words in the comment above it; 第十七条 rounds each
payment down to whole 千元 and pays nothing under 1万. 第二十一条: in force from 2025-08-29, so an
event of 2025 (a title, an approval) gives its date, 2025-10-01, while the measures are in force."""
from __future__ import annotations

import pytest

from .conftest import pinggu


def order(id_, kind, executed, new=True, **extra):
    return dict({"id": id_, "kind": kind, "new": new, "executed": executed}, **extra)


CASES = [
    # 第三条: output 1亿 -> 1.2亿 (growth 20% >= 5%): 0.5% × 2000万 = 10万.
    ("art3_growth_pays_half_percent", "第三条", pinggu({"industrial_output": {2024: "1亿", 2025: "1.2亿"}}), 100_000),
    # 第三条: output 20亿 -> 30亿: 0.5% × 10亿 = 500万 = "最高不超过500万元"; 40亿 -> 60亿 would be 1000万: 500万.
    ("art3_ceiling_500w", "第三条", pinggu({"industrial_output": {2024: "40亿", 2025: "60亿"}}), 5_000_000),
    # 第三条: growth 4% (1亿 -> 1.04亿) < 5%: nothing.
    ("art3_growth_below_5_percent", "第三条", pinggu({"industrial_output": {2024: "1亿", 2025: "1.04亿"}}), 0),
    # 第四条: first reaching 1亿 (2024 8000万 -> 2025 1亿, "1亿元（含）"): up to 30万.
    ("art4_first_1yi", "第四条", pinggu({"industrial_output": {2024: "8000万", 2025: "1亿"}}), 300_000),
    # 第四条: a newly built plant reaching 1亿 the same year: up to 50万 instead.
    ("art4_new_plant_50w", "第四条",
     pinggu({"industrial_output": {2024: "8000万", 2025: "1.1亿"}, "new_plant_started": {2025: True}}), 500_000),
    # 第四条: below 1亿: nothing.
    ("art4_below_1yi", "第四条", pinggu({"industrial_output": {2024: "8000万", 2025: "9000万"}}), 0),
    # 第五条: R&D first reaching 500万 (480万 -> 510万): up to 30万.
    ("art5_rd_first_500w", "第五条", pinggu({"rd_expense": {2024: "480万", 2025: "510万"}}), 300_000),
    # 第五条: growth 2024 (500 -> 600, 20%) and 2025 (600 -> 700, 16.7%), last year 600万 >= 500万:
    # 10% × 100万 = 10万 (not a first 500万: 2023 already 500万).
    ("art5_two_years_growth_share", "第五条", pinggu({"rd_expense": {2023: "500万", 2024: "600万", 2025: "700万"}}),
     100_000),
    # 第五条: increment 2000万 (5000万 -> 7000万 after 4000万 -> 5000万): 10% = 200万 > "年度…不超过100万": 100万.
    ("art5_growth_share_ceiling", "第五条", pinggu({"rd_expense": {2023: "4000万", 2024: "5000万", 2025: "7000万"}}),
     1_000_000),
    # 第五条: growth 2024 only 5% (600 -> 630): not two years of >= 10%: nothing (and not a first 500万).
    ("art5_growth_not_two_years", "第五条", pinggu({"rd_expense": {2023: "600万", 2024: "630万", 2025: "700万"}}), 0),
    # 第六条: 卓越级 up to 100万; 灯塔工厂 up to 200万 (two items).
    ("art6_national_and_lighthouse", "第六条",
     pinggu(items=[{"id": "A", "kind": "smart_factory_title", "level": "卓越级", "year": 2025, "date": "2025-10-01"},
                   {"id": "B", "kind": "smart_factory_title", "level": "灯塔工厂", "year": 2025, "date": "2025-10-01"}]), 3_000_000),
    # 第六条: a 数字化车间 is not one of the article's titles: nothing.
    ("art6_digital_workshop", "第六条",
     pinggu(items=[{"id": "A", "kind": "smart_factory_title", "level": "数字化车间", "year": 2025, "date": "2025-10-01"}]), 0),
    # 第七条: A级 50万 + C级 10万 + 北京市绿色工厂 30万 = 90万.
    ("art7_ratings_and_city_green_factory", "第七条",
     pinggu(items=[{"id": "A", "kind": "emission_upgrade", "level": "A级", "year": 2025, "date": "2025-10-01"},
                   {"id": "C", "kind": "emission_upgrade", "level": "C级", "year": 2026},
                   {"id": "G", "kind": "green_factory_title", "level": "市级", "year": 2025, "date": "2025-10-01"}], years="2025-2026"),
     900_000),
    # 第七条: a 区级 green factory title is not named: nothing.
    ("art7_district_title", "第七条",
     pinggu(items=[{"id": "G", "kind": "green_factory_title", "level": "区级", "year": 2025, "date": "2025-10-01"}]), 0),
    # 第八条: named a 融合试点企业: up to 30万.
    ("art8_integration_pilot", "第八条", pinggu(items=[{"id": "I", "kind": "integration_pilot", "year": 2025, "date": "2025-10-01"}]),
     300_000),
    # 第八条: named in 2024, before the measures are in force: nothing.
    ("art8_before_force", "第八条", pinggu(items=[{"id": "I", "kind": "integration_pilot", "year": 2024}],
                                          years="2024-2025"), 0),
    # 第九条: a kitchen order of 800万 (> 500万) to a 平谷 supplier: 1% = 8万; lead drafter of an
    # implemented group standard: up to 30万. Total 38万.
    ("art9_orders_and_standard", "第九条",
     pinggu({"central_kitchen_chain": True},
            items=[order("K", "kitchen_order", {2025: "800万"}, to_pinggu_unaffiliated=True),
                   {"id": "S", "kind": "standard", "level": "团体标准", "central_kitchen_field": True,
                    "lead_drafter": True, "year": 2025, "date": "2025-10-01"}]), 380_000),
    # 第九条: an order of 3亿 a year over 2025-2027: 1% = 300万 -> 200万 per year; "同一订单最多连续
    # 支持不超过2年": 400万.
    ("art9_order_two_years_capped", "第九条",
     pinggu({"central_kitchen_chain": True},
            items=[order("K", "kitchen_order", {2025: "3亿", 2026: "3亿", 2027: "3亿"}, to_pinggu_unaffiliated=True)],
            years="2025-2027"), 4_000_000),
    # 第九条: an order of 500万 is not "超过 500 万元": nothing.
    ("art9_order_not_above_500w", "第九条",
     pinggu({"central_kitchen_chain": True},
            items=[order("K", "kitchen_order", {2025: "500万"}, to_pinggu_unaffiliated=True)]), 0),
    # 第十条: 创新药 300万 + 仿制药 100万 + 三类器械 300万 + 二类 AI 器械 100万 + 二类兽药 100万 + 中药经典名方 20万.
    ("art10_approvals", "第十条",
     pinggu(items=[
         {"id": "D1", "kind": "drug_approval", "category": "创新药", "first_time": True, "industrialised": True, "year": 2025, "date": "2025-10-01"},
         {"id": "D2", "kind": "drug_approval", "category": "仿制药", "first_time": True, "industrialised": True, "year": 2025, "date": "2025-10-01"},
         {"id": "D3", "kind": "drug_approval", "category": "中药经典名方复方制剂", "first_time": True,
          "industrialised": False, "year": 2025, "date": "2025-10-01"},
         {"id": "M1", "kind": "device_approval", "class": "三类", "first_time": True, "ai_or_emergency": False, "year": 2025, "date": "2025-10-01"},
         {"id": "M2", "kind": "device_approval", "class": "二类", "first_time": True, "ai_or_emergency": True, "year": 2025, "date": "2025-10-01"},
         {"id": "V", "kind": "vet_drug_certificate", "class": "二类", "year": 2025, "date": "2025-10-01"}]), 9_200_000),
    # 第十条: an approval not obtained for the first time, a 二类 device that is neither AI nor
    # emergency: nothing.
    ("art10_not_first_not_ai", "第十条",
     pinggu(items=[
         {"id": "D1", "kind": "drug_approval", "category": "创新药", "first_time": False, "industrialised": True, "year": 2025, "date": "2025-10-01"},
         {"id": "M2", "kind": "device_approval", "class": "二类", "first_time": True, "ai_or_emergency": False,
          "year": 2025, "date": "2025-10-01"}]), 0),
    # 第十一条: recognised leader with a global-first class III device, R&D in 平谷 1600万 and 1800万
    # (both > 1500万): up to 1000万, once.
    ("art11_leader_once", "第十一条",
     pinggu({"pharma_leader_recognised": True, "has_global_first_class3_device": True,
             "rd_expense_pinggu": {2024: "1600万", 2025: "1800万", 2026: "2000万"}}, years="2025-2026"), 10_000_000),
    # 第十一条: 2024 only 1400万: not two years above 1500万 in 2025; 2026 would be (1800, 2000) but
    # the profile plans 2025 only: nothing.
    ("art11_not_two_years", "第十一条",
     pinggu({"pharma_leader_recognised": True, "has_global_first_class3_device": True,
             "rd_expense_pinggu": {2024: "1400万", 2025: "1800万"}}), 0),
    # 第十二条: two orders 3亿 and 1亿: 150万 + 50万 = 200万, exactly the per-enterprise yearly ceiling.
    ("art12_two_orders", "第十二条",
     pinggu({"auto_parts_supplier": True},
            items=[order("A", "vehicle_order", {2025: "3亿"}), order("B", "vehicle_order", {2025: "1亿"})]), 2_000_000),
    # 第十二条: one order over 2025-2027 of 1亿 a year: 50万 a year for at most 2 consecutive years: 100万.
    ("art12_two_consecutive_years", "第十二条",
     pinggu({"auto_parts_supplier": True},
            items=[order("A", "vehicle_order", {2025: "1亿", 2026: "1亿", 2027: "1亿"})], years="2025-2027"),
     1_000_000),
    # 第十二条: an old order (not 新增): nothing.
    ("art12_not_new", "第十二条",
     pinggu({"auto_parts_supplier": True}, items=[order("A", "vehicle_order", {2025: "3亿"}, new=False)]), 0),
    # 第十三条: fixed assets 2000万, output 3000万: 5% = 100万.
    ("art13_synbio", "第十三条",
     pinggu(items=[{"id": "S", "kind": "synbio_project", "fixed_asset_investment": "2000万",
                    "real_estate_or_data_center": False, "annual_output": "3000万", "year": 2025, "date": "2025-10-01"}]), 1_000_000),
    # 第十三条: fixed assets 1亿: 5% = 500万 > "最高不超过 300 万元": 300万.
    ("art13_ceiling", "第十三条",
     pinggu(items=[{"id": "S", "kind": "synbio_project", "fixed_asset_investment": "1亿",
                    "real_estate_or_data_center": False, "annual_output": "3000万", "year": 2025, "date": "2025-10-01"}]), 3_000_000),
    # 第十三条: a data-centre project is excluded: nothing.
    ("art13_data_centre", "第十三条",
     pinggu(items=[{"id": "S", "kind": "synbio_project", "fixed_asset_investment": "2000万",
                    "real_estate_or_data_center": True, "annual_output": "3000万", "year": 2025, "date": "2025-10-01"}]), 0),
]


@pytest.mark.parametrize("name,article,profile,expected", CASES, ids=[c[0] for c in CASES])
def test_pinggu_article(solve, name, article, profile, expected):
    r = solve(profile)
    assert r.status == "optimal"
    assert sum(p.amount for p in r.payments if (p.policy, p.article) == ("pinggu", article)) == expected


@pytest.mark.parametrize("fact,value", [("good_credit", False), ("major_penalty_3y", True),
                                        ("false_materials_within_3y", True), ("district", "通州区")])
def test_conditions_16_15_2_refuse_every_clause(solve, fact, value):
    # 第十六条 (credit, penalties), 第十五条 (false materials), 第二条 (registered in 平谷区):
    # 第八条 would otherwise pay 30万.
    r = solve(pinggu({fact: value}, items=[{"id": "I", "kind": "integration_pilot", "year": 2025, "date": "2025-10-01"}]))
    assert all(p.policy != "pinggu" for p in r.payments)


@pytest.mark.parametrize("record, paid, kind, reason", [
    # 第四条 "对工业总产值首次突破1亿元（含）": 8000万 (2024) -> 1亿 (2025). The years given are not the
    # whole history: what came before 2024 is the record, asked for, never assumed low.
    (None, 0, "missing", "industrial_output_record"),
    ("1.2亿", 0, "ineligible", "before 2024 (its record) = 1.2亿 already reached 1亿"),  # reached before 2024
    ("9000万", 300_000, None, None),  # never before: first reached in 2025, up to 30万
])
def test_art4_first_time_needs_the_history_before_the_years_given(solve, record, paid, kind, reason):
    facts = {"industrial_output": {2024: "8000万", 2025: "1亿"}, "industrial_output_record": record}
    data = pinggu(facts)
    if record is None:
        del data["facts"]["industrial_output_record"]
    r = solve(data)
    assert sum(p.amount for p in r.payments if p.article == "第四条") == paid
    if kind:
        assert any(n.article == "第四条" and n.kind == kind and reason in n.reason for n in r.not_taken), r.not_taken


def test_art4_a_year_missing_between_the_years_given_is_asked_for(solve):
    # 2022 and 2025 given, 2023 and 2024 not: whether 1亿 was first reached in 2025 is unknown
    r = solve(pinggu({"industrial_output": {2022: "5000万", 2024: "8000万", 2025: "1.1亿"}}))
    assert not any(p.article == "第四条" for p in r.payments)
    assert any(n.article == "第四条" and n.kind == "missing" and "industrial_output for 2023" in n.reason
               for n in r.not_taken), r.not_taken


def test_art18_support_already_taken_under_another_pinggu_policy(solve):
    # 第十八条 "本措施中的支持政策与平谷区现行有关支持政策不能重复享受": an enterprise one of whose
    # matters here is already supported by another 平谷区 policy is paid nothing by 004 (which
    # matter is not stated); not stated at all: asked for, nothing paid.
    pilot = [{"id": "I", "kind": "integration_pilot", "year": 2025, "date": "2025-10-01"}]
    assert solve(pinggu(items=pilot)).total == 300_000  # 第八条: 融合试点 up to 30万
    assert solve(pinggu({"pg_other_pinggu_support": True}, items=pilot)).total == 0
    data = pinggu(items=pilot)
    del data["facts"]["pg_other_pinggu_support"]
    r = solve(data)
    assert r.total == 0 and any(n.kind == "missing" and "pg_other_pinggu_support" in n.reason for n in r.not_taken)


def test_a_default_read_is_stated_among_the_assumptions(solve):
    # 第四条: new_plant_started not given reads as false (the general case, up to 30万): a default
    # that can only lower the figure, and the output says it was used.
    r = solve(pinggu({"industrial_output": {2024: "8000万", 2025: "1亿"}}))
    assert sum(p.amount for p in r.payments if p.article == "第四条") == 300_000
    assert any(a.startswith("new_plant_started not given: read as") for a in r.assumptions), r.assumptions
