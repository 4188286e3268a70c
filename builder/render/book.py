"""PDF documents as HTML: a briefing book, or the dossier of one entity (a book of one).

Rendering returns the HTML strings WeasyPrint lays out; nothing here lays out or writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from jinja2 import Environment
from markupsafe import Markup

from builder.check.index import Index
from builder.render.context import Citer, Resolver
from builder.render.html import render_page
from builder.render.views import (
    GRADE_LEGEND,
    LIKELIHOOD_LEGEND,
    EntityView,
    entity_view,
    sources_cited,
)
from builder.source.load import Project

__all__ = ["BookInfo", "PdfParts", "pdf_parts"]


@dataclass(frozen=True)
class BookInfo:
    """What the cover of a PDF shows; a single-entity dossier is a book of one."""

    id: str
    title: str
    subtitle: str | None
    audience: str
    marking: str
    as_of: str
    entities: tuple[str, ...]
    edition: str


@dataclass(frozen=True)
class PdfParts:
    """The HTML of every part of one PDF, and how to write its front matter.

    ``body`` is laid out first, part by part; ``front(pages)`` then gets the page
    number (as printed, body pages counting from 1) of every anchor, for the contents.
    """

    body: tuple[tuple[str, str], ...]  # (part name, HTML)
    front: Callable[[Mapping[str, int]], str]


def pdf_parts(
    project: Project,
    index: Index,
    env: Environment,
    book: BookInfo,
    *,
    page_size: str,
    created: str,
    split: bool,
) -> PdfParts:
    """The parts of one book or dossier: front matter, then chapters and appendix.

    With ``split`` each entity is a chapter of its own and the appendix another part
    (a book: one edited profile re-lays out one chapter); without, the body is one
    part (a single dossier: "Page N of M" over its whole body).
    """
    sources = {s.model.id: s.model for s in project.sources}

    members = frozenset(book.entities)

    def entity_href(entity_id: str) -> str | None:
        return f"#entity-{entity_id}" if entity_id in members else None

    def source_href(source_id: str) -> str:
        return f"#source-{source_id}"

    citer = Citer("pdf", sources, source_href)
    resolver = Resolver(index, entity_href)
    views = [entity_view(e, index, citer, resolver) for e in book.entities]
    cited = sources_cited(citer, index, Resolver(index, entity_href), members)

    def render(part: str, entities: list[EntityView], pages: Mapping[str, int]) -> str:
        css = env.get_template("print.css").render(
            marking=book.marking, page_size=page_size, title=book.title, part=part
        )
        return render_page(
            env,
            [f"pdf-{book.id}.html", "pdf.html"],
            part=part,
            settings=project.settings.model,
            book=book,
            entities=entities,
            sources=cited,
            css=Markup(css),
            created=created,
            # Only the front part's metadata reaches the PDF; a chapter's names only its
            # own entity, so that renaming one entity re-lays out one chapter.
            keywords=", ".join(v.name for v in (views if part == "front" else entities)),
            grade_legend=GRADE_LEGEND,
            likelihood_legend=LIKELIHOOD_LEGEND,
            uses_assessments=any(v.assessments for v in entities),
            pages=pages,
            medium="pdf",
        )

    if split:
        name = f"pdf/{book.id}.pdf"
        body = [(f"{name}, chapter {view.id}", render("chapter", [view], {})) for view in views]
        body.append((f"{name}, appendix", render("appendix", views, {})))
    else:
        body = [(f"pdf/{book.id}.pdf", render("body", views, {}))]
    return PdfParts(tuple(body), lambda pages: render("front", views, pages))
