"""How numbers read in the book: thousands separators, percentages, and "n.a." for what is missing."""

from __future__ import annotations

import math

from .units import UNITS

MISSING = "n.a."


def is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isnan(value))  # NaN, pd.NA
    except TypeError:  # pd.NA refuses comparison in a boolean context
        return True


def number(value, decimals: int | None = None) -> str:
    """126014024 -> '126,014,024'; 64.3 -> '64.3'; 3.0 -> '3'; missing -> 'n.a.'.

    Without ``decimals`` a value keeps the decimals it was printed with (up to three).
    """
    if is_missing(value):
        return MISSING
    value = float(value)
    if decimals is None:
        text = f"{value:,.3f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return f"{value:,.{decimals}f}"


def percent(value, decimals: int | None = None) -> str:
    """51.2 -> '51.2%'."""
    text = number(value, decimals)
    return text if text == MISSING else f"{text}%"


def with_unit(value, unit: str, qualifier: str | None = None) -> str:
    """A value as a reader sees it: '51.2%', 'nearly 753,000', 'USD 143 million', '64.3 inhabitants per km²'."""
    if is_missing(value):
        return MISSING
    kind = UNITS[unit].kind if unit in UNITS else "measure"
    if kind in ("percent", "change"):
        text = percent(value)
    elif unit == "usd_million":
        text = f"USD {number(value)} million"
    elif unit == "usd_billion":
        text = f"USD {number(value)} billion"
    elif unit == "usd":
        text = f"USD {number(value)}"
    elif unit in ("rank", "ordinal"):
        text = ordinal(value)
    elif unit == "score":
        text = f"{number(value)} out of 100"
    elif unit in ("years", "months", "days", "minutes"):  # a span reads with its unit: "10 years"
        text = f"{number(value)} {UNITS[unit].label}"
    elif kind == "count":
        text = number(value)
    else:
        text = f"{number(value)} {UNITS[unit].label}" if unit in UNITS else number(value)
    if not is_missing(qualifier) and qualifier:
        text = f"{qualifier} {text}"
    return text


def ordinal(value) -> str:
    """74 -> '74th', 2 -> '2nd'."""
    if is_missing(value):
        return MISSING
    n = int(value)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def signed_percent_points(value) -> str:
    """Change in percentage points: 1.5 -> '+1.5 pp'."""
    if is_missing(value):
        return MISSING
    return f"{float(value):+,.1f} pp".replace("+0.0", "0.0")


def change_phrase(value, unit: str, qualifier: str | None = None) -> str:
    """A stated change in words: -7.1 (percent_change) -> 'a fall of 7.1%'; 0 -> 'no change'."""
    if is_missing(value):
        return MISSING
    if float(value) == 0:
        return "no change"
    size = with_unit(abs(float(value)), "percent" if unit == "percent_change" else unit, qualifier)
    return f"{'a rise' if float(value) > 0 else 'a fall'} of {size}"
