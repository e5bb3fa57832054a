"""The benchmark script runs end to end on the fixture book (no timing is asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import FIXTURE, REPO

KEYS = {"cold_s", "jupyterbook_s", "noop_s", "edit_one_s", "edit_data_s", "peak_rss_mb"}


def test_benchmark_script_writes_every_figure(tmp_path):
    output = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench.py"), "--project", str(FIXTURE),
                           "--year", "2030", "--runs", "1", "--output", str(output)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(output.read_text())
    assert KEYS <= set(results)
    assert all(results[k] > 0 for k in KEYS)
    assert set(results["ratios"]) >= {"cold_vs_jupyterbook", "noop_vs_cold", "edit_one_vs_cold"}
    for key in KEYS:
        assert key in done.stdout
