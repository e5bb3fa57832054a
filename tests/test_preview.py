"""``resultsbook preview``: start it, edit a prose cell, see the served page change, stop it with Ctrl-C and find no
process it started still running."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import nbformat
import psutil


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what}")


def test_preview_serves_rebuilds_on_a_saved_cell_and_stops_everything_on_ctrl_c(minibook):
    env = {**os.environ}
    env.pop("RESULTSBOOK_ROOT", None)
    preview = subprocess.Popen([sys.executable, "-m", "helpers.cli", "preview", "--year", "2030", "--port", "0"],
                               cwd=minibook, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    started: list = []
    try:
        def serving():
            line = preview.stdout.readline()
            lines.append(line)
            return re.search(r"at (http://127\.0\.0\.1:\d+/)", line)

        base = wait_for(serving, 120, "the preview serving").group(1)
        assert base.startswith("http://127.0.0.1:")  # loopback only
        page = get(base + "book/alpha.html")
        assert "Alpha 2030" in page and "__preview__/state" in page  # the reload script is in every page
        version = json.loads(get(base + "__preview__/state"))["version"]

        nb_path = minibook / "book/alpha.ipynb"
        nb = nbformat.read(nb_path, as_version=4)
        prose = next(c for c in nb.cells if c.cell_type == "markdown")
        prose.source += "\n\nA sentence saved while the preview ran."
        nbformat.write(nb, nb_path)
        wait_for(lambda: "A sentence saved while the preview ran." in get(base + "book/alpha.html"), 60,
                 "the edited sentence in the served page")
        state = json.loads(get(base + "__preview__/state"))
        assert state["version"] != version and state["error"] == ""  # an open page reloads on this change

        started = psutil.Process(preview.pid).children(recursive=True)
        assert started, "the preview keeps a warm kernel server"
    finally:
        preview.send_signal(signal.SIGINT)
        try:
            preview.wait(timeout=60)
        finally:
            preview.kill()
    rest = preview.stdout.read()
    assert preview.returncode == 0 and "preview stopped" in rest, rest
    assert "Traceback" not in "".join(lines) + rest
    alive = [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert alive == [], f"still running after Ctrl-C: {alive}"
