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


def _helpers_imports() -> dict[str, set[str]]:
    """Each helpers module and the helpers modules it imports (at the top or inside functions)."""
    import ast

    folder = REPO / "src" / "helpers"
    names = {p.stem for p in folder.glob("*.py")}
    graph = {}
    for path in folder.glob("*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                found |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers."):
                found.add(node.module.split(".")[1])
        graph[path.stem] = found & names - {path.stem}
    return graph


def test_no_import_cycle_between_helpers_modules():
    graph = _helpers_imports()
    cycles = []

    def visit(module, path):
        for dep in sorted(graph.get(module, ())):
            if dep in path:
                cycles.append(" -> ".join(path[path.index(dep):] + [dep]))
            elif len(path) < len(graph):
                visit(dep, path + [dep])

    for module in sorted(graph):
        visit(module, [module])
    assert not cycles, sorted(set(cycles))[:5]
    assert graph["inputs"] <= {"fingerprint"}  # the contract with kernels depends on nothing else


def test_environment_wiring_is_named_in_one_place():
    """Names of the environment variables the build sets for the processes it starts live in helpers.inputs."""
    offenders = []
    for path in (REPO / "src" / "helpers").glob("*.py"):
        if path.name == "inputs.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"[\"']RESULTSBOOK_[A-Z_]+[\"']", line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert not offenders, offenders
