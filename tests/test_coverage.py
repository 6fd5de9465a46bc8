"""Every article of every encoded document is accounted for: encoded, a condition,
non-monetary or procedural — and none is left 'not encoded'."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

import cli
from solver.coverage import article_key, chinese_number, coverage
from solver.pipeline import load_rules

from .conftest import ROOT

SEEDS = ROOT.parent / "shared" / "seeds"
#: seed file prefix -> (policy id, how its articles are headed)
DOCUMENTS = {
    "000": ("tongzhou_mfg", r"^第[一二三四五六七八九十]+条"),
    "001": ("fengtai", r"^第[一二三四五六七八九十]+条"),
    "003": ("tongzhou", r"^[（(][一二三四五六七八九十]+[）)]"),
    "004": ("pinggu", r"^第[一二三四五六七八九十]+条"),
}


def test_chinese_numbers():
    assert [chinese_number(t) for t in ("九", "十", "十七", "二十", "二十四")] == [9, 10, 17, 20, 24]
    assert article_key("第二十一条") == (21,) and article_key("四(二)2") == (4, 2, 2)


def test_bundled_rules_leave_no_article_not_encoded():
    report = coverage(load_rules())
    assert report and all(p["not_encoded"] == 0 for p in report)
    result = CliRunner().invoke(cli.main, ["check", "--coverage"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("prefix", sorted(DOCUMENTS))
def test_every_article_of_the_seed_text_is_accounted_for(prefix):
    policy, heading = DOCUMENTS[prefix]
    seeds = list(SEEDS.glob(f"{prefix}_*.txt")) if SEEDS.is_dir() else []
    report = {p["policy"]: p for p in coverage(load_rules())}
    if not seeds:
        pytest.skip("the policy texts (shared/seeds) are not beside this checkout")
    if policy not in report:
        pytest.skip(f"{policy} is not encoded yet")
    text = seeds[0].read_text(encoding="utf-8")
    in_text = {article_key(m.group(0)) for line in text.splitlines()
               if (m := re.match(heading, line.strip()))}
    in_rules = {article_key(a["article"]) for a in report[policy]["articles"]}
    assert in_text, "no article headings found in the text"
    assert sorted(in_text - in_rules) == [], f"articles of {prefix} with no status in the rules"
