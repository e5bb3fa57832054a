"""Every chart in the book goes through here: one theme, one colour-blind-safe palette,
a title with its unit, a source line, alt text and a link to the CSV behind it."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from pathlib import Path

from . import fmt
from .project import find_root
from .units import unit_label

# Colour-blind-safe colours from Okabe & Ito (2008) and Paul Tol's palettes, keeping only those with at
# least 3:1 contrast on white (sky blue, orange and yellow fall short; tests check every colour).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#882255", "#117733", "#000000"]
BACKGROUND = "#FFFFFF"
TEXT = "#222222"
WIDTH_IN = 5.2  # narrow figures keep their text legible when scaled to a 375 px phone column


THEME = {  # a white-grid look, set directly so that bar and line charts need not import seaborn
    "figure.facecolor": BACKGROUND, "axes.facecolor": BACKGROUND, "savefig.facecolor": BACKGROUND,
    "text.color": TEXT, "axes.labelcolor": TEXT, "xtick.color": TEXT, "ytick.color": TEXT,
    "axes.edgecolor": "#CCCCCC", "axes.grid": True, "grid.color": "#E5E5E5", "grid.linewidth": 0.8,
    "axes.axisbelow": True, "axes.spines.top": False, "axes.spines.right": False,
    "font.size": 12, "xtick.labelsize": 11, "ytick.labelsize": 11, "legend.fontsize": 11,
    "axes.titlesize": 13, "axes.titleweight": "bold", "axes.titlelocation": "left",
    "xtick.bottom": False, "ytick.left": False, "figure.dpi": 100, "savefig.dpi": 200,
    "text.parse_math": False,  # labels from data are text: "$5 to $10" is not mathtext
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


def wrap(label: str, width: int = 24) -> str:
    """Break a long category label over lines so the chart keeps its width on a phone."""
    import textwrap

    return "\n".join(textwrap.wrap(label, width)) or label


def chart_title(title: str, unit: str) -> str:
    return f"{title} ({unit_label(unit)})"


def source_line(frame, sources=None, edition: int | None = None) -> str:
    """'Source: …' from a frame's provenance columns (see ``helpers.citations``)."""
    from .citations import cite_rows

    return cite_rows(frame, sources, edition)


def bar(frame, category: str, value: str, *, title: str, unit: str, source: str, dataset: str,
        year: int, alt: str | None = None, highlight: str | None = None) -> Chart:
    """Horizontal bars, largest first, each labelled with its value; missing values are shown as n.a."""
    if frame.empty or frame[value].isna().all():
        return Chart(None, title, unit, "", source, dataset, year)
    apply_theme()
    import matplotlib.pyplot as plt

    data = frame[[category, value]].copy()
    data[value] = data[value].astype("float64")
    data = data.sort_values(value, ascending=True, na_position="first")
    height = 1.0 + 0.42 * sum(wrap(c).count("\n") + 1 for c in data[category].astype(str))
    fig, ax = plt.subplots(figsize=(WIDTH_IN, height))
    colours = [PALETTE[1] if highlight and label == highlight else PALETTE[0] for label in data[category]]
    ax.barh([wrap(c) for c in data[category].astype(str)], data[value].fillna(0), color=colours)
    top = float(data[value].max(skipna=True) or 1)
    for i, v in enumerate(data[value]):
        text = fmt.MISSING if fmt.is_missing(v) else (fmt.percent(v) if unit == "percent" else fmt.number(v))
        ax.text((0 if fmt.is_missing(v) else v) + top * 0.01, i, text, va="center", fontsize=11, color=TEXT)
    ax.set_xlim(0, top * 1.18)
    ax.set_title(chart_title(title, unit))
    ax.set_xlabel(unit_label(unit))
    ax.set_ylabel("")
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return Chart(fig, title, unit, alt or describe_bars(frame, category, value, title, unit), source, dataset, year)


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


def to_html(chart: Chart) -> str:
    esc = html.escape
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    chart.figure.savefig(buffer, format="png", bbox_inches="tight", facecolor=BACKGROUND)
    plt.close(chart.figure)
    data = base64.b64encode(buffer.getvalue()).decode()
    href = download_href(chart.dataset, chart.year)
    return (
        f'<figure class="rb-chart">'
        f'<img src="data:image/png;base64,{data}" alt="{esc(chart.alt, quote=True)}" '
        f'style="max-width:100%;height:auto">'
        f'<figcaption><span class="rb-chart-title">{esc(chart_title(chart.title, chart.unit))}</span><br>'
        f'<span class="rb-source">{esc(chart.source)}</span> '
        f'<a class="rb-download" href="{esc(href)}" download>Download the data (CSV)</a>'
        f"</figcaption></figure>"
    )


def show(chart: Chart) -> None:
    """Display a chart; one with nothing to draw is reported as a gap of the page (see ``page.report_gap``)."""
    from IPython.display import HTML, display

    if chart.figure is None:
        from .page import report_gap

        report_gap(f"chart: {chart.title}")
        return
    display(HTML(to_html(chart)))



def describe_bars(frame, category: str, value: str, title: str, unit: str) -> str:
    """Alt text: what the chart shows and its main finding, from the data itself."""
    data = frame[[category, value]].dropna(subset=[value])
    if data.empty:
        return f"Bar chart of {title}: no values are available."
    top = data.loc[data[value].astype(float).idxmax()]
    low = data.loc[data[value].astype(float).idxmin()]
    show = (lambda v: fmt.percent(v)) if unit == "percent" else (lambda v: f"{fmt.number(v)} {unit_label(unit)}")
    missing = len(frame) - len(data)
    gap = f" {missing} value(s) are not available." if missing else ""
    return (f"Horizontal bar chart, {title}, with {len(frame)} bars. The highest is "
            f"{top[category]} at {show(top[value])}; the lowest is {low[category]} at {show(low[value])}.{gap}")


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
                linewidths=0.5, linecolor="#FFFFFF", ax=ax, annot_kws={"fontsize": 9})
    ax.set_title(chart_title(title, unit))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", rotation=0 if cols <= 6 else 90)
    ax.tick_params(axis="y", rotation=0)
    fig.tight_layout()
    if alt is None:
        flat = matrix.stack()
        top = flat.idxmax()
        alt = (f"Heatmap, {title}: {rows} rows by {cols} columns. The largest count, {int(flat.max())}, "
               f"is at {top[0]} and {top[1]}.")
    return Chart(fig, title, unit, alt, source, dataset, year)


def with_period_labels(frame, year: int, column: str = "what"):
    """Add a category column 'label (period)' so several periods of one indicator sit side by side."""
    from .page import period_text

    return frame.assign(**{column: [f"{l} ({period_text(p, year)})" for l, p in zip(frame["label"], frame["ref_period"])]})


def lines(frame, x: str, y: str, series: str, *, title: str, unit: str, source: str, dataset: str, year: int,
          alt: str | None = None) -> Chart:
    """One line per series across editions or periods; needs at least two points on the x axis."""
    if frame.empty or frame[x].nunique() < 2:
        return Chart(None, title, unit, "", source, dataset, year)
    apply_theme()
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH_IN, 4.2))
    order = list(dict.fromkeys(frame[x].astype(str)))  # keep the caller's order of periods
    for i, (name, rows) in enumerate(frame.groupby(series, sort=False)):
        ax.plot([order.index(v) for v in rows[x].astype(str)], rows[y].astype(float), marker="o",
                color=PALETTE[i % len(PALETTE)], label=wrap(str(name), 40))
    ax.set_xticks(range(len(order)), [wrap(o, 14) for o in order])
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v)))
    ax.set_title(chart_title(title, unit))
    ax.set_ylabel(unit_label(unit))
    ax.legend(fontsize=9, frameon=False, loc="best")
    fig.tight_layout()
    if alt is None:
        points = frame[x].nunique()
        alt = f"Line chart, {title}: {frame[series].nunique()} series over {points} points from {frame[x].min()} to {frame[x].max()}."
    return Chart(fig, title, unit, alt, source, dataset, year)
