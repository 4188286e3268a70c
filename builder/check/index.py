"""Derived data: the index that check builds once and the render stages read.

Relationships are typed once, in one profile; their inverses (``led_by`` for
``leads``) are derived here, never written. Symmetric types read the same from
both ends. The :class:`Index` also records which entities cite each source,
every citation of each source with the item it supports, and the events each
entity takes part in: pages look these up instead of scanning every profile,
so each page costs the same however large the repository is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from pydantic import BaseModel

from builder.errors import Diagnostic
from builder.source.load import Loaded, Project
from builder.source.models import (
    Book,
    Citation,
    Event,
    Group,
    Person,
    Relationship,
    RelationshipType,
    Source,
)
from builder.source.yamlread import Loc

__all__ = [
    "INVERSES",
    "SYMMETRIC",
    "AnyEntity",
    "Cited",
    "Index",
    "Link",
    "derive_links",
    "derive_timelines",
    "walk",
]

SYMMETRIC = frozenset(
    {"ally_of", "rival_of", "clashed_with", "met_with", "family_of", "close_to", "linked_to"}
)
# Label of each directed type seen from its target; derived, never typed.
INVERSES: dict[str, str] = {
    "leads": "led_by",
    "member_of": "has_member",
    "part_of": "has_part",
    "commands": "commanded_by",
    "succeeded": "succeeded_by",
    "appointed_by": "appointed",
    "approved_by": "approved",
    "founded": "founded_by",
    "advised": "advised_by",
    "opposes": "opposed_by",
    "supports": "supported_by",
    "accused_of_supporting": "accused_of_being_supported_by",
    "accuses": "accused_by",
    "hosts": "hosted_by",
    "spokesperson_of": "has_spokesperson",
    "reported_on": "reported_on_by",
} | {name: name for name in SYMMETRIC}

AnyEntity = Loaded[Person] | Loaded[Group]


@dataclass(frozen=True)
class Link:
    """A relationship seen from one end; ``derived`` when it is the inverse."""

    subject: str
    label: str
    other: str
    relationship: Relationship
    derived: bool


@dataclass(frozen=True)
class Cited:
    """One citation with the profile item it supports (for a source's page)."""

    entity: str
    loc: Loc  # the item's field path in its profile, e.g. ("facts", "rank", 0)
    item: BaseModel | None  # None only if a schema ever puts a citation outside an item
    citation: Citation


@dataclass
class Index:
    """Derived data built once by check for the render stages.

    ``citations`` lists every citation of a source in entity order (that of
    ``entities``), then file order; ``timelines`` lists, for each entity, the
    events of its own profile and those naming it as a participant, by origin
    id and then file order (undated and unsorted: dates are a view's concern).
    """

    entities: dict[str, AnyEntity] = field(default_factory=dict)
    sources: dict[str, Loaded[Source]] = field(default_factory=dict)
    books: dict[str, Loaded[Book]] = field(default_factory=dict)
    links: dict[str, list[Link]] = field(default_factory=lambda: defaultdict(list))
    cited_by: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    citations: dict[str, list[Cited]] = field(default_factory=lambda: defaultdict(list))
    timelines: dict[str, list[tuple[Event, str]]] = field(default_factory=lambda: defaultdict(list))


@cache
def _nested_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """Fields of ``cls`` whose annotation can hold a model (others never need a look).

    Asking pydantic for ``model_fields`` and reading every field of every node
    was most of the cost of a walk; the answer only depends on the class.
    """
    return tuple(name for name, info in cls.model_fields.items() if _holds_model(info.annotation))


def _holds_model(annotation: object) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_model(arg) for arg in getattr(annotation, "__args__", ()))


def walk(model: BaseModel, loc: Loc = ()) -> Iterator[tuple[Loc, BaseModel]]:
    """Every model nested in ``model`` (itself included) with its field path."""
    yield loc, model
    for name in _nested_fields(type(model)):
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from walk(value, (*loc, name))
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from walk(item, (*loc, name, i))


def derive_timelines(index: Index) -> None:
    """File every event under its own entity and each participant, once each."""
    for origin, entity in sorted(index.entities.items()):
        for event in entity.model.events:
            for entity_id in dict.fromkeys((origin, *event.participants)):
                if entity_id in index.entities:
                    index.timelines[entity_id].append((event, origin))


def derive_links(project: Project, index: Index) -> list[Diagnostic]:
    """Derive inverse links; a link written twice (on both ends) is an error."""
    out = []
    seen: dict[tuple[object, ...], str] = {}
    for entity in project.entities:
        subject = entity.model.id
        if index.entities.get(subject) is not entity:
            continue
        for i, rel in enumerate(entity.model.relationships):
            if rel.target not in index.entities or rel.target == subject:
                continue
            ends = (
                tuple(sorted((subject, rel.target)))
                if rel.type in SYMMETRIC
                else (subject, rel.target)
            )
            key = (rel.type, ends, rel.date, rel.start, rel.end, rel.attributed_to)
            if key in seen:
                out.append(
                    entity.problem(
                        ("relationships", i),
                        f"{rel.type.value} link with "
                        f"'{rel.target}' is already written in {seen[key]}; inverse "
                        "links are derived, write each link once",
                        rule="link-twice",
                    )
                )
                continue
            seen[key] = entity.path
            label = str(rel.type)  # the value: StrEnum's str() is str's, far faster than .value
            index.links[subject].append(Link(subject, label, rel.target, rel, False))
            index.links[rel.target].append(Link(rel.target, INVERSES[label], subject, rel, True))
    return out


assert set(INVERSES) == {t.value for t in RelationshipType}, "every type needs an inverse"
