"""Read an edition's datasets: the only way notebooks get data.

``load(name, year)`` finds ``data/<year>/<name>.csv`` and its metadata, validates it and
returns a typed DataFrame. Each file read is recorded for the build's cache (see
``helpers.cache``), so a notebook is re-run when, and only when, data it read changed.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .i18n import msg
from .project import Project, find_root
from .schema import DatasetMeta, build_schema, read_meta

from .inputs import VALIDATED as VALIDATED_ENV  # the build's digest of the folder it validated (see helpers.inputs)
from .inputs import record_file as record_dependency
from .inputs import record_lines, record_listing, record_rows


_DATASET_GAPS: dict[str, str] = {}  # datasets a notebook asked for that the edition lacks (see page.finish)
_UNTRANSLATED: dict[str, int] = {}  # 'dataset.column' -> rows whose text has no translation in the page's language


def dataset_gaps() -> dict[str, str]:
    """Datasets loaded in this process that the edition lacks or holds no rows of: name -> what is wrong."""
    return dict(_DATASET_GAPS)


def untranslated() -> dict[str, int]:
    """Text columns loaded in this process whose words the page's language lacks: 'dataset.column' -> rows."""
    return dict(_UNTRANSLATED)


@dataclass
class Problem:
    file: str
    row: int | None  # data row, 1-based (the header is not counted); None for the whole file
    column: str | None
    value: object
    rule: str
    kind: str = ""  # what every row with this problem expects, when ``rule`` adds a hint of its own (listed once)

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row} (line {self.row + 1})")
        if self.column:
            where.append(f"column '{self.column}'")
        raw = self.value.item() if hasattr(self.value, "item") else self.value  # numpy scalar -> Python
        value = "" if raw is None else f": value {raw!r}"
        return f"{', '.join(where)}{value}: expected {self.rule}"


def read_csv_text(path: Path, meta: DatasetMeta, display: str):
    """Read a CSV as text columns; raise InputError naming file and line for unreadable input."""
    import pandas as pd

    from .project import not_regular

    kind = not_regular(path)
    if kind:
        raise InputError(f"{display}: is {kind}; expected a regular file (only regular files inside the project "
                         "are read)")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"{display}, line {line}: byte 0x{raw[exc.start]:02x} is not UTF-8; "
                         "expected a UTF-8 encoded CSV file") from None
    if not text.strip():
        raise InputError(f"{display}: the file is empty; expected a header row with columns "
                         f"{', '.join(meta.columns)}")
    check_separator(text.lstrip("\ufeff").split("\n", 1)[0], meta, display)
    spread = _quote_spread(io.StringIO(text))
    if spread is not None:
        raise InputError(f"{display}, line {spread}: a quote opened on this line is not closed on it, so the lines "
                         "after it would be read as part of one cell; expected every quoted field to end on its "
                         "line (a stray or unbalanced quote?)")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.ParserError as exc:
        raise InputError(f"{display}: malformed CSV ({exc}); expected {len(meta.columns)} comma-separated "
                         "fields per line, quoting fields that contain commas") from None
    return frame


SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def check_separator(header: str, meta: DatasetMeta, display: str) -> None:
    """A header without a comma but with the metadata's column names between another separator: a spreadsheet
    saved in a regional format (';' where the decimal mark is a comma) is named as such, not as missing columns."""
    if "," in header:
        return
    for sep, name in SEPARATORS.items():
        if sep in header and {c.strip().strip('"') for c in header.split(sep)} & set(meta.columns):
            raise InputError(f"{display}, line 1: the columns are separated by {name}, not commas; expected a "
                             "comma-separated file (save it again as CSV with commas, UTF-8: a spreadsheet set to a "
                             "regional format that writes decimal commas separates columns with semicolons)")


def _quote_spread(lines) -> int | None:
    """The line where a record starts that runs over more than one line (a quote left open), or None. ``lines``:
    the CSV's text as a file (a ``StringIO`` or a file opened with ``newline=""``)."""
    import csv

    reader = csv.reader(lines)
    start = 1
    try:
        for _ in reader:
            if reader.line_num > start:
                return start
            start = reader.line_num + 1
    except csv.Error:
        return start
    return None


TYPE_WORDS = {  # what a cell that cannot be read as its column's type should hold, in an analyst's words
    "Int64": "a whole number written with digits only, such as 2022 or 54421",
    "Float64": "a number with a point for decimals and no thousands separator, such as 29.6 or 54421",
    "boolean": "true or false",
}


DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")


def comma_words(value, dtype: str) -> str | None:
    """What to write instead of a number with a comma: '29,6' has a decimal comma; '54,421' could be either."""
    if dtype not in ("Float64", "Int64") or not isinstance(value, str) or not DECIMAL_COMMA.match(value):
        return None
    point = value.strip().replace(",", ".")
    if len(value.strip().split(",")[1]) == 3:  # 54,421: a thousands separator, or a decimal comma?
        return (f"a number without a comma: write {value.strip().replace(',', '')} if the comma separates "
                f"thousands, or {point} if it is a decimal comma")
    return f"a point for decimals, not a decimal comma: write {point}"


def problems_from_pandera(exc, display: str) -> list[Problem]:
    cases = exc.failure_cases
    # a cell that cannot be converted is reported once, not again by the dtype check that follows
    coerced = set(cases.loc[cases["check"].astype(str).str.startswith("coerce_dtype"), "column"])
    cases = cases[~(cases["check"].astype(str).str.startswith("dtype(") & cases["column"].isin(coerced))]
    # nor by a check that then errored on the unconverted column as a whole (its "value" is Python's exception text)
    cases = cases[~(~cases["check"].astype(str).str.startswith("coerce_dtype") & cases["column"].isin(coerced)
                    & cases["index"].isna())]
    problems = []
    repeated: dict[int, dict[str, object]] = {}  # row -> its key's cells, for rows whose key another row has
    for case in cases.itertuples(index=False):
        column = case.column if isinstance(case.column, str) else None
        check = str(case.check)
        if check == "field_uniqueness" or check.startswith("multiple_fields_uniqueness"):
            if case.index is not None and case.index == case.index:
                repeated.setdefault(int(case.index) + 1, {})[column] = case.failure_case
            continue
        if column is None and ":" in check and not check.startswith(("column_in", "multiple_fields")):
            column, check = (part.strip() for part in check.split(":", 1))
        index = case.index
        row = int(index) + 1 if index is not None and index == index else None  # NaN index: whole column
        value = case.failure_case
        if case.schema_context == "DataFrameSchema" and str(case.check) == "column_in_schema":
            column, value, check = str(value), None, "no column of that name (not declared in the metadata)"
        elif case.schema_context == "DataFrameSchema" and str(case.check) == "column_in_dataframe":
            column, value, check = str(value), None, "this column to be present (declared in the metadata)"
        elif str(case.check).startswith("coerce_dtype"):
            dtype = str(case.check)[len('coerce_dtype('):-1].strip(chr(39))
            check = comma_words(value, dtype) or TYPE_WORDS.get(dtype, f"a value of type {dtype}")
        elif str(case.check) == "not_nullable":
            value, check = None, "a value (this column may not be empty)"
        problems.append(Problem(display, row, column, value, check))
    problems += repeated_keys(repeated, display)
    # one line per problem, in file order
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return problems


def repeated_keys(repeated: dict[int, dict[str, object]], display: str) -> list[Problem]:
    """One problem per key that several rows share, at its first row, naming the others and the key's cells."""
    groups: dict[tuple, list[int]] = {}
    for row, cells in sorted(repeated.items()):
        groups.setdefault(tuple((c, str(v)) for c, v in cells.items()), []).append(row)  # in the key's order
    problems = []
    for key, rows in groups.items():
        if len(rows) < 2:
            continue
        others = ", ".join(f"{r} (line {r + 1})" for r in rows[1:])
        cells = ", ".join(f"{column} '{value}'" for column, value in key)
        repeat = f"row {others} repeats" if len(rows) == 2 else f"rows {others} repeat"
        problems.append(Problem(display, rows[0], None, None,
                                f"each key once; {repeat} this row's {cells} (remove the repeat, or tell the "
                                "rows apart by their key)"))
    return problems


BOOLEAN_TEXT = {"true": True, "false": False}


def _prepare(frame, meta: DatasetMeta):
    """Turn 'true'/'false' into booleans; anything else stays text and fails validation with its value."""
    frame = frame.copy()
    for spec in meta.columns.values():
        if spec.type == "boolean" and spec.name in frame:
            frame[spec.name] = frame[spec.name].map(
                lambda v: BOOLEAN_TEXT.get(v.strip().lower(), v) if isinstance(v, str) else v)
    return frame


NON_FINITE = re.compile(r"^\s*[+-]?(nan|inf|infinity)\s*$", re.I)


def text_problems(frame, meta: DatasetMeta, display: str) -> list[Problem]:
    """'nan' or 'inf' as a figure is refused before typing: a figure not stated is an empty cell."""
    problems = []
    for name, spec in meta.columns.items():
        if name in frame and spec.type in ("number", "integer"):
            problems += [Problem(display, index + 1, name, value,
                                 "a finite number (leave the cell empty when the figure is not stated)")
                         for index, value in frame[name].items() if isinstance(value, str) and NON_FINITE.match(value)]
    return problems


def validate_frame(frame, meta: DatasetMeta, display: str, lookups: dict[str, set] | None = None):
    """Validated, typed copy of ``frame``, or InputError listing every problem once, by row and column."""
    typed, problems = frame_problems(frame, meta, display, lookups)
    if problems:
        raise InputError(f"{display}: {len(problems)} problem(s)", shortened(problems))
    return typed


def frame_problems(frame, meta: DatasetMeta, display: str, lookups: dict[str, set] | None = None):
    """(the validated, typed copy of ``frame`` or None, its problems in file order)."""
    import pandera.errors as pe

    from .schema import reference_problems, unit_problems

    frame = _prepare(frame, meta)
    problems = text_problems(frame, meta, display)
    refused = {(p.row, p.column) for p in problems}
    typed = None
    try:
        typed = build_schema(meta).validate(frame, lazy=True)
    except pe.SchemaErrors as exc:
        problems += [p for p in problems_from_pandera(exc, display) if (p.row, p.column) not in refused]
    offset = int(frame.index[0]) if len(frame) else 0  # a chunk's rows are counted from the file's start
    problems += [Problem(display, row + offset, column, value, rule)
                 for row, column, value, rule in unit_problems(frame, meta) if (row + offset, column) not in refused]
    problems += [Problem(display, row + offset, column, value, rule, kind)
                 for row, column, value, rule, kind in reference_problems(frame, meta, lookups or {})
                 if (row + offset, column) not in refused]
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return (None if problems else typed), problems


PER_RULE = 5  # problems listed for one column and one expectation; the rest are counted


class Problems:
    """Problems in file order, holding the first few for each column and expectation and counting the rest: a
    huge file with one systematic mistake gets a readable list, not a line (or an object) per row."""

    def __init__(self):
        from collections import Counter

        self.kept: list[Problem] = []
        self.counts: Counter = Counter()

    def add(self, problems) -> None:
        for p in problems:
            key = (p.column, p.kind or p.rule)
            self.counts[key] += 1
            if self.counts[key] <= PER_RULE:
                self.kept.append(p)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        from collections import Counter

        shown: Counter = Counter()
        lines = []
        for p in self.kept:
            key = (p.column, p.kind or p.rule)
            shown[key] += 1
            lines.append(str(p))
            if shown[key] == PER_RULE and self.counts[key] > PER_RULE:
                where = f", column '{p.column}'" if p.column else ""
                lines.append(f"{p.file}{where}: {self.counts[key] - PER_RULE} more row(s) expected {p.kind or p.rule}")
        return lines


def shortened(problems: list[Problem]) -> list[str]:
    """The problems as lines (``Problems``): a few per column and expectation, then how many more."""
    found = Problems()
    found.add(problems)
    return found.lines()


CHUNK_ROWS = 50_000  # rows validated at a time by Edition.check: memory stays bounded whatever a file's size


def stream_checks(path: Path, meta: DatasetMeta, display: str) -> None:
    """What ``read_csv_text`` checks before parsing, on the file read a line at a time: a regular file, UTF-8,
    not empty, no quote left open across lines."""
    from .project import not_regular

    kind = not_regular(path)
    if kind:
        raise InputError(f"{display}: is {kind}; expected a regular file (only regular files inside the project "
                         "are read)")
    written = False
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                text = line.decode("utf-8")  # every line: a bad byte anywhere is named by its line
            except UnicodeDecodeError as exc:
                raise InputError(f"{display}, line {number}: byte 0x{line[exc.start]:02x} is not UTF-8; "
                                 "expected a UTF-8 encoded CSV file") from None
            if number == 1:
                check_separator(text.lstrip("\ufeff").rstrip("\r\n"), meta, display)
            written = written or bool(text.strip())
    if not written:
        raise InputError(f"{display}: the file is empty; expected a header row with columns "
                         f"{', '.join(meta.columns)}")
    with open(path, encoding="utf-8", newline="") as fh:
        spread = _quote_spread(fh)
    if spread is not None:
        raise InputError(f"{display}, line {spread}: a quote opened on this line is not closed on it, so the lines "
                         "after it would be read as part of one cell; expected every quoted field to end on its "
                         "line (a stray or unbalanced quote?)")


def read_csv_chunks(path: Path, meta: DatasetMeta, display: str):
    """The CSV as text columns, ``CHUNK_ROWS`` rows at a time (each chunk's index counts rows from the file's
    start, so problems name the file's rows); at least one chunk, empty for a header-only file."""
    import pandas as pd

    stream_checks(path, meta, display)
    options = dict(dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    try:
        chunks = 0
        for chunk in pd.read_csv(path, chunksize=CHUNK_ROWS, **options):
            chunks += 1
            yield chunk
        if not chunks:
            yield pd.read_csv(path, nrows=0, **options)
    except pd.errors.ParserError as exc:
        raise InputError(f"{display}: malformed CSV ({exc}); expected {len(meta.columns)} comma-separated "
                         "fields per line, quoting fields that contain commas") from None


def apply_types(frame, meta: DatasetMeta):
    """The typed frame validation would return, for data already validated (pandas only, no pandera)."""
    import pandas as pd

    from .schema import TYPES

    frame = _prepare(frame, meta)
    for name, spec in meta.columns.items():
        if name in frame:
            column = pd.to_numeric(frame[name]) if spec.type in ("integer", "number") else frame[name]
            frame[name] = column.astype(TYPES[spec.type])
    return frame


class Edition:
    """The datasets of one year: metadata, lookups between datasets, typed frames."""

    def __init__(self, year: int, root: Path | None = None, folder: Path | None = None):
        self.project = Project(root or find_root())
        self.year = int(year)
        # the edition's own folder; or, for the Cooperation Framework's datasets, the folder of its cycle
        self.folder = folder or self.project.year_dir(self.year)
        self._raw: dict[str, tuple] = {}  # each file is read once per Edition
        self._prevalidated: bool | None = None
        self._framework: Edition | None | bool = False if folder is None else None

    @property
    def framework(self) -> "Edition | None":
        """The datasets of the framework cycle covering this edition (None outside any cycle)."""
        if self._framework is False:
            cycle = self.project.framework_dir(self.year)
            self._framework = Edition(self.year, self.project.root, cycle) if cycle else None
        return self._framework

    def _owner(self, name: str) -> "Edition":
        """Who holds dataset ``name``: this edition, or (when it has no file of that name) the framework cycle."""
        own = (self.folder / f"{name}.csv").is_file() or (self.folder / f"{name}.yml").is_file()
        if not own and self.framework is not None and (self.framework.folder / f"{name}.yml").is_file():
            return self.framework
        return self

    def display(self, path: Path) -> str:
        try:
            return path.relative_to(self.project.root).as_posix()
        except ValueError:
            return str(path)

    def names(self) -> list[str]:
        """The datasets in this folder (a cycle's framework.yml describes the cycle, not a dataset)."""
        if not self.folder.is_dir():
            return []
        record_listing(self.folder)  # a page listing datasets is stale when one is added or removed
        return sorted(p.stem for p in self.folder.glob("*.yml") if p.name != "framework.yml")

    def rows(self, name: str) -> list[dict] | None:
        """The dataset's rows as text (None without a CSV): for the pipeline, after validation, without pandas."""
        import csv

        holder = self._owner(name)
        path = holder.folder / f"{name}.csv"
        if not path.is_file():
            return None
        from .project import read_text

        return list(csv.DictReader(io.StringIO(read_text(path))))

    def holders(self) -> list[tuple["Edition", str]]:
        """Every dataset the edition uses, with the folder that holds it: its own, then the framework cycle's
        that it does not override."""
        found = [(self, name) for name in self.names()]
        if self.framework is not None:
            found += [(self.framework, name) for name in self.framework.names() if self._owner(name) is not self]
        return found

    def meta(self, name: str) -> DatasetMeta:
        if self._owner(name) is not self:
            return self.framework.meta(name)
        path = self.folder / f"{name}.yml"
        if path.is_file():
            return read_meta(path)
        # The structure (never the values) may come from another edition's or another cycle's metadata.
        for other in sorted(self.project.editions(), key=lambda y: abs(y - self.year)):
            candidate = self.project.year_dir(other) / f"{name}.yml"
            if candidate.is_file():
                return read_meta(candidate)
        for candidate in sorted((self.project.data_dir / "frameworks").glob(f"*/{name}.yml")):
            return read_meta(candidate)
        raise InputError(f"{self.display(path)}: no edition has metadata for a dataset called '{name}'")

    def raw(self, name: str):
        if self._owner(name) is not self:
            return self.framework.raw(name)
        if name not in self._raw:
            meta = self.meta(name)
            path = self.folder / f"{name}.csv"
            if not path.is_file():
                raise InputError(f"{self.display(path)}: dataset '{name}' has metadata but no CSV file")
            self._raw[name] = (read_csv_text(path, meta, self.display(path)), meta)
        frame, meta = self._raw[name]
        return frame.copy(), meta

    def prevalidated(self) -> bool:
        """True when the build validated exactly this folder's bytes (see VALIDATED_ENV)."""
        if self._prevalidated is None:
            expected = os.environ.get(VALIDATED_ENV, "").split()
            if expected:
                from .fingerprint import tree_digest

                self._prevalidated = tree_digest(self.folder) in expected
            else:
                self._prevalidated = False
        return self._prevalidated

    def lookups_for(self, meta: DatasetMeta) -> dict[str, set]:
        """Values that referencing columns may take (e.g. agency codes), read from the referenced dataset."""
        lookups = {}
        for spec in meta.columns.values():
            if spec.references and spec.references not in lookups:
                dataset, column = spec.references.split(".", 1)
                holder = self._owner(dataset)
                if not (holder.folder / f"{dataset}.csv").is_file():
                    lookups[spec.references] = set()  # nothing to refer to: every reference fails, by row
                    continue
                frame, _ = holder.raw(dataset)
                record_dependency(holder.folder / f"{dataset}.csv")
                lookups[spec.references] = set(frame[column].dropna().str.strip()) if column in frame else set()
        return lookups

    def empty(self, meta: DatasetMeta):
        """A typed frame with the dataset's columns and no rows: what a missing dataset reads as."""
        import pandas as pd

        from .schema import TYPES

        return pd.DataFrame({c: pd.Series(dtype=TYPES[s.type]) for c, s in meta.columns.items()})

    def load(self, name: str, where: dict | None = None):
        """``_load``, the frame naming its dataset (``frame.attrs["dataset"]``): glued figures then say which
        dataset's keys they come from (``page.glue_figures``)."""
        frame = self._load(name, where)
        frame.attrs["dataset"] = name
        return frame

    def _load(self, name: str, where: dict | None = None):
        """The dataset as a typed frame. ``where`` ({column: values}) keeps only the rows whose column holds one of
        the values (compared as text, as in the file); the page then depends on those rows alone (and on the
        file's line count, which tells an empty dataset from an empty selection), so an edit to another row leaves
        its execution valid (``helpers.inputs.record_rows``)."""
        if self._owner(name) is not self:
            return self.framework.load(name, where)
        path = self.folder / f"{name}.csv"
        if not path.is_file():
            cycle_dataset = any((self.project.data_dir / "frameworks").glob(f"*/{name}.yml"))
            if not self.meta(name).may_be_empty:  # a list of exceptions without a file: none
                _DATASET_GAPS[name] = (msg("gaps.no_cycle", year=self.year) if cycle_dataset and self.framework is None
                                       else msg("gaps.no_file", path=self.display(path)))
            return self.empty(self.meta(name))  # a gap, listed in the ledger; never another year's values
        frame, meta = self.raw(name)
        record_dependency(self.folder / f"{name}.yml")
        if frame.empty and not meta.may_be_empty:
            _DATASET_GAPS[name] = msg("gaps.file_no_rows", path=self.display(path))
        keep = None
        if where:
            import pandas as pd

            keep = pd.Series(True, index=frame.index)
            for column, values in where.items():
                wanted = {str(v).strip() for v in values}
                keep &= frame[column].fillna("").str.strip().isin(wanted) if column in frame else False
        if self.prevalidated():
            if keep is None:
                record_dependency(path)
            else:
                record_rows(path, where)
                record_lines(path)
                frame = frame[keep.to_numpy(dtype=bool)]
            return in_language(apply_types(frame, meta), keys=meta.primary_key, name=name)
        record_dependency(path)  # validated whole here: the page depends on every row
        display = self.display(path)
        typed = validate_frame(frame, meta, display, self.lookups_for(meta))
        problems = self.provenance_problems(name, typed, display)
        if problems:
            raise InputError(f"{display}: {len(problems)} problem(s)", [str(p) for p in problems])
        if keep is not None:
            typed = typed[keep.to_numpy(dtype=bool)]
        return in_language(typed, keys=meta.primary_key, name=name)

    def check(self, name: str) -> None:
        """Validate the dataset as ``load`` does, ``CHUNK_ROWS`` rows at a time, holding none of it afterwards: a
        file of a million rows is checked in bounded memory. A key repeated across chunks is found through each
        row's key hash (the first row with it is named). Raises InputError with every problem (``Problems``)."""
        if self._owner(name) is not self:
            return self.framework.check(name)
        meta, path = self.meta(name), self.folder / f"{name}.csv"
        display = self.display(path)
        if not path.is_file():
            raise InputError(f"{display}: dataset '{name}' has metadata but no CSV file")
        lookups, found, first_row = self.lookups_for(meta), Problems(), {}
        keys = [k for k in meta.primary_key if k in meta.columns]
        for chunk in read_csv_chunks(path, meta, display):
            typed, problems = frame_problems(chunk, meta, display, lookups)
            found.add(problems)
            if typed is not None:
                found.add(self.provenance_problems(name, typed, display))
            if keys and all(k in chunk for k in keys) and len(chunk):
                start = int(chunk.index[0]) + 1
                cells = chunk[keys].fillna("").astype(str).apply(lambda c: c.str.strip())
                for index, key in zip(chunk.index, cells.itertuples(index=False, name=None)):
                    seen = first_row.setdefault(hash(key), index + 1)
                    if seen < start:  # a row of an earlier chunk (the schema checks the rows within one)
                        found.add([Problem(display, index + 1, None, None,
                                           f"each key once; this row repeats the key of row {seen} "
                                           f"(line {seen + 1})")])
        if found.total:
            raise InputError(f"{display}: {found.total} problem(s)", found.lines())

    def row_count(self, name: str) -> int:
        """How many rows the dataset's file holds (0 without a file), counted without parsing it; the page then
        depends on the file's line count only, not on what the rows hold."""
        path = self._owner(name).folder / f"{name}.csv"
        if not path.is_file():
            return 0
        record_lines(path)
        with path.open(encoding="utf-8", errors="replace") as fh:
            return max(0, sum(1 for line in fh if line.strip()) - 1)  # the header is not a row

    def has_rows(self, name: str) -> bool:
        """Whether the dataset's file has any row: a page that shows a count of a selection says 'unknown', not 0,
        when the whole dataset is empty."""
        return self.row_count(name) > 0

    def official_sources(self) -> set[str]:
        """Ids of the sources that are official releases used directly (kind 'official')."""
        holder = self._owner("sources")
        if not (holder.folder / "sources.csv").is_file():
            return set()
        frame, _ = holder.raw("sources")
        if "kind" not in frame or "id" not in frame:
            return set()
        return set(frame.loc[frame["kind"].str.strip() == "official", "id"].str.strip())

    def provenance_problems(self, name: str, frame, display: str) -> list[Problem]:
        """A row without a report section and page must come from an official release; an official release
        must say when it was published and where it was read."""
        problems = []
        if "page" in frame and "source" in frame:  # column by column (a file may hold a million rows)
            from_report = ~frame["source"].astype(str).str.strip().isin(self.official_sources())
            for column in ("section", "page"):
                if column in frame:
                    empty = frame[column].isna() | frame[column].astype(str).str.strip().isin(["", "<NA>"])
                    problems += [Problem(display, index + 1, column, None,
                                         "a value: only rows whose source is an official release "
                                         "(kind 'official' in sources) may leave the report's "
                                         f"{column} empty") for index in frame.index[from_report & empty]]
            problems.sort(key=lambda p: (p.row, p.column))
        if name == "sources" and "kind" in frame:
            for index, row in frame[frame["kind"] == "official"].iterrows():
                for column in ("date", "url"):
                    if column in frame and (row[column] is None or row[column] != row[column]):
                        problems.append(Problem(display, index + 1, column, None,
                                                f"a {column} for an official release"))
        return problems


def in_language(frame, lang: str | None = None, keys=(), name: str | None = None):
    """The frame with each text column in the page's language: ``summary`` takes ``summary_es`` on a Spanish page
    wherever that holds text (the English words stay where no translation is given yet). Key columns stay as
    they are (other datasets refer to them); a key written in words with its translation beside it (a funding
    source) is shown through ``<key>_shown``, in the page's language."""
    from .i18n import DEFAULT, LOCALES, language, translated

    lang = lang or language()
    named = [c for c in (keys or ()) if c in frame.columns
             and any(translated(c, other) in frame.columns for other in LOCALES if other != DEFAULT)]
    if named:  # a key that is also words (a funding source): '<key>_shown' holds them in the page's language
        frame = frame.copy()
        for column in named:
            words = frame[translated(column, lang)] if lang != DEFAULT else frame[column]
            given = words.notna() & (words.astype(str).str.strip() != "")
            frame[f"{column}_shown"] = frame[column].astype(object).where(~given, words)
    if lang == DEFAULT:
        return frame
    columns = [c for c in frame.columns if translated(c, lang) in frame.columns and c not in set(keys or ())]
    if not columns:
        return frame
    frame = frame.copy()
    for column in columns:
        words = frame[translated(column, lang)]
        given = words.notna() & (words.astype(str).str.strip() != "")
        english = frame[column].notna() & (frame[column].astype(str).str.strip() != "")
        if name and int((english & ~given).sum()):  # shown in English: the page says so (page.finish)
            _UNTRANSLATED[f"{name}.{column}"] = int((english & ~given).sum())
        frame[column] = frame[column].astype(object).where(~given, words)
    return frame


def load(name: str, year: int, root: Path | None = None):
    """The validated, typed DataFrame of dataset ``name`` for edition ``year``."""
    return Edition(year, root).load(name)

