"""``resultsbook new-year``: scaffold an edition's data folder from an earlier one (structure, no values)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import yaml

from .errors import InputError
from .project import Project, read_yaml


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
            items.append((meta_path.stem, meta.get("title", meta_path.stem), expected_rows(meta_path)))
        (staging / "CHECKLIST.md").write_text(checklist(year, source, items), encoding="utf-8")
        staging.rename(target)  # the new folder appears complete or not at all
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def expected_rows(meta_path: Path) -> list[str]:
    """The keys of the rows the previous edition had: the rows this edition's pages will look for."""
    meta = read_yaml(meta_path)
    keys = list(meta.get("primary_key") or [])
    csv_path = meta_path.with_suffix(".csv")
    if not keys or not csv_path.is_file():
        return []
    with csv_path.open(encoding="utf-8") as fh:
        return list(dict.fromkeys(", ".join(f"{k}={row.get(k, '')}" for k in keys if row.get(k))
                                  for row in csv.DictReader(fh)))


def checklist(year: int, source: int, items: list[tuple[str, str, list[str]]]) -> str:
    lines = [f"# Data checklist for the {year} edition", "",
             f"Scaffolded from the {source} edition: every dataset has its metadata and a CSV header, no values.",
             "The Cooperation Framework's structure (work areas, outcomes, principles) comes from its cycle in",
             "data/frameworks/ and is not repeated here.",
             "",
             "Fill each CSV with the edition's own figures. Every row names its source (an id of sources.csv): the",
             "Results Report, with section and page, or an official release, with publisher, title, date and",
             "address in sources.csv and no page. Leave out what no source states; never copy last year's values.",
             "A text column a reader sees has its Spanish beside it (`<column>_es`): write it too, or the Spanish",
             "book shows the English and says so (its gap ledger names the column).",
             f"Then run `resultsbook validate --year {year}` and `resultsbook gaps --year {year}`, which lists",
             "every gap page by page. Rows the previous edition had, by key (the pages look for these):", ""]
    for name, title, rows in items:
        lines.append(f"## [ ] `{name}.csv`: {title}")
        lines.append("")
        lines += [f"- [ ] {r}" for r in rows] or ["- (no key rows: fill as the report presents them)"]
        lines.append("")
    return "\n".join(lines)
