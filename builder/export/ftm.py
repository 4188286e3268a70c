"""The dataset as FollowTheMoney entities, for Aleph, OpenSanctions tools and ``ftm``.

:func:`to_ftm` writes line-delimited JSON, one ``EntityProxy.to_dict()`` a line,
sorted by id. Ids are ``make_entity_id("dossier", namespace, our id)`` (SHA-1 hex,
see :func:`ftm_id`), so the same dataset always gives the same bytes.

- A person is a ``Person``, a group an ``Organization``: ``name``, ``alias``,
  ``summary``; a claim with status ``reported`` fills the property made for it
  (positions -> ``position``, education -> ``education``, nationality ->
  ``nationality`` when FtM knows the country, a group's type -> ``classification``);
  every other claim is a ``notes`` line such as ``rank: Lieutenant General
  (reported; C2)``. ``proof`` lists every source its profile cites.
- Every claim, alias, paragraph and assessment is a ``Note`` (``entity``: its
  profile; ``description``: the text; ``summary``: kind, status, attribution,
  inference, note, dates as written, other fields, our item id).
- Every event is an ``Event`` (``name``, ``date``, ``location``, ``involved``: the
  profile and its participants, ``recordId``: our item id).
- Every stated relationship is one interval entity, chosen by :func:`link_schema`
  and checked against the schema's own ranges, with our type in ``role`` or
  ``relationship`` and our id in ``recordId``. A derived inverse is the same link
  read from the other end, so it is not written again: its ``inverse_of`` is the
  ``recordId`` of the entity that stands for both.
- Every source is a ``Document`` (``fileName``, ``title``, ``author``,
  ``publisher``, ``publishedAt``, ``sourceUrl``, ``language``, ``retrievedAt``);
  ``summary`` holds the reliability grade and its reason, ``notes`` the kind,
  archived file, SHA-256 (FtM's ``contentHash`` is SHA-1) and the source notes.

Provenance: each citation is a line ``C2 seed-000 ¶1: “quote” [entity#item/N]``
(plus ``note: …``) in the ``notes`` of the entity made for its item, or in
``summary`` for relationships (FtM intervals have no ``notes``), and its source's
``Document`` is in that entity's ``proof``. FtM dates are ISO prefixes, so a date
such as ``~2024-09`` is written ``2024-09`` and kept as written in ``summary``.
A value FtM rejects (a nationality it cannot read as a country, an unknown
language code, a malformed URL) goes to ``notes`` as ``property: value``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from followthemoney import EntityProxy, model
from followthemoney.util import make_entity_id

from builder.errors import DossierError
from builder.export.walk import (
    CitationRecord,
    Dataset,
    EntityRecord,
    ItemRecord,
    RelationshipRecord,
    SourceRecord,
)

__all__ = ["LinkSchema", "citation_line", "ftm_id", "link_schema", "to_ftm"]

_KIND_SCHEMA = {"person": "Person", "group": "Organization"}


class LinkSchema(NamedTuple):
    """The FtM schema for one relationship and the properties that hold its parts."""

    schema: str
    subject: str  # property for our subject
    object: str  # property for our object
    label: str  # property for our relationship type


_UNKNOWN = LinkSchema("UnknownLink", "subject", "object", "role")
_MEMBERSHIP = LinkSchema("Membership", "member", "organization", "role")
_DIRECTORSHIP = LinkSchema("Directorship", "director", "organization", "role")
_ASSOCIATE = LinkSchema("Associate", "person", "associate", "relationship")
_LINKS: dict[str, LinkSchema] = {
    "member_of": _MEMBERSHIP,
    "part_of": _MEMBERSHIP,
    "leads": _DIRECTORSHIP,
    "commands": _DIRECTORSHIP,
    "spokesperson_of": LinkSchema("Representation", "agent", "client", "role"),
    "succeeded": LinkSchema("Succession", "successor", "predecessor", "role"),
    "family_of": LinkSchema("Family", "person", "relative", "relationship"),
    "close_to": _ASSOCIATE,
    "ally_of": _ASSOCIATE,
    "met_with": _ASSOCIATE,
    "advised": _ASSOCIATE,
    "linked_to": _ASSOCIATE,
}

# claim group -> property filled by its 'reported' claims, per entity kind
_PROPERTIES: dict[tuple[str, str], str] = {
    ("person", "aliases"): "alias",
    ("group", "aliases"): "alias",
    ("person", "facts.positions"): "position",
    ("person", "facts.nationality"): "nationality",
    ("person", "facts.education"): "education",
    ("group", "facts.type"): "classification",
}

# item kind -> the field holding its text
_MAIN = {"claim": "value", "alias": "name", "paragraph": "text", "assessment": "judgment"}


def ftm_id(namespace: str, our_id: str) -> str:
    """The FtM id of a record: namespace is entity, item, relationship or source."""
    made = make_entity_id("dossier", namespace, our_id)
    assert made is not None
    return made


def link_schema(type_: str, subject_kind: str, object_kind: str) -> LinkSchema:
    """The FtM schema for a relationship, or ``UnknownLink`` where its ends do not fit.

    The ends fit when our subject's and object's schemata (``Person``,
    ``Organization``) are within the ranges FtM gives the two properties.
    """
    chosen = _LINKS.get(type_, _UNKNOWN)
    schema = model.get(chosen.schema)
    assert schema is not None
    for prop_name, kind in ((chosen.subject, subject_kind), (chosen.object, object_kind)):
        prop = schema.get(prop_name)
        end = model.get(_KIND_SCHEMA[kind])
        if prop is None or prop.range is None or end is None or not end.is_a(prop.range):
            return _UNKNOWN
    return chosen


def to_ftm(data: Dataset) -> bytes:
    """The dataset as FtM entities: line-delimited JSON sorted by id."""
    kinds = {e.id: e.kind for e in data.entities}
    sources = {s.id for s in data.sources}
    proxies = [_document(s) for s in data.sources]
    by_entity: dict[str, list[ItemRecord]] = {}
    for item in data.items:
        by_entity.setdefault(item.entity, []).append(item)
    cited: dict[str, set[str]] = {}
    for citation in data.citations:
        cited.setdefault(citation.entity, set()).add(citation.source)
    for record in data.entities:
        items = by_entity.get(record.id, [])
        proxies.append(_entity(data, record, items, cited.get(record.id, set()) & sources))
        for item in items:
            if item.kind == "event":
                proxies.append(_event(item, kinds, sources))
            else:
                proxies.append(_note(item, sources))
    proxies.extend(_link(r, kinds, sources) for r in data.relationships if not r.derived)
    lines = sorted(
        json.dumps(p.to_dict(), sort_keys=True, ensure_ascii=False) + "\n" for p in proxies
    )
    return "".join(lines).encode("utf-8")


def _make(schema: str, namespace: str, our_id: str) -> EntityProxy:
    proxy = model.make_entity(schema)
    proxy.id = ftm_id(namespace, our_id)
    return proxy


def _put(proxy: EntityProxy, prop: str, values: str | Iterable[str | None] | None) -> None:
    """Add values, and fail loudly if FtM drops one (never lose a value silently)."""
    if values is None:
        return
    type_ = proxy.schema.properties[prop].type
    for value in [values] if isinstance(values, str) else values:
        if value is None:
            continue
        proxy.add(prop, value)
        if type_.clean(value, proxy=proxy) not in proxy.get(prop):
            raise DossierError(f"FtM export: {proxy.schema.name}.{prop} refused {value!r}")


def _put_or_note(proxy: EntityProxy, prop: str, value: str | None, notes: list[str]) -> None:
    """Add a typed value FtM can read; keep one it cannot read as a notes line."""
    if value is None:
        return
    if proxy.schema.properties[prop].type.clean(value, proxy=proxy) is None:
        notes.append(f"{prop}: {value}")
    else:
        _put(proxy, prop, value)


def _iso(text: str | None) -> str | None:
    """A profile date as an FtM date (an ISO prefix): '~2024-09' -> '2024-09'."""
    return None if text is None else text.lstrip("~")


def _qualifiers(
    status: str | None,
    attributed_to: str | None,
    inference: str | None,
    note: str | None,
    dates: Mapping[str, str | None],
) -> list[str]:
    """Status, attribution, inference, note and dates as written, as text parts."""
    parts = [] if status is None else [status]
    if attributed_to is not None:
        parts.append(f"attributed to {attributed_to}")
    if inference is not None:
        parts.append(f"inference: {inference}")
    if note is not None:
        parts.append(f"note: {note}")
    parts.extend(f"{name} {value}" for name, value in dates.items() if value is not None)
    return parts


def _dates(record: ItemRecord | RelationshipRecord) -> dict[str, str | None]:
    return {"date": record.date, "start": record.start, "end": record.end}


def _put_dates(proxy: EntityProxy, record: ItemRecord | RelationshipRecord) -> None:
    _put(proxy, "date", _iso(record.date))
    _put(proxy, "startDate", _iso(record.start))
    _put(proxy, "endDate", _iso(record.end))


def citation_line(citation: CitationRecord) -> str:
    """One citation as text: grade, source, locator, quote, note and citation id."""
    note = "" if citation.note is None else f" (note: {citation.note})"
    return (
        f"{citation.grade} {citation.source} {citation.locator}: “{citation.quote}”"
        f"{note} [{citation.id}]"
    )


def _put_citations(
    proxy: EntityProxy, prop: str, citations: Iterable[CitationRecord], sources: set[str]
) -> None:
    citations = tuple(citations)
    _put(proxy, prop, [citation_line(c) for c in citations])
    proofs = sorted({c.source for c in citations} & sources)
    _put(proxy, "proof", [ftm_id("source", s) for s in proofs])


def _grades(citations: Iterable[CitationRecord]) -> list[str]:
    return list(dict.fromkeys(c.grade for c in citations))


def _text_field(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _entity(
    data: Dataset, record: EntityRecord, items: list[ItemRecord], cited: set[str]
) -> EntityProxy:
    proxy = _make(_KIND_SCHEMA[record.kind], "entity", record.id)
    _put(proxy, "name", record.name)
    _put(proxy, "summary", record.summary)
    notes = [
        f"{data.marking}. {data.title} (as of {data.as_of}): profile {record.id} "
        f"({record.path}), as of {record.as_of}, reviewed {record.reviewed}."
    ]
    alias_items = {i.fields.get("name") for i in items if i.kind == "alias"}
    _put(proxy, "alias", [a for a in record.aliases if a not in alias_items])
    for item in items:
        if item.kind not in ("claim", "alias"):
            continue
        value = str(item.fields.get(_MAIN[item.kind], item.label))
        prop = _PROPERTIES.get((record.kind, item.group))
        if prop is not None and item.status == "reported":
            checked = proxy.schema.properties[prop].type.clean(value, proxy=proxy)
            if checked is not None:
                _put(proxy, prop, value)
                continue
        parts = _qualifiers(item.status, item.attributed_to, item.inference, None, _dates(item))
        notes.append(f"{_heading(item)}: {value} ({'; '.join(parts + _grades(item.citations))})")
    _put(proxy, "notes", notes)
    _put(proxy, "proof", [ftm_id("source", s) for s in sorted(cited)])
    return proxy


def _heading(item: ItemRecord) -> str:
    """A claim's or alias's heading: 'rank', 'positions', 'alias'."""
    return "alias" if item.kind == "alias" else item.group.rsplit(".", 1)[-1]


def _note(item: ItemRecord, sources: set[str]) -> EntityProxy:
    proxy = _make("Note", "item", item.id)
    main = _MAIN[item.kind]
    text = str(item.fields.get(main, item.label))
    _put(proxy, "entity", ftm_id("entity", item.entity))
    _put(
        proxy,
        "description",
        text if item.kind in ("paragraph", "assessment") else f"{_heading(item)}: {text}",
    )
    parts = [f"{item.kind} ({item.group})"]
    parts += _qualifiers(item.status, item.attributed_to, item.inference, item.note, _dates(item))
    parts += [f"{k}: {_text_field(v)}" for k, v in sorted(item.fields.items()) if k != main]
    _put(proxy, "summary", "; ".join([*parts, f"id {item.id}"]))
    _put_citations(proxy, "notes", item.citations, sources)
    return proxy


def _event(item: ItemRecord, kinds: Mapping[str, str], sources: set[str]) -> EntityProxy:
    proxy = _make("Event", "item", item.id)
    fields = item.fields
    _put(proxy, "name", str(fields["title"]))
    _put(proxy, "recordId", item.id)
    _put(proxy, "description", fields.get("description"))
    _put(proxy, "location", fields.get("place"))
    _put_dates(proxy, item)
    participants = [str(p) for p in fields.get("participants", [])]
    involved = [item.entity, *(p for p in participants if p in kinds)]
    _put(proxy, "involved", [ftm_id("entity", e) for e in involved])
    parts = _qualifiers(item.status, item.attributed_to, item.inference, item.note, _dates(item))
    parts.append(f"profile {item.entity}")
    if participants:
        parts.append(f"participants: {', '.join(participants)}")
    handled = {"title", "description", "place", "participants"}
    parts += [f"{k}: {_text_field(v)}" for k, v in sorted(fields.items()) if k not in handled]
    _put(proxy, "summary", "; ".join(parts))
    _put_citations(proxy, "notes", item.citations, sources)
    return proxy


def _link(record: RelationshipRecord, kinds: Mapping[str, str], sources: set[str]) -> EntityProxy:
    chosen = link_schema(record.type, kinds[record.subject], kinds[record.object])
    proxy = _make(chosen.schema, "relationship", record.id)
    _put(proxy, chosen.subject, ftm_id("entity", record.subject))
    _put(proxy, chosen.object, ftm_id("entity", record.object))
    _put(proxy, chosen.label, record.type)
    _put(proxy, "recordId", record.id)
    _put(proxy, "description", record.description)
    _put_dates(proxy, record)
    parts = _qualifiers(
        record.status, record.attributed_to, record.inference, record.note, _dates(record)
    )
    parts.append(f"{record.subject} {record.type} {record.object}")
    _put(proxy, "summary", "; ".join(parts))
    _put_citations(proxy, "summary", record.citations, sources)
    return proxy


def _document(source: SourceRecord) -> EntityProxy:
    proxy = _make("Document", "source", source.id)
    _put(proxy, "fileName", source.file)
    _put(proxy, "title", source.title)
    _put(proxy, "author", source.author)
    _put(proxy, "publisher", source.publisher)
    _put(proxy, "publishedAt", _iso(source.published))
    _put(proxy, "retrievedAt", source.retrieved)
    notes = [
        f"source {source.id}: {source.kind}, archived as seeds/{source.file}, "
        f"sha256 {source.sha256}, retrieved {source.retrieved}"
        + ("" if source.published is None else f", published {source.published}")
    ]
    _put_or_note(proxy, "sourceUrl", source.url, notes)
    _put_or_note(proxy, "language", source.language, notes)
    _put(proxy, "summary", f"Reliability {source.reliability}: {source.reliability_reason}")
    _put(proxy, "notes", [*notes, *source.notes])
    return proxy
