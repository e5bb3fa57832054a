"""Dataset metadata (the YAML beside each CSV) and the pandera schema built from it.

One declaration per dataset serves three purposes: validation (this module), the
loader's dtypes (``helpers.data``) and the book's data dictionary.

Every dataset also carries the provenance columns declared once here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import InputError
from .project import parse_yaml, read_text
from .units import UNITS

TYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}

# YYYY, YYYY-MM or YYYY-Qn, or a range of two of them joined by "/"
PERIOD_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?(/\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?)?$"

PROVENANCE = {
    "section": {"type": "string", "nullable": True, "description": (
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
    "ref_period": {"type": "string", "nullable": True, "pattern": PERIOD_PATTERN,
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
    import re

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
    for key in ("nullable", "unique"):
        if key in spec and not isinstance(spec[key], bool):
            bad(key, "true or false")
    for key in ("description", "unit", "separator"):
        if spec.get(key) is not None and not isinstance(spec[key], str):
            bad(key, "a text")


def build_schema(meta: DatasetMeta, lookups: dict[str, set] | None = None):
    """The pandera schema for a dataset. ``lookups`` maps "dataset.column" to the values that exist there."""
    import pandera.pandas as pa

    lookups = lookups or {}
    columns = {}
    for spec in meta.columns.values():
        checks = []
        if spec.min is not None:
            checks.append(pa.Check.ge(spec.min, error=f">= {spec.min}"))
        if spec.max is not None:
            checks.append(pa.Check.le(spec.max, error=f"<= {spec.max}"))
        if spec.allowed is not None:
            checks.append(pa.Check.isin(spec.allowed, error=f"one of {spec.allowed}"))
        if spec.references:
            known = lookups.get(spec.references, set())
            sep = spec.separator
            checks.append(pa.Check(
                lambda v, known=known, sep=sep: all(p.strip() in known for p in (str(v).split(sep) if sep else [str(v)])),
                element_wise=True, error=f"every value listed in {spec.references}"))
        if spec.pattern:
            checks.append(pa.Check.str_matches(spec.pattern, error="a period such as 2022, 2022-12, 2022-Q3 or 2020/2022"
                                               if spec.pattern == PERIOD_PATTERN else f"text matching {spec.pattern}"))
        if spec.type == "string" and not spec.nullable:
            checks.append(pa.Check(lambda s: s.str.strip().str.len() > 0, error="a non-blank text"))
        columns[spec.name] = pa.Column(TYPES[spec.type], checks=checks, nullable=spec.nullable,
                                       unique=spec.unique, coerce=True, required=True)
    return pa.DataFrameSchema(columns, strict=True, unique=meta.primary_key or None, report_duplicates="all",
                              name=meta.name)


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
    for index, (unit, value) in enumerate(zip(frame[meta.unit_column], values), start=1):
        if unit is None or unit != unit:
            continue
        if unit not in UNITS:
            found.append((index, meta.unit_column, unit, "a unit listed in the data dictionary (helpers.units)"))
        elif value != value:
            continue
        elif unit in percent and not 0 <= value <= 100:
            found.append((index, meta.value_column, value, f"a percentage between 0 and 100 (unit '{unit}')"))
        elif unit in counts and not (value >= 0 and float(value).is_integer()):
            found.append((index, meta.value_column, value, f"a count, a whole number of 0 or more (unit '{unit}')"))
    return found
