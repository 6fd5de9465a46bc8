"""`subsidy fmt`: the canonical layout of rule files. On every bundled rule file it is idempotent,
keeps every comment, and the laid-out file checks to the same rules; a messy file gets the
layout written out below; `--check` writes nothing and exits 1 naming the files that would
change; a file that does not parse is a located diagnostic, left as it is."""
from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner
from msgspec import to_builtins

import cli
from solver.fmt import format_text
from solver.pipeline import load_rules
from solver.resources import rules_dir

BUNDLED = sorted(rules_dir().glob("*.rules"))


def _comments(text: str) -> list[str]:
    """Every comment's words, in order (strings taken out first: a '#' inside one is no comment)."""
    out = []
    for line in text.splitlines():
        bare = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', line)
        if "#" in bare:
            out.append(" ".join(bare[bare.index("#"):].split()))
    return out


def _without_positions(value):
    if isinstance(value, dict) and set(value) == {"file", "line", "column", "length"}:
        return None  # a Span, wherever it stands
    if isinstance(value, dict):
        return {k: _without_positions(v) for k, v in value.items() if k not in ("span", "value_span", "type_span")}
    if isinstance(value, (list, tuple)):
        return [_without_positions(v) for v in value]
    return value


@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_bundled_rule_file_is_laid_out_idempotently_keeping_comments(path):
    text = path.read_text(encoding="utf-8")
    once = format_text(text)
    assert format_text(once) == once
    assert _comments(once) == _comments(text)


def test_the_bundled_rules_laid_out_check_to_the_same_model(tmp_path):
    # every bundled file laid out, in a folder of its own with the same names: the checked rule
    # set (policies, conditions, clauses, readings, vocabulary) is the same, positions aside
    # (and the folder the policies' texts are read from, copied beside them)
    for f in BUNDLED:
        (tmp_path / f.name).write_text(format_text(f.read_text(encoding="utf-8")), encoding="utf-8")
    shutil.copytree(rules_dir() / "texts", tmp_path / "texts")
    before, after = to_builtins(load_rules([str(rules_dir())])), to_builtins(load_rules([str(tmp_path)]))
    before.pop("files"), after.pop("files")
    import json
    after = json.loads(json.dumps(after).replace(json.dumps(str(tmp_path.resolve()))[1:-1],
                                                 json.dumps(str(rules_dir().resolve()))[1:-1]))
    assert _without_positions(after) == _without_positions(before)


MESSY = '''\
# 顺义区 (a new district's policy, written by hand)
policy  shunyi{
  title "顺义区某措施"   # 标题
    level district
  region 顺义区
 in_force 2025-01-01 to 2027-12-31
\tstatus in_force
}
clause orders "第三条" {


text "对年度执行新增整车企业订单超过2000万元的，按照年度实际执行金额0.5%给予企业最高不超过200万元资金支持"
  for item vehicle_order consecutive years at most 2
    require auto_parts_supplier and item.new
  and item.executed > 2000万     # "超过2000万元"
     pay 0.5% of item.executed
  cap   200万  per enterprise_year


}
article "第一条" procedural "目的"
'''

LAID_OUT = '''\
# 顺义区 (a new district's policy, written by hand)
policy shunyi {
    title    "顺义区某措施"  # 标题
    level    district
    region   顺义区
    in_force 2025-01-01 to 2027-12-31
    status   in_force
}

clause orders "第三条" {
    text "对年度执行新增整车企业订单超过2000万元的，按照年度实际执行金额0.5%给予企业最高不超过200万元资金支持"
    for item vehicle_order consecutive years at most 2
    require auto_parts_supplier and item.new
        and item.executed > 2000万  # "超过2000万元"
    pay 0.5% of item.executed
    cap 200万 per enterprise_year
}

article "第一条" procedural "目的"
'''


def test_a_messy_file_gets_the_canonical_layout():
    assert format_text(MESSY) == LAID_OUT
    assert format_text(LAID_OUT) == LAID_OUT


def test_a_hash_inside_a_string_is_no_comment_and_strings_keep_their_spaces():
    text = 'article "第一条"   procedural "目的  #1 ,见附件( 一 )"\n'
    assert format_text(text) == 'article "第一条" procedural "目的  #1 ,见附件( 一 )"\n'


def test_fmt_check_then_fmt(tmp_path):
    messy = tmp_path / "shunyi.rules"
    messy.write_text(MESSY, encoding="utf-8")
    tidy = tmp_path / "tidy.rules"
    tidy.write_text(LAID_OUT.replace("shunyi", "shunyi2"), encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["fmt", "--check", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert f"would reformat {messy}" in result.output and str(tidy) not in result.output
    assert messy.read_text(encoding="utf-8") == MESSY  # --check writes nothing
    result = CliRunner().invoke(cli.main, ["fmt", str(messy), str(tidy)])
    assert result.exit_code == 0, result.output
    assert messy.read_text(encoding="utf-8") == LAID_OUT
    assert CliRunner().invoke(cli.main, ["fmt", "--check", str(tmp_path)]).exit_code == 0


def test_a_file_that_does_not_parse_is_located_and_left_alone(tmp_path):
    broken = tmp_path / "broken.rules"
    shutil.copy(rules_dir() / "004_pinggu.rules", broken)
    text = broken.read_text(encoding="utf-8").replace("cap 500万 per payment", "cap 500万 per paymnet", 1)
    broken.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["fmt", str(broken)])
    assert result.exit_code == 2
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if "paymnet" in ln)
    assert f"--> {broken}:{line}:" in result.output
    assert broken.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_indentation_and_blank_lines_come_from_the_text_alone(path):
    # every line of a bundled file pushed to the left margin, blank lines doubled: the layout
    # is the same as the file's own
    text = path.read_text(encoding="utf-8")
    flattened = "\n".join(line.strip() + ("\n" if not line.strip() else "") for line in text.splitlines()) + "\n"
    assert format_text(flattened) == format_text(text)
