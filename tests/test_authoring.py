"""Jupyter-native authoring: JupyterLab from the pinned environment, and notebooks in Jupyter's own format."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from conftest import REPO

NOTEBOOKS = sorted((REPO / "book").glob("*.ipynb"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_lab_serves_the_book_folder_with_the_projects_kernel_and_stops():
    port, token = free_port(), "rb-test-token"
    lab = subprocess.Popen(["make", "--no-print-directory", "-C", str(REPO), "lab",
                            f"LAB_ARGS=--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        def get(path: str):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}?token={token}", timeout=5) as response:
                return json.loads(response.read())

        deadline = time.time() + 120
        while True:
            try:
                contents = get("/api/contents")
                break
            except OSError:
                if lab.poll() is not None or time.time() > deadline:
                    raise AssertionError(f"JupyterLab did not answer: {lab.stdout.read()}") from None
                time.sleep(0.5)
        names = {item["name"] for item in contents["content"]}
        assert {"chapter_1.ipynb", "work_area.ipynb", "about.md"} <= names, names  # the book's folder is the root
        specs = get("/api/kernelspecs")
        kernel = specs["kernelspecs"][specs["default"]]["spec"]
        assert Path(kernel["argv"][0]).resolve().parent == (REPO / ".venv/bin").resolve() or \
            kernel["argv"][0] in ("python", "python3"), kernel  # the environment's own interpreter
        assert get("/lab/api/settings") is not None  # JupyterLab itself, not only the server
    finally:
        os.killpg(lab.pid, signal.SIGINT)
        try:
            lab.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait()
    with pytest.raises(ProcessLookupError):  # nothing it started is left
        os.killpg(lab.pid, 0)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.name for n in NOTEBOOKS])
def test_each_committed_notebook_is_in_jupyters_own_format(notebook):
    """Saved by nbformat.write (as JupyterLab saves), a committed notebook comes back byte for byte: the suite and
    the build read the format Jupyter writes (``make notebooks`` rewrites them so)."""
    nb = nbformat.read(notebook, as_version=4)
    nbformat.validate(nb)
    assert nbformat.writes(nb) + "\n" == notebook.read_text(encoding="utf-8"), f"{notebook.name}: run make notebooks"


def test_nbstripout_finds_no_output_to_strip_in_committed_notebooks(tmp_path):
    """The pinned nbstripout (the git filter the README installs) would change nothing; and it does find outputs."""
    with_output = tmp_path / "with_output.ipynb"
    cell = nbformat.v4.new_code_cell("1", execution_count=3)
    cell.outputs = [nbformat.v4.new_output("stream", text="x")]
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), with_output)
    done = subprocess.run([sys.executable, "-m", "nbstripout", "--dry-run", "--keep-id", str(with_output),
                           *map(str, NOTEBOOKS)], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines() == [f"Dry run: would have stripped {with_output}"], done.stdout
