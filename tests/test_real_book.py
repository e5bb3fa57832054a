"""Builds the real latest book once, in a copy of the project, and checks what readers get."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup

from conftest import COPY_IGNORE, REPO, run_cli
from helpers import fmt
from helpers.data import load
from helpers.project import Project

YEAR = Project(REPO).latest_edition()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("real") / "project"
    shutil.copytree(REPO, root, ignore=COPY_IGNORE)
    done = run_cli(root, "build", "--no-progress", "--year", str(YEAR), timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    return root / "_build" / str(YEAR) / "html"


def pages(html: Path) -> dict[str, BeautifulSoup]:
    return {p.relative_to(html).as_posix(): BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
            for p in html.rglob("*.html") if not p.name.startswith(("genindex", "search"))}


def test_every_toc_page_is_built(built):
    for doc in Project(REPO).toc_documents():
        assert (built / doc.with_suffix(".html")).is_file(), doc


def test_glance_page_shows_every_indicator_as_glued_from_the_data(built):
    html = (built / "book/at_a_glance.html").read_text(encoding="utf-8")
    text = BeautifulSoup(html, "html.parser").get_text(" ")
    glance = load("indicators", YEAR, REPO).query("section == 'Mexico at a glance'")
    missing = [r.indicator for r in glance.itertuples() if fmt.with_unit(r.value, r.unit, r.qualifier) not in text]
    assert not missing, f"values not on the page: {missing}"
    assert f"Mexico at a glance, {YEAR} edition" in text
    assert "{glue}" not in html and "year = None" not in html


def test_images_have_alt_text_and_charts_link_their_csv(built):
    for name, soup in pages(built).items():
        for img in soup.find_all("img"):
            assert (img.get("alt") or "").strip(), f"{name}: image without alt text"
        for figure in soup.select("figure.rb-chart"):
            assert figure.select_one(".rb-source").get_text().startswith("Source:"), name
            href = figure.select_one("a.rb-download")["href"]
            target = (built / name).parent / href
            assert target.resolve().is_file(), f"{name}: {href} does not resolve inside the build"
            assert target.resolve().is_relative_to(built.resolve())


def test_about_page_names_the_edition_and_the_data(built):
    about = (built / "book/about.html").read_text(encoding="utf-8")
    assert str(YEAR) in about and f"data/{YEAR}/indicators.csv" in about
