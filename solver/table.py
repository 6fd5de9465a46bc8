"""Terminal tables: columns sized to their widest cell, long cells folded to fit the width.

Widths are display cells, not characters: a Chinese character (East Asian Wide or Fullwidth)
takes two, a combining mark none. Control characters from users' files (a "\\x1b" escape in a
quoted YAML name) are shown escaped, never sent to the terminal.

rich laid these tables out before; for a generated 1000-item enterprise it took 0.86 s to print
what this module prints in 0.07 s, and importing it cost ~15 ms of every command's ~150 ms
(README, Benchmark §a).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Control characters (C0, DEL, C1) and the line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@lru_cache(maxsize=8192)
def _cells(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


@lru_cache(maxsize=1 << 15)
def width(text: str) -> int:
    """Display cells `text` takes in a terminal. Remembered: a table asks for the same cells'
    widths to size its columns, to fold and to pad, and its rows repeat the same names and
    reasons (5000 items × 5 years: 1.8 million calls over 9,163 strings; the tables 0.29 s ->
    0.16 s)."""
    return len(text) if text.isascii() else sum(map(_cells, text))


def clean(text: str) -> str:
    """`text` safe to print: a tab or line break becomes a space, other controls are escaped."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: " " if m.group() in "\t\n\r" else m.group().encode("unicode_escape").decode(), text)


def fold(text: str, room: int) -> list[str]:
    """`text` in lines of at most `room` cells: broken at spaces, and inside a word (a run of
    Chinese, a long name) only where the word alone is wider than `room`."""
    if width(text) <= room:
        return [text]
    lines: list[str] = []
    line, used = "", 0
    for word in text.split(" "):
        size = width(word)
        if line and used + 1 + size <= room:
            line, used = f"{line} {word}", used + 1 + size
            continue
        if line:
            lines.append(line)
        while size > room:
            head, taken = "", 0
            for ch in word:
                if taken + _cells(ch) > room and head:
                    break
                head, taken = head + ch, taken + _cells(ch)
            lines.append(head)
            word = word[len(head):]
            size = width(word)
        line, used = word, size
    lines.append(line)
    return lines


def render(headers: list[str], rows: list[list[str]], right: tuple[int, ...] = (), limit: int = 160) -> str:
    """A boxed table no wider than `limit` cells where the columns allow (at least 4 cells each):
    the widest column gives up a cell at a time until it fits, and its cells fold. Columns
    numbered in `right` are aligned right (amounts)."""
    headers, rows = [clean(h) for h in headers], [[clean(cell) for cell in row] for row in rows]
    sizes = [max([width(h)] + [width(row[n]) for row in rows]) for n, h in enumerate(headers)]
    room = limit - 3 * len(headers) - 1  # "│ " + " │ " between cells + " │"
    while sum(sizes) > room and max(sizes) > 4:
        sizes[sizes.index(max(sizes))] -= 1

    def line(cells: list[str]) -> str:
        padded = [(" " * (size - width(c)) + c) if n in right else (c + " " * (size - width(c)))
                  for n, (c, size) in enumerate(zip(cells, sizes))]
        return "│ " + " │ ".join(padded) + " │"

    def rule(left: str, middle: str, end: str) -> str:
        return left + middle.join("─" * (size + 2) for size in sizes) + end

    def lines(row: list[str]) -> list[str]:
        folded = [fold(cell, size) for cell, size in zip(row, sizes)]
        return [line([f[k] if k < len(f) else "" for f in folded]) for k in range(max(map(len, folded)))]

    out = [rule("┌", "┬", "┐"), *lines(headers), rule("├", "┼", "┤")]
    for row in rows:
        out += lines(row)
    out.append(rule("└", "┴", "┘"))
    return "\n".join(out)
