"""`subsidy lsp`, driven as an editor drives it: `subsidy lsp` runs as a subprocess and pygls's
client speaks the Language Server Protocol to it over stdio (initialize, didOpen, didChange with
incremental edits, hover, definition, completion, shutdown). Positions are the protocol's:
0-based lines, characters in UTF-16 code units (every character below is in the BMP, so a
Chinese character is one unit)."""
from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pygls")
from lsprotocol import types as lsp  # noqa: E402
from pygls.lsp.client import BaseLanguageClient  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402

from solver.resources import rules_dir  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted(rules_dir().glob("*.rules"))
#: A new district's policy, the kind of file an analyst starts with; it checks cleanly against
#: the bundled vocabulary (district, industrial_output are declared in vocabulary.rules).
SHUNYI = """\
policy shunyi {
    title    "顺义区制造业测试措施"
    level    district
    region   顺义区
    in_force 2025-01-01 to 2027-12-31
    status   in_force
}

clause output "第三条" {
    text "年度工业总产值首次达到1亿元的，给予10万元奖励。"
    for enterprise once
    require district == 顺义区 and industrial_output >= 1亿
    pay 10万
}
"""
WAIT = 120  # seconds before a test gives up on an answer that never comes (a hang), not a speed test


class Editor:
    """An editor session with one `subsidy lsp` process: synchronous calls for the tests."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.client = BaseLanguageClient("subsidy-tests", "1")
        self.published: dict[tuple[str, int | None], list[lsp.Diagnostic]] = {}
        self.arrived = asyncio.Event()
        self.versions: dict[str, int] = {}

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: lsp.PublishDiagnosticsParams):
            self.published[(params.uri, params.version)] = list(params.diagnostics)
            self.arrived.set()

        self.run(self.client.start_io(sys.executable, str(ROOT / "cli.py"), "lsp", cwd=str(ROOT)))
        self.run(self.client.initialize_async(lsp.InitializeParams(capabilities=lsp.ClientCapabilities())))
        self.client.initialized(lsp.InitializedParams())

    def run(self, coro):
        return self.loop.run_until_complete(asyncio.wait_for(coro, WAIT))

    async def _diagnostics(self, uri: str, version: int) -> list[lsp.Diagnostic]:
        while (uri, version) not in self.published:
            self.arrived.clear()
            await self.arrived.wait()
        return self.published[(uri, version)]

    def open(self, path: Path | str, text: str) -> list[lsp.Diagnostic]:
        """didOpen; the diagnostics the server publishes for it."""
        uri = _uri(path)
        self.versions[uri] = 1
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=uri, language_id="subsidy-rules", version=1, text=text)))
        return self.run(self._diagnostics(uri, 1))

    def edit(self, path: Path | str, start: tuple[int, int], end: tuple[int, int], text: str) -> list[lsp.Diagnostic]:
        """An incremental didChange replacing [start, end) with `text`; the diagnostics that follow."""
        uri = _uri(path)
        self.versions[uri] += 1
        version = self.versions[uri]
        change = lsp.TextDocumentContentChangePartial(
            range=lsp.Range(lsp.Position(*start), lsp.Position(*end)), text=text)
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(uri=uri, version=version), [change]))
        return self.run(self._diagnostics(uri, version))

    def save(self, path: Path | str, then: Path | str) -> list[lsp.Diagnostic]:
        """didSave of `path`; the diagnostics then published again for the open document `then`."""
        uri = _uri(then)
        self.published.pop((uri, self.versions[uri]), None)
        self.client.text_document_did_save(lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(_uri(path))))
        return self.run(self._diagnostics(uri, self.versions[uri]))

    def hover(self, path, line: int, character: int) -> str | None:
        found = self.run(self.client.text_document_hover_async(lsp.HoverParams(
            lsp.TextDocumentIdentifier(_uri(path)), lsp.Position(line, character))))
        return found.contents.value if found else None

    def definition(self, path, line: int, character: int) -> lsp.Location | None:
        found = self.run(self.client.text_document_definition_async(lsp.DefinitionParams(
            lsp.TextDocumentIdentifier(_uri(path)), lsp.Position(line, character))))
        return found[0] if isinstance(found, list) else found

    def complete(self, path, line: int, character: int) -> dict[str, lsp.CompletionItem]:
        found = self.run(self.client.text_document_completion_async(lsp.CompletionParams(
            lsp.TextDocumentIdentifier(_uri(path)), lsp.Position(line, character))))
        items = found.items if isinstance(found, lsp.CompletionList) else found or []
        return {i.label: i for i in items}

    def close(self) -> int | None:
        """shutdown, exit; the server's exit code."""
        self.run(self.client.shutdown_async(None))
        self.client.exit(None)
        self.run(self.client.stop())
        server = self.client._server
        code = self.run(server.wait()) if server is not None else None
        self.loop.close()
        return code


def _uri(path: Path | str) -> str:
    """A file's URI; an unsaved document's ('untitled:…') as it is."""
    return str(path) if str(path).startswith("untitled:") else from_fs_path(str(path))


@pytest.fixture(scope="module")
def editor():
    session = Editor()
    yield session
    assert session.close() == 0  # shutdown then exit: the server ends cleanly


def _where(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """0-based (line, character) of the nth occurrence of `needle` in `text`."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at)
    return line, at - (text.rfind("\n", 0, at) + 1)


# ---- diagnostics ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_a_bundled_rule_file_opened_as_it_is_has_no_diagnostics(editor, path):
    assert editor.open(path, path.read_text(encoding="utf-8")) == []


def test_a_new_policy_beside_the_bundled_rules_checks_cleanly(editor, tmp_path):
    """The bundled vocabulary is read with it: 'district' and 'industrial_output' resolve."""
    assert editor.open(tmp_path / "shunyi.rules", SHUNYI) == []


def test_a_misspelt_fact_is_E172_at_its_0_based_range_with_the_did_you_mean(editor, tmp_path):
    path = tmp_path / "shunyi.rules"
    text = SHUNYI.replace("require district ==", "require distrct ==")
    [found] = editor.open(path, text)
    assert found.code == "E172"
    assert found.severity == lsp.DiagnosticSeverity.Error
    assert found.source == "subsidy"
    # "    require distrct == 顺义区 …" is the 12th line (line 11, 0-based); 'distrct' starts after
    # 4 spaces and "require " (12 characters) and is 7 characters long: [12, 19)
    assert found.range == lsp.Range(lsp.Position(11, 12), lsp.Position(11, 19))
    assert "unknown name 'distrct'" in found.message
    assert "help: did you mean 'district'?" in found.message


def test_a_range_after_chinese_text_counts_each_character_once(editor, tmp_path):
    """'顺义' (the 区 left off) after '==' : E172 with the did-you-mean of the enum value."""
    text = SHUNYI.replace("== 顺义区 and", "== 顺义 and")
    [found] = editor.open(tmp_path / "shunyi.rules", text)
    # "    require district == 顺义 and": '顺义' starts at character 4 + 8 + 9 + 3 = 24, 2 long
    assert (found.code, found.range.start, found.range.end) == ("E172", lsp.Position(11, 24), lsp.Position(11, 26))
    assert "did you mean '顺义区'?" in found.message


def test_a_syntax_error_mid_edit_then_its_fix(editor, tmp_path):
    path = tmp_path / "shunyi.rules"
    assert editor.open(path, SHUNYI) == []
    line, _ = _where(SHUNYI, "    pay 10万")
    # typing a new statement at the end of "    pay 10万" (11 characters), half-way: "    pay 10万 cap"
    [found] = editor.edit(path, (line, 11), (line, 11), " cap")
    assert found.code == "E003" and found.severity == lsp.DiagnosticSeverity.Error
    # 'cap' wants an amount: the '}' at the start of the next line is unexpected
    assert found.range == lsp.Range(lsp.Position(line + 1, 0), lsp.Position(line + 1, 1))
    assert "unexpected '}'" in found.message and "help: expected" in found.message
    [found] = editor.edit(path, (line, 15), (line, 15), " 5万 per")
    assert found.code == "E003"  # 'per' needs its scope
    assert "a scope (payment, item" in found.message
    # "    pay 10万 cap 5万 per" is 22 characters: ending it with a scope makes the clause whole again
    assert editor.edit(path, (line, 22), (line, 22), " enterprise") == []


def test_a_missing_brace_names_the_block_left_open(editor, tmp_path):
    path = tmp_path / "shunyi.rules"
    second = SHUNYI[SHUNYI.index("clause output"):].replace("clause output", "clause output_again")
    text = SHUNYI[:-2] + "\n" + second  # the first clause's closing '}' left out, a second clause after it
    [found] = editor.open(path, text)
    assert found.code == "E003"
    # the first clause opens on line 9 (1-based) = line 8 (0-based); the second begins on line 15
    assert "help: 'clause output \"第三条\"' (line 9) is not closed: add '}' before line 15" in found.message
    assert found.range.start == lsp.Position(14, 0)
    [opened] = found.related_information
    assert opened.location.range.start == lsp.Position(8, 0) and opened.message == "opened here"
    assert opened.location.uri == from_fs_path(str(path))


def test_an_unsaved_document_is_checked_with_the_bundled_rules(editor):
    """An editor's new, unsaved buffer has no path: its URI names it, labels point back into it."""
    uri = "untitled:Untitled-1"
    text = SHUNYI + SHUNYI[SHUNYI.index("clause output"):]  # the clause declared twice
    [found] = editor.open(uri, text)
    assert found.code == "E103" and "clause 'output' is declared twice" in found.message
    # the second 'clause output' is on line 14 (0-based); 'output' starts after "clause "
    assert found.range == lsp.Range(lsp.Position(14, 7), lsp.Position(14, 13))
    [first] = found.related_information
    assert first.location.uri == uri and first.message == "first declared here"
    assert first.location.range == lsp.Range(lsp.Position(8, 7), lsp.Position(8, 13))
    assert "年度工业总产值" in editor.hover(uri, *_where(text, "industrial_output"))


def test_a_neighbour_vocabulary_is_read_and_saving_it_checks_the_open_policy_again(editor, tmp_path):
    """A new district's own vocabulary file beside its policy: the policy reads the facts it
    declares, from the editor's buffer before it is ever saved."""
    policy = tmp_path / "shunyi.rules"
    text = SHUNYI.replace("require district == 顺义区", "require district == 顺义区 and sy_in_park")
    [found] = editor.open(policy, text)
    assert found.code == "E172" and "'sy_in_park'" in found.message
    vocabulary = tmp_path / "vocabulary_shunyi.rules"
    assert editor.open(vocabulary, 'vocabulary {\n    fact sy_in_park: bool "入驻顺义区产业园"\n}\n') == []
    assert editor.save(vocabulary, then=policy) == []
    line, character = _where(text, "sy_in_park")
    assert "入驻顺义区产业园" in editor.hover(policy, line, character)
    found = editor.definition(policy, line, character)
    assert found.uri == from_fs_path(str(vocabulary)) and found.range.start == lsp.Position(1, 9)


def test_a_copy_of_the_vocabulary_replaces_the_bundled_one(editor, tmp_path):
    """Opened as it is, a copy of vocabulary.rules declares nothing twice: it stands in for the
    bundled file of its name. Rename a fact every bundled policy reads and their errors are shown
    at the top of the vocabulary, each naming the file and line where the name is used."""
    path = tmp_path / "vocabulary.rules"
    original = (rules_dir() / "vocabulary.rules").read_text(encoding="utf-8")
    assert editor.open(path, original) == []
    line, character = _where(original, "fact district:")
    found = editor.edit(path, (line, character + 5), (line, character + 13), "region")
    assert found and all(d.code == "E172" for d in found)
    assert all(d.range == lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)) for d in found)
    assert any(re.match(r"001_fengtai\.rules:\d+:\d+: unknown name 'district'", d.message) for d in found)
    used = found[0].related_information[0].location
    assert used.uri.startswith(from_fs_path(str(rules_dir()))) and used.uri.endswith(".rules")


def test_a_new_version_of_a_bundled_policy_replaces_it(editor, tmp_path):
    """A copy of 004 under another name declares the same policy: it stands in for the bundled
    file instead of clashing with it (E102)."""
    import shutil
    shutil.copytree(rules_dir() / "texts", tmp_path / "texts")  # its `source` text beside it, as in rules/
    text = (rules_dir() / "004_pinggu.rules").read_text(encoding="utf-8")
    assert editor.open(tmp_path / "004_pinggu_2026.rules", text) == []


def test_a_huge_document_gets_one_diagnostic_not_a_hang(editor, tmp_path):
    text = SHUNYI * 40_000  # 12 MB
    [found] = editor.open(tmp_path / "huge.rules", text)
    assert found.code == "E940" and "too large" in found.message
    assert found.range.start == lsp.Position(0, 0)


def test_a_binary_document_gets_a_diagnostic_and_the_server_goes_on(editor, tmp_path):
    text = bytes(range(256)).decode("latin-1") * 4  # NUL, control characters, high bytes
    [found] = editor.open(tmp_path / "binary.rules", text)
    assert found.code == "E002"
    assert editor.hover(tmp_path / "binary.rules", 0, 3) is None
    # still answering; a file beside it is told of its broken neighbour, at its top
    [neighbour] = editor.open(tmp_path / "again.rules", SHUNYI)
    assert neighbour.message.startswith("binary.rules:1:1: unexpected U+0000")  # a NUL, named by its code point
    assert neighbour.range == lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
    (tmp_path / "elsewhere").mkdir()
    assert editor.open(tmp_path / "elsewhere" / "again.rules", SHUNYI) == []


def test_an_empty_document_is_no_policy_and_no_error(editor, tmp_path):
    assert editor.open(tmp_path / "empty.rules", "") == []
    assert editor.hover(tmp_path / "empty.rules", 5, 5) is None
    assert "clause" in editor.complete(tmp_path / "empty.rules", 0, 0)


# ---- hover and definition -------------------------------------------------------------------
@pytest.fixture(scope="module")
def fengtai(editor):
    path = rules_dir() / "001_fengtai.rules"
    text = path.read_text(encoding="utf-8")
    assert editor.open(path, text) == []
    return path, text


def test_hover_on_a_fact_gives_its_label_type_and_year(editor, fengtai):
    path, text = fengtai
    line, character = _where(text, "require (district == 丰台区")
    shown = editor.hover(path, line, character + len("require (") + 2)
    # vocabulary.rules: fact district: district "注册登记所在区"
    assert "`district`" in shown and "注册登记所在区" in shown and "type: `district`" in shown
    assert "not yearly" in shown


def test_hover_on_a_yearly_fact(editor, fengtai):
    path, text = fengtai
    line, character = _where(text, "industrial_output")
    shown = editor.hover(path, line, character + 1)
    assert "年度工业总产值" in shown and "type: `money`" in shown and "每年 per year" in shown


def test_hover_on_an_enum_value_lists_its_enum(editor, fengtai):
    path, text = fengtai
    line, character = _where(text, "== 丰台区")
    shown = editor.hover(path, line, character + 4)
    assert "`丰台区` of `district`" in shown and "海淀区" in shown


def test_hover_on_an_item_field_reads_the_clause_kind(editor):
    path = rules_dir() / "vocabulary.rules"
    text = path.read_text(encoding="utf-8")
    kind = re.search(r"kind (\w+) \"[^\"]*\" \{\s*field (\w+): (\w+) \"([^\"]*)\"", text)
    doc = SHUNYI.replace("    for enterprise once\n    require district == 顺义区 and industrial_output >= 1亿\n",
                         f"    for item {kind.group(1)}\n    require item.{kind.group(2)} == item.{kind.group(2)}\n")
    where = Path("/nonexistent-folder/shunyi_items.rules")
    assert editor.open(where, doc) == []
    line, character = _where(doc, f"item.{kind.group(2)}")
    shown = editor.hover(where, line, character + 6)
    assert f"of `{kind.group(1)}`" in shown and kind.group(4) in shown and f"`{kind.group(3)}`" in shown


def test_hover_on_a_clause_article_gives_its_text_and_readings(editor, fengtai):
    path, text = fengtai
    line, character = _where(text, 'clause pilot "第四条"')
    shown = editor.hover(path, line, character + len('clause pilot "') + 1)
    assert "**第四条**" in shown
    assert "年度最高500万元，连续支持不超过两年" in shown  # the article's text, quoted in the clause
    assert "解读 reading:" in shown
    assert editor.hover(path, line, character + len("clause p")) == shown.replace("**第四条**\n\n`pilot`",
                                                                                   "**clause 条款** `pilot` — 第四条")


def test_hover_on_a_clause_names_the_reading_of_its_article(editor, fengtai):
    path, text = fengtai
    # 001's reading revenue_growth_ceiling reads a sentence of 第六条, which a clause encodes
    reading = re.search(r'reading (revenue_growth_ceiling) "(第六条)"', text)
    clause = re.search(rf'clause (\w+) "{reading.group(2)}"', text)
    line, character = _where(text, clause.group(0))
    shown = editor.hover(path, line, character + len("clause ") + 1)
    assert f"**reading 解读** `{reading.group(1)}`" in shown and "(默认 default)" in shown


def test_hover_on_a_reading_and_an_alternative_of_when(editor, fengtai):
    path, text = fengtai
    line, character = _where(text, "when applicant_place is operating")
    shown = editor.hover(path, line, character + len("when ") + 1)
    assert "**reading 解读** `applicant_place` — 第二条" in shown
    assert "`operating` (默认 default)" in shown and "`registered`" in shown and "默认理由 because" in shown
    shown = editor.hover(path, line, character + len("when applicant_place is ") + 1)
    assert shown.startswith("**alternative 可选解读** `operating` (默认 default) of reading `applicant_place`")
    line, character = _where(text, "alternative registered")
    shown = editor.hover(path, line, character + len("alternative r"))
    assert shown.startswith("**alternative 可选解读** `registered` of reading `applicant_place`")


def test_in_the_vocabulary_a_fact_and_its_enum_type_of_the_same_name_are_told_apart(editor):
    path = rules_dir() / "vocabulary.rules"
    text = path.read_text(encoding="utf-8")
    editor.open(path, text)
    line, character = _where(text, "fact district: district")
    assert editor.hover(path, line, character + len("fact d")).startswith("**fact 事实** `district`")
    assert editor.hover(path, line, character + len("fact district: d")).startswith("**enum 枚举** `district`")
    found = editor.definition(path, line, character + len("fact district: d"))
    assert found.range.start == lsp.Position(*_where(text, "district {"))


def test_definition_of_a_fact_is_its_declaration_in_the_vocabulary(editor, fengtai):
    path, text = fengtai
    line, character = _where(text, "require (district == 丰台区")
    found = editor.definition(path, line, character + len("require (") + 3)
    vocabulary = (rules_dir() / "vocabulary.rules").read_text(encoding="utf-8")
    at_line, at = _where(vocabulary, "fact district:")
    assert found.uri == from_fs_path(str(rules_dir() / "vocabulary.rules"))
    assert found.range == lsp.Range(lsp.Position(at_line, at + 5), lsp.Position(at_line, at + 13))


def test_definition_of_a_reading_an_alternative_an_enum_and_a_kind(editor, fengtai, tmp_path):
    path, text = fengtai
    line, character = _where(text, "when applicant_place is operating")
    found = editor.definition(path, line, character + len("when ") + 2)
    assert found.uri == from_fs_path(str(path))
    assert found.range.start == lsp.Position(*_where(text, "applicant_place \"第二条\""))
    found = editor.definition(path, line, character + len("when applicant_place is ") + 2)
    declared = _where(text, "alternative operating")
    assert found.range.start == lsp.Position(declared[0], declared[1] + len("alternative "))

    vocabulary = (rules_dir() / "vocabulary.rules").read_text(encoding="utf-8")
    where = tmp_path / "shunyi.rules"
    editor.open(where, SHUNYI)
    found = editor.definition(where, *_where(SHUNYI, "== 顺义区"))
    assert found is None  # '==' is no name
    found = editor.definition(where, _where(SHUNYI, "顺义区 and")[0], _where(SHUNYI, "顺义区 and")[1] + 1)
    enum_line = _where(vocabulary, "enum district")[0]
    assert found.range.start.line == enum_line + 1  # 顺义区 is on the first line of the enum's values
    kind = re.search(r"kind (\w+)", vocabulary)
    doc = SHUNYI.replace("for enterprise once", f"for item {kind.group(1)}").replace(
        "require district == 顺义区 and industrial_output >= 1亿", "require true")
    editor.open(tmp_path / "kinds.rules", doc)
    found = editor.definition(tmp_path / "kinds.rules", *_where(doc, kind.group(1)))
    declared_line, declared = _where(vocabulary, kind.group(0))
    assert found.range.start == lsp.Position(declared_line, declared + len("kind "))


# ---- completion -----------------------------------------------------------------------------
def test_completion_of_enum_values_after_equals_and_in(editor, tmp_path):
    path = tmp_path / "shunyi.rules"
    editor.open(path, SHUNYI)
    line, character = _where(SHUNYI, "顺义区 and")
    offered = editor.complete(path, line, character)  # right after "district == "
    # vocabulary.rules: enum district { 东城区, …, 京外 }, 18 values; nothing else is offered
    assert "顺义区" in offered and "京外" in offered and "海淀区" in offered
    assert len(offered) == 18 and offered["顺义区"].kind == lsp.CompletionItemKind.EnumMember
    doc = SHUNYI.replace("district == 顺义区", "district in {顺义区, ")
    editor.edit(path, (line, 0), (line + 1, 0), doc.split("\n")[line] + "\n")
    offered = editor.complete(path, line, len("    require district in {顺义区, "))
    assert len(offered) == 18 and "昌平区" in offered
    doc = SHUNYI.replace("district == 顺义区", "industrial_output == ")
    editor.edit(path, (line, 0), (line + 1, 0), doc.split("\n")[line] + "\n")
    assert editor.complete(path, line, len("    require industrial_output == ")) == {}  # an amount, no enum


def test_completion_of_fields_after_item_dot(editor, tmp_path):
    vocabulary = (rules_dir() / "vocabulary.rules").read_text(encoding="utf-8")
    kind = re.search(r"kind (\w+) \"[^\"]*\" \{(.*?)\n    \}", vocabulary, re.S)
    fields = re.findall(r"field (\w+):", kind.group(2))
    doc = SHUNYI.replace("for enterprise once", f"for item {kind.group(1)}").replace(
        "require district == 顺义区 and industrial_output >= 1亿", "require item.")
    path = tmp_path / "items.rules"
    assert editor.open(path, doc)  # mid-edit: 'item.' does not parse
    line, _ = _where(doc, "require item.")
    offered = editor.complete(path, line, len("    require item."))
    assert sorted(offered) == sorted(fields)
    assert offered[fields[0]].kind == lsp.CompletionItemKind.Field


def test_completion_of_alternatives_after_when_is(editor, fengtai):
    path, text = fengtai
    line, character = _where(text, "when applicant_place is operating")
    offered = editor.complete(path, line, character + len("when applicant_place is "))
    assert sorted(offered) == ["operating", "registered"]


def test_completion_elsewhere_offers_keywords_and_facts(editor, tmp_path):
    path = tmp_path / "shunyi.rules"
    editor.open(path, SHUNYI)
    line, _ = _where(SHUNYI, "    pay 10万")
    offered = editor.complete(path, line, 4)
    assert {"pay", "require", "cap", "when", "clause", "first_tier"} <= set(offered)
    assert offered["industrial_output"].kind == lsp.CompletionItemKind.Variable
    assert offered["growth"].kind == lsp.CompletionItemKind.Function
    line, character = _where(SHUNYI, "年度工业总产值")
    assert editor.complete(path, line, character + 2) == {}  # inside the article's quoted text


# ---- any input -------------------------------------------------------------------------------
_PIECES = st.sampled_from(["{", "}", '"', "\n", " ", "#", "item.", "when ", " is ", "==", "in {", "cap ", "per ",
                           "district", "顺义区", "1亿", "50%", "clause x \"第一条\" {", "\\", "\t", "\x00", "😀",
                           "2025-13-45", "9" * 30, "(" * 50, "not " * 30])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 60), st.integers(0, 8),
                                st.lists(_PIECES, max_size=4).map("".join)), min_size=1, max_size=6),
       asked=st.tuples(st.integers(0, 20), st.integers(0, 80)))
def test_random_edits_never_stop_the_server(editor, edits, asked):
    """Whatever is typed, each version gets its diagnostics, every range lies in the document, and
    hover, definition and completion answer."""
    path = Path(f"/nonexistent-folder/random{len(editor.versions)}.rules")  # a new document each example
    assert editor.open(path, SHUNYI) == []
    text = SHUNYI
    for line, character, deleted, inserted in edits:
        lines = text.split("\n")
        line = min(line, len(lines) - 1)
        character = min(character, len(lines[line].encode("utf-16-le")) // 2)
        start = _offset(lines, line, character)
        end = min(start + deleted, len(text))
        end_line = text.count("\n", 0, end)
        end_character = len(text[text.rfind("\n", 0, end) + 1:end].encode("utf-16-le")) // 2
        text = text[:start] + inserted + text[end:]
        found = editor.edit(path, (line, character), (end_line, end_character), inserted)
        lines = text.split("\n")
        for d in found:
            assert d.code and d.message
            for p in (d.range.start, d.range.end):
                assert 0 <= p.line < len(lines)
                assert 0 <= p.character <= len(lines[p.line].encode("utf-16-le")) // 2
    editor.hover(path, *asked)
    editor.definition(path, *asked)
    assert isinstance(editor.complete(path, *asked), dict)


def _offset(lines: list[str], line: int, character: int) -> int:
    """The string offset of a 0-based line and UTF-16 character (never inside a surrogate pair)."""
    row, units, i = lines[line], 0, 0
    while i < len(row) and units < character:
        units += len(row[i].encode("utf-16-le")) // 2
        i += 1
    return sum(len(x) + 1 for x in lines[:line]) + i


# ---- the command and the editor folder --------------------------------------------------------
def test_without_pygls_the_command_says_what_to_install():
    code = ("import sys, runpy; sys.modules['pygls'] = sys.modules['lsprotocol'] = None; "
            "sys.argv = ['subsidy', 'lsp']; runpy.run_path('cli.py', run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=WAIT)
    assert done.returncode == 2
    assert "error[E941]" in done.stderr and "pip install 'subsidy-solver[lsp]'" in done.stderr


VSCODE = ROOT / "editors" / "vscode"


def _patterns(node):
    if isinstance(node, dict):
        for key in ("match", "begin", "end"):
            if key in node:
                yield node[key]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


def test_the_textmate_grammar_is_json_whose_patterns_compile_and_colour_every_keyword():
    from solver.lsp import keywords
    grammar = json.loads((VSCODE / "syntaxes" / "subsidy-rules.tmLanguage.json").read_text(encoding="utf-8"))
    assert grammar["scopeName"] == "source.subsidy-rules"
    compiled = [re.compile(p) for p in _patterns(grammar)]
    assert len(compiled) >= 8
    words = {k for k in keywords() if k not in ("true", "false")}
    coloured = {w for w in words if any(p.fullmatch(w) or p.search(f" {w} ") for p in compiled)}
    assert coloured == words
    # on a real line, the grammar's first matching pattern for each token gives the expected scope
    line = '    require district == 顺义区 and industrial_output >= 1亿 # 第三条'
    scopes = {m.group(): _scope(grammar, m.group()) for m in re.finditer(r"\S+", line)}
    assert scopes["require"].startswith("keyword") and scopes["1亿"].startswith("constant.numeric")
    assert scopes["#"].startswith("comment") and scopes[">="].startswith("keyword.operator")


def _scope(grammar: dict, token: str) -> str | None:
    for name in grammar["patterns"]:
        rule = grammar["repository"][name["include"][1:]]
        for p in rule.get("patterns", [rule]):
            if "match" in p and re.fullmatch(p["match"], token):
                return p["name"]
    return None


def test_the_vscode_extension_declares_the_language_and_its_files():
    package = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    [language] = package["contributes"]["languages"]
    assert language["id"] == "subsidy-rules" and ".rules" in language["extensions"]
    [grammar] = package["contributes"]["grammars"]
    assert (VSCODE / grammar["path"]).is_file() and grammar["scopeName"] == "source.subsidy-rules"
    config = json.loads((VSCODE / "language-configuration.json").read_text(encoding="utf-8"))
    assert config["comments"]["lineComment"] == "#"
    assert (VSCODE / package["main"]).is_file()
