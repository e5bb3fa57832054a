"""The built book as readers use it, in Debian's Chromium driven by Playwright (no downloaded browser).

In CI (CI set) a missing Chromium fails these tests; on a developer machine without it they are skipped
with the reason. Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from conftest import REPO, require, serve

LANGUAGES = pytest.mark.parametrize("book", ["", "es/"], ids=["en", "es"])  # the English book and the Spanish one
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "test-output" / "screenshots"


@pytest.fixture(scope="module")
def two_editions(real_book):
    """The 2022 book and the 2023 one built beside it, served from the folder that holds both editions."""
    from conftest import run_cli

    root = real_book.parents[2]
    done = run_cli(root, "build", "--no-progress", "--year", "2023", timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    server = serve(root / "_build")
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def book_pages(html: Path) -> list[str]:
    return sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html") if p.parent.name == "book")


@LANGUAGES
def test_root_address_leads_to_the_home_page(site, browser, book):
    base, _ = site
    page = browser.new_page()
    page.goto(f"{base}/{book}")
    page.wait_for_url(f"**/{book}book/index.html")
    home = {"": "UN Mexico Results Book", "es/": "Libro de Resultados de la ONU en México"}[book]  # the home h1
    assert page.locator("h1").first.inner_text().startswith(home)


def test_every_page_loads_without_console_errors_failed_requests_and_images_load(site, browser):
    base, html = site
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    aborted: dict[str, str] = {}  # url -> page; Chromium cancels a late request (the favicon) when the next page loads

    def failed(request):
        if request.failure == "net::ERR_ABORTED":
            aborted.setdefault(request.url, page.url)
        else:
            errors.append(f"{page.url}: request failed: {request.url} ({request.failure})")

    page.on("requestfailed", failed)
    page.on("response", lambda r: errors.append(f"{page.url}: {r.status} for {r.url}") if r.status >= 400 else None)
    pages = book_pages(html)
    assert len(pages) >= 17
    for name in pages:
        response = page.goto(f"{base}/{name}", wait_until="networkidle")  # every request done before the next page
        assert response.status == 200, name
        broken = page.evaluate("[...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        assert not broken, f"{name}: images that did not load: {broken}"
    for url, where in aborted.items():  # a cancelled request still has to name a file the server has
        status = page.request.get(url).status
        if status != 200:
            errors.append(f"{where}: {status} for {url} (its request was cancelled by the next navigation)")
    assert not errors, errors


@LANGUAGES
def test_search_finds_the_right_page(site, browser, book):
    base, _ = site
    page = browser.new_page()
    page.goto(f"{base}/{book}search.html?q=Tapachula")
    page.wait_for_selector("#search-results ul li a", timeout=20000)
    hits = page.eval_on_selector_all("#search-results ul li a", "els => els.map(e => e.getAttribute('href'))")
    assert any("working_together" in h for h in hits), hits


def test_every_data_download_link_returns_its_csv(site, browser):
    base, html = site
    page = browser.new_page()
    links = set()
    for name in book_pages(html):
        page.goto(f"{base}/{name}")
        found = page.eval_on_selector_all("a.rb-download, article a[download]", "els => els.map(e => e.href)")
        links.update(u for u in found if u.endswith(".csv") or u.startswith("data:text/csv"))
    assert len(links) >= 8
    for url in sorted(links):
        if url.startswith("data:text/csv"):  # a chart's own rows, carried by the page
            import base64

            text = base64.b64decode(url.split(",", 1)[1]).decode()
        else:
            response = page.request.get(url)
            assert response.status == 200, url
            text = response.text()
        assert text.splitlines()[0].count(",") >= 1, f"{url[:80]} is not a CSV"


def test_no_code_in_the_readers_way(site, browser):
    base, _ = site
    page = browser.new_page()
    for name in ("book/work_area_1.html", "book/at_a_glance.html", "book/analysis.html"):
        page.goto(f"{base}/{name}")
        assert page.locator(".cell_input").count() == 0, name
        assert page.locator("details.hide.above-input").count() == 0, name
        assert page.locator("figure.rb-chart img").count() > 0, name


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("name", ["book/index.html", "book/work_area_1.html"])
def test_screenshots_and_no_horizontal_overflow(site, browser, width, name):
    base, _ = site
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{base}/{name}")
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{Path(name).stem}-{width}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at {width}px"


def test_axe_finds_no_serious_or_critical_violation(site, browser):
    require(AXE, "axe-core")
    base, html = site
    page = browser.new_page()
    found = {}
    for name in book_pages(html):
        page.goto(f"{base}/{name}")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [f"{v['id']} ({v['impact']}): {v['help']} x{len(v['nodes'])} e.g. {v['nodes'][0]['target']}"
                   for v in result["violations"] if v["impact"] in ("serious", "critical")]
        if serious:
            found[name] = serious
    assert not found, json.dumps(found, indent=1)


@LANGUAGES
@pytest.mark.parametrize("query,page_name", [("54,421", "work_area_1"), ("70.2", "chapter_1"), ("9,460", "work_area_4")])
def test_search_finds_numbers_as_printed(site, browser, query, page_name, book):
    base, _ = site
    page = browser.new_page()
    page.goto(f"{base}/{book}search.html?q={query}")
    page.wait_for_selector("#search-results ul li a", timeout=20000)
    hits = page.eval_on_selector_all("#search-results ul li a", "els => els.map(e => e.getAttribute('href'))")
    assert any(page_name in h for h in hits), hits
    snippets = page.inner_text("#search-results")
    assert "import " not in snippets and "page.table(" not in snippets  # no code in search results


@pytest.mark.parametrize("book,side,expected", [("", "primary", "Chapter 1"), ("", "secondary", "Population"),
                                               ("es/", "primary", "Capítulo 1"), ("es/", "secondary", "Población")])
def test_both_menus_open_and_close_on_a_phone(site, browser, book, side, expected):
    base, _ = site
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(f"{base}/{book}book/at_a_glance.html")
    page.wait_for_load_state("networkidle")
    dialog = page.locator(f"#pst-{side}-sidebar-modal")
    page.locator(f"button.sidebar-toggle.{side}-toggle.btn").first.click()
    page.wait_for_function(f"document.querySelector('#pst-{side}-sidebar-modal').open")
    assert dialog.locator(f"text={expected}").first.is_visible()
    page.keyboard.press("Escape")
    page.wait_for_function(f"!document.querySelector('#pst-{side}-sidebar-modal').open")


def test_wide_tables_scroll_inside_their_box_on_a_phone(site, browser):
    base, _ = site
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(f"{base}/book/at_a_glance.html")
    page.wait_for_load_state("networkidle")
    boxes = page.locator("article .rb-table-scroll")
    assert boxes.count() >= 1
    assert page.evaluate("[...document.querySelectorAll('article table')].every(t => t.parentElement.classList.contains('rb-table-scroll'))")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1


def _charts(page) -> list[dict]:
    """Each SVG chart of the page: its source, its drawn width, and its download link."""
    return page.evaluate("""() => [...document.querySelectorAll('figure.rb-chart img')]
        .filter(img => img.src.startsWith('data:image/svg+xml;base64,'))
        .map(img => ({svg: img.src, width: img.getBoundingClientRect().width,
                      csv: (img.closest('figure').querySelector('a.rb-download') || {}).href || ''}))""")


def _svg(src: str):
    import base64
    import xml.etree.ElementTree as ET

    return ET.fromstring(base64.b64decode(src.split(",", 1)[1]))


def test_chart_text_is_at_least_9_px_on_a_phone(site, browser):
    import re

    base, html = site
    page = browser.new_page(viewport={"width": 375, "height": 800})
    smallest = {}
    for name in book_pages(html):
        page.goto(f"{base}/{name}")
        for chart in _charts(page):
            root = _svg(chart["svg"])
            view_width = float(root.get("viewBox").split()[2])
            sizes = [float(m.group(1)) for el in root.iter() if el.tag.endswith("text")
                     for m in [re.search(r"font(?:-size)?:\s*(?:[a-z]+\s+)*([0-9.]+)px", el.get("style", ""))] if m]
            assert sizes, f"{name}: a chart without text"
            smallest[name] = min(smallest.get(name, 99), min(sizes) * chart["width"] / view_width)
    assert len(smallest) >= 5
    small = {k: round(v, 1) for k, v in smallest.items() if v < 9}
    assert not small, f"chart text under 9 px at 375 px wide: {small}"


def test_every_chart_download_holds_as_many_rows_as_the_chart_has_marks(site, browser):
    import base64
    import csv
    import io
    import re

    base, html = site
    page = browser.new_page()
    checked = 0
    for name in book_pages(html):
        page.goto(f"{base}/{name}")
        for chart in _charts(page):
            marks = {el.get("id") for el in _svg(chart["svg"]).iter() if re.fullmatch(r"rb-mark-\d+", el.get("id") or "")}
            assert chart["csv"].startswith("data:text/csv"), f"{name}: the chart's download is not its own rows"
            rows = list(csv.DictReader(io.StringIO(base64.b64decode(chart["csv"].split(",", 1)[1]).decode())))
            assert marks and len(rows) == len(marks), f"{name}: {len(rows)} rows for {len(marks)} marks"
            assert {"section", "page", "source"} <= set(rows[0]) or name.endswith("analysis.html"), name
            checked += 1
    assert checked >= 5


def test_the_edition_switcher_links_the_same_page_in_every_edition_built(two_editions, browser):
    base = two_editions
    page = browser.new_page()
    page.goto(f"{base}/2022/html/book/chapter_1.html")
    page.wait_for_selector("nav.rb-editions")
    names = page.eval_on_selector_all("nav.rb-editions .rb-edition", "els => els.map(e => e.textContent)")
    assert names == ["2023", "2022"]
    assert page.locator("nav.rb-editions [aria-current]").inner_text() == "2022"
    page.click("nav.rb-editions a:text('2023')")
    page.wait_for_load_state("load")
    assert page.url.endswith("/2023/html/book/chapter_1.html")
    assert "2023" in page.title()
    page.goto(f"{base}/2023/html/book/index.html")  # and back from the newer edition
    href = page.get_attribute("nav.rb-editions a:text('2022')", "href")
    response = page.goto(f"{base}/2023/html/book/{href}")
    assert response.status == 200 and page.url.endswith("/2022/html/book/index.html")


@LANGUAGES
def test_an_older_editions_home_page_lists_and_links_every_edition_published_beside_it(two_editions, browser, book):
    """2022 was published first; the 2023 build (English only here) rewrote the lists of editions: the English 2022
    home page links 2023; the Spanish one, with no Spanish 2023 published, lists 2022 alone (its data lists both)."""
    page = browser.new_page()
    page.goto(f"{two_editions}/2022/html/{book}book/index.html")
    listed = page.locator(".rb-edition-links")
    page.wait_for_function("document.querySelector('.rb-edition-links strong')")  # the script has run
    assert page.locator(".rb-edition-links [aria-current]").inner_text() == "2022"
    links = listed.locator("a")
    if book:
        assert listed.inner_text() == "2022" and links.count() == 0
        return
    assert listed.inner_text() == "2022, 2023" and links.count() == 1
    href = links.first.get_attribute("href")
    response = page.goto(f"{two_editions}/2022/html/book/{href}")
    assert response.status == 200 and page.url.endswith("/2023/html/book/index.html"), page.url


SPLIT_TOKENS = """() => {
  // every number and every word of a table cell that the browser laid out on more than one line
  const found = [];
  for (const cell of document.querySelectorAll("article table td, article table th")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/[\\p{L}\\p{N}][\\p{L}\\p{N},.%]*/gu)) {
        if (m[0].length < 3 || /[\\/@]/.test(m[0])) continue;  // addresses may break at their slashes
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) found.push(m[0]);
      }
    }
  }
  return found;
}"""


@pytest.mark.parametrize("width", [375, 1280])
def test_no_table_splits_a_number_or_a_word(site, browser, width):
    base, html = site
    page = browser.new_page(viewport={"width": width, "height": 900})
    split = {}
    for name in book_pages(html):
        page.goto(f"{base}/{name}", wait_until="load")
        found = page.evaluate(SPLIT_TOKENS)
        if found:
            split[name] = found[:8]
    assert not split, split
