"""What a build was made from, and the generated "About this build" page."""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from importlib import metadata
from pathlib import Path

from .execute import Outcome

KEY_PACKAGES = ("jupyter-book", "sphinx", "myst-nb", "papermill", "pandas", "pandera",
                "matplotlib", "seaborn")
ABOUT_MARKER = "<!-- about-this-build -->"
# What changes with every build (its time, which notebooks ran and for how long) is written into the About page's
# HTML after Sphinx, in place of these comments (MyST passes them through): Sphinx then re-reads the page only when
# what it shows otherwise (data files, software) changes, not at every build.
BUILD_SUMMARY = "<!-- rb-build-summary -->"
BUILD_EXECUTION = "<!-- rb-build-execution -->"


def git_commit(root: Path) -> str:
    """The commit checked out in ``root``, or "" when it is not a Git checkout (the About page then says so)."""
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """The versions of the key packages (looked up once per process: a scan of the installed distributions)."""
    versions = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@dataclass
class BuildManifest:
    year: int
    commit: str
    outcomes: list[Outcome]
    built_at: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    versions: dict[str, str] = field(default_factory=lambda: dict(package_versions()))
    root: Path | None = None  # the project: the digests of files read in part are computed from it

    @property
    def data_files(self) -> dict[str, str]:
        """Every file and folder the pages read, with its digest (a file a page read only part of is listed whole,
        with the digest of its bytes: what a reader can check)."""
        from .inputs import PART, input_digest, input_file

        files: dict[str, str] = {}
        for outcome in self.outcomes:
            for key, digest in (outcome.data_files or {}).items():
                if PART in key:
                    key = input_file(key)
                    if key in files:
                        continue
                    digest = input_digest(self.root, key) if self.root is not None else None
                files[key] = digest
        return dict(sorted(files.items()))


def render_about(manifest: BuildManifest) -> str:
    """Markdown for the About page (inserted at ABOUT_MARKER): what the book was made from, with the places of what
    changes at every build (``render_build_record``)."""
    from .i18n import msg

    lines = [BUILD_SUMMARY, "", f"## {msg('about.execution')}", "", BUILD_EXECUTION, "",
             f"## {msg('about.data_files')}", "", msg("about.data_files_intro"), ""]
    files = manifest.data_files  # computed once: files a page read in part are digested here
    if files:  # an HTML table of escaped text: a file's name is data, never Markdown or markup
        lines += [_html_table([escape(msg("about.file")), "SHA-256"], [
            [f"{_code(path.removeprefix('listing:') + '/')} {escape(msg('about.listing'))}"
             if path.startswith("listing:") else _code(path), _code(digest)] for path, digest in files.items()])]
    else:
        lines += [msg("about.no_data")]
    lines += ["", f"## {msg('about.software')}", "",
              _html_table([escape(msg("about.package")), escape(msg("about.version"))],
                          [[escape(name), escape(version)] for name, version in manifest.versions.items()])]
    return "\n".join(lines) + "\n"


def _code(text: str) -> str:
    return f'<code class="docutils literal notranslate"><span class="pre">{escape(text)}</span></code>'


def _html_table(header: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> str:
    """A table as Sphinx writes a Markdown one (the theme's classes), from cells already escaped."""
    def cells(tag: str, values: list[str], head: bool) -> str:
        def opening(i: int) -> str:
            classes = " ".join(c for c, wanted in (("head", head), ("text-right", i in right)) if wanted)
            return f'<{tag} class="{classes}">' if classes else f"<{tag}>"

        return "".join(f"{opening(i)}<p>{v}</p></{tag}>\n" for i, v in enumerate(values))

    body = "".join(f'<tr class="row-{"odd" if i % 2 else "even"}">{cells("td", row, False)}</tr>\n'
                   for i, row in enumerate(rows))
    return ('<div class="pst-scrollable-table-container"><table class="table">\n<thead>\n'
            f'<tr class="row-odd">{cells("th", header, True)}</tr>\n</thead>\n<tbody>\n{body}</tbody>\n'
            "</table>\n</div>")


def render_build_record(manifest: BuildManifest) -> dict[str, str]:
    """HTML for what changes at every build, keyed by its place in the About page: the edition, commit, time and
    notebook counts; each notebook's status and seconds. Paths, counts and the catalogue's words only, escaped."""
    from .i18n import msg

    executed = sum(o.status == "executed" for o in manifest.outcomes)
    cached = sum(o.status == "cached" for o in manifest.outcomes)
    summary = [[escape(msg("about.edition")), str(manifest.year)],
               [escape(msg("about.commit")), _code(manifest.commit) if manifest.commit
                else escape(msg("about.no_commit"))],
               [escape(msg("about.built")), escape(manifest.built_at)],
               [escape(msg("about.notebooks")), escape(msg("about.notebook_counts", total=len(manifest.outcomes),
                                                           executed=executed, cached=cached))]]
    execution = [[_code(o.notebook), escape(msg("about.status_" + o.status)), f"{o.seconds:.1f}"]
                 for o in manifest.outcomes]
    return {BUILD_SUMMARY: _html_table(["", ""], summary),
            BUILD_EXECUTION: _html_table([escape(msg("about.notebook")), escape(msg("about.status")),
                                          escape(msg("about.seconds"))], execution, right={2})}
