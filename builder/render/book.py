"""PDF documents as HTML: a briefing book, or the dossier of one entity (a book of one).

Rendering returns the HTML strings WeasyPrint lays out; nothing here lays out or writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment
from markupsafe import Markup

from builder.check.index import Index
from builder.render.context import Citer, Resolver
from builder.render.html import render_page
from builder.render.views import GRADE_LEGEND, LIKELIHOOD_LEGEND, entity_view, sources_cited
from builder.source.load import Project

__all__ = ["BookInfo", "pdf_document"]


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


def pdf_document(
    project: Project,
    index: Index,
    env: Environment,
    book: BookInfo,
    *,
    page_size: str,
    created: str,
    pages: dict[str, int],
) -> str:
    """The HTML that WeasyPrint lays out for one book or dossier.

    ``pages`` maps anchors to the pages they landed on in the previous layout,
    for the table of contents (empty on the first layout).
    """
    sources = {s.model.id: s.model for s in project.sources}

    def entity_href(entity_id: str) -> str | None:
        return f"#entity-{entity_id}" if entity_id in book.entities else None

    def source_href(source_id: str) -> str:
        return f"#source-{source_id}"

    citer = Citer("pdf", sources, source_href)
    resolver = Resolver(index, entity_href)
    views = [entity_view(e, index, citer, resolver) for e in book.entities]
    css = env.get_template("print.css").render(
        marking=book.marking, page_size=page_size, title=book.title
    )
    return render_page(
        env,
        [f"pdf-{book.id}.html", "pdf.html"],
        settings=project.settings.model,
        book=book,
        entities=views,
        sources=sources_cited(citer, index, Resolver(index, entity_href)),
        css=Markup(css),
        created=created,
        keywords=", ".join(v.name for v in views),
        grade_legend=GRADE_LEGEND,
        likelihood_legend=LIKELIHOOD_LEGEND,
        uses_assessments=any(v.assessments for v in views),
        pages=pages,
        medium="pdf",
    )
