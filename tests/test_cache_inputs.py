"""The cache is never wrong: each kind of input, changed once and alone, re-executes the pages that use it (and
rebuilds the book where Sphinx uses it), and reuses every other page."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from conftest import REPO, run_cli
from test_pipeline import statuses

ALPHA, BETA, GAMMA = "book/alpha.ipynb", "book/beta.ipynb", "book/gamma.ipynb"


@pytest.fixture
def book(minibook):
    """The fixture book with its own copy of the helpers (so that they can be edited) and a third page, gamma,
    that lists the edition's datasets and shows a caption from the English message catalogue."""
    shutil.copytree(REPO / "src", minibook / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    (minibook / "requirements.txt").write_text("pandas\n")
    gamma = nbformat.v4.new_notebook(metadata=nbformat.read(minibook / BETA, as_version=4).metadata)
    gamma.cells = [
        nbformat.v4.new_code_cell("year = None\nlang = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("from helpers import data, page\nfrom helpers.i18n import msg\n"
                                  "year = page.edition(year, lang)\n"
                                  "page.glue_text('datasets', ', '.join(data.Edition(year).names()))\n"
                                  "page.glue_text('caption', msg('framework.trend_chart'))"),
        nbformat.v4.new_markdown_cell("# Gamma\n\nDatasets: {glue:text}`datasets`.\n\n"
                                      "Caption: {glue:text}`caption`."),
    ]
    nbformat.write(gamma, minibook / "book/gamma.ipynb")
    toc = minibook / "_toc.yml"
    toc.write_text(toc.read_text().replace("  - file: book/beta\n", "  - file: book/beta\n  - file: book/gamma\n"))
    config = minibook / "_config.yml"
    config.write_text(config.read_text() + 'sphinx:\n  config:\n    html_static_path: ["book/_static"]\n')
    (minibook / "book/_static").mkdir()
    (minibook / "book/_static/extra.css").write_text("p { margin: 0; }\n")
    return minibook


def build(root):
    done = run_cli(root, "build", "--no-progress", "--year", "2030")
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def edit(path, old, new):
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def page(root, name):
    return (root / f"_build/2030/html/book/{name}.html").read_text()


def edit_notebook(root):
    nb = nbformat.read(root / ALPHA, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("x = 1"))
    nbformat.write(nb, root / ALPHA)


def edit_prose(root):
    nb = nbformat.read(root / GAMMA, as_version=4)
    nb.cells[-1].source += "\n\nA sentence the analyst reworded."
    nbformat.write(nb, root / GAMMA)


def add_dataset(root):
    for suffix in ("csv", "yml"):
        shutil.copyfile(root / f"data/2030/values.{suffix}", root / f"data/2030/extra.{suffix}")


# (what changes, how, the pages executed again, whether the book is rebuilt, a check of the published page)
KINDS = [
    ("notebook", edit_notebook, {ALPHA}, None),
    ("prose", edit_prose, set(), lambda r: "A sentence the analyst reworded." in page(r, "gamma")),
    ("data file", lambda r: edit(r / "data/2030/values.csv", "7301", "7302"), {ALPHA},
     lambda r: "7,302" in page(r, "alpha")),
    ("data file no page reads", lambda r: edit(r / "data/2030/sources.csv", "Made-up", "Invented"), set(),
     lambda r: "Invented" in (r / "_build/2030/html/data/2030/sources.csv").read_text()),
    ("folder listing", add_dataset, {GAMMA}, lambda r: "extra" in page(r, "gamma")),
    ("helpers code", lambda r: edit(r / "src/helpers/fmt.py", '"""', '"""A comment. ', ), {ALPHA, BETA, GAMMA},
     None),
    ("message catalogue", lambda r: edit(r / "src/helpers/messages/en.yml", "trend_chart: \"",
                                         "trend_chart: \"Edited caption: "), {ALPHA, BETA, GAMMA},
     lambda r: "Edited caption:" in page(r, "gamma")),
    ("requirements", lambda r: edit(r / "requirements.txt", "pandas", "pandas\nseaborn"), {ALPHA, BETA, GAMMA},
     None),
    ("execute settings", lambda r: edit(r / "_config.yml", "execute:\n", "execute:\n  timeout: 300\n"),
     {ALPHA, BETA, GAMMA}, None),
    ("Sphinx setting", lambda r: edit(r / "_config.yml", "html:\n", "html:\n  use_edit_page_button: false\n"),
     set(), None),
    ("table of contents", lambda r: edit(r / "_toc.yml", "  - file: book/about\n", ""), set(),
     lambda r: not (r / "_build/2030/html/book/about.html").exists()),
    ("static asset", lambda r: edit(r / "book/_static/extra.css", "0", "1px"), set(),
     lambda r: "1px" in (r / "_build/2030/html/_static/extra.css").read_text()),
    ("Markdown page", lambda r: edit(r / "book/index.md", "\n", "\nA sentence an analyst added.\n"), set(),
     lambda r: "A sentence an analyst added." in page(r, "index")),
]


@pytest.mark.parametrize("kind, change, executed, check", KINDS, ids=[k[0] for k in KINDS])
def test_each_input_kind_invalidates_exactly_what_uses_it(book, kind, change, executed, check):
    build(book)
    assert "up to date" in build(book).stdout  # nothing changed: nothing runs
    change(book)
    again = build(book)
    ran = {nb for nb, status in statuses(again.stdout).items() if status == "executed"}
    assert ran == executed, (kind, again.stdout)
    assert "up to date" not in again.stdout, kind  # every input kind here reaches the published book
    if check is not None:
        assert check(book), kind
