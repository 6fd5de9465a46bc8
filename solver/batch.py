"""`subsidy batch`: many enterprises, one proven plan each, and what they cost together.

input (a folder of profiles, JSONL, a CSV or xlsx sheet of enterprises) -> tasks -> one journal
line per enterprise (JSONL, in input order), solved by a process pool or a Dask cluster -> the
output (CSV, xlsx or JSONL) and the budget report, rendered from the journal.

Each worker decodes the checked rules once (msgpack of the `Ruleset`, as the rules cache keeps
it) and runs `pipeline.optimize_with` per enterprise; a journal line is `{"index", "source",
"key", "enterprise", "status", "result" | "message" + "diagnostics"}` where `result` is the
enterprise's `optimize --json` document. `key` hashes the enterprise's input and the options:
`--resume` keeps the journal's leading lines whose index and key still match, and solves the
rest.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import os
import re
import tempfile
import time
from pathlib import Path

import msgspec
from msgspec import Struct

from . import i18n
from .diagnostics import Diagnostic, DiagnosticError, Span, did_you_mean
from .model import FactInfo, Ruleset, Vocab

PROFILE_SUFFIXES = (".yaml", ".yml", ".json")
OUTPUTS = (".csv", ".xlsx", ".jsonl")
CONNECT = "15s"  # how long --cluster waits for its scheduler
#: Enterprises in flight per worker: enough to keep every worker busy, few enough that the
#: lines finished behind a slow enterprise (held to keep the journal in input order) stay few.
WINDOW = 16
#: A batch's input file may be far larger than one profile (10,000 rows): read up to this many bytes.
MAX_INPUT = 500_000_000
#: An item row's line in one profile's positions: items come from another sheet or file, and a
#: position past OFFSET is read back as a line of that sheet.
OFFSET = 10_000_000
HEADER = re.compile(r"^\s*([^\[\]\s]+)\s*(?:\[\s*(\d{4})\s*\])?\s*$")  # fact, or fact[2025]
TRUE, FALSE = ("true", "yes", "是", "1"), ("false", "no", "否", "0")
STATUS_ZH = {"optimal": "最优 optimal", "feasible": "可行 feasible", "unknown": "未知 unknown",
             "bad_input": "输入有误 bad_input", "error": "内部错误 error"}
KIND_ZH = {"computed": "计算 computed", "discretionary": "酌定 discretionary"}


class Options(Struct, frozen=True):
    """What every enterprise of the batch is optimized under (the optimize command's options)."""

    years: tuple[int, ...] | None = None
    include_drafts: bool = False
    timeout: float | None = None  # seconds per enterprise
    readings: tuple[str, ...] = ()
    with_range: bool = False
    lang: str = "en"  # the language of reasons and assumptions in the results (--lang; solver/i18n.py)


class Task(Struct, frozen=True):
    """One enterprise: a profile file's path or the profile as a mapping (positions kept where
    it came from a sheet), and how to point a message back into the input."""

    index: int
    source: str  # the file, FILE:LINE (JSONL) or FILE:ROW (sheet)
    key: str
    profile: object  # str path | dict
    name: str
    file: str = ""  # where spans at <profile> point: a JSONL file or the enterprises sheet
    line: int = 0  # the JSONL line
    items_file: str = ""  # the items sheet, for positions past OFFSET
    row: int = 0  # the enterprise's row in its sheet
    text: str | None = None  # the JSONL line, read again with positions when refused
    broken: Diagnostic | None = None  # the line is not a JSON object


class Summary(Struct, frozen=True):
    enterprises: int
    statuses: dict[str, int]
    total: int
    resumed: int
    files: tuple[str, ...]


def _problem(code: str, message: str, span: Span | None = None, help: str | None = None) -> DiagnosticError:
    return DiagnosticError(Diagnostic("error", code, message, span, help))


# ---------------------------------------------------------------------------------------- input

def read_input(path: str, vocab: Vocab, options: Options) -> list[Task]:
    """INPUT -> one task per enterprise, in input order. A problem with the input's shape (no
    such file, a header that is no fact, two rows of one enterprise, an item of no enterprise)
    stops the batch before any work (E700-E709); a problem inside one enterprise is that
    enterprise's, reported in its row."""
    p = Path(path)
    if p.is_dir():
        tasks = _folder(p, options)
    elif not p.is_file():
        raise _problem("E700", f"no such input file or folder: '{path}'", None,
                       "give a folder of profiles, a .jsonl file, or a .csv/.xlsx sheet of enterprises")
    elif p.suffix.lower() == ".jsonl":
        tasks = _jsonl(p, options)
    elif p.suffix.lower() == ".csv":
        tasks = _sheets(p, _csv_rows(p), _csv_items(p), vocab, options)
    elif p.suffix.lower() == ".xlsx":
        tasks = _xlsx(p, vocab, options)
    else:
        raise _problem("E700", f"cannot read '{path}' as a batch: its kind '{p.suffix}' is none of .jsonl, .csv, "
                       ".xlsx", None, "give a folder of profiles, a .jsonl file, or a .csv/.xlsx sheet of enterprises")
    if not tasks:
        raise _problem("E701", f"'{path}' holds no enterprise", Span(str(p), 1, 1) if p.is_file() else None,
                       "a folder holds *.yaml/*.json profiles; a .jsonl file one profile a line; a sheet one row each")
    return tasks


def _key(options: Options, *parts: bytes | str) -> str:
    h = hashlib.sha256(msgspec.json.encode(options))
    for part in parts:
        h.update(b"\0" + (part.encode() if isinstance(part, str) else part))
    return h.hexdigest()[:24]


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_INPUT + 1)
    except OSError as err:
        raise _problem("E700", f"cannot read '{path}': {err.strerror}") from None
    if len(raw) > MAX_INPUT:
        raise _problem("E702", f"'{path}' is larger than {MAX_INPUT} bytes", Span(str(path), 1, 1),
                       "split the batch into several files")
    return raw


def _text(path: Path) -> str:
    raw = _read(path)
    try:
        return raw.decode("utf-8-sig")  # Excel writes CSV with a byte-order mark
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise _problem("E702", f"'{path}' is not UTF-8 text", Span(str(path), line, 1),
                       "save it as UTF-8 (Excel: CSV UTF-8)") from None


def _folder(folder: Path, options: Options) -> list[Task]:
    """Every profile of the folder (not its sub-folders), by name."""
    files = sorted(f for f in folder.iterdir() if f.suffix.lower() in PROFILE_SUFFIXES and f.is_file())
    tasks = []
    for n, f in enumerate(files):
        try:
            with f.open("rb") as opened:
                content = opened.read(MAX_INPUT)
        except OSError:
            content = b""  # the worker's reading says why
        tasks.append(Task(n, str(f), _key(options, f.name, content), str(f), f.stem))
    return tasks


def _jsonl(path: Path, options: Options) -> list[Task]:
    """One profile a line (JSON); blank lines are passed over. A line that is not a JSON object
    is that enterprise's bad input, located at its line."""
    tasks = []
    for number, line in enumerate(_text(path).splitlines(), 1):
        if not line.strip():
            continue
        source = f"{path}:{number}"
        broken, doc = None, None
        try:
            doc = json.loads(line)
        except (ValueError, RecursionError) as err:
            col = getattr(err, "colno", 1)
            broken = Diagnostic("error", "E703", f"line {number} is not JSON: {getattr(err, 'msg', 'too deep')}",
                                Span(str(path), number, col), "write one profile a line, as a JSON object")
        if doc is not None and not isinstance(doc, dict):
            broken = Diagnostic("error", "E703", f"line {number} is not a profile (a JSON object)",
                                Span(str(path), number, 1), "write one profile a line, as a JSON object")
        name = str(doc.get("enterprise", source)) if isinstance(doc, dict) else source
        tasks.append(Task(len(tasks), source, _key(options, line), doc if broken is None else {}, name,
                          str(path), number, text=line, broken=broken))
    return tasks


class _Sheet(Struct, frozen=True):
    """A sheet's cells: the header, then each row with its line number and each cell's column
    (a character column in a CSV file, the column number in a workbook)."""

    file: str
    header_line: int
    header: list[tuple[int, str]]  # (column, text)
    rows: list[tuple[int, list[tuple[int, object]]]]  # (line, [(column, value)])


def _starts(line: str) -> list[int]:
    """1-based character columns where each field of a one-line CSV record starts."""
    starts, quoted = [1], False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            starts.append(i + 2)
    return starts


def _csv_rows(path: Path) -> _Sheet:
    text = _text(path)
    lines = re.split(r"\r\n|\r|\n", text)  # the lines csv counts (not str.splitlines's \x0b, \u2028 …)
    reader = csv.reader(io.StringIO(text, newline=""))
    records, last = [], 0
    try:
        for record in reader:
            first = last + 1
            last = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            starts = _starts(lines[first - 1]) if first == last and first <= len(lines) else []
            cols = [starts[j] if j < len(starts) else j + 1 for j in range(len(record))]
            records.append((first, list(zip(cols, record))))
    except csv.Error as err:
        raise _problem("E704", f"'{path}' is not CSV: {err}", Span(str(path), reader.line_num, 1)) from None
    if not records:
        return _Sheet(str(path), 1, [], [])
    (header_line, header), rows = records[0], records[1:]
    return _Sheet(str(path), header_line, [(c, str(v)) for c, v in header], rows)


def _csv_items(path: Path) -> _Sheet | None:
    """The items of a CSV batch: NAME.items.csv beside NAME.csv, if there is one."""
    items = path.with_name(path.stem + ".items.csv")
    return _csv_rows(items) if items.is_file() else None


def _xlsx(path: Path, vocab: Vocab, options: Options) -> list[Task]:
    """The sheet named enterprises (or 企业; else the first) and the sheet named items (or 项目;
    else the second, if any)."""
    import openpyxl
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds (zip, XML, key) for a file it cannot read
        raise _problem("E704", f"'{path}' is not an Excel workbook ({type(err).__name__})", None,
                       "save it from Excel as .xlsx, or as CSV UTF-8") from None
    names = book.sheetnames
    main = next((n for n in names if n.lower() in ("enterprises", "企业")), names[0])
    rest = [n for n in names if n != main]
    items = next((n for n in rest if n.lower() in ("items", "项目")), rest[0] if rest else None)

    def sheet(name: str) -> _Sheet:
        rows = []
        for r, values in enumerate(book[name].iter_rows(values_only=True), 1):
            cells = [(c, v) for c, v in enumerate(values, 1)]
            if any(v is not None and str(v).strip() for _, v in cells):
                rows.append((r, cells))
        file = f"{path}[{name}]"
        if not rows:
            return _Sheet(file, 1, [], [])
        (line, header), body = rows[0], rows[1:]
        return _Sheet(file, line, [(c, "" if v is None else str(v)) for c, v in header], body)
    try:
        return _sheets(path, sheet(main), sheet(items) if items else None, vocab, options)
    finally:
        book.close()


def _columns(sheet: _Sheet, required: tuple[str, ...]) -> list[tuple[int, int, str, int | None]]:
    """The header's columns as (position in a row, column, name, year), every required one present."""
    out, seen = [], {}
    for j, (col, text) in enumerate(sheet.header):
        at = Span(sheet.file, sheet.header_line, col, max(len(text), 1))
        if not text.strip():
            if any(j < len(cells) and str(cells[j][1] or "").strip() for _, cells in sheet.rows):
                raise _problem("E706", f"column {j + 1} has values but no name", at,
                               "name it in the first row: a fact, or fact[YEAR] for a yearly figure")
            continue
        m = HEADER.match(text)
        if not m:
            raise _problem("E706", f"column '{text}' is not a name or name[YEAR]", at,
                           "write a fact's name (district), or a yearly figure's name and year (industrial_output[2025])")
        name, year = m.group(1), int(m.group(2)) if m.group(2) else None
        if (name, year) in seen:
            raise DiagnosticError(Diagnostic("error", "E706", f"column '{text}' is given twice", at, "give each column once",
                                             ((seen[(name, year)], "first given here"),)))
        seen[(name, year)] = at
        out.append((j, col, name, year))
    for name in required:
        if (name, None) not in seen:
            raise _problem("E707", f"'{sheet.file}' has no column '{name}'", Span(sheet.file, sheet.header_line, 1),
                           did_you_mean(name, [n for n, _ in seen]) or f"its first row names the columns: {', '.join(required)}, "
                           "then facts")
    return out


def _cell(value, info: FactInfo | None):
    """A cell -> the profile's value: text is trimmed, an empty cell is no value; words and
    digits become the booleans and counts the fact's type asks for. What stays wrong is left for
    the profile's reader to refuse, at the cell."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value.isoformat()
    t = info.type if info else ""
    if isinstance(value, float) and value.is_integer() and t in ("money", "count", "year"):
        value = int(value)
    if t == "bool" and isinstance(value, str):
        low = value.lower()
        value = True if low in TRUE else False if low in FALSE else value
    elif t in ("count", "year") and isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    elif t == "date" and isinstance(value, dt.date):
        value = value.isoformat()
    elif t not in ("money", "count", "year", "bool", "date") and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value)) if float(value).is_integer() else str(value)  # an id or a name typed as a number
    return value


def _years_cell(value):
    """years: 2025, 2024-2027, or 2025,2026 (a list)."""
    if isinstance(value, str) and "," in value:
        parts = [p.strip() for p in value.split(",")]
        return [int(p) if p.isascii() and p.isdigit() else p for p in parts]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return value


def _mapping(line: int, col: int):
    from ruamel.yaml.comments import CommentedMap
    m = CommentedMap()
    m._yaml_set_line_col(line - 1, col - 1)
    return m


def _put(m, key, value, key_at: tuple[int, int], value_at: tuple[int, int]) -> None:
    """m[key] = value, remembering where the key (its column's header) and the value (its cell) are."""
    m[key] = value
    m.lc.add_kv_line_col(key, [key_at[0] - 1, key_at[1] - 1, value_at[0] - 1, value_at[1] - 1])


def _row_values(sheet: _Sheet, line: int, cells, columns, infos, shift: int = 0):
    """(name, year, value, header position, cell position) of each non-empty cell of a row."""
    for j, col, name, year in columns:
        if j >= len(cells):
            continue
        value = _cell(cells[j][1], infos(name))
        if value is not None:
            yield name, year, value, (sheet.header_line + shift, col), (line + shift, cells[j][0])


def _fill(m, values) -> None:
    """Put each value in m; name[YEAR] values gather into a yearly mapping."""
    for name, year, value, key_at, value_at in values:
        if year is None:
            _put(m, name, value, key_at, value_at)
            continue
        if name not in m or not hasattr(m[name], "lc"):
            _put(m, name, _mapping(*value_at), key_at, value_at)
        _put(m[name], year, value, key_at, value_at)


def _sheets(path: Path, main: _Sheet, items: _Sheet | None, vocab: Vocab, options: Options) -> list[Task]:
    """One profile per row of the enterprises sheet: `enterprise` (its name, which the items
    sheet's rows name too), `years`, then one column per fact (fact[YEAR] for a yearly figure);
    the items sheet: `enterprise`, `id`, `kind`, then the item's fields (field[YEAR] yearly)."""
    from ruamel.yaml.comments import CommentedSeq
    columns = _columns(main, ("enterprise",))
    by_name: dict[str, tuple[int, Span]] = {}
    docs = []
    for line, cells in main.rows:
        values = list(_row_values(main, line, cells, columns, lambda n: vocab.facts.get(n)))
        named = {n: (v, key_at, at) for n, y, v, key_at, at in values if y is None and n in ("enterprise", "years")}
        if "enterprise" not in named:
            raise _problem("E708", f"row {line} names no enterprise", Span(main.file, line, 1),
                           "give every row its enterprise's name in the column 'enterprise'")
        name, at = str(named["enterprise"][0]), Span(main.file, line, named["enterprise"][2][1])
        if name in by_name:
            raise DiagnosticError(Diagnostic("error", "E708", f"enterprise '{name}' has two rows", at,
                                             "give each enterprise one row (its items go in the items sheet)",
                                             ((by_name[name][1], "first row here"),)))
        by_name[name] = (len(docs), at)
        doc = _mapping(line, 1)
        _put(doc, "enterprise", name, *named["enterprise"][1:])
        if "years" in named:
            _put(doc, "years", _years_cell(named["years"][0]), *named["years"][1:])
        facts = _mapping(line, 1)
        _fill(facts, [v for v in values if v[0] not in ("enterprise", "years")])
        _put(doc, "facts", facts, (main.header_line, 1), (line, 1))
        doc["items"] = CommentedSeq()
        docs.append((line, doc, cells))
    if items is not None:
        _sheet_items(items, docs, by_name, vocab)
    tasks = []
    for n, (line, doc, cells) in enumerate(docs):
        content = json.dumps([[h for _, h in main.header], [str(v) for _, v in cells], _plain(doc["items"])],
                             ensure_ascii=False, default=str)  # the header too: a renamed column is new input
        tasks.append(Task(n, f"{main.file}:{line}", _key(options, content), doc, str(doc["enterprise"]), main.file,
                          items_file=items.file if items else "", row=line))
    return tasks


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _sheet_items(sheet: _Sheet, docs, by_name, vocab: Vocab) -> None:
    """Each row of the items sheet, as an item of the enterprise it names."""
    columns = _columns(sheet, ("enterprise", "id", "kind"))
    for line, cells in sheet.rows:
        kind = next((_cell(cells[j][1], None) for j, _, n, y in columns if n == "kind" and y is None and j < len(cells)), None)
        fields = vocab.kinds[kind].fields if isinstance(kind, str) and kind in vocab.kinds else {}

        def info(name: str) -> FactInfo | None:
            return fields.get(name) or (FactInfo(name, "date", False, "", Span("", 1, 1)) if name == "date" else None)
        values = list(_row_values(sheet, line, cells, columns, info, OFFSET))
        owner = next((v for n, y, v, _, _ in values if n == "enterprise" and y is None), None)
        if owner is None or str(owner) not in by_name:
            at = Span(sheet.file, line, 1)
            raise _problem("E709", f"item row {line} names {'no enterprise' if owner is None else f'enterprise {owner!r}, which has no row'}",
                           at, did_you_mean(str(owner), by_name) or "name an enterprise of the enterprises sheet")
        doc = docs[by_name[str(owner)][0]][1]
        item = _mapping(line + OFFSET, 1)
        for name, year, value, key_at, value_at in values:
            if name == "enterprise":
                continue
            if name == "years" and year is None:
                value = _years_cell(value)
            _fill(item, [(name, year, value, key_at, value_at)])
        seq = doc["items"]
        seq.append(item)
        seq.lc.add_kv_line_col(len(seq) - 1, [line + OFFSET - 1, 0])


# --------------------------------------------------------------------------------------- solving

def run_one(ruleset: Ruleset, options: Options, task: Task) -> str:
    """One enterprise -> its journal line (JSON, no newline). Never raises: a bad profile is a
    `bad_input` line with its located messages, a bug an `error` line."""
    from .optimize import PlanError
    record: dict = {"index": task.index, "source": task.source, "key": task.key}
    try:
        if task.broken is not None:
            raise DiagnosticError(task.broken)
        with i18n.use(options.lang):
            doc = _optimize(ruleset, options, task).to_json()
        record |= {"enterprise": doc["enterprise"], "status": doc["status"], "result": doc}
    except DiagnosticError as err:
        record |= _refused(task, [_relocated(d, task) for d in err.diagnostics])
    except PlanError as err:  # the profile contradicts the rules (as optimize's E400)
        record |= _refused(task, [Diagnostic("error", "E400", str(err), None)])
    except RecursionError:
        record |= _refused(task, [Diagnostic("error", "E205", "the input is nested too deeply to read", None)])
    except Exception as err:  # a bug of ours: that enterprise's line says so; the batch goes on
        record |= {"enterprise": task.name, "status": "error",
                   "message": f"internal error: {type(err).__name__}: {err} (a bug in subsidy-solver)"}
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _optimize(ruleset: Ruleset, options: Options, task: Task):
    from . import pipeline
    deadline = None if options.timeout is None else time.perf_counter() + options.timeout

    def solve(profile):
        return pipeline.optimize_with(ruleset, profile, options.years, options.include_drafts, deadline, None,
                                      list(options.readings), options.with_range)
    try:
        return solve(task.profile)
    except DiagnosticError:
        if task.text is None:
            raise
        located = _with_positions(task.text)  # the JSONL line again, read keeping positions
        if located is None:
            raise
        return solve(located)


def _with_positions(text: str):
    from ruamel.yaml import YAML
    try:
        doc = YAML(typ="rt").load(text)
    except Exception:  # the reader that keeps positions refuses what json took: keep json's message
        return None
    return doc if isinstance(doc, dict) else None


def _relocated(d: Diagnostic, task: Task) -> Diagnostic:
    """A diagnostic at <profile> (a mapping's positions) pointed back at the input's line."""
    def place(span: Span | None) -> Span | None:
        if span is None or span.file != "<profile>" or not task.file:
            return span
        if task.line:  # JSONL: the mapping is one line
            return Span(task.file, task.line + span.line - 1, span.column, span.length)
        if (span.line, span.column) == (1, 1) and task.row:  # the profile as a whole (e.g. it gives no year): its row
            return Span(task.file, task.row, 1, span.length)
        if span.line > OFFSET and task.items_file:
            return Span(task.items_file, span.line - OFFSET, span.column, span.length)
        return Span(task.file, span.line, span.column, span.length)
    return msgspec.structs.replace(d, span=place(d.span), labels=tuple((place(s), t) for s, t in d.labels))


def _refused(task: Task, diagnostics: list[Diagnostic]) -> dict:
    return {"enterprise": task.name, "status": "bad_input", "message": message(diagnostics),
            "diagnostics": [d.as_dict() for d in diagnostics]}


def message(diagnostics: list[Diagnostic]) -> str:
    """The diagnostics on one line each: FILE:LINE:COL: error[CODE]: message (help)."""
    from .table import clean
    out = []
    for d in diagnostics:
        where = f"{d.span}: " if d.span else ""
        out.append(clean(f"{where}{d.severity}[{d.code}]: {d.message}" + (f" (help: {d.help})" if d.help else "")))
    return "\n".join(out)


_WORKER: tuple[Ruleset, Options] | None = None


def _init_worker(blob: bytes, options: Options) -> None:
    """A pool worker's start: the checked rules decoded once (msgpack, as the rules cache keeps them)."""
    global _WORKER
    _WORKER = (msgspec.msgpack.decode(blob, type=Ruleset), options)


def _work(task: Task) -> tuple[int, str]:
    assert _WORKER is not None
    return task.index, run_one(*_WORKER, task)


_DASK_RULES: list = []  # [blob, ruleset]: a Dask worker decodes the scattered rules once


def _on_dask(blob: bytes, options: Options, task: Task) -> tuple[int, str]:
    if not _DASK_RULES or (_DASK_RULES[0] is not blob and _DASK_RULES[0] != blob):
        _DASK_RULES[:] = [blob, msgspec.msgpack.decode(blob, type=Ruleset)]
    return task.index, run_one(_DASK_RULES[1], options, task)


def _local(tasks: list[Task], ruleset: Ruleset, blob: bytes, options: Options, jobs: int):
    """(index, line) of each task as it completes: in this process for one job, else a pool of
    `jobs` processes (spawned: Z3 is not safe across fork), WINDOW tasks in flight per process."""
    if jobs == 1 or len(tasks) == 1:
        for task in tasks:
            yield task.index, run_one(ruleset, options, task)
        return
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    queue = iter(tasks)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_init_worker, initargs=(blob, options)) as pool:
        pending = {pool.submit(_work, task) for task in itertools.islice(queue, jobs * WINDOW)}
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield future.result()
                    pending |= {pool.submit(_work, task) for task in itertools.islice(queue, 1)}
        finally:
            for future in pending:
                future.cancel()


def _dask(tasks: list[Task], blob: bytes, options: Options, address: str):
    """(index, line) of each task as it completes on the Dask cluster at `address`."""
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise _problem("E710", "--cluster needs Dask", None, "pip install 'subsidy-solver[cluster]'") from None
    try:
        client = Client(address, timeout=CONNECT)
    except (OSError, TimeoutError, ValueError) as err:
        raise _problem("E711", f"cannot reach the Dask scheduler at '{address}': {err}", None,
                       "give the scheduler's address, e.g. tcp://10.0.0.5:8786 (`dask scheduler` prints it)") from None
    queue = iter(tasks)
    with client:
        rules = client.scatter(blob, broadcast=True)
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        running = as_completed([client.submit(_on_dask, rules, options, task, pure=False)
                                for task in itertools.islice(queue, workers * WINDOW)])
        for future in running:
            yield future.result()
            future.release()
            for task in itertools.islice(queue, 1):
                running.add(client.submit(_on_dask, rules, options, task, pure=False))


# ---------------------------------------------------------------------------------------- output

def run(input_path: str, out: str, options: Options = Options(), rules: list[str] | None = None,
        jobs: int | None = None, resume: bool = False, cluster: str | None = None, progress: bool = False,
        bundled: bool = True) -> Summary:
    """The whole batch: every enterprise of INPUT solved, the journal written in input order as
    they complete, then the output and the budget report written whole (temporary files renamed
    into place)."""
    from . import pipeline
    from .readings import parse_choices
    suffix = Path(out).suffix.lower()
    if suffix not in OUTPUTS:
        raise _problem("E712", f"cannot write '{out}': the output is .csv, .xlsx or .jsonl", None,
                       "e.g. --out results.xlsx")
    if os.path.isdir(out):
        raise _problem("E712", f"--out '{out}' is a folder", None, "name a file")
    written = [out, journal_path(out), budget_path(out)]
    if any(_same(input_path, w) for w in written):
        raise _problem("E712", f"--out '{out}' would overwrite the input '{input_path}'", None,
                       "write the results to another file")
    ruleset = pipeline.load_rules(rules, bundled)
    parse_choices(ruleset, options.readings)  # a wrong --reading stops the batch before any work
    tasks = read_input(input_path, ruleset.vocab, options)
    journal = journal_path(out)
    kept = _resumable(journal, tasks) if resume else 0
    left = tasks[kept:]
    blob = msgspec.msgpack.encode(ruleset)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(left) or 1))
    from tqdm import tqdm
    try:
        f = open(journal, "a" if kept else "w", encoding="utf-8")
    except OSError as err:
        raise _problem("E714", f"cannot write '{journal}': {err.strerror}", None, "give --out a file you can write") from None
    with tqdm(total=len(tasks), initial=kept, disable=not progress, unit="家", desc="企业 enterprises",
              dynamic_ncols=True, leave=True) as bar, f:
        if left:
            done = _dask(left, blob, options, cluster) if cluster else _local(left, ruleset, blob, options, jobs)
            waiting: dict[int, str] = {}
            following = kept
            for index, line in done:  # completions in any order; the journal in input order
                waiting[index] = line
                while following in waiting:
                    f.write(waiting.pop(following) + "\n")
                    f.flush()
                    following += 1
                bar.update(1)
        os.fsync(f.fileno())
    return write_outputs(journal, out, ruleset, options.with_range, kept)


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # b does not exist yet
        return False


def journal_path(out: str) -> str:
    """Where the journal is: the output itself for .jsonl, else NAME.journal.jsonl beside it."""
    p = Path(out)
    return out if p.suffix.lower() == ".jsonl" else str(p.with_name(p.stem + ".journal.jsonl"))


def budget_path(out: str) -> str:
    p = Path(out)
    return str(p.with_name(p.stem + ".budget.csv"))


def _resumable(journal: str, tasks: list[Task]) -> int:
    """How many leading enterprises the journal already holds whole, for this input and these
    options (index and key match); the journal is cut back to them (a line cut short by an
    interruption, or a line of another input, and all after it, go)."""
    try:
        with open(journal, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return 0
    except OSError as err:
        raise _problem("E713", f"cannot read the journal '{journal}' to resume: {err.strerror}") from None
    kept, size = 0, 0
    for line in raw.split(b"\n")[:-1]:  # the last piece has no newline: cut short, or empty
        if kept >= len(tasks):
            break
        try:
            record = json.loads(line)
        except ValueError:
            break
        if not isinstance(record, dict) or record.get("index") != kept or record.get("key") != tasks[kept].key:
            break
        kept += 1
        size += len(line) + 1
    if size != len(raw):
        with open(journal, "r+b") as f:
            f.truncate(size)
    return kept


PAYMENT_COLUMNS = ["序号 index", "来源 source", "企业 enterprise", "状态 status", "企业合计(元) total",
                   "计算部分(元) computed_total", "酌定部分(元) discretionary_total", "上界(元) bound"]
RANGE_COLUMNS = ["保守合计(元) conservative_total", "宽松合计(元) generous_total"]
LINE_COLUMNS = ["政策 policy", "条款 article", "条款部分 clause", "项目 item", "年度 year", "金额(元) amount",
                "类别 kind", "约束 bound_by", "草案 draft", "说明 message"]
BUDGET_COLUMNS = ["政策 policy", "条款 article", "年度 year", "企业数 enterprises", "合计(元) total",
                  "计算部分(元) computed", "酌定部分(元) discretionary"]
ALL = "合计 all"


def _enterprise_cells(r: dict, with_range: bool) -> list:
    res = r.get("result")
    cells = [r["index"] + 1, r["source"], r.get("enterprise", ""), STATUS_ZH.get(r["status"], r["status"])]
    cells += [res["total"], res["computed_total"], res["discretionary_total"], res["bound"]] if res else ["", "", "", ""]
    if with_range:
        rng = (res or {}).get("range") or {}
        cells += [rng.get("conservative", {}).get("total", ""), rng.get("generous", {}).get("total", "")]
    return cells


def payment_rows(r: dict, with_range: bool) -> list[list]:
    """One enterprise's rows: one per payment (an enterprise that is paid nothing, or whose
    profile was refused, has one row with its status and message)."""
    head = _enterprise_cells(r, with_range)
    payments = (r.get("result") or {}).get("payments", [])
    rows = [head + [p["policy"], p["article"], p["clause"], p["item"], p["year"], p["amount"],
                    KIND_ZH.get(p["kind"], p["kind"]), p["bound_by"], "是" if p["draft"] else "", ""]
            for p in payments]
    return rows or [head + [""] * (len(LINE_COLUMNS) - 1) + [r.get("message", "")]]


class Budget:
    """Per policy and article, per year and over all years: how many enterprises it pays and
    how much, computed and discretionary; then per policy, then the whole batch (with
    --readings, the batch's totals under the most conservative and the most generous
    readings). Fed one enterprise at a time, so a batch is never held in memory whole."""

    def __init__(self) -> None:
        self.sums: dict[tuple, list] = {}  # (policy, article, year) -> [enterprises, total, computed, discretionary]
        self.low = self.high = 0
        self.statuses: dict[str, int] = {}
        self.count = self.total = 0

    def add(self, r: dict) -> None:
        self.count += 1
        self.statuses[r["status"]] = self.statuses.get(r["status"], 0) + 1
        result = r.get("result") or {}
        self.total += result.get("total", 0)
        if result.get("range"):
            self.low += result["range"]["conservative"]["total"]
            self.high += result["range"]["generous"]["total"]
        for p in result.get("payments", []):
            for key in ((p["policy"], p["article"], p["year"]), (p["policy"], p["article"], ALL),
                        (p["policy"], ALL, ALL), (ALL, ALL, ALL)):
                s = self.sums.setdefault(key, [set(), 0, 0, 0])
                s[0].add(r["index"])
                s[1] += p["amount"]
                s[2 if p["kind"] == "computed" else 3] += p["amount"]

    def rows(self, ruleset: Ruleset, with_range: bool) -> list[list]:
        rank: dict[tuple[str, str], int] = {}
        for c in ruleset.clauses:
            rank[(c.policy, c.article)] = min(rank.get((c.policy, c.article), c.order), c.order)
        policy_rank = {p: n for n, p in enumerate(ruleset.policies)}

        def order(key: tuple) -> tuple:
            policy, article, year = key
            return (policy == ALL, policy_rank.get(policy, len(policy_rank)), policy, article == ALL,
                    rank.get((policy, article), 1 << 30), article, year == ALL, str(year))
        rows = [list(key) + [len(s[0]), s[1], s[2], s[3]] + (["", ""] if with_range else [])
                for key, s in sorted(self.sums.items(), key=lambda kv: order(kv[0]))]
        if with_range:
            if not rows or rows[-1][0] != ALL:
                rows.append([ALL, ALL, ALL, 0, 0, 0, 0, "", ""])
            rows[-1][-2:] = [self.low, self.high]
        return rows


def write_outputs(journal: str, out: str, ruleset: Ruleset, with_range: bool, resumed: int = 0) -> Summary:
    """The output file (and, for .csv and .jsonl, the budget report beside it) from the journal,
    read one line at a time; each file written whole or not at all. The journal of a .jsonl
    output is the output itself."""
    head = PAYMENT_COLUMNS + (RANGE_COLUMNS if with_range else []) + LINE_COLUMNS
    budget_head = BUDGET_COLUMNS + (RANGE_COLUMNS if with_range else [])
    budget = Budget()

    def records():
        with open(journal, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                budget.add(r)
                yield r
    suffix = Path(out).suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import Workbook

        def workbook(path: str) -> None:
            book = Workbook(write_only=True)  # rows streamed to disk, not held
            lines, firms = book.create_sheet("支付明细 payments"), book.create_sheet("企业 enterprises")
            lines.append(head)
            firms.append(PAYMENT_COLUMNS + (RANGE_COLUMNS if with_range else []) + ["说明 message"])
            for r in records():
                for row in payment_rows(r, with_range):
                    lines.append(row)
                firms.append(_enterprise_cells(r, with_range) + [r.get("message", "")])
            sheet = book.create_sheet("预算 budget")
            for row in [budget_head] + budget.rows(ruleset, with_range):
                sheet.append(row)
            book.save(path)
        _atomic(out, workbook)
        files = [out, journal]
    else:
        if suffix == ".csv":
            _atomic(out, lambda path: _csv_write(path, head, (row for r in records() for row in payment_rows(r, with_range))))
        else:
            for _ in records():
                pass
        _atomic(budget_path(out), lambda path: _csv_write(path, budget_head, budget.rows(ruleset, with_range)))
        files = [out, budget_path(out)] + ([journal] if suffix == ".csv" else [])
    return Summary(budget.count, budget.statuses, budget.total, resumed, tuple(files))


def _csv_write(path: str, head: list[str], rows) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:  # the BOM: Excel then reads UTF-8
        writer = csv.writer(f)
        writer.writerow(head)
        writer.writerows(rows)


def _atomic(out: str, write) -> None:
    """write(path) into a temporary file beside `out`, then renamed onto it."""
    folder = os.path.dirname(os.path.abspath(out))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".batch-", suffix=Path(out).suffix)
        os.close(fd)
        write(tmp)
        os.replace(tmp, out)
    except OSError as err:
        raise _problem("E714", f"cannot write '{out}': {err.strerror}", None, "give --out a file you can write") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
