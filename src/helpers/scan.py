"""Read a built edition as a reviewer would, for what a rebuild for another year must never show.

Defect classes: a zero standing for an unknown count, a Python repr, a gap in a heading or the page title,
dangling punctuation left by a missing value, a page whose "not available" notice the gap ledger does not
name, and on a page in another language (``_build/<YEAR>/html/es/``) a sentence left in English. Used by the
test suite on every edition it builds.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

ZERO = re.compile(r"\b0 (?:UN )?(?:entities|entity|outcomes|work areas|initiatives|entries|strategic areas|"
                  r"programmatic principles|principles|figures|agencies|states|partners|stories|priorities)\b"
                  r"|\b0 (?:entidades|efectos|áreas de trabajo|iniciativas|entradas|áreas estratégicas|principios|"
                  r"cifras|agencias|estados|aliados|historias|prioridades)\b")
REPR = re.compile(r"IPython\.core\.display|object at 0x[0-9a-f]+|<function |\bNaN\b|\bnan\b|<NA>")
DANGLE = re.compile(r"[:,]\s*\.(?:\s|$)|\(\s*\)")
HEAD = re.compile(r"(?is)<(h1|h2|h3|title)\b[^>]*>(.*?)</\1>")
GAP_WORDS = re.compile(r"n\.a\.|not available|n\. d\.|no disponible", re.I)
# English function words: a sentence dense in them is English, whatever names it carries
ENGLISH = frozenset("the and of to in is are was were for with that this by from its their on as which it be has have "
                    "not or an at each every where what who they them these those than been into".split())
CITED_SECTION = re.compile(r"[^.;()“”]*?, p\. \d+")  # 'Area 4: Peace, Justice and Rule of Law, p. 45': a cited title
ENGLISH_MARKED = re.compile(r'(?is)<(\w+)\b[^>]*\blang="en"[^>]*>.*?</\1>|<(cite|code|pre)\b[^>]*>.*?</\2>')
SKIP = {"genindex.html", "search.html"}


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"(?s)<[^>]+>", " ", fragment))).strip()


def english_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that read as English: two or more English function words, at least one word in
    eight. Titles cited with their section and page are left out (the report's sections keep their names)."""
    text = CITED_SECTION.sub(" ", text)
    found = []
    for sentence in re.split(r"(?<=[.!?;:])\s+|\n+", text):
        words = re.findall(r"[A-Za-zÀ-ÿ']+", sentence.lower())
        hits = sum(w in ENGLISH for w in words)
        if hits >= 2 and hits >= len(words) / 8:
            found.append(sentence.strip())
    return found


def translated_page(html_dir: Path, path: Path) -> bool:
    """True for a page of a book in another language, published inside the English one (html/es/...)."""
    from .i18n import DEFAULT, LOCALES

    first = path.relative_to(html_dir).parts[0]
    return first in LOCALES and first != DEFAULT


def scan(html_dir: Path, year: int, ledger: str | None = None) -> dict[str, list[str]]:
    """Every defect of the built book in ``html_dir``, by class (empty lists when there is none)."""
    found: dict[str, list[str]] = {"zero-for-unknown": [], "python-repr": [], "gap-in-heading": [],
                                   "dangling": [], "notice-not-in-ledger": [], "english-on-translated-page": []}
    for path in sorted(Path(html_dir).rglob("*.html")):
        if path.name in SKIP or {"_static", "_sources", "data"} & set(path.parts):
            continue
        raw = path.read_text(encoding="utf-8", errors="replace")
        body = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", raw)
        text = _text(body)
        page = path.relative_to(html_dir).with_suffix("").as_posix()
        found["zero-for-unknown"] += [f"{page}: {m.group(0)}" for m in ZERO.finditer(text)]
        found["python-repr"] += [f"{page}: {m.group(0)}" for m in REPR.finditer(text)]
        found["gap-in-heading"] += [f"{page}: <{tag}> {_text(inner)}" for tag, inner in HEAD.findall(body)
                                    if GAP_WORDS.search(_text(inner))]
        found["dangling"] += [f"{page}: {_text(p)[-60:]}" for p in re.findall(r"(?is)<p\b[^>]*>(.*?)</p>", body)
                              if DANGLE.search(_text(p))]
        in_language = translated_page(Path(html_dir), path)
        if in_language:
            article = re.search(r"(?is)<article\b.*?</article>", body)
            prose = _text(ENGLISH_MARKED.sub(" ", article.group(0) if article else body))
            found["english-on-translated-page"] += [f"{page}: {s[:120]}" for s in english_sentences(prose)]
        own = page.split("/", 1)[1] if in_language else page  # the ledger names pages as book/...
        if ledger is not None and re.search(rf"not available for {year}|no disponible para {year}", text, re.I) \
                and own not in ledger:
            found["notice-not-in-ledger"].append(page)
    return found
