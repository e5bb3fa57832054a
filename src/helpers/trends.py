"""Year over year: the same figure across editions, compared only where the periods are alike."""

from __future__ import annotations

import re

import pandas as pd

from . import fmt
from .i18n import msg, plural
from .data import Edition
from .project import Project, find_root

_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|\d{2}))?$")


def previous_edition(year: int, root=None) -> int | None:
    earlier = [y for y in Project(root or find_root()).editions() if y < year]
    return earlier[-1] if earlier else None


def comparable_periods(a, b) -> bool:
    """True when two reference periods are alike: two years, the same quarter or month of two years, or two
    ranges of the same shape. An undated figure is never comparable: its period is unknown."""
    if fmt.is_missing(a) or fmt.is_missing(b) or not str(a).strip() or not str(b).strip():
        return False
    a, b = str(a), str(b)
    if "/" in a or "/" in b:
        if "/" not in a or "/" not in b:
            return False
        (a0, a1), (b0, b1) = a.split("/", 1), b.split("/", 1)
        return (comparable_periods(a0, b0) and comparable_periods(a1, b1)
                and int(a1[:4]) - int(a0[:4]) == int(b1[:4]) - int(b0[:4]))
    ma, mb = _PERIOD.match(a), _PERIOD.match(b)
    return bool(ma and mb and ma.group(2) == mb.group(2))


def _latest(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    from .page import period_sort_key

    return (frame.assign(_order=frame["ref_period"].map(period_sort_key)).sort_values("_order", kind="stable")
            .drop_duplicates(key, keep="last").drop(columns="_order"))


def changes(name: str, year: int, section: str, key: str = "indicator", root=None) -> pd.DataFrame:
    """This edition's figures of ``section`` beside the previous edition's latest value of the same figure.

    One row per figure both editions state. ``comparable`` says whether their periods are alike; only then
    is there a difference (approximate when either figure is qualified, "nearly" or "more than")."""
    before = previous_edition(year, root)
    if before is None:
        return pd.DataFrame()
    frames = []
    for edition in (year, before):
        data = Edition(edition, root).load(name)
        data = data[(data["section"] == section) & data["value"].notna()]
        frames.append(_latest(data, key))
    current, earlier = frames
    columns = [key, "label", "value", "unit", "qualifier", "ref_period"]
    current = current.assign(**{c: None for c in columns if c not in current})[columns]
    earlier = earlier.assign(**{c: None for c in columns if c not in earlier})[columns]
    merged = current.merge(earlier, on=key, how="inner", suffixes=("", "_previous"))
    if merged.empty:
        return pd.DataFrame()
    from .page import period_text

    merged["previous_edition"] = before
    merged["comparable"] = [comparable_periods(a, b) and u == v for a, b, u, v in
                            zip(merged["ref_period"], merged["ref_period_previous"], merged["unit"], merged["unit_previous"])]

    def shown(value, unit, qualifier, period):
        when = period_text(period, year) if not fmt.is_missing(period) and str(period).strip() else msg("trends.period_not_stated")
        return f"{fmt.with_unit(value, unit, qualifier)} ({when})"

    merged["shown"] = [shown(*r) for r in zip(merged["value"], merged["unit"], merged["qualifier"], merged["ref_period"])]
    merged["shown_previous"] = [shown(*r) for r in zip(merged["value_previous"], merged["unit_previous"],
                                                        merged["qualifier_previous"], merged["ref_period_previous"])]
    def undated(period) -> bool:
        return fmt.is_missing(period) or not str(period).strip()

    merged["shown_difference"] = [
        difference_text(v - p, u, approximate=not (fmt.is_missing(q) and fmt.is_missing(qp))) if ok
        else msg("trends.not_compared_units") if u != up
        else msg("trends.not_compared_undated") if undated(a) or undated(b)
        else msg("trends.not_compared_periods")
        for v, p, u, up, q, qp, a, b, ok in zip(
            merged["value"], merged["value_previous"], merged["unit"], merged["unit_previous"], merged["qualifier"],
            merged["qualifier_previous"], merged["ref_period"], merged["ref_period_previous"], merged["comparable"])]
    return merged


def difference_text(delta, unit: str, approximate: bool = False) -> str:
    """A difference as a reader reads it: '-0.7 pp', '+2,115', '3 places lower'; 'about' when either side is
    qualified (rounded to three significant figures, as the qualified figure itself is)."""
    if fmt.is_missing(delta):
        return fmt.missing()
    delta = float(delta)
    if unit in ("rank", "ordinal"):
        if delta == 0:
            return msg("fmt.no_change")
        return plural("trends.places_lower" if delta > 0 else "trends.places_higher", abs(int(delta)))
    if approximate and delta:
        from math import floor, log10

        delta = round(delta, -int(floor(log10(abs(delta)))) + 2)
    if unit in ("percent", "percent_change"):
        text = fmt.signed_percent_points(delta)
    else:
        text = ("+" if delta > 0 else "-" if delta < 0 else "") + fmt.number(abs(delta), 1 if delta % 1 else 0)
        text = text.rstrip("0").rstrip(".") if delta % 1 else text
    return msg("trends.about", difference=text) if approximate else text


def show_changes(frame: pd.DataFrame, year: int, caption: str) -> None:
    """The comparison table of ``changes``; nothing when no figure recurs (the prose says so, or is left out)."""
    from . import page

    if frame.empty:
        return
    before = int(frame["previous_edition"].iloc[0])
    page.table(frame, {"label": msg("table.figure"), "shown_previous": msg("trends.previous_edition", year=before),
                       "shown": msg("trends.this_edition", year=year), "shown_difference": msg("table.change")},
               caption=caption)


def glue_changes(frame: pd.DataFrame, prefix: str = "compared") -> None:
    """'<prefix>_count' and '<prefix>_edition' for the prose that introduces a comparison (optional keys)."""
    from . import page

    page.glue_optional({f"{prefix}_count": len(frame) or None,
                        f"{prefix}_edition": str(int(frame["previous_edition"].iloc[0])) if len(frame) else None})
