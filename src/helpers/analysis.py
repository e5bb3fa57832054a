"""Analysis the report does not have: who implements what, who works with whom, where the work happens."""

from __future__ import annotations

from itertools import combinations

import pandas as pd

from . import fmt
from .framework import split_list
from .i18n import msg


def implementations(initiatives: pd.DataFrame) -> pd.DataFrame:
    """One row per (initiative, implementing agency, work area)."""
    rows = [(r.initiative, code, r.work_area) for r in initiatives.itertuples(index=False)
            for code in split_list(r.implemented_by)]
    return pd.DataFrame(rows, columns=["initiative", "agency", "work_area"])


def shown(frame, column: str) -> str:
    """The column that holds ``column``'s words in the page's language (``<key>_shown``, see data.in_language)."""
    return f"{column}_shown" if f"{column}_shown" in frame else column


def agency_by_work_area(initiatives: pd.DataFrame) -> pd.DataFrame:
    """Initiatives each agency implements in each work area (agencies as rows, work areas as columns)."""
    pairs = implementations(initiatives)
    table = pd.crosstab(pairs["agency"], pairs["work_area"])
    table = table.reindex(columns=sorted(set(initiatives["work_area"].dropna().astype(int))), fill_value=0)
    return table.loc[table.sum(axis=1).sort_values(ascending=False, kind="stable").index]


def co_implementation(initiatives: pd.DataFrame) -> pd.DataFrame:
    """Symmetric matrix: how many initiatives each pair of agencies implements together."""
    counts: dict[tuple[str, str], int] = {}
    agencies: set[str] = set()
    for cell in initiatives["implemented_by"]:
        codes = sorted(set(split_list(cell)))
        agencies.update(codes)
        for a, b in combinations(codes, 2):
            counts[(a, b)] = counts.get((a, b), 0) + 1
    order = sorted(agencies)
    matrix = pd.DataFrame(0, index=pd.Index(order, name="agency"), columns=pd.Index(order, name="with_agency"))
    for (a, b), n in counts.items():
        matrix.loc[a, b] = matrix.loc[b, a] = n
    partnered = matrix.sum(axis=1) > 0
    return matrix.loc[partnered, partnered]


def places_count(initiatives: pd.DataFrame) -> pd.DataFrame:
    """How many highlighted initiatives name each place."""
    rows = [(place, r.initiative) for r in initiatives.itertuples(index=False) for place in split_list(r.places)]
    frame = pd.DataFrame(rows, columns=["place", "initiative"])
    return (frame.groupby("place")["initiative"].nunique().rename("initiatives").reset_index()
            .sort_values(["initiatives", "place"], ascending=[False, True], kind="stable"))


def work_area_shares(initiatives: pd.DataFrame, capacities: pd.DataFrame, work_areas: pd.DataFrame) -> pd.DataFrame:
    """Each work area's share (%) of the highlighted initiatives and of the institutions strengthened.

    Institutions are counted once per area: a total with parts counts, its parts do not.
    """
    inits = initiatives.groupby("work_area")["initiative"].nunique()
    inst = capacities[(capacities["unit"] == "institutions") & capacities["part_of"].isna()]
    inst = inst.groupby("work_area")["value"].sum()
    frame = work_areas[["work_area", "title"]].copy()
    frame["initiatives"] = frame["work_area"].map(inits).fillna(0).astype(int)
    frame["institutions"] = frame["work_area"].map(inst).astype("Float64")
    frame["initiatives_share"] = 100 * frame["initiatives"] / frame["initiatives"].sum()
    frame["institutions_share"] = 100 * frame["institutions"] / frame["institutions"].sum()
    return frame


def headline_values(initiatives: pd.DataFrame, by_area: pd.DataFrame, places: pd.DataFrame) -> dict:
    """The counts the analysis page's prose quotes (n.a. where the edition has no initiatives)."""
    if initiatives.empty:  # the edition highlights no initiative: every count is unknown, never 0
        return dict.fromkeys(["agency_count", "top_agency", "top_agency_initiatives", "multi_area_agencies",
                              "joint_initiatives", "initiative_count", "place_count", "top_place",
                              "top_place_initiatives"])
    busiest = by_area.sum(axis=1)
    return {
        "agency_count": len(by_area),
        "top_agency": busiest.index[0] if len(busiest) else None,
        "top_agency_initiatives": int(busiest.iloc[0]) if len(busiest) else None,
        "multi_area_agencies": int((by_area > 0).sum(axis=1).gt(1).sum()),
        "joint_initiatives": int(initiatives["implemented_by"].fillna("").str.contains(";").sum()),
        "initiative_count": len(initiatives),
        "place_count": len(places),
        "top_place": places["place"].iloc[0] if len(places) else None,
        "top_place_initiatives": int(places["initiatives"].iloc[0]) if len(places) else None,
    }


def finance_values(finance: pd.DataFrame, sdgs: pd.DataFrame) -> dict:
    """Figures the financial overview derives: the execution rate and the ranked SDG lists."""

    stated = finance.set_index("metric")["value"].dropna()
    rate = None
    if {"executed_resources", "available_resources"} <= set(stated.index) and stated["available_resources"]:
        rate = fmt.percent(100 * stated["executed_resources"] / stated["available_resources"], 1)

    def ranked(group: str) -> str | None:
        rows = sdgs[sdgs["group"] == group].sort_values("rank_in_group")
        return ", ".join(msg("analysis.sdg", number=s) for s in rows["sdg"]) or None

    return {"execution_rate": rate, "highest_sdgs": ranked("highest"), "lowest_sdgs": ranked("lowest")}


def funding_ranking(funding: pd.DataFrame) -> dict:
    """The two largest funding sources the report ranks, with their shares (None where it gives none)."""

    ranked = funding.sort_values("rank")
    values = {}
    for position, name in ((1, "first"), (2, "second")):
        row = ranked[ranked["rank"] == position]
        values[f"{name}_source"] = row[shown(row, "funding_source")].iloc[0] if len(row) else None
        values[f"{name}_source_share"] = fmt.percent(row["share"].iloc[0]) if len(row) else None
    return values


def unshared_sources(funding: pd.DataFrame) -> str | None:
    """The sources the report ranks without a share, in its order ('a, b and c'); None when there are none."""
    names = [fmt.lower_first(n) for n in funding[funding["share"].isna()].sort_values("rank")[shown(funding, "funding_source")]]
    if not names:
        return None
    return names[0] if len(names) == 1 else msg("gaps.and", first=", ".join(names[:-1]), last=names[-1])
