"""How the book cites a figure: from the report (section and page, and the original source the report names)
or from an official release used directly (publisher, title, date). One place, for charts and tables alike."""

from __future__ import annotations

from . import fmt
from .i18n import msg, plural


def _sources_by_id(sources) -> dict[str, dict]:
    if sources is None or len(sources) == 0 or "id" not in sources:
        return {}
    return {str(r["id"]): r for r in sources.to_dict("records")}


def _official(row: dict | None) -> bool:
    return bool(row) and str(row.get("kind", "")) == "official"


def _publisher(known: dict[str, dict]):
    """The report's own publisher (the organisation of the source of kind "report"): never its own "original
    source", in whichever language the data names it."""
    return next((r.get("organisation") for r in known.values() if str(r.get("kind", "")) == "report"), None)


def release_text(source: dict) -> str:
    """'INEGI, Encuesta Nacional de Ocupación y Empleo, cuarto trimestre de 2023 (2024-02-26)'."""
    date = "" if fmt.is_missing(source.get("date")) else f" ({source['date']})"
    return f"{source['organisation']}, {source['citation']}{date}"


def cite_rows(frame, sources=None, edition: int | None = None) -> str:
    """'Source: …' for the rows behind a chart or table: report rows by section and page, with the original
    sources the report names; rows from official releases by their release."""
    known = _sources_by_id(sources)
    ids = frame["source"].astype(str) if "source" in frame else None
    official_ids = {i for i in (set(ids) if ids is not None else set()) if _official(known.get(i))}
    report_rows = frame[~ids.isin(official_ids)] if ids is not None else frame
    parts = []
    if len(report_rows):
        places = sorted({(str(r.section), int(r.page)) for r in report_rows.itertuples(index=False)
                         if not fmt.is_missing(r.page)}, key=lambda sp: sp[1])
        where = "; ".join(msg("cite.section_page", section=s, page=p) for s, p in places)
        where = f" ({where})" if places else ""
        report = msg("cite.report_edition", year=edition) if edition else msg("cite.report")
        origin = ""
        if known and "source" in report_rows:
            orgs = [known[i]["organisation"] for i in sorted(set(report_rows["source"].astype(str))) if i in known]
            named = [o for o in dict.fromkeys(orgs) if o != _publisher(known)]
            origin = " " + (msg("cite.original_source", names=", ".join(named)) if named else msg("cite.no_original"))
        parts.append(msg("cite.source", report=report + where) + origin)
    releases = [release_text(known[i]) for i in sorted(official_ids)]
    if releases:
        parts.append(plural("cite.releases", len(releases), releases="; ".join(releases)))
    return " ".join(parts)


def cite_row(row, sources=None) -> str:
    """A table cell's citation: the release, or the report's section and page and the source it names."""
    known = _sources_by_id(sources)
    source = known.get(str(getattr(row, "source", "")))
    if _official(source):
        return release_text(source)
    has_page = not fmt.is_missing(getattr(row, "page", None))
    where = msg("cite.section_page", section=row.section, page=row.page) if has_page else ""
    text = msg("cite.short_report", where=where) if where else msg("cite.short")
    if source and str(source.get("kind")) in ("endnote", "named") and source.get("organisation") != _publisher(known):
        text += msg("cite.short_original", organisation=source["organisation"])
    return text


def original_report(sources) -> dict | None:
    """The edition's Results Report as its sources name it (the row of kind "report"), or None."""
    return next((r for r in _sources_by_id(sources).values() if str(r.get("kind", "")) == "report"), None)


def report_title(report: dict) -> str:
    """'United Nations Mexico, Results Report 2022 (March 2023)': the citation without its remark."""
    return str(report["citation"]).split(";")[0].strip()


def original_report_html(sources) -> str:
    """A paragraph naming the edition's original report and its publisher (with the publisher's address when the
    data gives one), or saying that the edition is built from official releases only; empty when the data names
    neither (the page then reports the gap once). Text from data, escaped."""
    import html
    import re

    esc = html.escape
    report = original_report(sources)
    if report is None:
        if any(_official(r) for r in _sources_by_id(sources).values()):
            return f'<p class="rb-original">{esc(msg("cite.official_only"))}</p>'
        return ""
    title = report_title(report)
    url = "" if fmt.is_missing(report.get("url")) else str(report["url"])
    where = ""
    if re.fullmatch(r"https?://[^\s\"'<>]+", url):
        shown = re.sub(r"^https?://", "", url).rstrip("/")
        where = f' (<a href="{esc(url, quote=True)}">{esc(shown)}</a>)'
    before, after = esc(msg("cite.original_report")).split("{title}")  # the title is a <cite>, the rest text
    after = after.replace("{publisher}", esc(str(report["organisation"])) + where)
    return f'<p class="rb-original">{before}<cite>{esc(title)}</cite>{after}</p>'
