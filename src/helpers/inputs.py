"""The contract between a build and the kernels it starts, named in one place.

A kernel is a separate process; its environment is the one channel Jupyter gives a build to tell it something. The
build tells each kernel where the project is, the digests of the data it validates and where to report what the
notebook reads. The early Sphinx process is told what to do on its standard input (``helpers.sphinx_runner``), and
tells its own Sphinx extension to wait for ``go`` through ``SPHINX_HOLD``.
The helpers report every input a notebook's output depends on: each file read, and each folder listed (the list
of editions, the framework cycles), so the execution cache can tell when a page is stale (``helpers.cache``).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = "RESULTSBOOK_ROOT"  # the project the notebook belongs to
INPUTS = "RESULTSBOOK_INPUTS_FILE"  # where the helpers append the inputs they read
VALIDATED = "RESULTSBOOK_VALIDATED"  # digests of the folders the build validated (the loader then only types)
SPHINX_HOLD = "RESULTSBOOK_SPHINX_HOLD"  # set by helpers.sphinx_runner in its own process for helpers.sphinx_ext
LISTING = "listing:"  # prefix of a folder-listing input, as recorded and as cached
PART = "::"  # between a CSV's path and the part of it a page depends on: its rows where ..., or its line count


def kernel_environment(root: Path, inputs_file: Path, validated: str | None = None) -> dict[str, str]:
    """What a kernel is told: the project, where to report its inputs and, when given, the validated digests."""
    return {ROOT: str(root), INPUTS: str(inputs_file), **({VALIDATED: validated} if validated is not None else {})}


def _record(line: str) -> None:
    target = os.environ.get(INPUTS)
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def record_file(path: Path) -> None:
    """The notebook read this file."""
    _record(str(Path(path).resolve()))


def record_rows(path: Path, where: dict) -> None:
    """The notebook read only the rows of this CSV whose ``column`` holds one of ``values`` (for each item of
    ``where``): its output depends on those rows, not on the others."""
    import json

    selector = json.dumps({column: sorted({str(v).strip() for v in values}) for column, values in where.items()},
                          sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    _record(f"{Path(path).resolve()}{PART}rows={selector}")


def record_lines(path: Path) -> None:
    """The notebook's output depends on how many lines this CSV has (and its header), not on their values."""
    _record(f"{Path(path).resolve()}{PART}lines")


def input_file(key: str) -> str:
    """The file (or folder) a recorded input is about, without the part of it a page read."""
    return key.split(PART, 1)[0]


def record_listing(folder: Path) -> None:
    """The notebook's output depends on which entries this folder holds (not on their contents)."""
    _record(LISTING + str(Path(folder).resolve()))


def read_inputs(inputs_file: Path, root: Path) -> set[str]:
    """The recorded inputs, relative to the root where possible (absolute otherwise, still tracked)."""
    if not inputs_file.is_file():
        return set()
    found = set()
    for line in inputs_file.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        prefix = LISTING if line.startswith(LISTING) else ""
        line, part = (line.split(PART, 1) + [""])[:2]
        suffix = f"{PART}{part}" if part else ""
        path = Path(line[len(prefix):])
        if not line or not (path.is_dir() if prefix else path.is_file()):
            continue
        try:
            found.add(prefix + path.resolve().relative_to(root).as_posix() + suffix)
        except ValueError:
            found.add(prefix + str(path) + suffix)
    return found


def input_digest(root: Path, key: str) -> str | None:
    """sha256 of a recorded input as it is now: a file's bytes, or a folder's sorted entry names; None if gone."""
    from .fingerprint import sha256_bytes, sha256_file

    if key.startswith(LISTING):
        folder = root / key[len(LISTING):]
        if not folder.is_dir():
            return None
        names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
        return sha256_bytes("\n".join(names).encode())
    if PART in key:
        rel, part = key.split(PART, 1)
        path = root / rel
        return _part_digest(path, part) if path.is_file() else None
    path = root / key
    return sha256_file(path) if path.is_file() else None


def _part_digest(path: Path, part: str) -> str:
    """sha256 of the part of a CSV a page read: its header and line count, or its header and the lines of the
    rows selected (a record never spans lines: the loader refuses a quote left open at the end of a line)."""
    import csv
    import json

    from .fingerprint import sha256_bytes

    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    header = lines[0] if lines else ""
    if part == "lines":
        return sha256_bytes(f"{header}\n{len(lines)}".encode())
    where = json.loads(part.removeprefix("rows="))
    names = next(csv.reader([header])) if header else []
    columns = {names.index(c): set(v) for c, v in where.items() if c in names}
    if len(columns) < len(where):  # a column the selection names is gone: no row can match
        return sha256_bytes(header.encode())
    kept = [line for line, fields in zip(lines[1:], csv.reader(lines[1:]))
            if all(i < len(fields) and fields[i].strip() in values for i, values in columns.items())]
    return sha256_bytes("\n".join([header, *kept]).encode())
