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


def notebook_source_digest(path: Path) -> str:
    """Digest of a notebook's cells (type, source, tags), ignoring outputs and run counters.

    A notebook re-saved with outputs, or with other kernel metadata, keeps its digest;
    any change to its code, prose or cell tags changes it.
    """
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [
        {
            "type": cell.get("cell_type"),
            "source": "".join(cell.get("source", [])) if isinstance(cell.get("source"), list) else cell.get("source", ""),
            "tags": sorted(cell.get("metadata", {}).get("tags", [])),
        }
        for cell in nb.get("cells", [])
    ]
    return sha256_bytes(json.dumps(cells, sort_keys=True).encode())
