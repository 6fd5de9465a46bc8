"""A policy's own text (its `source` setting): reading it, and the article headings in it.

The bundled policies' texts ship in `rules/texts/` exactly as published. `check --coverage`
lists every article heading of the text itself and fails on any the rules do not account for.
Documents head their articles three ways, and a heading is labelled as the rule files spell it:

- `第三条 …` (most district measures): every `第X条` that starts a line is an article; the
  `（一）支持…` lines between them are section titles, not articles.
- an outline with no `第X条` (通州 003, the city guide 002): chapters `一、…`, items `（一）…` or
  `(一)…` and sub-items `1.…`. Only the leaves are articles: a chapter with items is covered by
  its items. An item is labelled `（七）` where item numbers run on across chapters (003), else
  with its chapter, `二(一)`; a sub-item `四(二)2`.

Lines are read as the texts come (Markdown `#`/`-` marks, `**bold**`, `[bookmark: …]` of a Word
export are passed over).
"""
from __future__ import annotations

import re
from pathlib import Path

from msgspec import Struct

from .coverage import chinese_number as number
from .diagnostics import Diagnostic, DiagnosticError, Span

_CN = "零〇一二三四五六七八九十百"
_ARTICLE = re.compile(rf"第([{_CN}]+)条(?=\s|$|[，,：:。])")
_CHAPTER = re.compile(rf"([{_CN}]+)、")
_ITEM = re.compile(rf"[（(]\s*([{_CN}]+)\s*[）)]")
_SUB = re.compile(r"([0-9]{1,2})\s*[.．、](?![0-9])")
_NOISE = re.compile(r"^(?:\[bookmark:[^\]]*\]|[#>*\-•\s]|\*\*)+")

#: The first line of a heading shown in messages and tables, in characters.
FIRST_LINE = 40


class Heading(Struct, frozen=True):
    label: str  # as the rule files spell it: 第十九条, （七）, 二(一), 四(二)2, 一
    key: tuple[int, ...]  # its numbers: (19,), (7,), (2, 1), (4, 2, 2), (1,)
    line: int  # 1-based line of the text
    first_line: str  # the heading's line, cut to FIRST_LINE characters


def clean_line(line: str) -> str:
    """A line without the marks of the format it was exported in."""
    return _NOISE.sub("", line.strip()).replace("**", "").strip()


def _shown(line: str) -> str:
    line = re.sub(r"\s+", " ", line)
    return line if len(line) <= FIRST_LINE else line[:FIRST_LINE] + "…"


def headings(text: str) -> list[Heading]:
    """Every article heading of a policy's text, in the text's order."""
    lines = [(n, clean_line(raw)) for n, raw in enumerate(text.splitlines(), 1)]
    articles = [Heading(m.group(0), (number(m.group(1)),), n, _shown(line))
                for n, line in lines if (m := _ARTICLE.match(line))]
    if articles:
        return articles
    # an outline: (chapter, item, sub-item) numbers of every heading line, then its leaves
    found: list[tuple[tuple[int, ...], int, str, str]] = []  # key, line, own number as written, text
    chapter = item = None
    for n, line in lines:
        if m := _CHAPTER.match(line):
            chapter, item = number(m.group(1)), None
            found.append(((chapter,), n, m.group(1), line))
        elif (m := _ITEM.match(line)) and chapter is not None:
            item = number(m.group(1))
            found.append(((chapter, item), n, m.group(1), line))
        elif (m := _SUB.match(line)) and item is not None:
            found.append(((chapter, item, int(m.group(1))), n, m.group(1), line))
    keys = {k for k, *_ in found}
    leaves = [f for f in found if not any(len(k) > len(f[0]) and k[:len(f[0])] == f[0] for k in keys)]
    items = [k[1] for k, *_ in found if len(k) == 2]
    running = len(items) == len(set(items))  # item numbers never restart: （七） alone names one
    out = []
    chapters = {k[0]: written for k, _, written, _ in found if len(k) == 1}
    item_names = {k: written for k, _, written, _ in found if len(k) == 2}
    for key, n, written, line in leaves:
        if len(key) == 1:
            label = written
        elif len(key) == 2:
            label = f"（{written}）" if running else f"{chapters[key[0]]}({written})"
            key = (key[1],) if running else key
        else:
            label = f"{chapters[key[0]]}({item_names[key[:2]]}){written}"
        out.append(Heading(label, key, n, _shown(line)))
    return out


def label_key(label: str) -> tuple[int, ...] | None:
    """The numbers of an article label as the rules write it ('第十二条' -> (12,), '四(二)2' ->
    (4, 2, 2), '（七）' -> (7,)); None for a label with no number ('结尾段', '释义')."""
    parts = re.findall(rf"[{_CN}]+|[0-9]+", label)
    return tuple(int(p) if p.isdigit() else number(p) for p in parts) or None


def resolve(source: str, rule_file: str) -> Path:
    """A `source` path, relative to the rule file that names it."""
    return Path(rule_file).resolve().parent / source


def read_source(path: str, span: Span | None) -> str:
    """A policy's text: a readable UTF-8 regular file, else a diagnostic at the `source` setting."""
    from .profile import MAX_BYTES
    help_line = "give the path of the policy's published text, relative to this rule file (e.g. texts/004_pinggu.txt)"
    p = Path(path)
    try:
        if not p.is_file():
            raise FileNotFoundError(2, "No such file" if not p.exists() else "not a regular file")
        with p.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as err:
        hint = help_line
        if p.parent.is_dir():
            from .diagnostics import did_you_mean
            hint = did_you_mean(p.name, [f.name for f in p.parent.iterdir() if f.is_file()]) or help_line
        raise DiagnosticError(Diagnostic("error", "E960", f"cannot read the policy's source text '{path}': "
                                         f"{err.strerror or err}", span, hint)) from None
    if len(raw) > MAX_BYTES:
        raise DiagnosticError(Diagnostic("error", "E960", f"the source text '{path}' is larger than a policy's "
                                         f"text should be ({MAX_BYTES} bytes at most)", span, help_line))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DiagnosticError(Diagnostic("error", "E961", f"the source text '{path}' is not UTF-8 (byte "
                                         f"0x{raw[err.start]:02x} at offset {err.start})", span,
                                         "save it as UTF-8 (e.g. iconv -f GBK -t UTF-8)")) from None
