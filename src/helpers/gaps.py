"""What an edition is missing, computed from the data alone.

Three kinds of gap: a dataset that other editions have but this one lacks (or lacks its CSV), a
dataset with no rows, and a row whose figure (the dataset's value column) is empty. Values the
report itself never stated are documented in the data_gaps dataset and are not counted here.
The home page lists these gaps; ``resultsbook build --strict`` refuses to build while any remain.
"""

from __future__ import annotations

from dataclasses import dataclass

from .data import Edition
from .errors import InputError
from .project import Project


@dataclass(frozen=True)
class Gap:
    dataset: str
    kind: str  # "missing dataset" | "no rows" | "missing value"
    detail: str

    def __str__(self) -> str:
        return f"{self.dataset}: {self.kind}" + (f" ({self.detail})" if self.detail else "")


def expected_datasets(project: Project) -> list[str]:
    """Every dataset any edition has: a new edition is expected to have them all."""
    names: set[str] = set()
    for year in project.editions():
        names.update(p.stem for p in project.year_dir(year).glob("*.yml"))
    return sorted(names)


def edition_gaps(project: Project, year: int) -> list[Gap]:
    edition = Edition(year, project.root)
    gaps: list[Gap] = []
    for name in expected_datasets(project):
        csv_path = edition.folder / f"{name}.csv"
        if not (edition.folder / f"{name}.yml").is_file() or not csv_path.is_file():
            gaps.append(Gap(name, "missing dataset", f"no data/{year}/{name}.csv with metadata"))
            continue
        frame = edition.load(name)
        if frame.empty:
            gaps.append(Gap(name, "no rows", f"data/{year}/{name}.csv has a header only"))
            continue
        meta = edition.meta(name)
        if meta.value_column:
            key = meta.primary_key or [meta.value_column]
            for index, row in frame[frame[meta.value_column].isna()].iterrows():
                where = ", ".join(f"{k}={row[k]}" for k in key if k in row and str(row[k]) != "<NA>")
                gaps.append(Gap(name, "missing value", f"row {index + 1}: {where}"))
    return gaps


def refuse_gaps(project: Project, year: int) -> None:
    """--strict: every gap is an error, all listed at once."""
    found = edition_gaps(project, year)
    if found:
        raise InputError(f"--strict: the {year} edition has {len(found)} data gap(s)", [str(g) for g in found])


def summary_markdown(year: int, root=None) -> str:
    """The home page's account of what this edition lacks."""
    from .project import find_root

    project = Project(root or find_root())
    found = edition_gaps(project, year)
    documented = Edition(year, project.root).load("data_gaps")
    lines = []
    if found:
        lines += [f"The {year} edition's data is incomplete: {len(found)} gap(s). Pages show a notice wherever a "
                  "figure, table or chart is affected; no other edition's figures are used in their place.", "",
                  "| Dataset | Gap | Detail |", "|---|---|---|"]
        lines += [f"| `{g.dataset}` | {g.kind} | {g.detail} |" for g in found]
    else:
        lines.append(f"Every dataset of the {year} edition is present and every figure it lists is stated.")
    if len(documented):
        lines += ["", f"Besides, {len(documented)} chart(s) or section(s) of the report have values that are not in "
                      "its text; each is flagged on its page:", ""]
        lines += [f"- {r.title} ({r.section}, p. {r.page})" for r in documented.itertuples(index=False)]
    return "\n".join(lines)
