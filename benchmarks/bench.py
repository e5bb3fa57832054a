"""Build-speed benchmark: our pipeline against Jupyter Book's own execution, on a copy of the project.

Each time is the median of --runs runs (3 by default); peak memory is sampled in one more cold build, which is
not timed (the sampling takes CPU). Prints the figures and ratios against the targets and writes them to
benchmarks/results.json (or --output).

    make bench                       # the real book, its fullest edition
    python benchmarks/bench.py --project tests/fixtures/minibook --year 2030 --runs 1 --output /tmp/r.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

from helpers.project import Project  # noqa: E402
from helpers.execute import FINISHING_CELL  # noqa: E402
from helpers.pages import edition_pages  # noqa: E402
from helpers.publish import STRICT_FLAGS, staged_config, staged_toc  # noqa: E402
from helpers.i18n import cells_in  # noqa: E402

IGNORE = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", "node_modules", "test-output",
                                ".pytest_cache", "*.egg-info", "_jb")
# Both sides execute in real Jupyter kernels on the same machine, in the same run.
TARGETS = {"cold_vs_jupyterbook": 0.25, "noop_vs_cold": 0.03, "edit_one_vs_cold": 0.25, "edit_data_vs_cold": 0.4,
           "pdf_vs_cold": 1.0}
# In `resultsbook preview`, seconds from saving a notebook to the served page holding the change
PREVIEW_TARGETS = {"preview_prose_s": 1.5, "preview_code_s": 2.5}
VALIDATE_TARGET_MB = 500  # a million-row CSV validated (issue 29)
READING_PAUSE = 3.0  # seconds between a preview's rebuilt page and the next save (its next Sphinx starts meanwhile)
RSS_TARGET_MB = 1024


class PeakRSS:
    """Peak memory of a process and all its descendants, sampled every 50 ms: the sum of their resident sets
    (RSS: pages shared by forked kernels are counted once per process) and of their proportional sets (PSS: each
    shared page split between the processes sharing it, so the sum is the memory actually used)."""

    def __init__(self, pid: int):
        self.root, self.peak, self.peak_pss, self._stop = psutil.Process(pid), 0, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
                rss = pss = 0
                for p in procs:
                    try:
                        full = p.memory_full_info()
                        rss, pss = rss + full.rss, pss + getattr(full, "pss", full.rss)
                    except psutil.Error:
                        pass
                self.peak, self.peak_pss = max(self.peak, rss), max(self.peak_pss, pss)
            except psutil.Error:
                pass
            time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def timed(command: list[str], cwd: Path, env: dict | None = None, measure_rss: bool = False) -> tuple[float, float]:
    """(seconds, (peak RSS, peak PSS) in MB) of a command; fails loudly if it fails."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    peak = (0.0, 0.0)
    if measure_rss:
        with PeakRSS(proc.pid) as rss:
            out, _ = proc.communicate()
        peak = (rss.peak / 2**20, rss.peak_pss / 2**20)
    else:
        out, _ = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed ({' '.join(command)}):\n{out[-3000:]}")
    return seconds, peak


def build_command(year: int, *extra: str) -> list[str]:
    # English only: the figures compare with Jupyter Book building the same (English) pages
    return [sys.executable, "-m", "helpers.cli", "build", "--lang", "en", "--year", str(year), "--no-progress", *extra]


def jupyterbook_source(project: Path, year: int) -> Path:
    """The same book for Jupyter Book's own execution: committed notebooks, `execute_notebooks: force`."""
    source = project / "_jb" / "src"
    shutil.rmtree(project / "_jb", ignore_errors=True)
    source.mkdir(parents=True)
    config = staged_config(Project(project), year)
    config["execute"]["execute_notebooks"] = "force"
    config["execute"]["timeout"] = 600
    (source / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    pages = edition_pages(Project(project), year)
    (source / "_toc.yml").write_text(staged_toc(Project(project), pages))
    shutil.copytree(project / "book", source / "book", ignore=shutil.ignore_patterns("*.ipynb"))
    for page in pages:  # each page in English with its parameters, as papermill would inject them
        nb = cells_in(json.loads((project / page.notebook).read_text(encoding="utf-8")), "en")
        for cell in nb["cells"]:
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                injected = {"year": year, "lang": "en", **page.parameters}
                cell["source"] = "\n".join(f"{k} = {v!r}" for k, v in injected.items())
        # the pipeline's last cell, which every page of ours ends with (see helpers.execute)
        nb["cells"].append({**FINISHING_CELL,
                            "source": FINISHING_CELL["source"].format(notebook=str(project / page.notebook))})
        (source / page.rel).write_text(json.dumps(nb), encoding="utf-8")
    shutil.copytree(project / "data" / str(year), source / "_extra" / "data" / str(year))
    return source


def fullest_edition(project: Path) -> int:
    """The edition with the most data: the real book at its largest."""
    return max(Project(project).editions(),
               key=lambda y: sum(p.stat().st_size for p in (project / "data" / str(y)).glob("*.csv")))


def edit_notebook(path: Path, run: int) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": f"bench-{run}", "metadata": {},
                        "outputs": [], "source": f"_benchmark_edit = {run}"})
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def edit_data(path: Path, run: int) -> None:
    """Change one file's bytes, as an analyst's edit would: a run marker on the last row's first text column."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header, last = rows[0], rows[-1]
    for i, name in enumerate(header):
        if name in ("label", "meaning", "title", "citation", "description", "summary", "name"):
            last[i] = f"{last[i].split(' [bench')[0]} [bench {run}]"
            break
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def million_rows(dataset: Path, rows: int = 1_000_000) -> Path:
    """The project of ``dataset`` with that CSV grown to ``rows`` rows (its first row repeated, each with a key of
    its own in the first key column); returns the project's root."""
    import csv

    from helpers.schema import read_meta

    key = read_meta(dataset.with_suffix(".yml")).primary_key[0]
    lines = list(csv.reader(dataset.open(encoding="utf-8", newline="")))
    header, first = lines[0], lines[1]
    at = header.index(key)
    with dataset.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerows(lines)
        for n in range(rows - len(lines) + 1):
            out.writerow([f"{first[i]}-bench-{n}" if i == at else v for i, v in enumerate(first)])
    return dataset.parents[2]


class Preview:
    """``resultsbook preview`` running on the copy, on a free port, until closed (Ctrl-C, as a user stops it)."""

    def __init__(self, project: Path, year: int, env: dict):
        import re
        import signal

        self.signal = signal.SIGINT
        self.process = subprocess.Popen([sys.executable, "-m", "helpers.cli", "preview", "--year", str(year),
                                         "--port", "0"], cwd=project, env={**os.environ, **env},
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in self.process.stdout:
            found = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
            if found:
                self.base = found.group(1)
                break
        else:
            raise SystemExit("benchmark step failed: the preview did not start")
        threading.Thread(target=self.process.stdout.read, daemon=True).start()  # keep its pipe drained

    def get(self, path: str) -> str:
        import urllib.request

        with urllib.request.urlopen(self.base + path, timeout=30) as response:
            return response.read().decode()

    def version(self) -> int:
        return json.loads(self.get("__preview__/state"))["version"]

    def time_edit(self, notebook: Path, page: str, run: int, prose: bool) -> float:
        """Save one cell of the notebook; seconds until the served page shows the saved prose (a prose edit) or
        until the rebuilt book is served (a code edit that shows nothing)."""
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        marker = f"Benchmark sentence {run}-{time.time_ns()}."
        for cell in nb["cells"]:
            tags = cell.get("metadata", {}).get("tags", [])
            if prose and cell["cell_type"] == "markdown" and "lang-es" not in tags:
                cell["source"] = "".join(cell["source"]) + f"\n\n{marker}\n"
                break
            if not prose and cell["cell_type"] == "code" and "parameters" not in tags:
                cell["source"] = "".join(cell["source"]) + f"\n_benchmark_edit = {run}\n"
                break
        time.sleep(READING_PAUSE)  # an analyst reads the page before saving again; the preview gets Sphinx ready
        before = self.version()
        started = time.perf_counter()
        notebook.write_text(json.dumps(nb, indent=1), encoding="utf-8")
        while (marker not in self.get(page)) if prose else self.version() == before:
            if time.perf_counter() - started > 120:
                raise SystemExit(f"benchmark step failed: the preview did not show the edit of {notebook.name}")
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        while self.version() == before:  # the page is published just before the build ends: let it end
            time.sleep(0.01)
        return seconds

    def close(self) -> None:
        self.process.send_signal(self.signal)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, default=REPO)
    parser.add_argument("--year", type=int)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    parser.add_argument("--notebook", help="notebook to edit (default: the last one in _toc.yml)")
    parser.add_argument("--dataset", help="data file to edit (default: the largest CSV of the edition)")
    parser.add_argument("--validate-rows", type=int, default=1_000_000,
                        help="rows of the large CSV whose validation is measured (default: a million)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="resultsbook-bench-") as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(args.project.resolve(), project, ignore=IGNORE)
        year = args.year or fullest_edition(project)
        pages = edition_pages(Project(project), year)
        notebooks = [p.rel for p in pages]
        notebook = project / (args.notebook or pages[-1].notebook.as_posix())
        dataset = project / "data" / str(year) / (args.dataset or max(
            (p.name for p in (project / "data" / str(year)).glob("*.csv")),
            key=lambda n: (project / "data" / str(year) / n).stat().st_size))
        env = {"PYTHONPATH": str(REPO / "src")}
        runs = range(args.runs)
        results: dict[str, float] = {}
        samples: dict[str, list[float]] = {}  # every run's time: the machine's speed drifts; medians hide it

        cold = []
        for _ in runs:
            shutil.rmtree(project / "_build", ignore_errors=True)
            cold.append(timed(build_command(year), project, env)[0])
        results["cold_s"], samples["cold_s"] = median(cold), cold
        # memory in one more cold build, not timed: reading every process's memory maps every 50 ms takes CPU
        shutil.rmtree(project / "_build", ignore_errors=True)
        _, (peak_rss, peak_pss) = timed(build_command(year), project, env, measure_rss=True)
        results["peak_rss_mb"] = round(peak_rss, 1)
        results["peak_pss_mb"] = round(peak_pss, 1)

        noop = [timed(build_command(year), project, env)[0] for _ in runs]
        results["noop_s"], samples["noop_s"] = median(noop), noop
        edit_times = []
        for run in runs:
            edit_notebook(notebook, run)
            edit_times.append(timed(build_command(year), project, env)[0])
        results["edit_one_s"], samples["edit_one_s"] = median(edit_times), edit_times
        data_times = []
        for run in runs:
            edit_data(dataset, run)
            data_times.append(timed(build_command(year), project, env)[0])
        results["edit_data_s"], samples["edit_data_s"] = median(data_times), data_times

        # the time --pdf adds: the book unchanged, its HTML up to date, the PDF made from it (target: <= cold)
        chromium = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
        if chromium.is_file():
            pdf_times = []
            for _ in runs:
                timed(build_command(year), project, env)  # the plain book, without the PDF
                pdf_times.append(timed(build_command(year, "--pdf"), project, env)[0])
            results["pdf_s"], samples["pdf_s"] = median(pdf_times), pdf_times

        preview = Preview(project, year, env)
        try:
            page = next(p for p in pages if p.notebook == notebook.relative_to(project)).rel.with_suffix(".html")
            for key, prose in (("preview_prose_s", True), ("preview_code_s", False)):
                times = [preview.time_edit(notebook, page.as_posix(), run, prose) for run in runs]
                results[key], samples[key] = median(times), times
        finally:
            preview.close()

        # what `make book` runs once set up: both languages, each with its PDF
        if chromium.is_file():
            # (a project written in English only, such as the test fixture, has one language to build)
            languages = "all" if any((project / "book").glob("*.es.md")) else "en"
            whole = [sys.executable, "-m", "helpers.cli", "build", "--pdf", "--year", str(year), "--no-progress",
                     "--lang", languages]
            book_cold, book_noop = [], []
            for _ in runs:
                shutil.rmtree(project / "_build", ignore_errors=True)
                book_cold.append(timed(whole, project, env)[0])
                book_noop.append(timed(whole, project, env)[0])
            results["make_book_cold_s"], samples["make_book_cold_s"] = median(book_cold), book_cold
            results["make_book_noop_s"], samples["make_book_noop_s"] = median(book_noop), book_noop

        # a million-row CSV validated (issue 29: bounded memory): the largest dataset repeated, keys kept unique
        original = dataset.read_bytes()
        try:
            seconds, (peak, _) = timed([sys.executable, "-m", "helpers.cli", "validate", "--year", str(year)],
                                       million_rows(dataset, args.validate_rows), env, measure_rss=True)
        finally:
            dataset.write_bytes(original)  # Jupyter Book's own run below reads the edition as it is
        results["validate_1m_rows_s"], results["validate_1m_rows_peak_mb"] = seconds, round(peak, 1)

        jb_times = []
        jb = Path(sys.executable).with_name("jupyter-book")
        for _ in runs:
            source = jupyterbook_source(project, year)
            command = [str(jb), "build", str(source), "--path-output", str(project / "_jb" / "out"), "--builder",
                       "html", *STRICT_FLAGS]
            jb_times.append(timed(command, project, {**env, "RESULTSBOOK_ROOT": str(project)})[0])
        results["jupyterbook_s"], samples["jupyterbook_s"] = median(jb_times), jb_times

    ratios = {
        "cold_vs_jupyterbook": round(results["cold_s"] / results["jupyterbook_s"], 3),
        "noop_vs_cold": round(results["noop_s"] / results["cold_s"], 3),
        "edit_one_vs_cold": round(results["edit_one_s"] / results["cold_s"], 3),
        "edit_data_vs_cold": round(results["edit_data_s"] / results["cold_s"], 3),
    }
    if "pdf_s" in results:
        ratios["pdf_vs_cold"] = round(results["pdf_s"] / results["cold_s"], 3)
    report = {**results, "ratios": ratios, "samples": {k: [round(v, 3) for v in vs] for k, vs in samples.items()},
              "runs": args.runs, "year": year, "notebooks": len(notebooks),
              "cores": os.cpu_count(), "edited_notebook": notebook.relative_to(project).as_posix(),
              "edited_dataset": dataset.relative_to(project).as_posix()}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")

    print(f"Benchmark of the {year} book: {len(notebooks)} notebooks, {os.cpu_count()} cores, "
          f"median of {args.runs} run(s)")
    for key in ("cold_s", "jupyterbook_s", "noop_s", "edit_one_s", "edit_data_s", "pdf_s", "preview_prose_s",
                "preview_code_s", "make_book_cold_s", "make_book_noop_s"):
        shown = f"{results[key]:>9.2f} s" if key in results else "  not measured (no Chromium)"
        if len(samples.get(key, [])) > 1:
            shown += f"   (runs {min(samples[key]):.2f}-{max(samples[key]):.2f} s)"
        if key in PREVIEW_TARGETS:
            target = PREVIEW_TARGETS[key]
            shown += f"   (target <= {target} s: {'met' if results[key] <= target else 'MISSED'})"
        print(f"  {key:<18}{shown}")
    print(f"  {'validate_1m_rows':<16}{results['validate_1m_rows_s']:>9.2f} s   peak {results['validate_1m_rows_peak_mb']:.1f} MB "
          f"(target <= {VALIDATE_TARGET_MB:.0f} MB: "
          f"{'met' if results['validate_1m_rows_peak_mb'] <= VALIDATE_TARGET_MB else 'MISSED'})")
    print(f"  {'peak_rss_mb':<16}{results['peak_rss_mb']:>9.1f} MB   (summed RSS; target <= {RSS_TARGET_MB:.0f} MB: "
          f"{'met' if results['peak_rss_mb'] <= RSS_TARGET_MB else 'MISSED'})")
    print(f"  {'peak_pss_mb':<16}{results['peak_pss_mb']:>9.1f} MB   (summed PSS: shared pages counted once)")
    for key, value in ratios.items():
        target = TARGETS.get(key)
        verdict = "" if target is None else f"   (target <= {target}: {'met' if value <= target else 'MISSED'})"
        print(f"  {key:<22}{value:>7.3f}{verdict}")
    print(f"Written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
