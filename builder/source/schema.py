"""JSON Schemas of the files editors write, for completion in their editors.

``dossier schema`` writes one schema per file kind; yaml-language-server picks
them up from a ``# yaml-language-server: $schema=…`` comment at the top of a file.
It also writes ``export.schema.json``, the schema of ``dossier export --format json``
(:func:`builder.export.tables.json_schema`), for the tools that read exports.

A profile is a person or a group, told apart by ``kind``. pydantic writes that
as ``oneOf`` with an OpenAPI ``discriminator``, which standard validators ignore:
they try both and report the wrong one's complaint (``'group' was expected`` for a
misspelt field of a person). :func:`_by_kind` picks the branch with ``if``/``then``
instead, so every validator reports the real mistake and editors still complete a
file whose ``kind`` is not written yet (as a person).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, Field, TypeAdapter

from builder.source.models import Book, Group, Person, Settings, Source

__all__ = ["SCHEMAS", "schema_documents"]

SCHEMAS: dict[str, Any] = {
    "profile.schema.json": Annotated[Person | Group, Field(discriminator="kind")],
    "source.schema.json": Source,
    "settings.schema.json": Settings,
    "book.schema.json": Book,
}


def schema_documents() -> dict[str, str]:
    """File name -> JSON Schema text (stable key order, trailing newline)."""
    out = {}
    for name, model in SCHEMAS.items():
        if isinstance(model, type) and issubclass(model, BaseModel):
            schema = model.model_json_schema()
        else:
            schema = _by_kind(TypeAdapter(model).json_schema())
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": name, **schema}
        out[name] = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    from builder.export.tables import json_schema

    exported = {"$id": "export.schema.json", **json_schema()}
    out["export.schema.json"] = json.dumps(exported, indent=2, ensure_ascii=False, sort_keys=True)
    out["export.schema.json"] += "\n"
    return dict(sorted(out.items()))


def _by_kind(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace a ``kind`` discriminator by ``if``/``then``/``else`` (see the module doc)."""
    mapping: dict[str, str] = schema.pop("discriminator")["mapping"]
    schema.pop("oneOf")
    kinds = sorted(mapping)
    branch: dict[str, Any] = {"$ref": mapping["person"]}  # also while kind is not written
    for kind in reversed([k for k in kinds if k != "person"]):
        branch = {
            "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            "then": {"$ref": mapping[kind]},
            "else": branch,
        }
    return {
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {
                "enum": kinds,
                "description": "person (in dossiers/people/) or group (in dossiers/groups/).",
            }
        },
        **branch,
        **schema,
    }
