"""Stage 6: results rendered for people (terminal tables) and programs (JSON, byte-stable).

Text for people is returned as one string; the caller echoes it with click, which drops the
bold and colours when the output is not a terminal."""
from __future__ import annotations

import click

from .explain import Result
from .model import Ruleset
from .table import clean, render
from .values import fmt_money

STATUS_WORDS = {
    "optimal": "optimal (proven: no legal plan pays 1元 more)",
    "feasible": "feasible (best found; not proven optimal)",
    "unknown": "unknown (the solver found no plan in time)",
}


def to_json(data: dict) -> str:
    """Stable JSON: sorted keys where order carries no meaning, UTF-8 text, one trailing newline."""
    import json  # only for JSON output
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _money(amount: int) -> str:
    return f"{amount:,} 元" if amount < 10_000 else f"{amount:,} 元 ({fmt_money(amount)})"


def _bold(text: str) -> str:
    return click.style(clean(text), bold=True)


def format_result(r: Result, width: int = 160) -> str:
    out = [f"{_bold(r.enterprise)} — years {', '.join(map(str, r.years))}",
           f"Total: {_bold(_money(r.total))}   status: {STATUS_WORDS.get(r.status, r.status)}",
           f"  其中按条文公式计算 computed: {_money(r.computed_total)}; "
           f"主管部门酌定的最高额 discretionary (up to): {_money(r.discretionary_total)}"]
    if r.status != "optimal":
        gap = (", the plan's total: no plan pays more, by the bound's arithmetic; Z3 did not certify it in time"
               if r.bound == r.total else f" (gap {_money(r.bound - r.total)})")
        out.append(f"Proven upper bound: {_money(r.bound)}{gap}")
    out += [_bold("Payments"), render(
        ["year", "policy", "article", "item", "amount", "kind", "bound by", "readings"],
        [[str(p.year), p.policy + (" (draft)" if p.draft else ""), p.article, p.item,
          f"{'up to ' if p.up_to else ''}{p.amount:,}{' †' if p.year_by_convention else ''}",
          "酌定" if p.kind == "discretionary" else "计算", p.bound_by,
          ", ".join(k.split(".", 1)[1] for k in p.readings_used)] for p in r.payments], right=(4,), limit=width)]
    if r.readings_in_effect:
        out += [_bold("Readings the figures rest on") + " (`subsidy readings` lists every alternative):"]
        out += [clean(f"  {k} = {a}" + ("" if d else "  (chosen with --reading)")) for k, a, d in r.readings_in_effect]
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
            clause = ", ".join(names) if len(names) <= 3 else f"{len(names)} clauses"
            rows.append([n.policy, article, clause, n.item, f"[{n.kind}] {n.reason}"])
        out += [_bold("Clauses not taken"), render(["policy", "article", "clause", "item", "why"], rows, limit=width)]
    absent: dict[str, list[str]] = {}
    for n in r.not_taken:
        if n.kind == "no_item":
            absent.setdefault(n.reason.removeprefix("the profile has no item of kind "), []).append(
                f"{n.policy} {n.article}")
    sections = [
        (("Clauses with no item of their kind in the profile", ":"),
         [f"  {kind}: {', '.join(dict.fromkeys(where))}" for kind, where in absent.items()]),
        (("Facts the profile does not give", " (缺少的事实: give them to have these articles considered):"),
         [f"  {name} ({label}): {', '.join(places)}" for name, label, places in r.missing_facts]),
        (("Non-monetary benefits", " (never summed):"),
         [f"  {b['policy']} {b['article']}: {b['benefit']}" for b in r.benefits]),
        (("Assumptions", ":"), [f"  - {a}" for a in r.assumptions]),
    ]
    for (title, tail), lines in sections:
        if lines:
            out += [_bold(title) + tail] + [clean(line) for line in lines]
    return "\n".join(out)


def _range_lines(rng: dict) -> list[str]:
    """`optimize --readings`: the optimum under other readings, and which readings move it."""
    def figure(name: str, label: str) -> str:
        f = rng[name]
        chosen = ", ".join(f"{k}={a}" for k, a in f["readings"].items()) or "every reading at its default"
        return clean(f"  {label}: {_money(f['total'])} [{f['status']}] (computed {f['computed_total']:,}, "
                     f"discretionary {f['discretionary_total']:,}) — {chosen}")
    out = [_bold("Range over the readings") + " (each figure a proven optimum):",
           figure("default", "default readings 默认解读"),
           figure("conservative", "most conservative 最保守"), figure("generous", "most generous 最宽松")]
    if "chosen" in rng:
        out.append(figure("chosen", "as chosen with --reading"))
    if rng["ask_the_bureau"]:
        out.append(_bold("Ask the bureau about") + " (readings that move the total, largest first):")
        for f in rng["flips"]:
            if f["change"]:
                out.append(clean(f"  {f['reading']} ({f['article']}) = {f['alternative']}: {f['change']:+,} 元 "
                                 f"→ {f['total']:,} [{f['status']}] — {f['description']}"))
    else:
        out.append("  No reading changes this enterprise's total.")
    return out


def format_readings(readings: list[dict], width: int = 160) -> str:
    """`subsidy readings`: each reading with its sentence, alternatives, default and why."""
    out = []
    for r in readings:
        out.append(_bold(f"{r['reading']}") + clean(f" — {r['policy']} {r['article']}"))
        out += [clean(f"  “{t}”") for t in r["text"]]
        for a in r["alternatives"]:
            mark = "*" if a["name"] == r["default"] else " "
            out.append(clean(f"  {mark} {a['name']}: {a['description']}"))
        out.append(clean(f"  default {r['default']}: {r['why']}"))
        out.append(clean(f"  shapes: {', '.join(r['shapes'])}"))
    out.append(f"{len(readings)} reading(s); * marks the default")
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
    out = [f"  “{t}”" for t in e["text"]]
    out += [f"  reading: {rd}" for rd in e["readings"]]
    out += [f"  read as {r['reading']} = {r['alternative']}" + ("" if r["default"] else " (chosen with --reading)")
            for r in e["readings_in_effect"]]
    if e["paid"]:
        out.append(f"Paid {_money(e['total'])} in the {e['status']} plan:")
        out += [f"  {p['year']} {p['item']}: {'up to ' if p['up_to'] else ''}{p['amount']:,} 元 — {p['bound_by']}"
                for p in e["paid"]]
    else:
        out.append("Paid nothing in the plan.")
    out += [f"  not paid: {n['clause']} for {n['item']}: [{n['kind']}] {n['reason']}" for n in e["not_taken"]]
    return "\n".join([head] + [clean(line) for line in out])


def format_verdict(v, width: int = 160) -> str:
    if v.unknown:
        head = (f"{click.style('UNKNOWN', bold=True)}: Z3 did not decide within --timeout whether the ledger's "
                f"{len(v.lines)} line(s) respect every rule: neither PASS nor FAIL")
        found = [f"- {f.rule}" for f in v.violated]
        return "\n".join([head] + ([clean("Found before the limit:")] + [clean(x) for x in found] if found else []))
    if v.passed:
        head = (f"{click.style('PASS', bold=True, fg='green')}: {len(v.lines)} ledger line(s) respect all "
                f"{len(v.checked)} rule(s) that apply")
        rows = [[f.rule, ", ".join(map(str, f.lines)), "" if f.slack is None else f"{f.slack:,}"] for f in v.checked]
        out = [head, _bold("Rules checked"), render(["rule", "ledger lines", "slack (元)"], rows, limit=width)]
        if v.discretionary:
            out.append(clean(f"Ledger line(s) {', '.join(map(str, v.discretionary))} were within a discretionary ceiling "
                             "(“最高/不超过” with no formula, 酌定): the text bounds them, the bureau fixes the amount "
                             "after review; the audit checks the ceiling only."))
        return "\n".join(out)
    head = (f"{click.style('FAIL', bold=True, fg='red')}: {len(v.violated)} rule(s) the ledger breaks "
            "(each group is a smallest set that cannot hold together with the ledger):")
    out = []
    by_number = {ln.number: ln for ln in v.lines}
    for f in v.violated:
        excess = f" — exceeded by {f.excess:,} 元" if f.excess and f.excess > 0 else ""
        cite = f" [{f.policy} {f.article}]" if f.article and f.article not in f.rule else ""
        out.append(f"- {f.rule}{cite}{excess}")
        for n in f.lines:
            ln = by_number[n]
            out.append(f"    ledger line {n}: {ln.policy} {ln.article} {ln.item} {ln.year} {ln.amount:,} 元")
        if f.article_text:
            out.append(f"    “{f.article_text}”")
    return "\n".join([head] + [clean(line) for line in out])


def format_coverage(report: list[dict], width: int = 160) -> str:
    out = []
    for p in report:
        out += [_bold(f"{p['policy']}: {p['title']} {p['document']} [{p['status']}]"),
                render(["article", "status", "clauses / note"],
                       [[a["article"], a["status"], ", ".join(a["clauses"] + a["notes"])] for a in p["articles"]],
                       limit=width),
                clean(f"{p['policy']}: {len(p['articles'])} articles, {p['not_encoded']} not encoded")]
    return "\n".join(out)


def format_check(ruleset: Ruleset) -> str:
    parts = sum(len(c.parts) for c in ruleset.clauses)
    out = [f"checked {len(ruleset.files)} file(s): {len(ruleset.policies)} policies, "
           f"{len(ruleset.clauses)} clauses ({parts} parts), {len(ruleset.vocab.facts)} facts, "
           f"{len(ruleset.vocab.kinds)} kinds of item — no errors"]
    for p in sorted(ruleset.policies.values(), key=lambda p: p.order):
        clauses = [c for c in ruleset.clauses if c.policy == p.id]
        end = p.in_force[1] or "…"
        out.append(f"  {p.id}: {p.title} [{p.level}, {p.status}, {p.in_force[0]} to {end}] — {len(clauses)} clauses")
    return "\n".join(clean(line) for line in out)
