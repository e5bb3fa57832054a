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


ALERTS = "<img src=x onerror=alert(801)><svg onload=alert(802)></svg>"  # a dialog if ever markup (no quotes:
# Sphinx would make them typographic and the script a syntax error that fires nothing)
PAYLOAD = " ".join(PAYLOADS.split("\n")) + " " + ALERTS
RAW_MARKUP = ("<img src=x onerror", "<svg onload", "<script>document.title")  # what escaped text never holds
FILE_NAME = "glossary<img src=x onerror=alert(803)>"  # a dataset whose file name is a payload
UNCHECKED_BY_TYPE = {"unit": "a code of helpers.units, checked by validation"}


def free_text_columns(meta) -> list[str]:
    """The columns of a dataset that hold free text, from its metadata: strings with no list of allowed values,
    no reference, no pattern, not part of the key (anything else is refused by validation, tested elsewhere)."""
    return [c.name for c in meta.columns.values() if c.type == "string" and not (c.allowed or c.references or c.pattern or c.format
            or c.unique) and c.name not in meta.primary_key and c.name not in UNCHECKED_BY_TYPE
            and not (c.name == "part_of")]  # part_of names another row's metric: a key the metadata cannot declare


def poison_dataset(csv_path: Path, yml_path: Path) -> list[str]:
    """The payload after every free-text cell (empty ones too) and in the dataset's and every column's title and
    description, in both languages. Returns the columns poisoned."""
    import yaml

    from helpers.schema import read_meta

    columns = free_text_columns(read_meta(yml_path))
    if csv_path.is_file():
        rows = list(csv.reader(csv_path.open(encoding="utf-8", newline="")))
        for row in rows[1:]:
            for name in columns:
                if name in rows[0]:
                    i = rows[0].index(name)
                    row[i] = f"{row[i]} {PAYLOAD}".strip()
        with csv_path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    meta = yaml.safe_load(yml_path.read_text(encoding="utf-8"))
    for key in ("title", "title_es", "description", "description_es"):
        if isinstance(meta.get(key), str):
            meta[key] = f"{meta[key]} {PAYLOAD}"
    for spec in (meta.get("columns") or {}).values():
        for key in ("description", "description_es"):
            if isinstance(spec, dict) and isinstance(spec.get(key), str):
                spec[key] = f"{spec[key]} {PAYLOAD}"
    yml_path.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return columns


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """A project copy whose edition carries the payload in every free-text column of every dataset (the edition's
    and its framework cycle's), every title and description of the metadata in both languages, the framework's
    title, and a dataset file name; built in both languages."""
    import yaml

    root = tmp_path_factory.mktemp("hostile") / "p"
    shutil.copytree(REPO, root, ignore=COPY_IGNORE)
    for year in [y for y in os.listdir(root / "data") if y.isdigit() and int(y) != YEAR]:
        shutil.rmtree(root / "data" / year)
    data = root / "data" / str(YEAR)
    for suffix in ("csv", "yml"):
        shutil.copyfile(data / f"glossary.{suffix}", data / f"{FILE_NAME}.{suffix}")
    poisoned = {}
    for folder in [data, *sorted((root / "data/frameworks").iterdir())]:
        for yml in sorted(folder.glob("*.yml")):
            if yml.name == "framework.yml":
                framework = yaml.safe_load(yml.read_text(encoding="utf-8"))
                framework["title"] = f"{framework['title']} {PAYLOAD}"
                yml.write_text(yaml.safe_dump(framework, allow_unicode=True, sort_keys=False), encoding="utf-8")
                continue
            poisoned[yml.stem] = poison_dataset(yml.with_suffix(".csv"), yml)
    assert sum(map(len, poisoned.values())) >= 100, poisoned  # the metadata's free text, not a chosen few
    done = run_cli(root, "build", "--no-progress", "--pdf", "--year", str(YEAR), "--lang", "all", timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def test_each_pdf_prints_the_payload_as_text(hostile):
    """The PDF's HTML (the print document) carried the payload as text: Chromium printed its characters (and
    prints with JavaScript off, so nothing in it could run)."""
    from conftest import require
    from helpers.pdf import pdf_name

    pdftotext = Path(shutil.which("pdftotext") or "/usr/bin/pdftotext")
    require(pdftotext, "pdftotext (poppler-utils)")
    html = hostile / f"_build/{YEAR}/html"
    for pdf in (html / pdf_name(YEAR), html / "es" / pdf_name(YEAR)):
        text = subprocess.run([str(pdftotext), "-raw", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "onerror=alert(801)" in "".join(text.split()), pdf


def published(root: Path):
    return [p for p in (root / f"_build/{YEAR}/html").rglob("*") if p.is_file()]


def test_no_published_page_or_script_holds_the_payload_as_markup(hostile):
    offenders = {}
    for path in published(hostile):
        if path.suffix in (".html", ".js"):
            raw = path.read_text(encoding="utf-8", errors="replace")
            found = [m for m in RAW_MARKUP if m in raw]
            if found:
                offenders[path.relative_to(hostile).as_posix()] = found
    assert not offenders, offenders


def test_no_published_file_names_the_build_machines_folders(hostile):
    folders = {str(hostile), str(hostile.parent), str(REPO)}
    named = [p.relative_to(hostile).as_posix() for p in published(hostile)
             if any(f.encode() in p.read_bytes() for f in folders)]
    assert not named, named


def test_no_dialog_fires_on_any_page_or_search_in_either_language(hostile, browser):
    from conftest import serve

    html = hostile / f"_build/{YEAR}/html"
    server = serve(html)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    dialogs = []
    page = browser.new_page()
    page.on("dialog", lambda d: (dialogs.append((page.url, d.message)), d.dismiss()))
    try:
        pages = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html") if "_static" not in p.parts
                       and 'http-equiv="Refresh"' not in p.read_text(encoding="utf-8"))  # redirects hold no data
        assert any(p.startswith("es/") for p in pages) and len(pages) >= 40
        for name in pages:
            page.goto(f"{base}/{name}", wait_until="load")
        for book in ("", "es/"):  # search results show page and section titles
            for query in ("onerror", "alert", "Glossary", "Work area"):
                page.goto(f"{base}/{book}search.html?q={query}", wait_until="load")
                page.wait_for_timeout(300)
        page.goto(f"{base}/book/glossary.html", wait_until="load")
        page.emulate_media(media="print")  # the print header and the print-only parts
        page.wait_for_timeout(200)
    finally:
        server.shutdown()
    assert not dialogs, dialogs


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


@pytest.mark.parametrize("entry", ["../outside", "book/linked"])
def test_a_toc_entry_outside_the_project_or_a_link_is_refused(copy_2022, entry):
    (copy_2022.parent / "outside.md").write_text("# Outside\n", encoding="utf-8")
    (copy_2022 / "book/linked.md").symlink_to(copy_2022.parent / "outside.md")
    toc = copy_2022 / "_toc.yml"
    text = toc.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.strip() == "- file: book/about")  # beside it, as indented
    toc.write_text(text.replace(line + "\n", f"{line}\n{line.replace('book/about', entry)}\n"), encoding="utf-8")
    done = run_cli(copy_2022, "build", "--no-progress", "--year", str(YEAR), timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"_toc.yml names '{entry}'" in done.stderr and "Traceback" not in done.stderr
    assert not (copy_2022 / f"_build/{YEAR}/html").exists()


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


@pytest.mark.parametrize("variable, value", [("YEAR", "`touch {flag}`2022"), ("YEAR", "$$(touch {flag})"),
                                             ("JOBS", "2; touch {flag}")])
def test_make_never_runs_a_value_as_shell(tmp_path, variable, value):
    """``make validate YEAR=…`` and ``make book JOBS=…`` hand the value to resultsbook as one argument: refused
    (exit 2, named), never executed by the recipe's shell."""
    flag = tmp_path / "ran"
    target = "validate" if variable == "YEAR" else "book"
    done = subprocess.run(["make", "--no-print-directory", "-C", str(REPO), target,
                           f"{variable}={value.format(flag=flag)}"], capture_output=True, text=True, timeout=300)
    assert not flag.exists(), done.stdout + done.stderr
    assert done.returncode != 0
    shown = value.format(flag=flag).replace("$$", "$")
    assert (f"'{shown}' is not a year" in done.stderr if variable == "YEAR"
            else "argument --jobs: invalid int value" in done.stderr), done.stderr


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
