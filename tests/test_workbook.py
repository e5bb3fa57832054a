"""The reviewer's workbook: `resultsbook workbook` writes one spreadsheet per edition, `resultsbook import` reads it.

The values a test types into a workbook are made up (tests only); the editions copied are the real ones.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import REPO, run_cli, tree_state


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's data and configuration (no notebooks: the workbook needs none)."""
    root = tmp_path / "p"
    shutil.copytree(REPO / "data", root / "data")
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(REPO / name, root / name)
    return root


def cells(sheet, row: int) -> dict[str, object]:
    header = [c.value for c in sheet[1]]
    return dict(zip(header, (c.value for c in sheet[row])))


def put(sheet, row: int, **values) -> None:
    header = [c.value for c in sheet[1]]
    for column, value in values.items():
        sheet.cell(row=row, column=header.index(column) + 1).value = value


@pytest.mark.parametrize("year", [2022, 2023])
def test_a_workbook_imported_unchanged_gives_byte_identical_csvs(project, year):
    before = tree_state(project / "data")
    made = run_cli(project, "workbook", str(year), "--out", "w.xlsx")
    assert made.returncode == 0, made.stderr
    done = run_cli(project, "import", str(year), "w.xlsx")
    assert done.returncode == 0 and "no CSV changed" in done.stdout, done.stdout + done.stderr
    after = tree_state(project / "data")
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}


def test_a_new_editions_workbook_is_prefilled_with_keys_and_labels_never_figures(project):
    assert run_cli(project, "new-year", "2024").returncode == 0
    assert run_cli(project, "workbook", "2024", "--out", "w.xlsx").returncode == 0
    book = load_workbook(project / "w.xlsx")
    assert book.sheetnames[0] == "Instructions" and book["lists"].sheet_state == "hidden"
    sheet = book["indicators"]
    first = cells(sheet, 3)
    assert first["indicator"] and first["label"] and first["label_es"] and first["unit"] and first["section"]
    assert all(first[c] is None for c in ("value", "ref_period", "source", "page", "qualifier"))
    assert "Stable identifier" in cells(sheet, 2)["indicator"] and "Identificador" in cells(sheet, 2)["indicator"]
    lists = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in sheet.data_validations.dataValidation}
    header = [c.value for c in sheet[1]]
    unit_letter = chr(ord("A") + header.index("unit"))
    assert unit_letter in lists and lists[unit_letter].errorStyle == "stop"
    source_letter = chr(ord("A") + header.index("source"))
    assert lists[source_letter].formula1.startswith("'sources'!$A$3")  # the ids of the sources sheet


def test_text_that_looks_like_a_formula_stays_text(project):
    path = project / "data/2022/glossary.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    text[1] = text[1].replace(text[1].split(",")[1], "=SUM(A1:A9)", 1)  # a payload, made up
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    assert run_cli(project, "workbook", "2022", "--out", "w.xlsx").returncode == 0
    sheet = load_workbook(project / "w.xlsx")["glossary"]
    cell = sheet.cell(row=3, column=2)
    assert cell.value == "=SUM(A1:A9)" and cell.data_type == "s"
    done = run_cli(project, "import", "2022", "w.xlsx")
    assert done.returncode == 0 and "no CSV changed" in done.stdout, done.stdout + done.stderr


def test_a_filled_workbook_becomes_the_editions_csvs(project):
    assert run_cli(project, "new-year", "2024").returncode == 0
    assert run_cli(project, "workbook", "2024", "--out", "w.xlsx").returncode == 0
    book = load_workbook(project / "w.xlsx")
    put(book["sources"], 3, id="test_release", organisation="Test publisher", organisation_es="Editor de prueba",
        citation="A made-up release", citation_es="Una publicación inventada", kind="official",
        date="2025-01-30", url="https://example.org/release", source="test_release")
    sheet = book["indicators"]
    row = next(r for r in range(3, sheet.max_row + 1) if cells(sheet, r)["unit"] == "percent")
    put(sheet, row, value=12.5, ref_period="2024", source="test_release", section="Mexico at a glance")
    book.save(project / "w.xlsx")
    done = run_cli(project, "import", "2024", "w.xlsx")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "data/2024/indicators.csv" in done.stdout and "data/2024/sources.csv" in done.stdout
    assert "prefilled row(s) left unfilled, not imported" in done.stderr
    lines = (project / "data/2024/indicators.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and ",12.5,percent," in lines[1] and lines[1].endswith(",2024,test_release")
    assert run_cli(project, "validate", "--year", "2024").returncode == 0


def test_mistakes_in_a_workbook_are_named_by_sheet_row_and_header_and_nothing_is_written(project):
    assert run_cli(project, "workbook", "2022", "--out", "w.xlsx").returncode == 0
    book = load_workbook(project / "w.xlsx")
    sheet = book["indicators"]
    put(sheet, 4, value="29,6", ref_period="2024-T4")
    put(sheet, 5, source="=A1")
    sheet.cell(row=1, column=sheet.max_column + 1).value = "notes"
    book.save(project / "w.xlsx")
    before = tree_state(project / "data")
    done = run_cli(project, "import", "2022", "w.xlsx")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "sheet 'indicators', row 1, column header 'notes': not a column of dataset 'indicators'" in done.stderr
    assert "sheet 'indicators', row 5, column header 'source': a formula (=A1); expected the value itself" \
        in done.stderr
    assert tree_state(project / "data") == before
    sheet.delete_cols(sheet.max_column)
    put(sheet, 5, source=cells(sheet, 6)["source"])
    book.save(project / "w.xlsx")
    done = run_cli(project, "import", "2022", "w.xlsx")
    assert done.returncode == 2, done.stderr
    assert "sheet 'indicators', row 4, column header 'value': value '29,6': expected a point for decimals" in done.stderr
    assert "sheet 'indicators', row 4, column header 'ref_period': value '2024-T4': expected a period" in done.stderr
    assert tree_state(project / "data") == before
