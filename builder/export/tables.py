"""The dataset as tables: one JSON document (with its JSON Schema), CSV files, SQLite.

All three are made from the shared walk (:mod:`builder.export.walk`) and carry every
field of every record; ids join across them (``entity#item-id`` for items and
relationships, ``entity#item-id/N`` for citations). Dates keep the editor's text
(``~2024-09``) with an EDTF twin in ``<name>_edtf`` (``2024-09~``).

- :func:`to_json`: ``{"format": "dossier-export/1", title, marking, as_of, entities,
  items, relationships, sources, citations}``. Records keep the walk's order; items and
  relationships name their citations by id, and ``citations`` holds each one in full.
  :func:`json_schema` describes that document (JSON Schema 2020-12).
- :func:`to_csv`: ``dataset.csv`` (title, marking, as-of), ``entities.csv``,
  ``claims.csv`` (claims, aliases, paragraphs, assessments), ``events.csv``,
  ``relationships.csv``, ``citations.csv`` (``item`` joins to claims, events or
  relationships), ``sources.csv``; rows sorted by id, ``position`` keeping each item's
  order in its profile. Empty cells are nulls; event participants are joined with
  ``;`` (ids cannot contain it); entity aliases and source notes, free text, are JSON
  arrays; ``other_fields`` holds, as a JSON object, any item field without a column.
- :func:`to_sqlite`: the same tables with primary and foreign keys, as database bytes.

Every output is deterministic: the same dataset gives the same bytes.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

from builder.check.index import INVERSES
from builder.export.walk import (
    CitationRecord,
    Dataset,
    EntityRecord,
    ItemRecord,
    RelationshipRecord,
    SourceRecord,
    edtf,
)
from builder.source.dates import DATE_PATTERN
from builder.source.models import (
    SLUG_PATTERN,
    Confidence,
    GroupFacts,
    Likelihood,
    PersonFacts,
    SourceKind,
    Status,
)

__all__ = ["FORMAT", "TABLES", "json_schema", "to_csv", "to_json", "to_sqlite"]

FORMAT = "dossier-export/1"

Record = EntityRecord | ItemRecord | RelationshipRecord | SourceRecord | CitationRecord
Row = dict[str, str | int | None]

_DATES = frozenset({"as_of", "reviewed", "published", "retrieved", "date", "start", "end"})
_SPANS = ("date", "date_edtf", "start", "start_edtf", "end", "end_edtf")
# An item's ``fields`` as columns; the claim field ``entity`` becomes ``entity_ref``.
_ITEM_FIELDS = (
    *("value", "entity_ref", "low", "high", "unit", "name", "text", "section"),
    *("title", "description", "place", "participants"),
    *("judgment", "by", "likelihood", "confidence"),
)
_ITEM_COLUMNS = (
    *("id", "entity", "position", "kind", "group", "label"),
    *("status", "attributed_to", "inference", "note", *_SPANS, *_ITEM_FIELDS, "other_fields"),
)
TABLES: dict[str, tuple[str, ...]] = {
    "dataset": ("key", "value"),
    "entities": (
        *("id", "kind", "name", "aliases", "summary"),
        *("as_of", "as_of_edtf", "reviewed", "reviewed_edtf", "path"),
    ),
    "sources": (
        *("id", "title", "short_title", "author", "publisher", "published", "published_edtf"),
        *("published_note", "url"),
        *("retrieved", "retrieved_edtf", "file", "sha256", "language", "kind"),
        *("reliability", "reliability_reason", "notes"),
    ),
    "claims": _ITEM_COLUMNS,
    "events": _ITEM_COLUMNS,
    "relationships": (
        *("id", "subject", "type", "object", "derived", "inverse_of", "status"),
        *("attributed_to", "inference", "note", "description", *_SPANS),
    ),
    "citations": (
        *("id", "item", "entity", "source", "locator", "quote", "credibility", "grade", "note"),
    ),
}
_PRIMARY = {"dataset": "key"}  # every other table: id
_INTEGERS = frozenset({"position", "low", "high", "derived", "credibility"})
_REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "claims": (("entity", "entities"),),
    "events": (("entity", "entities"),),
    "relationships": (
        ("subject", "entities"),
        ("object", "entities"),
        ("inverse_of", "relationships"),
    ),
    # citations.item names a claim, an event or a relationship: SQL cannot declare it.
    "citations": (("entity", "entities"), ("source", "sources")),
}


def to_json(data: Dataset) -> bytes:
    """The dataset as one JSON document (see :func:`json_schema`), UTF-8."""
    document = {
        "format": FORMAT,
        "title": data.title,
        "marking": data.marking,
        "as_of": data.as_of,
        "as_of_edtf": edtf(data.as_of),
        "entities": [_plain(e) for e in data.entities],
        "items": [_plain(i) for i in data.items],
        "relationships": [_plain(r) for r in data.relationships],
        "sources": [_plain(s) for s in data.sources],
        "citations": [_plain(c) for c in data.citations],
    }
    text = json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False)
    return f"{text}\n".encode()


def to_csv(data: Dataset) -> dict[str, bytes]:
    """The dataset as CSV tables: file name -> UTF-8 bytes, a header row, rows by id."""
    files: dict[str, bytes] = {}
    for table, rows in sorted(_rows(data).items()):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        columns = TABLES[table]
        writer.writerow(columns)
        writer.writerows([_cell(row[c]) for c in columns] for row in rows)
        files[f"{table}.csv"] = buffer.getvalue().encode()
    return files


def to_sqlite(data: Dataset) -> bytes:
    """The CSV tables as an SQLite database with primary and foreign keys declared.

    The file is written with a fixed page size and no write-ahead log, then vacuumed,
    so the same dataset gives the same bytes with the same SQLite library.
    """
    tables = _rows(data)
    with tempfile.TemporaryDirectory(prefix="dossier-sqlite-") as folder:
        path = Path(folder) / "dossier.sqlite"
        with closing(sqlite3.connect(path, isolation_level=None)) as db:
            db.execute("PRAGMA page_size = 4096")
            db.execute("PRAGMA journal_mode = DELETE")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("BEGIN")
            for table, columns in TABLES.items():  # referenced tables come first
                db.execute(_create(table))
                marks = ", ".join("?" for _ in columns)
                db.executemany(
                    f"INSERT INTO {_quote(table)} VALUES ({marks})",
                    [[row[c] for c in columns] for row in tables[table]],
                )
            db.execute("COMMIT")
            db.execute("VACUUM")
        return path.read_bytes()


def json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of the document :func:`to_json` writes."""
    slug = SLUG_PATTERN.strip("^$")
    item_id = f"{slug}#{slug}"
    text = {"type": "string"}
    maybe = {"type": ["string", "null"]}
    status = sorted(s.value for s in Status)
    groups = {"aliases", "narrative", "events", "assessments"}
    groups |= {f"facts.{n}" for n in (*PersonFacts.model_fields, *GroupFacts.model_fields)}
    spans = {**_dated("date", False), **_dated("start", False), **_dated("end", False)}
    refs = {"type": "array", "items": {"type": "string", "pattern": f"^{item_id}/[1-9][0-9]*$"}}
    definitions = {
        "entity": _object(
            id={"type": "string", "pattern": SLUG_PATTERN},
            kind={"enum": ["group", "person"]},
            name=text,
            aliases={"type": "array", "items": text},
            summary=text,
            **_dated("as_of", True),
            **_dated("reviewed", True),
            path=text,
        ),
        "item": _object(
            id={"type": "string", "pattern": f"^{item_id}$"},
            entity={"type": "string", "pattern": SLUG_PATTERN},
            kind={"enum": ["alias", "assessment", "claim", "event", "paragraph"]},
            group={"enum": sorted(groups)},
            label=text,
            status={"enum": [*status, None]},
            attributed_to=maybe,
            inference=maybe,
            note=maybe,
            **spans,
            fields={"$ref": "#/$defs/fields"},
            citations=refs,
        ),
        "fields": {
            "type": "object",
            "properties": {
                **{n: text for n in ("value", "unit", "name", "text", "section", "title")},
                **{n: text for n in ("description", "place", "judgment", "by")},
                "entity": {"type": "string", "pattern": SLUG_PATTERN},
                "low": {"type": "integer", "minimum": 0},
                "high": {"type": "integer", "minimum": 0},
                "participants": {"type": "array", "items": {"type": "string"}},
                "likelihood": {"enum": [v.value for v in Likelihood]},
                "confidence": {"enum": [v.value for v in Confidence]},
            },
            "additionalProperties": False,
        },
        "relationship": _object(
            id={"type": "string", "pattern": f"^{item_id}(~inverse)?$"},
            subject={"type": "string", "pattern": SLUG_PATTERN},
            type={"enum": sorted(set(INVERSES) | set(INVERSES.values()))},
            object={"type": "string", "pattern": SLUG_PATTERN},
            derived={"type": "boolean"},
            inverse_of={"type": ["string", "null"], "pattern": f"^{item_id}$"},
            status={"enum": status},
            attributed_to=maybe,
            inference=maybe,
            note=maybe,
            description=maybe,
            **spans,
            citations=refs,
        ),
        "source": _object(
            id={"type": "string", "pattern": SLUG_PATTERN},
            title=text,
            short_title=maybe,
            author=maybe,
            publisher=maybe,
            **_dated("published", False),
            published_note=maybe,
            url={"type": ["string", "null"], "pattern": "^https?://"},
            **_dated("retrieved", True),
            file=text,
            sha256={"type": "string", "pattern": "^[0-9a-f]{64}$"},
            language=text,
            kind={"enum": sorted(k.value for k in SourceKind)},
            reliability={"enum": list("ABCDEF")},
            reliability_reason=text,
            notes={"type": "array", "items": text},
        ),
        "citation": _object(
            id={"type": "string", "pattern": f"^{item_id}/[1-9][0-9]*$"},
            item={"type": "string", "pattern": f"^{item_id}$"},
            entity={"type": "string", "pattern": SLUG_PATTERN},
            source={"type": "string", "pattern": SLUG_PATTERN},
            locator={"type": "string", "pattern": "^¶[0-9]+(-[0-9]+)?$"},
            quote=text,
            credibility={"type": "integer", "minimum": 1, "maximum": 6},
            grade={"type": "string", "pattern": "^[A-F][1-6]$"},
            note=maybe,
        ),
    }
    plural = {"entities": "entity", "items": "item", "relationships": "relationship"}
    plural |= {"sources": "source", "citations": "citation"}
    lists = {k: {"type": "array", "items": {"$ref": f"#/$defs/{v}"}} for k, v in plural.items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Dossier export",
        "description": f"Every record of a checked Dossier repository ({FORMAT}).",
        **_object(
            format={"const": FORMAT},
            title=text,
            marking=text,
            **_dated("as_of", True),
            **lists,
        ),
        "$defs": definitions,
    }


def _plain(record: Record) -> dict[str, Any]:
    """A record's fields as JSON values; citations by id; dates with their EDTF form."""
    out: dict[str, Any] = {}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if field.name == "citations":
            value = [c.id for c in value]
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, dict):
            value = dict(value)
        out[field.name] = value
        if field.name in _DATES:
            out[f"{field.name}_edtf"] = edtf(value)
    return out


def _rows(data: Dataset) -> dict[str, list[Row]]:
    """Each table's rows, sorted by id, with list and object cells encoded as text."""
    meta: dict[str, str | None] = {"format": FORMAT, "title": data.title, "marking": data.marking}
    meta |= {"as_of": data.as_of, "as_of_edtf": edtf(data.as_of)}
    tables: dict[str, list[Row]] = {
        "dataset": [{"key": k, "value": v} for k, v in sorted(meta.items())],
        "entities": [_row(e) for e in data.entities],
        "sources": [_row(s) for s in data.sources],
        "claims": [],
        "events": [],
        "relationships": [_row(r) for r in data.relationships],
        "citations": [_row(c) for c in data.citations],
    }
    positions: dict[str, int] = {}
    for item in data.items:
        positions[item.entity] = position = positions.get(item.entity, 0) + 1
        tables["events" if item.kind == "event" else "claims"].append(_item_row(item, position))
    for table, rows in tables.items():
        rows.sort(key=lambda row: str(row[_PRIMARY.get(table, "id")]))
    return tables


def _row(record: Record) -> Row:
    """A record as a table row: its citations in their own table, lists as text."""
    plain = _plain(record)
    plain.pop("citations", None)
    plain.pop("fields", None)  # items: flattened by _item_row
    for name in ("aliases", "notes"):  # free text: a JSON array keeps every entry
        if name in plain:
            plain[name] = json.dumps(plain[name], ensure_ascii=False)
    if "derived" in plain:
        plain["derived"] = int(plain["derived"])
    return plain


def _item_row(item: ItemRecord, position: int) -> Row:
    """An item as a row of claims.csv or events.csv, its ``fields`` as columns."""
    row = _row(item)
    fields = dict(item.fields)
    if "entity" in fields:
        fields["entity_ref"] = fields.pop("entity")
    if "participants" in fields:
        fields["participants"] = ";".join(fields["participants"])
    for name in _ITEM_FIELDS:
        row[name] = fields.pop(name, None)
    row["position"] = position
    row["other_fields"] = json.dumps(fields, sort_keys=True, ensure_ascii=False) if fields else None
    return row


def _cell(value: str | int | None) -> str:
    return "" if value is None else str(value)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create(table: str) -> str:
    primary = _PRIMARY.get(table, "id")
    lines = [
        f"{_quote(c)} {'INTEGER' if c in _INTEGERS else 'TEXT'}"
        + (" PRIMARY KEY" if c == primary else "")
        for c in TABLES[table]
    ]
    lines += [
        f"FOREIGN KEY ({_quote(c)}) REFERENCES {_quote(t)} (id)"
        for c, t in _REFERENCES.get(table, ())
    ]
    return f"CREATE TABLE {_quote(table)} (\n  " + ",\n  ".join(lines) + "\n)"


def _dated(name: str, required: bool) -> dict[str, Any]:
    """A date property as written and its EDTF twin; ``required``: never null."""
    kind = "string" if required else ["string", "null"]
    return {
        name: {"type": kind, "pattern": DATE_PATTERN},
        f"{name}_edtf": {"type": kind, "pattern": r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?~?$"},
    }


def _object(**properties: Any) -> dict[str, Any]:
    """A closed object whose properties are all required (null where allowed)."""
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(properties),
        "additionalProperties": False,
    }
