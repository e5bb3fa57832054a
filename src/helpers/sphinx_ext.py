"""A small Sphinx extension for the book (listed in _config.yml under sphinx.extra_extensions).

- Jupyter Book 1 registers sphinx-thebe's inline configuration script twice, so every page declared
  ``const THEBE_JS_URL`` twice and the browser reported an error. Identical scripts are kept once.
- The theme's Jinja templates are compiled once and cached beside the doctrees, instead of at every
  build (about half a second of each incremental build).
- Search finds numbers as printed: "54,421" and "70.2" are indexed and queried whole (Sphinx splits them
  into "54" and "421", and drops number-only query terms, so a reader searching a figure found nothing).
- Each HTML page names itself (``<meta name="rb-page">``) and loads ``_static/rb-editions.js``, the list of
  editions built, which ``helpers.publish`` writes: the header's edition switcher links the same page in each.
- Words removed from a page leave the search index: Sphinx prunes a re-read page from each word's list but
  keeps the word itself, so removed text stayed in searchindex.js.
- Text stays text in the theme: the page context values the theme writes into HTML unescaped (the page title in
  the print header, the book's title and author) are escaped, and so are the section titles of the search index
  (Sphinx 7 shows a matched section title as HTML: sphinx-doc/sphinx#13356, fixed in Sphinx 8.2). A framework
  title or a heading from data then never runs as markup.
- MyST-NB's stylesheet is in the output before any page is written: MyST-NB copies it when the build ends, so a
  fresh build's pages linked it without the checksum Sphinx adds to a file already there (``?v=``) and a later
  build's pages with it; the same book came out in other bytes depending on its history.
"""

from __future__ import annotations


def _script_key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    filename = getattr(script, "filename", str(script)) or ""  # inline scripts come as None or ""
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    seen, kept = set(), []
    for script in context.get("script_files", []):
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def cache_templates(app) -> None:
    templates = getattr(app.builder, "templates", None)
    environment = getattr(templates, "environment", None)
    if environment is not None:
        from pathlib import Path

        import jinja2

        folder = Path(app.doctreedir) / "jinja-cache"
        folder.mkdir(parents=True, exist_ok=True)
        environment.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))


def numbers_as_printed_languages() -> list:
    """The book's search languages (English, Spanish) whose words include numbers with their thousands separators
    and decimals, so that a reader finds "54,421" as printed."""
    import re

    from sphinx.search.en import SearchEnglish
    from sphinx.search.es import SearchSpanish

    languages = []
    for base in (SearchEnglish, SearchSpanish):
        languages.append(type(f"{base.__name__}Numbers", (base,), {
            "_word_re": re.compile(r"\d+(?:[.,]\d+)+|\w+"),
            # the same split for queries (language_data.js is loaded after searchtools.js and replaces its splitter)
            "js_splitter_code": ("var splitQuery = (query) => (query.match("
                                 "/\\d+(?:[.,]\\d+)+|[\\p{Letter}\\p{Number}_\\p{Emoji_Presentation}]+/gu) || []);"),
        }))
    return languages


def drop_pruned_words() -> None:
    """After Sphinx prunes re-read or removed pages from the index, drop the words no page holds any more."""
    from sphinx.search import IndexBuilder

    original = IndexBuilder.prune
    if getattr(original, "drops_empty_words", False):
        return

    def prune(self, docnames) -> None:
        original(self, docnames)
        for mapping in (self._mapping, self._title_mapping):
            for word in [w for w, names in mapping.items() if not names]:
                del mapping[word]

    prune.drops_empty_words = True
    IndexBuilder.prune = prune


TEXT_SLOTS = ("pagetitle", "root_title", "docstitle", "author", "page_description")


def text_slots_as_text(app, pagename, templatename, context, doctree) -> None:
    """Plain-text context values escaped once, as Markup: templates that escape them (``|e``) leave them as they
    are, and those that do not (sphinx-book-theme's print header: ``<h1>{{ pagetitle }}</h1>``) show text."""
    from markupsafe import Markup, escape

    for key in TEXT_SLOTS:
        value = context.get(key)
        if isinstance(value, str) and not isinstance(value, Markup):
            context[key] = escape(value)


def search_titles_as_text() -> None:
    """Section titles in the search index as escaped HTML: Sphinx 7's searchtools.js puts a matched title into the
    results with ``innerHTML`` (sphinx-doc/sphinx#13356, fixed in Sphinx 8.2 by indexing titles without HTML).
    Titles of pages not re-read are loaded from the previous index, already escaped."""
    import html

    from sphinx.search import IndexBuilder

    original = IndexBuilder.feed
    if getattr(original, "escapes_titles", False):
        return

    def feed(self, docname, filename, title, doctree) -> None:
        original(self, docname, filename, title, doctree)
        self._all_titles[docname] = [(html.escape(text, quote=False), anchor)
                                     for text, anchor in self._all_titles.get(docname, [])]

    feed.escapes_titles = True
    IndexBuilder.feed = feed


def edition_switcher_files(app) -> None:
    if app.builder.name == "html":  # not the single-page print source: one edition, no switcher
        app.add_js_file("rb-editions.js")


def name_the_page(app, pagename, templatename, context, doctree) -> None:
    import html

    context["metatags"] = context.get("metatags", "") + f'\n<meta name="rb-page" content="{html.escape(pagename)}">'


def home_page_title(app, pagename, templatename, context, doctree) -> None:
    """The home page's title is the book's name: its title bar says it once ('UN Mexico Results Book 2022'), not
    'UN Mexico Results Book — UN Mexico Results Book 2022'."""
    if pagename == app.config.root_doc and context.get("docstitle") and context.get("title"):
        from markupsafe import Markup

        text = lambda value: str(Markup(str(value)).striptags())  # noqa: E731 (compare the words, not the markup)
        if text(context["docstitle"]).startswith(text(context["title"])):
            # the layout appends " — docstitle" whenever docstitle is set: the book's name moves into the title,
            # and into the logo's text, which would otherwise show docstitle
            from markupsafe import escape

            logo = dict(context.get("theme_logo") or {})
            logo.setdefault("text", escape(context["docstitle"]))  # the logo's template prints it as it is
            context["title"], context["docstitle"], context["theme_logo"] = context["docstitle"], "", logo


def myst_nb_stylesheet_first(app) -> None:
    if getattr(app.builder, "format", None) == "html":
        import os

        from myst_nb.sphinx_ext import add_global_html_resources  # MyST-NB's own copy, made earlier

        os.makedirs(os.path.join(app.builder.outdir, "_static"), exist_ok=True)
        add_global_html_resources(app, None)


def hold_until_go(app) -> None:
    """In the build's early Sphinx process told ``init`` (``helpers.sphinx_runner``): wait here, initialised, until
    the build has written this build's pages and says ``go``; anything else ends the process unbuilt."""
    import os
    import sys

    from .inputs import SPHINX_HOLD

    if os.environ.pop(SPHINX_HOLD, None) and sys.stdin.readline().strip() != "go":
        raise SystemExit(0)


def setup(app):
    drop_pruned_words()
    search_titles_as_text()
    app.connect("builder-inited", hold_until_go, priority=900)  # last: after every other initialisation
    app.connect("builder-inited", myst_nb_stylesheet_first)
    app.connect("builder-inited", edition_switcher_files)
    app.connect("html-page-context", name_the_page)
    app.connect("html-page-context", home_page_title)
    for language in numbers_as_printed_languages():
        app.add_search_language(language)
    app.connect("builder-inited", cache_templates)
    # early: the event stops at the first handler that returns a template name
    app.connect("html-page-context", drop_duplicate_scripts, priority=100)
    app.connect("html-page-context", text_slots_as_text, priority=900)  # after the theme has set them
    return {"parallel_read_safe": True, "parallel_write_safe": True}
