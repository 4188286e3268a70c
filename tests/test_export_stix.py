"""STIX 2.1 export of the bundled corpus: parses, accounts for every record, byte-stable."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import Any

import pytest
import stix2  # type: ignore[import-untyped]

from builder.check.index import Index
from builder.export.stix import NAMESPACE, confidence, to_stix
from builder.export.walk import Dataset, ItemRecord, RelationshipRecord, dataset
from builder.source.models import Settings

Objects = dict[str, dict[str, Any]]  # x_dossier_id -> STIX object (as JSON)

CREDIBILITY = {1: 90, 2: 70, 3: 50, 4: 30, 5: 10}
CAP = {"A": 100, "B": 90, "C": 70, "D": 50, "E": 30}
STAMP = "2024-10-01T00:00:00.000Z"  # the first day of the project's as_of, ~2024-10


@pytest.fixture(scope="module")
def data(corpus: tuple[Settings, Index]) -> Dataset:
    return dataset(*corpus)


@pytest.fixture(scope="module")
def exported(data: Dataset) -> bytes:
    return to_stix(data)


@pytest.fixture(scope="module")
def bundle(exported: bytes) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(exported)
    return loaded


@pytest.fixture(scope="module")
def by_id(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["id"]: o for o in bundle["objects"]}


def _stated(data: Dataset) -> list[RelationshipRecord]:
    return [r for r in data.relationships if not r.derived]


def _of_type(bundle: dict[str, Any], *types: str) -> Objects:
    return {
        o["x_dossier_id"]: o
        for o in bundle["objects"]
        if o["type"] in types and "x_dossier_id" in o
    }


@pytest.fixture(scope="module")
def entities(bundle: dict[str, Any]) -> Objects:
    return _of_type(bundle, "identity", "threat-actor")


@pytest.fixture(scope="module")
def relationships(bundle: dict[str, Any]) -> Objects:
    return _of_type(bundle, "relationship")


@pytest.fixture(scope="module")
def notes(bundle: dict[str, Any]) -> Objects:
    return _of_type(bundle, "note")


@pytest.fixture(scope="module")
def reports(bundle: dict[str, Any]) -> Objects:
    return _of_type(bundle, "report")


def test_stix2_parses_the_bundle(exported: bytes) -> None:
    parsed = stix2.parse(exported.decode("utf-8"), allow_custom=True)
    assert parsed.type == "bundle"
    assert Counter(o.type for o in parsed.objects) == {
        "identity": 27,  # the desk and 26 entities
        "threat-actor": 7,
        "relationship": 44,
        "note": 185,
        "report": 5,
        "marking-definition": 1,
    }
    assert all(o.spec_version == "2.1" for o in parsed.objects)


def test_every_entity_is_one_object(data: Dataset, entities: Objects) -> None:
    assert len(entities) == 33
    assert set(entities) == {e.id for e in data.entities}
    for entity in data.entities:
        obj = entities[entity.id]
        assert (obj["name"], obj["description"]) == (entity.name, entity.summary)
        if entity.kind == "person":
            assert (obj["type"], obj["identity_class"]) == ("identity", "individual")
    assert {k for k, o in entities.items() if o["type"] == "threat-actor"} == {
        "afghanistan-freedom-front",
        "al-qaeda",
        "bla",
        "haqqani-network",
        "isis-k",  # by its name: no type claim, and its summary names no armed role
        "nrf",
        "ttp",
    }
    assert entities["ttp"]["aliases"] == ["TTP", "Tehreek-i-Taliban Pakistan", "Pakistani Taliban"]
    assert "threat_actor_types" not in entities["ttp"]
    assert (entities["isi"]["type"], entities["isi"]["identity_class"]) == (
        "identity",
        "organization",
    )
    assert entities["isi"]["x_dossier_aliases"] == ["ISI", "Inter-Services Intelligence Service"]


def test_the_desk_creates_and_the_marking_marks_everything(
    data: Dataset, bundle: dict[str, Any]
) -> None:
    desk, marking, *rest = bundle["objects"]
    assert (desk["type"], desk["name"], desk["identity_class"]) == (
        "identity",
        data.title,
        "organization",
    )
    assert (marking["type"], marking["definition"]) == (
        "marking-definition",
        {"statement": "UNCLASSIFIED // OPEN SOURCE"},
    )
    for obj in [desk, *rest]:
        assert obj["created_by_ref"] == desk["id"]
        assert obj["object_marking_refs"] == [marking["id"]]
        assert (obj["created"], obj["modified"]) == (STAMP, STAMP)


def test_every_stated_relationship_is_one_relationship(
    data: Dataset, relationships: Objects, entities: Objects
) -> None:
    stated = {r.id: r for r in _stated(data)}
    assert len(relationships) == 44
    assert set(relationships) == set(stated)
    for rel_id, rel in stated.items():
        obj = relationships[rel_id]
        assert obj["source_ref"] == entities[rel.subject]["id"]
        assert obj["target_ref"] == entities[rel.object]["id"]
        assert obj["x_dossier_type"] == rel.type
        assert obj["x_dossier_status"] == rel.status
        assert obj["labels"] == [rel.status]
        assert obj.get("x_dossier_attributed_to") == rel.attributed_to
        assert obj.get("description") == rel.description
        assert obj.get("x_dossier_date") == rel.date
    assert relationships["ttp#r-d55921d9"]["relationship_type"] == "related-to"
    assert (
        relationships["afghan-taliban#r-3963362d"]["relationship_type"] == "accused-of-supporting"
    )
    assert relationships["isi#r-72cc9b7d"]["relationship_type"] == "supports"


def test_references_point_into_the_bundle(
    bundle: dict[str, Any], by_id: dict[str, dict[str, Any]]
) -> None:
    assert len(by_id) == len(bundle["objects"])
    for obj in bundle["objects"]:
        for key in ("source_ref", "target_ref", "created_by_ref"):
            if key in obj:
                assert obj[key] in by_id, (obj["id"], key)
        for ref in obj.get("object_refs", []):
            assert ref in by_id, (obj["id"], ref)


def test_relationship_times_come_from_date_bounds(relationships: Objects) -> None:
    ranged = relationships["nadeem-anjum#r-8a1cd1d6"]
    assert (ranged["start_time"], ranged["stop_time"]) == (
        "2021-01-01T00:00:00Z",
        "2024-09-30T23:59:59.999Z",
    )
    assert (ranged["x_dossier_start"], ranged["x_dossier_end"]) == ("2021", "2024-09-30")
    dated = relationships["faiz-hameed#r-7323e50b"]
    assert (dated["start_time"], dated["stop_time"], dated["x_dossier_date"]) == (
        "2021-09-01T00:00:00Z",
        "2021-09-30T23:59:59.999Z",
        "2021-09",
    )
    day = relationships["asim-malik#r-f1e85d18"]
    assert (day["start_time"], day["stop_time"], day["x_dossier_date"]) == (
        "2024-09-30T00:00:00Z",
        "2024-09-30T23:59:59.999Z",
        "2024-09-30",
    )
    ended = relationships["ashraf-ghani#r-0ce14665"]
    assert "start_time" not in ended
    assert ended["stop_time"] == "2021-08-31T23:59:59.999Z"
    assert "start_time" not in relationships["isi#r-72cc9b7d"]


def test_every_item_is_one_note(data: Dataset, notes: Objects, entities: Objects) -> None:
    assert len(notes) == 185
    assert set(notes) == {i.id for i in data.items}
    for item in data.items:
        note = notes[item.id]
        assert note["object_refs"][0] == entities[item.entity]["id"]
        assert note["x_dossier_kind"] == item.kind
        assert note["abstract"] == item.label
        assert note.get("x_dossier_status") == item.status
    claim = notes["afghan-republic#c-0e27b031"]
    assert claim["content"] == "President Ashraf Ghani"
    assert claim["object_refs"] == [
        entities["afghan-republic"]["id"],
        entities["ashraf-ghani"]["id"],
    ]
    assert claim["x_dossier_fields"] == {
        "value": "President Ashraf Ghani",
        "entity": "ashraf-ghani",
    }
    assessment = notes["asim-malik#a-d53a87d0"]
    assert assessment["authors"] == ["Mukhtar Wafayee (seed 000)"]
    assert assessment["content"] == (
        "The threat Malik faces is multi-layered and complex, "
        "part of it stemming from Taliban-controlled Afghanistan."
    )
    assert "labels" not in assessment


def test_every_citation_is_one_external_reference(
    data: Dataset, relationships: Objects, notes: Objects
) -> None:
    references = [
        r for o in [*relationships.values(), *notes.values()] for r in o["external_references"]
    ]
    assert len(references) == len(data.citations) == 352
    assert sorted(r["external_id"] for r in references) == [c.id for c in data.citations]
    titles = {s.id: s.title for s in data.sources}
    by_citation = {r["external_id"]: r for r in references}
    for citation in data.citations:
        reference = by_citation[citation.id]
        assert reference["source_name"] == titles[citation.source]
        assert reference["description"].startswith(f"{citation.locator}, graded {citation.grade}: ")
        assert f"\u201c{citation.quote}\u201d" in reference["description"]


def test_every_source_is_one_report_of_what_cites_it(
    data: Dataset, reports: Objects, relationships: Objects, notes: Objects
) -> None:
    assert set(reports) == {s.id for s in data.sources}
    records: list[ItemRecord | RelationshipRecord] = [*data.items, *_stated(data)]
    for source in data.sources:
        citing = {
            (notes.get(r.id) or relationships[r.id])["id"]
            for r in records
            if any(c.source == source.id for c in r.citations)
        }
        report = reports[source.id]
        assert set(report["object_refs"]) == citing
        assert len(report["object_refs"]) == len(citing)
        assert report["name"] == source.title
        assert report["report_types"] == [source.kind]
    assert reports["seed-000"]["published"] == "2024-09-01T00:00:00Z"
    assert reports["seed-002"]["published"] == "2026-11-24T00:00:00Z"  # not published: retrieved
    assert reports["seed-000"]["external_references"][0]["hashes"] == {
        "SHA-256": "493a7835666a3a6875fa203d39fa02c7b19f89dac213e4395d11d6a944fd0dd4"
    }


@pytest.mark.parametrize(
    ("grade", "expected"),
    [
        ("A1", 90),
        ("B2", 70),
        ("C1", 70),
        ("C2", 70),
        ("C3", 50),
        ("D1", 50),
        ("D2", 50),
        ("D5", 10),
        ("E2", 30),
        ("E4", 30),
        ("F1", 90),
        ("B6", None),
        ("?3", 50),
    ],
)
def test_confidence_table(grade: str, expected: int | None) -> None:
    assert confidence(grade) == expected


def test_objects_take_the_best_confidence_of_their_citations(
    data: Dataset, relationships: Objects, notes: Objects
) -> None:
    records: list[ItemRecord | RelationshipRecord] = [*data.items, *_stated(data)]
    for record in records:
        values = [
            min(CREDIBILITY[c.credibility], CAP[c.grade[0]])
            for c in record.citations
            if c.credibility in CREDIBILITY
        ]
        obj = notes.get(record.id) or relationships[record.id]
        assert obj.get("confidence") == max(values, default=None), record.id
    assert relationships["isi#r-72cc9b7d"]["confidence"] == 50  # C3, C3, C3
    assert relationships["isis-k#r-a5a17327"]["confidence"] == 50  # D3, E4
    assert relationships["nds#r-4b174708"]["confidence"] == 70  # C2, E2


def test_ids_are_uuid5_of_dossier_ids(relationships: Objects, entities: Objects) -> None:
    rel = relationships["isi#r-72cc9b7d"]
    assert rel["id"] == f"relationship--{uuid.uuid5(NAMESPACE, 'relationship:isi#r-72cc9b7d')}"
    assert entities["ttp"]["id"] == f"threat-actor--{uuid.uuid5(NAMESPACE, 'entity:ttp')}"
    assert uuid.UUID(rel["id"].split("--")[1]).version == 5


def test_export_is_byte_identical(data: Dataset, exported: bytes) -> None:
    assert to_stix(data) == exported
