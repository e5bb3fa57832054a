"""``resultsbook build``: one validated configuration drives execution, Jupyter Book and publishing."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .cache import helpers_location, project_digests
from .errors import BuildError, InputError
from .execute import Outcome, run_notebooks
from .manifest import BuildManifest, git_commit
from .project import Project, resolve_year
from .publish import SphinxRun, assemble_pages, book_key, book_root, fill_about_page, publish, \
    recover_interrupted_publish, removed_extras, sync_tree, touch_root_page_if_assets_changed


SPHINX_RUNNING = ".sphinx-running"  # in the Sphinx work folder while Sphinx writes; left behind only by a kill


@dataclass(frozen=True)
class BuildConfig:
    project: Project
    year: int
    jobs: int
    force: bool = False
    strict: bool = False
    progress: bool = True
    pdf: bool = False  # also the whole edition as one PDF (helpers.pdf)
    timeout: int | None = None  # seconds a cell may run: execute.timeout in _config.yml, as in Jupyter Book
    lang: str = "en"  # the language of this book (helpers.i18n); English at html/, another at html/<lang>/

    @classmethod
    def create(cls, root: Path, year: str | int | None = None, jobs: int | None = None, force: bool = False,
               strict: bool = False, progress: bool = True, pdf: bool = False, lang: str = "en") -> "BuildConfig":
        """Check everything the user gave before anything runs (InputError, exit 2, otherwise)."""
        from .i18n import check_language

        project = Project(root)
        return cls(project, resolve_year(project, year), resolve_jobs(jobs), force, strict, progress, pdf,
                   execution_timeout(project), check_language(lang))

    @property
    def html_dir(self) -> Path:
        return book_root(self.project.build_dir, self.year, self.lang)

    @property
    def suffix(self) -> str:
        """'' for English, '-es' for Spanish: names this language's cache, work and key files."""
        from .i18n import DEFAULT

        return "" if self.lang == DEFAULT else f"-{self.lang}"


def execution_timeout(project: Project) -> int | None:
    """``execute.timeout`` of _config.yml: whole seconds a cell may run (-1 or absent: no limit, as in Jupyter Book)."""
    from .project import read_yaml

    config_path = project.root / "_config.yml"
    value = ((read_yaml(config_path) or {}).get("execute") or {}).get("timeout")
    if value is None or value == -1:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{config_path}: execute.timeout is {value!r}; expected whole seconds (1 or more), "
                         "or -1 for no limit")
    return value


def resolve_jobs(jobs: int | None) -> int:
    if jobs is None:  # one more than the cores: a worker spends part of each notebook waiting on its kernel
        return (os.cpu_count() or 1) + 1
    if jobs < 1:
        raise InputError(f"--jobs must be 1 or more, got {jobs}")
    return jobs


phases: dict[str, float] = {}  # seconds per phase of the current build, for the closing line


@contextmanager
def phase(name: str):
    started = time.perf_counter()
    try:
        yield
    finally:
        phases[name] = phases.get(name, 0.0) + time.perf_counter() - started


@contextmanager
def year_lock(config: BuildConfig):
    """One build per edition at a time: two builds publishing into one folder would race."""
    lock_path = config.project.build_dir / f".{config.year}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"another build of {config.year} is running (lock: {lock_path})") from None
        yield


def summary_table(outcomes: list[Outcome]) -> str:
    width = max([len(o.notebook) for o in outcomes] + [8])
    lines = [f"{'notebook':<{width}}  {'status':<8}  seconds"]
    lines += [f"{o.notebook:<{width}}  {o.status:<8}  {o.seconds:7.1f}" for o in outcomes]
    executed = sum(o.status == "executed" for o in outcomes)
    cached = sum(o.status == "cached" for o in outcomes)
    failed = sum(o.status == "failed" for o in outcomes)
    lines.append(f"{len(outcomes)} notebooks: {executed} executed, {cached} cached, {failed} failed")
    return "\n".join(lines)


ANSI = re.compile(r"\x1b\[[0-9;]*m")


PROSE_MISTAKE = "GlueKeyError"  # helpers.page.GlueKeyError: prose naming a key no cell glues


def failure_report(outcomes: list[Outcome], colour: bool = False) -> str:
    parts = []
    for o in outcomes:
        if o.status != "failed":
            continue
        where = f"cell {o.cell}" if o.cell else "before any cell ran"
        head = o.cell_source.strip().splitlines()[0] if o.cell_source.strip() else ""
        parts.append(f"\n=== {o.notebook} failed at {where}: {o.error}")
        if head:
            parts.append(f"    cell starts: {head}")
        if o.kept:
            parts.append(f"    the notebook with the outputs it produced: {o.kept}")
        parts.append(o.traceback.rstrip())
    text = "\n".join(parts)
    return text if colour else ANSI.sub("", text)


def build(config: BuildConfig, out=sys.stdout, kernel_server=None, sphinx: SphinxRun | None = None) -> Path:
    """Build one edition; returns the published index.html. Raises InputError (2) or BuildError (1).
    ``kernel_server``: a warm kernel server the caller keeps between builds; ``sphinx``: a Jupyter Book process
    the caller started ahead (``warm_sphinx``), used when it is still valid for this build, stopped otherwise
    (both for ``resultsbook preview``)."""
    from .i18n import set_language

    project, year = config.project, config.year
    set_language(config.lang)  # gap notices, the ledger and the menus are written in the book's language
    started = time.perf_counter()
    phases.clear()
    with year_lock(config):
        recover_interrupted_publish(config.html_dir)
        for leftover in (project.build_dir / ".staging").glob(f"{year}{config.suffix}-[0-9]*"):  # killed builds
            shutil.rmtree(leftover, ignore_errors=True)
        staging = project.build_dir / ".staging" / f"{year}{config.suffix}-{os.getpid()}"
        work = sphinx_folder(config)
        if (work / SPHINX_RUNNING).exists():  # a build was killed while Sphinx wrote: its folder is suspect
            shutil.rmtree(work, ignore_errors=True)
        early = not config.force and sphinx_may_initialise(config, work)
        if sphinx is not None and sphinx.initialised and not (early and sphinx.environment_unchanged()):
            sphinx.abort()  # initialised for another configuration, or another build wrote its folder since
            sphinx = None
        # The processes that import for a second or so start first, so that their imports overlap the validation:
        # Sphinx (it builds only when told to; measured in benchmarks/README.md), then the kernel server when
        # several notebooks are out of date, and the kernels of the first notebooks. None of them runs a notebook or
        # writes a page before the data is valid; when it is not, they are stopped unused.
        sphinx = sphinx or SphinxRun(work / "src", work / "out", project.root)
        # with --pdf, the print edition's Sphinx (one page for the whole book) imports now too
        printer = SphinxRun(staging / "print-src", staging / "print-out", project.root,
                            builder="singlehtml") if config.pdf else None
        plan = plan_pages(config)
        server = kernel_server or start_kernel_server(config, plan)
        kernels = None
        try:
            kernels = start_kernels(config, plan, server)
            if early and not sphinx.initialised:
                sphinx.initialise()  # measured: about 1 s of an edit build (benchmarks/README.md)
            _validate(config)
            return _build_stages(config, staging, started, out, sphinx, work, server, printer, plan, kernels)
        finally:
            if kernels is not None:
                kernels.stop_all()
            sphinx.abort()  # a no-op after a build; otherwise the waiting process just exits
            if printer is not None:
                printer.abort()
            if server is not None and server is not kernel_server:
                server.stop()
            shutil.rmtree(staging, ignore_errors=True)


def sphinx_folder(config: BuildConfig) -> Path:
    """Sphinx's persistent folder, one per edition and language: it re-reads changed pages only."""
    return config.project.build_dir / ".sphinx" / f"{config.year}{config.suffix}"


def sphinx_may_initialise(config: BuildConfig, work: Path) -> bool:
    """True when Sphinx may load its configuration and saved environment before this build's pages are in place
    (``publish.can_initialise_early``)."""
    from .pages import edition_pages
    from .publish import can_initialise_early, staged_toc

    project, year = config.project, config.year
    return can_initialise_early(project, year, work, staged_toc(project, edition_pages(project, year), config.lang),
                                config.lang)


def warm_sphinx(config: BuildConfig) -> SphinxRun | None:
    """For ``resultsbook preview``, after a build: the next build's Jupyter Book process, started now and, when the
    folder allows, initialised (extensions, configuration, saved environment), so that the next build only reads
    and writes what changed. ``build(sphinx=...)`` stops it if the configuration changes meanwhile."""
    work = sphinx_folder(config)
    if (work / SPHINX_RUNNING).exists():
        return None
    sphinx = SphinxRun(work / "src", work / "out", config.project.root)
    if sphinx_may_initialise(config, work):
        sphinx.initialise()
    return sphinx


def _validate(config: BuildConfig) -> None:
    """Bad data stops here (InputError, exit 2), before any notebook runs; kernels then skip re-validating."""
    from .data import VALIDATED_ENV
    from .validate import validate_edition

    warnings: list[str] = []
    try:
        with phase("validate"):
            validate_edition(config.project, config.year, use_cache=True, warnings=warnings, strict=config.strict)
    finally:  # said beside the errors too: a typo may explain one
        for line in warnings:
            print(f"warning: {line}", file=sys.stderr)
    os.environ[VALIDATED_ENV] = validated_digests(config)  # this process's loads, and kernels started from now on


def validated_digests(config: BuildConfig) -> str:
    """The digests of the bytes the build validates, the edition's folder and its framework cycle's, as kernels
    receive them (``helpers.inputs.VALIDATED``): a kernel's loader then only types data with these digests. The
    kernels that start during the validation receive them before it ends: none of them runs a notebook unless it
    passes."""
    from .fingerprint import tree_digest

    project, year = config.project, config.year
    return " ".join(tree_digest(folder) for folder in
                    filter(None, [project.year_dir(year), project.framework_dir(year)]))


def plan_pages(config: BuildConfig) -> tuple[dict, list]:
    """(outcomes of the pages whose execution is still valid, jobs for the others): from the cache alone."""
    from .execute import plan_notebooks
    from .pages import edition_pages

    project = config.project
    helpers_digest, requirements_digest = project_digests(project.root, helpers_location(project.root)[0])
    return plan_notebooks(project.root, config.year, edition_pages(project, config.year), force=config.force,
                          helpers_digest=helpers_digest, requirements_digest=requirements_digest,
                          timeout=config.timeout, lang=config.lang)


def start_kernel_server(config: BuildConfig, plan: tuple[dict, list]):
    """The build's kernel server, started now when more than one notebook is out of date (for one notebook,
    importing everything first would only cost time); None otherwise."""
    if len(plan[1]) < 2:
        return None
    from .kernels import KernelServer  # imported only now: a no-op build needs no Jupyter machinery

    return KernelServer(helpers_location(config.project.root)[1])


def start_kernels(config: BuildConfig, plan: tuple[dict, list], server):
    """The kernels of the notebooks to execute, the first ones starting at once in the background
    (``helpers.execute.KernelSupply``); None when every page is cached."""
    if not plan[1]:
        return None
    from .execute import kernel_supply

    return kernel_supply(config.project.root, plan[1], config.jobs, helpers_location(config.project.root)[1], server,
                         validated=validated_digests(config))


def make_pdf(config: BuildConfig, source: Path, staging: Path, html: Path, printer: SphinxRun | None = None) -> Path:
    """The whole edition as one PDF inside the staged HTML book, linked from its pages (see helpers.pdf).
    ``printer``: the print edition's Sphinx, started early on ``staging``/print-src (else started now)."""
    from . import pdf
    from .citations import original_report, report_title
    from .data import Edition

    print_src = staging / "print-src"
    pdf.print_source(source, print_src)
    if printer is None:
        printer = SphinxRun(print_src, staging / "print-out", config.project.root, builder="singlehtml")
    printer.start()
    with pdf.chromium() as browser:  # Chromium starts while Sphinx writes the print edition
        singlehtml = printer.wait()
        found = original_report(Edition(config.year, config.project.root).load("sources"))
        report = report_title(found) if found is not None else None
        title = pdf.edition_title(config.project, config.year)
        target = html / pdf.pdf_name(config.year)
        pdf.print_pdf(pdf.print_document(singlehtml, title, config.year, report), target, title, config.year,
                      browser)
    pdf.link_pages(html, config.year)
    return target


def execute_pages(config: BuildConfig, out, server=None, plan=None,
                  kernels=None) -> tuple[list, list[Outcome], dict[str, Path]]:
    """Execute every page of the edition that is out of date: (pages, outcomes, executed notebook per page).

    Raises BuildError (exit 1) naming each failed notebook, its cell and the exception."""
    from .execute import ExecutionCache
    from .pages import edition_pages

    project, year = config.project, config.year
    helpers_dir, src_dir = helpers_location(project.root)
    helpers_digest, requirements_digest = project_digests(project.root, helpers_dir)
    pages = edition_pages(project, year)
    with phase("execute"):
        outcomes = run_notebooks(project.root, year, pages, jobs=config.jobs, force=config.force,
                                 helpers_digest=helpers_digest, requirements_digest=requirements_digest,
                                 src_dir=src_dir, progress=config.progress, timeout=config.timeout,
                                 lang=config.lang, server=server, plan=plan, kernels=kernels)
    print(summary_table(outcomes), file=out)
    failed = [o.notebook for o in outcomes if o.status == "failed"]
    mistakes = [o for o in outcomes if o.status == "failed" and o.error.startswith(PROSE_MISTAKE + ":")]
    if failed and len(mistakes) == len(failed):  # the analyst's prose names keys that do not exist: bad input
        lines = [f"{o.notebook}, {line.strip()}" for o in mistakes
                 for line in o.error.split(":", 1)[1].strip().splitlines() if line.strip()]
        raise InputError(f"{len(lines)} glue key(s) in the prose that no cell glues; the previous book in "
                         f"{config.html_dir} is unchanged", lines)
    if failed:
        print(failure_report(outcomes, colour=out.isatty()), file=out)
        raise BuildError(f"{len(failed)} notebook(s) failed: {', '.join(failed)}; "
                         f"the previous book in {config.html_dir} is unchanged")
    cache = ExecutionCache(project.root, year, config.lang)
    return pages, outcomes, {p.rel.as_posix(): cache.executed_path(p.rel) for p in pages}


def edition_ledger(config: BuildConfig, out) -> list[str]:
    """``resultsbook gaps``: execute what is out of date (no Sphinx), then every gap of the edition in the book's
    language (in Spanish, also the text from data not yet written in Spanish)."""
    from .i18n import set_language
    from .publish import pruned_pages

    set_language(config.lang)
    with year_lock(config):
        _validate(config)
        pages, outcomes, executed = execute_pages(config, out)
    return pruned_pages(config.project, config.year, pages, outcomes, executed, config.lang)[1]


def _same(path: Path, key: str) -> bool:
    return path.is_file() and path.read_text().strip() == key


def inputs_key(config: BuildConfig, executed: dict[str, Path], commit: str, helpers_digest: str,
               requirements_digest: str) -> str:
    """A digest of everything the assembled book is made from, computed without assembling it: the executed pages,
    the book's folder (pages, Markdown, static files), the edition's data and its framework cycle's, the
    configuration and table of contents, the code and packages, the commit, the language and the PDF option."""
    from .fingerprint import sha256_bytes, sha256_file, tree_digest

    project, year = config.project, config.year
    cycle = project.framework_dir(year)
    parts = [str(year), config.lang, str(config.pdf), commit, helpers_digest, requirements_digest,
             tree_digest(project.root / "book"), tree_digest(project.year_dir(year)),
             tree_digest(cycle) if cycle else "",
             *(sha256_file(project.root / name) if (project.root / name).is_file() else "-"
               for name in ("_config.yml", "_toc.yml")),
             *(f"{rel} {sha256_file(path)}" for rel, path in sorted(executed.items()))]
    return sha256_bytes("\n".join(parts).encode())


def _build_stages(config: BuildConfig, staging: Path, started: float, out, sphinx: SphinxRun, work: Path,
                  server, printer: SphinxRun | None, plan, kernels) -> Path:
    """After validation: execute → prune and assemble → Sphinx → PDF → publish, each stage in line."""
    from .i18n import msg
    from .publish import add_to_download_menu, assemble_static, carry_other_languages, root_redirect, \
        write_edition_switchers

    project, year = config.project, config.year
    helpers_digest, requirements_digest = project_digests(project.root, helpers_location(project.root)[0])
    # execute: reads the notebooks, the data and the cache; writes the cache
    pages, outcomes, executed = execute_pages(config, out, server, plan, kernels)
    commit = git_commit(project.root)
    index = config.html_dir / "index.html"
    # the book is a function of these inputs: when they are the bytes of the last published book's, it is up to date
    inputs = inputs_key(config, executed, commit, helpers_digest, requirements_digest)
    inputs_file = project.build_dir / str(year) / f"book{config.suffix}.inputs"
    if not (config.force or config.strict) and index.is_file() and _same(inputs_file, inputs):
        print(f"Book for {year} is up to date ({time.perf_counter() - started:.1f} s).", file=out)
        return index
    # assemble: the Sphinx source in staging/src, from the project and the executed pages (pruned to the data)
    source = staging / "src"
    assemble_static(project, year, pages, source, config.lang)
    gap_lines = assemble_pages(project, year, pages, outcomes, executed, source, config.lang)
    if config.strict and gap_lines:
        raise InputError(f"--strict: the {year} edition has {len(gap_lines)} gap(s); the previous book is unchanged",
                         gap_lines)
    key = book_key(source, commit, helpers_digest, requirements_digest) + (":pdf" if config.pdf else "")
    key_file = project.build_dir / str(year) / f"book{config.suffix}.key"
    if not config.force and index.is_file() and _same(key_file, key):
        inputs_file.write_text(inputs + "\n")
        print(f"Book for {year} is up to date ({time.perf_counter() - started:.1f} s).", file=out)
        return index
    manifest = BuildManifest(year, commit, outcomes, root=project.root)
    fill_about_page(source, manifest)
    # Sphinx: works in a persistent folder per edition so that it re-reads only changed pages; the result is
    # copied out and published atomically. A failed or forced build starts that folder afresh.
    previous_toc = work / "src" / "_toc.yml"
    toc_changed = previous_toc.is_file() and previous_toc.read_bytes() != (source / "_toc.yml").read_bytes()
    if config.force or toc_changed:  # a page that left the book must leave its HTML and search entries too
        shutil.rmtree(work, ignore_errors=True)
    gone = removed_extras(source, work / "src")  # a removed data file must leave the book too
    touch_root_page_if_assets_changed(work / "src", sync_tree(source, work / "src"))
    (work / SPHINX_RUNNING).touch()
    try:
        with phase("sphinx"):
            sphinx.start()
            built = sphinx.wait()
    except BaseException:  # a failed or interrupted Sphinx run leaves no half-updated work folder behind
        shutil.rmtree(work, ignore_errors=True)
        raise
    for rel in gone:
        (built / rel).unlink(missing_ok=True)
    (work / SPHINX_RUNNING).unlink()
    html = staging / "html"
    shutil.copytree(built, html, copy_function=shutil.copyfile)  # bytes only: times are not needed
    notebooks = {p.name: f"notebooks/{p.notebook.as_posix()}" for p in pages}
    add_to_download_menu(html, msg("book.notebook_source"), "rb-notebook-link", notebooks.get)  # for analysts
    root_redirect(html, config.lang, msg("book.title", year=year))
    if config.pdf:
        with phase("pdf"):
            make_pdf(config, work / "src", staging, html, printer)
    with phase("publish"):
        if config.lang == "en":  # the other languages' books live inside the English one: they stay as they are
            carry_other_languages(config.html_dir, html)
        write_edition_switchers(project.build_dir, year, config.lang, html)
        publish(html, config.html_dir)
        key_file.write_text(key + "\n")
        inputs_file.write_text(inputs + "\n")
    timing = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items())
    print(f"Built the {year} book in {time.perf_counter() - started:.1f} s ({timing}).", file=out)
    return index
