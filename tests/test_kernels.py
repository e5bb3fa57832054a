"""Real Jupyter kernels: the build's notebooks behave as in JupyterLab, stop at the timeout, stop on Ctrl-C, and
their cached pages go stale when any input they used changes (editions, data, removed files)."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from conftest import REPO, run_cli, tree_state
from test_pipeline import build, statuses

PROBE = [  # what differs between a kernel and a plain shell
    "print('A')\ndisplay('B')\nprint('C')",
    "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.title('no magic: shown by the inline backend');",
    "%matplotlib inline\nplt.figure()\nplt.bar([1, 2], [3, 4]);",
    "h = display('first', display_id=True)\nh.update('second')",
    "from IPython.display import clear_output\nprint('gone')\nclear_output()\nprint('kept')",
    "import sys\nprint('to stderr', file=sys.stderr)\n'last value'",
    "1 / 0",
]


def probe_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in PROBE]
    nbformat.write(nb, path)
    return path


def outputs(path: Path) -> list:
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cells.append([{k: v for k, v in o.items() if k != "metadata" or v} for o in cell.outputs])
    return cells


def test_the_probe_notebook_runs_exactly_as_stock_papermill_and_ipykernel(tmp_path, monkeypatch):
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from helpers.execute import run_notebook, start_kernel, stop_kernel
    from helpers.kernels import KernelServer

    monkeypatch.delenv("MPLBACKEND", raising=False)  # as in JupyterLab
    probe = probe_notebook(tmp_path / "probe.ipynb")
    with pytest.raises(PapermillExecutionError):
        pm.execute_notebook(str(probe), str(tmp_path / "stock.ipynb"), kernel_name="python3", progress_bar=False)
    server = KernelServer(REPO / "src")
    try:
        km = start_kernel(server.address, tmp_path / "kernel.log", dict(os.environ), tmp_path)
        assert type(km.provisioner).__name__ == "ForkedProvisioner"
        with pytest.raises(PapermillExecutionError):
            run_notebook(probe, tmp_path / "ours.ipynb", {}, km=km, timeout=60)
        stop_kernel(km)
    finally:
        server.stop()
    # the honest fallback: with no kernel server, kernels start the usual way and give the same outputs
    gone = tmp_path / "no-server.sock"
    Path(f"{gone}.failed").touch()  # what a server that could not start leaves
    km = start_kernel(str(gone), tmp_path / "kernel.log", dict(os.environ), tmp_path)
    with pytest.raises(PapermillExecutionError):
        run_notebook(probe, tmp_path / "fallback.ipynb", {}, km=km, timeout=60)
    stop_kernel(km)
    stock, ours = outputs(tmp_path / "stock.ipynb"), outputs(tmp_path / "ours.ipynb")
    assert ours == stock
    assert outputs(tmp_path / "fallback.ipynb") == stock
    # and the probe shows the kernel semantics themselves
    assert [o.get("text") or o["data"]["text/plain"] for o in ours[0]] == ["A\n", "'B'", "C\n"]
    assert any("image/png" in o.get("data", {}) for o in ours[1]) and any("image/png" in o.get("data", {}) for o in ours[2])
    assert [o["data"]["text/plain"] for o in ours[3]] == ["'second'"]
    assert [o["text"] for o in ours[4]] == ["kept\n"]
    assert [o["output_type"] for o in ours[6]] == ["error"] and len(ours[6]) == 1


def with_cell(book: Path, name: str, source: str, position: int | None = None) -> None:
    path = book / "book" / name
    nb = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell(source)
    nb.cells.insert(len(nb.cells) if position is None else position, cell)
    nbformat.write(nb, path)


def set_timeout(book: Path, seconds: int) -> None:
    config = book / "_config.yml"
    text = config.read_text()
    config.write_text(text.replace('execute:\n', f'execute:\n  timeout: {seconds}\n', 1))


def test_a_cell_past_the_timeout_fails_the_build_naming_notebook_cell_and_timeout(minibook):
    build(minibook, "--year", "2030")
    before = tree_state(minibook / "_build/2030/html")
    set_timeout(minibook, 3)
    with_cell(minibook, "beta.ipynb", "import time\ntime.sleep(900)", position=2)
    started = time.monotonic()
    done = run_cli(minibook, "build", "--no-progress", "--year", "2030")
    assert time.monotonic() - started < 60
    assert done.returncode == 1, done.stdout + done.stderr
    assert "book/beta.ipynb failed at cell 3: timed out" in done.stdout
    assert "execute.timeout (3 s in _config.yml)" in done.stdout
    assert "Traceback" not in done.stderr
    assert tree_state(minibook / "_build/2030/html") == before  # the last good book stays


def test_a_bad_timeout_is_refused(minibook):
    set_timeout(minibook, 0)
    done = run_cli(minibook, "build", "--no-progress", "--year", "2030")
    assert done.returncode == 2 and "execute.timeout" in done.stderr and "_config.yml" in done.stderr


def _build_processes(book: Path) -> list:
    """The build's processes still alive: the command, its workers, the kernel server, and any kernel (a kernel
    runs in the folder of its notebook)."""
    import psutil

    found = []
    for proc in psutil.process_iter(["cmdline", "cwd"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        ours = str(book) in cmdline and ("helpers.kernels" in cmdline or "helpers.cli" in cmdline)
        if ours or (proc.info["cwd"] or "").startswith(str(book)):
            found.append(proc)
    return found


def test_ctrl_c_stops_the_whole_build_promptly_and_keeps_the_last_book(minibook):
    build(minibook, "--year", "2030")
    before = tree_state(minibook / "_build/2030/html")
    with_cell(minibook, "beta.ipynb", "import time\ntime.sleep(900)", position=2)
    env = {k: v for k, v in os.environ.items() if k != "RESULTSBOOK_ROOT"}
    proc = subprocess.Popen([sys.executable, "-m", "helpers.cli", "build", "--no-progress", "--year", "2030"],
                            cwd=minibook, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    log = minibook / "_build/2030/logs/kernels.log"
    while time.monotonic() < deadline and not (log.is_file() and "kernel" in log.read_text(errors="replace")):
        time.sleep(0.2)
    time.sleep(2)  # beta is sleeping in its kernel by now
    proc.send_signal(signal.SIGINT)  # to the main process alone, as `kill -INT` would
    started = time.monotonic()
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - started < 15
    assert proc.returncode == 130 and "interrupted" in err, out + err
    time.sleep(0.5)
    assert _build_processes(minibook) == []  # no worker, kernel server or kernel left behind
    assert tree_state(minibook / "_build/2030/html") == before


def test_kernels_started_during_validation_run_nothing_and_are_stopped_when_the_data_is_bad(minibook):
    """The kernels of the first notebooks start while the data is validated: bad data still exits 2 before any
    notebook runs, and leaves no kernel (nor any other process of the build) behind."""
    build(minibook, "--year", "2030")
    before = tree_state(minibook / "_build/2030/html")
    ran = minibook / "alpha-ran.txt"
    with_cell(minibook, "alpha.ipynb", f"open({str(ran)!r}, 'w').write('ran')")
    values = minibook / "data/2030/values.csv"
    values.write_text(values.read_text(encoding="utf-8") + "not,a,valid,row,at,all\n", encoding="utf-8")
    done = run_cli(minibook, "build", "--no-progress", "--year", "2030")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "values.csv" in done.stderr and "Traceback" not in done.stderr
    assert not ran.exists()  # the notebook never ran
    assert _build_processes(minibook) == []
    assert tree_state(minibook / "_build/2030/html") == before


def test_a_page_that_lists_editions_is_re_executed_after_new_year(minibook):
    with_cell(minibook, "alpha.ipynb", "from helpers.project import Project, find_root\n"
                                       "print(Project(find_root()).editions())")
    build(minibook, "--year", "2031")
    done = run_cli(minibook, "new-year", "2032")
    assert done.returncode == 0, done.stderr
    again = statuses(build(minibook, "--year", "2031").stdout)
    assert again["book/alpha.ipynb"] == "executed" and again["book/beta.ipynb"] == "cached"


def test_removed_content_leaves_the_published_book_and_its_search(minibook):
    extra = minibook / "data/2030/notes.txt"
    extra.write_text("a file published with the data\n")
    with_cell(minibook, "alpha.ipynb", "print('zanzibarquux')")
    build(minibook, "--year", "2030")
    html = minibook / "_build/2030/html"
    assert (html / "data/2030/notes.txt").is_file()
    assert "zanzibarquux" in (html / "searchindex.js").read_text()
    extra.unlink()
    nb_path = minibook / "book/alpha.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells = [c for c in nb.cells if "zanzibarquux" not in c.source]
    nbformat.write(nb, nb_path)
    build(minibook, "--year", "2030")
    assert not (html / "data/2030/notes.txt").exists()
    assert "zanzibarquux" not in (html / "searchindex.js").read_text()
    assert "zanzibarquux" not in (html / "book/alpha.html").read_text()


def test_a_page_that_read_some_rows_depends_on_those_rows_and_the_line_count(tmp_path):
    """The digest of a selection of a CSV changes with the rows selected, not with the others; the line-count
    digest changes when a row is added or removed, not when a value changes."""
    from helpers.inputs import PART, input_digest, input_file, read_inputs, record_lines, record_rows

    data = tmp_path / "figures.csv"
    data.write_text("initiative,statement,value\na,result,1\nb,result,2\nb,foreword,3\n", encoding="utf-8")
    deps = tmp_path / "deps.txt"
    os.environ["RESULTSBOOK_INPUTS_FILE"] = str(deps)
    try:
        record_rows(data, {"initiative": ["b"], "statement": ["foreword"]})
        record_lines(data)
    finally:
        del os.environ["RESULTSBOOK_INPUTS_FILE"]
    keys = sorted(read_inputs(deps, tmp_path))
    assert [input_file(k) for k in keys] == ["figures.csv", "figures.csv"] and all(PART in k for k in keys)
    rows_key = next(k for k in keys if "rows=" in k)
    lines_key = next(k for k in keys if k.endswith("lines"))
    before = {k: input_digest(tmp_path, k) for k in keys}

    data.write_text("initiative,statement,value\na,result,9\nb,result,8\nb,foreword,3\n", encoding="utf-8")
    assert {k: input_digest(tmp_path, k) for k in keys} == before  # other rows' values: still valid
    data.write_text("initiative,statement,value\na,result,9\nb,result,8\nb,foreword,4\n", encoding="utf-8")
    assert input_digest(tmp_path, rows_key) != before[rows_key]  # the row it showed
    assert input_digest(tmp_path, lines_key) == before[lines_key]
    data.write_text("initiative,statement,value\na,result,9\nb,result,8\nb,foreword,3\nc,result,1\n",
                    encoding="utf-8")
    assert input_digest(tmp_path, rows_key) == before[rows_key]
    assert input_digest(tmp_path, lines_key) != before[lines_key]  # a row added: counts may change
    data.unlink()
    assert input_digest(tmp_path, rows_key) is None  # gone: stale
