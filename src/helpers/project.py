"""Where things are in a Results Book project: root, table of contents, editions."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import InputError

from .inputs import ROOT as ROOT_ENV, record_file, record_listing
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: several times faster


def not_regular(path: Path) -> str | None:
    """What a path is when it is not a regular file a build may read ('a symbolic link', 'a named pipe', …)."""
    import stat

    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return ("a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")


def read_text(path: Path) -> str:
    """A data or configuration file's text; only a regular file is read (never a link, pipe or device)."""
    kind = not_regular(Path(path))
    if kind:
        raise InputError(f"{path}: is {kind}; only regular files inside the project are read")
    return Path(path).read_text(encoding="utf-8")


def read_yaml(path: Path):
    """Parse a YAML file safely (the project's one YAML reader)."""
    return parse_yaml(read_text(path), path)


def parse_yaml(text: str, path: Path):
    """Parse the text of the YAML file ``path`` safely."""
    try:
        return yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from None
_YEAR_DIR = re.compile(r"^\d{4}$")


def find_root(start: Path | None = None) -> Path:
    """The project root: $RESULTSBOOK_ROOT, else the nearest folder holding _toc.yml."""
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file() and (folder / "_config.yml").is_file():
            return folder
    raise InputError(f"no Results Book project (a folder with _config.yml and _toc.yml) at or above {here}")


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def build_dir(self) -> Path:
        return self.root / "_build"

    def year_dir(self, year: int) -> Path:
        return self.data_dir / str(year)

    def editions(self) -> list[int]:
        """Years that have a data folder, oldest first."""
        if not self.data_dir.is_dir():
            return []
        record_listing(self.data_dir)  # a page that lists editions is stale when one is added or removed
        return sorted(int(p.name) for p in self.data_dir.iterdir() if p.is_dir() and _YEAR_DIR.match(p.name))

    def cycle_spans(self) -> list[tuple[int, int, Path]]:
        """Every Cooperation Framework cycle in data/frameworks/: (first year, last year, its folder), oldest first."""
        folder = self.data_dir / "frameworks"
        if not folder.is_dir():
            return []
        record_listing(folder)
        spans = []
        for meta_path in sorted(folder.glob("*/framework.yml")):
            record_file(meta_path)
            meta = read_yaml(meta_path) or {}
            try:
                spans.append((int(meta["first_year"]), int(meta["last_year"]), meta_path.parent))
            except (KeyError, TypeError, ValueError):
                raise InputError(f"{meta_path}: expected whole numbers first_year and last_year") from None
        return sorted(spans)

    def framework_dir(self, year: int) -> Path | None:
        """The Cooperation Framework cycle that covers ``year``: data/frameworks/<cycle>/ with a framework.yml
        whose first_year and last_year include it (its structure is stated once for the whole cycle)."""
        return next((folder for first, last, folder in self.cycle_spans() if first <= year <= last), None)

    def latest_edition(self) -> int:
        years = self.editions()
        if not years:
            raise InputError(f"no edition to build: {self.data_dir} has no YEAR folder")
        return years[-1]

    def latest_complete_edition(self) -> int:
        """The latest edition in which every dataset it declares has rows: what a notebook run by hand (in
        JupyterLab, ``year = None``) renders, so that it shows what its page shows in the fullest recent book. The
        latest edition when none is complete."""
        for year in reversed(self.editions()):
            metas = sorted(self.year_dir(year).glob("*.yml"))
            if metas and all(_has_rows(m.with_suffix(".csv")) for m in metas):
                return year
        return self.latest_edition()

    def toc_documents(self) -> list[Path]:
        """Every document named in _toc.yml (root first), as paths relative to the root."""
        toc = read_yaml(self.root / "_toc.yml") or {}
        names: list[str] = []

        def walk(node):
            if isinstance(node, dict):
                for key in ("root", "file"):
                    if isinstance(node.get(key), str):
                        names.append(node[key])
                for value in node.values():
                    if isinstance(value, (list, dict)):
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(toc)
        docs = []
        for name in dict.fromkeys(names):  # keep order, drop repeats
            docs.append(self._resolve_document(name))
        return docs

    def toc_notebooks(self) -> list[Path]:
        return [d for d in self.toc_documents() if d.suffix == ".ipynb"]

    def _resolve_document(self, name: str) -> Path:
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise InputError(f"_toc.yml names '{name}', a path that leaves the project; expected a page inside it "
                             "(such as book/chapter_1)")
        candidates = [Path(name)] if Path(name).suffix in (".ipynb", ".md") else [
            Path(name + ".ipynb"), Path(name + ".md")]
        for rel in candidates:
            path = self.root / rel
            if path.is_file() and not not_regular(path) and path.resolve().is_relative_to(self.root.resolve()):
                return rel
            if path.exists() or path.is_symlink():
                raise InputError(f"_toc.yml names '{name}': {rel.as_posix()} is {not_regular(path) or 'outside the project'}; "
                                 "only regular files inside the project are read or published")
        raise InputError(f"_toc.yml names '{name}', but no such .ipynb or .md file exists in the project")


def _has_rows(csv: Path) -> bool:
    """A regular CSV file with at least one line of data under its header."""
    if not csv.is_file() or not_regular(csv):
        return False
    with open(csv, encoding="utf-8", errors="replace") as fh:
        return sum(1 for line in fh if line.strip()) > 1


def resolve_year(project: "Project", year: str | int | None) -> int:
    if year is None:
        return project.latest_edition()
    existing = ", ".join(map(str, project.editions())) or "none"
    value = parse_year(year, f"editions with data: {existing}")
    if not project.year_dir(value).is_dir():
        raise InputError(f"no data for year {value}: {project.year_dir(value)} does not exist "
                         f"(editions with data: {existing}; 'resultsbook new-year {value}' starts one)")
    return value


def parse_year(text, hint: str = "") -> int:
    """A year as the user typed it: four ASCII digits ('²' or '２０２２' are digits to Python, not years)."""
    value = str(text).strip()
    if not re.fullmatch(r"[0-9]{4}", value):
        raise InputError(f"year '{text}' is not a year such as 2022" + (f" ({hint})" if hint else ""))
    return int(value)
