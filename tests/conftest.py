"""Shared test helpers: copies of the fixture book and of the real project, and a CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "minibook"
COPY_IGNORE = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", ".pytest_cache", "*.egg-info",
                                     "node_modules", ".ipynb_checkpoints")


def run_cli(root: Path, *args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run `resultsbook ARGS` in ``root`` as a user would, with the test's interpreter. A build names no language
    builds English only here (``--lang en``): the tests of the Spanish book (test_i18n.py) ask for it."""
    if args and args[0] == "build" and not any(a == "--lang" or a.startswith("--lang=") for a in args):
        args = (*args, "--lang", "en")
    full_env = {**os.environ, **(env or {})}
    full_env.pop("RESULTSBOOK_ROOT", None)
    return subprocess.run([sys.executable, "-m", "helpers.cli", *args], cwd=root, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def tree_state(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and modification time of every file under ``folder``: equal states mean untouched."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def minibook(tmp_path: Path) -> Path:
    """A fresh copy of the fixture book (made-up data for editions 2030 and 2031)."""
    target = tmp_path / "minibook"
    shutil.copytree(FIXTURE, target, ignore=COPY_IGNORE)
    return target


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the real project without its build, virtual environment or git history."""
    target = tmp_path / "project"
    shutil.copytree(REPO, target, ignore=COPY_IGNORE)
    return target


CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))  # Debian's, never a downloaded browser


def require(path: Path, what: str) -> None:
    """A tool the test needs: in CI its absence fails the test; on a developer machine it skips it, saying so."""
    if path.exists():
        return
    message = f"{what} not found at {path} (make test installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


FULL_EDITION = 2022  # the edition curated from a whole Results Report: every figure of it is checked on its page


@pytest.fixture(scope="session")
def real_book(tmp_path_factory) -> Path:
    """The full edition of the real book in every language (Spanish at html/es/), built once per test session in a
    copy of the project."""
    year = FULL_EDITION
    root = tmp_path_factory.mktemp("real") / "project"
    shutil.copytree(REPO, root, ignore=COPY_IGNORE)
    done = run_cli(root, "build", "--no-progress", "--year", str(year), "--lang", "all", timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    return root / "_build" / str(year) / "html"


LAUNCH_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def serve(folder: Path):
    """A quiet local web server for a built book (the caller shuts it down)."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output readable
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def site(real_book):
    """The built book (both languages: Spanish at es/) served on localhost: (address, folder)."""
    server = serve(real_book)
    yield f"http://127.0.0.1:{server.server_address[1]}", real_book
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright (never a downloaded browser)."""
    require(CHROMIUM, "Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield instance
        instance.close()
