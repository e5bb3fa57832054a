"""``python -m helpers.sphinx_runner ARGS``: Jupyter Book's command line, started ahead of time.

The build starts this process first thing, before it knows whether any page changed. It imports Jupyter Book,
Sphinx and the theme (the slow part of every Sphinx run), then reads its instructions from standard input, one
line at a time (``STEPS``):

- ``go`` runs ``jupyter-book ARGS`` now;
- ``init`` (sent only when the configuration and table of contents are the same bytes as in the previous build)
  goes one step further: Sphinx is initialised (extensions, configuration, the saved environment) and waits again,
  just before ``Sphinx.build``, for ``go``; ``Sphinx.build`` then finds the pages that changed by their
  modification times as usual;
- anything else, or the end of the input, exits without building.
"""

from __future__ import annotations

import importlib
import sys
import types

STEPS = ("init", "go")
# This process imports while the notebooks' kernels run, and has time to spare: it usually waits for its ``go``.
# At a lower priority it yields the cores to the kernels and the build (the critical path) and still has them to
# itself when it builds (by then nothing else runs). Measured on 2 cores with the import cuts below, against the
# code before them: edit-one 1.32 -> 1.25 s at niceness 5, 1.30 -> 1.27 s at 12.
NICENESS = 5

# MyST-NB's notebook-execution clients, by module: the book's Sphinx never executes (papermill ran the pages and
# ``execute_notebooks`` is off, so MyST-NB takes its base client), yet importing them loads jupyter-cache,
# SQLAlchemy and nbclient: a quarter of this process's imports (0.62 -> 0.47 s measured), on the critical path of
# an edit-one build.
EXECUTION_CLIENTS = {
    "myst_nb.core.execute.cache": "NotebookClientCache",
    "myst_nb.core.execute.direct": "NotebookClientDirect",
    "myst_nb.core.execute.inline": "NotebookClientInline",
}


def defer_execution_clients() -> None:
    """Stand in for MyST-NB's execution-client modules until a client is created: each placeholder module holds a
    function of the client's name that imports the real module then and creates the real client, so a
    configuration that does execute still gets MyST-NB's own behaviour, only later."""
    for module, name in EXECUTION_CLIENTS.items():
        if module not in sys.modules:
            placeholder = types.ModuleType(module, f"Placeholder for {module}: imported when {name} is created.")
            setattr(placeholder, name, _import_when_called(module, name, placeholder))
            sys.modules[module] = placeholder


def _import_when_called(module: str, name: str, placeholder: types.ModuleType):
    def create(*args, **kwargs):
        if sys.modules.get(module) is placeholder:
            del sys.modules[module]
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    create.__name__ = create.__qualname__ = name
    return create


def _next_step() -> str:
    return sys.stdin.readline().strip()


def warm_up() -> None:
    """Work every build does once per process, done while waiting: compiling soupsieve's CSS grammar (a set of
    large regular expressions; the theme selects in every page's navigation), nbformat's JSON-schema validator
    (MyST-NB validates every notebook it reads) and importing Pygments' styles (the theme lists them all when it
    writes its highlighting stylesheet, at the end of every build: 0.08 s) and looking up MyST-NB's renderers
    (0.01 s). Measured: a fifth of an incremental build's Sphinx time."""
    import nbformat
    import soupsieve
    from myst_nb.core.render import load_mime_renders, load_renderer
    from pygments.styles import get_all_styles

    soupsieve.compile("li.toctree-l1 > details > a.reference")
    nbformat.validate(nbformat.v4.new_notebook())
    list(get_all_styles())
    load_renderer("default"), load_mime_renders()  # each scans every installed package's entry points (cached)


def main() -> int:
    import gc
    import os

    os.nice(NICENESS)
    # What is imported and initialised before the build is kept for good: the collector would only walk it, again
    # and again (a tenth of this process's start-up); it resumes, with all of it frozen, when the build starts.
    gc.disable()
    defer_execution_clients()

    import sphinx.application
    from jupyter_book.cli.main import main as jupyter_book

    importlib.import_module("jupyter_book.sphinx")  # (by name: ``jupyter_book`` here is its command)
    import myst_nb.sphinx_ext  # noqa: F401  (what MyST-NB's setup imports, but its execution clients)
    import sphinx_book_theme  # noqa: F401
    import sphinx_external_toc  # noqa: F401

    warm_up()
    # Frozen now, not only at the build: sphinx-external-toc's setup searches gc.get_objects() for Sphinx's toctree
    # collector, which is created after this point; the frozen imports are not listed (0.02 s less)
    gc.freeze()

    step = _next_step()
    if step not in STEPS:
        return 0
    build = sphinx.application.Sphinx.build

    def build_when_told(self, *args, **kwargs):
        gc.freeze()
        gc.enable()
        if step == "init" and _next_step() != "go":
            raise SystemExit(0)
        return build(self, *args, **kwargs)

    sphinx.application.Sphinx.build = build_when_told
    sys.argv = ["jupyter-book", *sys.argv[1:]]
    try:
        jupyter_book()
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


if __name__ == "__main__":
    from helpers.cli import exit_now

    # Sphinx has written and closed every file when it returns; the interpreter's shutdown after it (Sphinx,
    # docutils, SQLAlchemy and the rest torn down) measured a quarter of a second, on every build's critical path
    exit_now(main())
