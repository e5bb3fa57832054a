"""House rules that hold for the repository itself."""

from __future__ import annotations

import json
import re
import subprocess

from conftest import REPO


def tracked(pattern: str) -> list[str]:
    out = subprocess.run(["git", "-C", str(REPO), "ls-files", pattern], capture_output=True, text=True)
    files = out.stdout.split()
    assert out.returncode == 0 and files, f"no tracked files match {pattern}"
    return files


def test_committed_notebooks_carry_no_outputs():
    dirty = []
    for path in tracked("*.ipynb"):
        nb = json.loads((REPO / path).read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            if cell.get("outputs") or cell.get("execution_count"):
                dirty.append(f"{path} cell {i + 1}")
    assert not dirty, f"strip outputs from: {dirty}"


def test_requirements_are_pinned_exactly():
    lines = [l.strip() for l in (REPO / "requirements.txt").read_text().splitlines()
             if l.strip() and not l.startswith("#")]
    loose = [l for l in lines if not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+\-]+", l)]
    assert not loose, f"not pinned to an exact version: {loose}"
    names = {l.split("==")[0].lower() for l in lines}
    assert {"jupyter-book", "papermill", "pandas", "matplotlib", "seaborn", "pytest", "pandera"} <= names


def test_no_logo_or_emblem_files():
    suspicious = [p for p in tracked("*") if re.search(r"(logo|emblem)", p, re.I)
                  and p.lower().endswith((".png", ".svg", ".jpg", ".jpeg", ".gif", ".ico", ".webp"))]
    assert not suspicious
