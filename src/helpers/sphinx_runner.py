"""``python -m helpers.sphinx_runner ARGS``: Jupyter Book's command line, started ahead of time.

The build starts this process before it validates and executes: it imports Jupyter Book, Sphinx, MyST-NB and the
theme (the slow part of every Sphinx run, about 2 s of an edit build, measured in benchmarks/README.md) while the
notebooks run, then waits for one line on standard input: ``go`` runs ``jupyter-book ARGS``; anything else, or the
end of the input, exits without building.
"""

from __future__ import annotations

import importlib
import sys


def main() -> int:
    from jupyter_book.cli.main import main as jupyter_book

    for module in ("jupyter_book.sphinx", "myst_nb.sphinx_ext", "sphinx_book_theme", "sphinx_external_toc"):
        importlib.import_module(module)  # what the build's extensions import, imported while waiting
    if sys.stdin.readline().strip() != "go":
        return 0
    sys.argv = ["jupyter-book", *sys.argv[1:]]
    try:
        jupyter_book()
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
