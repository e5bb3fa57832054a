"""Jupyter-native authoring: JupyterLab from the pinned environment, and notebooks in Jupyter's own format."""

from __future__ import annotations

import contextlib
import json
import re
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from conftest import REPO

NOTEBOOKS = sorted((REPO / "book").glob("*.ipynb"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(command: list[str]):
    """A JupyterLab server started by ``command`` (given --port and the token), answering; stopped, with every
    process it started, on leaving. Yields (get, port): ``get(path)`` reads a JSON API of the server."""
    port, token = free_port(), "rb-test-token"
    lab = subprocess.Popen([arg.format(port=port, token=token) for arg in command], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        def get(path: str):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}?token={token}", timeout=5) as response:
                return json.loads(response.read())

        deadline = time.time() + 120
        while True:
            try:
                get("/api/contents")
                break
            except OSError:
                if lab.poll() is not None or time.time() > deadline:
                    raise AssertionError(f"JupyterLab did not answer: {lab.stdout.read()}") from None
                time.sleep(0.5)
        yield get, f"http://127.0.0.1:{port}", token
    finally:
        os.killpg(lab.pid, signal.SIGINT)
        try:
            lab.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait()
    with pytest.raises(ProcessLookupError):  # nothing it started is left
        os.killpg(lab.pid, 0)


LAB_ARGS = "LAB_ARGS=--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"


def test_make_lab_serves_the_book_folder_with_the_projects_kernel_and_stops():
    with jupyterlab(["make", "--no-print-directory", "-C", str(REPO), "lab", LAB_ARGS]) as (get, _, _token):
        names = {item["name"] for item in get("/api/contents")["content"]}
        assert {"chapter_1.ipynb", "work_area.ipynb", "about.md"} <= names, names  # the book's folder is the root
        specs = get("/api/kernelspecs")
        kernel = specs["kernelspecs"][specs["default"]]["spec"]
        assert Path(kernel["argv"][0]).resolve().parent == (REPO / ".venv/bin").resolve() or \
            kernel["argv"][0] in ("python", "python3"), kernel  # the environment's own interpreter
        assert get("/lab/api/settings") is not None  # JupyterLab itself, not only the server
        extensions = get("/lab/api/extensions")
        assert any(e["name"] == "jupyterlab-celltagsclasses" and e["enabled"] for e in extensions), \
            "the extension that marks cells with their tags (the language switch) is not loaded"


def test_the_language_view_shows_only_in_a_kernel_jupyterlab_started(monkeypatch):
    from helpers import lab
    from helpers.inputs import INPUTS

    monkeypatch.delenv(INPUTS, raising=False)
    monkeypatch.delenv(lab.SESSION, raising=False)
    assert not lab.in_lab()  # papermill or nbclient by hand
    monkeypatch.setenv(lab.SESSION, "chapter_1.ipynb")
    assert lab.in_lab()
    monkeypatch.setenv(INPUTS, "/tmp/x.deps")
    assert not lab.in_lab()  # a build's kernel, even for a build started from a notebook cell
    view = lab.language_view("en")
    assert ".cell-tag-lang-es" in view and ".cell-tag-lang-en" not in view
    assert "data-lang='en'" in view and 'lang = &quot;es&quot;' in view  # the note is text, escaped


@pytest.mark.parametrize("lang,hidden", [("en", "es"), ("es", "en")])
def test_in_jupyterlab_the_lang_parameter_shows_one_languages_prose(tmp_path, browser, lang, hidden):
    """An analyst opens chapter_1 in JupyterLab, sets lang, runs the parameters and setup cells: the other
    language's prose cells disappear from this notebook, its own stay, and the note says how to switch."""
    project = tmp_path / "project"  # a copy: JupyterLab may autosave what the test runs
    for name in ("book", "data"):
        shutil.copytree(REPO / name, project / name)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(REPO / name, project / name)
    notebook = project / "book/chapter_1.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace('lang = "en"', f'lang = "{lang}"')
    nbformat.write(nb, notebook)
    command = [str(REPO / ".venv/bin/jupyter"), "lab", f"--ServerApp.root_dir={project / 'book'}", "--no-browser",
               "--ip=127.0.0.1", "--port={port}", "--IdentityProvider.token={token}", "--allow-root"]
    with jupyterlab(command) as (_, base, token):
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.goto(f"{base}/lab/tree/chapter_1.ipynb?token={token}")
        # keys pressed before the kernel is ready run nothing: wait for it, as an analyst would see "Idle"
        page.locator(".jp-StatusBar-Widget", has_text="| Idle").wait_for(timeout=120_000)
        page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")  # the parameters cell
        page.keyboard.press("Shift+Enter")  # the setup cell
        note = page.locator(f".rb-lab-language[data-lang='{lang}']")
        try:
            note.wait_for(timeout=120_000)
        except Exception:
            page.screenshot(path=str(tmp_path / "lab.png"))
            raise AssertionError(f"no language note; outputs: {page.locator('.jp-OutputArea').all_inner_texts()}; "
                                 f"status: {page.locator('.jp-StatusBar-Widget').all_inner_texts()}; "
                                 f"screenshot {tmp_path / 'lab.png'}") from None
        assert f'lang = "{hidden}"' in note.inner_text()
        shown, gone = page.locator(f".cell-tag-lang-{lang}"), page.locator(f".cell-tag-lang-{hidden}")
        assert shown.count() > 0 and gone.count() > 0  # the extension marked the cells with their tags
        assert shown.first.is_visible() and not gone.first.is_visible()
        page.close()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.name for n in NOTEBOOKS])
def test_each_committed_notebook_is_in_jupyters_own_format(notebook):
    """Saved by nbformat.write (as JupyterLab saves), a committed notebook comes back byte for byte: the suite and
    the build read the format Jupyter writes (``make notebooks`` rewrites them so)."""
    nb = nbformat.read(notebook, as_version=4)
    nbformat.validate(nb)
    assert nbformat.writes(nb) + "\n" == notebook.read_text(encoding="utf-8"), f"{notebook.name}: run make notebooks"


def test_nbstripout_finds_no_output_to_strip_in_committed_notebooks(tmp_path):
    """The pinned nbstripout (the git filter the README installs) would change nothing; and it does find outputs."""
    with_output = tmp_path / "with_output.ipynb"
    cell = nbformat.v4.new_code_cell("1", execution_count=3)
    cell.outputs = [nbformat.v4.new_output("stream", text="x")]
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), with_output)
    done = subprocess.run([sys.executable, "-m", "nbstripout", "--dry-run", "--keep-id", str(with_output),
                           *map(str, NOTEBOOKS)], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines() == [f"Dry run: would have stripped {with_output}"], done.stdout


def test_a_glue_key_misspelt_in_prose_fails_the_build_naming_notebook_cell_and_key(minibook):
    """An analyst's typo is named, with the nearest key the notebook glues; it is never shown to readers as the
    edition's missing data, and the last good book stays."""
    from conftest import run_cli

    assert run_cli(minibook, "build", "--no-progress", "--year", "2030").returncode == 0
    html = minibook / "_build/2030/html/book/alpha.html"
    before = html.read_bytes()
    path = minibook / "book/alpha.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(n for n, c in enumerate(nb.cells, start=1) if c.cell_type == "markdown" and "`widgets`" in c.source)
    nb.cells[cell - 1].source = nb.cells[cell - 1].source.replace("`widgets`", "`widgest`", 1)
    nbformat.write(nb, path)
    done = run_cli(minibook, "build", "--no-progress", "--year", "2030")
    assert done.returncode == 2, done.stdout + done.stderr
    assert (f"book/alpha.ipynb, cell {cell}: {{glue}}`widgest` names a key no cell glues; did you mean 'widgets'?"
            in done.stderr), done.stderr
    assert "Traceback" not in done.stderr and html.read_bytes() == before


def test_a_sphinx_warning_in_a_notebook_names_its_source_cell(minibook):
    from conftest import run_cli

    path = minibook / "book/alpha.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(n for n, c in enumerate(nb.cells, start=1) if c.cell_type == "markdown" and "`widgets`" in c.source)
    nb.cells[cell - 1].source += "\n\nSee {doc}`a-page-that-does-not-exist`."
    nbformat.write(nb, path)
    done = run_cli(minibook, "build", "--no-progress", "--year", "2030")
    assert done.returncode == 1, done.stdout + done.stderr
    import re

    lines = nb.cells[cell - 1].source.count("\n") + 1
    found = re.search(rf"book/alpha\.ipynb, cell {cell}, line (\d+): WARNING: unknown document", done.stderr)
    assert found and 1 <= int(found.group(1)) <= lines + 1, done.stderr  # docutils: the role's paragraph, or after
    assert ".ipynb:" not in done.stderr  # no line number of the executed copy


def _prose(text: str, lang: str):
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": [f"lang-{lang}"]})


def test_lang_check_names_every_breach_of_the_bilingual_convention(tmp_path):
    from conftest import run_cli

    (tmp_path / "_toc.yml").write_text("root: book/index\n", encoding="utf-8")
    (tmp_path / "_config.yml").write_text("title: t\n", encoding="utf-8")
    (tmp_path / "book").mkdir()
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1"),
        _prose("# Poverty\n\nPoverty fell to {glue:text}`poverty_share`.", "en"),               # cell 2
        _prose("# Pobreza\n\nLa pobreza bajó a {glue:text}`povrety_share`.", "es"),             # cell 3
        _prose("It rose with the share of {glue:text}`jobs`.", "en"),                          # cell 4
        _prose("Subió with the share of {glue:text}`jobs`.", "es"),                            # cell 5
        nbformat.v4.new_markdown_cell("Untagged."),                                             # cell 6
        _prose("A last English sentence.", "en"),                                               # cell 7
    ])
    nbformat.write(nb, tmp_path / "book/page.ipynb")
    done = run_cli(tmp_path, "lang-check")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    problems = [line[4:] for line in done.stderr.splitlines() if line.startswith("  - ")]
    assert problems == [
        "book/page.ipynb, cell 6: no language tag (expected lang-en or lang-es)",
        "book/page.ipynb, cells 2 and 3: glue keys in one language only: en: poverty_share; es: povrety_share",
        "book/page.ipynb, cell 5 (lang-es): English left untranslated (of, the, with)",
        "book/page.ipynb, cell 7: no lang-es cell follows this lang-en one",
    ], done.stderr


def test_lang_check_passes_on_the_committed_notebooks():
    from helpers.langcheck import project_problems

    count, problems = project_problems(REPO)
    assert count == len(NOTEBOOKS) and problems == []


def test_a_notebook_run_by_hand_renders_the_latest_complete_edition(tmp_path):
    from helpers.project import Project

    for year, rows in ((2030, "a\n1\n"), (2031, "a\n")):  # 2031 is started, not complete
        (tmp_path / f"data/{year}").mkdir(parents=True)
        (tmp_path / f"data/{year}/d.yml").write_text("title: d\n", encoding="utf-8")
        (tmp_path / f"data/{year}/d.csv").write_text(rows, encoding="utf-8")
    project = Project(tmp_path)
    assert (project.latest_edition(), project.latest_complete_edition()) == (2031, 2030)
    (tmp_path / "data/2031/d.csv").write_text("a\n2\n", encoding="utf-8")
    assert project.latest_complete_edition() == 2031


RECIPE = re.compile(r"<!-- recipe: (?P<step>[a-z-]+)(?: (?P<args>[^\n]*?))? -->\n(?:```[a-z]*\n(?P<body>.*?)```)?", re.S)


def test_every_recipe_of_the_analysts_guide_works_on_the_fixture_book(minibook):
    """docs/analysts.md, run step by step on a copy of the fixture book: each file written, each cell added, each
    command and each published text as the guide says."""
    from conftest import run_cli

    guide = (REPO / "docs/analysts.md").read_text(encoding="utf-8")
    steps = list(RECIPE.finditer(guide))
    assert len(steps) >= 15, "the guide's recipes were not found"
    for step in steps:
        kind, args, body = step["step"], (step["args"] or "").strip(), step["body"] or ""
        if kind in ("write", "append"):
            path = minibook / args
            path.parent.mkdir(parents=True, exist_ok=True)
            before = path.read_text(encoding="utf-8") if kind == "append" and path.exists() else ""
            path.write_text(before + body, encoding="utf-8")
        elif kind in ("code-cell", "markdown-cell"):
            nb = nbformat.read(minibook / args, as_version=4)
            make = nbformat.v4.new_code_cell if kind == "code-cell" else nbformat.v4.new_markdown_cell
            nb.cells.append(make(body.strip()))
            nbformat.write(nb, minibook / args)
        elif kind == "notebook":
            cells = [nbformat.v4.new_markdown_cell(text, metadata={"tags": [tag]}) for _, tag, text in json.loads(body)]
            nbformat.write(nbformat.v4.new_notebook(cells=cells), minibook / args)
        elif kind == "build":
            done = run_cli(minibook, "build", "--no-progress", "--year", "2030")
            assert done.returncode == 0, (step.group(0), done.stdout + done.stderr)
        elif kind == "expect":
            path, text = args.split(" ", 1)
            from bs4 import BeautifulSoup

            shown = BeautifulSoup((minibook / path).read_text(encoding="utf-8"), "html.parser").get_text(" ")
            shown = " ".join(shown.split()).replace(" ,", ",").replace(" .", ".")  # glue spans leave a space
            assert text in shown, (step.group(0), shown[-600:])
        elif kind == "run":
            command, expected = (part.strip() for part in args.split("=>", 1))
            done = run_cli(minibook, *command.split())
            assert done.returncode == 0 and expected in done.stdout, (step.group(0), done.stdout + done.stderr)
        else:
            raise AssertionError(f"unknown recipe step {kind!r}")
