"""The engine end to end: the acceptance example, rounding (第十七条), 从优不重复, the city
guide's one direction a year, and the JSON contract."""
from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner

import cli

from .conftest import EXAMPLES, paid, pinggu


def test_acceptance_pinggu_2025_total_is_1755000(solve):
    from ruamel.yaml import YAML
    data = YAML(typ="safe").load((EXAMPLES / "pinggu-2025.yaml").read_text(encoding="utf-8"))
    r = solve(data)
    # 第三条: growth (2.05亿 - 1.8亿) / 1.8亿 = 13.9% >= 5%: 0.5% × 2500万 = 125000
    # 第五条: R&D 520万 in 2025 first reaches 500万 (2023 400万, 2024 460万): up to 300000;
    #         the growth part needs last year's R&D >= 500万 (460万): nothing
    # 第六条: newly rated 北京市先进级智能工厂: up to 500000
    # 第七条: national green factory up to 500000; rating raised to B up to 200000
    # 第十二条: new NEV order executed 2600万 > 2000万: 0.5% × 2600万 = 130000
    # total 125000 + 300000 + 500000 + 500000 + 200000 + 130000 = 1755000
    assert r.status == "optimal"
    assert r.total == r.bound == 1_755_000
    by_article = {a: paid(r, a) for a in ("第三条", "第五条", "第六条", "第七条", "第十二条")}
    assert by_article == {"第三条": 125_000, "第五条": 300_000, "第六条": 500_000, "第七条": 700_000,
                          "第十二条": 130_000}
    assert all(p.policy == "pinggu" and p.bound_by for p in r.payments)


def growth_profile(y2024: int, y2025: int) -> dict:
    return pinggu({"industrial_output": {2024: y2024, 2025: y2025}})


def test_art17_payment_of_9999_yuan_is_not_paid(solve):
    # 第三条 pays 0.5% of the increase: increase 1999800 元 -> 9999 元.
    # 第十七条: "低于1万元不予兑现": 9999 元 pays 0. Growth 1999800 / 1000万 = 20% >= 5%.
    r = solve(growth_profile(10_000_000, 11_999_800))
    assert paid(r, "第三条") == 0
    refusal = next(n for n in r.not_taken if (n.policy, n.article) == ("pinggu", "第三条"))
    assert refusal.kind == "below_minimum" and "9999元" in refusal.reason


def test_art17_payment_of_10000_yuan_is_paid(solve):
    # increase 200万 -> 0.5% = 10000 元, exactly 1万: paid (only amounts below 1万 are refused).
    r = solve(growth_profile(10_000_000, 12_000_000))
    assert paid(r, "第三条") == 10_000


def test_art17_rounds_156172_5_yuan_down_to_156000(solve):
    # increase 31234500 元 -> 0.5% = 156172.5 元; "精确到千元(向下取整)": 156000 元.
    # Growth 31234500 / 2亿 = 15.6% >= 5%.
    r = solve(growth_profile(200_000_000, 231_234_500))
    assert paid(r, "第三条") == 156_000
    (p,) = [p for p in r.payments if p.article == "第三条"]
    assert "rounded down" in p.bound_by


def test_art4_new_plant_gets_50w_instead_of_30w(solve):
    # 第四条: first reaching 1亿 pays up to 30万; "其中" a newly built plant that reaches 1亿 the
    # same year pays up to 50万 — instead of, not on top of, the 30万.
    r = solve(pinggu({"industrial_output": {2024: 6000_0000, 2025: 1_0000_0000},
                      "new_plant_started": {2025: True}}))
    assert paid(r, "第四条") == 500_000
    # Without the new-plant fact (default false) the general case pays up to 30万.
    r = solve(pinggu({"industrial_output": {2024: 6000_0000, 2025: 1_0000_0000}}))
    assert paid(r, "第四条") == 300_000


NON_DUP_RULES = textwrap.dedent('''
    vocabulary {
        fact registered: bool
        kind project "项目" {
            field investment: money
            field year: year
        }
    }
    policy demo {
        title "示例政策"
        level district
        in_force 2025-01-01 to 2026-12-31
        status in_force
        no_duplication 顺义区
    }
    clause a "第一条" {
        text "按投资额的10%给予支持，最高100万元"
        for item project once
        pay up to 10% of item.investment
        cap 100万 per payment
    }
    clause b "第二条" {
        text "按投资额的20%给予支持，最高50万元"
        for item project once
        pay up to 20% of item.investment
        cap 50万 per payment
    }
''')


def demo_rules(tmp_path) -> list[str]:
    path = tmp_path / "demo.rules"
    path.write_text(NON_DUP_RULES, encoding="utf-8")
    return [str(path)]


def test_one_item_meeting_two_clauses_takes_the_better_only(solve, tmp_path):
    # Project of 400万: 第一条 gives min(10% × 400万, 100万) = 40万; 第二条 gives
    # min(20% × 400万, 50万) = 50万. 从优不重复: 50万 from 第二条 only.
    small = {"facts": {"registered": True}, "years": 2025,
             "items": [{"id": "P", "kind": "project", "investment": "400万", "year": 2025}]}
    r = solve(small, rules=demo_rules(tmp_path))
    assert (r.total, [p.article for p in r.payments]) == (500_000, ["第二条"])
    # Project of 900万: 第一条 gives min(90万, 100万) = 90万 > 第二条's 50万 ceiling: 90万.
    small["items"][0]["investment"] = "900万"
    r = solve(small, rules=demo_rules(tmp_path))
    assert (r.total, [p.article for p in r.payments]) == (900_000, ["第一条"])


def city_award(id_, direction, amount, status="candidate", major=False):
    return {"id": id_, "kind": "city_award", "direction": direction, "amount": amount, "year": 2024,
            "status": status, "investment_project": False, "other_city_funds": False, "major_project": major}


def test_city_two_candidate_directions_in_one_year_takes_one(solve):
    # 002 四(二)2 "同一项目单位只能获得2024年内高精尖资金单个方向支持": candidates 首台套 300万
    # and 并购重组 200万 in 2024: only one direction; the optimum takes 首台套, 300万.
    r = solve(pinggu(items=[city_award("首台套项目", "首台套", "300万"), city_award("并购项目", "并购重组", "200万")],
                     years=2024))
    assert r.total == 3_000_000 and [p.item for p in r.payments] == ["首台套项目"]
    other = next(n for n in r.not_taken if n.item == "并购项目")
    assert other.kind == "dominated" and "首台套" in other.reason


def test_city_awards_in_one_direction_stack(solve):
    # "单个方向支持": two awards in the same direction may both be received: 300万 + 200万.
    r = solve(pinggu(items=[city_award("A", "首台套", "300万"), city_award("B", "首台套", "200万")], years=2024))
    assert r.total == 5_000_000


def test_city_major_project_is_exempt_from_one_direction(solve):
    # "属市级重大项目或重点单位…可不受上述限制": a major project in a second direction also pays.
    r = solve(pinggu(items=[city_award("A", "首台套", "300万"), city_award("B", "并购重组", "200万", major=True)],
                     years=2024))
    assert r.total == 5_000_000


def test_city_granted_award_is_kept_even_when_a_candidate_pays_more(solve):
    # A granted 100万 award in direction 并购重组 is a fact; a 300万 candidate in another direction
    # cannot be added in 2024 (one direction): the plan keeps the granted 100万.
    r = solve(pinggu(items=[city_award("G", "并购重组", "100万", status="granted"),
                            city_award("C", "首台套", "300万")], years=2024))
    assert r.total == 1_000_000 and [p.item for p in r.payments] == ["G"]


def test_city_investment_project_with_other_city_funds_is_refused(solve):
    award = city_award("投资项目", "首台套", "300万")
    award.update(investment_project=True, other_city_funds=True)
    r = solve(pinggu(items=[award], years=2024))
    assert r.total == 0 and next(n for n in r.not_taken if n.item == "投资项目").kind == "ineligible"


def test_city_guide_does_not_pay_outside_2024(solve):
    award = city_award("A", "首台套", "300万")
    award["year"] = 2025
    r = solve(pinggu(items=[award], years=2025))
    # the guide is in force in 2024 only: in 2025 none of its clauses applies
    assert r.total == 0 and next(n for n in r.not_taken if n.policy == "city2024").kind == "out_of_force"


def test_city_requires_no_serious_dishonesty(solve):
    r = solve(pinggu({"serious_dishonesty_3y": True}, items=[city_award("A", "首台套", "300万")], years=2024))
    assert r.total == 0 and "四(二)1" in next(n for n in r.not_taken if n.policy == "city2024").reason


def test_missing_fact_names_the_fact(solve):
    data = pinggu()
    del data["facts"]["good_credit"]
    data["facts"]["industrial_output"] = {2024: "1.8亿", 2025: "2.05亿"}
    r = solve(data)
    refusal = next(n for n in r.not_taken if (n.policy, n.article) == ("pinggu", "第三条"))
    assert refusal.kind == "missing" and "good_credit" in refusal.reason


def test_json_is_documented_shape_and_byte_identical(tmp_path):
    runner = CliRunner()
    args = ["optimize", str(EXAMPLES / "pinggu-2025.yaml"), "--json"]
    first, second = runner.invoke(cli.main, args), runner.invoke(cli.main, args)
    assert first.exit_code == 0 and first.output == second.output
    data = json.loads(first.output)
    assert {"total", "status", "bound", "payments", "not_taken", "assumptions"} <= set(data)
    assert data["status"] == "optimal" and data["total"] == 1_755_000
    for p in data["payments"]:
        assert {"policy", "article", "item", "year", "amount", "bound_by"} <= set(p)
        assert isinstance(p["amount"], int)
    assert sum(p["amount"] for p in data["payments"]) == data["total"]


def test_check_passes_on_bundled_rules():
    result = CliRunner().invoke(cli.main, ["check"])
    assert result.exit_code == 0 and "no errors" in result.output


def test_explain_says_why_not(tmp_path):
    result = CliRunner().invoke(cli.main, ["explain", str(EXAMPLES / "pinggu-2025.yaml"), "pinggu.第四条"])
    assert result.exit_code == 0
    assert "Paid nothing" in result.output and "1.8亿 already reached 1亿" in result.output


def test_terminal_output_names_article_and_bound(tmp_path):
    result = CliRunner().invoke(cli.main, ["optimize", str(EXAMPLES / "pinggu-2025.yaml")])
    assert result.exit_code == 0
    assert "1,755,000" in result.output and "第十二条" in result.output and "optimal" in result.output


def test_example_pinggu_city_2024_2027_total(solve):
    from ruamel.yaml import YAML
    data = YAML(typ="safe").load((EXAMPLES / "pinggu-city-2024-2027.yaml").read_text(encoding="utf-8"))
    r = solve(data)
    # 002 四(二)2: candidates 首台套 800万 and 产业筑基 500万 in 2024, one direction: 800万.
    # 004 第十二条, 0.5% of each order's executed amount, 200万 per enterprise-year, each order
    # at most 2 consecutive years:
    #   order A 2025 150万, 2026 250万, 2027 200万; order B 2025 50万, 2026 50万.
    #   A in 2026-2027: 2025 B 50万; 2026 A+B capped at 200万; 2027 A 200万 -> 450万
    #   A in 2025-2026: 2025 150万+50万 = 200万; 2026 capped 200万; 2027 nothing -> 400万
    #   so 450万.
    # 第五条 growth part: 2025 growth 700/600 = 16.7% and 800/700 = 14.3%, last year 700万 >= 500万:
    #   10% × 100万 = 10万; 2026: 14.3% and 900/800 = 12.5%: 10万; 2027: 950/900 = 5.6%: nothing.
    #   The first-500万 part: R&D was already 600万 in 2023, so no year of 2025-2027 is a first: nothing.
    # 第三条: 2025 growth 10%: 0.5% × 3000万 = 15万; 2026 3.0%: nothing; 2027 11.8%: 0.5% × 4000万 = 20万,
    # but under pinggu.validity = claimed_in_force (第二十一条 "有效期 2 年", to 2027-08-28) 2027's
    # figures are claimed in 2028, after the measures expired: not paid. (The orders are items
    # paid year by year, in any year the measures are in force on some day.)
    # 2024: 004 is not yet in force. Total 800万 + 450万 + 20万 + 15万 = 1285万.
    assert r.status == "optimal"
    assert r.total == 12_850_000
    assert paid(r, "四(二)2") == 8_000_000 and paid(r, "第十二条") == 4_500_000
    a_years = sorted(p.year for p in r.payments if p.item == "整车长单A")
    assert a_years == [2026, 2027]
    # validity = any_day: 2027's 第三条 20万 too: 1305万
    assert solve(data, readings=["pinggu.validity=any_day"]).total == 13_050_000


def test_one_item_two_clauses_across_policies_of_one_group(solve, tmp_path):
    # Two policies sharing the non-duplication group 顺义区 (as 000 and 003 share 通州区 by
    # 000 第十八条): the same project is paid by one clause of either, the better one.
    second = NON_DUP_RULES.split("policy demo")[1].replace("{", "", 1)
    rules = demo_rules(tmp_path)
    other = tmp_path / "other.rules"
    other.write_text("policy demo2 {" + second.replace('"第一条"', '"第三条"').replace('"第二条"', '"第四条"')
                     .replace("clause a", "clause c").replace("clause b", "clause d")
                     .replace("cap 50万", "cap 60万"), encoding="utf-8")
    small = {"facts": {"registered": True}, "years": 2025,
             "items": [{"id": "P", "kind": "project", "investment": "400万", "year": 2025}]}
    # 400万 project: demo 第一条 40万, 第二条 50万; demo2 第三条 40万, 第四条 min(80万, 60万) = 60万.
    r = solve(small, rules=rules + [str(other)])
    assert (r.total, [(p.policy, p.article) for p in r.payments]) == (600_000, [("demo2", "第四条")])


def test_a_parts_own_readings_reach_its_payments(solve):
    # 004 第九条's orders part carries its own readings (threshold and ceiling per order); a
    # kitchen order of 1000万 pays 1% = 10万 and the payment lists those readings.
    r = solve(pinggu({"central_kitchen_chain": True}, items=[
        {"id": "K", "kind": "kitchen_order", "new": True, "to_pinggu_unaffiliated": True, "executed": {2025: "1000万"}}]))
    (p,) = [p for p in r.payments if p.article == "第九条"]
    assert p.amount == 100_000 and any("超过 500 万元" in rd for rd in p.readings)
