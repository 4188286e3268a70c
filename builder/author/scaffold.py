"""``dossier init`` and ``dossier new``: start a repository, add a profile, book or source.

Everything written here is new: no function replaces an existing file
(:func:`builder.author.files.create_new`). The YAML files are put through
``dossier fmt``'s layout before they are written, so a fresh repository and a fresh
skeleton pass ``dossier fmt --check``; a fresh repository also passes
``dossier check --strict``, while a skeleton fails ``check`` until every ``""``
placeholder is filled in (see :mod:`builder.author.skeletons`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from builder.author import skeletons
from builder.author.files import Exists, create_new
from builder.author.fmt import format_text
from builder.errors import DossierError, ProjectError
from builder.source.load import BOOK_FOLDER, SETTINGS_FILE, SOURCE_FOLDER
from builder.source.models import SLUG_PATTERN, Book, Group, Person, Settings, Source
from builder.source.schema import schema_documents
from builder.source.yamlread import YamlError, read_yaml

__all__ = [
    "KINDS",
    "Created",
    "bad_slug",
    "init_repository",
    "new_profile",
    "new_source",
    "next_source_id",
    "require_repository",
    "settings_text",
]

# dossier new KIND ID -> the folder, skeleton and model of the file it writes.
KINDS: dict[str, tuple[str, str, type[BaseModel]]] = {
    "person": ("dossiers/people", skeletons.PERSON, Person),
    "group": ("dossiers/groups", skeletons.GROUP, Group),
    "book": (BOOK_FOLDER, skeletons.BOOK, Book),
}
# Empty folders of a new repository, kept in git by a hidden file the loader skips.
FOLDERS = ("dossiers/people", "dossiers/groups", BOOK_FOLDER, SOURCE_FOLDER)
_SLUG = re.compile(SLUG_PATTERN)
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")
_SEED_ID = re.compile(r"^seed-([0-9]+)$")


@dataclass(frozen=True)
class Created:
    """What ``dossier init`` wrote, and the files it found already there and kept."""

    written: tuple[str, ...]
    kept: tuple[str, ...]


def bad_slug(ident: str) -> str | None:
    """Why ``ident`` cannot be an id (a lowercase slug such as ``asim-malik``); None if it can."""
    if _SLUG.match(ident) and len(ident) <= 80:
        return None
    return (
        f"'{ident}' is not a valid id: use lowercase letters, digits and single hyphens "
        "(e.g. asim-malik), at most 80 characters"
    )


def require_repository(root: Path) -> None:
    """Refuse a folder without dossier.yaml, as ``check`` does.

    Raises:
        ProjectError: when ``root`` holds no dossier.yaml.

    """
    if not (root / SETTINGS_FILE).is_file():
        raise ProjectError(
            f"{SETTINGS_FILE}: not found; is '{root}' a dossier repository? "
            "Run `dossier init` there or pass --project DIR."
        )


def settings_text(title: str, marking: str, as_of: str) -> str:
    """The dossier.yaml of a new repository, validated.

    Raises:
        ValueError: when the title or marking is not accepted (the message says why).

    """
    text = (
        skeletons.SETTINGS.replace("@TITLE@", json.dumps(title, ensure_ascii=False))
        .replace("@MARKING@", json.dumps(marking, ensure_ascii=False))
        .replace("@AS_OF@", as_of)
    )
    _validate(text, Settings)
    return format_text(text, Settings)


def _validate(text: str, model: type[BaseModel]) -> None:
    try:
        data, _ = read_yaml(text.encode("utf-8"), 1 << 20)
        model.model_validate(data)
    except YamlError as error:
        raise ValueError(error.message) from None
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        field = ".".join(map(str, first["loc"]))
        raise ValueError(f"{field}: {first['msg']}") from None


def init_repository(folder: Path, title: str, settings: str) -> Created:
    """Write a new repository into ``folder`` (made if missing); dossier.yaml goes last.

    ``settings`` is the text of its dossier.yaml (:func:`settings_text`), ``title`` the
    title it names, for the README.

    Files already there are kept, never overwritten; a folder that already has a
    dossier.yaml is refused before anything is written.

    Raises:
        Exists: when ``folder`` already holds a dossier.yaml.
        DossierError: when a file cannot be written.

    """
    if (folder / SETTINGS_FILE).exists():
        raise Exists(f"{folder / SETTINGS_FILE}: already exists; this is a dossier repository")
    files = {
        "README.md": skeletons.README.replace("@TITLE@", title),
        ".gitignore": skeletons.GITIGNORE,
        ".pre-commit-config.yaml": skeletons.PRE_COMMIT,
        "dossiers/GRADING.md": skeletons.GRADING,
        **{f"{name}/.gitkeep": "" for name in FOLDERS},
        **{f"schemas/{name}": text for name, text in schema_documents().items()},
        SETTINGS_FILE: settings,  # last: until it is there, init can simply run again
    }
    written, kept = [], []
    for name, text in files.items():
        try:
            create_new(folder / name, text.encode("utf-8"))
        except Exists:
            kept.append(name)
        else:
            written.append(name)
    return Created(tuple(written), tuple(kept))


def new_profile(root: Path, kind: str, ident: str) -> Path:
    """Write the commented skeleton of a person, group or book; return its path.

    Raises:
        Exists: when the file exists, or a profile of the other kind has this id.

    """
    folder, skeleton, model = KINDS[kind]
    if kind in ("person", "group"):  # one id space for every profile
        other = "group" if kind == "person" else "person"
        taken = f"{KINDS[other][0]}/{ident}.yaml"
        if (root / taken).exists():
            raise Exists(f"'{ident}' is already a {other}: {taken}")
    path = root / folder / f"{ident}.yaml"
    if path.exists() or path.is_symlink():
        raise Exists(f"{folder}/{ident}.yaml: already exists; left as it is")
    create_new(path, format_text(skeleton.replace("@ID@", ident), model).encode("utf-8"))
    return path


def next_source_id(root: Path) -> str:
    """The next free id of the ``seed-NNN`` series (``seed-000`` in a new repository)."""
    numbers = [
        int(match.group(1))
        for path in (root / SOURCE_FOLDER).glob("*.yaml")
        if (match := _SEED_ID.match(path.stem))
    ]
    return f"seed-{max(numbers, default=-1) + 1:03d}"


def new_source(root: Path, document: Path, ident: str, today: dt.date) -> tuple[Path, Path]:
    """Archive ``document`` byte for byte in seeds/ and write its metadata skeleton.

    The archive is named ``<id>_<first 16 hex digits of its sha256><suffix>``.
    Returns the archive's path and the metadata's.

    Raises:
        Exists: when either file exists.
        DossierError: when the document cannot be read or is not UTF-8 text.

    """
    try:
        data = document.read_bytes()
    except OSError as error:
        raise DossierError(f"{document}: cannot read: {error.strerror}") from None
    _require_text(document, data)
    digest = hashlib.sha256(data).hexdigest()
    suffix = document.suffix.lower() if _SUFFIX.match(document.suffix) else ".txt"
    archive = root / SOURCE_FOLDER / f"{ident}_{digest[:16]}{suffix}"
    metadata = root / SOURCE_FOLDER / f"{ident}.yaml"
    for path in (metadata, archive):
        if path.exists() or path.is_symlink():
            raise Exists(f"{path.relative_to(root).as_posix()}: already exists; nothing written")
    text = (
        skeletons.SOURCE.replace("@ID@", ident)
        .replace("@TODAY@", today.isoformat())
        .replace("@FILE@", archive.name)
        .replace("@SHA256@", digest)
    )
    text = format_text(text, Source)
    create_new(archive, data)
    try:
        create_new(metadata, text.encode("utf-8"))
    except BaseException:
        archive.unlink(missing_ok=True)  # no archive without its metadata
        raise
    return archive, metadata


def _require_text(document: Path, data: bytes) -> None:
    """Quotes are verified against the archived text: it must be UTF-8 text."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise DossierError(
            f"{document}: binary file (NUL byte at offset {nul}); archive the document's "
            "text as a UTF-8 .txt file"
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DossierError(
            f"{document}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
            f"{error.start}); convert it to UTF-8 first, since quotes are checked against it"
        ) from None
