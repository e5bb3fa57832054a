"""Check a whole edition at once: every problem in every dataset, reported together."""

from __future__ import annotations

from .data import Edition
from .errors import InputError
from .project import Project


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


def validate_edition(project: Project, year: int, use_cache: bool = False) -> int:
    """Validate every dataset of ``year``; returns how many were checked, or raises InputError (exit 2).

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
    if use_cache and marker.is_file() and marker.read_text().strip() == key:
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
    problems = list(dict.fromkeys(problems))  # a metadata file several datasets read is reported once
    if problems:  # nothing is recorded: bad data leaves no trace in the build folder
        raise InputError(f"data/{year} is not valid: {len(problems)} problem(s)", problems)
    if use_cache:
        marker.parent.mkdir(parents=True, exist_ok=True)
        per_dataset.write_text(json.dumps({k: v for k, v in valid.items() if v}, indent=1, sort_keys=True) + "\n")
        marker.write_text(key + "\n")
    return len(names)
