"""Correct under load: a build on a saturated machine succeeds; when a limit is reached, the failure names the setting
whose limit it was and keeps the notebook with the outputs it produced."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from nbclient.exceptions import CellTimeoutError

from conftest import run_cli
from helpers.execute import IOPUB_WAIT, KernelStartError, failure_cause
from helpers.kernels import KERNEL_START_WAIT
from test_pipeline import statuses

BUSY = "while True:\n    pass\n"


@pytest.mark.book
def test_a_forced_build_succeeds_beside_three_busy_processes(project_copy):
    """Both cores saturated by other processes (the machine of the report: load 5 to 19): every notebook runs."""
    busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(3)]
    try:
        done = run_cli(project_copy, "build", "--no-progress", "--force", "--year", "2022", timeout=900)
    finally:
        for process in busy:
            process.kill()
            process.wait()
    assert done.returncode == 0, done.stdout + done.stderr
    found = statuses(done.stdout)
    assert found and set(found.values()) == {"executed"}, done.stdout


def build_with_failing_cell(minibook, failing: str, said: str):
    """Beta with a cell that prints ``said`` and, after it, ``failing``; (the build, the outputs of the copy kept)."""
    nb_path = minibook / "book/beta.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell(f"print({said!r})"))
    nb.cells.insert(3, nbformat.v4.new_code_cell(failing))
    nbformat.write(nb, nb_path)
    done = run_cli(minibook, "build", "--no-progress", "--year", "2030")
    kept = minibook / "_build/2030/failed/beta.ipynb"
    executed = nbformat.read(kept, as_version=4) if kept.is_file() else nbformat.v4.new_notebook()  # never 0 bytes
    return done, [o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs]


def test_a_cell_over_execute_timeout_names_that_setting_and_keeps_its_outputs(minibook):
    config = minibook / "_config.yml"
    config.write_text(config.read_text().replace("execute:\n", "execute:\n  timeout: 2\n", 1))
    done, printed = build_with_failing_cell(minibook, "import time\ntime.sleep(60)", "printed before the wait")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "book/beta.ipynb failed at cell 4: timed out: a cell ran longer than execute.timeout (2 s in _config.yml)" \
        in out
    assert f"the notebook with the outputs it produced: {minibook / '_build/2030/failed/beta.ipynb'}" in out
    assert "printed before the wait\n" in printed


def test_a_kernel_error_keeps_the_outputs_before_it(minibook):
    done, printed = build_with_failing_cell(minibook, "raise ValueError('stop here')", "printed before the error")
    assert done.returncode == 1
    assert "book/beta.ipynb failed at cell 4: ValueError: stop here" in done.stdout
    assert "printed before the error\n" in printed


def test_each_wait_that_runs_out_is_named_for_its_own_setting():
    """nbclient raises the same exception class for a cell's time limit and for its wait for IOPub output; the
    message tells which, and so must ours."""
    cell = nbformat.v4.new_code_cell("x = 1")
    iopub = CellTimeoutError.error_from_timeout_and_cell("Timeout waiting for IOPub output", IOPUB_WAIT, cell)
    assert f"no output for {IOPUB_WAIT} s" in failure_cause(iopub, 120) and "IOPUB_WAIT" in failure_cause(iopub, 120)
    assert "execute.timeout" not in failure_cause(iopub, 120)
    ran_long = CellTimeoutError.error_from_timeout_and_cell("Cell execution timed out", 120, cell)
    assert failure_cause(ran_long, 120) == "timed out: a cell ran longer than execute.timeout (120 s in _config.yml)"
    start = KernelStartError("ConnectionRefusedError: [Errno 111] Connection refused")
    assert f"did not start within {KERNEL_START_WAIT} s (KERNEL_START_WAIT" in failure_cause(start, 120)
    assert "Connection refused" in failure_cause(start, 120)
    not_ready = RuntimeError(f"Kernel didn't respond in {KERNEL_START_WAIT} seconds")  # nbclient's startup_timeout
    assert "KERNEL_START_WAIT" in failure_cause(not_ready, 120)
    assert failure_cause(OSError("disk full"), 120) == "OSError: disk full"
