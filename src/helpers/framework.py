"""The Cooperation Framework's pages: work areas, outcomes, highlighted initiatives and their stories."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from . import charts, fmt
from .data import Edition, load
from .i18n import msg, msg_or


def split_list(cell) -> list[str]:
    """'FAO;ILO' -> ['FAO', 'ILO']; empty -> []."""
    if fmt.is_missing(cell) or not str(cell).strip():
        return []
    return [part.strip() for part in str(cell).split(";") if part.strip()]


def _dataset(name: str) -> cached_property:
    """An attribute holding one dataset of the edition, loaded when first used."""
    return cached_property(lambda self: load(name, self.year))


@dataclass
class Framework:
    """The datasets Cooperation Framework pages need, each loaded once, when a page first uses it: a page then
    depends (for the execution cache) only on the data it reads."""

    year: int

    @cached_property
    def edition(self):
        return Edition(self.year)

    work_areas = _dataset("work_areas")
    outcomes = _dataset("outcomes")
    agencies = _dataset("agencies")
    stories = _dataset("stories")
    capacities = _dataset("capacities")
    strategic = _dataset("strategic_areas")
    sources = _dataset("sources")

    @cached_property
    def initiatives(self):
        return load("initiatives", self.year).merge(self.outcomes[["outcome", "work_area"]], on="outcome", how="left")

    def figures_of_area(self, area: int):
        """The key figures of the area's initiatives, read as the rows of those initiatives only: a page of one
        work area is not re-executed when another area's figure changes."""
        cache = self.__dict__.setdefault("_area_figures", {})
        if area not in cache:
            ids = self.initiatives.loc[self.initiatives["work_area"] == area, "initiative"]
            cache[area] = self.edition.load("initiative_figures", where={"initiative": ids})
        return cache[area]

    def cycle(self) -> tuple[int, int] | None:
        """(first year, last year) of the framework cycle this edition belongs to."""
        from .project import read_yaml

        folder = self.edition.project.framework_dir(self.year)
        if folder is None:
            return None
        from .data import record_dependency

        record_dependency(folder / "framework.yml")
        meta = read_yaml(folder / "framework.yml")
        return int(meta["first_year"]), int(meta["last_year"])

    def no_cycle_reason(self) -> str | None:
        """Why an edition no framework cycle covers has no framework pages, in one sentence; None when one does."""
        if self.cycle() is not None:
            return None
        ended = [span for span in self.edition.project.cycle_spans() if span[1] < self.year]
        if ended:
            return msg("framework.no_cycle", first=ended[-1][0], last=ended[-1][1], year=self.year)
        return msg("framework.no_cycle_at_all", year=self.year)

    def cycle_text(self) -> str | None:
        span = self.cycle()
        return msg("framework.cycle", first=span[0], last=span[1]) if span else None

    def cycle_year_ordinal(self) -> str | None:
        """'third' for 2022 in the 2020-2025 cycle ('tercer' in Spanish): the edition's year counted from the
        cycle's first, in words as a sentence says it (a numeral past the tenth)."""
        span = self.cycle()
        if not span:
            return None
        n = self.year - span[0] + 1
        return msg(f"framework.year_ordinal.n{n}") if 1 <= n <= 10 else fmt.ordinal(n)

    def work_area_table(self):
        """Each work area with its number of outcomes and, when the edition has them, of highlighted initiatives."""
        table = self.work_areas.assign(
            outcome_count=self.work_areas["work_area"].map(self.outcomes.groupby("work_area").size()).fillna(0).astype(int))
        if len(self.initiatives):  # without the edition's initiatives the count is unknown, never 0
            counts = self.initiatives.groupby("work_area")["initiative"].nunique()
            table = table.assign(initiatives=table["work_area"].map(counts).fillna(0).astype(int))
        return table

    def area_title(self, area: int) -> str:
        """'Work area 2: Prosperity and Innovation', or 'Work area 2' when the framework data has no title."""
        row = self.work_areas[self.work_areas["work_area"] == area]
        title = row["title"].iloc[0] if len(row) else None
        if not fmt.is_missing(title) and str(title).strip():
            return msg("framework.area_title", area=area, title=title)
        return msg("framework.area", area=area)

    def agency_name(self, code: str) -> str:
        row = self.agencies[self.agencies["code"] == code]
        return f"{row['name'].iloc[0]} ({self.agency_label(code)})" if len(row) else code

    def agency_label(self, code: str) -> str:
        """An agency's acronym as the page's language writes it (PNUD for UNDP in Spanish)."""
        return self._agency_labels.get(code, code)

    @cached_property
    def _agency_labels(self) -> dict:
        return agency_labels(self.agencies)

    def outcomes_of(self, area: int):
        return self.outcomes[self.outcomes["work_area"] == area].sort_values("outcome")

    def glue_area(self, area: int) -> None:
        """Title, summary and counts for a work-area page; a count is unknown (None) when its dataset is empty."""
        from .page import count, glue_many

        inits = self.initiatives[self.initiatives["work_area"] == area]
        figures = self.figures_of_area(area)
        agencies = {a for cell in inits["implemented_by"] for a in split_list(cell)}
        summary = self.work_areas.loc[self.work_areas["work_area"] == area, "summary"]
        glue_many({"area_heading": self.area_title(area),
                   "area_summary": summary.iloc[0] if len(summary) else None,
                   "area_outcome_count": count(self.outcomes_of(area), of=self.outcomes),
                   "area_initiative_count": count(inits, of=self.initiatives),
                   "area_figure_count": len(figures) if self.edition.has_rows("initiative_figures") else None,
                   "area_agency_count": None if self.initiatives.empty else len(agencies),
                   "area_strategic_count": count(self.strategic[self.strategic["work_area"] == area],
                                                 of=self.strategic),
                   "area_capacity_count": count(self.capacities[self.capacities["work_area"] == area],
                                                of=self.capacities)})

    def strategic_areas_markdown(self, area: int) -> str:
        """Bullets 'focus: summary' (text from data, escaped); empty when the edition has none."""
        from .page import escape_markdown as esc

        rows = self.strategic[self.strategic["work_area"] == area].sort_values("item")
        return "\n".join(f"- **{esc(r.focus)}**: {esc(r.summary)}" for r in rows.itertuples(index=False))

    def capacities_chart(self, area: int):
        """Bars of the area's capacity figures in one unit (latest period; totals with parts are left to the text).

        Figures in other units (people beside institutions) would dwarf each other; they are in the table.
        """
        rows = self.capacities[self.capacities["work_area"] == area].copy()
        if not rows.empty:
            counts = rows["unit"].value_counts()
            unit = "institutions" if "institutions" in counts else counts.index[0]
            rows = rows[rows["unit"] == unit]
        rows = rows.assign(_p=rows["ref_period"].fillna("9999")).sort_values("_p").drop_duplicates("metric", keep="last")
        has_parts = set(rows["part_of"].dropna())
        rows = rows[~rows["metric"].isin(has_parts)]

        rows = rows.assign(what=rows["description"])  # wrapped by the chart, never cut
        return charts.bar(rows, "what", "value", title=msg("framework.capacities_chart", area=area),
                          unit=rows["unit"].iloc[0] if len(rows) else "count", source=charts.source_line(rows, self.sources, self.year),
                          dataset="capacities", year=self.year)

    def capacities_table(self, area: int):
        """Every capacity figure of the area, with its period, ready for ``page.table``."""
        from .page import period_text

        rows = self.capacities[self.capacities["work_area"] == area]
        return rows.assign(shown=[fmt.with_unit(r.value, r.unit, r.qualifier) for r in rows.itertuples()],
                           period=[period_text(p, self.year) for p in rows["ref_period"]])

    def trends(self, area: int):
        """Figures of the area the report gives for two or more periods, one row per period (for a line chart)."""
        import pandas as pd

        from .page import period_sort_key, period_text

        inits = self.initiatives.loc[self.initiatives["work_area"] == area, "initiative"]
        caps = self.capacities[self.capacities["work_area"] == area].rename(columns={"description": "label"})
        figs = self.figures_of_area(area)
        figs = figs[figs["initiative"].isin(inits) & (figs["statement"] == "result")]
        columns = ["metric", "label", "value", "unit", "qualifier", "ref_period", "section", "page", "source"]
        rows = pd.concat([caps[columns].assign(dataset="capacities"), figs[columns].assign(dataset="initiative_figures")])
        rows = rows.assign(metric=rows["dataset"] + ":" + rows["metric"])  # same name in two datasets: two series
        rows = rows[rows.groupby("metric")["ref_period"].transform(lambda p: p.fillna("").nunique()) >= 2]
        rows = rows.assign(order=rows["ref_period"].map(period_sort_key),
                           period=[period_text(p, self.year) for p in rows["ref_period"]],
                           series=rows["label"])
        return rows.sort_values("order")

    def trend_charts(self, area: int) -> list:
        """One line chart per figure of the area that the report gives for several periods."""
        rows = self.trends(area)
        return [charts.lines(group, "ref_period", "value", "series", title=msg("framework.trend_chart"),
                             unit=group["unit"].iloc[0], source=charts.source_line(group, self.sources, self.year),
                             dataset=group["dataset"].iloc[0], year=self.year)
                for _, group in rows.groupby("metric", sort=False)]

    def context_indicators(self, area: int):
        """National indicators the report quotes inside the work area's section."""
        indicators = load("indicators", self.year)
        return indicators[indicators["section"].str.startswith(f"Area {area}:")]

    def outcome_markdown(self, outcome: int) -> str:
        """Each highlighted initiative of an outcome: what it does, who implements it with whom, where, its story.

        Code builds the structure; every text from data is escaped, so it is shown as text."""
        from .page import escape_markdown as esc

        inits = self.initiatives[self.initiatives["outcome"] == outcome]
        blocks = []
        for row in inits.itertuples(index=False):
            agencies = ", ".join(self.agency_name(c) for c in split_list(row.implemented_by))
            lines = [f"**{esc(row.title)}.** {esc(row.summary)}", ""]
            if agencies:
                lines.append(f"- *{msg('framework.implemented_by')}* {esc(agencies)}")
            partners = split_list(row.partners)
            lines.append(f"- *{msg('framework.partners_named')}* "
                         f"{esc(', '.join(partners)) if partners else msg('framework.none_named')}")
            places = split_list(row.places)
            if places:
                lines.append(f"- *{msg('framework.places_named')}* {esc(', '.join(places))}")
            stories = self.stories[self.stories["initiative"] == row.initiative]
            for story in stories.itertuples(index=False):
                lines += ["", f"> **{msg('framework.story', title=esc(story.title))}** {esc(story.summary)}"]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

    def show_outcomes(self, area: int) -> None:
        """One section per outcome of the area, from the framework data: a fifth area or an eleventh outcome
        appears without code changes. Without the edition's initiatives, the outcomes are listed once and the
        initiatives reported as a gap."""
        from IPython.display import Markdown, display

        from .page import heading, report_gap, table

        outcomes = self.outcomes_of(area)
        if self.initiatives.empty:
            table(outcomes, {"outcome": msg("table.outcome"), "title": msg("table.title")},
                  caption=msg("framework.outcomes_caption", area=area))
            report_gap(msg("framework.initiatives_gap", area=area))
            return
        for row in outcomes.itertuples(index=False):
            heading(msg("framework.outcome_heading", outcome=row.outcome, title=row.title))
            text = self.outcome_markdown(row.outcome)
            display(Markdown(text or msg("framework.no_initiative", year=self.year)))
            figures = self.outcome_figures(row.outcome)
            if len(figures):
                table(figures, {"title": msg("table.initiative"), "label": msg("table.figure"),
                                "shown": msg("table.value"), "where": msg("table.stated_in")},
                      caption=msg("framework.figures_caption", outcome=row.outcome))

    def outcome_figures(self, outcome: int):
        """Key figures of the outcome's initiatives as a table frame (initiative, figure, value, where stated)."""
        inits = self.initiatives[self.initiatives["outcome"] == outcome][["initiative", "title"]]
        rows = self.edition.load("initiative_figures", where={"initiative": inits["initiative"]})
        rows = rows.merge(inits, on="initiative")
        return rows.assign(
            shown=[fmt.with_unit(r.value, r.unit, r.qualifier) for r in rows.itertuples()],
            where=[msg("cite.section_page", section=r.section, page=r.page)
                   + ("" if r.statement == "result" else f" ({msg_or('statement.' + str(r.statement), str(r.statement))})")
                   for r in rows.itertuples()],
        )


def agency_labels(agencies) -> dict:
    """Agency code -> the acronym the UN uses in the page's language (``code_<lang>``); empty in English or where
    the data gives none (the code itself is then shown)."""
    from .i18n import DEFAULT, language, translated

    column = translated("code")
    if language() == DEFAULT or column not in agencies:
        return {}
    return {code: str(label) for code, label in zip(agencies["code"], agencies[column])
            if not fmt.is_missing(label) and str(label).strip()}


def headlines_markdown(year: int) -> str:
    """The Foreword's headline results, each with the figures the Foreword states for it (empty when none)."""
    from .page import escape_markdown as esc

    headlines = load("headlines", year)
    # only the Foreword's figures of these initiatives: the pages showing them depend on those rows alone
    figures = Edition(year).load("initiative_figures",
                                 where={"initiative": headlines["initiative"], "statement": ["foreword"]})
    blocks = []
    for row in headlines.sort_values("item").itertuples(index=False):
        stated = figures[figures["initiative"] == row.initiative]
        numbers = "; ".join(f"{esc(fmt.lower_first(f.label))}: {esc(fmt.with_unit(f.value, f.unit, f.qualifier))}"
                            for f in stated.itertuples(index=False))
        blocks.append(f"- **{esc(row.title)}.** {esc(row.summary)}"
                      + (" " + msg("framework.in_figures", figures=numbers) if numbers else ""))
    return "\n".join(blocks)
