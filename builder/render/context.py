"""Template context: checked models -> view values for one medium.

Templates never compute. Everything they show (numbered notes, rendered
Markdown, display dates, who-says-what labels, sorted timelines, diagrams) is
prepared here as plain values and ``Markup``. The same builders serve both
media; a :class:`Citer` decides how a citation marker looks: a numbered link
to a note list on an HTML page, a ``float: footnote`` span in a PDF.

On the site a citation leads to its words in context and back: its note links
to the cited paragraph of the source page (``sources/<id>.html#p3``), where
the quoted words are marked as check verified them (:func:`quote_spans`), and
that paragraph links back to the marker, whose id is the citation's field path
in its profile (``cite-asim-malik.facts.rank.0.citations.0``): stable from one
build to the next, and the same whichever page a reader starts from.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from markupsafe import Markup, escape

from builder.check.index import Cited, Index
from builder.check.quotes import parse_locator
from builder.render import markdown
from builder.source.dates import parse_date
from builder.source.models import (
    Attributed,
    Citation,
    Claim,
    Source,
    Status,
)

__all__ = [
    "Citer",
    "FactRow",
    "Medium",
    "Note",
    "Resolver",
    "Who",
    "citation_anchors",
    "claim_anchor",
    "date_range",
    "display_date",
    "fact_row",
    "paragraph_anchor",
    "plain",
    "render_markdown",
    "sort_key",
]

Medium = Literal["html", "pdf"]
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def display_date(text: str | None) -> str:
    """``'~2024-09-30'`` -> ``'c. 30 Sep 2024'``; ``None`` -> ``'undated'``."""
    if not text:
        return "undated"
    parsed = parse_date(text)
    parts = text.lstrip("~").split("-")
    shown = parts[0]
    if len(parts) >= 2:
        shown = f"{_MONTHS[parsed.first.month - 1]} {shown}"
    if len(parts) == 3:
        shown = f"{parsed.first.day} {shown}"
    return f"c. {shown}" if parsed.approximate else shown


def date_range(start: str | None, end: str | None, date: str | None = None) -> str:
    """A compact period: ``'Sep 2024 –'``, ``'2015 – 2021'``, or a single date."""
    if date:
        return display_date(date)
    if start and end:
        return f"{display_date(start)} – {display_date(end)}"
    if start:
        return f"from {display_date(start)}"
    if end:
        return f"until {display_date(end)}"
    return ""


def sort_key(text: str | None) -> tuple[int, dt.date]:
    """Undated items sort last; partial dates by their first possible day."""
    return (1, dt.date.max) if not text else (0, parse_date(text).first)


@dataclass(frozen=True)
class Note:
    """One citation as a reader sees it."""

    number: int
    source_id: str
    source_label: str
    locator: str
    grade: str
    quote: str
    note: str | None
    source_href: str | None


def paragraph_anchor(locator: str) -> str:
    """``'¶3-4'`` -> ``'p3'``: the id of the first paragraph it names on its source page."""
    return f"p{parse_locator(locator)[0]}"


def claim_anchor(cited: Cited) -> str:
    """The id of a citation's marker on its profile's page: its field path there."""
    position = next(
        (i for i, c in enumerate(getattr(cited.item, "citations", ())) if c is cited.citation), 0
    )
    path = ".".join(map(str, (*cited.loc, "citations", position)))
    return f"cite-{cited.entity}.{path}"


def citation_anchors(index: Index) -> dict[int, str]:
    """Each citation of the repository (by identity) -> :func:`claim_anchor`, for a :class:`Citer`.

    By identity, not value: a profile may cite the same words twice, and each
    marker needs its own id.
    """
    return {
        id(cited.citation): claim_anchor(cited)
        for citations in index.citations.values()
        for cited in citations
    }


@dataclass
class Citer:
    """Numbers citations and renders their markers for one output document.

    ``anchors`` (:func:`citation_anchors`) gives each HTML marker the id a source
    page links back to; without it markers have none.
    """

    medium: Medium
    sources: dict[str, Source]
    source_href: Callable[[str], str | None]
    notes: list[Note] = field(default_factory=list)
    anchors: Mapping[int, str] = field(default_factory=dict)
    _placed: set[str] = field(default_factory=set, init=False, repr=False)  # ids given once

    def note(self, citation: Citation) -> Note:
        """Record a citation as the next numbered note."""
        source = self.sources[citation.source]
        href = self.source_href(source.id)
        if href and self.medium == "html":
            href = f"{href}#{paragraph_anchor(citation.locator)}"
        made = Note(
            number=len(self.notes) + 1,
            source_id=source.id,
            source_label=source.short_title or source.publisher or source.author or source.title,
            locator=citation.locator,
            grade=self.grade(citation),
            quote=citation.quote,
            note=citation.note,
            source_href=href,
        )
        self.notes.append(made)
        return made

    def grade(self, citation: Citation) -> str:
        """``'B2'``: the source's reliability and the citation's credibility."""
        return f"{self.sources[citation.source].reliability}{citation.credibility}"

    def marker(self, citation: Citation) -> Markup:
        """The in-text marker for one citation."""
        note = self.note(citation)
        label = f"{note.source_label}, {note.locator} [{note.grade}]"
        # Every argument escaped by hand: the same text Markup.format gives, but
        # its Python-level formatter was a tenth of a site's time (one per note).
        if self.medium == "pdf":
            extra = escape(f" ({note.note})" if note.note else "")
            return Markup(
                f'<span class="footnote"><span class="fn-source">{escape(label)}</span>: '
                f"“{escape(note.quote)}”{extra}</span>"
            )
        n = note.number
        title = escape(f"{label}: “{note.quote}”")
        anchor = self.anchors.get(id(citation))
        at = ""
        if anchor is not None and anchor not in self._placed:
            self._placed.add(anchor)
            at = f' id="{escape(anchor)}"'
        return Markup(
            f'<sup class="cite"{at}><a href="#note-{n}" id="ref-{n}" title="{title}">{n}</a></sup>'
        )

    def markers(self, citations: Sequence[Citation], skip: set[int] | None = None) -> Markup:
        """Markers for every citation not placed inline (1-based ``skip``)."""
        skip = skip or set()
        # A comma between markers, or "13 14" reads as "1314".
        return Markup('<span class="cite-sep">,</span>').join(
            self.marker(c) for i, c in enumerate(citations, start=1) if i not in skip
        )


@dataclass(frozen=True)
class Who:
    """Who makes a claim, linked when they have a profile."""

    name: str
    href: str | None


@dataclass(frozen=True)
class FactRow:
    """A fact, paragraph, event or link with its status and citations."""

    text: Markup
    status: str
    contested: bool
    who: Who | None
    when: str
    inference: str | None
    note: str | None
    cites: Markup
    grades: str


class Resolver:
    """Entity names and hrefs for one document."""

    def __init__(self, index: Index, href: Callable[[str], str | None]) -> None:
        self.index = index
        self.href = href

    def name(self, entity_id: str) -> str:
        """Display name of an entity (its id if unknown)."""
        entity = self.index.entities.get(entity_id)
        return entity.model.name if entity else entity_id

    def who(self, text: str | None) -> Who | None:
        """Who an ``attributed_to`` or ``by`` value names."""
        if not text:
            return None
        if _SLUG.match(text) and text in self.index.entities:
            return Who(self.name(text), self.href(text))
        return Who("the editor" if text == "editor" else text, None)


def render_markdown(
    text: str, citations: Sequence[Citation], citer: Citer, resolver: Resolver
) -> tuple[Markup, set[int]]:
    """Render Markdown, placing ``[^N]`` markers; return the indexes placed inline."""
    placed: set[int] = set()

    def cite(n: int) -> Markup:
        placed.add(n)
        return citer.marker(citations[n - 1])

    links = markdown.Links(entity_href=resolver.href, cite=cite)
    return markdown.render(text, links), placed


def fact_row(
    item: Attributed,
    text: Markup,
    citer: Citer,
    resolver: Resolver,
    *,
    when: str = "",
    cites: Markup | None = None,
) -> FactRow:
    """A display row for any attributed item.

    Citations become markers now, unless ``cites`` gives markers already made
    (some citations of a paragraph may have been placed inline).
    """
    if not when and isinstance(item, Claim):
        when = date_range(item.start, item.end, item.date)
    return FactRow(
        text=text,
        status=item.status.value,
        contested=item.status is not Status.reported,
        who=resolver.who(item.attributed_to),
        when=when,
        inference=item.inference,
        note=item.note,
        cites=citer.markers(item.citations) if cites is None else cites,
        grades=" ".join(citer.grade(c) for c in item.citations),
    )


def plain(text: str) -> Markup:
    """Escape plain text for a template slot that takes Markup."""
    return escape(text)
