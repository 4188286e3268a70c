"""A diff as readable text (coloured on a terminal), as JSON, or as an HTML page.

The JSON form is documented in ``docs/diff.md``: ``from`` and ``to`` name the two
editions, ``changes`` lists every change (see :meth:`Change.as_json`), ``counts``
sums them up.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import groupby
from typing import Any

from jinja2 import Environment

from builder.diff.compare import Change, Diff

__all__ = ["as_html", "as_json", "as_text"]

_MARK = {"added": "+", "removed": "-", "changed": "~"}
_COLOUR = {"added": "green", "removed": "red", "changed": "yellow"}


def _plain(text: str, **style: Any) -> str:
    return text


def as_text(
    diff: Diff,
    old: str,
    new: str,
    style: Callable[..., str] = _plain,
    names: dict[str, str] | None = None,
) -> str:
    """Readable lines: per entity, each change with its fields old → new.

    ``style`` is ``click.style`` on a terminal (colours), else a no-op.
    """
    lines = [style(f"Changes from {old} to {new}", bold=True)]
    if not diff.changes:
        lines.append("No changes.")
        return "\n".join(lines) + "\n"
    for scope, changes in groupby(diff.changes, key=lambda c: c.scope):
        title = scope if scope == "sources" else f"{scope} ({(names or {}).get(scope, scope)})"
        lines.append("")
        lines.append(style(title, bold=True))
        for change in changes:
            mark = _MARK[change.action]
            what = change.kind if change.kind != "entity" else "profile"
            head = f"  {mark} {what} {change.action}: {change.label}  [{change.id}]"
            lines.append(style(head, fg=_COLOUR[change.action]))
            for field in change.fields:
                lines.append(f"      {field.field}: {_value(field.old)} → {_value(field.new)}")
    counts = ", ".join(f"{n} {what}" for what, n in diff.counts().items())
    lines.extend(["", counts])
    return "\n".join(lines) + "\n"


def _value(text: str | None) -> str:
    return "(none)" if text is None else text


def as_json(diff: Diff, old: dict[str, str], new: dict[str, str]) -> str:
    """The documented JSON form."""
    document = {
        "format": "dossier-diff/1",
        "from": old,
        "to": new,
        "changes": [c.as_json() for c in diff.changes],
        "counts": diff.counts(),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def as_html(env: Environment, diff: Diff, old: str, new: str, **context: Any) -> str:
    """A page of the site (``changes.html``), through the theme's templates."""
    groups: list[tuple[str, list[Change]]] = [
        (scope, list(changes)) for scope, changes in groupby(diff.changes, key=lambda c: c.scope)
    ]
    return env.select_template(["changes.html"]).render(
        groups=groups, old=old, new=new, counts=diff.counts(), **context
    )
