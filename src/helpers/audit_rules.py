"""The schema of ``data/audit_checks.yml``: the audit's rules are data, validated with the edition (exit 2 before any
kernel starts), so that a malformed rule is named by file, check and key instead of failing the audit page.

Each check has an ``id``, a ``category`` declared at the top of the file, a ``kind`` and that kind's keys. A figure
reference is ``{dataset: NAME, where: {COLUMN: VALUE}}``: NAME is a dataset of the project (a name, never a path) and
each COLUMN is declared in its metadata. Tolerances and limits are finite numbers in range.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationError

from .errors import InputError
from .project import Project, read_yaml

AUDIT_RULES = "audit_checks.yml"  # in data/

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]  # a dataset, column, check or category: never a path
Value = Union[StrictStr, StrictInt, StrictFloat, StrictBool, None]
Tolerance = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
Limit = Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Figures(Strict):
    dataset: Name
    where: dict[Name, Value] = {}


class Check(Strict):
    id: Name
    category: Name
    title: StrictStr
    title_es: StrictStr | None = None
    explanation: StrictStr
    explanation_es: StrictStr | None = None
    measures: StrictStr | None = None
    measures_es: StrictStr | None = None


class SumEquals(Check):
    kind: Literal["sum_equals"]
    total: Figures
    parts: Figures | list[Figures]
    tolerance: Tolerance | None = None


class SameFact(Check):
    kind: Literal["same_fact"]
    statements: Annotated[list[Figures], Field(min_length=1)]
    tolerance: Tolerance | None = None


class ChangeEquals(Check):
    kind: Literal["change_equals"]
    from_: Figures = Field(alias="from")
    to: Figures
    stated: Figures
    tolerance: Tolerance | None = None


class Magnitude(Check):
    kind: Literal["magnitude"]
    value: Figures
    reference: Figures
    max_ratio: Limit


class SharesAtMost(Check):
    kind: Literal["shares_at_most"]
    shares: Figures
    column: Name
    max: Limit
    tolerance: Tolerance | None = None


class PercentRange(Check):
    kind: Literal["percent_range"]
    datasets: Annotated[list[Name], Field(min_length=1)]


class CountMatchesList(Check):
    kind: Literal["count_matches_list"]
    count: Figures
    list: Figures


class SpanMatchesDates(Check):
    kind: Literal["span_matches_dates"]
    span: Figures
    dates: Figures


class SameImplementers(Check):
    kind: Literal["same_implementers"]
    results: Figures
    story: Figures


class CitationDoubt(Check):
    kind: Literal["citation_doubt"]
    figures: Figures
    cited: Name  # the id in sources.csv that the report's marker gives these figures


AnyCheck = Annotated[Union[SumEquals, SameFact, ChangeEquals, Magnitude, SharesAtMost, PercentRange, CountMatchesList,
                           SpanMatchesDates, SameImplementers, CitationDoubt], Field(discriminator="kind")]


class AuditRules(Strict):
    categories: dict[Name, StrictStr]
    categories_es: dict[Name, StrictStr] = {}
    checks: list[AnyCheck]


def _where(raw: dict, loc: tuple) -> str:
    """'check 3 (an_id), key 'total.where'' for a pydantic error location such as ('checks', 2, 'sum_equals', ...)."""
    if len(loc) >= 2 and loc[0] == "checks" and isinstance(loc[1], int):
        check = raw["checks"][loc[1]]
        ident = check.get("id") if isinstance(check, dict) else None
        rest = [str(p) for p in loc[2:] if not (len(loc) > 2 and p == loc[2] and isinstance(check, dict)
                                                   and p == check.get("kind"))]
        where = f"check {loc[1] + 1}" + (f" ({ident})" if isinstance(ident, str) else "")
        return where + (f", key '{'.'.join(rest)}'" if rest else "")
    return f"key '{'.'.join(str(p) for p in loc)}'" if loc else "the file"


def _expected(error: dict) -> str:
    kind, message = error["type"], error["msg"]
    if kind == "union_tag_invalid":
        return "a kind, one of " + message.split("expected tags:")[-1].strip().rstrip(")")
    if kind == "union_tag_not_found":
        return "a key 'kind'"
    if kind == "extra_forbidden":
        return "no such key (not one this kind of check takes)"
    if kind == "missing":
        return "this key, which this kind of check needs"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "a mapping of keys to values"
    if kind in ("float_parsing", "float_type", "finite_number", "int_from_float", "float_from_int"):
        return "a finite number"
    if kind == "string_pattern_mismatch":
        return "a name of lower-case letters, digits and underscores (a dataset, column or id, never a path)"
    return message[0].lower() + message[1:]


def rule_problems(project: Project, year: int) -> list[str]:
    """Every problem of ``data/audit_checks.yml`` for this edition, one line each; [] when it is valid (or absent)."""
    path = project.data_dir / AUDIT_RULES
    if not path.is_file():
        return []
    display = path.relative_to(project.root).as_posix()
    try:
        raw = read_yaml(path)
    except InputError as exc:
        return exc.problems or [str(exc)]
    if not isinstance(raw, dict):
        return [f"{display}: expected a mapping with 'categories' and 'checks', found {type(raw).__name__}"]
    try:
        rules = AuditRules.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            found, loc = error.get("input"), tuple(error["loc"])
            if error["type"] == "union_tag_invalid":  # pydantic names the check; the key at fault is its kind
                found, loc = error.get("ctx", {}).get("tag"), loc + ("kind",)
            shown = "" if error["type"] == "missing" or isinstance(found, dict) else f", found {found!r}"[:120]
            problems.append(f"{display}: {_where(raw, loc)}: expected {_expected(error)}{shown}")
        return list(dict.fromkeys(problems))
    return _meaning_problems(project, year, rules, display)


def _meaning_problems(project: Project, year: int, rules: AuditRules, display: str) -> list[str]:
    """What the schema cannot know: unique ids, declared categories, datasets and columns that exist."""
    from .data import Edition

    problems = []
    edition = Edition(year, project.root)
    known = set(edition.names()) | {p.stem for p in project.data_dir.glob("*/*.yml")} \
        | {p.stem for p in project.data_dir.glob("frameworks/*/*.yml")}
    seen: set[str] = set()
    for n, check in enumerate(rules.checks, start=1):
        where = f"{display}: check {n} ({check.id})"
        if check.id in seen:
            problems.append(f"{where}, key 'id': expected an id no other check has")
        seen.add(check.id)
        if check.category not in rules.categories:
            problems.append(f"{where}, key 'category': expected one of the categories declared at the top "
                            f"({', '.join(sorted(rules.categories))}), found {check.category!r}")
        for key, figures in _figures(check):
            if figures.dataset not in known:
                problems.append(f"{where}, key '{key}.dataset': expected a dataset of the project, found "
                                f"{figures.dataset!r}")
                continue
            columns = _columns(edition, figures.dataset)
            for column in figures.where:
                if columns is not None and column not in columns:
                    problems.append(f"{where}, key '{key}.where.{column}': expected a column of {figures.dataset} "
                                    f"({', '.join(sorted(columns))})")
        if isinstance(check, SharesAtMost):
            columns = _columns(edition, check.shares.dataset)
            if columns is not None and check.column not in columns:
                problems.append(f"{where}, key 'column': expected a column of {check.shares.dataset}, found "
                                f"{check.column!r}")
        if isinstance(check, PercentRange):
            problems += [f"{where}, key 'datasets': expected datasets of the project, found {name!r}"
                         for name in check.datasets if name not in known]
    return problems


def _figures(check: Check):
    """(key, figure reference) for every reference a check makes."""
    fields = type(check).model_fields
    for key in fields:
        value = getattr(check, key)
        alias = fields[key].alias or key
        if isinstance(value, Figures):
            yield alias, value
        elif isinstance(value, list):
            yield from ((f"{alias}.{i}", v) for i, v in enumerate(value) if isinstance(v, Figures))


def _columns(edition, name: str) -> set[str] | None:
    """The columns the dataset's metadata declares (for this edition, else any edition's), or None if unknown."""
    try:
        return set(edition.meta(name).columns)
    except (InputError, KeyError, OSError, FileNotFoundError):
        return None
