"""The data dictionary page, generated from each dataset's metadata."""

from __future__ import annotations

import html

import pandas as pd

from .charts import download_href
from .data import Edition, record_dependency
from .i18n import DEFAULT, language, msg
from .schema import ColumnSpec
from .units import UNITS


def metadata_text(text, translations: dict | None = None) -> str:
    """Metadata in the page's language (``description_es`` ... beside the English); where it gives none, the English
    is marked as English (for screen readers and translators) rather than passed off as the page's language."""
    lang = language()
    if lang != DEFAULT and (translations or {}).get(lang):
        return html.escape(str(translations[lang]))
    escaped = html.escape(str(text))
    return escaped if lang == DEFAULT else f'<span lang="{DEFAULT}">{escaped}</span>'


def _words(meta, key: str) -> dict[str, str]:
    """lang -> the dataset's title or description in that language (as metadata_text takes them)."""
    return {lang: words[key] for lang, words in meta.translations.items() if key in words}


def catalogue(year: int) -> pd.DataFrame:
    """One row per dataset the edition uses (its own and its framework cycle's): linked name, title, rows."""
    edition = Edition(year)
    rows = []
    for holder, name in edition.holders():
        meta = holder.meta(name)
        record_dependency(holder.folder / f"{name}.yml")
        count = holder.row_count(name)  # the page shows how many rows, not what they hold
        folder = None if holder is edition else holder.folder.relative_to(edition.project.data_dir).as_posix()
        shown = name if folder is None else f"{folder}/{name}"
        link = f'<a href="{html.escape(download_href(name, year, folder=folder))}" download>' \
               f"<code>{html.escape(shown)}.csv</code></a>"
        # the table is rendered without escaping (for the link): every text from the metadata is escaped here
        rows.append({"name": name, "link": link, "title": metadata_text(meta.title, _words(meta, "title")),
                     "rows": count, "description": metadata_text(meta.description, _words(meta, "description"))})
    return pd.DataFrame(rows)


def package_links_html(year: int) -> str:
    """Links to the edition's Data Package and its zip, which the build publishes under data/."""
    from .datapackage import zip_name

    base = download_href("datapackage", year).rsplit("/", 2)[0]  # the book's data/ folder, from this page
    text = html.escape(msg("dictionary.package"))  # the links' places are marked [package] and [zip] in the message
    text = text.replace("[package]", f'<a href="{html.escape(base)}/datapackage.json">', 1).replace("[/package]", "</a>", 1)
    text = text.replace("[zip]", f'<a href="{html.escape(base)}/{html.escape(zip_name(year))}" download>', 1)
    return f'<p class="rb-package">{text.replace("[/zip]", "</a>", 1)}</p>'


def rules(spec: ColumnSpec, value=str) -> str:
    """A column's constraints in words; ``value`` writes a literal value from the data (as text by default)."""
    parts = [msg(f"dictionary.type.{spec.type}"), msg("dictionary.nullable" if spec.nullable else "dictionary.required")]
    if spec.min is not None:
        parts.append(msg("dictionary.min", value=f"{spec.min:g}"))
    if spec.max is not None:
        parts.append(msg("dictionary.max", value=f"{spec.max:g}"))
    if spec.allowed:
        parts.append(msg("dictionary.allowed", values=", ".join(value(str(v)) for v in spec.allowed)))
    if spec.references:
        parts.append(msg("dictionary.references", target=spec.references)
                     + (msg("dictionary.separator", separator=spec.separator) if spec.separator else ""))
    return "; ".join(parts)


def _code(value: str) -> str:
    """A literal (a value or a column name) marked, to be set as <code> once the words around it are escaped."""
    return "\x00" + value + "\x01"  # control characters never occur in metadata or the catalogues


def _html(marked: str) -> str:
    return html.escape(marked).replace("\x00", "<code>").replace("\x01", "</code>")


def rules_html(spec: ColumnSpec) -> str:
    """A column's constraints as HTML: the words escaped, each allowed value from the data as code."""
    return _html(rules(spec, value=_code))


def columns_html(year: int) -> str:
    """A captioned table of columns for every dataset (HTML: cheap for Sphinx to carry, unlike Markdown)."""
    blocks = []
    for holder, name in Edition(year).holders():
        meta = holder.meta(name)
        key = ", ".join(meta.primary_key) or msg("dictionary.no_key")
        rows = "".join(f"<tr><td><code>{html.escape(spec.name)}</code></td>"
                       f"<td>{metadata_text(spec.description, spec.translations)}</td>"
                       f"<td>{rules_html(spec)}</td></tr>" for spec in meta.columns.values())
        note = ""
        if meta.unit_column:
            note = f"<p>{_html(msg('dictionary.unit_note', unit=_code(meta.unit_column), value=_code(meta.value_column)))}</p>"
        caption = html.escape(msg("dictionary.caption", name=name, key=key))
        blocks.append(f'<table class="rb-table"><caption>{metadata_text(meta.title, _words(meta, "title"))} {caption}'
                      f'</caption><thead><tr>'
                      f"<th>{html.escape(msg('dictionary.column'))}</th><th>{html.escape(msg('dictionary.meaning'))}"
                      f"</th><th>{html.escape(msg('dictionary.rules'))}</th></tr></thead><tbody>{rows}</tbody></table>"
                      f"{note}")
    return "\n".join(blocks)


def units_frame() -> pd.DataFrame:
    from .units import unit_label

    return pd.DataFrame([{"code": u.code, "label": unit_label(u.code), "kind": msg(f"dictionary.kind.{u.kind}")}
                         for u in UNITS.values()])
