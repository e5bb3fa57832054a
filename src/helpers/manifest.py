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

    @property
    def data_files(self) -> dict[str, str]:
        files: dict[str, str] = {}
        for outcome in self.outcomes:
            files.update(outcome.data_files or {})
        return dict(sorted(files.items()))


def render_about(manifest: BuildManifest) -> str:
    """Markdown tables for the About page (inserted at ABOUT_MARKER)."""
    executed = sum(o.status == "executed" for o in manifest.outcomes)
    cached = sum(o.status == "cached" for o in manifest.outcomes)
    lines = [
        "| | |", "|---|---|",
        f"| Edition | {manifest.year} |",
        f"| Git commit | `{manifest.commit}` |",
        f"| Built | {manifest.built_at} |",
        f"| Notebooks | {len(manifest.outcomes)} ({executed} executed in this build, {cached} reused from the cache) |",
        "", "## Notebook execution", "",
        "| Notebook | Status | Seconds |", "|---|---|---:|",
    ]
    lines += [f"| `{o.notebook}` | {o.status} | {o.seconds:.1f} |" for o in manifest.outcomes]
    lines += ["", "## Data files used", "",
              "Every file the notebooks read through the data loader, and every folder whose list of entries they "
              "used (the editions), with its SHA-256 checksum.", ""]
    if manifest.data_files:
        lines += ["| File | SHA-256 |", "|---|---|"]
        lines += [f"| `{path.removeprefix('listing:')}/` (the entries it holds) | `{digest}` |"
                  if path.startswith("listing:") else f"| `{path}` | `{digest}` |"
                  for path, digest in manifest.data_files.items()]
    else:
        lines += ["No data file was read."]
    lines += ["", "## Software", "", "| Package | Version |", "|---|---|"]
    lines += [f"| {name} | {version} |" for name, version in manifest.versions.items()]
    return "\n".join(lines) + "\n"
