"""Stage 6: results rendered for people (terminal tables) and programs (JSON, byte-stable).

Text for people is returned as one string; the caller echoes it with click, which drops the
bold and colours when the output is not a terminal."""
from __future__ import annotations

import click

from .explain import Result
from .i18n import kind_word, t, zh
from .model import Ruleset
from .table import clean, render
from .values import fmt_money

STATUS_WORDS = {
    "optimal": "optimal (proven: no legal plan pays 1元 more)",
    "feasible": "feasible (best found; not proven optimal)",
    "unknown": "unknown (the solver found no plan in time)",
}
STATUS_WORDS_ZH = {
    "optimal": "最优（已证明：任何合法方案都不能再多付 1 元）",
    "feasible": "可行（找到的最好方案，未证明最优）",
    "unknown": "未知（求解器未能在时限内找到方案）",
}


def status_word(status: str) -> str:
    return (STATUS_WORDS_ZH if zh() else STATUS_WORDS).get(status, status)


def status_short(status: str) -> str:
    """The status in one word: 最优 / optimal."""
    return {"optimal": "最优", "feasible": "可行", "unknown": "未知"}.get(status, status) if zh() else status


def to_json(data: dict) -> str:
    """Stable JSON: sorted keys where order carries no meaning, UTF-8 text, indented by 2, one
    trailing newline. Written by msgspec: `json.dumps` with an indent runs its encoder in
    Python (5000 items × 5 years: 0.11 s, msgspec 0.03 s, the same text but for how a float is
    written: 0.00001 where json writes 1e-05). A value msgspec cannot write is left to json."""
    import msgspec
    try:
        return msgspec.json.format(msgspec.json.encode(data), indent=2).decode("utf-8") + "\n"
    except (TypeError, OverflowError, msgspec.EncodeError):
        import json
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _money(amount: int) -> str:
    if amount < 10_000:
        return f"{amount:,} 元"
    return t(f"{amount:,} 元 ({fmt_money(amount)})", f"{amount:,} 元（{fmt_money(amount)}）")


def _policy(r: Result, pid: str) -> str:
    """A policy in a table: its id in English; in Chinese the short title the rule file gives."""
    return r.policy_names.get(pid, pid) if zh() else pid


def _bold(text: str) -> str:
    return click.style(clean(text), bold=True)


def format_result(r: Result, width: int = 160) -> str:
    if zh():
        out = [f"{_bold(r.enterprise)} — 年度 {'、'.join(map(str, r.years))}",
               f"合计：{_bold(_money(r.total))}   状态：{status_word(r.status)}",
               f"  其中按条文公式计算：{_money(r.computed_total)}；主管部门酌定的最高额：{_money(r.discretionary_total)}"]
    else:
        out = [f"{_bold(r.enterprise)} — years {', '.join(map(str, r.years))}",
               f"Total: {_bold(_money(r.total))}   status: {status_word(r.status)}",
               f"  其中按条文公式计算 computed: {_money(r.computed_total)}; "
               f"主管部门酌定的最高额 discretionary (up to): {_money(r.discretionary_total)}"]
    if r.status != "optimal":
        gap = (t(", the plan's total: no plan pays more, by the bound's arithmetic; Z3 did not certify it in time",
                 "，即方案的合计：按上限的算术没有方案能付更多；Z3 未能在时限内证明")
               if r.bound == r.total else t(f" (gap {_money(r.bound - r.total)})", f"（差距 {_money(r.bound - r.total)}）"))
        out.append(t("Proven upper bound: ", "已证明的上限：") + f"{_money(r.bound)}{gap}")
    draft, up_to = t(" (draft)", "（征求意见稿）"), t("up to ", "最高 ")
    out += [_bold(t("Payments", "各项支持")), render(
        t(["year", "policy", "article", "item", "amount", "kind", "bound by", "readings"],
          ["年度", "政策", "条款", "项目", "金额（元）", "性质", "受限于", "所依解读"]),
        [[str(p.year), _policy(r, p.policy) + (draft if p.draft and draft not in _policy(r, p.policy) else ""),
          p.article, p.item, f"{up_to if p.up_to else ''}{p.amount:,}{' †' if p.year_by_convention else ''}",
          "酌定" if p.kind == "discretionary" else "计算", p.bound_by,
          ", ".join(k.split(".", 1)[1] for k in p.readings_used)] for p in r.payments], right=(4,), limit=width)]
    if r.readings_in_effect:
        out += [_bold(t("Readings the figures rest on", "数额所依的解读"))
                + t(" (`subsidy readings` lists every alternative):", "（`subsidy readings` 列出每种解读的全部选项）：")]
        out += [clean(f"  {k} = {a}" + ("" if d else t("  (chosen with --reading)", "（由 --reading 选定）")))
                for k, a, d in r.readings_in_effect]
    if r.range is not None:
        out += _range_lines(r.range)
    groups = _same_reason([n for n in r.not_taken if n.kind != "no_item"])
    if groups:
        rows = []
        for group in groups:
            n = group[0]
            articles = list(dict.fromkeys(m.article for m in group))
            article = ", ".join(articles) if len(articles) <= 3 else f"{articles[0]} … {articles[-1]}"
            names = [m.clause.split(".", 1)[1] for m in group]
            clause = ", ".join(names) if len(names) <= 3 else t(f"{len(names)} clauses", f"{len(names)} 项")
            rows.append([_policy(r, n.policy), article, clause, n.item, f"[{kind_word(n.kind)}] {n.reason}"])
        out += [_bold(t("Clauses not taken", "未采用的条款")),
                render(t(["policy", "article", "clause", "item", "why"], ["政策", "条款", "子项", "项目", "原因"]),
                       rows, limit=width)]
    absent: dict[str, list[str]] = {}
    for n in r.not_taken:
        if n.kind == "no_item":
            kind = n.reason.removeprefix("the profile has no item of kind ").removeprefix("企业信息中没有 ")
            absent.setdefault(kind.removesuffix("类项目"), []).append(
                f"{_policy(r, n.policy)} {n.article}")
    sep = t(", ", "、")
    sections = [
        (t(("Clauses with no item of their kind in the profile", ":"), ("企业信息中没有对应项目的条款", "：")),
         [f"  {kind}{t(': ', '：')}{sep.join(dict.fromkeys(where))}" for kind, where in absent.items()]),
        (t(("Facts the profile does not give", " (缺少的事实: give them to have these articles considered):"),
           ("企业信息未提供的事实", "（提供后才能审查这些条款）：")),
         [t(f"  {name} ({label}): ", f"  {name}〔{label}〕：") + sep.join(places)
          + (t(f" — up to {fmt_money(most)} a payment", f" — 单笔最高 {fmt_money(most)}") if most else "")
          for name, label, places, most in r.missing_facts]),
        (t(("Non-monetary benefits", " (never summed):"), ("非资金支持", "（不计入合计）：")),
         [f"  {_policy(r, b['policy'])} {b['article']}{t(': ', '：')}{b['benefit']}" for b in r.benefits]),
        (t(("Assumptions", ":"), ("前提与假设", "：")), [f"  - {a}" for a in r.assumptions]),
    ]
    for (title, tail), lines in sections:
        if lines:
            out += [_bold(title) + tail] + [clean(line) for line in lines]
    return "\n".join(out)


def _range_lines(rng: dict) -> list[str]:
    """`optimize --readings`: the optimum under other readings, and which readings move it."""
    def figure(name: str, label: str) -> str:
        f = rng[name]
        chosen = ", ".join(f"{k}={a}" for k, a in f["readings"].items()) or t("every reading at its default",
                                                                               "全部按默认解读")
        return clean(f"  {label}: {_money(f['total'])} [{status_short(f['status'])}] "
                     + t(f"(computed {f['computed_total']:,}, discretionary {f['discretionary_total']:,})",
                         f"（计算 {f['computed_total']:,}，酌定 {f['discretionary_total']:,}）") + f" — {chosen}")
    out = [_bold(t("Range over the readings", "不同解读下的范围")) + t(" (each figure a proven optimum):",
                                                                     "（每个数额都是已证明的最优）："),
           figure("default", t("default readings 默认解读", "默认解读")),
           figure("conservative", t("most conservative 最保守", "最保守")),
           figure("generous", t("most generous 最宽松", "最宽松"))]
    if "chosen" in rng:
        out.append(figure("chosen", t("as chosen with --reading", "按 --reading 所选")))
    if rng["ask_the_bureau"]:
        out.append(_bold(t("Ask the bureau about", "建议向主管部门确认"))
                   + t(" (readings that move the total, largest first):", "（影响合计的解读，影响大的在前）："))
        for f in rng["flips"]:
            if f["change"]:
                out.append(clean(f"  {f['reading']} ({f['article']}) = {f['alternative']}: {f['change']:+,} 元 "
                                 f"→ {f['total']:,} [{f['status']}] — {f['description']}"))
    else:
        out.append(t("  No reading changes this enterprise's total.", "  没有解读会改变该企业的合计。"))
    return out


def format_readings(readings: list[dict], width: int = 160) -> str:
    """`subsidy readings`: each reading with its sentence, alternatives, default and why."""
    out = []
    for r in readings:
        out.append(_bold(f"{r['reading']}") + clean(f" — {r['policy']} {r['article']}"))
        out += [clean(f"  “{text}”") for text in r["text"]]
        for a in r["alternatives"]:
            mark = "*" if a["name"] == r["default"] else " "
            out.append(clean(f"  {mark} {a['name']}: {a['description']}"))
        out.append(clean(t(f"  default {r['default']}: {r['why']}", f"  默认 {r['default']}：{r['why']}")))
        out.append(clean(t(f"  shapes: {', '.join(r['shapes'])}", f"  影响：{'、'.join(r['shapes'])}")))
    out.append(t(f"{len(readings)} reading(s); * marks the default", f"共 {len(readings)} 项解读；* 标出默认选项"))
    return "\n".join(out)


def format_readings_markdown(readings: list[dict]) -> str:
    """`subsidy readings --markdown`: the README's "Readings taken", generated from the rule files."""
    out = []
    for r in readings:
        out.append(f"- **`{r['reading']}`** ({r['article']}) “{' '.join(r['text'])}”")
        for a in r["alternatives"]:
            if a["name"] == r["default"]:
                out.append(f"  - default `{a['name']}`: {a['description']} — *why*: {r['why']}")
        out += [f"  - `{a['name']}`: {a['description']}" for a in r["alternatives"] if a["name"] != r["default"]]
    return "\n".join(out) + "\n"


def _same_reason(not_taken: list) -> list[list]:
    """Clauses not taken, one group per policy, item and reason, in first-seen order: a policy
    of another district fails one eligibility article for all its clauses, and one row says so
    (JSON lists every clause)."""
    groups: dict[tuple, list] = {}
    for n in not_taken:
        groups.setdefault((n.policy, n.item, n.kind, n.reason), []).append(n)
    return list(groups.values())


def format_explanation(e: dict) -> str:
    head = _bold(f"{e['policy']} {e['article']}") + clean(f" ({e['clause']}) — {e['policy_title']}")
    out = [f"  “{text}”" for text in e["text"]]
    out += [t(f"  reading: {rd}", f"  解读：{rd}") for rd in e["readings"]]
    out += [t(f"  read as {r['reading']} = {r['alternative']}", f"  按 {r['reading']} = {r['alternative']} 解读")
            + ("" if r["default"] else t(" (chosen with --reading)", "（由 --reading 选定）"))
            for r in e["readings_in_effect"]]
    if e["paid"]:
        out.append(t(f"Paid {_money(e['total'])} in the {e['status']} plan:",
                     f"在{status_short(e['status'])}方案中支付 {_money(e['total'])}："))
        up_to = t("up to ", "最高 ")
        out += [f"  {p['year']} {p['item']}: {up_to if p['up_to'] else ''}{p['amount']:,} 元 — {p['bound_by']}"
                for p in e["paid"]]
    else:
        out.append(t("Paid nothing in the plan.", "方案中未支付。"))
    out += [t(f"  not paid: {n['clause']} for {n['item']}: ", f"  未支付：{n['clause']}（{n['item']}）：")
            + f"[{kind_word(n['kind'])}] {n['reason']}" for n in e["not_taken"]]
    return "\n".join([head] + [clean(line) for line in out])


def format_verdict(v, width: int = 160) -> str:
    if v.unknown:
        head = (f"{click.style('UNKNOWN', bold=True)}: "
                + t(f"Z3 did not decide within --timeout whether the ledger's {len(v.lines)} line(s) respect every "
                    "rule: neither PASS nor FAIL",
                    f"（未定）Z3 未能在 --timeout 内判定台账的 {len(v.lines)} 行是否符合全部规则：既非 PASS 也非 FAIL"))
        found = [f"- {f.rule}" for f in v.violated]
        return "\n".join([head] + ([clean(t("Found before the limit:", "时限前已发现："))] + [clean(x) for x in found]
                                   if found else []))
    if v.passed:
        head = (f"{click.style('PASS', bold=True, fg='green')}: "
                + t(f"{len(v.lines)} ledger line(s) respect all {len(v.checked)} rule(s) that apply",
                    f"（通过）台账 {len(v.lines)} 行符合适用的全部 {len(v.checked)} 条规则"))
        rows = [[f.rule, ", ".join(map(str, f.lines)), "" if f.slack is None else f"{f.slack:,}"] for f in v.checked]
        out = [head, _bold(t("Rules checked", "已核对的规则")),
               render(t(["rule", "ledger lines", "slack (元)"], ["规则", "台账行", "余量（元）"]), rows, limit=width)]
        if v.discretionary:
            out.append(clean(t(f"Ledger line(s) {', '.join(map(str, v.discretionary))} were within a discretionary "
                               "ceiling (“最高/不超过” with no formula, 酌定): the text bounds them, the bureau fixes the "
                               "amount after review; the audit checks the ceiling only.",
                               f"台账第 {'、'.join(map(str, v.discretionary))} 行在酌定上限之内（没有计算公式的“最高/不超过”）："
                               "条文只规定上限，金额由主管部门评审后确定；审计只核对上限。")))
        return "\n".join(out)
    head = (f"{click.style('FAIL', bold=True, fg='red')}: "
            + t(f"{len(v.violated)} rule(s) the ledger breaks (each group is a smallest set that cannot hold together "
                "with the ledger):",
                f"（不通过）台账违反 {len(v.violated)} 条规则（每组是与台账不能同时成立的最小规则集）："))
    out = []
    by_number = {ln.number: ln for ln in v.lines}
    for f in v.violated:
        excess = t(f" — exceeded by {f.excess:,} 元", f" — 超出 {f.excess:,} 元") if f.excess and f.excess > 0 else ""
        cite = f" [{f.policy} {f.article}]" if f.article and f.article not in f.rule else ""
        out.append(f"- {f.rule}{cite}{excess}")
        for n in f.lines:
            ln = by_number[n]
            out.append(t(f"    ledger line {n}: ", f"    台账第 {n} 行：")
                       + f"{ln.policy} {ln.article} {ln.item} {ln.year} {ln.amount:,} 元")
        if f.article_text:
            out.append(f"    “{f.article_text}”")
    return "\n".join([head] + [clean(line) for line in out])


COVERAGE_WORDS_ZH = {"encoded": "已编码", "condition": "条件", "non_monetary": "非资金", "procedural": "程序性",
                     "not_encoded": "未编码", "uncovered": "未覆盖", "not_in_text": "文本中没有"}


def _opening(article: dict, length: int = 16) -> str:
    """The first words of an article's text after its label, for the coverage table."""
    import re
    line = re.sub(r"^(第[零〇一二三四五六七八九十百]+条|[（(]\s*[零〇一二三四五六七八九十百]+\s*[）)]|[零〇一二三四五六七八九十百]+、|"
                  r"[0-9]{1,2}\s*[.．、])\s*", "", (article["first_line"] or "")).rstrip("…")
    return line if len(line) <= length else line[:length] + "…"


def format_coverage(report: list[dict], width: int = 160) -> str:
    """Per policy: every article of its text (and each one the rules cite), its status and what
    covers it; then each article left uncovered, named with its first line."""
    out, problems = [], []
    for p in report:
        status = (lambda s: COVERAGE_WORDS_ZH.get(s, s)) if zh() else (lambda s: s)
        source = t("source: ", "原文：") + p["source"] if p["source"] else t("no source text: only the articles the rules mention",
                                  "未给出政策原文（source）：只列出规则提到的条款")
        out += [_bold(f"{p['policy']}: {p['title']} {p['document']} [{p['status']}]"), clean(f"  {source}"),
                render(t(["article", "status", "clauses / note", "text"], ["条款", "状态", "子项 / 说明", "原文"]),
                       [[a["article"], status(a["status"]), ", ".join(a["clauses"] + a["notes"]), _opening(a)]
                        for a in p["articles"]], limit=width),
                clean(t(f"{p['policy']}: {len(p['articles'])} articles, {p['uncovered']} uncovered, "
                        f"{p['not_encoded']} not encoded, {p['not_in_text']} not in the text",
                        f"{p['policy']}：共 {len(p['articles'])} 条，未覆盖 {p['uncovered']} 条，未编码 "
                        f"{p['not_encoded']} 条，文本中没有 {p['not_in_text']} 条"))]
        for a in p["articles"]:
            if a["status"] == "uncovered":
                problems.append(t(f"{p['policy']} {a['article']} (line {a['line']}) is covered by no clause, condition "
                                  f"or article statement: {a['first_line']}",
                                  f"{p['policy']} {a['article']}（第 {a['line']} 行）没有条款、条件或 article 声明覆盖："
                                  f"{a['first_line']}"))
            elif a["status"] == "not_in_text":
                problems.append(t(f"{p['policy']} {a['article']}: the rules cite it, but the text has no such article",
                                  f"{p['policy']} {a['article']}：规则引用了它，但原文中没有这一条"))
            elif a["status"] == "not_encoded":
                problems.append(t(f"{p['policy']} {a['article']} is declared not encoded",
                                  f"{p['policy']} {a['article']} 声明为未编码"))
    if problems:
        out += ["", _bold(t(f"{len(problems)} article(s) to account for:", f"{len(problems)} 条需要处理："))]
        out += [clean("  " + line) for line in problems]
    return "\n".join(out)


def format_check(ruleset: Ruleset) -> str:
    parts = sum(len(c.parts) for c in ruleset.clauses)
    out = [t(f"checked {len(ruleset.files)} file(s): {len(ruleset.policies)} policies, "
             f"{len(ruleset.clauses)} clauses ({parts} parts), {len(ruleset.vocab.facts)} facts, "
             f"{len(ruleset.vocab.kinds)} kinds of item — no errors",
             f"已检查 {len(ruleset.files)} 个文件：{len(ruleset.policies)} 项政策，{len(ruleset.clauses)} 个条款"
             f"（{parts} 个子项），{len(ruleset.vocab.facts)} 个事实，{len(ruleset.vocab.kinds)} 类项目 — 没有错误")]
    for p in sorted(ruleset.policies.values(), key=lambda p: p.order):
        clauses = [c for c in ruleset.clauses if c.policy == p.id]
        end = p.in_force[1] or "…"
        out.append(t(f"  {p.id}: {p.title} [{p.level}, {p.status}, {p.in_force[0]} to {end}] — {len(clauses)} clauses",
                     f"  {p.id}：{p.title} [{p.level}，{p.status}，{p.in_force[0]} 至 {end}] — {len(clauses)} 个条款"))
    return "\n".join(clean(line) for line in out)
