"""The ``resultsbook`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import BuildError, InputError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="resultsbook", description="Build and check the UN Mexico Results Book.")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="execute the notebooks for one edition and build its HTML book")
    b.add_argument("--year", help="edition to build (default: the latest folder in data/)")
    b.add_argument("--jobs", type=int, help="notebooks run in parallel (default: one more than the cores)")
    b.add_argument("--force", action="store_true", help="re-execute every notebook and rebuild the book")
    b.add_argument("--strict", action="store_true", help="treat every data gap and every validation warning as an error (exit 2)")
    b.add_argument("--no-progress", action="store_true", help="no progress bar")
    b.add_argument("--pdf", action="store_true", help="also the whole edition as one PDF, linked from every page")
    b.add_argument("--lang", default="all", help="the book's language: en (at _build/YEAR/html/), es (at "
                   "_build/YEAR/html/es/) or all (default: every language, English first)")

    p = sub.add_parser("preview", help="serve one edition's book on 127.0.0.1, rebuild it whenever a source changes "
                       "and reload the open page (Ctrl-C stops)")
    p.add_argument("--year", help="edition to serve (default: the latest folder in data/)")
    p.add_argument("--lang", default="en", help="the book's language: en (default) or es")
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000; 0: any free port)")
    p.add_argument("--jobs", type=int, help="notebooks run in parallel (default: one more than the cores)")

    n = sub.add_parser("new-year", help="start an edition: data/YEAR with every dataset's header and metadata")
    n.add_argument("year", help="the new edition's year")
    n.add_argument("--from", dest="source", help="edition to copy the structure from (default: the latest)")

    g = sub.add_parser("gaps", help="list every gap of an edition, one per line: page, then what is missing")
    g.add_argument("--year", help="edition to check (default: the latest)")
    g.add_argument("--jobs", type=int, help="notebooks run in parallel (default: one more than the cores)")
    g.add_argument("--lang", default="en", help="the book whose gaps to list: en (default) or es (which also "
                   "lists text from data not yet written in Spanish)")

    c = sub.add_parser("lang-check", help="check the notebooks' bilingual prose: each cell tagged, each English "
                       "cell with its Spanish twin, the same glue keys and headings, no English left in Spanish")
    c.add_argument("notebooks", nargs="*", type=Path, help="notebooks to check (default: every one under book/)")

    w = sub.add_parser("workbook", help="write one spreadsheet of an edition's data: a sheet per dataset, drop-down "
                       "lists, keys and labels prefilled from the fullest earlier edition")
    w.add_argument("year", help="the edition (its data/YEAR folder must exist: see new-year)")
    w.add_argument("--out", type=Path, help="the .xlsx file to write (default: data-YEAR.xlsx here)")

    i = sub.add_parser("import", help="turn a filled workbook into the edition's CSVs: checked whole first, "
                       "written only when valid")
    i.add_argument("year", help="the edition the workbook fills")
    i.add_argument("workbook", type=Path, help="the .xlsx file written by `resultsbook workbook`")

    u = sub.add_parser("unpublish", help="take an edition's published book off _build/ (its data stays); the other "
                       "editions' switchers and home pages stop listing it")
    u.add_argument("year", help="the edition to take off")

    v = sub.add_parser("validate", help="check one edition's data against its schemas")
    v.add_argument("--year", help="edition to check (default: the latest)")
    v.add_argument("--strict", action="store_true", help="treat every warning (a value near a known one, most "
                   "likely a typo) as an error (exit 2)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from .project import find_root

    try:
        root = find_root(Path.cwd())
        if args.command == "build":
            from .build import BuildConfig, build

            from .i18n import LOCALES

            languages = list(LOCALES) if args.lang == "all" else [args.lang]
            configs = [BuildConfig.create(root, args.year, args.jobs, args.force, args.strict,
                                          progress=not args.no_progress, pdf=args.pdf, lang=lang)
                       for lang in languages]  # every argument checked before anything runs
            for config in configs:
                index = build(config)
                print(f"Book ({config.lang}): {index}")
        elif args.command == "preview":
            from .build import BuildConfig
            from .preview import serve

            serve(BuildConfig.create(root, args.year, args.jobs, progress=False, lang=args.lang), args.port, sys.stdout)
        elif args.command == "new-year":
            from .newyear import new_year, no_cycle_warning
            from .project import Project, parse_year

            project, year = Project(root), parse_year(args.year)
            target = new_year(project, year, parse_year(args.source) if args.source else None)
            print(f"Created {target} (fill it using {target / 'CHECKLIST.md'})")
            if project.framework_dir(year) is None:
                print(f"warning: {no_cycle_warning(project, year)}", file=sys.stderr)
        elif args.command == "gaps":
            from .build import BuildConfig, edition_ledger

            config = BuildConfig.create(root, args.year, args.jobs, progress=False, lang=args.lang)
            lines = edition_ledger(config, out=sys.stderr)  # the execution summary is not part of the list
            print("\n".join(lines)) if lines else print(f"no gaps in the {config.year} edition", file=sys.stderr)
        elif args.command == "validate":
            from .project import Project, resolve_year
            from .validate import validate_edition

            project = Project(root)
            year = resolve_year(project, args.year)
            warnings: list[str] = []
            try:
                count = validate_edition(project, year, warnings=warnings, strict=args.strict)
            finally:  # said beside the errors too: a typo may explain one
                for line in warnings:
                    print(f"warning: {line}", file=sys.stderr)
            print(f"data/{year}: {count} datasets valid" + (f", {len(warnings)} warning(s)" if warnings else ""))
        elif args.command in ("workbook", "import"):
            from .project import Project, resolve_year
            from .workbook import import_workbook, write_workbook

            project = Project(root)
            year = resolve_year(project, args.year)
            if args.command == "workbook":
                out = write_workbook(project, year, args.out or Path(f"data-{year}.xlsx"))
                print(f"Wrote {out} (fill it, then: resultsbook import {year} {out})")
            else:
                written, left = import_workbook(project, year, args.workbook)
                print(f"data/{year}: valid; " + (f"wrote {', '.join(written)}" if written else "no CSV changed"))
                for name, count in sorted(left.items()):
                    print(f"sheet '{name}': {count} prefilled row(s) left unfilled, not imported (their figures "
                          "stay missing)", file=sys.stderr)
        elif args.command == "unpublish":
            from .project import Project, parse_year
            from .publish import unpublish

            year = parse_year(args.year)
            if not unpublish(Project(root).build_dir, year):
                raise InputError(f"_build/{year}/html: no published book of the {year} edition; nothing to take off")
            print(f"Took the {year} edition off _build/; the other published editions no longer list it")
        elif args.command == "lang-check":
            from .langcheck import project_problems

            missing = [str(p) for p in args.notebooks if not p.is_file()]
            if missing:
                raise InputError(f"no such notebook: {', '.join(missing)}")
            count, problems = project_problems(root, args.notebooks)
            if problems:
                raise InputError(f"{len(problems)} problem(s) in the notebooks' bilingual prose", problems)
            print(f"{count} notebook(s): every prose cell has its twin in each language")
        return 0
    except InputError as exc:
        print(exc.report(), file=sys.stderr)
        return exc.exit_code
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # the environment, not the input: a read-only folder, a full disk
        where = exc.filename or "the project"
        print(f"error: {where}: {exc.strerror or exc}; the previous book is unchanged", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: the previous book is unchanged", file=sys.stderr)
        return 130


def run() -> None:
    """The ``resultsbook`` command (``main`` is for callers in the same process, such as the tests)."""
    sys.exit(main())


if __name__ == "__main__":
    run()
