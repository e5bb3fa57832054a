"""Check a whole edition at once: every problem in every dataset, reported together."""

from __future__ import annotations

from .data import Edition
from .errors import InputError
from .project import Project
from .schema import read_meta


def validation_key(project: Project, year: int) -> str:
    """What a validation result depends on: the edition's bytes and the code and packages that check them."""
    from .cache import helpers_location, project_digests
    from .audit_rules import AUDIT_RULES
    from .fingerprint import sha256_bytes, sha256_file, tree_digest

    helpers_digest, requirements_digest = project_digests(project.root, helpers_location(project.root)[0])
    cycle = project.framework_dir(year)
    framework = tree_digest(cycle) if cycle else ""
    rules = project.data_dir / AUDIT_RULES
    audit = sha256_file(rules) if rules.is_file() else ""
    return sha256_bytes(f"{tree_digest(project.year_dir(year))} {framework} {audit} {helpers_digest} "
                        f"{requirements_digest}".encode())


def odd_files(project: Project, year: int) -> list[str]:
    """Links, pipes and devices among the edition's data and its framework cycle's: refused, never read."""
    from .project import not_regular

    folders = [project.year_dir(year)] + [f for f in [project.framework_dir(year)] if f is not None]
    return [f"{p.relative_to(project.root).as_posix()}: is {not_regular(p)}; only regular files inside the "
            "project are read or published (replace it with the file itself)"
            for folder in folders if folder.is_dir() for p in sorted(folder.iterdir()) if not_regular(p)]


def dataset_key(edition: Edition, holder: Edition, name: str, code: str) -> str:
    """What one dataset's validation depends on: its CSV and metadata, the CSVs its columns refer to, the sources
    (provenance rules read them) and the code and packages that check them."""
    from .fingerprint import sha256_bytes, sha256_file
    from .schema import read_meta

    meta_path = holder.folder / f"{name}.yml"
    files = [holder.folder / f"{name}.csv", meta_path]
    sources = edition._owner("sources")
    files.append(sources.folder / "sources.csv")
    try:
        meta = read_meta(meta_path)
    except InputError:
        meta = None  # unreadable: validated (and reported) every time
    if meta is not None:
        for spec in meta.columns.values():
            if spec.references:
                dataset = spec.references.split(".", 1)[0]
                files.append(holder._owner(dataset).folder / f"{dataset}.csv")
    digests = [f"{p}:{sha256_file(p) if p.is_file() else '-'}" for p in files]
    return sha256_bytes("\n".join([code, str(edition.year), *digests]).encode()) if meta is not None else ""


NEAR = 0.85  # how alike a new value must be to a known one to be taken for its typo ('povrety_share')


def stable_values(project: Project, year: int, column: str) -> set[str]:
    """Every value ``column`` holds in the other editions and the framework cycles, in datasets that declare it
    stable; a file that cannot be read adds nothing (its own edition's validation names it)."""
    import pandas as pd

    folders = [project.year_dir(y) for y in project.editions() if y != year]
    folders += sorted(p for p in (project.data_dir / "frameworks").glob("*") if p.is_dir())
    known: set[str] = set()
    for folder in folders:
        for meta_path in sorted(folder.glob("*.yml")):
            csv = meta_path.with_suffix(".csv")
            try:
                spec = read_meta(meta_path).columns.get(column)
                if spec is None or not spec.stable or not csv.is_file():
                    continue
                known |= set(pd.read_csv(csv, usecols=[column], dtype=str, keep_default_na=False)[column].str.strip())
            except (InputError, ValueError, OSError, pd.errors.ParserError):
                continue
    known.discard("")
    return known


def vocabulary_warnings(project: Project, year: int) -> list[str]:
    """A value of a stable column (a report section, an indicator key) that no other edition uses but that is
    close to one that does: most likely a typo, whose row would silently leave its page. Said once per value,
    with its first row and the nearest known value; a value unlike any known one is new, and not warned."""
    import difflib

    import pandas as pd

    edition, warnings, pools = Edition(year, project.root), [], {}
    for holder, name in edition.holders():
        if holder is not edition:
            continue  # the framework cycle's own data is checked with its own vocabulary
        meta, path = holder.meta(name), holder.folder / f"{name}.csv"
        stable = [c for c, spec in meta.columns.items() if spec.stable]
        if not stable or not path.is_file():
            continue
        try:
            frame = pd.read_csv(path, usecols=lambda c: c in stable, dtype=str, keep_default_na=False)
        except (ValueError, OSError, pd.errors.ParserError):
            continue  # the validation names the file
        for column in frame.columns:
            known = pools.setdefault(column, stable_values(project, year, column))
            if not known:
                continue
            lowered = {k.lower(): k for k in known}
            cells = frame[column].str.strip()
            here = set(cells)
            for value in dict.fromkeys(v for v in cells if v and v not in known):
                near = lowered.get(value.lower())  # the same words in other capitals: never meant
                if near is None:
                    near = next(iter(difflib.get_close_matches(value, known, 1, NEAR)), None)
                    if near is None or near in here:
                        continue  # new; or beside the value it resembles, a sibling (underemployment, unemployment)
                rows = [int(i) + 1 for i in cells.index[cells == value]]
                more = f" and {len(rows) - 1} more row(s)" if len(rows) > 1 else ""
                warnings.append(f"{holder.display(path)}, row {rows[0]} (line {rows[0] + 1}){more}, column "
                                f"'{column}': value '{value}' is in no other edition; did you mean '{near}'? "
                                "(a value that is new is fine; --strict counts this warning as an error)")
    return warnings


def validate_edition(project: Project, year: int, use_cache: bool = False, warnings: list[str] | None = None,
                     strict: bool = False) -> int:
    """Validate every dataset of ``year``; returns how many were checked, or raises InputError (exit 2).
    ``warnings`` receives what is likely a mistake but may be right (``vocabulary_warnings``); ``strict`` makes
    them problems.

    With ``use_cache`` (the build), a folder already validated with the same code is not checked again, and in a
    folder that changed only the datasets whose inputs changed (``dataset_key``) are checked again.
    """
    import json

    odd = odd_files(project, year)
    if odd:  # checked before any cache: a link or a pipe may leave the folder's digest unchanged
        raise InputError(f"data/{year} is not valid: {len(odd)} problem(s)", odd)
    marker = project.build_dir / "cache" / str(year) / "validated.key"
    per_dataset = marker.with_name("validated-datasets.json")
    key = validation_key(project, year) if use_cache else ""
    likely = vocabulary_warnings(project, year)  # outside the cache: it depends on the other editions too
    if warnings is not None and not strict:
        warnings += likely
    refused = likely if strict else []
    if use_cache and marker.is_file() and marker.read_text().strip() == key and not refused:
        return len(list(project.year_dir(year).glob("*.yml")))
    edition = Edition(year, project.root)
    problems: list[str] = []
    names = edition.names()
    # the edition's datasets, and those of the framework cycle it uses (unless the edition overrides them)
    holders = [edition] + ([edition.framework] if edition.framework is not None else [])
    for holder in holders:
        orphans = sorted(p.name for p in holder.folder.glob("*.csv") if p.stem not in holder.names())
        problems += [f"{holder.display(holder.folder / o)}: no metadata file beside it; expected "
                     f"{o[:-4]}.yml with title, description and columns" for o in orphans]
    code = ""
    previous: dict[str, str] = {}
    if use_cache:
        from .cache import helpers_location, project_digests

        code = " ".join(project_digests(project.root, helpers_location(project.root)[0]))
        try:
            previous = json.loads(per_dataset.read_text())
        except (OSError, ValueError):
            previous = {}
    valid: dict[str, str] = {}
    for holder, name in edition.holders():
        ident = holder.display(holder.folder / name)
        dataset = dataset_key(edition, holder, name, code) if use_cache else ""
        if dataset and previous.get(ident) == dataset:
            valid[ident] = dataset  # validated before with these bytes and this code
            continue
        try:
            holder.check(name)  # in chunks: a large file is validated without being held whole
            valid[ident] = dataset
        except InputError as exc:
            problems += exc.problems or [str(exc)]
    from .audit_rules import rule_problems

    problems += rule_problems(project, year)  # the audit's rules are data too: checked before any kernel starts
    problems += refused
    problems = list(dict.fromkeys(problems))  # a metadata file several datasets read is reported once
    if problems:  # nothing is recorded: bad data leaves no trace in the build folder
        raise InputError(f"data/{year} is not valid: {len(problems)} problem(s)", problems)
    if use_cache:
        marker.parent.mkdir(parents=True, exist_ok=True)
        per_dataset.write_text(json.dumps({k: v for k, v in valid.items() if v}, indent=1, sort_keys=True) + "\n")
        marker.write_text(key + "\n")
    return len(names)
