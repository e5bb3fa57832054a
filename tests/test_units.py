"""Unit tests for the small helpers: formatting, fingerprints, cache, project layout, publishing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers import fmt
from helpers.cache import CacheRecord, ExecutionCache, ExecutionInputs
from helpers.errors import InputError
from helpers.execute import _source_cell_position, present_notebook
from helpers.fingerprint import notebook_execution_digest, tree_digest
from helpers.page import glue_references
from helpers.page import period_text
from helpers.project import Project
from helpers.publish import publish, recover_interrupted_publish, staged_config


@pytest.mark.parametrize("value,expected", [
    (126014024, "126,014,024"), (64.3, "64.3"), (3.0, "3"), (0.125, "0.125"), (None, "n.a."),
    (float("nan"), "n.a."), (pd.NA, "n.a."), (-2.5, "-2.5"),
])
def test_number(value, expected):
    assert fmt.number(value) == expected


def test_number_with_fixed_decimals_and_percent():
    assert fmt.number(1234.4, 0) == "1,234"
    assert fmt.number(1234.56, 1) == "1,234.6"
    assert fmt.percent(51.2) == "51.2%"
    assert fmt.percent(None) == "n.a."


@pytest.mark.parametrize("value,unit,qualifier,expected", [
    (51.2, "percent", None, "51.2%"),
    (753000, "count", "nearly", "nearly 753,000"),
    (143, "usd_million", None, "USD 143 million"),
    (64.3, "per_km2", None, "64.3 inhabitants per km²"),
    (None, "percent", "more than", "n.a."),
    (5, "count", pd.NA, "5"),
])
def test_with_unit(value, unit, qualifier, expected):
    assert fmt.with_unit(value, unit, qualifier) == expected


def test_ordinal_and_points():
    assert [fmt.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 74, 112)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "74th", "112th"]
    assert fmt.signed_percent_points(1.54) == "+1.5 pp"
    assert fmt.signed_percent_points(-0.3) == "-0.3 pp"


def test_period_text():
    assert period_text("2022-Q3", 2022) == "the third quarter of 2022"
    assert period_text("2022-12", 2022) == "December 2022"
    assert period_text(pd.NA, 2031) == "2031"
    assert period_text("2020", 2022) == "2020"


def _notebook(tmp_path: Path, *cells, name: str = "n.ipynb") -> Path:
    path = tmp_path / name
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) if isinstance(c, str) else c
                                                   for c in cells]), path)
    return path


def _digest(*cells) -> str:
    nb = nbformat.v4.new_notebook(cells=list(cells))
    return notebook_execution_digest(nb, glue_references(nb))


def test_notebook_digest_ignores_outputs_and_prose_words_but_not_code_tags_or_glue_references():
    code, prose = nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("Poverty: {glue:text}`share`.")
    plain = _digest(code, prose)
    with_output = nbformat.v4.new_code_cell("x = 1")
    with_output.outputs = [nbformat.v4.new_output("stream", text="hi")]
    assert _digest(with_output, prose) == plain
    assert _digest(code, nbformat.v4.new_markdown_cell("Reworded: {glue:text}`share`.")) == plain
    assert _digest(nbformat.v4.new_code_cell("x = 2"), prose) != plain
    assert _digest(code, nbformat.v4.new_markdown_cell("Poverty: {glue:text}`other`.")) != plain
    assert _digest(code, nbformat.v4.new_markdown_cell("Poverty: {glue:text}`share`.",
                                                       metadata={"tags": ["lang-en"]})) != plain
    assert _digest(code, prose, nbformat.v4.new_markdown_cell("More.")) != plain  # a cell added: places change


def test_tree_digest_sees_names_and_bytes(tmp_path):
    (tmp_path / "a.csv").write_text("1")
    first = tree_digest(tmp_path)
    (tmp_path / "a.csv").write_text("2")
    second = tree_digest(tmp_path)
    (tmp_path / "a.csv").rename(tmp_path / "b.csv")
    assert len({first, second, tree_digest(tmp_path)}) == 3


def test_cache_lookup_checks_key_and_recorded_data(tmp_path):
    root = tmp_path
    nb = _notebook(tmp_path, "x = 1")
    data = root / "d.csv"
    data.write_text("a\n1\n")
    cache = ExecutionCache(root, 2030)
    key = ExecutionInputs(nb, {"year": 2030}, "h", "r").static_key()
    executed = tmp_path / "executed.ipynb"
    executed.write_text(nb.read_text())
    from helpers.fingerprint import sha256_file

    cache.store(Path("n.ipynb"), executed, CacheRecord(key, {"d.csv": sha256_file(data)}, 1.5))
    assert cache.lookup(Path("n.ipynb"), key).seconds == 1.5
    other_year = ExecutionInputs(nb, {"year": 2031}, "h", "r").static_key()
    assert cache.lookup(Path("n.ipynb"), other_year) is None
    assert cache.lookup(Path("n.ipynb"), ExecutionInputs(nb, {"year": 2030}, "h2", "r").static_key()) is None
    data.write_text("a\n2\n")
    assert cache.lookup(Path("n.ipynb"), key) is None


def test_a_reused_execution_takes_the_edited_prose_and_keeps_its_outputs(tmp_path):
    code = nbformat.v4.new_code_cell("x = 1")
    code.outputs = [nbformat.v4.new_output("stream", text="an output")]
    executed = _notebook(tmp_path, code, nbformat.v4.new_markdown_cell("Old words."), "y = 2", name="run.ipynb")
    source = _notebook(tmp_path, "x = 1", nbformat.v4.new_markdown_cell("New words."), "y = 2")
    cache, rel = ExecutionCache(tmp_path, 2030), Path("n.ipynb")
    key = ExecutionInputs(source, {"year": 2030}, "h", "r").static_key()
    cache.store(rel, executed, CacheRecord(key, {}, 1.0))
    assert cache.take_prose(rel, source) is True
    reused = cache.lookup(rel, key)  # still valid: the record follows the rewritten copy
    assert reused is not None and reused.seconds == 1.0
    cells = json.loads(cache.executed_path(rel).read_text())["cells"]
    assert ["".join(c["source"]) for c in cells] == ["x = 1", "New words.", "y = 2"]
    assert "".join(cells[0]["outputs"][0]["text"]) == "an output"
    assert cache.take_prose(rel, source) is False  # nothing more to take: the copy is not rewritten
    as_lines = json.loads(source.read_text())
    for cell in as_lines["cells"]:
        cell["source"] = "".join(cell["source"])  # the same words, stored as one string instead of lines
    source.write_text(json.dumps(as_lines))
    before = cache.executed_path(rel).read_bytes()
    assert cache.take_prose(rel, source) is False and cache.executed_path(rel).read_bytes() == before


def test_present_notebook_hides_parameters_and_code():
    nb = {"cells": [
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "year = None"},
        {"cell_type": "code", "metadata": {"tags": ["injected-parameters"]}, "source": "year = 2030"},
        {"cell_type": "code", "metadata": {}, "source": "x = 1"},
        {"cell_type": "code", "metadata": {"tags": ["remove-cell"]}, "source": "y = 1"},
        {"cell_type": "markdown", "metadata": {}, "source": "# Title"},
    ]}
    tags = [c["metadata"].get("tags") for c in present_notebook(nb)["cells"]]
    assert tags == [["parameters", "remove-cell"], ["injected-parameters", "remove-cell"], ["remove-input"],
                    ["remove-cell"], None]


def test_failing_cell_is_numbered_as_in_the_source_notebook():
    executed = {"cells": [
        {"metadata": {"tags": ["papermill-error-cell-tag"]}, "source": "An Exception was encountered"},
        {"metadata": {"tags": ["parameters"]}, "source": "year = None"},
        {"metadata": {"tags": ["injected-parameters"]}, "source": "year = 2030"},
        {"metadata": {}, "source": "1 / 0"},
    ]}
    # papermill counts cells of the notebook it ran: parameters, injected, failing -> index 2
    assert _source_cell_position(executed, 2) == (2, "1 / 0")


def test_project_reads_toc_and_editions(minibook):
    project = Project(minibook)
    assert project.editions() == [2030, 2031]
    assert project.latest_edition() == 2031
    assert [p.as_posix() for p in project.toc_documents()] == [
        "book/index.md", "book/alpha.ipynb", "book/beta.ipynb", "book/about.md"]
    assert [p.name for p in project.toc_notebooks()] == ["alpha.ipynb", "beta.ipynb"]


def test_toc_naming_a_missing_file_is_an_input_error(minibook):
    (minibook / "_toc.yml").write_text((minibook / "_toc.yml").read_text() + "  - file: book/ghost\n")
    with pytest.raises(InputError, match="book/ghost"):
        Project(minibook).toc_documents()


def test_staged_config_puts_year_in_title_and_turns_execution_off(minibook):
    config = staged_config(Project(minibook), 2030)
    assert config["title"] == "UN Mexico Results Book 2030"  # book.title of the English catalogue
    spanish = staged_config(Project(minibook), 2030, "es")
    assert spanish["title"] == "Libro de Resultados de la ONU en México 2030"
    assert spanish["sphinx"]["config"]["language"] == "es" and config["sphinx"]["config"]["language"] == "en"
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["sphinx"]["config"]["html_extra_path"] == ["_extra"]


def test_publish_replaces_the_book_and_recovers_an_interrupted_swap(tmp_path):
    target = tmp_path / "html"
    target.mkdir()
    (target / "index.html").write_text("old")
    new = tmp_path / "new"
    new.mkdir()
    (new / "index.html").write_text("new")
    publish(new, target)
    assert (target / "index.html").read_text() == "new" and not new.exists()
    # a build that died between the two renames leaves only html.previous: it is put back
    target.rename(tmp_path / "html.previous")
    recover_interrupted_publish(target)
    assert (target / "index.html").read_text() == "new"


def test_a_replaced_book_leaves_no_copy_behind(tmp_path):
    target = tmp_path / "html"
    for text in ("first", "second"):
        new = tmp_path / "new"
        new.mkdir()
        (new / "index.html").write_text(text)
        publish(new, target)
    assert (target / "index.html").read_text() == "second" and not (tmp_path / "html.previous").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["html"]


def test_year_resolution(minibook):
    from helpers.build import resolve_jobs
    from helpers.project import resolve_year

    project = Project(minibook)
    assert resolve_year(project, None) == 2031
    assert resolve_year(project, "2030") == 2030
    for bad in ("1999", "20x0", "-1", ""):
        with pytest.raises(InputError):
            resolve_year(project, bad)
    with pytest.raises(InputError):
        resolve_jobs(0)


def test_changes_compare_only_alike_periods_and_only_this_editions_figures(minibook):
    from helpers.trends import changes, earlier_editions

    assert earlier_editions(2031, minibook) == [2030] and earlier_editions(2030, minibook) == []
    rows = (minibook / "data/2031/values.csv").read_text().splitlines()
    # 2031 keeps 'widgets' only, dated like 2030's; 'share' of 2030 is not listed
    (minibook / "data/2031/values.csv").write_text(rows[0] + "\n" + rows[1].replace(",,fixture", ",2031,fixture") + "\n")
    old = (minibook / "data/2030/values.csv").read_text().splitlines()
    (minibook / "data/2030/values.csv").write_text("\n".join([old[0], old[1].replace(",,fixture", ",2030,fixture"), old[2]]) + "\n")
    table = changes("values", 2031, "Fixture section", root=minibook)
    assert list(table["label" if "label" in table and table["label"].notna().any() else "indicator"]) == ["widgets"]
    assert bool(table["comparable"].iloc[0]) and table["shown_difference"].iloc[0] == "+1,101"
    # undated on one side: shown, never compared
    (minibook / "data/2031/values.csv").write_text(rows[0] + "\n" + rows[1] + "\n")
    table = changes("values", 2031, "Fixture section", root=minibook)
    assert table["shown_difference"].iloc[0] == "not compared: a period is not stated"
    assert "period not stated" in table["shown"].iloc[0]


@pytest.mark.parametrize("a,b,alike", [("2022", "2023", True), ("2022-Q3", "2023-Q3", True),
                                       ("2022-Q3", "2023-Q4", False), ("2022-12", "2023-12", True),
                                       ("2022", "2023-12", False), (None, "2023", False),
                                       ("2020-12/2022-12", "2021-12/2023-12", True),
                                       ("2020-12/2022-12", "2022-12/2023-12", False)])
def test_comparable_periods(a, b, alike):
    from helpers.trends import comparable_periods

    assert comparable_periods(a, b) is alike


def test_difference_text_is_approximate_for_qualified_figures():
    from helpers.trends import difference_text

    assert difference_text(651490 - 753000, "count", approximate=True) == "about -102,000"
    assert difference_text(-0.7, "percent") == "-0.7 pp"
    assert difference_text(3, "rank") == "3 places lower"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_chart_palette_contrast_against_the_background():
    from helpers.charts import BACKGROUND, PALETTE, TEXT

    assert contrast("#FFFFFF", "#000000") == pytest.approx(21, rel=1e-3)  # the formula itself
    low = {c: round(contrast(c, BACKGROUND), 2) for c in PALETTE if contrast(c, BACKGROUND) < 3}
    assert not low, f"colours under 3:1 against the background: {low}"
    assert contrast(TEXT, BACKGROUND) >= 4.5


@pytest.mark.parametrize("text,ok", [("2022", True), ("2022-12", True), ("2022-Q3", True), ("2024-02-29", True),
                                     ("2023-01/2023-06", True), ("2020/2022", True), ("2023-02-29", False),
                                     ("2022/2020", False), ("2022-13", False), ("2022-Q5", False), ("dic-2024", False),
                                     ("2024-T4", False), ("Q4 2024", False), ("2022-Q3-01", False), ("", False)])
def test_one_period_grammar(text, ok):
    from helpers import periods

    assert periods.is_period(text) is ok


def test_periods_in_words_and_on_the_time_axis():
    from helpers import periods

    assert period_text("2022-12-31", 2022) == "December 31, 2022"
    assert period_text("2023-01/2023-06", 2023) == "January 2023 to June 2023"
    assert period_text("2024-T4", 2024) == "2024-T4"  # refused by validation; never guessed
    assert periods.position("2022-Q3", 2022) == 2022.625 and periods.position("2020/2022", 2023) == 2022.5
    assert periods.position(None, 2031) == 2031.5
    assert 2022.99 < periods.position("2022-12-31", 2022) < 2023
    assert periods.alike("2022-12-31", "2023-12-31") and not periods.alike("2022-12-31", "2023-12")


def test_changes_reach_past_an_edition_without_the_series_and_never_difference_the_same_release(minibook):
    """Three made-up editions: each figure meets the newest earlier one for an alike period; the same period
    twice is no newer figure; decimals are those of the figures; a re-based series is never differenced."""
    import shutil

    from helpers.trends import changes

    shutil.copytree(minibook / "data/2031", minibook / "data/2032")
    header = "indicator,value,unit,section,page,ref_period,source\n"

    def write(year, *rows):
        (minibook / f"data/{year}/values.csv").write_text(header + "".join(r + "\n" for r in rows))

    write(2030, "widgets,7301,count,Fixture section,1,2030,fixture", "share,4.66,percent,Fixture section,1,2030,fixture",
          "index_rank,74,rank,Fixture section,1,2030,fixture")
    write(2031, "share,4.66,percent,Fixture section,1,2030,fixture", "index_rank,80,rank,Fixture section,1,2031,fixture")
    write(2032, "widgets,8402,count,Fixture section,1,2032,fixture", "share,5.11,percent,Fixture section,1,2032,fixture",
          "index_rank,78,rank,Fixture section,1,2032,fixture")
    table = changes("values", 2032, "Fixture section", root=minibook).set_index("indicator")
    # widgets: 2031 lacks it; 2030 gives it for an alike period
    assert table.loc["widgets", "previous_edition"] == 2030 and table.loc["widgets", "shown_difference"] == "+1,101"
    assert table.loc["share", "shown_difference"] == "+0.45 pp"  # 5.11 - 4.66, with the figures' two decimals
    assert table.loc["index_rank", "shown_difference"] == "2 places higher"
    (minibook / "data/2032/values.yml").write_text((minibook / "data/2032/values.yml").read_text()
                                                   + "not_comparable_across_releases: [index_rank]\n")
    table = changes("values", 2032, "Fixture section", root=minibook).set_index("indicator")
    assert table.loc["index_rank", "shown_difference"] == "not compared: its publisher re-bases it with each release"
    assert not table.loc["index_rank", "comparable"]
    # 2031 carries 2030's release of 'share': the same period, no newer figure (never "0.0 pp")
    table = changes("values", 2031, "Fixture section", root=minibook).set_index("indicator")
    assert table.loc["share", "shown_difference"] == "no newer figure: the 2030 edition gives the same period"
    assert table.loc["share", "shown_previous"] == "4.66% (2030), 2030 edition"


def test_the_editions_year_in_its_framework_cycle_reads_in_words():
    from helpers import i18n
    from helpers.framework import Framework

    assert Framework(2022).cycle_year_ordinal() == "third"  # 2022 in the 2020-2025 cycle
    try:
        i18n.set_language("es")
        assert Framework(2024).cycle_year_ordinal() == "quinto"  # "su quinto año", never "su año 5.º"
    finally:
        i18n.set_language("en")
