"""`subsidy batch`: every enterprise's line equals its own `optimize --json`, whatever the
number of processes or the Dask cluster; the budget report adds up to the payments; a broken
profile is reported at its line and the rest complete; a resumed run gives the same output."""
from __future__ import annotations

import copy
import csv
import json
import random
import shutil
import subprocess
import sys

import pytest

from solver import batch, pipeline
from solver.batch import ALL, Options
from solver.diagnostics import DiagnosticError
from solver.render import to_json

from .conftest import EXAMPLES, PINGGU_BASE, ROOT

#: Each example's known total (README, "Examples"; 丰台's with --include-drafts).
KNOWN = {"fengtai-growth.yaml": 2835000, "pinggu-2025.yaml": 1755000, "pinggu-city-2024-2027.yaml": 12850000,
         "tongzhou-city-direction.yaml": 24000000, "tongzhou-projects.yaml": 19500000}
BROKEN = 57  # the generated enterprise given a misspelt fact
#: 平谷 measures are in force from 2025-08-29 to 2027-08-28 (第二十一条): events dated inside
EVENT_DAY = {2025: "2025-10-01", 2026: "2026-05-01", 2027: "2027-05-01"}


def generated(n: int, seed: int = 18, broken: int | None = BROKEN) -> list[dict]:
    """Small 平谷 + city enterprises (0-4 items over 1-2 years), as tests/test_oracle.py's and
    bench/run.py's generators make them, written as the dicts a JSONL line holds."""
    rng = random.Random(seed)
    out = []
    for k in range(n):
        years = sorted(rng.sample([2025, 2026, 2027], rng.randint(1, 2)))
        span = [years[0] - 1] + years
        facts = dict(copy.deepcopy(PINGGU_BASE["facts"]), auto_parts_supplier=True, central_kitchen_chain=True,
                     industrial_output={str(y): rng.randrange(10 ** 7, 10 ** 9) for y in span},
                     rd_expense={str(y): rng.randrange(10 ** 6, 5 * 10 ** 7) for y in span})
        items = []
        for i in range(rng.randint(0, 4)):
            kind = rng.choice(["vehicle_order", "kitchen_order", "smart_factory_title", "city_award"])
            item = {"id": f"i{i}", "kind": kind}
            if kind in ("vehicle_order", "kitchen_order"):
                item |= {"new": True, "executed": {str(y): rng.randrange(10 ** 6, 10 ** 9) for y in years}}
                if kind == "kitchen_order":
                    item["to_pinggu_unaffiliated"] = rng.random() < 0.8
            elif kind == "smart_factory_title":
                y = rng.choice(years)
                item |= {"level": rng.choice(["先进级", "卓越级", "灯塔工厂"]), "year": y, "date": EVENT_DAY[y]}
            else:
                item |= {"direction": rng.choice(["首台套", "并购重组"]), "amount": rng.randrange(10 ** 6, 3 * 10 ** 7),
                         "year": 2024, "status": "candidate", "investment_project": False, "other_city_funds": False,
                         "major_project": False}
            items.append(item)
        out.append({"enterprise": f"生成企业{k:03d}", "years": years, "facts": facts, "items": items})
    if broken is not None:
        out[broken]["facts"]["industrial_outptu"] = out[broken]["facts"].pop("industrial_output")
    return out


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def optimize_json(profile, **options) -> dict:
    """The document `subsidy optimize --json` prints, as a program reads it."""
    return json.loads(to_json(pipeline.optimize(profile, **options).to_json()))


@pytest.fixture(scope="module")
def two_hundred(tmp_path_factory):
    """The 200 generated enterprises as a JSONL file, and their batch run on 2 processes."""
    folder = tmp_path_factory.mktemp("batch200")
    profiles = generated(200)
    source = folder / "enterprises.jsonl"
    source.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in profiles), encoding="utf-8")
    out = folder / "results.jsonl"
    summary = batch.run(str(source), str(out), Options(), jobs=2)
    return profiles, source, out, summary


def test_examples_equal_their_own_optimize_whatever_the_jobs(tmp_path):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    batch.run(str(EXAMPLES), str(one), Options(include_drafts=True), jobs=1)
    summary = batch.run(str(EXAMPLES), str(two), Options(include_drafts=True), jobs=2)
    assert one.read_bytes() == two.read_bytes()  # the order is the input's, whatever completes first
    records = lines(two)
    assert [r["source"] for r in records] == [str(EXAMPLES / name) for name in sorted(KNOWN)]
    for r in records:
        assert r["status"] == "optimal"
        assert r["result"] == optimize_json(r["source"], include_drafts=True)
        assert r["result"]["total"] == KNOWN[r["source"].rsplit("/", 1)[1]]
    assert summary.total == sum(KNOWN.values()) == 60_940_000
    assert summary.statuses == {"optimal": 5}


def test_two_hundred_generated_equal_their_own_optimize(two_hundred):
    profiles, source, out, summary = two_hundred
    records = lines(out)
    assert [r["index"] for r in records] == list(range(200))
    for n, (profile, r) in enumerate(zip(profiles, records)):
        assert r["source"] == f"{source}:{n + 1}"
        if n == BROKEN:
            continue
        assert r["status"] == "optimal", r
        assert r["result"] == optimize_json(profile)
    assert summary.statuses == {"optimal": 199, "bad_input": 1}
    assert summary.total == sum(r["result"]["total"] for r in records if "result" in r) > 0


def test_a_broken_profile_is_reported_at_its_line_and_the_rest_complete(two_hundred):
    profiles, source, out, _ = two_hundred
    with pytest.raises(DiagnosticError):
        pipeline.optimize(profiles[BROKEN])
    r = lines(out)[BROKEN]
    assert r["status"] == "bad_input" and r["enterprise"] == "生成企业057" and "result" not in r
    line = source.read_text(encoding="utf-8").splitlines()[BROKEN]
    column = line.index('"industrial_outptu"') + 1  # the key's own place on its line
    assert r["message"].startswith(f"{source}:{BROKEN + 1}:{column}: error[E210]: unknown fact 'industrial_outptu'")
    assert "did you mean 'industrial_output'?" in r["message"]
    assert r["diagnostics"][0]["line"] == BROKEN + 1 and r["diagnostics"][0]["code"] == "E210"


def test_the_budget_adds_up_to_the_payments(two_hundred):
    _, _, out, summary = two_hundred
    payments = [(r["index"], p) for r in lines(out) for p in r.get("result", {}).get("payments", [])]
    with open(batch.budget_path(str(out)), encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:5] == ["政策 policy", "条款 article", "年度 year", "企业数 enterprises", "合计(元) total"]
    budget = {(p, a, y): (int(n), int(t), int(c), int(d)) for p, a, y, n, t, c, d in rows[1:]}
    years = {k: v for k, v in budget.items() if ALL not in k}
    # each article and year: the enterprises it pays, and the sum of their payments, split by kind
    for (policy, article, year), (count, total, computed, discretionary) in years.items():
        mine = [(i, p) for i, p in payments if (p["policy"], p["article"], str(p["year"])) == (policy, article, year)]
        assert count == len({i for i, _ in mine})
        assert total == sum(p["amount"] for _, p in mine) == computed + discretionary
        assert computed == sum(p["amount"] for _, p in mine if p["kind"] == "computed")
    assert {(p["policy"], p["article"], str(p["year"])) for _, p in payments} == set(years)
    # an article over all years, a policy over all articles, the batch: the sums of their rows
    for (policy, article, year), (_, total, _, _) in budget.items():
        if year == ALL and policy != ALL:
            parts = [v[1] for k, v in years.items() if k[0] == policy and article in (ALL, k[1])]
            assert total == sum(parts)
    grand = budget[(ALL, ALL, ALL)]
    assert grand[1] == sum(p["amount"] for _, p in payments) == summary.total
    assert grand[0] == len({i for i, _ in payments})


def test_resume_after_an_interruption_gives_the_same_output(two_hundred, tmp_path):
    _, source, out, _ = two_hundred
    whole = out.read_bytes()
    cut = tmp_path / "results.jsonl"
    cut.write_bytes(whole[:len(whole) * 2 // 5])  # killed while writing a line, 40% of the way
    complete = cut.read_bytes().count(b"\n")
    summary = batch.run(str(source), str(cut), Options(), jobs=2, resume=True)
    assert summary.resumed == complete > 0
    assert cut.read_bytes() == whole
    assert (tmp_path / "results.budget.csv").read_bytes() == open(batch.budget_path(str(out)), "rb").read()
    # resumed once more, complete: nothing is solved again, nothing changes
    assert batch.run(str(source), str(cut), Options(), jobs=2, resume=True).resumed == 200
    assert cut.read_bytes() == whole
    # another input or other options: nothing of the journal is kept
    again = batch.run(str(source), str(cut), Options(include_drafts=True), jobs=1, resume=True)
    assert again.resumed == 0


def test_resume_of_a_csv_output_reads_its_journal(tmp_path):
    whole, part = tmp_path / "whole.csv", tmp_path / "part.csv"
    batch.run(str(EXAMPLES), str(whole), Options(include_drafts=True), jobs=1)
    shutil.copy(batch.journal_path(str(whole)), batch.journal_path(str(part)))
    journal = tmp_path / "part.journal.jsonl"
    journal.write_bytes(journal.read_bytes()[:journal.read_bytes().index(b"\n", 100) + 1])  # one enterprise kept
    summary = batch.run(str(EXAMPLES), str(part), Options(include_drafts=True), jobs=2, resume=True)
    assert summary.resumed == 1
    assert part.read_bytes() == whole.read_bytes()
    assert (tmp_path / "part.budget.csv").read_bytes() == (tmp_path / "whole.budget.csv").read_bytes()
    assert part.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads it as UTF-8


def test_a_dask_cluster_gives_the_local_runs_output(tmp_path):
    distributed = pytest.importorskip("distributed")
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in generated(20, seed=7, broken=3)),
                      encoding="utf-8")
    local, remote = tmp_path / "local.csv", tmp_path / "remote.csv"
    batch.run(str(source), str(local), Options(with_range=True), jobs=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        summary = batch.run(str(source), str(remote), Options(with_range=True), cluster=cluster.scheduler_address)
    assert summary.enterprises == 20
    for made in (lambda p: p, batch.journal_path, batch.budget_path):
        mine, theirs = (sorted(open(made(str(p)), "rb").read().splitlines()) for p in (local, remote))
        assert mine == theirs


def test_an_unreachable_cluster_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(batch, "CONNECT", "1s")
    with pytest.raises(DiagnosticError) as err:
        batch.run(str(EXAMPLES), str(tmp_path / "r.csv"), cluster="tcp://127.0.0.1:9")
    assert err.value.diagnostics[0].code == "E711"


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), "batch", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def write_sheet(path, rows) -> None:
    """A CSV as Excel saves it (CSV UTF-8: with a byte-order mark)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)


EXAMPLE_FACTS = {"district": "平谷区", "registered_in_beijing": "true", "operates_in_district": "true",
                 "manufacturer": "是", "fits_capital_positioning": "true", "auto_parts_supplier": "true",
                 "serious_dishonesty_3y": "false", "stable_operation_in_beijing": "true",
                 "abnormal_affiliate_output": "否", "good_credit": "true", "major_penalty_3y": "false",
                 "criminal_record_3y": "false", "false_materials_within_3y": "false",
                 "pg_other_pinggu_support": "false", "industrial_output[2024]": "1.8亿", "industrial_output[2025]": "2.05亿",
                 "rd_expense[2023]": "400万", "rd_expense[2024]": "460万", "rd_expense[2025]": "520万",
                 "rd_expense_record": "350万"}
EXAMPLE_ITEMS = [["智能工厂", "smart_factory_title", "先进级", 2025, "2025-10-20", "", ""],
                 ["绿色工厂", "green_factory_title", "国家级", 2025, "2025-11-10", "", ""],
                 ["应急减排绩效B级", "emission_upgrade", "B级", 2025, "2025-09-15", "", ""],
                 ["整车订单", "vehicle_order", "", "", "", "true", "2600万"]]
ITEM_HEADER = ["enterprise", "id", "kind", "level", "year", "date", "new", "executed[2025]"]


def test_cli_over_a_csv_sheet_and_its_items(tmp_path):
    # examples/pinggu-2025.yaml as a row, its items in enterprises.items.csv; a second row with a
    # misspelt district; piped, the command prints its summary and nothing else
    name = "平谷某汽车零部件制造企业"
    write_sheet(tmp_path / "enterprises.csv", [["enterprise", "years", *EXAMPLE_FACTS],
                                               [name, 2025, *EXAMPLE_FACTS.values()],
                                               ["坏企业", 2025, "平谷", *list(EXAMPLE_FACTS.values())[1:]]])
    write_sheet(tmp_path / "enterprises.items.csv", [ITEM_HEADER] + [[name, *row] for row in EXAMPLE_ITEMS])
    done = cli("enterprises.csv", "--out", "results.csv", cwd=tmp_path)
    assert done.returncode == 2, done.stderr  # one profile was refused
    assert done.stderr == "" and done.stdout.count("\n") == 1
    assert done.stdout.startswith("2 家企业（") and "1,755,000 元" in done.stdout
    with open(tmp_path / "results.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    mine = [r for r in rows if r["企业 enterprise"] == name]
    assert sum(int(r["金额(元) amount"]) for r in mine) == 1_755_000 == int(mine[0]["企业合计(元) total"])
    bad = [r for r in rows if r["企业 enterprise"] == "坏企业"]
    assert len(bad) == 1 and bad[0]["状态 status"] == "输入有误 bad_input"
    # the row's third line (the header is the first), at the district cell: 坏企业,2025, is 9 characters
    assert bad[0]["说明 message"].startswith("enterprises.csv:3:10: error[E213]: district: '平谷' is not a value")
    assert "did you mean '平谷区'?" in bad[0]["说明 message"]


def test_cli_over_a_workbook_writes_a_workbook(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "enterprises"
    values = [int(v) if v.isdigit() else v for v in EXAMPLE_FACTS.values()]
    sheet.append(["enterprise", "years", *EXAMPLE_FACTS])
    sheet.append(["平谷某汽车零部件制造企业", 2025, *values])
    items = book.create_sheet("items")
    items.append(ITEM_HEADER)
    for row in EXAMPLE_ITEMS:
        items.append(["平谷某汽车零部件制造企业", *row])
    items.append(["平谷某汽车零部件制造企", "x", "vehicle_order"])  # a name cut short: E709 with a suggestion
    book.save(tmp_path / "in.xlsx")
    done = cli("in.xlsx", "--out", "out.xlsx", cwd=tmp_path)
    assert done.returncode == 2 and "error[E709]" in done.stderr and "did you mean '平谷某汽车零部件制造企业'" in done.stderr
    assert not (tmp_path / "out.xlsx").exists()  # the input's shape is wrong: nothing is solved or written
    items.delete_rows(items.max_row)
    book.save(tmp_path / "in.xlsx")
    done = cli("in.xlsx", "--out", "out.xlsx", "--readings", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = openpyxl.load_workbook(tmp_path / "out.xlsx", read_only=True)
    assert result.sheetnames == ["支付明细 payments", "企业 enterprises", "预算 budget"]
    budget = list(result["预算 budget"].iter_rows(values_only=True))
    # README: pinggu-2025 pays 1755000, 255000 computed and 1500000 discretionary; no reading moves it
    assert budget[-1][:9] == (ALL, ALL, ALL, 1, 1_755_000, 255_000, 1_500_000, 1_755_000, 1_755_000)


@pytest.mark.parametrize("args, code", [
    (["missing-folder", "--out", "r.csv"], "E700"),
    ([EXAMPLES, "--out", "r.txt"], "E712"),
    ([EXAMPLES / "pinggu-2025.yaml", "--out", "r.csv"], "E700"),  # one profile is optimize's, not a batch
    ([EXAMPLES, "--out", "r.csv", "--reading", "pinggu.validity=sometimes"], "E"),
])
def test_cli_refuses_a_batch_it_cannot_run_before_any_work(tmp_path, args, code):
    done = cli(*args, cwd=tmp_path)
    assert done.returncode == 2 and f"error[{code}" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_output_never_overwrites_the_input(tmp_path):
    # --out the input itself (a .jsonl output is its own journal), or a .csv output whose
    # journal, NAME.journal.jsonl, is the input
    line = json.dumps(generated(1, broken=None)[0], ensure_ascii=False) + "\n"
    for source, out in (("a.jsonl", "a.jsonl"), ("b.journal.jsonl", "b.csv")):
        (tmp_path / source).write_text(line, encoding="utf-8")
        with pytest.raises(DiagnosticError) as err:
            batch.run(str(tmp_path / source), str(tmp_path / out))
        assert err.value.diagnostics[0].code == "E712"
        assert (tmp_path / source).read_text(encoding="utf-8") == line


def test_a_sheet_without_the_enterprise_column_or_with_a_row_twice(tmp_path):
    write_sheet(tmp_path / "a.csv", [["name", "district"], ["x", "平谷区"]])
    with pytest.raises(DiagnosticError) as err:
        batch.run(str(tmp_path / "a.csv"), str(tmp_path / "r.csv"))
    assert err.value.diagnostics[0].code == "E707"
    write_sheet(tmp_path / "b.csv", [["enterprise", "district"], ["x", "平谷区"], ["x", "通州区"]])
    with pytest.raises(DiagnosticError) as err:
        batch.run(str(tmp_path / "b.csv"), str(tmp_path / "r.csv"))
    d = err.value.diagnostics[0]
    assert (d.code, d.span.line, d.labels[0][0].line) == ("E708", 3, 2)


def test_a_terminal_sees_the_progress_bar(tmp_path):
    # the command on a pseudo-terminal 100 columns wide, as a user's shell runs it: count, rate
    # and ETA on stderr, then the summary (piped, stderr stays empty: see the CSV test above)
    import fcntl
    import os
    import pty
    import struct
    import termios
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    run = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "batch", str(EXAMPLES), "--out", "r.jsonl",
                            "--jobs", "1"], cwd=tmp_path, stdin=child, stdout=child, stderr=child, close_fds=True)
    os.close(child)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(main)
    assert run.wait(timeout=300) == 0
    text = seen.decode("utf-8", "replace")
    assert "企业 enterprises: 100%" in text and "5/5 [" in text and "家/s]" in text
    assert "5 家企业（最优 5）" in text
