"""`subsidy template`: a profile skeleton that asks for every fact and item a district's
policies (and the city's) read, at once."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

import cli

from .conftest import EXAMPLES


def run(*args):
    result = CliRunner().invoke(cli.main, list(args))
    assert "Traceback" not in result.output
    return result


def test_the_pinggu_template_asks_for_every_fact_the_example_needed(tmp_path):
    out = run("template", "--district", "平谷区", "--years", "2025")
    assert out.exit_code == 0, out.output
    skeleton = YAML(typ="safe").load(out.output)
    example = YAML(typ="safe").load((EXAMPLES / "pinggu-2025.yaml").read_text(encoding="utf-8"))
    # every fact a complete 平谷 profile states is asked for, the "首次" record and 第十八条 included
    assert set(example["facts"]) <= set(skeleton["facts"])
    assert {"rd_expense_record", "pg_other_pinggu_support", "industrial_output_record"} <= set(skeleton["facts"])
    kinds = {i["kind"] for i in skeleton["items"]}
    assert {"vehicle_order", "smart_factory_title", "city_award"} <= kinds
    assert not any(f.startswith(("tz_", "ft_")) for f in skeleton["facts"])  # other districts' facts: not asked
    assert "pinggu 第十二条" in out.output and "可选：先进级" in out.output  # the articles and enum values
    # unfilled, it is refused with every missing value located at once, never a crash
    path = tmp_path / "t.yaml"
    path.write_text(out.output, encoding="utf-8")
    result = run("optimize", str(path))
    assert result.exit_code == 2 and result.output.count("error[E213]") > 30


def test_the_tongzhou_template_asks_for_both_documents_facts():
    out = run("template", "--district", "通州区")
    skeleton = YAML(typ="safe").load(out.output)
    assert {"tz_advanced_manufacturing", "tz_one_case_support", "regional_contribution", "tz_chain_head_year"} \
        <= set(skeleton["facts"])
    kinds = {i["kind"]: i for i in skeleton["items"]}
    assert "finances" in kinds["tz_loan"] and "promoted_from" in kinds["tz_innovation_title"]


@pytest.mark.parametrize("district, example, drafts, total", [
    ("平谷区", "pinggu-2025", False, 1_755_000),          # README's table of examples
    ("通州区", "tongzhou-projects", False, 19_500_000),
    ("丰台区", "fengtai-growth", True, 2_835_000),         # 001 is a draft: --include-drafts
])
def test_a_template_filled_with_an_examples_values_gets_its_total(tmp_path, district, example, drafts, total):
    """The template asks for every fact and item field the example gives: filled in with the
    example's values (facts the example does not state left out), it pays the example's total."""
    source = YAML(typ="safe").load((EXAMPLES / f"{example}.yaml").read_text(encoding="utf-8"))
    years = str(source["years"])
    out = run("template", "--district", district, "--years", years, *(["--include-drafts"] if drafts else []))
    assert out.exit_code == 0, out.output
    skeleton = YAML(typ="safe").load(out.output)
    asked = {i["kind"]: set(i) - {"id", "kind"} for i in skeleton["items"]}
    facts = {k: source["facts"][k] for k in skeleton["facts"] if k in source["facts"]}
    assert set(facts) == set(source["facts"]), set(source["facts"]) - set(facts)  # none the template missed
    for item in source["items"]:
        assert set(item) - {"id", "kind", "date"} <= asked[item["kind"]], item
    filled = {"enterprise": source["enterprise"], "years": skeleton["years"], "facts": facts, "items": source["items"]}
    path = tmp_path / "filled.yaml"
    with path.open("w", encoding="utf-8") as f:
        YAML().dump(filled, f)
    result = run("optimize", str(path), "--json", *(["--include-drafts"] if drafts else []))
    assert result.exit_code == 0, result.output
    import json
    assert json.loads(result.output)["total"] == total


def test_a_misspelt_district_and_an_existing_file(tmp_path):
    out = run("template", "--district", "平谷")
    assert out.exit_code == 2 and "did you mean '平谷区'?" in out.output
    path = tmp_path / "mine.yaml"
    path.write_text("filled in\n", encoding="utf-8")
    out = run("template", "--district", "平谷区", "--out", str(path))
    assert out.exit_code == 2 and "error[E315]" in out.output and path.read_text(encoding="utf-8") == "filled in\n"


def test_optimize_lists_every_missing_fact_at_once(solve):
    # a 平谷 profile lacking 第十八条's fact (a condition of every clause), the order supplier
    # fact of 第十二条 and the "首次" history of 第四条: all named in one run, with their articles
    from .conftest import pinggu
    data = pinggu({"industrial_output": {2025: "1.8亿", 2026: "2.05亿"}},
                  items=[{"id": "订单", "kind": "vehicle_order", "new": True, "executed": {2026: "3000万"}}], years=2026)
    for fact in ("pg_other_pinggu_support", "industrial_output_record", "auto_parts_supplier"):
        data["facts"].pop(fact, None)
    r = solve(data)
    missing = {name: places for name, _, places, _ in r.missing_facts}
    assert r.total == 0
    assert "pinggu 第十二条" in missing["pg_other_pinggu_support"]
    assert missing["auto_parts_supplier"] == ("pinggu 第十二条",)
    assert missing["industrial_output_record"] == ("pinggu 第四条",)


def test_missing_facts_come_largest_ceiling_first(solve):
    """Each missing fact with the most one payment of its articles can be by their texts' fixed
    figures, largest first: what to look up first."""
    from .conftest import pinggu
    data = pinggu({"industrial_output": {2025: "1.8亿", 2026: "2.05亿"}},
                  items=[{"id": "订单", "kind": "vehicle_order", "new": True, "executed": {2026: "3000万"}}], years=2026)
    for fact in ("pg_other_pinggu_support", "industrial_output_record", "auto_parts_supplier"):
        data["facts"].pop(fact, None)
    most = {name: up_to for name, _, _, up_to in solve(data).missing_facts}
    # 004 第十一条 "给予最高不超过 1000 万元资金支持"; 第十八条's fact is read by every article, 第十一条's 1000万
    # the largest of them
    assert most["pharma_leader_recognised"] == most["pg_other_pinggu_support"] == 10_000_000
    # 第十二条 "给予企业最高不超过200万元" (the cap per enterprise a year, the default reading)
    assert most["auto_parts_supplier"] == 2_000_000
    # 第五条 "不超过 30 万元" for the first 500万, "年度支持资金总额不超过 100 万元" for the growth: 100万
    assert most["rd_expense"] == 1_000_000
    # 第四条 "给予不超过30万元奖励，其中……给予不超过50万元奖励": 50万
    assert most["industrial_output_record"] == 500_000
    order = [up_to for _, _, _, up_to in solve(data).missing_facts]
    assert order == sorted(order, reverse=True)


def test_a_program_passes_the_profile_itself():
    # solver.pipeline.optimize takes a profile as a dict too (a web request's body, a batch row):
    # the same documented JSON as `subsidy optimize --json` on the file
    import json

    from solver import pipeline
    data = YAML(typ="safe").load((EXAMPLES / "pinggu-2025.yaml").read_text(encoding="utf-8"))
    by_program = pipeline.optimize(data).to_json()
    by_command = json.loads(run("optimize", str(EXAMPLES / "pinggu-2025.yaml"), "--json").output)
    assert by_program["total"] == 1_755_000
    assert {k: v for k, v in by_program.items() if k != "certificate"} == \
        {k: v for k, v in by_command.items() if k != "certificate"}
    # a mistake in a dict is still a diagnostic naming the key
    from solver.diagnostics import DiagnosticError
    data["facts"]["industral_output"] = data["facts"].pop("industrial_output")
    try:
        pipeline.optimize(data)
    except DiagnosticError as err:
        assert "did you mean 'industrial_output'?" in str(err.diagnostics[0].help)
    else:
        raise AssertionError("a misspelt fact was accepted")


def test_a_program_passes_a_profile_already_read():
    # pipeline.optimize takes a Profile too (a program that read it once); the same plan as the file
    from solver import pipeline
    from solver.profile import load_profile
    profile = load_profile(str(EXAMPLES / "pinggu-2025.yaml"), pipeline.load_rules().vocab)
    assert pipeline.optimize(profile).total == 1_755_000  # README's table of examples
