"""PDF documents as HTML: a briefing book, or the dossier of one entity (a book of one).

Rendering returns the HTML strings WeasyPrint lays out; nothing here lays out or writes.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jinja2 import Environment
from markupsafe import Markup

from builder.check.index import Index
from builder.diff.since import Changes
from builder.render.context import Citer, Resolver
from builder.render.html import render_page
from builder.render.inputs import entity_inputs
from builder.render.sourcepage import sources_cited
from builder.render.templates import DEFAULT_TEMPLATES
from builder.render.views import GRADE_LEGEND, LIKELIHOOD_LEGEND, entity_view
from builder.source.load import Project

if TYPE_CHECKING:
    from builder.review.state import EntityReview

__all__ = [
    "SHORT_DOSSIER_PAGES",
    "BodyPart",
    "BookInfo",
    "Outline",
    "PdfParts",
    "Rendered",
    "marking_size",
    "pdf_parts",
]

# A single dossier whose body is this short needs no contents page: a reader sees it
# whole, and the PDF's bookmarks list its headings. A book always has one.
SHORT_DOSSIER_PAGES = 3

# The marking's face in the default print.css (Dossier Sans Bold, then Dossier Naskh
# Bold for Arabic script), its largest size, letter spacing (em) and the text width of
# the narrower page size (A4: 210mm less 2 x 18mm margins), in points.
_MARKING_FACES = ("NotoSans-Bold.ttf", "NotoNaskhArabic-Bold.ttf")
_MARKING_PT = 8.5
_MARKING_SPACING = 0.05
_TEXT_WIDTH_PT = 174 / 25.4 * 72


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
    changes_since: str | None = None  # the revision the book file names
    changes: Changes | None = None  # what changed since then: a section of the book


@dataclass(frozen=True)
class Outline:
    """What the contents and the appendix need of a chapter, without rendering it."""

    id: str
    name: str
    headings: tuple[tuple[str, str], ...]  # (title, anchor)
    sources: tuple[str, ...]  # ids of the sources it cites
    assessments: bool


@dataclass(frozen=True)
class Rendered:
    """One body part's HTML and its outline."""

    html: str
    outline: tuple[Outline, ...]


@dataclass(frozen=True)
class BodyPart:
    """A body part of a PDF: a book's chapter, or a single dossier's whole body.

    ``inputs`` are the repository files it is made from (besides settings, theme and
    book), so that a build can tell it is unchanged without calling ``render``;
    ``stamp`` what it shows of git (its edition, when its data last changed), which
    the files' bytes do not tell.
    """

    name: str
    entity: str
    inputs: frozenset[str]
    render: Callable[[], Rendered]
    stamp: str = ""


@dataclass(frozen=True)
class PdfParts:
    """How to write every part of one PDF.

    ``body`` parts and the ``cover`` are laid out first; ``appendix`` (books only)
    gets the outlines of the chapters; ``contents`` gets the outlines and the page
    number (as printed, body pages counting from 1) of every anchor. A body of fewer
    than ``contents_from`` pages gets no contents page.
    """

    body: tuple[BodyPart, ...]
    appendix: Callable[[Sequence[Outline]], str] | None
    cover: Callable[[Sequence[Outline]], str]
    contents: Callable[[Sequence[Outline], Mapping[str, int]], str]
    contents_from: int = 0


def pdf_parts(
    project: Project,
    index: Index,
    env: Environment,
    book: BookInfo,
    *,
    page_size: str,
    created: str,
    split: bool,
    stamp_of: Callable[[Iterable[str]], str] = lambda paths: "",
    changed: Mapping[str, str] | None = None,
    reviews: Mapping[str, EntityReview] | None = None,
) -> PdfParts:
    """The parts of one book or dossier: cover, contents, then chapters and appendix.

    With ``split`` each entity is a chapter of its own and the appendix another part
    (a book: one edited profile re-lays out one chapter); without, the body is one
    part (a single dossier: "Page N of M" over its whole body). Nothing is rendered
    until a part's ``render`` (or ``cover``, ``contents``, ``appendix``) is called.

    Each page's footer shows its part's edition: ``stamp_of`` the part's input files
    for a body part (so a commit re-lays out only the chapters that show what it
    changed), the whole document's ``book.edition`` for the contents and appendix.
    ``changed`` gives when each profile's data last changed; ``reviews`` each profile's
    second reading, shown in its chapter (its review file is an input of the chapter).
    """
    sources = {s.model.id: s.model for s in project.sources}
    members = frozenset(book.entities)

    def entity_href(entity_id: str) -> str | None:
        return f"#entity-{entity_id}" if entity_id in members else None

    def source_href(source_id: str) -> str:
        return f"#source-{source_id}"

    # The body's HTML shows no book-wide edition (its footers show the part's own):
    # a commit that changes one chapter's files re-lays out that chapter only.
    body_book = dataclasses.replace(book, edition="")

    def render(
        part: str,
        entities: Sequence[object],
        pages: Mapping[str, int],
        stamp: str = book.edition,
        **extra: Any,
    ) -> str:
        # Errors name the part as PDF failures do: "pdf/isi.pdf, cover".
        rendering = f"pdf/{book.id}.pdf"
        if part == "chapter":
            rendering += f", chapter {getattr(entities[0], 'id')}"  # noqa: B009
        elif part != "body":
            rendering += f", {part}"
        css = render_page(
            env,
            ["print.css"],
            rendering=rendering,
            marking=book.marking,
            page_size=page_size,
            title=book.title,
            part=part,
            stamp="" if part == "cover" else stamp,
            marking_size=marking_size(book.marking),
        )
        context: dict[str, Any] = {
            "sources": (),
            "uses_assessments": False,
            # Only the cover's metadata reaches the PDF; a chapter names only its
            # own entity, so that renaming one entity re-lays out one chapter.
            "keywords": ", ".join(str(getattr(e, "name")) for e in entities),  # noqa: B009
            **extra,
        }
        return render_page(
            env,
            [f"pdf-{book.id}.html", "pdf.html"],
            rendering=rendering,
            part=part,
            settings=project.settings.model,
            book=book if part == "cover" else body_book,
            entities=entities,
            css=Markup(css),
            created=created,
            grade_legend=GRADE_LEGEND,
            likelihood_legend=LIKELIHOOD_LEGEND,
            pages=pages,
            medium="pdf",
            **context,
        )

    def appendix_context(outlines: Sequence[Outline]) -> dict[str, Any]:
        cited = sorted({s for o in outlines for s in o.sources})
        resolver = Resolver(index, entity_href)
        return {
            "sources": sources_cited(cited, index, resolver, members),
            "uses_assessments": any(o.assessments for o in outlines),
            "entity_names": {e: index.entities[e].model.name for e in index.entities},
        }

    def body_part(entity_id: str) -> BodyPart:
        review = (reviews or {}).get(entity_id)
        files = {review.file.path} if review is not None and review.file is not None else set()
        inputs = entity_inputs(index, entity_id) | files
        stamp = stamp_of(inputs) if split else book.edition
        when = (changed or {}).get(entity_id, "")
        line = review.line() if review is not None else ""

        def make() -> Rendered:
            citer = Citer("pdf", sources, source_href)
            view = entity_view(entity_id, index, citer, Resolver(index, entity_href), when)
            view = dataclasses.replace(view, review=line)
            outline = Outline(
                view.id,
                view.name,
                view.headings,
                tuple(sorted({note.source_id for note in citer.notes})),
                bool(view.assessments),
            )
            if split:
                return Rendered(render("chapter", [view], {}, stamp), (outline,))
            html = render("body", [view], {}, stamp, **appendix_context([outline]))
            return Rendered(html, (outline,))

        name = f"pdf/{book.id}.pdf" + (f", chapter {entity_id}" if split else "")
        return BodyPart(name, entity_id, inputs, make, f"{stamp}\0{when}\0{line}")

    def cover(outlines: Sequence[Outline]) -> str:
        return render("cover", outlines, {})

    def contents(outlines: Sequence[Outline], pages: Mapping[str, int]) -> str:
        return render("contents", outlines, pages)

    def appendix(outlines: Sequence[Outline]) -> str:
        return render("appendix", outlines, {}, **appendix_context(outlines))

    return PdfParts(
        tuple(body_part(e) for e in book.entities),
        appendix if split else None,
        cover,
        contents,
        0 if split else SHORT_DOSSIER_PAGES + 1,
    )


def marking_size(marking: str) -> float:
    """The largest size (points, at most 8.5) at which ``marking`` fits one line of text width.

    Measured with the advance widths of the default theme's bold faces, letter spacing
    included; a character neither face has counts one em. Rounded down to a tenth of a
    point, less 2% for kerning and shaping, so that the marking never wraps.
    """
    widths = _advance_widths()
    ems = sum(next((w[ord(c)] for w in widths if ord(c) in w), 1.0) for c in marking)
    ems += _MARKING_SPACING * len(marking)
    fit = 0.98 * _TEXT_WIDTH_PT / ems if ems else _MARKING_PT
    return min(_MARKING_PT, math.floor(fit * 10) / 10)


@functools.cache
def _advance_widths() -> tuple[dict[int, float], ...]:
    """Code point -> advance width in em, for each of the marking's faces."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    faces = []
    for name in _MARKING_FACES:
        with TTFont(DEFAULT_TEMPLATES / "fonts" / name, lazy=True) as font:
            per_em = font["head"].unitsPerEm
            metrics = font["hmtx"]
            cmap = font.getBestCmap()
            faces.append({code: metrics[glyph][0] / per_em for code, glyph in cmap.items()})
    return tuple(faces)
