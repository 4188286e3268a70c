"""The source page's view: its metadata, who cites it, and its archived text in context.

Each paragraph of the archived text is shown with its ``¶N`` anchor (only the
cited ones when the source's metadata says ``republish: false``); the words a
citation quotes are marked where :func:`~builder.check.quotes.quote_spans` finds
them, which is exactly what ``check`` verified, and each cited paragraph links
back to the marker of every claim citing it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from builder.check.index import Cited, Index
from builder.check.quotes import SourceText, parse_locator
from builder.check.spans import mark_pieces, quote_spans
from builder.render.context import Resolver, Who, claim_anchor, display_date, paragraph_anchor
from builder.source.models import Alias, Assessment, Claim, Event, Paragraph, Relationship, Source

__all__ = [
    "BackLink",
    "SourceView",
    "TextParagraph",
    "item_label",
    "source_view",
    "sources_cited",
]


@dataclass(frozen=True)
class BackLink:
    """A way back from a cited paragraph to the marker of a claim citing it."""

    label: str
    href: str


@dataclass(frozen=True)
class TextParagraph:
    """One paragraph of an archived text, cut into (words, quoted) pieces."""

    number: int
    id: str
    pieces: tuple[tuple[str, bool], ...]
    backs: tuple[BackLink, ...]


@dataclass(frozen=True)
class SourceView:
    """A source for the appendix and source pages (its text on source pages only)."""

    id: str
    title: str
    author: str
    publisher: str
    published: str
    published_note: str | None
    url: str | None
    retrieved: str
    file: str
    sha256: str
    language: str
    kind: str
    reliability: str
    reliability_reason: str
    notes: tuple[str, ...]
    cited_by: tuple[Who, ...]
    republish: bool = True
    paragraphs: tuple[TextParagraph, ...] = ()
    text_note: str = ""  # what part of the text is shown ("" when none is)
    anchors: dict[str, str] = field(default_factory=dict)  # locator -> "#p3"


def source_view(
    source: Source, resolver: Resolver, cited_by: set[str], text: str | None = None
) -> SourceView:
    """Everything the appendix shows about one source; with ``text``, its page's text too.

    The archived ``text`` is shown paragraph by paragraph, the words each citation
    quotes marked, or only the cited paragraphs when the source may not be
    republished.
    """
    view = SourceView(
        id=source.id,
        title=source.title,
        author=source.author or "unnamed",
        publisher=source.publisher or "unnamed outlet",
        published=display_date(source.published) if source.published else "unknown",
        published_note=source.published_note,
        url=source.url,
        retrieved=display_date(source.retrieved),
        file=f"seeds/{source.file}",
        sha256=source.sha256,
        language=source.language,
        kind=source.kind.value,
        reliability=source.reliability,
        reliability_reason=source.reliability_reason,
        notes=source.notes,
        # By name, then id: ``cited_by`` is a set, and two profiles may share a
        # name; without the id their order would follow string hashing per run.
        cited_by=tuple(
            Who(resolver.name(e), resolver.href(e))
            for e in sorted(cited_by, key=lambda e: (resolver.name(e), e))
        ),
        republish=source.republish,
    )
    if text is None:
        return view
    cited = resolver.index.citations.get(source.id, [])
    archived = SourceText(source.id, text)
    paragraphs = _text_paragraphs(archived, cited, resolver, source.republish)
    return dataclasses.replace(
        view,
        paragraphs=paragraphs,
        text_note=_text_note(len(paragraphs), len(archived.paragraphs), source.republish),
        anchors={c.citation.locator: f"#{paragraph_anchor(c.citation.locator)}" for c in cited},
    )


def _text_paragraphs(
    text: SourceText, cited: Sequence[Cited], resolver: Resolver, republish: bool
) -> tuple[TextParagraph, ...]:
    """The paragraphs shown: all of them, or those a citation names when not ``republish``."""
    count = len(text.paragraphs)
    marks: dict[int, list[tuple[int, int]]] = {}
    backs: dict[int, list[BackLink]] = {}
    named: set[int] = set()
    for c in cited:
        first, last = parse_locator(c.citation.locator)
        if not 1 <= first <= last <= count:
            continue  # check has reported it
        named.update(range(first, last + 1))
        for span in quote_spans(text, c.citation.quote, c.citation.locator) or ():
            marks.setdefault(span.number, []).append((span.start, span.end))
        href = resolver.href(c.entity)
        if href is not None:
            label = f"{resolver.name(c.entity)}: {item_label(c, resolver)}"
            backs.setdefault(first, []).append(BackLink(label, f"{href}#{claim_anchor(c)}"))
    return tuple(
        TextParagraph(
            number,
            f"p{number}",
            mark_pieces(text.paragraphs[number - 1].text, marks.get(number, [])),
            tuple(backs.get(number, ())),
        )
        for number in range(1, count + 1)
        if republish or number in named
    )


def _text_note(shown: int, total: int, republish: bool) -> str:
    """One sentence on how much of the archived text the page shows."""
    if republish:
        return f"The archived text in full, {total} paragraph{'s' * (total != 1)}."
    return (
        "The terms of this text do not allow republishing it: only the "
        f"{shown} cited paragraph{'s' * (shown != 1)} of {total} "
        f"{'is' if shown == 1 else 'are'} shown."
    )


def _clip(text: str, width: int = 70) -> str:
    words = " ".join(text.split())
    return words if len(words) <= width else words[: width - 1].rstrip() + "…"


def item_label(cited: Cited, resolver: Resolver) -> str:
    """A short name for the item a citation supports: 'rank: Lieutenant General'."""
    item, loc = cited.item, cited.loc
    if isinstance(item, Claim) and len(loc) >= 2:
        return _clip(f"{str(loc[-2]).replace('_', ' ')}: {item.value}")
    if isinstance(item, Paragraph) and len(loc) >= 4:
        section = resolver.index.entities[cited.entity].model.narrative[int(loc[1])]
        which = f", paragraph {int(loc[3]) + 1}" if len(section.paragraphs) > 1 else ""
        return _clip(f"narrative, {section.title}{which}")
    if isinstance(item, Relationship):
        return _clip(f"{item.type.value.replace('_', ' ')} {resolver.name(item.target)}")
    if isinstance(item, Event):
        return _clip(f"timeline: {item.title}")
    if isinstance(item, Alias):
        return _clip(f"alias: {item.name}")
    if isinstance(item, Assessment):
        return _clip(f"assessment: {item.judgment}")
    return ".".join(map(str, loc))


def sources_cited(
    ids: Sequence[str], index: Index, resolver: Resolver, within: frozenset[str]
) -> tuple[SourceView, ...]:
    """The appendix: the sources ``ids`` (those a document cites), in id order.

    "Cited by" names the document's own entities (``within``): a PDF neither lists
    nor depends on the rest of the repository, so it grows with its own size and an
    edit elsewhere does not lay it out again.
    """
    return tuple(
        source_view(index.sources[i].model, resolver, index.cited_by.get(i, set()) & within)
        for i in sorted(ids)
    )
