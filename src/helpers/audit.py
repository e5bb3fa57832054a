"""Audit of the report's figures: internal-consistency checks declared as data (data/audit_checks.yml).

Each check names a rule kind, the figures involved (dataset + row filter), a tolerance and an
explanation. Results are pass / warning / fail, or "not run" when an edition lacks the figures.
Statuses:
- pass: the figures agree;
- warning: they agree only loosely (a rounded or bounded statement of the same fact);
- fail: they contradict each other, or a magnitude is implausible.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from . import fmt
from .errors import InputError
from .i18n import msg, msg_or
from .project import read_yaml

STATUSES = ("pass", "warning", "fail", "not run")
# Units a magnitude check can compare, in a common base.
SCALE = {"usd": 1.0, "usd_million": 1e6, "usd_billion": 1e9, "people": 1.0, "people_million": 1e6,
         "count": 1.0, "institutions": 1.0}

Loader = Callable[[str], pd.DataFrame]


@dataclass
class Statement:
    """One figure as the report states it, with where it is stated."""

    label: str
    value: float | None
    unit: str
    qualifier: str | None
    where: str
    text: str | None = None  # a statement that is not a figure: a list, the names of implementers
    period: str | None = None  # the date the report gives the figure

    @property
    def shown(self) -> str:
        if self.text is not None:
            return self.text
        shown = fmt.with_unit(self.value, self.unit, self.qualifier)
        return f"{shown} ({self.period})" if self.period else shown


@dataclass
class Result:
    check: str
    kind: str
    status: str
    message: str
    explanation: str
    statements: list[Statement] = field(default_factory=list)
    title: str = ""  # the check in plain words, as the page names it
    finds: str = ""  # the kind of inconsistency it looks for, in plain words


def load_checks(path: Path) -> list[dict]:
    """The declared checks, each with ``finds``: what kind of inconsistency it looks for, in plain words."""
    from .i18n import DEFAULT, language

    raw = read_yaml(path) or {}
    checks = raw.get("checks", [])
    categories = raw.get("categories") or {}
    lang = language()  # a check's words in the page's language (title_es ...), English where none is given
    in_language = {**categories, **(raw.get(f"categories_{lang}") or {})} if lang != DEFAULT else categories
    ids = [c.get("id") for c in checks]
    for i, check in enumerate(checks, start=1):
        if check.get("kind") not in KINDS:
            raise InputError(f"{path}: check {i} ({check.get('id')}) has kind {check.get('kind')!r}; "
                             f"expected one of {sorted(KINDS)}")
        if not check.get("id") or ids.count(check["id"]) > 1:
            raise InputError(f"{path}: check {i} needs a unique id")
        if check.get("category") not in categories:
            raise InputError(f"{path}: check {i} ({check.get('id')}) has category {check.get('category')!r}; "
                             f"expected one of the categories declared at the top: {sorted(categories)}")
        check["finds"] = str(in_language[check["category"]])
        if lang != DEFAULT:
            for key in ("title", "explanation", "measures"):
                if check.get(f"{key}_{lang}"):
                    check[key] = check[f"{key}_{lang}"]
    return checks


def relative_to_edition(value, year: int | None):
    """Checks are written once for every edition: "{year}" is the edition, "{year-1}" the year before."""
    if year is None or not isinstance(value, str):
        return value
    return value.replace("{year}", str(year)).replace("{year-1}", str(year - 1))


def select(load: Loader, ref: dict) -> pd.DataFrame:
    """Rows of ``ref['dataset']`` matching every ``ref['where']`` (null matches an empty cell)."""
    frame = load(ref["dataset"])
    for column, value in (ref.get("where") or {}).items():
        value = relative_to_edition(value, getattr(load, "year", None))
        if column not in frame:
            return frame.iloc[0:0]
        frame = frame[frame[column].isna()] if value is None else frame[frame[column].astype(str) == str(value)]
    return frame


def _where(row: dict) -> str:
    where = msg("cite.section_page", section=row.get("section", "?"), page=row.get("page", "?"))
    statement = row.get("statement")
    if not fmt.is_missing(statement) and statement and statement != "result":
        where += f" ({msg_or('statement.' + str(statement), str(statement))})"
    return where


def statements(rows: pd.DataFrame, value_column: str = "value") -> list[Statement]:
    out = []
    for row in rows.to_dict("records"):
        where = _where(row)
        label = row.get("label") or row.get("description") or row.get("funding_source_shown") or \
            row.get("funding_source") or ""
        value = None if fmt.is_missing(row.get(value_column)) else float(row[value_column])
        qualifier = None if fmt.is_missing(row.get("qualifier")) else row.get("qualifier")
        period = None if fmt.is_missing(row.get("ref_period")) else str(row["ref_period"])
        out.append(Statement(str(label), value, str(row.get("unit", "percent" if value_column == "share" else "")),
                             qualifier, where, period=period))
    return out


def _close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance + 1e-9


def _decimals(value: float) -> int:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def check_sum(check: dict, load: Loader) -> Result:
    refs = check["parts"] if isinstance(check["parts"], list) else [check["parts"]]
    total = statements(select(load, check["total"]))
    parts = [s for ref in refs for s in statements(select(load, ref))]
    if len(total) != 1 or not parts or total[0].value is None or any(p.value is None for p in parts):
        return _not_run(check, total + parts)
    added = sum(p.value for p in parts)
    ok = _close(added, total[0].value, check.get("tolerance", 0))
    message = msg("audit.sum", added=fmt.number(added), total=total[0].shown)
    return _result(check, "pass" if ok else "fail", message, total + parts)


def compare_to_exact(exact: Statement, other: Statement, tolerance: float) -> tuple[str, str]:
    """How a second statement of a fact relates to the exact one."""
    q, v, x = other.qualifier, other.value, exact.value
    if q in ("more than",):
        if x == v:  # the bound is the figure itself: loosely worded, not a contradiction
            return "warning", msg("audit.bound_is_figure", other=other.shown, exact=exact.shown)
        return ("warning", msg("audit.consistent_differently", other=other.shown, exact=exact.shown)) if x > v \
            else ("fail", msg("audit.contradicts", other=other.shown, exact=exact.shown))
    if q in ("up to",):
        return ("warning", msg("audit.consistent", other=other.shown, exact=exact.shown)) if x <= v \
            else ("fail", msg("audit.contradicts", other=other.shown, exact=exact.shown))
    if q in ("nearly", "almost", "approximately"):
        ok = abs(x - v) <= max(tolerance, 0.05 * abs(x))
        return ("warning", msg("audit.approximates", other=other.shown, exact=exact.shown)) if ok \
            else ("fail", msg("audit.far_from", other=other.shown, exact=exact.shown))
    if _close(v, x, tolerance):
        return "pass", msg("audit.equals", other=other.shown, exact=exact.shown)
    coarse = min(_decimals(v), _decimals(x))
    if round(v, coarse) == round(x, coarse):
        return "warning", msg("audit.rounding", other=other.shown, exact=exact.shown)
    return "fail", msg("audit.differs", other=other.shown, exact=exact.shown)


def check_same_fact(check: dict, load: Loader) -> Result:
    found = [s for ref in check["statements"] for s in statements(select(load, ref))]
    found = [s for s in found if s.value is not None]
    if len(found) < 2:
        return _not_run(check, found)
    if check.get("measures"):  # a rate beside a total: set side by side, never called a contradiction
        shown = [msg("audit.quoted", text=s.shown) + f" ({fmt.lower_first(s.label)})" for s in found]
        shown = msg("gaps.and", first=", ".join(shown[:-1]), last=shown[-1])
        return _result(check, "warning", msg("audit.different_things", shown=shown, measures=check["measures"]), found)
    exact = [s for s in found if not s.qualifier]
    if exact:
        reference, others = exact[0], [s for s in found if s is not exact[0]]
        verdicts = [compare_to_exact(reference, s, check.get("tolerance", 0)) for s in others]
    else:  # only bounded statements: they agree only if they state the same bound
        reference, others = found[0], found[1:]
        verdicts = [("pass", msg("audit.as_elsewhere", other=s.shown))
                    if s.value == reference.value and s.qualifier == reference.qualifier
                    else ("warning", msg("audit.bound_differently", other=s.shown, reference=reference.shown))
                    for s in others]
    status = _worst(v[0] for v in verdicts)
    return _result(check, status, "; ".join(v[1] for v in verdicts), found)


def check_magnitude(check: dict, load: Loader) -> Result:
    value, reference = statements(select(load, check["value"])), statements(select(load, check["reference"]))
    if len(value) != 1 or len(reference) != 1 or None in (value[0].value, reference[0].value) \
            or value[0].unit not in SCALE or reference[0].unit not in SCALE:
        return _not_run(check, value + reference)
    ratio = value[0].value * SCALE[value[0].unit] / (reference[0].value * SCALE[reference[0].unit])
    limit = check.get("max_ratio", 1)
    status = "fail" if ratio > limit else "pass"
    message = msg("audit.magnitude", value=value[0].shown, ratio=fmt.number(round(ratio, 1)), reference=reference[0].shown,
                  limit=fmt.number(limit))
    return _result(check, status, message, value + reference)


def check_shares(check: dict, load: Loader) -> Result:
    column = check.get("column", "value")
    found = [s for s in statements(select(load, check["shares"]), column) if s.value is not None]
    if not found:
        return _not_run(check, found)
    total = sum(s.value for s in found)
    limit = check.get("max", 100)
    status = "pass" if total <= limit + check.get("tolerance", 0) else "fail"
    return _result(check, status, msg("audit.shares", total=fmt.percent(total), limit=fmt.percent(limit)), found)


def check_percent_range(check: dict, load: Loader) -> Result:
    found = []
    for dataset in check["datasets"]:
        rows = load(dataset)
        if "unit" in rows:
            found += [s for s in statements(rows[rows["unit"] == "percent"]) if s.value is not None]
    if not found:
        return _not_run(check, found)
    bad = [s for s in found if not 0 <= s.value <= 100]
    message = msg("audit.percent_range", checked=fmt.number(len(found)), outside=fmt.number(len(bad)))
    return _result(check, "fail" if bad else "pass", message, bad)


def check_change(check: dict, load: Loader) -> Result:
    start, end = statements(select(load, check["from"])), statements(select(load, check["to"]))
    stated = statements(select(load, check["stated"]))
    found = start + end + stated
    if len(start) != 1 or len(end) != 1 or len(stated) != 1 or any(s.value is None for s in found) or not start[0].value:
        return _not_run(check, found)
    computed = 100 * (end[0].value - start[0].value) / start[0].value
    ok = _close(computed, stated[0].value, check.get("tolerance", 0.5))
    message = msg("audit.change", start=start[0].shown, end=end[0].shown, computed=fmt.percent(round(computed, 1)),
                  stated=stated[0].shown)
    return _result(check, "pass" if ok else "fail", message, found)


def check_count_matches_list(check: dict, load: Loader) -> Result:
    """A stated count against the list printed with it: as many items, each of the kind counted."""
    stated = statements(select(load, check["count"]))
    items = select(load, check["list"])
    if "position" in items:
        items = items.sort_values("position")
    if len(stated) != 1 or stated[0].value is None or items.empty:
        return _not_run(check, stated)
    first = items.iloc[0].to_dict()
    names = [str(i) for i in items["item"]]
    listed = Statement(str(first.get("label", "")), None, "", None, _where(first), text="; ".join(names))
    count, n = int(stated[0].value), len(names)
    others = [r for r in items.to_dict("records") if not fmt.is_missing(r.get("counted")) and not bool(r["counted"])]
    found = stated + [listed]
    what = fmt.lower_first(stated[0].label)
    if count != n:
        return _result(check, "fail", msg("audit.count_lists", count=stated[0].shown, what=what, listed=fmt.number(n)),
                       found)
    if others:
        odd = "; ".join(f"{r['item']}: {r['note']}" if not fmt.is_missing(r.get("note")) else str(r["item"])
                        for r in others)
        key = "audit.count_odd." + ("one" if len(others) == 1 else "other")
        return _result(check, "fail", msg(key, count=stated[0].shown, what=what, listed=fmt.number(n),
                                          odd_count=fmt.number(len(others)), odd=odd), found)
    return _result(check, "pass", msg("audit.count_as_many", count=stated[0].shown, what=what), found)


def _year(value) -> int | None:
    text = "" if fmt.is_missing(value) else str(value)
    return int(text[:4]) if text[:4].isdigit() else None


def check_span_matches_dates(check: dict, load: Loader) -> Result:
    """A span stated in words ("the last decade") against the first and last dates given for the same change."""
    span = statements(select(load, check["span"]))
    dated = select(load, check["dates"])
    years = sorted(y for y in (_year(v) for v in dated.get("ref_period", pd.Series(dtype=object))) if y is not None)
    found = span + statements(dated)
    if len(span) != 1 or span[0].value is None or len(years) < 2:
        return _not_run(check, found)
    elapsed, stated = years[-1] - years[0], span[0].value
    message = msg("audit.span", span=span[0].shown, first=years[0], last=years[-1], elapsed=fmt.number(elapsed))
    if _close(stated, elapsed, 0):
        return _result(check, "pass", message, found)
    if abs(stated - elapsed) <= 1:  # dates given as years only: the true span may be a year longer or shorter
        return _result(check, "warning", message, found)
    if elapsed < stated:  # a change over 2015-2020 does lie within "the last decade": loose, not contradicted
        return _result(check, "warning", msg("audit.span_within", span=span[0].shown, first=years[0],
                                             last=years[-1], elapsed=fmt.number(elapsed)), found)
    return _result(check, "fail", message, found)  # the dates reach beyond the span the words give


def _names(value) -> set[str]:
    return set() if fmt.is_missing(value) else {p.strip() for p in str(value).split(";") if p.strip()}


def check_same_implementers(check: dict, load: Loader) -> Result:
    """The UN entities an initiative's results name as implementing it, against those its story names."""
    results, story = select(load, check["results"]).to_dict("records"), select(load, check["story"]).to_dict("records")
    if len(results) != 1 or len(story) != 1 or not _names(story[0].get("implemented_by")):
        return _not_run(check, [])
    from .framework import agency_labels

    try:  # the page shows each agency by its acronym in the page's language
        labels = agency_labels(load("agencies"))
    except (KeyError, InputError):
        labels = {}
    stated = {labels.get(n, n) for n in _names(results[0].get("implemented_by"))}
    told = {labels.get(n, n) for n in _names(story[0].get("implemented_by"))}
    found = [Statement(msg("audit.implemented_results"), None, "", None, _where(results[0]), text=", ".join(sorted(stated))),
             Statement(msg("audit.implemented_story"), None, "", None, _where(story[0]) + f" ({msg('statement.story')})",
                       text=", ".join(sorted(told)))]
    if stated == told:
        return _result(check, "pass", msg("audit.same_implementers"), found)
    parts = []
    if told - stated:
        parts.append(msg("audit.story_adds", names=", ".join(sorted(told - stated))))
    if stated - told:
        parts.append(msg("audit.story_leaves_out", names=", ".join(sorted(stated - told))))
    return _result(check, "fail", "; ".join(parts), found)


def check_citation_doubt(check: dict, load: Loader) -> Result:
    """Figures the report cites to a source that cannot support them (a publisher that does not produce them): a
    warning that says why, while the edition keeps that citation; a pass once it cites another source."""
    rows = select(load, check["figures"])
    found = statements(rows)
    if rows.empty or "source" not in rows:
        return _not_run(check, found)
    if not (rows["source"].astype(str).str.strip() == check["cited"]).any():
        return _result(check, "pass", msg("audit.citation_now_other"), found)
    return _result(check, "warning", check["explanation"], found)


def citation_doubts(year: int, dataset: str, frame: pd.DataFrame, root=None) -> list[tuple[str, str]]:
    """(check id, why) for each doubtful citation (``citation_doubt`` checks) of rows that ``frame`` shows: a page
    says it beside the figures, once, and links the audit's finding."""
    from .audit_rules import AUDIT_RULES
    from .data import Edition, record_dependency

    path = Edition(year, root).project.data_dir / AUDIT_RULES
    if not path.is_file() or frame.empty or "source" not in frame:
        return []
    record_dependency(path)  # the page says what the rules say: they are one of its inputs
    def shown(name: str) -> pd.DataFrame:  # the page's rows, matched as the audit matches a dataset's
        return frame

    shown.year = year
    found = []
    for check in load_checks(path):
        figures = check.get("figures") or {}
        if check.get("kind") != "citation_doubt" or figures.get("dataset") != dataset:
            continue
        rows = select(shown, figures)
        if (rows["source"].astype(str).str.strip() == check["cited"]).any():
            found.append((check["id"], check["explanation"]))
    return found


AUDIT_PAGE = "book/audit"
_NOTED: set[str] = set()  # the doubtful citations this page has noted already (a kernel runs one page)


def citation_notes(frame, dataset: str) -> None:
    """Beside figures the report cites to a source that cannot support them (``citation_doubt`` checks), one note
    each: the book keeps the report's citation and says, once on the page, why it looks misplaced, linking the
    audit. Nothing when no shown row is doubted."""
    from . import page
    from .project import find_root

    root = find_root()
    try:
        depth = len(Path.cwd().resolve().relative_to(root).parts)
    except ValueError:
        depth = 0
    for ident, why in citation_doubts(page.current_year(), dataset, frame, root):
        if ident in _NOTED:
            continue
        _NOTED.add(ident)
        link = "../" * depth + f"{AUDIT_PAGE}.html"
        page.show_html(f'<p class="rb-citation-doubt">{html.escape(msg("audit.citation_note", why=fmt.lower_first(why)))} '
                       f'<a href="{html.escape(link)}">{html.escape(msg("audit.citation_note_link"))}</a></p>')


KINDS = {"sum_equals": check_sum, "same_fact": check_same_fact, "magnitude": check_magnitude,
         "shares_at_most": check_shares, "percent_range": check_percent_range, "change_equals": check_change,
         "count_matches_list": check_count_matches_list, "span_matches_dates": check_span_matches_dates,
         "same_implementers": check_same_implementers, "citation_doubt": check_citation_doubt}


def _worst(statuses) -> str:
    order = {"pass": 0, "warning": 1, "fail": 2}
    return max(statuses, key=lambda s: order[s], default="pass")


def _result(check: dict, status: str, message: str, found: list[Statement]) -> Result:
    title = check.get("title") or str(check["id"]).replace("_", " ").capitalize()
    return Result(check["id"], check["kind"], status, message, check.get("explanation", ""), found, title,
                  check.get("finds", ""))


def _not_run(check: dict, found: list[Statement]) -> Result:
    return _result(check, "not run", msg("audit.not_run"), found)


def run_checks(checks: list[dict], load: Loader, year: int | None = None) -> list[Result]:
    """Run every check; a dataset that cannot be loaded makes its checks 'not run', never a crash."""
    cache: dict[str, pd.DataFrame] = {}

    def cached(name: str) -> pd.DataFrame:
        if name not in cache:
            cache[name] = load(name)
        return cache[name]

    cached.year = year

    results = []
    for check in checks:
        try:
            results.append(KINDS[check["kind"]](check, cached))
        except (KeyError, InputError) as exc:
            results.append(_result(check, "not run", msg("audit.not_run_because", reason=exc), []))
    return results


def audit_edition(year: int, root: Path | None = None) -> list[Result]:
    from .data import Edition, record_dependency
    from .project import find_root

    from .audit_rules import AUDIT_RULES, rule_problems

    edition = Edition(year, root or find_root())
    path = edition.project.data_dir / AUDIT_RULES
    record_dependency(path)
    problems = rule_problems(edition.project, year)  # the build validated them; a notebook run by hand may not have
    if problems:
        raise InputError(f"{path.name} is not valid: {len(problems)} problem(s)", problems)
    return run_checks(load_checks(path), edition.load, year)


def summary_frame(results: list[Result]) -> pd.DataFrame:
    return pd.DataFrame([{"check": r.title, "id": r.check, "finds": r.finds, "status": r.status,
                          "result": status_words(r.status), "finding": r.message} for r in results])


def status_words(status: str) -> str:
    """A result as the page's language says it ('pass'; in Spanish 'pasa')."""
    return msg("audit.status." + status.replace(" ", "_"))


def details_markdown(results: list[Result]) -> str:
    """Each check in plain words, with the figures it compared and where the report states them (text from
    data escaped: it is shown as text)."""
    from .page import escape_markdown as esc

    blocks = []
    for r in results:
        lines = [f"**{esc(r.title)}** ({esc(fmt.lower_first(r.finds))}): **{esc(status_words(r.status))}**. {esc(r.explanation)}",
                 "", esc(msg("audit.finding", message=r.message))]
        if r.statements:
            lines += ["", f"| {msg('table.figure')} | {msg('audit.as_stated')} | {msg('audit.where')} |", "|---|---|---|"]
            lines += [f"| {esc(s.label)} | {esc(s.shown)} | {esc(s.where)} |" for s in r.statements]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
