"""Check a whole edition at once: every problem in every dataset, reported together."""

from __future__ import annotations

from .data import Edition
from .errors import InputError
from .project import Project


def validate_edition(project: Project, year: int, strict: bool = False) -> int:
    """Validate every dataset of ``year``; returns how many were checked, or raises InputError (exit 2)."""
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
    return len(names)
