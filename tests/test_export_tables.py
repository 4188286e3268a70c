"""The JSON, CSV and SQLite exports of the bundled corpus: complete, joinable, valid, stable.

jsonschema is not a dependency, so :func:`schema_errors` below is a small validator of
the keywords :func:`builder.export.tables.json_schema` uses; it refuses any other
keyword, so the schema cannot grow past what these tests check.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from builder.check.rules import check_project
from builder.export.tables import TABLES, json_schema, to_csv, to_json, to_sqlite
from builder.export.walk import Dataset, dataset
from builder.source.load import load_project
from tests.conftest import REPO

_TYPES: dict[str, Callable[[object], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_ANNOTATIONS = {"$schema", "$defs", "title", "description"}


def _same(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b


def schema_errors(
    value: Any, schema: dict[str, Any], root: dict[str, Any], at: str = "$"
) -> list[str]:
    """Where ``value`` breaks ``schema`` (draft 2020-12 subset); [] when it conforms."""
    if "type" in schema:
        kinds = [schema["type"]] if isinstance(schema["type"], str) else schema["type"]
        if not any(_TYPES[k](value) for k in kinds):
            return [f"{at}: {value!r} is not of type {kinds}"]
    found: list[str] = []
    for keyword, rule in schema.items():
        if keyword in _ANNOTATIONS or keyword == "type":
            continue
        if keyword == "$ref":
            name = rule.removeprefix("#/$defs/")
            found += schema_errors(value, root["$defs"][name], root, at)
        elif keyword == "const":
            found += [] if _same(value, rule) else [f"{at}: {value!r} is not {rule!r}"]
        elif keyword == "enum":
            found += (
                [] if any(_same(value, v) for v in rule) else [f"{at}: {value!r} not in {rule}"]
            )
        elif keyword == "pattern":
            if isinstance(value, str) and not re.search(rule, value):
                found.append(f"{at}: {value!r} does not match {rule}")
        elif keyword in ("minimum", "maximum"):
            if _TYPES["integer"](value) and (
                value < rule if keyword == "minimum" else value > rule
            ):
                found.append(f"{at}: {value} breaks {keyword} {rule}")
        elif keyword == "properties":
            for key, sub in rule.items():
                if isinstance(value, dict) and key in value:
                    found += schema_errors(value[key], sub, root, f"{at}.{key}")
        elif keyword == "required":
            if isinstance(value, dict):
                found += [f"{at}: missing {key!r}" for key in rule if key not in value]
        elif keyword == "additionalProperties":
            assert rule is False, "only additionalProperties: false is supported"
            if isinstance(value, dict):
                extra = sorted(set(value) - set(schema.get("properties", {})))
                found += [f"{at}: unexpected {key!r}" for key in extra]
        elif keyword == "items":
            if isinstance(value, list):
                for n, element in enumerate(value):
                    found += schema_errors(element, rule, root, f"{at}[{n}]")
        else:
            raise ValueError(f"{at}: the test validator does not support {keyword!r}")
    return found


def _load(repo: Path) -> Dataset:
    project = load_project(repo)
    result = check_project(project)
    return dataset(project.settings.model, result.index)


@pytest.fixture(scope="module")
def data() -> Dataset:
    """The bundled corpus, walked."""
    return _load(REPO)


@pytest.fixture(scope="module")
def document(data: Dataset) -> dict[str, Any]:
    """The JSON export, parsed."""
    parsed: dict[str, Any] = json.loads(to_json(data))
    return parsed


@pytest.fixture(scope="module")
def tables(data: Dataset) -> dict[str, list[dict[str, str]]]:
    """The CSV export, read back with the csv module: table -> rows."""
    return {
        name.removesuffix(".csv"): list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
        for name, raw in to_csv(data).items()
    }


@pytest.fixture(scope="module")
def csv_db(data: Dataset) -> Iterator[sqlite3.Connection]:
    """The CSV files loaded into an in-memory database, columns as in their headers."""
    db = sqlite3.connect(":memory:")
    for name, raw in to_csv(data).items():
        header, *rows = csv.reader(io.StringIO(raw.decode("utf-8")))
        columns = ", ".join(f'"{c}"' for c in header)
        table = name.removesuffix(".csv")
        db.execute(f'CREATE TABLE "{table}" ({columns})')
        db.executemany(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(header))})', rows)
    yield db
    db.close()


@pytest.fixture
def exported_db(data: Dataset, tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """The SQLite export, written to a file and opened."""
    path = tmp_path / "dossier.sqlite"
    path.write_bytes(to_sqlite(data))
    db = sqlite3.connect(path)
    yield db
    db.close()


def test_json_validates_against_schema(document: dict[str, Any]) -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema_errors(document, schema, schema) == []


def test_schema_rejects_unknown_keys_and_bad_values(document: dict[str, Any]) -> None:
    schema = json_schema()
    broken = json.loads(json.dumps(document))
    broken["extra"] = 1
    broken["citations"][0]["credibility"] = 7
    broken["sources"][0]["reliability"] = "G"
    broken["items"][0]["fields"]["colour"] = "red"
    del broken["entities"][0]["as_of_edtf"]
    assert sorted(schema_errors(broken, schema, schema)) == [
        "$.citations[0].credibility: 7 breaks maximum 6",
        "$.entities[0]: missing 'as_of_edtf'",
        "$.items[0].fields: unexpected 'colour'",
        "$.sources[0].reliability: 'G' not in ['A', 'B', 'C', 'D', 'E', 'F']",
        "$: unexpected 'extra'",
    ]


def test_json_accounts_for_every_record(data: Dataset, document: dict[str, Any]) -> None:
    counts = {
        "entities": len(data.entities),
        "items": len(data.items),
        "relationships": len(data.relationships),
        "sources": len(data.sources),
        "citations": len(data.citations),
    }
    assert counts == {
        "entities": 33,
        "items": 185,
        "relationships": 88,
        "sources": 5,
        "citations": 352,
    }
    assert {name: len(document[name]) for name in counts} == counts
    assert [e["id"] for e in document["entities"]] == [e.id for e in data.entities]
    assert [i["id"] for i in document["items"]] == [i.id for i in data.items]
    assert [r["id"] for r in document["relationships"]] == [r.id for r in data.relationships]
    assert [s["id"] for s in document["sources"]] == [s.id for s in data.sources]
    assert [c["id"] for c in document["citations"]] == [c.id for c in data.citations]
    derived = Counter(r["derived"] for r in document["relationships"])
    assert derived == Counter(r.derived for r in data.relationships) == {True: 44, False: 44}
    cited = {c for r in document["items"] + document["relationships"] for c in r["citations"]}
    assert cited == {c["id"] for c in document["citations"]}
    assert document["title"] == data.title
    assert document["marking"] == data.marking


def test_csv_tables_have_headers_and_rows_by_id(tables: dict[str, list[dict[str, str]]]) -> None:
    assert sorted(tables) == sorted(TABLES)
    for name, rows in tables.items():
        assert list(rows[0]) == list(TABLES[name])
        key = "key" if name == "dataset" else "id"
        assert [r[key] for r in rows] == sorted(r[key] for r in rows)


def test_csv_accounts_for_every_record(
    data: Dataset, tables: dict[str, list[dict[str, str]]]
) -> None:
    events = [i.id for i in data.items if i.kind == "event"]
    others = [i.id for i in data.items if i.kind != "event"]
    assert sorted(r["id"] for r in tables["events"]) == sorted(events)
    assert sorted(r["id"] for r in tables["claims"]) == sorted(others)
    assert len(events) + len(others) == 185
    assert Counter(r["kind"] for r in tables["claims"]) == {
        "paragraph": 98,
        "claim": 52,
        "alias": 19,
        "assessment": 4,
    }
    assert len(tables["entities"]) == len(data.entities) == 33
    assert len(tables["relationships"]) == len(data.relationships) == 88
    assert len(tables["sources"]) == len(data.sources) == 5
    assert len(tables["citations"]) == len(data.citations) == 352
    assert {r["key"]: r["value"] for r in tables["dataset"]} == {
        "as_of": "~2024-10",
        "as_of_edtf": "2024-10~",
        "format": "dossier-export/1",
        "marking": data.marking,
        "title": data.title,
    }
    assert [r for r in tables["claims"] + tables["events"] if r["other_fields"]] == []


def test_csv_positions_keep_profile_order(
    data: Dataset, tables: dict[str, list[dict[str, str]]]
) -> None:
    rows = tables["claims"] + tables["events"]
    for entity in data.entities:
        mine = sorted(
            (r for r in rows if r["entity"] == entity.id), key=lambda r: int(r["position"])
        )
        assert [r["id"] for r in mine] == [i.id for i in data.items if i.entity == entity.id]


def test_csv_citations_join_items_and_entities(data: Dataset, csv_db: sqlite3.Connection) -> None:
    joined = csv_db.execute(
        """
        SELECT c.id, owner.id, e.id, s.id
        FROM citations c
        LEFT JOIN (
            SELECT id, entity FROM claims
            UNION ALL SELECT id, entity FROM events
            UNION ALL SELECT id, subject FROM relationships
        ) AS owner ON owner.id = c.item AND owner.entity = c.entity
        LEFT JOIN entities e ON e.id = c.entity
        LEFT JOIN sources s ON s.id = c.source
        """
    ).fetchall()
    assert len(joined) == len(data.citations) == 352
    assert [row for row in joined if None in row] == []


def test_sqlite_opens_and_foreign_keys_hold(
    exported_db: sqlite3.Connection, tables: dict[str, list[dict[str, str]]]
) -> None:
    assert exported_db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert exported_db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    for name, rows in tables.items():
        assert exported_db.execute(f'SELECT count(*) FROM "{name}"').fetchone() == (len(rows),)
    references = {
        (table, row[3], row[2])
        for table in TABLES
        for row in exported_db.execute(f"PRAGMA foreign_key_list('{table}')")
    }
    assert references == {
        ("claims", "entity", "entities"),
        ("events", "entity", "entities"),
        ("relationships", "subject", "entities"),
        ("relationships", "object", "entities"),
        ("relationships", "inverse_of", "relationships"),
        ("citations", "entity", "entities"),
        ("citations", "source", "sources"),
    }
    keys = {
        t: [r[1] for r in exported_db.execute(f"PRAGMA table_info('{t}')") if r[5]] for t in TABLES
    }
    assert keys == {t: ["key"] if t == "dataset" else ["id"] for t in TABLES}


def test_contested_claim_keeps_every_position(
    data: Dataset, document: dict[str, Any], tables: dict[str, list[dict[str, str]]]
) -> None:
    facets = defaultdict(list)
    for item in data.items:
        if item.kind == "claim":
            facets[item.entity, item.group].append(item)
    contested = {
        facet: claims
        for facet, claims in facets.items()
        if len(claims) >= 2 and {c.status for c in claims} & {"disputed", "alleged"}
    }
    assert sorted(contested) == [("afghan-taliban", "facts.type"), ("isis-k", "facts.areas")]
    rows = {r["id"]: r for r in tables["claims"]}
    items = {i["id"]: i for i in document["items"]}
    for claims in contested.values():
        for claim in claims:
            assert (rows[claim.id]["status"], rows[claim.id]["attributed_to"]) == (
                claim.status,
                claim.attributed_to or "",
            )
            assert (items[claim.id]["status"], items[claim.id]["attributed_to"]) == (
                claim.status,
                claim.attributed_to,
            )
    areas = sorted(
        (r["status"], r["attributed_to"])
        for r in rows.values()
        if r["group"] == "facts.areas" and r["entity"] == "isis-k"
    )
    assert areas == [
        ("alleged", "farrukh-saif"),
        ("disputed", "afghan-taliban"),
        ("disputed", "author of seed 004"),
        ("reported", ""),
    ]


def test_dates_keep_precision(
    data: Dataset,
    document: dict[str, Any],
    tables: dict[str, list[dict[str, str]]],
    exported_db: sqlite3.Connection,
) -> None:
    approximate = sorted(i.id for i in data.items if i.date == "~2024-09")
    assert approximate == [
        "bla#c-a1563d5d",
        "isis-k#c-77386a86",
        "ttp#c-014a6be9",
    ]
    rows = {r["id"]: r for r in tables["claims"]}
    items = {i["id"]: i for i in document["items"]}
    for item_id in approximate:
        assert (rows[item_id]["date"], rows[item_id]["date_edtf"]) == ("~2024-09", "2024-09~")
        assert (items[item_id]["date"], items[item_id]["date_edtf"]) == ("~2024-09", "2024-09~")
    assert exported_db.execute(
        "SELECT date, date_edtf FROM claims WHERE id = ?", ("ttp#c-014a6be9",)
    ).fetchone() == ("~2024-09", "2024-09~")
    year = {r["id"]: (r["date"], r["date_edtf"]) for r in tables["events"]}
    assert year["afghan-taliban#e-12ff7145"] == ("2015", "2015")
    seed = {r["id"]: r for r in tables["sources"]}["seed-000"]
    assert (seed["published"], seed["published_edtf"]) == ("~2024-09", "2024-09~")


@pytest.fixture(scope="module")
def data_again() -> Dataset:
    """The bundled corpus loaded and walked a second time."""
    return _load(REPO)


@pytest.mark.parametrize("export", [to_json, to_csv, to_sqlite], ids=["json", "csv", "sqlite"])
def test_exports_are_byte_identical(
    data: Dataset, data_again: Dataset, export: Callable[[Dataset], object]
) -> None:
    assert data is not data_again
    assert export(data) == export(data_again)
