"""Run the book's notebooks with papermill, in parallel, reusing still-valid executions.

Each notebook runs in a real Jupyter kernel (ipykernel) through papermill's standard nbclient engine, as it would in
JupyterLab; kernels are forked from a warm kernel server (``helpers.kernels``). ``execute.timeout`` in _config.yml
bounds each cell, as in Jupyter Book.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
import traceback as tb
from dataclasses import dataclass
from pathlib import Path

from .cache import CacheRecord, ExecutionCache, ExecutionInputs, execution_settings_digest
from .inputs import input_digest, kernel_environment, read_inputs

AHEAD = 2  # kernels started ahead of their notebooks (see KernelSupply): 3 measured no faster, and each holds memory

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
    kept: Path | None = None  # the failed notebook, with the outputs it produced


@dataclass(frozen=True)
class Job:
    root: Path
    notebook_rel: Path  # the notebook executed
    page_rel: Path  # the page it makes (a template makes several; see helpers.pages)
    parameters: tuple  # (name, value) pairs injected besides the year
    year: int
    static_key: str
    timeout: int | None = None  # seconds a cell may run (execute.timeout)


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


def _execute_job(job: Job, kernels: "KernelSupply") -> Outcome:
    """Execute one notebook (in a worker thread) in a fresh kernel, store the result in the cache."""
    from papermill.exceptions import PapermillExecutionError

    rel = job.page_rel.as_posix()
    cache = ExecutionCache(job.root, job.year, dict(job.parameters)["lang"])
    cache.folder.mkdir(parents=True, exist_ok=True)
    source = job.root / job.notebook_rel
    fd, out_name = tempfile.mkstemp(prefix=".run-", suffix=".ipynb", dir=cache.folder)
    os.close(fd)
    out_path = Path(out_name)
    run_source = _with_finishing_cell(source, cache.folder)
    start = time.perf_counter()
    km = deps_file = None
    try:
        km, deps_file = kernels.take(source.parent)
        run_notebook(run_source, out_path, {"year": job.year, **dict(job.parameters)}, km=km, timeout=job.timeout)
    except Exception as exc:  # a cell raised or timed out, the kernel did not start or died, ...
        kept = _keep_failed_copy(job, out_path)
        executed = _read_notebook(kept)
        if isinstance(exc, PapermillExecutionError):
            running, error, trace = exc.cell_index, f"{exc.ename}: {exc.evalue}", "\n".join(exc.traceback)
        else:
            running, error, trace = _running_cell(executed, str(exc)), failure_cause(exc, job.timeout), tb.format_exc()
        cell, src = _source_cell_position(executed, running) if running is not None else (None, "")
        return Outcome(rel, "failed", time.perf_counter() - start, cell=cell, cell_source=src,
                       error=error, traceback=trace, kept=kept if executed.get("cells") else None)
    finally:
        if km is not None:
            kernels.release(km)
        data_rel = read_inputs(deps_file, job.root) if deps_file else set()
        if deps_file:
            deps_file.unlink(missing_ok=True)
        run_source.unlink(missing_ok=True)
    seconds = time.perf_counter() - start
    nb = present_notebook(json.loads(out_path.read_text(encoding="utf-8")))
    # compact: json's C encoder writes it (with an indent, the pure-Python encoder takes several times longer)
    out_path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    data_files = {r: input_digest(job.root, r) for r in sorted(data_rel)}
    cache.store(job.page_rel, out_path, CacheRecord(job.static_key, data_files, round(seconds, 3)))
    return Outcome(rel, "executed", seconds, data_files=data_files)


def failure_cause(exc: BaseException, timeout: int | None) -> str:
    """What stopped a notebook, naming the setting whose limit was reached when a wait ran out."""
    text = str(exc)
    if type(exc).__name__ == "CellTimeoutError" and "IOPub" in text:
        return (f"the kernel sent no output for {IOPUB_WAIT} s while a cell was finishing (IOPUB_WAIT in "
                f"helpers/execute.py, nbclient's iopub_timeout): the machine may be overloaded")
    if type(exc).__name__ == "CellTimeoutError":
        return f"timed out: a cell ran longer than execute.timeout ({timeout} s in _config.yml)"
    if isinstance(exc, KernelStartError) or "didn't respond in" in text:
        from .kernels import KERNEL_START_WAIT  # imported already: a kernel was asked for

        return (f"the kernel did not start within {KERNEL_START_WAIT} s (KERNEL_START_WAIT in helpers/kernels.py, "
                f"nbclient's startup_timeout): the machine may be overloaded ({exc.__cause__ or exc})")
    return f"{type(exc).__name__}: {exc}"


class KernelStartError(RuntimeError):
    """No kernel could be started for a notebook."""


# Waits that bound the machinery, not the notebook (execute.timeout bounds a cell). Generous, because a busy machine
# is slow, not broken: nbclient's 4 s IOPub wait failed builds with both cores saturated by other processes.
IOPUB_WAIT = 60  # seconds for a cell's last output after its reply (nbclient's iopub_timeout)


def run_notebook(source: Path, out: Path, parameters: dict, *, km, timeout: int | None) -> None:
    """papermill's standard execution (nbclient, a python3 kernel) of one notebook in the kernel of ``km``.

    The notebook is written to ``out`` once, at the end (papermill's per-cell saving measured 5 s slower on a cold
    build of both languages), and also when execution stops early: it then holds the outputs produced so far.
    Raises what papermill raises."""
    import papermill as pm
    from papermill.engines import papermill_engines
    from papermill.execute import raise_for_execution_errors
    from papermill.iorw import write_ipynb

    from .kernels import KERNEL_START_WAIT

    nb = pm.execute_notebook(str(source), str(out), parameters=parameters, kernel_name="python3",
                             prepare_only=True, progress_bar=False, log_output=False)
    try:
        nb = papermill_engines.execute_notebook_with_engine(
            None, nb, kernel_name="python3", km=km, output_path=None, progress_bar=False, log_output=False,
            execution_timeout=timeout, start_timeout=KERNEL_START_WAIT, iopub_timeout=IOPUB_WAIT)
    finally:
        write_ipynb(nb, str(out))  # nbclient fills the same notebook object cell by cell
    raise_for_execution_errors(nb, str(out))


def start_kernel(server: str | None, log: Path, env: dict, cwd: Path):
    """A started python3 kernel (forked by the kernel server when there is one) with this environment and folder;
    its own output goes to ``log``."""
    from jupyter_core.utils import run_sync

    from .kernels import kernel_manager

    km = kernel_manager(server, log)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:  # a kernel started the usual way writes here (a forked one opens it itself)
        run_sync(km.start_kernel)(env=env, cwd=str(cwd), stdout=out, stderr=out)
    return km


def stop_kernel(km) -> None:
    """papermill leaves running a kernel it did not start: stop it."""
    from .kernels import stop

    stop(km)


class KernelSupply:
    """Started kernels for the worker threads of one build, each used for one notebook only. While notebooks run,
    up to ``ahead`` more kernels start for the notebooks still waiting, so that a kernel's start-up overlaps
    another notebook's execution; each kernel is started once its notebook is near (memory: every started kernel
    holds its own copy of what it imported)."""

    def __init__(self, root: Path, year: int, server: str | None, waiting: int, ahead: int, workers: int,
                 validated: str | None = None):
        self.root, self.server, self.waiting, self.ahead, self.workers = root, server, waiting, ahead, workers
        self.validated = validated
        self.busy = 0  # workers holding a kernel
        self.log = root / "_build" / str(year) / "logs" / "kernels.log"
        self.started: list[tuple[Path, object, Path]] = []  # (folder, kernel manager, inputs file), not yet taken
        self.live: set = set()  # every kernel started and not yet stopped, to stop them all on Ctrl-C
        self.starting: dict[Path, int] = {}  # kernels being started ahead right now, by folder
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)  # a kernel started ahead is ready (or failed to start)
        self.closed = False

    def prestart(self, folders: list[Path]) -> None:
        """Start a kernel for each of these notebooks' folders now, in the background (``take`` waits for them)."""
        with self.lock:
            for cwd in folders:
                self.starting[cwd] = self.starting.get(cwd, 0) + 1
        for cwd in folders:
            threading.Thread(target=self._launch_ahead, args=(cwd,), daemon=True, name="kernel-ahead").start()

    def _launch(self, cwd: Path):
        fd, name = tempfile.mkstemp(prefix=".run-", suffix=".deps", dir=self.log.parent)
        os.close(fd)
        # what the kernel inherits: where the project is and where to record what the notebook reads
        env = {**os.environ, **kernel_environment(self.root, Path(name), self.validated)}
        try:
            km = start_kernel(self.server, self.log, env, cwd)
        except Exception as exc:
            Path(name).unlink(missing_ok=True)
            raise KernelStartError(f"{type(exc).__name__}: {exc}") from exc
        with self.lock:
            closed = self.closed
            if not closed:
                self.live.add(km)
        if closed:  # the build stopped while this kernel started: it must not outlive the build
            stop_kernel(km)
            Path(name).unlink(missing_ok=True)
            raise RuntimeError("the build stopped")
        return km, Path(name)

    def take(self, cwd: Path):
        """(kernel manager, inputs file) for the next notebook, which runs in ``cwd``. Kernels for the notebooks
        that no idle worker is about to take start ahead, in the background (this notebook does not wait)."""
        with self.lock:
            self.waiting -= 1
            self.busy += 1
            while True:  # a kernel started ahead in this folder: take it, or wait for the one on its way
                found = next((i for i, k in enumerate(self.started) if k[0] == cwd), None)
                if found is not None or not self.starting.get(cwd) or self.closed:
                    break
                self.arrived.wait()
            ready = self.started.pop(found)[1:] if found is not None else None
            later = self.waiting - min(self.waiting, self.workers - self.busy)
            more = max(0, min(self.ahead, later) - len(self.started) - sum(self.starting.values()))
            if more:
                self.starting[cwd] = self.starting.get(cwd, 0) + more
        for _ in range(more):  # most likely in the same folder as this one (the book's pages are in book/)
            threading.Thread(target=self._launch_ahead, args=(cwd,), daemon=True, name="kernel-ahead").start()
        return ready or self._launch(cwd)

    def _launch_ahead(self, cwd: Path) -> None:
        try:
            started = self._launch(cwd)
        except Exception:  # the build stopped, or no kernel could start: a notebook then starts its own
            started = None
        with self.lock:
            self.starting[cwd] -= 1
            if started is not None:
                self.started.append((cwd, *started))
            self.arrived.notify_all()

    def release(self, km) -> None:
        stop_kernel(km)
        with self.lock:
            self.live.discard(km)
            self.busy -= 1

    def stop_all(self) -> None:
        """Stop every kernel still running (Ctrl-C, bad data, a crash) and those started for notebooks that never
        ran. A kernel still starting stops itself once started (``_launch``); this waits for it (the build may exit
        at once after)."""
        from .kernels import KERNEL_START_WAIT  # imported already: a kernel was asked for

        with self.lock:
            self.closed = True
            self.arrived.notify_all()
            self.arrived.wait_for(lambda: not any(self.starting.values()), timeout=KERNEL_START_WAIT + 5)
            kms, self.live = list(self.live), set()
            spare, self.started = self.started, []
        for km in kms:
            stop_kernel(km)
        for _, _, inputs in spare:
            inputs.unlink(missing_ok=True)


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
    finishes (its Markdown names the values the page needs): by its name, as the kernel runs in the notebook's
    folder (the published notebook then names no folder of the machine that built it)."""
    nb = json.loads(source.read_text(encoding="utf-8"))
    nb["cells"].append(dict(FINISHING_CELL, source=FINISHING_CELL["source"].format(notebook=source.name)))
    fd, name = tempfile.mkstemp(prefix=".src-", suffix=".ipynb", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(nb, fh)
    return Path(name)


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


def plan_notebooks(root: Path, year: int, pages: list, *, force: bool, helpers_digest: str,
                   requirements_digest: str, timeout: int | None = None, lang: str = "en") -> tuple[dict[str, Outcome], list[Job]]:
    """(outcomes of the pages whose execution is still valid, jobs for the others). Reads the cache only."""
    cache = ExecutionCache(root, year, lang)
    outcomes: dict[str, Outcome] = {}
    pending: list[Job] = []
    for page in pages:
        rel = page.rel
        injected = {"lang": lang, **page.parameters}
        parameters = {"year": year, **injected}
        key = ExecutionInputs(root / page.notebook, parameters, helpers_digest, requirements_digest,
                              execution_settings_digest(root)).static_key()
        record = None if force else cache.lookup(rel, key)
        if record is not None:
            outcomes[rel.as_posix()] = Outcome(rel.as_posix(), "cached", record.seconds, data_files=record.data_files)
        else:
            pending.append(Job(root, page.notebook, rel, tuple(sorted(injected.items())), year, key, timeout))
    return outcomes, pending


def run_notebooks(root: Path, year: int, pages: list, *, jobs: int, force: bool,
                  helpers_digest: str, requirements_digest: str, src_dir: Path | None,
                  progress: bool = True, timeout: int | None = None, lang: str = "en",
                  server=None, plan: tuple[dict, list] | None = None,
                  kernels: KernelSupply | None = None) -> list[Outcome]:
    """Execute what is out of date, in parallel; return one outcome per page (``helpers.pages.Page``), in ToC order.
    Every notebook gets ``lang`` beside ``year``: the language its helpers write in. ``server``: a kernel server
    the caller started (and stops) ahead of time; without one, one is started here when several notebooks run.
    ``plan``: what ``plan_notebooks`` returned for these arguments, when the caller has it already; ``kernels``:
    the kernels the caller started for that plan's notebooks (``kernel_supply``)."""
    ExecutionCache(root, year, lang).clean_leftovers()
    outcomes, pending = plan or plan_notebooks(root, year, pages, force=force, helpers_digest=helpers_digest,
                                               requirements_digest=requirements_digest, timeout=timeout, lang=lang)
    outcomes = dict(outcomes)
    cache = ExecutionCache(root, year, lang)
    for page in pages:  # a reused execution takes the notebook's current prose
        if page.rel.as_posix() in outcomes:
            cache.take_prose(page.rel, root / page.notebook)
    if pending:
        for outcome in _execute_pending(root, pending, jobs, src_dir, progress, server, kernels):
            outcomes[outcome.notebook] = outcome
    return [outcomes[page.rel.as_posix()] for page in pages]


def kernel_supply(root: Path, pending: list[Job], jobs: int, src_dir: Path | None, server=None,
                  validated: str | None = None) -> KernelSupply:
    """The kernels for ``pending``, those of the first notebooks (one per worker) starting at once in the background.
    ``src_dir``: the project's helpers, first on the kernels' path; ``server``: the build's kernel server, if any;
    ``validated``: the digests of the data the build validates (``helpers.inputs.VALIDATED``), when the kernels
    start before the validation has ended (otherwise they inherit them)."""
    if src_dir is not None and str(src_dir) not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        # the kernels inherit it: the project's own helpers come first on their path
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src_dir), os.environ.get("PYTHONPATH")]))
    workers = max(1, min(jobs, len(pending)))
    year = pending[0].year
    logs = root / "_build" / str(year) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for leftover in logs.glob(".run-*.deps"):  # inputs files of a killed build (one build per edition at a time)
        leftover.unlink(missing_ok=True)
    supply = KernelSupply(root, year, server and server.address, len(pending), ahead=AHEAD, workers=workers,
                          validated=validated)
    supply.prestart([(job.root / job.notebook_rel).parent for job in pending[:workers]])
    return supply


def _execute_pending(root: Path, pending: list[Job], jobs: int, src_dir: Path | None, progress: bool,
                     server=None, kernels: KernelSupply | None = None) -> list[Outcome]:
    """Run the jobs in worker threads, each notebook in its own kernel, forked by one warm kernel server when
    several notebooks share its imports (for one notebook, importing everything first would only cost time).

    Threads, not processes: a worker only drives its kernel (papermill and nbclient wait on messages), so threads
    share one copy of papermill instead of importing it once per process. Ctrl-C stops everything promptly (the
    kernels, the server) and re-raises KeyboardInterrupt."""
    import queue

    from tqdm import tqdm

    from .kernels import KernelServer

    own_server = kernels is None and server is None and len(pending) > 1
    if own_server:
        server = KernelServer(src_dir)  # imports while the first kernels are asked for
    if kernels is None:
        kernels = kernel_supply(root, pending, jobs, src_dir, server)
    workers = kernels.workers
    todo: queue.Queue = queue.Queue()
    done: queue.Queue = queue.Queue()
    for job in pending:
        todo.put(job)

    def work():
        while True:
            try:
                job = todo.get_nowait()
            except queue.Empty:
                return
            try:
                outcome = _execute_job(job, kernels)
            except Exception as exc:  # a fault of the pipeline itself, not of the notebook
                outcome = Outcome(job.page_rel.as_posix(), "failed", 0.0, error=f"{type(exc).__name__}: {exc}",
                                  traceback=tb.format_exc())
            done.put(outcome)

    threads = [threading.Thread(target=work, daemon=True, name=f"notebooks-{i}") for i in range(workers)]
    results: list[Outcome] = []
    try:
        for thread in threads:
            thread.start()
        bar = tqdm(total=len(pending), desc=f"Executing notebooks ({workers} parallel)", unit="nb",
                   disable=not progress)
        while len(results) < len(pending):
            try:
                outcome = done.get(timeout=0.2)  # a timeout, so that Ctrl-C is seen at once
            except queue.Empty:
                continue
            results.append(outcome)
            bar.set_postfix_str(f"{outcome.notebook}: {outcome.status}")
            bar.update(1)
        bar.close()
    finally:  # after the last notebook, or on Ctrl-C: no kernel and no server outlives the build
        kernels.stop_all()
        if own_server:
            server.stop()
    return results
