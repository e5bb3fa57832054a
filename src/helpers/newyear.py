"""``resultsbook new-year``: scaffold an edition's data folder from an earlier one (structure, no values)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import yaml

from .errors import InputError
from .project import Project, read_yaml
from .i18n import LOCALES
from .schema import stable_columns


def new_year(project: Project, year: int, source_year: int | None = None) -> Path:
    """data/<year>/ with every dataset's metadata (speaking of the new edition), a header-only CSV and a
    checklist of the rows the pages expect. Never overwrites; appears complete or not at all."""
    from .project import resolve_year
    from .schema import read_meta

    target = project.year_dir(year)
    if target.exists():
        raise InputError(f"data/{year} already exists; new-year never overwrites an edition "
                         f"(delete or rename {target} first if you mean to start over)")
    source = resolve_year(project, source_year) if source_year is not None else project.latest_edition()
    src_dir = project.year_dir(source)
    staging = target.with_name(f".{year}.new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    items = []
    try:
        for meta_path in sorted(src_dir.glob("*.yml")):
            meta = read_yaml(meta_path)
            meta["edition"] = year
            meta["source"] = (f"United Nations Mexico, Results Report {year}, or the official release named by "
                              "each row's source (see sources); section and page per row where the report states it.")
            meta["attribution"] = f"United Nations Mexico, Results Report {year}; official sources as named per row"
            (staging / meta_path.name).write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=110),
                                                  encoding="utf-8")
            declared = list(read_meta(staging / meta_path.name).columns)  # declared columns plus provenance
            previous = meta_path.with_suffix(".csv")
            header = next(csv.reader(previous.open(encoding="utf-8")), []) if previous.is_file() else []
            header = [c for c in header if c in declared] + [c for c in declared if c not in header]
            with (staging / meta_path.with_suffix(".csv").name).open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh, lineterminator="\n").writerow(header)
            fullest = fullest_edition(project, year, meta_path.stem, source_year)
            items.append((meta_path.stem, meta.get("title", meta_path.stem), fullest,
                          expected_rows(project, read_meta(staging / meta_path.name), fullest)))
        (staging / "CHECKLIST.md").write_text(checklist(year, source, items, cycle_words(project, year)),
                                              encoding="utf-8")
        staging.rename(target)  # the new folder appears complete or not at all
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def fullest_edition(project: Project, year: int, name: str, chosen: int | None = None) -> int | None:
    """The edition a dataset's checklist (and workbook) comes from: ``--from`` when given, else the earlier edition
    whose file of that dataset has the most rows (a partial edition's empty file lists nothing to look for)."""
    if chosen is not None:
        return chosen
    counts = {}
    for other in project.editions():
        path = project.year_dir(other) / f"{name}.csv"
        if other < year and path.is_file():
            with path.open(encoding="utf-8") as fh:
                counts[other] = sum(1 for _ in csv.reader(fh)) - 1
    best = max(counts.items(), key=lambda item: (item[1], item[0]), default=(None, 0))
    return best[0] if best[1] > 0 else None


def expected_rows(project: Project, meta, edition: int | None) -> list[str]:
    """The rows the pages will look for: each key of ``edition``'s rows, without its period (a new edition has its
    own) and with what stays from year to year (label, unit, theme), never a figure or a source id."""
    if edition is None:
        return []
    path = project.year_dir(edition) / f"{meta.name}.csv"
    keys = [k for k in meta.primary_key if k != "ref_period"]
    if not keys or not path.is_file():
        return []
    described = [c for c in stable_columns(meta) if c not in keys and c not in meta.primary_key
                 and c.rsplit("_", 1)[-1] not in LOCALES]  # the words in English: the key's own language
    lines = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = ", ".join(f"{k}={row.get(k, '')}" for k in keys if row.get(k))
            about = "; ".join(f"{c} {row[c]}" for c in described if row.get(c))
            lines.append(f"{key}" + (f" ({about})" if about else ""))
    return list(dict.fromkeys(line for line in lines if line))


def cycle_words(project: Project, year: int) -> str:
    """What the checklist says of the Cooperation Framework's structure for ``year``."""
    if project.framework_dir(year) is not None:
        return ("The Cooperation Framework's structure (work areas, outcomes, principles) comes from its cycle in\n"
                "data/frameworks/ and is not repeated here.")
    return no_cycle_warning(project, year)


def no_cycle_warning(project: Project, year: int) -> str:
    """Said at new-year (and in the checklist) when no Cooperation Framework cycle covers ``year``."""
    ended = [span for span in project.cycle_spans() if span[1] < year]
    last = f"the last cycle in data/frameworks/ ({ended[-1][0]}-{ended[-1][1]}) ended in {ended[-1][1]}" if ended \
        else "data/frameworks/ holds no cycle"
    return (f"No Cooperation Framework cycle covers {year}: {last}. The book will say so on its Framework page and "
            f"have no work-area pages. To report on a new framework, add data/frameworks/<first>-<last>/ with "
            f"framework.yml (first_year, last_year, title) and its work_areas, outcomes and principles datasets.")


def checklist(year: int, source: int, items: list[tuple[str, str, int | None, list[str]]], cycle: str) -> str:
    lines = [f"# Data checklist for the {year} edition", "",
             f"Scaffolded from the {source} edition: every dataset has its metadata and a CSV header, no values.",
             cycle,
             "",
             "Fill each CSV with the edition's own figures (or fill one workbook: `resultsbook workbook "
             f"{year}`, then `resultsbook import {year} FILE.xlsx`). Every row names its source (an id of",
             "sources.csv): the Results Report, with section and page, or an official release, with publisher,",
             "title, date and address in sources.csv and no page. Leave out what no source states; never copy",
             "last year's values.",
             "A text column a reader sees has its Spanish beside it (`<column>_es`): write it too, or the Spanish",
             "book shows the English and says so (its gap ledger names the column).",
             f"Then run `resultsbook validate --year {year}` and `resultsbook gaps --year {year}`, which lists",
             "every gap page by page.",
             "",
             "Below, per dataset, the rows the pages look for, by key, from the fullest earlier edition (with the",
             "label and unit that stay from year to year). Tick a row when it is filled; for a row this edition",
             "leaves out, write why after `left out:` (for reviewers; readers see only that the figure is missing).",
             ""]
    for name, title, edition, rows in items:
        lines.append(f"## [ ] `{name}.csv`: {title}")
        lines.append("")
        if edition is not None and rows:
            lines.append(f"Rows of the {edition} edition:")
            lines.append("")
        lines += [f"- [ ] {r} — left out: " for r in rows] or ["- (no key rows: fill as the report presents them)"]
        lines.append("")
    return "\n".join(lines)
