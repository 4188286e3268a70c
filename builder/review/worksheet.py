"""The review worksheet: each item beside its quotes, in their paragraphs, with grades.

A second reader judges whether each item says what its sources say without opening
the archive: the worksheet shows every item of a profile (its full text, status,
attribution and review state) and, for each citation, the source's title, the grade
(source reliability and information credibility, e.g. ``C2``), the quote, and the
located paragraph(s) of the archived text with one neighbouring paragraph on each
side, the quoted words marked. The same values feed the text worksheet printed by
``dossier review`` (:func:`as_text`, quote marked ``[[…]]``) and the site's
``review/<entity>.html`` page (``templates/review.html``, marked with ``<mark>``).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass

from pydantic import BaseModel

from builder.check.index import Index

# Marks come from check's own matching, so that a reader sees what check verified.
from builder.check.quotes import SourceText, parse_locator
from builder.check.spans import mark_pieces, quote_spans
from builder.errors import printable
from builder.review.state import EntityReview, ItemReview, State
from builder.source.load import Project
from builder.source.models import (
    Alias,
    Assessment,
    Attributed,
    Citation,
    Claim,
    Event,
    Paragraph,
    Relationship,
    SizeEstimate,
)

__all__ = ["CitationSheet", "ItemSheet", "Passage", "Worksheet", "as_text", "worksheet"]

Texts = MutableMapping[str, SourceText | None]


@dataclass(frozen=True)
class Passage:
    """One paragraph of an archived text, cut into (text, quoted) pieces."""

    number: int
    located: bool  # named by the locator (else a neighbour shown for context)
    pieces: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class CitationSheet:
    """One citation as a second reader checks it."""

    source_id: str
    title: str
    grade: str
    locator: str
    quote: str
    note: str | None
    passages: tuple[Passage, ...]
    problem: str | None  # why no passage or no mark can be shown


@dataclass(frozen=True)
class ItemSheet:
    """One item, its review state and its citations."""

    id: str
    kind: str
    label: str
    lines: tuple[str, ...]  # the item in full: its text and qualifiers, one per line
    state: str
    state_note: str
    fingerprint: str
    citations: tuple[CitationSheet, ...]


@dataclass(frozen=True)
class Worksheet:
    """The worksheet of one profile."""

    entity: str
    name: str
    profile: str
    summary: str  # the review state line
    items: tuple[ItemSheet, ...]


def worksheet(project: Project, index: Index, review: EntityReview, texts: Texts) -> Worksheet:
    """The worksheet of ``review``'s profile; ``texts`` caches archived texts by source."""
    entity = index.entities[review.entity]
    items = tuple(_item(project, index, r, texts) for r in review.items)
    return Worksheet(review.entity, entity.model.name, entity.path, review.line(), items)


def _state_note(reviewed: ItemReview) -> str:
    signoff = reviewed.signoff
    if signoff is None:
        return "unreviewed"
    if reviewed.state is State.stale:
        return f"stale: changed since {signoff.by} signed it off on {signoff.date}"
    if reviewed.state is State.self_review:
        return f"self-review by {signoff.by}, {signoff.date} (who last changed it)"
    return f"second-read by {signoff.by}, {signoff.date}"


def _item(project: Project, index: Index, reviewed: ItemReview, texts: Texts) -> ItemSheet:
    item = reviewed.item
    citations = tuple(
        _citation(project, index, citation, texts)
        for citation in getattr(item.model, "citations", ())
    )
    return ItemSheet(
        item.id,
        item.kind,
        item.label(),
        tuple(_lines(item.model)),
        reviewed.state.value,
        _state_note(reviewed),
        reviewed.fingerprint,
        citations,
    )


def _lines(model: BaseModel) -> Iterator[str]:
    """The item in full, as its profile states it."""
    if isinstance(model, SizeEstimate):
        span = "–".join(str(n) for n in (model.low, model.high) if n is not None)
        yield f"{model.value}" + (f" ({span} {model.unit})" if span else "")
    elif isinstance(model, Claim):
        yield model.value
    elif isinstance(model, Alias):
        yield model.name
    elif isinstance(model, Paragraph):
        yield model.text
    elif isinstance(model, Relationship):
        yield f"{model.type.value.replace('_', ' ')} {model.target}"
        if model.description:
            yield model.description
    elif isinstance(model, Event):
        yield f"{model.date or 'undated'}: {model.title}"
        if model.place:
            yield f"place: {model.place}"
        if model.description:
            yield model.description
        if model.participants:
            yield f"participants: {', '.join(model.participants)}"
    elif isinstance(model, Assessment):
        yield model.judgment
        yield f"by {model.by}: {model.likelihood.value}, {model.confidence.value} confidence"
    dates = [
        f"{name} {value}"
        for name in ("date", "start", "end")
        if not isinstance(model, Event) and (value := getattr(model, name, None))
    ]
    if dates:
        yield ", ".join(dates)
    if isinstance(model, Attributed):
        yield f"status: {model.status.value}" + (
            f", attributed to {model.attributed_to}" if model.attributed_to else ""
        )
        if model.inference:
            yield f"inference: {model.inference}"
        if model.note:
            yield f"note: {model.note}"


def _citation(project: Project, index: Index, citation: Citation, texts: Texts) -> CitationSheet:
    source = index.sources.get(citation.source)
    title = source.model.title if source else citation.source
    grade = f"{source.model.reliability if source else '?'}{citation.credibility}"
    passages, problem = _passages(project, citation, texts)
    return CitationSheet(
        citation.source,
        title,
        grade,
        citation.locator,
        citation.quote,
        citation.note,
        passages,
        problem,
    )


def _text(project: Project, source_id: str, texts: Texts) -> SourceText | None:
    if source_id not in texts:
        archive = project.archives.get(source_id)
        texts[source_id] = (
            SourceText(source_id, archive.text) if archive and archive.text is not None else None
        )
    return texts[source_id]


def _passages(
    project: Project, citation: Citation, texts: Texts
) -> tuple[tuple[Passage, ...], str | None]:
    text = _text(project, citation.source, texts)
    if text is None:
        return (), f"the archived text of {citation.source} cannot be read"
    first, last = parse_locator(citation.locator)
    count = len(text.paragraphs)
    if first < 1 or last > count or first > last:
        return (), f"{citation.source} has {count} paragraphs; {citation.locator} does not exist"
    spans = quote_spans(text, citation.quote, citation.locator)
    passages = []
    for number in range(max(1, first - 1), min(count, last + 1) + 1):
        marks = [(s.start, s.end) for s in spans or () if s.number == number]
        paragraph = text.paragraphs[number - 1].text
        passages.append(Passage(number, first <= number <= last, mark_pieces(paragraph, marks)))
    problem = None if spans is not None else "the quote is not in the located paragraphs"
    return tuple(passages), problem


def as_text(sheet: Worksheet) -> str:
    """The worksheet as plain text for a terminal: quoted words marked ``[[…]]``.

    Everything an editor or a source wrote is shown with control characters escaped
    (:func:`builder.errors.printable`), so an archived text cannot drive the terminal.
    """
    out = [
        f"Review worksheet: {sheet.name} ({sheet.entity}), {sheet.profile}",
        f"Second reading: {sheet.summary}",
        "",
    ]
    for item in sheet.items:
        out.append(f"[{item.id}] {item.kind}: {item.label}")
        out.append(f"  state: {item.state_note} (fingerprint {item.fingerprint})")
        out.extend(f"  | {line}" for text in item.lines for line in text.splitlines())
        for number, cite in enumerate(item.citations, start=1):
            out.append(f"  {number}. {cite.title} ({cite.source_id}) {cite.locator} [{cite.grade}]")
            out.append(f'     quote: "{cite.quote}"')
            if cite.note:
                out.append(f"     note: {cite.note}")
            if cite.problem:
                out.append(f"     ! {cite.problem}")
            for passage in cite.passages:
                shown = "".join(f"[[{t}]]" if marked else t for t, marked in passage.pieces)
                lead = "  >" if passage.located else "   "
                out.append(f"   {lead} ¶{passage.number}: {shown}")
        if not item.citations:
            out.append("  (no citations)")
        out.append("")
    return "\n".join(printable(line) for line in out)
