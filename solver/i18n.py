"""The language of what people read: Chinese (zh) or English (en).

Messages are written where they are made, in both languages side by side:
`t(f"{x} fails", f"{x} 不成立")` returns the one of the current language. The language is a
context variable, set once per command (`--lang`, else the locale) or per call of the Python
API (`with use("zh"): pipeline.optimize(...)`). JSON keys, ids and error codes never change
with it; the texts inside (reasons, bounds, assumptions) do.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar

LANGS = ("zh", "en")

_lang: ContextVar[str] = ContextVar("subsidy_lang", default="en")


def current() -> str:
    return _lang.get()


def zh() -> bool:
    return _lang.get() == "zh"


def t(en: str, zh_text: str) -> str:
    """The message in the current language."""
    return zh_text if _lang.get() == "zh" else en


def set_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: give one of {', '.join(LANGS)}")
    _lang.set(lang)


@contextmanager
def use(lang: str):
    """Messages made inside the block are in `lang`."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: give one of {', '.join(LANGS)}")
    token = _lang.set(lang)
    try:
        yield
    finally:
        _lang.reset(token)


def from_locale(environ: dict | None = None) -> str:
    """`zh` where the locale is Chinese (LC_ALL, then LC_MESSAGES, then LANG, as POSIX orders
    them; `zh_CN.UTF-8`, `zh_TW`, `zh`), else `en`. SUBSIDY_LANG overrides the locale."""
    env = os.environ if environ is None else environ
    chosen = env.get("SUBSIDY_LANG", "").strip().lower()
    if chosen in LANGS:
        return chosen
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


#: The kinds of "clause not taken" (JSON `kind`), as a reader of each language calls them.
KIND_WORDS = {
    "ineligible": "不符合条件", "missing": "缺少事实", "out_of_force": "不在有效期", "draft": "征求意见稿",
    "no_item": "无此类项目", "dominated": "未选", "unproven": "未证明", "zero": "金额为零",
    "matching": "配套", "rounding": "取整",
}


def kind_word(kind: str) -> str:
    return t(kind, KIND_WORDS.get(kind, kind))


SCOPE_WORDS = {"payment": "每笔", "item_year": "每个项目每年", "item": "每个项目",
               "enterprise_year": "每家企业每年", "enterprise": "每家企业"}


def scope_word(scope: str) -> str:
    """A ceiling's scope as Chinese reads it ("每家企业每年"); the rule language's name in English."""
    return t(scope.replace("_", "-"), SCOPE_WORDS.get(scope, scope))


def name_of(policy) -> str:
    """A policy as people call it: its short title in Chinese (《…》), its id in English."""
    return t(policy.id, f"《{policy.short or policy.title}》")
