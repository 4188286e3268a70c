"""Stable identities for the items of a profile, shared by diff, sign-offs and exports.

Every claim, alias, narrative paragraph, relationship, event and assessment has an
id, unique within its profile (``entity#id`` across the repository):

- the editor's own ``id:`` when the item has one (``dossier ids`` writes one into
  every item that lacks it, so that it survives any later edit of the item);
- otherwise one derived from the item's *natural key*: what makes it that item and
  not another (a claim's facet and value, a relationship's type, target and date,
  an event's date and title, a paragraph's text, an assessment's judgment), never
  its position, so reordering a list changes no id, and an edit of its status,
  citations or notes keeps it.

A derived id is the id ``dossier ids`` would write, so writing them changes nothing
that a diff or an export sees. An edit of a natural key changes a derived id; the
diff still pairs the old and the new item (see :mod:`builder.diff.compare`).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from builder.source.models import (
    Alias,
    Assessment,
    Claim,
    Event,
    Group,
    Paragraph,
    Person,
    Relationship,
)
from builder.source.yamlread import Loc

__all__ = ["KINDS", "Item", "items", "natural_key"]

# Item kind -> the letter its derived ids start with.
KINDS = {
    "claim": "c",
    "alias": "n",
    "paragraph": "p",
    "relationship": "r",
    "event": "e",
    "assessment": "a",
}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Item:
    """One identifiable item of a profile."""

    kind: str  # a key of KINDS
    group: str  # its list: 'facts.rank', 'aliases', 'narrative', 'relationships', ...
    loc: Loc  # field path in the profile, e.g. ('facts', 'rank', 0)
    model: BaseModel
    id: str
    explicit: bool  # the editor wrote the id

    def label(self) -> str:
        """A short human name: the claim's value, the event's title and so on."""
        model = self.model
        if isinstance(model, Claim):
            return f"{self.group.removeprefix('facts.')}: {model.value}"
        if isinstance(model, Alias):
            return model.name
        if isinstance(model, Paragraph):
            return _clip(model.text)
        if isinstance(model, Relationship):
            return f"{model.type.value} {model.target}"
        if isinstance(model, Event):
            return f"{model.date or 'undated'}: {model.title}"
        if isinstance(model, Assessment):
            return _clip(model.judgment)
        return self.id


def _clip(text: str, width: int = 70) -> str:
    flat = _SPACE.sub(" ", text).strip()
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


def _norm(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip().casefold()


def natural_key(kind: str, group: str, model: BaseModel) -> str:
    """What makes an item itself, independent of its position and its citations."""
    if isinstance(model, Claim):
        return f"{group}\0{_norm(model.value)}"
    if isinstance(model, Alias):
        return _norm(model.name)
    if isinstance(model, Paragraph):
        return _norm(model.text)
    if isinstance(model, Relationship):
        when = model.date or model.start or ""
        return f"{model.type.value}\0{model.target}\0{when}"
    if isinstance(model, Event):
        return f"{model.date or ''}\0{_norm(model.title)}"
    if isinstance(model, Assessment):
        return _norm(model.judgment)
    raise TypeError(f"not an item: {type(model).__name__}")


def _located(entity: Person | Group) -> Iterator[tuple[str, str, Loc, BaseModel]]:
    for facet in type(entity.facts).model_fields:
        for i, claim in enumerate(getattr(entity.facts, facet)):
            yield "claim", f"facts.{facet}", ("facts", facet, i), claim
    for i, alias in enumerate(entity.aliases):
        yield "alias", "aliases", ("aliases", i), alias
    for s, section in enumerate(entity.narrative):
        for i, paragraph in enumerate(section.paragraphs):
            yield "paragraph", "narrative", ("narrative", s, "paragraphs", i), paragraph
    for i, relationship in enumerate(entity.relationships):
        yield "relationship", "relationships", ("relationships", i), relationship
    for i, event in enumerate(entity.events):
        yield "event", "events", ("events", i), event
    for i, assessment in enumerate(entity.assessments):
        yield "assessment", "assessments", ("assessments", i), assessment


def items(entity: Person | Group) -> list[Item]:
    """Every identifiable item of ``entity`` in file order, each with its id.

    Derived ids never collide with each other or with an editor's id: the n-th
    item with the same natural key gets ``n`` mixed in, and a clash lengthens the hash.
    """
    located = list(_located(entity))
    explicit = {getattr(model, "id", None) for *_, model in located} - {None}
    seen: Counter[str] = Counter()
    taken: set[str] = set(str(i) for i in explicit)
    result: list[Item] = []
    for kind, group, loc, model in located:
        own = getattr(model, "id", None)
        if own is not None:
            result.append(Item(kind, group, loc, model, own, True))
            continue
        key = f"{kind}\0{natural_key(kind, group, model)}"
        seen[key] += 1
        digest = hashlib.sha256(f"{key}\0{seen[key] - 1}".encode()).hexdigest()
        size = 8
        while f"{KINDS[kind]}-{digest[:size]}" in taken:
            size += 2
        derived = f"{KINDS[kind]}-{digest[:size]}"
        taken.add(derived)
        result.append(Item(kind, group, loc, model, derived, False))
    return result
