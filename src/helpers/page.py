"""What notebooks call to put numbers into prose (MyST-NB glue of pre-formatted text), and how a page says
that the edition's data lacks something.

A page never prints a stand-in for a missing figure. A glued value that is missing is recorded; a table,
chart or list with nothing to show reports a gap (an output the pipeline removes). After execution the
pipeline (``helpers.pruning``) drops every sentence that needs a missing value, drops headings left with
nothing under them, says once at the top of the page what is not available, and lists each gap in the
edition's gap ledger (``resultsbook gaps``).
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
from pathlib import Path

from . import fmt, lab, periods
from .i18n import msg
from .units import UNITS

GLUE_ROLE = re.compile(r"\{glue(?::[a-z]+)?\}`([^`]+)`")
GAP_MIME = "application/vnd.resultsbook.gap+json"  # outputs the pipeline turns into the page notice and ledger
HEADING_MIME = "application/vnd.resultsbook.heading+json"  # outputs the pipeline lifts into real sections
GLUE_PREFIX = "application/papermill.record/"  # MyST-NB's (myst_nb.ext.glue.GLUE_PREFIX: a test compares them)
_state: dict = {"year": None, "glued": set(), "missing": set(), "optional": set(), "may_lack": set(),
                "families": set()}  # (dataset, key column, prefix) of the figures glued from data (glue_figures)
FIGURE_SUFFIXES = ("", "_period", "_label", "_phrase", "_earlier", "_earlier_period", "_movement")  # glue_figures


def not_available(year=None) -> str:
    """Plain words for what the edition's data does not hold (only seen when a notebook is run by hand)."""
    year = year if year is not None else _state["year"]
    return msg("page.not_available_for", year=year) if year is not None else msg("page.not_available")


def report_gap(what: str) -> None:
    """Tell the pipeline that ``what`` (a table, a chart, a list) is not in the edition's data.

    Nothing stands in its place on the page: the pipeline names it once in the page's notice and in the gap
    ledger. In JupyterLab the analyst sees a plain line saying so.
    """
    from IPython.display import display

    display({GAP_MIME: {"what": what}, "text/plain": f"[{what}: {not_available()}]"}, raw=True)


def explain_gaps(reason: str | None) -> None:
    """Say once, plainly, why the page lacks what it lacks (no framework cycle covers the year): the page's notice
    then gives this reason instead of the general words; the gap ledger still lists each gap. Nothing when
    ``reason`` is None."""
    from IPython.display import display

    if reason:
        display({GAP_MIME: {"reason": str(reason)}, "text/plain": f"[{reason}]"}, raw=True)


def heading(text: str, level: int = 3) -> None:
    """A section heading made by code (one per outcome, say): the pipeline turns it into a real section of the
    page, with its anchor and its entry in the page's contents. ``text`` is shown as text."""
    from IPython.display import display

    display({HEADING_MIME: {"text": str(text), "level": int(level)},
             "text/markdown": f"{'#' * int(level)} {escape_markdown(text)}"}, raw=True)


def glue_text(key: str, text) -> str:
    """Glue ``text`` for ``{glue:text}`key``` in prose.

    Values are glued as ``str``: the role literal-evaluates the quoted repr back to the string, so
    '2,100' stays '2,100' (a bare 2,100 would be read as the tuple (2, 100)).
    """
    if fmt.is_missing(text) or text == fmt.missing() or text == "":
        _state["missing"].add(key)  # the pipeline drops every sentence that needs it
        value = f"[{not_available()}]"
    else:
        _state["missing"].discard(key)
        is_number = isinstance(text, (int, float)) and not isinstance(text, bool)
        value = fmt.number(text) if is_number else str(text)  # numbers read with thousands separators
    glue(key, value)
    _state["glued"].add(key)
    return value


def glue(key: str, value) -> None:
    """MyST-NB's ``glue(key, value, display=False)``: the same display message, byte for byte (a test compares
    them). Written here because importing MyST-NB's glue in a kernel imports nbformat and jsonschema, for a type
    hint: a sixth of a short page's execution."""
    from IPython.core.formatters import format_display_data
    from IPython.display import display

    bundle, metadata = format_display_data(value)
    metadata["scrapbook"] = {"name": key, "mime_prefix": GLUE_PREFIX}
    display({GLUE_PREFIX + mime: data for mime, data in bundle.items()}, raw=True, metadata=metadata)


def glue_many(values: dict[str, object]) -> dict[str, str]:
    return {key: glue_text(key, text) for key, text in values.items()}


def glue_optional(values: dict[str, object]) -> dict[str, str]:
    """Glue values that only some editions have (an earlier period, a comparison, a ranking): a sentence that
    needs a missing one is left out silently, since the edition lacks nothing it should have."""
    glued = glue_many(values)
    for key in values:
        if key in _state["missing"]:
            _state["missing"].discard(key)
            _state["optional"].add(key)
    return glued


def may_lack(*keys: str) -> None:
    """Declare figures the prose uses when an edition has them and leaves out silently when it does not: facts
    that only some editions' sources state (a map's count, a statement's total). Others are gaps."""
    _state["may_lack"].update(keys)


def count(frame, of=None):
    """How many rows ``frame`` has, or None (unknown) when the dataset it was taken from (``of``, default
    ``frame`` itself) has no rows in this edition: an empty dataset is a gap, never a count of 0."""
    source = frame if of is None else of
    return None if len(source) == 0 else len(frame)


def glue_edition(year: int) -> None:
    """The edition year and its neighbours, for headings and prose."""
    year = int(year)
    glue_many({"year": str(year), "next_year": str(year + 1), "previous_year": str(year - 1)})


def edition(year, lang: str | None = None) -> int:
    """The edition a notebook renders: the injected parameter, or, run by hand (``year = None``), the latest
    complete edition (``Project.latest_complete_edition``); and the language its helpers write in (the injected
    ``lang``; English by default)."""
    from .i18n import set_language

    lab.show_language(set_language(lang))
    if year is None:
        from .project import Project, find_root

        year = Project(find_root()).latest_complete_edition()
    _state["year"] = int(year)
    return int(year)


def current_year() -> int | None:
    """The edition the page being executed renders (set by ``edition``)."""
    return _state["year"]


def period_text(ref_period, year: int) -> str:
    """'2022-Q3' -> 'the third quarter of 2022'; '2022-12' -> 'December 2022'; '2022-12-31' -> 'December 31, 2022'
    (in the page's language); a range 'start to end'; empty -> the edition year."""
    if fmt.is_missing(ref_period) or not str(ref_period).strip():
        return str(year)
    parsed = periods.parse(ref_period)
    if parsed is None:  # validation refuses it; said as written rather than guessed
        return str(ref_period)
    start, end = parsed
    if end is not None:
        return msg("period.span", start=_point_text(start), end=_point_text(end))
    return _point_text(start)


def _point_text(point: periods.Point) -> str:
    import datetime

    from babel.dates import format_date

    from .i18n import locale

    if point.quarter:
        return msg(f"period.quarter_{point.quarter}", year=point.year)
    if point.month:
        pattern = msg("period.day") if point.day else msg("period.month")
        return format_date(datetime.date(point.year, point.month, point.day or 1), pattern, locale=locale())
    return str(point.year)


def period_sort_key(ref_period) -> str:
    """Sort periods as text: '2018' < '2020' < '2020-Q3' < '2022-12' < '2022-12-31'; a range by its end; empty
    (the edition) last."""
    return "9999" if fmt.is_missing(ref_period) or not str(ref_period) else str(ref_period).split("/")[-1]


def glue_figures(frame, year: int, key: str = "indicator", prefix: str = "") -> dict[str, str]:
    """Glue every figure of ``frame`` for use in prose.

    For each value of the ``key`` column: '<prefix><key>' is the latest value (with unit and qualifier),
    '<key>_period' its period and '<key>_label' its label. Optional, when the edition has them:
    '<key>_phrase' for a stated change ('a fall of 7.1%'); and, when the frame holds an earlier period too,
    '<key>_earlier', '<key>_earlier_period' and '<key>_movement' ('rose from 55.6% in 2021 to 56.1% in 2022').
    """
    values, optional = {}, {}
    if frame.attrs.get("dataset"):  # the keys any edition's rows could give: a figure this one lacks is a gap
        _state["families"].add((frame.attrs["dataset"], key, prefix))
    frame = frame.assign(_order=frame["ref_period"].map(period_sort_key)).sort_values("_order", kind="stable")
    for name, rows in frame.groupby(key, sort=False):
        latest, earliest = rows.iloc[-1], rows.iloc[0]
        name = f"{prefix}{name}"
        shown = fmt.with_unit(latest["value"], latest["unit"], latest.get("qualifier"))
        values[name] = shown
        values[f"{name}_period"] = period_text(latest.get("ref_period"), year)
        if "label" in rows and not fmt.is_missing(latest["label"]):
            label = str(latest["label"])
            values[f"{name}_label"] = fmt.lower_first(label)
        kind = UNITS[latest["unit"]].kind if latest["unit"] in UNITS else ""
        optional[f"{name}_phrase"] = (fmt.change_phrase(latest["value"], latest["unit"], latest.get("qualifier"))
                                      if kind == "change" else None)
        earlier = len(rows) > 1 and not fmt.is_missing(earliest["value"]) and not fmt.is_missing(latest["value"])
        before = fmt.with_unit(earliest["value"], earliest["unit"], earliest.get("qualifier")) if earlier else None
        when = period_text(earliest.get("ref_period"), year) if earlier else None
        optional[f"{name}_earlier"] = before
        optional[f"{name}_earlier_period"] = when
        optional[f"{name}_movement"] = movement(earliest, latest, year) if earlier else None
    glued = glue_many(values)
    glued.update(glue_optional(optional))
    return glued


def movement(earlier, later, year: int) -> str:
    """How a figure moved between two periods, in words, both periods shown: 'fell from 55.6% in 2021 to 55.1%
    in 2022'. Qualified figures ('nearly', 'more than') cannot say which way they moved by a small amount."""
    a, b = float(earlier["value"]), float(later["value"])
    shown_a = fmt.with_unit(earlier["value"], earlier["unit"], earlier.get("qualifier"))
    shown_b = fmt.with_unit(later["value"], later["unit"], later.get("qualifier"))
    when_a, when_b = period_text(earlier.get("ref_period"), year), period_text(later.get("ref_period"), year)
    if a == b:
        return msg("page.movement.stayed", value=shown_b, when_a=when_a, when_b=when_b)
    return msg("page.movement.rose" if b > a else "page.movement.fell", value_a=shown_a, when_a=when_a,
               value_b=shown_b, when_b=when_b)


def table(frame, columns: dict[str, str], caption: str, escape: bool = True):
    """An HTML table of ``frame`` with readable headers, without the index; missing cells read 'n.a.'.

    With no rows, the table is reported as a gap (see ``report_gap``) instead of being shown empty.
    """
    import html as _html

    from IPython.display import HTML, display

    if frame.empty:
        report_gap(msg("page.table_gap", caption=caption))
        return
    shown = frame[list(columns)].rename(columns=columns).astype(object)
    shown = shown.where(~shown.isna(), fmt.missing())
    html_table = shown.to_html(index=False, escape=escape, border=0, classes="rb-table")
    html_table = html_table.replace(">", f"><caption>{_html.escape(caption)}</caption>", 1)
    display(HTML(html_table))


def indicator_table(frame, year: int, caption: str, sources=None):
    """The standard table of indicators: what, value with unit, period, and where it is stated."""
    from .citations import cite_row

    shown = frame.assign(
        shown_value=[fmt.with_unit(r.value, r.unit, getattr(r, "qualifier", None)) for r in frame.itertuples()],
        shown_period=[period_text(p, year) for p in frame["ref_period"]],
        shown_source=[cite_row(r, sources) for r in frame.itertuples()],
    )
    table(shown, {"label": msg("table.indicator"), "shown_value": msg("table.value"),
                  "shown_period": msg("table.period"), "shown_source": msg("table.source")}, caption)


def gap_notices(gaps, section_prefix: str) -> str:
    """Notes on the report's charts and sections whose values its text does not give (the data_gaps dataset)."""
    rows = gaps[gaps["section"].str.startswith(section_prefix)]
    notes = ["```{note}\n" + msg("page.report_gap", title=escape_markdown(r.title), known=escape_markdown(r.known),
                                  missing=escape_markdown(r.missing)) + "\n```"
             for r in rows.itertuples(index=False)]
    return "\n\n".join(notes)


def edition_list(year: int) -> None:
    """The editions of this book, for its home page: those with data when it was built; in the browser, the
    books published beside it (``rb-editions.js``, rewritten in every published book whenever one is built or
    unpublished), each linked: an older edition's home page never goes stale."""
    from .project import Project, find_root

    years = [str(y) for y in Project(find_root()).editions()]
    show_html(f'<p class="rb-edition-list">{html.escape(msg("pages.index.editions"))} '
              f'<span class="rb-edition-links" data-edition="{int(year)}">{html.escape(", ".join(years))}</span></p>')


def show_markdown(text: str, missing: str | None = None) -> None:
    """Show Markdown built by code (data inside it escaped); nothing at all when it is empty, and then,
    if ``missing`` names what would have been shown, a gap is reported for it."""
    from IPython.display import Markdown

    _show(Markdown, text, missing)


def show_html(text: str, missing: str | None = None) -> None:
    """Show HTML built by code (data inside it escaped), as ``show_markdown`` does Markdown."""
    from IPython.display import HTML

    _show(HTML, text, missing)


def _show(kind, text: str, missing: str | None) -> None:
    from IPython.display import display

    if text and text.strip():
        display(kind(text))
    elif missing:
        report_gap(missing)


def bullet_list(items) -> str:
    """Markdown bullets of text from data (escaped); empty when there is nothing to list."""
    items = [escape_markdown(i) for i in items if not fmt.is_missing(i) and str(i).strip()]
    return "\n".join(f"- {i}" for i in items)


def referenced_keys(notebook_path) -> list[str]:
    """Glue keys the notebook's Markdown cells refer to, in order."""
    return glue_references(json.loads(open(notebook_path, encoding="utf-8").read()))


def glue_references(nb: dict) -> list[str]:
    """Glue keys a notebook's Markdown cells refer to, in order (a notebook as a dict)."""
    keys: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            keys += [k.split(":")[-1] if "::" in k else k for k in GLUE_ROLE.findall(source)]
    return list(dict.fromkeys(keys))


def finish(notebook: str | None = None) -> list[str]:
    """Run last (the pipeline appends it): record what this page's prose asked for but the data lacks.

    Every glue key the Markdown refers to exists afterwards (the strict Sphinx build needs it); the keys
    glued as missing and the datasets the page found empty are shown as one gap output, which the
    pipeline turns into the page's notice and its lines in the gap ledger. Returns the missing keys.
    """
    from IPython.display import display

    from .data import dataset_gaps, untranslated

    path = notebook
    if path and os.path.isfile(path):
        unknown = []
        for key in referenced_keys(path):
            if key not in _state["glued"]:
                if key not in _state["may_lack"] and not figure_key(key):
                    unknown.append(key)
                glue_optional({key: None}) if key in _state["may_lack"] else glue_text(key, None)
        if unknown:  # an analyst's mistake, not the edition's missing data: never shown to readers as a gap
            raise GlueKeyError(unknown_keys_message(path, unknown))
    missing = sorted(_state["missing"])
    datasets, words = dataset_gaps(), untranslated()
    if missing or datasets or _state["optional"] or words:
        display({GAP_MIME: {"keys": missing, "optional": sorted(_state["optional"]), "datasets": datasets,
                            "untranslated": words},
                 "text/plain": f"[{not_available()}: {', '.join(missing + list(datasets) + list(words))}]"}, raw=True)
    return missing


class GlueKeyError(Exception):
    """Prose refers to a glue key that no cell of the notebook glues and no edition's data can give."""


def figure_key(key: str) -> bool:
    """True when ``key`` is one that ``glue_figures`` gives for a row of some edition of a dataset this page glues
    figures from (the edition at hand lacks that row: a gap, not a mistake)."""
    from .project import find_root

    root = find_root()
    for dataset, column, prefix in _state["families"]:
        for name in _key_values(str(root), dataset, column):
            if any(key == f"{prefix}{name}{suffix}" for suffix in FIGURE_SUFFIXES):
                return True
    return False


@functools.lru_cache(maxsize=None)  # a kernel runs one page: the files do not change while it runs
def _key_values(root: str, dataset: str, column: str) -> frozenset[str]:
    """Every value of ``column`` in the dataset's CSV of every edition and framework cycle (read as text: only
    to tell a figure an edition lacks from a misspelt key)."""
    import csv

    values: set[str] = set()
    for path in [*Path(root, "data").glob(f"*/{dataset}.csv"), *Path(root, "data", "frameworks").glob(f"*/{dataset}.csv")]:
        if path.is_file() and not path.is_symlink():
            with open(path, encoding="utf-8", newline="") as fh:
                values |= {row[column].strip() for row in csv.DictReader(fh) if row.get(column)}
    return frozenset(values)


def unknown_keys_message(notebook: str, keys: list[str]) -> str:
    """Each unknown key with the notebook cell whose prose names it and the nearest key the notebook glues."""
    import difflib

    cells = json.loads(open(notebook, encoding="utf-8").read()).get("cells", [])
    glued = sorted(_state["glued"] - set(keys))
    lines = []
    for key in keys:
        where = [n for n, c in enumerate(cells, start=1) if c.get("cell_type") == "markdown"
                 and key in glue_references({"cells": [c]})]
        near = difflib.get_close_matches(key, glued, n=1, cutoff=0.6)
        lines.append(f"cell {', '.join(map(str, where)) or '?'}: {{glue}}`{key}` names a key no cell glues"
                     + (f"; did you mean '{near[0]}'?" if near else ""))
    return "\n".join(lines)


def escape_markdown(text) -> str:
    """Text from data, safe inside Markdown built by code: every ASCII punctuation mark is escaped, so no
    markup, role, directive, HTML or template in the data is ever interpreted (CommonMark backslash escapes)."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", str(text)).replace("\n", " ")


def figure_list(frame) -> str:
    """Markdown bullets 'label: value' for a figures dataset, notes in italics; empty when there are none."""
    lines = []
    for row in frame.itertuples(index=False):
        note = getattr(row, "note", None)
        note = "" if fmt.is_missing(note) or not note else f" *({escape_markdown(note)})*"
        shown = fmt.with_unit(row.value, row.unit, getattr(row, "qualifier", None))
        lines.append(f"- {escape_markdown(row.label)}: **{escape_markdown(shown)}**{note}")
    return "\n".join(lines)


def noted_figures(frame) -> str:
    """A caution for every figure whose row carries a note on how it is printed (empty when none does)."""
    rows = frame[frame["note"].notna() & (frame["note"].astype(str).str.strip() != "")] if "note" in frame else frame[:0]
    return "\n\n".join(
        "```{warning}\n" + msg("page.printed_as_is", label=escape_markdown(r.label),
                                value=escape_markdown(fmt.with_unit(r.value, r.unit, getattr(r, 'qualifier', None))),
                                note=escape_markdown(r.note)) + "\n```"
        for r in rows.itertuples(index=False))


def priorities_by_area(priorities, framework) -> str:
    """One bold work-area title and its priorities' bullets per work area that has any (empty when none does)."""
    blocks = []
    for area in framework.work_areas.sort_values("work_area")["work_area"]:
        items = bullet_list(priorities.loc[priorities["work_area"] == area, "priority"])
        if items:
            blocks.append(f"**{escape_markdown(framework.area_title(int(area)))}**\n\n{items}")
    return "\n\n".join(blocks)


SOURCE_KINDS = ("report", "endnote", "named", "official")  # how the book uses a source; words in the catalogue


def bibliography(sources):
    """The sources as a reader cites them, as HTML cells (text from data escaped; show with ``escape=False``):
    publisher, reference (a <cite>: a work keeps its own title, in its own language), endnote, how the book uses
    it, date, address (a link when it is a web address); blank where a field does not apply (older editions
    lack the last columns)."""
    import html

    import pandas as pd

    def column(name):
        return sources[name].astype(object) if name in sources else pd.Series([None] * len(sources), dtype=object)

    def text(value) -> str:
        return "" if fmt.is_missing(value) or not str(value).strip() else html.escape(str(value))

    def link(value) -> str:
        shown = text(value)
        return f'<a href="{shown}">{shown}</a>' if re.fullmatch(r"https?://[^\s\"'<>]+", str(value)) else shown

    frame = pd.DataFrame({
        "publisher": [text(v) for v in column("organisation")],
        "reference": [f"<cite>{text(v)}</cite>" if text(v) else "" for v in column("citation")],
        "endnote": [fmt.number(v) if not fmt.is_missing(v) else None for v in column("endnote")],
        "kind": [text(msg(f"source_kind.{k}")) if str(k) in SOURCE_KINDS else None for k in column("kind")],
        "date": [text(v) for v in column("date")], "url": [link(v) for v in column("url")],
        "note": [text(v) for v in column("note")]})
    return frame.astype(object).where(frame.notna(), "")
