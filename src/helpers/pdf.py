"""The whole edition as one PDF, like the report: built with the HTML, linked from it (``resultsbook build --pdf``).

Route: Sphinx's ``singlehtml`` builder over the same executed, pruned pages and the same strict flags; the
reference pages a reader does not print (the data dictionary, the build record) left out; one standalone print
document made from its article (cover, contents, chapters, no navigation or code); printed to A4 by Debian's
Chromium through Playwright (``page.pdf`` with an outline and tags); pypdf tidies the outline. No downloaded
browser and no TeX.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import yaml

from .errors import BuildError
from .project import Project, read_yaml

CHROMIUM_ENV = "CHROMIUM"  # where Debian's Chromium is; the browser tests read the same variable
DEFAULT_CHROMIUM = "/usr/bin/chromium"
LEFT_OUT = ("book/data_dictionary", "book/about")  # reference pages: online only


def pdf_name(year: int) -> str:
    return f"results-book-{year}.pdf"


def print_source(source: Path, dest: Path) -> None:
    """A copy of the book's Sphinx source for print: the reference pages left out, links to them kept as text."""
    shutil.copytree(source, dest)
    toc = read_yaml(dest / "_toc.yml")

    def prune(node):
        if isinstance(node, list):
            kept = [prune(n) for n in node
                    if not (isinstance(n, dict) and str(n.get("file", "")).rsplit(".", 1)[0] in LEFT_OUT)]
            return [n for n in kept if not (isinstance(n, dict) and "chapters" in n and not n["chapters"])]
        if isinstance(node, dict):
            return {k: prune(v) for k, v in node.items()}
        return node

    (dest / "_toc.yml").write_text(yaml.safe_dump(prune(toc), sort_keys=False), encoding="utf-8")
    names = "|".join(re.escape(Path(p).name) for p in LEFT_OUT)
    link = re.compile(rf"\[([^\]]*)\]\((?:{names})\.(?:md|ipynb)\)")
    for path in list(dest.rglob("*.md")) + list(dest.rglob("*.ipynb")):
        if path.with_suffix("").relative_to(dest).as_posix() in LEFT_OUT:
            path.unlink()
            continue
        text = path.read_text(encoding="utf-8")
        if link.search(text):
            path.write_text(link.sub(r"\1", text), encoding="utf-8")


def print_document(singlehtml: Path, title: str, year: int, report: str | None) -> Path:
    """The print document, written at the root of the singlehtml output (so that ``_static`` resolves).

    ``report`` is the Results Report the edition is curated from, or None for an edition of official releases."""
    from .i18n import language, msg

    origin = msg("pdf.rebuilt_from", report=report) if report else msg("pdf.rebuilt_official")
    from bs4 import BeautifulSoup

    page = singlehtml / "book" / "index.html"
    if not page.is_file():
        page = singlehtml / "index.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article.bd-article") or soup.body
    for junk in article.select("a.headerlink, .d-print-none, button, .toggle-details, script, .rb-download"):
        junk.decompose()
    seen: dict[str, int] = {}
    for node in article.select("[id]"):  # pages repeat section names ("Strategic areas" per work area)
        seen[node["id"]] = seen.get(node["id"], 0) + 1
        if seen[node["id"]] > 1:
            node["id"] = f"{node['id']}-{seen[node['id']]}"
    # singlehtml nests every page under the home page's title; in print each page is a chapter: its headings go
    # up one level, so that the PDF's outline has one top-level bookmark per chapter
    for marker in article.select('span[id^="document-"]'):
        chapter = marker.find_next_sibling("section")
        if chapter is None:
            continue
        chapter["class"] = chapter.get("class", []) + ["rb-chapter"]
        for heading in chapter.find_all(re.compile(r"^h[2-6]$")):
            heading.name = f"h{int(heading.name[1]) - 1}"
    contents = []
    for heading in article.select("h1, h2"):
        anchor = heading.find_parent("section")
        target = anchor.get("id") if anchor is not None else None
        text = " ".join(heading.get_text(" ").split())
        if target:
            cls = "rb-toc-chapter" if heading.name == "h1" else "rb-toc-section"
            contents.append(f'<li class="{cls}"><a href="#{html.escape(target)}">{html.escape(text)}</a></li>')
    styles = "".join(f'<link rel="stylesheet" href="_static/{name}">' for name in
                     sorted(p.name for p in (singlehtml / "_static").glob("mystnb*.css")))
    document = f"""<!DOCTYPE html>
<html lang="{language()}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>{styles}
<link rel="stylesheet" href="_static/resultsbook-print.css"></head>
<body class="rb-print">
<section class="rb-cover"><p class="rb-cover-kicker">{html.escape(msg("pdf.publisher"))}</p>
<p class="rb-cover-title">{html.escape(title)}</p>
<p class="rb-cover-edition">{html.escape(msg("pdf.edition", year=year))}</p>
<p class="rb-cover-source">{html.escape(origin)} {html.escape(msg("pdf.curated"))}</p>
</section>
<nav class="rb-contents"><p class="rb-contents-title">{html.escape(msg("pdf.contents"))}</p><ol>{''.join(contents)}</ol></nav>
<main class="rb-chapters">{article.decode_contents()}</main>
</body></html>"""
    target = singlehtml / "print.html"
    target.write_text(document, encoding="utf-8")
    return target


@contextmanager
def chromium():
    """Debian's Chromium driven by Playwright (never a downloaded browser), for ``print_pdf``."""
    path = os.environ.get(CHROMIUM_ENV, DEFAULT_CHROMIUM)
    if not Path(path).is_file():
        raise BuildError(f"{path}: Chromium is needed for --pdf (Debian: apt-get install chromium); "
                         "the previous book is unchanged")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def print_pdf(document: Path, output: Path, title: str, year: int, browser=None) -> None:
    """Print ``document`` to A4 with Debian's Chromium (``browser``, launched by ``chromium()``, or launched now)."""
    if browser is None:
        with chromium() as launched:
            return print_pdf(document, output, title, year, launched)
    from .i18n import msg

    numbers = html.escape(msg("pdf.page_of")).replace("[page]", '<span class="pageNumber"></span>')
    numbers = numbers.replace("[pages]", '<span class="totalPages"></span>')
    footer = ('<div style="width:100%;font-size:8pt;color:#444;text-align:center;font-family:sans-serif">'
              f'{html.escape(title)} · {numbers}</div>')
    page = browser.new_page(java_script_enabled=False)  # the print document needs none: nothing in it can run
    page.goto(document.as_uri(), wait_until="load")
    page.emulate_media(media="print")
    page.pdf(path=str(output), format="A4", print_background=True, display_header_footer=True,
             header_template="<span></span>", footer_template=footer, outline=True, tagged=True,
             margin={"top": "18mm", "bottom": "20mm", "left": "16mm", "right": "16mm"})
    page.close()
    tidy_outline(output, document, title, year)


def tidy_outline(path: Path, document: Path, title: str, year: int) -> None:
    """The outline's titles as the headings read (Chromium joins a wrapped heading's lines without their space),
    and the document's metadata and language. The print document has no navigation and no heading anchors, so
    the outline has one bookmark per heading and no doubled titles."""
    import logging

    from bs4 import BeautifulSoup
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # Chromium's trailer sizes draw harmless warnings
    soup = BeautifulSoup(document.read_text(encoding="utf-8"), "html.parser")
    headings = {re.sub(r"\s", "", h.get_text()): " ".join(h.get_text(" ").split())
                for h in soup.find_all(re.compile(r"^h[1-6]$"))}
    writer = PdfWriter(clone_from=PdfReader(str(path)))

    def retitle(node) -> None:
        while node is not None:
            squeezed = re.sub(r"\s", "", str(node.get("/Title", "")))
            if squeezed in headings:
                node[NameObject("/Title")] = TextStringObject(headings[squeezed])
            if "/First" in node:
                retitle(node["/First"].get_object())
            node = node["/Next"].get_object() if "/Next" in node else None

    outlines = writer._root_object.get("/Outlines")
    if outlines is not None and "/First" in outlines.get_object():
        retitle(outlines.get_object()["/First"].get_object())
    from .i18n import language, msg

    writer.add_metadata({"/Title": title, "/Subject": msg("pdf.subject", year=year), "/Author": msg("pdf.author")})
    writer._root_object[NameObject("/Lang")] = TextStringObject(language())
    tmp = path.with_suffix(".tmp.pdf")
    with tmp.open("wb") as fh:
        writer.write(fh)
    os.replace(tmp, path)


def link_pages(html_dir: Path, year: int) -> None:
    """Every page links the PDF from its download menu; the home page also in its text."""
    from .publish import add_to_download_menu

    name = pdf_name(year)
    from .i18n import msg

    add_to_download_menu(html_dir, msg("pdf.menu"), "rb-pdf-link", lambda page: name)
    home = html_dir / "book" / "index.html"
    if home.is_file():
        text = home.read_text(encoding="utf-8")
        article = text.find("<article")
        title_end = text.find("</h1>", article) if article >= 0 else -1
        if title_end >= 0:
            cut = title_end + len("</h1>")
            link = html.escape(msg("pdf.home_note", year=year)).replace("[link]", f'<a href="../{name}" download>')
            text = text[:cut] + f'<p class="rb-pdf-note">{link.replace("[/link]", "</a>")}</p>' + text[cut:]
            home.write_text(text, encoding="utf-8")


def edition_title(project: Project, year: int) -> str:
    """The book's title in the language being built (the catalogue's ``book.title``)."""
    from .i18n import msg

    return msg("book.title", year=year)
