"""``build()``: the one orchestrator. Read it top to bottom.

load everything -> check everything (refuse to publish on any error) -> plan
one job per output file, each with its declared inputs -> render every job to
a string or bytes -> write them all atomically. Nothing is written before
everything has rendered, so a failure leaves the previous outputs untouched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from jinja2 import Environment

from builder.check.index import Index
from builder.check.rules import CheckResult, check_project
from builder.errors import CheckFailed, DossierError
from builder.publish.edition import document_date, document_moment, edition
from builder.publish.write import write_files
from builder.render.book import BookInfo, pdf_document
from builder.render.html import DEFAULT_TEMPLATES, environment, site_pages
from builder.render.pdf import render_pdf
from builder.source.load import Project, load_project

__all__ = ["DEFAULT_BOOK", "BuildOptions", "BuildReport", "Job", "build", "plan"]

DEFAULT_BOOK = "briefing-book"
Progress = Callable[[list["Job"]], Iterable["Job"]]


class SelectionError(DossierError):
    """--entity or --book names something that does not exist (a usage error)."""

    exit_code = 2


@dataclass(frozen=True)
class Job:
    """One output file: where it goes, what it is made from, how to make it."""

    output: str
    inputs: tuple[str, ...]
    render: Callable[[], str | bytes]


@dataclass(frozen=True)
class BuildOptions:
    """What to build and where."""

    output: Path | None = None
    html: bool = True
    pdf: bool = True
    entities: frozenset[str] | None = None
    books: frozenset[str] | None = None
    page_size: Literal["A4", "letter"] = "A4"
    strict: bool = False


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the one-line summary."""

    check: CheckResult
    written: tuple[Path, ...]
    seconds: float
    warnings: tuple[str, ...]
    output: Path


def build(
    root: Path,
    options: BuildOptions,
    *,
    on_checked: Callable[[CheckResult], None] = lambda result: None,
    progress: Progress = lambda jobs: jobs,
) -> BuildReport:
    """Check, render and write a dossier repository."""
    started = time.perf_counter()
    project = load_project(root)
    result = check_project(project)
    on_checked(result)
    if result.errors or (options.strict and result.warnings):
        raise CheckFailed("build refused: fix the problems above (dossier check lists them)")
    _check_selection(result.index, options)
    warnings: list[str] = []
    outputs: dict[str, str | bytes] = {}
    for job in progress(plan(project, result.index, options, warnings)):
        outputs[job.output] = job.render()
    if options.strict and warnings:
        raise DossierError("build refused (--strict): " + "; ".join(warnings))
    folder = options.output or root / "output"
    written = write_files(folder, outputs)
    return BuildReport(
        result, tuple(written), time.perf_counter() - started, tuple(warnings), folder
    )


def _check_selection(index: Index, options: BuildOptions) -> None:
    books = set(index.books) or {DEFAULT_BOOK}
    for kind, chosen, known in (
        ("entity", options.entities, index.entities),
        ("book", options.books, books),
    ):
        for name in sorted(chosen or ()):
            if name not in known:
                raise SelectionError(f"no {kind} '{name}' in this repository")


def books_of(project: Project, index: Index, root_edition: str) -> list[BookInfo]:
    """Book files, or one default book with every entity when there are none."""
    settings = project.settings.model
    if not project.books:
        ordered = sorted(
            index.entities,
            key=lambda e: (index.entities[e].model.kind, index.entities[e].model.name),
        )
        return [
            BookInfo(
                DEFAULT_BOOK,
                settings.title,
                None,
                "All readers",
                settings.marking,
                settings.as_of,
                tuple(ordered),
                root_edition,
            )
        ]
    return [
        BookInfo(
            b.model.id,
            b.model.title,
            b.model.subtitle,
            b.model.audience,
            b.model.marking or settings.marking,
            b.model.as_of or settings.as_of,
            b.model.entities,
            root_edition,
        )
        for b in project.books
    ]


def plan(project: Project, index: Index, options: BuildOptions, warnings: list[str]) -> list[Job]:
    """Every job of this build, in a stable order: HTML pages, then PDFs."""
    env = environment(project)
    stamp = edition(project.root)
    books = books_of(project, index, stamp)
    wanted_entities = sorted(
        e for e in index.entities if options.entities is None or e in options.entities
    )
    if options.entities is not None and options.books is None:
        books = []
    elif options.books is not None:
        books = [b for b in books if b.id in options.books]
        wanted_entities = [] if options.entities is None else wanted_entities
    templates = tuple(sorted(_template_inputs(project)))
    jobs: list[Job] = []
    if options.html:
        only = (
            None
            if options.entities is None and options.books is None
            else {*wanted_entities, *(b.id for b in books)}
        )
        pdfs = {*wanted_entities, *(b.id for b in books)} if options.pdf else set()
        for name, render in site_pages(project, index, env, pdfs=pdfs, only=only).items():
            jobs.append(Job(f"html/{name}", _inputs(project, index, name) + templates, render))
    if options.pdf:
        settings = project.settings.model
        singles = [
            BookInfo(
                e,
                index.entities[e].model.name,
                f"{index.entities[e].model.kind.capitalize()} dossier",
                "All readers",
                settings.marking,
                settings.as_of,
                (e,),
                stamp,
            )
            for e in wanted_entities
        ]
        for info in [*singles, *books]:
            inputs = (
                tuple(
                    sorted({p for e in info.entities for p in _inputs(project, index, f"{e}.html")})
                )
                + templates
            )
            jobs.append(
                Job(
                    f"pdf/{info.id}.pdf",
                    inputs,
                    _pdf_job(project, index, env, info, options, warnings),
                )
            )
    return jobs


def _pdf_job(
    project: Project,
    index: Index,
    env: Environment,
    info: BookInfo,
    options: BuildOptions,
    warnings: list[str],
) -> Callable[[], bytes]:
    def render() -> bytes:

        def make_html(pages: dict[str, int]) -> str:
            return pdf_document(
                project,
                index,
                env,
                info,
                page_size=options.page_size,
                created=document_date(info.as_of),
                pages=pages,
            )

        epoch = int(document_moment(info.as_of).timestamp())
        data, logged = render_pdf(f"pdf/{info.id}.pdf", make_html, _asset_folders(project), epoch)
        warnings.extend(logged)
        return data

    return render


def _asset_folders(project: Project) -> list[Path]:
    folders = [DEFAULT_TEMPLATES]
    if project.settings.model.templates:
        folders.insert(0, project.root / project.settings.model.templates)
    return folders


def _template_inputs(project: Project) -> Iterator[str]:
    for folder in _asset_folders(project):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                yield path.as_posix()


def _inputs(project: Project, index: Index, page: str) -> tuple[str, ...]:
    """Files a page is made from: its profile, linked profiles and cited sources."""
    entity_id = page.removesuffix(".html")
    if entity_id not in index.entities:
        return (project.settings.path,)
    paths = {index.entities[entity_id].path, project.settings.path}
    for link in index.links.get(entity_id, []):
        paths.add(index.entities[link.other].path)
    for source_id, citing in index.cited_by.items():
        if entity_id in citing and source_id in index.sources:
            paths.add(index.sources[source_id].path)
    return tuple(sorted(paths))
