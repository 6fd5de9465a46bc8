"""Which articles of each policy document the rules encode, and how (`subsidy check --coverage`)."""
from __future__ import annotations

import re

from .model import Ruleset

_DIGITS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


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
    """Per policy, every article the rules mention, with its status and clause ids."""
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
        rows = []
        for label in sorted(articles, key=article_key):
            e = articles[label]
            status = next(s for s in ("not_encoded", "encoded", "condition", "non_monetary", "procedural")
                          if s in e["statuses"])
            rows.append({"article": label, "status": status, "clauses": e["clauses"], "notes": e["notes"]})
        out.append({"policy": policy.id, "title": policy.title, "document": policy.document,
                    "status": policy.status, "articles": rows,
                    "not_encoded": sum(r["status"] == "not_encoded" for r in rows)})
    return out
