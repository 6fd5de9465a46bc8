"""The acceptance examples of the 通州/丰台 release, each total worked by hand from the articles."""
from __future__ import annotations

from click.testing import CliRunner

import cli
from solver import pipeline

from .conftest import EXAMPLES, assert_proofs_hold, paid


def run(name: str, **options):
    return pipeline.optimize(str(EXAMPLES / name), **options)


def test_tongzhou_city_direction_takes_merger_and_its_1_to_1_matching():
    # 002 四(二)2: one direction in 2024: 首台套 (1500万) or 并购重组 (1200万).
    #   并购重组: 1200万 + 000 第十一条 "按照市级支持资金最高给予1:1配套" 1200万 = 2400万
    #   首台套:   1500万 + 000 第五条 min(50% × 1500万, "单个企业每年最高支持300万元") = 1800万
    # The optimizer decides the direction and the matching together: 24000000.
    r = run("tongzhou-city-direction.yaml")
    assert r.status == "optimal" and r.total == 24_000_000
    assert paid(r, "四(二)2") == 12_000_000 and paid(r, "第十一条") == 12_000_000
    assert paid(r, "第五条") == 0


def test_tongzhou_projects_one_clause_per_project_across_both_documents():
    # 产线智能化改造: 000 第九条 30% × 4000万 = 1200万 (≤ 2000万 cumulative) vs 003 （十七）
    #   min(30% × 4000万, 1000万) = 1000万; 000 第十八条 从优不重复 across both: 1200万.
    # 中试验证线: 000 第四条 30% × 2500万 = 750万 (≤ 1000万). Total 1950万.
    r = run("tongzhou-projects.yaml")
    assert r.status == "optimal" and r.total == 19_500_000
    assert {(p.policy, p.article, p.item, p.amount) for p in r.payments} == {
        ("tongzhou_mfg", "第九条", "产线智能化改造", 12_000_000), ("tongzhou_mfg", "第四条", "中试验证线", 7_500_000)}
    loser = next(n for n in r.not_taken if n.article == "（十七）" and n.item == "产线智能化改造")
    assert loser.kind == "dominated"
    assert any("000 和 003" in a or "通州区" in a for a in r.assumptions)
    assert any("2025-01-01" in a for a in r.assumptions)  # 000's assumed date of issuance


def test_fengtai_growth_with_drafts():
    # 001 第六条: output 9000万 (2024) -> 5.5亿 (2025) first reaches 1亿 and 5亿: the highest
    #   tier, 5亿, pays 50万. Growth 511% >= district 6%, positive; increment 4.6亿 >= 500万:
    #   1% × (4.6亿 - 500万) = 455万 > "最高支持200万元": 200万.
    # 第十条 小巨人 recognised 2025: 17万 (2025, standard met), 16.5万 (2026, met), nothing in
    #   2027 (missed). Total 50万 + 200万 + 17万 + 16.5万 = 283.5万.
    r = run("fengtai-growth.yaml", include_drafts=True)
    assert r.status == "optimal" and r.total == 2_835_000
    assert all(p.draft for p in r.payments)
    assert any("draft" in a for a in r.assumptions)
    instalments = sorted((p.year, p.amount) for p in r.payments if p.article == "第十条")
    assert instalments == [(2025, 170_000), (2026, 165_000)]


def test_fengtai_growth_without_drafts_pays_nothing_and_says_why():
    r = run("fengtai-growth.yaml")
    assert r.total == 0
    drafts = [n for n in r.not_taken if n.policy == "fengtai"]
    assert drafts and all(n.kind == "draft" for n in drafts)


def test_tables_give_one_row_to_each_policy_that_does_not_apply():
    # A 丰台 enterprise: 003 结尾段 (通州区) fails for every one of its 26 clauses, 000 第一条 for
    # its 13, 平谷 第二条 for its 11. The JSON lists every clause; the table says each reason once.
    r = run("fengtai-growth.yaml", include_drafts=True)
    assert sum(n.policy == "tongzhou" and n.kind == "ineligible" for n in r.not_taken) == 26
    result = CliRunner().invoke(cli.main, ["optimize", str(EXAMPLES / "fengtai-growth.yaml"), "--include-drafts"])
    assert result.exit_code == 0, result.output
    for reason in ("tongzhou 结尾段", "tongzhou_mfg 第一条", "pinggu 第二条"):
        assert result.output.count(reason) == 1, reason
    assert "26 clauses" in result.output and "13 clauses" in result.output and "11 clauses" in result.output


def test_every_example_reads_the_same_as_json(tmp_path):
    # Each example written as JSON: yearly figures have text keys there ("2024"), which are its
    # years, and the standard library's json reads it (27× faster than the YAML reader at 1000
    # items, no positions kept): what it reads must be what the YAML reader reads.
    import json

    from ruamel.yaml import YAML

    from solver.profile import _json, load_profile
    vocab = pipeline.load_rules().vocab
    for example in sorted(EXAMPLES.glob("*.yaml")):
        data = YAML(typ="safe", pure=True).load(example.read_text(encoding="utf-8"))
        path = tmp_path / (example.stem + ".json")
        path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
        assert _json(path.read_text(encoding="utf-8")) is not None, example.name  # the fast reader took it
        a, b = load_profile(str(example), vocab), load_profile(str(path), vocab)
        assert (a.name, a.facts, a.years) == (b.name, b.facts, b.years), example.name
        assert [(i.id, i.kind, i.fields, i.own_years) for i in a.items] == \
               [(i.id, i.kind, i.fields, i.own_years) for i in b.items], example.name
    assert '"2024": "1.8亿"' in (tmp_path / "pinggu-2025.json").read_text(encoding="utf-8")
    # And the whole command on it: total worked in test_engine from 004,
    # 125000 + 300000 + 500000 + 500000 + 200000 + 130000 = 1755000.
    r = pipeline.optimize(str(tmp_path / "pinggu-2025.json"))
    assert r.status == "optimal" and r.total == 1_755_000


def test_tables_print_names_as_written(tmp_path):
    # Names come from the user's files: "[red]" is not a style and ":warning:" not an emoji.
    text = (EXAMPLES / "pinggu-2025.yaml").read_text(encoding="utf-8")
    profile = tmp_path / "named.yaml"
    profile.write_text(text.replace("enterprise: ", 'enterprise: "[red]测试 :warning:" # ', 1), encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["optimize", str(profile)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("[red]测试 :warning: — years 2025")
    # A YAML escape gives a name a terminal control sequence: it is shown, not obeyed.
    profile.write_text(text.replace("enterprise: ", 'enterprise: "\\e[2J测试" # ', 1), encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["optimize", str(profile)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("\\x1b[2J测试 — years 2025") and "\x1b" not in result.output


def test_a_plan_not_certified_in_time_shows_its_bound_and_gap():
    # The same result as if the time limit had stopped Z3: `feasible`, with the proven bound.
    from msgspec.structs import replace

    from solver.render import format_result as shown

    r = run("pinggu-2025.yaml")  # 1,755,000 元, optimal
    assert "Proven upper bound" not in shown(r)
    assert "Proven upper bound: 1,756,000 元 (175.6万) (gap 1,000 元)" in shown(replace(r, status="feasible", bound=1_756_000))
    assert "no plan pays more, by the bound's arithmetic; Z3 did not certify it in time" in shown(replace(r, status="feasible"))


def test_proof_files_rerun_unsat_in_z3_and_are_not_vacuous(tmp_path):
    # --proof writes the checks behind "optimal"; each reruns unsat in any Z3 and is not vacuous.
    folder = tmp_path / "proof"
    result = CliRunner().invoke(cli.main, ["optimize", str(EXAMPLES / "tongzhou-projects.yaml"), "--proof", str(folder)])
    assert result.exit_code == 0, result.output
    files = sorted(folder.glob("proof-*.smt2"))
    assert files and f"proof: {len(files)} SMT-LIB file(s)" in result.output
    assert_proofs_hold([f.read_text(encoding="utf-8") for f in files])


def test_an_unwritable_proof_folder_is_a_located_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["optimize", str(EXAMPLES / "pinggu-2025.yaml"), "--proof", str(blocker / "p")])
    assert result.exit_code == 2 and "error[E304]: cannot write the proofs" in result.output


def test_the_command_flushes_its_answer_then_exits_with_its_code(tmp_path):
    # `subsidy` (cli.run) leaves by os._exit once stdout and stderr are flushed: the whole JSON
    # arrives, and the exit code is the command's own.
    import json
    import os
    import subprocess
    import sys

    from solver.render import to_json
    from .conftest import ROOT

    def command(*args, **kwargs):
        return subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, capture_output=True, timeout=120, **kwargs)

    done = command("optimize", "examples/pinggu-2025.yaml", "--json")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == to_json(run("pinggu-2025.yaml").to_json())
    assert json.loads(done.stdout)["status"] == "optimal"
    missing = command("optimize", str(tmp_path / "none.yaml"))
    assert missing.returncode == 2 and b"error[E200]" in missing.stderr
    # A reader gone before the answer is written (`subsidy … | head` at its extreme): exit 1,
    # nothing on stderr (no traceback, no "internal error").
    read, write = os.pipe()
    os.close(read)
    for extra in (["--json"], []):
        gone = subprocess.run([sys.executable, "cli.py", "optimize", "examples/pinggu-2025.yaml", *extra], cwd=ROOT,
                              stdout=write, stderr=subprocess.PIPE, timeout=120)
        assert (gone.returncode, gone.stderr) == (1, b""), extra
    os.close(write)


def test_proofs_replace_only_the_commands_own_files(tmp_path, monkeypatch):
    # a user's proof-notes.smt2 stays; an old proof-7.smt2 of an earlier run goes; and when the
    # proofs cannot be written, nothing is removed and no plan is printed before the error
    folder = tmp_path / "proof"
    folder.mkdir()
    (folder / "proof-notes.smt2").write_text("; mine\n", encoding="utf-8")
    (folder / "proof-7.smt2").write_text("; stale\n", encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["optimize", str(EXAMPLES / "tongzhou-projects.yaml"), "--proof", str(folder)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in folder.iterdir())
    assert "proof-notes.smt2" in names and "proof-7.smt2" not in names
    assert not any(n.startswith(".proof-") for n in names)  # the fresh folder is gone
    from pathlib import Path

    def full(self, *args, **kwargs):  # the disk fills up while the proofs are written
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(Path, "write_text", full)
    result = CliRunner().invoke(cli.main, ["optimize", str(EXAMPLES / "tongzhou-projects.yaml"), "--proof", str(folder)])
    assert result.exit_code == 2 and "error[E304]" in result.output and "Total" not in result.output
    assert sorted(p.name for p in folder.iterdir()) == names
