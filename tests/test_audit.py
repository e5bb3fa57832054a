"""The audit: each rule kind on deliberately consistent and inconsistent fixture data (made-up values)."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import REPO
from helpers.audit import KINDS, audit_edition, load_checks, run_checks
from helpers.data import load
from helpers.errors import InputError


def frame(*rows, **common):
    return pd.DataFrame([{"section": "Fixture", "page": 1, "qualifier": None, "unit": "count", **common, **r}
                         for r in rows])


def loader(**datasets):
    return lambda name: datasets[name] if name in datasets else pd.DataFrame()


def run(check, **datasets):
    return run_checks([check], loader(**datasets))[0]


SUM = {"id": "s", "kind": "sum_equals", "total": {"dataset": "d", "where": {"metric": "total"}},
       "parts": {"dataset": "d", "where": {"part_of": "total"}}, "tolerance": 0}


def test_sum_equals():
    consistent = frame({"metric": "total", "value": 10, "part_of": None}, {"metric": "a", "value": 4, "part_of": "total"},
                       {"metric": "b", "value": 6, "part_of": "total"})
    assert run(SUM, d=consistent).status == "pass"
    broken = consistent.assign(value=[10, 4, 7])
    result = run(SUM, d=broken)
    assert result.status == "fail" and "11" in result.message and "10" in result.message
    assert len(result.statements) == 3 and all(s.where == "Fixture, p. 1" for s in result.statements)


SAME = {"id": "f", "kind": "same_fact", "statements": [{"dataset": "d", "where": {"metric": "x"}}], "tolerance": 0}


@pytest.mark.parametrize("second,qualifier,status", [
    (100, None, "pass"), (90, "more than", "warning"), (120, "more than", "fail"), (110, "up to", "warning"),
    (101, "nearly", "warning"), (150, "approximately", "fail"), (97, None, "fail"),
])
def test_same_fact(second, qualifier, status):
    rows = frame({"metric": "x", "value": 100}, {"metric": "x", "value": second, "qualifier": qualifier})
    assert run(SAME, d=rows).status == status


def test_same_fact_rounding_is_a_warning_and_bounds_alone_compare_bounds():
    assert run(SAME, d=frame({"metric": "x", "value": 3.0}, {"metric": "x", "value": 2.9})).status == "warning"
    assert run(SAME, d=frame({"metric": "x", "value": 950, "qualifier": "more than"},
                             {"metric": "x", "value": 900, "qualifier": "more than"})).status == "warning"


MAG = {"id": "m", "kind": "magnitude", "value": {"dataset": "d", "where": {"metric": "part"}},
       "reference": {"dataset": "d", "where": {"metric": "whole"}}, "max_ratio": 10}


def test_magnitude_converts_units():
    plausible = frame({"metric": "part", "value": 5, "unit": "usd_million"}, {"metric": "whole", "value": 143, "unit": "usd_million"})
    assert run(MAG, d=plausible).status == "pass"
    billions = plausible.assign(unit=["usd_billion", "usd_million"])
    result = run(MAG, d=billions)
    assert result.status == "fail" and "35" in result.message  # 5 billion is about 35 times 143 million


SHARES = {"id": "sh", "kind": "shares_at_most", "shares": {"dataset": "d", "where": {}}, "column": "share", "max": 100}


def test_shares_at_most():
    assert run(SHARES, d=pd.DataFrame({"share": [66, 20.6, None], "section": "F", "page": 1})).status == "pass"
    assert run(SHARES, d=pd.DataFrame({"share": [66, 40], "section": "F", "page": 1})).status == "fail"


def test_percent_range():
    check = {"id": "p", "kind": "percent_range", "datasets": ["d"]}
    assert run(check, d=frame({"value": 51.2, "unit": "percent"}, {"value": 1500, "unit": "count"})).status == "pass"
    bad = run(check, d=frame({"value": 151.2, "unit": "percent"}))
    assert bad.status == "fail" and bad.statements[0].value == 151.2


CHANGE = {"id": "c", "kind": "change_equals", "from": {"dataset": "d", "where": {"metric": "a"}},
          "to": {"dataset": "d", "where": {"metric": "b"}}, "stated": {"dataset": "d", "where": {"metric": "pct"}},
          "tolerance": 0.5}


def test_change_equals():
    rows = frame({"metric": "a", "value": 40}, {"metric": "b", "value": 70}, {"metric": "pct", "value": 75, "unit": "percent_change"})
    assert run(CHANGE, d=rows).status == "pass"
    assert run(CHANGE, d=rows.assign(value=[40, 70, 70])).status == "fail"


@pytest.mark.parametrize("check", [SUM, SAME, MAG, SHARES, CHANGE])
def test_missing_data_is_not_run(check):
    result = run(check, d=frame({"metric": "unrelated", "value": 1}).assign(part_of=None, share=None))
    assert result.status == "not run"


def test_every_kind_is_tested():
    assert set(KINDS) == {"sum_equals", "same_fact", "magnitude", "shares_at_most", "percent_range", "change_equals",
                          "count_matches_list", "span_matches_dates", "same_implementers", "citation_doubt"}


def test_a_doubtful_citation_is_a_warning_saying_why_and_a_pass_once_another_source_is_cited():
    """Made-up rows: the figure still cites the doubted source (a warning with the check's explanation), then
    another one (a pass); the page finds the doubt only among the rows it shows."""
    from helpers.audit import citation_doubts

    check = {"id": "c", "kind": "citation_doubt", "figures": {"dataset": "d", "where": {"metric": "gdp"}},
             "cited": "wrong_source", "explanation": "that publisher does not produce it"}
    rows = frame({"metric": "gdp", "value": 3.0, "source": "wrong_source"})
    doubted = run(check, d=rows)
    assert doubted.status == "warning" and doubted.message == "that publisher does not produce it"
    assert run(check, d=frame({"metric": "gdp", "value": 3.0, "source": "right_source"})).status == "pass"
    found = citation_doubts(2022, "indicators", load("indicators", 2022, REPO), REPO)
    assert [ident for ident, _ in found] == ["gdp_cited_to_imss", "imss_jobs_cited_to_enoen"]
    glance = load("indicators", 2022, REPO)
    assert citation_doubts(2022, "indicators", glance[glance["section"] == "Mexico at a glance"], REPO) == []


# The seven kinds of inconsistency a careful reader of the report finds, each on a consistent and an inconsistent
# fixture (made-up values).
COUNT = {"id": "n", "kind": "count_matches_list", "count": {"dataset": "d", "where": {"metric": "n"}},
         "list": {"dataset": "items", "where": {"list": "l"}}}
SPAN = {"id": "t", "kind": "span_matches_dates", "span": {"dataset": "spans", "where": {"span": "s"}},
        "dates": {"dataset": "d", "where": {"metric": "share"}}}
IMPLEMENTERS = {"id": "i", "kind": "same_implementers", "results": {"dataset": "initiatives", "where": {"initiative": "x"}},
                "story": {"dataset": "stories", "where": {"initiative": "x"}}}


def items(*names, counted=None):
    counted = counted or {}
    return pd.DataFrame([{"list": "l", "position": i, "label": "Things listed", "item": n, "counted": counted.get(n, True),
                          "note": "not a thing" if n in counted else None, "section": "Endnotes", "page": 76}
                         for i, n in enumerate(names, 1)])


def implementers(results, story):
    return {"initiatives": pd.DataFrame([{"initiative": "x", "implemented_by": results, "section": "Area 2", "page": 32}]),
            "stories": pd.DataFrame([{"initiative": "x", "implemented_by": story, "section": "Area 2", "page": 33}])}


def spans(years_stated, first, last):
    return {"spans": frame({"span": "s", "value": years_stated, "unit": "years", "label": "The last decade"}),
            "d": frame({"metric": "share", "value": 63.4, "ref_period": str(first)},
                       {"metric": "share", "value": 51.9, "ref_period": str(last)})}


def two(metric_rows):
    return {"d": frame(*metric_rows)}


FIXTURES = {  # kind of inconsistency: (check, consistent datasets, inconsistent datasets)
    "one description given two different values": (
        SAME, two([{"metric": "x", "value": 25}, {"metric": "x", "value": 25, "section": "Foreword"}]),
        two([{"metric": "x", "value": 25}, {"metric": "x", "value": 21, "section": "Foreword"}])),
    "the same work counted differently in two places": (
        SAME, two([{"metric": "x", "value": 4561}, {"metric": "x", "value": 4561, "statement": "story"}]),
        two([{"metric": "x", "value": 4561}, {"metric": "x", "value": 5000, "qualifier": "more than", "statement": "story"}])),
    "a stated percentage change against its counts": (
        CHANGE, two([{"metric": "a", "value": 40}, {"metric": "b", "value": 70}, {"metric": "pct", "value": 75}]),
        two([{"metric": "a", "value": 40}, {"metric": "b", "value": 70}, {"metric": "pct", "value": 70}])),
    "a stated count against the list after it": (
        COUNT, {"d": frame({"metric": "n", "value": 3}), "items": items("a", "b", "c")},
        {"d": frame({"metric": "n", "value": 6}), "items": items("a", "b", "c", "d", "e", "f", "g")}),
    "a stated time span against its own dates": (SPAN, spans(5, 2015, 2020), spans(10, 2005, 2020)),
    "an initiative's implementers against its story": (
        IMPLEMENTERS, implementers("UNDP;FAO", "FAO;UNDP"), implementers("UNDP", "FAO;UNDP")),
    "an endnote's list against its own count": (
        COUNT, {"d": frame({"metric": "n", "value": 3}), "items": items("Chiapas", "Tabasco", "Jalisco")},
        {"d": frame({"metric": "n", "value": 3}), "items": items("Chiapas", "Saltillo", "Jalisco", counted={"Saltillo": False})}),
}


@pytest.mark.parametrize("finding", list(FIXTURES))
def test_each_kind_of_inconsistency_passes_when_consistent_and_fails_when_not(finding):
    check, consistent, inconsistent = FIXTURES[finding]
    good = run_checks([check], loader(**consistent))[0]
    bad = run_checks([check], loader(**inconsistent))[0]
    assert good.status == "pass", good.message
    assert bad.status == "fail", bad.message
    # both statements are named, each with where the report makes it
    assert len(bad.statements) >= 2 and all(", p. " in s.where for s in bad.statements)


def test_findings_name_what_differs():
    check, _, bad = FIXTURES["an initiative's implementers against its story"]
    assert run_checks([check], loader(**bad))[0].message == "the story adds FAO"
    check, _, bad = FIXTURES["an endnote's list against its own count"]
    message = run_checks([check], loader(**bad))[0].message
    assert "lists 3, but 1 of those listed is not of the kind counted (Saltillo: not a thing)" in message
    check, _, bad = FIXTURES["a stated time span against its own dates"]
    assert "10 years" in run_checks([check], loader(**bad))[0].message and "15 years apart" in run_checks([check], loader(**bad))[0].message
    # a span one year off, with dates given as years only, is loosely worded rather than contradicted
    assert run_checks([SPAN], loader(**spans(6, 2015, 2020)))[0].status == "warning"
    # dates inside the span the words give ("the last decade", 2015 and 2020): a warning that says so
    within = run_checks([SPAN], loader(**spans(10, 2015, 2020)))[0]
    assert within.status == "warning" and "lies within that span but does not fill it" in within.message


def test_the_2022_audit_covers_every_kind_of_inconsistency_naming_both_statements():
    checks = load_checks(REPO / "data/audit_checks.yml")
    results = audit_edition(2022, REPO)
    seen = {}
    for check, result in zip(checks, results):
        if result.status != "not run":
            seen.setdefault(check["category"], []).append(result)
    for category in ("one_description_two_values", "same_work_counted_differently", "change_against_counts",
                     "count_against_list", "span_against_dates", "implementers_against_story",
                     "endnote_list_against_count"):
        assert category in seen, category
        for result in seen[category]:
            assert len(result.statements) >= 2 and all(", p. " in s.where for s in result.statements), result.check
    by_id = {r.check: r for r in results}
    assert by_id["biosphere_components_listed"].status == "fail"  # six components, seven activities named
    assert by_id["legal_network_states_endnote"].status == "fail" and "Saltillo" in by_id["legal_network_states_endnote"].message
    assert by_id["municipal_development_span"].status == "warning"  # "the last decade", dated 2015 and 2020
    assert by_id["chuchilton_implementers"].message == "the story adds FAO"
    assert by_id["gdp_cited_to_imss"].status == by_id["imss_jobs_cited_to_enoen"].status == "warning"
    assert "IMSS publishes social security records, not GDP" in by_id["gdp_cited_to_imss"].message
    assert by_id["cerrando_brechas_implementers"].status == "pass"
    assert by_id["costing_agencies_listed"].status == "pass"


def test_a_check_without_a_declared_category_is_refused(tmp_path):
    bad = tmp_path / "checks.yml"
    bad.write_text("categories: {a: A}\nchecks:\n  - {id: x, kind: same_fact, category: b, statements: []}\n")
    with pytest.raises(InputError, match="category 'b'"):
        load_checks(bad)


def test_checks_file_is_valid_and_bad_kinds_are_refused(tmp_path):
    assert len(load_checks(REPO / "data/audit_checks.yml")) >= 15
    bad = tmp_path / "checks.yml"
    bad.write_text("categories: {a: A}\nchecks:\n  - {id: x, kind: vibes, category: a}\n")
    with pytest.raises(InputError, match="vibes"):
        load_checks(bad)


def test_the_2022_report_audit():
    results = {r.check: r for r in audit_edition(2022, REPO)}
    assert results["wa1_capacities_add_up"].status == "pass"
    assert results["un_entities_in_mexico"].status == "fail"
    assert {s.shown for s in results["un_entities_in_mexico"].statements} == {"25", "21"}
    assert results["unops_procurement_magnitude"].status == "fail"
    assert results["protection_mechanism_staff_increase"].status == "fail"
    assert results["gdp_growth_edition_year"].status == "warning"
    for name in ("domestic_workers_enrolled", "refugees_formal_jobs", "people_local_integration", "companies_trained",
                 "anti_trafficking_passengers", "un_staff"):
        assert results[name].status in ("warning", "fail"), name
        wheres = {s.where for s in results[name].statements}
        assert len(results[name].statements) >= 2 and wheres, name
    assert results["funding_shares_at_most_100"].status == "pass"
    assert results["percentages_in_range"].status == "pass"


def test_overstated_failures_are_reclassified_and_checks_are_named_in_plain_words():
    results = {r.check: r for r in audit_edition(2022, REPO)}
    bound = results["programa_ciudades_trained"]
    assert bound.status == "warning" and "the bound is the figure itself" in bound.message
    rate = results["anti_trafficking_passengers"]
    assert rate.status == "warning" and "measure different things (a rate and a total)" in rate.message
    assert "contradict" not in rate.message and "a reader may take them for the same fact" in rate.message
    assert all(r.title and "_" not in r.title for r in results.values())
    assert results["wa1_capacities_add_up"].title == "Work area 1's institutions add up to their total"


def test_more_than_a_figure_against_a_smaller_exact_one_still_fails():
    from helpers.audit import Statement, compare_to_exact

    exact = Statement("trained", 500, "people", None, "A, p. 1")
    assert compare_to_exact(exact, Statement("trained", 600, "people", "more than", "B, p. 2"), 0)[0] == "fail"
    assert compare_to_exact(exact, Statement("trained", 500, "people", "more than", "B, p. 2"), 0)[0] == "warning"


# --- the rules file is data with a schema (helpers.audit_rules) ------------------------------------------------

import shutil  # noqa: E402

import yaml  # noqa: E402

from conftest import FULL_EDITION, run_cli  # noqa: E402
from helpers.audit_rules import rule_problems  # noqa: E402
from helpers.project import Project  # noqa: E402

RULES = yaml.safe_load((REPO / "data/audit_checks.yml").read_text(encoding="utf-8"))
FIRST = RULES["checks"][0]["id"]  # wa1_capacities_add_up: a sum_equals check


@pytest.fixture
def rules_copy(tmp_path):
    """The project's data (the full edition and its framework cycle) and rules, to break one at a time."""
    root = tmp_path / "p"
    shutil.copytree(REPO / "data" / str(FULL_EDITION), root / "data" / str(FULL_EDITION))
    shutil.copytree(REPO / "data/frameworks", root / "data/frameworks")
    shutil.copytree(REPO / "book", root / "book")
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(REPO / name, root / name)
    return root


def first_check(change):
    def edit(rules):
        change(rules["checks"][0])
    return edit


MALFORMED = [  # (how the rules are broken, text the one problem must hold: check, key and what was expected)
    ("a check that is a string", lambda r: r["checks"].__setitem__(0, "sum them"),
     "check 1: expected a mapping of keys to values, found 'sum them'"),
    ("a list at the root", lambda r: r.clear() or r.update({"__list__": True}), "expected a mapping"),
    ("an unknown kind", first_check(lambda c: c.update(kind="sum_eqals")),
     f"check 1 ({FIRST}), key 'kind': expected a kind, one of 'sum_equals'"),
    ("a missing key", first_check(lambda c: c.pop("total")), f"check 1 ({FIRST}), key 'total': expected this key"),
    ("a duplicate id", lambda r: r["checks"][1].update(id=FIRST), "key 'id': expected an id no other check has"),
    ("a column that does not exist", first_check(lambda c: c["total"]["where"].update(metrc="x")),
     f"check 1 ({FIRST}), key 'total.where.metrc': expected a column of capacities"),
    ("a dataset that does not exist", first_check(lambda c: c["total"].update(dataset="capacitys")),
     f"check 1 ({FIRST}), key 'total.dataset': expected a dataset of the project, found 'capacitys'"),
    ("a dataset outside the edition", first_check(lambda c: c["total"].update(dataset="../../etc/passwd")),
     f"check 1 ({FIRST}), key 'total.dataset': expected a name of lower-case letters"),
    ("a tolerance that is a string", first_check(lambda c: c.update(tolerance="none")),
     f"check 1 ({FIRST}), key 'tolerance'"),
    ("a tolerance of 1e400", first_check(lambda c: c.update(tolerance=float("inf"))), "key 'tolerance': expected"),
    ("a huge integer", first_check(lambda c: c.update(tolerance=10 ** 400)), "key 'tolerance': expected"),
    ("a where that is a list", first_check(lambda c: c["total"].update(where=["work_area", 1])),
     f"check 1 ({FIRST}), key 'total.where': expected a mapping of keys to values"),
]


@pytest.mark.parametrize("what, change, expected", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_each_malformed_rule_is_named_by_file_check_and_key(rules_copy, what, change, expected):
    rules = yaml.safe_load((REPO / "data/audit_checks.yml").read_text(encoding="utf-8"))
    change(rules)
    text = "- a list\n- at the root\n" if "__list__" in rules else yaml.safe_dump(rules, allow_unicode=True)
    (rules_copy / "data/audit_checks.yml").write_text(text, encoding="utf-8")
    problems = rule_problems(Project(rules_copy), FULL_EDITION)
    assert problems and all(p.startswith("data/audit_checks.yml: ") for p in problems), problems
    assert any(expected in p for p in problems), (what, problems)
    assert not any("Traceback" in p or "pydantic" in p for p in problems), problems


def test_the_real_rules_are_valid():
    assert rule_problems(Project(REPO), FULL_EDITION) == []


def test_a_rule_reading_outside_the_project_stops_the_build_before_any_kernel(rules_copy):
    rules = yaml.safe_load((REPO / "data/audit_checks.yml").read_text(encoding="utf-8"))
    rules["checks"][0]["total"]["dataset"] = "../../../outside"
    (rules_copy / "data/audit_checks.yml").write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    (rules_copy.parent / "outside.csv").write_text("value\n1\n", encoding="utf-8")
    done = run_cli(rules_copy, "build", "--no-progress", "--year", str(FULL_EDITION), timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "data/audit_checks.yml: check 1" in done.stderr and "total.dataset" in done.stderr
    assert "Traceback" not in done.stderr and str(rules_copy.parent) not in done.stderr
    assert not (rules_copy / "_build" / str(FULL_EDITION) / "html").exists()  # nothing ran, nothing published
