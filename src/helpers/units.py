"""Units a value may carry, and what each one allows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    code: str
    label: str  # in English, as the data dictionary explains it; pages use unit_label (the catalogue)
    kind: str  # "percent" (0-100) | "change" (signed %) | "count" (whole, >= 0) | "measure"


UNITS = {u.code: u for u in [
    Unit("percent", "%", "percent"),
    Unit("percent_change", "% change", "change"),
    Unit("people", "people", "count"),
    Unit("count", "number", "count"),
    Unit("people_million", "million people", "measure"),
    Unit("minutes", "minutes", "count"),
    Unit("days", "days", "count"),
    Unit("hours", "hours", "measure"),
    Unit("institutions", "institutions", "count"),
    Unit("per_100k", "per 100,000 inhabitants", "measure"),
    Unit("per_km2", "inhabitants per km²", "measure"),
    Unit("persons_per_home", "occupants per home", "measure"),
    Unit("rank", "rank", "count"),
    Unit("ordinal", "ordinal number (75 reads 75th)", "count"),
    Unit("score", "score (0–100)", "measure"),
    Unit("hours_per_week", "hours per week", "measure"),
    Unit("mxn", "Mexican pesos", "measure"),
    Unit("mxn_per_day", "pesos per day", "measure"),
    Unit("usd", "US dollars", "measure"),
    Unit("usd_million", "USD million", "measure"),
    Unit("usd_billion", "USD billion", "measure"),
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
