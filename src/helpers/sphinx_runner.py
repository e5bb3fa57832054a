"""``python -m helpers.sphinx_runner ARGS``: Jupyter Book's command line, started ahead of time.

The build starts this process before it validates and executes: it imports Jupyter Book, Sphinx, MyST-NB and the
theme while the notebooks run, then reads one line on standard input:

- ``go`` runs ``jupyter-book ARGS`` now;
- ``init`` (sent only when the configuration and table of contents are those of the previous build) runs it too,
  but Sphinx, once initialised (extensions, configuration, the saved environment), waits at its ``builder-inited``
  event for a second line, ``go``, before it looks for changed pages (``helpers.sphinx_ext.hold_until_go``);
- anything else, or the end of the input, exits without building.

Measured (benchmarks/README.md): the early start about 2 s of an edit build, ``init`` about 1 s more.
"""

from __future__ import annotations

import importlib
import os
import sys


def main() -> int:
    from jupyter_book.cli.main import main as jupyter_book

    for module in ("jupyter_book.sphinx", "myst_nb.sphinx_ext", "sphinx_book_theme", "sphinx_external_toc"):
        importlib.import_module(module)  # what the build's extensions import, imported while waiting
    step = sys.stdin.readline().strip()
    if step not in ("init", "go"):
        return 0
    if step == "init":
        from helpers.inputs import SPHINX_HOLD

        os.environ[SPHINX_HOLD] = "1"
    sys.argv = ["jupyter-book", *sys.argv[1:]]
    try:
        jupyter_book()
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
