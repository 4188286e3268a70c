"""Sign-offs on disk: ``reviews/<entity>.yaml``, read safely and written atomically.

A review file lists the second readings of one profile's items::

    signoffs:
      - item: c-3f9a2b1c          # the item's id (builder.source.ids)
        fingerprint: "9c1d0e7a55b2"  # its content when read (builder.review.fingerprint)
        by: Jane Roe
        date: "2026-11-20"

It is read with the project's own safe reader (the same vetting, size limit and
``path:line:col: field: message`` diagnostics as a profile) and written by
``dossier review --approve`` or by hand. Writing keeps everything else in the file:
other sign-offs, their order and the comments (ruamel.yaml's round trip); the new
text is read back and checked before it replaces the old, atomically, and only if
the file still holds what was read.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from builder.errors import Diagnostic, DossierError, Severity, did_you_mean
from builder.publish.write import write_files

# The loader's own reader, so that a review file is vetted and reported as a profile is.
from builder.source.load import ENTITY_FOLDERS, Loaded, Project, _load_file, _yaml_files
from builder.source.models import ItemId
from builder.source.text import Name
from builder.source.yamlread import YamlError, read_yaml

__all__ = ["FOLDER", "ReviewFile", "Reviews", "SignOff", "load_reviews", "review_path", "save"]

FOLDER = "reviews"


def _real_date(text: str) -> str:
    dt.date.fromisoformat(text)  # ValueError names what is wrong: "month must be in 1..12"
    return text


class SignOff(BaseModel):
    """One item read against its sources by a second reader."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    item: ItemId = Field(description="Id of the item in the profile (see `dossier review`).")
    fingerprint: str = Field(
        pattern=r"^[0-9a-f]{12}$",
        description="Fingerprint of the item's content when it was read (12 hex digits, "
        "as `dossier review` shows); any later edit of the item makes the sign-off stale.",
    )
    by: Name = Field(description="Who read the item against its sources.")
    date: Annotated[
        str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), AfterValidator(_real_date)
    ] = Field(description="When, as YYYY-MM-DD.")


class ReviewFile(BaseModel):
    """``reviews/<entity>.yaml``: the sign-offs of one profile's items."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    signoffs: tuple[SignOff, ...] = Field(
        default=(), description="Sign-offs, one per item; `dossier review --approve` adds them."
    )


@dataclass(frozen=True)
class Reviews:
    """Every review file that loaded, by entity id, and the problems of the others."""

    files: Mapping[str, Loaded[ReviewFile]]
    problems: tuple[Diagnostic, ...]


def review_path(entity_id: str) -> str:
    """The repository path of an entity's review file."""
    return f"{FOLDER}/{entity_id}.yaml"


def load_reviews(project: Project) -> Reviews:
    """Read ``reviews/*.yaml``; report what cannot be read, repeats and unknown profiles."""
    root = project.root
    problems: list[Diagnostic] = []
    files: dict[str, Loaded[ReviewFile]] = {}
    limit = project.settings.model.max_file_size
    profiles = {Path(e.path).stem for e in project.entities} | {
        path.stem for folder in ENTITY_FOLDERS for path in (root / folder).glob("*.yaml")
    }
    for path in _yaml_files(root / FOLDER, problems, root):
        loaded = _load_file(root, path, ReviewFile, limit, problems, check_id=False)
        if loaded is None:
            continue
        if path.stem not in profiles:
            hint = did_you_mean(path.stem, profiles)
            problems.append(
                Diagnostic(
                    loaded.path,
                    1,
                    1,
                    "",
                    f"no profile '{path.stem}' in this repository{hint} (a review file is "
                    "named after the profile it reviews)",
                    Severity.warning,
                    rule="review-unknown-profile",
                )
            )
            continue
        problems.extend(_repeats(loaded))
        files[path.stem] = loaded
    return Reviews(files, tuple(problems))


def _repeats(loaded: Loaded[ReviewFile]) -> list[Diagnostic]:
    first: dict[str, int] = {}
    problems = []
    for number, signoff in enumerate(loaded.model.signoffs):
        if signoff.item in first:
            line = loaded.at(("signoffs", first[signoff.item]))[0]
            problems.append(
                loaded.problem(
                    ("signoffs", number, "item"),
                    f"'{signoff.item}' is signed off already at line {line}; "
                    "keep one sign-off per item",
                    rule="review-repeated",
                )
            )
        else:
            first[signoff.item] = number
    return problems


_HEADER = (
    "# Second readings of {entity}: each item read against its sources.\n"
    "# Written by `dossier review {entity} --approve ID`, or by hand; an edit of an\n"
    "# item after its sign-off makes the sign-off stale (see docs/review.md).\n"
    "signoffs: []\n"
)


def save(
    root: Path,
    entity_id: str,
    added: Sequence[SignOff],
    replaced: Mapping[str, str] | None = None,
) -> Path:
    """Add ``added`` to an entity's review file, creating it if needed; return its path.

    An item's earlier sign-off is replaced in place; ``replaced`` maps new items to
    the id of an earlier sign-off they replace (an item whose derived id an edit
    changed). Everything else in the file is kept.

    Raises:
        DossierError: when the file changed since it was read or cannot be written.

    """
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import YAMLError

    path = root / review_path(entity_id)
    try:
        old = path.read_bytes() if path.exists() else None
    except OSError as error:
        raise DossierError(f"{review_path(entity_id)}: cannot read: {error.strerror}") from None
    text = old.decode("utf-8") if old is not None else _HEADER.format(entity=entity_id)
    yaml = YAML()  # round trip: comments, order and quoting kept
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    try:
        document = yaml.load(text)
    except YAMLError as error:  # pragma: no cover - the safe reader read it first
        raise DossierError(f"{review_path(entity_id)}: cannot update: {error}") from None
    if document is None:
        document = CommentedMap()
    entries = document.get("signoffs")
    if not isinstance(entries, CommentedSeq):
        document["signoffs"] = entries = CommentedSeq()
    wanted = {s.item: s for s in added}
    earlier = dict(replaced or {})
    at = {str(e.get("item")): i for i, e in enumerate(entries) if isinstance(e, Mapping)}
    for signoff in added:
        entry = CommentedMap(
            item=signoff.item, fingerprint=signoff.fingerprint, by=signoff.by, date=signoff.date
        )
        index = at.get(signoff.item)
        if index is None:
            index = at.pop(earlier.pop(signoff.item, ""), None)
        if index is None:
            entries.append(entry)
        else:
            entries[index] = entry
    # An earlier sign-off of an item that now has its own is dropped.
    dropped = {old for new, old in earlier.items() if new in wanted and old not in wanted}
    for index in reversed(range(len(entries))):
        if isinstance(entries[index], Mapping) and str(entries[index].get("item")) in dropped:
            del entries[index]
    out = io.StringIO()
    yaml.dump(document, out)
    data = out.getvalue().encode("utf-8")
    _reads_back(entity_id, data, wanted)
    try:
        now = path.read_bytes() if path.exists() else None
    except OSError:
        now = b""
    if now != old:
        raise DossierError(f"{review_path(entity_id)}: changed while signing off; run again")
    write_files(root / FOLDER, {f"{entity_id}.yaml": data})
    return path


def _reads_back(entity_id: str, data: bytes, wanted: Mapping[str, SignOff]) -> None:
    """Refuse to write a file that the safe reader would not read as intended."""
    try:
        raw, _ = read_yaml(data, len(data) + 1)
        written = ReviewFile.model_validate(raw)
    except (YamlError, ValidationError) as error:
        raise DossierError(
            f"{review_path(entity_id)}: the updated file would not read back ({error}); "
            "left unchanged: add the sign-offs by hand"
        ) from None
    found = {s.item: s for s in written.signoffs}
    if any(found.get(item) != signoff for item, signoff in wanted.items()):
        raise DossierError(
            f"{review_path(entity_id)}: the updated file does not hold the new sign-offs; "
            "left unchanged: add them by hand"
        )
