"""`subsidy new-policy NAME --district 顺义区`: a starting rule file for a new policy.

The file checks cleanly beside the bundled rules as written: a policy block giving every
setting (the optional ones commented out, each with what it means), the applicability article
as a condition, and one example clause. It is a draft (`status draft`), so its example pays
nothing until the analyst has written the real articles and set `status in_force`.
"""
from __future__ import annotations

import re

from .check import POLICY_SETTINGS, REGIONS, _region_hint
from .diagnostics import Diagnostic, DiagnosticError
from .table import width

_NAME = re.compile(r"[^\W\d]\w*")
#: keywords of the rule language a policy id cannot be
_KEYWORDS = {"policy", "vocabulary", "clause", "condition", "article", "reading", "when", "true", "false", "year",
             "and", "or", "not", "if", "then", "else", "in", "of", "per", "for", "pay", "cap", "require", "text"}

#: Each setting as the starting file writes it: (line, whether it is commented out, its note).
_SETTINGS = {
    "title": ('title    "{region}……若干措施"', False, "政策全称（必填）"),
    "short": ('short    "{short}……措施"', True, "简称：中文表格里用它"),
    "document": ('document "……〔{year}〕…号"', True, "文号"),
    "issuer": ('issuer   "……"', True, "发文机关"),
    "level": ("level    {level}", False, "city | district（必填）"),
    "region": ("region   {region}", False, "北京市或 16 个区之一"),
    "issued": ("issued   {year}-01-01", True, "发布日期"),
    "in_force": ("in_force {year}-01-01 to {end}-12-31", False, "有效期（必填）：起 to 止；无截止日只写起始日"),
    "status": ("status   draft", False, "draft（征求意见稿，--include-drafts 才计入）| in_force（必填）"),
    "supersedes": ('supersedes "……号"', True, "同时废止的文件"),
    "rounding": ("rounding round down to 1000元 minimum 1万", True, "兑现金额取整：步长与最低额"),
    "no_duplication": ("no_duplication {region}", True, "从优不重复：同组条款同一事项只付一次"),
    "assume": ('assume   "……"', True, "文本未写明而假定的事（可写多条）"),
    "year_claims": ("year_claims while_in_force", True, "any_day | while_in_force：哪些年度的数据可兑现"),
    "source": ('source   "texts/{name}.txt"', True, "政策原文（相对本文件）：check --coverage 逐条核对"),
}


def starting_rules(name: str, district: str, year: int = 2025, bundled: tuple[str, ...] = ()) -> str:
    """The text of a new policy's rule file; DiagnosticError for a bad id or an unknown district."""
    if not _NAME.fullmatch(name) or name in _KEYWORDS:
        raise DiagnosticError(Diagnostic("error", "E965", f"'{name}' cannot be a policy id", None,
                                         "a policy id is a word of letters, digits and _ not starting with a digit, "
                                         "e.g. shunyi_mfg"))
    if name in bundled:
        raise DiagnosticError(Diagnostic("error", "E966", f"policy '{name}' is one of the bundled policies: a file "
                                         "declaring it would replace the bundled one", None,
                                         "choose another id; to change the bundled policy, copy its file "
                                         "(`subsidy rules path`) and edit the copy"))
    if district not in REGIONS:
        raise DiagnosticError(Diagnostic("error", "E963", f"unknown district '{district}': a policy's region is "
                                         "北京市 or one of Beijing's 16 districts", None, _region_hint(district)))
    assert set(_SETTINGS) == set(POLICY_SETTINGS), "every policy setting has a line in the starting file"
    city = district == "北京市"
    fill = {"name": name, "region": district, "short": district.removesuffix("区"), "year": year, "end": year + 1,
            "level": "city" if city else "district"}
    lines = []
    for key in POLICY_SETTINGS:
        line, commented, note = _SETTINGS[key]
        text = f"    {'# ' if commented else ''}{line.format(**fill)}"
        lines.append(text + " " * max(56 - width(text), 1) + f"# {note}")  # notes aligned on screen
    where = "registered_in_beijing" if city else f"district == {district}"
    return f"""# {district} — a new policy's rules, written by `subsidy new-policy {name}`. Fill in the
# settings, quote each article's own words in `text`, and check it beside the bundled rules:
#     subsidy check {name}.rules
#     subsidy check --coverage {name}.rules     (once `source` names the policy's text)
# The rule language: docs/language.md and README, "The rule language".

policy {name} {{
{chr(10).join(lines)}
}}

# 适用范围：哪些企业可以申请（每条条款都须满足）。
condition applicability "第二条" {{
    text "本措施适用于在{district}注册登记……的企业。"
    require {where}
}}

# 一个示例条款：按条文改写（条号、原文、支付对象、条件、金额与上限）。
clause example "第三条" {{
    text "对……的企业，按……给予支持，最高不超过50万元。"
    reading "An example: pays up to 50万 once to an enterprise of the policy's region. Replace it with the article's rule."
    for enterprise once
    pay up to 50万
    cap 50万 per enterprise
}}
"""
