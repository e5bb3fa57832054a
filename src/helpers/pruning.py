"""After execution, before Sphinx: a page says only what the edition's data supports.

A notebook's prose is written once for every edition. When an edition's data lacks a figure, the
sentence that needs it is dropped (a list item likewise), a heading left with nothing under it is dropped
with its section, and the page says once, under its title, what is not available. Tables, charts and lists
with nothing to show have already reported themselves as gaps (``page.report_gap``) instead of printing a
stand-in. Everything dropped or reported becomes a line of the edition's gap ledger (``helpers.gaps``).

The functions here are pure: an executed notebook (a dict) in, a notebook and its gaps out.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass

from .i18n import msg, plural
from .page import GAP_MIME, GLUE_PREFIX, GLUE_ROLE, HEADING_MIME, escape_markdown

GLUE_RECORD = GLUE_PREFIX + "text/plain"
HIDDEN = {"remove-cell", "remove-output"}
HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+")
# A sentence ends at . ! or ? followed by space and a capital, a glue role, emphasis or a bracket.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÁÉÍÓÚÑ¿¡{*_(\[])")


@dataclass(frozen=True)
class PageGap:
    section: str  # the heading it falls under, as a reader sees it ("" for the opening of the page)
    what: str  # what is missing, for the ledger
    dataset: str | None = None  # set when the gap is a whole dataset (listed in the ledger, not in the notice)
    readers: str = ""  # what is missing in a reader's words, without internal keys (the book's gap page)
    figures: int = 0  # how many figures of the prose it leaves out (counted together on the gap page)

    def line(self, page: str) -> str:
        where = f"{self.section}: " if self.section else ""
        return f"{page}: {where}{self.what}"


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def glued_values(nb: dict) -> dict[str, str]:
    """Every value the notebook glued, as text."""
    values = {}
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            raw = out.get("data", {}).get(GLUE_RECORD)
            if name and raw is not None:
                try:
                    values[name] = str(ast.literal_eval(raw))
                except (ValueError, SyntaxError):
                    values[name] = raw
    return values


def resolve_heading(text: str, values: dict[str, str]) -> str:
    """Heading text as a reader sees it: glue roles replaced by their values, Markdown marks removed."""
    text = GLUE_ROLE.sub(lambda m: values.get(m.group(1), ""), text)
    return re.sub(r"[*_`]", "", text).strip()


def _keys(text: str) -> set[str]:
    return set(GLUE_ROLE.findall(text))


def _blocks(text: str) -> list[tuple[str, str]]:
    """Split Markdown into (kind, text) blocks: heading, fence, list, table, paragraph."""
    blocks: list[tuple[str, str]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if HEADING.match(line):
            blocks.append(("heading", line))
            i += 1
            continue
        if line.lstrip().startswith(("```", "~~~")):
            fence = line.lstrip()[:3]
            j = i + 1
            while j < len(lines) and not lines[j].lstrip().startswith(fence):
                j += 1
            blocks.append(("fence", "\n".join(lines[i:j + 1])))
            i = j + 1
            continue
        j = i
        while j < len(lines) and lines[j].strip() and not HEADING.match(lines[j]):
            j += 1
        chunk = "\n".join(lines[i:j])
        kind = "list" if LIST_ITEM.match(line) else "table" if line.lstrip().startswith("|") else "paragraph"
        blocks.append((kind, chunk))
        i = j
    return blocks


def _list_items(chunk: str) -> list[str]:
    items: list[str] = []
    for line in chunk.split("\n"):
        if LIST_ITEM.match(line) or not items:
            items.append(line)
        else:
            items[-1] += "\n" + line
    return items


def prune_text(kind: str, text: str, missing: set[str]) -> tuple[str, set[str]]:
    """The block without the sentences (or list items) that need a missing value, and the keys they needed."""
    if not missing or not (_keys(text) & missing):
        return text, set()
    if kind == "paragraph":
        sentences = SENTENCE_END.split(" ".join(text.split()))
        kept = [s for s in sentences if not (_keys(s) & missing)]
        dropped = set().union(*[_keys(s) & missing for s in sentences if _keys(s) & missing])
        if not any(_keys(s) for s in kept):  # what is left only framed the figures that are gone
            kept = []
        return " ".join(kept), dropped
    if kind == "list":
        items = _list_items(text)
        kept = [i for i in items if not (_keys(i) & missing)]
        return "\n".join(kept), _keys(text) & missing
    return "", _keys(text) & missing  # a fence or table that needs a missing value goes whole


def _gap_records(cell) -> tuple[list[dict], list[dict]]:
    """(gap records, outputs without them) of a code cell."""
    records, kept = [], []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if GAP_MIME in data:
            records.append(data[GAP_MIME])
        else:
            kept.append(out)
    return records, kept


def _visible(cell) -> bool:
    """True when a code cell shows the reader something (glue records and removed cells show nothing)."""
    if HIDDEN & set(cell.get("metadata", {}).get("tags", [])):
        return False
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("text"):
            return True
        if any(not mime.startswith(GLUE_PREFIX) for mime in out.get("data", {})):
            return True
    return False


def missing_keys(nb: dict) -> tuple[set[str], set[str]]:
    """(keys the edition should have but lacks, optional keys it lacks) of an executed page."""
    keys: set[str] = set()
    optional: set[str] = set()
    for cell in nb.get("cells", []):
        for record in _gap_records(cell)[0]:
            keys.update(record.get("keys", []))
            optional.update(record.get("optional", []))
    return keys, optional


def json_copy(value):
    """A deep copy of JSON data (a notebook), made by the C JSON codec: several times faster than copy.deepcopy."""
    return json.loads(json.dumps(value))


def lift_headings(nb: dict) -> dict:
    """Headings shown by code (``page.heading``) become Markdown cells, so they are real sections: the code cell
    is split around each, its later outputs going to a continuation cell with the same tags."""
    cells = []
    for cell in nb.get("cells", []):
        outputs = cell.get("outputs", []) if cell.get("cell_type") == "code" else []
        if not any(HEADING_MIME in o.get("data", {}) for o in outputs):
            cells.append(cell)
            continue
        part = json_copy(dict(cell, outputs=[]))
        for n, out in enumerate(outputs):
            record = out.get("data", {}).get(HEADING_MIME)
            if record is None:
                part["outputs"].append(out)
                continue
            cells.append(part)
            text = f"{'#' * int(record['level'])} {escape_markdown(record['text'])}"
            cells.append({"cell_type": "markdown", "id": f"{cell.get('id', 'cell')}-h{n}", "metadata": {},
                          "source": text})
            # the source is hidden (remove-input) but must not be empty: MyST-NB skips empty code cells
            part = json_copy(dict(cell, outputs=[], source="# continued", id=f"{cell.get('id', 'cell')}-c{n}"))
        cells.append(part)
    return dict(nb, cells=cells)


def prune_page(nb: dict, year: int, ledger_link: str | None = None) -> tuple[dict, list[PageGap]]:
    """The page as this edition's data supports it, and every gap found on it."""
    nb = lift_headings(json_copy(nb))
    values = glued_values(nb)
    missing, optional = missing_keys(nb)
    gaps: list[PageGap] = []
    reasons: list[str] = []  # why the page lacks what it lacks, when a notebook says (page.explain_gaps)
    untranslated: list[PageGap] = []  # text from data shown in the default language: said once, listed in the ledger
    # units: [cell index, kind, level, text, has content]; a heading's level is 1-6, others 0
    units: list[list] = []
    section = ""
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "markdown":
            for kind, text in _blocks(_source(cell)):
                if kind == "heading":
                    level = len(HEADING.match(text).group(1))
                    if _keys(text) & missing:  # a heading never shows a gap: it goes, its content stays
                        gaps.append(PageGap(section, msg("gaps.heading_needs", keys=", ".join(sorted(_keys(text) & missing))),
                                            readers=msg("gaps.readers.heading")))
                        continue
                    if level >= 2:
                        section = resolve_heading(HEADING.match(text).group(2), values)
                    units.append([index, "heading", level, text, False])
                    continue
                kept, dropped = prune_text(kind, text, missing | optional)
                dropped -= optional
                if dropped:
                    gaps.append(PageGap(section, msg("gaps.text_figures", keys=", ".join(sorted(dropped))),
                                        figures=len(dropped)))
                units.append([index, kind, 0, kept, bool(kept.strip())])
        elif cell.get("cell_type") == "code":
            records, kept_outputs = _gap_records(cell)
            cell["outputs"] = kept_outputs
            for record in records:
                if "reason" in record:
                    reasons.append(str(record["reason"]))
                if "what" in record:
                    gaps.append(PageGap(section, msg("gaps.nothing_to_show", what=record["what"]), readers=record["what"]))
                for name, reason in sorted(record.get("datasets", {}).items()):
                    gaps.append(PageGap("", msg("gaps.dataset", name=name, reason=reason), dataset=name))
                for column, rows in sorted(record.get("untranslated", {}).items()):
                    untranslated.append(PageGap("", msg("gaps.untranslated", column=column, rows=rows),
                                                readers=plural("gaps.readers.untranslated", int(rows))))
            visible = _visible(cell)
            if not visible:  # nothing to show: no empty block, no code toggle, in the reader's way
                tags = cell.setdefault("metadata", {}).setdefault("tags", [])
                if "remove-cell" not in tags:
                    tags.append("remove-cell")
            units.append([index, "code", 0, "", visible])

    # a heading (below the title) with nothing under it before the next heading of its level goes too
    for i, unit in enumerate(units):
        if unit[1] != "heading" or unit[2] < 2:
            continue
        content = False
        for later in units[i + 1:]:
            if later[1] == "heading" and later[2] <= unit[2]:
                break
            content = content or (later[1] != "heading" and later[4])
        if not content:
            unit[4] = None  # dropped

    shown_gaps = [g for g in gaps if g.dataset is None]
    notice = _notice(shown_gaps, year, ledger_link, reasons) if shown_gaps or reasons else ""
    if untranslated:
        link = " " + msg("gaps.notice_link", link=ledger_link) if ledger_link else ""
        notice = "\n\n".join(n for n in (notice, "```{note}\n" + msg("gaps.untranslated_notice") + link + "\n```") if n)
        gaps += untranslated
    texts: dict[int, list[str]] = {}
    notice_placed = not notice
    for index, kind, level, text, content in units:
        if kind == "code":
            continue
        bucket = texts.setdefault(index, [])
        if kind == "heading" and content is None:
            continue
        if kind != "heading" and not text.strip():
            continue
        bucket.append(text)
        if kind == "heading" and level == 1 and not notice_placed:
            bucket.append(notice)
            notice_placed = True
    cells = []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "markdown":
            text = "\n\n".join(texts.get(index, []))
            if not text.strip():
                continue
            if text != _source(cell).strip():
                cell["source"] = text
        cells.append(cell)
    if not notice_placed:
        cells.insert(0, {"cell_type": "markdown", "metadata": {}, "source": notice})
    nb["cells"] = cells
    return nb, gaps


def _notice(gaps: list[PageGap], year: int, ledger_link: str | None, reasons: list[str] = ()) -> str:
    """One plain sentence, under the page title, saying what the edition's data does not hold (or why, when the
    notebook gave the reason)."""
    link = " " + msg("gaps.notice_link", link=ledger_link) if ledger_link else ""
    if reasons:
        return "```{note}\n" + " ".join(escape_markdown(r) for r in dict.fromkeys(reasons)) + link + "\n```"
    opening = msg("gaps.opening")
    sections = list(dict.fromkeys(g.section or opening for g in gaps))
    named = [s if s == opening else f"*{escape_markdown(s)}*" for s in sections]
    where = named[0] if len(named) == 1 else msg("gaps.and", first=", ".join(named[:-1]), last=named[-1])
    return "```{note}\n" + msg("gaps.notice", year=year, where=where) + link + "\n```"
