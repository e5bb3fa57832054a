"""Unit tests for the chart helper and the analysis helpers, on small made-up frames."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import analysis, charts


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
    assert "Source: test." in html and 'href="../data/2030/values.csv"' in html and "data:image/png;base64," in html


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
    sources = pd.DataFrame({"id": ["inegi", "report"], "organisation": ["INEGI", "UN Mexico"]})
    line = charts.source_line(frame, sources, 2022)
    assert line == ("Source: United Nations Mexico, Results Report 2022 (Mexico at a glance, p. 11; Chapter 1, p. 14). "
                    "Original source: INEGI.")
