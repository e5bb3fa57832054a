"""Year over year: the same figure across editions, compared only where the periods are alike."""

from __future__ import annotations

import pandas as pd
from babel.lists import format_list

from . import fmt, periods
from .data import Edition
from .i18n import locale, msg, plural
from .project import Project, find_root


def comparable_periods(a, b) -> bool:
    """True when two reference periods are alike (``periods.alike``): two years, the same quarter, month or day of
    two years, or two ranges of the same shape. An undated figure is never comparable: its period is unknown."""
    if fmt.is_missing(a) or fmt.is_missing(b):
        return False
    return periods.alike(a, b)


def _latest(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    from .page import period_sort_key

    return (frame.assign(_order=frame["ref_period"].map(period_sort_key)).sort_values("_order", kind="stable")
            .drop_duplicates(key, keep="last").drop(columns="_order"))


def earlier_editions(year: int, root=None) -> list[int]:
    """The editions before ``year``, newest first."""
    return sorted((y for y in Project(root or find_root()).editions() if y < year), reverse=True)


COLUMNS = ["label", "value", "unit", "qualifier", "ref_period"]


def changes(name: str, year: int, section: str, key: str = "indicator", root=None) -> pd.DataFrame:
    """This edition's latest figure of each series of ``section`` beside the latest earlier figure of the same
    series: from the newest earlier edition that gives it for an alike period in the same unit, else from the
    newest that gives it at all (shown, not compared).

    One row per series an earlier edition gives. ``comparable`` is true only for alike, different periods in the
    same unit, in a series its metadata does not declare re-based by each release; only then is there a
    difference, written with the precision of its figures ("about" when either is qualified). The same period in
    both says there is no newer figure, never a change of 0."""
    editions = earlier_editions(year, root)
    if not editions:
        return pd.DataFrame()
    current_edition = Edition(year, root)
    current = _section_latest(current_edition, name, section, key)
    rebased = set(current_edition.meta(name).not_comparable)
    earlier: dict[str, list[tuple[int, dict]]] = {}  # series -> (edition, its latest row), newest edition first
    for edition in editions:
        other = Edition(edition, root)
        if not other.has_rows(name):  # an edition without the dataset adds nothing (and no gap to this page)
            continue
        rebased |= set(other.meta(name).not_comparable)
        for row in _section_latest(other, name, section, key).to_dict("records"):
            earlier.setdefault(row[key], []).append((edition, row))
    rows = []
    for row in current.to_dict("records"):
        found = earlier.get(row[key])
        if not found:
            continue
        alike = [(e, r) for e, r in found if comparable_periods(row["ref_period"], r["ref_period"])
                 and r["unit"] == row["unit"]]
        edition, before = (alike or found)[0]
        comparable, difference = _difference(row, before, edition, row[key] in rebased)
        rows.append({key: row[key], **{c: row[c] for c in COLUMNS},
                     **{f"{c}_previous": before[c] for c in COLUMNS}, "previous_edition": edition,
                     "comparable": comparable, "shown_difference": difference})
    if not rows:
        return pd.DataFrame()
    merged = pd.DataFrame(rows)
    merged["shown"] = [_shown(*r, year) for r in zip(merged["value"], merged["unit"], merged["qualifier"],
                                                      merged["ref_period"])]
    merged["shown_previous"] = [msg("trends.from_edition", figure=_shown(v, u, q, p, year), edition=e)
                                for v, u, q, p, e in zip(merged["value_previous"], merged["unit_previous"],
                                                         merged["qualifier_previous"], merged["ref_period_previous"],
                                                         merged["previous_edition"])]
    return merged


NOT_COMPARED = "\0"  # marks a cell that compares nothing (removed before it is shown)


def _section_latest(edition: Edition, name: str, section: str, key: str) -> pd.DataFrame:
    data = edition.load(name)
    data = data[(data["section"] == section) & data["value"].notna()]
    data = data.assign(**{c: None for c in [key, *COLUMNS] if c not in data})
    return _latest(data, key)


def _undated(period) -> bool:
    return fmt.is_missing(period) or not str(period).strip()


def _shown(value, unit, qualifier, period, year: int) -> str:
    from .page import period_text

    when = msg("trends.period_not_stated") if _undated(period) else period_text(period, year)
    return f"{fmt.with_unit(value, unit, qualifier)} ({when})"


def _difference(row: dict, before: dict, edition: int, rebased: bool) -> tuple[bool, str]:
    """(compared, the change from ``before`` to ``row`` or why there is none)."""
    def why(key, **values):
        return False, msg(key, **values)

    if row["unit"] != before["unit"]:
        return why("trends.not_compared_units")
    if _undated(row["ref_period"]) or _undated(before["ref_period"]):
        return why("trends.not_compared_undated")
    if str(row["ref_period"]).strip() == str(before["ref_period"]).strip():
        same = float(row["value"]) == float(before["value"])
        return why("trends.same_period" if same else "trends.revised", edition=edition)
    if not comparable_periods(row["ref_period"], before["ref_period"]):
        return why("trends.not_compared_periods")
    if rebased:
        return why("trends.not_compared_rebased")
    approximate = not (fmt.is_missing(row["qualifier"]) and fmt.is_missing(before["qualifier"]))
    return True, difference_text(float(row["value"]) - float(before["value"]), row["unit"], approximate,
                                 decimals=max(decimals_of(row["value"]), decimals_of(before["value"])))


def decimals_of(value) -> int:
    """The decimals a figure was written with (4.66 -> 2; 54421 -> 0), at most three."""
    text = f"{float(value):.3f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def difference_text(delta, unit: str, approximate: bool = False, decimals: int = 1) -> str:
    """A difference as a reader reads it: '-0.7 pp', '+2,115', '3 places lower', with ``decimals`` (those of its
    figures: 4.66 - 5.11 is -0.45, not -0.5); 'about' when either side is qualified (rounded to three significant
    figures, as the qualified figure itself is)."""
    if fmt.is_missing(delta):
        return fmt.missing()
    delta = round(float(delta), decimals)
    if unit in ("rank", "ordinal"):
        if delta == 0:
            return msg("fmt.no_change")
        return plural("trends.places_lower" if delta > 0 else "trends.places_higher", abs(int(delta)))
    if approximate and delta:
        from math import floor, log10

        delta = round(delta, -int(floor(log10(abs(delta)))) + 2)
    if unit in ("percent", "percent_change"):
        text = fmt.signed_percent_points(delta, decimals)
    else:
        sign = "+" if delta > 0 else "-" if delta < 0 else ""
        text = sign + fmt.number(abs(delta), decimals if delta % 1 else 0)
    return msg("trends.about", difference=text) if approximate else text


def show_changes(frame: pd.DataFrame, year: int, caption: str) -> None:
    """The comparison table of ``changes``; nothing when no figure recurs (the prose says so, or is left out)."""
    from . import page

    if frame.empty:
        return
    page.table(frame, {"label": msg("table.figure"), "shown_previous": msg("trends.earlier_figure"),
                       "shown": msg("trends.this_edition", year=year), "shown_difference": msg("table.change")},
               caption=caption)


def glue_changes(frame: pd.DataFrame, prefix: str = "compared") -> None:
    """'<prefix>_count' and '<prefix>_editions' ("the 2022 edition", "the 2021 and 2022 editions") for the prose
    that introduces a comparison (optional keys)."""
    from . import page

    editions = sorted({int(e) for e in frame["previous_edition"]}) if len(frame) else []
    named = plural("trends.editions", len(editions), years=format_list([str(e) for e in editions],
                                                                        locale=locale())) if editions else None
    page.glue_optional({f"{prefix}_count": len(frame) or None, f"{prefix}_editions": named})
