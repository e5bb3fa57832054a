"""One spreadsheet for an edition's data: ``resultsbook workbook`` writes it, ``resultsbook import`` reads it back.

A reviewer fills one workbook instead of twenty CSVs: a sheet per dataset of the edition (row 1 the column names,
row 2 each column's description in English and Spanish, rows from 3 the data), drop-down lists for the values a
column may take (units, qualifiers, themes, the ids of another sheet, sections known from other editions), and an
instructions sheet. For an edition still empty, each sheet is prefilled with the keys and stable labels of the
fullest earlier edition (never its figures, periods or sources).

Every cell is written as text, never as a formula (a value starting with "=" stays the text it is), and read back
as text: a workbook of an edition imported unchanged gives byte-identical CSVs. Import validates the whole edition
before it writes anything, and names each problem by sheet, row and column header, as the reviewer sees them.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.datavalidation import DataValidation

from . import fmt
from .data import Edition
from .errors import InputError
from .project import Project
from .schema import DatasetMeta, stable_columns
from .units import UNITS

FIRST_DATA_ROW = 3  # row 1: column names; row 2: what each column holds
SPARE_ROWS = 300  # rows below the data that keep the drop-downs and the text format for what the reviewer adds
INSTRUCTIONS = "Instructions"
LISTS = "lists"  # a hidden sheet holding the drop-down values
TEXT = "@"  # Excel's text format: "2023-07" or "007" stay as typed


def edition_sheets(edition: Edition) -> list[str]:
    """The datasets the edition holds itself (the framework cycle's structure is edited in its own folder)."""
    return [name for holder, name in edition.holders() if holder is edition]


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    if not path.is_file():
        return [], []
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    return (rows[0], rows[1:]) if rows else ([], [])


def earlier_file(project: Project, year: int, name: str) -> Path | None:
    """The CSV of ``name`` in the fullest earlier edition (``newyear.fullest_edition``), or None."""
    from .newyear import fullest_edition

    edition = fullest_edition(project, year, name)
    return None if edition is None else project.year_dir(edition) / f"{name}.csv"


def prefilled(meta: DatasetMeta, header: list[str], source: Path | None) -> list[list[str]]:
    """An earlier edition's rows reduced to what stays from year to year: the key (without its period), the
    stable columns and the labels; every figure, period and source left for the reviewer."""
    if source is None:
        return []
    keep = set(stable_columns(meta))
    old_header, rows = read_rows(source)
    at = {c: i for i, c in enumerate(old_header)}
    out = [[row[at[c]] if c in keep and c in at and at[c] < len(row) else "" for c in header] for row in rows]
    return list({tuple(r): r for r in out if any(r)}.values())  # a key given for two periods is one row to fill


def _text_cell(sheet, row: int, column: int, value: str, where: str) -> None:
    cell = sheet.cell(row=row, column=column)
    try:
        cell.value = value
    except IllegalCharacterError:
        raise InputError(f"{where}: holds a control character a spreadsheet cannot store; expected printable "
                         "text") from None
    cell.data_type = "s"  # text, even when it starts with "=": never a formula
    cell.number_format = TEXT


def write_workbook(project: Project, year: int, out: Path) -> Path:
    """The edition's workbook at ``out`` (written whole, then moved into place)."""
    from .i18n import DEFAULT, LOCALES

    edition = Edition(year, project.root)
    names = edition_sheets(edition)
    if not names:
        raise InputError(f"data/{year} holds no dataset; expected at least one <name>.yml (start an edition with "
                         f"`resultsbook new-year {year}`)")
    book = Workbook()
    guide = book.active
    guide.title = INSTRUCTIONS
    lists = book.create_sheet(LISTS)
    lists.sheet_state = "hidden"
    list_columns: dict[tuple, str] = {}

    def list_range(values: list[str]) -> str:
        """A column of the hidden sheet holding ``values``, as a range a drop-down can name."""
        key = tuple(values)
        if key not in list_columns:
            column = len(list_columns) + 1
            for row, value in enumerate(values, start=1):
                _text_cell(lists, row, column, value, f"{LISTS} sheet")
            letter = get_column_letter(column)
            list_columns[key] = f"{LISTS}!${letter}$1:${letter}${max(1, len(values))}"
        return list_columns[key]

    from .validate import stable_values

    for name in names:
        meta = edition.meta(name)
        path = edition.folder / f"{name}.csv"
        header, rows = read_rows(path)
        header = header or list(meta.columns)
        if not rows:
            rows = prefilled(meta, header, earlier_file(project, year, name))
        sheet = book.create_sheet(name)
        for column, field in enumerate(header, start=1):
            _text_cell(sheet, 1, column, field, f"sheet '{name}', column {column}")
            sheet.cell(row=1, column=column).font = Font(bold=True)
            spec = meta.columns.get(field)
            words = [spec.description] + [spec.translations.get(lang, "") for lang in LOCALES if lang != DEFAULT] \
                if spec else []
            _text_cell(sheet, 2, column, "\n".join(w for w in words if w), f"sheet '{name}', row 2")
            sheet.cell(row=2, column=column).alignment = Alignment(wrap_text=True, vertical="top")
            sheet.cell(row=2, column=column).font = Font(italic=True, color="555555")
            sheet.column_dimensions[get_column_letter(column)].width = 24
        for number, row in enumerate(rows, start=FIRST_DATA_ROW):
            for column, value in enumerate(row, start=1):
                if value != "":
                    _text_cell(sheet, number, column, value, f"data/{year}/{name}.csv, line {number - 1}")
        last = FIRST_DATA_ROW + len(rows) + SPARE_ROWS
        for column, field in enumerate(header, start=1):
            letter = get_column_letter(column)
            for number in range(FIRST_DATA_ROW + len(rows), last + 1):
                sheet.cell(row=number, column=column).number_format = TEXT
            spec = meta.columns.get(field)
            if spec is None:
                continue
            target, strict = None, True
            if spec.allowed and not spec.separator:
                target = list_range([str(v) for v in spec.allowed])
            elif field == meta.unit_column:
                target = list_range(sorted(UNITS))
            elif spec.references and not spec.separator:
                dataset, ref_column = spec.references.split(".", 1)
                ref_header = read_rows(edition.folder / f"{dataset}.csv")[0] or list(edition.meta(dataset).columns)
                if dataset in names and ref_column in ref_header:
                    ref_letter = get_column_letter(ref_header.index(ref_column) + 1)
                    target = f"'{dataset}'!${ref_letter}${FIRST_DATA_ROW}:${ref_letter}${last}"
            elif spec.stable:
                known = sorted(stable_values(project, year, field))
                target, strict = (list_range(known), False) if known else (None, True)  # a new value may be right
            if target:
                check = DataValidation(type="list", formula1=target, allow_blank=True,
                                       errorStyle="stop" if strict else "warning", showErrorMessage=True,
                                       error="Pick a value from the list" + ("" if strict else ", or keep a new one"))
                sheet.add_data_validation(check)
                check.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last}")
        sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    for row, line in enumerate(instructions(year, names), start=1):
        _text_cell(guide, row, 1, line, INSTRUCTIONS)
    guide.column_dimensions["A"].width = 120
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, staging = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        book.save(staging)
        os.replace(staging, out)
    finally:
        Path(staging).unlink(missing_ok=True)
    return out


def instructions(year: int, names: list[str]) -> list[str]:
    return [
        f"The data of the {year} edition of the UN Mexico Results Book: one sheet per dataset.",
        "",
        "Row 1 of each sheet names the columns (do not rename, add or remove them); row 2 says what each holds,",
        "in English and in Spanish. Write the data from row 3 down, one row per figure.",
        "Keep each figure as its source prints it, with a point for decimals (29.6) and no thousands separator.",
        "Leave a cell empty when no source states it: an empty cell is a gap, shown as missing; never write 0",
        "for an unknown figure, and never copy last year's figure.",
        "Periods: 2024 (a year), 2024-12 (a month), 2024-Q4 (a quarter), 2024-12-31 (a day), 2020/2024 (a range).",
        "Every row names its source: an id of the sources sheet (publisher, title, date and address there).",
        "Drop-down lists give the values a column allows; a section from another edition is offered, a new one",
        "is accepted with a warning.",
        "Rows prefilled from an earlier edition hold only what stays from year to year (keys, labels, units):",
        "fill in each figure with its period and source, or delete the row if this edition does not give it.",
        "Never type a formula: write the value itself.",
        "",
        f"Then run: resultsbook import {year} THIS_FILE.xlsx",
        "It checks every sheet and writes the CSVs only when all of them are valid; otherwise it lists each",
        "problem by sheet, row and column, and changes nothing.",
        "",
        "Sheets: " + ", ".join(names),
    ]


def _cell_text(value, where: str) -> str:
    """A cell as the CSV holds it: text as typed; a number as written (54421, 29.6); a date as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return fmt.plain_number(value)
    if isinstance(value, datetime.datetime):
        if value.time() != datetime.time(0):
            raise InputError(f"{where}: a date with a time of day; expected a date such as 2024-07-28")
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


CSV_PLACE = re.compile(r"^data/(?P<year>\d{4})/(?P<name>[A-Za-z0-9_]+)\.csv(?:, row (?P<row>\d+) \(line \d+\))?")


def import_workbook(project: Project, year: int, path: Path) -> tuple[list[str], dict[str, int]]:
    """The workbook's sheets as the edition's CSVs, written only when the whole edition then validates: (the files
    written, the prefilled rows left unfilled per sheet). InputError (exit 2) naming sheet, row and column header
    otherwise, nothing written."""
    from .validate import validate_edition

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; expected the workbook written by `resultsbook workbook {year}`")
    try:
        book = load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InputError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}); expected the workbook "
                         f"written by `resultsbook workbook {year}`") from None
    edition = Edition(year, project.root)
    names = edition_sheets(edition)
    problems, files, rows_of, left = [], {}, {}, {}
    for name in names:
        if name not in book.sheetnames:
            problems.append(f"{path.name}: no sheet '{name}'; expected one sheet per dataset of data/{year}")
            continue
        sheet, meta = book[name], edition.meta(name)
        header = [_cell_text(c.value, f"sheet '{name}', row 1") for c in sheet[1]]
        while header and header[-1] == "":
            header.pop()
        unknown = [h for h in header if h not in meta.columns]
        problems += [f"sheet '{name}', row 1, column header '{h}': not a column of dataset '{name}'; expected one "
                     f"of {', '.join(meta.columns)}" for h in unknown]
        problems += [f"sheet '{name}', row 1: no column header '{c}'; expected every column of the dataset"
                     for c in meta.columns if c not in header]
        out, sheet_rows = io.StringIO(), []
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        # a prefilled row left as written holds no figure of this edition: it is not imported (the page says the
        # figure is missing), rather than refused for the source it lacks
        untouched = set() if read_rows(edition.folder / f"{name}.csv")[1] else \
            {tuple(r) for r in prefilled(meta, header, earlier_file(project, year, name))}
        for number, cells in enumerate(sheet.iter_rows(min_row=FIRST_DATA_ROW), start=FIRST_DATA_ROW):
            values = []
            for column, cell in enumerate(cells[:len(header)]):
                where = f"sheet '{name}', row {number}, column header '{header[column]}'"
                if cell.data_type == "f":
                    problems.append(f"{where}: a formula ({cell.value}); expected the value itself")
                    values.append("")
                    continue
                try:
                    values.append(_cell_text(cell.value, where))
                except InputError as exc:
                    problems.append(str(exc))
                    values.append("")
            values += [""] * (len(header) - len(values))
            if tuple(values) in untouched:
                left[name] = left.get(name, 0) + 1
            elif any(v.strip() for v in values):
                writer.writerow(values)
                sheet_rows.append(number)
        files[name], rows_of[name] = out.getvalue(), sheet_rows
    if problems:
        raise InputError(f"{path.name}: {len(problems)} problem(s); nothing was written", problems)
    validated = _validate_staged(project, year, files, validate_edition)
    if validated:
        raise InputError(f"{path.name}: {len(validated)} problem(s); nothing was written",
                         [_as_sheet(line, rows_of) for line in validated])
    written = []
    for name, text in files.items():
        target = edition.folder / f"{name}.csv"
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            fd, staging = tempfile.mkstemp(prefix=f".{name}.", suffix=".csv", dir=edition.folder)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            os.replace(staging, target)
            written.append(f"data/{year}/{name}.csv")
    return written, left


def _validate_staged(project: Project, year: int, files: dict[str, str], validate_edition) -> list[str]:
    """Problems of the edition with ``files`` in place of its CSVs, checked in a copy of the project's data."""
    with tempfile.TemporaryDirectory(prefix="resultsbook-import-") as folder:
        root = Path(folder)
        shutil.copytree(project.data_dir, root / "data", symlinks=True)
        for name in ("_config.yml", "_toc.yml"):
            shutil.copy(project.root / name, root / name)
        for name, text in files.items():
            (root / "data" / str(year) / f"{name}.csv").write_text(text, encoding="utf-8")
        try:
            validate_edition(Project(root), year)
        except InputError as exc:
            return exc.problems or [str(exc)]
    return []


def _as_sheet(line: str, rows_of: dict[str, list[int]]) -> str:
    """'data/2024/indicators.csv, row 3 (line 4), column 'value': …' as the reviewer sees it: "sheet
    'indicators', row 5, column header 'value': …"."""
    match = CSV_PLACE.match(line)
    if not match or match["name"] not in rows_of:
        return line
    rest = line[match.end():].replace(", column '", ", column header '", 1)
    if match["row"] is None:  # the whole file, or the rows past the first few of one mistake
        return f"sheet '{match['name']}'{rest}"
    rows, row = rows_of[match["name"]], int(match["row"])
    shown = rows[row - 1] if 0 < row <= len(rows) else row + FIRST_DATA_ROW - 1
    return f"sheet '{match['name']}', row {shown}{rest}"
