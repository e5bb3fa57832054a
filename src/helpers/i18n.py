"""The book's languages: which one a page is rendered in, its words, and how it writes numbers and dates.

Every string the helpers put on a page, and every chart title or table header a notebook's code passes them, comes
from one message catalogue per language: ``src/helpers/messages/<lang>.yml``, nested keys read as dotted keys
(``chart.bar.alt``), as open-sdg keeps its translation files. Placeholders are ``{name}`` only; values are
inserted as text, never parsed. Prose cells are written in each language inside the notebook, tagged ``lang-<code>``;
the build keeps one language's cells (``cells_in``).

The language is a papermill parameter beside ``year`` (``page.edition(year, lang)`` sets it for the kernel).
Numbers and dates follow the language's Babel locale (es_MX: 126,014,024 and 7.8%, month names in Spanish).
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path

from .errors import InputError

LOCALES = {"en": "en_US", "es": "es_MX"}  # the book's languages and the Babel locale each writes numbers in
DEFAULT = "en"  # the language of the book's sources (data columns without a suffix, the notebooks' first cells)
NAMES = {"en": "English", "es": "Español"}  # each language in its own words, for the switcher
CATALOGUES = Path(__file__).with_name("messages")
PLACEHOLDER = re.compile(r"^[a-z_][a-z0-9_]*$")
_state = {"lang": DEFAULT}


def check_language(lang) -> str:
    """``lang`` if the book is written in it; InputError (exit 2) otherwise."""
    if lang not in LOCALES:
        raise InputError(f"language {lang!r} is not one of the book's languages; expected one of "
                         f"{', '.join(sorted(LOCALES))}")
    return lang


def set_language(lang: str | None) -> str:
    _state["lang"] = check_language(lang or DEFAULT)
    return _state["lang"]


def language() -> str:
    return _state["lang"]


def locale(lang: str | None = None) -> str:
    return LOCALES[lang or language()]


def _flatten(tree: dict, prefix: str, out: dict, path: Path) -> None:
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, f"{name}.", out, path)
        elif isinstance(value, str):
            out[name] = value
        else:
            raise InputError(f"{path}: message '{name}' is {type(value).__name__}; expected text")


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """Every message of a language, by dotted key (checked: text only, simple ``{name}`` placeholders)."""
    import yaml

    path = CATALOGUES / f"{check_language(lang)}.yml"
    try:
        tree = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: not a readable message catalogue ({exc})") from None
    out: dict[str, str] = {}
    _flatten(tree, "", out, path)
    for key, text in out.items():
        try:
            fields = placeholders(text)
        except ValueError as exc:
            raise InputError(f"{path}: message '{key}': {exc}; write a literal brace as '{{{{' or '}}}}'") from None
        bad = [f for f in fields if not PLACEHOLDER.match(f)]
        if bad:
            raise InputError(f"{path}: message '{key}' has placeholder(s) {bad}; expected plain names like {{year}}")
    return out


def msg(key: str, /, lang: str | None = None, **values) -> str:
    """The message ``key`` in the page's language, its ``{name}`` placeholders filled with ``values`` as text."""
    messages = catalogue(lang or language())
    if key not in messages:
        raise KeyError(f"message '{key}' is not in {CATALOGUES / (lang or language())}.yml")
    text = messages[key]
    return text.format(**{k: str(v) for k, v in values.items()}) if values else text


def words(**by_language: str) -> str:
    """Words a notebook gives in every language at once (a chart title: ``words(en="GDP growth", es="Crecimiento
    del PIB")``), in the page's language: one place to edit them, beside the call that uses them. A language left
    out is an analyst's mistake, named whichever language is being built."""
    missing = sorted(set(LOCALES) - set(by_language))
    unknown = sorted(set(by_language) - set(LOCALES))
    if missing or unknown:
        given = ", ".join(f"{k}={v!r}" for k, v in by_language.items())
        raise InputError(f"words({given}): " + "; ".join(
            ([f"no text for {', '.join(missing)}"] if missing else []) +
            ([f"{', '.join(unknown)} is not a language of the book"] if unknown else [])) +
            f"; expected one text for each of {', '.join(sorted(LOCALES))}")
    return by_language[language()]


def msg_or(key: str, fallback: str) -> str:
    """The message ``key`` if the catalogue has it, else ``fallback`` (a value from data the catalogue may name)."""
    return catalogue(language()).get(key, fallback)


def plural(key: str, count: int, /, lang: str | None = None, **values) -> str:
    """``key.one`` for a count of 1, ``key.other`` otherwise (both languages plural this way)."""
    return msg(f"{key}.{'one' if count == 1 else 'other'}", lang, count=count, **values)


def translated(column: str, lang: str | None = None) -> str:
    """The column holding a text column's words in another language: ``summary`` -> ``summary_es``."""
    return f"{column}_{lang or language()}"


def caption_key(caption: str) -> str:
    """The catalogue key of a part's caption in _toc.yml: 'Chapter 2: the Cooperation Framework' ->
    'toc.chapter_2_the_cooperation_framework'."""
    return "toc." + re.sub(r"[^a-z0-9]+", "_", caption.lower()).strip("_")


LANGUAGE_TAG = "lang-"  # a prose cell's tag: lang-en, lang-es


def cell_language(cell: dict) -> str | None:
    """The language a Markdown cell is written in (its ``lang-<code>`` tag), or None for an untagged cell."""
    tags = [t for t in cell.get("metadata", {}).get("tags", []) if t.startswith(LANGUAGE_TAG)]
    return tags[0][len(LANGUAGE_TAG):] if tags else None


def cells_in(nb: dict, lang: str) -> dict:
    """The notebook as a book in ``lang`` shows it: code cells and untagged cells, and the prose of ``lang``."""
    kept = [c for c in nb.get("cells", []) if c.get("cell_type") != "markdown" or cell_language(c) in (None, lang)]
    return {**nb, "cells": kept}


def markdown_page(path: Path, lang: str) -> Path:
    """A Markdown page in ``lang``: ``about.es.md`` beside ``about.md`` (the page itself in the default language)."""
    if lang == DEFAULT:
        return path
    twin = path.with_name(f"{path.stem}.{lang}{path.suffix}")
    if not twin.is_file():
        raise InputError(f"{path}: no {twin.name} beside it; every Markdown page of the book is written in each "
                         f"of its languages")
    return twin
