"""The site's search index: every entity and item as plain text, in one script file.

The index page searches with MiniSearch (vendored in the theme as
``vendor/minisearch.js``), in the reader's browser and offline. Its documents are
built here, at build time, and written as ``assets/search-index.js``, a script
that sets ``window.DOSSIER_SEARCH``: a page loads it with a ``<script>`` tag, which
works from ``file://`` where ``fetch()`` of a JSON file (or Pagefind's index
chunks) does not. The browser builds MiniSearch's own index from these documents
when the reader first searches, so nothing here depends on MiniSearch's format.

There is one document per entity (its name, aliases and summary) and one per
item of its profile that a reader can read: each claim, narrative paragraph,
relationship, event and assessment, with its status and a link to the part of
the profile page that shows it. Aliases are searched with their entity's name.
The output is deterministic: entities by id, items in file order, keys sorted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from markupsafe import Markup

from builder.check.index import Index
from builder.render import markdown
from builder.render.views import FACT_LABELS, humanise
from builder.source import ids
from builder.source.models import (
    Assessment,
    Claim,
    Event,
    Group,
    Paragraph,
    Person,
    Relationship,
)

__all__ = ["Document", "documents", "search_script"]

SCRIPT = "search-index.js"  # its name under the site's assets/
GLOBAL = "DOSSIER_SEARCH"  # the window property it sets; templates/search.js reads it

# Characters a JSON string may hold that must not reach a script verbatim: "</script>"
# or "<!--" would end or confuse an inline script if a theme ever inlined the file,
# and U+2028/U+2029 end a line in JavaScript before ES2019.
_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


@dataclass(frozen=True)
class Document:
    """One search result a reader can get: an entity, or one item of its profile.

    ``name`` and ``aliases`` are set on entity documents only, so that a name
    search finds the entity first rather than every item that mentions it.
    """

    id: str  # unique: the entity id, or ``entity#item-id``
    entity: str  # the entity id (its display name is in the index's ``entities``)
    kind: str  # 'entity', 'claim', 'paragraph', 'relationship', 'event', 'assessment'
    label: str  # what the item is, for the result line: 'Rank', 'Narrative: Career', ...
    name: str
    aliases: str
    text: str  # plain text: the summary, or the item's text
    status: str  # reported, alleged, disputed, denied; an entity's kind; a likelihood
    url: str  # the profile page, at the item's section


def _plain(text: str) -> str:
    """Markdown as plain text: entity links keep their words, citation markers go."""
    links = markdown.Links(entity_href=lambda entity_id: None, cite=lambda n: Markup(""))
    return str(markdown.render(text, links).striptags())


def _flat(*parts: str | None) -> str:
    return " ".join(" ".join(p.split()) for p in parts if p)


def _name(index: Index, entity_id: str) -> str:
    entity = index.entities.get(entity_id)
    return entity.model.name if entity else entity_id


def _anchor(entity: Person | Group, item: ids.Item) -> str:
    """The id of the profile section showing ``item`` (see templates/profile.html)."""
    if item.kind == "paragraph":
        return f"{entity.id}-s{int(item.loc[1]) + 1}"
    section = {
        "claim": "facts",
        "alias": "aliases",
        "relationship": "relationships",
        "event": "timeline",
        "assessment": "assessments",
    }
    return f"{entity.id}-{section[item.kind]}"


def _item_text(entity: Person | Group, item: ids.Item, index: Index) -> tuple[str, str, str]:
    """(label, text, status) of one item as a reader sees it on the profile."""
    model = item.model
    if isinstance(model, Claim):
        facet = item.group.removeprefix("facts.")
        named = _name(index, model.entity) if model.entity else ""
        # The entity a claim links to, unless its value names it already.
        other = f"({named})" if named and named not in model.value else None
        label = FACT_LABELS.get(facet, humanise(facet))
        return label, _flat(model.value, other), model.status.value
    if isinstance(model, Paragraph):
        title = entity.narrative[int(item.loc[1])].title
        return f"Narrative: {title}", _flat(_plain(model.text)), model.status.value
    if isinstance(model, Relationship):
        text = _flat(humanise(model.type.value), _name(index, model.target), model.description)
        return "Relationship", text, model.status.value
    if isinstance(model, Event):
        detail = _plain(model.description) if model.description else None
        return "Event", _flat(model.title, model.place, detail), model.status.value
    if isinstance(model, Assessment):
        return "Assessment", _flat(model.judgment), model.likelihood.value
    raise TypeError(f"not a searchable item: {type(model).__name__}")


def _entity_documents(index: Index, entity_id: str) -> Iterator[Document]:
    entity: Person | Group = index.entities[entity_id].model
    page = f"{entity_id}.html"
    yield Document(
        id=entity_id,
        entity=entity_id,
        kind="entity",
        label="Profile",
        name=entity.name,
        aliases=" · ".join(a.name for a in entity.aliases),
        text=_flat(_plain(entity.summary)),
        status=entity.kind,
        url=page,
    )
    for item in ids.items(entity):
        if item.kind == "alias":
            continue  # searched as the entity's aliases
        label, text, status = _item_text(entity, item, index)
        yield Document(
            id=f"{entity_id}#{item.id}",
            entity=entity_id,
            kind=item.kind,
            label=label,
            name="",
            aliases="",
            text=text,
            status=status,
            url=f"{page}#{_anchor(entity, item)}",
        )


def documents(index: Index) -> list[Document]:
    """Every search document of the repository: entities by id, items in file order."""
    return [
        doc for entity_id in sorted(index.entities) for doc in _entity_documents(index, entity_id)
    ]


def search_script(index: Index) -> str:
    """The text of ``assets/search-index.js``: one statement setting ``window.DOSSIER_SEARCH``.

    ``entities`` maps each id to its name and kind; ``documents`` are
    :func:`documents` as objects. Same repository, same bytes.
    """
    payload = {
        "entities": {
            entity_id: {"kind": entity.model.kind, "name": entity.model.name}
            for entity_id, entity in sorted(index.entities.items())
        },
        "documents": [asdict(doc) for doc in documents(index)],
    }
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escaped in _UNSAFE.items():
        data = data.replace(char, escaped)
    return f"window.{GLOBAL} = {data};\n"
