"""The book in Spanish: catalogues and prose kept in step, Mexican number and date conventions, and the built
Spanish book (every page, every figure, no English sentence, lang="es", switchers, search). The browser checks
of test_browser.py (menus, search, axe, console errors, downloads) run on the Spanish pages too."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import FULL_EDITION, REPO
from helpers import fmt, i18n, page
from helpers.scan import english_sentences, scan



@pytest.fixture
def spanish():
    i18n.set_language("es")
    yield
    i18n.set_language("en")


# ---------------------------------------------------------------------------------------------- catalogues

def test_every_message_is_in_every_language_with_the_same_placeholders():
    catalogues = {lang: i18n.catalogue(lang) for lang in i18n.LOCALES}
    english = catalogues[i18n.DEFAULT]
    for lang, messages in catalogues.items():
        assert set(messages) == set(english), (lang, sorted(set(messages) ^ set(english))[:10])
        for key, text in messages.items():
            assert i18n.placeholders(text) == i18n.placeholders(english[key]), (lang, key)


def test_every_key_the_code_names_is_in_the_catalogue():
    named = set()
    sources = [p.read_text(encoding="utf-8") for p in (REPO / "src" / "helpers").glob("*.py")]
    for notebook in (REPO / "book").glob("*.ipynb"):
        sources += [c["source"] if isinstance(c["source"], str) else "".join(c["source"])
                    for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    for text in sources:
        named |= set(re.findall(r"\bmsg(?:_or)?\(\s*\"([a-z0-9_.]+)\"\s*[,)]", text))  # whole keys, not prefixes
    assert len(named) > 150
    missing = sorted(k for k in named if k not in i18n.catalogue("en"))
    assert not missing, missing


def test_a_message_with_a_bad_placeholder_is_refused(tmp_path, monkeypatch):
    (tmp_path / "en.yml").write_text('a:\n  b: "{x.__class__}"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOGUES", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        with pytest.raises(i18n.InputError, match="a.b"):
            i18n.catalogue("en")
    finally:
        i18n.catalogue.cache_clear()


def test_every_toc_caption_has_words_in_every_language():
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    for part in toc["parts"]:
        for lang in i18n.LOCALES:
            assert i18n.caption_key(part["caption"]) in i18n.catalogue(lang), (lang, part["caption"])


# ---------------------------------------------------------------------------------------------- prose

@pytest.mark.parametrize("notebook", sorted(p.name for p in (REPO / "book").glob("*.ipynb")))
def test_each_prose_cell_is_written_in_each_language_with_the_same_glue(notebook):
    """What ``resultsbook lang-check`` checks (helpers.langcheck): every prose cell tagged, each English cell with
    its Spanish twin in order, the same glue keys and headings, no English left in Spanish."""
    from helpers.langcheck import notebook_problems

    assert notebook_problems(REPO / "book" / notebook, f"book/{notebook}") == []


def test_cells_in_keeps_one_languages_prose_and_all_code():
    nb = {"cells": [{"cell_type": "code", "source": "x"},
                    {"cell_type": "markdown", "metadata": {"tags": ["lang-en"]}, "source": "Hello"},
                    {"cell_type": "markdown", "metadata": {"tags": ["lang-es"]}, "source": "Hola"},
                    {"cell_type": "markdown", "metadata": {}, "source": "---"}]}
    assert [c["source"] for c in i18n.cells_in(nb, "es")["cells"]] == ["x", "Hola", "---"]
    assert [c["source"] for c in i18n.cells_in(nb, "en")["cells"]] == ["x", "Hello", "---"]


@pytest.mark.parametrize("page_md", sorted(p.name for p in (REPO / "book").glob("*.md") if p.name.count(".") == 1))
def test_every_markdown_page_has_its_spanish_twin_with_the_same_markers(page_md):
    english = (REPO / "book" / page_md).read_text(encoding="utf-8")
    twin = i18n.markdown_page(REPO / "book" / page_md, "es").read_text(encoding="utf-8")
    assert re.findall(r"<!--.*?-->", twin) == re.findall(r"<!--.*?-->", english)
    assert english_sentences(twin) == []


def test_every_editions_text_columns_are_all_translated():
    """Every text a page shows from the editions' data has its Spanish beside it (<column>_es)."""
    untranslated = []
    folders = sorted(p for p in (REPO / "data").iterdir() if p.name.isdigit()) \
        + sorted((REPO / "data" / "frameworks").glob("*"))
    for path in sorted(p for folder in folders for p in folder.glob("*.csv")):
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        for column in [c for c in (rows[0] if rows else {}) if f"{c}_es" in rows[0]]:
            untranslated += [f"{path.name} row {i} {column}" for i, r in enumerate(rows, 1)
                             if r[column].strip() and not r[f"{column}_es"].strip()]
    assert not untranslated, untranslated[:10]


def test_every_datasets_metadata_is_described_in_spanish():
    from helpers.schema import read_meta

    folders = sorted(p for p in (REPO / "data").iterdir() if p.name.isdigit()) \
        + sorted((REPO / "data" / "frameworks").glob("*"))
    for path in sorted(p for folder in folders for p in folder.glob("*.yml") if p.name != "framework.yml"):
        meta = read_meta(path)
        assert set(meta.translations.get("es", {})) == {"title", "description"}, path
        assert not [c for c, spec in meta.columns.items() if not spec.translations.get("es")], path


# ---------------------------------------------------------------------------------------------- formats

def test_spanish_numbers_and_dates_follow_mexican_conventions(spanish):
    assert fmt.number(126014024) == "126,014,024"  # es_MX groups with commas and uses a decimal point
    assert fmt.with_unit(7.8, "percent") == "7.8%"
    assert fmt.with_unit(54000, "people", "more than") == "más de 54,000"
    assert fmt.with_unit(143, "usd_million") == "143 millones de dólares"
    assert fmt.ordinal(74) == "74.º"
    assert fmt.change_phrase(-7.1, "percent_change") == "una disminución de 7.1%"
    assert fmt.with_unit(None, "people") == "n. d."
    assert page.period_text("2022-12", 2022) == "diciembre de 2022"
    assert page.period_text("2022-Q3", 2022) == "el tercer trimestre de 2022"


def test_english_numbers_are_unchanged():
    i18n.set_language("en")
    assert fmt.with_unit(54000, "people", "more than") == "more than 54,000"
    assert fmt.with_unit(143, "usd_million") == "USD 143 million"
    assert fmt.ordinal(74) == "74th" and fmt.ordinal(12) == "12th" and fmt.ordinal(22) == "22nd"
    assert page.period_text("2022-12", 2022) == "December 2022"


def test_data_text_takes_its_translation_and_keeps_english_where_there_is_none(spanish):
    import pandas as pd

    from helpers.data import in_language

    frame = pd.DataFrame({"title": ["Closing Gaps", "Spotlight"], "title_es": ["Cerrando Brechas", None]})
    assert list(in_language(frame)["title"]) == ["Cerrando Brechas", "Spotlight"]
    assert list(in_language(frame, "en")["title"]) == ["Closing Gaps", "Spotlight"]


def test_a_key_written_in_words_is_shown_in_the_page_language_and_kept_as_the_key(spanish):
    import pandas as pd

    from helpers.data import in_language

    frame = pd.DataFrame({"funding_source": ["Government", "Private sector"], "funding_source_es": ["Gobierno", None]})
    shown = in_language(frame, keys=["funding_source"])
    assert list(shown["funding_source"]) == ["Government", "Private sector"]  # the key other rows refer to
    assert list(shown["funding_source_shown"]) == ["Gobierno", "Private sector"]
    assert list(in_language(frame, "en", keys=["funding_source"])["funding_source_shown"]) == frame["funding_source"].tolist()


def test_the_spanish_finance_page_names_funding_sources_in_spanish(real_book):
    text = _article_text(real_book / "es/book/finance.html")
    audit = _article_text(real_book / "es/book/audit.html")
    for row in load_csv(REPO / f"data/{FULL_EDITION}/funding_sources.csv"):
        assert row["funding_source"] not in text, row["funding_source"]
        assert row["funding_source_es"] in text or fmt.lower_first(row["funding_source_es"]) in text, row
    assert "International cooperation (vertical funds" not in audit


def test_english_sentences_are_found_and_cited_titles_are_not():
    assert english_sentences("The report states the figure twice and the audit shows both.")
    assert not english_sentences("El informe da la cifra dos veces y la auditoría muestra ambas.")
    assert not english_sentences("Fuente: Results Report (Area 4: Peace, Justice and Rule of Law, p. 45).")


def load_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------------------------------------- the built book

def _pages(html: Path) -> list[str]:
    return sorted(p.relative_to(html).as_posix() for p in (html / "book").glob("*.html"))


def _article_text(path: Path) -> str:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article") or soup.body
    return " ".join(article.get_text(" ").split())


NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.,])\d+\.\d+")  # as printed: 54,421 or 7.8


def test_the_spanish_book_has_every_page_of_the_english_one(real_book):
    spanish = real_book / "es"
    assert '<html lang="es">' in (spanish / "index.html").read_text(encoding="utf-8")  # the root, leading home
    assert 'url=book/index.html' in (spanish / "index.html").read_text(encoding="utf-8")
    assert _pages(spanish) == _pages(real_book)
    for name in _pages(spanish):
        head = (spanish / name).read_text(encoding="utf-8")[:400]
        assert '<html lang="es"' in head, name
        assert '<html lang="en"' in (real_book / name).read_text(encoding="utf-8")[:400], name


def test_every_figure_of_an_english_page_is_on_its_spanish_page(real_book):
    for name in _pages(real_book):
        if name == "book/about.html":  # the build record: each language's build took its own seconds
            continue
        english = set(NUMBER.findall(_article_text(real_book / name)))
        spanish = set(NUMBER.findall(_article_text(real_book / "es" / name)))
        assert english <= spanish, (name, sorted(english - spanish)[:10])
    charts = [len(re.findall(r'class="rb-chart', (real_book / d / n).read_text(encoding="utf-8")))
              for n in _pages(real_book) for d in ("", "es")]
    assert charts[0::2] == charts[1::2] and sum(charts) > 10  # every chart on both


def test_no_english_sentence_remains_on_a_spanish_page(real_book):
    found = scan(real_book, FULL_EDITION)
    assert not found["english-on-translated-page"], found["english-on-translated-page"][:15]
    assert not any(found.values()), found


def test_the_switchers_link_pages_that_exist(real_book):
    for root, lang in ((real_book, "en"), (real_book / "es", "es")):
        script = (root / "_static" / "rb-editions.js").read_text(encoding="utf-8")
        languages = json.loads(re.search(r"RB_LANGUAGES = (\{.*\});", script).group(1))
        assert f'RB_LANG = "{lang}"' in script and set(languages) == set(i18n.LOCALES)
        for code, book in languages.items():
            target = (root / book["root"]).resolve()
            assert target == (real_book / ("" if code == "en" else code)).resolve(), (lang, code)
            assert all((target / f"{p}.html").is_file() for p in book["pages"]), (lang, code)


def test_spanish_search_index_holds_numbers_as_printed(real_book):
    index = (real_book / "es" / "searchindex.js").read_text(encoding="utf-8")
    assert '"54,421"' in index
    assert '"viviend"' in index and '"vivienda"' not in index  # words stemmed as Spanish ("viviendas" -> viviend)
    options = (real_book / "es" / "_static" / "documentation_options.js").read_text(encoding="utf-8")
    assert "LANGUAGE: 'es'" in options


# ---------------------------------------------------------------------------------------------- in a browser

def test_the_language_switcher_leads_to_the_same_page_in_the_other_language(site, browser):
    served, _ = site
    page = browser.new_page()
    page.goto(f"{served}/book/finance.html")
    page.click("nav.rb-languages a[hreflang='es']")
    page.wait_for_load_state("load")
    assert page.url.endswith("/es/book/finance.html")
    assert page.evaluate("document.documentElement.lang") == "es"
    assert "Panorama financiero" in page.inner_text("h1")
    page.click("nav.rb-languages a[hreflang='en']")
    page.wait_for_load_state("load")
    assert page.url.endswith("/book/finance.html") and "/es/" not in page.url


def test_text_not_yet_translated_is_shown_in_english_said_once_and_listed(tmp_path):
    """A row whose Spanish is left empty: its English shows on the Spanish page, which says so once under its
    title, and the Spanish gap ledger names the column; the English book is untouched by it."""
    import shutil

    from conftest import COPY_IGNORE, run_cli

    root = tmp_path / "p"
    shutil.copytree(REPO, root, ignore=COPY_IGNORE)
    path = root / "data" / str(FULL_EDITION) / "initiatives.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    english = next(r for r in rows if r["initiative"] == "o8_spotlight")
    english["summary_es"] = ""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    done = run_cli(root, "build", "--no-progress", "--year", str(FULL_EDITION), "--lang", "all", timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    html = root / "_build" / str(FULL_EDITION) / "html"
    page_es = _article_text(html / "es/book/work_area_4.html")
    assert english["summary"] in page_es
    assert page_es.count(i18n.msg("gaps.untranslated_notice", "es")) == 1
    gaps_es = _article_text(html / "es/book/gaps.html")  # in words; the column's key stays in `resultsbook gaps`
    assert "1 fila de texto de los datos aún no escrita en este idioma" in gaps_es and "initiatives.summary" not in gaps_es
    assert i18n.msg("gaps.untranslated_notice", "en") not in _article_text(html / "book/work_area_4.html")
    assert "initiatives.summary" not in _article_text(html / "book/gaps.html")
    listed = run_cli(root, "gaps", "--year", str(FULL_EDITION), "--lang", "es")
    assert listed.returncode == 0 and "book/work_area_4: initiatives.summary: 1 fila(s)" in listed.stdout, listed.stdout
    strict = run_cli(root, "build", "--no-progress", "--year", str(FULL_EDITION), "--lang", "es", "--strict")
    assert strict.returncode == 2 and "initiatives.summary" in strict.stderr + strict.stdout


def test_search_stems_every_word_of_the_data_as_snowballs_reference_stemmers_do():
    """Sphinx stems every word of every page for its search index; PyStemmer (Snowball's C library) does it about
    fifty times faster than the pure-Python stemmers, and must give the same stems, in English and in Spanish."""
    import re

    import Stemmer
    from snowballstemmer.porter_stemmer import PorterStemmer
    from snowballstemmer.spanish_stemmer import SpanishStemmer

    from helpers.sphinx_ext import numbers_as_printed_languages

    words = set()
    for path in (REPO / "data").rglob("*.csv"):
        words |= {w.lower() for w in re.findall(r"[^\W\d_]+", path.read_text(encoding="utf-8"))}
    assert len(words) > 2000
    english, spanish = numbers_as_printed_languages()
    for language, reference in ((english({}), PorterStemmer()), (spanish({}), SpanishStemmer())):
        assert isinstance(language.stemmer, Stemmer.Stemmer)  # the compiled stemmer is the one in use
        assert [language.stem(w) for w in sorted(words)] == [reference.stemWord(w) for w in sorted(words)]


def test_words_gives_the_page_language_and_names_a_language_left_out():
    from helpers.errors import InputError

    try:
        i18n.set_language("es")
        assert i18n.words(en="GDP growth", es="Crecimiento del PIB") == "Crecimiento del PIB"
        i18n.set_language("en")
        assert i18n.words(en="GDP growth", es="Crecimiento del PIB") == "GDP growth"
        with pytest.raises(InputError, match=r"no text for es; expected one text for each of en, es"):
            i18n.words(en="GDP growth")  # the English build stops too: the Spanish page would lack it
        with pytest.raises(InputError, match=r"fr is not a language of the book"):
            i18n.words(en="GDP growth", es="Crecimiento del PIB", fr="Croissance du PIB")
    finally:
        i18n.set_language("en")
