"""``plan()``: every output of one build, as functions that render it, in a stable order.

HTML pages and PDF jobs, each with what it is made from (its input files, its
edition stamp and, for profiles, the commit that last changed their data) so that
the renderers can tell from keys alone what is unchanged.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from builder import __version__
from builder.check.index import Index
from builder.diff.since import Changes
from builder.publish.archival import pdf_meta
from builder.publish.edition import (
    History,
    canonical_model,
    data_changes,
    document_date,
    document_moment,
    history,
)
from builder.publish.manifest import versions
from builder.publish.pdfs import PdfJob
from builder.publish.theme import site_files, theme_assets, theme_paths
from builder.render.book import BookInfo, pdf_parts
from builder.render.html import environment, site_pages
from builder.render.inputs import entity_inputs
from builder.review.state import review_states
from builder.source.load import Project

if TYPE_CHECKING:
    from builder.publish.build import BuildOptions

__all__ = ["DEFAULT_BOOK", "Plan", "books_of", "plan"]

DEFAULT_BOOK = "briefing-book"


@dataclass(frozen=True)
class Plan:
    """Every output of one build: HTML pages to render, PDFs to lay out."""

    pages: dict[str, Callable[[], str | bytes]] = field(default_factory=dict)
    pdfs: list[PdfJob] = field(default_factory=list)
    scope: tuple[str, ...] = ()  # the output paths (or prefixes) this build owns
    assets: tuple[tuple[str, bytes], ...] = ()  # the theme's files, overrides first
    # Entity pages: the files each is made from, and what all pages share besides
    # (see render_pages); other pages list the whole repository and always render.
    page_inputs: dict[str, frozenset[str]] = field(default_factory=dict)
    page_context: str = ""
    page_stamps: dict[str, str] = field(default_factory=dict)  # what git adds to each key
    edition: str = ""  # the edition's own commit (History.edition)
    output_inputs: dict[str, frozenset[str]] = field(default_factory=dict)  # for the manifest


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
            b.model.changes_since,
        )
        for b in project.books
    ]


def plan(
    project: Project,
    index: Index,
    options: BuildOptions,
    git: History | None = None,
    changes: Mapping[str, Changes] | None = None,
) -> Plan:
    """Every output of this build, in a stable order: HTML pages, then PDFs.

    ``git`` is the repository's history when the caller has read it already (for
    ``build --at``, that of the revision the project's files were copied from);
    ``changes`` the changes since each revision a book or ``--changes-since`` names.
    """
    changes = changes or {}
    env = environment(project)
    git = git or history(project.root)
    books = [
        dataclasses.replace(b, changes=changes.get(b.changes_since or options.changes_since or ""))
        for b in books_of(project, index, "")
    ]
    wanted_entities = sorted(
        e for e in index.entities if options.entities is None or e in options.entities
    )
    partial = options.entities is not None or options.books is not None
    if options.entities is not None and options.books is None:
        books = []
    elif options.books is not None:
        books = [b for b in books if b.id in options.books]
        wanted_entities = [] if options.entities is None else wanted_entities
    pages: dict[str, Callable[[], str | bytes]] = {}
    page_inputs: dict[str, frozenset[str]] = {}
    assets = theme_assets(project)
    theme = [f"{path}\0{hashlib.sha256(data).hexdigest()}" for path, data in assets]
    shared_inputs = {project.settings.path, *theme_paths(project)}
    everything = frozenset(
        {
            *shared_inputs,
            *(e.path for e in project.entities),
            *(s.path for s in project.sources),
            *(a.path for a in project.archives.values()),
            *(b.path for b in project.books),
        }
    )
    changed = data_changes(
        git, {e.model.id: (e.path, canonical_model(e.model)) for e in project.entities}
    )
    # Each profile's second reading: a line on its page and chapter, from its review file.
    reviews = review_states(project, index, git)
    review_files = {e: {r.file.path} for e, r in reviews.items() if r.file is not None}

    def stamp_of(paths: Iterable[str]) -> str:
        return git.stamp(sorted({*paths, *shared_inputs}))

    page_stamps: dict[str, str] = {}  # what git adds to an entity page's cache key
    output_inputs: dict[str, frozenset[str]] = {}
    # An entity page shows the stamp of its own files; the others list everything
    # and name the edition's own commit. Pages render lazily, after this loop.
    editions: dict[str, str] = {}

    def page_edition(name: str) -> str:
        return editions.get(name) or git.edition()

    pdfs: set[str] = set()
    if options.html:
        only = None if not partial else {*wanted_entities, *(b.id for b in books)}
        pdfs = {*wanted_entities, *(b.id for b in books)} if options.pdf else set()
        site = site_pages(
            project,
            index,
            env,
            pdfs=pdfs,
            only=only,
            edition=page_edition,
            changed=changed,
            changes=changes.get(options.changes_since or ""),
            reviews=reviews,
        )
        for name, render in site.items():
            pages[f"html/{name}"] = render
            entity = name.removesuffix(".html")
            if entity in index.entities:
                files = entity_inputs(index, entity) | review_files.get(entity, set())
                page_inputs[f"html/{name}"] = files
                editions[name] = stamp_of(files)
                page_stamps[f"html/{name}"] = (
                    f"{editions[name]}\0{changed.get(entity, '')}\0{reviews[entity].line()}"
                )
                output_inputs[f"html/{name}"] = frozenset({*files, *shared_inputs})
            else:
                output_inputs[f"html/{name}"] = everything
        for name, data in site_files(assets).items():  # fonts: bytes, copied as they are
            pages[f"html/{name}"] = functools.partial(bytes, data)
            output_inputs[f"html/{name}"] = frozenset(shared_inputs)
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
        tools = versions(__version__)
        for info in [*singles, *books]:
            inputs = set(shared_inputs)
            for entity_id in info.entities:
                inputs.update(entity_inputs(index, entity_id), review_files.get(entity_id, ()))
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
                stamp_of=stamp_of,
                changed=changed,
                reviews=reviews,
            )
            epoch = int(document_moment(info.as_of).timestamp())
            book = dataclasses.replace(info, edition="")  # the body never shows it
            context = hashlib.sha256(f"{shared.hexdigest()}\0{book!r}".encode()).hexdigest()
            meta = pdf_meta(
                project.root,
                info,
                output=f"pdf/{info.id}.pdf",
                author=settings.title,
                keywords=", ".join(index.entities[e].model.name for e in info.entities),
                moment=document_moment(info.as_of).isoformat(),
                inputs=inputs,
                tools=tools,
            )
            jobs.append(PdfJob(f"pdf/{info.id}.pdf", parts, epoch, context, meta))
            output_inputs[f"pdf/{info.id}.pdf"] = frozenset(inputs)
    if partial:  # a partial build owns only what it makes; the rest stays as it was
        scope = tuple(sorted({*pages, *(job.output for job in jobs)}))
    else:
        scope = tuple(
            f"{tree}/" for tree, wanted in (("html", options.html), ("pdf", options.pdf)) if wanted
        )
    return Plan(
        pages,
        jobs,
        scope,
        assets,
        page_inputs,
        page_context.hexdigest(),
        page_stamps,
        git.edition(),
        output_inputs,
    )
