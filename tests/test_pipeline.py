"""The build pipeline end to end, on the fixture book (runs in seconds per build)."""

from __future__ import annotations

import json
import re
import shutil

import nbformat

from conftest import REPO, run_cli, tree_state


def statuses(output: str) -> dict[str, str]:
    """{notebook: status} from the build's summary table."""
    found = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].endswith(".ipynb") and parts[1] in ("executed", "cached", "failed"):
            found[parts[0]] = parts[1]
    return found


def build(root, *args, **kw):
    done = run_cli(root, "build", "--no-progress", *args, **kw)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_cold_build_then_everything_cached(minibook):
    first = build(minibook, "--year", "2030")
    assert statuses(first.stdout) == {"book/alpha.ipynb": "executed", "book/beta.ipynb": "executed"}
    index = minibook / "_build/2030/html/index.html"
    assert index.is_file() and str(index) in first.stdout
    page = (minibook / "_build/2030/html/book/alpha.html").read_text()
    assert "Alpha 2030" in page and "7,301" in page and "12.5" in page
    assert re.search(r'_static/mystnb\.[0-9a-f]+\.css\?v=', page)  # as every later build links it
    # nothing published names a folder of the machine that built it (the executed notebooks included)
    leaks = [p.relative_to(minibook) for p in (minibook / "_build/2030/html").rglob("*")
             if p.is_file() and str(minibook).encode() in p.read_bytes()]
    assert leaks == []

    second = build(minibook, "--year", "2030")
    assert statuses(second.stdout) == {"book/alpha.ipynb": "cached", "book/beta.ipynb": "cached"}
    assert "up to date" in second.stdout


def test_an_input_that_is_not_a_notebook_still_reaches_the_book(minibook):
    """The up-to-date check digests the book's inputs without assembling it: a Markdown page, the configuration or
    the table of contents changed, with every notebook cached, is still published."""
    build(minibook, "--year", "2030")
    page = minibook / "book/index.md"
    page.write_text(page.read_text() + "\nA sentence added by an analyst.\n")
    again = build(minibook, "--year", "2030")
    assert set(statuses(again.stdout).values()) == {"cached"} and "up to date" not in again.stdout
    assert "A sentence added by an analyst." in (minibook / "_build/2030/html/book/index.html").read_text()
    config = minibook / "_config.yml"
    config.write_text(config.read_text().replace("execute:\n", "execute:\n  timeout: 300\n", 1))
    assert "up to date" not in build(minibook, "--year", "2030").stdout
    assert "up to date" in build(minibook, "--year", "2030").stdout


def test_code_change_reexecutes_only_that_notebook(minibook):
    build(minibook, "--year", "2030")
    nb_path = minibook / "book/beta.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("x = 1 + 1"))
    nbformat.write(nb, nb_path)
    again = build(minibook, "--year", "2030")
    assert statuses(again.stdout) == {"book/alpha.ipynb": "cached", "book/beta.ipynb": "executed"}


def test_outputs_alone_do_not_invalidate_the_cache(minibook):
    build(minibook, "--year", "2030")
    nb_path = minibook / "book/beta.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", text="saved by an editor\n")]
    nb.cells[-1].execution_count = 7
    nbformat.write(nb, nb_path)
    assert set(statuses(build(minibook, "--year", "2030").stdout).values()) == {"cached"}


def test_data_change_reexecutes_the_notebooks_that_read_it(minibook):
    build(minibook, "--year", "2030")
    csv = minibook / "data/2030/values.csv"
    csv.write_text(csv.read_text().replace("7301", "7302"))
    again = build(minibook, "--year", "2030")
    assert statuses(again.stdout) == {"book/alpha.ipynb": "executed", "book/beta.ipynb": "cached"}
    assert "7,302" in (minibook / "_build/2030/html/book/alpha.html").read_text()


def test_parameter_change_is_a_cache_miss_and_years_have_their_own_books(minibook):
    build(minibook, "--year", "2030")
    switcher = "_static/rb-editions.js"  # the list of editions built: the one file a new edition updates
    before = tree_state(minibook / "_build/2030/html")
    other = build(minibook, "--year", "2031")
    assert set(statuses(other.stdout).values()) == {"executed"}
    assert "8,402" in (minibook / "_build/2031/html/book/alpha.html").read_text()
    after = tree_state(minibook / "_build/2030/html")
    assert '"2031"' in after.pop(switcher)[0].decode() and '"2031"' not in before.pop(switcher)[0].decode()
    assert after == before


def test_helpers_change_invalidates_every_notebook(minibook):
    shutil.copytree(REPO / "src", minibook / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    build(minibook, "--year", "2030")
    fmt = minibook / "src/helpers/fmt.py"
    fmt.write_text(fmt.read_text() + "\n# a change to the helpers\n")
    assert set(statuses(build(minibook, "--year", "2030").stdout).values()) == {"executed"}


def test_force_reexecutes_everything(minibook):
    build(minibook, "--year", "2030")
    forced = build(minibook, "--year", "2030", "--force")
    assert set(statuses(forced.stdout).values()) == {"executed"}
    assert "up to date" not in forced.stdout


def test_notebooks_run_in_parallel(minibook, tmp_path):
    timing = tmp_path / "timing"
    timing.mkdir()
    build(minibook, "--year", "2030", "--jobs", "2", env={"FIXTURE_TIMING_DIR": str(timing), "FIXTURE_SLEEP": "2"})
    (a0, a1), (b0, b1) = (json.loads((timing / f"{n}.json").read_text()) for n in ("alpha", "beta"))
    assert a0 < b1 and b0 < a1, "the two notebooks' executions did not overlap"


def test_failing_notebook_exits_1_naming_notebook_cell_and_exception(minibook):
    build(minibook, "--year", "2030")
    before = tree_state(minibook / "_build/2030/html")
    nb_path = minibook / "book/beta.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell("values = {}\nvalues['missing_key']"))
    nbformat.write(nb, nb_path)
    done = run_cli(minibook, "build", "--no-progress", "--year", "2030")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert statuses(done.stdout) == {"book/alpha.ipynb": "cached", "book/beta.ipynb": "failed"}
    assert "book/beta.ipynb failed at cell 3: KeyError: 'missing_key'" in out
    assert "Traceback" in out or "----> 2 values['missing_key']" in out
    assert "\x1b[" not in out, "traceback should carry no colour codes when not on a terminal"
    assert (minibook / "_build/2030/failed/beta.ipynb").is_file()
    assert tree_state(minibook / "_build/2030/html") == before


def test_sphinx_failure_keeps_the_previous_book(minibook):
    build(minibook, "--year", "2030")
    before = tree_state(minibook / "_build/2030/html")
    index = minibook / "book/index.md"
    index.write_text(index.read_text() + "\nSee {ref}`a-label-that-does-not-exist`.\n")
    done = run_cli(minibook, "build", "--no-progress", "--year", "2030")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "a-label-that-does-not-exist" in done.stderr
    assert tree_state(minibook / "_build/2030/html") == before
    assert not list((minibook / "_build/.staging").glob("*")), "staging left behind"


def test_missing_year_is_refused_before_anything_runs(minibook):
    build(minibook, "--year", "2030")
    before = tree_state(minibook / "_build/2030/html")
    done = run_cli(minibook, "build", "--year", "1999")
    assert done.returncode == 2
    assert "1999" in done.stderr and "2030, 2031" in done.stderr
    assert not (minibook / "_build/cache/1999").exists()
    assert tree_state(minibook / "_build/2030/html") == before


def test_non_integer_year_is_refused(minibook):
    done = run_cli(minibook, "build", "--year", "twenty")
    assert done.returncode == 2 and "twenty" in done.stderr and "is not a year" in done.stderr


def test_default_year_is_the_latest_edition(minibook):
    done = build(minibook)
    assert "_build/2031/html/index.html" in done.stdout


def test_injected_parameters_and_code_hidden(minibook):
    build(minibook, "--year", "2030")
    page = (minibook / "_build/2030/html/book/alpha.html").read_text()
    assert "Parameters" not in page and "year = 2030" not in page and "year = None" not in page
    assert "tag_remove-input" in page and "cell_input" not in page, "readers see outputs, not code"
    assert "UN Mexico Results Book 2030" in page  # the title (book.title of the catalogue) takes the year


def test_about_page_records_the_build(minibook):
    build(minibook, "--year", "2030")
    about = (minibook / "_build/2030/html/book/about.html").read_text()
    import hashlib

    digest = hashlib.sha256((minibook / "data/2030/values.csv").read_bytes()).hexdigest()
    for expected in ("book/alpha.ipynb", "book/beta.ipynb", "executed", digest, "papermill", "jupyter-book",
                     "2030"):
        assert expected in about, expected


def test_about_page_reports_each_build(minibook):
    """What changes at every build (time, statuses, seconds) is this build's, on the page."""
    build(minibook, "--year", "2030")
    nb_path = minibook / "book/alpha.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("edited = True"))
    nbformat.write(nb, nb_path)
    build(minibook, "--year", "2030")
    about = (minibook / "_build/2030/html/book/about.html").read_text()
    assert "2 (1 executed in this build, 1 reused from the cache)" in about
    assert "none: the project is not a Git checkout" in about  # the fixture's copy is not one
    assert "<!-- rb-build" not in about
    row = about[about.index("book/beta.ipynb"):]
    assert row.index("cached") < row.index("</tr>")  # beta's row says it came from the cache


def test_notebooks_never_share_state(minibook):
    """Each notebook runs in a fresh process: a variable set by one is not visible to the next."""
    (minibook / "book/beta.ipynb").write_text((minibook / "book/beta.ipynb").read_text())
    nb_path = minibook / "book/alpha.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("leaked_from_alpha = 1"))
    nbformat.write(nb, nb_path)
    nb_path = minibook / "book/beta.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("assert 'leaked_from_alpha' not in globals()"))
    nbformat.write(nb, nb_path)
    build(minibook, "--year", "2030", "--jobs", "1")


def test_unpublishing_an_edition_takes_it_off_every_other_books_switchers(tmp_path):
    """Two made-up published books (a home page each): both list each other; unpublished, 2031 leaves 2030's
    edition list, its book is gone, and a second unpublish is refused with exit 2."""
    import json

    from conftest import run_cli
    from helpers.publish import EDITIONS_SCRIPT, published_books, write_switchers

    shutil.copytree(REPO / "tests/fixtures/minibook", tmp_path / "p")
    root = tmp_path / "p"
    for year in (2030, 2031):
        (root / f"_build/{year}/html/book").mkdir(parents=True)
        (root / f"_build/{year}/html/index.html").write_text("<html></html>")
        (root / f"_build/{year}/html/book/index.html").write_text("<html></html>")
    write_switchers(published_books(root / "_build"))

    def listed(year):
        text = (root / f"_build/{year}/html" / EDITIONS_SCRIPT).read_text()
        return sorted(json.loads(text.split("window.RB_EDITIONS = ", 1)[1].split(";\n", 1)[0]))

    assert listed(2030) == ["2030", "2031"]
    done = run_cli(root, "unpublish", "2031")
    assert done.returncode == 0, done.stderr
    assert listed(2030) == ["2030"] and not (root / "_build/2031/html").exists()
    again = run_cli(root, "unpublish", "2031")
    assert again.returncode == 2 and "no published book of the 2031 edition" in again.stderr
