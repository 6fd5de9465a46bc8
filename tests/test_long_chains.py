"""Operator chains of any length (issue 15): `a and b and …`, `or`, `+`/`-` and `*` chains are read
as flat n-ary nodes, so thousands of terms parse, check, pay, explain and prove without a
recursion error; nesting (not not …, calls within calls) is bounded by parse.MAX_DEPTH and refused
beyond it with a located E980. The rule files are generated here."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from solver import pipeline
from solver.parse import MAX_DEPTH, parse_text

from .conftest import write_profile

VOCAB = """vocabulary {
    enum district { 平谷区, 通州区 }
    fact district: district "注册登记所在区"
    fact ok: bool "信用良好"
    fact bad: bool "严重失信"
    fact output: money per year "年度产值"
}
"""

POLICY = """policy chain {
    title "长链条件测试政策"
    level district
    region 平谷区
    in_force 2024-01-01 to 2026-12-31
    status in_force
}
clause c1 "第一条" {
    text "generated: a long condition and a long amount"
    for enterprise each year
    require REQUIRE
    pay PAY
}
"""

N = 5_000


def and_chain(n: int = N, false_at: int | None = None) -> str:
    """n terms that each hold for PROFILE (ok, not bad, output >= 1万 in turn); at `false_at`, `bad`."""
    terms = ["ok", "not bad", "output >= 1万"]
    return " and ".join("bad" if k == false_at else terms[k % 3] for k in range(n))


def sum_chain(n: int = N) -> str:
    """1000元, then '+ 2000元' and '- 1000元' in turn: n terms."""
    return "1000元" + "".join(" + 2000元" if k % 2 else " - 1000元" for k in range(1, n))


# 1000 + 2500 × 2000 − 2499 × 1000 = 2,502,000 元: the 4,999 operators are 2,500 '+' (odd k) and
# 2,499 '-' (even k), read left to right (read right to left, a - (b + c) would give another total)
SUM_TOTAL = 2_502_000

PROFILE = {"enterprise": "长链测试企业", "years": 2025,
           "facts": {"district": "平谷区", "ok": True, "bad": False, "output": {2025: "5000万"}}, "items": []}


def rules(tmp_path: Path, require: str, pay: str = "10万") -> str:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / "vocabulary.rules").write_text(VOCAB, encoding="utf-8")
    (folder / "chain.rules").write_text(POLICY.replace("REQUIRE", require).replace("PAY", pay), encoding="utf-8")
    return str(folder)


def run(*args):
    result = CliRunner().invoke(cli.main, [str(a) for a in args])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_a_5000_term_condition_that_holds_pays_the_5000_term_amount(tmp_path):
    folder = rules(tmp_path, and_chain(), sum_chain())
    profile = write_profile(tmp_path, PROFILE)
    assert run("check", "--only-rules", folder).exit_code == 0
    result = run("optimize", profile, "--only-rules", folder, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == SUM_TOTAL and data["status"] == "optimal"
    assert pipeline.optimize(str(profile), [folder], bundled=False).total == SUM_TOTAL  # the library agrees with the CLI


def test_one_false_term_in_5000_stops_the_payment_and_explain_names_it(tmp_path):
    folder = rules(tmp_path, and_chain(false_at=4_321), sum_chain())
    profile = write_profile(tmp_path, PROFILE)
    result = run("optimize", profile, "--only-rules", folder, "--json")
    assert result.exit_code == 0 and json.loads(result.output)["total"] == 0  # 第一条 requires every term
    explained = run("explain", profile, "chain.c1", "--only-rules", folder)
    assert explained.exit_code == 0, explained.output
    assert "[ineligible] bad is false" in explained.output, explained.output  # the one term of 5,000 that fails


def test_an_or_chain_holds_by_its_last_term(tmp_path):
    # 4,999 × 'bad' (false) then 'ok': the chain holds only by its last term, so 第一条 pays 10万
    folder = rules(tmp_path, " or ".join(["bad"] * (N - 1) + ["ok"]))
    result = run("optimize", write_profile(tmp_path, PROFILE), "--only-rules", folder, "--json")
    assert result.exit_code == 0 and json.loads(result.output)["total"] == 100_000


def test_a_product_chain_is_read_left_to_right(tmp_path):
    # 1% of output × 1 × 1 … (2,000 factors of 1): 1% × 5000万 = 50万
    folder = rules(tmp_path, "ok", "1% of output" + " * 1" * 2_000)
    result = run("optimize", write_profile(tmp_path, PROFILE), "--only-rules", folder, "--json")
    assert result.exit_code == 0 and json.loads(result.output)["total"] == 500_000


def test_a_chain_over_5000_lines_checks_and_pays(tmp_path):
    folder = rules(tmp_path, and_chain().replace(" and ", "\n        and "), sum_chain().replace(" + ", "\n        + "))
    result = run("optimize", write_profile(tmp_path, PROFILE), "--only-rules", folder, "--json")
    assert result.exit_code == 0 and json.loads(result.output)["total"] == SUM_TOTAL


def test_a_mistake_deep_in_a_long_chain_is_located_at_its_line(tmp_path):
    # one line per term: term 3,000 adds a yes/no condition to an amount (E190)
    terms = ["1000元"] * N
    terms[3_000] = "ok"
    folder = rules(tmp_path, "ok", "\n        + ".join(terms))
    result = run("check", "--only-rules", folder)
    assert result.exit_code == 1
    text = (Path(folder) / "chain.rules").read_text(encoding="utf-8").splitlines()
    line = next(n for n, s in enumerate(text, 1) if s.strip() == "+ ok")
    assert re.search(rf"error\[E190\].*\n  --> .*chain\.rules:(\d+):", result.output), result.output
    # the partial chain 1000元 + … + ok starts at the first term; its message is about `ok`'s sum
    assert "cannot add a yes/no condition and an amount of money" in result.output
    assert int(re.search(r"chain\.rules:(\d+):", result.output).group(1)) <= line


def test_100000_terms_parse_and_check(tmp_path):
    # within the 5 MB limit: 100,000 × 'ok and ' is about 0.7 MB
    folder = rules(tmp_path, " and ".join(["ok"] * 100_000))
    assert run("check", "--only-rules", folder).exit_code == 0
    parsed = parse_text(POLICY.replace("REQUIRE", " or ".join(["ok"] * 100_000)).replace("PAY", "1万"), "x.rules")
    assert len(parsed.clauses[0].body.requires[0].items) == 100_000


def test_prove_and_deep_check_read_long_chains(tmp_path):
    # the symbolic encoding (check --deep, prove) of 5,000-term chains: one n-ary And, one Sum
    folder = rules(tmp_path, and_chain(), sum_chain())
    assert run("check", "--only-rules", folder, "--deep").exit_code == 0
    result = run("prove", "at-most", "2502000元", "--policy", "chain", "--only-rules", folder, "--years", "2025")
    assert result.exit_code == 0 and result.output.startswith("PROVED"), result.output  # SUM_TOTAL, at most once a year
    result = run("prove", "at-most", "2501999元", "--policy", "chain", "--only-rules", folder, "--years", "2025")
    assert result.exit_code == 1 and result.output.startswith("REFUTED"), result.output


def _nested(shape: str, depth: int) -> tuple[str, str]:
    """(require, pay) nested `depth` levels in one way, each true and paying 10万 for PROFILE."""
    if shape == "not":  # an even number of nots: ok
        return "not " * (2 * (depth // 2)) + "ok", "10万"
    if shape == "alternating":  # ok and (ok or (ok and (…)))
        text = "ok"
        for k in range(depth):
            text = f"ok {'and' if k % 2 else 'or'} ({text})"
        return text, "10万"
    if shape == "neg":  # - - … 10万 an even number of times
        return "ok", "-(" * (2 * (depth // 2)) + "10万" + ")" * (2 * (depth // 2))
    if shape == "if":
        return "ok", "if ok then " * depth + "10万" + " else 0元" * depth
    return "ok", "max(0元, " * depth + "10万" + ")" * depth  # calls within calls


@pytest.mark.parametrize("shape", ["not", "alternating", "neg", "if", "call"])
def test_nesting_up_to_the_limit_goes_through_every_stage_and_beyond_it_is_located(tmp_path, shape):
    def parses(depth: int) -> bool:
        require, pay = _nested(shape, depth)
        try:
            parse_text(POLICY.replace("REQUIRE", require).replace("PAY", pay), "x.rules")
            return True
        except Exception:
            return False
    deepest = max(d for d in range(MAX_DEPTH - 20, MAX_DEPTH + 1) if parses(d))
    assert MAX_DEPTH - 20 < deepest and not parses(deepest + 2)  # the limit is where it says
    folder = rules(tmp_path, *_nested(shape, deepest))
    profile = write_profile(tmp_path, PROFILE)
    assert run("check", "--only-rules", folder, "--deep").exit_code == 0
    result = run("optimize", profile, "--only-rules", folder, "--json")
    assert result.exit_code == 0 and json.loads(result.output)["total"] == 100_000, result.output  # 第一条's 10万
    assert run("explain", profile, "chain.c1", "--only-rules", folder).exit_code == 0
    result = run("prove", "at-most", "10万", "--policy", "chain", "--only-rules", folder, "--years", "2025")
    assert result.exit_code == 0, result.output
    deeper = rules(tmp_path, *_nested(shape, deepest + 2))
    result = run("check", "--only-rules", deeper)
    assert result.exit_code == 1 and "error[E980]" in result.output
    assert re.search(r"--> .*chain\.rules:(1[0-9]):\d+", result.output), result.output  # the clause's require or pay line
