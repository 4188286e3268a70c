"""GraphML and GEXF exports of the relationship graph, for Gephi, Cytoscape and yEd.

Both formats hold the same :class:`networkx.MultiDiGraph`:

- one node per entity (id = entity id), with ``label`` (the name, which Gephi shows),
  ``kind`` (person, group), ``name``, ``aliases`` (joined with ``"; "``), ``summary``
  (Markdown), ``as_of`` and ``reviewed``;
- one edge per **stated** relationship, from subject to object, keyed (GraphML edge
  id, GEXF edge id) by the relationship id. Derived inverses are left out: each is
  the same link seen from its other end, so a directed edge already carries it.

Edge attributes (the same names in both files):

- ``relationship_type``: the type as stated (``leads``, ``accuses`` …);
- ``status``, ``attributed_to``, ``description``, ``inference``, ``note``: as stated;
- ``date``, ``start_date``, ``end_date``: as the editor wrote them (``~2024-09``), and
  ``date_edtf``, ``start_date_edtf``, ``end_date_edtf``: the same in EDTF (``2024-09~``);
- ``citation_count`` (int); ``best_grade`` and ``worst_grade``: Admiralty grades ordered
  by reliability, then credibility (``C2`` is better than ``D1``); ``min_credibility``
  and ``max_credibility`` (int, 1 best … 6);
- ``grades``, ``sources``, ``locators``: one entry per citation, in citation order,
  joined with ``;`` (``"C2;D3"``, ``"seed-000;seed-002"``, ``"¶7;¶12"``), and ``quotes``:
  the verbatim quotes, joined with ``" | "``.

The graph itself carries ``name`` (the project title), ``marking`` and ``as_of`` in
GraphML; GEXF has no graph attributes, so its ``<meta><description>`` holds the title
and the marking.

GEXF gives ``type``, ``start``, ``end``, ``label`` and ``weight`` on an edge their own
meaning (edge direction, a dynamic-graph time span), hence ``relationship_type`` and
``start_date`` rather than the profile's key names.

Both formats only carry strings, numbers and booleans, so a missing value is written
as ``""`` (and an integer with nothing to count as ``0``); networkx reads ``""`` back,
though some GraphML readers take an empty ``<data/>`` as absent. Items (claims, events,
narrative), derived inverses and the sources' own metadata are not part of the graph:
the JSON and STIX exports carry them.

The bytes depend only on the data: nodes and edges are added in id order, and the date
networkx's GEXF writer stamps in ``<meta lastmodifieddate>`` (the day the file is
written) is replaced by the last day of the dataset's ``as_of``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import networkx as nx  # type: ignore[import-untyped]
from networkx.readwrite.gexf import GEXFWriter  # type: ignore[import-untyped]

from builder.export.walk import Dataset, RelationshipRecord, date_bounds, edtf

__all__ = ["edge_attributes", "grade_key", "graph", "to_gexf", "to_graphml"]

Attribute = str | int
_RELIABILITY = "ABCDEF"


def grade_key(grade: str) -> tuple[int, str]:
    """Sort key of an Admiralty grade: best ('A1') first, an unknown source ('?2') last."""
    rank = _RELIABILITY.find(grade[:1])
    return (len(_RELIABILITY) if rank < 0 else rank, grade[1:])


def graph(data: Dataset) -> nx.MultiDiGraph:
    """The entities and stated relationships of ``data`` as a directed multigraph."""
    g = nx.MultiDiGraph(name=data.title, marking=data.marking, as_of=data.as_of)
    for entity in sorted(data.entities, key=lambda e: e.id):
        g.add_node(
            entity.id,
            label=entity.name,
            kind=entity.kind,
            name=entity.name,
            aliases="; ".join(entity.aliases),
            summary=entity.summary,
            as_of=entity.as_of,
            reviewed=entity.reviewed,
        )
    stated = sorted((r for r in data.relationships if not r.derived), key=lambda r: r.id)
    for rel in stated:
        g.add_edge(rel.subject, rel.object, key=rel.id, **edge_attributes(rel))
    return g


def edge_attributes(rel: RelationshipRecord) -> dict[str, Attribute]:
    """The attributes an edge carries for ``rel`` (see the module docstring)."""
    cites = rel.citations
    grades = sorted((c.grade for c in cites), key=grade_key)
    credibility = [c.credibility for c in cites]
    return {
        "relationship_type": rel.type,
        "status": rel.status,
        "attributed_to": _blank(rel.attributed_to),
        "description": _blank(rel.description),
        "inference": _blank(rel.inference),
        "note": _blank(rel.note),
        "date": _blank(rel.date),
        "start_date": _blank(rel.start),
        "end_date": _blank(rel.end),
        "date_edtf": _blank(edtf(rel.date)),
        "start_date_edtf": _blank(edtf(rel.start)),
        "end_date_edtf": _blank(edtf(rel.end)),
        "citation_count": len(cites),
        "best_grade": grades[0] if grades else "",
        "worst_grade": grades[-1] if grades else "",
        "min_credibility": min(credibility, default=0),
        "max_credibility": max(credibility, default=0),
        "grades": _joined(c.grade for c in cites),
        "sources": _joined(c.source for c in cites),
        "locators": _joined(c.locator for c in cites),
        "quotes": " | ".join(c.quote for c in cites),
    }


def to_graphml(data: Dataset) -> bytes:
    """The graph of ``data`` as GraphML (UTF-8)."""
    out = io.BytesIO()
    nx.write_graphml_xml(graph(data), out, encoding="utf-8", prettyprint=True)
    return out.getvalue()


def to_gexf(data: Dataset) -> bytes:
    """The graph of ``data`` as GEXF 1.2 (UTF-8), dated by the data rather than the clock."""
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    meta = writer.xml.find("meta")
    bounds = date_bounds(data.as_of)
    if bounds is None:  # as_of is required; kept for the type checker
        del meta.attrib["lastmodifieddate"]
    else:
        meta.set("lastmodifieddate", bounds[1])
    description = meta.makeelement("description", {})
    description.text = f"{data.title} ({data.marking})"
    meta.append(description)
    g = graph(data)
    for _, _, key, attributes in g.edges(keys=True, data=True):
        attributes["id"] = key  # the writer makes it the edge id instead of a counter
    writer.add_graph(g)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _blank(value: str | None) -> str:
    return "" if value is None else value


def _joined(values: Iterable[str]) -> str:
    return ";".join(values)
