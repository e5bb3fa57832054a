"""Data validation: the real data passes; every class of bad input is reported with file, row and column."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO, run_cli
from helpers.data import Edition, load
from helpers.errors import InputError
from helpers.project import Project
from helpers.validate import validate_edition

YEAR = 2022
CYCLE = "data/frameworks/2020-2025"  # the Cooperation Framework's structure, shared by the cycle's editions
FRAMEWORK = {"work_areas", "outcomes", "principles"}


def rel(dataset: str) -> str:
    """Where a dataset of the 2022 edition lives, relative to the project."""
    return f"{CYCLE}/{dataset}.csv" if dataset in FRAMEWORK else f"data/{YEAR}/{dataset}.csv"


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A project skeleton with a copy of the real 2022 data, to corrupt."""
    root = tmp_path / "p"
    shutil.copytree(REPO / "data" / str(YEAR), root / "data" / str(YEAR))
    shutil.copytree(REPO / CYCLE, root / CYCLE)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(REPO / name, root / name)
    return root


def rewrite(path: Path, edit) -> None:
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    edit(rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set data row ``row`` (1-based, header not counted) of ``column``."""
    def edit(rows):
        rows[row][rows[0].index(column)] = value
    rewrite(path, edit)


def problems(root: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        validate_edition(Project(root), YEAR)
    return info.value.problems


def test_real_data_is_valid():
    assert validate_edition(Project(REPO), YEAR) == len(list((REPO / f"data/{YEAR}").glob("*.yml")))


def test_every_dataset_has_metadata_and_provenance():
    edition = Edition(YEAR, REPO)
    for name in edition.names():
        meta = edition.meta(name)
        assert meta.title and meta.description and meta.attribution, name
        assert {"section", "page", "ref_period", "source"} <= set(meta.columns), name
        assert all(spec.description for spec in meta.columns.values()), name
        assert (edition.folder / f"{name}.csv").is_file(), name


def test_loader_returns_typed_frames():
    frame = load("indicators", YEAR, REPO)
    assert str(frame["value"].dtype) == "Float64" and str(frame["page"].dtype) == "Int64"
    agencies = load("agencies", YEAR, REPO)
    assert str(agencies["in_country_team"].dtype) == "boolean"


@pytest.mark.parametrize("dataset,row,column,value,expected", [
    ("indicators", 3, "value", "abc", "column 'value': value 'abc': expected a number with a point for decimals and no thousands separator, such as 29.6 or 54421"),
    ("indicators", 2, "value", "151.2", "column 'value'"),
    ("indicators", 4, "theme", "weather", "column 'theme': value 'weather': expected one of"),
    ("initiatives", 5, "implemented_by", "UNHCR;UNXYZ", "value 'UNXYZ': expected a value of column 'code' in agencies.csv"),
    ("outcomes", 2, "work_area", "7", "column 'work_area'"),
    ("capacities", 1, "value", "-5", "a count, a whole number of 0 or more"),
    ("capacities", 2, "value", "12.5", "a count, a whole number of 0 or more"),
    ("indicators", 6, "page", "0", "column 'page': value 0: expected >= 1"),
    ("indicators", 7, "source", "somewhere", "value 'somewhere': expected a value of column 'id' in sources.csv ("),
    ("indicators", 7, "source", "en5_coneval_2012", "expected a value of column 'id' in sources.csv; did you mean "
                                                    "'en5_coneval_2021'?"),
    ("agencies", 2, "in_country_team", "maybe", "column 'in_country_team': value 'maybe'"),
    ("glossary", 3, "meaning", "", "column 'meaning'"),
    ("indicators", 2, "ref_period", "2024-T4", "expected a period such as 2022, 2022-12, 2022-Q3, 2022-12-31 or a range such as 2020/2022"),
    ("indicators", 3, "ref_period", "dic-2024", "expected a period such as 2022, 2022-12, 2022-Q3, 2022-12-31 or a range such as 2020/2022"),
    ("indicators", 4, "ref_period", "Q4 2024", "expected a period such as 2022, 2022-12, 2022-Q3, 2022-12-31 or a range such as 2020/2022"),
    ("indicators", 5, "ref_period", "2024-02-30", "expected a period such as 2022, 2022-12, 2022-Q3, 2022-12-31 or a range such as 2020/2022"),  # no such day
    ("indicators", 6, "ref_period", "2022/2020", "expected a period such as 2022, 2022-12, 2022-Q3, 2022-12-31 or a range such as 2020/2022"),  # a range runs forward
    ("sources", 1, "date", "28/07/2023", "expected a date such as 2023-07-28, 2023-07 or 2023 (year first, a real day)"),
    ("sources", 2, "url", "www.inegi.org.mx", "expected a web address starting with https://"),
    ("indicators", 3, "value", "29,6", "value '29,6': expected a point for decimals, not a decimal comma: write 29.6"),
    ("indicators", 3, "value", "54,421", "expected a number without a comma: write 54421 if the comma separates "
                                         "thousands, or 54.421 if it is a decimal comma"),
])
def test_bad_cell_is_reported_with_file_row_and_column(data_copy, dataset, row, column, value, expected):
    set_cell(data_copy / rel(dataset), row, column, value)
    found = problems(data_copy)
    assert len(found) >= 1
    assert any(f"{rel(dataset)}, row {row} (line {row + 1})" in p and expected in p for p in found), found


def test_a_cell_that_is_not_a_number_gets_one_message_and_no_python_exception_text(data_copy):
    set_cell(data_copy / rel("outcomes"), 1, "outcome", "x")  # an integer column with a minimum
    mine = [p for p in problems(data_copy) if rel("outcomes") in p]
    assert mine == [f"{rel('outcomes')}, row 1 (line 2), column 'outcome': value 'x': expected a whole number "
                    "written with digits only, such as 2022 or 54421"], mine


def test_percentage_out_of_range(data_copy):
    set_cell(data_copy / f"data/{YEAR}/indicators.csv", 2, "value", "151.2")  # row 2 is a percentage
    assert any("row 2 (line 3), column 'value'" in p and "percentage between 0 and 100" in p
               for p in problems(data_copy))


def test_duplicate_key(data_copy):
    rewrite(data_copy / rel("outcomes"), lambda rows: rows.append(list(rows[3])))
    found = problems(data_copy)
    assert found == [f"{CYCLE}/outcomes.csv, row 3 (line 4): expected each key once; row 11 (line 12) repeats this "
                     "row's outcome '3' (remove the repeat, or tell the rows apart by their key)"]  # once, not per row


def test_a_key_of_several_columns_repeated_is_reported_once_naming_its_cells(data_copy):
    rewrite(data_copy / rel("indicators"), lambda rows: rows.extend([list(rows[1]), list(rows[1])]))
    found = problems(data_copy)
    assert len(found) == 1 and found[0].startswith(f"data/{YEAR}/indicators.csv, row 1 (line 2): expected each key "
                                                   "once; rows ") and "section '" in found[0], found


def test_missing_column(data_copy):
    def drop(rows):
        i = rows[0].index("label")
        for r in rows:
            del r[i]
    rewrite(data_copy / f"data/{YEAR}/indicators.csv", drop)
    assert any("indicators.csv, column 'label'" in p and "present" in p for p in problems(data_copy))


def test_unknown_extra_column(data_copy):
    rewrite(data_copy / rel("principles"), lambda rows: [r.append("x") for r in rows])
    assert any("principles.csv, column 'x'" in p for p in problems(data_copy))


def test_empty_file(data_copy):
    (data_copy / rel("principles")).write_text("")
    assert any("principles.csv: the file is empty" in p for p in problems(data_copy))


def test_malformed_csv(data_copy):
    path = data_copy / rel("principles")
    path.write_text(path.read_text() + '6,"Unclosed quote,2.1 Synopsis,20,,report\n7,x,y\n')
    assert any("principles.csv, line 7: a quote opened on this line is not closed on it" in p
               for p in problems(data_copy))


def test_nan_inf_and_unit_ranges_name_the_value_column_once(data_copy):
    for row, value in ((2, "151.2"), (3, "inf"), (4, "NaN")):
        set_cell(data_copy / rel("indicators"), row, "value", value)
    set_cell(data_copy / rel("indicators"), 5, "value", "12abc")
    found = problems(data_copy)
    assert found == [
        f"data/{YEAR}/indicators.csv, row 2 (line 3), column 'value': value '151.2': expected a percentage between "
        "0 and 100 (unit 'percent')",
        f"data/{YEAR}/indicators.csv, row 3 (line 4), column 'value': value 'inf': expected a finite number "
        "(leave the cell empty when the figure is not stated)",
        f"data/{YEAR}/indicators.csv, row 4 (line 5), column 'value': value 'NaN': expected a finite number "
        "(leave the cell empty when the figure is not stated)",
        f"data/{YEAR}/indicators.csv, row 5 (line 6), column 'value': value '12abc': expected a number with a point for decimals and no thousands separator, such as 29.6 or 54421",
    ]


@pytest.mark.parametrize("edit,expected", [
    (lambda s: s.split("columns:")[0] + "columns: 5\n", "'columns' must map each column name"),
    (lambda s: s.replace("references: agencies.code", "references: agencies"), "key 'references': expected 'dataset.column'"),
    (lambda s: s.replace("  code:\n", "  code:\n    pattern: '[unclosed'\n", 1) if "  code:\n" in s
     else s.replace("columns:\n", "columns:\n  x:\n    pattern: '[unclosed'\n", 1), "key 'pattern': expected a valid regular expression"),
    (lambda s: s.replace("title: ", "title: [unclosed\n#", 1), "not valid YAML"),
])
def test_structurally_wrong_metadata_is_reported_by_file_and_key(data_copy, edit, expected):
    path = data_copy / f"data/{YEAR}/initiatives.yml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    done = run_cli(data_copy, "validate", "--year", str(YEAR))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"data/{YEAR}/initiatives.yml" in done.stderr and expected in done.stderr, done.stderr


def test_non_utf8_bytes(data_copy):
    path = data_copy / rel("principles")
    path.write_bytes(path.read_bytes().replace("Gender".encode(), "G\xe9nder".encode("latin-1")))
    assert any("principles.csv, line 3: byte 0xe9 is not UTF-8" in p for p in problems(data_copy))


def test_csv_without_metadata(data_copy):
    (data_copy / f"data/{YEAR}/stray.csv").write_text("a\n1\n")
    assert any("stray.csv: no metadata file" in p for p in problems(data_copy))


def test_every_problem_is_reported_at_once(data_copy):
    set_cell(data_copy / f"data/{YEAR}/indicators.csv", 3, "value", "abc")
    set_cell(data_copy / rel("outcomes"), 1, "work_area", "9")
    found = problems(data_copy)
    assert any("indicators.csv" in p for p in found) and any("outcomes.csv" in p for p in found)


def test_validate_command_exits_2_naming_file_row_and_column(data_copy):
    set_cell(data_copy / f"data/{YEAR}/finance.csv", 2, "value", "lots")
    done = run_cli(data_copy, "validate", "--year", str(YEAR))
    assert done.returncode == 2
    assert f"data/{YEAR}/finance.csv, row 2 (line 3), column 'value': value 'lots'" in done.stderr
    assert run_cli(REPO, "validate", "--year", str(YEAR)).returncode == 0


def test_build_validates_before_any_notebook_runs(minibook):
    set_cell(minibook / "data/2030/values.csv", 1, "value", "many")
    done = run_cli(minibook, "build", "--year", "2030")
    assert done.returncode == 2
    assert "data/2030/values.csv, row 1 (line 2), column 'value': value 'many'" in done.stderr
    assert not (minibook / "_build/cache").exists()


def test_prevalidated_loading_gives_the_same_frames_as_validation(monkeypatch):
    from helpers.data import VALIDATED_ENV, apply_types, validate_frame
    from helpers.fingerprint import tree_digest
    import pandas as pd

    edition = Edition(YEAR, REPO)
    for name in edition.names():
        raw, meta = edition.raw(name)
        validated = validate_frame(raw, meta, name, edition.lookups_for(meta))
        pd.testing.assert_frame_equal(apply_types(raw, meta), validated, check_like=True)
    monkeypatch.setenv(VALIDATED_ENV, tree_digest(edition.folder))
    assert Edition(YEAR, REPO).prevalidated()
    monkeypatch.setenv(VALIDATED_ENV, "a-digest-of-other-bytes")
    assert not Edition(YEAR, REPO).prevalidated()


def test_build_revalidates_when_data_changes_after_a_good_build(minibook):
    assert run_cli(minibook, "build", "--year", "2030", "--no-progress").returncode == 0
    set_cell(minibook / "data/2030/values.csv", 2, "value", "lots")
    done = run_cli(minibook, "build", "--year", "2030")
    assert done.returncode == 2 and "column 'value': value 'lots'" in done.stderr


def test_cached_validation_rechecks_what_an_edit_can_break(data_copy):
    """Validation is cached per dataset; an edit re-checks the dataset edited and every dataset that refers to it:
    an initiative removed leaves the stories that name it invalid, and the build says so, by file and row."""
    project = Project(data_copy)
    assert validate_edition(project, YEAR, use_cache=True) > 0
    cached = json.loads((data_copy / "_build/cache" / str(YEAR) / "validated-datasets.json").read_text())
    assert any(key.endswith("/stories") for key in cached) and any(key.endswith("/initiatives") for key in cached)
    stories = list(csv.DictReader(io.StringIO((data_copy / "data" / str(YEAR) / "stories.csv").read_text())))
    named = stories[0]["initiative"]

    def drop(rows):
        column = rows[0].index("initiative")
        rows[:] = [rows[0]] + [r for r in rows[1:] if r[column] != named]
    rewrite(data_copy / "data" / str(YEAR) / "initiatives.csv", drop)
    with pytest.raises(InputError) as info:
        validate_edition(project, YEAR, use_cache=True)
    assert any("stories.csv" in p and named in p for p in info.value.problems), info.value.problems


def test_one_mistake_in_many_rows_is_listed_a_few_times_and_counted(data_copy):
    path = data_copy / rel("indicators")
    rows = len(path.read_text(encoding="utf-8").splitlines()) - 1
    for row in range(1, rows + 1):
        set_cell(path, row, "value", "n/a")
    mine = [p for p in problems(data_copy) if rel("indicators") in p and "'value'" in p]
    assert len(mine) == 6, mine  # five rows named, then one line counting the others
    assert mine[-1] == (f"{rel('indicators')}, column 'value': {rows - 5} more row(s) expected a number with a point "
                        "for decimals and no thousands separator, such as 29.6 or 54421")


def test_a_file_longer_than_a_chunk_is_validated_by_row_across_chunks(data_copy, monkeypatch):
    """Validation reads a CSV ``CHUNK_ROWS`` rows at a time: rows keep their numbers, and a key that repeats a
    row of an earlier chunk is found (made-up rows)."""
    import csv as csvlib

    from helpers import data as data_module

    monkeypatch.setattr(data_module, "CHUNK_ROWS", 10)
    path = data_copy / rel("indicators")
    rows = list(csvlib.reader(path.open(encoding="utf-8", newline="")))
    header, body = rows[0], rows[1:]
    assert len(body) > 25
    body[22][header.index("value")] = "abc"  # row 23, in the third chunk
    body[24] = list(body[3])  # row 25 repeats row 4, two chunks earlier
    body[20][header.index("unit")] = "furlongs"  # row 21, third chunk: rules checked per row count from the file
    body[21][header.index("source")] = "nowhere"  # row 22
    with path.open("w", encoding="utf-8", newline="") as fh:
        csvlib.writer(fh, lineterminator="\n").writerows([header, *body])
    found = [p for p in problems(data_copy) if rel("indicators") in p]
    assert any(p.startswith(f"{rel('indicators')}, row 23 (line 24), column 'value': value 'abc'") for p in found), found
    assert f"{rel('indicators')}, row 25 (line 26): expected each key once; this row repeats the key of row 4 " \
           "(line 5)" in found, found
    assert any(p.startswith(f"{rel('indicators')}, row 21 (line 22), column 'unit': value 'furlongs'") for p in found)
    assert any(p.startswith(f"{rel('indicators')}, row 22 (line 23), column 'source': value 'nowhere'") for p in found)


def test_a_figure_typed_in_full_in_a_unit_of_millions_is_named_with_its_fix(data_copy):
    def edit(rows):
        header = rows[0]
        rows[1][header.index("unit")], rows[1][header.index("value")] = "people_million", "38500000"
    rewrite(data_copy / rel("indicators"), edit)
    assert problems(data_copy) == [
        f"data/{YEAR}/indicators.csv, row 1 (line 2), column 'value': value '38500000': expected at most 10,000 in unit "
        "'people_million' (million people): 38,500,000 looks typed in full; write 38.5 for 38,500,000"]


@pytest.mark.parametrize("separator,name", [(";", "semicolons"), ("\t", "tabs")])
def test_a_csv_separated_by_another_character_is_named_once(data_copy, separator, name):
    path = data_copy / rel("sources")
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=separator, lineterminator="\n").writerows(rows)
    found = problems(data_copy)
    assert found == [f"data/{YEAR}/sources.csv, line 1: the columns are separated by {name}, not commas; expected a "
                     "comma-separated file (save it again as CSV with commas, UTF-8: a spreadsheet set to a regional "
                     "format that writes decimal commas separates columns with semicolons)"], found


def test_a_value_near_one_another_edition_uses_is_warned_and_strict_refuses_it(data_copy):
    """A section in other capitals and an indicator key one letter off (made-up edits of a copy): warned once each,
    with the nearest known value; a new key unlike any known one is not."""
    shutil.copytree(REPO / "data/2023", data_copy / "data/2023")
    path = data_copy / "data/2023/indicators.csv"
    typo_rows = []

    def edit(rows):
        header = rows[0]
        rows[1][header.index("section")] = "Mexico at a Glance"
        rows[2][header.index("indicator")] = "a_new_indicator_entirely"
        for number, row in enumerate(rows[1:], start=1):
            if row[header.index("indicator")] == "poverty_share":
                row[header.index("indicator")] = "povrety_share"  # every row: the edition keeps no sibling
                typo_rows.append(number)
    rewrite(path, edit)
    assert len(typo_rows) > 1
    project, warnings = Project(data_copy), []
    assert validate_edition(project, 2023, warnings=warnings) > 0
    tail = "is in no other edition; did you mean '{}'? (a value that is new is fine; --strict counts this warning as an error)"
    assert warnings == [
        "data/2023/indicators.csv, row 1 (line 2), column 'section': value 'Mexico at a Glance' "
        + tail.format("Mexico at a glance"),
        f"data/2023/indicators.csv, row {typo_rows[0]} (line {typo_rows[0] + 1}) and {len(typo_rows) - 1} more row(s), "
        "column 'indicator': value 'povrety_share' " + tail.format("poverty_share")], warnings
    with pytest.raises(InputError) as info:
        validate_edition(project, 2023, strict=True)
    assert info.value.problems == warnings
    shown = run_cli(data_copy, "validate", "--year", "2023")
    assert shown.returncode == 0 and shown.stderr.count("warning: ") == 2, shown.stderr
    assert run_cli(data_copy, "validate", "--year", "2023", "--strict").returncode == 2
