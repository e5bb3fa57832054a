"""The benchmark script runs end to end on the fixture book (no timing is asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import FIXTURE, REPO

KEYS = {"cold_s", "jupyterbook_s", "noop_s", "edit_one_s", "edit_data_s", "peak_rss_mb", "preview_prose_s",
        "preview_code_s", "make_book_cold_s", "make_book_noop_s", "pdf_s", "validate_1m_rows_s",
        "validate_1m_rows_peak_mb"}


def test_benchmark_script_writes_every_figure(tmp_path):
    output = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench.py"), "--project", str(FIXTURE),
                           "--year", "2030", "--runs", "1", "--output", str(output), "--validate-rows", "20000"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(output.read_text())
    assert KEYS <= set(results)
    assert all(results[k] > 0 for k in KEYS)
    assert set(results["ratios"]) == {"cold_vs_jupyterbook", "noop_vs_cold", "edit_one_vs_cold", "edit_data_vs_cold",
                                      "pdf_vs_cold"}
    for target in ("target <= 0.25", "target <= 0.03", "target <= 0.4", "target <= 1.5 s", "target <= 2.5 s",
                   "target <= 1024 MB", "target <= 500 MB"):
        assert target in done.stdout, target
    for key in KEYS - {"validate_1m_rows_s", "validate_1m_rows_peak_mb"}:
        assert key in done.stdout
    assert "validate_1m_rows" in done.stdout
    assert all(len(results["samples"][k]) == 1 and results["samples"][k][0] > 0 for k in KEYS - {"peak_rss_mb", "validate_1m_rows_s", "validate_1m_rows_peak_mb"})


def test_jupyter_books_side_renders_the_same_english_pages(tmp_path):
    """Jupyter Book's run in the benchmark executes each real page as ours does: English prose only, the language
    injected with the year (a page reads ``lang``; without it the comparison would measure a failing build)."""
    import importlib.util
    import shutil

    from conftest import COPY_IGNORE, FULL_EDITION

    spec = importlib.util.spec_from_file_location("bench", REPO / "benchmarks" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    project = tmp_path / "p"
    shutil.copytree(REPO, project, ignore=COPY_IGNORE)
    source = bench.jupyterbook_source(project, FULL_EDITION)
    notebooks = sorted(source.glob("book/*.ipynb"))
    assert len(notebooks) >= 19
    for path in notebooks:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        tags = [t for c in cells for t in c.get("metadata", {}).get("tags", [])]
        assert "lang-es" not in tags and "lang-en" in tags, path.name
        parameters = "".join(next(c["source"] for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])))
        assert f"year = {FULL_EDITION}" in parameters and "lang = 'en'" in parameters, path.name
