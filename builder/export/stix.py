"""STIX 2.1 bundle of a dataset, for OpenCTI, MISP and other threat-intelligence platforms.

What becomes what:

=====================  ======================================================================
Dossier                STIX 2.1
=====================  ======================================================================
the project            ``identity`` (organization) named after the project: ``created_by_ref``
                       of every object; the handling marking is a ``marking-definition``
                       (statement) in every object's ``object_marking_refs``
person                 ``identity``, ``identity_class: individual``
armed group            ``threat-actor`` (aliases in ``aliases``)
other group            ``identity``, ``identity_class: organization`` (state bodies,
                       governments, schools, foundations)
stated relationship    ``relationship`` from subject to object (derived inverses are the
                       same link read from the other end, so they are left out)
claim, alias,          ``note`` on the entity (``object_refs``: the entity, then the entities
paragraph, event,      the item names: a claim's ``entity``, an event's ``participants``);
assessment             ``content`` is the value, name, text, title or judgment, ``abstract``
                       the item's label, ``authors`` an assessment's ``by``
citation               an ``external_references`` entry on the note or relationship it
                       supports: ``source_name`` the source's title, ``external_id`` the
                       citation id (``entity#item/N``), ``description`` locator, grade and
                       the verbatim quote, ``url`` the source's
source                 ``report`` (``published``: the source's date, else the day it was
                       retrieved; ``report_types``: its kind; ``object_refs``: the notes and
                       relationships citing it, or the project identity when none does)
=====================  ======================================================================

A group is an armed group when its ``facts.type`` claims (other than denied ones), or,
when it has none, its name and summary, match ``militant``, ``armed`` (not ``armed
forces``), ``insurgent``, ``jihadist``, ``separatist``, ``terrorist`` or ``Islamic
State``. Editors steer the choice by adding a type claim. ``threat_actor_types`` is left
out: its vocabulary (terrorist, nation-state …) would be a designation the sources do not
make.

Relationship types: ``linked_to`` becomes STIX's ``related-to``; no other STIX 2.1 type
means the same as ours (``attributed-to``, ``targets``, ``hosts`` have narrower, cyber
meanings), so the others are custom types, our name with ``_`` as ``-``
(``accused_of_supporting`` -> ``accused-of-supporting``), which STIX allows. Every
relationship keeps our type in ``x_dossier_type``. ``start_time`` is the first instant of
``start`` (else ``date``), ``stop_time`` the last millisecond of ``end`` (else ``date``).

Confidence (0-100), from each citation's Admiralty grade: the credibility digit by the
STIX 2.1 Admiralty scale (Appendix A of the specification), capped by the source's
reliability, since information is no more credible than its source lets it be:

==============  ===  ===  ===  ===  ===  ====
credibility     1    2    3    4    5    6
confidence      90   70   50   30   10   none
==============  ===  ===  ===  ===  ===  ====

==============  ===  ===  ===  ===  ===  =====================
reliability     A    B    C    D    E    F or unknown
cap             100  90   70   50   30   none (no cap)
==============  ===  ===  ===  ===  ===  =====================

So ``C1`` -> 70, ``C3`` -> 50, ``D2`` -> 50, ``E4`` -> 30, ``B6`` -> none. A note or
relationship takes the highest confidence among its citations (its best support), and
none when every citation is ``6``. Entities and reports carry no confidence.

What STIX has no field for is kept in custom ``x_dossier_*`` properties: ids
(``x_dossier_id``), status (``x_dossier_status``, also the object's single label),
``attributed_to``, ``inference``, ``note``, dates as written (``x_dossier_date``,
``_start``, ``_end``), an item's other fields (``x_dossier_fields``: value, bounds, place,
likelihood, the assessment's own confidence …), profile dates, aliases of identities,
and the sources' grade, reasons, notes, file and hash.

The bytes depend only on the data: ids are UUIDv5 of the Dossier ids in
:data:`NAMESPACE`, ``created`` and ``modified`` are the first instant of the dataset's
``as_of``, objects are listed in a fixed order (project, marking, entities, relationships,
notes, reports, each by Dossier id) and the JSON is written with sorted keys (stix2's
``pretty`` ordering takes seconds on a few hundred objects).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

import stix2  # type: ignore[import-untyped]

from builder.export.walk import (
    CitationRecord,
    Dataset,
    EntityRecord,
    ItemRecord,
    RelationshipRecord,
    SourceRecord,
    date_bounds,
)

__all__ = [
    "CREDIBILITY_CONFIDENCE",
    "NAMESPACE",
    "RELATIONSHIP_TYPES",
    "RELIABILITY_CAP",
    "confidence",
    "is_armed_group",
    "relationship_type",
    "stix_id",
    "to_stix",
]

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:dossier:stix")
CREDIBILITY_CONFIDENCE = {1: 90, 2: 70, 3: 50, 4: 30, 5: 10}  # 6: cannot be judged
RELIABILITY_CAP = {"A": 100, "B": 90, "C": 70, "D": 50, "E": 30}  # F: cannot be judged
RELATIONSHIP_TYPES = {"linked_to": "related-to"}
_ARMED = re.compile(
    r"\b(militant|armed(?! forces)|insurgen\w*|jihadis\w*|separatis\w*|terroris\w*|"
    r"islamic state)\b",
    re.IGNORECASE,
)
_ISLAMIC_STATE = re.compile(r"\b(isis|isil|daesh)\b", re.IGNORECASE)
_CONTENT = {
    "claim": "value",
    "alias": "name",
    "paragraph": "text",
    "event": "title",
    "assessment": "judgment",
}


def stix_id(stix_type: str, key: str) -> str:
    """A deterministic STIX id: ``type--UUIDv5(NAMESPACE, key)``."""
    return f"{stix_type}--{uuid.uuid5(NAMESPACE, key)}"


def confidence(grade: str) -> int | None:
    """The STIX confidence of one Admiralty grade such as ``'C2'`` (see the tables)."""
    value = CREDIBILITY_CONFIDENCE.get(int(grade[1:]))
    cap = RELIABILITY_CAP.get(grade[:1])
    if value is None or cap is None:
        return value
    return min(value, cap)


def relationship_type(dossier_type: str) -> str:
    """The STIX ``relationship_type`` of one of ours (see the module docstring)."""
    return RELATIONSHIP_TYPES.get(dossier_type, dossier_type.replace("_", "-"))


def is_armed_group(entity: EntityRecord, type_values: Iterable[str]) -> bool:
    """Whether a group is a threat actor: its type claims, else its name and summary.

    A name of the Islamic State's ("ISIS-Khorasan", "Daesh") is one whatever else it says.
    """
    text = " ".join(type_values) or f"{entity.name} {entity.summary}"
    return entity.kind == "group" and (
        _ARMED.search(text) is not None or _ISLAMIC_STATE.search(entity.name) is not None
    )


def to_stix(data: Dataset) -> bytes:
    """``data`` as a serialized STIX 2.1 bundle (UTF-8 JSON)."""
    as_of = _first_day(data.as_of) or data.as_of
    stamp = f"{as_of}T00:00:00.000Z"
    marking = stix2.MarkingDefinition(
        id=stix_id("marking-definition", f"marking:{data.marking}"),
        created=stamp,
        name=data.marking,
        definition_type="statement",
        definition=stix2.StatementMarking(data.marking),
    )
    desk_id = stix_id("identity", f"desk:{data.title}")
    common: dict[str, Any] = {
        "created": stamp,
        "modified": stamp,
        "created_by_ref": desk_id,
        "object_marking_refs": [marking.id],
        "allow_custom": True,
    }
    desk = stix2.Identity(id=desk_id, name=data.title, identity_class="organization", **common)
    sources = {s.id: s for s in data.sources}
    types: dict[str, list[str]] = {}
    for item in data.items:
        if item.group == "facts.type" and item.status != "denied":
            types.setdefault(item.entity, []).append(str(item.fields.get("value", "")))
    entities = [_entity(e, types.get(e.id, []), common) for e in data.entities]
    refs = {e.id: sdo.id for e, sdo in zip(data.entities, entities, strict=True)}
    relationships = [
        _relationship(r, refs, sources, common)
        for r in sorted(data.relationships, key=lambda r: r.id)
        if not r.derived and r.subject in refs and r.object in refs
    ]
    notes = [_note(i, refs, sources, common) for i in sorted(data.items, key=lambda i: i.id)]
    records: dict[str, RelationshipRecord | ItemRecord] = {r.id: r for r in data.relationships}
    records.update((i.id, i) for i in data.items)
    citing: dict[str, list[str]] = {}
    for obj in [*relationships, *notes]:
        record = records[obj["x_dossier_id"]]
        for source in dict.fromkeys(c.source for c in record.citations):
            citing.setdefault(source, []).append(obj.id)
    reports = [_report(s, citing.get(s.id, [desk_id]), common) for s in data.sources]
    bundle = stix2.Bundle(
        objects=[desk, marking, *entities, *relationships, *notes, *reports],
        id=stix_id("bundle", f"bundle:{data.title}@{data.as_of}"),
        allow_custom=True,
    )
    text: str = bundle.serialize(sort_keys=True, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def _entity(entity: EntityRecord, type_values: list[str], common: dict[str, Any]) -> Any:
    custom = {
        "x_dossier_id": entity.id,
        "x_dossier_kind": entity.kind,
        "x_dossier_as_of": entity.as_of,
        "x_dossier_reviewed": entity.reviewed,
    }
    aliases = list(entity.aliases) or None
    if is_armed_group(entity, type_values):
        return stix2.ThreatActor(
            id=stix_id("threat-actor", f"entity:{entity.id}"),
            name=entity.name,
            description=entity.summary,
            aliases=aliases,
            **custom,
            **common,
        )
    return stix2.Identity(
        id=stix_id("identity", f"entity:{entity.id}"),
        name=entity.name,
        description=entity.summary,
        identity_class="individual" if entity.kind == "person" else "organization",
        x_dossier_aliases=aliases,
        **custom,
        **common,
    )


def _relationship(
    rel: RelationshipRecord,
    refs: dict[str, str],
    sources: dict[str, SourceRecord],
    common: dict[str, Any],
) -> Any:
    first = _first_day(rel.start or rel.date)
    last = _last_day(rel.end or rel.date)
    return stix2.Relationship(
        id=stix_id("relationship", f"relationship:{rel.id}"),
        relationship_type=relationship_type(rel.type),
        source_ref=refs[rel.subject],
        target_ref=refs[rel.object],
        description=rel.description,
        start_time=None if first is None else f"{first}T00:00:00.000Z",
        stop_time=None if last is None else f"{last}T23:59:59.999Z",
        labels=[rel.status],
        confidence=_best(rel.citations),
        external_references=[_reference(c, sources) for c in rel.citations],
        x_dossier_id=rel.id,
        x_dossier_type=rel.type,
        x_dossier_status=rel.status,
        x_dossier_attributed_to=rel.attributed_to,
        x_dossier_inference=rel.inference,
        x_dossier_note=rel.note,
        x_dossier_date=rel.date,
        x_dossier_start=rel.start,
        x_dossier_end=rel.end,
        **common,
    )


def _note(
    item: ItemRecord,
    refs: dict[str, str],
    sources: dict[str, SourceRecord],
    common: dict[str, Any],
) -> Any:
    named = [item.entity, item.fields.get("entity"), *item.fields.get("participants", [])]
    object_refs: list[str] = []
    for entity in named:
        if isinstance(entity, str) and entity in refs and refs[entity] not in object_refs:
            object_refs.append(refs[entity])
    content = str(item.fields.get(_CONTENT.get(item.kind, ""), "") or item.label)
    if item.kind == "event" and item.fields.get("description"):
        content = f"{content}\n\n{item.fields['description']}"
    by = item.fields.get("by")
    return stix2.Note(
        id=stix_id("note", f"item:{item.id}"),
        abstract=item.label,
        content=content,
        authors=[str(by)] if by else None,
        object_refs=object_refs,
        labels=None if item.status is None else [item.status],
        confidence=_best(item.citations),
        external_references=[_reference(c, sources) for c in item.citations],
        x_dossier_id=item.id,
        x_dossier_kind=item.kind,
        x_dossier_group=item.group,
        x_dossier_status=item.status,
        x_dossier_attributed_to=item.attributed_to,
        x_dossier_inference=item.inference,
        x_dossier_note=item.note,
        x_dossier_date=item.date,
        x_dossier_start=item.start,
        x_dossier_end=item.end,
        x_dossier_fields=item.fields or None,
        **common,
    )


def _reference(citation: CitationRecord, sources: dict[str, SourceRecord]) -> Any:
    source = sources.get(citation.source)
    description = f"{citation.locator}, graded {citation.grade}: \u201c{citation.quote}\u201d"
    if citation.note:
        description = f"{description} (note: {citation.note})"
    return stix2.ExternalReference(
        source_name=citation.source if source is None else source.title,
        external_id=citation.id,
        description=description,
        url=None if source is None else source.url,
    )


def _report(source: SourceRecord, object_refs: list[str], common: dict[str, Any]) -> Any:
    lines = [
        f"Author: {source.author or 'not named'}. Publisher: {source.publisher or 'not named'}.",
        f"Reliability {source.reliability}: {source.reliability_reason}",
        *source.notes,
    ]
    return stix2.Report(
        id=stix_id("report", f"source:{source.id}"),
        name=source.title,
        description="\n\n".join(lines),
        published=f"{_first_day(source.published) or source.retrieved}T00:00:00.000Z",
        report_types=[source.kind],
        object_refs=object_refs,
        lang=source.language,
        external_references=[
            stix2.ExternalReference(
                source_name=source.title,
                external_id=source.id,
                url=source.url,
                hashes={"SHA-256": source.sha256},
            )
        ],
        x_dossier_id=source.id,
        x_dossier_author=source.author,
        x_dossier_publisher=source.publisher,
        x_dossier_published=source.published,
        x_dossier_retrieved=source.retrieved,
        x_dossier_reliability=source.reliability,
        x_dossier_reliability_reason=source.reliability_reason,
        x_dossier_notes=list(source.notes) or None,
        x_dossier_file=source.file,
        **common,
    )


def _best(citations: Iterable[CitationRecord]) -> int | None:
    return max((v for c in citations if (v := confidence(c.grade)) is not None), default=None)


def _first_day(text: str | None) -> str | None:
    bounds = date_bounds(text)
    return None if bounds is None else bounds[0]


def _last_day(text: str | None) -> str | None:
    bounds = date_bounds(text)
    return None if bounds is None else bounds[1]
