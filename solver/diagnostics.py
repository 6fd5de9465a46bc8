"""Diagnostics as data, rendered in one place.

A `Diagnostic` carries a severity, a stable code, a message, the primary `Span`, optional
labelled secondary spans and a help line. `DiagnosticError` carries every diagnostic of a
pass; `render` turns them into the `file:line:col`, source line and caret form users see.
"""
# No `from __future__ import annotations`: these records are decoded from the rules cache (model.py says why).

from pathlib import Path

from msgspec import Struct, field

from .i18n import t
from .table import clean, width


class Span(Struct, frozen=True, gc=False):
    """A place in a source file: 1-based line and column, `length` characters wide."""

    file: str
    line: int
    column: int
    length: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Diagnostic(Struct, frozen=True):
    severity: str  # "error" | "warning" | "note"
    code: str
    message: str
    span: Span | None
    help: str | None = None
    labels: tuple[tuple[Span, str], ...] = ()

    def as_dict(self) -> dict:
        out = {"severity": self.severity, "code": self.code, "message": self.message}
        if self.span:
            out.update(file=self.span.file, line=self.span.line, column=self.span.column)
        if self.help:
            out["help"] = self.help
        return out


class DiagnosticError(Exception):
    """Raised by a pass that found errors; holds all of them."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__("; ".join(d.message for d in self.diagnostics))


class Collector(Struct):
    """Gathers the diagnostics of one pass; `raise_if_errors` ends the pass."""

    items: list[Diagnostic] = field(default_factory=list)
    seen: set = field(default_factory=set)  # the diagnostics of items[:synced]: a look-up, not a scan
    synced: int = 0

    def error(self, code: str, message: str, span: Span | None, help: str | None = None,
              labels: tuple[tuple[Span, str], ...] = ()) -> None:
        found = Diagnostic("error", code, message, span, help, labels)
        self.seen.update(self.items[self.synced:])  # whatever was added since, by any means
        self.synced = len(self.items)
        # a clause checked under several readings reports a mistake once; a set, since scanning the
        # list made 200,000 misspelt keys take minutes
        if found not in self.seen:
            self.items.append(found)

    def warning(self, code: str, message: str, span: Span | None, help: str | None = None) -> None:
        self.items.append(Diagnostic("warning", code, message, span, help))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise DiagnosticError(self.items)


def did_you_mean(name: str, known) -> str | None:
    """A help line naming the closest known name, or None."""
    import difflib  # only when a name is wrong
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.6)
    return t(f"did you mean '{close[0]}'?", f"是否应为 '{close[0]}'？") if close else None


def _source_line(span: Span, sources: dict) -> str | None:
    """The span's line, the file split into lines once for all its diagnostics (5,000
    diagnostics of one file used to split it 5,000 times)."""
    if span.file not in sources:
        try:
            sources[span.file] = Path(span.file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            sources[span.file] = None
    elif isinstance(sources[span.file], str):  # a caller's own text
        sources[span.file] = sources[span.file].splitlines()
    lines = sources[span.file]
    if lines is not None and 1 <= span.line <= len(lines):
        return clean(lines[span.line - 1].replace("\t", " "))  # control characters from the file shown escaped
    return None


#: Characters shown either side of the spot on a source line longer than LONG columns (a JSON
#: profile is often one line of thousands): the rest is cut, marked "...".
CONTEXT, LONG = 40, 120


def _snippet(span: Span, label: str, sources: dict[str, str]) -> list[str]:
    line = _source_line(span, sources)
    if line is None:
        return []
    gutter = " " * len(str(span.line))
    start = max(span.column - 1, 0)
    end = start + max(span.length, 1)
    if width(line) > LONG:
        lo, hi = max(start - CONTEXT, 0), min(end + CONTEXT, len(line))
        head = "..." if lo else ""
        tail = "..." if hi < len(line) else ""
        line, start, end = head + line[lo:hi] + tail, start - lo + len(head), end - lo + len(head)
    pad = width(line[:start])
    under = max(width(line[start:end]), 1)
    caret = " " * pad + "^" * under + (f" {label}" if label else "")
    return [f"{gutter} |", f"{span.line} | {line}", f"{gutter} | {caret}"]


#: Diagnostics shown in full; the rest are counted ("and N more"), as a compiler does.
SHOWN = 100


def render(diagnostics: list[Diagnostic], sources: dict[str, str] | None = None) -> str:
    """The human form: header, location, source line with caret, labels, help; the first SHOWN
    in full. Messages and source lines are cleaned as tables are (no raw escape sequences)."""
    sources = {} if sources is None else dict(sources)
    out: list[str] = []
    for d in diagnostics[:SHOWN]:
        out.append(clean(f"{d.severity}[{d.code}]: {d.message}"))
        if d.span:
            out.append(f"  --> {d.span}")
            out.extend("  " + s for s in _snippet(d.span, "", sources))
        for span, label in d.labels:
            out.append(f"  ::: {span}")
            out.extend("  " + s for s in _snippet(span, label, sources))
        if d.help:
            out.append(clean(t(f"  = help: {d.help}", f"  = 提示：{d.help}")))
        out.append("")
    if len(diagnostics) > SHOWN:
        out += [t(f"… and {len(diagnostics) - SHOWN} more", f"……另有 {len(diagnostics) - SHOWN} 处"), ""]
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = sum(d.severity == "warning" for d in diagnostics)
    if errors or warnings:
        out.append(t(f"{errors} error(s), {warnings} warning(s)", f"{errors} 个错误，{warnings} 个警告"))
    return "\n".join(out)


class SymbolicProblem(Exception):
    """A claim cannot be decided as posed (e.g. a rate fact with no pinned value)."""
