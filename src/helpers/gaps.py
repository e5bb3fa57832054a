"""What an edition is missing: the gap ledger.

From the data alone: a dataset that other editions have but this one lacks (or lacks its CSV), a dataset
with no rows, and a row whose figure (the dataset's value column) is empty. From the executed pages
(``helpers.pruning``): every sentence, table, chart or list a page leaves out for want of data. Values the
report itself never stated are documented in the data_gaps dataset and are not counted here.
``resultsbook gaps`` prints the ledger, the book's "What is missing" page shows it, and
``resultsbook build --strict`` refuses to build while it is not empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .data import Edition
from .errors import InputError
from .i18n import msg, plural
from .inputs import input_file
from .project import Project


@dataclass(frozen=True)
class Gap:
    dataset: str
    kind: str  # "missing_dataset" | "no_rows" | "missing_value"
    detail: str

    def __str__(self) -> str:
        return f"{self.dataset}: {msg('gaps.kind.' + self.kind)}" + (f" ({self.detail})" if self.detail else "")


def expected_datasets(project: Project) -> list[str]:
    """Every dataset any edition has: a new edition is expected to have them all."""
    names: set[str] = set()
    for year in project.editions():
        names.update(p.stem for p in project.year_dir(year).glob("*.yml"))
    return sorted(names)


def edition_gaps(project: Project, year: int) -> list[Gap]:
    """The data's own gaps, read as text (the data is validated before; no pandas needed)."""
    edition = Edition(year, project.root)
    gaps: list[Gap] = []
    for name in expected_datasets(project):
        if edition.meta(name).may_be_empty and not edition.rows(name):
            continue  # its rows are exceptions (data_gaps): none, or no file, means none, not missing data
        if not (edition.folder / f"{name}.yml").is_file() or not (edition.folder / f"{name}.csv").is_file():
            gaps.append(Gap(name, "missing_dataset", msg("gaps.no_csv", path=f"data/{year}/{name}.csv")))
            continue
        rows = edition.rows(name) or []
        if not rows:
            gaps.append(Gap(name, "no_rows", msg("gaps.header_only", path=f"data/{year}/{name}.csv")))
            continue
        meta = edition.meta(name)
        if meta.value_column:
            key = meta.primary_key or [meta.value_column]
            for number, row in enumerate(rows, start=1):
                if not (row.get(meta.value_column) or "").strip():
                    where = ", ".join(f"{k}={row[k]}" for k in key if (row.get(k) or "").strip())
                    gaps.append(Gap(name, "missing_value", msg("gaps.row", row=number, where=where)))
    return gaps


LEDGER_MARKER = "<!-- gap-ledger -->"
LEDGER_PAGE = "book/gaps"  # the page the ledger is written into, when the table of contents has it


def ledger(project: Project, year: int, pages: list[tuple[str, list, dict]]) -> list[str]:
    """Every gap of the edition, one line each, starting with the page's path in the book.

    ``pages`` holds, per executed page: its name (``book/at_a_glance``), the gaps pruning found on it
    (``helpers.pruning.PageGap``) and the data files it read. A dataset gap that no page met is listed
    under the data dictionary, which lists every dataset.
    """
    lines: list[str] = []
    for name, page_gaps, _ in pages:
        lines += list(dict.fromkeys(g.line(name) for g in page_gaps))
    met = {g.dataset for _, page_gaps, _ in pages for g in page_gaps if g.dataset}
    readers: dict[str, list[str]] = {}
    for name, _, data_files in pages:
        for key in data_files:
            readers.setdefault(Path(input_file(key)).stem, []).append(name)
    for gap in edition_gaps(project, year):
        if gap.dataset in met and gap.kind != "missing_value":
            continue
        for name in readers.get(gap.dataset, ["book/data_dictionary"]):
            lines.append(f"{name}: " + msg("gaps.dataset", name=gap.dataset, reason=msg("gaps.kind." + gap.kind))
                         + (f" ({gap.detail})" if gap.detail else ""))
    return list(dict.fromkeys(lines))


def ledger_markdown(project: Project, year: int, pages: list[tuple[str, list, dict]], titles: dict[str, str],
                    lang: str = "en") -> str:
    """The gap ledger as the readers' page: in words, without internal keys (those stay in ``resultsbook gaps``),
    grouped by page, each page linked, with what it leaves out under each of its sections; then the datasets this
    edition has no rows of (or figures without a value), each named once by its title. Text from data escaped."""
    from .page import escape_markdown

    grouped: dict[str, list[str]] = {}
    for name, page_gaps, _ in pages:
        sections: dict[str, tuple[int, list[str]]] = {}  # section -> (figures left out, other things left out)
        for gap in page_gaps:
            if gap.dataset is None and (gap.readers or gap.figures):
                figures, things = sections.get(gap.section, (0, []))
                sections[gap.section] = (figures + gap.figures, things + ([gap.readers] if gap.readers else []))
        for section, (figures, things) in sections.items():
            what = ([plural("gaps.readers.figures", figures)] if figures else []) + list(dict.fromkeys(things))
            where = f"*{escape_markdown(section)}*" if section else msg("gaps.readers.opening")
            grouped.setdefault(name, []).append(f"{where}: " + "; ".join(escape_markdown(w) for w in what))
    datasets: dict[str, list[str]] = {}
    for gap in edition_gaps(project, year):
        datasets.setdefault(gap.dataset, []).append(gap.kind)
    shown_on: dict[str, list[str]] = {}  # dataset -> the pages that would show it
    for name, page_gaps, data_files in pages:
        for dataset in {g.dataset for g in page_gaps if g.dataset} | {Path(input_file(k)).stem for k in data_files}:
            shown_on.setdefault(dataset, []).append(name)

    def link(page: str) -> str:
        target = Path(page).relative_to(Path(LEDGER_PAGE).parent).as_posix() + ".ipynb"
        return f"[{escape_markdown(titles.get(page, page))}]({target})"

    if not grouped and not datasets:
        return msg("gaps.ledger_none", year=year)
    out = [msg("gaps.readers.intro", year=year), ""]
    for page, whats in grouped.items():
        out.append(f"- {link(page)}")
        out += [f"  - {w}" for w in dict.fromkeys(whats)]
    if datasets:
        edition = Edition(year, project.root)
        out += ["", msg("gaps.readers.datasets_intro", year=year), ""]
        for name, kinds in sorted(datasets.items()):
            try:
                meta = edition.meta(name)
                named = meta.translations.get(lang, {}).get("title") or meta.title
            except InputError:  # a dataset no edition describes: its file name is all there is
                named = name
            if "missing_value" in kinds:
                what = plural("gaps.readers.values_missing", kinds.count("missing_value"))
            else:
                what = msg("gaps.readers." + kinds[0])
            pages_of = [p for p in dict.fromkeys(shown_on.get(name, [])) if p in titles]
            on = msg("gaps.readers.shown_on", pages=", ".join(link(p) for p in pages_of)) if pages_of else ""
            out.append(f"- *{escape_markdown(named)}* (`{name}.csv`): {what}{on}")
    out += ["", msg("gaps.readers.reviewers", year=year)]
    return "\n".join(out)
