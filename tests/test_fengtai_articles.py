"""001 (丰台, 征求意见稿): each article once paying, once not, with --include-drafts.

The base enterprise is in 丰台区 and its 智能制造企业库, with no 第二十三条 exclusion and no support
for the same matter under another 丰台区 policy (第二十四条). Every expected figure is worked from
the article's words in the comment above it, under the default readings (`subsidy readings fengtai`;
tests/test_readings_fengtai.py works each alternative)."""
from __future__ import annotations

import pytest

from .conftest import extend

BASE = {"enterprise": "丰台测试企业", "years": 2025,
        "facts": {"district": "丰台区", "operates_in_district": True, "ft_in_library": True,
                  "ft_prohibited_catalogue": False, "ft_credit_sanction": False, "ft_safety_accident": False,
                  "ft_other_exclusion": False, "ft_industrial_enterprise": True, "ft_software_enterprise": False,
                  "ft_outsourcing": False, "registered_in_beijing": True, "serious_dishonesty_3y": False,
                  "ft_fengtai_other_support": False,
                  # 第六条 "首次达到": no output or revenue before the years a test gives
                  "industrial_output_record": "0元", "operating_revenue_record": "0元"},
        "items": []}


def ft(facts=None, items=None, years=2025) -> dict:
    return extend(BASE, facts, items, years)


def award(id_, programme, amount, claim=2025):
    return {"id": id_, "kind": "city_award", "direction": programme, "programme": programme, "amount": amount,
            "year": 2024, "claim_year": claim, "status": "candidate", "investment_project": False,
            "other_city_funds": False, "major_project": False}


def title(kind, met, year=2025, high_growth=True):
    return {"id": "T", "kind": "ft_title", "title": kind, "year": year, "high_growth": high_growth,
            "meets_standard": met}


CASES = [
    # 第三条: a major project: up to 1亿.
    ("art3_major_project", "第三条", ft(items=[{"id": "M", "kind": "ft_major_project", "year": 2025}]), 100_000_000),
    ("art3_no_project", "第三条", ft(), 0),
    # 第四条: fixed assets 2025 1000万, 2026 4000万, 2027 1000万: 20% = 200万, 800万 -> "年度最高500万", 200万;
    # "连续支持不超过两年": best window 2025-2026 = 700万 or 2026-2027 = 700万: 700万.
    ("art4_two_year_window", "第四条",
     ft(items=[{"id": "P", "kind": "ft_project", "type": "小试中试",
                "fixed_asset_investment": {2025: "1000万", 2026: "4000万", 2027: "1000万"}}], years="2025-2027"),
     7_000_000),
    # 第四条: no such project: nothing.
    ("art4_no_project", "第四条", ft(), 0),
    # 第五条: first included in 2025: 10万; next year output growth 20% > industry 8%: 10万 more.
    ("art5_scale_entry_and_next_year", "第五条",
     ft({"ft_industrial_scale_entry": 2025, "industrial_output": {2025: "5000万", 2026: "6000万"},
         "ft_industry_output_growth": {2026: "8%"}}, years="2025-2026"), 200_000),
    # 第五条: next year's growth 5% < industry 8%: only the 10万 of entry.
    ("art5_next_year_below_industry", "第五条",
     ft({"ft_industrial_scale_entry": 2025, "industrial_output": {2025: "5000万", 2026: "5250万"},
         "ft_industry_output_growth": {2026: "8%"}}, years="2025-2026"), 100_000),
    # 第六条: output 2024 4亿 -> 2025 6亿: tier 5亿 first reached: 50万; growth 50% >= 6%, increment
    # 2亿: 1% × (2亿 - 500万) = 195万 (< 200万). Total 245万.
    ("art6_tier_and_growth_share", "第六条",
     ft({"industrial_output": {2024: "4亿", 2025: "6亿"}, "ft_district_output_growth": {2025: "6%"}}), 2_450_000),
    # 第六条: a tier already paid is not paid again: 2025 6亿 (5亿 first reached: 50万), 2026 7亿
    # (no new tier). Growth 2026 16.7% >= 6%, increment 1亿: 1% × 9500万 = 95万. 2025: growth 50%,
    # increment 2亿 -> 195万. Total 50 + 195 + 95 = 340万.
    ("art6_tier_not_paid_twice", "第六条",
     ft({"industrial_output": {2024: "4亿", 2025: "6亿", 2026: "7亿"},
         "ft_district_output_growth": {2025: "6%", 2026: "6%"}}, years="2025-2026"), 3_400_000),
    # 第六条: 委外加工: 1.5% × (2亿 - 500万) = 292.5万 ≤ 300万, plus the 50万 tier.
    ("art6_outsourcing_share", "第六条",
     ft({"ft_outsourcing": True, "industrial_output": {2024: "4亿", 2025: "6亿"},
         "ft_district_output_growth": {2025: "6%"}}), 3_425_000),
    # 第六条: software revenue 2024 8亿 -> 2025 12亿: tier 10亿: 100万; growth 50% >= 10%, increment
    # 4亿 >= 1000万: 0.5% × 4亿 = 200万 (= the ceiling). Total 300万.
    ("art6_software_tier_and_growth", "第六条",
     ft({"ft_industrial_enterprise": False, "ft_software_enterprise": True,
         "operating_revenue": {2024: "8亿", 2025: "12亿"}, "ft_district_revenue_growth": {2025: "10%"}}), 3_000_000),
    # 第六条: output fell: no tier reached, no growth share.
    ("art6_output_fell", "第六条",
     ft({"industrial_output": {2024: "6亿", 2025: "5.5亿"}, "ft_district_output_growth": {2025: "6%"}}), 0),
    # 第七条: transformed software enterprise, revenue 2024 3000万 -> 2025 5000万 (66.7% > 10%):
    # 1% × 5000万 = 50万 ≤ 100万.
    ("art7_transformed_software", "第七条",
     ft({"ft_transformed_software": True, "operating_revenue": {2024: "3000万", 2025: "5000万"},
         "ft_district_revenue_growth": {2025: "10%"}}), 500_000),
    # 第七条: revenue 1500万 < 2000万: nothing.
    ("art7_revenue_too_small", "第七条",
     ft({"ft_transformed_software": True, "operating_revenue": {2024: "1000万", 2025: "1500万"},
         "ft_district_revenue_growth": {2025: "10%"}}), 0),
    # 第八条: a national task with 500万 funds: 20% = 100万; a city task with 3000万: 10% = 300万 ->
    # 200万 ceiling. Total 300万.
    ("art8_research_tasks", "第八条",
     ft(items=[{"id": "N", "kind": "ft_research_task", "level": "国家", "funds": "500万", "year": 2025},
               {"id": "B", "kind": "ft_research_task", "level": "北京市", "funds": "3000万", "year": 2025}]),
     3_000_000),
    # 第八条: a key enterprise, R&D 2024 1亿 -> 2025 1.5亿 (50% >= 10%, increment 5000万 > 100万):
    # 1% × 5000万 = 50万.
    ("art8_rd_growth", "第八条",
     ft({"ft_key_enterprise": True, "rd_expense": {2024: "1亿", 2025: "1.5亿"},
         "ft_district_rd_growth": {2025: "10%"}}), 500_000),
    # 第八条: R&D increment 80万 is not "超过100万": nothing.
    ("art8_rd_increment_too_small", "第八条",
     ft({"ft_key_enterprise": True, "rd_expense": {2024: "1000万", 2025: "1080万"},
         "ft_district_rd_growth": {2025: "5%"}}), 0),
    # 第九条: a national platform 100万 and a municipal one 50万.
    ("art9_platforms", "第九条",
     ft(items=[{"id": "N", "kind": "ft_platform", "level": "国家级", "year": 2025},
               {"id": "M", "kind": "ft_platform", "level": "市级", "year": 2025}]), 1_500_000),
    ("art9_no_platform", "第九条", ft(), 0),
    # 第十条: 国家高新技术企业 2025, standard met 2025-2027: 10万 + 10万 + 10万 = 30万.
    ("art10_high_tech_three_instalments", "第十条",
     ft(items=[title("国家高新技术企业", {2025: True, 2026: True, 2027: True})], years="2025-2027"), 300_000),
    # 第十条: standard missed in 2026: "当年达标给予最高10万元" in 2025, nothing in 2026; "后续两年达标
    # 再分别给予最高10万元": 2027 is met, so its 10万 is paid (default reading fengtai.instalments =
    # each_year_met). 10万 + 10万 = 20万.
    ("art10_instalment_each_year_met", "第十条",
     ft(items=[title("国家高新技术企业", {2025: True, 2026: False, 2027: True})], years="2025-2027"), 200_000),
    # 第十条: revenue growth not above the industry: nothing.
    ("art10_no_high_growth", "第十条",
     ft(items=[title("国家高新技术企业", {2025: True}, high_growth=False)]), 0),
    # 第十条: 重点小巨人高质量发展项目: up to 100万.
    ("art10_key_little_giant", "第十条", ft(items=[title("重点小巨人高质量发展项目", {2025: True})]), 1_000_000),
    # 第十一条: 先进级 with 400万 equipment: 20% = 80万 -> 50万 ceiling; 5G factory city award
    # 1000万: 20% = 200万 ≤ 500万. Total 250万.
    ("art11_factory_and_5g_matching", "第十一条",
     ft(items=[{"id": "F", "kind": "smart_factory_title", "level": "先进级", "equipment_software_investment": "400万",
                "year": 2025}, award("G", "五G工厂", "1000万")], years="2024-2025"), 2_500_000),
    # 第十一条: a 数字化车间 is not one of the article's levels: nothing.
    ("art11_digital_workshop_not_covered", "第十一条",
     ft(items=[{"id": "F", "kind": "smart_factory_title", "level": "数字化车间",
                "equipment_software_investment": "400万", "year": 2025}]), 0),
    # 第十二条: old-factory city funds 3000万: 20% = 600万 -> 500万.
    ("art12_old_factory_matching", "第十二条", ft(items=[award("O", "老旧厂房改造", "3000万")], years="2024-2025"),
     5_000_000),
    # 第十二条: the city award is not taken (serious dishonesty under 002): no matching.
    ("art12_matching_needs_the_award", "第十二条",
     ft({"serious_dishonesty_3y": True}, items=[award("O", "老旧厂房改造", "3000万")], years="2024-2025"), 0),
    # 第十三条: robot first-use awards 500万 and 400万 (one direction 机器人首试首用): 30% = 150万 + 120万 =
    # 270万 -> "单个企业年度最高不超过200万元": 200万.
    ("art13_robot_matching_yearly", "第十三条",
     ft(items=[award("R1", "机器人首试首用", "500万"), award("R2", "机器人首试首用", "400万")], years="2024-2025"),
     2_000_000),
    # 第十四条: catalogue entry 30万 + 首台套 city subsidy 500万 × 30% = 150万. Total 180万.
    ("art14_catalogue_and_matching", "第十四条",
     ft(items=[{"id": "C", "kind": "ft_first_set_catalogue", "year": 2025}, award("S", "首台套", "500万")],
        years="2024-2025"), 1_800_000),
    # 第十五条: new-materials first batch award 1000万: 30% = 300万 -> 200万.
    ("art15_new_materials", "第十五条", ft(items=[award("N", "新材料首批次", "1000万")], years="2024-2025"), 2_000_000),
    # 第十六条: IC first tape-out award 200万: 30% = 60万.
    ("art16_ic_tapeout", "第十六条", ft(items=[award("I", "集成电路首轮流片", "200万")], years="2024-2025"), 600_000),
    # 第十六条: a 首台套 award is not one of 第十六条's: nothing under it.
    ("art16_other_award", "第十六条", ft(items=[award("S", "首台套", "200万")], years="2024-2025"), 0),
    # 第十七条: a chain leader attracting 12 enterprises of ≥2000万 in 2025: 12 × 5万 = 60万 -> 50万 a year.
    ("art17_yearly_50w", "第十七条",
     ft({"ft_chain_leader": True}, items=[{"id": f"E{n}", "kind": "ft_attracted_enterprise", "revenue": "3000万",
                                           "role": "链主吸引", "year": 2025} for n in range(12)]), 500_000),
    # 第十七条: an attracted enterprise of 1500万 < 2000万: nothing.
    ("art17_too_small", "第十七条",
     ft({"ft_chain_leader": True}, items=[{"id": "E", "kind": "ft_attracted_enterprise", "revenue": "1500万",
                                           "role": "链主吸引", "year": 2025}]), 0),
    # 第十八条: a service institution cultivating 3 enterprises: 15万.
    ("art18_three_cultivated", "第十八条",
     ft({"ft_service_institution": True}, items=[{"id": f"E{n}", "kind": "ft_attracted_enterprise",
                                                  "revenue": "2000万", "role": "机构培育", "year": 2025}
                                                 for n in range(3)]), 150_000),
    ("art18_not_an_institution", "第十八条",
     ft({"ft_service_institution": False}, items=[{"id": "E", "kind": "ft_attracted_enterprise",
                                                   "revenue": "2000万", "role": "机构培育", "year": 2025}]), 0),
    # 第十九条: as 发榜企业 with a new-entrant solver, contract 500万: 30% = 150万; as a 揭榜企业 new to
    # the district that lands the product in 丰台 (default reading fengtai.solver_new_entrant =
    # new_entrant), contract 1000万: 15% = 150万 -> "单个项目最高支持100万元": 100万. Total 250万.
    ("art19_issuer_and_solver", "第十九条",
     ft(items=[{"id": "A", "kind": "ft_scenario_contract", "role": "发榜", "amount": "500万", "counterpart_new": True,
                "year": 2025},
               {"id": "B", "kind": "ft_scenario_contract", "role": "揭榜", "amount": "1000万",
                "counterpart_new": False, "new_entrant": True, "lands_in_fengtai": True, "year": 2025}]),
     2_500_000),
    # 第十九条: the solver is not a new entrant: the issuer gets nothing.
    ("art19_counterpart_not_new", "第十九条",
     ft(items=[{"id": "A", "kind": "ft_scenario_contract", "role": "发榜", "amount": "500万",
                "counterpart_new": False, "year": 2025}]), 0),
]


@pytest.mark.parametrize("name,article,profile,expected", CASES, ids=[c[0] for c in CASES])
def test_fengtai_article(solve, name, article, profile, expected):
    r = solve(profile, include_drafts=True)
    assert r.status == "optimal"
    assert sum(p.amount for p in r.payments if (p.policy, p.article) == ("fengtai", article)) == expected


def test_art23_exclusion_refuses_every_clause(solve):
    # 第二十三条 "发生一般生产安全事故…的不予支持": 第九条 would pay 100万.
    r = solve(ft({"ft_safety_accident": True}, items=[{"id": "N", "kind": "ft_platform", "level": "国家级",
                                                        "year": 2025}]), include_drafts=True)
    assert all(p.policy != "fengtai" for p in r.payments)
    assert any(n.policy == "fengtai" and "第二十三条" in n.reason for n in r.not_taken)


def test_draft_clauses_vanish_without_the_option(solve):
    r = solve(ft(items=[{"id": "N", "kind": "ft_platform", "level": "国家级", "year": 2025}]))
    assert r.total == 0
    assert {n.kind for n in r.not_taken if n.policy == "fengtai"} == {"draft"}


def test_art10_a_little_giant_needs_no_high_growth(solve):
    # 第十条: "具备高成长性" is a condition of the first sentence (国家高新技术企业、专精特新中小企业);
    # the 小巨人 sentence asks only "年度营业收入增速超过行业平均水平": met in 2025, 17万.
    r = solve(ft(items=[title("专精特新小巨人", {2025: True}, high_growth=False)]), include_drafts=True)
    assert sum(p.amount for p in r.payments if p.article == "第十条") == 170_000
    # a 国家高新技术企业 without high growth: nothing
    r = solve(ft(items=[title("国家高新技术企业", {2025: True}, high_growth=False)]), include_drafts=True)
    assert sum(p.amount for p in r.payments if p.article == "第十条") == 0
