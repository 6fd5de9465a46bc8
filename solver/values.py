"""Exact values: money in integer 元, rates as Fractions, years as ints, dates as `date`.

No float ever holds money: decimal text is read with `Fraction`, and a figure that is not a
whole number of 元 after unit conversion is refused.
"""
from __future__ import annotations

import re
from datetime import date
from fractions import Fraction

from .i18n import t

UNITS = {"元": 1, "千元": 1_000, "万": 10_000, "万元": 10_000, "亿": 100_000_000, "亿元": 100_000_000}
# matched against stripped text: a space run on each side of an optional part made a match of a
# long run of spaces quadratic (a 200,000-character ledger amount took 27 s)
_MONEY = re.compile(r"(-?[0-9]+(?:\.[0-9]+)?)\s*(千元|万元|亿元|万|亿|元)?")
_RATE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*%")
_RATIO = re.compile(r"([0-9]+)\s*:\s*([0-9]+)")
#: Largest amount accepted anywhere (a hundred thousand 亿): beyond it a figure is a typo.
MONEY_LIMIT = 10 ** 13
#: Digits a number may have before or after its point. Real figures have far fewer, and Python
#: refuses to read an integer of more than 4300 digits (a ValueError, not a diagnostic).
DIGITS = 30


def _fullmatch(pattern: re.Pattern, text: str) -> re.Match | None:
    """`pattern` against the whole of `text` less its outer spaces, in time linear in its length."""
    return pattern.fullmatch(text.strip())


class ValueProblem(ValueError):
    """A literal that cannot be read; the message says why and how to write it."""


def shown(text: str, room: int = 40) -> str:
    """`text` for a message: a very long one cut in the middle."""
    return text if len(text) <= room else f"{text[:room // 2]}…{text[-room // 4:]} ({len(text)} characters)"


def number(text: str, original: str | None = None) -> Fraction:
    """Decimal text -> Fraction, refusing more than DIGITS digits before or after the point."""
    whole, _, decimals = text.strip().lstrip("-").partition(".")
    if len(whole) > DIGITS or len(decimals) > DIGITS:  # leading zeros count: int() reads them too
        raise ValueProblem(f"'{shown(original or text)}' has more digits than any figure (at most {DIGITS} "
                           "before and after the point)")
    return Fraction(text)


def parse_count(text: str) -> int:
    """'3' -> 3: a whole number of at most DIGITS digits."""
    value = number(text)
    if value.denominator != 1 or value < 0:
        raise ValueProblem(t(f"'{shown(text)}' is not a whole number", f"'{shown(text)}' 不是整数"))
    return int(value)


def parse_money(text: str) -> int:
    """'16.5万' -> 165000; '1.8亿' -> 180000000; '12000' -> 12000 (元)."""
    m = _fullmatch(_MONEY, text)
    if not m:
        raise ValueProblem(t(f"'{shown(text)}' is not an amount of money; write e.g. 500万, 1.8亿 or 12000元",
                             f"'{shown(text)}' 不是金额：请写成 500万、1.8亿 或 12000元 这样的形式"))
    digits, unit = m.group(1), UNITS[m.group(2) or "元"]
    # whole figures (most of a profile's) in integers; decimals exactly, as Fractions
    amount = int(digits) * unit if "." not in digits and len(digits) <= DIGITS else number(digits, text) * unit
    if amount.denominator != 1:
        raise ValueProblem(t(f"'{text}' is not a whole number of 元 ({float(amount):g} 元)",
                             f"'{text}' 不是整数元（{float(amount):g} 元）"))
    if abs(amount) > MONEY_LIMIT:
        raise ValueProblem(t(f"'{text}' is larger than any subsidy figure (limit 10万亿)",
                             f"'{text}' 大于任何补贴金额（上限 10万亿）"))
    return int(amount)


def parse_rate(text: str) -> Fraction:
    """'0.5%' -> 1/200; '1:1' -> 1."""
    m = _fullmatch(_RATE, text)
    if m:
        return number(m.group(1), text) / 100
    m = _fullmatch(_RATIO, text)
    if m and number(m.group(2), text) != 0:
        return number(m.group(1), text) / number(m.group(2), text)
    raise ValueProblem(t(f"'{shown(text)}' is not a rate; write e.g. 30%, 0.5% or 1:1",
                         f"'{shown(text)}' 不是比率：请写成 30%、0.5% 或 1:1 这样的形式"))


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueProblem(f"'{text}' is not a date; write YYYY-MM-DD") from None


def floor_money(value: Fraction | int) -> int:
    """The most whole 元 a rational amount allows."""
    return int(value // 1)


def fmt_money(amount: int) -> str:
    """12500 -> '1.25万'; 1755000 -> '175.5万'; 800 -> '800元'."""
    if amount == 0:
        return "0"
    for unit, size in (("亿", 100_000_000), ("万", 10_000)):
        if abs(amount) >= size:
            text = _decimal(Fraction(amount, size))
            return f"{text}{unit}"
    return f"{amount}元"


def _decimal(value: Fraction) -> str:
    """Exact decimal text of a Fraction whose denominator divides a power of ten."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    whole, rest = divmod(value.numerator, value.denominator)
    digits = ""
    for _ in range(8):
        if rest == 0:
            break
        rest *= 10
        d, rest = divmod(rest, value.denominator)
        digits += str(d)
    return f"{sign}{whole}" + (f".{digits}" if digits else "")


def fmt_rate(rate: Fraction) -> str:
    """1/200 -> '0.5%'."""
    return _decimal(rate * 100) + "%"


def fmt_value(value, type_name: str) -> str:
    """A value of the given type, as the rule language would write it."""
    if type_name == "money" and isinstance(value, (int, Fraction)):
        return fmt_money(int(value)) if Fraction(value).denominator == 1 else _decimal(Fraction(value)) + "元"
    if type_name == "rate" and isinstance(value, (int, Fraction)):
        return fmt_rate(Fraction(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
