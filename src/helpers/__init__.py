"""Helpers for the UN Mexico Results Book.

Kept import-light on purpose: notebooks import submodules (``helpers.data``,
``helpers.charts``, ``helpers.fmt``, ``helpers.page``) and the build pipeline imports
``helpers.build``; importing the package itself loads nothing heavy.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
