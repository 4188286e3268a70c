"""Which files an entity's page, chapter or dossier is made from.

An entity's view shows its own profile, the relationships that touch it (its own and
the inverses derived from others' profiles), the events it takes part in (its own
and others'), and in all of them names of further entities (targets, participants,
``attributed_to``, ``by``, ``entity:`` links) and the sources their citations cite.
:func:`entity_inputs` returns the files of all of these: the profile of every entity
whose data or name the view can show, and the metadata of every source it can cite.

The set errs on the generous side (any word of the shown text that is an entity id
counts). It tells a build which outputs an edit can change without rendering them,
and an archivist which files an output was made from. ``tests/test_inputs.py`` proves
it complete: renaming every entity and regrading every source outside it leaves the
view unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import BaseModel

from builder.check.index import Index, walk
from builder.source.models import Citation

__all__ = ["entity_inputs"]

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _strings(item)


def entity_inputs(index: Index, entity_id: str) -> frozenset[str]:
    """Repository paths of the files the view of ``entity_id`` is made from."""
    items: list[BaseModel] = [index.entities[entity_id].model]
    ids = {entity_id}
    for link in index.links.get(entity_id, []):
        items.append(link.relationship)
        ids.add(link.other)  # its name, and for a derived link the profile it is written in
    for event, origin in index.timelines.get(entity_id, []):
        items.append(event)
        ids.add(origin)
    sources: set[str] = set()
    for item in items:
        for text in _strings(item):
            ids.update(word for word in _WORD.findall(text) if word in index.entities)
        for _, node in walk(item):
            if isinstance(node, Citation):
                sources.add(node.source)
    return frozenset(
        {index.entities[i].path for i in ids}
        | {index.sources[s].path for s in sources if s in index.sources}
    )
