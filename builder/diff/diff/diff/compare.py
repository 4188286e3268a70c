"""Claim-level differences between two editions of a dossier repository.

Items are matched by identity (:mod:`builder.source.ids`), never by position: a
reordered list is no change. An item whose id is gone on one side and new on the
other (an edit of a claim's value changes its derived id) is paired with its
likeliest counterpart of the same kind and list, by shared citations and similar
text, and reported as changed, not as removed and added.

What is compared: entities (added, removed, name, summary, dates), every claim,
alias, narrative paragraph, relationship, event and assessment (fields old → new,
status, citations added or removed, credibility and notes of the citations kept),
and sources (added, removed, re-graded, metadata).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel

from builder.source import ids
from builder.source.models import Citation, Group, Paragraph, Person, Source

__all__ = ["Change", "Diff", "FieldChange", "compare"]

Entity = Person | Group
_KIND_ORDER = ("entity", "alias", "claim", "paragraph", "relationship", "event", "assessment")
_ENTITY_FIELDS = ("kind", "name", "summary", "as_of", "reviewed")
_PAIR_THRESHOLD = 0.5


@dataclass(frozen=True)
class FieldChange:
    """One field of an item: its old and new value (None: absent)."""

    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Change:
    """One entity, item or source added, removed or changed."""

    scope: str  # the entity id, or "sources"
    kind: str  # entity, alias, claim, paragraph, relationship, event, assessment, source
    action: str  # added, removed, changed
    id: str  # 'entity#item-id' for items, the entity or source id otherwise
    label: str
    fields: tuple[FieldChange, ...] = ()
    previous_id: str | None = None  # an edited item whose derived id changed: its old id

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (see docs/diff.md)."""
        return {
            "scope": self.scope,
            "kind": self.kind,
            "action": self.action,
            "id": self.id,
            "label": self.label,
            "previous_id": self.previous_id,
            "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in self.fields],
        }


@dataclass(frozen=True)
class Diff:
    """Every change between two editions, in a stable order."""

    changes: tuple[Change, ...]

    def counts(self) -> dict[str, int]:
        """How many entities, items and sources were added, removed or changed."""
        counted: Counter[str] = Counter()
        for change in self.changes:
            group = "items" if "#" in change.id else change.kind + "s"
            counted[f"{group} {change.action}"] += 1
        return dict(sorted(counted.items()))


def compare(
    old_entities: Mapping[str, Entity],
    new_entities: Mapping[str, Entity],
    old_sources: Mapping[str, Source],
    new_sources: Mapping[str, Source],
) -> Diff:
    """The claim-level changes from one edition's models to another's."""
    changes: list[Change] = []
    for entity_id in sorted(old_entities.keys() | new_entities.keys()):
        old, new = old_entities.get(entity_id), new_entities.get(entity_id)
        if old is None or new is None:
            present = new or old
            assert present is not None
            action = "added" if old is None else "removed"
            changes.append(Change(entity_id, "entity", action, entity_id, present.name))
            continue
        changes.extend(_entity_changes(entity_id, old, new))
    for source_id in sorted(old_sources.keys() | new_sources.keys()):
        before, after = old_sources.get(source_id), new_sources.get(source_id)
        if before is None or after is None:
            source = after or before
            assert source is not None
            action = "added" if before is None else "removed"
            changes.append(Change("sources", "source", action, source_id, source.title))
            continue
        fields = _field_changes(_scalars(before, skip=("id",)), _scalars(after, skip=("id",)))
        if fields:
            changes.append(Change("sources", "source", "changed", source_id, after.title, fields))
    return Diff(tuple(changes))


def _entity_changes(entity_id: str, old: Entity, new: Entity) -> list[Change]:
    found: list[Change] = []
    own = _field_changes(
        {f: _show(getattr(old, f)) for f in _ENTITY_FIELDS},
        {f: _show(getattr(new, f)) for f in _ENTITY_FIELDS},
    )
    if own:
        found.append(Change(entity_id, "entity", "changed", entity_id, new.name, own))
    before, after = ids.items(old), ids.items(new)
    sections = {id(i.model): _section(old, i) for i in before} | {
        id(i.model): _section(new, i) for i in after
    }
    items: list[Change] = []
    for kind in ids.KINDS:
        olds = {i.id: i for i in before if i.kind == kind}
        news = {i.id: i for i in after if i.kind == kind}
        pairs = [(olds.pop(key), news.pop(key)) for key in sorted(olds.keys() & news.keys())]
        pairs.extend(_pair(olds, news))
        for a, b in pairs:
            fields = _item_changes(a, b, sections)
            if fields:
                previous = f"{entity_id}#{a.id}" if a.id != b.id else None
                item_id = f"{entity_id}#{b.id}"
                items.append(
                    Change(entity_id, kind, "changed", item_id, b.label(), fields, previous)
                )
        for item in olds.values():
            items.append(Change(entity_id, kind, "removed", f"{entity_id}#{item.id}", item.label()))
        for item in news.values():
            items.append(Change(entity_id, kind, "added", f"{entity_id}#{item.id}", item.label()))
    items.sort(key=lambda c: (_KIND_ORDER.index(c.kind), c.label, c.id))
    return found + items


def _section(entity: Entity, item: ids.Item) -> str | None:
    if isinstance(item.model, Paragraph):
        return entity.narrative[int(item.loc[1])].title
    return None


def _pair(olds: dict[str, ids.Item], news: dict[str, ids.Item]) -> list[tuple[ids.Item, ids.Item]]:
    """Pair unmatched items of one list by shared citations and similar text (greedy)."""
    scored = []
    for a in olds.values():
        for b in news.values():
            if a.group != b.group:
                continue
            score = _similarity(a, b)
            if score >= _PAIR_THRESHOLD:
                scored.append((-score, a.loc, b.loc, a.id, b.id))
    pairs = []
    for _, _, _, a_id, b_id in sorted(scored):
        if a_id in olds and b_id in news:
            pairs.append((olds.pop(a_id), news.pop(b_id)))
    return pairs


def _similarity(a: ids.Item, b: ids.Item) -> float:
    cited_a = {(c.source, c.locator) for c in _citations(a.model)}
    cited_b = {(c.source, c.locator) for c in _citations(b.model)}
    union = cited_a | cited_b
    shared = len(cited_a & cited_b) / len(union) if union else 0.0
    key_a = ids.natural_key(a.kind, a.group, a.model)
    key_b = ids.natural_key(b.kind, b.group, b.model)
    text = difflib.SequenceMatcher(None, key_a, key_b, autojunk=False).ratio()
    return (shared + text) / 2


def _citations(model: BaseModel) -> tuple[Citation, ...]:
    return tuple(getattr(model, "citations", ()))


def _item_changes(
    a: ids.Item, b: ids.Item, sections: Mapping[int, str | None]
) -> tuple[FieldChange, ...]:
    old = _scalars(a.model, skip=("id", "citations"))
    new = _scalars(b.model, skip=("id", "citations"))
    if isinstance(a.model, Paragraph):
        old["section"], new["section"] = sections[id(a.model)], sections[id(b.model)]
    return _field_changes(old, new) + _citation_changes(_citations(a.model), _citations(b.model))


def _citation_changes(old: Iterable[Citation], new: Iterable[Citation]) -> tuple[FieldChange, ...]:
    """Citations added or removed (by source, locator and quote); grade and note changes."""
    before, after = _keyed(old), _keyed(new)
    found: list[FieldChange] = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        where = f"{key[0]} {key[1]}"
        if a is None or b is None:
            present = b or a
            assert present is not None
            shown = f"“{present.quote}” (credibility {present.credibility})"
            found.append(
                FieldChange(
                    f"citation {where}", None if a is None else shown, shown if a is None else None
                )
            )
            continue
        if a.credibility != b.credibility:
            found.append(
                FieldChange(f"credibility {where}", str(a.credibility), str(b.credibility))
            )
        if a.note != b.note:
            found.append(FieldChange(f"citation note {where}", a.note, b.note))
    return tuple(found)


def _keyed(citations: Iterable[Citation]) -> dict[tuple[str, str, str, int], Citation]:
    seen: Counter[tuple[str, str, str]] = Counter()
    keyed = {}
    for citation in citations:
        base = (citation.source, citation.locator, " ".join(citation.quote.split()).casefold())
        keyed[(*base, seen[base])] = citation
        seen[base] += 1
    return keyed


def _scalars(model: BaseModel, *, skip: tuple[str, ...]) -> dict[str, str | None]:
    return {
        name: _show(getattr(model, name)) for name in type(model).model_fields if name not in skip
    }


def _show(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, tuple):
        return ", ".join(_show(v) or "" for v in value) or None
    return " ".join(str(value).split())


def _field_changes(
    old: Mapping[str, str | None], new: Mapping[str, str | None]
) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(name, old.get(name), new.get(name))
        for name in (*old, *(n for n in new if n not in old))
        if old.get(name) != new.get(name)
    )
