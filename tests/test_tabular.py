"""Excel and CSV in and out (issue 16, item 4): ledgers as auditors export them, each row of the
issue's table a test on a file generated here (openpyxl for .xlsx, `encode('gbk')` and the rest
for CSV); plans and audits written as CSV and .xlsx and read back with openpyxl."""
from __future__ import annotations

import csv
import io
import json
import os

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import cli
from solver import pipeline, tabular
from solver.diagnostics import DiagnosticError

from .conftest import EXAMPLES
from .test_fuzz import FUZZ

PINGGU = str(EXAMPLES / "pinggu-2025.yaml")  # README: total 1755000
PINGGU_CITY = str(EXAMPLES / "pinggu-city-2024-2027.yaml")  # README: total 12850000
TONGZHOU = str(EXAMPLES / "tongzhou-city-direction.yaml")  # README: total 24000000
EN = "policy,article,item,year,amount"
ZH = "政策,条款,项目,年度,金额"
#: 004 第三条: 0.5% of pinggu-2025's 2500万 output increase = 125000 元, rounded to 千元 (第十七条).
RATE_LINE = "pinggu,第三条,enterprise,2025,125000"


def run(*args):
    result = CliRunner().invoke(cli.main, list(args))
    assert "Traceback" not in result.output
    return result


def audit_json(*args):
    result = run("audit", *args, "--json")
    return result.exit_code, (json.loads(result.stdout) if result.exit_code in (0, 1) else None), result.output


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def workbook(tmp_path, rows: list[list], name="ledger.xlsx", title="Sheet1", before=None) -> str:
    book = openpyxl.Workbook()
    if before:
        book.active.title = before
        ws = book.create_sheet(title)
    else:
        ws = book.active
        ws.title = title
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    book.save(path)
    return str(path)


# ---- the table, row by row ---------------------------------------------------------------

def test_wan_amounts_never_pass_silently(tmp_path):
    # tongzhou-city-direction: city2024 四(二)2 pays the 并购重组项目 up to its 1200万 award (2024), and
    # tongzhou_mfg 第十一条 matches it 1:1 in 2025 (1200万): the auditor's export says 1200 meaning 1200万.
    text = f"{ZH}\r\ncity2024,四(二)2,并购重组项目,2024,1200\r\ntongzhou_mfg,第十一条,并购重组项目,2025,1200\r\n"
    path = write(tmp_path, "ledger.csv", text.encode("utf-8"))
    code, verdict, output = audit_json(TONGZHOU, path)
    # read as 元 the lines are legal (1200 ≤ 1200万), but every amount is under 1万 while the rules
    # allow 10,000 times as much: a warning, exit 1, never a silent PASS
    assert code == 1 and verdict["verdict"] == "PASS", output
    (warning,) = verdict["warnings"]
    assert warning["code"] == "E520" and warning["severity"] == "warning" and warning["line"] == 2
    assert "warning[E520]" in output and "万元" in output
    # the unit given: 万元 reads 1200万 each, exactly the ceilings (slack 0); 元 confirms the small figures
    code, verdict, _ = audit_json(TONGZHOU, path, "--unit", "万元")
    assert code == 0 and verdict["warnings"] == [] and [r["slack"] for r in verdict["checked"][:2]] == [0, 0]
    assert [ln["amount"] for ln in verdict["ledger"]] == [12_000_000, 12_000_000]
    code, verdict, _ = audit_json(TONGZHOU, path, "--unit", "元")
    assert code == 0 and verdict["warnings"] == [] and verdict["checked"][0]["slack"] == 12_000_000 - 1200
    # the unit in the header says it too
    path = write(tmp_path, "wan.csv", text.replace("金额", "金额（万元）").encode("utf-8"))
    code, verdict, _ = audit_json(TONGZHOU, path)
    assert code == 0 and [ln["amount"] for ln in verdict["ledger"]] == [12_000_000, 12_000_000]
    # a header and --unit that disagree are refused, located at the header
    result = run("audit", TONGZHOU, path, "--unit", "元")
    assert result.exit_code == 2 and "error[E516]" in result.output and "wan.csv:1:" in result.output


def test_wan_ledger_over_the_ceiling_fails_once_read_in_wan(tmp_path):
    # 1300万 booked as 1300 (万元) is 100万 over 四(二)2's 1200万: FAIL with that excess, not PASS
    path = write(tmp_path, "ledger.csv", f"{ZH}\ncity2024,四(二)2,并购重组项目,2024,1300\n".encode("utf-8"))
    code, verdict, _ = audit_json(TONGZHOU, path, "--unit", "万元")
    assert code == 1 and verdict["verdict"] == "FAIL" and verdict["violated"][0]["excess"] == 1_000_000


def test_excel_csv_utf8_with_bom(tmp_path):
    path = write(tmp_path, "ledger.csv", ("\ufeff" + f"{EN}\r\n{RATE_LINE}\r\n").encode("utf-8"))
    code, verdict, output = audit_json(PINGGU, path)
    assert code == 0 and verdict["ledger"][0]["amount"] == 125_000 and verdict["ledger"][0]["line"] == 2, output


def test_gbk_csv_of_chinese_windows(tmp_path):
    text = f"{ZH}\r\npinggu,第三条,企业,2025,125000\r\n"
    for encoding in ("gbk", "gb18030"):
        path = write(tmp_path, f"ledger-{encoding}.csv", text.encode(encoding))
        code, verdict, output = audit_json(PINGGU, path)
        # 企业 is the enterprise itself; 125000 is 第三条's whole 0.5% (slack 0)
        assert code == 0 and verdict["ledger"][0]["item"] == "enterprise", output
        assert next(r for r in verdict["checked"] if "第三条" in r["rule"] and "at most" in r["rule"])["slack"] == 0


@pytest.mark.parametrize("header", ["金额（万元）", "金额(万元)", "金额 (万元)", "金额/万元", "拨付金额（万元） amount"])
def test_the_unit_in_the_header_in_gbk(tmp_path, header):
    # tongzhou-city-direction's two 1200万 payments (README total 24000000), booked in 万元, saved as GBK
    text = f"政策,条款,项目,年度,{header}\r\ncity2024,四(二)2,并购重组项目,2024,1200\r\n" \
           "tongzhou_mfg,第十一条,并购重组项目,2025,\"1,200\"\r\n"
    code, verdict, output = audit_json(TONGZHOU, write(tmp_path, "ledger.csv", text.encode("gbk")))
    assert code == 0 and sum(ln["amount"] for ln in verdict["ledger"]) == 24_000_000, output


def test_utf16_unicode_text_export_is_tab_separated(tmp_path):
    text = "政策\t条款\t项目\t年度\t金额\r\npinggu\t第三条\tenterprise\t2025\t125000\r\n"
    path = write(tmp_path, "ledger.txt", b"\xff\xfe" + text.encode("utf-16-le"))
    code, verdict, output = audit_json(PINGGU, path)
    assert code == 0 and verdict["ledger"][0]["amount"] == 125_000, output


def test_undecodable_bytes_are_located(tmp_path):
    path = write(tmp_path, "ledger.csv", f"{EN}\n".encode() + b"pinggu,\x80\xff\xfe,enterprise,2025,1\n")
    result = run("audit", PINGGU, path)
    assert result.exit_code == 2 and "error[E500]" in result.output and "ledger.csv:2:" in result.output


@pytest.mark.parametrize("header", [ZH, "政策,条款,项目,年份,金额（元）", "政策 ,条 款,事项,年度,拨付金额(元)",
                                    "Policy,Article,Item,Year,Amount", "序号,政策,条款,项目,年度,金额,备注"])
def test_chinese_and_other_headers(tmp_path, header):
    cells = RATE_LINE.split(",")
    if header.startswith("序号"):
        cells = ["1"] + cells + ["首年"]
    path = write(tmp_path, "ledger.csv", f"{header}\n{','.join(cells)}\n".encode("utf-8"))
    code, verdict, output = audit_json(PINGGU, path)
    assert code == 0 and verdict["ledger"][0]["amount"] == 125_000, output


def test_a_header_missing_a_column_names_it_with_a_suggestion(tmp_path):
    path = write(tmp_path, "ledger.csv", "政策,条款,项目,年度,金额数\npinggu,第三条,enterprise,2025,1\n".encode())
    result = run("audit", PINGGU, path)
    assert result.exit_code == 2 and "error[E501]" in result.output and "lacks amount" in result.output
    assert "did you mean '金额'?" in result.output and "ledger.csv:1:" in result.output


@pytest.mark.parametrize("amount, read", [('"125,000"', 125_000), ("１２５０００", 125_000), ('"１２５，０００"', 125_000),
                                          ("12.5万", 125_000), ('"¥125,000.00"', 125_000), ("125000元", 125_000)])
def test_thousands_separators_full_width_digits_and_units_in_the_cell(tmp_path, amount, read):
    path = write(tmp_path, "ledger.csv", f"{EN}\npinggu,第三条,enterprise,２０２５,{amount}\n".encode("utf-8"))
    code, verdict, output = audit_json(PINGGU, path)
    assert code == 0 and verdict["ledger"][0]["amount"] == read and verdict["ledger"][0]["year"] == 2025, output


@pytest.mark.parametrize("amount, code, words", [('"12,50,00"', "E513", "thousands separators out of place"),
                                                 ('"125000.5"', "E508", "not a whole number of 元"),
                                                 ("十二万", "E508", "not an amount of money")])
def test_unreadable_amounts_are_located_at_their_cell(tmp_path, amount, code, words):
    path = write(tmp_path, "ledger.csv", f"{EN}\npinggu,第三条,enterprise,2025,{amount}\n".encode("utf-8"))
    result = run("audit", PINGGU, path)
    assert result.exit_code == 2 and f"error[{code}]" in result.output and words in result.output, result.output
    assert "row 2 column E (amount)" in result.output and "ledger.csv:2:" in result.output


def test_xlsx_ledger_with_numbers_text_and_a_formula(tmp_path):
    rows = [["政策", "条款", "项目", "年度", "金额（元）"],
            ["pinggu", "第三条", "enterprise", 2025, 125000.0],  # Excel stores every number as a double
            ["pinggu", "第五条", "enterprise", "2025", "300,000"],  # 第五条 first_500w: up to 30万
            [None, None, None, None, None],
            ["合计", None, None, None, "=SUM(E2:E3)"]]
    path = workbook(tmp_path, rows)
    code, verdict, output = audit_json(PINGGU, path)
    # the total line's formula has no saved value (openpyxl computes nothing): it is not checked, not paid
    assert code == 0 and [(ln["line"], ln["amount"]) for ln in verdict["ledger"]] == [(2, 125_000), (3, 300_000)], output


def test_a_title_above_the_header(tmp_path):
    # row 1 a title, row 2 blank, the header in row 3: the payment is row 4, as Excel numbers it
    path = workbook(tmp_path, [["2025年度平谷区产业资金拨付明细"], [], ["序号", "政策", "条款", "项目", "年度", "金额（元）"],
                               [1, "pinggu", "第三条", "enterprise", 2025, 126000]])
    code, verdict, output = audit_json(PINGGU, path)
    # 第三条 allows 125000 (0.5% of the 2500万 increase): 1000 over, at row 4
    assert code == 1 and verdict["violated"][0]["lines"] == [4] and verdict["violated"][0]["excess"] == 1000, output


def test_xlsx_money_that_is_not_whole_yuan_names_sheet_and_cell(tmp_path):
    path = workbook(tmp_path, [["政策", "条款", "项目", "年度", "金额"], ["pinggu", "第三条", "enterprise", 2025, 125000.5]])
    result = run("audit", PINGGU, path)
    assert result.exit_code == 2 and "error[E512]" in result.output and "Sheet1!E2 (金额)" in result.output
    assert "125000.5" in result.output and "万" not in result.output.split("help:")[1].split("(")[0]  # no inflating unit
    assert "ledger.xlsx:2:5" in result.output


def test_xlsx_formula_without_a_saved_value_is_located(tmp_path):
    path = workbook(tmp_path, [["政策", "条款", "项目", "年度", "金额"], ["pinggu", "第三条", "enterprise", 2025, "=125*1000"]])
    result = run("audit", PINGGU, path)
    assert result.exit_code == 2 and "error[E517]" in result.output and "Sheet1!E2" in result.output
    assert "=125*1000" in result.output


def test_xlsx_sheet_by_name_and_an_unknown_sheet(tmp_path):
    path = workbook(tmp_path, [[*EN.split(",")], RATE_LINE.split(",")], title="台账", before="说明")
    result = run("audit", PINGGU, path)  # the first sheet, 说明, is empty
    assert result.exit_code == 2 and "error[E501]" in result.output
    code, verdict, output = audit_json(PINGGU, path, "--sheet", "台账")
    assert code == 0 and verdict["ledger"][0]["amount"] == 125_000, output
    result = run("audit", PINGGU, path, "--sheet", "台账表")
    assert result.exit_code == 2 and "error[E511]" in result.output and "did you mean '台账'?" in result.output


def test_xlsx_errors_name_the_sheet_and_cell(tmp_path):
    path = workbook(tmp_path, [["政策", "条款", "项目", "年度", "金额"], ["pingu", "第三条", "enterprise", 2025, 125000]],
                    title="拨付")
    result = run("audit", PINGGU, path)
    assert result.exit_code == 2 and "error[E505]" in result.output and "(拨付!A2 (政策))" in result.output
    assert "did you mean 'pinggu'?" in result.output


def test_old_xls_and_a_damaged_workbook_are_refused(tmp_path):
    result = run("audit", PINGGU, write(tmp_path, "ledger.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100))
    assert result.exit_code == 2 and "error[E510]" in result.output and ".xlsx" in result.output
    result = run("audit", PINGGU, write(tmp_path, "ledger.xlsx", b"PK\x03\x04 not really a zip"))
    assert result.exit_code == 2 and "error[E510]" in result.output


def test_an_article_written_with_arabic_numbers(tmp_path):
    # the issue: `第3条` got "did you mean '第四条'?"; it is 004's 第三条
    path = workbook(tmp_path, [["政策", "条款", "项目", "年度", "金额"], ["pinggu", "第3条", "企业", 2025, "12.5万"]])
    code, verdict, output = audit_json(PINGGU, path)
    assert code == 0 and verdict["ledger"][0]["article"] == "第三条", output


def test_fail_names_the_spreadsheet_row(tmp_path):
    # rows 2-7 are pinggu-2025's plan (optimize --json, README total 1755000); row 8 pays 第三条 again:
    # 125000 twice is 125000 over its 0.5% bound of 125000
    plan = pipeline.optimize(PINGGU)
    assert plan.total == 1_755_000
    lines = [f"{p.policy},{p.article},{p.item},{p.year},{p.amount}" for p in plan.payments]
    text = "\n".join([EN] + lines + [RATE_LINE]) + "\n"
    code, verdict, output = audit_json(PINGGU, write(tmp_path, "ledger.csv", text.encode()))
    assert code == 1 and len(lines) == 6
    (v,) = verdict["violated"]
    assert "第三条" in v["rule"] and v["excess"] == 125_000 and v["lines"] == [2, 8], output
    result = run("audit", PINGGU, str(tmp_path / "ledger.csv"))
    assert "ledger line 8:" in result.output


def test_rows_after_blank_lines_and_quoted_newlines(tmp_path):
    # row 2 has a note over two lines; a blank line is row 3; the bad row is row 4, on line 5
    text = f"{EN},备注\n{RATE_LINE},\"首年\n拨付\"\n\npinggu,第三条,enterprise,2025,\"12,5000\"\n"
    result = run("audit", PINGGU, write(tmp_path, "ledger.csv", text.encode()))
    assert result.exit_code == 2 and "row 4 column E" in result.output and "ledger.csv:5:" in result.output, result.output


def test_crlf_and_an_unquoted_thousands_separator(tmp_path):
    # unquoted, 15,000,000 is three fields: refused at its row, never read as 15 元
    text = f"{EN}\r\n\r\npinggu,第十二条,整车订单,2025,15,000,000\r\n"
    result = run("audit", PINGGU, write(tmp_path, "ledger.csv", text.encode()))
    assert result.exit_code == 2 and "error[E509]" in result.output and "ledger.csv:3:" in result.output


def test_a_total_line_must_agree_with_the_rows(tmp_path):
    text = f"{ZH}\n{RATE_LINE}\n合计,,,,130000\n"
    result = run("audit", PINGGU, write(tmp_path, "ledger.csv", text.encode()))
    assert result.exit_code == 2 and "error[E518]" in result.output and "130,000" in result.output
    text = f"{ZH}\n{RATE_LINE}\n合计,,,,\"125,000\"\n"
    assert run("audit", PINGGU, write(tmp_path, "ok.csv", text.encode())).exit_code == 0


def test_a_policy_named_by_its_title(tmp_path):
    ruleset = pipeline.load_rules()
    title = ruleset.policies["pinggu"].title
    path = workbook(tmp_path, [["政策", "条款", "项目", "年度", "金额"], [title, "第三条", "enterprise", 2025, 125000]])
    code, verdict, output = audit_json(PINGGU, path)
    assert code == 0 and verdict["ledger"][0]["policy"] == "pinggu", output


# ---- output --------------------------------------------------------------------------------------

def test_plan_xlsx_has_the_plans_total(tmp_path):
    result = pipeline.optimize(PINGGU_CITY)
    assert result.total == 12_850_000  # README's table
    out = tmp_path / "plan.xlsx"
    run_result = run("optimize", PINGGU_CITY, "--xlsx", str(out), "--csv", str(tmp_path / "plan.csv"))
    assert run_result.exit_code == 0, run_result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["支付明细 payments", "未采用条款 not taken", "说明 notes"]
    ws = book["支付明细 payments"]
    header = [c.value for c in ws[1]]
    assert header[:7] == ["年度", "政策", "政策名称", "条款", "条款键 clause", "项目", "金额（元）"]
    body = list(ws.iter_rows(min_row=2, values_only=True))
    *payments, total = body
    assert total[0] == "合计" and total[6] == 12_850_000 and isinstance(total[6], int)
    assert all(isinstance(r[6], int) for r in payments) and sum(r[6] for r in payments) == 12_850_000
    assert [(r[0], r[1], r[3], r[6]) for r in payments] == [(p.year, p.policy, p.article, p.amount) for p in result.payments]
    assert payments[0][2] == "2024年北京市高精尖产业发展资金实施指南"  # city2024's title beside its id
    assert {r[7] for r in payments} <= {"计算", "酌定（最高额 up to）"}
    notes = {r[0]: r[1] for r in book["说明 notes"].iter_rows(min_row=2, values_only=True)}
    assert notes["合计（元） total"] == 12_850_000 and notes["其中计算（元） computed"] == 4_850_000  # README: 485万 computed
    assert book["未采用条款 not taken"].max_row == len(result.not_taken) + 1
    # the CSV: a BOM, the payments and their total
    raw = (tmp_path / "plan.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[-1][0] == "合计" and int(rows[-1][6]) == sum(int(r[6]) for r in rows[1:-1]) == 12_850_000


def test_the_api_functions_return_content(tmp_path):
    result = pipeline.optimize(PINGGU)
    text = tabular.plan_csv(result)
    assert text.startswith("\ufeff年度,政策,政策名称") and text.rstrip().endswith(",1755000,,,,")
    book = openpyxl.load_workbook(io.BytesIO(tabular.plan_xlsx(result)))
    assert book.active.cell(book.active.max_row, 7).value == 1_755_000  # README: pinggu-2025's total


def test_a_written_plan_is_itself_a_ledger_that_passes(tmp_path):
    out = tmp_path / "plan.xlsx"
    assert run("optimize", PINGGU_CITY, "--xlsx", str(out), "--csv", str(tmp_path / "plan.csv")).exit_code == 0
    for ledger in (out, tmp_path / "plan.csv"):
        code, verdict, output = audit_json(PINGGU_CITY, str(ledger))
        assert code == 0 and sum(ln["amount"] for ln in verdict["ledger"]) == 12_850_000, output


def test_an_openpyxl_ledger_round_trips_through_audit(tmp_path):
    # the ledger of pinggu-city-2024-2027's plan (optimize --json), in 万元 as a bureau books it
    plan = json.loads(run("optimize", PINGGU_CITY, "--json").output)
    rows = [["政策", "条款", "项目", "年度", "金额（万元）"]]
    rows += [[p["policy"], p["article"], p["item"], p["year"], p["amount"] / 10_000] for p in plan["payments"]]
    path = workbook(tmp_path, rows)
    out = tmp_path / "audit.xlsx"
    result = run("audit", PINGGU_CITY, path, "--xlsx", str(out), "--csv", str(tmp_path / "audit.csv"), "--json")
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.stdout)
    assert [(ln["line"], ln["amount"]) for ln in verdict["ledger"]] == \
        [(n, p["amount"]) for n, p in enumerate(plan["payments"], 2)]
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["结论 verdict", "台账 ledger", "违规 violations", "已查规则 checked"]
    assert book["结论 verdict"]["B2"].value == "通过 PASS"
    lines = list(book["台账 ledger"].iter_rows(min_row=2, values_only=True))
    assert lines[-1][0] == "合计" and lines[-1][5] == 12_850_000  # README's total for the example
    assert book["已查规则 checked"].max_row == len(verdict["checked"]) + 1
    # the audit's own ledger sheet is a ledger: audited again, the same lines pass
    code, again, output = audit_json(PINGGU_CITY, str(out), "--sheet", "台账 ledger")
    assert code == 0 and [ln["amount"] for ln in again["ledger"]] == [ln["amount"] for ln in verdict["ledger"]], output


def test_a_failed_audit_lists_violations_with_excess(tmp_path):
    path = write(tmp_path, "ledger.csv", f"{EN}\npinggu,第三条,enterprise,2025,126000\n".encode())
    out = tmp_path / "audit.xlsx"
    assert run("audit", PINGGU, path, "--xlsx", str(out), "--csv", str(tmp_path / "audit.csv")).exit_code == 1
    book = openpyxl.load_workbook(out)
    (violation,) = list(book["违规 violations"].iter_rows(min_row=2, values_only=True))
    # 第三条 allows 125000 (0.5% of the 2500万 increase): 126000 is 1000 over
    assert violation[2] == "第三条" and violation[4] == 1000
    rows = list(csv.reader(io.StringIO((tmp_path / "audit.csv").read_text(encoding="utf-8-sig"))))
    assert rows[1][:2] == ["2", "pinggu"] and rows[1][6] == "违规 fail" and rows[1][8] == "1000"


def test_writers_never_overwrite_what_they_did_not_write(tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_bytes(open(PINGGU, "rb").read())
    mine = tmp_path / "plan.xlsx"
    assert run("optimize", str(profile), "--xlsx", str(mine)).exit_code == 0
    before = mine.read_bytes()
    assert run("optimize", str(profile), "--xlsx", str(mine)).exit_code == 0  # its own file: replaced
    # another file, an input, a link, a folder, a plan where an audit goes: refused, left as they were
    other = tmp_path / "notes.xlsx"
    other.write_bytes(b"mine")
    link = tmp_path / "link.csv"
    os.symlink(other, link)
    for args in (["--xlsx", str(other)], ["--csv", str(profile)], ["--csv", str(link)]):
        result = run("optimize", str(profile), *args)
        assert result.exit_code == 2 and "error[E521]" in result.output, (args, result.output)
    result = run("optimize", str(profile), "--xlsx", str(tmp_path))
    assert result.exit_code == 2 and "is a directory" in result.output
    result = run("audit", str(profile), str(mine), "--xlsx", str(mine))
    assert result.exit_code == 2 and "error[E521]" in result.output
    assert other.read_bytes() == b"mine" and profile.read_bytes() == open(PINGGU, "rb").read()
    assert openpyxl.load_workbook(mine)["支付明细 payments"].max_row == openpyxl.load_workbook(io.BytesIO(before))[
        "支付明细 payments"].max_row
    assert sorted(os.listdir(tmp_path)) == ["link.csv", "notes.xlsx", "plan.xlsx", "profile.yaml"]  # no temporary left


def test_control_characters_and_formula_text_are_written_as_text():
    from msgspec.structs import replace
    result = pipeline.optimize(PINGGU)
    odd = replace(result, payments=(replace(result.payments[0], item="=HYPERLINK(\"x\")\x1f"),) + result.payments[1:])
    ws = openpyxl.load_workbook(io.BytesIO(tabular.plan_xlsx(odd)))["支付明细 payments"]
    assert ws["F2"].value == '=HYPERLINK("x")\\x1f' and ws["F2"].data_type == "s"  # text, shown escaped
    assert "'=HYPERLINK" in tabular.plan_csv(odd)  # Excel's mark for text in a CSV cell


def test_read_rejects_a_unit_it_does_not_know():
    with pytest.raises(DiagnosticError) as err:
        tabular.read("l.csv", f"{EN}\n".encode(), unit="美元")
    assert err.value.diagnostics[0].code == "E516"


# ---- generated tables: a reading or a located message, never a traceback ----------------------

CELLS = st.one_of(
    st.none(), st.integers(-10**16, 10**16), st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.dates(), st.sampled_from(["pinggu", "第三条", "企业", "2025", "2025年", "125,000", "12,50,00",
                                                "12.5万", "１２５０００", "合计", "¥1,200.50", "=SUM(E2:E3)", "", " "]),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12))  # openpyxl refuses control characters
HEADERS = st.lists(st.sampled_from(["政策", "条款", "项目", "年度", "金额", "金额（万元）", "金额(美元)", "amount", "policy",
                                    "备注", "条款键 clause", "", "年份"]), min_size=1, max_size=7)


@FUZZ
@given(header=HEADERS, body=st.lists(st.lists(CELLS, max_size=8), max_size=6),
       unit=st.sampled_from([None, "元", "万元"]))
def test_generated_workbooks_read_or_are_refused_located(header, body, unit):
    book = openpyxl.Workbook()
    for row in [header] + body:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    _read_or_located("l.xlsx", data.getvalue(), unit)


@FUZZ
@given(header=HEADERS, body=st.lists(st.lists(CELLS.map(lambda v: "" if v is None else str(v)), max_size=8), max_size=6),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]), unit=st.sampled_from([None, "万元"]))
def test_generated_csv_read_or_are_refused_located(header, body, encoding, unit):
    text = io.StringIO()
    csv.writer(text).writerows([header] + body)
    _read_or_located("l.csv", text.getvalue().encode(encoding, "replace"), unit)


def _read_or_located(name, data, unit):
    try:
        ledger = tabular.read(name, data, unit)
    except DiagnosticError as err:
        assert all(d.code.startswith("E5") and (d.span is not None or d.code in ("E516",)) for d in err.diagnostics)
        return
    for row in ledger.rows:
        assert row["_row"] >= 2 and (row.get("amount") is None or type(row["amount"]) is int)
