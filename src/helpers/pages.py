"""The pages of an edition's book: each notebook of ``_toc.yml`` once, and a template notebook once per value.

A notebook whose metadata holds ``resultsbook.foreach`` is a template, as the cal-itp portfolio runs one
notebook per district: it is executed once for every value the edition's data holds, with that value
injected as a papermill parameter beside ``year``, and each execution is its own page. The work-area page
is one: ``{"parameter": "area", "dataset": "work_areas", "column": "work_area", "page": "book/work_area_{area}"}``
gives ``book/work_area_1`` … for as many work areas as the Cooperation Framework has.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .project import Project

FOREACH_KEYS = {"parameter", "dataset", "column", "page"}


@dataclass(frozen=True)
class Page:
    rel: Path  # the document in the book, e.g. book/work_area_2.ipynb
    notebook: Path  # the notebook executed for it (relative to the root)
    parameters: dict = field(default_factory=dict, hash=False, compare=False)  # besides year

    @property
    def name(self) -> str:
        return self.rel.with_suffix("").as_posix()


def foreach(project: Project, notebook: Path) -> dict | None:
    """The template declaration of a notebook, checked; None for an ordinary notebook."""
    path = project.root / notebook
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError) as exc:
        raise InputError(f"{notebook}: not a readable notebook ({exc})") from None
    spec = (meta.get("resultsbook") or {}).get("foreach")
    if spec is None:
        return None
    if not isinstance(spec, dict) or set(spec) != FOREACH_KEYS or "{" + str(spec.get("parameter")) + "}" not in str(spec["page"]):
        raise InputError(f"{notebook}: metadata resultsbook.foreach must have exactly the keys "
                         f"{sorted(FOREACH_KEYS)}, with '{{parameter}}' in page")
    return spec


def edition_pages(project: Project, year: int) -> list[Page]:
    """Every executed page of the edition, in table-of-contents order."""
    from .data import Edition

    pages: list[Page] = []
    for rel in project.toc_notebooks():
        spec = foreach(project, rel)
        if spec is None:
            pages.append(Page(rel, rel))
            continue
        rows = Edition(year, project.root).rows(spec["dataset"]) or []  # validated already: plain text will do
        if rows and spec["column"] not in rows[0]:
            raise InputError(f"{rel}: resultsbook.foreach names column '{spec['column']}', which dataset "
                             f"'{spec['dataset']}' does not have")
        values = {r[spec["column"]].strip() for r in rows if (r.get(spec["column"]) or "").strip()}
        for value in sorted(values, key=lambda v: (not v.isdigit(), int(v) if v.isdigit() else 0, v)):
            typed = int(value) if value.isdigit() else value
            page = Path(spec["page"].replace("{" + spec["parameter"] + "}", value)).with_suffix(".ipynb")
            pages.append(Page(page, rel, {spec["parameter"]: typed}))
    return pages


def expand_toc(project: Project, toc, pages: list[Page]):
    """The table of contents with each template's entry replaced by its pages' entries (none, if no value)."""
    documents = {d.with_suffix("").as_posix(): d for d in project.toc_documents()}

    def template_of(node) -> str | None:
        if isinstance(node, dict) and isinstance(node.get("file"), str):
            name = str(Path(node["file"]).with_suffix("")) if Path(node["file"]).suffix in (".ipynb", ".md") \
                else node["file"]
            doc = documents.get(name)
            if doc is not None and doc.suffix == ".ipynb" and foreach(project, doc) is not None:
                return name
        return None

    def walk(node):
        if isinstance(node, list):
            out = []
            for item in node:
                name = template_of(item)
                if name is None:
                    out.append(walk(item))
                    continue
                out += [{**{k: v for k, v in item.items() if k != "file"}, "file": p.name}
                        for p in pages if p.notebook.with_suffix("").as_posix() == name]
            return out
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        return node

    return walk(toc)
