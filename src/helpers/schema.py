"""Dataset metadata (the YAML beside each CSV) and the pandera schema built from it.

One declaration per dataset serves three purposes: validation (this module), the
loader's dtypes (``helpers.data``) and the book's data dictionary.

Every dataset also carries the provenance columns declared once here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import periods
from .errors import InputError
from .project import parse_yaml, read_text
from .units import UNITS

TYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}
LABELS = ("label", "theme")  # with their translations: what a row is called, kept from edition to edition


@dataclass(frozen=True)
class Format:
    """A kind of text a column's values take, checked by a function and explained in words (never a regular
    expression); ``pattern`` is its shape for the Data Package export."""

    check: object
    words: str
    pattern: str


_POINT = r"\d{4}(-(Q[1-4]|(0[1-9]|1[0-2])(-\d{2})?))?"
FORMATS = {
    "period": Format(periods.is_period, f"a period such as {periods.EXAMPLES}", f"^{_POINT}(/{_POINT})?$"),
    "date": Format(periods.is_date, "a date such as 2023-07-28, 2023-07 or 2023 (year first, a real day)",
                   r"^\d{4}(-\d{2}(-\d{2})?)?$"),
    "url": Format(lambda v: bool(re.fullmatch(r"https?://[^\s<>\"]+", v)),
                  "a web address starting with https:// (or http://), without spaces", r"^https?://\S+$"),
}

PROVENANCE = {
    "section": {"type": "string", "nullable": True, "stable": True, "description": (
        "Section of the Results Report that states the figure, or, for a figure taken directly from an "
        "official release (its source then has kind 'official'), the section of the book that shows it."),
        "description_es": (
        "Sección del Informe de Resultados que indica la cifra o, para una cifra tomada directamente de una "
        "publicación oficial (su fuente tiene entonces kind 'official'), la sección del libro que la muestra.")},
    "page": {"type": "integer", "min": 1, "nullable": True, "description": (
        "Page of that section in the report's table of contents. 'Mexico at a glance' and the UN-system "
        "infographic are not listed there; their rows carry the page of the entry they fall under (11 and 10). "
        "Empty only for a figure taken directly from an official release."),
        "description_es": (
        "Página de esa sección en el índice del informe. «México en un vistazo» y la infografía del sistema de la "
        "ONU no aparecen en él; sus filas llevan la página de la entrada en la que se ubican (11 y 10). Vacío solo "
        "para una cifra tomada directamente de una publicación oficial.")},
    "ref_period": {"type": "string", "nullable": True, "format": "period",
                   "description": "Period the figure refers to, where it differs from the edition year.",
                   "description_es": "Periodo al que se refiere la cifra, cuando difiere del año de la edición."},
    "source": {"type": "string", "references": "sources.id",
               "description": "Original source (an id of sources): the report, a source it cites, or an official "
                              "release used directly.",
               "description_es": "Fuente original (un id de sources): el informe, una fuente que cita o una "
                                 "publicación oficial usada directamente."},
}


@dataclass
class ColumnSpec:
    name: str
    type: str = "string"
    description: str = ""
    unit: str | None = None
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    allowed: list | None = None
    references: str | None = None  # "dataset.column": every value must exist there
    separator: str | None = None  # several values in one cell, e.g. "FAO;ILO"
    pattern: str | None = None  # a regular expression every value must match
    format: str | None = None  # a kind of text every value takes: a key of FORMATS (period, date, url)
    stable: bool = False  # a vocabulary kept across editions: a new value near a known one is warned (a typo?)
    unique: bool = False
    translations: dict = field(default_factory=dict)  # lang -> the description in that language (description_es)


@dataclass
class DatasetMeta:
    name: str
    title: str
    description: str
    columns: dict[str, ColumnSpec]
    primary_key: list[str] = field(default_factory=list)
    unit_column: str | None = None  # a column naming each row's unit (checked against helpers.units)
    value_column: str | None = None  # the column that unit applies to
    source: str = ""
    attribution: str = ""
    edition: int | None = None
    path: Path | None = None
    translations: dict = field(default_factory=dict)  # lang -> {"title": ..., "description": ...} (title_es ...)
    not_comparable: list[str] = field(default_factory=list)  # series re-based by each release: never differenced
    may_be_empty: bool = False  # rows that list exceptions: none is complete, not a gap (data_gaps)

    @property
    def own_columns(self) -> list[str]:
        return [c for c in self.columns if c not in PROVENANCE]


def _shown(path: Path) -> str:
    """A path as the user knows it: relative to the project when it is inside it."""
    from .project import find_root

    try:
        return Path(path).resolve().relative_to(find_root()).as_posix()
    except (ValueError, InputError):
        return str(path)


_PARSED: dict[tuple[str, str], DatasetMeta] = {}  # (path, text) -> its metadata: a build reads each file many times


def read_meta(path: Path) -> DatasetMeta:
    """Parse and check one metadata file; errors name the file and the key. A file is parsed once per process for
    each text it has held (the callers never change what they are given)."""
    try:
        text = read_text(path)
        key = (str(path), text)
        if key not in _PARSED:
            _PARSED[key] = _read_meta(path, text)
        return _PARSED[key]
    except UnicodeDecodeError as exc:
        raise InputError(f"{_shown(path)}: not valid YAML ({exc})") from None
    except InputError as exc:
        raise InputError(str(exc).replace(str(path), _shown(path), 1), exc.problems) from None


def _read_meta(path: Path, text: str) -> DatasetMeta:
    try:
        raw = parse_yaml(text, path)
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected a mapping with title, description and columns")
    missing = [k for k in ("title", "description", "columns") if k not in raw]
    if missing:
        raise InputError(f"{path}: missing key(s) {', '.join(missing)}")
    columns: dict[str, ColumnSpec] = {}
    if not isinstance(raw["columns"], dict) or not raw["columns"]:
        raise InputError(f"{path}: 'columns' must map each column name to its description, got {raw['columns']!r}")
    declared = dict(raw["columns"])
    if raw.get("provenance", True):  # a dataset that declares a provenance column keeps its rules (a period's form)
        declared.update({k: {**v, **(declared.get(k) or {})} for k, v in PROVENANCE.items()})
    for name, spec in declared.items():
        if spec is not None and not isinstance(spec, dict):
            raise InputError(f"{path}: column '{name}' must be a mapping (type, description, …), got {spec!r}")
        spec = dict(spec or {})
        translations = _translations(spec, ("description",))  # description_es: the book's other languages
        unknown = set(spec) - set(ColumnSpec.__dataclass_fields__) | ({"translations"} & set(spec))
        if unknown:
            raise InputError(f"{path}: column '{name}' has unknown key(s) {sorted(unknown)}")
        if spec.get("type", "string") not in TYPES:
            raise InputError(f"{path}: column '{name}' has type '{spec['type']}', expected one of {sorted(TYPES)}")
        _check_spec(path, name, spec)
        columns[name] = ColumnSpec(name=name, translations={k: v["description"] for k, v in translations.items()},
                                   **spec)
    primary_key = raw.get("primary_key") or []
    if not isinstance(primary_key, list) or not all(isinstance(k, str) for k in primary_key):
        raise InputError(f"{path}: 'primary_key' must be a list of column names, got {primary_key!r}")
    meta = DatasetMeta(name=path.stem, title=raw["title"], description=raw["description"], columns=columns,
                       primary_key=list(raw.get("primary_key") or []), unit_column=raw.get("unit_column"),
                       value_column=raw.get("value_column"), source=raw.get("source", ""),
                       attribution=raw.get("attribution", ""), edition=raw.get("edition"), path=path,
                       translations=_translations(dict(raw), ("title", "description")))
    rebased = raw.get("not_comparable_across_releases") or []
    if not isinstance(rebased, list) or not all(isinstance(k, str) for k in rebased):
        raise InputError(f"{path}: 'not_comparable_across_releases' must be a list of keys (series that each release "
                         f"re-bases, such as an index ranked over a different set of countries), got {rebased!r}")
    meta.not_comparable = list(rebased)
    if not isinstance(raw.get("may_be_empty", False), bool):
        raise InputError(f"{path}: 'may_be_empty' must be true or false, got {raw['may_be_empty']!r}")
    meta.may_be_empty = bool(raw.get("may_be_empty", False))
    for key in meta.primary_key + [c for c in (meta.unit_column, meta.value_column) if c]:
        if key not in columns:
            raise InputError(f"{path}: '{key}' is used as a key or unit column but is not a declared column")
    return meta


def _translations(spec: dict, keys: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Take ``<key>_<lang>`` (description_es ...) out of ``spec``: lang -> {key: text}, for the book's languages."""
    from .i18n import DEFAULT, LOCALES

    found: dict[str, dict[str, str]] = {}
    for lang in LOCALES:
        for key in keys:
            text = spec.pop(f"{key}_{lang}", None) if lang != DEFAULT else None
            if text is not None:
                found.setdefault(lang, {})[key] = " ".join(str(text).split())
    return found


def _check_spec(path: Path, name: str, spec: dict) -> None:
    """A column's rules must be usable: say which key of which column is wrong, never a traceback."""
    def bad(key, expected):
        raise InputError(f"{path}: column '{name}', key '{key}': expected {expected}, got {spec[key]!r}")

    for key in ("min", "max"):
        if spec.get(key) is not None and (isinstance(spec[key], bool) or not isinstance(spec[key], (int, float))):
            bad(key, "a number")
    if spec.get("allowed") is not None and not isinstance(spec["allowed"], list):
        bad("allowed", "a list of values")
    if spec.get("references") is not None and (not isinstance(spec["references"], str)
                                               or not re.fullmatch(r"[A-Za-z0-9_]+\.[A-Za-z0-9_]+", spec["references"])):
        bad("references", "'dataset.column', such as sources.id")
    if spec.get("pattern") is not None:
        try:
            re.compile(str(spec["pattern"]))
        except re.error as exc:
            bad("pattern", f"a valid regular expression ({exc})")
    if spec.get("format") is not None and spec["format"] not in FORMATS:
        bad("format", f"one of {', '.join(sorted(FORMATS))}")
    for key in ("nullable", "unique", "stable"):
        if key in spec and not isinstance(spec[key], bool):
            bad(key, "true or false")
    for key in ("description", "unit", "separator"):
        if spec.get(key) is not None and not isinstance(spec[key], str):
            bad(key, "a text")


def stable_columns(meta: DatasetMeta) -> list[str]:
    """What a row keeps from edition to edition, in the metadata's order: its key without the period, the columns
    declared stable, its labels (with their translations) and its unit; never a figure, period or source."""
    keep = {c for c in meta.primary_key if c != "ref_period"} | {c for c, s in meta.columns.items() if s.stable}
    keep |= {c for c in meta.columns if c in LABELS or c.rsplit("_", 1)[0] in LABELS}
    keep |= {meta.unit_column} if meta.unit_column else set()
    return [c for c in meta.columns if c in keep]


def build_schema(meta: DatasetMeta):
    """The pandera schema for a dataset (references to other datasets are checked by ``reference_problems``)."""
    import pandera.pandas as pa

    columns = {}
    for spec in meta.columns.values():
        checks = []
        if spec.min is not None:
            checks.append(pa.Check.ge(spec.min, error=f">= {spec.min}"))
        if spec.max is not None:
            checks.append(pa.Check.le(spec.max, error=f"<= {spec.max}"))
        if spec.allowed is not None:
            checks.append(pa.Check.isin(spec.allowed, error=f"one of {spec.allowed}"))
        if spec.pattern:
            checks.append(pa.Check.str_matches(spec.pattern, error=f"text matching {spec.pattern}"))
        if spec.format:
            form = FORMATS[spec.format]
            checks.append(pa.Check(lambda v, form=form: form.check(str(v).strip()), element_wise=True, error=form.words))
        if spec.type == "string" and not spec.nullable:
            checks.append(pa.Check(lambda s: s.str.strip().str.len() > 0, error="a non-blank text"))
        columns[spec.name] = pa.Column(TYPES[spec.type], checks=checks, nullable=spec.nullable,
                                       unique=spec.unique, coerce=True, required=True)
    return pa.DataFrameSchema(columns, strict=True, unique=meta.primary_key or None, report_duplicates="all",
                              name=meta.name)


def magnitude_words(unit, value: float) -> str:
    """What a figure too large for its unit should be: at most the unit's bound; a figure typed whole in a unit
    of millions is shown divided."""
    words = f"at most {unit.most:,.0f} in unit '{unit.code}' ({unit.label})"
    if unit.scale > 1 and abs(value) / unit.scale <= unit.most:
        return f"{words}: {value:,.0f} looks typed in full; write {value / unit.scale:g} for {value:,.0f}"
    return words


def unit_problems(frame, meta: DatasetMeta) -> list[tuple[int, str, object, str]]:
    """(row, column, value, expected) for every value its row's unit rules out: an unknown unit, a percentage
    outside 0-100, a count that is not a whole number of 0 or more. Checked here, on numbers, so that each
    problem names its row and the value column (pandera's frame checks could name neither)."""
    import pandas as pd

    if not (meta.unit_column and meta.value_column) or meta.unit_column not in frame or meta.value_column not in frame:
        return []
    percent = {c for c, u in UNITS.items() if u.kind == "percent"}
    counts = {c for c, u in UNITS.items() if u.kind == "count"}
    values = pd.to_numeric(frame[meta.value_column], errors="coerce")
    found = []
    for index, (unit, value, typed) in enumerate(zip(frame[meta.unit_column], values, frame[meta.value_column]),
                                                  start=1):  # typed: the cell as written, for the message
        if unit is None or unit != unit:
            continue
        if unit not in UNITS:
            found.append((index, meta.unit_column, unit, "a unit listed in the data dictionary (helpers.units)"))
        elif value != value:
            continue
        elif unit in percent and not 0 <= value <= 100:
            found.append((index, meta.value_column, typed, f"a percentage between 0 and 100 (unit '{unit}')"))
        elif unit in counts and not (value >= 0 and float(value).is_integer()):
            found.append((index, meta.value_column, typed, f"a count, a whole number of 0 or more (unit '{unit}')"))
        elif UNITS[unit].most is not None and abs(value) > UNITS[unit].most:
            found.append((index, meta.value_column, typed, magnitude_words(UNITS[unit], value)))
    return found


def reference_problems(frame, meta: DatasetMeta, lookups: dict[str, set]) -> list[tuple[int, str, object, str, str]]:
    """(row, column, value, expected, what every such row expects) for every value a referencing column holds
    that its dataset lacks (each part of a list: "FAO;ILO"), naming the nearest value that exists for the first
    few distinct values and, when they are few, all of them. Membership is checked for the column at once; only
    the rows that fail are looked at one by one."""
    import difflib

    import pandas as pd

    found = []
    for spec in meta.columns.values():
        if not spec.references or spec.name not in frame:
            continue
        known = lookups.get(spec.references, set())
        dataset, column = spec.references.split(".", 1)
        generic = f"a value of column '{column}' in {dataset}.csv"
        every = sorted(known)
        listing = (f"; {dataset}.csv has no rows yet" if not every else
                   f" ({', '.join(every)})" if len(every) <= 12 else f" (it holds {len(every)})")
        cells = frame[spec.name]
        filled = cells.notna() & (cells.astype(str).str.strip() != "")
        if spec.separator:
            bad = filled & ~cells.astype(str).map(lambda v: all(p.strip() in known for p in v.split(spec.separator)))
        else:
            bad = filled & ~cells.astype(str).str.strip().isin(known)
        hints: dict[str, str] = {}
        for index in [i for i, b in enumerate(bad.to_numpy(dtype=bool), start=1) if b]:
            value = cells.iloc[index - 1]
            parts = [p.strip() for p in str(value).split(spec.separator)] if spec.separator else [str(value).strip()]
            for part in (p for p in parts if p not in known):
                if part not in hints:
                    near = difflib.get_close_matches(part, every, n=1, cutoff=0.6) if len(hints) < 50 else []
                    hints[part] = f"; did you mean '{near[0]}'?" if near else listing
                found.append((index, spec.name, part if spec.separator else value, generic + hints[part], generic))
    return found
