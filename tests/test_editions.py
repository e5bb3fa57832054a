"""Other editions: a partial one that changes the framework (fixture 2031, made-up values), a blank one made by
new-year, gaps, --strict and year-over-year comparisons. Every built page is read for the defects a rebuild for
another year must never show (helpers.scan)."""

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
from helpers.scan import scan

FIXTURE = REPO / "tests" / "fixtures" / "edition_2031"
FIGURE_DATASETS = ["indicators", "un_system", "capacities", "initiative_figures", "partnerships", "working_together",
                   "finance"]


@pytest.fixture(scope="module")
def partial(tmp_path_factory) -> Path:
    """A project copy with the 2022 edition and a 2031 edition holding only the fixture's made-up data (other
    editions are left out, so that 2022 is the previous edition the comparisons use)."""
    root = tmp_path_factory.mktemp("editions") / "project"
    shutil.copytree(REPO, root, ignore=COPY_IGNORE)
    for year in Project(root).editions():
        if year != 2022:
            shutil.rmtree(root / "data" / str(year))
    shutil.copytree(FIXTURE, root / "data" / "2031", ignore=shutil.ignore_patterns("README.md"))
    return root


@pytest.fixture(scope="module")
def built_2031(partial) -> Path:
    done = run_cli(partial, "build", "--no-progress", "--year", "2031", timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    return partial / "_build" / "2031" / "html"


@pytest.fixture(scope="module")
def ledger_2031(built_2031, partial) -> str:
    done = run_cli(partial, "gaps", "--year", "2031")
    assert done.returncode == 0, done.stderr
    return done.stdout


def page_text(html: Path) -> str:
    text = " ".join(BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").get_text(" ").split())
    return text.replace("\u2019", "'")  # Sphinx's smart quotes


def all_text(html: Path) -> str:
    return "\n".join(page_text(p) for p in html.rglob("*.html") if p.parent.name == "book")


def leaked_2022_figures(html: Path, allowed: set[str] = frozenset()) -> set[str]:
    text = all_text(html).replace("2022", "")  # comparison columns name the previous edition
    leaked = set()
    for dataset in FIGURE_DATASETS:
        for row in load(dataset, 2022, REPO).itertuples():
            shown = fmt.with_unit(row.value, row.unit, row.qualifier)
            if len(re.sub(r"\D", "", shown)) >= 4 and shown in text and shown not in allowed:
                leaked.add(f"{dataset}: {shown}")  # short numbers (3, 25%) occur naturally
    return leaked


def test_partial_edition_builds_and_shows_its_own_values(built_2031):
    page = all_text(built_2031)
    for row in load("indicators", 2031, built_2031.parents[2]).dropna(subset=["value"]).itertuples():
        assert fmt.with_unit(row.value, row.unit, row.qualifier) in page


def test_no_2022_figure_appears_in_the_2031_book(built_2031):
    # the comparison table shows the previous edition's value of the indicators both editions have
    both = set(load("indicators", 2031, built_2031.parents[2])["indicator"])
    allowed = {fmt.with_unit(r.value, r.unit, r.qualifier) for r in load("indicators", 2022, REPO).itertuples()
               if r.indicator in both}
    assert not leaked_2022_figures(built_2031, allowed)


def test_a_changed_framework_gets_its_pages_without_code_changes(built_2031):
    fifth = page_text(built_2031 / "book/work_area_5.html")
    assert "Work area 5: FIXTURE Area Five" in fifth
    assert "FIXTURE outcome 11" in fifth
    assert not (built_2031 / "book/work_area_6.html").exists()


def test_the_2031_pages_show_no_defect_and_every_notice_is_in_the_ledger(built_2031, ledger_2031):
    found = scan(built_2031, 2031, ledger_2031)
    assert not any(found.values()), found
    glance = page_text(built_2031 / "book/at_a_glance.html")
    assert "Not available for 2031" in glance and glance.count("Not available for 2031") == 1
    assert re.search(r"^book/at_a_glance: Economy: figures of the text not in the data: .*\bgdp_growth\b", ledger_2031,
                     re.M)
    assert "book/work_area_1: dataset initiatives: no data/2031/initiatives.csv" in ledger_2031


def test_the_gap_page_lists_the_same_ledger_with_links(built_2031, ledger_2031):
    soup = BeautifulSoup((built_2031 / "book/gaps.html").read_text(encoding="utf-8"), "html.parser")
    text = page_text(built_2031 / "book/gaps.html")
    pages = {line.split(": ", 1)[0] for line in ledger_2031.splitlines()}
    links = {a["href"].split("#")[0] for a in soup.select("article a[href]")}
    for page in pages:
        assert f"{Path(page).name}.html" in links, page
    # in words: the ledger's keys (glue keys, file paths) stay in `resultsbook gaps`
    keys = {k.strip() for line in ledger_2031.splitlines() if "not in the data: " in line
            for k in line.rsplit("not in the data: ", 1)[1].split(",")}
    keys = {k for k in keys if "_" in k}  # a one-word key ("agencies") is also a word of the page
    assert keys and not [k for k in keys if re.search(rf"\b{re.escape(k)}\b", text)], keys
    assert "figures of the text" in text and "data/2031/" not in text
    # a dataset without rows is named once, by its title, however many pages read it
    assert text.count("(initiatives.csv)") <= 1 and "data_gaps.csv" not in text
    home = BeautifulSoup((built_2031 / "book/index.html").read_text(encoding="utf-8"), "html.parser")
    assert any(a["href"].endswith("gaps.html") for a in home.select("article a[href]"))


def test_year_over_year_compares_like_with_like(built_2031):
    text = page_text(built_2031 / "book/at_a_glance.html")
    assert "Latest earlier figure (its period, its edition)" in text and ", 2022 edition" in text
    # informality: third quarter against third quarter, a difference in percentage points
    assert fmt.signed_percent_points(50.5 - 55.6) in text
    # unemployment: a fourth quarter against a third, and poverty without a period: shown, not compared
    assert "2.5% (the fourth quarter of 2031)" in text and "3.4% (the third quarter of 2022)" in text
    assert "not compared: the periods differ" in text and "not compared: a period is not stated" in text
    # an exact count against "nearly 753,000": an approximate change only
    assert "about -153,000" in text and "-153,000 " not in text.replace("about -153,000", "")


def test_strict_exits_2_listing_the_ledger(partial, ledger_2031):
    before = sorted((partial / "_build/2031/html").rglob("*.html"))
    done = run_cli(partial, "build", "--year", "2031", "--strict", "--no-progress")
    assert done.returncode == 2
    for line in ledger_2031.splitlines():
        assert line in done.stderr
    assert sorted((partial / "_build/2031/html").rglob("*.html")) == before


def test_the_complete_edition_has_no_gaps():
    assert edition_gaps(Project(REPO), 2022) == []


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("blank") / "p"
    shutil.copytree(REPO, root, ignore=COPY_IGNORE)
    done = run_cli(root, "new-year", "2032")
    assert done.returncode == 0, done.stderr
    return root


def test_new_year_scaffolds_every_dataset_and_refuses_to_overwrite(blank):
    new, old = blank / "data/2032", REPO / "data/2022"
    assert sorted(p.name for p in new.glob("*.yml")) == sorted(p.name for p in old.glob("*.yml"))
    for csv_path in new.glob("*.csv"):
        lines = csv_path.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 1 and lines[0] == (old / csv_path.name).read_text(encoding="utf-8").splitlines()[0]
    meta = (new / "indicators.yml").read_text()
    assert "edition: 2032" in meta and "Results Report 2032" in meta and "Results Report 2022" not in meta
    checklist = (new / "CHECKLIST.md").read_text()
    assert "indicators.csv" in checklist and "indicator=poverty_share" in checklist
    # the keys of the fullest earlier edition with their stable words, never its periods or sources
    assert "- [ ] section=Mexico at a glance, indicator=poverty_share (theme poverty; label Population living in " \
           "poverty; unit percent) — left out: " in checklist, checklist[:3000]
    assert not re.search(r"(?<![a-z_])(ref_period|source)=", checklist)
    assert "No Cooperation Framework cycle covers 2032: the last cycle in data/frameworks/ (2020-2025) ended in " \
           "2025" in checklist
    assert run_cli(blank, "validate", "--year", "2032").returncode == 0
    before = {p.name: p.read_bytes() for p in new.iterdir()}
    again = run_cli(blank, "new-year", "2032")
    assert again.returncode == 2 and "already exists" in again.stderr
    assert {p.name: p.read_bytes() for p in new.iterdir()} == before
    assert run_cli(blank, "new-year", "20x2").returncode == 2


def test_new_year_past_the_last_framework_cycle_says_what_to_add(tmp_path):
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(REPO / name, tmp_path / name)
    shutil.copytree(REPO / "data", tmp_path / "data")
    done = run_cli(tmp_path, "new-year", "2026")
    assert done.returncode == 0, done.stderr
    assert ("warning: No Cooperation Framework cycle covers 2026: the last cycle in data/frameworks/ (2020-2025) "
            "ended in 2025.") in done.stderr and "add data/frameworks/<first>-<last>/ with framework.yml" in done.stderr
    within = run_cli(tmp_path, "new-year", "2024")  # inside the cycle: nothing to warn of
    assert within.returncode == 0 and "warning" not in within.stderr


def test_a_blank_new_edition_builds_and_reads_clean(blank):
    done = run_cli(blank, "build", "--no-progress", "--year", "2032", timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    html = blank / "_build/2032/html"
    framework = page_text(html / "book/framework.html")
    assert ("The 2020 to 2025 Cooperation Framework ended in 2025, and no later framework cycle is in this book's "
            "data: the 2032 edition has no framework, work areas or outcomes to report.") in framework
    assert "does not hold it yet" not in framework  # said once, with its reason
    ledger = run_cli(blank, "gaps", "--year", "2032").stdout
    found = scan(html, 2032, ledger)
    assert not any(found.values()), found
    assert not leaked_2022_figures(html)
    assert "book/at_a_glance: dataset indicators: data/2032/indicators.csv has no rows" in ledger
