"""Data is never code: text from CSV or YAML reaches the page as text, only regular files are read or published,
and no fault (a truncated cache entry, a kill during Sphinx, leftovers) blocks the next build."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import COPY_IGNORE, FULL_EDITION, REPO, run_cli

PAYLOADS = (REPO / "tests/fixtures/payloads/payloads.txt").read_text(encoding="utf-8")
TEMPLATE, HTML_PAYLOAD = PAYLOADS.splitlines()[0], PAYLOADS.splitlines()[1]
YEAR = FULL_EDITION


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    rows[row][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """A project copy whose 2022 data carries every payload in CSV text and in a YAML title and description."""
    root = tmp_path_factory.mktemp("hostile") / "p"
    shutil.copytree(REPO, root, ignore=COPY_IGNORE)
    for year in [y for y in os.listdir(root / "data") if y.isdigit() and int(y) != YEAR]:
        shutil.rmtree(root / "data" / year)
    one_line = " ".join(PAYLOADS.split("\n"))
    data = root / "data" / str(YEAR)
    set_cell(data / "stories.csv", 1, "summary", one_line)            # an outcome section (Markdown built by code)
    set_cell(data / "glossary.csv", 1, "meaning", one_line)           # an HTML table
    set_cell(data / "strategic_areas.csv", 1, "focus", TEMPLATE)      # a bullet list
    set_cell(data / "indicators.csv", 1, "label", HTML_PAYLOAD)       # glued prose, tables and a chart
    meta = (data / "glossary.yml").read_text(encoding="utf-8")
    meta = meta.replace("title: ", f"title: {json.dumps(TEMPLATE + ' ' + HTML_PAYLOAD)}\nold_title: ", 1)
    (data / "glossary.yml").write_text(meta.replace("old_title:", "# was:"), encoding="utf-8")
    done = run_cli(root, "build", "--no-progress", "--year", str(YEAR), timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def test_no_payload_runs(hostile):
    assert not list(hostile.rglob("MARKER"))
    for page in (hostile / f"_build/{YEAR}/html").rglob("*.html"):
        raw = page.read_text(encoding="utf-8")
        soup = BeautifulSoup(raw, "html.parser")
        assert not soup.select("#pwned-rst, #pwned-raw"), page
        for script in soup.find_all("script"):
            assert "PWNED" not in script.get_text(), page
        assert not soup.select("img[onerror]"), page


def test_payloads_show_as_the_text_they_are(hostile):
    html = hostile / f"_build/{YEAR}/html/book"
    def text(name):  # as a reader sees it, Sphinx's typographic quotes turned back into straight ones
        soup = BeautifulSoup((html / name).read_text(encoding="utf-8"), "html.parser")
        return " ".join(soup.get_text(" ").split()).translate(str.maketrans("\u2018\u2019\u201c\u201d", "''\"\""))
    work_area = text("work_area_1.html") + text("work_area_2.html") + text("work_area_3.html") + text("work_area_4.html")
    assert "{{ 7*7 }}" in work_area and "<script>document.title='PWNED-SCRIPT'</script>" in work_area
    assert "{eval-rst}" in work_area and "```{raw} html" in work_area
    assert "{{ 7*7 }}" in text("glossary.html") and "<img src=x" in text("glossary.html")
    assert "<script>" in text("at_a_glance.html")
    assert "{{ 7*7 }}" in text("data_dictionary.html") and "<script>" in text("data_dictionary.html")


def test_a_chart_label_with_dollars_is_text(tmp_path):
    from helpers import charts
    import pandas as pd

    frame = pd.DataFrame({"label": ["$5 to $10 {x}", "b"], "value": [3.0, 1.0]})
    chart = charts.bar(frame, "label", "value", title="t", unit="count", source="s", dataset="d", year=YEAR)
    assert "$5 to $10 {x}" in [t.get_text() for t in chart.figure.axes[0].get_yticklabels()]


@pytest.fixture
def copy_2022(tmp_path) -> Path:
    root = tmp_path / "p"
    shutil.copytree(REPO, root, ignore=COPY_IGNORE)
    return root


@pytest.mark.parametrize("kind", ["symlink", "pipe"])
def test_links_and_pipes_in_data_are_refused_and_never_published(copy_2022, kind):
    done = run_cli(copy_2022, "build", "--no-progress", "--year", str(YEAR))
    assert done.returncode == 0, done.stderr
    before = {p: p.read_bytes() for p in (copy_2022 / f"_build/{YEAR}/html").rglob("*.html")}
    target = copy_2022 / f"data/{YEAR}/extra.csv"
    if kind == "symlink":
        target.symlink_to("/etc/passwd")
    else:
        os.mkfifo(target)
    done = run_cli(copy_2022, "build", "--no-progress", "--year", str(YEAR), timeout=120)
    assert done.returncode == 2
    assert f"data/{YEAR}/extra.csv: is a {'symbolic link' if kind == 'symlink' else 'named pipe'}" in done.stderr
    assert "Traceback" not in done.stderr
    assert {p: p.read_bytes() for p in (copy_2022 / f"_build/{YEAR}/html").rglob("*.html")} == before
    assert not (copy_2022 / f"_build/{YEAR}/html/data/{YEAR}/extra.csv").exists()


def test_a_truncated_cache_entry_is_executed_again(copy_2022):
    assert run_cli(copy_2022, "build", "--no-progress", "--year", str(YEAR)).returncode == 0
    executed = copy_2022 / f"_build/cache/{YEAR}/book__glossary.ipynb"
    executed.write_bytes(executed.read_bytes()[: executed.stat().st_size // 2])
    done = run_cli(copy_2022, "build", "--no-progress", "--year", str(YEAR))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "book/glossary.ipynb" in done.stdout and "executed" in done.stdout.split("book/glossary.ipynb")[1][:40]
    json.loads(executed.read_text(encoding="utf-8"))


# A Sphinx extension for the test below: when RB_TEST_WRITING is set, it marks that file once Sphinx has written
# a page and holds the next one, so that the build is killed in the middle of Sphinx's write phase however fast the
# machine (a fixed delay after Sphinx started measured nothing once incremental builds took less than it).
HOLD_WRITES = """
import os, time
from pathlib import Path

def setup(app):
    written = []

    def hold(app, pagename, templatename, context, doctree):
        flag = os.environ.get("RB_TEST_WRITING")
        written.append(pagename)
        if flag and len(written) == 2:
            Path(flag).touch()
            time.sleep(120)

    app.connect("html-page-context", hold)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
"""


def test_a_kill_during_sphinx_leaves_the_book_and_the_next_build_succeeds(copy_2022, tmp_path):
    extension = tmp_path / "ext"
    extension.mkdir()
    (extension / "hold_writes.py").write_text(HOLD_WRITES, encoding="utf-8")
    config = copy_2022 / "_config.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  extra_extensions:\n", "  extra_extensions:\n    - hold_writes\n"), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(extension)]))
    assert run_cli(copy_2022, "build", "--no-progress", "--year", str(YEAR), env=env).returncode == 0
    html = copy_2022 / f"_build/{YEAR}/html"
    before = {p: p.read_bytes() for p in html.rglob("*.html")}
    glossary = copy_2022 / f"data/{YEAR}/glossary.csv"
    glossary.write_text(glossary.read_text(encoding="utf-8").replace("Spanish Agency", "Spanish agency"),
                        encoding="utf-8")
    writing = tmp_path / "writing"
    build = subprocess.Popen([sys.executable, "-m", "helpers.cli", "build", "--no-progress", "--year", str(YEAR)],
                             cwd=copy_2022, env=dict(env, RB_TEST_WRITING=str(writing)), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while not writing.exists() and build.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    assert writing.exists(), "the build never reached Sphinx's write phase"
    assert (copy_2022 / f"_build/.sphinx/{YEAR}/.sphinx-running").exists()
    os.killpg(build.pid, signal.SIGKILL)
    build.wait()
    assert {p: p.read_bytes() for p in html.rglob("*.html")} == before  # the last good book
    done = run_cli(copy_2022, "build", "--no-progress", "--year", str(YEAR), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Spanish agency" in (html / "book/glossary.html").read_text(encoding="utf-8")
    assert not list((copy_2022 / "_build/.staging").glob(f"{YEAR}-*"))  # the killed build's staging is gone
    assert not list((copy_2022 / f"_build/cache/{YEAR}").glob(".run-*"))


def test_new_year_leaves_nothing_behind_when_it_fails(copy_2022):
    (copy_2022 / f"data/{YEAR}/glossary.yml").write_text("title: [unclosed", encoding="utf-8")
    done = run_cli(copy_2022, "new-year", "2041", "--from", str(YEAR))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert not (copy_2022 / "data/2041").exists() and not (copy_2022 / "data/.2041.new").exists()


@pytest.mark.parametrize("args,expected", [
    (("build", "--year", "²"), "year '²' is not a year"),
    (("new-year", "2041", "--from", "abc"), "year 'abc' is not a year"),
])
def test_bad_command_line_values_exit_2_without_traceback(copy_2022, args, expected):
    done = run_cli(copy_2022, *args)
    assert done.returncode == 2 and expected in done.stderr and "Traceback" not in done.stderr


def test_environment_failures_exit_1_with_one_line(monkeypatch, capsys, copy_2022):
    import errno

    from helpers import build, cli

    def full_disk(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(copy_2022 / "_build"))

    monkeypatch.chdir(copy_2022)
    monkeypatch.setattr(build, "build", full_disk)
    assert cli.main(["build", "--year", str(YEAR), "--no-progress"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0] and "_build" in err[0]
