"""003 (通政发〔2024〕8号): the readings of its ambiguous sentences, each alternative paying once on a
profile where the alternatives differ; the class of its figures (computed or discretionary); the
facts a reading or a condition needs, never assumed.

Every expected figure is worked by hand from the article's words, in the comment beside the
assertion; none is copied from the program's output. The enterprise is tests/test_tongzhou_articles
.py's BASE, but outside 000's scope (tz_advanced_manufacturing false, 000 第一条), so that every
figure here is 003's alone, whatever 000 and the 从优不重复 between the two documents say.
"""
from __future__ import annotations

import pytest

from solver import pipeline

from .test_tongzhou_articles import TZ, by, loan, project, tz


def only003(facts=None, items=None, years=2025) -> dict:
    """tz() with 000 out of scope: its 第一条 fails, so only 003 (and the city guide) can pay."""
    return tz({"tz_advanced_manufacturing": False, **(facts or {})}, items, years)


@pytest.fixture
def run(solve):
    def go(profile, *readings):
        r = solve(profile, readings=list(readings) or None)
        assert r.status == "optimal"
        return r
    return go


def payments_of(r, article):
    return [p for p in r.payments if (p.policy, p.article) == (TZ, article)]


def green_actions(n, year=2025):
    return [{"id": f"G{k}", "kind": "tz_green_action", "year": year} for k in range(n)]


# ---- （七） rd_amount: "按照研发投入情况，每年给予最高300万元支持" ---------------------------------------
def test_7_within_rd_is_the_default_and_pays_at_most_the_rd_expense(run):
    r = run(only003({"rd_expense": {2025: "120万"}}))
    # （七）: R&D 120万 in 2025; within_rd pays up to min(120万, 300万) = 120万
    assert by(r, TZ, "（七）") == 1_200_000
    [p] = payments_of(r, "（七）")
    assert p.kind == "discretionary" and p.readings_used == ("tongzhou.rd_amount",)
    assert ("tongzhou.rd_amount", "within_rd", True) in r.readings_in_effect


def test_7_flat_pays_300w_whatever_the_rd_expense(run):
    r = run(only003({"rd_expense": {2025: "120万"}}), "tongzhou.rd_amount=flat")
    # （七）: R&D 120万 in 2025 (> 0); flat pays up to "每年给予最高300万元" = 300万
    assert by(r, TZ, "（七）") == 3_000_000
    assert ("tongzhou.rd_amount", "flat", False) in r.readings_in_effect


@pytest.mark.parametrize("reading, expected", [
    # （七） within_rd: 2025 min(500万, 300万) = 300万; 2026 min(80万, 300万) = 80万; 300万 + 80万 = 380万
    (None, 3_800_000),
    # （七） flat: "每年给予最高300万元" in each year with R&D: 300万 + 300万 = 600万
    ("tongzhou.rd_amount=flat", 6_000_000),
])
def test_7_each_year_its_own_rd_expense(run, reading, expected):
    r = run(only003({"rd_expense": {2025: "500万", 2026: "80万"}}, years="2025-2026"), *([reading] if reading else []))
    assert by(r, TZ, "（七）") == expected


def test_7_consortium_sentence_unchanged_by_the_reading(run):
    r = run(only003({"rd_expense": {2025: "0元"}}, [{"id": "R", "kind": "tz_consortium_result", "year": 2025}]))
    # （七） second sentence: "根据成果产出绩效情况，给予最高500万元支持"; no R&D expense, so the first
    # sentence pays nothing: 500万
    assert by(r, TZ, "（七）") == 5_000_000


# ---- （一） new_head: "新增产业链头部企业" --------------------------------------------------------------
FLAT_1E = {"tz_chain_head": "新增头部企业", "tz_chain_head_year": 2025,
           "regional_contribution": {2025: "1亿", 2026: "1亿", 2027: "1亿", 2028: "1亿"}}


def test_1_landing_year_is_the_default_one_landing_year(run):
    r = run(only003(FLAT_1E, years="2025-2028"))
    # （一） landing_year: head since 2025: "最高按年度区域贡献的70%" in 2025 only: 70% × 1亿 = 7000万;
    # 2026-2028 it is an existing head: "增量部分的70%", increment 1亿 − 1亿 = 0 → nothing. 7000万.
    assert by(r, TZ, "（一）") == 70_000_000
    assert {p.year for p in payments_of(r, "（一）")} == {2025}
    assert all(p.readings_used == ("tongzhou.new_head",) for p in payments_of(r, "（一）"))


def test_1_every_year_pays_70_percent_in_each_year(run):
    r = run(only003(FLAT_1E, years="2025-2028"), "tongzhou.new_head=every_year")
    # （一） every_year: 70% × 1亿 = 7000万 in each of 2025-2028: 4 × 7000万 = 2.8亿
    assert by(r, TZ, "（一）") == 280_000_000


@pytest.mark.parametrize("reading, expected", [
    # （一） landing_year: 2025 70% × 1亿 = 7000万; 2026 as a 存量 head 70% × (1.2亿 − 1亿) = 1400万;
    # 7000万 + 1400万 = 8400万
    (None, 84_000_000),
    # （一） every_year: 70% × 1亿 + 70% × 1.2亿 = 7000万 + 8400万 = 1.54亿
    ("tongzhou.new_head=every_year", 154_000_000),
])
def test_1_after_the_landing_year(run, reading, expected):
    profile = only003({"tz_chain_head": "新增头部企业", "tz_chain_head_year": 2025,
                       "regional_contribution": {2025: "1亿", 2026: "1.2亿"}}, years="2025-2026")
    r = run(profile, *([reading] if reading else []))
    assert by(r, TZ, "（一）") == expected


@pytest.mark.parametrize("reading", [None, "tongzhou.new_head=every_year"])
def test_1_nothing_before_the_enterprise_became_a_head(run, reading):
    profile = only003({"tz_chain_head": "新增头部企业", "tz_chain_head_year": 2026,
                       "regional_contribution": {2025: "1亿", 2026: "1亿"}}, years="2025-2026")
    r = run(profile, *([reading] if reading else []))
    # （一）: a head since 2026: nothing in 2025 (not yet a head, under either alternative);
    # 2026: 70% × 1亿 = 7000万
    assert by(r, TZ, "（一）") == 70_000_000
    assert {p.year for p in payments_of(r, "（一）")} == {2026}


@pytest.mark.parametrize("reading", [None, "tongzhou.new_head=every_year"])
def test_1_the_head_year_is_never_assumed(run, reading):
    # a 新增 head that does not say when it became one: （一） does not apply, and says what is missing
    r = run(only003({"tz_chain_head": "新增头部企业", "regional_contribution": {2025: "1亿"}}),
            *([reading] if reading else []))
    assert by(r, TZ, "（一）") == 0
    assert any(n.policy == TZ and n.article == "（一）" and n.kind == "missing" and "tz_chain_head_year" in n.reason
               for n in r.not_taken)


def test_1_existing_head_needs_no_head_year(run):
    r = run(only003({"tz_chain_head": "存量头部企业", "regional_contribution": {2024: "1500万", 2025: "2000万"}}))
    # （一） "存量…增量部分的70%": 70% × (2000万 − 1500万) = 350万
    assert by(r, TZ, "（一）") == 3_500_000


# ---- （一）（二）（六）: one share of a year's contribution, chosen in each year ---------------------
def test_1_6_the_highest_share_in_each_year_as_the_note_says(run):
    # An existing head also introduced by a fund; contribution 1000万 (2024), 2000万 (2025), 2100万 (2026);
    # standard 1500万 (2025), 1000万 (2026):
    #   2025: （一） 70% × (2000万 − 1000万) = 700万; （六） 70% × (2000万 − 1500万) = 350万 → 700万 （一）
    #   2026: （一） 70% × (2100万 − 2000万) = 70万;  （六） 70% × (2100万 − 1000万) = 770万 → 770万 （六）
    # 700万 + 770万 = 1470万. (One share for all years would be max(700万 + 70万, 350万 + 770万) = 1120万:
    # that reading cannot be written in the rule language; the note says what is computed.)
    r = run(only003({"tz_chain_head": "存量头部企业", "tz_introduced_by_fund": True,
                     "regional_contribution": {2024: "1000万", 2025: "2000万", 2026: "2100万"},
                     "contribution_standard": {2025: "1500万", 2026: "1000万"}}, years="2025-2026"))
    assert r.total == 14_700_000
    assert {(p.article, p.year, p.amount) for p in r.payments} == {("（一）", 2025, 7_000_000),
                                                                   ("（六）", 2026, 7_700_000)}
    for p in r.payments:
        assert any("in each year" in note for note in p.readings)
        assert not any("for all years" in note for note in p.readings)


# ---- （六） second sentence: "对经认定并签约的专业招商平台" ---------------------------------------------
INTRODUCED = [{"id": "E", "kind": "tz_introduced_enterprise", "contribution": "800万", "reached_scale": True,
               "year": 2025}]


def test_6_an_ordinary_enterprise_is_not_a_signed_platform(run):
    # BASE states tz_signed_investment_platform false: the enterprise did not sign as a platform, so
    # "给予不超过年度区域贡献15%的一次性支持" does not pay it
    r = run(only003(items=INTRODUCED))
    assert by(r, TZ, "（六）") == 0


def test_6_a_signed_platform_is_paid_15_percent_once(run):
    r = run(only003({"tz_signed_investment_platform": True}, INTRODUCED, years="2025-2026"))
    # （六） "不超过年度区域贡献15%的一次性支持": 15% × 800万 = 120万, once over 2025-2026
    assert by(r, TZ, "（六）") == 1_200_000
    [p] = payments_of(r, "（六）")
    assert p.kind == "discretionary"


def test_6_the_platform_fact_is_never_assumed(run):
    profile = only003(items=INTRODUCED)
    del profile["facts"]["tz_signed_investment_platform"]
    r = run(profile)
    assert by(r, TZ, "（六）") == 0
    assert any(n.article == "（六）" and n.kind == "missing" and "tz_signed_investment_platform" in n.reason
               for n in r.not_taken)


# ---- （十一） green_ceiling: "…的相关行业企业，给予最高300万元支持" ------------------------------------
def test_11_per_enterprise_is_the_default(run):
    r = run(only003(items=green_actions(4)))
    # （十一） per_enterprise: four green actions, "给予最高300万元支持" for the enterprise: 300万
    assert by(r, TZ, "（十一）") == 3_000_000
    assert all(p.readings_used == ("tongzhou.green_ceiling",) for p in payments_of(r, "（十一）"))


def test_11_per_action_pays_each_action(run):
    r = run(only003(items=green_actions(4)), "tongzhou.green_ceiling=per_action")
    # （十一） per_action: 4 × 300万 = 1200万
    assert by(r, TZ, "（十一）") == 12_000_000


@pytest.mark.parametrize("reading, expected", [
    # （十一） per_enterprise: a 市级 green factory in 2025 and a photovoltaic action in 2026: 300万 over
    # both years together (the sentence has no 每年)
    (None, 3_000_000),
    # （十一） per_action: 300万 + 300万 = 600万
    ("tongzhou.green_ceiling=per_action", 6_000_000),
])
def test_11_the_enterprise_ceiling_spans_the_years(run, reading, expected):
    items = [{"id": "GF", "kind": "green_factory_title", "level": "市级", "year": 2025},
             {"id": "PV", "kind": "tz_green_action", "year": 2026}]
    r = run(only003(items=items, years="2025-2026"), *([reading] if reading else []))
    assert by(r, TZ, "（十一）") == expected


# ---- （二十五） private_fund_times: "给予管理人最高2000万元资金支持" -------------------------------------
def test_25_once_is_the_default(run):
    r = run(only003({"tz_private_fund_manager": True}, years="2025-2026"))
    # （二十五） once: no 每年 in the sentence: 2000万 in one of 2025-2026
    assert by(r, TZ, "（二十五）") == 20_000_000
    [p] = payments_of(r, "（二十五）")
    assert p.readings_used == ("tongzhou.private_fund_times",) and p.kind == "discretionary"


def test_25_each_year(run):
    r = run(only003({"tz_private_fund_manager": True}, years="2025-2026"), "tongzhou.private_fund_times=each_year")
    # （二十五） each_year: 2000万 in 2025 and in 2026: 4000万
    assert by(r, TZ, "（二十五）") == 40_000_000


# ---- 结尾段: "享受“一事一议”扶持政策的企业，不适用本措施" ------------------------------------------------
def test_one_case_support_fact_is_never_assumed(run):
    # the profile does not say whether the enterprise enjoys 一事一议 support: 003 does not apply
    # (（十三） would pay up to 200万), and the output names the missing fact
    profile = only003({"tz_professional_service": True})
    del profile["facts"]["tz_one_case_support"]
    r = run(profile)
    assert all(p.policy != TZ for p in r.payments)
    assert any(n.policy == TZ and n.kind == "missing" and "tz_one_case_support" in n.reason for n in r.not_taken)


def test_one_case_support_excludes_003_in_every_year(run):
    # "不适用本措施": with 一事一议 support no measure of 003 pays, in any year (（十三） up to 200万,
    # （二十五） up to 2000万 would otherwise pay)
    r = run(only003({"tz_one_case_support": True, "tz_professional_service": True, "tz_private_fund_manager": True},
                    years="2025-2026"))
    assert by(r, TZ, "（十三）") + by(r, TZ, "（二十五）") == 0 and r.total == 0


# ---- computed or discretionary ------------------------------------------------------------------
def test_22_is_computed_and_17_discretionary(run):
    r = run(only003({"tz_sme": True},
                    [loan("L", {2025: "10万"}, principal="1000万", first=True, guaranteed=True),
                     project("O", "老旧厂房改造", fixed="2000万", old=True)]))
    # （二十二） "给予1%的利息补贴和1%的担保贴费" (a rate, no 最高): 1% × 1000万 + 1% × 1000万 = 20万, computed
    [loans] = payments_of(r, "（二十二）")
    assert (loans.amount, loans.kind, loans.up_to) == (200_000, "computed", False)
    # （十七） "按照项目固定资产投资额最高30%的比例，给予最高1000万元支持": up to 30% × 2000万 = 600万 (≤ 1000万),
    # discretionary
    [old] = payments_of(r, "（十七）")
    assert (old.amount, old.kind, old.up_to) == (6_000_000, "discretionary", True)
    # 20万 computed + 600万 discretionary = 620万
    assert (r.total, r.computed_total, r.discretionary_total) == (6_200_000, 200_000, 6_000_000)
    # （二十二） rests on loan_interest (default principal_once); （十七） on no reading with alternatives
    assert loans.readings_used == ("tongzhou.loan_interest",) and old.readings_used == ()


def test_22_unguaranteed_first_loan_is_computed_interest_only(run):
    r = run(only003({"tz_sme": True}, [loan("L", {2025: "5万"}, principal="800万", first=True)]))
    # （二十二） no guarantee: 1% × 800万 = 8万, computed
    assert by(r, TZ, "（二十二）") == 80_000 and r.computed_total == 80_000


# ---- （二十二） loan_interest: "首次贷款业务给予1%的利息补贴和1%的担保贴费" ------------------------------
def two_year_loan(interest):
    return only003({"tz_sme": True}, [loan("L", interest, principal="1000万", first=True, guaranteed=True)],
                   years="2025-2026")


def test_22_principal_once_is_the_default_and_pays_1_percent_once(run):
    r = run(two_year_loan({2025: "40万", 2026: "30万"}))
    # principal_once: 1% × 1000万 interest subsidy + 1% × 1000万 guarantee fee = 20万, once, whatever the years
    assert by(r, TZ, "（二十二）") == 200_000 and len(payments_of(r, "（二十二）")) == 1
    assert ("tongzhou.loan_interest", "principal_once", True) in r.readings_in_effect


def test_22_rate_point_pays_a_point_of_interest_each_year(run):
    r = run(two_year_loan({2025: "40万", 2026: "30万"}), "tongzhou.loan_interest=rate_point")
    # rate_point: 2025 min(1% × 1000万, 40万) = 10万; 2026 min(10万, 30万) = 10万; guarantee 1% × 1000万 = 10万
    # once: 30万
    assert by(r, TZ, "（二十二）") == 300_000
    assert sorted((p.year, p.amount) for p in payments_of(r, "（二十二）")) == [(2025, 100_000), (2025, 100_000),
                                                                                (2026, 100_000)]
    assert all(p.kind == "computed" for p in payments_of(r, "（二十二）"))


def test_22_rate_point_never_pays_more_interest_than_was_charged(run):
    r = run(two_year_loan({2025: "6万"}), "tongzhou.loan_interest=rate_point")
    # rate_point: 2025 min(10万, 6万) = 6万 + guarantee 10万 = 16万 — less than principal_once's 20万 here
    assert by(r, TZ, "（二十二）") == 160_000
    assert by(run(two_year_loan({2025: "6万"})), TZ, "（二十二）") == 200_000


def test_the_14_and_13_ceilings_are_discretionary(run):
    r = run(only003({"tz_professional_service": True}, [project("S", "应用场景")]))
    # （十四） "给予最高300万元支持" 300万 + （十三） "给予最高200万元支持" 200万, both ceilings with no
    # formula: 500万 discretionary, nothing computed
    assert (r.total, r.discretionary_total, r.computed_total) == (5_000_000, 5_000_000, 0)


# ---- the readings together ------------------------------------------------------------------------
def test_readings_of_003_and_their_defaults():
    listed = {r["reading"]: (r["default"], [a["name"] for a in r["alternatives"]], r["shapes"])
              for r in pipeline.readings("tongzhou")}
    assert listed == {
        "tongzhou.new_head": ("landing_year", ["landing_year", "every_year"], ["tongzhou.chain_head"]),
        "tongzhou.rd_amount": ("within_rd", ["within_rd", "flat"], ["tongzhou.rd"]),
        "tongzhou.green_ceiling": ("per_enterprise", ["per_enterprise", "per_action"], ["tongzhou.green"]),
        "tongzhou.private_fund_times": ("once", ["once", "each_year"], ["tongzhou.private_fund"]),
        "tongzhou.loan_interest": ("principal_once", ["principal_once", "rate_point"], ["tongzhou.loans"]),
    }


def test_every_default_but_loan_interest_is_the_conservative_reading(solve):
    # 2025-2026: R&D 120万 a year; four green actions in 2025; a fund manager; a new head since 2025 with
    # a contribution of 1亿 in each year.
    #   default:  （七） min(120万, 300万) × 2 = 240万; （十一） 300万; （二十五） 2000万 once;
    #             （一） 70% × 1亿 = 7000万 in 2025, 2026 increment 0 → 0.   Total 9540万.
    #   flipped alone: flat 300万 × 2 = 600万 (+360万); per_action 4 × 300万 = 1200万 (+900万);
    #             each_year 2 × 2000万 = 4000万 (+2000万); every_year 2 × 7000万 = 1.4亿 (+7000万).
    #   generous: 600万 + 1200万 + 4000万 + 1.4亿 = 1.98亿; conservative: the defaults, 9540万.
    profile = only003({"rd_expense": {2025: "120万", 2026: "120万"}, "tz_private_fund_manager": True,
                       "tz_chain_head": "新增头部企业", "tz_chain_head_year": 2025,
                       "regional_contribution": {2025: "1亿", 2026: "1亿"}}, green_actions(4), years="2025-2026")
    r = solve(profile, with_range=True)
    assert r.status == "optimal" and r.total == 95_400_000
    rng = r.range
    assert (rng["default"]["total"], rng["conservative"]["total"], rng["generous"]["total"]) == \
        (95_400_000, 95_400_000, 198_000_000)
    flips = {f["reading"]: f["change"] for f in rng["flips"] if f["reading"].startswith("tongzhou.")}
    # loan_interest: no loan, so rate_point changes nothing (its flip is 0); on a loan it can pay less
    # (test_22_rate_point_never_pays_more_interest_than_was_charged) or more: not a conservative default
    assert flips == {"tongzhou.rd_amount": 3_600_000, "tongzhou.green_ceiling": 9_000_000,
                     "tongzhou.private_fund_times": 20_000_000, "tongzhou.new_head": 70_000_000,
                     "tongzhou.loan_interest": 0}
    # every payment names the reading its figure rests on
    expected = {"（七）": ("tongzhou.rd_amount",), "（十一）": ("tongzhou.green_ceiling",),
                "（二十五）": ("tongzhou.private_fund_times",), "（一）": ("tongzhou.new_head",)}
    assert {p.article: p.readings_used for p in r.payments} == expected
