"""bench/run.py's generated 丰台 enterprises (section j): they reach the model classes the section
claims to time (first-reached tiers, instalments, a window, matched city awards), and the engine's
proven optimum on them is the peers' on the same grounded model."""
from __future__ import annotations

import collections
import sys

import pytest

from solver.ground import ground
from solver.optimize import optimize
from solver.pipeline import load_rules

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from run import SPANS, fengtai_enterprise, solve_highs  # noqa: E402  bench/run.py's generator and peer

RULES = load_rules()


def _grounded(n: int, years: int):
    profile = fengtai_enterprise(n, SPANS[years], n * 10 + years, RULES.vocab)
    return ground(RULES, profile, profile.years, True)


def test_the_generated_enterprise_reaches_the_classes_the_section_names():
    g = _grounded(200, 5)
    by_article = collections.Counter(c.clause.article for c in g.candidates if c.clause.policy == "fengtai")
    assert by_article["第六条"] and by_article["第四条"] and g.windows  # tiers and growth shares; the 2-year window
    assert by_article["第十条"] >= 10  # titles, paid year by year while their standard is met
    assert sum(by_article[a] for a in ("第十一条", "第十二条", "第十三条", "第十四条", "第十五条", "第十六条")) >= 10
    assert g.supports  # 配套: a matching payment rests on the city award it matches
    assert any(c.clause.policy == "city2024" for c in g.candidates)


@pytest.mark.parametrize("n,years", [(10, 3), (50, 5), (200, 5)])
def test_the_engine_and_highs_agree_on_the_generated_enterprise(n, years):
    pytest.importorskip("scipy")
    g = _grounded(n, years)
    plan = optimize(g)
    assert plan.status == "optimal" and plan.total > 0
    assert plan.total == solve_highs(g)
