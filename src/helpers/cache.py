"""The execution cache: one executed copy per notebook and edition, with the inputs it was made from.

A cached execution is valid when
- its *static key* matches: the notebook's code and cell tags, the glue keys its prose refers to, the injected parameters, every file under ``helpers``
  (code, message catalogues, anything a kernel can read there), the pinned requirements and the ``execute``
  settings of _config.yml; and
- every data file the notebook read during that execution (recorded by ``helpers.data``)
  still has the same sha256.

Reading dependencies from the execution itself means a change to one data file re-runs
only the notebooks that read it, while a notebook that reads nothing is not re-run at all. Prose runs no code:
a reused execution takes the notebook's current Markdown (``ExecutionCache.take_prose``), so a prose edit is seen
without running the page again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .fingerprint import cell_text, notebook_execution_digest, sha256_bytes, sha256_file, tree_digest
from .inputs import input_digest
from .page import glue_references

CACHE_FORMAT = 5  # 5: the prose's words out of the key (spliced into a reused execution)


@dataclass(frozen=True)
class ExecutionInputs:
    """Everything a notebook's execution is a pure function of, besides the data it reads."""

    notebook: Path  # absolute
    parameters: dict
    helpers_digest: str
    requirements_digest: str
    settings_digest: str = ""  # the execute section of _config.yml (helpers.cache.execution_settings_digest)

    def static_key(self) -> str:
        nb = json.loads(self.notebook.read_text(encoding="utf-8"))
        payload = {
            "format": CACHE_FORMAT,
            "notebook": notebook_execution_digest(nb, glue_references(nb)),
            "parameters": self.parameters,
            "helpers": self.helpers_digest,
            "requirements": self.requirements_digest,
            "settings": self.settings_digest,
        }
        return sha256_bytes(json.dumps(payload, sort_keys=True).encode())


@dataclass
class CacheRecord:
    static_key: str
    data_files: dict[str, str] = field(default_factory=dict)  # path relative to root -> sha256
    seconds: float = 0.0
    executed_sha256: str = ""  # of the executed notebook: a truncated or corrupt copy is never reused

    def to_json(self) -> str:
        return json.dumps({"static_key": self.static_key, "data_files": self.data_files, "seconds": self.seconds,
                           "executed_sha256": self.executed_sha256}, indent=1, sort_keys=True)


def helpers_location(root: Path) -> tuple[Path, Path | None]:
    """(helpers source folder to fingerprint, folder to put first on the kernels' PYTHONPATH)."""
    if (root / "src" / "helpers" / "__init__.py").is_file():
        return root / "src" / "helpers", root / "src"
    import helpers

    return Path(helpers.__file__).parent, None


def project_digests(root: Path, helpers_dir: Path) -> tuple[str, str]:
    """(helpers digest, requirements digest) for the project. The helpers digest covers every file under the
    helpers folder, not only its code: a kernel reads the message catalogues (chart titles, captions) there too."""
    requirements = root / "requirements.txt"
    req = sha256_file(requirements) if requirements.is_file() else sha256_bytes(b"")
    return tree_digest(helpers_dir), req


def execution_settings_digest(root: Path) -> str:
    """The ``execute`` section of _config.yml, which changes how (and whether) a page's execution ends."""
    from .project import read_yaml

    config = root / "_config.yml"
    settings = ((read_yaml(config) or {}).get("execute") or {}) if config.is_file() else {}
    return sha256_bytes(json.dumps(settings, sort_keys=True, default=str).encode())


class ExecutionCache:
    """Executed notebooks under ``_build/cache/<YEAR>/`` (``<YEAR>-<lang>/`` for a language other than English),
    keyed by the notebook's path."""

    def __init__(self, root: Path, year: int, lang: str = "en"):
        from .i18n import DEFAULT

        self.root = root
        self.folder = root / "_build" / "cache" / (str(year) if lang == DEFAULT else f"{year}-{lang}")

    def _stem(self, notebook_rel: Path) -> str:
        return notebook_rel.with_suffix("").as_posix().replace("/", "__")

    def executed_path(self, notebook_rel: Path) -> Path:
        return self.folder / f"{self._stem(notebook_rel)}.ipynb"

    def record_path(self, notebook_rel: Path) -> Path:
        return self.folder / f"{self._stem(notebook_rel)}.json"

    def lookup(self, notebook_rel: Path, static_key: str) -> CacheRecord | None:
        """The record of a still-valid earlier execution, or None."""
        record_file, executed = self.record_path(notebook_rel), self.executed_path(notebook_rel)
        if not (record_file.is_file() and executed.is_file()):
            return None
        try:
            raw = json.loads(record_file.read_text(encoding="utf-8"))
            record = CacheRecord(raw["static_key"], dict(raw["data_files"]), float(raw["seconds"]),
                                 str(raw["executed_sha256"]))
        except (ValueError, KeyError, TypeError, OSError):
            return None
        if record.static_key != static_key or sha256_file(executed) != record.executed_sha256:
            return None
        for key, digest in record.data_files.items():  # files read and folders listed (helpers.inputs)
            if input_digest(self.root, key) != digest:
                return None
        return record

    def take_prose(self, notebook_rel: Path, source: Path) -> bool:
        """Put the source notebook's Markdown into its reused execution (the key holds each Markdown cell's place
        and tags, so they pair in order); True when the prose had changed. The caller holds the edition's lock."""
        executed, record_file = self.executed_path(notebook_rel), self.record_path(notebook_rel)
        nb = json.loads(executed.read_text(encoding="utf-8"))
        prose = [c for c in json.loads(source.read_text(encoding="utf-8"))["cells"] if c.get("cell_type") == "markdown"]
        cells = [c for c in nb["cells"] if c.get("cell_type") == "markdown"]
        if len(cells) != len(prose):  # cannot happen with a matching key; never pair prose wrongly
            raise ValueError(f"{notebook_rel}: its cached execution does not match its cells")
        changed = False
        for cell, new in zip(cells, prose):  # the same words stored as one string or as lines are not a change
            if cell_text(cell) != cell_text(new) or cell.get("attachments") != new.get("attachments"):
                changed = True
                cell["source"] = new.get("source", "")
                cell.pop("attachments", None)
                if "attachments" in new:
                    cell["attachments"] = new["attachments"]
        if changed:
            raw = json.loads(record_file.read_text(encoding="utf-8"))
            tmp = executed.with_name(f".src-{executed.name}")
            tmp.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
            self.store(notebook_rel, tmp, CacheRecord(raw["static_key"], raw["data_files"], raw["seconds"]))
        return changed

    def clean_leftovers(self) -> None:
        """Temporary files of executions that were killed (the caller holds the edition's lock)."""
        if self.folder.is_dir():
            for pattern in (".run-*", ".src-*", "*.json.tmp"):
                for path in self.folder.glob(pattern):
                    path.unlink(missing_ok=True)

    def store(self, notebook_rel: Path, executed_tmp: Path, record: CacheRecord) -> None:
        """Move a finished execution into the cache; the record is written last so a crash leaves no valid entry."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.record_path(notebook_rel).unlink(missing_ok=True)
        record.executed_sha256 = sha256_file(executed_tmp)
        os.replace(executed_tmp, self.executed_path(notebook_rel))
        tmp = self.record_path(notebook_rel).with_suffix(".json.tmp")
        tmp.write_text(record.to_json(), encoding="utf-8")
        os.replace(tmp, self.record_path(notebook_rel))
