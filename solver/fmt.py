"""`subsidy fmt`: the canonical layout of a rule file, comments kept.

Line by line, never across a string or a comment (both end at the line's end in this language):

- indentation is 4 spaces per open `{`; a line that continues the statement above (it starts
  with `and`, `or`, `of`, `then`, `else` or an operator) is indented one level more;
- outside strings and comments, runs of spaces become one, no space before `,` or `)` nor after
  `(`, one space after `,` and before `{` (spaces just inside braces are kept as written: the
  rules write `in {A, B}` and `{ year_claims any_day }` both); an end-of-line comment is set two
  spaces after the code;
- in a policy block, each setting's value starts in column 10 of the block (after `in_force`,
  the longest required setting, and a space); longer setting names are followed by one space;
- no trailing spaces, no blank line just inside a `{` or just before a `}`, at most one blank
  line in a row, one blank line after each top-level block, one newline at the end.

Formatting never changes what a file says: the result must parse to the same declarations as the
input (spans aside), or nothing is written (E920). Applying it twice gives the same text.
"""
from __future__ import annotations

import re

from .diagnostics import Diagnostic, DiagnosticError, Span

INDENT = "    "
SETTING_COLUMN = len("in_force") + 1
CONTINUES = ("and ", "or ", "of ", "then ", "else ", "+", "-", "*", ">", "<", "=", "!")
_PIECE = re.compile(r'"(?:[^"\\\n]|\\.)*"|#.*|[^"#]+|"')


def _pieces(line: str) -> list[tuple[str, str]]:
    """A line as (kind, text) pieces: 'string', 'comment' or 'code'."""
    out = []
    for m in _PIECE.finditer(line):
        text = m.group()
        kind = "comment" if text.startswith("#") else "string" if text.startswith('"') and len(text) > 1 else "code"
        out.append((kind, text))
    return out


def _tidy(code: str) -> str:
    code = re.sub(r"\s+", " ", code)
    code = re.sub(r" ?, ?", ", ", code)
    code = re.sub(r"\( ", "(", code)
    code = re.sub(r"(?<=[^\s(]){", " {", code)
    return re.sub(r" \)", ")", code)


def _line(pieces: list[tuple[str, str]]) -> tuple[str, str]:
    """(code with its strings, comment) of one line, tidied; the code has no outer spaces."""
    code, comment = "", ""
    for kind, text in pieces:
        if kind == "comment":
            comment = text.rstrip()
        elif kind == "string":
            code += text
        else:
            code += _tidy(text)
    code = code.strip()
    code = re.sub(r", $", ",", code)
    return code, comment


def _depth_change(code: str) -> tuple[int, int]:
    """(closings before the first opening, net change) of `{`/`}` in a line's code (strings out)."""
    bare = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', code)
    leading = len(re.match(r"}*", bare).group())
    return leading, bare.count("{") - bare.count("}")


def format_text(text: str) -> str:
    """The canonical layout of a rule file's text (see the module's docstring)."""
    out: list[str] = []
    depth = 0
    blocks: list[str] = []  # the keyword that opened each open block: policy, clause, …
    for raw in text.expandtabs(4).splitlines():
        code, comment = _line(_pieces(raw))
        if not code and not comment:
            out.append("")
            continue
        leading, change = _depth_change(code)
        level = max(depth - leading, 0)
        if code and code.startswith(CONTINUES) and not code.startswith("}"):
            level += 1
        if code and blocks and blocks[-1] == "policy" and level == depth == 1:
            key, _, value = code.partition(" ")
            if value and key not in ("when", "}") and not value.startswith("{"):
                code = key.ljust(SETTING_COLUMN - 1) + " " + value if len(key) < SETTING_COLUMN else f"{key} {value}"
        line = INDENT * level + code
        if comment:
            line = f"{line}  {comment}" if code else INDENT * level + comment
        out.append(line)
        if code:
            opened = change + leading
            for _ in range(leading):
                if blocks:
                    blocks.pop()
            for _ in range(max(opened, 0)):
                blocks.append(code.split(" ", 1)[0])
            for _ in range(max(-opened, 0)):
                if blocks:
                    blocks.pop()
            depth = max(depth + change, 0)
            if depth == 0 and change < 0:
                out.append("")  # one blank line after each top-level block
    return _blank_lines(out)


def _blank_lines(lines: list[str]) -> str:
    """At most one blank line in a row; none just inside `{` or just before `}`; none at the ends."""
    # the next non-blank line after each, found in one pass from the end (looking ahead from each
    # blank line made a file of alternating lines quadratic: 40,000 pairs took 4 s)
    following_of: list[str | None] = [None] * len(lines)
    following = None
    for n in range(len(lines) - 1, -1, -1):
        following_of[n] = following
        if lines[n] != "":
            following = lines[n]
    kept: list[str] = []
    for n, line in enumerate(lines):
        if line == "":
            if not kept or kept[-1] == "" or kept[-1].endswith("{"):
                continue
            following = following_of[n]
            if following is None or following.lstrip().startswith("}"):
                continue
        kept.append(line)
    return "\n".join(kept) + "\n"


def _shape(value):
    """A parsed file as plain data without positions, to compare two layouts of one file."""
    if isinstance(value, dict) and set(value) == {"file", "line", "column", "length"}:
        return None  # a Span, wherever it stands
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items() if k not in ("span", "value_span", "type_span", "path")}
    if isinstance(value, (list, tuple)):
        return [_shape(v) for v in value]
    return value


def format_file(path: str) -> tuple[str, str]:
    """(the file's text, its canonical layout); DiagnosticError if it does not parse, or (a bug)
    if the layout would parse to other declarations."""
    from msgspec import to_builtins

    from .parse import parse_text
    from .profile import read_limited
    raw = read_limited(path, "rule file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DiagnosticError(Diagnostic("error", "E202", "rule file is not UTF-8 text", Span(path, 1, 1))) from None
    before = parse_text(text, path)  # a file that does not parse is reported, never laid out
    formatted = format_text(text)
    if _shape(to_builtins(parse_text(formatted, path))) != _shape(to_builtins(before)):
        raise DiagnosticError(Diagnostic("error", "E920", "laying this file out would change what it says: left as it is",
                                         Span(path, 1, 1), "this is a bug in subsidy fmt; please report the file"))
    return text, formatted


def fmt(paths: list[str], check_only: bool) -> list[str]:
    """Lay out every rule file named (files, or folders of *.rules); with `check_only`, write
    nothing. The files whose layout differs (were rewritten, or would be)."""
    import os
    import tempfile

    from .pipeline import rule_files
    changed = []
    for f in rule_files(paths):
        text, formatted = format_file(str(f))
        if text == formatted:
            continue
        changed.append(str(f))
        if check_only:
            continue
        try:  # whole or not at all: a temporary file renamed into place
            fd, tmp = tempfile.mkstemp(dir=f.parent, prefix=f".{f.name}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(formatted)
            os.replace(tmp, f)
        except OSError as err:
            raise DiagnosticError(Diagnostic("error", "E921", f"cannot write '{f}': {err.strerror}", None,
                                             "check the file's permissions")) from None
    return changed
