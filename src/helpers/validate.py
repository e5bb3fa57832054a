"""Check a whole edition at once: every problem in every dataset, reported together."""

from __future__ import annotations

from .data import Edition
from .errors import InputError
from .project import Project


def validation_key(project: Project, year: int) -> str:
    """What a validation result depends on: the edition's bytes and the code and packages that check them."""
    from .build import helpers_location
    from .cache import project_digests
    from .fingerprint import sha256_bytes, tree_digest

    helpers_digest, requirements_digest = project_digests(project.root, helpers_location(project.root)[0])
    return sha256_bytes(f"{tree_digest(project.year_dir(year))} {helpers_digest} {requirements_digest}".encode())


def validate_edition(project: Project, year: int, strict: bool = False, use_cache: bool = False) -> int:
    """Validate every dataset of ``year``; returns how many were checked, or raises InputError (exit 2).

    With ``use_cache`` (the build), a folder already validated with the same code is not checked again.
    """
    marker = project.build_dir / "cache" / str(year) / "validated.key"
    key = validation_key(project, year) if use_cache else ""
    if use_cache and not strict and marker.is_file() and marker.read_text().strip() == key:
        return len(list(project.year_dir(year).glob("*.yml")))
    edition = Edition(year, project.root)
    problems: list[str] = []
    names = edition.names()
    orphans = sorted(p.name for p in edition.folder.glob("*.csv") if p.stem not in names)
    problems += [f"{edition.display(edition.folder / o)}: no metadata file beside it; expected "
                 f"{o[:-4]}.yml with title, description and columns" for o in orphans]
    for name in names:
        try:
            edition.load(name)
        except InputError as exc:
            problems += exc.problems or [str(exc)]
    if problems:
        raise InputError(f"data/{year} is not valid: {len(problems)} problem(s)", problems)
    if strict:
        from .gaps import refuse_gaps

        refuse_gaps(project, year)
    if use_cache:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(key + "\n")
    return len(names)
