"""Units a value may carry, and what each one allows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    code: str
    label: str  # in English, as the data dictionary explains it; pages use unit_label (the catalogue)
    kind: str  # "percent" (0-100) | "change" (signed %) | "count" (whole, >= 0) | "measure"
    most: float | None = None  # the largest plausible value: a figure above it was typed in the wrong unit
    scale: float = 1  # what one unit is worth (a million): a figure typed whole is then named with its fix


UNITS = {u.code: u for u in [
    Unit("percent", "%", "percent"),
    Unit("percent_change", "% change", "change"),
    Unit("people", "people", "count"),
    Unit("count", "number", "count"),
    Unit("people_million", "million people", "measure", most=10_000, scale=1e6),  # Earth: ~8,100 million
    Unit("minutes", "minutes", "count"),
    Unit("days", "days", "count"),
    Unit("hours", "hours", "measure"),
    Unit("institutions", "institutions", "count"),
    Unit("per_100k", "per 100,000 inhabitants", "measure", most=100_000),
    Unit("per_km2", "inhabitants per km²", "measure"),
    Unit("persons_per_home", "occupants per home", "measure", most=100),
    Unit("rank", "rank", "count"),
    Unit("ordinal", "ordinal number (75 reads 75th)", "count"),
    Unit("score", "score (0–100)", "measure", most=100),
    Unit("hours_per_week", "hours per week", "measure", most=168),
    Unit("mxn", "Mexican pesos", "measure"),
    Unit("mxn_per_day", "pesos per day", "measure"),
    Unit("usd", "US dollars", "measure"),
    Unit("usd_million", "USD million", "measure", most=1e8, scale=1e6),  # the world's GDP: ~1e8 million
    Unit("usd_billion", "USD billion", "measure", most=1e5, scale=1e9),
    Unit("hectares", "ha", "measure"),
    Unit("cubic_metres", "m³", "measure"),
    Unit("tonnes", "t", "measure"),
    Unit("months", "months", "count"),
    Unit("years", "years", "count"),
]}


def unit_label(code: str) -> str:
    """The unit in the page's language (``unit.<code>`` of the message catalogue); unknown codes as written."""
    from .i18n import msg

    return msg(f"unit.{code}") if code in UNITS else code
