"""What notebooks call to put numbers into prose: MyST-NB glue of pre-formatted text."""

from __future__ import annotations

import json
import os
import re

from . import fmt

NOTEBOOK_ENV = "RESULTSBOOK_NOTEBOOK"  # set by the pipeline for the notebook being executed
GLUE_ROLE = re.compile(r"\{glue(?::[a-z]+)?\}`([^`]+)`")
_state: dict = {"year": None, "glued": set()}


def not_available(year=None) -> str:
    """The notice that stands in for a figure the edition's data does not hold."""
    year = year if year is not None else _state["year"]
    return f"[not available for {year}]" if year is not None else fmt.MISSING


def glue_text(key: str, text) -> str:
    """Glue ``text`` for ``{glue:text}`key``` in prose.

    Values are glued as ``str``: the role literal-evaluates the quoted repr back to the string, so
    '2,100' stays '2,100' (a bare 2,100 would be read as the tuple (2, 100)).
    """
    from myst_nb import glue

    if fmt.is_missing(text) or text == fmt.MISSING:
        value = not_available()
    elif isinstance(text, (int, float)) and not isinstance(text, bool):
        value = fmt.number(text)  # numbers read with thousands separators
    else:
        value = str(text)
    glue(key, value, display=False)
    _state["glued"].add(key)
    return value


def glue_many(values: dict[str, object]) -> dict[str, str]:
    return {key: glue_text(key, text) for key, text in values.items()}


def glue_edition(year: int) -> None:
    """The edition year and its neighbours, for headings and prose."""
    year = int(year)
    glue_many({"year": str(year), "next_year": str(year + 1), "previous_year": str(year - 1)})


def edition(year) -> int:
    """The edition a notebook renders: the injected parameter, or the latest edition when run by hand."""
    if year is None:
        from .project import Project, find_root

        year = Project(find_root()).latest_edition()
    _state["year"] = int(year)
    return int(year)


def period_text(ref_period, year: int) -> str:
    """'2022-Q3' -> 'the third quarter of 2022'; '2022-12' -> 'December 2022'; empty -> the edition year."""
    if fmt.is_missing(ref_period) or not str(ref_period).strip():
        return str(year)
    text = str(ref_period)
    if "/" in text:
        start, end = text.split("/", 1)
        return f"{period_text(start, year)} to {period_text(end, year)}"
    if "-Q" in text:
        y, q = text.split("-Q")
        return f"the {['first', 'second', 'third', 'fourth'][int(q) - 1]} quarter of {y}"
    if len(text) == 7 and text[4] == "-":
        import calendar

        return f"{calendar.month_name[int(text[5:])]} {text[:4]}"
    return text


def period_sort_key(ref_period) -> str:
    """Sort periods as text: '2018' < '2020' < '2020-Q3' < '2022-12'; empty (the edition) last."""
    return "9999" if fmt.is_missing(ref_period) or not str(ref_period) else str(ref_period).split("/")[-1]


def glue_figures(frame, year: int, key: str = "indicator", prefix: str = "") -> dict[str, str]:
    """Glue every figure of ``frame`` for use in prose.

    For each value of the ``key`` column: '<prefix><key>' is the latest value (with unit and
    qualifier), '<key>_period' its period; when the frame holds earlier periods too,
    '<key>_earlier' and '<key>_earlier_period' give the earliest one.
    """
    values = {}
    frame = frame.assign(_order=frame["ref_period"].map(period_sort_key)).sort_values("_order", kind="stable")
    for name, rows in frame.groupby(key, sort=False):
        latest, earliest = rows.iloc[-1], rows.iloc[0]
        name = f"{prefix}{name}"
        values[name] = fmt.with_unit(latest["value"], latest["unit"], latest.get("qualifier"))
        values[f"{name}_period"] = period_text(latest.get("ref_period"), year)
        if "label" in rows and not fmt.is_missing(latest["label"]):
            label = str(latest["label"])
            values[f"{name}_label"] = label[:1].lower() + label[1:]
        if len(rows) > 1:
            values[f"{name}_earlier"] = fmt.with_unit(earliest["value"], earliest["unit"], earliest.get("qualifier"))
            values[f"{name}_earlier_period"] = period_text(earliest.get("ref_period"), year)
    return glue_many(values)


def table(frame, columns: dict[str, str], caption: str | None = None, escape: bool = True):
    """An HTML table of ``frame`` with readable headers, without the index; missing cells read 'n.a.'."""
    from IPython.display import HTML, Markdown, display

    if frame.empty:
        display(Markdown(f"*{caption + ': n' if caption else 'N'}o figures are available for this edition.*"))
        return
    shown = frame[list(columns)].rename(columns=columns).astype(object)
    shown = shown.where(~shown.isna(), fmt.MISSING)
    html_table = shown.to_html(index=False, escape=escape, border=0, classes="rb-table")
    if caption:
        import html as _html

        html_table = html_table.replace(">", f"><caption>{_html.escape(caption)}</caption>", 1)
    display(HTML(html_table))


def indicator_table(frame, year: int, caption: str | None = None):
    """The standard table of indicators: what, value with unit, period, source."""
    shown = frame.assign(
        shown_value=[fmt.with_unit(r.value, r.unit, getattr(r, "qualifier", None)) for r in frame.itertuples()],
        shown_period=[period_text(p, year) for p in frame["ref_period"]],
    )
    table(shown, {"label": "Indicator", "shown_value": "Value", "shown_period": "Period", "source": "Source"},
          caption)


def gap_notices(gaps, section_prefix: str) -> str:
    """Markdown notices for the charts and sections of the report whose values are not available."""
    rows = gaps[gaps["section"].str.startswith(section_prefix)]
    notes = [f"```{{admonition}} Not available: {r.title}\n:class: note\n"
             f"What the report says: {r.known}.\n\nWhat is missing: {r.missing}.\n```"
             for r in rows.itertuples(index=False)]
    return "\n\n".join(notes)


def show_markdown(text: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(text))


def bullet_list(items, year: int) -> str:
    """Markdown bullets, or a 'not available' line when there is nothing to list."""
    items = [str(i) for i in items if not fmt.is_missing(i)]
    return "\n".join(f"- {i}" for i in items) if items else f"*Not available for {year}.*"


def referenced_keys(notebook_path) -> list[str]:
    """Glue keys the notebook's Markdown cells refer to, in order."""
    nb = json.loads(open(notebook_path, encoding="utf-8").read())
    keys: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            keys += [k.split(":")[-1] if "::" in k else k for k in GLUE_ROLE.findall(source)]
    return list(dict.fromkeys(keys))


def finish() -> list[str]:
    """Run last (the pipeline appends it): every figure the prose asks for but the data lacks gets a notice.

    Without this a missing figure would be an unknown glue key, and the strict Sphinx build would stop.
    Returns the keys that were filled with the notice.
    """
    path = os.environ.get(NOTEBOOK_ENV)
    if not path or not os.path.isfile(path):
        return []
    missing = [k for k in referenced_keys(path) if k not in _state["glued"]]
    for key in missing:
        glue_text(key, None)
    return missing


def figure_list(frame, year: int) -> str:
    """Markdown bullets 'label: value' for a figures dataset, notes in italics; a notice when empty."""
    if frame.empty:
        return f"*Not available for {year}.*"
    lines = []
    for row in frame.itertuples(index=False):
        note = getattr(row, "note", None)
        note = "" if fmt.is_missing(note) or not note else f" *({note})*"
        lines.append(f"- {row.label}: **{fmt.with_unit(row.value, row.unit, getattr(row, 'qualifier', None))}**{note}")
    return "\n".join(lines)


def noted_figures(frame, year: int) -> str:
    """A warning box for every figure whose row carries a note on how it is printed."""
    rows = frame[frame["note"].notna() & (frame["note"].astype(str).str.strip() != "")] if "note" in frame else frame[:0]
    return "\n\n".join(
        f"```{{admonition}} Printed as-is: {r.label}\n:class: warning\n"
        f"{fmt.with_unit(r.value, r.unit, getattr(r, 'qualifier', None))}. {r.note}\n```"
        for r in rows.itertuples(index=False))
