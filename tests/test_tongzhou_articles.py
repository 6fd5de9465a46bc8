"""000 (通州 实施细则) and 003 (通政发〔2024〕8号): every money article paying once and not paying once.

Every expected figure is worked by hand from the article's words, in the comment above the
assertion; none is copied from the program's output. The base enterprise is registered in
通州区, in advanced manufacturing (000 第一条), without 一事一议 (003 结尾段), and states the
enterprise-wide facts of both documents as negative; each test adds what its article needs.
"""
from __future__ import annotations

import pytest

from solver import pipeline

from .conftest import EXAMPLES, extend

BASE = {
    "enterprise": "通州测试企业",
    "years": 2025,
    "facts": {
        "district": "通州区",
        "registered_in_beijing": True,        # 002 四(二)1
        "serious_dishonesty_3y": False,       # 002 四(二)1
        "tz_advanced_manufacturing": True,    # 000 第一条
        "tz_one_case_support": False,         # 003 结尾段
        "tz_sme": False,                      # 000 第十六条, 003 （二十二）
        "tz_integration_demo": False,         # 000 第十五条
        "tz_chain_head": "非头部企业",         # 003 （一）
        "tz_introduced_by_operator": False,   # 003 （二）
        "tz_introduced_by_fund": False,       # 003 （六）
        "tz_signed_investment_platform": False,  # 003 （六） second sentence
        "tz_professional_service": False,     # 003 （十三）
        "tz_private_fund_manager": False,     # 003 （二十五）
        # rd_expense (003 （七）) is yearly: tests that need it give it.
    },
    "items": [],
}


def tz(facts=None, items=None, years=2025) -> dict:
    return extend(BASE, facts, items, years)


def project(id_, type_, approved="0元", fixed="0元", old=False, assessed=True, years="2025"):
    return {"id": id_, "kind": "tz_project", "type": type_, "approved_investment": approved,
            "fixed_asset_investment": fixed, "old_factory": old, "assessed": assessed, "years": years}


def award(id_, programme, amount, claim=2025, status="candidate", direction=None):
    """A 2024 city (高精尖) award whose district matching is claimed in `claim`."""
    return {"id": id_, "kind": "city_award", "direction": direction or programme, "programme": programme,
            "amount": amount, "year": 2024, "claim_year": claim, "status": status,
            "investment_project": False, "other_city_funds": False, "major_project": False}


def title(id_, level, first_time=False, previous="0元", year=2025):
    t = {"id": id_, "kind": "tz_innovation_title", "level": level, "first_time": first_time, "year": year}
    if previous is not None:
        t["previous_support"] = previous
    return t


def smart(id_, level, previous="0元", year=2025):
    t = {"id": id_, "kind": "smart_factory_title", "level": level, "equipment_software_investment": "0元",
         "year": year}
    if previous is not None:
        t["previous_support"] = previous
    return t


def loan(id_, interest, principal="1000万", first=False, guaranteed=False, city=None):
    """A loan; `city` is the city's interest subsidy on it by year (none unless given: 0元)."""
    return {"id": id_, "kind": "tz_loan", "interest": interest, "principal": principal, "first_loan": first,
            "guaranteed": guaranteed, "year": min(interest), "city_interest_subsidy": city or {y: "0元" for y in interest}}


def std(id_, level, year=2025):
    return {"id": id_, "kind": "standard", "level": level, "central_kitchen_field": False, "lead_drafter": False,
            "year": year}


def by(result, policy, article) -> int:
    """What one article of one policy paid in the plan."""
    return sum(p.amount for p in result.payments if (p.policy, p.article) == (policy, article))


MFG, TZ = "tongzhou_mfg", "tongzhou"


@pytest.fixture
def run(solve):
    def go(profile, readings=None):
        r = solve(profile, readings=readings)
        assert r.status == "optimal"
        return r
    return go


HIGHER = ["tongzhou_mfg.governs=higher_figure"]  # 000 and 003 both apply; 从优不重复 takes the higher
NOT_000 = {"tz_advanced_manufacturing": False}  # 000 第一条 refuses: 003's own figure, alone


# ---- acceptance examples -------------------------------------------------------------------
def test_acceptance_tongzhou_city_direction_takes_merger_and_its_matching():
    # 002 四(二)2: one direction in 2024. 并购重组: 1200万 + 000 第十一条 "按照市级支持资金最高给予
    # 1:1配套支持" 1200万 = 2400万. 首台套: 1500万 + 000 第五条 min(50% × 1500万 = 750万,
    # "单个企业每年最高支持300万元") = 1800万. The higher: 24000000 元.
    r = _example("tongzhou-city-direction.yaml")
    assert r.status == "optimal" and r.total == 24_000_000
    assert by(r, "city2024", "四(二)2") == 12_000_000 and by(r, MFG, "第十一条") == 12_000_000
    # matching pays only on the award the plan takes: no 第五条 on the 首台套 award
    assert by(r, MFG, "第五条") == 0


def test_acceptance_tongzhou_projects_one_clause_per_project():
    # 产线智能化改造: 000 第九条 30% × 4000万 = 1200万 (≤ 2000万) vs 003 （十七） min(30% × 4000万,
    # 1000万) = 1000万: 从优不重复, 1200万. 中试验证线: 000 第四条 30% × 2500万 = 750万 (≤ 1000万).
    # 1200万 + 750万 = 19500000 元.
    r = _example("tongzhou-projects.yaml")
    assert r.status == "optimal" and r.total == 19_500_000
    assert {(p.article, p.item) for p in r.payments} == {("第九条", "产线智能化改造"), ("第四条", "中试验证线")}


def _example(name):
    return pipeline.optimize(str(EXAMPLES / name))


# ---- 000 第一条 (condition) -------------------------------------------------------------------
def test_000_art1_other_district_pays_nothing(run):
    # 第一条 + DESIGN §6: a 朝阳区 enterprise's pilot project is not paid by 000 (nor by 003).
    r = run(tz({"district": "朝阳区"}, [project("P", "小试中试验证", "2000万")]))
    assert r.total == 0
    assert any(n.policy == MFG and "第一条" in n.reason for n in r.not_taken)


def test_000_art1_not_advanced_manufacturing_pays_nothing(run):
    r = run(tz({"tz_advanced_manufacturing": False}, [project("P", "小试中试验证", "2000万")]))
    assert by(r, MFG, "第四条") == 0


# ---- 000 第四条 --------------------------------------------------------------------------------
def test_000_art4_pilot_30_percent_of_the_total_over_its_years(run):
    # "按照不超过项目核定总投资的30%": 30% × 2000万 = 600万 ≤ 1000万, for the project over its three
    # years together (DESIGN §7), not 600万 a year.
    r = run(tz(items=[project("P", "小试中试验证", "2000万", years="2025-2027")], years="2025-2027"))
    assert by(r, MFG, "第四条") == 6_000_000


def test_000_art4_multi_year_cumulative_ceiling_1000w(run):
    # 30% × 5000万 = 1500万 > "累计最高支持1000万元": the sum over 2025-2027 is 1000万.
    r = run(tz(items=[project("P", "小试中试验证", "5000万", years="2025-2027")], years="2025-2027"))
    assert by(r, MFG, "第四条") == 10_000_000
    assert len({p.year for p in r.payments if p.article == "第四条"}) <= 3


def test_000_art4_other_project_type_pays_nothing(run):
    # "产品小试中试验证项目" only: a scenario project is not one.
    r = run(tz(items=[project("P", "应用场景", "2000万", assessed=False)]))
    assert by(r, MFG, "第四条") == 0


def test_000_art4_not_in_force_before_its_assumed_issuance(run):
    # 000 is assumed issued 2025-01-01 (DESIGN §7): a 2024 project year pays nothing.
    r = run(tz(items=[project("P", "小试中试验证", "2000万", years="2024")], years=2024))
    assert by(r, MFG, "第四条") == 0


# ---- 000 第五条 --------------------------------------------------------------------------------
def test_000_art5_contract_and_matching_stack(run):
    # contract 500万 × 30% = 150万; "对获得市级首台（套）…支持的企业，按照不超过市级资金的50%给予配套":
    # 50% × 200万 = 100万; 150万 + 100万 = 250万 ≤ 300万 a year.
    r = run(tz(items=[{"id": "C", "kind": "tz_first_set_contract", "contract_amount": "500万", "year": 2025},
                      award("S", "首台套", "200万")], years="2024-2025"))
    assert by(r, MFG, "第五条") == 2_500_000


def test_000_art5_two_parts_share_300w_per_enterprise_year(run):
    # contract 800万 × 30% = 240万 + matching 50% × 200万 = 100万 = 340万 > "单个企业每年最高支持
    # 300万元" (both sentences together): 300万.
    r = run(tz(items=[{"id": "C", "kind": "tz_first_set_contract", "contract_amount": "800万", "year": 2025},
                      award("S", "首台套", "200万")], years="2024-2025"))
    assert by(r, MFG, "第五条") == 3_000_000


def test_000_art5_ceiling_is_per_year(run):
    # two contracts of 2000万, in 2025 and 2026: 600万 each > 300万 → 300万 in each year = 600万.
    r = run(tz(items=[{"id": "C1", "kind": "tz_first_set_contract", "contract_amount": "2000万", "year": 2025},
                      {"id": "C2", "kind": "tz_first_set_contract", "contract_amount": "2000万", "year": 2026}],
               years="2025-2026"))
    assert by(r, MFG, "第五条") == 6_000_000


def test_000_art5_new_material_first_batch_is_matched(run):
    # reading: a city 新材料首批次 award is a "市级首批次支持": 50% × 200万 = 100万.
    r = run(tz(items=[award("S", "新材料首批次", "200万")], years="2024-2025"))
    assert by(r, MFG, "第五条") == 1_000_000


def test_000_art5_other_programme_not_matched(run):
    # a 并购重组 city award is not a 首台（套）/首批次 award: nothing under 第五条.
    r = run(tz(items=[award("M", "并购重组", "200万")], years="2024-2025"))
    assert by(r, MFG, "第五条") == 0


# ---- 000 第六条 --------------------------------------------------------------------------------
def test_000_art6_scenario_cumulative_200w(run):
    # The assessed scenario project of 2025-2027 gets "累计最高200万元" over its years: 200万 (003
    # （十四） pays none of it under tongzhou_mfg.governs = detailed_rules: 000 第六条 governs).
    r = run(tz(items=[project("S", "应用场景", years="2025-2027")], years="2025-2027"))
    assert by(r, MFG, "第六条") == 2_000_000 and r.total == 2_000_000


def test_000_with_one_case_support(run):
    # tongzhou_mfg.one_case = carried (default): 003's "享受“一事一议”扶持政策的企业，不适用本措施"
    # reaches 000, which implements 003: nothing. not_carried: 000 第六条 pays its 200万.
    profile = tz({"tz_one_case_support": True}, [project("S", "应用场景", years="2025-2027")], years="2025-2027")
    assert run(profile).total == 0
    r = run(profile, ["tongzhou_mfg.one_case=not_carried"])
    assert by(r, MFG, "第六条") == 2_000_000 and r.total == 2_000_000


def test_000_art6_and_003_14_on_the_same_project(run):
    # detailed_rules (default): 000 第六条 governs an advanced manufacturer's scenario project: up to 200万.
    r = run(tz(items=[project("S", "应用场景")]))
    assert by(r, MFG, "第六条") == 2_000_000 and by(r, TZ, "（十四）") == 0 and r.total == 2_000_000
    # higher_figure: 从优不重复 between 000 and 003 on one project: 第六条 up to 200万, 003 （十四）
    # up to 300万: the higher, 300万, from （十四）; 第六条 pays nothing.
    r = run(tz(items=[project("S", "应用场景")]), HIGHER)
    assert by(r, MFG, "第六条") == 0 and by(r, TZ, "（十四）") == 3_000_000 and r.total == 3_000_000


def test_000_art6_unassessed_pays_nothing(run):
    # "经认定" fails.
    r = run(tz({"tz_one_case_support": True}, [project("S", "应用场景", assessed=False)]))
    assert by(r, MFG, "第六条") == 0


# ---- 000 第七条 --------------------------------------------------------------------------------
def test_000_art7_promotion_pays_the_difference(run):
    # "晋级享受差额支持": 国家级 "最高500万元" minus the 200万 received at the 市级平台 level = 300万.
    # Not a first recognition, so 003 （九） does not compete.
    r = run(tz(items=[title("T", "国家级", previous="200万")]))
    assert by(r, MFG, "第七条") == 3_000_000


def test_000_art7_city_technology_centre_50w(run):
    # "获得市级企业技术中心荣誉称号的给予最高50万元支持" (not first-time: 003 （九） does not apply).
    r = run(tz(items=[title("T", "市级企业技术中心")]))
    assert by(r, MFG, "第七条") == 500_000


def test_000_art7_promotion_with_nothing_left_pays_nothing(run):
    # 市级平台 200万 minus 200万 already received = 0.
    r = run(tz(items=[title("T", "市级平台", previous="200万")]))
    assert by(r, MFG, "第七条") == 0


def test_000_art7_and_003_9_never_both(run):
    # A first national title: 第七条 up to 500万, 003 （九） up to 500万 — one title, one clause: 500万.
    r = run(tz(items=[title("T", "国家级", first_time=True)]))
    assert r.total == 5_000_000
    assert by(r, MFG, "第七条") + by(r, TZ, "（九）") == 5_000_000


def test_000_art7_and_003_9_on_a_first_technology_centre(run):
    # detailed_rules (default): 第七条 "获得市级企业技术中心荣誉称号的给予最高50万元支持": 50万; （九） none.
    r = run(tz(items=[title("T", "市级企业技术中心", first_time=True)]))
    assert by(r, MFG, "第七条") == 500_000 and by(r, TZ, "（九）") == 0
    # higher_figure: 第七条 50万 vs 003 （九） "首次获得…市级认定的，给予最高500万元": 500万.
    r = run(tz(items=[title("T", "市级企业技术中心", first_time=True)]), HIGHER)
    assert by(r, MFG, "第七条") == 0 and by(r, TZ, "（九）") == 5_000_000


# ---- 000 第八条 --------------------------------------------------------------------------------
def test_000_art8_district_base_cumulative_300w(run):
    # 区级 base, results 200万 in 2025 and in 2026: 400万 > "区级育新基地累计最高支持300万元": 300万.
    r = run(tz(items=[{"id": "B", "kind": "tz_incubation_base", "level": "区级",
                       "annual_results": {2025: "200万", 2026: "200万"}}], years="2025-2026"))
    assert by(r, MFG, "第八条") == 3_000_000


def test_000_art8_city_base_three_years_500w(run):
    # 市级 base, 200万 a year over three consecutive years: 600万 > 500万: 500万.
    r = run(tz(items=[{"id": "B", "kind": "tz_incubation_base", "level": "市级",
                       "annual_results": {2025: "200万", 2026: "200万", 2027: "200万"}}], years="2025-2027"))
    assert by(r, MFG, "第八条") == 5_000_000


def test_000_art8_results_below_the_ceiling(run):
    # "按年度建设成果给予支持": 100万 + 150万 = 250万 ≤ 500万.
    r = run(tz(items=[{"id": "B", "kind": "tz_incubation_base", "level": "市级",
                       "annual_results": {2025: "100万", 2026: "150万"}}], years="2025-2026"))
    assert by(r, MFG, "第八条") == 2_500_000


def test_000_art8_no_base_pays_nothing(run):
    assert by(run(tz()), MFG, "第八条") == 0


# ---- 000 第九条 --------------------------------------------------------------------------------
def test_000_art9_project_30_percent(run):
    # 产业化 project, approved 4000万, not in an old factory: 30% × 4000万 = 1200万 ≤ 2000万.
    r = run(tz(items=[project("U", "产业化", "4000万", years="2025-2027")], years="2025-2027"))
    assert by(r, MFG, "第九条") == 12_000_000


def test_000_art9_multi_year_cumulative_ceiling_2000w(run):
    # approved 1亿: 30% = 3000万 > "累计最高支持2000万元": 2000万 over 2025-2027.
    r = run(tz(items=[project("U", "产业化", "1亿", years="2025-2027")], years="2025-2027"))
    assert by(r, MFG, "第九条") == 20_000_000


def test_000_art9_xinzhizao_matching_half(run):
    # "对获得市级“新智造100”项目的企业给予最高50%的配套支持": 50% × 100万 = 50万 ≤ 100万.
    r = run(tz(items=[award("X", "新智造100", "100万")], years="2024-2025"))
    assert by(r, MFG, "第九条") == 500_000


def test_000_art9_xinzhizao_matching_capped_100w_a_year(run):
    # 50% × 300万 = 150万 > "单个企业每年给予最高100万元支持": 100万.
    r = run(tz(items=[award("X", "新智造100", "300万")], years="2024-2025"))
    assert by(r, MFG, "第九条") == 1_000_000


def test_000_art9_matching_needs_the_city_award(run):
    # serious dishonesty: 002 四(二)1 refuses the city award, so there is nothing to match.
    r = run(tz({"serious_dishonesty_3y": True}, [award("X", "新智造100", "100万")], years="2024-2025"))
    assert by(r, MFG, "第九条") == 0


def test_000_art9_lighthouse_500w(run):
    # "对获得世界经济论坛“灯塔工厂”的给予最高500万元支持" vs 003 （八） 300万: 500万 from 第九条.
    r = run(tz(items=[smart("F", "灯塔工厂")]))
    assert by(r, MFG, "第九条") == 5_000_000 and r.total == 5_000_000


def test_000_art9_smart_factory_promotion_pays_the_difference(run):
    # 卓越级 "最高300万元" after 50万 received as 先进级: "晋级享受差额支持" → 250万
    # (003 （八） does not name 卓越级).
    r = run(tz(items=[smart("F", "卓越级", previous="50万")]))
    assert by(r, MFG, "第九条") == 2_500_000


def test_000_art9_digital_workshop_and_003_8(run):
    # detailed_rules (default): 第九条 "获得市级智能工厂（先进级）、数字化车间的给予最高50万元支持": 50万.
    r = run(tz(items=[smart("F", "数字化车间")]))
    assert by(r, MFG, "第九条") == 500_000 and by(r, TZ, "（八）") == 0
    # higher_figure: 第九条 up to 50万, 003 （八） up to 300万: one title, the higher: 第九条 0.
    r = run(tz(items=[smart("F", "数字化车间")]), HIGHER)
    assert by(r, MFG, "第九条") == 0 and by(r, TZ, "（八）") == 3_000_000


# ---- 000 第十条 --------------------------------------------------------------------------------
def test_000_art10_interest_cumulative_1000w(run):
    # interest 300万 + 400万 + 500万 = 1200万 > "累计最高支持1000万元": 1000万.
    r = run(tz(items=[loan("L", {2025: "300万", 2026: "400万", 2027: "500万"}, "1亿")], years="2025-2027"))
    assert by(r, MFG, "第十条") == 10_000_000


def test_000_art10_beats_003_22_on_the_same_loan(run):
    # interest 40万: "按照不超过实际利息发生额" 40万; 003 （二十二） 1% + 1% of 1000万 = 20万.
    # One loan, one clause (000 第十八条): 40万 from 第十条.
    r = run(tz({"tz_sme": True}, [loan("L", {2025: "40万"}, first=True, guaranteed=True)]))
    assert [(p.article, p.amount) for p in r.payments] == [("第十条", 400_000)]


def test_000_art10_loses_to_003_22_when_interest_is_smaller(run):
    # interest 10万 < 003 （二十二） 20万: 第十条 pays nothing.
    r = run(tz({"tz_sme": True}, [loan("L", {2025: "10万"}, first=True, guaranteed=True)]))
    assert by(r, MFG, "第十条") == 0 and by(r, TZ, "（二十二）") == 200_000


# ---- 000 第十一条 ------------------------------------------------------------------------------
def test_000_art11_merger_matching_capped_5000w(run):
    # 1:1 of a 6000万 并购重组 award = 6000万 > "累计最高支持5000万元": 5000万.
    r = run(tz(items=[award("M", "并购重组", "6000万")], years="2024-2025"))
    assert by(r, MFG, "第十一条") == 50_000_000


def test_000_art11_no_city_award_no_matching(run):
    # serious dishonesty: 002 四(二)1 refuses the city award: 第十一条 pays nothing.
    r = run(tz({"serious_dishonesty_3y": True}, [award("M", "并购重组", "1000万")], years="2024-2025"))
    assert by(r, MFG, "第十一条") == 0


def test_000_art11_matching_only_when_the_city_award_is_taken(run):
    # A granted 首台套 award (1500万) fixes the 2024 direction (002 四(二)2): the candidate 并购重组
    # award (1200万) cannot be taken, so 第十一条 pays nothing; 第五条 matches the 首台套 award:
    # min(50% × 1500万, 300万) = 300万. Total 1500万 + 300万 = 1800万.
    r = run(tz(items=[award("S", "首台套", "1500万", status="granted"), award("M", "并购重组", "1200万")],
               years="2024-2025"))
    assert by(r, MFG, "第十一条") == 0 and by(r, MFG, "第五条") == 3_000_000
    assert r.total == 18_000_000


# ---- 000 第十二条 ------------------------------------------------------------------------------
def test_000_art12_per_unit_under_yearly_ceiling(run):
    # 6 certification types × 10万 + 5 products × 10万 = 110万 > "单个企业每年最高支持100万元": 100万.
    r = run(tz(items=[{"id": f"C{n}", "kind": "tz_certification", "year": 2025} for n in range(6)]
               + [{"id": f"L{n}", "kind": "tz_lab_accreditation", "year": 2025} for n in range(5)]))
    assert by(r, MFG, "第十二条") == 1_000_000


def test_000_art12_two_certifications(run):
    # "每类认证最高10万元": 2 × 10万 = 20万.
    r = run(tz(items=[{"id": f"C{n}", "kind": "tz_certification", "year": 2025} for n in range(2)]))
    assert by(r, MFG, "第十二条") == 200_000


def test_000_art12_ceiling_is_per_year(run):
    # 6 types in 2025 (60万) and 6 in 2026 (60万): each year ≤ 100万: 120万.
    r = run(tz(items=[{"id": f"C{n}", "kind": "tz_certification", "year": 2025 + n % 2} for n in range(12)],
               years="2025-2026"))
    assert by(r, MFG, "第十二条") == 1_200_000


def test_000_art12_nothing_certified_pays_nothing(run):
    assert by(run(tz()), MFG, "第十二条") == 0


# ---- 000 第十三条 ------------------------------------------------------------------------------
def test_000_art13_standards_by_level(run):
    # 国家标准 50万 + 地方标准 30万 + 团体标准 10万 = 90万 ≤ 100万.
    r = run(tz(items=[std("N", "国家标准"), std("D", "地方标准"), std("G", "团体标准")]))
    assert by(r, MFG, "第十三条") == 900_000


def test_000_art13_yearly_ceiling_100w(run):
    # three national standards: 150万 > "单个企业每年最高支持100万元": 100万.
    r = run(tz(items=[std(f"N{n}", "国家标准") for n in range(3)]))
    assert by(r, MFG, "第十三条") == 1_000_000


def test_000_art13_no_standard_pays_nothing(run):
    assert by(run(tz()), MFG, "第十三条") == 0


# ---- 000 第十四条 ------------------------------------------------------------------------------
def test_000_art14_event_half_its_cost(run):
    # "按照不超过活动实际发生金额的50%": 50% × 120万 = 60万 ≤ 100万.
    r = run(tz(items=[{"id": "E", "kind": "tz_event", "cost": "120万", "year": 2025}]))
    assert by(r, MFG, "第十四条") == 600_000


def test_000_art14_yearly_ceiling_100w(run):
    # three events of 100万: 3 × 50万 = 150万 > "单个企业每年给予最高100万元": 100万.
    r = run(tz(items=[{"id": f"E{n}", "kind": "tz_event", "cost": "100万", "year": 2025} for n in range(3)]))
    assert by(r, MFG, "第十四条") == 1_000_000


def test_000_art14_no_event_pays_nothing(run):
    assert by(run(tz()), MFG, "第十四条") == 0


# ---- 000 第十五条 ------------------------------------------------------------------------------
def test_000_art15_demonstration_and_design_centre(run):
    # "对具有示范意义的主体单位，给予最高100万元" once over 2025-2027 + a national design centre
    # "最高500万元": 100万 + 500万 = 600万.
    r = run(tz({"tz_integration_demo": True},
               [{"id": "D", "kind": "tz_design_centre", "level": "国家级", "year": 2025}], years="2025-2027"))
    assert by(r, MFG, "第十五条") == 6_000_000


def test_000_art15_nothing_pays_nothing(run):
    assert by(run(tz()), MFG, "第十五条") == 0


# ---- 000 第十六条 ------------------------------------------------------------------------------
def test_000_art16_voucher_30_percent_of_a_contract(run):
    # "单笔补贴金额不超过合同总金额的30%": 30% × 10万 = 3万 ≤ 5万.
    r = run(tz({"tz_sme": True}, [{"id": "V", "kind": "tz_service_contract", "amount": "10万", "year": 2025}]))
    assert by(r, MFG, "第十六条") == 30_000


def test_000_art16_vouchers_5w_a_year(run):
    # 30% × 10万 + 30% × 20万 = 3万 + 6万 = 9万 > "单个企业年度补贴金额不超过5万元": 5万.
    r = run(tz({"tz_sme": True}, [{"id": "V1", "kind": "tz_service_contract", "amount": "10万", "year": 2025},
                                  {"id": "V2", "kind": "tz_service_contract", "amount": "20万", "year": 2025}]))
    assert by(r, MFG, "第十六条") == 50_000


def test_000_art16_not_an_sme_pays_nothing(run):
    r = run(tz(items=[{"id": "V", "kind": "tz_service_contract", "amount": "10万", "year": 2025}]))
    assert by(r, MFG, "第十六条") == 0


# ---- 003 结尾段 and dates ----------------------------------------------------------------------
def test_003_one_case_support_excludes_the_whole_policy(run):
    # "享受“一事一议”扶持政策的企业，不适用本措施": （十三） would pay 200万.
    r = run(tz({"tz_one_case_support": True, "tz_professional_service": True}))
    assert all(p.policy != TZ for p in r.payments)
    assert any(n.policy == TZ and "结尾段" in n.reason for n in r.not_taken)


def test_003_in_force_from_2024_02_26(run):
    # "本措施自发布之日起施行" (2024-02-26): a 2023 listing pays nothing, a listing of 2024-06-18 up to
    # 1000万, one of 2024-01-15 nothing (before issue), and one of 2024 with no date nothing: its
    # date is asked for, 2024 being a year the measures are in force on some days only.
    assert by(run(tz(items=[{"id": "IPO", "kind": "tz_listing", "year": 2023}], years=2023)), TZ, "（二十四）") == 0
    for day, paid in (("2024-06-18", 10_000_000), ("2024-01-15", 0)):
        r = run(tz(items=[{"id": "IPO", "kind": "tz_listing", "year": 2024, "date": day}], years=2024))
        assert by(r, TZ, "（二十四）") == paid
    r = run(tz(items=[{"id": "IPO", "kind": "tz_listing", "year": 2024}], years=2024))
    assert r.total == 0 and any(n.kind == "missing" and "date" in n.reason for n in r.not_taken)


# ---- 003 （一）（二）（六）: 区域贡献 -------------------------------------------------------------
def test_003_1_new_chain_head_70_percent(run):
    # "对新增产业链头部企业最高按年度区域贡献的70%": a head since 2025 (reading new_head, default
    # landing_year: paid in that year): 70% × 2000万 = 1400万.
    r = run(tz({"tz_chain_head": "新增头部企业", "tz_chain_head_year": 2025,
                "regional_contribution": {2025: "2000万"}}))
    assert by(r, TZ, "（一）") == 14_000_000


def test_003_1_existing_chain_head_70_percent_of_the_increment(run):
    # "存量…增量部分的70%": 2024 1500万 → 2025 2000万: 70% × 500万 = 350万.
    r = run(tz({"tz_chain_head": "存量头部企业", "regional_contribution": {2024: "1500万", 2025: "2000万"}}))
    assert by(r, TZ, "（一）") == 3_500_000


def test_003_1_existing_chain_head_without_increment_pays_nothing(run):
    r = run(tz({"tz_chain_head": "存量头部企业", "regional_contribution": {2024: "2500万", 2025: "2000万"}}))
    assert by(r, TZ, "（一）") == 0


def test_003_2_share_above_the_standard(run):
    # "年度区域贡献达到既定标准以上部分的70%": 70% × (800万 − 300万) = 350万.
    r = run(tz({"tz_introduced_by_operator": True, "regional_contribution": {2025: "800万"},
                "contribution_standard": {2025: "300万"}}))
    assert by(r, TZ, "（二）") == 3_500_000


def test_003_2_below_the_standard_pays_nothing(run):
    r = run(tz({"tz_introduced_by_operator": True, "regional_contribution": {2025: "200万"},
                "contribution_standard": {2025: "300万"}}))
    assert by(r, TZ, "（二）") == 0


def test_003_1_and_2_one_contribution_one_share(run):
    # reading ("合并计算", 同一事项): a new chain head also introduced by a park operator,
    # a head since 2025, contribution 2000万, standard 300万: （一） 70% × 2000万 = 1400万,
    # （二） 70% × 1700万 = 1190万: one share, the higher: 1400万.
    r = run(tz({"tz_chain_head": "新增头部企业", "tz_chain_head_year": 2025, "tz_introduced_by_operator": True,
                "regional_contribution": {2025: "2000万"}, "contribution_standard": {2025: "300万"}}))
    assert by(r, TZ, "（一）") == 14_000_000 and by(r, TZ, "（二）") == 0 and r.total == 14_000_000


def test_003_1_and_2_the_higher_share_each_year(run):
    # An existing head also introduced by an operator; contribution 1000万 (2024), 2000万 (2025),
    # 2100万 (2026); standard 1500万 (2025), 1000万 (2026).
    #   2025: （一） 70% × (2000万 − 1000万) = 700万; （二） 70% × (2000万 − 1500万) = 350万 → 700万
    #   2026: （一） 70% × (2100万 − 2000万) = 70万;  （二） 70% × (2100万 − 1000万) = 770万 → 770万
    # Each year's contribution is its own matter: 700万 + 770万 = 1470万.
    r = run(tz({"tz_chain_head": "存量头部企业", "tz_introduced_by_operator": True,
                "regional_contribution": {2024: "1000万", 2025: "2000万", 2026: "2100万"},
                "contribution_standard": {2025: "1500万", 2026: "1000万"}}, years="2025-2026"))
    assert r.total == 14_700_000


def test_003_6_fund_introduced_and_platform(run):
    # fund-introduced, 1000万 over a 400万 standard: 70% × 600万 = 420万; the enterprise is also a
    # "经认定并签约的专业招商平台" that introduced an enterprise of yearly contribution 1000万 that
    # reached scale: "不超过年度区域贡献15%的一次性支持" 15% × 1000万 = 150万. 420万 + 150万 = 570万.
    r = run(tz({"tz_introduced_by_fund": True, "tz_signed_investment_platform": True,
                "regional_contribution": {2025: "1000万"}, "contribution_standard": {2025: "400万"}},
               [{"id": "E", "kind": "tz_introduced_enterprise", "contribution": "1000万", "reached_scale": True,
                 "year": 2025}]))
    assert by(r, TZ, "（六）") == 5_700_000


def test_003_6_platform_paid_once(run):
    # "一次性": the signed platform's introduced enterprise at scale in 2025 is paid once over
    # 2025-2026: 15% × 1000万 = 150万.
    r = run(tz({"tz_signed_investment_platform": True}, items=[{"id": "E", "kind": "tz_introduced_enterprise", "contribution": "1000万",
                       "reached_scale": True, "year": 2025}], years="2025-2026"))
    assert by(r, TZ, "（六）") == 1_500_000


def test_003_6_not_at_scale_pays_nothing(run):
    r = run(tz(items=[{"id": "E", "kind": "tz_introduced_enterprise", "contribution": "1000万",
                       "reached_scale": False, "year": 2025}]))
    assert by(r, TZ, "（六）") == 0


def test_003_2_and_6_one_share(run):
    # introduced both by an operator and by a fund, 1000万 over 400万: 70% × 600万 = 420万 once
    # (one matter), not 840万.
    r = run(tz({"tz_introduced_by_operator": True, "tz_introduced_by_fund": True,
                "regional_contribution": {2025: "1000万"}, "contribution_standard": {2025: "400万"}}))
    assert r.total == 4_200_000


# ---- 003 （三）（四） -------------------------------------------------------------------------
def test_003_3_incubation_three_years_of_1000w(run):
    # "连续三年每年最高1000万元": a platform of 2025-2028 is paid in three consecutive years: 3000万.
    r = run(tz(items=[project("I", "孵化平台", years="2025-2028")], years="2025-2028"))
    assert by(r, TZ, "（三）") == 30_000_000
    years = sorted(p.year for p in r.payments if p.article == "（三）")
    assert len(years) == 3 and years[-1] - years[0] == 2


def test_003_3_other_project_pays_nothing(run):
    r = run(tz(items=[project("C", "共性技术平台")]))
    assert by(r, TZ, "（三）") == 0


def test_003_4_common_technology_platform(run):
    # "根据成效，给予最高1000万元支持": 1000万 once.
    r = run(tz(items=[project("C", "共性技术平台", years="2025-2026")], years="2025-2026"))
    assert by(r, TZ, "（四）") == 10_000_000


def test_003_4_other_project_pays_nothing(run):
    r = run(tz(items=[project("I", "孵化平台")]))
    assert by(r, TZ, "（四）") == 0


# ---- 003 （七）（八）（九）（十）（十一） ----------------------------------------------------------
def test_003_7_rd_and_consortium(run):
    # R&D expense in 2025: "每年给予最高300万元"; a consortium result: "最高500万元": 800万.
    r = run(tz({"rd_expense": {2025: "800万"}}, [{"id": "R", "kind": "tz_consortium_result", "year": 2025}]))
    assert by(r, TZ, "（七）") == 8_000_000
    assert any(p.readings for p in r.payments if p.article == "（七）")


def test_003_7_no_rd_pays_nothing(run):
    assert by(run(tz({"rd_expense": {2025: "0元"}})), TZ, "（七）") == 0


def test_003_8_digital_workshop(run):
    # "北京市…“数字化车间”示范称号的企业给予最高300万元支持": 300万 (an enterprise 000 does not cover).
    r = run(tz(NOT_000, items=[smart("W", "数字化车间")]))
    assert by(r, TZ, "（八）") == 3_000_000


def test_003_8_excellence_level_is_not_listed(run):
    # 卓越级 is not among （八）'s titles: （八） pays nothing (000 第九条 pays its 300万).
    r = run(tz(items=[smart("F", "卓越级")]))
    assert by(r, TZ, "（八）") == 0 and by(r, MFG, "第九条") == 3_000_000


def test_003_9_first_recognition_500w(run):
    # "首次获得国家级、市级认定的，给予最高500万元": a first 市级平台 title: （九） 500万 > 第七条 200万
    # where both apply (higher_figure).
    r = run(tz(items=[title("T", "市级平台", first_time=True)]), HIGHER)
    assert by(r, TZ, "（九）") == 5_000_000 and r.total == 5_000_000


def test_003_9_not_first_pays_nothing(run):
    r = run(tz(items=[title("T", "市级平台")]))
    assert by(r, TZ, "（九）") == 0


def test_003_10_little_giant(run):
    # "新认定…国家级专精特新小巨人企业…给予最高300万元支持".
    r = run(tz(items=[{"id": "G", "kind": "tz_specialised_title", "title": "国家级专精特新小巨人", "year": 2025}]))
    assert by(r, TZ, "（十）") == 3_000_000


def test_003_10_one_case_support_pays_nothing(run):
    r = run(tz({"tz_one_case_support": True},
               [{"id": "G", "kind": "tz_specialised_title", "title": "国家级专精特新小巨人", "year": 2025}]))
    assert by(r, TZ, "（十）") == 0


def test_003_11_green_action_and_green_factory(run):
    # a photovoltaic action and a 市级 green-factory title ("创建绿色工厂"): "对于…的相关行业企业，
    # 给予最高300万元支持" — reading green_ceiling, default per_enterprise: 300万 for the enterprise,
    # both together (not 2 × 300万).
    r = run(tz(items=[{"id": "PV", "kind": "tz_green_action", "year": 2025},
                      {"id": "GF", "kind": "green_factory_title", "level": "市级", "year": 2025}]))
    assert by(r, TZ, "（十一）") == 3_000_000


def test_003_11_nothing_green_pays_nothing(run):
    assert by(run(tz()), TZ, "（十一）") == 0


# ---- 003 （十三）（十四）（十七） ----------------------------------------------------------------
def test_003_13_professional_service_institution_once(run):
    # "对于符合条件的相关机构给予最高200万元支持", once over 2025-2026: 200万.
    r = run(tz({"tz_professional_service": True}, years="2025-2026"))
    assert by(r, TZ, "（十三）") == 2_000_000


def test_003_13_not_an_institution_pays_nothing(run):
    assert by(run(tz()), TZ, "（十三）") == 0


def test_003_14_scenario_project_300w(run):
    # "对于经认定的重点场景项目给予最高300万元支持" (an enterprise 000 does not cover).
    r = run(tz(NOT_000, items=[project("S", "应用场景")]))
    assert by(r, TZ, "（十四）") == 3_000_000


def test_003_14_unassessed_pays_nothing(run):
    r = run(tz(items=[project("S", "应用场景", assessed=False)]))
    assert by(r, TZ, "（十四）") == 0


def test_003_17_old_factory_30_percent(run):
    # a renovation project, fixed assets 2000万: "固定资产投资额最高30%": 600万 ≤ 1000万.
    r = run(tz(items=[project("O", "老旧厂房改造", fixed="2000万", old=True)]))
    assert by(r, TZ, "（十七）") == 6_000_000


def test_003_17_ceiling_1000w(run):
    # fixed assets 5000万: 30% = 1500万 > "给予最高1000万元支持": 1000万.
    r = run(tz(items=[project("O", "老旧厂房改造", fixed="5000万", old=True)]))
    assert by(r, TZ, "（十七）") == 10_000_000


def test_003_17_not_in_an_old_factory_pays_nothing(run):
    r = run(tz(items=[project("O", "产业化", "2000万", fixed="2000万", old=False)]))
    assert by(r, TZ, "（十七）") == 0


def test_003_17_beats_000_art9_on_the_same_project(run):
    # 从优不重复 between 000 and 003 on one project: an 产业化 project in an old factory, approved
    # 2000万, fixed assets 4000万: 000 第九条 30% × 2000万 = 600万; 003 （十七） min(30% × 4000万, 1000万)
    # = 1000万: the higher, 1000万 from （十七）, and nothing from 第九条.
    r = run(tz(items=[project("U", "产业化", "2000万", fixed="4000万", old=True, years="2025-2027")],
               years="2025-2027"))
    assert by(r, TZ, "（十七）") == 10_000_000 and by(r, MFG, "第九条") == 0 and r.total == 10_000_000
    assert any(n.kind == "dominated" and n.article == "第九条" for n in r.not_taken)


# ---- 003 （二十二）（二十四）（二十五） ---------------------------------------------------------
def test_003_22_first_loan_interest_and_guarantee(run):
    # "首次贷款业务给予1%的利息补贴和1%的担保贴费": 1% × 1000万 + 1% × 1000万 = 20万 (interest 10万
    # under 000 第十条 is less).
    r = run(tz({"tz_sme": True}, [loan("L", {2025: "10万"}, first=True, guaranteed=True)]))
    assert by(r, TZ, "（二十二）") == 200_000


def test_003_22_unguaranteed_first_loan_interest_only(run):
    # no guarantee: 1% × 1000万 = 10万 (000 第十条's interest 5万 is less).
    r = run(tz({"tz_sme": True}, [loan("L", {2025: "5万"}, first=True, guaranteed=False)]))
    assert by(r, TZ, "（二十二）") == 100_000


def test_003_22_not_the_first_loan_pays_nothing(run):
    r = run(tz({"tz_sme": True}, [loan("L", {2025: "40万"}, first=False, guaranteed=True)]))
    assert by(r, TZ, "（二十二）") == 0


def test_003_24_listing_1000w(run):
    r = run(tz(items=[{"id": "IPO", "kind": "tz_listing", "year": 2025}]))
    assert by(r, TZ, "（二十四）") == 10_000_000


def test_003_24_no_listing_pays_nothing(run):
    assert by(run(tz()), TZ, "（二十四）") == 0


def test_003_25_fund_manager_once(run):
    # "给予管理人最高2000万元资金支持" has no 每年 (reading private_fund_times, default once): over
    # 2025 and 2026, 2000万 in one year.
    r = run(tz({"tz_private_fund_manager": True}, years="2025-2026"))
    assert by(r, TZ, "（二十五）") == 20_000_000


def test_003_25_not_a_fund_manager_pays_nothing(run):
    assert by(run(tz()), TZ, "（二十五）") == 0


# ---- measures with no amount ------------------------------------------------------------------
def test_003_benefits_are_listed_never_summed(run):
    r = run(tz())
    listed = {b["article"] for b in r.benefits}
    assert {"（五）", "（十二）", "（十五）", "（十六）", "（十八）", "（十九）", "（二十）"} <= listed
    assert r.total == 0
