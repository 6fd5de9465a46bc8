"""Stage 2: AST -> checked model. Resolves names, types, scopes and dates; rejects any
expression that would compile to non-linear arithmetic. Reports every error of the pass."""
from __future__ import annotations

from datetime import date
from itertools import product

from msgspec import Struct
from msgspec.structs import replace

from . import ast
from .diagnostics import Collector, DiagnosticError, Span, did_you_mean
from .model import (BASE_TYPES, RECORD_SUFFIX, SCOPES, YEAR_CLAIMS, Alternative, Cap, Clause, Condition, FactInfo, KindInfo, Part, Policy,
                    Reading, Ruleset, Variant, Vocab)

POLICY_SETTINGS = {
    "title": "string", "short": "string", "document": "string", "issuer": "string", "level": "name", "region": "name",
    "issued": "date", "in_force": "date_range|date", "status": "name", "supersedes": "string",
    "rounding": "rounding", "no_duplication": "name", "assume": "string", "year_claims": "name",
    "source": "string",
}
#: The regions a policy may belong to and a non-duplication group may be named after: the city
#: and its 16 districts.
REGIONS = ("北京市", "东城区", "西城区", "朝阳区", "丰台区", "石景山区", "海淀区", "门头沟区", "房山区", "通州区",
           "顺义区", "昌平区", "大兴区", "怀柔区", "平谷区", "密云区", "延庆区")
REQUIRED_SETTINGS = ("title", "level", "in_force", "status")
ARTICLE_STATUSES = ("procedural", "non_monetary", "not_encoded")
FUNCTIONS = ("growth", "increase", "prev", "first_reaches", "consecutive", "min", "max")
#: A clause may rest on a few readings; its variants are checked one by one, so their number is bounded.
MAX_VARIANTS = 64


class Typed(Struct, frozen=True):
    type: str
    const: bool  # holds no fact: a constant for every enterprise
    ratio: bool = False  # a quotient of two unknowns (growth): only comparable with a constant


def check(files: list[ast.RuleFile]) -> Ruleset:
    """Check parsed rule files together; raises DiagnosticError listing every error."""
    diag = Collector()
    vocab = _vocabulary(files, diag)
    diag.raise_if_errors()
    policies: dict[str, Policy] = {}
    conditions: list[Condition] = []
    clauses: list[Clause] = []
    articles: list[tuple[str, ast.ArticleDecl]] = []
    readings: dict[str, Reading] = {}
    variants: dict[str, tuple[Variant, ...]] = {}
    used: set[str] = set()
    pending = []  # (file, policy): clauses are checked once every policy's readings are known
    for f in files:
        if not (f.conditions or f.clauses or f.policies or f.articles or f.readings):
            continue
        if len(f.policies) != 1:
            span = f.policies[1].span if len(f.policies) > 1 else Span(f.path, 1, 1)
            diag.error("E101", "a rule file with clauses declares exactly one policy", span,
                       "split the file: one policy document per file")
            continue
        policy = _policy(f.policies[0], len(policies), diag)
        if policy is None:
            continue
        if policy.id in policies:
            diag.error("E102", f"policy '{policy.id}' is declared twice", policy.span,
                       labels=((policies[policy.id].span, "first declared here"),))
            continue
        policies[policy.id] = policy
        for a in f.articles:
            if a.status not in ARTICLE_STATUSES:
                diag.error("E104", f"unknown article status '{a.status}'", a.span,
                           did_you_mean(a.status, ARTICLE_STATUSES) or f"statuses: {', '.join(ARTICLE_STATUSES)}")
            articles.append((policy.id, a))
        for r in f.readings:
            reading = _reading(r, policy, diag)
            if reading is None:
                continue
            if reading.key in readings:
                diag.error("E261", f"reading '{r.name}' is declared twice in policy '{policy.id}'", r.span,
                           labels=((readings[reading.key].span, "first declared here"),))
                continue
            readings[reading.key] = reading
        pending.append((f, policy))
    for f, policy in pending:
        exprs = _Exprs(vocab, diag)
        resolve = _WhenResolver(policy.id, readings, diag)
        if f.policies[0].whens:
            policies[policy.id] = resolve.expand_policy(f.policies[0], policy, variants) or policy
        for c in f.conditions:
            condition = resolve.expand(c, lambda decl: _condition(decl, policy, exprs, diag), variants)
            if condition is not None:
                conditions.append(condition)
        seen: dict[str, Span] = {}
        for c in f.clauses:
            if c.name in seen:
                diag.error("E103", f"clause '{c.name}' is declared twice in policy '{policy.id}'",
                           c.span, labels=((seen[c.name], "first declared here"),))
                continue
            seen[c.name] = c.span
            order = len(clauses)
            clause = resolve.expand(c, lambda decl: _clause(decl, policy, order, exprs, diag), variants)
            if clause is not None:
                clauses.append(clause)
        used |= resolve.used
    for key, reading in readings.items():
        if key not in used:
            diag.error("E265", f"reading '{reading.name}' shapes no clause: its alternatives would compute the same",
                       reading.span, "write 'when " + reading.name + " is ALTERNATIVE { … }' in the clause it reads")
    for clause in clauses:
        for part in clause.parts:
            if part.matches and part.matches not in policies:
                diag.error("E145", f"'matches' names no policy '{part.matches}'", part.span,
                           did_you_mean(part.matches, policies))
    diag.raise_if_errors()
    return Ruleset(vocab, policies, tuple(conditions), tuple(clauses), tuple(f.path for f in files),
                   tuple(articles), readings, variants, chinese={en: zh for f in files for en, zh in f.chinese})


# ---- readings ---------------------------------------------------------------------------
def _reading(decl: ast.ReadingDecl, policy: Policy, diag: Collector) -> Reading | None:
    before = len(diag.errors)
    for stmt, span in decl.duplicates:
        diag.error("E130", f"'{stmt}' is given twice in reading '{decl.name}'", span)
    if not decl.texts:
        diag.error("E262", f"reading '{decl.name}' quotes no sentence", decl.span,
                   "quote the sentence it interprets: text \"…\"")
    names: dict[str, Span] = {}
    for name, _, span in decl.alternatives:
        if name in names:
            diag.error("E263", f"alternative '{name}' is declared twice", span, labels=((names[name], "first declared here"),))
        names[name] = span
    if len(names) < 2:
        diag.error("E263", f"reading '{decl.name}' needs at least two alternatives", decl.span,
                   "a sentence read one way only is a note: write it as reading \"…\" in the clause")
    if decl.default is None:
        diag.error("E264", f"reading '{decl.name}' has no default", decl.span,
                   "add: default ALTERNATIVE because \"why this reading\"")
    elif decl.default[0] not in names:
        diag.error("E260", f"unknown alternative '{decl.default[0]}' of reading '{decl.name}'", decl.default[2],
                   did_you_mean(decl.default[0], names) or f"alternatives: {', '.join(names)}")
    if len(diag.errors) > before:
        return None
    return Reading(policy.id, decl.name, decl.article, decl.texts,
                   tuple(Alternative(n, d, s) for n, d, s in decl.alternatives), decl.default[0], decl.default[1],
                   decl.span)


class _WhenResolver:
    """Expands a clause or condition with `when` blocks into one variant per combination of the
    alternatives of the readings it uses; each variant is checked as an ordinary clause."""

    def __init__(self, policy: str, readings: dict[str, Reading], diag: Collector):
        self.policy, self.readings, self.diag = policy, readings, diag
        self.used: set[str] = set()

    def expand(self, decl, check_one, variants: dict[str, tuple[Variant, ...]]):
        """Check `decl` under every combination of the alternatives its `when` blocks name;
        record the variants and return the one the default readings give (None on errors)."""
        whens = list(_whens(decl.body))
        keys = [self._known(w) for w in whens]
        if not whens or None in keys:
            return check_one(replace(decl, body=_resolve(decl.body, self.policy, {})))
        keys = sorted(set(keys))
        combos = 1
        for key in keys:
            combos *= len(self.readings[key].alternatives)
        if combos > MAX_VARIANTS:
            self.diag.error("E266", f"'{decl.name}' rests on {combos} combinations of readings (at most {MAX_VARIANTS})",
                            decl.span, "split the clause, or join readings that always go together")
            return None
        default = None
        # a part rests on the clause's own readings (outside any part) and on its own
        whole = {_reading_key(self.policy, w.reading) for w in _whens(replace(decl.body, parts=()))}
        inner = {p.name: {_reading_key(self.policy, w.reading) for w in _whens(p.body)} for p in decl.body.parts}
        for alts in product(*(tuple(a.name for a in self.readings[k].alternatives) for k in keys)):
            on = tuple(zip(keys, alts))
            checked = check_one(replace(decl, body=_resolve(decl.body, self.policy, dict(on))))
            if checked is None:
                continue
            checked = replace(checked, readings_used=tuple(keys))
            if isinstance(checked, Clause):
                checked = replace(checked, parts=tuple(
                    replace(p, readings_used=tuple(sorted(whole | inner.get(p.name, set())))) for p in checked.parts))
            variants[checked.key] = variants.get(checked.key, ()) + (Variant(on, **{_field(decl): checked}),)
            if all(self.readings[k].default == alt for k, alt in on):
                default = checked
        return default

    def expand_policy(self, decl: ast.PolicyDecl, base: Policy, variants: dict[str, tuple[Variant, ...]]):
        """A policy whose settings vary with readings (`when … { year_claims … }`): one variant per
        combination; returns the default readings' one (None on errors)."""
        keys = [self._known(w) for w in decl.whens]
        if None in keys:
            return None
        default = None
        for alts in product(*(tuple(a.name for a in self.readings[k].alternatives) for k in sorted(set(keys)))):
            on = tuple(zip(sorted(set(keys)), alts))
            chosen = dict(on)
            settings = decl.settings + tuple(s for w, k in zip(decl.whens, keys)
                                             if chosen[k] in {n for n, _ in w.alternatives} for s in w.settings)
            policy = _policy(replace(decl, settings=settings, whens=()), base.order, self.diag)
            if policy is None:
                continue
            policy = replace(policy, readings_used=tuple(sorted(set(keys))))
            variants[policy.key] = variants.get(policy.key, ()) + (Variant(on, policy=policy),)
            if all(self.readings[k].default == alt for k, alt in on):
                default = policy
        return default

    def _known(self, when) -> str | None:
        """The key of the reading a `when` names, if it and its alternatives exist."""
        key = _reading_key(self.policy, when.reading)
        reading = self.readings.get(key)
        if reading is None:
            known = [k.removeprefix(self.policy + ".") for k in self.readings]
            self.diag.error("E267", f"unknown reading '{'.'.join(when.reading)}'", when.span,
                            did_you_mean(".".join(when.reading), known) or "declare it: reading NAME \"ARTICLE\" { … }")
            return None
        self.used.add(key)
        names = [a.name for a in reading.alternatives]
        unknown = [(name, span) for name, span in when.alternatives if name not in names]
        for name, span in unknown:
            self.diag.error("E260", f"unknown alternative '{name}' of reading '{reading.name}'", span,
                            did_you_mean(name, names) or f"alternatives: {', '.join(names)}")
        return None if unknown else key


def _reading_key(policy: str, path: tuple[str, ...]) -> str:
    """A reading named in a `when`: NAME of this policy, or POLICY.NAME."""
    return ".".join(path) if len(path) == 2 else f"{policy}.{path[0]}"


def _field(decl) -> str:
    return "condition" if isinstance(decl, ast.ConditionDecl) else "clause"


def _whens(body: ast.Body):
    """Every `when` block in a body, its parts and its `when` blocks."""
    for w in body.whens:
        yield w
        yield from _whens(w.body)
    for p in body.parts:
        yield from _whens(p.body)


_SINGLE = ("subject", "pay", "matter", "fixed", "matches", "difference")
_MANY = ("texts", "readings", "benefits", "requires", "caps", "one_per", "duplicates")


def _resolve(body: ast.Body, policy: str, on: dict[str, str]) -> ast.Body:
    """The body as it reads under the chosen alternatives (reading key -> alternative): the
    statements of each `when` block that holds join the body's own; one given twice is a
    duplicate (E130), as in a body without `when`."""
    fields = {name: getattr(body, name) for name in _SINGLE + _MANY + ("up_to",)}
    fields["parts"] = tuple(replace(p, body=_resolve(p.body, policy, on)) for p in body.parts)
    for w in body.whens:
        if on.get(_reading_key(policy, w.reading)) not in {name for name, _ in w.alternatives}:
            continue
        inner = _resolve(w.body, policy, on)
        for name in _MANY:
            fields[name] = fields[name] + getattr(inner, name)
        fields["parts"] = fields["parts"] + inner.parts
        for name in _SINGLE:
            if getattr(inner, name) is None:
                continue
            if fields[name] is not None:
                fields["duplicates"] = fields["duplicates"] + ((name, w.span),)
                continue
            fields[name] = getattr(inner, name)
            if name == "pay":
                fields["up_to"] = inner.up_to
    return ast.Body(**fields)


# ---- vocabulary ------------------------------------------------------------------------
def _vocabulary(files: list[ast.RuleFile], diag: Collector) -> Vocab:
    enums: dict[str, tuple[str, ...]] = {}
    facts: dict[str, FactInfo] = {}
    kinds: dict[str, KindInfo] = {}
    decls = [v for f in files for v in f.vocabularies]
    for v in decls:
        for e in v.enums:
            if e.name in enums or e.name in BASE_TYPES:
                diag.error("E110", f"enum '{e.name}' is declared twice or shadows a type", e.span)
            enums[e.name] = tuple(n for n, _ in e.values)
    known_types = list(BASE_TYPES) + list(enums)

    def fact(d: ast.FactDecl) -> FactInfo:
        if d.type not in known_types:
            diag.error("E111", f"unknown type '{d.type}'", d.type_span,
                       did_you_mean(d.type, known_types) or f"types: {', '.join(known_types)}")
        type_name = f"enum:{d.type}" if d.type in enums else d.type
        default = None
        if d.default is not None:
            ok = isinstance(d.default, ast.Literal) and (d.default.type == type_name or
                                                         (d.default.type == "count" and type_name == "year"))
            if isinstance(d.default, ast.Ref) and type_name.startswith("enum:") and \
                    d.default.path[0] in enums[type_name[5:]]:
                ok, default = True, d.default.path[0]
            elif ok:
                default = d.default.value
            if not ok:
                diag.error("E116", f"the default of '{d.name}' is not a constant {d.type}", d.default.span)
        return FactInfo(d.name, type_name, d.per_year, d.label, d.span, None if default is None else ast.to_raw(default))

    for v in decls:
        for d in v.facts:
            if d.name in facts:
                diag.error("E112", f"fact '{d.name}' is declared twice", d.span,
                           labels=((facts[d.name].span, "first declared here"),))
            facts[d.name] = fact(d)
        for k in v.kinds:
            if k.name in kinds:
                diag.error("E113", f"kind '{k.name}' is declared twice", k.span)
            fields: dict[str, FactInfo] = {}
            for d in k.fields:
                if d.name in fields or d.name in ("id", "kind", "years", "date"):
                    diag.error("E114", f"field '{d.name}' of kind '{k.name}' is declared twice or reserved", d.span)
                fields[d.name] = fact(d)
            kinds[k.name] = KindInfo(k.name, k.label, fields, k.span)
    for name, values in enums.items():
        for value in values:
            if value in facts:
                diag.error("E115", f"enum value '{value}' of '{name}' is also a fact name", facts[value].span)
    return Vocab(enums, facts, kinds)


# ---- policies ---------------------------------------------------------------------------
def _policy(decl: ast.PolicyDecl, order: int, diag: Collector) -> Policy | None:
    values: dict[str, ast.Setting] = {}
    assumptions: list[str] = []
    before = len(diag.errors)
    for s in decl.settings:
        expected = POLICY_SETTINGS.get(s.key)
        if expected is None:
            diag.error("E120", f"unknown policy setting '{s.key}'", s.span,
                       did_you_mean(s.key, POLICY_SETTINGS) or f"settings: {', '.join(POLICY_SETTINGS)}")
            continue
        if s.kind not in expected.split("|"):
            diag.error("E121", f"'{s.key}' takes a {expected.replace('|', ' or ').replace('_', ' ')}",
                       s.value_span)
            continue
        if s.key == "assume":
            assumptions.append(s.value)
        elif s.key in values:
            diag.error("E122", f"setting '{s.key}' is given twice", s.span)
        else:
            values[s.key] = s
    for key in REQUIRED_SETTINGS:
        if key not in values and key in POLICY_SETTINGS:
            diag.error("E123", f"policy '{decl.name}' has no '{key}'", decl.span,
                       f"add a line: {key} …")
    choices = {"level": ("city", "district"), "status": ("in_force", "draft"), "year_claims": YEAR_CLAIMS}
    for key, allowed in choices.items():
        if key in values and values[key].value not in allowed:
            diag.error("E124", f"{key} must be one of: {', '.join(allowed)}", values[key].value_span,
                       did_you_mean(values[key].value, allowed))
    if len(diag.errors) > before:
        return None
    get = lambda key, default="": values[key].value if key in values else default  # noqa: E731
    in_force = get("in_force")
    if isinstance(in_force, date):
        in_force = (in_force, None)
    if in_force[1] is not None and in_force[1] < in_force[0]:
        diag.error("E125", "in_force ends before it starts", values["in_force"].value_span)
    rounding = get("rounding", None)
    if rounding is not None and rounding[0] <= 0:
        diag.error("E126", "rounding step must be positive", values["rounding"].value_span)
    for key, what in (("region", "region"), ("no_duplication", "non-duplication group")):
        if key in values and values[key].value not in REGIONS:
            diag.error("E963" if key == "region" else "E964", f"unknown {what} '{values[key].value}': a "
                       f"{what} is 北京市 or one of Beijing's 16 districts", values[key].value_span,
                       _region_hint(values[key].value))
    source = None
    if "source" in values:
        from .texts import read_source, resolve
        setting = values["source"]
        source = str(resolve(setting.value, setting.span.file))
        try:
            read_source(source, setting.value_span)
        except DiagnosticError as err:
            for d in err.diagnostics:
                diag.error(d.code, d.message.replace(source, setting.value), d.span, d.help)
    return Policy(decl.name, get("title"), get("document"), get("issuer"), get("level"),
                  get("region"), in_force, get("status"), get("supersedes", None), rounding,
                  get("no_duplication", None), tuple(assumptions), decl.span, order, get("year_claims", "any_day"),
                  short=get("short", ""), source=source)


def _region_hint(name: str) -> str:
    """`顺义` -> did you mean '顺义区'?; else the closest, else the list."""
    for candidate in (name + "区", name.removesuffix("县") + "区", name + "市"):
        if candidate in REGIONS:
            return f"did you mean '{candidate}'?"
    from difflib import SequenceMatcher
    # the closest name; between equally close ones, the one agreeing character by character
    # (平古区: 平谷区, not 昌平区)
    score = {r: (SequenceMatcher(None, name, r).ratio(), sum(a == b for a, b in zip(name, r))) for r in REGIONS}
    best = max(REGIONS, key=lambda r: score[r])
    return f"did you mean '{best}'?" if score[best][0] >= 0.6 else f"regions: {' '.join(REGIONS)}"


def _condition(decl: ast.ConditionDecl, policy: Policy, exprs: "_Exprs", diag: Collector) -> Condition:
    b = decl.body
    for stmt, span in b.duplicates:
        diag.error("E130", f"'{stmt}' is given twice", span)
    if b.subject or b.pay or b.caps or b.parts:
        diag.error("E131", "a condition only holds text, reading and require statements", decl.span,
                   "write payments in a clause")
    for r in b.requires:
        exprs.expect(r, "bool", None)
    return Condition(policy.id, decl.name, decl.article, b.texts, b.readings, b.requires, decl.span)


def _clause(decl: ast.ClauseDecl, policy: Policy, order: int, exprs: "_Exprs", diag: Collector) -> Clause | None:
    b = decl.body
    for stmt, span in b.duplicates:
        diag.error("E130", f"'{stmt}' is given twice in clause '{decl.name}'", span)
    if not b.texts:
        diag.error("E132", f"clause '{decl.name}' has no text", decl.span,
                   "quote the article's own words: text \"…\"")
    bodies = [(p.name, p.body, p.span) for p in b.parts] or [(None, b, decl.span)]
    if b.parts:  # the clause's own conditions hold for every part: type them once here
        kind = b.subject.kind if b.subject else None
        for r in b.requires:
            exprs.expect(r, "bool", kind if kind in exprs.vocab.kinds else None)
    parts = []
    if b.pay is None and not b.parts and b.benefits:
        bodies = []  # a measure with no computable amount: listed, never summed
    for name, body, span in bodies:
        part = _part(name, body, b if name is not None else None, span, exprs, diag)
        if part is not None:
            parts.append(part)
    if not bodies and not b.benefits:
        diag.error("E133", f"clause '{decl.name}' neither pays nor names a benefit", decl.span)
    subject_kind = parts[0].subject.kind if parts else None
    caps = tuple(_cap(c, subject_kind, exprs, diag) for c in (b.caps if b.parts else ()))
    for one in b.one_per:
        exprs.check(one.key, subject_kind)
        if one.unless is not None:
            exprs.expect(one.unless, "bool", subject_kind)
        if one.scope not in ("enterprise_year", "enterprise"):
            diag.error("E134", "'one … per' takes the scope enterprise_year or enterprise", one.span)
    return Clause(policy.id, decl.name, decl.article, b.texts, b.readings, b.benefits, tuple(parts),
                  caps, b.one_per, decl.span, order)


def _part(name, body: ast.Body, outer: ast.Body | None, span: Span, exprs: "_Exprs",
          diag: Collector) -> Part | None:
    subject = body.subject or (outer.subject if outer else None)
    pay = body.pay if body.pay is not None else (outer.pay if outer else None)
    up_to = body.up_to if body.pay is not None else (outer.up_to if outer else False)
    where = f"part '{name}'" if name else "the clause"
    if subject is None:
        diag.error("E140", f"{where} says nothing of whom it pays", span,
                   "add 'for enterprise each year' or 'for item KIND …'")
        return None
    if pay is None:
        diag.error("E141", f"{where} has no 'pay' statement", span, "add e.g. 'pay up to 50万'")
        return None
    kind = subject.kind
    if kind is not None and kind not in exprs.vocab.kinds:
        diag.error("E142", f"unknown kind of item '{kind}'", subject.span,
                   did_you_mean(kind, exprs.vocab.kinds))
        return None
    if subject.where is not None:
        exprs.expect(subject.where, "bool", kind)
    if subject.timing_expr is not None:
        exprs.expect(subject.timing_expr, "year", kind)
    if subject.max_years is not None and subject.max_years < 1:
        diag.error("E143", "consecutive years must be at least 1", subject.span)
    requires = (outer.requires if outer else ()) + body.requires
    for r in body.requires:
        exprs.expect(r, "bool", kind)
    exprs.expect(pay, "money", kind)
    if body.fixed is not None:
        exprs.expect(body.fixed, "bool", kind)
    caps = tuple(_cap(c, kind, exprs, diag) for c in body.caps)
    matches = body.matches or (outer.matches if outer else None)
    if matches and kind is None:
        diag.error("E146", "'matches' needs a clause that pays items (the award it matches)", matches[1])
    matter = (body.matter or (outer.matter if outer else None))
    if matter and kind is not None:
        matter = (_link(matter, kind, "matter", exprs, diag), matter[1])
    elif matter and "." in matter[0]:
        diag.error("E144", "'matter item.FIELD' names the item an item's payment is about; an enterprise-wide "
                   "clause names its matter with a plain name", matter[1])
    difference = body.difference or (outer.difference if outer else None)
    if difference:
        difference = (_link(difference, kind, "difference from", exprs, diag), difference[1])
    readings = body.readings if outer is not None else ()  # a part-less clause keeps them on the clause
    return Part(name, subject, requires, pay, up_to, caps, matter[0] if matter else None, body.fixed, body.texts,
                span, matches[0] if matches else None, readings, difference[0] if difference else None)


def _link(stated: tuple[str, Span], kind: str | None, statement: str, exprs: "_Exprs", diag: Collector) -> str | None:
    """`matter item.FIELD` / `difference from item.FIELD`: FIELD of the clause's kind links to another item."""
    text, span = stated
    path = text.split(".")
    fields = exprs.vocab.kinds[kind].fields if kind in exprs.vocab.kinds else {}
    if kind is None or path[0] != "item" or len(path) != 2 or path[1] not in fields \
            or fields[path[1]].type != "item":
        links = [f"item.{n}" for n, f in fields.items() if f.type == "item"]
        diag.error("E144", f"'{statement}' takes item.FIELD, a field of kind '{kind}' that names another item",
                   span, did_you_mean(text, links) or ("fields that name an item: " + ", ".join(links) if links else
                                                       f"declare one: field NAME: item \"…\" in kind {kind}"))
        return None
    return path[1]


def _cap(cap: ast.Cap, kind: str | None, exprs: "_Exprs", diag: Collector) -> Cap:
    typed = exprs.expect(cap.amount, "money", kind)
    if cap.scope not in SCOPES:
        diag.error("E150", f"unknown scope '{cap.scope}'", cap.span, did_you_mean(cap.scope, SCOPES))
    if typed and typed.const:
        from .evaluate import Env, evaluate  # a constant needs no enterprise
        if evaluate(cap.amount, Env(exprs.vocab, None, None, None)) < 0:
            diag.error("E153", "a ceiling cannot be negative", cap.amount.span, "write the article's amount, e.g. cap 500万")
    if typed and not typed.const and cap.scope not in ("payment", "item_year", "item"):
        diag.error("E151", f"a ceiling per {cap.scope} must be a constant amount", cap.amount.span,
                   "a ceiling that depends on facts bounds one payment ('per payment') or one item ('per item')")
    if kind is None and cap.scope in ("item", "item_year"):
        diag.error("E152", f"'per {cap.scope}' needs a clause that pays items", cap.span,
                   "an enterprise-wide clause caps 'per payment', 'per enterprise_year' or 'per enterprise'")
    return Cap(cap.amount, cap.scope, cap.span)


# ---- expressions ------------------------------------------------------------------------
class _Exprs:
    """Types expressions against the vocabulary; errors go to the collector."""

    def __init__(self, vocab: Vocab, diag: Collector):
        self.vocab = vocab
        self.diag = diag

    def expect(self, expr: ast.Expr, type_name: str, kind: str | None) -> Typed | None:
        typed = self.check(expr, kind)
        if typed is None:
            return None
        if typed.ratio:
            self._ratio_error(expr)
            return None
        if typed.type != type_name and not (type_name == "year" and typed.type == "count"):
            self.diag.error("E160", f"expected {type_name}, found {_show_type(typed.type)}", expr.span)
            return None
        return typed

    def _ratio_error(self, expr: ast.Expr) -> None:
        self.diag.error("E161", "a growth rate divides one unknown amount by another: it can only be "
                        "compared with a rate", expr.span, "write e.g. growth(x) >= 5% or growth(x) >= district_average_growth")

    def check(self, e: ast.Expr, kind: str | None) -> Typed | None:
        method = getattr(self, "_" + type(e).__name__)
        return method(e, kind)

    def _Literal(self, e: ast.Literal, kind):
        return Typed(e.type, True)

    def _CurrentYear(self, e, kind):
        return Typed("year", True)

    def _Ref(self, e: ast.Ref, kind):
        info = self.lookup(e, kind)
        if info is None:
            return None
        if isinstance(info, str):
            return Typed(info, True)
        return Typed(info.type, False)

    def lookup(self, e: ast.Ref, kind) -> FactInfo | str | None:
        """The fact or field a name refers to, or 'enumval:V' for an enum value."""
        if e.path[0] == "item":
            if kind is None:
                self.diag.error("E170", "'item' is only known in a clause that pays items", e.span,
                                "write 'for item KIND …' first")
                return None
            fields = self.vocab.kinds[kind].fields
            if len(e.path) != 2 or e.path[1] not in fields:
                name = ".".join(e.path[1:])
                self.diag.error("E171", f"kind '{kind}' has no field '{name}'", e.span,
                                did_you_mean(name, fields) or f"fields: {', '.join(fields)}")
                return None
            return fields[e.path[1]]
        if len(e.path) == 1:
            name = e.path[0]
            if name in self.vocab.facts:
                return self.vocab.facts[name]
            if self.vocab.enum_of(name):
                return f"enumval:{name}"
        name = ".".join(e.path)
        known = list(self.vocab.facts) + [v for vs in self.vocab.enums.values() for v in vs]
        self.diag.error("E172", f"unknown name '{name}'", e.span,
                        did_you_mean(name, known) or "declare it as a fact in the vocabulary")
        return None

    def _Call(self, e: ast.Call, kind):
        if e.name not in FUNCTIONS:
            self.diag.error("E180", f"unknown function '{e.name}'", e.span,
                            did_you_mean(e.name, FUNCTIONS) or f"functions: {', '.join(FUNCTIONS)}")
            return None
        arity = {"growth": 1, "increase": 1, "prev": 1, "first_reaches": 2, "consecutive": 2}
        if e.name in arity and len(e.args) != arity[e.name]:
            self.diag.error("E181", f"{e.name}() takes {arity[e.name]} argument(s), found {len(e.args)}", e.span)
            return None
        if e.name in ("min", "max"):
            types = [self.check(a, kind) for a in e.args]
            if len(e.args) < 2 or None in types:
                if len(e.args) < 2:
                    self.diag.error("E181", f"{e.name}() takes at least 2 arguments", e.span)
                return None
            if len({t.type for t in types}) != 1 or any(t.ratio for t in types):
                self.diag.error("E182", f"{e.name}() needs arguments of one type", e.span)
                return None
            return Typed(types[0].type, all(t.const for t in types))
        if e.name == "consecutive":
            n = e.args[0]
            if not (isinstance(n, ast.Literal) and n.type == "count" and n.value >= 1):
                self.diag.error("E183", "consecutive(N, condition) takes a whole number of years first", n.span)
                return None
            return Typed("bool", False) if self.expect(e.args[1], "bool", kind) else None
        series = self._series(e.args[0], kind, first=e.name == "first_reaches")
        if series is None:
            return None
        if e.name == "growth":
            if series.type not in ("money", "count"):
                self.diag.error("E184", "growth() takes money or a count", e.args[0].span)
                return None
            return Typed("rate", False, ratio=True)
        if e.name == "increase":
            return Typed(series.type, False)
        if e.name == "prev":
            return Typed(series.type, False)
        threshold = self.check(e.args[1], kind)
        if threshold is None:
            return None
        if threshold.type != series.type or not threshold.const:
            self.diag.error("E185", f"first_reaches() compares with a constant {series.type}", e.args[1].span)
            return None
        return Typed("bool", False)

    def _series(self, arg: ast.Expr, kind, first: bool = False) -> FactInfo | None:
        if not isinstance(arg, ast.Ref):
            self.diag.error("E186", "this function takes the name of a yearly figure", arg.span)
            return None
        info = self.lookup(arg, kind)
        if info is None:
            return None
        if isinstance(info, str) or not info.per_year:
            self.diag.error("E187", f"'{'.'.join(arg.path)}' is not a yearly figure (declare it 'per year')",
                            arg.span)
            return None
        if first:  # "首次": the years a profile gives are not the whole history
            name = arg.path[-1] + RECORD_SUFFIX
            known = self.vocab.kinds[kind].fields if arg.path[0] == "item" else self.vocab.facts
            record = known.get(name)
            if record is None or record.type != info.type or record.per_year:
                self.diag.error("E173", f"“first” needs the history before the years a profile gives: declare "
                                f"'{name}', not per year, of {info.type}", arg.span,
                                f"e.g. fact {name}: {info.type} \"历史最高值（档案所列最早年度之前）\"")
                return None
        return info

    def _Arith(self, e: ast.Arith, kind):
        """A chain typed as the left-to-right pairs it means: (a op b) op c …, each mistake at
        the part of the chain it is in."""
        types = [self.check(i, kind) for i in e.items]
        if None in types:
            return None
        for side, t in zip(e.items, types):
            if t.ratio:
                self._ratio_error(side)
                return None
        result = types[0]
        for k, op in enumerate(e.ops, 1):
            result = self._pair(op, result, types[k], e.upto(k))
            if result is None:
                return None
        return result

    def _pair(self, op: str, left: Typed, right: Typed, span: Span) -> Typed | None:
        if op in "+-":
            if left.type == "year" and right.type == "count":
                return Typed("year", left.const and right.const)
            if left.type != right.type or left.type not in ("money", "rate", "count"):
                self.diag.error("E190", f"cannot {'add' if op == '+' else 'subtract'} "
                                f"{_show_type(right.type)} and {_show_type(left.type)}", span)
                return None
            return Typed(left.type, left.const and right.const)
        pair = {left.type, right.type}
        if pair == {"money"}:
            self.diag.error("E191", "an amount of money times an amount of money has no meaning", span,
                            "multiply an amount by a rate: 30% of item.investment")
            return None
        if not (left.const or right.const):
            self.diag.error("E192", "non-linear: this multiplies two unknown figures", span,
                            "one side of '*' or 'of' must be a constant such as 30% or 10万")
            return None
        if not pair <= {"money", "rate", "count"}:
            self.diag.error("E193", f"cannot multiply {_show_type(left.type)} by {_show_type(right.type)}", span)
            return None
        result = "money" if "money" in pair else ("rate" if "rate" in pair else "count")
        return Typed(result, left.const and right.const)

    def _FirstTier(self, e: ast.FirstTier, kind):
        series = self._series(e.series, kind, first=True)
        if series is None:
            return None
        for threshold, amount in e.tiers:
            t, a = self.check(threshold, kind), self.check(amount, kind)
            if t is None or a is None:
                return None
            if t.type != series.type or not t.const:
                self.diag.error("E188", f"a tier's threshold is a constant {series.type}", threshold.span)
                return None
            if a.type != "money" or not a.const:
                self.diag.error("E189", "a tier's amount is a constant amount of money", amount.span)
                return None
        return Typed("money", False)

    def _Total(self, e: ast.Total, kind):
        if e.kind not in self.vocab.kinds:
            self.diag.error("E142", f"unknown kind of item '{e.kind}'", e.span, did_you_mean(e.kind, self.vocab.kinds))
            return None
        fields = self.vocab.kinds[e.kind].fields
        info = fields.get(e.field)
        if info is None or info.type not in ("money", "count"):
            self.diag.error("E171", f"total() adds up a money or count field of kind '{e.kind}': '{e.field}' is not one",
                            e.span, did_you_mean(e.field, [n for n, f in fields.items() if f.type in ("money", "count")]))
            return None
        if e.where is not None:  # `item` in the condition is each item added up
            self.expect(e.where, "bool", e.kind)
        return Typed(info.type, False)

    def _Neg(self, e: ast.Neg, kind):
        t = self.check(e.expr, kind)
        if t and t.type not in ("money", "rate", "count"):
            self.diag.error("E194", f"cannot negate {_show_type(t.type)}", e.span)
            return None
        return t

    def _Compare(self, e: ast.Compare, kind):
        left, right = self.check(e.left, kind), self.check(e.right, kind)
        if left is None or right is None:
            return None
        if left.ratio or right.ratio:
            other, other_expr = (right, e.right) if left.ratio else (left, e.left)
            # a growth rate is compared with a constant rate, or with a published rate such as
            # the district's average growth (a fact: cross-multiplied, it stays linear once known)
            if other.ratio or other.type != "rate" or not (other.const or isinstance(other_expr, ast.Ref)):
                self._ratio_error(e.left if left.ratio else e.right)
                return None
            return Typed("bool", False)
        if not self._comparable(left.type, right.type, e):
            return None
        if e.op not in ("==", "!=") and (left.type.startswith(("enum", "enumval")) or left.type in ("bool", "text")):
            self.diag.error("E195", f"'{e.op}' does not order {_show_type(left.type)}", e.span, "use == or !=")
            return None
        return Typed("bool", left.const and right.const)

    def _comparable(self, a: str, b: str, e) -> bool:
        if a == b or {a, b} <= {"year", "count"}:
            return True
        for enum_t, val_t in ((a, b), (b, a)):
            if enum_t.startswith("enum:") and val_t.startswith("enumval:"):
                enum = enum_t[5:]
                value = val_t[8:]
                if value in self.vocab.enums[enum]:
                    return True
                self.diag.error("E196", f"'{value}' is not a value of {enum}", e.span,
                                did_you_mean(value, self.vocab.enums[enum]) or
                                f"values: {', '.join(self.vocab.enums[enum])}")
                return False
        self.diag.error("E197", f"cannot compare {_show_type(a)} with {_show_type(b)}", e.span)
        return False

    def _Member(self, e: ast.Member, kind):
        t = self.check(e.expr, kind)
        if t is None:
            return None
        if not t.type.startswith("enum:"):
            self.diag.error("E198", "'in {…}' tests a value of an enum", e.expr.span)
            return None
        values = self.vocab.enums[t.type[5:]]
        for name, span in e.names:
            if name not in values:
                self.diag.error("E196", f"'{name}' is not a value of {t.type[5:]}", span,
                                did_you_mean(name, values) or f"values: {', '.join(values)}")
        return Typed("bool", t.const)

    def _BoolOp(self, e: ast.BoolOp, kind):
        types = [self.expect(i, "bool", kind) for i in e.items]
        return Typed("bool", all(t and t.const for t in types)) if all(types) else None

    def _Not(self, e: ast.Not, kind):
        t = self.expect(e.expr, "bool", kind)
        return Typed("bool", t.const) if t else None

    def _IfElse(self, e: ast.IfElse, kind):
        cond = self.expect(e.cond, "bool", kind)
        a, b = self.check(e.then, kind), self.check(e.other, kind)
        if cond is None or a is None or b is None:
            return None
        if a.type != b.type:
            self.diag.error("E199", f"the two branches differ: {_show_type(a.type)} and {_show_type(b.type)}", e.span)
            return None
        return Typed(a.type, cond.const and a.const and b.const)


def _show_type(t: str) -> str:
    if t.startswith("enum:"):
        return f"a value of {t[5:]}"
    if t.startswith("enumval:"):
        return f"the name '{t[8:]}'"
    return {"money": "an amount of money", "rate": "a rate", "count": "a number", "bool": "a yes/no condition",
            "year": "a year", "date": "a date", "text": "text"}.get(t, t)

