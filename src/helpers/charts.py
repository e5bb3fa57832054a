"""Every chart in the book goes through here: one theme, one colour-blind-safe palette,
a title with its unit, a source line, alt text and a link to the CSV behind it."""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

from . import fmt, periods
from .project import find_root
from .i18n import msg
from .units import unit_label

# Colour-blind-safe colours from Okabe & Ito (2008) and Paul Tol's palettes, keeping only those with at
# least 3:1 contrast on white (sky blue, orange and yellow fall short; tests check every colour).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#882255", "#117733", "#000000"]
BACKGROUND = "#FFFFFF"
TEXT = "#222222"
WIDTH_IN = 5.2  # narrow figures keep their text legible when scaled to a 375 px phone column
# The smallest text in a chart, in points: 5.2 in (374 pt) shrunk to a phone's 343 px column keeps it above 9 px.
SMALLEST_PT = 10.5
TITLE_CHARS = 44  # a 13 pt bold title wraps within the 5.2 in figure instead of widening the drawing
MARK = "rb-mark-"  # SVG id prefix of each plotted mark (a bar, a point, a heatmap cell)


THEME = {  # a white-grid look, set directly so that bar and line charts need not import seaborn
    "figure.facecolor": BACKGROUND, "axes.facecolor": BACKGROUND, "savefig.facecolor": BACKGROUND,
    "text.color": TEXT, "axes.labelcolor": TEXT, "xtick.color": TEXT, "ytick.color": TEXT,
    "axes.edgecolor": "#CCCCCC", "axes.grid": True, "grid.color": "#E5E5E5", "grid.linewidth": 0.8,
    "axes.axisbelow": True, "axes.spines.top": False, "axes.spines.right": False,
    "font.size": 12, "xtick.labelsize": 11, "ytick.labelsize": 11, "legend.fontsize": 11,
    "axes.titlesize": 13, "axes.titleweight": "bold", "axes.titlelocation": "left",
    "xtick.bottom": False, "ytick.left": False, "figure.dpi": 100, "savefig.dpi": 200,
    "text.parse_math": False,  # labels from data are text: "$5 to $10" is not mathtext
    "svg.fonttype": "none", "svg.hashsalt": "resultsbook",  # text stays text; the same chart, the same bytes
}


def apply_theme() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from cycler import cycler

    matplotlib.rcParams.update(THEME)
    matplotlib.rcParams["axes.prop_cycle"] = cycler(color=PALETTE)


@dataclass
class Chart:
    figure: object
    title: str
    unit: str
    alt: str
    source: str
    dataset: str
    year: int
    rows: object = None  # the rows the chart plots, with their provenance: its download holds exactly these
    single: str | None = None  # one value only: shown as a sentence-sized figure, never as a one-bar chart


PROVENANCE_COLUMNS = ["unit", "qualifier", "ref_period", "section", "page", "source"]


def plotted_rows(frame, columns: list[str]):
    """The rows a chart plots: its own columns first, then each row's provenance."""
    keep = list(dict.fromkeys([c for c in columns + PROVENANCE_COLUMNS if c in frame]))
    return frame[keep].reset_index(drop=True)


def shown_value(value, unit: str, qualifier=None) -> str:
    """A bar's or point's label: the value as printed, with its qualifier ('more than 54,000')."""
    if fmt.is_missing(value):
        return fmt.missing()
    text = fmt.percent(value) if unit in ("percent", "percent_change") else fmt.number(value)
    return f"{fmt.qualifier_text(qualifier)} {text}" if not fmt.is_missing(qualifier) and qualifier else text


def wrap(label: str, width: int = 24) -> str:
    """Break a long category label over lines so the chart keeps its width on a phone."""
    import textwrap

    return "\n".join(textwrap.wrap(label, width)) or label


def short_label(label: str, width: int = 24, lines: int = 3) -> str:
    """An axis's category label: wrapped, and cut after ``lines`` lines with an ellipsis, so that no label from data
    can push the drawing out of its figure (the whole label is in the chart's CSV and its description)."""
    import textwrap

    return "\n".join(textwrap.wrap(str(label), width, max_lines=lines, placeholder=" …")) or str(label)


def chart_title(title: str, unit: str) -> str:
    return f"{title} ({unit_label(unit)})"


def source_line(frame, sources=None, edition: int | None = None) -> str:
    """'Source: …' from a frame's provenance columns (see ``helpers.citations``)."""
    from .citations import cite_rows

    return cite_rows(frame, sources, edition)


def bar(frame, category: str, value: str, *, title: str, unit: str, source: str, dataset: str,
        year: int, alt: str | None = None, highlight: str | None = None, order="value",
        reference: tuple[float, str] | None = None, notes: dict[str, str] | None = None) -> Chart:
    """Horizontal bars from a zero baseline, each labelled with its value as printed.

    Negative values extend left of zero; a qualified value ("more than", "up to") is hatched and labelled with
    its qualifier; a missing value has no bar and reads n.a.; a single value is not a chart (see ``show``).
    What an analyst sets from the notebook: ``order`` ("value": largest first; "given": the frame's order, top
    to bottom; or a list of categories, top to bottom, the others after them by value), ``highlight`` (one
    category in the accent colour), ``reference`` ((value, label): a dashed line across the bars, labelled) and
    ``notes`` ({category: text} written after that bar's value). Every text is drawn as plain text."""
    rows = plotted_rows(frame, [category, value])
    valid = frame[frame[value].notna()] if not frame.empty else frame
    if valid.empty:
        return Chart(None, title, unit, "", source, dataset, year, rows)
    if len(frame) == 1:
        row = frame.iloc[0]
        return Chart(None, title, unit, "", source, dataset, year, rows,
                     single=f"{row[category]}: {shown_value(row[value], unit, row.get('qualifier'))}")
    apply_theme()
    import matplotlib.pyplot as plt

    data = frame.copy()
    data["_v"] = data[value].astype("float64")
    data = bar_order(data, category, order)  # bottom to top, as matplotlib draws them
    qualifiers = data["qualifier"] if "qualifier" in data else [None] * len(data)
    height = 1.0 + 0.42 * sum(wrap(c).count("\n") + 1 for c in data[category].astype(str))
    fig, ax = plt.subplots(figsize=(WIDTH_IN, height))
    colours = [PALETTE[1] if highlight and label == highlight else PALETTE[0] for label in data[category]]
    bars = ax.barh([wrap(c) for c in data[category].astype(str)], data["_v"].fillna(0), color=colours)
    for i, (patch, q) in enumerate(zip(bars, qualifiers)):
        patch.set_gid(f"{MARK}{i}")  # each bar is one mark in the SVG: as many as the download's rows
        if not fmt.is_missing(q) and q:
            patch.set_hatch("///")
            patch.set_edgecolor("#FFFFFF")
    low, high = min(0.0, float(data["_v"].min())), max(0.0, float(data["_v"].max()))
    span = (high - low) or 1.0
    labels = []
    for i, (v, q, name) in enumerate(zip(data["_v"], qualifiers, data[category].astype(str))):
        text = shown_value(v, unit, q)
        if notes and notes.get(name):
            text = f"{text}  {notes[name]}"
        at = 0 if fmt.is_missing(v) else v
        labels.append(ax.text(at + span * 0.01 if at >= 0 else at - span * 0.01, i, text, va="center",
                              ha="left" if at >= 0 else "right", fontsize=SMALLEST_PT + 0.5, color=TEXT))
    if reference is not None:
        at, label = float(reference[0]), str(reference[1])
        low, high = min(low, at), max(high, at)
        span = (high - low) or 1.0
        ax.axvline(at, color=TEXT, linewidth=1, linestyle="--")
        ax.text(at, len(data) - 0.45, f" {label}", va="bottom", ha="left", fontsize=SMALLEST_PT, color=TEXT)
    ax.set_xlim(low - (span * 0.35 if low < 0 else 0), high + span * 0.35)
    ax.axvline(0, color="#888888", linewidth=0.8)
    _title(fig, chart_title(title, unit))
    ax.set_xlabel(unit_label(unit))
    ax.set_ylabel("")
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    _make_room_for(ax, labels)
    fig.tight_layout()
    return Chart(fig, title, unit, alt or describe_bars(frame, category, value, title, unit), source, dataset, year,
                 rows)


def bar_order(data, category: str, order):
    """The rows from the bottom bar to the top one: by value (the largest on top), as given (the first row on top),
    or the listed categories on top in the list's order and the others below them by value."""
    if order == "given":
        return data.iloc[::-1]
    by_value = data.sort_values("_v", ascending=True, na_position="first", kind="stable")
    if order == "value":
        return by_value
    if isinstance(order, str) or not hasattr(order, "__iter__"):
        raise ValueError(f"order={order!r}: expected 'value', 'given' or a list of {category} values")
    listed = [str(c) for c in order]
    names = by_value[category].astype(str)
    rest = by_value[~names.isin(listed)]
    chosen = by_value[names.isin(listed)].assign(_at=lambda f: f[category].astype(str).map(listed.index))
    import pandas as pd

    return pd.concat([rest, chosen.sort_values("_at", ascending=False).drop(columns="_at")])


def _title(fig, text: str) -> None:
    """The chart's title from the figure's left edge (not the axes', which long category labels push right),
    wrapped to the figure's width: a title past the edge would widen the drawing and shrink its text on a phone."""
    fig.suptitle(wrap(text, TITLE_CHARS), x=0.01, ha="left", fontsize=THEME["axes.titlesize"],
                 fontweight=THEME["axes.titleweight"], color=TEXT)


def _make_room_for(ax, labels) -> None:
    """Widen the value axis until every value label lies inside the axes: a label past the edge would widen the
    drawing (and shrink all its text on a phone) or be cut off."""
    renderer = ax.figure.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    (left, right), width = ax.get_xlim(), box.width or 1.0
    over_right = max([t.get_window_extent(renderer).x1 - box.x1 for t in labels] + [0.0])
    over_left = max([box.x0 - t.get_window_extent(renderer).x0 for t in labels] + [0.0])
    per_pixel = (right - left) / width
    if over_right or over_left:  # the labels keep their size in points while the axis shrinks: allow for it
        grow = 1.0 + (over_right + over_left) / width
        ax.set_xlim(left - over_left * per_pixel * grow * 1.1, right + over_right * per_pixel * grow * 1.1)


def download_href(dataset: str, year: int, page_dir: Path | None = None, folder: str | None = None) -> str:
    """Link from the page being executed to the CSV the build publishes at <book>/data/<year>/<dataset>.csv
    (or at <book>/data/<folder>/<dataset>.csv for a framework cycle's dataset)."""
    root = find_root()
    here = (page_dir or Path.cwd()).resolve()
    try:
        depth = len(here.relative_to(root).parts)
    except ValueError:
        depth = 0
    return "../" * depth + f"data/{folder or year}/{dataset}.csv"


def csv_href(chart: Chart) -> str:
    """The rows a chart plots, with their provenance, as a CSV the reader downloads from the page itself."""
    if chart.rows is None:
        return download_href(chart.dataset, chart.year)
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(csv_text(chart).encode()).decode()


def csv_text(chart: Chart) -> str:
    """A chart's download: its rows with numbers as printed (54421, not 54421.0), each source id beside the
    citation sources.csv gives it (a chart without per-row sources names its source line), and the edition."""
    import pandas as pd

    from .data import load

    rows = chart.rows.copy()
    if "source" in rows:
        cited = load("sources", chart.year).set_index("id")["citation"].to_dict()
        rows["source_citation"] = [cited.get(str(s).strip(), "") if not fmt.is_missing(s) else "" for s in rows["source"]]
    else:
        rows["source"] = chart.source
    rows["dataset"], rows["edition"] = chart.dataset, chart.year
    for column in rows.columns:
        if pd.api.types.is_numeric_dtype(rows[column]) and not pd.api.types.is_bool_dtype(rows[column]):
            rows[column] = [fmt.plain_number(v) for v in rows[column]]
    return rows.to_csv(index=False, lineterminator="\n")



SOURCES_PAGE = "book/sources"  # the page that cites every source in full, when the table of contents has it


def sources_href(root: Path, here: Path) -> str | None:
    """The link from the page being executed (in ``here``) to the Sources page, or None when the book has none
    (the table of contents is then an input of the page)."""
    from .inputs import record_file
    from .project import Project

    record_file(root / "_toc.yml")
    if not any(d.with_suffix("").as_posix() == SOURCES_PAGE for d in Project(root).toc_documents()):
        return None
    try:  # as download_href: from the folder the page runs in, up to the book's root
        depth = len(here.relative_to(root).parts)
    except ValueError:
        depth = 0
    return "../" * depth + f"{SOURCES_PAGE}.html"


def _caption(chart: Chart) -> str:
    esc = html.escape
    name = f"{chart.dataset}-{re.sub(r'[^a-z0-9]+', '-', chart.title.lower()).strip('-')}.csv"
    sources = sources_href(find_root(), Path.cwd().resolve())
    cited = f' <a class="rb-sources-link" href="{esc(sources)}">{esc(msg("chart.sources_link"))}</a>' if sources else ""
    return (f'<figcaption><span class="rb-chart-title">{esc(chart_title(chart.title, chart.unit))}</span><br>'
            f'<span class="rb-source">{esc(chart.source)}</span>{cited} '
            f'<a class="rb-download" href="{esc(csv_href(chart))}" download="{esc(name)}">'
            f"{esc(msg('chart.download'))}</a></figcaption>")


def to_html(chart: Chart) -> str:
    esc = html.escape
    if chart.single is not None:  # one value: a figure to read, not a bar to compare
        return f'<figure class="rb-chart rb-single"><p class="rb-single-value">{esc(chart.single)}</p>{_caption(chart)}</figure>'
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    chart.figure.savefig(buffer, format="svg", bbox_inches="tight", facecolor=BACKGROUND,
                         metadata={"Date": None})  # vector: sharp when zoomed or printed; no date: stable bytes
    plt.close(chart.figure)
    data = base64.b64encode(buffer.getvalue()).decode()
    return (
        f'<figure class="rb-chart">'
        f'<img src="data:image/svg+xml;base64,{data}" alt="{esc(chart.alt, quote=True)}" '
        f'style="max-width:100%;height:auto">{_caption(chart)}</figure>'
    )


def show(chart: Chart) -> None:
    """Display a chart; one with nothing to draw is reported as a gap of the page (see ``page.report_gap``)."""
    from IPython.display import HTML, display

    if chart.figure is None and chart.single is None:
        from .page import report_gap

        report_gap(msg("chart.gap", title=chart.title))
        return
    display(HTML(to_html(chart)))


def describe_bars(frame, category: str, value: str, title: str, unit: str) -> str:
    """Alt text: what the chart shows and its main finding, from the data itself."""
    data = frame[[category, value]].dropna(subset=[value])
    if data.empty:
        return msg("chart.bar.alt_empty", title=title)
    top = data.loc[data[value].astype(float).idxmax()]
    low = data.loc[data[value].astype(float).idxmin()]
    show = (lambda v: fmt.percent(v)) if unit == "percent" else (lambda v: f"{fmt.number(v)} {unit_label(unit)}")
    missing = len(frame) - len(data)
    gap = (" " + msg("chart.bar.alt_missing", count=missing)) if missing else ""
    return msg("chart.bar.alt", title=title, bars=len(frame), top=top[category], top_value=show(top[value]),
               low=low[category], low_value=show(low[value])) + gap


def heatmap(matrix, *, title: str, unit: str, source: str, dataset: str, year: int, xlabel: str = "",
            ylabel: str = "", alt: str | None = None) -> Chart:
    """Annotated heatmap of counts in one sequential colour-blind-safe palette."""
    if matrix.empty:
        return Chart(None, title, unit, "", source, dataset, year)
    apply_theme()
    import matplotlib.pyplot as plt
    import seaborn as sns

    rows, cols = matrix.shape
    fig, ax = plt.subplots(figsize=(WIDTH_IN, max(2.5, 0.36 * rows + 1.6)))
    sns.heatmap(matrix.astype(float), annot=matrix.astype(int), fmt="d", cmap="Blues", cbar=False,
                linewidths=0.5, linecolor="#FFFFFF", ax=ax, annot_kws={"fontsize": SMALLEST_PT})
    for i, cell in enumerate(ax.texts):  # each annotated cell is one mark, and one row of the download
        cell.set_gid(f"{MARK}{i}")
    ax.set_yticks(ax.get_yticks(), [short_label(t.get_text()) for t in ax.get_yticklabels()])
    ax.set_xticks(ax.get_xticks(), [short_label(t.get_text(), 16 if cols > 6 else 24) for t in ax.get_xticklabels()])
    _title(fig, chart_title(title, unit))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", rotation=0 if cols <= 6 else 90)
    ax.tick_params(axis="y", rotation=0)
    fig.tight_layout()
    if alt is None:
        flat = matrix.stack()
        top = flat.idxmax()
        alt = msg("chart.heatmap.alt", title=title, rows=rows, cols=cols, largest=fmt.number(int(flat.max())),
                  row=top[0], col=top[1])
    names = [matrix.index.name or ylabel or "row", matrix.columns.name or xlabel or "column"]
    tidy = matrix.rename_axis(index=names[0], columns=names[1]).stack().rename(unit).reset_index()  # as drawn
    return Chart(fig, title, unit, alt, source, dataset, year, tidy)


def with_period_labels(frame, year: int, column: str = "what"):
    """Add a category column 'label (period)' so several periods of one indicator sit side by side."""
    from .page import period_text

    return frame.assign(**{column: [f"{l} ({period_text(p, year)})" for l, p in zip(frame["label"], frame["ref_period"])]})


def period_position(ref_period, year: int) -> float:
    """Where a period sits on a true time axis, in years: '2022' -> 2022.5, '2022-02' -> 2022.125,
    '2022-Q3' -> 2022.625, a range its end; an undated figure the middle of the edition year."""
    return periods.position(None if fmt.is_missing(ref_period) else ref_period, year)


def lines(frame, x: str, y: str, series: str, *, title: str, unit: str, source: str, dataset: str, year: int,
          alt: str | None = None) -> Chart:
    """One line per series over a true time axis (``x`` holds periods: 2020, 2022-02, 2022-Q3), from zero.

    Points are placed by date, so two months and two years are not drawn the same distance apart; a qualified
    value ("up to", "more than") is an open marker labelled with its qualifier."""
    from .page import period_text

    rows = plotted_rows(frame, [series, x, y])
    if frame.empty or frame[x].fillna("").nunique() < 2:
        return Chart(None, title, unit, "", source, dataset, year, rows)
    apply_theme()
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    fig, ax = plt.subplots(figsize=(WIDTH_IN, 4.2))
    data = frame.assign(_t=[period_position(p, year) for p in frame[x]]).sort_values("_t")
    marks = 0
    for i, (name, points) in enumerate(data.groupby(series, sort=False)):
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(points["_t"], points[y].astype(float), color=colour, label=wrap(str(name), 40))
        for t, v, q in zip(points["_t"], points[y], points["qualifier"] if "qualifier" in points else [None] * len(points)):
            qualified = not fmt.is_missing(q) and bool(q)
            point, = ax.plot([t], [float(v)], marker="o", color=colour, markerfacecolor="#FFFFFF" if qualified else colour)
            point.set_gid(f"{MARK}{marks}")  # each point is one mark: as many as the download's rows
            marks += 1
            ax.annotate(shown_value(v, unit, q), (t, float(v)), textcoords="offset points", xytext=(0, 7),
                        ha="center", fontsize=SMALLEST_PT, color=TEXT)
    ticks = data.drop_duplicates("_t")
    first, last = int(data["_t"].min()), int(data["_t"].max()) + 1
    ax.set_xticks(range(first, last + 1), [str(y) for y in range(first, last + 1)])  # calendar years: true time
    ax.set_xlim(first, last)
    ax.set_ylim(bottom=min(0.0, float(data[y].astype(float).min())), top=float(data[y].astype(float).max()) * 1.2)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v)))
    _title(fig, chart_title(title, unit))
    ax.set_ylabel(unit_label(unit))
    ax.legend(fontsize=SMALLEST_PT, frameon=False, loc="lower right")
    fig.tight_layout()
    if alt is None:
        alt = msg("chart.lines.alt", title=title, series=frame[series].nunique(),
                  start=period_text(ticks[x].iloc[0], year), end=period_text(ticks[x].iloc[-1], year))
    return Chart(fig, title, unit, alt, source, dataset, year, rows)
