"""Derived data: the index that check builds once and the render stages read.

Relationships are typed once, in one profile; their inverses (``led_by`` for
``leads``) are derived here, never written. Symmetric types read the same from
both ends. The :class:`Index` also records which entities cite each source.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import BaseModel

from builder.errors import Diagnostic
from builder.source.load import Loaded, Project
from builder.source.models import Book, Group, Person, Relationship, RelationshipType, Source
from builder.source.yamlread import Loc

__all__ = ["INVERSES", "SYMMETRIC", "AnyEntity", "Index", "Link", "derive_links", "walk"]

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


@dataclass
class Index:
    """Derived data built once by check for the render stages."""

    entities: dict[str, AnyEntity] = field(default_factory=dict)
    sources: dict[str, Loaded[Source]] = field(default_factory=dict)
    books: dict[str, Loaded[Book]] = field(default_factory=dict)
    links: dict[str, list[Link]] = field(default_factory=lambda: defaultdict(list))
    cited_by: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def walk(model: BaseModel, loc: Loc = ()) -> Iterator[tuple[Loc, BaseModel]]:
    """Every model nested in ``model`` (itself included) with its field path."""
    yield loc, model
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from walk(value, (*loc, name))
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from walk(item, (*loc, name, i))


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
                    )
                )
                continue
            seen[key] = entity.path
            label = rel.type.value
            index.links[subject].append(Link(subject, label, rel.target, rel, False))
            index.links[rel.target].append(Link(rel.target, INVERSES[label], subject, rel, True))
    return out


assert set(INVERSES) == {t.value for t in RelationshipType}, "every type needs an inverse"
