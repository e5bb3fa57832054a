"""Unit tests for the chart helper and the analysis helpers, on small made-up frames."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import analysis, charts
from helpers.data import load


@pytest.fixture
def initiatives():
    # made-up initiatives: codes, areas and places are test values only
    return pd.DataFrame({
        "initiative": ["a", "b", "c", "d"],
        "work_area": [1, 1, 2, 4],
        "implemented_by": ["UNDP;ILO", "UNDP", "ILO;FAO;UNDP", "OHCHR"],
        "places": ["Chiapas;Oaxaca", None, "Chiapas", ""],
    })


def test_agency_by_work_area(initiatives):
    table = analysis.agency_by_work_area(initiatives)
    assert list(table.columns) == [1, 2, 4]
    assert table.loc["UNDP"].tolist() == [2, 1, 0] and table.index[0] == "UNDP"
    assert table.loc["OHCHR", 4] == 1


def test_co_implementation_is_symmetric_and_drops_loners(initiatives):
    matrix = analysis.co_implementation(initiatives)
    assert matrix.loc["UNDP", "ILO"] == matrix.loc["ILO", "UNDP"] == 2
    assert matrix.loc["FAO", "UNDP"] == 1 and "OHCHR" not in matrix.index


def test_places_count(initiatives):
    places = analysis.places_count(initiatives)
    assert places.iloc[0].tolist() == ["Chiapas", 2] and set(places["place"]) == {"Chiapas", "Oaxaca"}


def test_work_area_shares_count_totals_once(initiatives):
    capacities = pd.DataFrame({"work_area": [1, 1, 2], "unit": ["institutions"] * 3, "value": [100.0, 40.0, 300.0],
                               "part_of": [None, "total", None]})
    areas = pd.DataFrame({"work_area": [1, 2, 4], "title": ["A", "B", "D"]})
    shares = analysis.work_area_shares(initiatives, capacities, areas).set_index("work_area")
    assert shares.loc[1, "institutions"] == 100 and shares.loc[1, "institutions_share"] == pytest.approx(25)
    assert shares.loc[1, "initiatives_share"] == pytest.approx(50)


def test_headline_and_finance_values(initiatives):
    values = analysis.headline_values(initiatives, analysis.agency_by_work_area(initiatives),
                                      analysis.places_count(initiatives))
    assert values["top_agency"] == "UNDP" and values["joint_initiatives"] == 2 and values["top_place"] == "Chiapas"
    finance = pd.DataFrame({"metric": ["available_resources", "executed_resources"], "value": [200.0, 150.0]})
    sdgs = pd.DataFrame({"sdg": [16, 10, 14], "group": ["highest", "highest", "lowest"], "rank_in_group": [2, 1, 1]})
    assert analysis.finance_values(finance, sdgs) == {"execution_rate": "75.0%", "highest_sdgs": "SDG 10, SDG 16",
                                                      "lowest_sdgs": "SDG 14"}
    assert analysis.finance_values(finance.iloc[:1], sdgs.iloc[0:0])["execution_rate"] is None


def test_bar_chart_has_title_unit_alt_source_and_link(minibook, monkeypatch):
    monkeypatch.chdir(minibook / "book")
    frame = pd.DataFrame({"label": ["Alpha", "Beta", "Gamma"], "value": [51.2, 8.5, None]})
    chart = charts.bar(frame, "label", "value", title="Made-up shares", unit="percent", source="Source: test.",
                       dataset="values", year=2030)
    assert "Alpha at 51.2%" in chart.alt and "Beta at 8.5%" in chart.alt and "1 value(s) are not available" in chart.alt
    html = charts.to_html(chart)
    assert 'alt="Horizontal bar chart, Made-up shares' in html and "Made-up shares (%)" in html
    assert "Source: test." in html and "data:image/svg+xml;base64," in html
    import base64
    import io
    import re

    href = re.search(r'class="rb-download" href="data:text/csv;charset=utf-8;base64,([^"]+)"', html).group(1)
    plotted = pd.read_csv(io.StringIO(base64.b64decode(href).decode()))
    assert list(plotted["label"]) == ["Alpha", "Beta", "Gamma"]  # exactly the rows behind the bars


def test_bars_start_at_zero_show_negatives_and_qualifiers(minibook, monkeypatch):
    monkeypatch.chdir(minibook / "book")
    frame = pd.DataFrame({"label": ["Up", "Down"], "value": [4.7, -7.1], "qualifier": ["more than", None]})
    chart = charts.bar(frame, "label", "value", title="Change", unit="percent_change", source="s", dataset="v",
                       year=2030)
    ax = chart.figure.axes[0]
    low, high = ax.get_xlim()
    assert low < -7.1 and high > 4.7  # both bars whole, from the zero line
    labels = {t.get_text() for t in ax.texts}
    assert labels == {"more than 4.7%", "-7.1%"}
    assert [bool(p.get_hatch()) for p in ax.patches] == [False, True]  # sorted: Down, then the qualified Up


def test_a_single_value_is_not_a_one_bar_chart(minibook, monkeypatch):
    monkeypatch.chdir(minibook / "book")
    chart = charts.bar(pd.DataFrame({"label": ["Only"], "value": [344.0]}), "label", "value", title="One",
                       unit="count", source="s", dataset="v", year=2030)
    assert chart.figure is None and chart.single == "Only: 344"
    assert "rb-single-value" in charts.to_html(chart) and "<img" not in charts.to_html(chart)


def test_time_axis_is_proportional_and_starts_at_zero(minibook, monkeypatch):
    monkeypatch.chdir(minibook / "book")
    frame = pd.DataFrame({"series": ["s"] * 3, "ref_period": ["2020", "2022-02", "2022"],
                          "value": [25369.0, 44588.0, 54421.0], "qualifier": ["up to", None, None]})
    chart = charts.lines(frame, "ref_period", "value", "series", title="t", unit="people", source="s",
                         dataset="v", year=2022)
    ax = chart.figure.axes[0]
    points = sorted({round(float(x), 3) for line in ax.lines for x in line.get_xdata()})
    assert points == [2020.5, round(2022 + 1.5 / 12, 3), 2022.5]  # February 2022 sits near 2022, far from 2020
    assert ax.get_ylim()[0] == 0
    assert "up to 25,369" in {t.get_text() for t in ax.texts}


def test_chart_without_data_is_reported_as_a_gap_not_drawn(minibook, monkeypatch):
    from helpers import page

    monkeypatch.chdir(minibook / "book")
    reported = []
    monkeypatch.setattr(page, "report_gap", reported.append)
    empty = pd.DataFrame({"label": ["Alpha"], "value": [None]})
    chart = charts.bar(empty, "label", "value", title="Nothing", unit="count", source="s", dataset="values", year=2031)
    assert chart.figure is None
    charts.show(chart)
    assert reported == ["chart: Nothing"]


def test_source_line_names_sections_pages_and_original_sources():
    frame = pd.DataFrame({"section": ["Chapter 1", "Mexico at a glance"], "page": [14, 11], "source": ["inegi", "report"]})
    sources = pd.DataFrame({"id": ["inegi", "report"], "organisation": ["INEGI", "UN Mexico"],
                            "kind": ["endnote", "report"]})
    line = charts.source_line(frame, sources, 2022)
    assert line == ("Source: United Nations Mexico, Results Report 2022 (Mexico at a glance, p. 11; Chapter 1, p. 14). "
                    "Original source: INEGI.")


def test_bar_chart_options_an_analyst_sets_from_the_notebook():
    """Order (by value, as given, or a list), a highlight, a labelled reference line and notes, without editing
    a helper; made-up values."""
    import pandas as pd

    from helpers import charts

    frame = pd.DataFrame({"label": ["a", "b", "c"], "value": [1.0, 3.0, 2.0], "unit": "count"})
    common = dict(title="t", unit="count", source="s", dataset="d", year=2030)

    def top_to_bottom(chart):
        return [t.get_text() for t in chart.figure.axes[0].get_yticklabels()][::-1]

    assert top_to_bottom(charts.bar(frame, "label", "value", **common)) == ["b", "c", "a"]
    assert top_to_bottom(charts.bar(frame, "label", "value", order="given", **common)) == ["a", "b", "c"]
    assert top_to_bottom(charts.bar(frame, "label", "value", order=["a"], **common)) == ["a", "b", "c"]
    chart = charts.bar(frame, "label", "value", reference=(2.5, "National average"), notes={"c": "(estimate)"},
                       highlight="a", **common)
    ax = chart.figure.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert " National average" in texts and any(t.endswith("(estimate)") for t in texts)
    assert any(list(line.get_xdata()) == [2.5, 2.5] and line.get_linestyle() == "--" for line in ax.lines)
    colours = {p.get_gid(): p.get_facecolor() for p in ax.patches}
    assert len(set(colours.values())) == 2  # the highlighted bar stands out
    with pytest.raises(ValueError, match="order="):
        charts.bar(frame, "label", "value", order="alphabetical", **common)


def test_a_charts_download_writes_numbers_as_printed_and_cites_each_source(minibook, monkeypatch):
    """Made-up rows: a count stays a whole number in the CSV, each source id has its citation beside it, and a
    heatmap's cells are named by their row and column, with the chart's source and edition."""
    monkeypatch.chdir(minibook / "book")
    frame = pd.DataFrame({"label": ["Widgets", "Gadgets"], "value": pd.array([54421.0, 29.6], dtype="Float64"),
                          "unit": ["count", "count"], "source": ["fixture", "fixture"]})
    chart = charts.bar(frame, "label", "value", title="Made-up counts", unit="count", source="Fixture",
                       dataset="values", year=2030)
    text = charts.csv_text(chart)
    lines = text.splitlines()
    assert lines[0] == "label,value,unit,source,source_citation,dataset,edition"
    cited = load("sources", 2030, minibook).set_index("id").loc["fixture", "citation"]
    assert lines[1].startswith("Widgets,54421,count,fixture,") and cited in lines[1] and lines[1].endswith(",values,2030")
    assert ",29.6," in lines[2] and "54421.0" not in text
    matrix = pd.DataFrame([[0, 2], [2, 0]], index=["A", "B"], columns=["A", "B"])
    heat = charts.heatmap(matrix, title="Made-up pairs", unit="count", source="Fixture", dataset="values", year=2030)
    assert charts.csv_text(heat).splitlines()[:2] == ["row,column,count,source,dataset,edition", "A,A,0,Fixture,values,2030"]


def test_a_charts_caption_links_the_sources_page(minibook, monkeypatch):
    """Made-up rows: a book without a Sources page links none; with one, each chart's source line links it."""
    monkeypatch.chdir(minibook / "book")
    frame = pd.DataFrame({"label": ["Alpha", "Beta"], "value": [51.2, 8.5]})

    def caption() -> str:
        return charts.to_html(charts.bar(frame, "label", "value", title="Made-up shares", unit="percent",
                                         source="Source: test.", dataset="values", year=2030))

    assert "rb-sources-link" not in caption()
    (minibook / "book/sources.md").write_text("# Sources\n", encoding="utf-8")
    toc = minibook / "_toc.yml"
    toc.write_text(toc.read_text(encoding="utf-8") + "  - file: book/sources\n", encoding="utf-8")
    assert 'class="rb-sources-link" href="../book/sources.html">Sources in full</a>' in caption()
