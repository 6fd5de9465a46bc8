"""The editor server (`subsidy lsp`): the checker's diagnostics as you type, hover, go to
definition and completion for rule files, over the Language Server Protocol (pygls, stdio).

Two layers. `Project` knows the rule language and nothing of the protocol: it parses and checks
a document together with the rules around it (the bundled ones, and the other rule files of the
document's folder) and answers, for a place in the text, what the name there means and where it
is declared. `serve` wires it to pygls; every handler answers nothing rather than fail, so no
input an editor sends can stop the server.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import ast
from .check import FUNCTIONS, check
from .diagnostics import Diagnostic, DiagnosticError, Span
from .model import SCOPES
from .parse import parse_text, parser
from .resources import rules_dir

RULE_SUFFIX = ".rules"
#: A document larger than this is not checked as you type (a rule file is 5–30 kB; lark reads
#: about 1.5 MB a second, and a keystroke should not wait for more than a third of a second).
MAX_CHARS = 500_000
NAME = re.compile(r"[^\W\d]\w*")
STRING = re.compile(r'"([^"\\\n]|\\.)*"?')


# ---- the rules around a document ------------------------------------------------------------
@dataclass
class Project:
    """The rule files a document is checked with, parsed once per text (a document's context
    changes rarely; the document itself on every keystroke)."""

    bundled: Path = field(default_factory=rules_dir)
    _parsed: dict[str, tuple[str, ast.RuleFile | DiagnosticError]] = field(default_factory=dict)
    _good: dict[str, ast.RuleFile] = field(default_factory=dict)  # each document's last text that parsed

    def parse(self, path: str, text: str) -> ast.RuleFile | DiagnosticError:
        """The file's syntax tree, or the DiagnosticError its text raises; cached by text."""
        seen = self._parsed.get(path)
        if seen is not None and seen[0] == text:
            return seen[1]
        if len(text) > MAX_CHARS:
            result: ast.RuleFile | DiagnosticError = DiagnosticError(Diagnostic(
                "error", "E940", f"this file is too large to check as you type ({len(text):,} characters; "
                f"at most {MAX_CHARS:,})", Span(path, 1, 1), f"run 'subsidy check {Path(path).name}' instead"))
        else:
            try:
                result = parse_text(text, path)
            except DiagnosticError as err:
                result = err
        self._parsed[path] = (text, result)
        if isinstance(result, ast.RuleFile):
            self._good[path] = result
        return result

    def last_good(self, path: str) -> ast.RuleFile | None:
        """The document as it last parsed: hover and definition keep working mid-edit."""
        return self._good.get(path)

    def context(self, path: str, open_texts: dict[str, str]) -> list[tuple[str, str]]:
        """(path, text) of the rule files checked with the document at `path`: the bundled rules,
        then the other rule files of its folder, on disk or open (a file of the same name replaces
        the bundled one), less the document's namesake; an open document's text is taken over the
        file on disk."""
        chosen: dict[str, Path] = {f.name: f for f in sorted(self.bundled.glob(f"*{RULE_SUFFIX}"))}
        here = Path(path)
        folder = here.parent
        try:  # an unsaved document ('untitled:…') has no folder: the bundled rules only
            if here.is_absolute() and folder.is_dir() and folder.resolve() != self.bundled.resolve():
                chosen.update({f.name: f for f in sorted(folder.glob(f"*{RULE_SUFFIX}")) if f.is_file()})
                chosen.update({Path(o).name: Path(o) for o in open_texts  # a neighbour not saved yet
                               if o.endswith(RULE_SUFFIX) and Path(o).parent == folder})
        except OSError:
            pass
        chosen.pop(here.name, None)
        out = []
        for f in chosen.values():
            text = open_texts.get(str(f))
            if text is None:
                text = _read(f)
            if text is not None:
                out.append((str(f), text))
        return out

    def files(self, path: str, text: str, open_texts: dict[str, str]) -> tuple[ast.RuleFile | None, list]:
        """The document's syntax tree (None if it does not parse) and the context's results,
        less any context file declaring a policy the document declares (a new version of a
        bundled policy replaces it)."""
        doc = self.parse(path, text)
        context = [(p, self.parse(p, t)) for p, t in self.context(path, open_texts)]
        known = doc if isinstance(doc, ast.RuleFile) else self.last_good(path)
        if known is not None and known.policies:
            mine = {p.name for p in known.policies}
            context = [(p, r) for p, r in context
                       if not (isinstance(r, ast.RuleFile) and mine & {q.name for q in r.policies})]
        return (doc if isinstance(doc, ast.RuleFile) else None), context

    def diagnose(self, path: str, text: str, open_texts: dict[str, str]) -> list[Diagnostic]:
        """The document's syntax error, or every check error of the document read with its
        context. A problem located in another file (a policy that no longer resolves after a
        vocabulary edit, a broken neighbour) is kept: `to_lsp` shows it at the top of the document."""
        doc = self.parse(path, text)
        if isinstance(doc, DiagnosticError):
            return list(doc.diagnostics)
        _, context = self.files(path, text, open_texts)
        broken = [d for _, r in context if isinstance(r, DiagnosticError) for d in r.diagnostics]
        try:
            check([r for _, r in context if isinstance(r, ast.RuleFile)] + [doc])  # the document last:
        except DiagnosticError as err:  # a name declared twice is reported at the document's copy
            return broken + list(err.diagnostics)
        return broken

    def index(self, path: str, open_texts: dict[str, str]) -> "Index":
        """The names declared in the document (as it last parsed) and its context."""
        text = open_texts.get(path, "")
        _, context = self.files(path, text, open_texts)
        files = [r for _, r in context if isinstance(r, ast.RuleFile)]
        doc = self.last_good(path)
        return Index.of(([doc] if doc else []) + files, doc)  # the document's own declaration first


def _read(f: Path) -> str | None:
    try:
        raw = f.read_bytes()[:MAX_CHARS * 4 + 1]
        return raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


# ---- what a name means --------------------------------------------------------------------
@dataclass
class Index:
    """Every declaration of the files read, by name."""

    doc: ast.RuleFile | None = None
    facts: dict[str, ast.FactDecl] = field(default_factory=dict)
    kinds: dict[str, ast.KindDecl] = field(default_factory=dict)
    enums: dict[str, ast.EnumDecl] = field(default_factory=dict)
    values: dict[str, list[tuple[ast.EnumDecl, Span]]] = field(default_factory=dict)
    readings: dict[tuple[str, str], ast.ReadingDecl] = field(default_factory=dict)  # (policy, name)
    clauses: dict[tuple[str, str], ast.ClauseDecl | ast.ConditionDecl] = field(default_factory=dict)
    articles: dict[tuple[str, str], list[ast.ArticleDecl]] = field(default_factory=dict)
    policies: dict[str, ast.PolicyDecl] = field(default_factory=dict)

    @classmethod
    def of(cls, files: list[ast.RuleFile], doc: ast.RuleFile | None) -> "Index":
        idx = cls(doc)
        for f in files:
            for v in f.vocabularies:
                for e in v.enums:
                    idx.enums.setdefault(e.name, e)
                    for value, span in e.values:
                        idx.values.setdefault(value, []).append((e, span))
                for d in v.facts:
                    idx.facts.setdefault(d.name, d)
                for k in v.kinds:
                    idx.kinds.setdefault(k.name, k)
            policy = f.policies[0].name if f.policies else ""
            for p in f.policies:
                idx.policies[p.name] = p
            for r in f.readings:
                idx.readings[(policy, r.name)] = r
            for c in (*f.conditions, *f.clauses):
                idx.clauses[(policy, c.name)] = c
            for a in f.articles:
                idx.articles.setdefault((policy, a.article), []).append(a)
        return idx

    @property
    def policy(self) -> str:
        """The document's policy ('' for a vocabulary)."""
        return self.doc.policies[0].name if self.doc and self.doc.policies else ""

    def field_of(self, kind: str | None, name: str) -> tuple[ast.KindDecl, ast.FactDecl] | None:
        """The field `name` of `kind`, or, the kind unknown, of the one kind that has it."""
        kinds = [self.kinds[kind]] if kind in self.kinds else list(self.kinds.values())
        found = [(k, f) for k in kinds for f in k.fields if f.name == name]
        return found[0] if found else None

    def type_of(self, path: str, kind: str | None) -> str | None:
        """The declared type of `name` or `item.field` (an enum's name for an enum)."""
        if path.startswith("item."):
            hit = self.field_of(kind, path[5:])
            return hit[1].type if hit else None
        fact = self.facts.get(path)
        return fact.type if fact else None

    def reading(self, ref: str) -> ast.ReadingDecl | None:
        """`NAME` (the document's policy, else any) or `POLICY.NAME`."""
        if "." in ref:
            policy, name = ref.split(".", 1)
            return self.readings.get((policy, name))
        if (self.policy, ref) in self.readings:
            return self.readings[(self.policy, ref)]
        return next((r for (_, n), r in self.readings.items() if n == ref), None)


@dataclass(frozen=True)
class Found:
    """What the text at a place means: a hover text and where it is declared (either may be None)."""

    markdown: str | None
    span: Span | None


def at(text: str, line: int, column: int) -> tuple[str, int, int] | None:
    """The name or quoted string at 0-based (line, column in characters): (token, start, end)."""
    lines = text.split("\n")
    if not 0 <= line < len(lines):
        return None
    row = lines[line]
    for pattern in (STRING, NAME):
        for m in pattern.finditer(row):
            if m.start() <= column <= m.end() and (pattern is STRING or not _in_string(row, m.start())):
                return m.group(), m.start(), m.end()
    return None


def _in_string(row: str, pos: int) -> bool:
    return bool(row[:pos].count('"') % 2)


def _quiet(before: str) -> bool:
    """Whether the end of `before` (a line up to the cursor) is inside a string or a comment."""
    quoted = False
    i = 0
    while i < len(before):
        ch = before[i]
        if quoted and ch == "\\":
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif ch == "#" and not quoted:
            return True
        i += 1
    return quoted


def _clause_kind(lines: list[str], line: int) -> str | None:
    """The kind of item the clause around `line` pays (`for item KIND`), read from the text
    itself so that it is known while the document does not parse."""
    header = re.compile(r"^\s*(clause|condition|reading|policy|vocabulary|article)\b")
    subject = re.compile(r"\bfor\s+item\s+([^\W\d]\w*)")
    for i in range(min(line, len(lines) - 1), -1, -1):
        m = subject.search(lines[i])
        if m:
            return m.group(1)
        if header.match(lines[i]):
            break
    for i in range(line + 1, len(lines)):
        if header.match(lines[i]):
            break
        m = subject.search(lines[i])
        if m:
            return m.group(1)
    return None


def lookup(idx: Index, text: str, line: int, column: int) -> Found | None:
    """What the token at (line, column) of the document names: its description and declaration."""
    hit = at(text, line, column)
    if hit is None:
        return None
    token, start, _ = hit
    lines = text.split("\n")
    row = lines[line]
    before = row[:start]
    if token.startswith('"'):
        m = re.match(r"^\s*(clause|condition|reading|article)\s+", row)
        return _article(idx, token.strip('"')) if m else None
    if re.search(r"\bitem\.$", before):
        found = idx.field_of(_clause_kind(lines, line), token)
        return _field(*found) if found else None
    m = re.search(r"\btotal\s*\(\s*([^\W\d]\w*)\.$", before)
    if m:
        found = idx.field_of(m.group(1), token)
        return _field(*found) if found else None
    m = re.search(r"\bwhen\s+([^\W\d]\w*(?:\.[^\W\d]\w*)?)\s+(?:is\s+|in\s*\{[^}]*)$", before)
    if m:
        reading = idx.reading(m.group(1))
        return _alternative(reading, token) if reading else None
    m = re.search(r"\bwhen\s+([^\W\d]\w*)\.$", before)
    if m:
        reading = idx.readings.get((m.group(1), token))
        return _reading(reading) if reading else None
    if re.match(r"^\s*(fact|field)\s+[^\W\d]\w*\s*:\s*$", before) and token in idx.enums:
        return _name(idx, token, enum_first=True)  # the type of `fact district: district`
    if re.match(r"^\s*(clause|condition|part)\s+$", before):
        clause = idx.clauses.get((idx.policy, token))
        return _clause(idx, clause) if clause else None
    if re.match(r"^\s*reading\s+$", before) or re.search(r"\bwhen\s+$", before):
        reading = idx.reading(token)
        if reading:
            return _reading(reading)
    if re.match(r"^\s*(default|alternative)\s+$", before):  # `default ALT because …` inside a reading
        reading = _enclosing_reading(idx, lines, line)
        if reading:
            return _alternative(reading, token)
    return _name(idx, token)


def _enclosing_reading(idx: Index, lines: list[str], line: int) -> ast.ReadingDecl | None:
    for i in range(line, -1, -1):
        m = re.match(r"^\s*reading\s+([^\W\d]\w*)", lines[i])
        if m:
            return idx.reading(m.group(1))
        if re.match(r"^\s*(clause|condition|policy|vocabulary|article)\b", lines[i]):
            return None
    return None


def _name(idx: Index, name: str, enum_first: bool = False) -> Found | None:
    """A bare name: a fact, kind, enum (first where it is a type), enum value, clause, reading or policy."""
    if name in idx.facts and not enum_first:
        return _fact(idx.facts[name], "fact 事实")
    if name in idx.kinds:
        k = idx.kinds[name]
        fields = "\n".join(f"- `{f.name}`: {f.type}{' · 每年 per year' if f.per_year else ''} — {f.label}"
                           for f in k.fields)
        return Found(f"**kind 事项类型** `{k.name}` — {k.label}\n\n字段 fields:\n{fields}", k.span)
    if name in idx.enums:
        e = idx.enums[name]
        return Found(f"**enum 枚举** `{e.name}`\n\n取值 values: {', '.join(v for v, _ in e.values)}", e.span)
    if name in idx.values:
        enum, span = idx.values[name][0]
        others = ", ".join(v for v, _ in enum.values)
        return Found(f"**enum value 枚举值** `{name}` of `{enum.name}`\n\n取值 values: {others}", span)
    clause = idx.clauses.get((idx.policy, name))
    if clause:
        return _clause(idx, clause)
    reading = idx.reading(name)
    if reading:
        return _reading(reading)
    if name in idx.policies:
        p = idx.policies[name]
        title = next((s.value for s in p.settings if s.key == "title"), name)
        return Found(f"**policy 政策** `{name}` — {title}", p.span)
    return None


def _fact(d: ast.FactDecl, what: str) -> Found:
    yearly = "每年 per year" if d.per_year else "不分年度 not yearly"
    return Found(f"**{what}** `{d.name}` — {d.label}\n\n类型 type: `{d.type}` · {yearly}", d.span)


def _field(kind: ast.KindDecl, d: ast.FactDecl) -> Found:
    return _fact(d, f"field 字段 of `{kind.name}`")


def _clause(idx: Index, clause) -> Found:
    what = "clause 条款" if isinstance(clause, ast.ClauseDecl) else "condition 条件"
    out = [f"**{what}** `{clause.name}` — {clause.article}", *_body(clause.body)]
    out += [_describe_reading(r) for (p, _), r in idx.readings.items()
            if p == idx.policy and r.article == clause.article]
    return Found("\n\n".join(out), clause.span)


def _body(body: ast.Body) -> list[str]:
    out = [f"> {t}" for t in body.texts]
    out += [f"解读 reading: {r}" for r in body.readings]
    for part in body.parts:
        out += _body(part.body)
    for when in body.whens:
        out += _body(when.body)
    return out


def _article(idx: Index, article: str) -> Found | None:
    """An article string: the text and readings of every clause of the document's policy citing it."""
    out = [f"**{article}**"]
    span = None
    for (p, _), c in idx.clauses.items():
        if p == idx.policy and c.article == article:
            out += [f"`{c.name}`", *_body(c.body)]
            span = span or c.span
    out += [_describe_reading(r) for (p, _), r in idx.readings.items() if p == idx.policy and r.article == article]
    for a in idx.articles.get((idx.policy, article), []):
        out.append(f"{a.status}: {a.note}")
    return Found("\n\n".join(out), span) if len(out) > 1 else None


def _describe_reading(r: ast.ReadingDecl) -> str:
    alternatives = "\n".join(f"- `{n}`{' (默认 default)' if r.default and n == r.default[0] else ''}: {d}"
                             for n, d, _ in r.alternatives)
    quoted = "\n".join(f"> {t}" for t in r.texts)
    why = f"\n\n默认理由 because: {r.default[1]}" if r.default else ""
    return f"**reading 解读** `{r.name}` — {r.article}\n\n{quoted}\n\n可选解读 alternatives:\n{alternatives}{why}"


def _reading(r: ast.ReadingDecl) -> Found:
    return Found(_describe_reading(r), r.span)


def _alternative(r: ast.ReadingDecl, name: str) -> Found | None:
    for n, description, span in r.alternatives:
        if n == name:
            default = " (默认 default)" if r.default and r.default[0] == n else ""
            return Found(f"**alternative 可选解读** `{n}`{default} of reading `{r.name}` — {r.article}\n\n{description}",
                         span)
    return None


# ---- completion ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Offer:
    """One completion: the word, what it is (fact, field, kind, enum value, keyword, …), a detail."""

    label: str
    kind: str
    detail: str = ""


def keywords() -> list[str]:
    """The rule language's keywords, read from the grammar (so they never drift from it)."""
    return sorted({t.pattern.value for t in parser().terminals
                   if t.pattern.type == "str" and t.pattern.value.isidentifier()})


def complete(idx: Index, text: str, line: int, column: int) -> list[Offer]:
    """What may be written at (line, column): fields after `item.`, enum values after `==` or
    in `in {…}`, a reading's alternatives after `when NAME is`, kinds after `for item`, scopes
    after `per`; otherwise keywords, facts, kinds and functions."""
    lines = text.split("\n")
    if not 0 <= line < len(lines):
        return []
    before = lines[line][:column]
    if _quiet(before):
        return []
    m = re.search(r"\bwhen\s+([^\W\d]\w*(?:\.[^\W\d]\w*)?)\s+(?:is\s+|in\s*\{[^}]*?)\w*$", before)
    if m:
        reading = idx.reading(m.group(1))
        return [Offer(n, "alternative", d) for n, d, _ in reading.alternatives] if reading else []
    m = re.search(r"\bwhen\s+(?:([^\W\d]\w*)\.)?\w*$", before)
    if m:
        policy = m.group(1) or idx.policy
        return [Offer(n, "reading", r.article) for (p, n), r in idx.readings.items() if p == policy]
    m = re.search(r"\bitem\.\w*$", before)
    if m:
        kind = _clause_kind(lines, line)
        kinds = [idx.kinds[kind]] if kind in idx.kinds else list(idx.kinds.values())
        return _unique(Offer(f.name, "field", f"{f.type} — {f.label}") for k in kinds for f in k.fields)
    m = re.search(r"\btotal\s*\(\s*([^\W\d]\w*)\.\w*$", before)
    if m:
        kinds = [idx.kinds[m.group(1)]] if m.group(1) in idx.kinds else []
        return [Offer(f.name, "field", f"{f.type} — {f.label}") for k in kinds for f in k.fields]
    if re.search(r"(\bfor\s+item|\btotal\s*\()\s*\w*$", before):
        return [Offer(k.name, "kind", k.label) for k in idx.kinds.values()]
    m = re.search(r"((?:item\.)?[^\W\d]\w*)\s*(?:==|!=)\s*\w*$", before) or \
        re.search(r"((?:item\.)?[^\W\d]\w*)\s+in\s*\{[^}]*?\w*$", before)
    if m:
        return _values(idx, idx.type_of(m.group(1), _clause_kind(lines, line)))
    if re.match(r"^\s*(cap\b.*|one\b.*)\bper\s+\w*$", before):
        return [Offer(s, "scope") for s in SCOPES]
    if re.search(r"\.\w*$", before):
        return []
    return _unique([*(Offer(k, "keyword") for k in keywords()),
                    *(Offer(f.name, "fact", f"{f.type} — {f.label}") for f in idx.facts.values()),
                    *(Offer(k.name, "kind", k.label) for k in idx.kinds.values()),
                    *(Offer(f, "function") for f in FUNCTIONS)])


def _values(idx: Index, type_name: str | None) -> list[Offer]:
    """The values of the enum `type_name`; of every enum when the type is not known; none when
    it is known and is no enum (`industrial_output == ` takes an amount)."""
    if type_name is not None and type_name not in idx.enums:
        return []
    enums = [idx.enums[type_name]] if type_name in idx.enums else list(idx.enums.values())
    return _unique(Offer(v, "value", e.name) for e in enums for v, _ in e.values)


def _unique(offers) -> list[Offer]:
    seen: dict[str, Offer] = {}
    for o in offers:
        seen.setdefault(o.label, o)
    return list(seen.values())


# ---- the protocol -------------------------------------------------------------------------
def serve() -> None:
    """Run the server on stdin/stdout until the editor says exit."""
    try:
        server = build_server()
    except ImportError:
        raise DiagnosticError(Diagnostic(
            "error", "E941", "the editor server needs pygls, which is not installed", None,
            "pip install 'subsidy-solver[lsp]'")) from None
    import contextlib
    import os
    import sys
    # The protocol gets a copy of stdout, which pygls closes at exit (the command still flushes its
    # own); anything else printed goes to stderr, where it cannot garble a message to the editor.
    try:
        out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    except (AttributeError, OSError, ValueError):
        out = sys.stdout.buffer
    with contextlib.redirect_stdout(sys.stderr):
        server.start_io(sys.stdin.buffer, out)


def build_server():
    """The pygls server with its handlers."""
    import logging

    from lsprotocol import types as lsp
    from pygls import uris
    from pygls.lsp.server import LanguageServer

    from . import __version__

    logging.getLogger("pygls").setLevel(logging.CRITICAL)  # nothing of pygls's on stderr but crashes
    server = LanguageServer("subsidy-lsp", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
    project = Project()
    severities = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning,
                  "note": lsp.DiagnosticSeverity.Information}
    kinds = {"fact": lsp.CompletionItemKind.Variable, "field": lsp.CompletionItemKind.Field,
             "kind": lsp.CompletionItemKind.Class, "value": lsp.CompletionItemKind.EnumMember,
             "keyword": lsp.CompletionItemKind.Keyword, "function": lsp.CompletionItemKind.Function,
             "alternative": lsp.CompletionItemKind.EnumMember, "reading": lsp.CompletionItemKind.Reference,
             "scope": lsp.CompletionItemKind.Unit}

    def path_of(uri: str) -> str:
        """A file's path; an unsaved document keeps its URI ('untitled:Untitled-1') as its name."""
        return uris.to_fs_path(uri) or uri

    def uri_of(path: str) -> str:
        for uri in server.workspace.text_documents:
            if path_of(uri) == path:
                return uri
        return uris.from_fs_path(path) or path

    def open_texts() -> dict[str, str]:
        return {path_of(uri): doc.source for uri, doc in server.workspace.text_documents.items()}

    def file_lines(path: str, texts: dict[str, str]) -> list[str]:
        return (texts[path] if path in texts else _read(Path(path)) or "").split("\n")

    def to_range(span: Span | None, texts: dict[str, str]) -> lsp.Range:
        """A 1-based span (characters) as a 0-based LSP range (the client's code units)."""
        if span is None:
            return lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
        lines = file_lines(span.file, texts)
        row = max(min(span.line - 1, len(lines) - 1), 0)
        text = lines[row] if lines else ""
        start = min(max(span.column - 1, 0), len(text))
        end = min(start + max(span.length, 1), len(text)) if text else start
        units = server.workspace.position_codec.client_num_units
        return lsp.Range(lsp.Position(row, units(text[:start])), lsp.Position(row, units(text[:end])))

    def to_lsp(path: str, d: Diagnostic, texts: dict[str, str]) -> lsp.Diagnostic:
        message = d.message + (f"\nhelp: {d.help}" if d.help else "")
        related = [lsp.DiagnosticRelatedInformation(lsp.Location(uri_of(s.file), to_range(s, texts)), label)
                   for s, label in d.labels]
        if d.span is not None and d.span.file != path:  # a problem in another file, shown at the top of this one
            message = f"{Path(d.span.file).name}:{d.span.line}:{d.span.column}: {message}"
            related.insert(0, lsp.DiagnosticRelatedInformation(
                lsp.Location(uri_of(d.span.file), to_range(d.span, texts)), "here"))
            where = lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
        else:
            where = to_range(d.span, texts)
        return lsp.Diagnostic(where, message, severity=severities.get(d.severity, lsp.DiagnosticSeverity.Error),
                              code=d.code, source="subsidy", related_information=related or None)

    def publish(uri: str) -> None:
        doc = server.workspace.get_text_document(uri)
        try:
            texts = open_texts()
            path = path_of(uri)
            found = project.diagnose(path, doc.source, texts)
            items = [to_lsp(path, d, texts) for d in found[:200]]
        except Exception as err:  # a bug of ours must not stop the server: say so in the editor
            items = [lsp.Diagnostic(lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
                                    f"internal error of subsidy lsp: {type(err).__name__}: {err}",
                                    severity=lsp.DiagnosticSeverity.Information, source="subsidy")]
        server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=items,
                                                                              version=doc.version))

    def place(params) -> tuple[str, str, int, int, dict[str, str]]:
        """The document's path and text and the 0-based line and character (code points) asked about."""
        doc = server.workspace.get_text_document(params.text_document.uri)
        lines = doc.source.split("\n")
        line = params.position.line
        row = lines[line] if 0 <= line < len(lines) else ""
        column, units = 0, 0
        count = server.workspace.position_codec.client_num_units
        while column < len(row) and units < params.position.character:
            units += count(row[column])
            column += 1
        return path_of(doc.uri), doc.source, line, column, open_texts()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls, params: lsp.DidOpenTextDocumentParams):
        publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls, params: lsp.DidChangeTextDocumentParams):
        publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls, params: lsp.DidSaveTextDocumentParams):
        """A saved file may be another open document's context (its vocabulary, a neighbour):
        every open document is checked again."""
        for uri in list(server.workspace.text_documents):
            publish(uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls, params: lsp.DidCloseTextDocumentParams):
        server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=params.text_document.uri,
                                                                              diagnostics=[]))

    def found_at(params) -> tuple[Found | None, dict[str, str]]:
        path, text, line, column, texts = place(params)
        project.parse(path, text)
        return lookup(project.index(path, texts), text, line, column), texts

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls, params: lsp.HoverParams):
        try:
            found, _ = found_at(params)
        except Exception:
            return None
        if found is None or not found.markdown:
            return None
        return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, found.markdown))

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def definition(ls, params: lsp.DefinitionParams):
        try:
            found, texts = found_at(params)
            if found is None or found.span is None:
                return None
            return lsp.Location(uri_of(found.span.file), to_range(found.span, texts))
        except Exception:
            return None

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION,
                    lsp.CompletionOptions(trigger_characters=[".", "=", "{", " ", ","]))
    def completion(ls, params: lsp.CompletionParams):
        try:
            path, text, line, column, texts = place(params)
            project.parse(path, text)
            offers = complete(project.index(path, texts), text, line, column)
        except Exception:
            offers = []
        return lsp.CompletionList(is_incomplete=False, items=[
            lsp.CompletionItem(o.label, kind=kinds.get(o.kind), detail=o.detail or o.kind) for o in offers])

    return server
