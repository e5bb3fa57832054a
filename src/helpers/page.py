"""What notebooks call to put numbers into prose: MyST-NB glue of pre-formatted text."""

from __future__ import annotations

from . import fmt


class Text(str):
    """A string whose plain-text form is itself (no quotes), so ``{glue}`key``` reads as prose."""

    def __repr__(self) -> str:
        return str(self)


def glue_text(key: str, text) -> Text:
    from myst_nb import glue

    if fmt.is_missing(text):
        value = Text(fmt.MISSING)
    elif isinstance(text, (int, float)) and not isinstance(text, bool) and not isinstance(text, Text):
        value = Text(fmt.number(text))  # numbers read with thousands separators
    else:
        value = Text(str(text))
    glue(key, value, display=False)
    return value


def glue_many(values: dict[str, object]) -> dict[str, Text]:
    return {key: glue_text(key, text) for key, text in values.items()}


def glue_edition(year: int) -> None:
    """The edition year and its neighbours, for headings and prose."""
    year = int(year)
    glue_many({"year": str(year), "next_year": str(year + 1), "previous_year": str(year - 1)})


def edition(year) -> int:
    """The edition a notebook renders: the injected parameter, or the latest edition when run by hand."""
    if year is None:
        from .project import Project, find_root

        return Project(find_root()).latest_edition()
    return int(year)


def period_text(ref_period, year: int) -> str:
    """'2022-Q3' -> 'the third quarter of 2022'; '2022-12' -> 'December 2022'; empty -> the edition year."""
    if fmt.is_missing(ref_period) or not str(ref_period).strip():
        return str(year)
    text = str(ref_period)
    if "-Q" in text:
        y, q = text.split("-Q")
        return f"the {['first', 'second', 'third', 'fourth'][int(q) - 1]} quarter of {y}"
    if len(text) == 7 and text[4] == "-":
        import calendar

        return f"{calendar.month_name[int(text[5:])]} {text[:4]}"
    return text


def indicator_texts(frame, year: int, key_column: str = "indicator") -> dict[str, Text]:
    """Glue every row: '<key>' -> value with unit and qualifier; '<key>_period' -> its reference period."""
    values = {}
    for row in frame.itertuples(index=False):
        key = getattr(row, key_column)
        values[key] = fmt.with_unit(row.value, row.unit, getattr(row, "qualifier", None))
        values[f"{key}_period"] = period_text(getattr(row, "ref_period", None), year)
    return glue_many(values)


def table(frame, columns: dict[str, str], caption: str | None = None):
    """An HTML table of ``frame`` with readable headers, without the index; missing cells read 'n.a.'."""
    from IPython.display import HTML, display

    shown = frame[list(columns)].rename(columns=columns).astype(object)
    shown = shown.where(~shown.isna(), fmt.MISSING)
    html_table = shown.to_html(index=False, escape=True, border=0, classes="rb-table")
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
