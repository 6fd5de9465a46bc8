"""`subsidy template`: a profile skeleton that asks for every fact and item the policies of one
district (and the city's) can read, each with its description, unit and the articles that need
it, so that a new user fills one file once instead of learning the facts one run at a time."""
from __future__ import annotations

from collections import defaultdict

from msgspec import Struct

from . import ast
from .model import RECORD_SUFFIX, Clause, Condition, FactInfo, Policy, Ruleset


class Needs(Struct):
    """What the chosen policies read: facts and item kinds (with their fields), each with the
    articles that read it."""

    facts: dict  # fact name -> [article labels]
    kinds: dict  # kind name -> [article labels]
    fields: dict  # kind name -> {field name -> [article labels]}


def policies_for(ruleset: Ruleset, district: str, include_drafts: bool) -> list[Policy]:
    """The city's policies and the district's, in rule order (drafts only when asked)."""
    chosen = [p for p in ruleset.policies.values()
              if (p.level == "city" or p.region == district) and (include_drafts or not p.is_draft)]
    return sorted(chosen, key=lambda p: p.order)


def needs(ruleset: Ruleset, policies: list[Policy]) -> Needs:
    """Every name the policies' clauses and conditions read, under every reading's alternatives."""
    out = Needs(defaultdict(list), defaultdict(list), defaultdict(lambda: defaultdict(list)))
    ids = {p.id for p in policies}
    for variants in ruleset.variants.values():
        for v in variants:
            _collect(v.clause or v.condition, ids, out, ruleset)
    for item in list(ruleset.clauses) + list(ruleset.conditions):
        _collect(item, ids, out, ruleset)
    return out


def _collect(item, ids: set[str], out: Needs, ruleset: Ruleset) -> None:
    if item is None or item.policy not in ids:
        return
    where = f"{item.policy} {item.article}"
    if isinstance(item, Condition):
        for r in item.requires:
            _names(r, None, where, out, ruleset)
        return
    assert isinstance(item, Clause)
    for part in item.parts:
        kind = part.subject.kind
        if kind is not None:
            _add(out.kinds[kind], where)
            if "year" in ruleset.vocab.kinds[kind].fields:
                _add(out.fields[kind]["year"], where)
            for name in (part.matter if kind else None, part.difference):
                if name:
                    _add(out.fields[kind][name], where)
        exprs = [part.pay, *part.requires, *(c.amount for c in part.caps + item.caps)]
        exprs += [e for e in (part.subject.where, part.subject.timing_expr, part.fixed) if e is not None]
        exprs += [o.key for o in item.one_per] + [o.unless for o in item.one_per if o.unless is not None]
        for e in exprs:
            _names(e, kind, where, out, ruleset)


def _names(e, kind: str | None, where: str, out: Needs, ruleset: Ruleset) -> None:
    """The facts and fields an expression reads (the history a "首次" needs included)."""
    if isinstance(e, ast.Ref):
        if e.path[0] == "item" and kind is not None and len(e.path) == 2:
            _add(out.fields[kind][e.path[1]], where)
        elif e.path[0] in ruleset.vocab.facts:
            _add(out.facts[e.path[0]], where)
        return
    if isinstance(e, ast.Total):
        _add(out.kinds[e.kind], where)
        _add(out.fields[e.kind][e.field], where)
        if e.where is not None:
            _names(e.where, e.kind, where, out, ruleset)
        return
    series = e.series if isinstance(e, ast.FirstTier) else \
        e.args[0] if isinstance(e, ast.Call) and e.name == "first_reaches" else None
    if isinstance(series, ast.Ref):
        record = ast.Ref(series.path[:-1] + (series.path[-1] + RECORD_SUFFIX,), series.span)
        _names(record, kind, where, out, ruleset)
    if hasattr(e, "__struct_fields__"):
        for name in e.__struct_fields__:
            value = getattr(e, name)
            for v in (value if isinstance(value, tuple) else (value,)):
                if isinstance(v, tuple):
                    for w in v:
                        _names(w, kind, where, out, ruleset)
                else:
                    _names(v, kind, where, out, ruleset)


def _add(places: list, where: str) -> None:
    if where not in places:
        places.append(where)


def form(ruleset: Ruleset, district: str, years: tuple[int, ...], include_drafts: bool) -> dict:
    """What a profile of `district` is asked for, as data: the policies, every fact and every kind
    of item (with its fields) they read, each with its type, label, description, enum values and
    the articles that need it, in vocabulary order. `render` writes it as the YAML skeleton;
    `subsidy serve`'s page builds its form from it."""
    policies = policies_for(ruleset, district, include_drafts)
    need = needs(ruleset, policies)
    vocab = ruleset.vocab

    def entry(info: FactInfo, articles: list[str]) -> dict:
        enum = vocab.enums[info.type[5:]] if info.type.startswith("enum:") else None
        return {"name": info.name, "type": "enum" if enum else info.type, "values": list(enum or ()),
                "per_year": info.per_year, "label": info.label, "description": _describe(info, vocab),
                "articles": list(articles)}
    facts = [entry(vocab.facts[n], need.facts[n]) for n in sorted(need.facts, key=list(vocab.facts).index)]
    kinds = []
    for kind in sorted(need.kinds, key=list(vocab.kinds).index):
        info = vocab.kinds[kind]
        fields = [entry(info.fields[n], need.fields[kind][n]) for n in sorted(need.fields[kind], key=list(info.fields).index)]
        if not any(f.per_year or n == "year" for n, f in info.fields.items()):
            # no year of its own and no yearly figure: its years are the item's `years:` (a project's
            # supported years), asked for like a field
            fields.append({"name": "years", "type": "text", "values": [], "per_year": False, "label": "支持年度",
                           "description": "支持年度（年份或区间，如 2025 或 2025-2027：本项获支持的各年）",
                           "articles": list(need.kinds[kind])})
        kinds.append({"name": kind, "label": info.label, "articles": list(need.kinds[kind]), "fields": fields,
                      "event": "year" in info.fields})  # an event: its day decides whether a policy in force part of the year pays it
    return {"district": district, "years": list(years),
            "policies": [{"id": p.id, "title": p.title, "draft": p.is_draft} for p in policies],
            "facts": facts, "kinds": kinds}


def render(ruleset: Ruleset, district: str, years: tuple[int, ...], include_drafts: bool) -> str:
    """The profile skeleton as commented YAML (Chinese), to be filled in and run."""
    data = form(ruleset, district, years, include_drafts)
    lines = [f"# 企业档案模板：{district}，适用政策：" + "；".join(f"{p['title']}（{p['id']}）" for p in data["policies"]),
             "# 每个事实都要填写：未填写的事实会使需要它的条款不予计算（系统从不替企业假设）。",
             "# 金额写整数元或带单位的文字（'500万'、'1.8亿'）；比率加引号（'6%'）；按年数据写成 {年份: 值}。",
             "enterprise: 企业名称",
             f"years: {years[0]}-{years[-1]}" if len(years) > 1 else f"years: {years[0]}",
             "facts:"]
    for fact in data["facts"]:
        value = f"{{{', '.join(f'{y}: ' for y in years)}}}" if fact["per_year"] else ""
        if fact["name"] == "district":
            value = district
        lines.append(f"  {fact['name']}: {value}".rstrip() + f"  # {fact['description']}；{'、'.join(fact['articles'])}")
    lines.append("items:  # 每个项目、称号、批件、订单、市级奖励一项；下列各类按需复制")
    for kind in data["kinds"]:
        lines.append(f"  # {kind['label']}：{'、'.join(kind['articles'])}")
        lines.append(f"  - id: {kind['name']}_1")
        lines.append(f"    kind: {kind['name']}")
        for field in kind["fields"]:
            value = f"{{{', '.join(f'{y}: ' for y in years)}}}" if field["per_year"] else ""
            lines.append(f"    {field['name']}: {value}".rstrip() + f"  # {field['description']}")
        if kind["event"]:
            lines.append("    # date: YYYY-MM-DD  # 事件（获评、批准、认定、签订）的日期：政策当年只部分有效时必填")
    return "\n".join(lines) + "\n"


def _describe(info: FactInfo, vocab) -> str:
    kind = {"money": "金额", "rate": "比率", "count": "数量", "bool": "是/否 true/false", "year": "年份",
            "date": "日期 YYYY-MM-DD", "text": "文字", "item": "另一项的 id"}.get(info.type)
    if kind is None:  # an enum
        kind = "可选：" + "、".join(vocab.enums[info.type[5:]])
    return f"{info.label}（{kind}{'，按年' if info.per_year else ''}）"
