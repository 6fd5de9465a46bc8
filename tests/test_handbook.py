"""`subsidy doc`: the generated handbook, read back with the standard library's HTML parser as a
browser would load it from file://: every page parses, every link lands on a file and an id,
every article and reading of the bundled rules is there, hostile text stays text, and the output
folder is only ever a new, an empty, or an earlier handbook's."""
from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given, strategies as st
from click.testing import CliRunner

import cli
from solver import pipeline
from solver.handbook import MARKER, anchor
from solver.resources import rules_dir

VOID = {"meta", "link", "br", "hr", "img", "input"}


class Page(HTMLParser):
    """One page as the parser reads it: its ids, its links, its text, and whether every element
    it opened was closed in order (html.parser itself forgives anything)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.chunks: list[str] = []
        self.tags: list[str] = []
        self.scripts = 0
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.feed(text)
        self.close()
        if self.stack:
            self.problems.append(f"left open: {self.stack}")

    def handle_starttag(self, name, attrs):
        self.tags.append(name)
        found = dict(attrs)
        if "id" in found:
            if found["id"] in self.ids:
                self.problems.append(f"duplicate id {found['id']!r}")
            self.ids.add(found["id"])
        for key in ("href", "src"):
            if key in found:
                self.hrefs.append(found[key])
        if name == "script":
            self.scripts += 1
        if name not in VOID:
            self.stack.append(name)

    def handle_endtag(self, name):
        if not self.stack or self.stack[-1] != name:
            self.problems.append(f"</{name}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)


def doc(*args) -> object:
    result = CliRunner().invoke(cli.main, ["doc", *args])
    assert "Traceback" not in result.output
    return result


def read_site(folder: Path) -> dict[str, Page]:
    return {f.name: Page(f.read_text(encoding="utf-8")) for f in sorted(folder.glob("*.html"))}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, dict[str, Page]]:
    out = tmp_path_factory.mktemp("doc") / "handbook"
    result = doc("--out", str(out), "--include-drafts")
    assert result.exit_code == 0, result.output
    return out, read_site(out)


def policy_pages(folder: Path) -> dict[str, str]:
    return {p: f"policy-{p}.html" for p in pipeline.load_rules().policies}


def test_every_page_parses_whole_and_needs_no_network_or_script(site):
    folder, pages = site
    # index and one page per bundled policy (five, the draft 001 included), a style sheet, the marker
    assert set(pages) == {"index.html", *policy_pages(folder).values()}
    assert {f.name for f in folder.iterdir()} == {*pages, "style.css", MARKER}
    for name, page in pages.items():
        assert page.problems == [], name
        assert page.scripts == 0, name
        for href in page.hrefs:
            assert urlsplit(href).scheme == "" and not href.startswith("//"), (name, href)  # no CDN, no web


def test_every_internal_link_lands_on_a_file_and_an_id(site):
    folder, pages = site
    checked = 0
    for name, page in pages.items():
        for href in page.hrefs:
            path, _, fragment = href.partition("#")
            target = path or name
            assert (folder / target).is_file(), (name, href)
            if fragment:
                assert target in pages and unquote(fragment) in pages[target].ids, (name, href)
                checked += 1
    assert checked > 500  # the pages are mostly links: clauses, articles, readings, facts


def test_every_article_of_every_bundled_policy_appears_with_its_text(site):
    _, pages = site
    ruleset = pipeline.load_rules()
    for c in list(ruleset.clauses) + list(ruleset.conditions):
        page = pages[f"policy-{c.policy}.html"]
        assert anchor(c.article) in page.ids, c.key
        for text in c.texts:
            assert text in page.text, (c.key, text[:20])
    for pid, a in ruleset.articles:  # procedural and non-monetary articles: their note
        page = pages[f"policy-{pid}.html"]
        assert anchor(a.article) in page.ids and a.note in page.text, (pid, a.article)
    # the clause's rule source is shown beside its text: 000 第五条's matching part, as written
    page = pages["policy-tongzhou_mfg.html"]
    assert "c-first_use" in page.ids and "matches city2024" in page.text
    assert "pay up to 50% of item.amount" in page.text


def test_every_reading_appears_with_every_alternative_its_default_and_why(site):
    _, pages = site
    ruleset = pipeline.load_rules()
    index = pages["index.html"]
    assert len(ruleset.readings) >= 20
    for r in ruleset.readings.values():
        page = pages[f"policy-{r.policy}.html"]
        assert f"r-{r.name}" in page.ids, r.key
        for a in r.alternatives:
            assert a.name in page.text and ruleset.say(a.description) in page.text, (r.key, a.name)
            assert a.name in index.text
        assert r.key in index.text and ruleset.say(r.reason) in page.text, r.key
        assert f"policy-{r.policy}.html#r-{r.name}" in index.hrefs


def test_the_matching_links_of_000_reach_the_city_policys_award(site):
    _, pages = site
    # 000 第五条 matching part: “对获得市级首台（套）…支持的企业…给予配套支持” — matches city2024 (002 四(二)2)
    for name in ("policy-tongzhou_mfg.html", "policy-fengtai.html", "index.html"):
        assert "policy-city2024.html#c-award" in pages[name].hrefs, name
    assert "c-award" in pages["policy-city2024.html"].ids
    # 000 and 003 share the 从优不重复 group 通州区 (000 第十八条): each links to the other and the group
    mfg, tz = pages["policy-tongzhou_mfg.html"], pages["policy-tongzhou.html"]
    assert "policy-tongzhou.html" in mfg.hrefs and "policy-tongzhou_mfg.html" in tz.hrefs
    assert f"index.html#g-{anchor('通州区')}" in mfg.hrefs and f"g-{anchor('通州区')}" in pages["index.html"].ids
    # 003 （十三） is shaped by 000's reading tongzhou_mfg.governs: a POLICY.NAME link across pages
    assert "policy-tongzhou_mfg.html#r-governs" in tz.hrefs


def test_a_clause_reads_in_words_computed_or_discretionary_with_its_ceilings(site):
    _, pages = site
    text = pages["policy-tongzhou_mfg.html"].text
    # 000 第五条: “按照不超过合同交易总金额的30%给予支持 … 单个企业每年最高支持300万元”
    assert "酌定 discretionary" in text and "最高 30% × item.contract_amount" in text
    assert "300万 每家企业每年" in text
    # 002 四(二)2: a granted award's amount is computed; one direction a year unless a major project
    city = pages["policy-city2024.html"].text
    assert "计算 computed" in city and "每家企业每年只取一个 item.direction，除非 item.major_project" in city
    # the facts it needs, with their Chinese labels; the coverage table with its statuses
    ruleset = pipeline.load_rules()
    assert ruleset.vocab.kinds["city_award"].label in city
    assert "程序性 procedural" in city and "非金额 non-monetary" in city


def test_drafts_are_left_out_unless_asked_and_links_to_them_are_not_dangling(tmp_path):
    out = tmp_path / "h"
    assert doc("--out", str(out)).exit_code == 0
    pages = read_site(out)
    assert "policy-fengtai.html" not in pages and "--include-drafts" in pages["index.html"].text
    for name, page in pages.items():
        for href in page.hrefs:
            assert (out / href.partition("#")[0]).is_file() or href.startswith("#"), (name, href)


HOSTILE = '''\
policy evil {
    title  "</title><script>alert(1)</script>"
    short  "<b>坏</b>"
    issuer "A & B <i>"
    level  district
    region 通州区
    in_force 2025-01-01
    status in_force
    no_duplication 通州区
}

clause x "第一条<script>" {
    text "条文 <script>alert('x')</script> & \\"引号\\""
    reading "<img src=x onerror=alert(2)>"
    for enterprise once
    pay up to 10万
}

article "\\" onmouseover=\\"alert(3)" procedural "<iframe>"
'''


def test_hostile_strings_in_a_rule_file_stay_text(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    (rules / "009_evil.rules").write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "h"
    result = doc("--out", str(out), "--rules", str(rules))
    assert result.exit_code == 0, result.output
    pages = read_site(out)
    evil = pages["policy-evil.html"]
    assert evil.problems == [] and evil.scripts == 0
    assert set(evil.tags) <= {"html", "head", "meta", "title", "link", "body", "main", "p", "a", "h1", "h2", "h3", "h4",
                              "table", "thead", "tbody", "tr", "th", "td", "span", "small", "strong", "code", "pre",
                              "ul", "li", "section", "div", "blockquote", "details", "summary"}
    # the words arrive as text, exactly as written
    assert "条文 <script>alert('x')</script> & \"引号\"" in evil.text
    assert "<img src=x onerror=alert(2)>" in evil.text and "<iframe>" in evil.text
    assert "</title><script>alert(1)</script>" in evil.text
    # a label with quotes gets a safe id, and the coverage table's link to it still lands
    assert anchor('" onmouseover="alert(3)') in evil.ids and anchor("第一条<script>") in evil.ids
    raw = (out / "policy-evil.html").read_text(encoding="utf-8")
    assert "<script" not in raw and "onmouseover=" not in raw.replace("onmouseover=&quot;", "")
    assert pages["index.html"].scripts == 0 and "policy-evil.html" in pages["index.html"].hrefs


def test_the_output_folder_is_new_empty_or_an_earlier_handbook(tmp_path):
    # a folder with the user's own files is refused, and left as it was
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    result = doc("--out", str(mine))
    assert result.exit_code == 2 and "error[E951]" in result.output and "help:" in result.output
    assert [f.name for f in mine.iterdir()] == ["notes.txt"]
    # a file is refused; a folder inside a missing one is refused, and nothing is created
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert "error[E950]" in doc("--out", str(tmp_path / "file")).output
    assert "error[E952]" in doc("--out", str(tmp_path / "nope" / "h")).output
    assert not (tmp_path / "nope").exists()
    # a symbolic link is refused, not followed
    (tmp_path / "link").symlink_to(mine)
    assert "error[E953]" in doc("--out", str(tmp_path / "link")).output
    # an empty folder is filled; a second run replaces the handbook whole (a stale page goes)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert doc("--out", str(empty)).exit_code == 0 and (empty / MARKER).is_file()
    (empty / "stale.html").write_text("old", encoding="utf-8")
    first = (empty / "index.html").read_bytes()
    assert doc("--out", str(empty)).exit_code == 0
    assert not (empty / "stale.html").exists() and (empty / "index.html").read_bytes() == first  # same rules, same bytes
    # nothing is left beside it: no temporary or old folder
    assert sorted(f.name for f in tmp_path.iterdir()) == ["empty", "file", "link", "mine"]


def test_a_rule_file_with_an_error_writes_nothing(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    (rules / "009_bad.rules").write_text('clause x "第一条" {\n    pay up to 10万\n', encoding="utf-8")
    result = doc("--out", str(tmp_path / "h"), "--rules", str(rules))
    assert result.exit_code == 2 and "error[" in result.output and not (tmp_path / "h").exists()


@given(st.text())
def test_any_text_reads_back_as_itself_and_any_label_gives_a_safe_id(text):
    from solver.handbook import _SAFE_ID, tag
    page = Page(str(tag("p", tag("a", text, href=text))))  # as an element's text and as an attribute
    assert page.problems == [] and page.text == text and page.hrefs == [text] and page.tags == ["p", "a"]
    ident = anchor(text)
    assert _SAFE_ID.fullmatch(ident) and (ident == text or ident.startswith("a-"))
