"""The audit as an adversarial auditor tries it (issue 14's table): ledger lines are summed,
never merged; a payment split over lines is whole again; no ledger makes the audit loop.

The enterprise is examples/pinggu-2025.yaml. Its 整车订单 executes 2600万 of new orders in 2025:
004 第十二条 "按照年度实际执行金额0.5%给予企业最高不超过200万元" pays at most 0.5% × 2600万 =
13万. Its output grows 1.8亿 -> 2.05亿: 第三条 "按全年产值增量的0.5%给予支持" pays at most
0.5% × 2500万 = 12.5万. 第十七条: whole 千元, nothing under 1万, for each payment.
"""
from __future__ import annotations

import json

import pytest

from .test_audit import PROFILE, ledger, run

ORDER = ("pinggu", "第十二条", "整车订单", 2025)
GROWTH = ("pinggu", "第三条", "enterprise", 2025)


def verdict(tmp_path, *payments, rows=None):
    path = ledger(tmp_path, *payments) if rows is None else _rows(tmp_path, rows)
    result = run("audit", PROFILE, path, "--json", "--timeout", "60")
    assert result.exit_code in (0, 1), result.output  # decided, within the limit
    return result.exit_code, json.loads(result.output)


def _rows(tmp_path, rows):
    from ruamel.yaml import YAML
    path = tmp_path / "ledger.yaml"
    YAML().dump({"payments": rows}, path.open("w", encoding="utf-8"))
    return str(path)


def test_one_payment_written_twice_fails(tmp_path):
    # 13万 twice: 26万 for a payment of at most 13万: exceeded by 13万
    code, v = verdict(tmp_path, ORDER + ("13万",), ORDER + ("13万",))
    assert code == 1
    (f,) = [f for f in v["violated"] if "第十二条" in f["rule"]]
    assert f["excess"] == 130_000 and f["lines"] == [1, 2] and f["article"] == "第十二条"


def test_the_optimal_plan_with_a_line_repeated_fails(tmp_path):
    plan = run("optimize", PROFILE, "--json")
    payments = json.loads(plan.output)["payments"]
    growth = next(p for p in payments if p["article"] == "第三条")
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"payments": payments + [growth]}, ensure_ascii=False), encoding="utf-8")
    result = run("audit", PROFILE, str(path), "--json")
    # the plan pays 第三条 its 12.5万; the repeated line makes it 25万: exceeded by 12.5万
    assert result.exit_code == 1
    (f,) = [f for f in json.loads(result.output)["violated"] if "第三条" in f["rule"]]
    assert f["excess"] == 125_000


def test_the_same_payment_by_article_and_by_clause_fails(tmp_path):
    rows = [dict(zip(("policy", "article", "item", "year", "amount"), ORDER + ("13万",))),
            dict(zip(("policy", "article", "item", "year", "amount"), ORDER + ("13万",)), clause="pinggu.vehicle_orders")]
    code, v = verdict(tmp_path, rows=rows)
    assert code == 1 and any(f["excess"] == 130_000 for f in v["violated"] if "第十二条" in f["rule"])


def test_a_payment_split_over_two_lines_is_whole_again(tmp_path):
    # 8万 + 5万 = 13万, the most: PASS, and no room is left (slack 0)
    code, v = verdict(tmp_path, ORDER + ("8万",), ORDER + ("5万",))
    assert code == 0
    (rate,) = [f for f in v["checked"] if "第十二条" in f["rule"] and "at most" in f["rule"]]
    assert rate["slack"] == 0 and rate["lines"] == [1, 2]
    # 6.5万 + 6.5万 the same
    code, v = verdict(tmp_path, ORDER + ("6.5万",), ORDER + ("6.5万",))
    assert code == 0 and [f["slack"] for f in v["checked"] if "第十二条" in f["rule"] and "at most" in f["rule"]] == [0]


def test_three_lines_over_the_most_fail(tmp_path):
    # 8万 + 5万 + 1万 = 14万 > 13万: exceeded by 1万
    code, v = verdict(tmp_path, ORDER + ("8万",), ORDER + ("5万",), ORDER + ("1万",))
    assert code == 1
    (f,) = [f for f in v["violated"] if "第十二条" in f["rule"]]
    assert f["excess"] == 10_000 and f["lines"] == [1, 2, 3]


def test_rounding_applies_to_the_payment_not_to_each_line(tmp_path):
    # 12万 + 5000 = 12.5万: the payment is whole 千元 and over 1万 (第十七条), though one line is
    # under 1万: PASS. The rule rounds what a clause pays an item in a year, however it is booked.
    code, v = verdict(tmp_path, GROWTH + ("12万",), GROWTH + ("5000",))
    assert code == 0
    # a payment of 12.45万, booked on one line or two, is not whole 千元: FAIL citing 第十七条
    code, v = verdict(tmp_path, GROWTH + ("12万",), GROWTH + ("4500",))
    assert code == 1 and any(f["article"] == "第十七条" and "兑现金额以万元为单位" in f["article_text"]
                             for f in v["violated"])


def test_a_zero_line_under_a_clause_that_cannot_pay_passes(tmp_path):
    # 第十一条 (研发投入连续2年超1500万) pays this enterprise nothing; a 0元 line for it pays
    # nothing either: nothing to check, PASS (documented in the README)
    code, _ = verdict(tmp_path, ("pinggu", "第十一条", "enterprise", 2025, 0))
    assert code == 0
    # 1元 under it has no rule behind it: FAIL, quoting 第十一条
    code, v = verdict(tmp_path, ("pinggu", "第十一条", "enterprise", 2025, 1))
    assert code == 1 and v["violated"][0]["article"] == "第十一条" and "1500 万元" in v["violated"][0]["article_text"]


@pytest.mark.parametrize("lines", [2, 3, 5])
def test_many_lines_on_one_payment_decide(tmp_path, lines):
    # a legal split into k lines: 13万 = k parts whole 千元: PASS; one 千元 more: FAIL by 1000
    parts = [130_000 // lines // 1000 * 1000] * (lines - 1)
    parts.append(130_000 - sum(parts))
    assert verdict(tmp_path, *(ORDER + (p,) for p in parts))[0] == 0
    parts[-1] += 1000
    code, v = verdict(tmp_path, *(ORDER + (p,) for p in parts))
    assert code == 1 and any(f["excess"] == 1000 for f in v["violated"] if "第十二条" in f["rule"])
