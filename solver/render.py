"""Stage 6: results rendered for people (rich tables) and programs (JSON, byte-stable)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .explain import Result
from .model import Ruleset
from .values import fmt_money

if TYPE_CHECKING:  # rich is imported only when a table is printed: JSON output starts faster without it
    from rich.console import Console

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


def print_result(r: Result, console: Console) -> None:
    from rich.table import Table
    from rich.text import Text
    console.print(Text.assemble((r.enterprise, "bold"), f" — years {', '.join(map(str, r.years))}"))
    console.print(Text.assemble("Total: ", (_money(r.total), "bold"), f"   status: {STATUS_WORDS.get(r.status, r.status)}"))
    if r.status != "optimal":
        gap = (", the plan's total: no plan pays more, by the bound's arithmetic; Z3 did not certify it in time"
               if r.bound == r.total else f" (gap {_money(r.bound - r.total)})")
        console.print(f"Proven upper bound: {_money(r.bound)}{gap}")
    table = Table(title="Payments", show_lines=False)
    for col in ("year", "policy", "article", "item", "amount", "bound by"):
        table.add_column(col, justify="right" if col == "amount" else "left", overflow="fold")
    for p in r.payments:
        table.add_row(str(p.year), p.policy + (" (draft)" if p.draft else ""), p.article, p.item,
                      f"{'up to ' if p.up_to else ''}{p.amount:,}", p.bound_by)
    console.print(table)
    groups = _same_reason([n for n in r.not_taken if n.kind != "no_item"])
    if groups:
        nt = Table(title="Clauses not taken", show_lines=False)
        for col in ("policy", "article", "clause", "item", "why"):
            nt.add_column(col, overflow="fold")
        for group in groups:
            n = group[0]
            articles = list(dict.fromkeys(m.article for m in group))
            article = ", ".join(articles) if len(articles) <= 3 else f"{articles[0]} … {articles[-1]}"
            names = [m.clause.split(".", 1)[1] for m in group]
            clause = ", ".join(names) if len(names) <= 3 else f"{len(names)} clauses"
            nt.add_row(n.policy, article, clause, n.item, f"[{n.kind}] {n.reason}")
        console.print(nt)
    absent: dict[str, list[str]] = {}
    for n in r.not_taken:
        if n.kind == "no_item":
            absent.setdefault(n.reason.removeprefix("the profile has no item of kind "), []).append(
                f"{n.policy} {n.article}")
    sections = [
        (("Clauses with no item of their kind in the profile", ":"),
         [f"  {kind}: {', '.join(dict.fromkeys(where))}" for kind, where in absent.items()]),
        (("Non-monetary benefits", " (never summed):"),
         [f"  {b['policy']} {b['article']}: {b['benefit']}" for b in r.benefits]),
        (("Assumptions", ":"), [f"  - {a}" for a in r.assumptions]),
    ]
    for (title, tail), lines in sections:
        if lines:  # one print per section: rich's cost is per call, not per line
            console.print(Text.assemble((title, "bold"), tail, "\n", "\n".join(lines)))


def _same_reason(not_taken: list) -> list[list]:
    """Clauses not taken, one group per policy, item and reason, in first-seen order: a policy
    of another district fails one eligibility article for all its clauses, and one row says so
    (JSON lists every clause)."""
    groups: dict[tuple, list] = {}
    for n in not_taken:
        groups.setdefault((n.policy, n.item, n.kind, n.reason), []).append(n)
    return list(groups.values())


def print_explanation(e: dict, console: Console) -> None:
    from rich.text import Text
    console.print(Text.assemble((f"{e['policy']} {e['article']}", "bold"), f" ({e['clause']}) — {e['policy_title']}"))
    for t in e["text"]:
        console.print(f"  “{t}”")
    for rd in e["readings"]:
        console.print(f"  reading: {rd}")
    if e["paid"]:
        console.print(f"Paid {_money(e['total'])} in the {e['status']} plan:")
        for p in e["paid"]:
            console.print(f"  {p['year']} {p['item']}: {'up to ' if p['up_to'] else ''}{p['amount']:,} 元 — {p['bound_by']}")
    else:
        console.print("Paid nothing in the plan.")
    for n in e["not_taken"]:
        console.print(f"  not paid: {n['clause']} for {n['item']}: [{n['kind']}] {n['reason']}")


def print_verdict(v, console: Console) -> None:
    from rich.table import Table
    from rich.text import Text
    if v.passed:
        console.print(Text.assemble(("PASS", "bold green"), f": {len(v.lines)} ledger line(s) respect all "
                                    f"{len(v.checked)} rule(s) that apply"))
        table = Table(title="Rules checked")
        for col in ("rule", "ledger lines", "slack (元)"):
            table.add_column(col, overflow="fold")
        for f in v.checked:
            table.add_row(f.rule, ", ".join(map(str, f.lines)), "" if f.slack is None else f"{f.slack:,}")
        console.print(table)
        return
    console.print(Text.assemble(("FAIL", "bold red"), f": {len(v.violated)} rule(s) the ledger breaks "
                                "(each group is a smallest set that cannot hold together with the ledger):"))
    by_number = {ln.number: ln for ln in v.lines}
    for f in v.violated:
        excess = f" — exceeded by {f.excess:,} 元" if f.excess and f.excess > 0 else ""
        console.print(f"- {f.rule}{excess}")
        for n in f.lines:
            ln = by_number[n]
            console.print(f"    ledger line {n}: {ln.policy} {ln.article} {ln.item} {ln.year} {ln.amount:,} 元")
        if f.article_text:
            console.print(f"    “{f.article_text}”")


def print_coverage(report: list[dict], console: Console) -> None:
    from rich.table import Table
    for p in report:
        table = Table(title=f"{p['policy']}: {p['title']} {p['document']} [{p['status']}]")
        for col in ("article", "status", "clauses / note"):
            table.add_column(col, overflow="fold")
        for a in p["articles"]:
            table.add_row(a["article"], a["status"], ", ".join(a["clauses"] + a["notes"]))
        console.print(table)
        console.print(f"{p['policy']}: {len(p['articles'])} articles, {p['not_encoded']} not encoded")


def print_check(ruleset: Ruleset, console: Console) -> None:
    parts = sum(len(c.parts) for c in ruleset.clauses)
    console.print(f"checked {len(ruleset.files)} file(s): {len(ruleset.policies)} policies, "
                  f"{len(ruleset.clauses)} clauses ({parts} parts), {len(ruleset.vocab.facts)} facts, "
                  f"{len(ruleset.vocab.kinds)} kinds of item — no errors")
    for p in sorted(ruleset.policies.values(), key=lambda p: p.order):
        clauses = [c for c in ruleset.clauses if c.policy == p.id]
        end = p.in_force[1] or "…"
        console.print(f"  {p.id}: {p.title} [{p.level}, {p.status}, {p.in_force[0]} to {end}] — "
                      f"{len(clauses)} clauses")
