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

from conftest import CHROMIUM, REPO, require

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "test-output" / "screenshots"
LAUNCH_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]



@pytest.fixture(scope="module")
def site(real_book):
    """The built book served on localhost."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output readable
            pass

    handler = functools.partial(Quiet, directory=str(real_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", real_book
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    require(CHROMIUM, "Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield instance
        instance.close()


def book_pages(html: Path) -> list[str]:
    return sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html") if p.parent.name == "book")


def test_root_address_leads_to_the_home_page(site, browser):
    base, _ = site
    page = browser.new_page()
    page.goto(f"{base}/")
    page.wait_for_url("**/book/index.html")
    assert page.locator("h1").first.inner_text().startswith("UN Mexico Results Book")


def test_every_page_loads_without_console_errors_and_images_load(site, browser):
    base, html = site
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    pages = book_pages(html)
    assert len(pages) >= 17
    for name in pages:
        response = page.goto(f"{base}/{name}")
        assert response.status == 200, name
        page.wait_for_load_state("load")
        broken = page.evaluate("[...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        assert not broken, f"{name}: images that did not load: {broken}"
    assert not errors, errors


def test_search_finds_the_right_page(site, browser):
    base, _ = site
    page = browser.new_page()
    page.goto(f"{base}/search.html?q=Tapachula")
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


@pytest.mark.parametrize("query,page_name", [("54,421", "work_area_1"), ("70.2", "chapter_1"), ("9,460", "work_area_4")])
def test_search_finds_numbers_as_printed(site, browser, query, page_name):
    base, _ = site
    page = browser.new_page()
    page.goto(f"{base}/search.html?q={query}")
    page.wait_for_selector("#search-results ul li a", timeout=20000)
    hits = page.eval_on_selector_all("#search-results ul li a", "els => els.map(e => e.getAttribute('href'))")
    assert any(page_name in h for h in hits), hits
    snippets = page.inner_text("#search-results")
    assert "import " not in snippets and "page.table(" not in snippets  # no code in search results


@pytest.mark.parametrize("side,expected", [("primary", "Chapter 1"), ("secondary", "Population")])
def test_both_menus_open_and_close_on_a_phone(site, browser, side, expected):
    base, _ = site
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(f"{base}/book/at_a_glance.html")
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
