"""Chinese output (`--lang zh`) and English (`--lang en`): tables, reasons, statuses, policy names.

The golden files in tests/golden/ are the exact text `optimize --lang zh` prints for two bundled
examples; a change to them is made on purpose (SUBSIDY_REGEN_GOLDEN=1 rewrites them) and read
as a diff in review."""
from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

import cli
from solver import i18n, pipeline
from tests.conftest import EXAMPLES, ROOT, write_profile

GOLDEN = ROOT / "tests" / "golden"


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli.main, list(args), env=env)


@pytest.mark.parametrize("example", ["pinggu-2025", "tongzhou-projects"])
def test_chinese_tables_match_the_golden_text(example):
    result = run("optimize", str(EXAMPLES / f"{example}.yaml"), "--lang", "zh")
    assert result.exit_code == 0, result.output
    golden = GOLDEN / f"{example}.zh.txt"
    if os.environ.get("SUBSIDY_REGEN_GOLDEN"):
        golden.write_text(result.output, encoding="utf-8")
    assert result.output == golden.read_text(encoding="utf-8")


def test_chinese_plan_names_the_total_kinds_and_policies():
    # examples/pinggu-2025.yaml: 1,755,000 元 = 255,000 computed (004 第三条 125,000 + 第十二条 130,000)
    # + 1,500,000 discretionary (第五条 30万 + 第六条 50万 + 第七条 20万 + 50万), as README's table has it
    out = run("optimize", str(EXAMPLES / "pinggu-2025.yaml"), "--lang", "zh").output
    assert "合计：1,755,000 元（175.5万）" in out
    assert "状态：最优（已证明" in out
    assert "其中按条文公式计算：255,000 元（25.5万）；主管部门酌定的最高额：1,500,000 元（150万）" in out
    assert "平谷高端制造业若干措施" in out and "│ pinggu " not in out  # the short title, not the slug
    assert "[不符合条件]" in out
    with i18n.use("zh"):  # the reason whole, as the table folds it: 004 第六条's 灯塔工厂 part, a 先进级 factory
        reasons = {n.clause: n.reason for n in pipeline.optimize(str(EXAMPLES / "pinggu-2025.yaml")).not_taken}
    assert reasons["pinggu.smart_factory.lighthouse"] == "item.level == 灯塔工厂 不成立（实际 item.level = 先进级）"
    assert "[缺少事实] 需要" in out and "up to" not in out and "Payments" not in out


def test_english_stays_as_it_was():
    out = run("optimize", str(EXAMPLES / "pinggu-2025.yaml"), "--lang", "en").output
    assert "Total: 1,755,000 元 (175.5万)   status: optimal (proven: no legal plan pays 1元 more)" in out
    assert "│ pinggu " in out and "[ineligible]" in out
    reasons = {n.clause: n.reason for n in pipeline.optimize(str(EXAMPLES / "pinggu-2025.yaml")).not_taken}
    assert reasons["pinggu.smart_factory.lighthouse"] == "item.level == 灯塔工厂 fails (item.level = 先进级)"
    assert "合计" not in out


def test_the_locale_chooses_the_language_when_lang_is_not_given():
    zh_env = {"SUBSIDY_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"}
    assert "合计：1,755,000 元" in run("optimize", str(EXAMPLES / "pinggu-2025.yaml"), env=zh_env).output
    en_env = dict(zh_env, LANG="en_US.UTF-8")
    assert "Total: 1,755,000 元" in run("optimize", str(EXAMPLES / "pinggu-2025.yaml"), env=en_env).output
    # LC_ALL outranks LANG, as POSIX orders them
    assert i18n.from_locale({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}) == "zh"
    assert i18n.from_locale({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}) == "en"
    assert i18n.from_locale({}) == "en"
    assert i18n.from_locale({"SUBSIDY_LANG": "zh", "LANG": "C"}) == "zh"


def test_a_command_language_does_not_leak_into_the_next_call():
    run("optimize", str(EXAMPLES / "pinggu-2025.yaml"), "--lang", "zh")
    assert i18n.current() == "en"
    result = pipeline.optimize(str(EXAMPLES / "pinggu-2025.yaml"))
    assert not any("不成立" in n.reason for n in result.not_taken)


def test_json_keeps_ids_with_the_titles_beside_them():
    data = json.loads(run("optimize", str(EXAMPLES / "pinggu-2025.yaml"), "--json", "--lang", "zh").output)
    assert data["total"] == 1_755_000
    assert {p["policy"] for p in data["payments"]} == {"pinggu"}
    assert all(p["policy_title"] == "平谷区促进高端制造业高质量发展若干措施" for p in data["payments"])
    assert data["policies"]["pinggu"] == {"title": "平谷区促进高端制造业高质量发展若干措施",
                                          "short": "平谷高端制造业若干措施", "document": "京平科信发〔2025〕8号"}
    assert {n["kind"] for n in data["not_taken"]} <= {"ineligible", "missing", "draft", "out_of_force", "dominated",
                                                     "no_item", "below_minimum", "unproven"}  # ids stay English
    assert "DESIGN" not in json.dumps(data, ensure_ascii=False)  # cites no document users do not have


def test_python_api_speaks_chinese_inside_use():
    with i18n.use("zh"):
        result = pipeline.optimize(str(EXAMPLES / "pinggu-2025.yaml"))
    assert any("不成立" in n.reason for n in result.not_taken)
    assert i18n.current() == "en"


def test_audit_and_explain_in_chinese(tmp_path):
    plan = json.loads(run("optimize", str(EXAMPLES / "pinggu-2025.yaml"), "--json").output)
    ledger = tmp_path / "ledger.json"
    ledger.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    passed = run("audit", str(EXAMPLES / "pinggu-2025.yaml"), str(ledger), "--lang", "zh")
    assert passed.exit_code == 0 and "PASS: （通过）台账 6 行符合适用的全部" in passed.output
    # 004 第三条 pays 0.5% of the output increase, at most 500万: 125,000 here. 126,000 keeps 第十七条's
    # rounding (whole 千元, at least 1万) and breaks 第三条's figure alone, by 1,000 元
    plan["payments"][0]["amount"] += 1000
    ledger.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    failed = run("audit", str(EXAMPLES / "pinggu-2025.yaml"), str(ledger), "--lang", "zh")
    assert failed.exit_code == 1 and "（不通过）台账违反 1 条规则" in failed.output and "超出 1,000 元" in failed.output
    explained = run("explain", str(EXAMPLES / "pinggu-2025.yaml"), "pinggu.第三条", "--lang", "zh").output
    assert "在最优方案中支付 125,000 元（12.5万）：" in explained


def test_unknown_language_is_a_usage_error():
    result = run("optimize", str(EXAMPLES / "pinggu-2025.yaml"), "--lang", "fr")
    assert result.exit_code == 2 and "zh" in result.output


TRIAL = '''
policy trial {
    title    "试行措施"
    short    "试行"
    level    district
    region   平谷区
    in_force 2025-01-01 to 2027-12-31
    status   in_force
}

reading rd_amount "第三条" {
    text "按照研发投入情况，每年给予最高300万元支持"
    alternative within_rd "up to 300万 a year, and no more than the year's R&D expense"
        zh "每年最高300万元，且不超过当年研发费用"
    alternative flat "up to 300万 in each year with R&D expense, whatever its amount"
    default within_rd because "“按照研发投入情况” ties the amount to the expense" zh "“按照研发投入情况”把金额与投入挂钩"
}

clause rd "第三条" {
    text "按照研发投入情况，每年给予最高300万元支持。"
    reading "Paid in each year with R&D expense." zh "有研发费用的年份均可支持。"
    for enterprise each year
    require rd_expense > 0元
    when rd_amount is within_rd { pay up to min(rd_expense, 300万) }
    when rd_amount is flat { pay up to 300万 }
}
'''


def test_rule_file_notes_in_chinese_where_the_file_gives_them(tmp_path):
    """`zh "…"` after a note gives its Chinese words; Chinese output shows them, English keeps the
    note; a note with no `zh` stays as written in both."""
    from solver.resources import rules_dir
    (tmp_path / "trial.rules").write_text(TRIAL, encoding="utf-8")
    rules = [str(rules_dir() / "vocabulary.rules"), str(tmp_path / "trial.rules")]
    with i18n.use("zh"):
        zh_list = pipeline.readings(None, rules, bundled=False)
    (reading,) = zh_list
    assert [a["description"] for a in reading["alternatives"]] == [
        "每年最高300万元，且不超过当年研发费用", "up to 300万 in each year with R&D expense, whatever its amount"]
    assert reading["why"] == "“按照研发投入情况”把金额与投入挂钩"
    (english,) = pipeline.readings(None, rules, bundled=False)
    assert english["why"] == "“按照研发投入情况” ties the amount to the expense"
    # an enterprise of 平谷区 with 120万 of R&D in 2025: 第三条 pays up to min(120万, 300万) = 120万
    profile = write_profile(tmp_path, {"enterprise": "试行企业", "years": 2025,
                                       "facts": {"district": "平谷区", "rd_expense": {2025: "120万"}}, "items": []})
    with i18n.use("zh"):
        plan = pipeline.optimize(str(profile), rules, bundled=False)
    assert plan.total == 1_200_000 and plan.payments[0].readings == ("有研发费用的年份均可支持。",)
    assert pipeline.optimize(str(profile), rules, bundled=False).payments[0].readings == ("Paid in each year with R&D expense.",)


def test_a_profiles_mistakes_are_told_in_chinese(tmp_path):
    """The mistakes an enterprise makes in its profile, located as ever, in the command's language."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("enterprise: 测试\nyears: 2025\nfacts:\n  distrct: 平谷区\n  manufacturer: 是\n"
                   "  industrial_output: {2025: 两亿}\nitems:\n  - id: x\n    kind: vehicle_order\n"
                   "    execute: {2025: 100万}\n", encoding="utf-8")
    zh_out = run("optimize", str(bad), "--lang", "zh")
    assert zh_out.exit_code == 2
    for words in ("error[E210]: 未知的事实 'distrct'", "= 提示：是否应为 'district'？",
                  "error[E213]: manufacturer: 应为 true 或 false（是/否），实为 '是'",
                  "industrial_output: '两亿' 不是金额", "error[E210]: vehicle_order 没有字段 'execute'",
                  f"--> {bad}:4:3", "4 个错误，0 个警告"):
        assert words in zh_out.output, words
    en_out = run("optimize", str(bad), "--lang", "en")
    assert "error[E210]: unknown fact 'distrct'" in en_out.output and "4 error(s), 0 warning(s)" in en_out.output


def test_a_ledgers_mistakes_are_told_in_chinese(tmp_path):
    ledger = tmp_path / "ledger.yaml"
    ledger.write_text("payments:\n  - {policy: pingu, article: 第三条, item: enterprise, year: 2025, amount: 125000}\n"
                      "  - {policy: pinggu, article: 第三条, item: 整车定单, year: 2025, amount: 12.5}\n",
                      encoding="utf-8")
    out = run("audit", str(EXAMPLES / "pinggu-2025.yaml"), str(ledger), "--lang", "zh")
    assert out.exit_code == 2
    assert "error[E505]: 未知的政策 'pingu'" in out.output and "是否应为 'pinggu'？" in out.output
    assert "error[E507]: 未知的项目 '整车定单'（企业信息中没有）" in out.output
