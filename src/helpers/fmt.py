"""How numbers read in the book, in the page's language (``helpers.i18n``): thousands separators, percentages,
units and qualifiers, and "n.a." ("n. d." in Spanish) for what is missing."""

from __future__ import annotations

import math

from .i18n import locale, msg
from .units import UNITS, unit_label

def missing() -> str:
    return msg("fmt.missing")


def qualifier_text(qualifier) -> str:
    """A qualifier from data ('more than', 'nearly' ...) in the page's language (the data's words if unknown)."""
    from .i18n import msg_or

    return msg_or("qualifier." + str(qualifier).replace(" ", "_"), str(qualifier))


def lower_first(text) -> str:
    """A label set inside a sentence: its first letter in lower case ('Domestic workers' -> 'domestic workers'),
    unless it opens with an acronym ('IMSS job registrations' stays); proper names further on keep their capitals."""
    text = str(text)
    return text if text[:2] == text[:2].upper() else text[:1].lower() + text[1:]


def is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isnan(value))  # NaN, pd.NA
    except TypeError:  # pd.NA refuses comparison in a boolean context
        return True


def plain_number(value) -> str:
    """A number as a data file writes it: 54421.0 -> '54421'; 29.6 -> '29.6'; missing -> ''."""
    if is_missing(value):
        return ""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def number(value, decimals: int | None = None) -> str:
    """126014024 -> '126,014,024'; 64.3 -> '64.3'; 3.0 -> '3'; missing -> 'n.a.'.

    Without ``decimals`` a value keeps the decimals it was printed with (up to three).
    """
    from babel.numbers import format_decimal

    if is_missing(value):
        return missing()
    value = float(value)
    if decimals is None:  # round as printed (at most three decimals), then let the locale write it
        value = round(value, 3)
        pattern = "#,##0.###"
    else:
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    text = format_decimal(value, format=pattern, locale=locale(), decimal_quantization=True)
    return "0" if text in ("-0", "") else text


def percent(value, decimals: int | None = None) -> str:
    """51.2 -> '51.2%'."""
    text = number(value, decimals)
    return text if is_missing(value) else msg("fmt.percent", value=text)


def with_unit(value, unit: str, qualifier: str | None = None) -> str:
    """A value as a reader sees it: '51.2%', 'nearly 753,000', 'USD 143 million', '64.3 inhabitants per km²'."""
    if is_missing(value):
        return missing()
    kind = UNITS[unit].kind if unit in UNITS else "measure"
    if kind in ("percent", "change"):
        text = percent(value)
    elif unit in ("usd_million", "usd_billion", "usd", "score"):
        text = msg(f"fmt.{unit}", value=number(value))
    elif unit in ("rank", "ordinal"):
        text = ordinal(value)
    elif unit in ("years", "months", "days", "minutes"):  # a span reads with its unit: "10 years"
        text = f"{number(value)} {unit_label(unit)}"
    elif kind == "count":
        text = number(value)
    else:
        text = f"{number(value)} {unit_label(unit)}" if unit in UNITS else number(value)
    if not is_missing(qualifier) and qualifier:
        text = f"{qualifier_text(qualifier)} {text}"
    return text



def ordinal(value) -> str:
    """74 -> '74th', 2 -> '2nd' (Spanish: '74.º')."""
    if is_missing(value):
        return missing()
    n = int(value)
    if msg("fmt.ordinal_style") != "english":
        return msg("fmt.ordinal", value=n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def signed_percent_points(value, decimals: int = 1) -> str:
    """Change in percentage points: 1.5 -> '+1.5 pp' (-0.45 with ``decimals=2`` -> '-0.45 pp')."""
    if is_missing(value):
        return missing()
    sign = "+" if float(value) > 0 else "-" if float(value) < 0 else ""
    return msg("fmt.points", value=sign + number(abs(float(value)), decimals))


def change_phrase(value, unit: str, qualifier: str | None = None) -> str:
    """A stated change in words: -7.1 (percent_change) -> 'a fall of 7.1%'; 0 -> 'no change'."""
    if is_missing(value):
        return missing()
    if float(value) == 0:
        return msg("fmt.no_change")
    size = with_unit(abs(float(value)), "percent" if unit == "percent_change" else unit, qualifier)
    return msg("fmt.rise" if float(value) > 0 else "fmt.fall", size=size)
