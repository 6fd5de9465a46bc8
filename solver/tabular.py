"""Ledgers as auditors have them, plans and audits as Excel opens them.

Reading: a CSV ledger in UTF-8 (with or without Excel's BOM), UTF-16 ("Unicode text", tab
separated) or GBK/GB18030 (Excel's CSV on Chinese Windows), any line ending; or an .xlsx
workbook (openpyxl, the first sheet or a named one, formulas' saved values). English or Chinese
headers (政策/条款/项目/年度/金额, 金额（元）, 金额（万元）…), thousands separators, full-width
digits; money becomes whole 元 or a located error, never a float. Every message names the
spreadsheet's row (the header is row 1 when it is the first line) and, for a workbook, the
sheet and cell (`Sheet1!E7`).

Writing: `plan_csv`/`plan_xlsx` and `audit_csv`/`audit_xlsx` return the file's content; `save`
writes it whole or not at all, never through a link and never over a file this program did
not write.
"""
from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
import zipfile
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from msgspec import Struct

from .diagnostics import Collector, Diagnostic, DiagnosticError, Span, did_you_mean
from .values import MONEY_LIMIT, ValueProblem, fmt_value, number, parse_money, shown

LEDGER_KEYS = ("policy", "article", "item", "year", "amount")
#: Header names of each ledger column, compared after NFKC (full-width letters and brackets
#: become half-width), without spaces, in lower case.
COLUMNS = {
    "policy": ("policy", "政策", "政策编号", "政策id", "政策代码"),
    "article": ("article", "条款", "条", "条文", "条目"),
    "clause": ("clause", "条款键", "子条款"),
    "item": ("item", "项目", "事项", "支持对象", "对象"),
    "year": ("year", "年度", "年份", "年"),
    "amount": ("amount", "金额", "拨付金额", "补贴金额", "资助金额", "奖励金额", "支持金额", "资金", "拨付资金"),
}
_NAME_OF = {name: key for key, names in COLUMNS.items() for name in names}
#: Units an amount column may name (金额（万元）) or `--unit` may give.
UNITS = {"元": 1, "人民币元": 1, "yuan": 1, "万元": 10_000, "万": 10_000}
#: A row whose name cells read one of these is a total line: it is checked, not paid.
TOTAL_WORDS = {"合计", "总计", "小计", "total", "sum", "合计金额"}
#: Rows before the header a sheet may have (a title line, a blank line); rows read at most.
HEADER_SCAN, MAX_ROWS, MAX_COLUMNS = 10, 100_000, 64
#: What a workbook may unpack to (its zip's stated sizes): a 5 MB zip could otherwise stand for
#: gigabytes of XML.
MAX_UNPACKED = 200_000_000
#: Below this (1万元) every bare amount of a ledger is a sign its column is in 万元.
WAN = 10_000
XLSX_MAGIC = b"PK\x03\x04"
CREATOR = "subsidy-solver"  # written into our workbooks: `save` overwrites only its own files


class Ledger(Struct, frozen=True):
    """What `read` found: the rows (dicts as audit.resolve_lines reads them) and whether a unit
    was stated for the bare amounts (the header or `--unit`): if not, the 万元 check applies."""

    rows: list[dict]
    unit_given: bool


# ---- reading --------------------------------------------------------------------------------
def is_tabular(path: str, raw: bytes) -> bool:
    """A CSV or workbook by its name (.csv, .tsv, .xlsx, .xlsm, .xls) or its first bytes (a zip:
    a workbook saved under another name; a UTF-16 BOM: Excel's "Unicode text", saved as .txt)."""
    suffix = path.lower().rsplit(".", 1)[-1] if "." in path else ""
    return suffix in ("csv", "tsv", "xlsx", "xlsm", "xls") or raw.startswith((XLSX_MAGIC, b"\xff\xfe", b"\xfe\xff"))


def read(path: str, raw: bytes, unit: str | None = None, sheet: str | None = None) -> Ledger:
    """A CSV or .xlsx ledger's rows, each with `_span`, `_row` (the spreadsheet's row), `_label`
    and `_cells` (key -> (Span, cell name)) for located messages; amounts already whole 元."""
    if unit is not None and unit not in UNITS:
        raise DiagnosticError(Diagnostic("error", "E516", f"unknown unit '{unit}'", None, "give --unit 元 or --unit 万元"))
    if path.lower().endswith(".xls") and not raw.startswith(XLSX_MAGIC):
        raise DiagnosticError(Diagnostic("error", "E510", f"'{path}' is an Excel 97-2003 workbook (.xls), which is not read",
                                         Span(path, 1, 1), "in Excel: 文件 → 另存为 → Excel 工作簿 (*.xlsx), or CSV UTF-8"))
    if raw.startswith(XLSX_MAGIC):
        grid, name, formulas = _xlsx_grid(path, raw, sheet)
        return _rows(path, grid, unit, name, formulas)
    if sheet is not None:
        raise DiagnosticError(Diagnostic("error", "E511", "--sheet names a sheet of an .xlsx workbook; this ledger is CSV",
                                         None, "leave --sheet out for a CSV ledger"))
    return _rows(path, _csv_grid(path, raw), unit, None)


def _decode(path: str, raw: bytes) -> str:
    """UTF-8 (Excel's "CSV UTF-8" starts with a BOM), UTF-16 with its BOM (Excel's "Unicode
    text"), else GB18030 (a superset of GBK, Excel's CSV on Chinese Windows)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as first:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            line = raw[:first.start].count(b"\n") + 1
            raise DiagnosticError(Diagnostic(
                "error", "E500", f"cannot read ledger '{path}': neither UTF-8 nor GBK/GB18030 text "
                f"(byte 0x{raw[first.start]:02x} at line {line})", Span(path, line, 1),
                "save it from Excel as CSV UTF-8 (逗号分隔) or as an .xlsx workbook")) from None


def _csv_grid(path: str, raw: bytes) -> list[tuple[int, int, list, str | None]]:
    """(spreadsheet row, physical line where the record starts, cells, the line's text when the
    record is one line without quotes) for every record; a blank line is a row, as in Excel."""
    text = _decode(path, raw)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines = text.splitlines()
    grid, started, row = [], 1, 0
    try:
        for cells in reader:
            row += 1
            if row > MAX_ROWS:
                raise DiagnosticError(Diagnostic("error", "E519", f"the ledger has more than {MAX_ROWS} rows",
                                                 Span(path, started, 1), "split it into several ledgers"))
            one_line = reader.line_num == started and started <= len(lines) and '"' not in lines[started - 1]
            grid.append((row, started, cells, lines[started - 1] if one_line else None))
            started = reader.line_num + 1
    except csv.Error as err:
        raise DiagnosticError(Diagnostic("error", "E509", f"the CSV cannot be read at line {reader.line_num}: {err}",
                                         Span(path, max(reader.line_num, 1), 1),
                                         "a quote left open? every \" that opens a field closes it")) from None
    return grid


def _unreadable(path: str, err: Exception) -> DiagnosticError:
    return DiagnosticError(Diagnostic("error", "E510", f"'{path}' is not a readable .xlsx workbook "
                                      f"({type(err).__name__}: {shown(str(err), 80)})", Span(path, 1, 1),
                                      "save it from Excel as an .xlsx workbook or as CSV UTF-8"))


def _xlsx_grid(path: str, raw: bytes, sheet: str | None):
    import warnings

    from openpyxl import load_workbook
    try:  # a workbook is a zip: what it unpacks to is bounded before anything is unpacked
        unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(raw)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        raise _unreadable(path, err) from None
    if unpacked > MAX_UNPACKED:
        raise DiagnosticError(Diagnostic("error", "E519", f"the workbook unpacks to {unpacked:,} bytes, more than "
                                         f"any ledger ({MAX_UNPACKED:,} at most)", Span(path, 1, 1),
                                         "save the ledger's sheet alone, as .xlsx or CSV"))
    try:
        with warnings.catch_warnings():  # "Workbook contains no default style": nothing for the user
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as err:  # a damaged or foreign zip: openpyxl raises many kinds
        raise _unreadable(path, err) from None
    names = book.sheetnames
    if sheet is None:
        ws = book.worksheets[0]
    elif sheet in names:
        ws = book[sheet]
    else:
        raise DiagnosticError(Diagnostic("error", "E511", f"the workbook has no sheet '{sheet}'", Span(path, 1, 1),
                                         did_you_mean(sheet, names) or f"its sheets: {', '.join(names)}"))
    if not hasattr(ws, "iter_rows"):  # a chart sheet
        raise DiagnosticError(Diagnostic("error", "E511", f"sheet '{ws.title}' is a chart, not a table", Span(path, 1, 1),
                                         f"name a sheet of rows with --sheet: {', '.join(names)}"))
    ws.reset_dimensions()  # a workbook's stated size may be wrong; read what is there
    grid = []
    try:
        for row, cells in enumerate(ws.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), 1):
            if row > MAX_ROWS:
                raise DiagnosticError(Diagnostic("error", "E519", f"sheet '{ws.title}' has more than {MAX_ROWS} rows",
                                                 Span(path, row, 1), "split it into several ledgers"))
            grid.append((row, row, list(cells), None))
    except DiagnosticError:
        raise
    except Exception as err:  # a cell openpyxl cannot read (a number of 5000 digits, broken XML)
        raise _unreadable(path, err) from None
    book.close()
    return grid, ws.title, _Formulas(raw, ws.title)


class _Formulas:
    """The formulas of a sheet, read only when a cell has no value: a formula whose result was
    never saved (a workbook written by a program, not by Excel) reads as empty."""

    def __init__(self, raw: bytes, title: str):
        self.raw, self.title, self.cells = raw, title, None

    def at(self, row: int, column: int):
        if self.cells is None:
            from openpyxl import load_workbook
            self.cells = {}
            try:  # read once already: only a failure of this second reading is left, and it tells nothing
                ws = load_workbook(io.BytesIO(self.raw), read_only=True)[self.title]
                ws.reset_dimensions()
                for r, cells in enumerate(ws.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), 1):
                    self.cells.update({(r, c): v for c, v in enumerate(cells, 1)
                                       if isinstance(v, str) and v.startswith("=")})
                    if r >= MAX_ROWS:
                        break
            except Exception:  # noqa: BLE001
                pass
        return self.cells.get((row, column))


def _norm(value) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def _header_key(cell) -> tuple[str | None, str | None]:
    """('amount', '万元') for 金额（万元）; ('clause', None) for `条款键 clause` (a Chinese name with
    its English gloss, as our own files write it); (None, None) for a column not read."""
    words = _norm(cell or "").lower().split()
    found = _named("".join(words))
    if found[0] is None and len(words) > 1 and re.fullmatch(r"[a-z ]+", " ".join(words[1:])):
        return _named(words[0])
    return found


def _named(text: str) -> tuple[str | None, str | None]:
    if text in _NAME_OF:
        return _NAME_OF[text], None
    if len(text) > 2 * max(map(len, _NAME_OF)) + 10:  # longer than a name and its unit: and the match below
        return None, None                             # is quadratic in the number of '(' (20,000: 6 s)
    m = re.fullmatch(r"(.+?)(?:\((.*)\)|/(.+)|(万元|元))", text)
    if m and m.group(1) in _NAME_OF:
        return _NAME_OF[m.group(1)], next(g for g in m.groups()[1:] if g is not None)
    return None, None


def _letter(column: int) -> str:
    """1 -> A, 27 -> AA: the column as Excel names it (openpyxl is not imported for a CSV)."""
    name = ""
    while column:
        column, rest = divmod(column - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _rows(path: str, grid, unit: str | None, sheet: str | None, formulas: _Formulas | None = None) -> Ledger:
    """The ledger's rows from a grid of (row, line, cells, the line's text): the header found,
    each cell read, each mistake collected with its place."""
    diag = Collector()
    kind = "CSV" if sheet is None else f"sheet '{sheet}'"

    def cell_name(row: int, column: int, header: str) -> str:
        return (f"{sheet}!{_letter(column)}{row}" if sheet is not None else f"row {row} column {_letter(column)}") \
            + f" ({header})"

    # the header: the first row (of the first HEADER_SCAN) with an amount column, else the first non-empty one
    filled = [x for x in grid[:HEADER_SCAN] if any(_norm(c) for c in x[2] if c is not None)]
    if not filled:
        raise DiagnosticError(Diagnostic("error", "E501", f"the ledger '{path}' is empty: no header row", Span(path, 1, 1),
                                         "the header is policy,article,item,year,amount or 政策,条款,项目,年度,金额"))
    header = next((x for x in filled if "amount" in [_header_key(c)[0] for c in x[2]]), filled[0])
    h_row, h_line, h_cells, _ = header
    columns: dict[str, int] = {}
    titles: dict[str, str] = {}
    header_unit: str | None = None
    for col, cell in enumerate(h_cells, 1):
        key, cell_unit = _header_key(cell)
        if key is None:
            continue
        where = Span(path, h_line, 1) if sheet is None else Span(path, h_row, col)
        if key in columns:
            diag.error("E515", f"the header has two {key} columns: {_letter(columns[key])} ({titles[key]}) and "
                       f"{_letter(col)} ({_norm(cell)})", where, "keep one of them, or rename the other")
            continue
        columns[key], titles[key] = col, _norm(cell)
        if key == "amount" and cell_unit is not None:
            if cell_unit not in UNITS:
                diag.error("E516", f"the amount column's unit '{cell_unit}' is not one the ledger reads", where,
                           "write 金额（元） or 金额（万元）, or give --unit 元|万元")
            elif unit is not None and UNITS[unit] != UNITS[cell_unit]:
                diag.error("E516", f"--unit {unit} contradicts the header '{_norm(cell)}'", where,
                           "drop --unit, or correct the header")
            header_unit = cell_unit
    missing = [k for k in LEDGER_KEYS if k not in columns and not (k == "article" and "clause" in columns)]
    if missing:
        unknown = [_norm(c) for c in h_cells if c is not None and _norm(c) and _header_key(c)[0] is None]
        # the first 20 distinct cells: a header of a million cells took 23 s of did-you-mean
        unknown = list(dict.fromkeys(unknown))[:20]
        hints = list(dict.fromkeys(h for h in (did_you_mean(u, _NAME_OF) for u in unknown) if h))
        diag.error("E501", f"the {kind} header lacks {', '.join(missing)}",
                   Span(path, h_line, 1) if sheet is None else Span(path, h_row, 1),
                   "; ".join(hints) + ("; " if hints else "") +
                   "the header is policy,article,item,year,amount or 政策,条款,项目,年度,金额")
    diag.raise_if_errors()
    scale = UNITS[header_unit or unit or "元"]
    unit_given = (header_unit or unit) is not None
    out: list[dict] = []
    totals: list[tuple[int, Span, str, object]] = []
    for r, line, cells, text in grid:
        if r <= h_row:
            continue
        if sheet is None and len(cells) > len(h_cells) and any(c.strip() for c in cells[len(h_cells):]):
            diag.error("E509", f"row {r} has {len(cells)} fields where the header has {len(h_cells)}",
                       Span(path, line, 1), "a thousands separator without quotes? write \"15,000,000\" or 15000000")
            continue
        value = {k: (cells[c - 1] if c - 1 < len(cells) else None) for k, c in columns.items()}
        if not any(v is not None and _norm(v) for v in cells):
            continue  # a blank row
        names = [_norm(v).lower() for k, v in value.items() if k != "amount" and v is not None]
        names += [_norm(cells[0]).lower()] if cells and cells[0] is not None else []
        if any(n in TOTAL_WORDS for n in names) and _norm(value.get("policy") or "").lower() in TOTAL_WORDS | {""}:
            col = columns["amount"]
            totals.append((r, _span(path, sheet, r, line, col, text, cells), cell_name(r, col, titles["amount"]),
                           value["amount"]))
            continue
        row: dict = {"_span": Span(path, line, 1), "_row": r, "_label": f"row {r}" if sheet is None else f"{sheet} row {r}",
                     "_cells": {}}
        for key, col in columns.items():
            row["_cells"][key] = (_span(path, sheet, r, line, col, text, cells), cell_name(r, col, titles[key]))
            raw = value[key]
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if formulas is not None and (f := formulas.at(r, col)) is not None:
                    diag.error("E517", f"{row['_cells'][key][1]}: the formula {shown(f)} has no saved value",
                               row["_cells"][key][0], "open the workbook in Excel (or LibreOffice) and save it, so "
                               "that its formulas' values are stored")
                    row = None
                    break
                row[key] = None
            elif key == "amount":
                try:
                    row["amount"], bare = _money(raw, scale)
                except ValueProblem as err:  # text that is no amount stays E508, as before; an Excel number
                    # that is not whole 元 is E512, thousands separators out of place E513
                    code = "E512" if isinstance(raw, float) else "E513" if "separators" in str(err) else "E508"
                    diag.error(code, f"{row['_cells'][key][1]}: {err}",
                               row["_cells"][key][0], _money_help(raw, scale))
                    row = None
                    break
                row["_bare"] = bare and not unit_given
            elif key == "year":
                row["year"] = _year(raw)
            else:
                row[key] = _text(raw)
        if row is not None:
            out.append(row)
    if len(totals) == 1 and not diag.errors:  # one total line sums the payment rows; subtotals are passed over
        _, span, name, raw = totals[0]
        try:
            stated = _money(raw, scale)[0] if raw is not None and _norm(raw) else None
        except ValueProblem:
            stated = None  # a total that is no amount states nothing to check
        rows_sum = sum(x["amount"] for x in out if isinstance(x.get("amount"), int))
        if stated is not None and stated != rows_sum:
            diag.error("E518", f"{name}: the total line says {stated:,} 元, the payment rows add up to {rows_sum:,} 元",
                       span, "correct the total or the rows; a ledger whose total disagrees with its lines is not audited")
    diag.raise_if_errors()
    return Ledger(out, unit_given)


def _span(path, sheet, row, line, col, text, cells) -> Span:
    """Where a cell is: its row and column in a workbook; in a CSV, its line, and its column
    where the record is one line without quotes."""
    if sheet is not None:
        return Span(path, row, col)
    if text is not None and col - 1 < len(cells):
        start = sum(len(c) + 1 for c in cells[:col - 1]) + 1
        return Span(path, line, start, max(len(cells[col - 1]), 1))
    return Span(path, line, 1)


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value).strip()


def _year(value):
    """2025, 2025.0, '２０２５', '2025年' -> 2025; anything else is left for the ledger check
    to refuse, located."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = _norm(value)
    return text[:-1] if text.endswith("年") and text[:-1].isdigit() else text


_GROUPED = re.compile(r"(-?)(\d{1,3}(?:,\d{3})+)(\.\d+)?([^\d,.].*)?")


def _money(value, scale: int) -> tuple[int, bool]:
    """A cell's amount in whole 元, and whether it was a bare number (no unit in the cell). An
    Excel number becomes an int only when it is integral; else it is read exactly (Decimal of
    its shortest spelling) and must come to whole 元."""
    if isinstance(value, bool) or isinstance(value, (datetime, date, time)):
        raise ValueProblem(f"{_text(value)} is not an amount of money")
    if isinstance(value, int):
        amount, bare, spelt = Fraction(value) * scale, True, str(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueProblem(f"{value} is not an amount of money")
        spelt = repr(value)
        try:
            amount, bare = Fraction(Decimal(spelt)) * scale, True
        except InvalidOperation:
            raise ValueProblem(f"{spelt} is not an amount of money") from None
        if "e" in spelt.lower():
            spelt = f"{Decimal(spelt):f}"
    else:
        text = _norm(value).replace(" ", "").lstrip("¥")
        if m := _GROUPED.fullmatch(text):
            text = m.group(1) + m.group(2).replace(",", "") + (m.group(3) or "") + (m.group(4) or "")
        elif re.fullmatch(r"-?[\d,]+(\.\d+)?.*", text) and "," in text:
            raise ValueProblem(f"'{shown(str(value))}' has thousands separators out of place (every three digits: 125,000)")
        spelt = text
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            amount, bare = number(text, str(value)) * scale, True
        else:
            amount, bare = Fraction(parse_money(text)), False
    if abs(amount) > MONEY_LIMIT:
        raise ValueProblem(f"{shown(spelt)} is larger than any subsidy figure (limit 10万亿元)")
    if amount.denominator != 1:
        unit = "万元" if scale == 10_000 and bare else "元"
        exact = "" if scale == 1 or not bare else f" ({fmt_value(amount, 'money')})"
        raise ValueProblem(f"{shown(spelt)} {unit} is not a whole number of 元{exact}")
    return int(amount), bare


def _money_help(value, scale: int) -> str:
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            exact = Fraction(Decimal(_norm(value).replace(",", ""))) * scale
        except (InvalidOperation, ValueError):
            exact = None
        if exact is not None and exact.denominator != 1:
            return (f"money is whole 元: the ledger records what was paid, e.g. {int(exact // 1)} if the 角/分 "
                    "were dropped in payment; a figure computed in Excel is exact with =ROUND(…, 0)")
    return "write whole 元 (125000, \"125,000\") or a unit in the cell (12.5万), or name the column's unit: 金额（万元）"


# ---- the 万元 check ----------------------------------------------------------------------------
def scale_warning(g, lines, ledger: Ledger, path: str) -> Diagnostic | None:
    """A warning when a ledger's bare amounts look like 万元 read as 元: every non-zero one is
    under 1万, and for every line a clause can pay, 10,000 times its amount is still within
    the most that clause may pay (the profile's figures, c.most). A 元 ledger of small
    payments is confirmed with --unit 元; nothing is said where a unit was given anywhere."""
    if ledger.unit_given:
        return None
    bare = {r["_row"] for r in ledger.rows if r.get("_bare")}
    mine = [ln for ln in lines if ln.number in bare and ln.amount]
    if not mine or any(ln.amount >= WAN for ln in mine):
        return None
    from .audit import payable
    fits = [(ln, max(c.most for c in options)) for ln, options in zip(mine, payable(g, mine)) if options]
    if not fits or any(ln.amount * WAN > most for ln, most in fits):
        return None
    ln, most = max(fits, key=lambda f: f[1])
    return Diagnostic("warning", "E520", f"every amount of the ledger is under 1万 and read as 元, while the rules allow "
                      f"10,000 times as much (row {ln.number}: {ln.amount:,} 元, up to {most:,} 元): are the amounts in 万元?",
                      ln.span, "name the unit: 金额（万元） in the header, or --unit 万元; --unit 元 confirms they are 元")


# ---- writing ----------------------------------------------------------------------------------
PLAN_HEADER = ("年度", "政策", "政策名称", "条款", "条款键 clause", "项目", "金额（元）", "计算/酌定", "受限于 bound by",
               "所依解读 readings", "备注 note")
NOT_TAKEN_HEADER = ("政策", "政策名称", "条款", "条款键 clause", "项目", "类别 kind", "原因 why")
AUDIT_HEADER = ("行 row", "政策", "条款", "项目", "年度", "金额（元）", "结论 verdict", "违反的规则 rules broken",
                "超出（元） excess")
KINDS = {"computed": "计算", "discretionary": "酌定"}
NOT_TAKEN_KINDS = {"draft": "征求意见稿 draft", "out_of_force": "不在有效期 out of force", "no_item": "无此项目 no item",
                   "missing": "缺少事实 missing fact", "ineligible": "不符合条件 ineligible",
                   "below_minimum": "低于最低额 below minimum", "dominated": "被其他条款取代 dominated",
                   "unproven": "未证明 unproven"}
STATUS = {"optimal": "最优（已证明） optimal", "feasible": "可行（未证明最优） feasible", "unknown": "未知 unknown"}


def _titles(result) -> dict[str, str]:
    return {pid: p["title"] for pid, p in result.policies.items()}


def _payment_rows(result) -> list[list]:
    titles = _titles(result)
    rows = []
    for p in result.payments:
        notes = (["征求意见稿 draft"] if p.draft else []) + \
            (["多年合计，按最早年度列示 one sum over years, earliest-years convention"] if p.year_by_convention else [])
        rows.append([p.year, p.policy, titles.get(p.policy, ""), p.article, p.clause, p.item, p.amount,
                     KINDS.get(p.kind, p.kind) + ("（最高额 up to）" if p.up_to else ""), p.bound_by,
                     "; ".join(p.readings_used), "; ".join(notes)])
    return rows


def _total_row(header: tuple, amount_column: int, total: int) -> list:
    row: list = [""] * len(header)
    row[0], row[amount_column] = "合计", total
    return row


def _csv(header, rows) -> str:
    """CSV text with a BOM (Excel reads UTF-8 only after one), CRLF line ends."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_inert(v) for v in row] for row in rows)
    return out.getvalue()


def _inert(value):
    """A text cell Excel would run as a formula (=, +, -, @ then not a number: a name from a
    user's file) is written with a leading apostrophe, as Excel itself marks text."""
    if isinstance(value, str) and re.match(r"[=+@-](?![\d.])", value):
        return "'" + value
    return value


def plan_csv(result) -> str:
    """The plan's payments with a total line, as CSV text starting with a BOM (encode it as
    UTF-8): Chinese headers, amounts as whole 元."""
    return _csv(PLAN_HEADER, _payment_rows(result) + [_total_row(PLAN_HEADER, 6, result.total)])


def plan_xlsx(result) -> bytes:
    """The plan as an .xlsx workbook: 支付明细 (payments, a total line), 未采用条款 (clauses not
    taken, with why), 说明 (the headline, assumptions, readings in effect, missing facts)."""
    book = _book("plan")
    titles = _titles(result)
    _sheet(book, "支付明细 payments", PLAN_HEADER, _payment_rows(result),
           total=_total_row(PLAN_HEADER, 6, result.total), money=(7,))
    _sheet(book, "未采用条款 not taken", NOT_TAKEN_HEADER,
           [[n.policy, titles.get(n.policy, ""), n.article, n.clause, n.item, NOT_TAKEN_KINDS.get(n.kind, n.kind), n.reason]
            for n in result.not_taken])
    about = [["企业 enterprise", result.enterprise, ""], ["年度 years", ", ".join(map(str, result.years)), ""],
             ["状态 status", STATUS.get(result.status, result.status), ""], ["合计（元） total", result.total, ""],
             ["其中计算（元） computed", result.computed_total, "按条文公式计算"],
             ["其中酌定（元） discretionary", result.discretionary_total, "“最高/不超过”，主管部门审核后确定"],
             ["上界（元） bound", result.bound, "已证明的上界 proven upper bound"]]
    about += [["假设 assumption", a, ""] for a in result.assumptions]
    about += [["所依解读 reading", f"{k} = {a}", "默认 default" if d else "--reading 选定 chosen"]
              for k, a, d in result.readings_in_effect]
    about += [["缺少的事实 missing fact", f"{f}（{d}）", "、".join(arts) + (f"；单笔最高 {most:,} 元" if most else "")]
              for f, d, arts, most in result.missing_facts]
    _sheet(book, "说明 notes", ("项 what", "内容 value", "说明 note"), about, money=(2,))
    return _save_book(book)


def _line_rows(verdict) -> list[list]:
    broken: dict[int, list] = {}
    for f in verdict.violated:
        for n in f.lines:
            broken.setdefault(n, []).append(f)
    word = "未定 unknown" if verdict.unknown else "通过 pass" if verdict.passed else None
    rows = []
    for ln in verdict.lines:
        mine = broken.get(ln.number, [])
        rows.append([ln.number, ln.policy, ln.article, ln.item, ln.year, ln.amount,
                     word or ("违规 fail" if mine else "—"), "; ".join(f.rule for f in mine),
                     sum(f.excess for f in mine if f.excess) if mine else ""])
    return rows


def audit_csv(verdict) -> str:
    """The ledger's lines, each with the rules it breaks and by how much, a total line; CSV
    text starting with a BOM."""
    total = sum(ln.amount for ln in verdict.lines)
    return _csv(AUDIT_HEADER, _line_rows(verdict) + [_total_row(AUDIT_HEADER, 5, total)])


def audit_xlsx(verdict) -> bytes:
    """The audit as an .xlsx workbook: 结论 (verdict), 台账 (the lines), 违规 (violations: rule,
    article, excess), 已查规则 (on PASS: every rule with its slack)."""
    book = _book("audit")
    head = "未定 UNKNOWN" if verdict.unknown else "通过 PASS" if verdict.passed else "违规 FAIL"
    summary = [["结论 verdict", head], ["台账行数 lines", len(verdict.lines)],
               ["台账合计（元） total", sum(ln.amount for ln in verdict.lines)],
               ["违反的规则 rules broken", len(verdict.violated)], ["已查规则 rules checked", len(verdict.checked)]]
    if verdict.discretionary:
        summary.append(["酌定行 discretionary lines", ", ".join(map(str, verdict.discretionary))])
    summary += [["提醒 warning", f"[{d.code}] {d.message}"] for d in getattr(verdict, "warnings", ())]
    _sheet(book, "结论 verdict", ("项 what", "内容 value"), summary, money=(2,))
    _sheet(book, "台账 ledger", AUDIT_HEADER, _line_rows(verdict),
           total=_total_row(AUDIT_HEADER, 5, sum(ln.amount for ln in verdict.lines)), money=(6, 9))
    rule_header = ("规则 rule", "政策", "条款", "涉及行 lines", "超出（元） excess", "余量（元） slack", "条文 text")
    rows = [[f.rule, f.policy, f.article, ", ".join(map(str, f.lines)), f.excess, f.slack, f.article_text]
            for f in verdict.violated]
    _sheet(book, "违规 violations", rule_header, rows, money=(5, 6))
    rows = [[f.rule, f.policy, f.article, ", ".join(map(str, f.lines)), f.excess, f.slack, f.article_text]
            for f in verdict.checked]
    _sheet(book, "已查规则 checked", rule_header, rows, money=(5, 6))
    return _save_book(book)


def _book(kind: str):
    from openpyxl import Workbook
    book = Workbook()
    book.remove(book.active)
    book.properties.creator = CREATOR
    book.properties.subject = kind  # `save` overwrites a workbook only of its own kind
    book.properties.title = {"plan": "补贴方案 subsidy plan", "audit": "台账审计 ledger audit"}[kind]
    return book


def _sheet(book, title: str, header: tuple, rows: list[list], total: list | None = None, money: tuple = ()) -> None:
    """One sheet: a bold frozen header, integer 元 cells shown with thousands separators."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    ws = book.create_sheet(title[:31])
    ws.append(list(header))
    for r, row in enumerate(rows + ([total] if total is not None else []), 2):
        for c, value in enumerate(row, 1):
            if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):  # a control character from a
                value = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)  # user's file, shown
            cell = ws.cell(r, c, value)
            if isinstance(value, str) and value.startswith("="):  # a name or reason, never a formula
                cell.data_type = "s"
    if total is not None:
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for col in money:
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            if isinstance(cell.value, int):
                cell.number_format = "#,##0"
    for col, name in enumerate(header, 1):
        longest = max([_width(name)] + [_width(r[col - 1]) for r in rows[:500] if col - 1 < len(r)])
        ws.column_dimensions[_letter(col)].width = min(max(longest + 2, 8), 60)


def _width(value) -> int:
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text[:80])


def _save_book(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _written_by_us(path: str, kind: str, suffix: str) -> bool:
    """Whether an existing file is one this program wrote for the same command: a workbook
    whose properties name us and the kind; a CSV starting with our header (after the BOM)."""
    try:
        if suffix == "xlsx":
            with zipfile.ZipFile(path) as z:
                core = z.read("docProps/core.xml").decode("utf-8", "replace")
            return f"<dc:creator>{CREATOR}</dc:creator>" in core and f"<dc:subject>{kind}</dc:subject>" in core
        with open(path, "rb") as f:
            head = f.read(4096).decode("utf-8", "replace")
        header = PLAN_HEADER if kind == "plan" else AUDIT_HEADER
        return head.startswith("\ufeff" + ",".join(header) + "\r\n")
    except (OSError, zipfile.BadZipFile, KeyError):
        return False


def save(content: str | bytes, out: str, kind: str, inputs: tuple[str, ...] = ()) -> None:
    """Write a plan's or an audit's CSV (text, written UTF-8 with its BOM) or workbook (bytes)
    to OUT whole or not at all (a temporary file renamed into place), never through a link,
    onto a folder, over an input, or over a file this program did not write for this command."""
    from .pipeline import write_atomic
    suffix = "xlsx" if isinstance(content, bytes) else "csv"
    option = f"--{suffix}"
    if os.path.islink(out) or os.path.isdir(out):
        raise DiagnosticError(Diagnostic("error", "E521", f"{option} '{out}' is a link or a folder", None,
                                         "name a new file"))
    if os.path.exists(out) and not os.path.isfile(out):  # never opened to look: a pipe would block the read
        raise DiagnosticError(Diagnostic("error", "E521", f"{option} '{out}' is not a regular file (a pipe or a "
                                         "device): it is not overwritten", None, "name a new file"))
    if os.path.exists(out):
        same = [p for p in inputs if os.path.exists(p) and os.path.samefile(p, out)]
        if same or not _written_by_us(out, kind, suffix):
            what = "is the input it reads" if same else f"exists and is not a {kind} {suffix.upper()} this program wrote"
            raise DiagnosticError(Diagnostic("error", "E521", f"{option} '{out}' {what}: it is not overwritten", None,
                                             "name a new file (or remove that one first)"))
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    try:
        write_atomic(out, data)
    except OSError as err:
        raise DiagnosticError(Diagnostic("error", "E522", f"cannot write '{out}': {err.strerror}", None,
                                         f"give {option} a file in a folder you can write")) from None


def save_all(content_of, kind: str, csv_out: str | None, xlsx_out: str | None, inputs=()) -> list[str]:
    """Both outputs a command was asked for (`content_of(suffix)` builds each), written only
    after both are built; the paths written."""
    todo = [(out, content_of(suffix)) for suffix, out in (("csv", csv_out), ("xlsx", xlsx_out)) if out]
    if csv_out and xlsx_out and os.path.abspath(csv_out) == os.path.abspath(xlsx_out):
        raise DiagnosticError(Diagnostic("error", "E521", "--csv and --xlsx name the same file", None,
                                         "give each its own file"))
    for out, content in todo:
        save(content, out, kind, tuple(inputs))
    return [out for out, _ in todo]

