"""A page says only what the edition's data supports: the pure functions of helpers.pruning."""

from __future__ import annotations

from helpers.page import GAP_MIME, HEADING_MIME
from helpers.pruning import lift_headings, prune_page, prune_text


def md(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(*outputs: dict, tags=()) -> dict:
    return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": "x", "outputs": list(outputs)}


def shown(html: str) -> dict:
    return {"output_type": "display_data", "data": {"text/html": html}, "metadata": {}}


def gap(**record) -> dict:
    return {"output_type": "display_data", "data": {GAP_MIME: record, "text/plain": "gap"}, "metadata": {}}


def text_of(nb: dict) -> str:
    return "\n\n".join(c["source"] for c in nb["cells"] if c["cell_type"] == "markdown")


def test_a_sentence_needing_a_missing_value_goes_and_the_rest_stays():
    kept, dropped = prune_text("paragraph", "GDP grew by {glue:text}`gdp`. Inflation was {glue:text}`cpi`.", {"gdp"})
    assert kept == "Inflation was {glue:text}`cpi`." and dropped == {"gdp"}


def test_what_only_framed_the_missing_figures_goes_with_them():
    kept, _ = prune_text("paragraph", "The table shows the areas. It highlights {glue:text}`n` initiatives.", {"n"})
    assert kept == ""


def test_list_items_are_pruned_one_by_one():
    kept, dropped = prune_text("list", "- a {glue:text}`a`\n- b {glue:text}`b`", {"b"})
    assert kept == "- a {glue:text}`a`" and dropped == {"b"}


def test_a_page_drops_empty_sections_and_says_once_what_is_missing():
    nb = {"cells": [
        md("# Title\n\nIntro without figures.\n\n## Economy\n\nGDP grew by {glue:text}`gdp`."),
        code(shown("<table></table>")),
        md("## Violence\n\nThere were {glue:text}`crimes` crimes."),
        code(gap(what="chart: Crimes")),
        code(gap(keys=["crimes"], optional=[], datasets={"crimes": "data/2099/crimes.csv has no rows"}),
             tags=["remove-cell"]),
    ]}
    pruned, gaps = prune_page(nb, 2099, "gaps.md")
    text = text_of(pruned)
    assert "## Violence" not in text and "crimes` crimes" not in text  # nothing left under it
    assert "## Economy" in text and "GDP grew by" in text  # its value is there
    assert text.count("Not available for 2099") == 1 and "*Violence*" in text and "(gaps.md)" in text
    assert text.index("# Title") < text.index("Not available for 2099") < text.index("Intro")
    lines = [g.line("book/p") for g in gaps]
    assert "book/p: Violence: figures of the text not in the data: crimes" in lines
    assert "book/p: Violence: chart: Crimes (nothing to show)" in lines
    assert "book/p: dataset crimes: data/2099/crimes.csv has no rows" in lines
    assert not any(GAP_MIME in o.get("data", {}) for c in pruned["cells"] for o in c.get("outputs", []))
    emptied = [c for c in pruned["cells"] if c["cell_type"] == "code" and not c["outputs"]]
    assert all("remove-cell" in c["metadata"]["tags"] for c in emptied)  # no empty block, no code toggle


def test_optional_values_leave_their_sentence_out_silently():
    nb = {"cells": [md("# T\n\nIt {glue:text}`movement`. It was {glue:text}`v`."),
                    code(gap(keys=[], optional=["movement"], datasets={}), tags=["remove-cell"])]}
    pruned, gaps = prune_page(nb, 2022)
    assert text_of(pruned) == "# T\n\nIt was {glue:text}`v`." and gaps == []


def test_a_complete_page_is_left_as_it_is():
    nb = {"cells": [md("# T\n\nIt was {glue:text}`v`.\nA second line."), code(shown("<p>x</p>"))]}
    pruned, gaps = prune_page(nb, 2022)
    assert pruned["cells"][0]["source"] == nb["cells"][0]["source"] and gaps == []


def test_headings_made_by_code_become_sections_with_their_content():
    heading = {"output_type": "display_data", "metadata": {},
               "data": {HEADING_MIME: {"text": "Outcome 1: *Health*", "level": 3}, "text/markdown": "### x"}}
    nb = {"cells": [md("# T\n\n## Outcomes"), code(heading, shown("<p>one</p>"), tags=["remove-input"])]}
    lifted = lift_headings(nb)
    kinds = [c["cell_type"] for c in lifted["cells"]]
    assert kinds == ["markdown", "code", "markdown", "code"]
    assert lifted["cells"][2]["source"] == "### Outcome 1\\: \\*Health\\*"  # data shown as text
    assert lifted["cells"][3]["outputs"] == [shown("<p>one</p>")] and lifted["cells"][3]["source"].strip()
    pruned, _ = prune_page(nb, 2022)
    assert "### Outcome 1" in text_of(pruned) and "## Outcomes" in text_of(pruned)


def test_glue_writes_the_display_message_myst_nb_writes():
    """``page.glue`` stands for MyST-NB's ``glue(..., display=False)`` (so kernels need not import MyST-NB): the
    same data and metadata, for text, numbers and markup, and the prefix MyST-NB's pages read."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    from myst_nb import glue as myst_glue
    from myst_nb.ext.glue import GLUE_PREFIX as MYST_PREFIX

    from helpers.page import GLUE_PREFIX, glue

    assert GLUE_PREFIX == MYST_PREFIX
    InteractiveShell.instance()
    for value in ("2,100", "Chiapas <b>&</b> Oaxaca", "", "[not available]", 12.5):
        with capture_output() as ours:
            glue("key", value)
        with capture_output() as theirs:
            myst_glue("key", value, display=False)
        assert [(o.data, o.metadata) for o in ours.outputs] == [(o.data, o.metadata) for o in theirs.outputs]
        assert len(ours.outputs) == 1 and set(ours.outputs[0].data) == {GLUE_PREFIX + "text/plain"}
