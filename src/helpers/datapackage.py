"""Each edition's data as a Frictionless Data Package, generated from the YAML metadata (the one source of truth).

Published with the book at ``data/datapackage.json`` beside the edition's CSVs (``data/<YEAR>/``) and its
framework cycle's (``data/frameworks/<cycle>/``), plus one zip of the lot. Fields follow each CSV's column
order with their types, units, descriptions and constraints; primary and foreign keys come from the metadata.
A column holding several values ("FAO;ILO") cannot be a foreign key in Table Schema, so its reference is
described in words only. Generated, not imported: pandera's frictionless importer mishandles nullable integers
and foreign keys.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

from .data import Edition
from .project import Project
from .schema import FORMATS

TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}
REUSE = ("The Results Report may be quoted and reused with acknowledgment of the source; official releases "
         "are reused under their publishers' terms, each named in sources.")


def package_name(year: int) -> str:
    return f"un-mexico-results-book-{year}"


def zip_name(year: int) -> str:
    return f"results-book-data-{year}.zip"


def _resource_name(edition: Edition, holder: Edition, name: str) -> str:
    return name if holder is edition else f"framework-{name.replace('_', '-')}"


def descriptor(project: Project, year: int) -> dict:
    """The datapackage.json of an edition (paths relative to the book's data/ folder)."""
    edition = Edition(year, project.root)
    resources = []
    # every dataset the edition uses, and all of its framework cycle's (the cycle's own sources among them)
    listed = [(edition, name) for name in edition.names()]
    if edition.framework is not None:
        listed += [(edition.framework, name) for name in edition.framework.names()]
    for holder, name in listed:
        meta = holder.meta(name)
        path = holder.folder / f"{name}.csv"
        header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))), []) if path.is_file() else []
        fields = []
        foreign = []
        for column in header or list(meta.columns):
            spec = meta.columns.get(column)
            if spec is None:
                continue
            field = {"name": column, "type": TYPES[spec.type], "description": spec.description}
            constraints = {}
            if not spec.nullable:
                constraints["required"] = True
            if spec.min is not None:
                constraints["minimum"] = spec.min
            if spec.max is not None:
                constraints["maximum"] = spec.max
            if spec.allowed is not None and not spec.separator:
                constraints["enum"] = list(spec.allowed)
            pattern = spec.pattern or (FORMATS[spec.format].pattern if spec.format else None)
            if pattern and spec.type == "string":
                constraints["pattern"] = pattern.lstrip("^").rstrip("$")
            if constraints:
                field["constraints"] = constraints
            if spec.unit:
                field["unit"] = spec.unit
            if spec.references:
                target, target_column = spec.references.split(".", 1)
                owner = holder._owner(target)
                if spec.separator:
                    field["description"] += (f" Values separated by '{spec.separator}', each one of "
                                             f"{_resource_name(edition, owner, target)}.{target_column}.")
                else:
                    foreign.append({"fields": column, "reference": {
                        "resource": _resource_name(edition, owner, target), "fields": target_column}})
            fields.append(field)
        schema = {"fields": fields, "missingValues": [""]}
        if meta.primary_key:
            schema["primaryKey"] = list(meta.primary_key)
        if foreign:
            schema["foreignKeys"] = foreign
        if meta.unit_column and meta.value_column:
            schema["description"] = (f"'{meta.unit_column}' gives the unit of '{meta.value_column}' "
                                     "(codes listed in the book's data dictionary).")
        resources.append({
            "name": _resource_name(edition, holder, name),
            "path": path.relative_to(project.data_dir).as_posix(),
            "title": str(meta.title), "description": " ".join(str(meta.description).split()),
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "schema": schema,
        })
    sources = []
    for row in edition.rows("sources") or []:
        entry = {"title": f"{row.get('organisation', '')}: {row.get('citation', '')}".strip(": ")}
        if (row.get("url") or "").strip():
            entry["path"] = row["url"].strip()
        sources.append(entry)
    return {
        "name": package_name(year), "title": f"UN Mexico Results Book, {year} edition: data",
        "description": ("The curated data behind the book: one CSV per dataset with provenance on every row "
                        "(report section and page, reference period, source)."),
        "licenses": [{"name": "other-at", "title": REUSE}],
        "sources": sources, "resources": resources,
    }


def write_package(project: Project, year: int, data_dir: Path) -> list[Path]:
    """Write datapackage.json into the published data/ folder, and the zip of the package beside it."""
    package = descriptor(project, year)
    target = data_dir / "datapackage.json"
    target.write_text(json.dumps(package, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    archive = data_dir / zip_name(year)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        members = ["datapackage.json"] + sorted({r["path"] for r in package["resources"]} |
                                                {r["path"][:-4] + ".yml" for r in package["resources"]})
        for member in members:
            source = data_dir / member
            if source.is_file():
                info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))  # same data, same bytes
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, source.read_bytes())
    return [target, archive]
