"""`subsidy doc`: the checked rules as a static handbook in Chinese, for people who read policies
rather than rule files.

Input: a `Ruleset` (and the rule files it was read from, for each clause's source). Output: a
folder of HTML pages that open from `file://` with no network and no script: `index.html` (the
policies, their dates and issuers, the 从优不重复 groups, the 配套 links, every reading) and one page
per policy (each article's text beside its encoded clause, the clause in words, its readings, the
facts it needs, its combination rules and the policy's coverage table). Every string that comes
from a rule file is escaped: markup is only ever built by `tag`, which escapes what it is given.
"""
from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import tempfile
from pathlib import Path

from . import ast
from .coverage import article_key, coverage
from .diagnostics import Diagnostic, DiagnosticError
from .i18n import scope_word, use
from .model import Clause, Condition, Part, Policy, Ruleset
from .readings import shaped_by
from .show import show
from .template import needs
from .values import fmt_value

#: The file that marks a folder as a handbook this command wrote, so a later run may replace it.
MARKER = ".subsidy-handbook"
STYLE = "style.css"

STATUS_WORDS = {"encoded": "已编码 encoded", "condition": "条件 condition", "procedural": "程序性 procedural",
                "non_monetary": "非金额 non-monetary", "not_encoded": "未编码 not encoded"}
TYPE_WORDS = {"money": "金额", "rate": "比率", "count": "数量", "bool": "是/否", "year": "年份",
              "date": "日期", "text": "文字", "item": "另一项的 id"}


# -- markup that escapes by construction -------------------------------------------------------
class Markup(str):
    """HTML already escaped (built by `tag`); any other str given to `tag` is escaped."""


def esc(value) -> Markup:
    return value if isinstance(value, Markup) else Markup(html.escape(str(value), quote=True))


def tag(name: str, *children, **attrs) -> Markup:
    """<name attrs>children</name>; `cls` is the class attribute; None and False attributes are left out."""
    attrs = {("class" if k == "cls" else k.rstrip("_")): v for k, v in attrs.items() if v is not None and v is not False}
    opening = "".join(f' {k}="{esc(v)}"' for k, v in attrs.items())
    return Markup(f"<{name}{opening}>{cat(*children)}</{name}>")


def cat(*children) -> Markup:
    """The children's markup in order; tuples and lists are flattened, None is left out."""
    return Markup("".join(cat(*c) if isinstance(c, (tuple, list)) else esc(c) for c in children if c is not None))


def seq(items, sep: str = "、") -> Markup:
    """Markup items joined by an escaped separator."""
    items = list(items)
    return cat(*[x for i, item in enumerate(items) for x in ((sep,) if i else ()) + (item,)])


# -- names of pages and anchors ----------------------------------------------------------------
_SAFE_ID = re.compile(r"[^\s\"'<>&#%?/\\`]+")
_OUR_PREFIXES = ("c-", "k-", "r-", "g-", "a-", "f-", "p-")


def anchor(label: str) -> str:
    """An article's id: its own label (`第三条`, `（一）`, `四(二)1`) where that is a safe fragment,
    else `a-` and a digest of it (a label with spaces, quotes or markup, or one of our prefixes)."""
    if _SAFE_ID.fullmatch(label) and not label.startswith(_OUR_PREFIXES):
        return label
    return "a-" + hashlib.sha256(label.encode("utf-8")).hexdigest()[:12]


def page_names(policies: list[Policy]) -> dict[str, str]:
    """Each policy's page: policy-ID.html for an ASCII id, policy-N.html otherwise (never a path)."""
    return {p.id: f"policy-{p.id if re.fullmatch(r'[A-Za-z0-9_]+', p.id) else n}.html"
            for n, p in enumerate(policies, 1)}


# -- each clause's rule source, lightly highlighted ---------------------------------------------
_TOKEN = re.compile(r'(?P<comment>#[^\n]*)|(?P<string>"(?:[^"\\\n]|\\.)*")'
                    r"|(?P<number>\d{4}-\d{2}-\d{2}|\d+(?:\.\d+)?(?:千元|万元|亿元|万|亿|元|%)|\d+:\d+|\d+)"
                    r"|(?P<name>[^\W\d]\w*)")


def _keywords() -> frozenset[str]:
    """The rule language's keywords: the quoted words of the grammar, so highlighting follows it."""
    from .resources import grammar_path
    text = grammar_path().read_text(encoding="utf-8")
    return frozenset(re.findall(r'"([a-z_]+)"', text)) | {"payment", "item_year", "item", "enterprise_year", "enterprise"}


def highlight(source: str, keywords: frozenset[str]) -> Markup:
    """Rule source as markup: comments, strings, numbers and keywords in spans with CSS classes."""
    out, pos = [], 0
    for m in _TOKEN.finditer(source):
        out.append(esc(source[pos:m.start()]))
        kind = m.lastgroup
        if kind == "name":
            kind = "kw" if m.group() in keywords else None
        out.append(tag("span", m.group(), cls=kind) if kind else esc(m.group()))
        pos = m.end()
    out.append(esc(source[pos:]))
    return cat(*out)


def rule_sources(files) -> dict[tuple[str, str, str], str]:
    """(file, declaration, name) -> the declaration's text as written, for every clause, condition
    and reading of the files (read by the language's own parser). A file that no longer reads or
    parses gives nothing: the handbook then shows the clause in words only."""
    from .parse import parser
    out = {}
    for f in files:
        try:
            text = Path(f).read_text(encoding="utf-8")
            tree = parser().parse(text)
        except Exception:  # noqa: BLE001 — changed since it was checked: no source shown
            continue
        for node in tree.children:
            if getattr(node, "data", None) in ("clause", "condition", "reading_decl") and node.children:
                out[(str(f), str(node.data), str(node.children[0]))] = text[node.meta.start_pos:node.meta.end_pos]
    return out


# -- the site ------------------------------------------------------------------------------
class Handbook:
    """The pages of one rule set: build() gives {file name: text}."""

    def __init__(self, ruleset: Ruleset, include_drafts: bool):
        self.rs = ruleset
        every = sorted(ruleset.policies.values(), key=lambda p: p.order)
        self.policies = [p for p in every if include_drafts or not p.is_draft]
        self.left_out = [p for p in every if p not in self.policies]
        self.pages = page_names(self.policies)
        self.keywords = _keywords()
        self.sources = rule_sources(sorted({c.span.file for c in ruleset.clauses} |
                                           {c.span.file for c in ruleset.conditions} |
                                           {r.span.file for r in ruleset.readings.values()}))
        self.coverage = {row["policy"]: row for row in coverage(ruleset)}
        self.needs = {p.id: needs(ruleset, [p]) for p in self.policies}  # facts and kinds each policy reads

    def build(self) -> dict[str, str]:
        with use("zh"):  # show.py's words and the rule files' `zh` notes, in Chinese
            pages = {"index.html": self.index()}
            for p in self.policies:
                pages[self.pages[p.id]] = self.policy_page(p)
        pages[STYLE] = CSS
        pages[MARKER] = "subsidy doc: this folder is a generated handbook; `subsidy doc` may replace it whole.\n"
        return pages

    # -- links
    def policy_link(self, pid: str, fragment: str | None = None, text=None) -> Markup:
        policy = self.rs.policies.get(pid)
        label = text if text is not None else (f"《{policy.short or policy.title}》" if policy else pid)
        if pid not in self.pages:  # a draft left out, or a name the rules do not know
            return tag("span", label, " ", tag("small", "（未收录）"), cls="missing", title=pid)
        href = self.pages[pid] + (f"#{fragment}" if fragment else "")
        return tag("a", label, href=href)

    def clause_link(self, clause: Clause) -> Markup:
        return self.policy_link(clause.policy, f"c-{clause.name}", f"{clause.policy}.{clause.name}（{clause.article}）")

    def reading_link(self, key: str) -> Markup:
        reading = self.rs.readings.get(key)
        if reading is None:
            return tag("code", key)
        return self.policy_link(reading.policy, f"r-{reading.name}", tag("code", key))

    def key_link(self, key: str) -> Markup:
        """A clause, condition or policy key (as `shaped_by` gives them) as a link to its place."""
        for c in self.rs.clauses:
            if c.key == key:
                return self.clause_link(c)
        for c in self.rs.conditions:
            if key in (c.key, f"{c.policy}.{c.name}"):
                return self.policy_link(c.policy, f"k-{c.name}", f"条件 {c.policy}.{c.name}（{c.article}）")
        if key.startswith("policy ") and key[7:] in self.rs.policies:
            return self.policy_link(key[7:], None, f"政策设置 {key[7:]}")
        return tag("code", key)

    def matched_clauses(self, part: Part) -> list[Clause]:
        """The clauses of the matched policy that pay items of the part's kind (what 配套 matches)."""
        return [c for c in self.rs.clauses if c.policy == part.matches
                and any(q.subject.kind == part.subject.kind for q in c.parts)]

    # -- the index
    def index(self) -> str:
        rows = []
        for p in self.policies:
            cov = self.coverage.get(p.id, {"articles": [], "not_encoded": 0})
            rows.append(tag("tr", tag("td", self.policy_link(p.id, None, p.title)), tag("td", tag("code", p.id)),
                            tag("td", p.document or "—"), tag("td", p.issuer or "—"),
                            tag("td", f"{'市级' if p.level == 'city' else '区级'} {p.region}"),
                            tag("td", status_badge(p)), tag("td", dates(p)),
                            tag("td", p.supersedes or "—"),
                            tag("td", str(sum(c.policy == p.id for c in self.rs.clauses))),
                            tag("td", str(cov["not_encoded"]))))
        table = tag("table", tag("thead", tag("tr", *[tag("th", h) for h in (
            "政策 policy", "编号 id", "文号", "发布机关 issuer", "层级与区域", "状态 status", "有效期 in force",
            "废止 supersedes", "条款 clauses", "未编码 not encoded")])), tag("tbody", *rows))
        body = [tag("h1", "北京市企业扶持政策手册"),
                tag("p", "由规则文件生成（subsidy doc）：每项政策的条文与其编码并列，解读、上限、所需事实与组合规则。"
                    "金额以整数元计；“最高”为酌定上限（pay up to），其余为按规则计算的金额（pay）。", cls="lead"),
                tag("h2", "政策 Policies", id="policies"), table]
        if self.left_out:
            body.append(tag("p", "未收录的征求意见稿（draft）：", seq(f"{p.title}（{p.id}）" for p in self.left_out),
                            "。加 --include-drafts 收录。", cls="note"))
        body += [tag("h2", "从优不重复 组 (no_duplication groups)", id="groups"), self.groups(),
                 tag("h2", "配套 (matches)", id="matches"), self.matches_table(),
                 tag("h2", "解读 Readings", id="readings"), self.readings_table()]
        return page("北京市企业扶持政策手册", cat(*body))

    def groups(self) -> Markup:
        groups: dict[str, list[Policy]] = {}
        for p in self.policies:
            if p.no_duplication:
                groups.setdefault(p.no_duplication, []).append(p)
        if not groups:
            return tag("p", "没有政策声明从优不重复组。")
        items = [tag("li", tag("strong", name), "：", seq(self.policy_link(p.id) for p in members),
                     "。同一项目、同一事项符合组内多个条款（或多项政策）的，只取其一，取金额最高者。",
                     id=f"g-{anchor(name)}")
                 for name, members in groups.items()]
        return tag("ul", *items)

    def matches_table(self) -> Markup:
        rows = []
        for c in self.rs.clauses:
            if c.policy not in self.pages:
                continue
            for part in c.parts:
                if part.matches:
                    rows.append(tag("tr", tag("td", self.clause_link(c)), tag("td", part.name or "—"),
                                    tag("td", self.policy_link(part.matches)),
                                    tag("td", seq((self.clause_link(m) for m in self.matched_clauses(part)), "，") or "—")))
        if not rows:
            return tag("p", "没有配套条款。")
        return tag("table", tag("thead", tag("tr", *[tag("th", h) for h in (
            "条款 clause", "子项 part", "配套政策", "所配套的条款")])), tag("tbody", *rows))

    def readings_table(self) -> Markup:
        rows = []
        for r in self.rs.readings.values():
            if r.policy not in self.pages:
                continue
            alts = tag("ul", *[tag("li", tag("code", a.name), "：", self.rs.say(a.description),
                                   tag("strong", "（默认）") if a.name == r.default else None)
                               for a in r.alternatives])
            rows.append(tag("tr", tag("td", self.reading_link(r.key)),
                            tag("td", self.policy_link(r.policy, anchor(r.article), r.article)),
                            tag("td", alts), tag("td", tag("code", r.default)), tag("td", self.rs.say(r.reason))))
        if not rows:
            return tag("p", "没有解读。")
        return tag("table", tag("thead", tag("tr", *[tag("th", h) for h in (
            "解读 reading", "条款", "可选解读 alternatives", "默认 default", "理由 why")])), tag("tbody", *rows))

    # -- a policy's page
    def policy_page(self, p: Policy) -> str:
        clauses = [c for c in self.rs.clauses if c.policy == p.id]
        conditions = [c for c in self.rs.conditions if c.policy == p.id]
        notes = [a for pid, a in self.rs.articles if pid == p.id]
        readings = [r for r in self.rs.readings.values() if r.policy == p.id]
        labels = sorted({x.article for x in clauses + conditions + notes + readings}, key=article_key)
        body = [tag("p", tag("a", "← 政策手册", href="index.html"), cls="nav"),
                tag("h1", p.title), self.settings(p),
                tag("h2", "组合规则 combination", id="combination"), self.combination(p, clauses),
                tag("h2", "覆盖 coverage", id="coverage"), self.coverage_table(p),
                tag("h2", "条文与编码 articles", id="articles")]
        for label in labels:
            body.append(self.article(p, label, [c for c in conditions if c.article == label],
                                     [c for c in clauses if c.article == label],
                                     [a for a in notes if a.article == label]))
        body += [tag("h2", "解读 readings", id="readings"),
                 cat(*[self.reading(r) for r in readings]) if readings else tag("p", "本政策没有解读。"),
                 tag("h2", "所需事实与项目 facts and items", id="facts"), self.facts(p)]
        return page(p.short or p.title, cat(*body))

    def settings(self, p: Policy) -> Markup:
        rows = [("编号 id", tag("code", p.id)), ("简称", p.short or "—"), ("文号", p.document or "—"),
                ("发布机关", p.issuer or "—"), ("层级与区域", f"{'市级' if p.level == 'city' else '区级'} {p.region}"),
                ("状态", status_badge(p)), ("有效期", dates(p)),
                ("年度数据", "当年在有效期内的任一天即可" if p.year_claims == "any_day" else "次年1月1日仍在有效期内方可申报")]
        if p.supersedes:
            rows.append(("废止", p.supersedes))
        if p.rounding:
            rows.append(("取整", f"向下取整到 {fmt_value(p.rounding[0], 'money')}，不足 {fmt_value(p.rounding[1], 'money')} 不予支持"))
        for a in p.assumptions:
            rows.append(("假定", a))
        if p.readings_used:
            rows.append(("受解读影响", seq((self.reading_link(k) for k in p.readings_used), "，")))
        return tag("table", tag("tbody", *[tag("tr", tag("th", k), tag("td", v)) for k, v in rows]), cls="settings")

    def combination(self, p: Policy, clauses: list[Clause]) -> Markup:
        items = []
        if p.no_duplication:
            others = [q for q in self.policies if q.no_duplication == p.no_duplication and q.id != p.id]
            items.append(tag("li", "从优不重复组 ", tag("a", p.no_duplication, href=f"index.html#g-{anchor(p.no_duplication)}"),
                             ("，与 ", seq(self.policy_link(q.id) for q in others), " 同组") if others else "，本政策独自成组",
                             "：同一项目、同一事项只取一个条款，取金额最高者。"))
        for c in clauses:
            for part in c.parts:
                if part.matches:
                    matched = self.matched_clauses(part)
                    items.append(tag("li", "配套 ", self.clause_link(c), (f"（{part.name}）" if part.name else ""), "：只对 ",
                                     self.policy_link(part.matches), (" 的 ", seq((self.clause_link(m) for m in matched), "，"))
                                     if matched else "", " 所支付的同一项目支付。"))
            for o in c.one_per:
                items.append(tag("li", self.clause_link(c), "：", one_per_words(o)))
            for part in c.parts:
                window = window_words(part.subject)
                if window and (part.subject.timing != "once" or part.subject.timing_expr is not None):  # a window of years
                    items.append(tag("li", self.clause_link(c), (f"（{part.name}）" if part.name else ""), "：", window))
        return tag("ul", *items) if items else tag("p", "本政策没有组合规则。")

    def coverage_table(self, p: Policy) -> Markup:
        cov = self.coverage.get(p.id)
        if not cov or not cov["articles"]:
            return tag("p", "规则未提及本政策的任何条款。")
        rows = [tag("tr", tag("td", tag("a", a["article"], href=f"#{anchor(a['article'])}")),
                    tag("td", STATUS_WORDS.get(a["status"], a["status"]), cls=f"st-{a['status']}"),
                    tag("td", seq([self.key_link(k) for k in a["clauses"]] + list(a["notes"]), "；")))
                for a in cov["articles"]]
        total = (f"共 {len(cov['articles'])} 条，未编码 {cov['not_encoded']} 条"
                 f"（只计规则文件提及的条款）")
        return cat(tag("table", tag("thead", tag("tr", tag("th", "条款"), tag("th", "状态"), tag("th", "子项 / 说明"))),
                       tag("tbody", *rows)), tag("p", total, cls="note"))

    def article(self, p: Policy, label: str, conditions: list[Condition], clauses: list[Clause], notes) -> Markup:
        out = [tag("h3", label)]
        for a in notes:
            out.append(tag("p", tag("span", STATUS_WORDS.get(a.status, a.status), cls=f"badge st-{a.status}"), " ", a.note))
        for c in conditions:
            out.append(self.block(c, "condition", f"k-{c.name}", f"条件 {c.name}", self.condition_words(c)))
        for c in clauses:
            out.append(self.block(c, "clause", f"c-{c.name}", f"条款 {c.name}", self.clause_words(c)))
        for r in self.rs.readings.values():
            if r.policy == p.id and r.article == label:
                out.append(tag("p", "本条的解读：", self.reading_link(r.key), cls="note"))
        return tag("section", *out, id=anchor(label), cls="article")

    def block(self, item, decl: str, ident: str, heading: str, words: Markup) -> Markup:
        """An encoded clause or condition: the article's text beside its rule source, then in words."""
        texts = tag("div", tag("h4", "条文"), *[tag("blockquote", t) for t in item.texts] or [tag("p", "（规则未引用条文）")],
                    cls="text")
        source = self.sources.get((item.span.file, decl, item.name))
        code = tag("div", tag("h4", "编码 ", tag("small", f"{Path(item.span.file).name}:{item.span.line}")),
                   tag("pre", tag("code", highlight(source, self.keywords))) if source else tag("p", "（源文件不可读）"),
                   cls="source")
        return tag("div", tag("h4", heading, cls="clause-name"), tag("div", texts, code, cls="pair"), words,
                   id=ident, cls=f"block {decl}")

    def condition_words(self, c: Condition) -> Markup:
        rows = [tag("li", "要求：", tag("code", show(e))) for e in c.requires]
        rows += [tag("li", "说明：", self.rs.say(r)) for r in c.readings]
        rows += [tag("li", "受解读影响：", seq((self.reading_link(k) for k in c.readings_used), "，"))] if c.readings_used else []
        rows.append(tag("li", "适用于本政策的每一个条款。"))
        return tag("ul", *rows, cls="words")

    def clause_words(self, c: Clause) -> Markup:
        rows = [tag("li", "说明：", self.rs.say(r)) for r in c.readings]
        rows += [tag("li", "其他支持（不计金额）：", b) for b in c.benefits]
        rows += [tag("li", self.part_words(c, part)) for part in c.parts]
        rows += [tag("li", "条款上限：", cap_words(cap)) for cap in c.caps]
        rows += [tag("li", one_per_words(o)) for o in c.one_per]
        if c.readings_used:
            rows.append(tag("li", "受解读影响（以下按默认解读）：", seq((self.reading_link(k) for k in c.readings_used), "，")))
        needs_here = self.needs_of(c)
        if needs_here:
            rows.append(tag("li", "所需：", needs_here))
        if not c.parts:
            rows.append(tag("li", "本条款不支付金额（非金额支持）。"))
        return tag("ul", *rows, cls="words")

    def part_words(self, c: Clause, part: Part) -> Markup:
        kind = tag("span", "酌定 discretionary", cls="badge up-to") if part.up_to else \
            tag("span", "计算 computed", cls="badge computed")
        pay = f"最高 {show(part.pay)}" if part.up_to else show(part.pay)
        items = [tag("li", "对象：", subject_words(part.subject, self.rs))]
        items += [tag("li", "要求：", tag("code", show(e))) for e in part.requires]
        items.append(tag("li", "金额：", kind, " ", tag("code", pay)))
        items += [tag("li", "上限：", cap_words(cap)) for cap in part.caps]
        if part.matter:
            items.append(tag("li", "事项：", tag("code", part.matter), "（同一事项从优不重复）"))
        if part.fixed is not None:
            items.append(tag("li", "必付：", tag("code", show(part.fixed)), " 时金额已确定，列入每个方案"))
        if part.matches:
            matched = self.matched_clauses(part)
            items.append(tag("li", "配套：", self.policy_link(part.matches),
                             ("（", seq((self.clause_link(m) for m in matched), "，"), "）") if matched else ""))
        if part.difference:
            items.append(tag("li", "晋级差额：扣除 ", tag("code", f"item.{part.difference}"), " 所指较低级别已得的支持"))
        items += [tag("li", "条文：", t) for t in part.texts if t not in c.texts]  # a lone part repeats its clause's
        items += [tag("li", "说明：", self.rs.say(r)) for r in part.readings]
        return cat(tag("strong", f"子项 {part.name}" if part.name else "支付"), tag("ul", *items))

    def needs_of(self, c: Clause) -> Markup:
        need = self.needs[c.policy]
        where = f"{c.policy} {c.article}"
        vocab = self.rs.vocab
        facts = [tag("a", vocab.facts[n].label, href=f"#f-{n}", title=n) for n, places in need.facts.items()
                 if where in places and n in vocab.facts]
        kinds = [tag("a", vocab.kinds[k].label, href=f"#f-kind-{k}", title=k) for k, places in need.kinds.items()
                 if where in places and k in vocab.kinds]
        parts = ([("事实 ", seq(facts))] if facts else []) + ([("项目 ", seq(kinds))] if kinds else [])
        return seq((cat(*x) for x in parts), "；") if parts else Markup("")

    def reading(self, r) -> Markup:
        alts = tag("ul", *[tag("li", tag("code", a.name), "：", self.rs.say(a.description),
                               tag("strong", "（默认）") if a.name == r.default else None) for a in r.alternatives])
        shapes = [self.key_link(k) for k in shaped_by(self.rs, r.key)]
        source = self.sources.get((r.span.file, "reading_decl", r.name))
        return tag("div", tag("h3", tag("code", r.key), "（", tag("a", r.article, href=f"#{anchor(r.article)}"), "）"),
                   *[tag("blockquote", t) for t in r.texts], tag("h4", "可选解读"), alts,
                   tag("p", "默认：", tag("code", r.default), "。理由：", self.rs.say(r.reason)),
                   tag("p", "影响：", seq(shapes, "，")) if shapes else None,
                   tag("details", tag("summary", "编码 ", tag("small", f"{Path(r.span.file).name}:{r.span.line}")),
                       tag("pre", tag("code", highlight(source, self.keywords)))) if source else None,
                   id=f"r-{r.name}", cls="reading")

    def facts(self, p: Policy) -> Markup:
        need = self.needs[p.id]
        vocab = self.rs.vocab

        def places(where: list[str]) -> Markup:
            return seq((tag("a", w.split(" ", 1)[1], href=f"#{anchor(w.split(' ', 1)[1])}") for w in where), "，")

        rows = [tag("tr", tag("td", vocab.facts[n].label), tag("td", tag("code", n)),
                    tag("td", type_words(vocab.facts[n], vocab)), tag("td", places(w)), id=f"f-{n}")
                for n, w in need.facts.items() if n in vocab.facts]
        kinds = [tag("tr", tag("td", vocab.kinds[k].label), tag("td", tag("code", k)),
                     tag("td", seq((tag("span", f"{vocab.kinds[k].fields[f].label}（", tag("code", f), "）")
                                    for f in need.fields.get(k, {}) if f in vocab.kinds[k].fields), "，")),
                     tag("td", places(w)), id=f"f-kind-{k}")
                 for k, w in need.kinds.items() if k in vocab.kinds]
        head = tag("thead", tag("tr", tag("th", "名称"), tag("th", "编码名"), tag("th", "类型 / 字段"), tag("th", "条款")))
        return cat(tag("h3", "事实 facts"), tag("table", head, tag("tbody", *rows)) if rows else tag("p", "无。"),
                   tag("h3", "项目 items"), tag("table", head, tag("tbody", *kinds)) if kinds else tag("p", "无。"))


# -- words -------------------------------------------------------------------------------------
def status_badge(p: Policy) -> Markup:
    return tag("span", "征求意见稿 draft", cls="badge draft") if p.is_draft else tag("span", "有效 in force", cls="badge")


def dates(p: Policy) -> str:
    start, end = p.in_force
    return f"{start} 至 {end}" if end else f"{start} 起"


def subject_words(s: ast.Subject, rs: Ruleset) -> Markup:
    who = "企业" if s.kind is None else cat(
        "每个「", rs.vocab.kinds[s.kind].label if s.kind in rs.vocab.kinds else s.kind, "」（", tag("code", s.kind), "）")
    where = ("，其中 ", tag("code", show(s.where))) if s.where is not None else ()
    return cat(who, *where, "，", window_words(s) or "每年")


def window_words(s: ast.Subject) -> str | None:
    """The years a subject is paid in, in words; None for each year (no window)."""
    if s.timing == "once":
        return f"一次，于 {show(s.timing_expr)} 年" if s.timing_expr is not None else "一次"
    if s.timing == "once_in":
        return f"一次，于 {show(s.timing_expr)} 年"
    if s.timing == "consecutive":
        return f"连续至多 {s.max_years} 年"
    return None


def cap_words(cap) -> Markup:
    return cat(tag("code", show(cap.amount)), f" {scope_word(cap.scope)}")


def one_per_words(o: ast.OnePer) -> Markup:
    unless = ("，除非 ", tag("code", show(o.unless))) if o.unless is not None else ()
    return cat(f"{scope_word(o.scope)}只取一个 ", tag("code", show(o.key)), *unless)


def type_words(info, vocab) -> str:
    kind = TYPE_WORDS.get(info.type)
    if kind is None and info.type.startswith("enum:"):
        kind = "可选：" + "、".join(vocab.enums.get(info.type[5:], ()))
    text = (kind or info.type) + ("，按年" if info.per_year else "")
    return text + (f"，默认 {fmt_value(info.default, info.type)}" if info.has_default else "")


def page(title: str, body: Markup) -> str:
    return ("<!DOCTYPE html>\n" + tag("html", tag("head", Markup('<meta charset="utf-8">'),
                                                  Markup('<meta name="viewport" content="width=device-width, initial-scale=1">'),
                                                  tag("title", title), Markup(f'<link rel="stylesheet" href="{STYLE}">')),
                                      tag("body", tag("main", body)), lang="zh-CN") + "\n")


CSS = """\
body { font-family: "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 0; color: #222; background: #fbfbf8; }
main { max-width: 1200px; margin: 0 auto; padding: 1em 2em 4em; line-height: 1.6; }
h1 { font-size: 1.6em; } h2 { border-bottom: 2px solid #c33; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0; } th, td { border: 1px solid #ccc; padding: .3em .6em; vertical-align: top; text-align: left; }
th { background: #f0ece4; } .settings th { width: 8em; }
blockquote { margin: .3em 0; padding: .4em .8em; background: #fff; border-left: 4px solid #c33; }
section.article { border-top: 1px solid #ddd; margin-top: 1.5em; } section.article:target, .block:target, .reading:target { background: #fff7d6; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; } @media (max-width: 800px) { .pair { grid-template-columns: 1fr; } }
pre { background: #1f2330; color: #e8e8e8; padding: .8em; overflow-x: auto; font-size: .85em; white-space: pre-wrap; }
pre .kw { color: #ff9e64; font-weight: bold; } pre .string { color: #9ece6a; } pre .number { color: #7dcfff; } pre .comment { color: #888; font-style: italic; }
.badge { display: inline-block; padding: 0 .4em; border-radius: 3px; background: #e6efe6; font-size: .85em; }
.badge.draft { background: #fde2c8; } .badge.up-to { background: #fdf0c8; } .badge.computed { background: #d8ecff; }
.st-not_encoded { background: #fbd5d5; } .missing { color: #888; } .note, .lead { color: #555; } .nav { font-size: .9em; }
ul.words > li { margin: .2em 0; } code { font-family: "SFMono-Regular", Consolas, monospace; font-size: .92em; }
"""


# -- writing the folder ------------------------------------------------------------------------
def _refuse(code: str, message: str, help: str) -> DiagnosticError:
    return DiagnosticError(Diagnostic("error", code, message, None, help))


def write(pages: dict[str, str], out: str) -> Path:
    """Write the pages into OUT as a whole: a new folder beside it, renamed into place. OUT must not
    exist, be empty, or hold a handbook written before (its marker file); anything else is refused
    and left untouched. Returns OUT's path. Page names are plain file names, never paths."""
    target = Path(os.path.abspath(out))
    if target.is_symlink():
        raise _refuse("E953", f"'{out}' is a symbolic link", "give the folder itself, or a new folder name")
    if target.exists() and not target.is_dir():
        raise _refuse("E950", f"'{out}' exists and is not a folder", "give a new folder name, e.g. --out handbook")
    if not target.parent.is_dir():
        raise _refuse("E952", f"the folder '{target.parent}' does not exist", "create it first, or give --out a folder inside an existing one")
    previous = target.is_dir() and any(target.iterdir())
    if previous and not (target / MARKER).is_file():
        raise _refuse("E951", f"'{out}' is not empty and holds no handbook ({MARKER} is missing)",
                      "give a new or empty folder; `subsidy doc` replaces only a handbook it wrote before")
    for name in pages:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or name in (".", ".."):
            raise ValueError(f"not a plain file name: {name!r}")  # a bug of ours, never a user's input
    tmp = old = None
    try:
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
        for name, text in pages.items():
            (tmp / name).write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o755)
        if previous:  # the old handbook moves aside, the new one takes its name, then the old goes
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-old-"))
            os.replace(target, old)
        os.replace(tmp, target)  # onto a missing or empty folder: one rename
    except OSError as err:
        if old is not None and not target.exists():
            os.replace(old, target)
            old = None
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise _refuse("E954", f"cannot write the handbook to '{out}': {err.strerror}",
                      "give --out a folder you can write") from None
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return target


def generate(out: str, rules: list[str] | None = None, include_drafts: bool = False,
             bundled: bool = True) -> tuple[Path, int]:
    """`subsidy doc`: load and check the rules, build the pages, write them into OUT.
    Returns (OUT, the number of HTML pages)."""
    from .pipeline import load_rules
    ruleset = load_rules(rules, bundled)
    pages = Handbook(ruleset, include_drafts).build()
    return write(pages, out), sum(name.endswith(".html") for name in pages)
