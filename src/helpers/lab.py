"""What a notebook shows the analyst who runs it in JupyterLab, and never shows in the build.

Prose is written twice, in cells tagged ``lang-en`` and ``lang-es``. The pinned ``jupyterlab-celltagsclasses``
extension gives each cell a class per tag (``cell-tag-lang-es``); the notebook's setup then shows one language's
cells, the one its ``lang`` parameter names, so the notebook reads as its page does: the same language in prose and
in the helpers' words (chart titles, table headers). The rule is scoped with ``:has`` to the notebook that ran it.
"""

from __future__ import annotations

import html
import os

from IPython.display import HTML, display

from .i18n import LANGUAGE_TAG, LOCALES, msg
from .inputs import INPUTS

SESSION = "JPY_SESSION_NAME"  # set by jupyter_server for a kernel it starts for a notebook


def in_lab() -> bool:
    """A kernel JupyterLab started for a notebook, not one a build started (those are told where to report inputs,
    even when the build itself was started from a notebook)."""
    return bool(os.environ.get(SESSION)) and not os.environ.get(INPUTS)


def language_view(lang: str) -> str:
    """HTML that hides the other languages' prose cells of this notebook and says how to switch."""
    hidden = ", ".join(f".jp-Notebook:has(.rb-lab-language[data-lang='{lang}']) .cell-tag-{LANGUAGE_TAG}{other}"
                       for other in sorted(LOCALES) if other != lang)
    others = ", ".join(f'lang = "{other}" ({msg(f"lab.names.{other}")})' for other in sorted(LOCALES) if other != lang)
    note = msg("lab.language_view", language=msg(f"lab.names.{lang}"), code=lang, others=others)
    return (f"<style>{hidden} {{ display: none; }}</style>"
            f'<p class="rb-lab-language" data-lang="{lang}">{html.escape(note)}</p>')


def show_language(lang: str) -> None:
    """In JupyterLab, show one language's prose cells; elsewhere (the build, papermill by hand) nothing."""
    if in_lab():
        display(HTML(language_view(lang)))
