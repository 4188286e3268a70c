"""The fingerprint of an item: what a second reader signed off, as a short hash.

A sign-off holds for the item's content when it was read: every field an editor
wrote (text or value or judgment, status, ``attributed_to``, inference, note, dates,
a relationship's type and target, …) and every citation with its source, locator,
quote, credibility and note, plus the reliability letter of the cited source, so
that re-grading a source shows its claims again. The item's ``id`` is left out: it
names the item, it is not what was read.

The JSON is canonical (keys sorted), so layout and key order never count. A
citation list counts in its order only where the text can point into it by number
(``[^2]`` in a paragraph or an event's description); elsewhere its order is
presentation, and sorting it keeps a sign-off through a reordering.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

__all__ = ["SIZE", "content", "content_hash", "fingerprint"]

SIZE = 12  # hex digits: a 48-bit hash, ample for the items of one profile
_MARKER = "[^"  # a Markdown citation marker: the text points at a citation by number


def content(model: BaseModel, reliability: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The item's content as plain JSON values, without its id.

    With ``reliability`` (source id -> letter), each citation also holds the
    reliability of its source (``None`` for an unknown source).
    """
    data: dict[str, Any] = model.model_dump(mode="json", exclude={"id"})
    citations: list[dict[str, Any]] = data.get("citations", [])
    if reliability is not None:
        for citation in citations:
            citation["reliability"] = reliability.get(citation["source"])
    if citations and not any(
        isinstance(value, str) and _MARKER in value for value in data.values()
    ):
        data["citations"] = sorted(citations, key=lambda c: json.dumps(c, sort_keys=True))
    return data


def _digest(data: Mapping[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:SIZE]


def fingerprint(model: BaseModel, reliability: Mapping[str, str]) -> str:
    """The fingerprint a sign-off records: the item's content and its sources' grades."""
    return _digest(content(model, reliability))


def content_hash(model: BaseModel) -> str:
    """The item's own content (no source grades): what its profile's history compares."""
    return _digest(content(model))
