"""``resultsbook lang-check``: the bilingual convention of the notebooks, checked before a build or a test does.

Every Markdown cell is tagged with its language (``lang-en``, ``lang-es``); the cells of each language come in the
same order, one per English cell, with the same glue keys and the same headings; Spanish cells hold no English
left untranslated (told by English function words, which Spanish never uses).
"""

from __future__ import annotations

import re
from pathlib import Path

from .i18n import DEFAULT, LOCALES, cell_language
from .page import glue_references

HEADING = re.compile(r"^(#+) ", re.M)
# words common in any English sentence and never Spanish words (not "a", "no", "me" ...)
ENGLISH = {"the", "and", "of", "with", "which", "this", "that", "from", "for", "is", "are", "was", "were", "its",
           "their", "has", "have", "been", "than", "into", "by", "or"}
CODE = re.compile(r"\{[a-z:]+\}`[^`]*`|`[^`]*`|\([^)]*\)|\[[^\]]*\]|<[^>]*>")  # roles, code, links: not prose


def english_words(text: str) -> list[str]:
    words = re.findall(r"[A-Za-z]+", CODE.sub(" ", text).lower())
    return sorted({w for w in words if w in ENGLISH})


def notebook_problems(path: Path, rel: str) -> list[str]:
    """Each breach of the convention in one notebook, as 'REL, cell N: what'."""
    import nbformat

    cells = [(n, c) for n, c in enumerate(nbformat.read(path, as_version=4).cells, start=1)
             if c.cell_type == "markdown"]
    problems = [f"{rel}, cell {n}: no language tag (expected lang-{' or lang-'.join(LOCALES)})"
                for n, c in cells if cell_language(c) not in LOCALES]
    by_lang = {lang: [(n, c) for n, c in cells if cell_language(c) == lang] for lang in LOCALES}
    english = by_lang[DEFAULT]
    for lang, written in by_lang.items():
        if lang == DEFAULT:
            continue
        for (n, en), twin in zip(english, written + [None] * (len(english) - len(written))):
            if twin is None:
                problems.append(f"{rel}, cell {n}: no lang-{lang} cell follows this lang-{DEFAULT} one")
                continue
            m, other = twin
            ours, theirs = glue_references({"cells": [en]}), glue_references({"cells": [other]})
            only_en, only_other = sorted(set(ours) - set(theirs)), sorted(set(theirs) - set(ours))
            if only_en or only_other:
                problems.append(f"{rel}, cells {n} and {m}: glue keys in one language only: "
                                + "; ".join(filter(None, [only_en and f"{DEFAULT}: {', '.join(only_en)}",
                                                          only_other and f"{lang}: {', '.join(only_other)}"])))
            if [len(h) for h in HEADING.findall(en.source)] != [len(h) for h in HEADING.findall(other.source)]:
                problems.append(f"{rel}, cells {n} and {m}: the headings differ in number or level")
            left = english_words(other.source)
            if lang != "en" and len(left) >= 2:
                problems.append(f"{rel}, cell {m} (lang-{lang}): English left untranslated ({', '.join(left)})")
        for m, _ in written[len(english):]:
            problems.append(f"{rel}, cell {m}: a lang-{lang} cell with no lang-{DEFAULT} cell before it")
    return problems


def project_problems(root: Path, notebooks: list[Path] | None = None) -> tuple[int, list[str]]:
    """(notebooks checked, problems) for the given notebooks or every notebook under book/."""
    paths = notebooks or sorted((root / "book").glob("*.ipynb"))
    problems = []
    for path in paths:
        rel = path.resolve().relative_to(root.resolve()).as_posix() if path.resolve().is_relative_to(root.resolve()) \
            else path.name
        problems += notebook_problems(path, rel)
    return len(paths), problems
