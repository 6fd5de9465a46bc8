"""`subsidy diff OLD NEW`: what changed between two versions of a policy, and whether any
enterprise gets less (or more) under the new one. The versions are copies of the bundled rule
files, edited here as an analyst would edit them, with the policies' texts copied beside them."""
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

import cli
from solver import pipeline
from solver.values import parse_money
from solver.resources import rules_dir

# 001 compares growth with published averages (rates): they are pinned, as `prove` needs them pinned
FENGTAI_BOUNDS = """facts:
  ft_district_output_growth: "6%"
  ft_district_revenue_growth: "6%"
  ft_district_rd_growth: "6%"
  ft_industry_output_growth: "6%"
  ft_industry_revenue_growth: "6%"
"""
# 001 第四条 as the bundled file writes it
PILOT = """    for item ft_project consecutive years at most 2
    pay up to 20% of item.fixed_asset_investment
    cap 500万 per payment"""


def run(*args):
    return CliRunner().invoke(cli.main, ["diff", *args])


@pytest.fixture
def folder(tmp_path):
    shutil.copytree(rules_dir() / "texts", tmp_path / "texts")  # each policy names its `source` text
    (tmp_path / "bounds.yaml").write_text(FENGTAI_BOUNDS, encoding="utf-8")
    return tmp_path


def version(folder, name: str, bundled: str, old: str = "", new: str = "") -> str:
    """A copy of a bundled rule file, with `old` (found exactly once) replaced by `new`."""
    text = (rules_dir() / bundled).read_text(encoding="utf-8")
    if old:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def fengtai(folder, name: str, new_pilot: str | None = None) -> str:
    return version(folder, name, "001_fengtai.rules", PILOT if new_pilot else "", new_pilot or "")


def verdict(result) -> dict:
    assert result.exit_code in (0, 1, 3), result.output
    return json.loads(result.output)


def replayed(counterexample: str, rules: str, policy: str, drafts: bool) -> int:
    """The engine's optimum of the written counter-example under one version, as its replay line runs it."""
    return pipeline.optimize(counterexample, rules=[rules], only=[policy], include_drafts=drafts).total


def test_001_art4_lowered_cap_refuted_with_the_loss_worked_from_the_article(folder):
    old = fengtai(folder, "old.rules")
    new = fengtai(folder, "new.rules", PILOT.replace("cap 500万", "cap 300万"))
    ce = str(folder / "ce.yaml")
    result = run(old, new, "--include-drafts", "--bounds", str(folder / "bounds.yaml"), "--counterexample", ce,
                 "--json")
    assert result.exit_code == 1, result.output
    d = json.loads(result.output)
    assert d["verdict"] == "REFUTED"
    # 第四条 "年度最高500万元，连续支持不超过两年": each of the enterprise's 2 projects (--items 2) is paid
    # at most 2 consecutive years × 500万 = 1000万 under OLD, 2 × 300万 = 600万 under NEW; the
    # counter-example invests enough (≥ 2500万 a year: 20% ≥ 500万) for every cap to bind:
    # loss = 2 projects × 2 years × (500万 − 300万) = 800万
    assert d["change"] == -8_000_000
    assert d["old_total"] - d["new_total"] == 8_000_000
    # what changed: the one line of 第四条's rule, beside the article's words
    assert [(c["change"], c["key"], c["article"], c["old"], c["new"]) for c in d["changes"]] == [
        ("changed", "fengtai.pilot", "第四条", ["cap 500万 per payment"], ["cap 300万 per payment"])]
    assert "年度最高500万元" in d["changes"][0]["text"][0]
    # replayable: the written profile, run through the engine under each version as the replay lines say
    assert replayed(ce, old, "fengtai", True) == d["old_total"]
    assert replayed(ce, new, "fengtai", True) == d["new_total"]
    head = open(ce, encoding="utf-8").read().splitlines()[:3]
    assert head[1].startswith("# replay: subsidy optimize") and "--include-drafts" in head[1] and old in head[1]
    assert new in head[2]


def test_001_art4_new_condition_refuted(folder):
    old = fengtai(folder, "old.rules")
    condition = "    require item.fixed_asset_investment >= 1000万\n"
    new = fengtai(folder, "new.rules", PILOT.replace("    pay up to", condition + "    pay up to"))
    ce = str(folder / "ce.yaml")
    d = verdict(run(old, new, "--include-drafts", "--bounds", str(folder / "bounds.yaml"), "--counterexample", ce,
                    "--json"))
    assert d["verdict"] == "REFUTED"
    assert [c["new"] for c in d["changes"]] == [["require item.fixed_asset_investment >= 1000万"]]
    # the largest loss is a project just under the new threshold: 9,999,999 元 invested a year;
    # 第四条 pays 20% of it, 1,999,999.8 元, as whole 元 1,999,999 元, for 2 consecutive years,
    # for each of 2 projects under OLD, nothing under NEW: 4 × 1,999,999 = 7,999,996 元. Z3 picks
    # the counter-example (as far as its search for the largest drop gets): a loss, at most that,
    # which the engine replays on both versions (below)
    assert -7_999_996 <= d["change"] < 0
    assert [(x["shape"], x["clause"]) for x in d["tried"]] == [("refused", "fengtai.pilot")]
    assert replayed(ce, old, "fengtai", True) == d["old_total"]
    assert replayed(ce, new, "fengtai", True) == d["new_total"]


def test_001_art4_raised_cap_no_enterprise_gets_less_proved_within_stated_bounds(folder):
    old = fengtai(folder, "old.rules")
    new = fengtai(folder, "new.rules", PILOT.replace("cap 500万", "cap 600万"))
    result = run(old, new, "--include-drafts", "--bounds", str(folder / "bounds.yaml"), "--lang", "en")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("PROVED"))
    # the verdict itself says what it holds for
    assert "at most 2 item(s) of each kind" in line and "at most 1,000,000,000,000 元" in line
    assert "ft_district_output_growth = 6%" in line and "years 2025-2029" in line
    # and the other way round it gains: 4 payments of 第四条 (2 projects × 2 years) × (600万 − 500万) = 400万
    d = verdict(run(old, new, "--include-drafts", "--bounds", str(folder / "bounds.yaml"), "--direction", "more",
                    "--json"))
    assert (d["verdict"], d["change"]) == ("REFUTED", 4_000_000)


@pytest.mark.parametrize("cap, loss", [("400万", 4_000_000), ("500万", None), ("700万", None)])
def test_001_art4_any_cap_proved_exactly_when_not_lower(folder, cap, loss):
    """A cap of C in place of 500万: PROVED when C ≥ 500万, else REFUTED losing 4 × (500万 − C)
    (2 projects × 2 consecutive years, each payment at the cap)."""
    d = verdict(run(fengtai(folder, "old.rules"), fengtai(folder, "new.rules", PILOT.replace("500万", cap)),
                    "--include-drafts", "--bounds", str(folder / "bounds.yaml"), "--json"))
    assert d["verdict"] == ("PROVED" if loss is None else "REFUTED")
    assert d["change"] == (None if loss is None else -loss)


def test_004_art12_ceiling_per_order_gets_more_refuted_and_never_less_proved(folder):
    old = version(folder, "pinggu_old.rules", "004_pinggu.rules")
    # NEW reads 第十二条's 200万 per order and year instead of per enterprise and year
    default = '    default per_enterprise_year because "“给予企业最高不超过200万元”'
    new = version(folder, "pinggu_new.rules", "004_pinggu.rules", default,
                  default.replace("per_enterprise_year", "per_order_year"))
    ce = str(folder / "ce.yaml")
    d = verdict(run(old, new, "--direction", "more", "--years", "2025-2026", "--counterexample", ce, "--json"))
    assert d["verdict"] == "REFUTED"
    assert {(c["key"], tuple(c["old"]), tuple(c["new"])) for c in d["changes"]} == {
        ("pinggu.vehicle_order_ceiling", ("default per_enterprise_year",), ("default per_order_year",)),
        ("pinggu.vehicle_orders", ("cap 200万 per enterprise_year",), ("cap 200万 per payment",))}
    # The most an enterprise of 2 orders can gain: two orders each paying 0.5% of at least 4亿
    # executed a year, so 200万 or more: OLD pays the enterprise 200万 a year (2025, 2026) = 400万;
    # NEW pays each order 200万 a year, 2 orders × 2 years (同一订单最多连续支持不超过2年) = 800万;
    # gain 400万. Z3 picks the counter-example (the largest drop of one shape, as far as its search
    # gets), so the gain is worked from the counter-example's own figures, by 第十二条's words:
    # each order over 2000万 pays 0.5% of its year's amount; OLD caps the enterprise's year at 200万,
    # NEW each order's year; 第十七条 rounds each payment down to 千元 (nothing under 1万), and under
    # OLD's cap the orders' payments are split to reach exactly 200万 where their sum allows.
    assert 0 < d["change"] <= 4_000_000
    orders = [i for i in YAML(typ="safe").load(Path(ce).read_text(encoding="utf-8"))["items"]
              if i["kind"] == "vehicle_order" and i.get("new")]

    def rounded(amount):
        amount -= amount % 1000
        return amount if amount >= 10_000 else 0

    def paid(executed):
        return [executed * 5 // 1000 for executed in executed if executed > 20_000_000]
    gain = 0
    for year in (2025, 2026):
        amounts = paid(parse_money(str(o["executed"][year])) for o in orders if year in o.get("executed", {}))
        gain += sum(rounded(min(a, 2_000_000)) for a in amounts) - min(sum(map(rounded, amounts)), 2_000_000)
    assert d["change"] == gain
    assert [x["shape"] for x in d["tried"]] == ["ceiling"]
    assert replayed(ce, old, "pinggu", False) == d["old_total"]
    assert replayed(ce, new, "pinggu", False) == d["new_total"]
    # no enterprise gets less: every OLD plan pays each order at most the enterprise's 200万 a year
    d = verdict(run(old, new, "--json"))
    assert (d["verdict"], d["structure"], d["tried"]) == ("PROVED", [], [])


def test_004_art8_removed_refuted_and_a_condition_already_required_proved(folder):
    old = version(folder, "pinggu_old.rules", "004_pinggu.rules")
    text = (rules_dir() / "004_pinggu.rules").read_text(encoding="utf-8")
    art8 = text[text.index('clause integration "第八条"'):text.index('clause central_kitchen')]
    d = verdict(run(old, version(folder, "pinggu_new.rules", "004_pinggu.rules", art8, ""), "--json"))
    assert [(c["change"], c["key"]) for c in d["changes"]] == [("removed", "pinggu.integration")]
    # 第八条 "对获评北京市先进制造业和现代服务业融合试点企业的给予不超过 30 万元资金奖励": two titles
    # (--items 2) × 30万 = 60万 under OLD, nothing under NEW
    assert (d["verdict"], d["change"], d["tried"][0]["shape"]) == ("REFUTED", -600_000, "dropped")
    # a new condition NEW adds that 第十六条 (信用记录良好: good_credit) already requires refuses no one
    opening = 'condition false_materials "第十五条" {'
    new = version(folder, "pinggu_cond.rules", "004_pinggu.rules", opening,
                  'condition credit "第十六条" {\n    require good_credit\n}\n\n' + opening)
    d = verdict(run(old, new, "--json"))
    assert [(c["change"], c["what"], c["new"]) for c in d["changes"]] == [
        ("added", "condition", ["require good_credit"])]
    assert d["verdict"] == "PROVED"


def test_identical_versions_are_proved_and_show_no_change(folder):
    old = version(folder, "a.rules", "004_pinggu.rules")
    result = run(old, version(folder, "b.rules", "004_pinggu.rules"), "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert "该政策的声明没有变化" in result.output and "已证明 PROVED：没有任何企业在新版《平谷高端制造业若干措施》下所得少于旧版" in result.output
    assert "每类项目不超过 2 个" in result.output


def test_chinese_output_names_the_change_beside_the_article(folder):
    old = fengtai(folder, "old.rules")
    new = fengtai(folder, "new.rules", PILOT.replace("cap 500万", "cap 300万"))
    result = run(old, new, "--include-drafts", "--bounds", str(folder / "bounds.yaml"), "--lang", "zh")
    assert result.exit_code == 1, result.output
    out = result.output
    for word in ("变化", "条文", "旧版规则", "新版规则", "修改 条款", "已推翻 REFUTED", "少得 8,000,000 元", "重现："):
        assert word in out, word
    assert "fengtai.pilot 第四条" in out and "cap 300万 per payment" in out


def test_a_different_structure_is_never_proved(folder):
    """A longer window (连续支持不超过三年) pays no one less, but the refinement asks for the same
    windows: no shape is found, and the answer is UNKNOWN naming the difference, not PROVED."""
    d = verdict(run(fengtai(folder, "old.rules"),
                    fengtai(folder, "new.rules", PILOT.replace("at most 2", "at most 3")),
                    "--include-drafts", "--bounds", str(folder / "bounds.yaml"), "--json", "--lang", "en"))
    assert d["verdict"] == "UNKNOWN"
    assert d["structure"] == ["fengtai.pilot: timing is 'for item ft_project consecutive years at most 2' in OLD "
                              "and 'for item ft_project consecutive years at most 3' in NEW"]


def test_out_of_time_is_unknown_exit_3(folder):
    result = run(fengtai(folder, "old.rules"), fengtai(folder, "new.rules", PILOT.replace("500万", "300万")),
                 "--include-drafts", "--bounds", str(folder / "bounds.yaml"), "--timeout", "0.01")
    assert result.exit_code == 3, result.output
    assert "UNKNOWN" in result.output


def test_bad_input_gets_a_diagnostic(folder):
    old = fengtai(folder, "old.rules")
    new = fengtai(folder, "new.rules", PILOT.replace("500万", "300万"))
    bounds = str(folder / "bounds.yaml")
    cases = [
        (run(old, new, "--bounds", bounds), "E613", "--include-drafts"),  # a draft pays nothing unless asked
        (run(old, new, "--include-drafts", "--bounds", bounds, "--policy", "fengtia"), "E611", "fengtai"),
        (run(old, new, "--include-drafts"), "E606", "pin its value"),  # a rate compared with a growth
    ]
    both = folder / "both"
    shutil.copytree(folder / "texts", both / "texts")
    shutil.copy(old, both / "001.rules")
    version(both, "004.rules", "004_pinggu.rules")
    cases.append((run(str(both), str(both), "--include-drafts"), "E610", "--policy"))
    (folder / "ce").mkdir()
    cases.append((run(old, new, "--include-drafts", "--bounds", bounds, "--counterexample", str(folder / "ce")),
                  "E615", "a link or a folder"))
    for result, code, words in cases:
        assert result.exit_code == 2, (code, result.output)
        assert f"error[{code}]" in result.output and words in result.output, (code, result.output)
        assert "Traceback" not in result.output


def test_an_enum_reordered_between_versions_is_refused(folder):
    """One enterprise must read the same under both versions: an enum whose values change order
    would give a value a different meaning in each."""
    old = version(folder, "old.rules", "004_pinggu.rules")
    shutil.copytree(folder / "texts", folder / "new" / "texts")
    version(folder / "new", "004_pinggu.rules", "004_pinggu.rules")
    vocabulary = (rules_dir() / "vocabulary.rules").read_text(encoding="utf-8")
    line = next(x for x in vocabulary.splitlines() if x.strip().startswith("enum ") and "," in x)
    name, values = line.split("{")[0].split()[1], line.split("{")[1].split("}")[0]
    swapped = ", ".join(reversed([v.strip() for v in values.split(",")]))
    (folder / "new" / "vocabulary.rules").write_text(vocabulary.replace(line, line.replace(values, f" {swapped} ")),
                                                     encoding="utf-8")
    result = run(old, str(folder / "new"))
    assert result.exit_code == 2, result.output
    assert "error[E614]" in result.output and f"enum '{name}'" in result.output
