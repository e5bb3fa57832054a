"""Year over year: the same figure across editions that exist in data/."""

from __future__ import annotations

import pandas as pd

from . import fmt
from .data import Edition
from .project import Project, find_root


def previous_edition(year: int, root=None) -> int | None:
    earlier = [y for y in Project(root or find_root()).editions() if y < year]
    return earlier[-1] if earlier else None


def across_editions(name: str, year: int, key: list[str] | None = None, root=None) -> pd.DataFrame:
    """The dataset for every edition up to ``year``, with an 'edition' column (each edition's own data).

    With ``key``, only figures that ``year``'s edition itself has are kept.
    """
    project = Project(root or find_root())
    frames = [Edition(y, project.root).load(name).assign(edition=y) for y in project.editions() if y <= year]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame()
    history = pd.concat(frames, ignore_index=True)
    if key:
        current = history.loc[history["edition"] == year, key].drop_duplicates()
        history = history.merge(current, on=key, how="inner")
    return history


def compare_with_previous(name: str, year: int, key: list[str], root=None) -> pd.DataFrame:
    """This edition's figures beside the previous edition's, with the difference where both exist.

    Rows are matched on ``key`` (e.g. section and indicator). Only figures this edition has are listed:
    an earlier edition's value never appears for a figure this edition lacks.
    """
    before = previous_edition(year, root)
    current = Edition(year, root).load(name)
    if before is None:
        return pd.DataFrame()
    earlier = Edition(before, root).load(name)
    optional = {"label": None, "qualifier": None, "ref_period": None}  # not every dataset has them
    current = current.assign(**{c: v for c, v in optional.items() if c not in current})
    earlier = earlier.assign(**{c: v for c, v in optional.items() if c not in earlier})
    keep = key + ["label", "value", "unit", "qualifier", "ref_period"]
    merged = current[keep].merge(earlier[keep], on=key, how="left", suffixes=("", "_previous"))
    merged["difference"] = merged["value"] - merged["value_previous"]
    merged["previous_edition"] = before
    merged["shown"] = [fmt.with_unit(v, u, q) for v, u, q in zip(merged["value"], merged["unit"], merged["qualifier"])]
    merged["shown_previous"] = [fmt.with_unit(v, u, q) for v, u, q in
                                zip(merged["value_previous"], merged["unit"], merged["qualifier_previous"])]
    merged["shown_difference"] = [difference_text(d, u) for d, u in zip(merged["difference"], merged["unit"])]
    return merged


def difference_text(delta, unit: str) -> str:
    if fmt.is_missing(delta):
        return fmt.MISSING
    if unit in ("percent", "percent_change"):
        return fmt.signed_percent_points(delta)
    return f"{float(delta):+,.1f}".rstrip("0").rstrip(".") if float(delta) % 1 else f"{int(delta):+,}"


def show_change_since_previous(name: str, year: int, key: list[str], section: str, charted: list[str],
                               sources=None, root=None) -> None:
    """The 'change since the previous edition' block of a page: a table with differences, and a chart across
    editions of the ``charted`` indicators (when two or more editions have them); a notice otherwise."""
    from . import charts, page

    changes = compare_with_previous(name, year, key, root)
    if changes.empty:
        page.show_markdown(f"*No edition before {year} is in this project's data, so there is nothing to compare with yet.*")
        return
    changes = changes[changes["section"] == section]
    before = int(changes["previous_edition"].iloc[0]) if len(changes) else previous_edition(year, root)
    page.table(changes, {"label": "Indicator", "shown_previous": f"Previous edition ({before})",
                         "shown": f"This edition ({year})", "shown_difference": "Difference"},
               caption=f"{section} against the previous edition")
    history = across_editions(name, year, key, root)
    history = history[(history["section"] == section) & history["indicator"].isin(charted)]
    charts.show(charts.lines(history, "edition", "value", "label", title="Selected indicators across editions",
                             unit="percent", source=charts.source_line(history, sources), dataset=name, year=year))
