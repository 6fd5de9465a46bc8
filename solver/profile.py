"""An enterprise's profile (YAML, or JSON), validated against the vocabulary.

Every value is converted to its exact type (money to integer 元, rates to Fractions); every
mistake is reported with file, line and column, and the closest known name.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from msgspec import Struct
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import Reader, ReaderError

from .diagnostics import Collector, Diagnostic, DiagnosticError, Span, did_you_mean
from .i18n import t, zh
from .model import FactInfo, Vocab
from .values import MONEY_LIMIT, ValueProblem, parse_date, parse_money, parse_rate, shown

TOP_KEYS = ("enterprise", "years", "facts", "items")
YEAR_RANGE = (1949, 2200)
MAX_BYTES = 5_000_000

# The characters YAML forbids. ruamel writes them as a negated class over all of Unicode and
# compiles it on a process's first non-ASCII read: 5 ms of a 150 ms command. The same set, as
# the ranges it forbids, compiles in microseconds (tests/test_bad_input.py checks every code
# point against ruamel's own pattern).
FORBIDDEN_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]"
Reader.NON_PRINTABLE = re.compile(FORBIDDEN_CHARACTERS)


class Item(Struct, frozen=True, gc=False):
    id: str
    kind: str
    fields: dict  # name -> value, or {year: value} for a yearly field
    span: Span
    own_years: tuple[int, ...] = ()  # the item's `years:` (e.g. a project's supported years)
    date: dt.date | None = None  # the day of its event (awarded, approved, recognised, signed), if given

    def years(self, vocab: Vocab) -> tuple[int, ...]:
        """The item's years: its `years:`, the years of its yearly figures, and its `year` field."""
        years: set[int] = set(self.own_years) | ({self.date.year} if self.date else set())
        for name, value in self.fields.items():
            info = vocab.kinds[self.kind].fields[name]
            if info.per_year:
                years.update(value)
            elif name == "year":  # an event's own year; other year fields (claim_year) are data
                years.add(value)
        return tuple(sorted(years))


class Profile(Struct, frozen=True):
    path: str
    name: str
    facts: dict  # name -> value, or {year: value}
    items: tuple[Item, ...]
    years: tuple[int, ...] | None  # the horizon the profile asks for, if it names one
    spans: dict  # fact name -> Span, for messages

    def mentioned_years(self, vocab: Vocab) -> tuple[int, ...]:
        """Every year the profile gives a figure for, or names as an item's year."""
        years: set[int] = set()
        for value in self.facts.values():
            if isinstance(value, dict):
                years.update(value)
        for item in self.items:
            years.update(item.years(vocab))
        return tuple(sorted(years))


def read_limited(path: str, what: str) -> bytes:
    """A regular file's bytes, at most MAX_BYTES: a folder, a FIFO or a device (/dev/zero) is
    refused before anything is read, and no more than MAX_BYTES + 1 bytes are ever read."""
    import stat
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise DiagnosticError(Diagnostic("error", "E200", f"{what} '{path}' is not a regular file", None,
                                             "name a file (not a folder, a pipe or a device)"))
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as err:
        raise DiagnosticError(Diagnostic("error", "E200", f"cannot read {what} '{path}': {err.strerror}",
                                         None)) from None
    if len(raw) > MAX_BYTES:
        raise DiagnosticError(Diagnostic("error", "E201", f"{what} is larger than any {what} should be "
                                         f"({MAX_BYTES} bytes at most)", Span(path, 1, 1)))
    return raw


def _text(path: str, what: str) -> str:
    """The file's text: UTF-8, not empty, not over MAX_BYTES; DiagnosticError otherwise."""
    raw = read_limited(path, what)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        col = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise DiagnosticError(Diagnostic("error", "E202", f"{what} is not UTF-8 text (byte 0x{raw[err.start]:02x})",
                                         Span(path, line, col), "save the file as UTF-8")) from None
    if not text.strip():
        raise DiagnosticError(Diagnostic("error", "E203", f"{what} is empty", Span(path, 1, 1),
                                         "see examples/ for a complete one"))
    return text


def read_document(path: str, what: str, text: str | None = None):
    """YAML/JSON text -> ruamel nodes with positions; DiagnosticError on any syntax problem.
    `text`: the file's text, when already read (`_text`)."""
    if text is None:
        text = _text(path, what)
    if text.count("[") + text.count("{") > MAX_NESTING:  # before the reader, which takes seconds to fail
        at = _too_deep_at(text)
        if at is not None:
            raise DiagnosticError(_too_deep(path, what, text, at))
    if "*" in text:
        _refuse_aliases(path, what, text)
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text), text
    except ReaderError as err:
        at = err.position  # an index into the text
        line, col = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
        raise DiagnosticError(Diagnostic("error", "E204", f"{what} contains U+{err.character:04X}, a character YAML "
                                         "forbids", Span(path, line, col),
                                         "delete it: control characters are often pasted in unseen with text")) from None
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        span = Span(path, mark.line + 1, mark.column + 1) if mark else Span(path, 1, 1)
        problem = (err.problem or err.context or "malformed YAML").strip()
        hint = "give each key once" if "duplicate key" in problem else "check the indentation and quoting near here"
        raise DiagnosticError(Diagnostic("error", "E204", f"{what} is not valid YAML: {problem}", span, hint)) from None
    except RecursionError:
        raise DiagnosticError(_too_deep(path, what, text)) from None
    except (YAMLError, ValueError) as err:
        long = re.search(r"[0-9_]{4301,}", text)  # YAML reads a plain number with int(), which refuses over 4300 digits
        if isinstance(err, ValueError) and long:
            at = long.start()
            line, col = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
            raise DiagnosticError(Diagnostic("error", "E204", f"{what} has a number of {long.end() - at} digits: "
                                             "no figure has that many", Span(path, line, col, 10),
                                             "write money with its unit (500万, 1.8亿)")) from None
        raise DiagnosticError(Diagnostic("error", "E204", f"{what} is not valid YAML: {type(err).__name__}",
                                         Span(path, 1, 1))) from None


#: How deeply a profile, a ledger or a case file may nest brackets (they need 4 or 5).
MAX_NESTING = 100
_BRACKETS = re.compile(r'"(?:[^"\\\n]|\\.)*"|[\[\]{}]')


def _too_deep_at(text: str) -> int | None:
    """Where brackets first nest deeper than MAX_NESTING (quoted strings skipped), or None."""
    depth = 0
    for m in _BRACKETS.finditer(text):
        ch = m.group()
        if ch in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return m.start()
        elif ch in "]}":
            depth -= 1
    return None


def _too_deep(path: str, what: str, text: str, at: int | None = None) -> Diagnostic:
    """E983 where a document nests deeper than a reader can follow: the first bracket
    MAX_NESTING deep, else (block nesting) the most indented line."""
    at = _too_deep_at(text) if at is None else at
    if at is None:
        lines = text.split("\n")
        n = max(range(len(lines)), key=lambda k: len(lines[k]) - len(lines[k].lstrip(" -")))
        at = sum(len(ln) + 1 for ln in lines[:n]) + len(lines[n]) - len(lines[n].lstrip(" -"))
    line, col = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
    return Diagnostic("error", "E983", f"{what} is nested too deeply to read", Span(path, line, col),
                      "a profile or a ledger nests a few levels (items, an item, a field, its years): "
                      "is a bracket left open?")


def _refuse_aliases(path: str, what: str, text: str) -> None:
    """A YAML alias (*name) repeats a node: nested, 1.4 kB of them stand for gigabytes of
    values. No profile or ledger needs one; the first is refused where it stands."""
    from ruamel.yaml.events import AliasEvent
    try:
        for event in YAML(typ="rt").parse(text):
            if isinstance(event, AliasEvent):
                mark = event.start_mark
                raise DiagnosticError(Diagnostic("error", "E215", f"{what} uses a YAML alias (*{event.anchor})",
                                                 Span(path, mark.line + 1, mark.column + 1),
                                                 "write the value out; aliases are not accepted"))
    except (YAMLError, RecursionError, ValueError):
        return  # malformed: the reader says where


def key_span(path: str, node, key, length: int | None = None) -> Span:
    if getattr(node, "lc", None) is None:  # read by `json`: no positions (asking raised and caught per key)
        return node_span(path, node)
    try:
        line, col = node.lc.key(key)
    except (AttributeError, KeyError, TypeError):
        return node_span(path, node)
    return Span(path, line + 1, col + 1, length or len(str(key)))


def value_span(path: str, node, key) -> Span:
    if getattr(node, "lc", None) is None:  # read by `json`: no positions
        return node_span(path, node)
    try:
        line, col = node.lc.value(key) if isinstance(node, dict) else node.lc.item(key)
    except (AttributeError, KeyError, TypeError, IndexError):
        return node_span(path, node)
    value = node[key]
    length = len(str(value)) if not isinstance(value, (dict, list)) else 1
    return Span(path, line + 1, col + 1, length)


def node_span(path: str, node) -> Span:
    lc = getattr(node, "lc", None)
    if lc is not None and lc.line is not None:
        return Span(path, lc.line + 1, lc.col + 1)
    return Span(path, 1, 1)


def convert(value, info: FactInfo, vocab: Vocab):
    """A YAML scalar -> the exact value of the fact's type; raises ValueProblem."""
    kind = info.type
    if kind == "money":
        if isinstance(value, bool):
            raise ValueProblem(t("expected an amount of money, found true/false", "应为金额，实为 true/false"))
        if isinstance(value, int):
            if value < 0:  # refused however written, as '-1.8亿' is
                raise ValueProblem(t(f"{value} is negative", f"{value} 是负数"))
            return value if value <= MONEY_LIMIT else parse_money(str(value))  # which says why not
        if isinstance(value, float):
            # never hint a unit for this figure: '180000000.5万' would multiply an amount in 元 by 10,000
            whole = f"{int(value)}" if value == value and abs(value) < 1e18 else "whole 元"
            raise ValueProblem(t(f"{value} is not a whole number of 元: write whole 元 ({whole}; 分 are not paid), or "
                                 "quote the figure with the unit it is written in, e.g. '16.5万'",
                                 f"{value} 不是整数元：请写整数元（{whole}；分不予支付），或加引号写明数字原本的单位，如 '16.5万'"))
        if isinstance(value, str):
            amount = parse_money(value)
            if amount < 0:
                raise ValueProblem(t(f"'{value}' is negative", f"'{value}' 是负数"))
            return amount
        raise ValueProblem(t(f"expected an amount of money, found {_kind(value)}", f"应为金额，实为 {_kind(value)}"))
    if kind == "rate":
        if isinstance(value, str):
            return parse_rate(value)
        raise ValueProblem(t("expected a rate such as '6%' (quoted)", "应为比率，如 '6%'（加引号）"))
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise ValueProblem(t(f"expected true or false, found {_kind(value)}", f"应为 true 或 false（是/否），实为 {_kind(value)}"))
    if kind in ("count", "year"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueProblem(t(f"expected a whole number, found {_kind(value)}", f"应为整数，实为 {_kind(value)}"))
        if kind == "year" and not YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
            raise ValueProblem(t(f"{value} is not a plausible year", f"{value} 不是合理的年份"))
        return value
    if kind == "date":
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):  # quoted in YAML, and always so in JSON
            return parse_date(value.strip())
        raise ValueProblem(t("expected a date written YYYY-MM-DD", "应为日期，写作 YYYY-MM-DD"))
    if kind == "text":
        if isinstance(value, str):
            return value
        raise ValueProblem(t(f"expected text, found {_kind(value)}", f"应为文字，实为 {_kind(value)}"))
    if kind == "item":  # the id of another item of the profile (checked once every item is read)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
        raise ValueProblem(t(f"expected the id of another item, found {_kind(value)}", f"应为另一项的 id，实为 {_kind(value)}"))
    enum = kind[5:]
    values = vocab.enums[enum]
    if isinstance(value, str) and value in values:
        return value
    hint = did_you_mean(str(value), values)
    if zh():
        raise ValueProblem(f"'{value}' 不是 {enum} 的可选值" + (f"；{hint}" if hint else f"（可选：{'、'.join(values)}）"))
    raise ValueProblem(f"'{value}' is not a value of {enum}" + (f"; {hint}" if hint else f" ({', '.join(values)})"))


#: Chinese words for the types named in messages.
_TYPE_ZH = {"money": "金额", "rate": "比率", "count": "数量", "bool": "是/否", "year": "年份", "date": "日期",
            "text": "文字", "item": "另一项的 id"}


def _unknown_zh(owner: str, name: str) -> str:
    """'unknown fact x' or 'unknown field of KIND x', as Chinese says it."""
    if owner.startswith("field of "):
        return f"{owner.removeprefix('field of ')} 没有字段 '{name}'"
    return f"未知的{'事实' if owner == 'fact' else owner} '{name}'"


def _kind(value) -> str:
    if isinstance(value, dict):
        return t("a mapping", "映射")
    if isinstance(value, list):
        return t("a list", "列表")
    if value is None:
        return t("nothing", "空值")
    return f"'{value}'"


class _Reader:
    def __init__(self, path: str, vocab: Vocab, diag: Collector):
        self.path, self.vocab, self.diag = path, vocab, diag

    def facts(self, node, known: dict[str, FactInfo], owner: str) -> tuple[dict, dict]:
        out, spans = {}, {}
        for key in node:
            name = str(key)
            if name not in known:
                self.diag.error("E210", t(f"unknown {owner} '{name}'", _unknown_zh(owner, name)),
                                key_span(self.path, node, key),
                                did_you_mean(name, known) or t(f"known: {', '.join(sorted(known)[:12])} …",
                                                                f"已知的有：{'、'.join(sorted(known)[:12])} …"))
                continue
            spans[name] = key_span(self.path, node, key)
            value = self.value(node, key, known[name])
            if value is not None:
                out[name] = value
        return out, spans

    def value(self, node, key, info: FactInfo):
        raw = node[key]
        if info.per_year:
            if not isinstance(raw, dict):
                self.diag.error("E211", t(f"'{info.name}' is a yearly figure: give it per year",
                                          f"'{info.name}' 是按年的数据：请按年填写"),
                                value_span(self.path, node, key), t(f"write e.g. {info.name}: {{2024: …, 2025: …}}",
                                                                    f"例如 {info.name}: {{2024: …, 2025: …}}"))
                return None
            out = {}
            for key in raw:
                # JSON keys are always text: a year written "2024" is the year 2024 (in YAML too)
                year = int(key) if isinstance(key, str) and spells_year(key) else key
                if isinstance(year, bool) or not isinstance(year, int) or not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
                    self.diag.error("E212", t(f"'{shown(str(key))}' is not a year", f"'{shown(str(key))}' 不是年份"),
                                    key_span(self.path, raw, key))
                    continue
                if year in out:
                    self.diag.error("E214", t(f"the year {year} is given twice", f"{year} 年填写了两次"),
                                    key_span(self.path, raw, key), t("give each year once", "每年只填一次"))
                    continue
                converted = self.scalar(raw, key, info)
                if converted is not None:
                    out[year] = converted
            return out
        return self.scalar(node, key, info)

    def scalar(self, node, key, info: FactInfo):
        try:
            return convert(node[key], info, self.vocab)
        except ValueProblem as err:
            self.diag.error("E213", f"{info.name}: {err}", value_span(self.path, node, key),
                            t(f"{info.name} is {info.type.replace('enum:', 'one of ')}{' per year' if info.per_year else ''} "
                              f"({info.label})",
                              f"{info.name}〔{info.label}〕：{_TYPE_ZH.get(info.type) or info.type[5:] + ' 的可选值之一'}"
                              f"{'，按年' if info.per_year else ''}"))
            return None


def load_profile(path, vocab: Vocab) -> Profile:
    """Read and validate a profile (a file's path, the profile itself as a dict, as a program or a
    web request gives it, or a `Profile` already read); raises DiagnosticError listing every mistake.

    A JSON profile is first read by the standard library's `json` (1000 items: 0.03 s, where the
    YAML reader takes 0.7 s), which keeps no positions: if it is refused, or read and found
    wrong, it is read again as YAML, whose messages point at the line and column."""
    if isinstance(path, Profile):  # read and checked already (a program holding one)
        return path
    if isinstance(path, dict):  # no file: messages name the key, at <profile>
        return _validated(path, "<profile>", vocab)
    text = _text(path, "profile")
    try:
        doc = _json(text)
    except RecursionError:  # located here: the YAML reader would take seconds to fail the same way
        raise DiagnosticError(_too_deep(path, "profile", text)) from None
    if doc is not None:
        try:
            return _validated(doc, path, vocab)
        except DiagnosticError:
            pass  # again, with positions
    return _validated(read_document(path, "profile", text)[0], path, vocab)


def _json(text: str):
    """`text` read as JSON by the standard library, or None wherever the YAML reader must decide:
    not JSON, a character YAML forbids, a key given twice, NaN or Infinity (YAML reads them as
    text), or a number Python will not read. RecursionError when it nests too deeply."""
    if not text.lstrip().startswith("{") or Reader.NON_PRINTABLE.search(text):
        return None  # not JSON, or a character YAML forbids (json allows some): YAML says where
    import json

    def pairs(items):
        if len({k for k, _ in items}) != len(items):
            raise ValueError("a key given twice")
        return dict(items)

    def refuse(name):
        raise ValueError(name)
    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=refuse)
    except ValueError:
        return None


def _validated(doc, path: str, vocab: Vocab) -> Profile:
    diag = Collector()
    if not isinstance(doc, dict):
        raise DiagnosticError(Diagnostic("error", "E205", "a profile is a mapping with keys "
                                         + ", ".join(TOP_KEYS), Span(path, 1, 1)))
    for key in doc:
        if str(key) not in TOP_KEYS:
            diag.error("E206", f"unknown key '{key}' in profile", key_span(path, doc, key),
                       did_you_mean(str(key), TOP_KEYS) or f"keys: {', '.join(TOP_KEYS)}")
    reader = _Reader(path, vocab, diag)
    facts, spans = {}, {}
    if "facts" in doc:
        if isinstance(doc["facts"], dict):
            facts, spans = reader.facts(doc["facts"], vocab.facts, "fact")
        else:
            diag.error("E207", "'facts' is a mapping of fact names to values", value_span(path, doc, "facts"))
    items = _items(doc.get("items"), doc, path, vocab, reader, diag)
    years = _years(doc, path, diag) if "years" in doc else None
    diag.raise_if_errors()
    name = str(doc.get("enterprise", Path(path).stem))
    return Profile(path, name, facts, tuple(items), years, spans)


def _items(node, doc, path: str, vocab: Vocab, reader: _Reader, diag: Collector) -> list[Item]:
    if node is None:
        return []
    if not isinstance(node, list):
        diag.error("E220", "'items' is a list", value_span(path, doc, "items"))
        return []
    items, ids, entries = [], {}, {}
    for index, entry in enumerate(node):
        span = node_span(path, entry) if isinstance(entry, dict) else value_span(path, node, index)
        if not isinstance(entry, dict):
            diag.error("E221", "each item is a mapping with an id and a kind", span)
            continue
        missing = [k for k in ("id", "kind") if k not in entry]
        if missing:
            diag.error("E222", f"item without {' and '.join(missing)}", span, "every item has an id and a kind")
            continue
        item_id, kind = str(entry["id"]), str(entry["kind"])
        if item_id == "enterprise":  # the subject of enterprise-wide payments, in every output and ledger
            diag.error("E223", "item id 'enterprise' is reserved for the enterprise itself", value_span(path, entry, "id"),
                       "give the item another id")
            continue
        if item_id in ids:
            diag.error("E223", f"item id '{item_id}' is used twice", value_span(path, entry, "id"),
                       labels=((ids[item_id], "first used here"),))
            continue
        ids[item_id] = value_span(path, entry, "id")
        if kind not in vocab.kinds:
            diag.error("E224", f"unknown kind of item '{kind}'", value_span(path, entry, "kind"),
                       did_you_mean(kind, vocab.kinds) or f"kinds: {', '.join(vocab.kinds)}")
            continue
        fields = {k: entry[k] for k in entry if k not in ("id", "kind", "years", "date")}
        values, _ = reader.facts(_Sub(entry, fields), vocab.kinds[kind].fields, f"field of {kind}")
        own_years: tuple[int, ...] = ()
        if "years" in entry:
            try:
                own_years = parse_years(entry["years"])
            except ValueProblem as err:
                diag.error("E225", f"item '{item_id}': {err}", value_span(path, entry, "years"),
                           "write years: 2025-2027 or years: [2025, 2026]")
        day = None
        if "date" in entry:
            try:
                day = convert(entry["date"], FactInfo("date", "date", False, "日期", span), vocab)
            except ValueProblem as err:
                diag.error("E227", f"item '{item_id}': date: {err}", value_span(path, entry, "date"),
                           "the day of the item's event (awarded, approved, recognised, signed), e.g. date: 2025-10-15")
            else:
                if "year" in values and values["year"] != day.year:
                    diag.error("E227", f"item '{item_id}': date {day} is not in its year {values['year']}",
                               value_span(path, entry, "date"), "give the date of the event in the item's year")
        items.append(Item(item_id, kind, values, span, own_years, day))
        entries[item_id] = entry
    by_id = {i.id: i for i in items}
    for item in items:  # a field that names an item names another item of this profile, with no cycle
        for name, info in vocab.kinds[item.kind].fields.items():
            target = item.fields.get(name) if info.type == "item" else None
            if target is None:
                continue
            seen, at = {item.id}, target
            while at in by_id and at not in seen:
                seen.add(at)
                at = by_id[at].fields.get(name)
            if target not in by_id or at == item.id:
                problem = "names no item of the profile" if target not in by_id else "names the item itself, or " \
                    f"leads back to it through {name}"
                diag.error("E226", f"item '{item.id}': {name} '{shown(target)}' {problem}",
                           value_span(path, entries[item.id], name),
                           did_you_mean(target, [i for i in ids if i != item.id]) or f"{name} is the id of another item "
                           f"({vocab.kinds[item.kind].fields[name].label})")
    return items


class _Sub(dict):
    """A view of some keys of a ruamel mapping that keeps its positions."""

    def __init__(self, node, values):
        super().__init__(values)
        self.lc = getattr(node, "lc", None)  # none when read by `json`


def _years(doc, path: str, diag: Collector) -> tuple[int, ...] | None:
    raw = doc["years"]
    span = value_span(path, doc, "years")
    try:
        return parse_years(raw)
    except ValueProblem as err:
        diag.error("E230", str(err), span, "write years: 2025, years: 2024-2027 or years: [2025, 2026]")
        return None


def spells_year(text: str) -> bool:
    """Text that spells a year: a few ASCII digits (int() refuses over 4300 of them)."""
    text = text.strip()
    return text.isascii() and text.isdigit() and len(text) <= 6


def parse_years(raw) -> tuple[int, ...]:
    """2025 | '2024-2027' | [2025, 2026] -> a sorted tuple of years."""
    if isinstance(raw, bool):
        raise ValueProblem("years must be a year, a range or a list")
    if isinstance(raw, int):
        years = [raw]
    elif isinstance(raw, str) and "-" in raw:
        lo, _, hi = raw.partition("-")
        if not (spells_year(lo) and spells_year(hi)) or int(lo) > int(hi):
            raise ValueProblem(f"'{shown(raw)}' is not a range of years")
        years = list(range(int(lo), int(hi) + 1))
    elif isinstance(raw, str) and spells_year(raw):
        years = [int(raw)]
    elif isinstance(raw, list) and raw and all(isinstance(y, int) and not isinstance(y, bool) for y in raw):
        years = list(raw)
    else:
        raise ValueProblem(f"'{shown(str(raw))}' is not a year, a range or a list of years")
    if any(not YEAR_RANGE[0] <= y <= YEAR_RANGE[1] for y in years) or len(years) > 50:
        raise ValueProblem("years must lie between 1949 and 2200, 50 at most")
    return tuple(sorted(set(years)))


