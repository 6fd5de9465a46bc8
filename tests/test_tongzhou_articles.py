"""000 (通州 实施细则) and 003 (通政发〔2024〕8号): each article once paying, once not.

Every row's expected figure is worked from the article's words in the comment above it.
The base enterprise is registered in 通州区, in advanced manufacturing, without 一事一议.
"""
from __future__ import annotations

import pytest

from .conftest import extend, paid

BASE = {"enterprise": "通州测试企业", "years": 2025,
        "facts": {"district": "通州区", "tz_advanced_manufacturing": True, "tz_one_case_support": False,
                  "registered_in_beijing": True, "serious_dishonesty_3y": False},
        "items": []}


def tz(facts=None, items=None, years=2025) -> dict:
    return extend(BASE, facts, items, years)


def project(id_, type_, approved="0元", fixed="0元", old=False, assessed=True, years="2025"):
    return {"id": id_, "kind": "tz_project", "type": type_, "approved_investment": approved,
            "fixed_asset_investment": fixed, "old_factory": old, "assessed": assessed, "years": years}


def award(id_, programme, amount, claim=2025, direction=None):
    return {"id": id_, "kind": "city_award", "direction": direction or programme, "programme": programme,
            "amount": amount, "year": 2024, "claim_year": claim, "status": "candidate",
            "investment_project": False, "other_city_funds": False, "major_project": False}


CASES = [
    # (name, policy, article, profile, expected paid by that article)
    # 000 第四条: pilot project, approved 2000万: 30% = 600万 ≤ 1000万 cumulative.
    ("000_art4_pilot_30_percent", "tongzhou_mfg", "第四条",
     tz(items=[project("P", "小试中试验证", "2000万", years="2025-2027")], years="2025-2027"), 6_000_000),
    # 000 第四条: approved 5000万: 30% = 1500万, "累计最高支持1000万元" over the years: 1000万.
    ("000_art4_cumulative_ceiling_1000w", "tongzhou_mfg", "第四条",
     tz(items=[project("P", "小试中试验证", "5000万", years="2025-2027")], years="2025-2027"), 10_000_000),
    # 000 第四条: an industrialisation project is not a 小试中试验证 project: 0 here.
    ("000_art4_other_project_type_pays_nothing", "tongzhou_mfg", "第四条",
     tz(items=[project("P", "应用场景", "2000万")]), 0),
    # 000 第五条: contract 500万 × 30% = 150万, plus matching 50% × 城市首台套 200万 = 100万: 250万 ≤ 300万.
    ("000_art5_contract_and_matching", "tongzhou_mfg", "第五条",
     tz(items=[{"id": "C", "kind": "tz_first_set_contract", "contract_amount": "500万", "year": 2025},
               award("S", "首台套", "200万")], years="2024-2025"), 2_500_000),
    # 000 第五条: contract 2000万 × 30% = 600万 > "单个企业每年最高支持300万元": 300万.
    ("000_art5_enterprise_year_ceiling", "tongzhou_mfg", "第五条",
     tz(items=[{"id": "C", "kind": "tz_first_set_contract", "contract_amount": "2000万", "year": 2025}]), 3_000_000),
    # 000 第五条: a 并购重组 city award is not a 首台套/首批次 award: no matching under 第五条.
    ("000_art5_other_programme_not_matched", "tongzhou_mfg", "第五条",
     tz(items=[award("M", "并购重组", "200万")], years="2024-2025"), 0),
    # 000 第六条: assessed scenario project: "累计最高200万元" — but 003 （十四） pays the same
    # project up to 300万 and 从优不重复 takes the higher (DESIGN §7): 第六条 pays 0 ...
    ("000_art6_scenario_loses_to_003_14", "tongzhou_mfg", "第六条",
     tz(items=[project("S", "应用场景")]), 0),
    # ... and （十四） pays 300万.
    ("003_14_scenario_project_300w", "tongzhou", "（十四）", tz(items=[project("S", "应用场景")]), 3_000_000),
    # 003 （十四）: a project not assessed ("经认定") pays nothing.
    ("003_14_unassessed_pays_nothing", "tongzhou", "（十四）", tz(items=[project("S", "应用场景", assessed=False)]), 0),
    # 000 第七条: 市级企业技术中心 up to 50万 — 003 （九） gives up to 500万 to a first 市级
    # recognition of an 企业技术中心, so the higher wins there. Promoted without first_time, 003
    # （九） does not apply: 国家级 500万 minus 200万 already received at the 市级 level = 300万.
    ("000_art7_promotion_pays_the_difference", "tongzhou_mfg", "第七条",
     tz(items=[{"id": "T", "kind": "tz_innovation_title", "level": "国家级", "first_time": False,
                "previous_support": "200万", "year": 2025}]), 3_000_000),
    # 000 第七条: a first national title: 第七条 500万 vs 003 （九） 500万: equal; one only.
    ("000_art7_or_003_9_one_only", None, None,
     tz(items=[{"id": "T", "kind": "tz_innovation_title", "level": "国家级", "first_time": True, "year": 2025}]),
     5_000_000),
    # 000 第八条: 区级育新基地, results assessed 200万 in 2025 and 2026: 区级 cumulative 300万.
    ("000_art8_district_base_cumulative_300w", "tongzhou_mfg", "第八条",
     tz(items=[{"id": "B", "kind": "tz_incubation_base", "level": "区级",
                "annual_results": {2025: "200万", 2026: "200万"}}], years="2025-2026"), 3_000_000),
    # 000 第八条: no base: nothing.
    ("000_art8_no_base", "tongzhou_mfg", "第八条", tz(), 0),
    # 000 第九条: 新智造100 city award 300万: 50% = 150万 > "单个企业每年给予最高100万元": 100万.
    ("000_art9_xinzhizao_matching_capped", "tongzhou_mfg", "第九条",
     tz(items=[award("X", "新智造100", "300万")], years="2024-2025"), 1_000_000),
    # 000 第九条: 灯塔工厂 up to 500万 (003 （八） gives only 300万): 500万.
    ("000_art9_lighthouse_500w", "tongzhou_mfg", "第九条",
     tz(items=[{"id": "F", "kind": "smart_factory_title", "level": "灯塔工厂", "year": 2025}]), 5_000_000),
    # 000 第九条 晋级: 卓越级 300万 after 先进级 got 50万: the difference 250万 — but 003 （八）
    # does not cover 卓越级; so 250万.
    ("000_art9_smart_factory_promotion", "tongzhou_mfg", "第九条",
     tz(items=[{"id": "F", "kind": "smart_factory_title", "level": "卓越级", "previous_support": "50万",
                "year": 2025}]), 2_500_000),
    # 000 第十条: interest 2025 300万, 2026 400万, 2027 500万: ≤ 1000万 cumulative: 1000万.
    ("000_art10_interest_cumulative", "tongzhou_mfg", "第十条",
     tz(items=[{"id": "L", "kind": "tz_loan", "interest": {2025: "300万", 2026: "400万", 2027: "500万"},
                "principal": "1亿", "first_loan": False, "guaranteed": False, "year": 2025}],
        years="2025-2027"), 10_000_000),
    # 000 第十一条: 1:1 of a 6000万 并购重组 award, "累计最高支持5000万元": 5000万.
    ("000_art11_merger_matching_capped", "tongzhou_mfg", "第十一条",
     tz(items=[award("M", "并购重组", "6000万")], years="2024-2025"), 50_000_000),
    # 000 第十一条: the matching needs the city award in the plan: the enterprise has serious
    # dishonesty, so 002 四(二)1 refuses the award and 第十一条 pays nothing.
    ("000_art11_no_city_award_no_matching", "tongzhou_mfg", "第十一条",
     tz({"serious_dishonesty_3y": True}, items=[award("M", "并购重组", "1000万")], years="2024-2025"), 0),
    # 000 第十二条: 6 certification types × 10万 + 5 products × 10万 = 110万 > 100万 a year: 100万.
    ("000_art12_per_unit_yearly_ceiling", "tongzhou_mfg", "第十二条",
     tz(items=[{"id": f"C{n}", "kind": "tz_certification", "year": 2025} for n in range(6)]
        + [{"id": f"L{n}", "kind": "tz_lab_accreditation", "year": 2025} for n in range(5)]), 1_000_000),
    # 000 第十二条: two certifications: 20万.
    ("000_art12_two_certifications", "tongzhou_mfg", "第十二条",
     tz(items=[{"id": f"C{n}", "kind": "tz_certification", "year": 2025} for n in range(2)]), 200_000),
    # 000 第十三条: national 50万 + local 30万 + group 10万 = 90万 ≤ 100万.
    ("000_art13_standards", "tongzhou_mfg", "第十三条",
     tz(items=[{"id": n, "kind": "standard", "level": lv, "central_kitchen_field": False, "lead_drafter": False,
                "year": 2025} for n, lv in (("N", "国家标准"), ("D", "地方标准"), ("G", "团体标准"))]), 900_000),
    # 000 第十三条: three national standards: 150万 > 100万 a year: 100万.
    ("000_art13_yearly_ceiling", "tongzhou_mfg", "第十三条",
     tz(items=[{"id": f"N{n}", "kind": "standard", "level": "国家标准", "central_kitchen_field": False,
                "lead_drafter": False, "year": 2025} for n in range(3)]), 1_000_000),
    # 000 第十四条: event cost 120万: 50% = 60万.
    ("000_art14_event_half_cost", "tongzhou_mfg", "第十四条",
     tz(items=[{"id": "E", "kind": "tz_event", "cost": "120万", "year": 2025}]), 600_000),
    # 000 第十四条: no event: nothing.
    ("000_art14_no_event", "tongzhou_mfg", "第十四条", tz(), 0),
    # 000 第十五条: demonstration unit 100万 + national design centre 500万.
    ("000_art15_demo_and_design_centre", "tongzhou_mfg", "第十五条",
     tz({"tz_integration_demo": True}, items=[{"id": "D", "kind": "tz_design_centre", "level": "国家级",
                                                "year": 2025}]), 6_000_000),
    # 000 第十五条: not a demonstration unit, no design centre: nothing.
    ("000_art15_nothing", "tongzhou_mfg", "第十五条", tz({"tz_integration_demo": False}), 0),
    # 000 第十六条: contracts 10万 and 20万: 30% = 3万 + 6万 = 9万 > "年度补贴金额不超过5万元": 5万.
    ("000_art16_vouchers_yearly_5w", "tongzhou_mfg", "第十六条",
     tz({"tz_sme": True}, items=[{"id": "V1", "kind": "tz_service_contract", "amount": "10万", "year": 2025},
                                 {"id": "V2", "kind": "tz_service_contract", "amount": "20万", "year": 2025}]),
     50_000),
    # 000 第十六条: a large enterprise gets no innovation vouchers.
    ("000_art16_not_sme", "tongzhou_mfg", "第十六条",
     tz({"tz_sme": False}, items=[{"id": "V1", "kind": "tz_service_contract", "amount": "10万", "year": 2025}]), 0),
    # 003 （一）: a new chain head, contribution 2000万: up to 70% = 1400万.
    ("003_1_new_chain_head_70_percent", "tongzhou", "（一）",
     tz({"tz_chain_head": "新增头部企业", "regional_contribution": {2025: "2000万"}}), 14_000_000),
    # 003 （一）: an existing head, 2024 1500万 -> 2025 2000万: 70% of the 500万 increment = 350万.
    ("003_1_existing_head_increment", "tongzhou", "（一）",
     tz({"tz_chain_head": "存量头部企业", "regional_contribution": {2024: "1500万", 2025: "2000万"}}), 3_500_000),
    # 003 （一）: an existing head whose contribution fell: nothing.
    ("003_1_no_increment", "tongzhou", "（一）",
     tz({"tz_chain_head": "存量头部企业", "regional_contribution": {2024: "2500万", 2025: "2000万"}}), 0),
    # 003 （二）: introduced by a park operator, contribution 800万 over a standard of 300万: 70% × 500万.
    ("003_2_above_standard", "tongzhou", "（二）",
     tz({"tz_introduced_by_operator": True, "regional_contribution": {2025: "800万"},
         "contribution_standard": {2025: "300万"}}), 3_500_000),
    # 003 （二）: below the standard: nothing.
    ("003_2_below_standard", "tongzhou", "（二）",
     tz({"tz_introduced_by_operator": True, "regional_contribution": {2025: "200万"},
         "contribution_standard": {2025: "300万"}}), 0),
    # 003 （三）: an incubation platform over 2025-2028: "连续三年每年最高1000万元": 3000万.
    ("003_3_incubation_three_years", "tongzhou", "（三）",
     tz(items=[project("I", "孵化平台", years="2025-2028")], years="2025-2028"), 30_000_000),
    # 003 （四）: a common-technology platform: up to 1000万.
    ("003_4_common_tech_platform", "tongzhou", "（四）", tz(items=[project("C", "共性技术平台")]), 10_000_000),
    # 003 （六）: fund-introduced, 1000万 over a 400万 standard: 70% × 600万 = 420万; platform
    # introduced an enterprise of contribution 1000万 at scale: 15% = 150万. Total 570万.
    ("003_6_fund_and_platform", "tongzhou", "（六）",
     tz({"tz_introduced_by_fund": True, "regional_contribution": {2025: "1000万"},
         "contribution_standard": {2025: "400万"}},
        items=[{"id": "E", "kind": "tz_introduced_enterprise", "contribution": "1000万", "reached_scale": True,
                "year": 2025}]), 5_700_000),
    # 003 （六）: the introduced enterprise has not reached scale: nothing from the platform part.
    ("003_6_not_at_scale", "tongzhou", "（六）",
     tz(items=[{"id": "E", "kind": "tz_introduced_enterprise", "contribution": "1000万", "reached_scale": False,
                "year": 2025}]), 0),
    # 003 （七）: R&D expense in 2025: up to 300万; plus a consortium result: up to 500万.
    ("003_7_rd_and_consortium", "tongzhou", "（七）",
     tz({"rd_expense": {2025: "800万"}}, items=[{"id": "R", "kind": "tz_consortium_result", "year": 2025}]),
     8_000_000),
    # 003 （七）: no R&D expense: nothing.
    ("003_7_no_rd", "tongzhou", "（七）", tz({"rd_expense": {2025: "0元"}}), 0),
    # 003 （八）: a 数字化车间 title: （八） up to 300万 beats 000 第九条's 50万.
    ("003_8_digital_workshop", "tongzhou", "（八）",
     tz(items=[{"id": "W", "kind": "smart_factory_title", "level": "数字化车间", "year": 2025}]), 3_000_000),
    # 003 （十）: a new 国家级专精特新小巨人: up to 300万.
    ("003_10_little_giant", "tongzhou", "（十）",
     tz(items=[{"id": "G", "kind": "tz_specialised_title", "title": "国家级专精特新小巨人", "year": 2025}]),
     3_000_000),
    # 003 （十一）: a green-factory action: up to 300万.
    ("003_11_green", "tongzhou", "（十一）", tz(items=[{"id": "G", "kind": "tz_green_action", "year": 2025}]),
     3_000_000),
    # 003 （十三）: a professional service institution: up to 200万 once.
    ("003_13_professional_services", "tongzhou", "（十三）", tz({"tz_professional_service": True}), 2_000_000),
    ("003_13_not_an_institution", "tongzhou", "（十三）", tz({"tz_professional_service": False}), 0),
    # 003 （十七）: old-factory renovation, fixed assets 2000万: 30% = 600万 ≤ 1000万 (the project
    # is not an 产业化 project, so 000 第九条 does not compete).
    ("003_17_old_factory", "tongzhou", "（十七）",
     tz(items=[project("O", "应用场景", fixed="2000万", old=True, assessed=False)]), 6_000_000),
    # 003 （二十二）: an SME's first loan of 1000万, guaranteed: 1% interest + 1% guarantee = 20万.
    # The same loan's interest (10万) under 000 第十条 is less: 从优不重复 keeps the 20万.
    ("003_22_first_loan", "tongzhou", "（二十二）",
     tz({"tz_sme": True}, items=[{"id": "L", "kind": "tz_loan", "interest": {2025: "10万"}, "principal": "1000万",
                                  "first_loan": True, "guaranteed": True, "year": 2025}]), 200_000),
    # 003 （二十二）: not the first loan: nothing from （二十二） (000 第十条 pays its interest instead).
    ("003_22_not_first_loan", "tongzhou", "（二十二）",
     tz({"tz_sme": True}, items=[{"id": "L", "kind": "tz_loan", "interest": {2025: "40万"}, "principal": "1000万",
                                  "first_loan": False, "guaranteed": True, "year": 2025}]), 0),
    # 003 （二十四）: newly listed: up to 1000万.
    ("003_24_listing", "tongzhou", "（二十四）", tz(items=[{"id": "IPO", "kind": "tz_listing", "year": 2025}]),
     10_000_000),
    # 003 （二十五）: a private fund manager, 2025-2026: up to 2000万 a year = 4000万.
    ("003_25_fund_manager", "tongzhou", "（二十五）", tz({"tz_private_fund_manager": True}, years="2025-2026"),
     40_000_000),
]


@pytest.mark.parametrize("name,policy,article,profile,expected", CASES, ids=[c[0] for c in CASES])
def test_tongzhou_article(solve, name, policy, article, profile, expected):
    r = solve(profile)
    assert r.status == "optimal"
    got = sum(p.amount for p in r.payments if policy is None or (p.policy, p.article) == (policy, article))
    assert got == expected


def test_003_one_case_support_excludes_the_whole_policy(solve):
    # 003 结尾段 "享受“一事一议”扶持政策的企业，不适用本措施": （十三） would pay 200万.
    r = solve(tz({"tz_one_case_support": True, "tz_professional_service": True}))
    assert paid(r) == 0 or all(p.policy != "tongzhou" for p in r.payments)
    assert any(n.policy == "tongzhou" and "结尾段" in n.reason for n in r.not_taken)


def test_000_not_in_force_before_its_assumed_issuance(solve):
    # 000 is assumed issued 2025-01-01: a 2024 pilot project year pays nothing under 第四条.
    r = solve(tz(items=[project("P", "小试中试验证", "2000万", years="2024")], years=2024))
    assert paid(r, "第四条") == 0


def test_benefits_are_listed_never_summed(solve):
    r = solve(tz())
    assert any(b["article"] == "（十五）" for b in r.benefits)
    assert r.total == 0


def test_000_art10_beats_003_22_on_the_same_loan(solve):
    # One loan, interest 40万 in 2025: 000 第十条 pays up to the interest, 40万; 003 （二十二）
    # would pay 1% + 1% of 1000万 = 20万. One item, one clause (000 第十八条): 40万 from 第十条.
    r = solve(tz({"tz_sme": True}, items=[{"id": "L", "kind": "tz_loan", "interest": {2025: "40万"},
                                           "principal": "1000万", "first_loan": True, "guaranteed": True,
                                           "year": 2025}]))
    assert [(p.article, p.amount) for p in r.payments] == [("第十条", 400_000)]
