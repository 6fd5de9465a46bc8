"""004 (平谷, 京平科信发〔2025〕8号): what the article table cannot say as plain data.

Each money article once paying and once not is tests/cases/004_pinggu.yaml (run by
tests/test_cases.py and `subsidy test`). The base enterprise (tests/conftest.py) meets 第二条,
第十五条 and 第十六条. Every expected figure is worked from the article's words in the comment above it; 第十七条 rounds each
payment down to whole 千元 and pays nothing under 1万. 第二十一条: in force from 2025-08-29, so an
event of 2025 (a title, an approval) gives its date, 2025-10-01, while the measures are in force."""
from __future__ import annotations

import pytest

from .conftest import pinggu


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
