"""000 (通州 实施细则) beside 003 (通政发〔2024〕8号): which document governs, 晋级差额 computed
from the plan, a loan and the project it finances as one matter (第十八条 同一项目).

Every expected figure is worked by hand from the articles' words in the comment above it.
"""
from __future__ import annotations

from .test_tongzhou_articles import MFG, TZ, by, project, run, smart, title, tz  # noqa: F401  (run: fixture)

HIGHER = ["tongzhou_mfg.governs=higher_figure"]


def green(id_, level="市级", year=2025):
    return {"id": id_, "kind": "green_factory_title", "level": level, "year": year}


def test_000_governs_what_it_implements_for_an_advanced_manufacturer(run):
    # A 先进级 smart factory, a first 市级企业技术中心 and a 市级绿色工厂, all in 2025.
    items = [smart("F", "先进级"), title("T", "市级企业技术中心", first_time=True), green("G")]
    # detailed_rules (default): 000 第九条 "获得市级智能工厂（先进级）…的给予最高50万元" 50万;
    # 000 第七条 "获得市级企业技术中心荣誉称号的给予最高50万元" 50万; 000 has no green article, so
    # 003 （十一） "创建绿色工厂…给予最高300万元" still pays 300万: 50 + 50 + 300 = 400万.
    r = run(tz(items=items))
    assert (by(r, MFG, "第九条"), by(r, MFG, "第七条"), by(r, TZ, "（十一）")) == (500_000, 500_000, 3_000_000)
    assert by(r, TZ, "（八）") == by(r, TZ, "（九）") == 0 and r.total == 4_000_000
    # higher_figure: both documents apply, 从优不重复 per title: （八） 300万 > 50万, （九）
    # "首次获得…市级认定的，给予最高500万元" 500万 > 50万, （十一） 300万: 1100万.
    r = run(tz(items=items), HIGHER)
    assert (by(r, TZ, "（八）"), by(r, TZ, "（九）"), by(r, TZ, "（十一）")) == (3_000_000, 5_000_000, 3_000_000)
    assert r.total == 11_000_000
    assert all("tongzhou_mfg.governs" in p.readings_used for p in r.payments if p.article in ("（八）", "（九）"))


def test_003_still_pays_a_title_000_does_not_name(run):
    # 国家级智能制造标杆: 000 第九条 names 先进级、数字化车间、卓越级、领航级、灯塔工厂, not it;
    # 003 （八） "国家级“智能制造标杆企业”示范称号…给予最高300万元": 300万 under either reading.
    assert run(tz(items=[smart("F", "国家级智能制造标杆")])).total == 3_000_000
    assert run(tz(items=[smart("F", "国家级智能制造标杆")]), HIGHER).total == 3_000_000


def test_003_pays_what_000_names_before_000_was_issued(run):
    # 2024: 000 is not yet in force (assumed issued 2025-01-01), 003 is (from 2024-02-26): a
    # 数字化车间 awarded on 2024-06-01 gets （八）'s up to 300万 under detailed_rules too.
    r = run(tz(items=[dict(smart("F", "数字化车间", year=2024), date="2024-06-01")], years=2024))
    assert by(r, TZ, "（八）") == 3_000_000


def test_a_promotion_pays_the_difference_to_the_plans_own_payment(run):
    # 先进级 in 2025, promoted to 卓越级 in 2026 (promoted_from the 先进级 title).
    low = smart("先进级工厂", "先进级")
    high = dict(smart("卓越级工厂", "卓越级", year=2026), promoted_from="先进级工厂")
    # detailed_rules: 000 第九条 先进级 50万, 卓越级 "晋级享受差额支持" 300万 − 50万 = 250万: 300万.
    r = run(tz(items=[low, high], years="2025-2026"))
    assert {p.item: p.amount for p in r.payments} == {"先进级工厂": 500_000, "卓越级工厂": 2_500_000}
    # higher_figure: the 先进级 title may take 003 （八）'s 300万 instead of 000's 50万; the two levels
    # together stay within the higher level's 300万 (卓越级 is not in （八）): still 300万 in all.
    assert run(tz(items=[low, high], years="2025-2026"), HIGHER).total == 3_000_000
    # without the link the 卓越级 title is a title of its own: 000 300万 + (先进级) 003 300万 = 600万,
    # the overclaim a profile avoids by naming promoted_from
    unlinked = smart("卓越级工厂", "卓越级", year=2026)
    assert run(tz(items=[low, unlinked], years="2025-2026"), HIGHER).total == 6_000_000


def test_support_received_before_the_plan_is_asked_for(run):
    # previous_support is asked for, never assumed 0: without it 000 第九条 does not pay 卓越级.
    high = {"id": "卓越级工厂", "kind": "smart_factory_title", "level": "卓越级", "equipment_software_investment": "0元",
            "year": 2026}
    r = run(tz(items=[high], years=2026))
    assert by(r, MFG, "第九条") == 0
    assert any(n.kind == "missing" and "previous_support" in n.reason for n in r.not_taken)
    # stated: 50万 received for 先进级 before 2026: 300万 − 50万 = 250万
    r = run(tz(items=[dict(high, previous_support="50万")], years=2026))
    assert by(r, MFG, "第九条") == 2_500_000


def test_a_loan_and_the_project_it_finances_are_one_project(run):
    # 000 第九条 产业化 project: 30% × 1000万 = 300万 (≤ 2000万); the loan financing it: 第十条
    # "按照不超过实际利息发生额" 40万. 第十八条 "同一项目…从优不重复": one of them, the higher: 300万.
    line = project("产线改造", "产业化", approved="1000万")
    loan = {"id": "技改贷款", "kind": "tz_loan", "interest": {2025: "40万"}, "principal": "2000万",
            "first_loan": False, "guaranteed": False, "year": 2025, "finances": "产线改造",
            "city_interest_subsidy": {2025: "0元"}}
    r = run(tz(items=[line, loan]))
    assert r.total == 3_000_000 and [p.item for p in r.payments] == ["产线改造"]
    # a loan for something else stacks: 300万 + 40万
    other = {k: v for k, v in loan.items() if k != "finances"}
    assert run(tz(items=[line, other])).total == 3_400_000


def test_the_interest_subsidy_with_the_citys_stays_within_the_interest(run):
    from .test_tongzhou_articles import loan
    # 000 第十条 "按照不超过实际利息发生额给予贴息支持": interest 80万 in 2025, of which the city
    # subsidises 50万. with_city (default): the district's up to 80万 − 50万 = 30万.
    profile = tz(items=[loan("L", {2025: "80万"}, city={2025: "50万"})])
    assert by(run(profile), MFG, "第十条") == 300_000
    # district_alone: up to the whole 80万, stacking with the city's 50万 (第十八条 市、区两级).
    assert by(run(profile, ["tongzhou_mfg.interest_ceiling=district_alone"]), MFG, "第十条") == 800_000
    # the city's subsidy is asked for, never assumed 0: without it 第十条 pays nothing
    bare = tz(items=[{k: v for k, v in loan("L", {2025: "80万"}).items() if k != "city_interest_subsidy"}])
    r = run(bare)
    assert by(r, MFG, "第十条") == 0
    assert any(n.kind == "missing" and "city_interest_subsidy" in n.reason for n in r.not_taken)
