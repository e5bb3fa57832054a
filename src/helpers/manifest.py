"""What a build was made from, and the generated "About this build" page."""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from .execute import Outcome

KEY_PACKAGES = ("jupyter-book", "sphinx", "myst-nb", "papermill", "pandas", "pandera",
                "matplotlib", "seaborn")
ABOUT_MARKER = "<!-- about-this-build -->"


def git_commit(root: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 else "unknown"


def package_versions() -> dict[str, str]:
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
    versions: dict[str, str] = field(default_factory=package_versions)
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
    """Markdown tables for the About page (inserted at ABOUT_MARKER)."""
    from .i18n import msg

    executed = sum(o.status == "executed" for o in manifest.outcomes)
    cached = sum(o.status == "cached" for o in manifest.outcomes)
    lines = [
        "| | |", "|---|---|",
        f"| {msg('about.edition')} | {manifest.year} |",
        f"| {msg('about.commit')} | `{manifest.commit}` |",
        f"| {msg('about.built')} | {manifest.built_at} |",
        f"| {msg('about.notebooks')} | "
        + msg("about.notebook_counts", total=len(manifest.outcomes), executed=executed, cached=cached) + " |",
        "", f"## {msg('about.execution')}", "",
        f"| {msg('about.notebook')} | {msg('about.status')} | {msg('about.seconds')} |", "|---|---|---:|",
    ]
    lines += [f"| `{o.notebook}` | {msg('about.status_' + o.status)} | {o.seconds:.1f} |" for o in manifest.outcomes]
    lines += ["", f"## {msg('about.data_files')}", "", msg("about.data_files_intro"), ""]
    files = manifest.data_files  # computed once: files a page read in part are digested here
    if files:
        lines += [f"| {msg('about.file')} | SHA-256 |", "|---|---|"]
        lines += [f"| `{path.removeprefix('listing:')}/` {msg('about.listing')} | `{digest}` |"
                  if path.startswith("listing:") else f"| `{path}` | `{digest}` |"
                  for path, digest in files.items()]
    else:
        lines += [msg("about.no_data")]
    lines += ["", f"## {msg('about.software')}", "", f"| {msg('about.package')} | {msg('about.version')} |", "|---|---|"]
    lines += [f"| {name} | {version} |" for name, version in manifest.versions.items()]
    return "\n".join(lines) + "\n"
