"""The FollowTheMoney export: valid entities, every record and citation accounted for."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from followthemoney import EntityProxy, model, registry

from builder.check.index import Index
from builder.errors import DossierError
from builder.export.ftm import LinkSchema, citation_line, ftm_id, link_schema, to_ftm
from builder.export.walk import Dataset, dataset
from builder.source.models import Settings

Walk = Callable[[Iterable[str] | None], Dataset]
LINK_SCHEMATA = {
    "Membership",
    "Directorship",
    "Associate",
    "Family",
    "Representation",
    "Succession",
    "UnknownLink",
}


@pytest.fixture(scope="module")
def walk(corpus: tuple[Settings, Index]) -> Walk:
    """The bundled corpus, checked once; call with entity ids to walk only those."""

    def make(only: Iterable[str] | None = None) -> Dataset:
        return dataset(*corpus, only)

    return make


@pytest.fixture(scope="module")
def data(walk: Walk) -> Dataset:
    """The whole corpus, walked."""
    return walk(None)


@pytest.fixture(scope="module")
def output(data: Dataset) -> bytes:
    """The FtM export of the corpus."""
    return to_ftm(data)


@pytest.fixture(scope="module")
def lines(output: bytes) -> list[dict[str, Any]]:
    """The export's lines, parsed as JSON."""
    return [json.loads(line) for line in output.decode("utf-8").splitlines()]


@pytest.fixture(scope="module")
def by_id(lines: list[dict[str, Any]]) -> dict[str, EntityProxy]:
    """The exported entities as FtM proxies, by FtM id."""
    return {line["id"]: model.get_proxy(line) for line in lines}


def _schemata(by_id: dict[str, EntityProxy]) -> Counter[str]:
    return Counter(p.schema.name for p in by_id.values())


def test_every_line_is_a_valid_ftm_entity(lines: list[dict[str, Any]]) -> None:
    for line in lines:
        # cleaned=False re-validates and re-normalises every value: nothing may change.
        proxy = model.get_proxy(line, cleaned=False)
        assert proxy.to_dict() == line
        assert not proxy.schema.abstract
        assert proxy.schema.validate({"properties": line["properties"]}) is None
        assert [p for p in proxy.schema.required if not proxy.has(p)] == [], line["id"]
        for prop, values in line["properties"].items():
            assert values, (line["id"], prop)
            assert all(proxy.schema.properties[prop].validate([v]) is None for v in values)


def test_lines_are_sorted_unique_and_canonical(output: bytes, lines: list[dict[str, Any]]) -> None:
    ids = [line["id"] for line in lines]
    assert ids == sorted(set(ids))
    expected = "".join(
        json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n" for line in lines
    )
    assert output.decode("utf-8") == expected


def test_one_entity_per_record(data: Dataset, by_id: dict[str, EntityProxy]) -> None:
    stated = [r for r in data.relationships if not r.derived]
    assert (len(data.entities), len(data.items), len(stated), len(data.sources)) == (33, 185, 44, 5)
    assert _schemata(by_id) == {
        "Note": 173,
        "Organization": 18,
        "Person": 15,
        "Event": 12,
        "Document": 5,
        "UnknownLink": 29,
        "Directorship": 7,
        "Membership": 4,
        "Associate": 2,
        "Representation": 1,
        "Succession": 1,
    }
    counts = _schemata(by_id)
    assert counts["Person"] + counts["Organization"] == len(data.entities)
    assert sum(counts[s] for s in LINK_SCHEMATA) == len(stated) == 44
    assert counts["Document"] == len(data.sources)
    assert counts["Event"] + counts["Note"] == len(data.items)


def test_people_and_groups_keep_name_aliases_summary_and_profile(
    data: Dataset, by_id: dict[str, EntityProxy]
) -> None:
    for record in data.entities:
        proxy = by_id[ftm_id("entity", record.id)]
        assert proxy.schema.name == {"person": "Person", "group": "Organization"}[record.kind]
        assert proxy.get("name") == [record.name]
        assert sorted(proxy.get("alias")) == sorted(set(record.aliases))
        assert proxy.get("summary") == [record.summary]
        assert proxy.get("notes")[0] == (
            f"{data.marking}. {data.title} (as of {data.as_of}): profile {record.id} "
            f"({record.path}), as of {record.as_of}, reviewed {record.reviewed}."
        )
        cited = sorted({c.source for c in data.citations if c.entity == record.id})
        assert proxy.get("proof") == [ftm_id("source", s) for s in cited]


def test_reported_claims_fill_properties_and_the_rest_are_notes(
    by_id: dict[str, EntityProxy],
) -> None:
    bla = by_id[ftm_id("entity", "bla")]
    assert bla.get("classification") == ["Separatist armed group"]
    assert bla.get("notes")[1:] == [
        "size: around 5,000 fighters (reported; attributed to Mukhtar Wafayee (seed 000); "
        "date ~2024-09; C3)",
        "areas: Balochistan (Pakistan) (reported; inference: Taken from the group's name and "
        "seed 000's description of Balochistan's unrest.; C3)",
    ]
    taliban = by_id[ftm_id("entity", "afghan-taliban")]
    # the reported type is the classification; the alleged one is not stated as a fact
    assert taliban.get("classification") == [
        "Government of Afghanistan since August 2021, recognised by no country"
    ]
    assert taliban.get("notes")[1:] == [
        "founded: Created in the 1990s during the Afghan civil war, with the ISI instrumental "
        "(alleged; attributed to Aqil Shah (seed 001); inference: Seed 001's sentences are out "
        'of order; "the group" whose creation the ISI was instrumental in is read as the '
        "Taliban, the subject of the sentences around it.; C3)",
        "leaders: Sirajuddin Haqqani, one of two deputy leaders (appointed 2015; as of 2021, "
        "seed 001) (reported; start 2015; C2)",
        "areas: Afghanistan; as of 2021, members of its leadership council resided in "
        "Pakistan, including Quetta (seed 001); seed 000 speaks of safe havens for its "
        "leaders and fighters in Pakistan (reported; C2)",
        "type: A mono-ethnic movement (alleged; attributed to author of seed 002; D4)",
    ]
    malik = by_id[ftm_id("entity", "asim-malik")]
    assert "Director General of the Inter-Services Intelligence (ISI)" in malik.get("position")
    assert "rank: Lieutenant General (reported; C2)" in malik.get("notes")


def test_every_item_is_one_note_or_event_of_its_profile(
    data: Dataset, by_id: dict[str, EntityProxy]
) -> None:
    for item in data.items:
        proxy = by_id[ftm_id("item", item.id)]
        owner = ftm_id("entity", item.entity)
        if item.kind == "event":
            assert proxy.schema.name == "Event"
            assert proxy.get("recordId") == [item.id]
            assert proxy.get("name") == [item.fields["title"]]
            assert proxy.get("involved")[0] == owner
            assert proxy.get("location") == (
                [item.fields["place"]] if "place" in item.fields else []
            )
            assert proxy.get("date") == ([item.date.lstrip("~")] if item.date else [])
        else:
            assert proxy.schema.name == "Note"
            assert proxy.get("entity") == [owner]
            assert proxy.get("summary")[0].endswith(f"; id {item.id}")
            text = {
                "claim": "value",
                "alias": "name",
                "paragraph": "text",
                "assessment": "judgment",
            }
            assert item.fields[text[item.kind]] in proxy.get("description")[0]
        summary = proxy.get("summary")[0]
        if item.status is not None:
            assert item.status in summary
        for value in (item.attributed_to, item.inference, item.note):
            assert value is None or value in summary, (item.id, value)


def test_every_citation_is_kept_with_quote_grade_and_document(
    data: Dataset, by_id: dict[str, EntityProxy]
) -> None:
    stated = {r.id for r in data.relationships if not r.derived}
    checked = 0
    for citation in data.citations:
        if citation.item in stated:
            proxy, prop = by_id[ftm_id("relationship", citation.item)], "summary"
        else:
            proxy, prop = by_id[ftm_id("item", citation.item)], "notes"
        found = [v for v in proxy.get(prop) if v.endswith(f"[{citation.id}]")]
        assert found == [
            f"{citation.grade} {citation.source} {citation.locator}: “{citation.quote}”"
            + ("" if citation.note is None else f" (note: {citation.note})")
            + f" [{citation.id}]"
        ]
        assert found == [citation_line(citation)]
        assert ftm_id("source", citation.source) in proxy.get("proof")
        checked += 1
    assert checked == len(data.citations) == 352


def test_stated_relationships_are_one_link_each_and_inverses_point_to_them(
    data: Dataset, by_id: dict[str, EntityProxy]
) -> None:
    kinds = {e.id: e.kind for e in data.entities}
    links = {p.first("recordId") or "": p for p in by_id.values() if p.schema.name in LINK_SCHEMATA}
    assert sorted(links) == sorted(r.id for r in data.relationships if not r.derived)
    assert sorted(r.inverse_of or "" for r in data.relationships if r.derived) == sorted(links)
    for record in data.relationships:
        if record.derived:
            assert record.inverse_of is not None
            proxy = links[record.inverse_of]
            subject, object_ = record.object, record.subject
        else:
            proxy = links[record.id]
            subject, object_ = record.subject, record.object
            chosen = link_schema(record.type, kinds[subject], kinds[object_])
            assert proxy.schema.name == chosen.schema
            assert proxy.get(chosen.label) == [record.type]
            assert proxy.get("description") == [v for v in [record.description] if v]
            assert proxy.get("summary")[0].startswith(record.status)
            for prop, value in [("startDate", record.start), ("endDate", record.end)]:
                assert proxy.get(prop) == ([value.lstrip("~")] if value else [])
        ends = _ends(proxy)
        assert proxy.get(ends.subject) == [ftm_id("entity", subject)]
        assert proxy.get(ends.object) == [ftm_id("entity", object_)]


def _ends(proxy: EntityProxy) -> LinkSchema:
    """The ends of an exported link, from its type and schema."""
    label = "relationship" if proxy.schema.name in {"Associate", "Family"} else "role"
    type_ = proxy.first(label)
    assert type_ is not None
    for kinds in [
        ("person", "person"),
        ("person", "group"),
        ("group", "group"),
        ("group", "person"),
    ]:
        chosen = link_schema(type_, *kinds)
        if chosen.schema == proxy.schema.name:
            return chosen
    raise AssertionError(proxy.schema.name)


def test_every_entity_reference_resolves(by_id: dict[str, EntityProxy]) -> None:
    for proxy in by_id.values():
        for prop, value in proxy.itervalues():
            if prop.type == registry.entity:
                target = by_id[value]
                assert prop.range is not None and target.schema.is_a(prop.range), (prop, value)
    ends = [
        by_id[value].schema.name
        for proxy in by_id.values()
        if proxy.schema.name in LINK_SCHEMATA
        for prop, value in proxy.itervalues()
        if prop.type == registry.entity and prop.name != "proof"
    ]
    assert set(ends) == {"Person", "Organization"}


@pytest.mark.parametrize(
    ("type_", "subject", "object_", "expected"),
    [
        ("member_of", "person", "group", "Membership"),
        ("part_of", "group", "group", "Membership"),
        ("member_of", "person", "person", "UnknownLink"),
        ("leads", "person", "group", "Directorship"),
        ("commands", "person", "person", "UnknownLink"),
        ("family_of", "person", "person", "Family"),
        ("family_of", "person", "group", "UnknownLink"),
        ("ally_of", "person", "person", "Associate"),
        ("ally_of", "group", "group", "UnknownLink"),
        ("succeeded", "person", "person", "Succession"),
        ("spokesperson_of", "person", "group", "Representation"),
        ("opposes", "group", "group", "UnknownLink"),
        ("accused_of_supporting", "group", "group", "UnknownLink"),
    ],
)
def test_link_schema_follows_ftm_ranges(
    type_: str, subject: str, object_: str, expected: str
) -> None:
    assert link_schema(type_, subject, object_).schema == expected


def test_approximate_dates_are_iso_with_the_original_kept(
    data: Dataset, by_id: dict[str, EntityProxy]
) -> None:
    event = by_id[ftm_id("item", "pakistan-army#e-d3f430ba")]
    assert event.get("date") == ["2024"]
    assert event.get("summary") == [
        'reported; inference: Seed 000 says "two months ago"; counted back from seed 000\'s '
        "own date, which is itself inferred (about September 2024), so only the year is "
        "given.; date ~2024; profile pakistan-army; participants: ttp"
    ]
    size = by_id[ftm_id("item", "bla#c-a1563d5d")]
    assert "; date ~2024-09; " in (size.first("summary") or "")
    [approximate] = [r for r in data.relationships if r.date == "~2021" and not r.derived]
    link = by_id[ftm_id("relationship", approximate.id)]
    assert link.get("date") == ["2021"]
    assert "date ~2021" in (link.first("summary") or "")
    source = by_id[ftm_id("source", "seed-000")]
    assert source.get("publishedAt") == ["2024-09"]
    assert (source.first("notes") or "").endswith(", published ~2024-09")


def test_sources_are_documents_with_grade_and_hash(
    data: Dataset, by_id: dict[str, EntityProxy]
) -> None:
    for source in data.sources:
        proxy = by_id[ftm_id("source", source.id)]
        assert proxy.schema.name == "Document"
        assert proxy.get("fileName") == [source.file]
        assert proxy.get("title") == [source.title]
        assert proxy.get("author") == [v for v in [source.author] if v]
        assert proxy.get("publisher") == [v for v in [source.publisher] if v]
        assert proxy.get("language") == ["eng"]
        assert proxy.get("retrievedAt") == [source.retrieved]
        assert proxy.get("summary") == [
            f"Reliability {source.reliability}: {source.reliability_reason}"
        ]
        notes = proxy.get("notes")
        assert f"sha256 {source.sha256}" in notes[0]
        assert notes[1:] == list(source.notes)


def test_values_ftm_cannot_read_are_kept_in_notes(data: Dataset) -> None:
    [rank] = [i for i in data.items if i.id == "asim-malik#c-a9be7f7b"]
    nationalities = [
        dataclasses.replace(
            rank, id=f"asim-malik#c-{n}", group="facts.nationality", fields={"value": v}
        )
        for n, v in [("n1", "Pakistani"), ("n2", "Pashtun")]
    ]
    source = dataclasses.replace(data.sources[0], url="not a url", language="xx")
    changed = dataclasses.replace(
        data, items=data.items + tuple(nationalities), sources=(source, *data.sources[1:])
    )
    exported = {
        p.id: p
        for p in (model.get_proxy(json.loads(x)) for x in to_ftm(changed).decode().splitlines())
    }
    malik = exported[ftm_id("entity", "asim-malik")]
    assert malik.get("nationality") == ["pk"]
    assert "nationality: Pashtun (reported; C2)" in malik.get("notes")
    document = exported[ftm_id("source", source.id)]
    assert (document.get("sourceUrl"), document.get("language")) == ([], [])
    assert document.get("notes")[1:3] == ["sourceUrl: not a url", "language: xx"]


def test_a_value_ftm_refuses_fails_loudly(data: Dataset) -> None:
    blank = dataclasses.replace(data.entities[0], name="   ")
    with pytest.raises(DossierError) as raised:
        to_ftm(dataclasses.replace(data, entities=(blank, *data.entities[1:])))
    assert raised.value.message == "FtM export: Organization.name refused '   '"


def test_partial_export_refers_only_to_exported_entities(walk: Walk) -> None:
    part = walk(["asim-malik", "isi"])
    exported = {
        p.id: p
        for p in (model.get_proxy(json.loads(x)) for x in to_ftm(part).decode().splitlines())
    }
    for proxy in exported.values():
        for prop, value in proxy.itervalues():
            if prop.type == registry.entity:
                assert value in exported, (proxy.schema.name, prop.name)
    meeting = exported[ftm_id("item", "asim-malik#e-f6770f8c")]
    assert meeting.get("involved") == [ftm_id("entity", "asim-malik")]
    assert meeting.get("summary") == [
        "reported; inference: Seed 002 gives no date; it calls Malik Director General of the "
        "ISI, so the meeting is after he took office (30 September 2024, by inference from "
        "seed 000).; profile asim-malik; participants: emomali-rahmon"
    ]


def test_export_is_byte_identical(walk: Walk, output: bytes) -> None:
    assert to_ftm(walk(None)) == output
    assert to_ftm(walk(None)) == to_ftm(walk(None))
