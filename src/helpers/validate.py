"""Check a whole edition at once: every problem in every dataset, reported together."""

from __future__ import annotations

from .data import Edition
from .errors import InputError
from .project import Project


def validation_key(project: Project, year: int) -> str:
    """What a validation result depends on: the edition's bytes and the code and packages that check them."""
    from .cache import helpers_location, project_digests
    from .fingerprint import sha256_bytes, tree_digest

    helpers_digest, requirements_digest = project_digests(project.root, helpers_location(project.root)[0])
    cycle = project.framework_dir(year)
    framework = tree_digest(cycle) if cycle else ""
    return sha256_bytes(f"{tree_digest(project.year_dir(year))} {framework} {helpers_digest} {requirements_digest}".encode())


def odd_files(project: Project, year: int) -> list[str]:
    """Links, pipes and devices among the edition's data and its framework cycle's: refused, never read."""
    from .project import not_regular

    folders = [project.year_dir(year)] + [f for f in [project.framework_dir(year)] if f is not None]
    return [f"{p.relative_to(project.root).as_posix()}: is {not_regular(p)}; only regular files inside the "
            "project are read or published (replace it with the file itself)"
            for folder in folders if folder.is_dir() for p in sorted(folder.iterdir()) if not_regular(p)]


def validate_edition(project: Project, year: int, use_cache: bool = False) -> int:
    """Validate every dataset of ``year``; returns how many were checked, or raises InputError (exit 2).

    With ``use_cache`` (the build), a folder already validated with the same code is not checked again.
    """
    odd = odd_files(project, year)
    if odd:  # checked before any cache: a link or a pipe may leave the folder's digest unchanged
        raise InputError(f"data/{year} is not valid: {len(odd)} problem(s)", odd)
    marker = project.build_dir / "cache" / str(year) / "validated.key"
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
    for holder, name in edition.holders():
        try:
            holder.load(name)
        except InputError as exc:
            problems += exc.problems or [str(exc)]
    problems = list(dict.fromkeys(problems))  # a metadata file several datasets read is reported once
    if problems:
        raise InputError(f"data/{year} is not valid: {len(problems)} problem(s)", problems)
    if use_cache:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(key + "\n")
    return len(names)
