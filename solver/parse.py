"""Stage 1: rule text -> syntax tree (lark, LALR) -> AST with a span on every node."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import ast
from .diagnostics import Diagnostic, DiagnosticError, Span
from .resources import grammar_path
from .values import ValueProblem, parse_count, parse_date, parse_money, parse_rate

#: How the grammar's terminals are named in messages.
_TERMINAL_NAMES = {
    "NAME": "a name", "STRING": "a quoted string", "MONEY": "an amount such as 500万",
    "PERCENT": "a rate such as 30%", "RATIO": "a ratio such as 1:1", "INT": "a whole number",
    "DATE": "a date such as 2025-08-29", "COMP_OP": "a comparison (>=, ==, …)",
    "ADD_OP": "'+' or '-'", "SCOPE": "a scope (payment, item, item_year, enterprise_year, enterprise)",
    "LBRACE": "'{'", "RBRACE": "'}'", "LPAR": "'('", "RPAR": "')'", "COMMA": "','",
    "COLON": "':'", "DOT": "'.'", "STAR": "'*'", "MINUS": "'-'",
}


@lru_cache(maxsize=1)
def parser() -> Lark:
    # cache=True keeps lark's grammar analysis in a temporary file keyed by the grammar's hash
    # (SOLVER-NOTES: 25 ms -> 2.5 ms per start)
    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                propagate_positions=True, maybe_placeholders=False, cache=True)


def parse_files(files: list[tuple[Path, bytes]]) -> list[ast.RuleFile]:
    """Rule files given as (path, bytes) -> their ASTs, in order; raises DiagnosticError with
    every syntax error of every file (a file that is not UTF-8 is one)."""
    parsed: list[ast.RuleFile] = []
    errors: list[Diagnostic] = []
    for f, raw in files:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(Diagnostic("error", "E202", "rule file is not UTF-8 text", Span(str(f), 1, 1)))
            continue
        try:
            parsed.append(parse_text(text, str(f)))
        except DiagnosticError as err:
            errors.extend(err.diagnostics)
    if errors:
        raise DiagnosticError(errors)
    return parsed


def parse_text(text: str, path: str) -> ast.RuleFile:
    """Parse one rule file; raises DiagnosticError with file:line:col on any mistake. A byte-order
    mark at its start (Windows editors save one) is no part of the text."""
    text = text.removeprefix("\ufeff")
    try:
        tree = parser().parse(text)
        _within_depth(tree, path)
        builder = _Builder(path)
        items = builder.transform(tree).children
    except UnexpectedInput as err:
        raise DiagnosticError(_syntax_diagnostic(err, text, path)) from None
    except VisitError as err:
        if isinstance(err.orig_exc, _LiteralError):
            raise DiagnosticError(err.orig_exc.diagnostic) from None
        if isinstance(err.orig_exc, RecursionError):
            raise DiagnosticError(_too_deep(text, path)) from None
        raise
    except RecursionError:
        raise DiagnosticError(_too_deep(text, path)) from None
    return ast.RuleFile(
        path=path,
        vocabularies=tuple(i for i in items if isinstance(i, ast.Vocabulary)),
        policies=tuple(i for i in items if isinstance(i, ast.PolicyDecl)),
        conditions=tuple(i for i in items if isinstance(i, ast.ConditionDecl)),
        clauses=tuple(i for i in items if isinstance(i, ast.ClauseDecl)),
        articles=tuple(i for i in items if isinstance(i, ast.ArticleDecl)),
        readings=tuple(i for i in items if isinstance(i, ast.ReadingDecl)),
        chinese=tuple(builder.chinese.items()),
    )


#: How deeply a rule file's syntax tree may nest (the bundled rules reach 10). Chains of one
#: operator are flat and do not count; `not not …`, `-(-…)`, `if … then if …`, calls within calls
#: and alternating `a and (b or (c and …))` do. Every later stage walks expressions by recursion,
#: and this bound keeps them all far inside Python's recursion limit.
MAX_DEPTH = 100


def _within_depth(tree, path: str) -> None:
    """E980 at the first node nested deeper than MAX_DEPTH; measured without recursion."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            meta = node.meta
            line, column = (meta.line, meta.column) if not getattr(meta, "empty", True) else (1, 1)
            raise DiagnosticError(Diagnostic(
                "error", "E980", f"this expression is nested more than {MAX_DEPTH} levels deep", Span(path, line, column),
                "split it into several 'require' statements (each must hold, as 'and' says), or drop doubled "
                "'not' and '-'; chains such as 'a and b and …' may be of any length"))
        stack.extend((c, depth + 1) for c in node.children if isinstance(c, Tree))


def _too_deep(text: str, path: str) -> Diagnostic:
    """An expression of hundreds of terms exhausts the parser's recursion: located at the line
    with the most operators, the likeliest culprit."""
    import re
    lines = text.splitlines() or [""]
    counts = [len(re.findall(r"\b(?:and|or|not)\b|[+*-]", line)) for line in lines]
    at = max(range(len(lines)), key=counts.__getitem__)
    return Diagnostic("error", "E005", f"this expression is too long to read ({counts[at]} operators on one line)",
                      Span(path, at + 1, 1, max(len(lines[at]), 1)),
                      "split it into several 'require' statements: each must hold, as 'and' says")


def _expected(names) -> str:
    readable = sorted({_TERMINAL_NAMES.get(n, f"'{n.lower()}'" if n.isupper() else n) for n in names})
    if len(readable) > 8:
        readable = readable[:8] + ["…"]
    return ", ".join(readable)


def _syntax_diagnostic(err: UnexpectedInput, text: str, path: str) -> Diagnostic:
    line = getattr(err, "line", None)
    col = getattr(err, "column", None)
    if isinstance(err, UnexpectedEOF) or line in (None, -1):
        lines = text.splitlines() or [""]
        span = Span(path, len(lines), len(lines[-1]) + 1)
        return Diagnostic("error", "E001", "the file ends in the middle of a declaration", span,
                          f"expected {_expected(getattr(err, 'expected', []))}; is a '}}' missing?")
    if isinstance(err, UnexpectedCharacters):
        char = text[err.pos_in_stream] if err.pos_in_stream < len(text) else ""
        help_ = "quote text with \"…\"; comments start with #"
        if char in _ASCII:
            help_ = f"'{char}' is full-width: write {_ASCII[char]} (full-width only inside a quoted string)"
        elif char in "。；“”":
            help_ = f"'{char}' is full-width punctuation: use it only inside a quoted string"
        import unicodedata
        if char and (unicodedata.category(char) in ("Cf", "Zs", "Cc", "Co") or char == "\u3000"):
            name = unicodedata.name(char, "a control character")
            help_ = ("delete it, or retype the line with plain spaces (it often comes with text pasted from a "
                     "web page or a word processor)")
            return Diagnostic("error", "E002", f"unexpected U+{ord(char):04X} ({name}), which shows as a space or "
                              "as nothing", Span(path, line, col), help_)
        return Diagnostic("error", "E002", f"unexpected character '{char}'",
                          Span(path, line, col), help_)
    assert isinstance(err, UnexpectedToken)
    tok = err.token
    length = max(len(str(tok)), 1)
    help_ = f"expected {_expected(err.expected)}"
    labels: tuple = ()
    opened = _open_block(text, err.pos_in_stream) if "RBRACE" in err.expected else None
    if opened and str(tok) in _BLOCKS:  # a new block begins inside one left open: the '}' is missing there
        at, header = opened
        help_ = f"'{header}' (line {at}) is not closed: add '}}' before line {line}"
        labels = ((Span(path, at, 1, len(header)), "opened here"),)
    elif tok.type == "NAME" and "RBRACE" in err.expected:
        help_ += f"; '{tok}' is not a statement here"
    return Diagnostic("error", "E003", f"unexpected {_describe(tok)}", Span(path, line, col, length),
                      help_, labels)


#: Full-width characters an analyst may type in an expression, and what to write instead.
_ASCII = {"％": "%", "≥": ">=", "≤": "<=", "（": "(", "）": ")", "：": ":", "，": ",", "＝": "=", "＋": "+",
          "－": "-", "＞": ">", "＜": "<"}
#: Keywords that begin a block at the top level or in a clause.
_BLOCKS = ("policy", "vocabulary", "condition", "clause", "article", "reading", "part", "kind", "when")


def _open_block(text: str, pos: int) -> tuple[int, str] | None:
    """The innermost block still open at `pos`: (its line, its header), strings and comments
    skipped; None if every '{' before `pos` is closed."""
    stack: list[tuple[int, str]] = []
    line, i, start_of_line = 1, 0, 0
    while i < min(pos, len(text)):
        ch = text[i]
        if ch == "\n":
            line, start_of_line = line + 1, i + 1
        elif ch == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        elif ch == '"':
            i += 1
            while i < len(text) and text[i] not in '"\n':
                i += 2 if text[i] == "\\" else 1
        elif ch == "{":
            header = text[start_of_line:i].strip()
            if header.split(" ", 1)[0] in _BLOCKS:
                stack.append((line, header))
            else:
                stack.append((line, ""))  # `in {A, B}` and the like
        elif ch == "}" and stack:
            stack.pop()
        i += 1
    blocks = [b for b in stack if b[1]]
    return blocks[-1] if blocks else None


def _describe(tok: Token) -> str:
    if tok.type == "$END":
        return "end of file"
    return f"'{tok}'"


class _LiteralError(Exception):
    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic


def _unquote(token: Token) -> str:
    body = str(token)[1:-1]
    return body.replace('\\"', '"').replace("\\\\", "\\")


@v_args(meta=True)
class _Builder(Transformer):
    """lark tree -> ast nodes. Each method receives the node's position and its children."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.chinese: dict[str, str] = {}  # a note's English words -> its `zh "…"` words

    # -- positions ---------------------------------------------------------------------
    def _span(self, meta) -> Span:
        if getattr(meta, "empty", False):
            return Span(self.path, 1, 1)
        length = meta.end_column - meta.column if meta.line == meta.end_line else 1
        return Span(self.path, meta.line, meta.column, max(length, 1))

    def _tok(self, tok: Token) -> Span:
        return Span(self.path, tok.line, tok.column, max(len(str(tok)), 1))

    def _literal(self, tok: Token, convert, type_name: str) -> ast.Literal:
        try:
            value = convert(str(tok))
        except ValueProblem as err:
            raise _LiteralError(Diagnostic("error", "E004", str(err), self._tok(tok))) from None
        return ast.Literal.of(value, type_name, self._tok(tok))

    # -- vocabulary --------------------------------------------------------------------
    def vocabulary(self, meta, items):
        return ast.Vocabulary(
            enums=tuple(i for i in items if isinstance(i, ast.EnumDecl)),
            facts=tuple(i for i in items if isinstance(i, ast.FactDecl)),
            kinds=tuple(i for i in items if isinstance(i, ast.KindDecl)),
            span=self._span(meta))

    def enum_decl(self, meta, items):
        name, *values = items
        return ast.EnumDecl(str(name), tuple((str(v), self._tok(v)) for v in values), self._tok(name))

    def per_year(self, meta, items):
        return True

    def _fact(self, items) -> ast.FactDecl:
        name, type_tok, *rest = items
        per_year = any(r is True for r in rest)
        label = next((_unquote(r) for r in rest if isinstance(r, Token)), str(name))
        default = next((r[1] for r in rest if isinstance(r, tuple) and r[0] == "default"), None)
        return ast.FactDecl(str(name), str(type_tok), per_year, label, self._tok(name), self._tok(type_tok), default)

    def default(self, meta, items):
        return ("default", items[0])

    def fact_decl(self, meta, items):
        return self._fact(items)

    def field_decl(self, meta, items):
        return self._fact(items)

    def kind_decl(self, meta, items):
        name, *rest = items
        label = next((_unquote(r) for r in rest if isinstance(r, Token)), str(name))
        fields = tuple(r for r in rest if isinstance(r, ast.FactDecl))
        return ast.KindDecl(str(name), label, fields, self._tok(name))

    # -- policy ------------------------------------------------------------------------
    def policy(self, meta, items):
        name, *rest = items
        settings = tuple(s for s in rest if isinstance(s, ast.Setting))
        whens = tuple(w for w in rest if isinstance(w, ast.PolicyWhen))
        return ast.PolicyDecl(str(name), settings, self._tok(name), whens)

    def policy_when(self, meta, items):
        reading, alternatives, *settings = items
        return ast.PolicyWhen(reading, alternatives, tuple(settings), self._span(meta))

    def setting(self, meta, items):
        key, (kind, value, vspan) = items
        return ast.Setting(str(key), value, kind, self._tok(key), vspan)

    def string_value(self, meta, items):
        return ("string", _unquote(items[0]), self._tok(items[0]))

    def name_value(self, meta, items):
        return ("name", str(items[0]), self._tok(items[0]))

    def date_value(self, meta, items):
        return ("date", self._literal(items[0], parse_date, "date").value, self._tok(items[0]))

    def date_range(self, meta, items):
        start, end = (self._literal(t, parse_date, "date").value for t in items)
        return ("date_range", (start, end), self._span(meta))

    def rounding_value(self, meta, items):
        step, minimum = (self._literal(t, parse_money, "money").value for t in items)
        return ("rounding", (step, minimum), self._span(meta))

    # -- clauses -----------------------------------------------------------------------
    def _body(self, stmts) -> ast.Body:
        fields: dict = {"texts": [], "readings": [], "benefits": [], "requires": [], "caps": [],
                        "one_per": [], "parts": [], "whens": [], "duplicates": []}
        for kind, value, span in stmts:
            if kind in ("texts", "readings", "benefits", "requires", "caps", "one_per", "parts", "whens"):
                fields[kind].append(value)
            elif kind in fields:
                fields["duplicates"].append((kind, span))
            else:
                fields[kind] = value
        pay = fields.pop("pay", None)
        if pay is not None:
            fields["pay"], fields["up_to"] = pay
        return ast.Body(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})

    def clause(self, meta, items):
        name, article, *stmts = items
        return ast.ClauseDecl(str(name), _unquote(article), self._body(stmts), self._tok(name))

    def condition(self, meta, items):
        name, article, *stmts = items
        return ast.ConditionDecl(str(name), _unquote(article), self._body(stmts), self._tok(name))

    def part(self, meta, items):
        name, *stmts = items
        return ("parts", ast.PartDecl(str(name), self._body(stmts), self._tok(name)), self._tok(name))

    def reading_decl(self, meta, items):
        name, article, *stmts = items
        texts = tuple(v for k, v, _ in stmts if k == "texts")
        alternatives = tuple(v for k, v, _ in stmts if k == "alternative")
        defaults = [(v, span) for k, v, span in stmts if k == "default"]
        duplicates = tuple(("default", span) for _, span in defaults[1:])
        return ast.ReadingDecl(str(name), _unquote(article), texts, alternatives,
                               defaults[0][0] if defaults else None, self._tok(name), duplicates)

    def zh(self, meta, items):
        return ("zh", _unquote(items[0]))

    def _chinese(self, english: str, rest: list) -> None:
        """Record the Chinese words given after an English note (`… zh "…"`)."""
        for tag, words in rest:
            self.chinese[english] = words

    def alternative(self, meta, items):
        name, description, *rest = items
        self._chinese(_unquote(description), rest)
        return ("alternative", (str(name), _unquote(description), self._tok(name)), self._span(meta))

    def reading_default(self, meta, items):
        name, reason, *rest = items
        self._chinese(_unquote(reason), rest)
        return ("default", (str(name), _unquote(reason), self._tok(name)), self._span(meta))

    def reading_ref(self, meta, items):
        return tuple(str(i) for i in items)

    def when_alternatives(self, meta, items):
        return tuple((str(i), self._tok(i)) for i in items)

    def when(self, meta, items):
        reading, alternatives, *stmts = items
        node = ast.When(reading, alternatives, self._body(stmts), self._span(meta))
        return ("whens", node, node.span)

    def text(self, meta, items):
        return ("texts", _unquote(items[0]), self._span(meta))

    def reading(self, meta, items):
        self._chinese(_unquote(items[0]), items[1:])
        return ("readings", _unquote(items[0]), self._span(meta))

    def benefit(self, meta, items):
        return ("benefits", _unquote(items[0]), self._span(meta))

    def require(self, meta, items):
        return ("requires", items[0], self._span(meta))

    def up_to(self, meta, items):
        return True

    def pay(self, meta, items):
        up_to = len(items) == 2
        return ("pay", (items[-1], up_to), self._span(meta))

    def cap(self, meta, items):
        amount, scope = items
        return ("caps", ast.Cap(amount, str(scope), self._span(meta)), self._span(meta))

    def matter(self, meta, items):
        return ("matter", (".".join(map(str, items)), self._span(meta)), self._span(meta))

    def difference(self, meta, items):
        return ("difference", (".".join(map(str, items)), self._span(meta)), self._span(meta))

    def article(self, meta, items):
        label, status, note = items
        return ast.ArticleDecl(_unquote(label), str(status), _unquote(note), self._tok(label))

    def matches(self, meta, items):
        return ("matches", (str(items[0]), self._tok(items[0])), self._span(meta))

    def first_tier(self, meta, items):
        series, *tiers = items
        return ast.FirstTier(series, tuple(tiers), self._span(meta))

    def total(self, meta, items):
        kind, field, *where = items
        return ast.Total(str(kind), str(field), where[0] if where else None, self._span(meta))

    def tier(self, meta, items):
        return (items[0], items[1])

    def fixed(self, meta, items):
        return ("fixed", items[0], self._span(meta))

    def one_per(self, meta, items):
        key, scope, *unless = items
        node = ast.OnePer(key, str(scope), unless[0] if unless else None, self._span(meta))
        return ("one_per", node, self._span(meta))

    def enterprise_subject(self, meta, items):
        timing = items[0] if items else ("each_year", None, None)
        return ("subject", ast.Subject(None, None, *timing, self._span(meta)), self._span(meta))

    def item_subject(self, meta, items):
        kind, *rest = items
        timing = ("each_year", None, None)
        where = None
        for r in rest:
            if isinstance(r, tuple):
                timing = r
            else:
                where = r
        subject = ast.Subject(str(kind), where, *timing, Span(self.path, kind.line, kind.column, len(kind)))
        return ("subject", subject, self._span(meta))

    def each_year(self, meta, items):
        return ("each_year", None, None)

    def once(self, meta, items):
        return ("once_in", items[0], None) if items else ("once", None, None)

    def consecutive(self, meta, items):
        return ("consecutive", None, self._literal(items[0], parse_count, "count").value)

    # -- expressions -------------------------------------------------------------------
    def money(self, meta, items):
        return self._literal(items[0], parse_money, "money")

    def percent(self, meta, items):
        return self._literal(items[0], parse_rate, "rate")

    def ratio(self, meta, items):
        return self._literal(items[0], parse_rate, "rate")

    def integer(self, meta, items):
        return self._literal(items[0], parse_count, "count")

    def date(self, meta, items):
        return self._literal(items[0], parse_date, "date")

    def string(self, meta, items):
        return ast.Literal.of(_unquote(items[0]), "text", self._tok(items[0]))

    def true(self, meta, items):
        return ast.Literal.of(True, "bool", self._span(meta))

    def false(self, meta, items):
        return ast.Literal.of(False, "bool", self._span(meta))

    def current_year(self, meta, items):
        return ast.CurrentYear(self._span(meta))

    def call(self, meta, items):
        name, *args = items
        return ast.Call(str(name), tuple(a for a in args if a is not None), self._span(meta))

    def ref(self, meta, items):
        return ast.Ref(tuple(str(i) for i in items), self._span(meta))

    def if_(self, meta, items):
        return ast.IfElse(*items, self._span(meta))

    def neg(self, meta, items):
        return ast.Neg(items[0], self._span(meta))

    def or_(self, meta, items):
        return ast.BoolOp("or", _flatten("or", items), self._span(meta))

    def and_(self, meta, items):
        return ast.BoolOp("and", _flatten("and", items), self._span(meta))

    def not_(self, meta, items):
        return ast.Not(items[0], self._span(meta))

    def compare(self, meta, items):
        left, op, right = items
        return ast.Compare(str(op), left, right, self._span(meta))

    def member(self, meta, items):
        expr, *names = items
        return ast.Member(expr, tuple((str(n), self._tok(n)) for n in names), self._span(meta))

    def arith(self, meta, items):  # item (ADD_OP item)+, flat
        return ast.Arith(tuple(str(op) for op in items[1::2]), tuple(items[0::2]), self._span(meta))

    def times(self, meta, items):  # item ('*' | 'of' item)+, flat
        return ast.Arith(("*",) * (len(items) - 1), tuple(items), self._span(meta))


def _flatten(op: str, items) -> tuple:
    out = []
    for i in items:
        if isinstance(i, ast.BoolOp) and i.op == op:
            out.extend(i.items)
        else:
            out.append(i)
    return tuple(out)
