"""The PDF edition: built with the HTML by `build --pdf`, printed by Debian's Chromium, linked from every page."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import CHROMIUM, COPY_IGNORE, FULL_EDITION, REPO, require, run_cli
from helpers import fmt
from helpers.data import load
from helpers.pages import edition_pages
from helpers.pdf import LEFT_OUT, pdf_name
from helpers.project import Project
from test_real_book import FIGURE_DATASETS

YEAR = FULL_EDITION
PDFTOTEXT = Path(shutil.which("pdftotext") or "/usr/bin/pdftotext")


def print_edition(tmp_path_factory, *args: str) -> Path:
    """A copy of the project with the full edition built with its PDF (``args``: more build options)."""
    require(CHROMIUM, "Chromium")
    require(PDFTOTEXT, "pdftotext (poppler-utils)")
    root = tmp_path_factory.mktemp("pdf") / "p"
    shutil.copytree(REPO, root, ignore=COPY_IGNORE)
    done = run_cli(root, "build", "--no-progress", "--pdf", "--year", str(YEAR), *args, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    return print_edition(tmp_path_factory)


def pdf_text(path: Path) -> str:
    # -raw: text in the order Chromium wrote it, so a table cell wrapped over two lines stays together
    text = subprocess.run([str(PDFTOTEXT), "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.replace("\u2019", "'").split())


def test_the_pdf_is_inside_the_book_with_pages_numbered_and_an_outline(printed):
    from pypdf import PdfReader

    path = printed / f"_build/{YEAR}/html/{pdf_name(YEAR)}"
    reader = PdfReader(str(path))
    assert 30 <= len(reader.pages) <= 250
    assert reader.pdf_header and reader.pages[0].mediabox.width < reader.pages[0].mediabox.height  # portrait
    assert round(float(reader.pages[0].mediabox.width)) in (595, 596)  # A4
    bookmarks = [o.title for o in reader.outline if not isinstance(o, list)]
    titles = []
    for page in edition_pages(Project(printed), YEAR):
        if page.name in LEFT_OUT:
            continue
        html = (printed / f"_build/{YEAR}/html/{page.name}.html").read_text(encoding="utf-8")
        titles.append(" ".join(BeautifulSoup(html, "html.parser").select_one("article h1").get_text(" ").split())
                      .rstrip("#").strip())
    assert titles and all(t in bookmarks for t in titles), set(titles) - set(bookmarks)
    assert len(bookmarks) == len(set(bookmarks))  # one per chapter, none doubled
    text = pdf_text(path)
    for number in (1, 2, len(reader.pages)):
        assert f"page {number} of {len(reader.pages)}" in text
    assert "UN Mexico Results Book" in text.split("page 1 of")[0] and "Contents" in text
    assert "Columns of each dataset" not in text and "About this build" not in text  # reference pages stay online
    assert "import " not in text and "page.table(" not in text  # no code


def test_every_curated_figure_is_in_the_pdf(printed):
    text = pdf_text(printed / f"_build/{YEAR}/html/{pdf_name(YEAR)}")
    missing = [f"{dataset}: {fmt.with_unit(r.value, r.unit, r.qualifier)}"
               for dataset in FIGURE_DATASETS for r in load(dataset, YEAR, REPO).itertuples(index=False)
               if fmt.with_unit(r.value, r.unit, r.qualifier) not in text]
    assert not missing, missing


def test_every_page_links_the_pdf(printed):
    html = printed / f"_build/{YEAR}/html"
    for page in html.rglob("*.html"):
        if {"_static", "_sources", "data"} & set(page.relative_to(html).parts) or page.name in ("genindex.html", "search.html"):
            continue
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        if not soup.select(".dropdown-download-buttons"):
            continue  # the redirect at the root
        links = [a["href"] for a in soup.select("a.rb-pdf-link")]
        assert len(links) == 1 and (page.parent / links[0]).resolve() == (html / pdf_name(YEAR)).resolve(), page
    home = BeautifulSoup((html / "book/index.html").read_text(encoding="utf-8"), "html.parser")
    assert home.select("article .rb-pdf-note a[download]")


def test_a_no_op_build_keeps_the_pdf_and_a_failed_build_leaves_it(printed):
    path = printed / f"_build/{YEAR}/html/{pdf_name(YEAR)}"
    before = path.read_bytes()
    again = run_cli(printed, "build", "--no-progress", "--pdf", "--year", str(YEAR))
    assert again.returncode == 0 and "up to date" in again.stdout
    import nbformat

    broken = printed / "book/glossary.ipynb"
    original = broken.read_text(encoding="utf-8")
    nb = nbformat.reads(original, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code" and "from helpers import" in c.source)
    first.source = "raise SystemError('x')\n" + first.source  # the page fails as it starts
    nbformat.write(nb, broken)
    try:
        failed = run_cli(printed, "build", "--no-progress", "--pdf", "--year", str(YEAR))
        assert failed.returncode == 1
    finally:
        broken.write_text(original, encoding="utf-8")
    assert path.read_bytes() == before


@pytest.fixture(scope="module")
def printed_in_spanish(tmp_path_factory) -> Path:
    return print_edition(tmp_path_factory, "--lang", "es") / f"_build/{YEAR}/html/es"


def test_the_spanish_pdf_is_in_spanish_with_every_figure(printed_in_spanish):
    from pypdf import PdfReader

    from helpers import i18n

    path = printed_in_spanish / pdf_name(YEAR)
    reader = PdfReader(str(path))
    assert str(reader.trailer["/Root"]["/Lang"]) == "es"
    assert reader.metadata.title == i18n.msg("book.title", "es", year=YEAR)
    text = pdf_text(path)
    assert f"página 1 de {len(reader.pages)}" in text and "Contenido" in text
    i18n.set_language("es")
    try:
        missing = [f"{dataset}: {fmt.with_unit(r.value, r.unit, r.qualifier)}"
                   for dataset in FIGURE_DATASETS for r in load(dataset, YEAR, REPO).itertuples(index=False)
                   if fmt.with_unit(r.value, r.unit, r.qualifier) not in text]
    finally:
        i18n.set_language("en")
    assert not missing, missing
    home = BeautifulSoup((printed_in_spanish / "book/index.html").read_text(encoding="utf-8"), "html.parser")
    assert home.select_one("article .rb-pdf-note a[download]")["href"] == f"../{pdf_name(YEAR)}"


def test_the_print_document_keeps_text_from_data_as_text_and_runs_nothing(tmp_path):
    """The PDF's HTML: text escaped in the page stays escaped through the print document, and the page is printed
    with JavaScript off, so even a script that reached it would not run."""
    require(CHROMIUM, "Chromium")
    require(PDFTOTEXT, "pdftotext (poppler-utils)")
    from helpers.pdf import print_document, print_pdf

    single = tmp_path / "single"
    (single / "_static").mkdir(parents=True)
    (single / "index.html").write_text(
        '<html><body><article class="bd-article"><section id="home"><h1>Home &lt;img src=x onerror=alert(1)&gt;</h1>'
        "<p>Label &lt;script&gt;alert(2)&lt;/script&gt;</p>"
        "<div><p id=\"ran\">SCRIPT DID NOT RUN</p></div>"
        "<img src=x onerror=\"document.getElementById('ran').textContent='SCRIPT RAN'\"></section></article>"
        "</body></html>", encoding="utf-8")
    document = print_document(single, "Book <b>title</b>", YEAR, None)
    raw = document.read_text(encoding="utf-8")
    assert "<img src=x onerror=alert(1)>" not in raw and "&lt;img src=x onerror=alert(1)&gt;" in raw
    assert "<b>title</b>" not in raw
    output = tmp_path / "out.pdf"
    print_pdf(document, output, "Book <b>title</b>", YEAR)
    text = pdf_text(output)
    assert "SCRIPT DID NOT RUN" in text and "SCRIPT RAN" not in text
    assert "<script>alert(2)</script>" in text and "<img src=x onerror=alert(1)>" in text
