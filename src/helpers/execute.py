"""Run the book's notebooks with papermill, in parallel, reusing still-valid executions.

Each notebook runs in a real Jupyter kernel (ipykernel) through papermill's standard nbclient engine, as it would in
JupyterLab; kernels are forked from a warm kernel server (``helpers.kernels``). ``execute.timeout`` in _config.yml
bounds each cell, as in Jupyter Book.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import tempfile
import time
import traceback as tb
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from .cache import CacheRecord, ExecutionCache, ExecutionInputs
from .inputs import input_digest, kernel_environment, read_inputs

# Tags the pipeline adds so readers see prose and charts, not plumbing.
HIDDEN_TAGS = {"remove-cell", "remove-input", "hide-cell", "hide-input"}


@dataclass
class Outcome:
    notebook: str  # path relative to the project root
    status: str  # "executed" | "cached" | "failed"
    seconds: float
    data_files: dict[str, str] | None = None
    cell: int | None = None  # 1-based position of the failing cell in the source notebook
    cell_source: str = ""
    error: str = ""  # "ExceptionName: message"
    traceback: str = ""


@dataclass(frozen=True)
class Job:
    root: Path
    notebook_rel: Path  # the notebook executed
    page_rel: Path  # the page it makes (a template makes several; see helpers.pages)
    parameters: tuple  # (name, value) pairs injected besides the year
    year: int
    static_key: str
    src_dir: Path | None  # prepended to the kernel's PYTHONPATH so the project's own helpers are used
    server: str | None = None  # the kernel server's socket (helpers.kernels); None starts kernels the usual way
    timeout: int | None = None  # seconds a cell may run (execute.timeout)
    start_next: bool = False  # more notebooks than workers: start the next kernel while this notebook runs


def present_notebook(nb: dict) -> dict:
    """Hide the injected parameters and every cell's code: the page shows outputs only."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if "injected-parameters" in tags or "parameters" in tags:
            if "remove-cell" not in tags:
                tags.append("remove-cell")
        elif not HIDDEN_TAGS.intersection(tags):
            tags.append("remove-input")  # readers see prose, tables and charts; the code is in the notebook
    return nb


def _source_cell_position(executed: dict, failing_index: int) -> tuple[int, str]:
    """Map papermill's index in the executed notebook to the 1-based cell number in the source notebook."""
    # papermill puts an error banner cell on top of a failed notebook; it was not there when the cell ran
    cells = [c for c in executed.get("cells", [])
             if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])]
    injected = [i for i, c in enumerate(cells) if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
    shift = sum(1 for i in injected if i < failing_index)
    src = cells[failing_index].get("source", "") if 0 <= failing_index < len(cells) else ""
    src = "".join(src) if isinstance(src, list) else src
    return failing_index - shift + 1, src


def execute_job(job: Job) -> dict:
    """Execute one notebook (in a worker process), store the result in the cache, return the outcome as a dict.

    A dict, because the notebook may have re-imported ``helpers`` in this process (see above)."""
    return asdict(_execute_job(job))


def _execute_job(job: Job) -> Outcome:
    rel = job.page_rel.as_posix()
    from .i18n import DEFAULT

    cache = ExecutionCache(job.root, job.year, dict(job.parameters).get("lang", DEFAULT))
    cache.folder.mkdir(parents=True, exist_ok=True)
    source = job.root / job.notebook_rel
    fd, out_name = tempfile.mkstemp(prefix=".run-", suffix=".ipynb", dir=cache.folder)
    os.close(fd)
    out_path = Path(out_name)
    run_source = _with_finishing_cell(source, cache.folder)
    _send_stderr_to(log_path(job))  # papermill's and nbclient's chatter goes to a log, not the terminal
    start = time.perf_counter()
    km, deps_file = _kernel_for(job, cache.folder, source.parent)
    # imported here, as the kernel starts: only workers that execute pay for papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        run_notebook(run_source, out_path, {"year": job.year, **dict(job.parameters)}, cwd=source.parent, km=km,
                     timeout=job.timeout)
    except PapermillExecutionError as exc:
        executed = _read_notebook(_keep_failed_copy(job, out_path))
        cell, src = _source_cell_position(executed, exc.cell_index)
        return Outcome(rel, "failed", time.perf_counter() - start, cell=cell, cell_source=src,
                       error=f"{exc.ename}: {exc.evalue}", traceback="\n".join(exc.traceback))
    except Exception as exc:  # a cell timed out, the kernel died, the notebook is unreadable, ...
        executed = _read_notebook(_keep_failed_copy(job, out_path))
        executed = executed if executed.get("cells") else _read_notebook(run_source)
        running = _running_cell(executed, str(exc))
        cell, src = _source_cell_position(executed, running) if running is not None else (None, "")
        error = f"{type(exc).__name__}: {exc}"
        if type(exc).__name__ == "CellTimeoutError":
            error = f"timed out: a cell ran longer than execute.timeout ({job.timeout} s in _config.yml)"
        return Outcome(rel, "failed", time.perf_counter() - start, cell=cell, cell_source=src,
                       error=error, traceback=tb.format_exc())
    finally:
        stop_kernel(km)
        data_rel = read_inputs(deps_file, job.root)
        deps_file.unlink(missing_ok=True)
        run_source.unlink(missing_ok=True)
    seconds = time.perf_counter() - start
    nb = present_notebook(json.loads(out_path.read_text(encoding="utf-8")))
    out_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    data_files = {r: input_digest(job.root, r) for r in sorted(data_rel)}
    cache.store(job.page_rel, out_path, CacheRecord(job.static_key, data_files, round(seconds, 3)))
    return Outcome(rel, "executed", seconds, data_files=data_files)


def run_notebook(source: Path, out: Path, parameters: dict, *, cwd: Path, km, timeout: int | None) -> None:
    """papermill's standard execution (nbclient, a python3 kernel) of one notebook in the kernel of ``km``.

    The notebook is written once, at the end, rather than after every cell (papermill's default, which costs a
    third of a short notebook's time). Raises what papermill raises."""
    import papermill as pm

    pm.execute_notebook(str(source), str(out), parameters=parameters, kernel_name="python3", km=km, cwd=str(cwd),
                        progress_bar=False, log_output=False, execution_timeout=timeout,
                        request_save_on_cell_execute=False)


def start_kernel(server: str | None, log: Path, env: dict, cwd: Path):
    """A started python3 kernel (forked by the kernel server when there is one) with this environment and folder."""
    from jupyter_core.utils import run_sync

    from .kernels import kernel_manager

    km = kernel_manager(server, log)
    run_sync(km.start_kernel)(env=env, cwd=str(cwd))
    return km


def stop_kernel(km) -> None:
    """papermill leaves running a kernel it did not start: stop it."""
    from .kernels import stop

    stop(km)


_AHEAD: dict = {}  # this worker's kernel for its next notebook, started while the current one runs


def _kernel_for(job: Job, folder: Path, cwd: Path):
    """(kernel manager, inputs file) for this job: the kernel started ahead when it fits, else a new one; then
    start the next one, so its start-up overlaps this notebook's execution. Each notebook still gets a fresh kernel."""
    if job.src_dir is not None and str(job.src_dir) not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(job.src_dir), os.environ.get("PYTHONPATH")]))
    log = job.root / "_build" / str(job.year) / "logs" / "kernels.log"

    def launch():
        fd, name = tempfile.mkstemp(prefix=".run-", suffix=".deps", dir=folder)
        os.close(fd)
        # what the kernel inherits: where the project is and where to record what the notebook reads
        env = {**os.environ, **kernel_environment(job.root, Path(name))}
        return {"km": start_kernel(job.server, log, env, cwd), "inputs": Path(name),
                "fits": (job.root, job.year, job.server, cwd, job.src_dir)}

    ahead = _AHEAD.pop("next", None)
    if ahead is not None and ahead["fits"] != (job.root, job.year, job.server, cwd, job.src_dir):
        stop_kernel(ahead["km"])
        ahead["inputs"].unlink(missing_ok=True)
        ahead = None
    current = ahead or launch()
    if job.start_next:
        _AHEAD["next"] = launch()
    return current["km"], current["inputs"]


def _running_cell(executed: dict, message: str = "") -> int | None:
    """Index of the cell that was running when execution stopped: the one papermill marked, or the one a timeout's
    message quotes (nbclient quotes the cell's source)."""
    cells = [c for c in executed.get("cells", [])
             if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])]
    for index, cell in enumerate(cells):
        if cell.get("metadata", {}).get("papermill", {}).get("status") == "running":
            return index
    for index, cell in enumerate(cells):
        src = "".join(cell.get("source", "")).strip()
        lines = src.split("\n")
        if cell.get("cell_type") == "code" and src and (src in message if len(lines) < 11 else repr(lines[:5]) in message):
            return index
    return None


FINISHING_CELL = {
    "cell_type": "code", "execution_count": None, "outputs": [],
    "id": "resultsbook-finish", "metadata": {"tags": ["remove-cell", "resultsbook-finish"]},
    "source": "from helpers import page as _page\n_page.finish(notebook={notebook!r})",  # formatted per notebook
}


def _with_finishing_cell(source: Path, folder: Path) -> Path:
    """A copy of the notebook with page.finish() as its last cell (hidden from readers), told which notebook it
    finishes (its Markdown names the values the page needs)."""
    nb = json.loads(source.read_text(encoding="utf-8"))
    nb["cells"].append(dict(FINISHING_CELL, source=FINISHING_CELL["source"].format(notebook=str(source))))
    fd, name = tempfile.mkstemp(prefix=".src-", suffix=".ipynb", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(nb, fh)
    return Path(name)


def log_path(job: Job) -> Path:
    return job.root / "_build" / str(job.year) / "logs" / f"{job.page_rel.with_suffix('').as_posix().replace('/', '__')}.log"


def _send_stderr_to(path: Path) -> None:
    """Point this worker's stderr (inherited by the kernel it starts) at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


def _read_notebook(path: Path) -> dict:
    """A notebook's JSON, or no cells when it was never written (papermill writes at the end)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"cells": []}


def _keep_failed_copy(job: Job, out_path: Path) -> Path:
    """Keep the partly executed notebook beside the book for inspection."""
    failed_dir = job.root / "_build" / str(job.year) / "failed"
    failed_dir.mkdir(parents=True, exist_ok=True)
    target = failed_dir / job.page_rel.name
    if out_path.is_file():
        os.replace(out_path, target)
    return target


def run_notebooks(root: Path, year: int, pages: list, *, jobs: int, force: bool,
                  helpers_digest: str, requirements_digest: str, src_dir: Path | None,
                  progress: bool = True, timeout: int | None = None, lang: str = "en") -> list[Outcome]:
    """Execute what is out of date, in parallel; return one outcome per page (``helpers.pages.Page``), in ToC order.
    Every notebook gets ``lang`` beside ``year``: the language its helpers write in."""
    cache = ExecutionCache(root, year, lang)
    cache.clean_leftovers()
    outcomes: dict[str, Outcome] = {}
    pending: list[Job] = []
    for page in pages:
        rel = page.rel
        injected = {"lang": lang, **page.parameters}
        parameters = {"year": year, **injected}
        key = ExecutionInputs(root / page.notebook, parameters, helpers_digest, requirements_digest).static_key()
        record = None if force else cache.lookup(rel, key)
        if record is not None:
            outcomes[rel.as_posix()] = Outcome(rel.as_posix(), "cached", record.seconds, data_files=record.data_files)
        else:
            pending.append(Job(root, page.notebook, rel, tuple(sorted(injected.items())), year, key,
                               src_dir, None, timeout))
    if pending:
        for outcome in _execute_pending(root, pending, jobs, src_dir, progress):
            outcomes[outcome.notebook] = outcome
    return [outcomes[page.rel.as_posix()] for page in pages]


def _execute_pending(root: Path, pending: list[Job], jobs: int, src_dir: Path | None, progress: bool) -> list[Outcome]:
    """Run the jobs in worker processes, each notebook in its own kernel, forked by one warm kernel server when
    several notebooks share its imports (for one notebook, importing everything first would only cost time).

    Ctrl-C stops everything promptly (workers, server, kernels) and re-raises KeyboardInterrupt."""
    from tqdm import tqdm

    from .kernels import KernelServer

    server = KernelServer(src_dir) if len(pending) > 1 else None  # imports while the workers start
    workers = max(1, min(jobs, len(pending)))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    results: list[Outcome] = []
    try:
        # a worker starts its next kernel ahead only when it will have a next notebook
        pending = [replace(job, server=server and server.address, start_next=len(pending) > workers)
                   for job in pending]
        bar = tqdm(total=len(pending), desc=f"Executing notebooks ({workers} parallel)", unit="nb",
                   disable=not progress)
        futures = {pool.submit(execute_job, job): job for job in pending}
        for future in as_completed(futures):
            job = futures[future]
            try:
                outcome = Outcome(**future.result())
            except Exception as exc:  # the worker itself crashed
                outcome = Outcome(job.page_rel.as_posix(), "failed", 0.0,
                                  error=f"{type(exc).__name__}: {exc}", traceback=tb.format_exc())
            results.append(outcome)
            bar.set_postfix_str(f"{outcome.notebook}: {outcome.status}")
            bar.update(1)
        bar.close()
        pool.shutdown()
    except BaseException:  # Ctrl-C or a crash here: stop the workers now rather than wait for their notebooks
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        if server is not None:
            server.stop()  # and with it any kernel still running
    return results
