"""The data dictionary page, generated from each dataset's metadata."""

from __future__ import annotations

import html

import pandas as pd

from .charts import download_href
from .data import Edition, record_dependency
from .schema import ColumnSpec
from .units import UNITS


def catalogue(year: int) -> pd.DataFrame:
    """One row per dataset the edition uses (its own and its framework cycle's): linked name, title, rows."""
    edition = Edition(year)
    rows = []
    for holder, name in edition.holders():
        meta = holder.meta(name)
        record_dependency(holder.folder / f"{name}.yml")
        csv_path = holder.folder / f"{name}.csv"
        count = max(0, sum(1 for _ in csv_path.open(encoding="utf-8", errors="replace")) - 1) if csv_path.is_file() else 0
        if csv_path.is_file():
            record_dependency(csv_path)
        folder = None if holder is edition else holder.folder.relative_to(edition.project.data_dir).as_posix()
        shown = name if folder is None else f"{folder}/{name}"
        link = f'<a href="{html.escape(download_href(name, year, folder=folder))}" download>' \
               f"<code>{html.escape(shown)}.csv</code></a>"
        # the table is rendered without escaping (for the link): every text from the metadata is escaped here
        rows.append({"name": name, "link": link, "title": html.escape(str(meta.title)), "rows": count,
                     "description": html.escape(str(meta.description))})
    return pd.DataFrame(rows)


def package_links_html(year: int) -> str:
    """Links to the edition's Data Package and its zip, which the build publishes under data/."""
    from .datapackage import zip_name

    base = download_href("datapackage", year).rsplit("/", 2)[0]  # the book's data/ folder, from this page
    return (f'<p class="rb-package">The whole edition as a <a href="{html.escape(base)}/datapackage.json">'
            f"Frictionless Data Package</a> (datapackage.json: every field's type, unit, constraints and keys), "
            f'or all of it in one <a href="{html.escape(base)}/{html.escape(zip_name(year))}" download>zip file</a>.'
            "</p>")


def rules(spec: ColumnSpec) -> str:
    """A column's constraints in words."""
    parts = [spec.type, "may be empty" if spec.nullable else "required"]
    if spec.min is not None:
        parts.append(f"at least {spec.min:g}")
    if spec.max is not None:
        parts.append(f"at most {spec.max:g}")
    if spec.allowed:
        parts.append("one of: " + ", ".join(map(str, spec.allowed)))
    if spec.references:
        parts.append(f"values from {spec.references}" + (f", separated by '{spec.separator}'" if spec.separator else ""))
    return "; ".join(parts)


def columns_html(year: int) -> str:
    """A captioned table of columns for every dataset (HTML: cheap for Sphinx to carry, unlike Markdown)."""
    blocks = []
    for holder, name in Edition(year).holders():
        meta = holder.meta(name)
        key = ", ".join(meta.primary_key) or "none"
        rows = "".join(f"<tr><td><code>{html.escape(spec.name)}</code></td><td>{html.escape(spec.description)}</td>"
                       f"<td>{html.escape(rules(spec))}</td></tr>" for spec in meta.columns.values())
        note = ""
        if meta.unit_column:
            note = (f"<p>The <code>{html.escape(meta.unit_column)}</code> column gives the unit of "
                    f"<code>{html.escape(meta.value_column)}</code>; "
                    "percentages must lie between 0 and 100 and counts must be whole numbers of 0 or more.</p>")
        blocks.append(f'<table class="rb-table"><caption>{html.escape(meta.title)} ({name}; one row per '
                      f"{html.escape(key)})</caption><thead><tr><th>Column</th><th>Meaning</th><th>Rules</th></tr>"
                      f"</thead><tbody>{rows}</tbody></table>{note}")
    return "\n".join(blocks)


def units_frame() -> pd.DataFrame:
    return pd.DataFrame([{"code": u.code, "label": u.label, "kind": u.kind} for u in UNITS.values()])
