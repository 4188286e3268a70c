"""GraphML and GEXF exports of the bundled corpus: read back by networkx, byte-stable."""

from __future__ import annotations

import datetime
import io
from dataclasses import replace
from typing import Any

import networkx as nx  # type: ignore[import-untyped]
import pytest

from builder.check.index import Index
from builder.export.graph import to_gexf, to_graphml
from builder.export.walk import Dataset, RelationshipRecord, dataset
from builder.source.models import Settings

EdgeData = dict[str, dict[str, Any]]  # relationship id -> the edge's attributes


@pytest.fixture(scope="module")
def data(corpus: tuple[Settings, Index]) -> Dataset:
    return dataset(*corpus)


@pytest.fixture(scope="module")
def stated(data: Dataset) -> dict[str, RelationshipRecord]:
    return {r.id: r for r in data.relationships if not r.derived}


@pytest.fixture(scope="module")
def graphml(data: Dataset) -> bytes:
    return to_graphml(data)


@pytest.fixture(scope="module")
def gexf(data: Dataset) -> bytes:
    return to_gexf(data)


@pytest.fixture(scope="module")
def graphml_graph(graphml: bytes) -> Any:
    return nx.read_graphml(io.BytesIO(graphml), edge_key_type=str, force_multigraph=True)


@pytest.fixture(scope="module")
def gexf_graph(gexf: bytes) -> Any:
    return nx.read_gexf(io.BytesIO(gexf))


@pytest.fixture(scope="module")
def graphml_edges(graphml_graph: Any) -> EdgeData:
    return {
        key: {"subject": u, "object": v, **attrs}
        for u, v, key, attrs in graphml_graph.edges(keys=True, data=True)
    }


@pytest.fixture(scope="module")
def gexf_edges(gexf_graph: Any) -> EdgeData:
    return {
        attrs["id"]: {"subject": u, "object": v, **attrs}
        for u, v, attrs in gexf_graph.edges(data=True)
    }


def _blank(value: str | None) -> str:
    return "" if value is None else value


def test_corpus_has_the_expected_size(data: Dataset, stated: dict[str, RelationshipRecord]) -> None:
    assert len(data.entities) == 33
    assert len(stated) == 44
    assert len(data.relationships) == 88


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_every_entity_is_a_node_with_its_attributes(
    fmt: str, data: Dataset, graphml_graph: Any, gexf_graph: Any
) -> None:
    g = graphml_graph if fmt == "graphml" else gexf_graph
    assert g.is_directed()
    assert g.number_of_nodes() == 33
    assert set(g.nodes) == {e.id for e in data.entities}
    for entity in data.entities:
        attrs = g.nodes[entity.id]
        assert attrs["label"] == entity.name
        assert attrs["kind"] == entity.kind
        assert attrs["name"] == entity.name
        assert attrs["aliases"] == "; ".join(entity.aliases)
        assert attrs["summary"] == entity.summary
        assert attrs["as_of"] == entity.as_of
        assert attrs["reviewed"] == entity.reviewed


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_every_stated_relationship_is_one_edge_with_its_attributes(
    fmt: str,
    stated: dict[str, RelationshipRecord],
    graphml_edges: EdgeData,
    gexf_edges: EdgeData,
) -> None:
    edges = graphml_edges if fmt == "graphml" else gexf_edges
    assert len(edges) == 44
    assert set(edges) == set(stated)
    for rel_id, rel in stated.items():
        edge = edges[rel_id]
        assert (edge["subject"], edge["object"]) == (rel.subject, rel.object)
        assert edge["relationship_type"] == rel.type
        assert edge["status"] == rel.status
        assert edge["attributed_to"] == _blank(rel.attributed_to)
        assert edge["description"] == _blank(rel.description)
        assert edge["inference"] == _blank(rel.inference)
        assert edge["note"] == _blank(rel.note)
        assert (edge["date"], edge["start_date"], edge["end_date"]) == (
            _blank(rel.date),
            _blank(rel.start),
            _blank(rel.end),
        )
        assert edge["citation_count"] == len(rel.citations)
        assert edge["grades"] == ";".join(c.grade for c in rel.citations)
        assert edge["sources"] == ";".join(c.source for c in rel.citations)
        assert edge["quotes"] == " | ".join(c.quote for c in rel.citations)


def test_derived_inverses_are_not_edges(
    data: Dataset, graphml_edges: EdgeData, gexf_edges: EdgeData
) -> None:
    derived = {r.id for r in data.relationships if r.derived}
    assert len(derived) == 44
    assert derived & set(graphml_edges) == set()
    assert derived & set(gexf_edges) == set()


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_edge_with_several_citations(
    fmt: str, graphml_edges: EdgeData, gexf_edges: EdgeData
) -> None:
    edge = dict((graphml_edges if fmt == "graphml" else gexf_edges)["isi#r-72cc9b7d"])
    assert edge.pop("id", "isi#r-72cc9b7d") == "isi#r-72cc9b7d"  # GEXF: the edge id
    assert edge == {
        "subject": "isi",
        "object": "afghan-taliban",
        "relationship_type": "supports",
        "status": "alleged",
        "attributed_to": "Aqil Shah (seed 001); Mukhtar Wafayee (seed 000)",
        "description": "Its principal external patron (seed 001); often seen as its "
        "backer (seed 000).",
        "inference": "",
        "note": "Denied by previous Pakistani governments (seed 000).",
        "date": "",
        "start_date": "",
        "end_date": "",
        "date_edtf": "",
        "start_date_edtf": "",
        "end_date_edtf": "",
        "citation_count": 3,
        "best_grade": "C3",
        "worst_grade": "C3",
        "min_credibility": 3,
        "max_credibility": 3,
        "grades": "C3;C3;C3",
        "sources": "seed-001;seed-000;seed-001",
        "locators": "¶1;¶8;¶1",
        "quotes": "the ISI has been the militant group’s principal external patron"
        " | ISI is often seen as a supporter and backer of the Afghan Taliban"
        " | was instrumental in the creation of the group in the 1990s",
    }


def test_grades_are_ordered_by_reliability_then_credibility(
    data: Dataset, gexf_edges: EdgeData
) -> None:
    edge = gexf_edges["isis-k#r-a5a17327"]
    assert (edge["grades"], edge["best_grade"], edge["worst_grade"]) == ("D3;E4", "D3", "E4")
    assert (edge["min_credibility"], edge["max_credibility"]) == (3, 4)
    # The written order does not decide: the same link with its citations reversed.
    reversed_links = tuple(
        replace(r, citations=r.citations[::-1]) if r.id == "isis-k#r-a5a17327" else r
        for r in data.relationships
    )
    graph = nx.read_gexf(io.BytesIO(to_gexf(replace(data, relationships=reversed_links))))
    (flipped,) = (a for _, _, a in graph.edges(data=True) if a["id"] == "isis-k#r-a5a17327")
    assert (flipped["grades"], flipped["best_grade"], flipped["worst_grade"]) == (
        "E4;D3",
        "D3",
        "E4",
    )


def test_dates_keep_the_written_form_and_edtf(gexf_edges: EdgeData) -> None:
    edge = gexf_edges["nadeem-anjum#r-8a1cd1d6"]
    assert (edge["start_date"], edge["end_date"]) == ("2021", "2024-09-30")
    assert (edge["start_date_edtf"], edge["end_date_edtf"]) == ("2021", "2024-09-30")
    approximate = [e for e in gexf_edges.values() if e["date"].startswith("~")]
    assert [(e["date"], e["date_edtf"]) for e in approximate] == [("~2021", "2021~")]


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_every_relationship_citation_is_counted(
    fmt: str, data: Dataset, graphml_edges: EdgeData, gexf_edges: EdgeData
) -> None:
    edges = graphml_edges if fmt == "graphml" else gexf_edges
    on_relationships = len(data.citations) - sum(len(i.citations) for i in data.items)
    assert on_relationships == 53
    assert sum(e["citation_count"] for e in edges.values()) == on_relationships
    assert sum(len(e["grades"].split(";")) for e in edges.values()) == on_relationships


def test_exports_are_byte_identical(data: Dataset, graphml: bytes, gexf: bytes) -> None:
    assert to_graphml(data) == graphml
    assert to_gexf(data) == gexf


def test_gexf_is_dated_by_the_data_not_the_clock(
    data: Dataset, gexf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert datetime.date.today().isoformat().encode() not in gexf
    assert b'<meta lastmodifieddate="2024-10-31">' in gexf
    monkeypatch.setattr("networkx.readwrite.gexf.time.strftime", lambda _: "1999-12-31")
    assert to_gexf(data) == gexf


def test_graph_carries_title_marking_and_date(
    data: Dataset, graphml_graph: Any, gexf: bytes
) -> None:
    assert {k: graphml_graph.graph[k] for k in ("name", "marking", "as_of")} == {
        "name": data.title,
        "marking": "UNCLASSIFIED // OPEN SOURCE",
        "as_of": "~2024-10",
    }
    description = f"<description>{data.title} (UNCLASSIFIED // OPEN SOURCE)</description>"
    assert description.encode() in gexf
