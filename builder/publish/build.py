"""``build()``: the one orchestrator. Read it top to bottom.

lock the output folder -> load everything -> check everything (refuse to publish on
any error) -> plan every output -> render HTML pages (strings, in memory) and PDFs
(laid out part by part, in a pool, reusing the cache) -> publish the whole edition at
once. Nothing is written before everything has rendered, so a failure or an
interruption leaves the previous edition untouched.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from builder import __version__
from builder.check.index import Index
from builder.check.rules import check_project
from builder.errors import CheckFailed, DossierError
from builder.publish.cache import Cache, cache_folder, fingerprint, salt
from builder.publish.edition import History, document_date, document_moment, history
from builder.publish.pdfs import PdfJob, PdfRun, render_pdfs
from builder.publish.theme import theme_assets, theme_paths, theme_setting
from builder.publish.workers import PartsFailed, default_jobs
from builder.publish.write import Published, edition_record, intact, locked, publish, recover
from builder.render.book import BookInfo, pdf_parts
from builder.render.html import DEFAULT_TEMPLATES, environment, site_pages
from builder.render.inputs import entity_inputs
from builder.source.load import Project, load_project

__all__ = ["DEFAULT_BOOK", "BuildOptions", "BuildReport", "Plan", "build", "plan", "render_pages"]

DEFAULT_BOOK = "briefing-book"
# (what, done, total): what was just finished
Progress = Callable[[str, int, int], None]


class SelectionError(DossierError):
    """--entity or --book names something that does not exist (a usage error)."""

    exit_code = 2


@dataclass(frozen=True)
class BuildOptions:
    """What to build, where, and with how many workers."""

    output: Path | None = None
    html: bool = True
    pdf: bool = True
    entities: frozenset[str] | None = None
    books: frozenset[str] | None = None
    page_size: Literal["A4", "letter"] = "A4"
    strict: bool = False
    jobs: int = 0  # 0: one worker per core
    keep_going: bool = False
    cache: bool = True
    cache_dir: Path | None = None
    scheduler: str | None = None
    time_limit: float = 300.0


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the summary line.

    ``diagnostics`` are check's problems (``path:line:col: …``), replayed from the
    edition record when nothing changed and so nothing was loaded; ``warnings`` are
    the build's own (WeasyPrint's).
    """

    diagnostics: tuple[str, ...]
    published: Published
    pdf: PdfRun
    seconds: float
    warnings: tuple[str, ...]
    output: Path
    skipped: bool = False  # True: inputs unchanged since the edition in place


@dataclass(frozen=True)
class Plan:
    """Every output of one build: HTML pages to render, PDFs to lay out."""

    pages: dict[str, Callable[[], str]] = field(default_factory=dict)
    pdfs: list[PdfJob] = field(default_factory=list)
    scope: tuple[str, ...] = ()  # the output paths (or prefixes) this build owns
    assets: tuple[tuple[str, bytes], ...] = ()  # the theme's files, overrides first
    # Entity pages: the files each is made from, and what all pages share besides
    # (see render_pages); other pages list the whole repository and always render.
    page_inputs: dict[str, frozenset[str]] = field(default_factory=dict)
    page_context: str = ""


def build(
    root: Path,
    options: BuildOptions,
    *,
    on_checked: Callable[[Sequence[str]], None] = lambda lines: None,
    progress: Progress = lambda what, done, total: None,
    on_notice: Callable[[str], None] = lambda message: None,
) -> BuildReport:
    """Check, render and publish a dossier repository.

    Raises:
        DossierError: on errors in the data, a failed document or an unwritable output.

    """
    started = time.perf_counter()
    folder = _output_folder(root, options.output)
    cache = Cache(cache_folder(root, options.cache_dir), options.cache, on_notice=on_notice)
    with locked(folder):
        try:
            recover(folder)  # finish or clear what an interrupted build left
        except OSError as error:
            raise DossierError(f"cannot recover {folder}: {error.strerror}") from None
        git = history(root)  # read once: the fingerprint and every stamp use it
        inputs, hashes = _fingerprint(root, options, git)
        record = edition_record(folder)
        if options.cache and record.get("inputs") == inputs and intact(folder, record):
            # Same inputs, same tool, same options: the edition in place is the answer.
            diagnostics = tuple(str(line) for line in record.get("diagnostics", []))
            on_checked(diagnostics)
            files = tuple(sorted(record["files"]))
            run = PdfRun(reused=[path for path in files if path.startswith("pdf/")])
            warnings = tuple(str(w) for w in record.get("warnings", []))
            seconds = time.perf_counter() - started
            return BuildReport(
                diagnostics, Published((), files, ()), run, seconds, warnings, folder, True
            )
        project = load_project(root)
        result = check_project(project)
        diagnostics = tuple(d.format() for d in (*result.errors, *result.warnings))
        on_checked(diagnostics)
        if result.errors or (options.strict and result.warnings):
            raise CheckFailed("build refused: fix the problems above (dossier check lists them)")
        _check_selection(result.index, options)
        work = plan(project, result.index, options, git)
        outputs = render_pages(work, cache, hashes)
        run = render_pdfs(
            work.pdfs,
            cache,
            salt=salt(__version__),
            assets=work.assets,
            files=hashes,
            workers=options.jobs or default_jobs(),
            scheduler=options.scheduler,
            keep_going=options.keep_going,
            time_limit=options.time_limit,
            on_progress=progress,
        )
        if run.failures:
            listed = "\n".join(f.message for f in run.failures)
            raise PartsFailed(
                f"{listed}\n{len(run.failures)} document(s) failed; nothing was published "
                f"(the {len(run.laid_out)} parts laid out are cached for the next build)"
            )
        warnings = tuple(sorted(set(run.warnings)))
        if options.strict and warnings:
            raise DossierError("build refused (--strict): " + "; ".join(warnings))
        outputs.update(run.outputs)
        facts = {"inputs": inputs, "diagnostics": list(diagnostics), "warnings": list(warnings)}
        published = publish(folder, outputs, work.scope, facts)
    seconds = time.perf_counter() - started
    return BuildReport(diagnostics, published, run, seconds, warnings, folder)


def render_pages(work: Plan, cache: Cache, files: Mapping[str, str]) -> dict[str, bytes]:
    """Every HTML page; an entity page whose input files are unchanged comes from the cache.

    Its key holds the page's path, the shared context (tool, settings, theme
    templates, the set of entity ids and of PDFs linked) and the sha256 of each file
    it is made from (:func:`~builder.render.inputs.entity_inputs`).
    """
    outputs: dict[str, bytes] = {}
    for path, render in work.pages.items():
        inputs = work.page_inputs.get(path)
        if inputs is None:
            outputs[path] = render().encode("utf-8")
            continue
        digest = hashlib.sha256(f"{work.page_context}\0{path}".encode())
        for name in sorted(inputs):
            digest.update(f"\0{name}\0{files.get(name, 'absent')}".encode())
        key = digest.hexdigest()
        cached = cache.get_page(key)
        if cached is None:
            cached = render().encode("utf-8")
            cache.put_page(key, cached)
        outputs[path] = cached
    return outputs


def _fingerprint(root: Path, options: BuildOptions, git: History) -> tuple[str, dict[str, str]]:
    """Everything the edition depends on, hashed before anything is loaded."""
    facts = [
        salt(__version__),
        git.stamp([*git.newest, *git.dirty]),  # the whole repository's edition
        os.environ.get("SOURCE_DATE_EPOCH", ""),
        repr((options.html, options.pdf, options.page_size, options.strict)),
        repr((sorted(options.entities or ()), sorted(options.books or ()))),
        repr((options.entities is None, options.books is None)),
    ]
    folders = [root / "dossiers", root / "seeds", DEFAULT_TEMPLATES]
    theme = theme_setting(root)
    if theme:
        folders.append(root / theme)
    digest, hashes = fingerprint(folders, [root / "dossier.yaml"], facts)
    relative = {
        path.relative_to(root).as_posix(): sha
        for path, sha in hashes.items()
        if path.is_relative_to(root)
    }
    return digest, relative


def _output_folder(root: Path, chosen: Path | None) -> Path:
    """The output folder; never the repository itself, its sources or a system folder."""
    folder = (chosen or root / "output").resolve()
    root = root.resolve()
    sources = [root / name for name in ("dossiers", "seeds", "templates", ".git")]
    if folder in (root, Path(folder.anchor)) or any(
        folder.is_relative_to(place) for place in sources
    ):
        raise SelectionError(
            f"--output {folder}: refusing to publish over the repository or its sources; "
            "choose an empty folder or one an earlier build wrote"
        )
    return folder


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


def plan(project: Project, index: Index, options: BuildOptions, git: History | None = None) -> Plan:
    """Every output of this build, in a stable order: HTML pages, then PDFs.

    ``git`` is the repository's history when the caller has read it already.
    """
    env = environment(project)
    git = git or history(project.root)
    books = books_of(project, index, "")
    wanted_entities = sorted(
        e for e in index.entities if options.entities is None or e in options.entities
    )
    partial = options.entities is not None or options.books is not None
    if options.entities is not None and options.books is None:
        books = []
    elif options.books is not None:
        books = [b for b in books if b.id in options.books]
        wanted_entities = [] if options.entities is None else wanted_entities
    pages: dict[str, Callable[[], str]] = {}
    page_inputs: dict[str, frozenset[str]] = {}
    assets = theme_assets(project)
    theme = [f"{path}\0{hashlib.sha256(data).hexdigest()}" for path, data in assets]
    pdfs: set[str] = set()
    if options.html:
        only = None if not partial else {*wanted_entities, *(b.id for b in books)}
        pdfs = {*wanted_entities, *(b.id for b in books)} if options.pdf else set()
        for name, render in site_pages(project, index, env, pdfs=pdfs, only=only).items():
            pages[f"html/{name}"] = render
            if name.removesuffix(".html") in index.entities:
                page_inputs[f"html/{name}"] = entity_inputs(index, name.removesuffix(".html"))
    page_context = hashlib.sha256()
    for piece in (
        __version__,
        project.settings.model.model_dump_json(),
        repr(sorted(index.entities)),
        repr(sorted(pdfs)),
        *theme,
    ):
        page_context.update(piece.encode("utf-8") + b"\0")
    jobs: list[PdfJob] = []
    if options.pdf:
        settings = project.settings.model
        # What every part shares besides its own input files (see PdfJob.context).
        shared = hashlib.sha256()
        for piece in (
            __version__,
            settings.model_dump_json(),
            options.page_size,
            repr(sorted(index.entities)),
            *theme,
        ):
            shared.update(piece.encode("utf-8") + b"\0")
        singles = [
            BookInfo(
                e,
                index.entities[e].model.name,
                f"{index.entities[e].model.kind.capitalize()} dossier",
                "All readers",
                settings.marking,
                settings.as_of,
                (e,),
                "",  # stamped below, from the files it is made from
            )
            for e in wanted_entities
        ]
        shared_inputs = {project.settings.path, *theme_paths(project)}
        for info in [*singles, *books]:
            inputs = set(shared_inputs)
            for entity_id in info.entities:
                inputs.update(entity_inputs(index, entity_id))
            if info.id in index.books:
                inputs.add(index.books[info.id].path)
            info = dataclasses.replace(info, edition=git.stamp(sorted(inputs)))
            parts = pdf_parts(
                project,
                index,
                env,
                info,
                page_size=options.page_size,
                created=document_date(info.as_of),
                split=info.id not in index.entities,  # books: a part per chapter
            )
            epoch = int(document_moment(info.as_of).timestamp())
            book = dataclasses.replace(info, edition="")  # the body never shows it
            context = hashlib.sha256(f"{shared.hexdigest()}\0{book!r}".encode()).hexdigest()
            jobs.append(PdfJob(f"pdf/{info.id}.pdf", parts, epoch, context))
    if partial:  # a partial build owns only what it makes; the rest stays as it was
        scope = tuple(sorted({*pages, *(job.output for job in jobs)}))
    else:
        scope = tuple(
            f"{tree}/" for tree, wanted in (("html", options.html), ("pdf", options.pdf)) if wanted
        )
    return Plan(pages, jobs, scope, assets, page_inputs, page_context.hexdigest())
