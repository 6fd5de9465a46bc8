"""Bad input is a product feature: every mistake ends in file:line:col, the line with a
caret under the spot, a suggestion where one exists, and exit 2 — never a traceback."""
from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner

import cli
from solver.profile import FORBIDDEN_CHARACTERS
from solver.resources import rules_dir

from .conftest import EXAMPLES, pinggu, write_profile

PROFILE = str(EXAMPLES / "pinggu-2025.yaml")


def run(*args):
    result = CliRunner().invoke(cli.main, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def assert_diagnostic(output: str, file: str, line: int, code: str, help_text: str | None = None):
    """The message names file:line:col, shows the line and a caret, and gives the help."""
    m = re.search(rf"error\[{code}\].*\n  --> (.+?):(\d+):(\d+)\n", output)
    assert m, output
    assert m.group(1).endswith(file) and int(m.group(2)) == line, output
    assert re.search(rf"\n  {line} \| .+\n\s+\| +\^+", output), output
    if help_text:
        assert help_text in output, output


def broken_rules(tmp_path, file: str, old: str, new: str) -> str:
    """A copy of the bundled rules with one substitution in one file."""
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return str(folder)


def line_of(folder: str, file: str, needle: str) -> int:
    lines = (__import__("pathlib").Path(folder) / file).read_text(encoding="utf-8").splitlines()
    return next(i for i, l in enumerate(lines, 1) if needle in l)


RULE_MISTAKES = [
    # (description, file, old, new, needle on the reported line, code, help)
    ("misspelt fact", "004_pinggu.rules", "require growth(industrial_output) >= 5%",
     "require growth(industrail_output) >= 5%", "industrail_output", "E172", "did you mean 'industrial_output'?"),
    ("missing closing brace", "004_pinggu.rules", "    cap 500万 per payment\n}\n\nclause output_milestone",
     "    cap 500万 per payment\n\nclause output_milestone", "clause output_milestone", "E003",
     "'clause output_growth \"第三条\"' (line"),
    ("full-width comma outside a string", "004_pinggu.rules", "require item.level in {A级, 引领性}",
     "require item.level in {A级，引领性}", "A级，引领性", "E002", "full-width"),
    ("non-linear product", "004_pinggu.rules", "pay 0.5% of increase(industrial_output)",
     "pay increase(rd_expense) * growth(industrial_output)", "pay increase", "E161", "compared with a rate"),
    ("money times money", "004_pinggu.rules", "pay 5% of item.fixed_asset_investment",
     "pay item.annual_output * item.fixed_asset_investment", "item.annual_output *", "E191", "rate"),
    ("unknown policy setting", "004_pinggu.rules", "    issuer   \"北京市平谷区", "    isuer   \"北京市平谷区",
     "isuer", "E120", "did you mean 'issuer'?"),
    ("fraction of a 元", "004_pinggu.rules", "pay up to 30万\n    }", "pay up to 1.5元\n    }", "1.5元", "E004",
     None),
    ("unknown kind of item", "004_pinggu.rules", "for item integration_pilot once", "for item integration_pilots once",
     "integration_pilots", "E142", "did you mean 'integration_pilot'?"),
    ("enum value not in its enum", "004_pinggu.rules", "require item.level == 灯塔工厂", "require item.level == 灯塔",
     "== 灯塔", "E172", "did you mean '灯塔工厂'?"),
    ("unknown field of an item", "002_city.rules", "pay item.amount", "pay item.amout", "item.amout", "E171",
     "did you mean 'amount'?"),
    ("unknown type in the vocabulary", "vocabulary.rules", "fact manufacturer: bool", "fact manufacturer: boolean",
     "boolean", "E111", "did you mean 'bool'?"),
    # Python refuses to read an integer of more than 4300 digits: such figures must be refused first
    ("a count of 5000 digits", "000_tongzhou_mfg.rules", "for item tz_project consecutive years at most 3",
     "for item tz_project consecutive years at most " + "9" * 5000, "consecutive years at most 99", "E004", "digits"),
    ("money of 5000 digits", "004_pinggu.rules", "pay up to 30万\n    }", "pay up to " + "9" * 5000 + "万\n    }",
     "pay up to 99", "E004", None),
]


@pytest.mark.parametrize("desc,file,old,new,needle,code,help_text", RULE_MISTAKES, ids=[m[0] for m in RULE_MISTAKES])
def test_rule_file_mistake_is_located_and_exits_2(tmp_path, desc, file, old, new, needle, code, help_text):
    folder = broken_rules(tmp_path, file, old, new)
    result = run("optimize", PROFILE, "--rules", folder)
    assert result.exit_code == 2, result.output
    assert_diagnostic(result.output, file, line_of(folder, file, needle), code, help_text)
    checked = run("check", folder)
    assert checked.exit_code == 1, checked.output  # `check` reports errors as a verdict


def profile_with(tmp_path, text: str) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


PROFILE_MISTAKES = [
    # (description, replace in the example profile, with, needle, code, help)
    ("misspelt fact", "  manufacturer: true", "  manufacturr: true", "manufacturr", "E210",
     "did you mean 'manufacturer'?"),
    ("bare decimal money", "rd_expense: {2023: 400万", "rd_expense: {2023: 400.5", "rd_expense", "E213", "money"),
    ("fraction of a 元", "rd_expense: {2023: 400万", "rd_expense: {2023: 400.5元", "rd_expense", "E213", None),
    ("enum value misspelt", "level: 先进级", "level: 先进", "level: 先进", "E213", "did you mean '先进级'?"),
    ("unknown kind", "kind: vehicle_order", "kind: vehicle_orders", "vehicle_orders", "E224",
     "did you mean 'vehicle_order'?"),
    ("duplicate item id", "  - id: 绿色工厂", "  - id: 智能工厂", "- id: 智能工厂\n    kind: green", "E223", None),
    ("yearly figure given once", "industrial_output: {2024: 1.8亿, 2025: 2.05亿}", "industrial_output: 2.05亿",
     "industrial_output", "E211", "per year"),
    ("bad YAML indentation", "  manufacturer: true", " manufacturer: true", " manufacturer: true", "E204", None),
    ("unknown top-level key", "years: 2025", "yaers: 2025", "yaers", "E206", "did you mean 'years'?"),
    ("bool written as text", "  good_credit: true", "  good_credit: yes please", "good_credit", "E213", None),
    ("negative money", "rd_expense: {2023: 400万", "rd_expense: {2023: -400万", "rd_expense", "E213", None),
    ("year given twice", "rd_expense: {2023: 400万", 'rd_expense: {2023: 400万, "2023": 1万', "rd_expense", "E214",
     "give each year once"),
    ("money of 5000 digits", "rd_expense: {2023: 400万", 'rd_expense: {2023: "' + "9" * 5000 + '万"', "rd_expense",
     "E213", "money per year"),
    ("a plain number of 5000 digits", "rd_expense: {2023: 400万", "rd_expense: {2023: " + "9" * 5000, "rd_expense",
     "E204", "unit"),
    ("a year of 5000 digits", "rd_expense: {2023: 400万", 'rd_expense: {? "' + "9" * 5000 + '" : 400万', "rd_expense",
     "E212", None),  # an explicit key may be that long; int() refuses over 4300 digits, so it must not try
]


@pytest.mark.parametrize("desc,old,new,needle,code,help_text", PROFILE_MISTAKES, ids=[m[0] for m in PROFILE_MISTAKES])
def test_profile_mistake_is_located_and_exits_2(tmp_path, desc, old, new, needle, code, help_text):
    text = (EXAMPLES / "pinggu-2025.yaml").read_text(encoding="utf-8")
    assert old in text
    bad = text.replace(old, new, 1)
    path = profile_with(tmp_path, bad)
    result = run("optimize", path)
    assert result.exit_code == 2, result.output
    first_line = needle.split("\n")[0]
    line = next(i for i, l in enumerate(bad.splitlines(), 1) if first_line in l
                and (len(needle.split("\n")) == 1 or needle.split("\n")[1].strip() in bad.splitlines()[i]))
    assert_diagnostic(result.output, "bad.yaml", line, code, help_text)


def test_a_mistake_on_a_long_json_line_shows_the_spot_not_the_whole_line(tmp_path):
    # A JSON profile is often one line of thousands of characters: the message shows 40
    # characters either side of the mistake, with the caret under it.
    import json

    from ruamel.yaml import YAML

    from solver.table import width
    data = YAML(typ="safe", pure=True).load((EXAMPLES / "pinggu-2025.yaml").read_text(encoding="utf-8"))
    data["facts"]["rd_expense"][2024] = "460万元整"  # written "2024": JSON keys are text
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    result = run("optimize", str(path))
    assert result.exit_code == 2
    assert_diagnostic(result.output, "bad.json", 1, "E213", "money per year")
    shown, caret = re.search(r"\n  1 \| (.+)\n\s+\| ( +\^+)", result.output).groups()
    assert shown.startswith("...") and shown.endswith("...") and len(shown) < 130
    pad = len(caret) - len(caret.lstrip())  # display columns: 万 takes two
    at = next(n for n in range(len(shown) + 1) if width(shown[:n]) >= pad)
    assert shown[at:].startswith('"460万元整"')  # the caret starts at the value


def test_empty_profile_exits_2(tmp_path):
    result = run("optimize", profile_with(tmp_path, "\n"))
    assert result.exit_code == 2 and "error[E203]" in result.output and "bad.yaml:1:1" in result.output


def test_profile_that_is_not_utf8_exits_2(tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes("enterprise: 测试\n".encode("gbk"))
    result = run("optimize", str(path))
    assert result.exit_code == 2 and "error[E202]" in result.output and "gbk.yaml:1:" in result.output


def test_a_character_yaml_forbids_is_located_and_exits_2(tmp_path):
    # A bell (U+0007) pasted into a Chinese name, on line 1 after "enterprise: 测试".
    result = run("optimize", profile_with(tmp_path, "enterprise: 测试\x07\nyears: 2025\n"))
    assert result.exit_code == 2 and "contains U+0007, a character YAML forbids" in result.output
    assert_diagnostic(result.output, "bad.yaml", 1, "E204", "delete it")
    assert "bad.yaml:1:15" in result.output  # "enterprise: 测试" is 14 characters


def test_the_forbidden_characters_are_ruamels_own_set():
    # profile.FORBIDDEN_CHARACTERS replaces ruamel's pattern (which is slow to compile): it must
    # match exactly the same code points, all 1,114,112 of them.
    every = "".join(map(chr, range(0x110000)))
    ruamel = "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]"
    assert re.findall(FORBIDDEN_CHARACTERS, every) == re.findall(ruamel, every)
    assert len(re.findall(FORBIDDEN_CHARACTERS, every)) == 9 + 2 + 18 + 6 + 26 + 2048 + 2  # C0, C1, surrogates, U+FFFE-F


def test_missing_profile_file_exits_2(tmp_path):
    result = run("optimize", str(tmp_path / "nowhere.yaml"))
    assert result.exit_code == 2 and "cannot read profile" in result.output


def test_unknown_clause_for_explain_suggests_one():
    result = run("explain", PROFILE, "pinggu.output_grwth")
    assert result.exit_code == 2 and "did you mean 'pinggu.output_growth'?" in result.output


def test_bad_years_option_is_a_usage_error():
    result = run("optimize", PROFILE, "--years", "2027-2024")
    assert result.exit_code == 2 and "range of years" in result.output


def test_two_granted_awards_in_two_directions_contradict_the_guide(tmp_path):
    # 002 四(二)2: one direction a year. Two awards already granted in two directions in 2024
    # cannot both stand: the profile is refused with exit 2, not silently trimmed.
    awards = [{"id": f"A{n}", "kind": "city_award", "direction": d, "amount": "100万", "year": 2024,
               "status": "granted", "investment_project": False, "other_city_funds": False,
               "major_project": False} for n, d in ((1, "首台套"), (2, "并购重组"))]
    path = write_profile(tmp_path, pinggu(items=awards, years=2024))
    result = run("optimize", str(path))
    assert result.exit_code == 2 and "error[E400]" in result.output


def test_a_date_may_be_text_as_json_writes_it():
    # JSON has no dates: "2025-03-01" is text there (and quoted in YAML). A date fact reads it.
    import datetime as dt

    from solver.diagnostics import Span
    from solver.model import FactInfo
    from solver.profile import convert
    from solver.values import ValueProblem
    info = FactInfo("approved_on", "date", False, "批准日期", Span("vocabulary.rules", 1, 1))
    assert convert("2025-03-01", info, None) == convert(dt.date(2025, 3, 1), info, None) == dt.date(2025, 3, 1)
    with pytest.raises(ValueProblem, match="YYYY-MM-DD"):
        convert("2025-13-01", info, None)


def test_json_the_fast_reader_refuses_is_located_by_the_yaml_reader(tmp_path):
    # A key given twice, or a character YAML forbids (json allows U+0080), is left to the YAML
    # reader, which says where. A mistake json reads fine is found, then located the same way.
    cases = {
        "twice.json": ('{"enterprise": "x", "years": 2025, "years": 2026}', "E204", "give each key once"),
        "c1.json": ('{"enterprise": "x\x80y", "years": 2025}', "E204", "delete it"),
        "name.json": ('{"enterprise": "x", "years": 2025, "facts": {"manufacturr": true}}', "E210",
                      "did you mean 'manufacturer'?"),
    }
    for name, (text, code, help_text) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = run("optimize", str(path))
        assert result.exit_code == 2, (name, result.output)
        assert_diagnostic(result.output, name, 1, code, help_text)


# ---- wrong answers that used to be accepted silently (issue: hostile input) -----------------

def test_a_csv_row_with_an_unquoted_thousands_separator_is_refused(tmp_path):
    # `…,2025,15,000,000` is five fields where the header has five plus two: read as 15 元 it
    # would make a 1500万 overpayment pass. Refused, at its real line (after a blank line).
    path = tmp_path / "ledger.csv"
    path.write_text("policy,article,item,year,amount\n\npinggu,第十二条,整车订单,2025,15,000,000\n", encoding="utf-8")
    result = run("audit", PROFILE, str(path))
    assert result.exit_code == 2 and "error[E509]" in result.output and "ledger.csv:3:" in result.output
    assert "thousands separator" in result.output


@pytest.mark.parametrize("year", ["2025.7", "true"])
def test_a_ledger_year_that_is_not_whole_is_refused(tmp_path, year):
    path = tmp_path / "ledger.yaml"
    path.write_text(f"payments:\n  - {{policy: pinggu, article: 第三条, item: enterprise, year: {year}, amount: 12.5万}}\n",
                    encoding="utf-8")
    result = run("audit", PROFILE, str(path))
    assert result.exit_code == 2 and "error[E508]" in result.output and "is not a year" in result.output, result.output


def test_a_negative_yearly_figure_is_refused_however_written(tmp_path):
    data = pinggu({"industrial_output": {2024: -180000000, 2025: "2亿"}})
    result = run("optimize", str(write_profile(tmp_path, data)))
    assert result.exit_code == 2 and "error[E213]" in result.output and "is negative" in result.output


@pytest.mark.parametrize("only, hint", [("pingu", "did you mean 'pinggu'?"), ("", "give POLICY")])
def test_only_must_name_something(only, hint):
    result = run("optimize", PROFILE, "--only", only)
    assert result.exit_code == 2 and "error[E309]" in result.output and hint in result.output


def test_a_negative_ceiling_is_refused(tmp_path):
    folder = broken_rules(tmp_path, "004_pinggu.rules", "cap 500万 per payment", "cap -500万 per payment")
    result = run("check", folder)
    assert result.exit_code == 1
    assert_diagnostic(result.output, "004_pinggu.rules", line_of(folder, "004_pinggu.rules", "cap -500万"), "E153")


def test_an_item_cannot_be_called_enterprise(tmp_path):
    data = pinggu(items=[{"id": "enterprise", "kind": "integration_pilot", "year": 2026}], years=2026)
    result = run("optimize", str(write_profile(tmp_path, data)))
    assert result.exit_code == 2 and "error[E223]" in result.output and "reserved" in result.output


@pytest.mark.parametrize("value", ["inf", "nan", "1e308", "-1"])
def test_a_time_limit_must_be_a_finite_number_of_seconds(value):
    result = run("optimize", PROFILE, "--timeout", value)
    assert result.exit_code == 2 and "number of seconds" in result.output


def test_a_device_or_a_pipe_is_not_read_as_a_profile(tmp_path):
    import os
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo)):  # /dev/zero never ends; a FIFO blocks until written
        result = run("optimize", path)
        assert result.exit_code == 2 and "error[E200]" in result.output and "not a regular file" in result.output


def test_a_folder_named_like_a_rule_file_is_passed_over(tmp_path):
    folder = broken_rules(tmp_path, "004_pinggu.rules", "cap 500万 per payment", "cap 500万 per payment")
    (tmp_path / "rules" / "notes.rules").mkdir()
    result = run("check", folder)
    assert result.exit_code == 0, result.output


def test_a_very_long_condition_is_read(tmp_path):
    # 700 terms were refused with E005 (and a traceback before that): chains are now read flat
    chain = " and ".join(["good_credit"] * 700)
    folder = broken_rules(tmp_path, "004_pinggu.rules", "require growth(industrial_output) >= 5%",
                          "require growth(industrial_output) >= 5% and " + chain)
    result = run("check", folder)
    assert result.exit_code == 0, result.output


def test_a_condition_nested_too_deeply_ends_in_a_located_message(tmp_path):
    # 'not' 700 times nests 700 deep: refused at the line, where it used to be a traceback
    folder = broken_rules(tmp_path, "004_pinggu.rules", "require growth(industrial_output) >= 5%",
                          "require growth(industrial_output) >= 5% and " + "not " * 700 + "good_credit")
    result = run("check", folder)
    assert result.exit_code == 1
    assert_diagnostic(result.output, "004_pinggu.rules", line_of(folder, "004_pinggu.rules", "not not not"),
                      "E980", "split it into several 'require' statements")


@pytest.mark.parametrize("where", ["folder", "link", "missing"])
def test_a_counterexample_is_never_written_through_a_link_or_into_nothing(tmp_path, where):
    target = tmp_path / "precious.yaml"
    target.write_text("keep me\n", encoding="utf-8")
    out = {"folder": tmp_path, "link": tmp_path / "ce.yaml", "missing": tmp_path / "no" / "ce.yaml"}[where]
    if where == "link":
        out.symlink_to(target)
    result = run("prove", "at-most", "199万", "--policy", "pinggu", "--article", "第六条", "--per", "item",
                 "--counterexample", str(out))
    assert result.exit_code == 2 and "error[E609]" in result.output, result.output
    assert target.read_text(encoding="utf-8") == "keep me\n"


def test_yaml_aliases_are_refused_before_they_expand(tmp_path):
    # nested aliases: 1.4 kB that would stand for gigabytes once expanded into an item id
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [*a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}]"
              for n in range(1, 12)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\nenterprise: x\nitems:\n  - {id: *a11, kind: integration_pilot}\n",
                    encoding="utf-8")
    result = run("optimize", str(path))
    assert result.exit_code == 2 and "error[E215]" in result.output
    assert_diagnostic(result.output, "bomb.yaml", 2, "E215", "aliases are not accepted")


def test_many_diagnostics_render_quickly_and_cleanly(tmp_path):
    # 5,000 mistakes in one file: the file is split into lines once (it was once per diagnostic,
    # 4.7 s), the first 100 are shown and the rest counted; an escape sequence in a message or
    # a source line is shown escaped, never sent to the terminal raw.
    from solver.diagnostics import SHOWN, Diagnostic, Span, render
    path = tmp_path / "p.yaml"
    path.write_text("".join(f"k{n}: \x1b[2J\n" for n in range(5000)), encoding="utf-8")
    many = [Diagnostic("error", "E210", f"unknown fact 'k{n}\x1b[2J'", Span(str(path), n + 1, 1)) for n in range(5000)]
    text = render(many)
    assert text.count("error[E210]") == SHOWN and f"… and {5000 - SHOWN} more" in text
    assert "\x1b" not in text and "\\x1b" in text


def test_a_decimal_in_yuan_is_never_hinted_into_a_larger_unit(tmp_path):
    # 180000000.50 元 (an accounting export with 分): the hint must not suggest '180000000.5万',
    # which would read the figure 10,000 times too large
    data = pinggu({"industrial_output": {2024: 180000000.50, 2025: "2亿"}})
    result = run("optimize", str(write_profile(tmp_path, data)))
    assert result.exit_code == 2 and "error[E213]" in result.output
    assert "180000000.5万" not in result.output and "write whole 元 (180000000" in result.output


def test_without_a_timeout_a_command_still_ends_at_the_default_limit(monkeypatch):
    # No run of the engine may go on for an hour: without --timeout the default limit applies
    # (60 s; here shrunk to nothing), the best plan so far is printed with its bound, exit 3,
    # and the message says which limit stopped it.
    monkeypatch.setattr(cli, "DEFAULT_LIMIT", 0.0)
    result = run("optimize", PROFILE)
    assert result.exit_code == 3
    assert "stopped at the default limit of 0 s" in result.output


@pytest.mark.parametrize("typed, ascii_", [("≥", ">="), ("％", "%"), ("（", "(")])
def test_full_width_symbols_in_an_expression_say_what_to_write(tmp_path, typed, ascii_):
    old = "require growth(industrial_output) >= 5%"
    new = {"≥": "require growth(industrial_output) ≥ 5%", "％": "require growth(industrial_output) >= 5％",
           "（": "require growth（industrial_output) >= 5%"}[typed]
    folder = broken_rules(tmp_path, "004_pinggu.rules", old, new)
    result = run("check", folder)
    assert result.exit_code == 1
    assert_diagnostic(result.output, "004_pinggu.rules", line_of(folder, "004_pinggu.rules", new), "E002",
                      f"'{typed}' is full-width: write {ascii_}")


@pytest.mark.parametrize("name, header", [
    ("通州.(十七)", "tongzhou （十七）"),   # the district for the policy, half-width brackets
    ("tongzhou.(十七)", "tongzhou （十七）"),
    ("pinggu.第3条", "pinggu 第三条"),       # Arabic numbers for the document's Chinese
    ("pinggu.第12条", "pinggu 第十二条"),
])
def test_clause_names_in_other_spellings_of_the_document(name, header):
    profile = EXAMPLES / ("tongzhou-projects.yaml" if "十七" in name else "pinggu-2025.yaml")
    result = run("explain", str(profile), name)
    assert result.exit_code == 0 and result.output.startswith(header), result.output


def test_a_clause_name_is_suggested_from_the_same_document_first():
    # 003 numbers its measures （一）…（二十六）: 第七条 is 000's spelling, （七） 003's
    result = run("explain", str(EXAMPLES / "tongzhou-projects.yaml"), "tongzhou.第七条")
    assert result.exit_code == 2 and "did you mean 'tongzhou.（七）'?" in result.output


def test_a_ledger_and_a_claim_may_write_the_article_with_arabic_numbers(tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text("policy,article,item,year,amount\npinggu,第3条,enterprise,2025,12.5万\n", encoding="utf-8")
    assert run("audit", PROFILE, str(path)).exit_code == 0  # 第三条's 12.5万
    result = run("prove", "at-most", "300万", "--policy", "pinggu", "--article", "第13条", "--per", "item")
    assert result.exit_code == 0 and "第十三条" in result.output


def test_a_rule_file_saved_with_a_byte_order_mark_reads_as_without(tmp_path):
    """Windows editors save UTF-8 with a BOM: it is no part of the text (it was an invisible E002)."""
    import shutil

    from solver.resources import rules_dir
    shutil.copytree(rules_dir() / "texts", tmp_path / "texts")
    path = tmp_path / "004_pinggu.rules"
    path.write_bytes(b"\xef\xbb\xbf" + (rules_dir() / "004_pinggu.rules").read_bytes())
    result = CliRunner().invoke(cli.main, ["check", str(path)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("char, name", [("\u3000", "IDEOGRAPHIC SPACE"), ("\u200b", "ZERO WIDTH SPACE"),
                                        ("\u00a0", "NO-BREAK SPACE")])
def test_a_character_that_shows_as_a_space_is_named_by_its_code_point(tmp_path, char, name):
    path = tmp_path / "v.rules"
    path.write_text(f"vocabulary {{\n  fact a{char}: bool\n}}\n", encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["check", "--only-rules", str(path)])
    assert result.exit_code == 1
    assert f"U+{ord(char):04X} ({name})" in result.output and f"{path}:2:9" in result.output
