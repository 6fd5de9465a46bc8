"""Slips that used to check cleanly: a figure of the rules the article's text states nowhere
(`cap 30万` under 最高支持300万元: a warning W960 naming both, exit 0 unless --strict), and a region
or non-duplication group that is not 北京市 or one of its 16 districts (an error, did-you-mean)."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

import cli
from solver.lint import figures, text_figures
from solver.pipeline import load_rules
from solver.resources import rules_dir


def run(*args):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def _copy(tmp_path, name: str, old: str, new: str):
    """A copy of a bundled rule file (its text beside it) with OLD replaced once by NEW."""
    shutil.copytree(rules_dir() / "texts", tmp_path / "texts")
    text = (rules_dir() / name).read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path, text[:text.index(old)].count("\n") + 1


def test_the_text_figures_are_read_in_yuan_and_as_rates():
    money, rates = text_figures("按全年产值增量的0.5%给予支持，奖励资金最高不超过500万元；超过 2 亿元的；精确到千元；1,000万元")
    assert money == {5_000_000: "500万元", 200_000_000: "2 亿元", 10_000_000: "1,000万元"}  # 千元 has no number
    assert list(rates) == [pytest.approx(0.005)] and rates[next(iter(rates))] == "0.5%"


def test_the_bundled_rules_give_no_figure_warning():
    assert figures(load_rules()) == []
    out = run("check", "--json")
    assert out.exit_code == 0 and json.loads(out.output)["warnings"] == []


def test_a_ceiling_a_zero_short_is_a_warning_naming_both_figures_and_places(tmp_path):
    # 000 第五条: "单个企业每年最高支持300万元", encoded `cap 300万 per enterprise_year`; written 30万
    path, line = _copy(tmp_path, "000_tongzhou_mfg.rules", "cap 300万 per enterprise_year", "cap 30万 per enterprise_year")
    out = run("check", path)
    assert out.exit_code == 0, out.output  # a warning: shown, the rules still check
    assert "warning[W960]: cap 30万 in tongzhou_mfg.first_use (第五条): the article's text states no such amount" \
        in out.output, out.output
    assert f"--> {path}:{line}:" in out.output
    lines = path.read_text(encoding="utf-8").splitlines()
    first_use = next(n for n, t in enumerate(lines, 1) if t.startswith('clause first_use "第五条"'))
    text_line = next(n for n, t in enumerate(lines, 1) if n > first_use and t.strip().startswith("text "))
    assert f"::: {path}:{text_line}:" in out.output and "the text says 300万元" in out.output  # the clause's text line
    assert "did you mean 300万元?" in out.output
    assert run("check", path, "--strict").exit_code == 1
    (warning,) = json.loads(run("check", path, "--json").output)["warnings"]
    assert (warning["code"], warning["line"]) == ("W960", line)


def test_a_rate_slip_is_a_warning(tmp_path):
    # 004 第三条 "按全年产值增量的0.5%给予支持": 0.05% is no rate of the text
    path, line = _copy(tmp_path, "004_pinggu.rules", "pay 0.5% of increase(industrial_output)",
                       "pay 0.05% of increase(industrial_output)")
    out = run("check", path)
    assert out.exit_code == 0 and "warning[W960]: pay 0.05% in pinggu.output_growth (第三条)" in out.output
    assert "did you mean 0.5%?" in out.output and f"{path}:{line}:" in out.output


@pytest.mark.parametrize("old, new, code, hint", [
    ("region   平谷区", "region   平谷", "E963", "did you mean '平谷区'?"),
    ("    no_duplication 平谷区\n", "    no_duplication 平谷\n", "E964", "did you mean '平谷区'?"),
    ("region   平谷区", "region   平古区", "E963", "did you mean '平谷区'?"),
])
def test_an_unknown_region_or_group_is_an_error_with_the_district_meant(tmp_path, old, new, code, hint):
    path, line = _copy(tmp_path, "004_pinggu.rules", old, new)
    out = run("check", path)
    assert out.exit_code == 1
    assert f"error[{code}]" in out.output and hint in out.output and f"--> {path}:{line}:" in out.output


def test_a_new_districts_group_is_checked_too(tmp_path):
    path = tmp_path / "shunyi.rules"
    path.write_text("""policy shunyi {
    title "顺义区试行措施"
    level district
    region 顺义区
    in_force 2025-01-01 to 2026-12-31
    status in_force
    no_duplication 顺义
}
""", encoding="utf-8")
    out = run("check", path)
    assert out.exit_code == 1 and "error[E964]: unknown non-duplication group '顺义'" in out.output
    assert "did you mean '顺义区'?" in out.output
