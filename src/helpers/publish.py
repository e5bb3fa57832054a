"""Assemble the Sphinx source from executed notebooks, run Jupyter Book strictly, publish atomically."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from .errors import BuildError
from .fingerprint import sha256_bytes, tree_digest
from .manifest import ABOUT_MARKER, BuildManifest, render_about, render_build_record
from .project import Project, read_yaml

STRICT_FLAGS = ["-n", "-W", "--keep-going"]
EXTRA_DIR = "_extra"  # copied as-is into the HTML root by Sphinx (html_extra_path)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def staged_config(project: Project, year: int, lang: str = "en") -> dict:
    """The project's _config.yml for one edition in one language: title and footer from the language's catalogue
    (year filled in), Sphinx's ``language`` (the theme's own words, <html lang>, search), Jupyter Book's
    execution off."""
    from .i18n import msg

    config = read_yaml(project.root / "_config.yml") or {}
    config["title"] = msg("book.title", lang, year=year)
    config["author"] = msg("book.author", lang)  # the footer's byline, in the book's language
    config.setdefault("html", {})["extra_footer"] = msg("book.footer", lang)
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    config["only_build_toc_files"] = True
    # data/<year>/ is published with the book so every chart links to the CSV behind it
    config.setdefault("sphinx", {}).setdefault("config", {})["html_extra_path"] = [EXTRA_DIR]
    config["sphinx"]["config"]["language"] = lang
    extensions = config["sphinx"].setdefault("extra_extensions", [])
    if "helpers.sphinx_ext" not in extensions:  # the pipeline's own: a pure search index, numbers as printed
        extensions.append("helpers.sphinx_ext")
    return config


def pruned_pages(project: Project, year: int, pages: list, outcomes: list, executed: dict[str, Path],
                 lang: str = "en"):
    """Each executed page as the edition's data supports it (see ``helpers.pruning``), and the gap ledger.

    Returns ({page rel: notebook dict}, ledger lines, {page name: title}, the gaps found per page)."""
    from .gaps import ledger

    link = ledger_link(project)
    data_files = {o.notebook: o.data_files or {} for o in outcomes}
    notebooks, found, titles = {}, [], {}
    for page in pages:
        rel = page.rel.as_posix()
        nb, page_gaps, title = pruned_page(page, executed[rel], year, link, lang)
        notebooks[rel] = nb
        found.append((page.name, page_gaps, data_files.get(rel, {})))
        titles[page.name] = title
    return notebooks, ledger(project, year, found), titles, found


def ledger_link(project: Project) -> str | None:
    """Where a page's notice of what is missing links to: the gap ledger page, when the book has one."""
    from .gaps import LEDGER_PAGE

    has_ledger_page = any(d.with_suffix("").as_posix() == LEDGER_PAGE for d in project.toc_documents())
    return Path(LEDGER_PAGE).name + ".md" if has_ledger_page else None


def pruned_page(page, executed: Path, year: int, link: str | None, lang: str = "en") -> tuple[dict, list, str]:
    """(the executed page, pruned, in the book's language; its gaps; its title)."""
    from .i18n import cells_in
    from .pruning import glued_values, prune_page

    nb = cells_in(number_source_cells(json.loads(executed.read_text(encoding="utf-8"))), lang)
    nb, page_gaps = prune_page(nb, year, link)
    return nb, page_gaps, _title(nb, glued_values(nb)) or page.name


SOURCE_CELL = "rb_source_cell"  # cell metadata: the cell's position in the notebook as committed (1-based)


def number_source_cells(nb: dict) -> dict:
    """Each cell of an executed notebook marked with its position in the source notebook (papermill's injected
    parameters and the build's finishing cell are not source cells), so that a Sphinx warning about the staged page
    can name the cell the analyst wrote (``source_cells_named``)."""
    n = 0
    for cell in nb.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" not in tags and "resultsbook-finish" not in tags:
            n += 1
            cell.setdefault("metadata", {})[SOURCE_CELL] = n
    return nb


WARNING_AT = re.compile(r"(?P<path>\S+?\.ipynb):(?P<line>\d+):")


def source_cells_named(text: str, source: Path) -> str:
    """Sphinx's 'book/x.ipynb:40025:' (MyST-NB numbers lines (cell index + 1) × 10000 + line) as the source
    notebook's 'book/x.ipynb, cell 7, line 24:'. A cell the pipeline made (a lifted heading, a notice) is named
    by the source cell before it."""
    def named(match) -> str:
        path, line = Path(match.group("path")), int(match.group("line"))
        index, within = line // 10000 - 1, line % 10000
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            rel = path.relative_to(source).as_posix()
        except (OSError, ValueError, KeyError):
            return match.group(0)
        numbers = [c.get("metadata", {}).get(SOURCE_CELL) for c in cells[: index + 1]]
        number = next((n for n in reversed(numbers) if n), None)
        if index < 0 or index >= len(cells) or number is None:
            return match.group(0)
        return f"{rel}, cell {number}, line {within}:"

    return WARNING_AT.sub(named, text)


def _regular_only(folder: str, names: list[str]) -> list[str]:
    """copytree's ignore: hidden files, links, pipes and devices are never published."""
    from .project import not_regular

    return [n for n in names if n.startswith(".") or not_regular(Path(folder) / n)]


MENU = '<div class="dropdown dropdown-download-buttons">'


def add_to_download_menu(html_dir: Path, label: str, css: str, target_for) -> None:
    """Add one entry to the download menu of every page: ``target_for(page path in the book)`` gives the file
    (relative to the book's root) or None for no entry on that page."""
    for page in html_dir.rglob("*.html"):
        rel = page.relative_to(html_dir)
        if {"_static", "_sources", "data"} & set(rel.parts):
            continue
        target = target_for(rel.with_suffix("").as_posix())
        text = page.read_text(encoding="utf-8")
        at = text.find(MENU)
        menu = text.find('<ul class="dropdown-menu">', at) if at >= 0 else -1
        if target is None or menu < 0:
            continue
        href = "../" * (len(rel.parts) - 1) + target
        item = (f'<li><a href="{href}" class="btn btn-sm dropdown-item {css}" download><span '
                f'class="btn__icon-container"><i class="fas fa-file"></i></span><span class="btn__text-container">'
                f"{label}</span></a></li>")
        cut = menu + len('<ul class="dropdown-menu">')
        page.write_text(text[:cut] + item + text[cut:], encoding="utf-8")


def staged_toc(project: Project, pages: list, lang: str = "en") -> str:
    """The table of contents Sphinx sees: each template entry expanded into its pages (``helpers.pages``), each
    part's caption in the book's language (``toc.<caption as a key>`` of the catalogue)."""
    from .i18n import caption_key, msg
    from .pages import expand_toc

    toc = expand_toc(project, read_yaml(project.root / "_toc.yml"), pages)
    for part in toc.get("parts", []) if isinstance(toc, dict) else []:
        if isinstance(part, dict) and isinstance(part.get("caption"), str):
            part["caption"] = msg(caption_key(part["caption"]), lang)
    return yaml.safe_dump(toc, sort_keys=False, allow_unicode=True)


def _title(nb: dict, values: dict) -> str:
    from .pruning import HEADING, resolve_heading

    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for line in src.splitlines():
                match = HEADING.match(line)
                if match and len(match.group(1)) == 1:
                    return resolve_heading(match.group(2), values)
    return ""


def assemble_static(project: Project, year: int, pages: list, dest: Path, lang: str = "en") -> None:
    """The part of the Sphinx source that no execution changes: configuration, table of contents, the book's
    folder, the data and its Data Package, the notebooks as committed, the Markdown pages (the gap ledger's
    still holding its marker). The build makes it while the notebooks run."""
    dest.mkdir(parents=True)
    (dest / "_config.yml").write_text(yaml.safe_dump(staged_config(project, year, lang), sort_keys=False,
                                                     allow_unicode=True), encoding="utf-8")
    (dest / "_toc.yml").write_text(staged_toc(project, pages, lang), encoding="utf-8")
    book = project.root / "book"
    if book.is_dir():  # pages, images and other static files (a Markdown page's translations are placed below)
        skip = shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints", "__pycache__", "_build", "*.*.md")
        shutil.copytree(book, dest / "book", ignore=lambda d, n: set(skip(d, n)) | set(_regular_only(d, n)))
    shutil.copytree(project.year_dir(year), dest / EXTRA_DIR / "data" / str(year), ignore=_regular_only)
    cycle = project.framework_dir(year)
    if cycle is not None:  # the framework's datasets are published with every edition of its cycle
        shutil.copytree(cycle, dest / EXTRA_DIR / cycle.relative_to(project.root), ignore=_regular_only)
    from .datapackage import write_package

    write_package(project, year, dest / EXTRA_DIR / "data")  # the edition's data as a Frictionless Data Package
    for page in pages:  # each page's notebook as committed (no outputs), for analysts
        target = dest / EXTRA_DIR / "notebooks" / page.notebook
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(project.root / page.notebook, target)
    from .i18n import markdown_page

    for rel in project.toc_documents():
        if rel.suffix != ".ipynb":  # a Markdown page in the book's language: book/about.es.md for about.md
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(markdown_page(project.root / rel, lang), dest / rel)


def assemble_pages(project: Project, year: int, pages: list, outcomes: list, executed: dict[str, Path],
                   dest: Path, lang: str = "en") -> list[str]:
    """Into a source made by ``assemble_static``: each executed page, pruned, and the gap ledger. Returns the
    ledger's lines."""
    from .gaps import LEDGER_MARKER, ledger_markdown

    notebooks, lines, titles, found = pruned_pages(project, year, pages, outcomes, executed, lang)
    for rel, nb in notebooks.items():
        write_page(dest / rel, nb)
    for page in dest.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        if LEDGER_MARKER in text:
            page.write_text(text.replace(LEDGER_MARKER, ledger_markdown(project, year, found, titles, lang)),
                            encoding="utf-8")
    return lines


def write_page(target: Path, nb: dict) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # compact: without indent, json's C encoder writes it (several times faster; Sphinx reads either)
    target.write_text(json.dumps(without_run_metadata(nb), ensure_ascii=False), encoding="utf-8")


def without_run_metadata(nb: dict) -> dict:
    """The page without what changes each time it runs (papermill's and the kernel's clock times, temporary
    paths, the random id papermill gives the cell it injects): a page executed again with the same outputs is then
    the same bytes, so Sphinx does not re-read it and the book's key does not change. Nothing removed here is shown
    to readers."""
    metadata = {k: v for k, v in nb.get("metadata", {}).items() if k != "papermill"}
    cells = []
    for cell in nb.get("cells", []):
        cell = dict(cell, metadata={k: v for k, v in cell.get("metadata", {}).items()
                                    if k not in ("papermill", "execution")})
        if "injected-parameters" in cell["metadata"].get("tags", []):
            cell["id"] = "injected-parameters"
        cells.append(cell)
    return dict(nb, metadata=metadata, cells=cells)


def book_key(source: Path, commit: str, helpers_digest: str, requirements_digest: str) -> str:
    """Identity of a book: its assembled source (before the About page is filled in) and the software."""
    return sha256_bytes("\n".join([tree_digest(source), commit, helpers_digest, requirements_digest]).encode())


def fill_about_page(source: Path, manifest: BuildManifest) -> None:
    """The About page's account of the build, in the Sphinx source: what the book was made from, and this build's
    record (HTML tables of escaped text, ``render_build_record``)."""
    for page in source.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        if ABOUT_MARKER in text:
            text = text.replace(ABOUT_MARKER, render_about(manifest))
            for place, html in render_build_record(manifest).items():
                text = text.replace(place, html)
            page.write_text(text, encoding="utf-8")


class SphinxRun:
    """A strict Jupyter Book build, started early (imports done while notebooks run), run on ``start()`` and
    awaited with ``wait()`` (``helpers.sphinx_runner``)."""

    def __init__(self, source: Path, output: Path, project_root: Path | None = None, builder: str = "html"):
        import tempfile

        self.source, self.output, self.project_root, self.builder = source, output, project_root, builder
        self.log = tempfile.TemporaryFile(mode="w+")
        command = [sys.executable, "-m", "helpers.sphinx_runner", "build", str(source), "--path-output",
                   str(output), "--builder", builder, *STRICT_FLAGS]
        env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=self.log, stderr=subprocess.STDOUT,
                                        text=True, env=env)
        self.initialised = False
        self.environment_stamp = None

    def initialise(self) -> None:
        """Let the waiting process initialise Sphinx now (its source's configuration and table of contents must
        already be those of this build: see ``can_initialise_early``); it then builds on ``start()``."""
        self.initialised, self.environment_stamp = True, self._environment_stamp()
        self._tell("init\n")

    def _environment_stamp(self):
        try:
            found = (self.output / "_build" / ".doctrees" / "environment.pickle").stat()
        except OSError:
            return None
        return found.st_mtime_ns, found.st_size

    def environment_unchanged(self) -> bool:
        """True when no other build has saved Sphinx's environment since this process was initialised with it."""
        return self.process.poll() is None and self.environment_stamp == self._environment_stamp()

    def _tell(self, line: str, last: bool = False) -> None:
        try:
            self.process.stdin.write(line)
            self.process.stdin.flush()
            if last:
                self.process.stdin.close()
        except BrokenPipeError:
            pass  # it already exited: wait() reports why

    def abort(self) -> None:
        """Stop a process that was not told to build: it has only imported and read, never written."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def start(self) -> None:
        """Tell the waiting process to build, without waiting for it (see ``wait``)."""
        self._tell("go\n", last=True)

    def wait(self) -> Path:
        """Wait for the build started by ``start``; returns the HTML folder or raises BuildError."""
        try:
            self.process.wait()
        except BaseException:
            self.process.kill()
            raise
        self.log.seek(0)
        text = self.log.read()
        self.log.close()
        html = self.output / "_build" / self.builder
        if self.process.returncode != 0 or not (html / "index.html").is_file():
            messages = [line for line in text.splitlines()
                        if "WARNING" in line or "ERROR" in line or "Error" in line or "Exception" in line]
            detail = source_cells_named(ANSI.sub("", "\n".join(messages[-40:]) or text[-4000:]), self.source)
            if self.project_root is not None:  # point at the project's files, not the work copy
                detail = detail.replace(f"{self.source}/", f"{self.project_root}/")
            raise BuildError(f"Jupyter Book failed (strict: {' '.join(STRICT_FLAGS)}):\n{detail}")
        return html


def can_initialise_early(project: Project, year: int, work: Path, toc: str, lang: str = "en") -> bool:
    """True when Sphinx may be initialised before this build's pages are in place: the previous build in
    ``work`` used byte-identical configuration and table of contents (pages are then found by mtime)."""
    config = yaml.safe_dump(staged_config(project, year, lang), sort_keys=False, allow_unicode=True)
    try:
        return ((work / "src" / "_config.yml").read_text(encoding="utf-8") == config
                and (work / "src" / "_toc.yml").read_text(encoding="utf-8") == toc
                and (work / "out" / "_build" / ".doctrees" / "environment.pickle").is_file())
    except OSError:
        return False


def removed_extras(source: Path, previous: Path) -> list[Path]:
    """Files Sphinx copied into the HTML from ``previous``'s extra folder (data, notebooks) that ``source`` no
    longer has, as paths inside the HTML: Sphinx adds extra files to its output but never removes them."""
    old, new = previous / EXTRA_DIR, source / EXTRA_DIR
    if not old.is_dir():
        return []
    return [p.relative_to(old) for p in old.rglob("*") if p.is_file() and not (new / p.relative_to(old)).is_file()]


def sync_tree(source: Path, target: Path) -> list[Path]:
    """Make ``target`` a copy of ``source``, touching only files whose bytes differ; returns the paths (in
    ``target``) written or removed.

    Unchanged files keep their modification times, so Sphinx re-reads only the pages that changed.
    """
    changed: list[Path] = []
    target.mkdir(parents=True, exist_ok=True)
    wanted = {p.relative_to(source) for p in source.rglob("*") if p.is_file()}
    for rel in sorted(wanted):
        src, dst = source / rel, target / rel
        if not dst.is_file() or dst.stat().st_size != src.stat().st_size or dst.read_bytes() != src.read_bytes():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            changed.append(rel)
    for path in sorted(target.rglob("*"), reverse=True):
        rel = path.relative_to(target)
        if path.is_file() and rel not in wanted:
            path.unlink()
            changed.append(rel)
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return changed


def touch_root_page_if_assets_changed(source: Path, changed: list[Path]) -> None:
    """Sphinx copies static and extra files only at the end of a build that writes at least one page: with no page
    changed it stops at "no targets are out of date", and an edited stylesheet or data file would never reach the
    book. When only files other than pages changed, the root page is marked changed so that the build runs whole
    (a build that writes a page copies them anyway: the root page is then not read again for nothing)."""
    if not changed or any(rel.suffix in (".ipynb", ".md") and rel.parts[0] != EXTRA_DIR for rel in changed):
        return
    root = (read_yaml(source / "_toc.yml") or {}).get("root", "")
    for suffix in (".ipynb", ".md"):
        page = source / f"{root}{suffix}"
        if root and page.is_file():
            os.utime(page)
            return


EDITIONS_SCRIPT = Path("_static") / "rb-editions.js"  # loaded by every page (helpers.sphinx_ext)


def book_pages(html: Path) -> list[str]:
    """The reading pages of a published book, as Sphinx page names ('book/chapter_1'), without data or assets
    (nor the books in other languages published inside the English one)."""
    from .i18n import LOCALES

    return sorted(p.relative_to(html).with_suffix("").as_posix() for p in html.rglob("*.html")
                  if not p.relative_to(html).parts[0].startswith(("_", "data", "notebooks"))
                  and p.relative_to(html).parts[0] not in LOCALES
                  and p.name not in ("genindex.html", "search.html"))


def book_root(build_dir: Path, year: int, lang: str) -> Path:
    """Where an edition's book in ``lang`` is published: _build/<YEAR>/html/ (English), html/<lang>/ otherwise."""
    from .i18n import DEFAULT

    html = build_dir / str(year) / "html"
    return html if lang == DEFAULT else html / lang


def root_redirect(html_dir: Path, lang: str, title: str) -> None:
    """Jupyter Book's root index.html is a bare refresh tag; make it a page in the book's language (lang, title,
    and a link for a reader whose browser does not follow the refresh), leading to the same home page."""
    import html as _html

    index = html_dir / "index.html"
    if not index.is_file():
        return
    found = re.search(r'http-equiv="Refresh" content="0; url=([^"]+)"', index.read_text(encoding="utf-8"), re.I)
    if not found:
        return
    target, name = _html.escape(found.group(1), quote=True), _html.escape(title)
    index.write_text(f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{name}</title>'
                     f'<meta http-equiv="Refresh" content="0; url={target}"></head>'
                     f'<body><p><a href="{target}">{name}</a></p></body></html>\n', encoding="utf-8")


def carry_other_languages(published_html: Path, staged_html: Path) -> None:
    """The books in other languages, published inside the English one (html/es/), into the staged English book,
    as hard links: the published copy stays whole until the new English book replaces it."""
    from .i18n import DEFAULT, LOCALES

    for lang in LOCALES:
        book = published_html / lang
        if lang != DEFAULT and (book / "index.html").is_file() and not (staged_html / lang).exists():
            shutil.copytree(book, staged_html / lang, copy_function=os.link)


def published_books(build_dir: Path) -> dict[tuple[int, str], Path]:
    """Every published book, (edition, language) -> its folder."""
    from .i18n import LOCALES

    books: dict[tuple[int, str], Path] = {}
    for edition in build_dir.glob("*/html"):
        if edition.parent.name.isdigit():
            for code in LOCALES:
                root = book_root(build_dir, int(edition.parent.name), code)
                if (root / "index.html").is_file():
                    books[(int(edition.parent.name), code)] = root
    return books


def write_edition_switchers(build_dir: Path, year: int, lang: str, staged_html: Path) -> None:
    """For every published book (edition x language), the editions built in its language and the languages built
    of its edition, each with its pages, so that the switchers in the header (and the home page's list of
    editions) link only pages that exist. Written into the staged book and every other published one (an older
    edition learns of a newer one). Years, language codes, page names and the catalogue's words only: nothing
    from data."""
    from .i18n import DEFAULT, LOCALES

    books = published_books(build_dir)
    books[(year, lang)] = staged_html
    if lang == DEFAULT:  # the other languages of this edition now sit inside the staged English book
        for code in LOCALES:
            if code != DEFAULT and (staged_html / code / "index.html").is_file():
                books[(year, code)] = staged_html / code
    write_switchers(books)


def write_switchers(books: dict[tuple[int, str], Path]) -> None:
    from .i18n import DEFAULT, NAMES, msg

    pages = {key: book_pages(root) for key, root in books.items()}
    for (edition, code), root in books.items():
        editions = {str(y): pages[(y, c)] for (y, c) in sorted(pages) if c == code}
        languages = {c: {"name": NAMES[c], "pages": pages[(y, c)],
                         "root": ("" if code == DEFAULT else "../") + ("" if c == DEFAULT else f"{c}/")}
                     for (y, c) in sorted(pages) if y == edition}
        words = {k: msg(f"switcher.{k}", code) for k in ("edition", "editions", "languages")}
        script = root / EDITIONS_SCRIPT
        script.parent.mkdir(parents=True, exist_ok=True)
        tmp = script.with_name(script.name + ".tmp")
        tmp.write_text(f"window.RB_EDITIONS = {json.dumps(editions)};\nwindow.RB_EDITION = \"{edition}\";\n"
                       f"window.RB_LANG = \"{code}\";\nwindow.RB_LANGUAGES = {json.dumps(languages)};\n"
                       f"window.RB_WORDS = {json.dumps(words, ensure_ascii=False)};\n", encoding="utf-8")
        os.replace(tmp, script)


def unpublish(build_dir: Path, year: int) -> bool:
    """Take an edition's books (every language, its PDFs) off ``_build`` and tell the other published books:
    their switchers and home-page lists stop naming it. Its execution cache stays, for a later build. False when
    nothing of it was published."""
    html = build_dir / str(year) / "html"
    if not html.is_dir():
        return False
    gone = html.with_name("html.removed")
    shutil.rmtree(gone, ignore_errors=True)
    os.replace(html, gone)  # the book disappears at once, whole; its files are deleted after
    write_switchers(published_books(build_dir))
    shutil.rmtree(gone, ignore_errors=True)
    return True


def publish(new_html: Path, target: Path) -> None:
    """Replace ``target`` with ``new_html``; the old book stays in place until the new one is complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = target.with_name(target.name + ".previous")
    if previous.exists():
        shutil.rmtree(previous)
    if target.exists():
        os.replace(target, previous)
    os.replace(new_html, target)  # same filesystem: a rename
    if previous.exists():
        shutil.rmtree(previous)


def recover_interrupted_publish(target: Path) -> None:
    """If a build died between the two renames of ``publish``, put the previous book back."""
    previous = target.with_name(target.name + ".previous")
    if previous.exists() and not target.exists():
        os.replace(previous, target)
