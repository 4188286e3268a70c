"""One walk of a checked repository into plain records, which every export format reads.

Every export (JSON, CSV, SQLite, GraphML, GEXF, FollowTheMoney, STIX) is made from
the same :class:`Dataset`, so they agree on what exists and on its ids:

- entities by their id; items (claims, aliases, paragraphs, relationships, events,
  assessments) by ``entity#item-id`` (:mod:`builder.source.ids`), the ids diffs and
  sign-offs use; citations by ``entity#item-id/N`` (N from 1, in file order);
  sources by their id;
- relationships as stated, plus the inverses check derives (``derived: true``,
  ``inverse_of`` naming the stated one), so a graph can be drawn from either end;
- every record keeps its status, attribution, inference, note and citations (with
  source, locator, quote, credibility and the combined Admiralty grade such as
  ``B2``): provenance is never dropped.

Dates stay as the editor wrote them (``~2024-09``); :func:`edtf` gives the
Extended Date/Time Format form (``2024-09~``) and :func:`date_bounds` the first
and last day a date may stand for, for formats that need exact dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from builder.check.index import Index
from builder.source import ids
from builder.source.dates import parse_date
from builder.source.models import Citation, Group, Person, Settings, Source

__all__ = [
    "CitationRecord",
    "Dataset",
    "EntityRecord",
    "ItemRecord",
    "RelationshipRecord",
    "SourceRecord",
    "dataset",
    "date_bounds",
    "edtf",
]


@dataclass(frozen=True)
class CitationRecord:
    """One citation of one item."""

    id: str  # 'entity#item-id/N'
    item: str  # 'entity#item-id'
    entity: str
    source: str
    locator: str
    quote: str
    credibility: int
    grade: str  # source reliability + credibility, e.g. 'B2'
    note: str | None


@dataclass(frozen=True)
class EntityRecord:
    """A person or a group."""

    id: str
    kind: str  # person, group
    name: str
    aliases: tuple[str, ...]
    summary: str  # Markdown
    as_of: str
    reviewed: str
    path: str  # the profile file, relative to the repository


@dataclass(frozen=True)
class ItemRecord:
    """A claim, alias, narrative paragraph, event or assessment of one entity.

    ``fields`` holds the item's own fields besides those named here (a claim's
    ``value``, ``entity``, ``low``/``high``/``unit``; a paragraph's ``text`` and
    ``section``; an event's ``title``, ``description``, ``place``, ``participants``;
    an assessment's ``judgment``, ``by``, ``likelihood``, ``confidence``), as JSON
    values.
    """

    id: str
    entity: str
    kind: str  # claim, alias, paragraph, event, assessment
    group: str  # 'facts.rank', 'aliases', 'narrative', 'events', 'assessments'
    label: str
    status: str | None  # reported, alleged, disputed, denied (None: assessments)
    attributed_to: str | None
    inference: str | None
    note: str | None
    date: str | None
    start: str | None
    end: str | None
    fields: dict[str, Any]
    citations: tuple[CitationRecord, ...]


@dataclass(frozen=True)
class RelationshipRecord:
    """A typed link from ``subject`` to ``object``; derived ones are stated inverses."""

    id: str  # the stated relationship's item id; derived: '<stated id>~inverse'
    subject: str
    type: str  # a RelationshipType, or its inverse label for derived ones
    object: str
    derived: bool
    inverse_of: str | None  # derived: the stated relationship's id
    status: str
    attributed_to: str | None
    inference: str | None
    note: str | None
    description: str | None
    date: str | None
    start: str | None
    end: str | None
    citations: tuple[CitationRecord, ...]


@dataclass(frozen=True)
class SourceRecord:
    """An archived source and its grade."""

    id: str
    title: str
    short_title: str | None
    author: str | None
    publisher: str | None
    published: str | None
    published_note: str | None
    url: str | None
    retrieved: str
    file: str  # the archived text, relative to seeds/
    sha256: str
    language: str
    kind: str
    reliability: str
    reliability_reason: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Dataset:
    """Everything an export writes, in a stable order."""

    title: str
    marking: str
    as_of: str
    entities: tuple[EntityRecord, ...]
    items: tuple[ItemRecord, ...]
    relationships: tuple[RelationshipRecord, ...]  # stated and derived
    sources: tuple[SourceRecord, ...]

    @property
    def citations(self) -> tuple[CitationRecord, ...]:
        """Every citation of every item and stated relationship."""
        found = [c for item in self.items for c in item.citations]
        found.extend(c for r in self.relationships if not r.derived for c in r.citations)
        return tuple(sorted(found, key=lambda c: c.id))


def edtf(text: str | None) -> str | None:
    """A profile date in EDTF (ISO 8601-2): '~2024-09' -> '2024-09~'."""
    if text is None:
        return None
    return f"{text[1:]}~" if text.startswith("~") else text


def date_bounds(text: str | None) -> tuple[str, str] | None:
    """The first and last day (ISO) a profile date may stand for."""
    if text is None:
        return None
    parsed = parse_date(text)
    return parsed.first.isoformat(), parsed.last.isoformat()


def dataset(settings: Settings, index: Index, only: Iterable[str] | None = None) -> Dataset:
    """The records of ``index`` (a checked repository), limited to ``only`` entity ids.

    With ``only``, relationships are kept when both ends are kept, and sources when
    a kept record cites them.
    """
    chosen = set(index.entities) if only is None else set(only) & set(index.entities)
    grades = {s: index.sources[s].model.reliability for s in index.sources}
    entities: list[EntityRecord] = []
    items: list[ItemRecord] = []
    stated: dict[int, str] = {}  # id(Relationship model) -> its record id
    relationships: list[RelationshipRecord] = []
    for entity_id in sorted(chosen):
        loaded = index.entities[entity_id]
        model: Person | Group = loaded.model
        entities.append(
            EntityRecord(
                entity_id,
                model.kind,
                model.name,
                tuple(a.name for a in model.aliases),
                model.summary,
                str(model.as_of),
                str(model.reviewed),
                loaded.path,
            )
        )
        for item in ids.items(model):
            global_id = f"{entity_id}#{item.id}"
            cites = _citations(global_id, entity_id, item.model, grades)
            if item.kind == "relationship":
                stated[id(item.model)] = global_id
                continue
            items.append(_item(global_id, entity_id, item, model, cites))
    for subject in sorted(chosen):
        for link in index.links.get(subject, []):
            if link.other not in chosen:
                continue
            rel = link.relationship
            origin = link.other if link.derived else subject
            stated_id = stated.get(id(rel))
            if stated_id is None:
                continue  # its profile is not exported
            cites = _citations(stated_id, origin, rel, grades)
            relationships.append(
                RelationshipRecord(
                    f"{stated_id}~inverse" if link.derived else stated_id,
                    subject,
                    link.label,
                    link.other,
                    link.derived,
                    stated_id if link.derived else None,
                    rel.status.value,
                    rel.attributed_to,
                    rel.inference,
                    rel.note,
                    rel.description,
                    _text(rel.date),
                    _text(rel.start),
                    _text(rel.end),
                    cites,
                )
            )
    relationships.sort(key=lambda r: r.id)
    cited = {c.source for i in items for c in i.citations}
    cited |= {c.source for r in relationships for c in r.citations}
    sources = tuple(
        _source(index.sources[s].model) for s in sorted(index.sources) if only is None or s in cited
    )
    return Dataset(
        settings.title,
        settings.marking,
        str(settings.as_of),
        tuple(entities),
        tuple(items),
        tuple(relationships),
        sources,
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _citations(
    item_id: str, entity: str, model: BaseModel, grades: Mapping[str, str]
) -> tuple[CitationRecord, ...]:
    citations: tuple[Citation, ...] = tuple(getattr(model, "citations", ()))
    return tuple(
        CitationRecord(
            f"{item_id}/{n}",
            item_id,
            entity,
            c.source,
            c.locator,
            c.quote,
            c.credibility,
            f"{grades.get(c.source, '?')}{c.credibility}",
            c.note,
        )
        for n, c in enumerate(citations, start=1)
    )


_COMMON = {
    "id",
    "status",
    "attributed_to",
    "inference",
    "note",
    "date",
    "start",
    "end",
    "citations",
}


def _item(
    global_id: str,
    entity: str,
    item: ids.Item,
    model: Person | Group,
    cites: tuple[CitationRecord, ...],
) -> ItemRecord:
    node = item.model
    fields: dict[str, Any] = {
        name: value
        for name, value in node.model_dump(mode="json").items()
        if name not in _COMMON and value not in (None, [], ())
    }
    if item.kind == "paragraph":
        fields["section"] = model.narrative[int(item.loc[1])].title
    status = getattr(node, "status", None)
    return ItemRecord(
        global_id,
        entity,
        item.kind,
        item.group,
        item.label(),
        None if status is None else str(status.value),
        getattr(node, "attributed_to", None),
        getattr(node, "inference", None),
        getattr(node, "note", None),
        _text(getattr(node, "date", None)),
        _text(getattr(node, "start", None)),
        _text(getattr(node, "end", None)),
        fields,
        cites,
    )


def _source(source: Source) -> SourceRecord:
    return SourceRecord(
        source.id,
        source.title,
        source.short_title,
        source.author,
        source.publisher,
        _text(source.published),
        source.published_note,
        source.url,
        str(source.retrieved),
        source.file,
        source.sha256,
        source.language,
        source.kind.value,
        source.reliability,
        source.reliability_reason,
        tuple(source.notes),
    )
