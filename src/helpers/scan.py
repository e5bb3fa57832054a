"""Read a built edition as a reviewer would, for what a rebuild for another year must never show.

Defect classes: a zero standing for an unknown count, a Python repr, a gap in a heading or the page title,
dangling punctuation left by a missing value, and a page whose "not available" notice the gap ledger does
not name. Used by the test suite on every edition it builds.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

ZERO = re.compile(r"\b0 (?:UN )?(?:entities|entity|outcomes|work areas|initiatives|entries|strategic areas|"
                  r"programmatic principles|principles|figures|agencies|states|partners|stories|priorities)\b")
REPR = re.compile(r"IPython\.core\.display|object at 0x[0-9a-f]+|<function |\bNaN\b|\bnan\b|<NA>")
DANGLE = re.compile(r"[:,]\s*\.(?:\s|$)|\(\s*\)")
HEAD = re.compile(r"(?is)<(h1|h2|h3|title)\b[^>]*>(.*?)</\1>")
GAP_WORDS = re.compile(r"n\.a\.|not available", re.I)
SKIP = {"genindex.html", "search.html"}


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"(?s)<[^>]+>", " ", fragment))).strip()


def scan(html_dir: Path, year: int, ledger: str | None = None) -> dict[str, list[str]]:
    """Every defect of the built book in ``html_dir``, by class (empty lists when there is none)."""
    found: dict[str, list[str]] = {"zero-for-unknown": [], "python-repr": [], "gap-in-heading": [],
                                   "dangling": [], "notice-not-in-ledger": []}
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
        if ledger is not None and re.search(rf"not available for {year}", text, re.I) and page not in ledger:
            found["notice-not-in-ledger"].append(page)
    return found
