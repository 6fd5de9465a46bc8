"""001 (丰台, 征求意见稿): the readings of its ambiguous sentences, each alternative on a profile
where the alternatives pay differently; the kinds of its figures (computed by the text's formula,
or a discretionary "最高" ceiling); and 第二十四条's fact.

Every expected figure is worked by hand from the article's words in the comment beside it."""
from __future__ import annotations

from solver.pipeline import load_rules

from .test_fengtai_articles import ft, title

PLACE = "fengtai.applicant_place"
CEILING = "fengtai.revenue_growth_ceiling"
INSTALMENTS = "fengtai.instalments"
SOLVER = "fengtai.solver_new_entrant"


def fengtai(result, article=None, clause=None):
    """Payments of 001 (of one article, or one clause part such as 'fengtai.scale_up.revenue_growth')."""
    return [p for p in result.payments if p.policy == "fengtai" and (article is None or p.article == article)
            and (clause is None or p.clause == clause)]


def total(result, article=None, clause=None) -> int:
    return sum(p.amount for p in fengtai(result, article, clause))


NATIONAL_PLATFORM = {"id": "N", "kind": "ft_platform", "level": "国家级", "year": 2025}


def test_the_readings_and_their_defaults():
    readings = {k: r for k, r in load_rules().readings.items() if r.policy == "fengtai"}
    assert {k: (r.article, r.default, tuple(a.name for a in r.alternatives)) for k, r in readings.items()} == {
        PLACE: ("第二条", "operating", ("operating", "registered")),
        CEILING: ("第六条", "per_enterprise", ("per_enterprise", "per_year")),
        INSTALMENTS: ("第十条", "each_year_met", ("each_year_met", "stop_at_miss")),
        SOLVER: ("第十九条", "new_entrant", ("new_entrant", "any_solver")),
        "fengtai.validity": ("第二十七条", "claimed_in_force", ("claimed_in_force", "any_day")),
    }


# ---- 第二条 “在丰台区依法合规开展经营活动”: operating in 丰台 (default) or registered there ------------
#: registered in 海淀区 (operating lawfully there too), also operating lawfully in 丰台区, in the library.
OPERATES_ONLY = ft({"district": "海淀区", "ft_operates_in_fengtai": True}, items=[NATIONAL_PLATFORM])


def test_art2_operating_in_fengtai_suffices_by_default(solve):
    r = solve(OPERATES_ONLY, include_drafts=True)
    # 第二条 (operating): "在丰台区依法合规开展经营活动，纳入丰台区智能制造企业库" both hold, wherever it is
    # registered; 第九条 national platform: "一次性给予最高100万元": 100万.
    assert total(r) == 1_000_000
    assert all(PLACE in p.readings_used for p in fengtai(r))
    assert (PLACE, "operating", True) in r.readings_in_effect


def test_art2_registered_reading_refuses_an_enterprise_registered_elsewhere(solve):
    r = solve(OPERATES_ONLY, include_drafts=True, readings=[f"{PLACE}=registered"])
    # 第二条 (registered): registered in 海淀区, not 丰台区: no clause of 001 pays: 0.
    assert total(r) == 0
    assert any(n.policy == "fengtai" and "第二条" in n.reason for n in r.not_taken)


def test_art2_operating_is_never_assumed(solve):
    facts = {"district": "海淀区"}
    r = solve(ft(facts, items=[NATIONAL_PLATFORM]), include_drafts=True)
    # Registered in 海淀区, and the profile does not say it operates in 丰台区: nothing (a missing fact).
    assert total(r) == 0
    assert any(n.policy == "fengtai" and n.kind == "missing" and "ft_operates_in_fengtai" in n.reason
               for n in r.not_taken)


def test_art2_a_fengtai_enterprise_qualifies_under_both(solve):
    for readings in (None, [f"{PLACE}=registered"]):
        r = solve(ft(items=[NATIONAL_PLATFORM]), include_drafts=True, readings=readings)
        # Registered in 丰台区 and operating there (BASE): 第九条 100万 under either reading.
        assert total(r) == 1_000_000


# ---- 第六条 “最高每家支持200万元”: per enterprise (default) or per year -----------------------------
#: a software enterprise: revenue 8亿 (2024), 12亿 (2025), 16亿 (2026); district average growth 10%.
SOFTWARE = ft({"ft_industrial_enterprise": False, "ft_software_enterprise": True,
               "operating_revenue": {2024: "8亿", 2025: "12亿", 2026: "16亿"},
               "ft_district_revenue_growth": {2025: "10%", 2026: "10%"}}, years="2025-2026")
REVENUE_GROWTH = "fengtai.scale_up.revenue_growth"


def test_art6_revenue_ceiling_per_enterprise_by_default(solve):
    r = solve(SOFTWARE, include_drafts=True)
    # 第六条 "增速达到全区平均水平以上，增量达到1000万元以上，按照营业收入增量的0.5%": 2025 growth 50% >= 10%,
    # increment 4亿: 0.5% × 4亿 = 200万; 2026 growth 33.3% >= 10%, increment 4亿: 200万 again.
    # "最高每家支持200万元" (per enterprise): 200万 for both years together.
    assert total(r, clause=REVENUE_GROWTH) == 2_000_000
    # Plus the tier: 12亿 first reaches 10亿 in 2025: "给予最高…100万元"; 16亿 reaches no new tier in 2026.
    # 第六条: 200万 + 100万 = 300万.
    assert total(r, "第六条") == 3_000_000
    growth = fengtai(r, clause=REVENUE_GROWTH)
    assert growth and all(p.kind == "computed" and CEILING in p.readings_used for p in growth)


def test_art6_revenue_ceiling_per_year(solve):
    r = solve(SOFTWARE, include_drafts=True, readings=[f"{CEILING}=per_year"])
    # Per year: 2025 200万 (0.5% × 4亿) + 2026 200万 (0.5% × 4亿), each at most 200万: 400万.
    assert total(r, clause=REVENUE_GROWTH) == 4_000_000
    # With the 10亿 tier's 100万: 500万.
    assert total(r, "第六条") == 5_000_000
    assert (CEILING, "per_year", False) in r.readings_in_effect


def test_art6_revenue_ceiling_under_200w_in_all_is_the_same(solve):
    profile = ft({"ft_industrial_enterprise": False, "ft_software_enterprise": True,
                  "operating_revenue": {2024: "8亿", 2025: "8.2亿", 2026: "8.4亿"},
                  "ft_district_revenue_growth": {2025: "2%", 2026: "2%"}}, years="2025-2026")
    for readings in (None, [f"{CEILING}=per_year"]):
        r = solve(profile, include_drafts=True, readings=readings)
        # Growth 2.5% and 2.4% >= 2%, increments 2000万 each: 0.5% × 2000万 = 10万 a year, 20万 in all:
        # under 200万 whether the ceiling is per enterprise or per year.
        assert total(r, clause=REVENUE_GROWTH) == 200_000


# ---- 第十条 “后续两年达标再分别给予”: each year met (default) or stop at the first miss -----------------
def test_art10_each_year_met_by_default(solve):
    r = solve(ft(items=[title("专精特新小巨人", {2025: True, 2026: False, 2027: True})], years="2025-2027"),
              include_drafts=True)
    # 第十条 小巨人 recognised 2025: "当年达标给予最高17万元" (2025 met): 17万; 2026 missed: nothing;
    # "后续两年达标再分别给予最高16.5万元": 2027 met: 16.5万. 17万 + 16.5万 = 33.5万.
    assert total(r, "第十条") == 335_000
    assert sorted((p.year, p.amount) for p in fengtai(r, "第十条")) == [(2025, 170_000), (2027, 165_000)]
    assert all(INSTALMENTS in p.readings_used and p.kind == "discretionary" for p in fengtai(r, "第十条"))


def test_art10_stop_at_miss(solve):
    r = solve(ft(items=[title("专精特新小巨人", {2025: True, 2026: False, 2027: True})], years="2025-2027"),
              include_drafts=True, readings=[f"{INSTALMENTS}=stop_at_miss"])
    # Stopping at the first missed year: 17万 in 2025; 2026 missed ends the instalments, 2027 pays nothing: 17万.
    assert total(r, "第十条") == 170_000


def test_art10_first_year_missed(solve):
    profile = ft(items=[title("国家高新技术企业", {2025: False, 2026: True, 2027: True})], years="2025-2027")
    # 国家高新技术企业 recognised 2025, standard missed in 2025: no "当年达标" 10万. Each year met: 2026 and
    # 2027 are met: "后续两年达标再分别给予最高10万元": 10万 + 10万 = 20万.
    assert total(solve(profile, include_drafts=True), "第十条") == 200_000
    # Stop at the first miss: 2025 is missed, so nothing follows: 0.
    assert total(solve(profile, include_drafts=True, readings=[f"{INSTALMENTS}=stop_at_miss"]), "第十条") == 0


# ---- 第十九条 揭榜企业's 15%: new to the district (default) or any 揭榜企业 ------------------------------
def solver_contract(new_entrant, lands=True, amount="1000万"):
    return {"id": "B", "kind": "ft_scenario_contract", "role": "揭榜", "amount": amount, "counterpart_new": False,
            "new_entrant": new_entrant, "lands_in_fengtai": lands, "year": 2025}


def test_art19_solver_must_be_new_by_default(solve):
    r = solve(ft(items=[solver_contract(new_entrant=False)]), include_drafts=True)
    # 第十九条 (new_entrant): the 揭榜企业 paid is the "新入区的揭榜企业"; this one is not new: 0.
    assert total(r, "第十九条") == 0


def test_art19_any_solver(solve):
    r = solve(ft(items=[solver_contract(new_entrant=False)]), include_drafts=True, readings=[f"{SOLVER}=any_solver"])
    # Any 揭榜企业 landing its product in 丰台: "按照项目合同的15%": 15% × 1000万 = 150万 -> "单个项目最高支持
    # 100万元": 100万.
    assert total(r, "第十九条") == 1_000_000
    [p] = fengtai(r, "第十九条")
    assert p.kind == "computed" and SOLVER in p.readings_used


def test_art19_new_solver_paid_under_both(solve):
    for readings in (None, [f"{SOLVER}=any_solver"]):
        r = solve(ft(items=[solver_contract(new_entrant=True, amount="400万")]), include_drafts=True,
                  readings=readings)
        # A new entrant: 15% × 400万 = 60万 (<= 100万) under either reading.
        assert total(r, "第十九条") == 600_000


def test_art19_solver_must_land_in_fengtai(solve):
    r = solve(ft(items=[solver_contract(new_entrant=True, lands=False)]), include_drafts=True,
              readings=[f"{SOLVER}=any_solver"])
    # "支持揭榜企业在丰台落地新技术、新产品": nothing landed in 丰台: 0 even under the wider any_solver reading.
    assert total(r, "第十九条") == 0


# ---- 第二十四条: support already received under another 丰台区 policy ------------------------------------
def test_art24_other_fengtai_support_refuses_every_clause(solve):
    r = solve(ft({"ft_fengtai_other_support": True}, items=[NATIONAL_PLATFORM]), include_drafts=True)
    # "与丰台区现行相关财政政策同类条款不能重复享受": already supported elsewhere: 第九条's 100万 is refused: 0.
    assert total(r) == 0
    assert any(n.policy == "fengtai" and "第二十四条" in n.reason for n in r.not_taken)


def test_art24_fact_is_never_assumed(solve):
    profile = ft(items=[NATIONAL_PLATFORM])
    del profile["facts"]["ft_fengtai_other_support"]
    r = solve(profile, include_drafts=True)
    # Not stated: 001 pays nothing (a missing fact is never assumed in the enterprise's favour).
    assert total(r) == 0
    assert any(n.policy == "fengtai" and n.kind == "missing" and "ft_fengtai_other_support" in n.reason
               for n in r.not_taken)


# ---- kinds: computed (a rate or sum the text states) or discretionary ("最高X" with no formula) ------------
def test_art3_major_project_is_discretionary(solve):
    r = solve(ft(items=[{"id": "M", "kind": "ft_major_project", "year": 2025}]), include_drafts=True)
    # 第三条 "根据项目先进性、投资额度、预计效益等情况，给予最高1亿元支持": no formula: up to 1亿, discretionary.
    [p] = fengtai(r, "第三条")
    assert (p.amount, p.kind, p.up_to) == (100_000_000, "discretionary", True)
    assert (r.computed_total, r.discretionary_total) == (0, 100_000_000)


def test_art6_growth_share_is_computed_and_tier_discretionary(solve):
    r = solve(ft({"industrial_output": {2024: "4亿", 2025: "6亿"}, "ft_district_output_growth": {2025: "6%"}}),
              include_drafts=True)
    # 第六条: 6亿 first reaches 5亿: "给予最高…50万元支持" (discretionary, no formula): 50万; growth 50% >= 6%,
    # increment 2亿 >= 500万: "按照超出部分增量的1%给予支持" (computed): 1% × (2亿 - 500万) = 195万 <= 200万.
    kinds = {p.clause: (p.kind, p.amount) for p in fengtai(r, "第六条")}
    assert kinds == {"fengtai.scale_up.output_tier": ("discretionary", 500_000),
                     "fengtai.scale_up.output_growth": ("computed", 1_950_000)}
    assert (r.computed_total, r.discretionary_total) == (1_950_000, 500_000)


def test_art7_and_art8_rates_are_computed_art8_tasks_discretionary(solve):
    r = solve(ft({"ft_transformed_software": True, "operating_revenue": {2024: "3000万", 2025: "5000万"},
                  "ft_district_revenue_growth": {2025: "10%"}, "ft_key_enterprise": True,
                  "rd_expense": {2024: "1亿", 2025: "1.5亿"}, "ft_district_rd_growth": {2025: "10%"}},
                 items=[{"id": "N", "kind": "ft_research_task", "level": "国家", "funds": "500万", "year": 2025}]),
              include_drafts=True)
    # 第七条 "按照年度营业收入的1%给予支持，最高不超过100万元": 1% × 5000万 = 50万, computed.
    # 第八条 "按研发费用增量的1%给予支持": 1% × 5000万 = 50万, computed; "按照不超过国家…支持资金的20%，
    # 给予最高200万元": up to 20% × 500万 = 100万, discretionary.
    kinds = {p.clause: (p.kind, p.amount) for p in fengtai(r) if p.article in ("第七条", "第八条")}
    assert kinds == {"fengtai.transformation": ("computed", 500_000),
                     "fengtai.research.rd_growth": ("computed", 500_000),
                     "fengtai.research.tasks": ("discretionary", 1_000_000)}


def test_readings_used_names_only_the_readings_of_the_clause(solve):
    r = solve(ft(items=[NATIONAL_PLATFORM, title("国家高新技术企业", {2025: True})]), include_drafts=True)
    # 第九条 100万 and 第十条 10万: both rest on 第二条's reading and on the validity reading of
    # 第二十七条 (a policy setting); only 第十条 on the instalments reading.
    used = {p.article: p.readings_used for p in fengtai(r)}
    assert used == {"第九条": tuple(sorted((PLACE, "fengtai.validity"))),
                    "第十条": tuple(sorted((PLACE, INSTALMENTS, "fengtai.validity")))}

