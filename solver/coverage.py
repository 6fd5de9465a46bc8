"""Which articles of each policy document the rules encode, and how (`subsidy check --coverage`)."""
from __future__ import annotations

import re

from .model import Ruleset

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text: str) -> int:
    """'二十四' -> 24, '十七' -> 17, '九' -> 9, '百' forms up to 999."""
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def article_key(label: str) -> tuple:
    """Sort key of an article label: '第十二条' -> (12,), '四(二)2' -> (4, 2, 2)."""
    parts = re.findall(r"[零一二三四五六七八九十百]+|[0-9]+", label)
    return tuple(int(p) if p.isdigit() else chinese_number(p) for p in parts) or (10 ** 6,)


def coverage(ruleset: Ruleset) -> list[dict]:
    """Per policy, every article: each heading of its text (`source`) and every article the rules
    mention, with its status and clause ids. A heading no clause, condition or `article`
    statement covers is `uncovered`; an article the rules cite that the text does not have is
    `not_in_text`. Without a source text, only the articles the rules mention are listed."""
    from .texts import headings, label_key, read_source
    out = []
    for policy in sorted(ruleset.policies.values(), key=lambda p: p.order):
        articles: dict[str, dict] = {}

        def entry(label: str) -> dict:
            return articles.setdefault(label, {"article": label, "statuses": set(), "clauses": [], "notes": []})

        for c in ruleset.conditions:
            if c.policy == policy.id:
                e = entry(c.article)
                e["statuses"].add("condition")
                e["clauses"].append(f"{c.policy}.{c.name}")
        for c in ruleset.clauses:
            if c.policy == policy.id:
                e = entry(c.article)
                e["statuses"].add("encoded" if c.parts else "non_monetary")
                e["clauses"].append(c.key)
        for pid, a in ruleset.articles:
            if pid == policy.id:
                e = entry(a.article)
                e["statuses"].add(a.status)
                e["notes"].append(a.note)

        def row(label: str, e: dict | None, heading=None) -> dict:
            statuses = e["statuses"] if e else {"uncovered"}
            status = next(s for s in ("uncovered", "not_encoded", "encoded", "condition", "non_monetary", "procedural")
                          if s in statuses)
            return {"article": label, "status": status, "clauses": e["clauses"] if e else [],
                    "notes": e["notes"] if e else [], "line": heading.line if heading else None,
                    "first_line": heading.first_line if heading else None}

        rows = []
        if policy.source is None:
            rows = [row(label, articles[label]) for label in sorted(articles, key=article_key)]
        else:
            text = read_source(policy.source, policy.span)
            by_key: dict[tuple, list[str]] = {}
            for label in articles:
                by_key.setdefault(label_key(label) or (label,), []).append(label)
            seen: set[str] = set()
            for h in headings(text):
                labels = by_key.get(h.key, [])
                merged = None
                for label in labels:  # the same article spelt two ways (（七）, (七)) is one
                    e = articles[label]
                    merged = merged or {"statuses": set(), "clauses": [], "notes": []}
                    merged["statuses"] |= e["statuses"]
                    merged["clauses"] += e["clauses"]
                    merged["notes"] += e["notes"]
                    seen.add(label)
                rows.append(row(h.label, merged, h))
            for label in sorted(set(articles) - seen, key=article_key):
                r = row(label, articles[label])
                if label_key(label) is not None:  # 结尾段, 释义: a part of the text with no number
                    r["status"] = "not_in_text"
                rows.append(r)
        out.append({"policy": policy.id, "title": policy.title, "document": policy.document,
                    "status": policy.status, "source": policy.source, "articles": rows,
                    "not_encoded": sum(r["status"] == "not_encoded" for r in rows),
                    "uncovered": sum(r["status"] == "uncovered" for r in rows),
                    "not_in_text": sum(r["status"] == "not_in_text" for r in rows)})
    return out


def failed(report: list[dict]) -> bool:
    """Whether `check --coverage` fails: an article uncovered, not encoded, or cited but not in the text."""
    return any(p["not_encoded"] or p["uncovered"] or p["not_in_text"] for p in report)
