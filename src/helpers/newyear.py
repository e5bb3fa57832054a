"""``resultsbook new-year``: scaffold an edition's data folder from an earlier one (structure, no values)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import yaml

from .build import resolve_year
from .errors import InputError
from .project import Project, read_yaml


def new_year(project: Project, year: int, source_year: int | None = None) -> Path:
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
    for meta_path in sorted(src_dir.glob("*.yml")):
        meta = read_yaml(meta_path)
        meta["edition"] = year
        (staging / meta_path.name).write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=110),
                                              encoding="utf-8")
        csv_path = meta_path.with_suffix(".csv")
        header = next(csv.reader(csv_path.open(encoding="utf-8"))) if csv_path.is_file() else list(meta["columns"])
        rows_before = max(0, sum(1 for _ in csv_path.open(encoding="utf-8")) - 1) if csv_path.is_file() else 0
        with (staging / csv_path.name).open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerow(header)
        items.append((meta_path.stem, meta.get("title", meta_path.stem), rows_before))
    (staging / "CHECKLIST.md").write_text(checklist(year, source, items), encoding="utf-8")
    staging.rename(target)  # the new folder appears complete or not at all
    return target


def checklist(year: int, source: int, items: list[tuple[str, str, int]]) -> str:
    lines = [f"# Data checklist for the {year} edition", "",
             f"Scaffolded from the {source} edition: every dataset has its metadata and a CSV header, no values.",
             "Fill each CSV from the new report, with the section, page and original source of every row, then run",
             f"`resultsbook validate --year {year}` and `resultsbook build --year {year} --strict` (which lists every gap).",
             "", "| Done | Dataset | Title | Rows in the previous edition |", "|---|---|---|---:|"]
    lines += [f"| [ ] | `{name}.csv` | {title} | {rows} |" for name, title, rows in items]
    return "\n".join(lines) + "\n"
