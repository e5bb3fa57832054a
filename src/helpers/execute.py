"""Run the book's notebooks with papermill, in parallel, reusing still-valid executions."""

from __future__ import annotations

import json
import multiprocessing
import os
import tempfile
import time
import traceback as tb
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

from .cache import CacheRecord, ExecutionCache, ExecutionInputs
from .data import DEPS_ENV
from .page import NOTEBOOK_ENV
from .project import ROOT_ENV
from .fingerprint import sha256_file

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
    engine: str = "inprocess"  # "inprocess" (see helpers.engine) or "kernel" (a Jupyter kernel per notebook)


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
    import papermill as pm  # imported here: only workers that execute pay for it
    from papermill.exceptions import PapermillExecutionError

    rel = job.page_rel.as_posix()
    cache = ExecutionCache(job.root, job.year)
    cache.folder.mkdir(parents=True, exist_ok=True)
    source = job.root / job.notebook_rel
    fd, out_name = tempfile.mkstemp(prefix=".run-", suffix=".ipynb", dir=cache.folder)
    os.close(fd)
    out_path = Path(out_name)
    deps_file = out_path.with_suffix(".deps")
    os.environ[ROOT_ENV] = str(job.root)
    os.environ[DEPS_ENV] = str(deps_file)
    if job.src_dir is not None:
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(job.src_dir), os.environ.get("PYTHONPATH")]))
        if job.engine == "inprocess":  # the notebook runs in this process: the project's helpers come first
            import sys

            import helpers

            sys.path.insert(0, str(job.src_dir))
            if Path(helpers.__file__).resolve().parent.parent != job.src_dir.resolve():
                for name in [m for m in sys.modules if m == "helpers" or m.startswith("helpers.")]:
                    del sys.modules[name]
    engine_name = None
    if job.engine == "inprocess":
        from .engine import NAME as engine_name
    os.environ[NOTEBOOK_ENV] = str(source)
    run_source = _with_finishing_cell(source, cache.folder)
    _send_stderr_to(log_path(job))  # the kernel's own chatter goes to a log, not the terminal
    start = time.perf_counter()
    try:
        pm.execute_notebook(
            str(run_source), str(out_path), parameters={"year": job.year, **dict(job.parameters)}, kernel_name="python3",
            cwd=str(source.parent), progress_bar=False, log_output=False, engine_name=engine_name,
        )
    except PapermillExecutionError as exc:
        failed = _keep_failed_copy(job, out_path)
        executed = json.loads(failed.read_text(encoding="utf-8")) if failed.is_file() else {"cells": []}
        cell, src = _source_cell_position(executed, exc.cell_index)
        return Outcome(rel, "failed", time.perf_counter() - start, cell=cell, cell_source=src,
                       error=f"{exc.ename}: {exc.evalue}", traceback="\n".join(exc.traceback))
    except Exception as exc:  # kernel died, notebook unreadable, ...
        _keep_failed_copy(job, out_path)
        return Outcome(rel, "failed", time.perf_counter() - start,
                       error=f"{type(exc).__name__}: {exc}", traceback=tb.format_exc())
    finally:
        data_rel = _read_deps(deps_file, job.root)
        deps_file.unlink(missing_ok=True)
        run_source.unlink(missing_ok=True)
    seconds = time.perf_counter() - start
    nb = present_notebook(json.loads(out_path.read_text(encoding="utf-8")))
    out_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    data_files = {r: sha256_file(job.root / r) for r in sorted(data_rel)}
    cache.store(job.page_rel, out_path, CacheRecord(job.static_key, data_files, round(seconds, 3)))
    return Outcome(rel, "executed", seconds, data_files=data_files)


FINISHING_CELL = {
    "cell_type": "code", "execution_count": None, "outputs": [],
    "id": "resultsbook-finish", "metadata": {"tags": ["remove-cell", "resultsbook-finish"]},
    "source": "from helpers import page as _page\n_page.finish()",
}


def _with_finishing_cell(source: Path, folder: Path) -> Path:
    """A copy of the notebook with page.finish() as its last cell (hidden from readers)."""
    nb = json.loads(source.read_text(encoding="utf-8"))
    nb["cells"].append(dict(FINISHING_CELL))
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


def _keep_failed_copy(job: Job, out_path: Path) -> Path:
    """Keep the partly executed notebook beside the book for inspection."""
    failed_dir = job.root / "_build" / str(job.year) / "failed"
    failed_dir.mkdir(parents=True, exist_ok=True)
    target = failed_dir / job.page_rel.name
    if out_path.is_file():
        os.replace(out_path, target)
    return target


def _read_deps(deps_file: Path, root: Path) -> set[str]:
    if not deps_file.is_file():
        return set()
    found = set()
    for line in deps_file.read_text(encoding="utf-8").splitlines():
        path = Path(line.strip())
        if line.strip() and path.is_file():
            try:
                found.add(path.resolve().relative_to(root).as_posix())
            except ValueError:
                found.add(str(path))  # outside the project: still tracked by absolute path
    return found


def _pool(workers: int, engine: str, pending: int) -> ProcessPoolExecutor:
    """Worker processes: with the in-process engine, one fresh process per notebook, forked from a server
    that has the heavy libraries imported already; with kernels, forked workers that each start kernels."""
    if engine == "inprocess":
        from .engine import PRELOAD

        ctx = multiprocessing.get_context("forkserver")
        # pre-importing pays off when many notebooks share it; for a few, each imports only what it uses
        ctx.set_forkserver_preload(PRELOAD if pending > workers else [])
        return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, max_tasks_per_child=1)
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


def run_notebooks(root: Path, year: int, pages: list, *, jobs: int, force: bool,
                  helpers_digest: str, requirements_digest: str, src_dir: Path | None,
                  progress: bool = True, engine: str = "inprocess") -> list[Outcome]:
    """Execute what is out of date, in parallel; return one outcome per page (``helpers.pages.Page``), in ToC order."""
    cache = ExecutionCache(root, year)
    cache.clean_leftovers()
    outcomes: dict[str, Outcome] = {}
    pending: list[Job] = []
    for page in pages:
        rel = page.rel
        parameters = {"year": year, **page.parameters}
        key = ExecutionInputs(root / page.notebook, parameters, helpers_digest,
                              f"{requirements_digest}:{engine}").static_key()
        record = None if force else cache.lookup(rel, key)
        if record is not None:
            outcomes[rel.as_posix()] = Outcome(rel.as_posix(), "cached", record.seconds, data_files=record.data_files)
        else:
            pending.append(Job(root, page.notebook, rel, tuple(sorted(page.parameters.items())), year, key,
                               src_dir, engine))

    if pending:
        from tqdm import tqdm

        os.environ.setdefault("MPLBACKEND", "Agg")  # no display: set before workers, servers and kernels start
        workers = max(1, min(jobs, len(pending)))
        bar = tqdm(total=len(pending), desc=f"Executing notebooks ({workers} parallel)", unit="nb",
                   disable=not progress)
        with _pool(workers, engine, len(pending)) as pool:
            futures = {pool.submit(execute_job, job): job for job in pending}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    outcome = Outcome(**future.result())
                except Exception as exc:  # the worker itself crashed
                    outcome = Outcome(job.page_rel.as_posix(), "failed", 0.0,
                                      error=f"{type(exc).__name__}: {exc}", traceback=tb.format_exc())
                outcomes[outcome.notebook] = outcome
                bar.set_postfix_str(f"{outcome.notebook}: {outcome.status}")
                bar.update(1)
        bar.close()
    return [outcomes[page.rel.as_posix()] for page in pages]
