"""Another edition: new-year scaffold, partial data, gaps, --strict, year-over-year (fixture edition 2031)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import COPY_IGNORE, REPO, run_cli
from helpers import fmt
from helpers.data import load
from helpers.gaps import edition_gaps
from helpers.project import Project

FIXTURE = REPO / "tests" / "fixtures" / "edition_2031"
FIGURE_DATASETS = ["indicators", "un_system", "capacities", "initiative_figures", "partnerships", "working_together",
                   "finance"]


@pytest.fixture(scope="module")
def partial(tmp_path_factory) -> Path:
    """A project copy whose 2031 edition holds only the fixture's made-up indicators and sources."""
    root = tmp_path_factory.mktemp("editions") / "project"
    shutil.copytree(REPO, root, ignore=COPY_IGNORE)
    shutil.copytree(FIXTURE, root / "data" / "2031", ignore=shutil.ignore_patterns("README.md"))
    return root


@pytest.fixture(scope="module")
def built_2031(partial) -> Path:
    done = run_cli(partial, "build", "--no-progress", "--year", "2031", timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    return partial / "_build" / "2031" / "html"


def all_text(html: Path) -> str:
    return "\n".join(" ".join(BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser").get_text(" ").split())
                     for p in html.rglob("*.html") if p.parent.name == "book")


def test_partial_edition_builds_and_shows_its_own_values(built_2031):
    page = all_text(built_2031)
    for row in load("indicators", 2031, built_2031.parents[2]).dropna(subset=["value"]).itertuples():
        assert fmt.with_unit(row.value, row.unit, row.qualifier) in page


def test_no_2022_figure_appears_in_the_2031_book(built_2031):
    text = all_text(built_2031).replace("2022", "")  # the comparison column names the previous edition
    leaked = set()
    for dataset in FIGURE_DATASETS:
        for row in load(dataset, 2022, REPO).itertuples():
            shown = fmt.with_unit(row.value, row.unit, row.qualifier)
            digits = re.sub(r"\D", "", shown)
            if len(digits) >= 4 and shown in text:  # short numbers (3, 25%) occur naturally
                leaked.add(f"{dataset}: {shown}")
    # the comparison table legitimately shows the previous edition's value for the fixture's indicators
    allowed = {fmt.with_unit(r.value, r.unit, r.qualifier) for r in load("indicators", 2022, REPO).itertuples()
               if r.indicator in set(load("indicators", 2031, built_2031.parents[2])["indicator"])}
    assert not {l for l in leaked if l.split(": ", 1)[1] not in allowed}


def test_missing_figures_show_notices_and_the_home_page_lists_the_gaps(built_2031):
    glance = (built_2031 / "book/at_a_glance.html").read_text(encoding="utf-8")
    assert "[not available for 2031]" in glance  # e.g. the GDP growth left empty in the fixture
    work_area = (built_2031 / "book/work_area_1.html").read_text(encoding="utf-8")
    assert "not available for 2031" in work_area
    home = BeautifulSoup((built_2031 / "book/index.html").read_text(encoding="utf-8"), "html.parser").get_text(" ")
    for dataset in ("capacities", "initiatives", "finance"):
        assert dataset in home
    assert "missing dataset" in home and "missing value" in home


def test_year_over_year_differences_against_the_previous_edition(built_2031):
    glance = BeautifulSoup((built_2031 / "book/at_a_glance.html").read_text(encoding="utf-8"), "html.parser")
    text = " ".join(glance.get_text(" ").split())
    before = load("indicators", 2022, REPO).query("section == 'Mexico at a glance' and indicator == 'poverty_share'")
    after = load("indicators", 2031, built_2031.parents[2]).query("indicator == 'poverty_share'")
    delta = float(after["value"].iloc[0]) - float(before["value"].iloc[0])
    assert "Previous edition (2022)" in text
    assert fmt.signed_percent_points(delta) in text
    assert glance.select("figure.rb-chart img[alt*='across editions']")


def test_strict_lists_every_gap_and_exits_2(partial):
    done = run_cli(partial, "build", "--year", "2031", "--strict")
    assert done.returncode == 2
    gaps = edition_gaps(Project(partial), 2031)
    assert len(gaps) > 10
    for gap in gaps:
        assert str(gap) in done.stderr
    assert "capacities: missing dataset" in done.stderr and "indicators: missing value" in done.stderr


def test_strict_passes_for_the_complete_edition():
    assert edition_gaps(Project(REPO), 2022) == []


def test_new_year_scaffolds_every_dataset_and_refuses_to_overwrite(tmp_path):
    root = tmp_path / "p"
    shutil.copytree(REPO, root, ignore=COPY_IGNORE)
    done = run_cli(root, "new-year", "2032")
    assert done.returncode == 0, done.stderr
    new, old = root / "data/2032", REPO / "data/2022"
    assert sorted(p.name for p in new.glob("*.yml")) == sorted(p.name for p in old.glob("*.yml"))
    for csv_path in new.glob("*.csv"):
        lines = csv_path.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 1 and lines[0] == (old / csv_path.name).read_text(encoding="utf-8").splitlines()[0]
    assert "edition: 2032" in (new / "indicators.yml").read_text()
    assert "indicators.csv" in (new / "CHECKLIST.md").read_text()
    assert run_cli(root, "validate", "--year", "2032").returncode == 0
    before = {p.name: p.read_bytes() for p in new.iterdir()}
    again = run_cli(root, "new-year", "2032")
    assert again.returncode == 2 and "already exists" in again.stderr
    assert {p.name: p.read_bytes() for p in new.iterdir()} == before
    assert run_cli(root, "new-year", "20x2").returncode == 2
