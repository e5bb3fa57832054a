"""Content fingerprints: what decides whether a notebook's earlier execution is still valid."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def tree_digest(folder: Path, pattern: str = "*") -> str:
    """One digest over the names and bytes of every file under ``folder`` (sorted, so stable)."""
    h = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts):
            h.update(path.relative_to(folder).as_posix().encode())
            h.update(b"\0")
            h.update(sha256_file(path).encode())
    return h.hexdigest()


def notebook_execution_digest(nb: dict, prose_keys: list[str]) -> str:
    """Digest of what executing a notebook depends on, ignoring outputs and run counters: every code and raw cell
    (type, source, tags), each Markdown cell's place and tags, and ``prose_keys``, the glue keys its Markdown
    refers to (``page.finish`` glues those the code did not).

    The words of the prose are not in it: an execution is reused after a prose edit, with the edited Markdown
    put in (``helpers.cache.ExecutionCache.take_prose``). A notebook re-saved with outputs keeps its digest."""
    cells = [
        {
            "type": cell.get("cell_type"),
            "source": None if cell.get("cell_type") == "markdown" else cell_text(cell),
            "tags": sorted(cell.get("metadata", {}).get("tags", [])),
        }
        for cell in nb.get("cells", [])
    ]
    return sha256_bytes(json.dumps({"cells": cells, "prose_keys": prose_keys}, sort_keys=True).encode())


def cell_text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source
