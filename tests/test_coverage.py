"""Every article of every encoded document is accounted for: encoded, a condition,
non-monetary or procedural — and none is left 'not encoded'. The articles are read from the
policy's own text (rules/texts/, its `source`), so an article whose encoding is deleted is found."""
from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner

import cli
from solver.coverage import article_key, chinese_number, coverage
from solver.pipeline import load_rules
from solver.resources import rules_dir
from solver.texts import headings

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


#: bundled rule file -> (its text, how many article headings the text has: counted by hand from
#: the documents — 000 第一条–第二十一条, 001 第一条–第二十八条, 002 一, 二(一)–(五), 三(一)–(四),
#: 四(一), 四(二)1–5, 003 （一）–（二十六）, 004 第一条–第二十一条)
TEXTS = {"000_tongzhou_mfg": 21, "001_fengtai": 28, "002_city": 16, "003_tongzhou": 26, "004_pinggu": 21}


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_each_bundled_policy_names_its_text_and_every_heading_is_found(name):
    ruleset = load_rules()
    text_path = rules_dir() / "texts" / f"{name}.txt"
    (policy,) = [p for p in ruleset.policies.values() if p.source and p.source.endswith(f"{name}.txt")]
    found = headings(text_path.read_text(encoding="utf-8"))
    assert len(found) == TEXTS[name], [h.label for h in found]
    assert len({h.key for h in found}) == len(found)  # no heading read twice
    seeds = list(SEEDS.glob(f"{name[:3]}_*.txt")) if SEEDS.is_dir() else []
    if seeds:  # the bundled text is the published document, byte for byte
        assert text_path.read_bytes() == seeds[0].read_bytes()
    row = {a["article"]: a for a in next(p for p in coverage(ruleset) if p["policy"] == policy.id)["articles"]}
    assert all(row[h.label]["status"] != "uncovered" for h in found)


def test_the_outline_documents_are_labelled_as_their_rule_files_spell_them():
    city = [h.label for h in headings((rules_dir() / "texts" / "002_city.txt").read_text(encoding="utf-8"))]
    assert city[:3] == ["一", "二(一)", "二(二)"] and city[-5:] == [f"四(二){n}" for n in range(1, 6)]
    assert "三" not in city and "四(二)" not in city  # a heading with items is covered by its items
    tongzhou = headings((rules_dir() / "texts" / "003_tongzhou.txt").read_text(encoding="utf-8"))
    assert tongzhou[11].label == "（十二）"  # its line starts with a Word bookmark, passed over


def _delete(text: str, label: str) -> str:
    """The rule file without any clause, condition or article statement citing LABEL."""
    out, lines, i = [], text.splitlines(keepends=True), 0
    start = re.compile(rf'^(clause|condition) \w+ "{re.escape(label)}" \{{|^article "{re.escape(label)}" ')
    while i < len(lines):
        if start.match(lines[i]):
            depth = lines[i].count("{") - lines[i].count("}")
            while depth > 0:
                i += 1
                depth += lines[i].count("{") - lines[i].count("}")
            i += 1
            continue
        out.append(lines[i])
        i += 1
    assert len(out) < len(lines), f"nothing cites {label}"
    return "".join(out)


#: one edit of each bundled rule file: the articles whose encoding is deleted, and the first words
#: of each in the text (what the failure must name)
DELETIONS = {
    "000_tongzhou_mfg": [("第二十条", "本细则由通州区经济和信息化局负责解释")],
    "001_fengtai": [("第十八条", "支持服务机构培育智能制造企业"), ("第二十五条", "本措施未尽事宜")],
    "002_city": [("四(二)4", "申请单位自愿按照要求填写相关材料")],
    "003_tongzhou": [("（十二）", "打造“三最”营商品牌")],
    "004_pinggu": [("第十九条", "本措施未尽事宜"), ("第二十条", "本措施由区科技和信息化局负责解释")],
}


@pytest.mark.parametrize("name", sorted(DELETIONS))
def test_deleting_an_articles_encoding_fails_coverage_naming_it(tmp_path, name):
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    path = folder / f"{name}.rules"
    text = path.read_text(encoding="utf-8")
    for label, _ in DELETIONS[name]:
        text = _delete(text, label)
    path.write_text(text, encoding="utf-8")
    assert CliRunner().invoke(cli.main, ["check", str(folder)]).exit_code == 0  # still checks cleanly
    result = CliRunner().invoke(cli.main, ["check", "--coverage", str(folder)])
    assert result.exit_code == 1, result.output
    tail = result.output.split("to account for:")[1]
    for label, words in DELETIONS[name]:
        assert re.search(rf"{re.escape(label)} \(line \d+\) is covered by no clause.*{re.escape(words)}", tail), tail
    report = CliRunner().invoke(cli.main, ["check", "--coverage", "--json", str(folder)])
    assert report.exit_code == 1
    import json
    data = json.loads(report.output)
    assert data["ok"] is False
    uncovered = [a["article"] for p in data["coverage"] for a in p["articles"] if a["status"] == "uncovered"]
    assert uncovered == [label for label, _ in DELETIONS[name]]


def test_an_article_the_text_does_not_have_fails_coverage(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    path = folder / "004_pinggu.rules"
    path.write_text(path.read_text(encoding="utf-8").replace('article "第十九条"', 'article "第二十二条"'),
                    encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["check", "--coverage", str(folder)])
    assert result.exit_code == 1
    assert "pinggu 第二十二条: the rules cite it, but the text has no such article" in result.output
    assert "pinggu 第十九条 (line 71) is covered by no clause" in result.output


def _policy_file(tmp_path, source_line: str) -> str:
    path = tmp_path / "shunyi.rules"
    path.write_text(f"""policy shunyi {{
    title  "顺义区试行措施"
    level  district
    region 顺义区
    in_force 2025-01-01 to 2026-12-31
    status in_force
    {source_line}
}}

clause demo "第一条" {{
    text "给予最高10万元支持"
    for enterprise once
    pay up to 10万
}}
""", encoding="utf-8")
    return str(path)


def test_a_missing_source_text_is_an_error_at_the_setting(tmp_path):
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "shunyi.txt").write_text("第一条 给予最高10万元支持。\n", encoding="utf-8")
    path = _policy_file(tmp_path, 'source "texts/shunyi.tx"')
    result = CliRunner().invoke(cli.main, ["check", path])
    assert result.exit_code == 1
    assert "error[E960]: cannot read the policy's source text 'texts/shunyi.tx'" in result.output
    assert f"--> {path}:7:12" in result.output and "did you mean 'shunyi.txt'?" in result.output


def test_a_source_text_that_is_not_utf8_is_an_error(tmp_path):
    (tmp_path / "shunyi.txt").write_bytes("第一条 给予最高10万元支持。".encode("gbk"))
    result = CliRunner().invoke(cli.main, ["check", _policy_file(tmp_path, 'source "shunyi.txt"')])
    assert result.exit_code == 1 and "error[E961]" in result.output and "iconv" in result.output


def test_a_new_policys_text_is_read_by_coverage(tmp_path):
    (tmp_path / "shunyi.txt").write_text("第一条 给予最高10万元支持。\n第二条 本措施由区经信局负责解释。\n",
                                         encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["check", "--coverage", _policy_file(tmp_path, 'source "shunyi.txt"')])
    assert result.exit_code == 1
    assert "shunyi 第二条 (line 2) is covered by no clause, condition or article statement: 第二条 本措施由区经信局负责解释。" \
        in result.output
