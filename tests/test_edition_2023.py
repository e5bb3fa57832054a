"""The real 2023 edition: a partial edition from official releases (data/2023). It shows each figure with its
release, compares like with like against 2022, says what the UN's own 2023 report would add, and reads clean."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import COPY_IGNORE, REPO, run_cli
from helpers import fmt
from helpers.data import load
from helpers.scan import scan
from test_editions import leaked_2022_figures, page_text

YEAR = 2023


@pytest.fixture(scope="module")
def book_2023(tmp_path_factory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("y2023") / "p"
    shutil.copytree(REPO, root, ignore=COPY_IGNORE)
    done = run_cli(root, "build", "--no-progress", "--year", str(YEAR), "--lang", "all", timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    ledger = run_cli(root, "gaps", "--year", str(YEAR))
    assert ledger.returncode == 0, ledger.stderr
    return root / "_build" / str(YEAR) / "html", ledger.stdout


def test_every_2023_figure_is_shown_with_its_release(book_2023):
    html, _ = book_2023
    sources = load("sources", YEAR, REPO).set_index("id")
    glance, chapter = page_text(html / "book/at_a_glance.html"), page_text(html / "book/chapter_1.html")
    for row in load("indicators", YEAR, REPO).itertuples():
        text = glance if row.section == "Mexico at a glance" else chapter
        assert fmt.with_unit(row.value, row.unit, row.qualifier) in text, row.indicator
        release = sources.loc[row.source]
        assert release["kind"] == "official" and release["date"] and release["url"].startswith("http")
        assert str(release["citation"]) in text, row.source
    un = page_text(html / "book/un_system.html")
    assert "261 initiatives" in un and "25 agencies, funds and programmes" in un


def test_2023_compares_like_with_like(book_2023):
    html, _ = book_2023
    glance, chapter = page_text(html / "book/at_a_glance.html"), page_text(html / "book/chapter_1.html")
    assert "Latest earlier figure (its period, its edition)" in glance and "The 2023 edition (its period)" in glance
    assert "+0.2 pp" in glance  # GDP growth, a year against a year
    # unemployment and informality: a fourth quarter against a third: both shown, no change computed
    assert "2.7% (the fourth quarter of 2023)" in glance and "3.4% (the third quarter of 2022), 2022 edition" in glance
    assert "not compared: the periods differ" in glance
    assert "not compared: a period is not stated" in glance  # 2022's poverty figures carry no period
    # SDG Index: 74th of 163 in 2022, 80th of 166 in 2023: a re-based index is set side by side, never differenced
    assert "not compared: its publisher re-bases it with each release" in chapter and "places lower" not in chapter
    assert "Extreme poverty rose from 7% in 2018 to 7.1% in 2022" in chapter


def test_2023_says_what_is_missing_and_reads_clean(book_2023):
    html, ledger = book_2023
    assert not any(scan(html, YEAR, ledger).values())
    assert "book/un_system: dataset headlines: data/2023/headlines.csv has no rows" in ledger
    assert "book/work_area_1: dataset initiatives: data/2023/initiatives.csv has no rows" in ledger
    both = set(load("indicators", YEAR, REPO)["indicator"]) | set(load("un_system", YEAR, REPO)["metric"])
    allowed = {fmt.with_unit(r.value, r.unit, r.qualifier) for r in load("indicators", 2022, REPO).itertuples()
               if r.indicator in both}
    assert not leaked_2022_figures(html, allowed)
    # the framework of the cycle is the same for 2023: four work areas and ten outcomes, no gap there
    assert [p.name for p in sorted((html / "book").glob("work_area_*.html"))] == [f"work_area_{n}.html" for n in range(1, 5)]
    assert "book/framework: " not in "\n".join(l for l in ledger.splitlines() if "work_area_count" in l)


def test_2023_in_spanish_compares_and_cites_the_same(book_2023):
    """The Spanish 2023 book: every figure as the Spanish book writes it, each release cited by its Spanish
    words, the same comparisons with 2022 (the scan above reads its pages too)."""
    from helpers import i18n

    html, _ = book_2023
    glance, chapter = page_text(html / "es/book/at_a_glance.html"), page_text(html / "es/book/chapter_1.html")
    i18n.set_language("es")
    try:
        sources = load("sources", YEAR, REPO).set_index("id")
        for row in load("indicators", YEAR, REPO).itertuples():
            text = glance if row.section == "Mexico at a glance" else chapter
            assert fmt.with_unit(row.value, row.unit, row.qualifier) in text, row.indicator
            assert str(sources.loc[row.source, "citation"]) in text, row.source
    finally:
        i18n.set_language("en")
    assert "Cifra anterior más reciente (su periodo, su edición)" in glance and ", edición 2022" in glance
    assert "sin comparar: los periodos difieren" in glance
    assert "sin comparar: quien lo publica lo recalcula en cada edición" in chapter
    un = page_text(html / "es/book/un_system.html")
    assert "261 iniciativas" in un and "25 agencias, fondos y programas" in un
