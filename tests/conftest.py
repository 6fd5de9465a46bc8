"""Shared helpers: write a profile, optimize it with the bundled (or given) rules."""
from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from solver import pipeline

# The checked-rules cache of this test run lives in its own folder (and CLI runs in subprocesses
# inherit it), so tests never read or write the user's ~/.cache.
os.environ["SUBSIDY_CACHE_DIR"] = tempfile.mkdtemp(prefix="subsidy-cache-")
# Messages are English unless a test asks for Chinese (--lang zh): the tests read the same words
# whatever the machine's locale.
os.environ["SUBSIDY_LANG"] = "en"

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

#: A 平谷区 manufacturer meeting every enterprise-wide condition of 004 (第二条, 第十五条,
#: 第十六条) and of 002 (四(二)1); tests add the figures and items their article needs.
PINGGU_BASE = {
    "enterprise": "测试企业",
    "facts": {
        "district": "平谷区",
        "registered_in_beijing": True,
        "operates_in_district": True,
        "manufacturer": True,
        "fits_capital_positioning": True,
        "serious_dishonesty_3y": False,
        "stable_operation_in_beijing": True,
        "abnormal_affiliate_output": False,
        "good_credit": True,
        "major_penalty_3y": False,
        "criminal_record_3y": False,
        "false_materials_within_3y": False,
        "pg_other_pinggu_support": False,  # 004 第十八条
        # 004 第四条、第五条 "首次": no output or R&D before the years a test gives
        "industrial_output_record": "0元",
        "rd_expense_record": "0元",
    },
    "items": [],
}


def write_profile(tmp_path: Path, data: dict, name: str = "profile.yaml") -> Path:
    path = tmp_path / name
    yaml = YAML()
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    return path


def extend(base: dict, facts: dict | None = None, items: list | None = None, years=2025) -> dict:
    """A copy of a base profile with extra facts, its items and its years."""
    data = copy.deepcopy(base)
    data["facts"].update(facts or {})
    data["items"] = list(items or [])
    data["years"] = years
    return data


def pinggu(facts: dict | None = None, items: list | None = None, years=2025) -> dict:
    """The base 平谷 profile with extra facts and items."""
    return extend(PINGGU_BASE, facts, items, years)


@pytest.fixture
def solve(tmp_path):
    """solve(profile_dict, **options) -> Result of `optimize` on that profile; `readings` are
    `--reading` choices ("tongzhou.rd_amount=flat"), `with_range` is `--readings`."""
    def run(data: dict, rules=None, years=None, include_drafts=False, readings=None, with_range=False):
        path = write_profile(tmp_path, data)
        return pipeline.optimize(str(path), rules, years, include_drafts, readings=readings, with_range=with_range,
                                 bundled=False)  # the rules given are the whole rule set
    return run


def paid(result, article: str | None = None) -> int:
    """Sum paid by one article (e.g. '第三条'), or the total."""
    return sum(p.amount for p in result.payments if article is None or p.article == article)


def assert_bounds_hold(g, plan) -> None:
    """`upper_bound`, what a part not proven in time reports, is at least each part's optimum
    (`plan` is proven optimal)."""
    from solver.linear import split
    from solver.propose import upper_bound
    for scope in split(g):
        assert upper_bound(g, scope) >= sum(plan.amounts.get(i, 0) for i in scope.members)


def assert_encodings_admit(g, plan) -> None:
    """Each part's model as Z3 reads it — in full, and relaxed (without windows and smallest
    amounts) where it has ceilings — has a plan paying at least what the proven optimum pays
    there, and as early. An encoding that lost a legal plan (a relaxation that drops too much,
    a presolve by dominance that pays less than the rules allow) would let Z3 prove a wrong
    optimum."""
    import z3
    from solver.linear import split
    from solver.optimize import _Part
    from solver.propose import Proposal
    for scope in split(g):
        part = _Part(g, scope)
        inside = set(scope.members)
        best = Proposal.of({i: a for i, a in plan.amounts.items() if i in inside}, part.weight)
        as_good = (f"(>= {part.t} {best.total})" if part.flat else  # one year: no earliness to compare
                   f"(or (> {part.t} {best.total}) (and (= {part.t} {best.total}) (>= {part.e} {best.weight})))")
        for relaxed in (False, True) if scope.ceilings else (False,):
            s = z3.Solver()
            s.from_string(part.encoding(relaxed)[1] + f"\n(assert {as_good})")
            assert s.check() == z3.sat, f"the {'relaxed' if relaxed else 'full'} model loses the optimum"


def assert_proofs_hold(proofs) -> None:
    """Each proof script (`--proof`) reruns unsat in Z3, and is not vacuous: without its last
    assertion (the claim "a plan pays more, or as much but earlier") the model has a plan."""
    import z3
    for text in proofs:
        rerun = z3.Solver()
        rerun.from_string(text)
        assert rerun.check() == z3.unsat
        model_only = z3.Solver()
        model_only.from_string(text[:text.rindex("(assert ")])  # the claim is the last assertion
        assert model_only.check() == z3.sat
