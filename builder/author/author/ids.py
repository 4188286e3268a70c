"""``dossier ids``: write a stable id into every profile item that lacks one.

An item's derived id (:mod:`builder.source.ids`) changes when its natural key is
edited; an id written into the file does not, so diffs, sign-offs and exports keep
recognising the item through any later edit. This is the only place the tool writes
into an editor's profile, and only when asked:

- the id goes in as the item's first key (``- id: c-3f9a2b1c`` on its own line, or
  ``{id: c-3f9a2b1c, …`` in a flow mapping); no other byte of the file changes, so
  comments, quoting and line breaks are kept;
- the new text is read back and validated before anything is written: its items
  must equal the old ones plus their ids, or the file is left alone;
- the file is replaced atomically (same folder, same mode), and only if it still
  holds the bytes that were read.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from builder.errors import DossierError
from builder.source import ids
from builder.source.load import Loaded
from builder.source.models import Group, Person
from builder.source.yamlread import Loc, YamlError, read_yaml

__all__ = ["IdPlan", "plan_ids", "write_ids"]


@dataclass(frozen=True)
class IdPlan:
    """The new text of one profile and the ids it gains."""

    path: Path
    old: bytes
    new: bytes
    added: tuple[tuple[int, str], ...]  # (line, id) in the old file


def plan_ids(root: Path, entity: Loaded[Person] | Loaded[Group], limit: int) -> IdPlan | None:
    """The profile with an id in every item that lacks one; None if none lacks one.

    Raises:
        DossierError: when the file changed since it was loaded, or the result would
            not read back as the same profile (an unusual layout: add the ids by hand).

    """
    path = root / entity.path
    missing = [item for item in ids.items(entity.model) if not item.explicit]
    if not missing:
        return None
    old = path.read_bytes()
    lines = old.decode("utf-8").splitlines(keepends=True)
    places = []
    for item in missing:
        where = entity.positions.values.get(item.loc)
        if where is None:
            raise DossierError(f"{entity.path}: cannot find the item at {_dotted(item.loc)}")
        places.append((where, item))
    for (line, column), item in sorted(places, key=lambda p: p[0], reverse=True):
        text = lines[line - 1]
        at = column - 1
        if text[at : at + 1] == "{":
            lines[line - 1] = f"{text[: at + 1]}id: {item.id}, {text[at + 1 :]}"
        else:
            lines[line - 1] = f"{text[:at]}id: {item.id}\n{' ' * at}{text[at:]}"
    new = "".join(lines).encode("utf-8")
    _same_but_ids(entity, new, limit, {item.loc: item.id for item in missing})
    added = tuple(sorted((where[0], item.id) for where, item in places))
    return IdPlan(path, old, new, added)


def _same_but_ids(
    entity: Loaded[Person] | Loaded[Group], new: bytes, limit: int, expected: dict[Loc, str]
) -> None:
    """Refuse unless ``new`` reads back as the same profile with ``expected`` ids."""
    try:
        data, _ = read_yaml(new, limit)
        model = type(entity.model).model_validate(data)
    except (YamlError, ValidationError) as error:
        raise DossierError(
            f"{entity.path}: adding ids would break the file ({error}); left unchanged, "
            "add them by hand"
        ) from None
    after = {item.loc: item for item in ids.items(model)}
    for item in ids.items(entity.model):
        got = after.get(item.loc)
        want = expected.get(item.loc, item.id)
        if got is None or got.id != want or _without_id(got.model) != _without_id(item.model):
            raise DossierError(
                f"{entity.path}: adding ids would change the item at {_dotted(item.loc)}; "
                "left unchanged, add them by hand"
            )


def _without_id(model: BaseModel) -> BaseModel:
    return model.model_copy(update={"id": None})


def _dotted(loc: Loc) -> str:
    return ".".join(map(str, loc))


def write_ids(plans: Sequence[IdPlan]) -> None:
    """Replace each planned file atomically, if it still holds what was read.

    Raises:
        DossierError: when a file changed meanwhile or cannot be written.

    """
    for plan in plans:
        try:
            if plan.path.read_bytes() != plan.old:
                raise DossierError(f"{plan.path}: changed while ids were added; run again")
            mode = plan.path.stat().st_mode & 0o7777
            fd, temporary = tempfile.mkstemp(dir=plan.path.parent, prefix=".ids-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(plan.new)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(temporary, mode)
                os.replace(temporary, plan.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise DossierError(f"{plan.path}: cannot write: {error.strerror}") from None
