"""Load a dossier repository: YAML files -> validated models, positions kept.

Loading never stops at the first problem. Each file that cannot be read or
does not match its schema yields :class:`~builder.errors.Diagnostic` s with
the file, line, column and dotted field path; the files that do load are
returned alongside, so ``check`` can go on to cross-file checks.

A repository is edited by several people and built where secrets live, so
every file is vetted before it is opened (:func:`refusal`, with ``lstat`` and
``stat`` only): it must resolve inside the repository (a symbolic link that
leads out is reported, naming the link, and its target is never read, hashed
or quoted), be a regular file (a folder, FIFO, broken link or link loop named
like a profile is reported, never skipped in silence, and a FIFO is never
opened), and be no larger than its limit (``max_file_size`` for YAML,
``max_archive_size`` for archived texts), checked before anything is read.
Theme files are vetted where they are read: the template loader
(render/html.py) and the PDF assets (publish/theme.py).
"""

from __future__ import annotations

import difflib
import errno
import gc
import hashlib
import os
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from builder.errors import Diagnostic, ProjectError, Severity
from builder.source.models import Book, Group, Person, Settings, Source
from builder.source.yamlread import Loc, Positions, YamlError, read_yaml, too_large

__all__ = [
    "ENTITY_FOLDERS",
    "ENTITY_MODEL",
    "SETTINGS_FILE",
    "Archive",
    "Loaded",
    "Project",
    "collector_paused",
    "load_project",
    "read_inside",
    "refusal",
]

SETTINGS_FILE = "dossier.yaml"
ENTITY_FOLDERS: dict[str, type[Person] | type[Group]] = {
    "dossiers/people": Person,
    "dossiers/groups": Group,
}
ENTITY_MODEL: dict[str, type[Person] | type[Group]] = {"person": Person, "group": Group}
SOURCE_FOLDER = "seeds"
BOOK_FOLDER = "dossiers/books"

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Loaded(Generic[M]):
    """A validated model with the file it came from and its positions."""

    model: M
    path: str
    positions: Positions

    def at(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Line and column of a field path in this file."""
        return self.positions.of(loc, key=key)

    def problem(
        self,
        loc: Loc,
        message: str,
        severity: Severity = Severity.error,
        *,
        key: bool = False,
        rule: str = "",
    ) -> Diagnostic:
        """A diagnostic of kind ``rule`` pointing at a field path of this file."""
        line, col = self.positions.of(loc, key=key)
        return Diagnostic(self.path, line, col, ".".join(map(str, loc)), message, severity, rule)


@dataclass(frozen=True)
class Archive:
    """The archived text of one source, as bytes on disk and decoded text."""

    path: str
    sha256: str
    text: str | None


@dataclass(frozen=True)
class Project:
    """Everything loaded from one dossier repository."""

    root: Path
    settings: Loaded[Settings]
    entities: tuple[Loaded[Person] | Loaded[Group], ...]
    sources: tuple[Loaded[Source], ...]
    books: tuple[Loaded[Book], ...]
    archives: dict[str, Archive]
    diagnostics: tuple[Diagnostic, ...]


def load_project(root: Path) -> Project:
    """Load settings, profiles, sources, books and archived texts of one repository.

    Raises:
        ProjectError: when the settings file is missing or invalid, since
            nothing else can be interpreted without it.

    """
    with collector_paused():
        return _load_project(root)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while long-lived data is built.

    The models loaded here (and the index check derives from them) live as
    long as the project, so the collector can free none of them, yet it kept
    re-scanning them all: with 1,000 large profiles, a fifth of the load time
    and half of check's. Reference counting still frees temporaries meanwhile.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _load_project(root: Path) -> Project:
    problems: list[Diagnostic] = []
    settings = _load_settings(root)
    limit = settings.model.max_file_size
    entities: list[Loaded[Person] | Loaded[Group]] = []
    for folder, model in ENTITY_FOLDERS.items():
        for path in _yaml_files(root / folder, problems, root):
            loaded: Loaded[Any] | None = _load_file(root, path, model, limit, problems)
            if loaded is not None:
                entities.append(loaded)
    sources: list[Loaded[Source]] = []
    for path in _yaml_files(root / SOURCE_FOLDER, problems, root):
        source = _load_file(root, path, Source, limit, problems)
        if source is not None:
            sources.append(source)
    books: list[Loaded[Book]] = []
    for path in _yaml_files(root / BOOK_FOLDER, problems, root):
        book = _load_file(root, path, Book, limit, problems)
        if book is not None:
            books.append(book)
    problems.extend(_stray_files(root))
    archive_limit = settings.model.max_archive_size
    archives = {s.model.id: _read_archive(root, s, archive_limit, problems) for s in sources}
    return Project(
        root=root,
        settings=settings,
        entities=tuple(entities),
        sources=tuple(sources),
        books=tuple(books),
        archives={k: v for k, v in archives.items() if v is not None},
        diagnostics=tuple(dict.fromkeys(problems)),  # a linked dossiers/ is named once
    )


def _load_settings(root: Path) -> Loaded[Settings]:
    path = root / SETTINGS_FILE
    try:
        refused = refusal(root, path)
    except FileNotFoundError:
        raise ProjectError(
            f"{_display(root, path)}: not found; is '{root}' a dossier repository? "
            "Create dossier.yaml there or pass --project DIR."
        ) from None
    if refused is not None:
        raise ProjectError(f"{_display(root, refused[0])}: {refused[1]}")
    problems: list[Diagnostic] = []
    settings = _load_file(
        root,
        path,
        Settings,
        Settings.model_fields["max_file_size"].default,
        problems,
        check_id=False,
    )
    if settings is None:
        raise ProjectError("invalid settings:\n" + "\n".join(p.format() for p in problems))
    return settings


def _display(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _yaml_files(folder: Path, problems: list[Diagnostic], root: Path) -> list[Path]:
    """The *.yaml files of a folder, sorted; whatever is not loaded is reported.

    A *.yml file, or a *.yaml entry that is no regular file of the repository
    (a folder, FIFO, broken link, link loop or link out of the repository) is
    an error naming it; so is a folder that cannot be listed. A missing folder
    is not: a repository may have no groups or no books.
    """
    try:
        refused = refusal(root, folder, folder=True)
    except FileNotFoundError:
        return []
    if refused is not None:
        problems.append(_refused(root, refused))
        return []
    try:
        with os.scandir(folder) as entries:
            names = sorted(entry.name for entry in entries)
    except OSError as exc:
        message = f"cannot read folder: {exc.strerror}; none of its files were loaded"
        problems.append(
            Diagnostic(_display(root, folder), 1, 1, "", message, rule="file-unreadable")
        )
        return []
    files = []
    for name in names:
        path = folder / name
        if name.startswith("."):
            continue  # hidden, as glob("*.yaml") had it
        if name.endswith(".yml"):
            message = "not loaded: rename to .yaml"
            problems.append(
                Diagnostic(_display(root, path), 1, 1, "", message, rule="yml-extension")
            )
            continue
        if not name.endswith(".yaml"):
            continue
        try:
            refused = refusal(root, path)
        except FileNotFoundError:
            continue  # removed since the folder was listed
        if refused is None:
            files.append(path)
        else:
            problems.append(_refused(root, refused))
    return files


def _refused(root: Path, refused: tuple[Path, str]) -> Diagnostic:
    """The diagnostic for a file or folder :func:`refusal` refuses to read."""
    return Diagnostic(_display(root, refused[0]), 1, 1, "", refused[1], rule="file-refused")


def _stray_files(root: Path) -> list[Diagnostic]:
    """YAML files under dossiers/ that no stage reads: report, never drop silently."""
    base = root / "dossiers"
    known = {*ENTITY_FOLDERS, BOOK_FOLDER}
    if not base.is_dir() or not _within(os.path.realpath(base), (os.path.realpath(root),)):
        return []  # a link out of the repository is reported where a folder in it is read
    stray = []
    for path in sorted(base.rglob("*.y*ml")):
        folder = _display(root, path.parent)
        if folder not in known and path.suffix in (".yaml", ".yml"):
            stray.append(
                Diagnostic(
                    _display(root, path),
                    1,
                    1,
                    "",
                    "not loaded: profiles go in dossiers/people/ or dossiers/groups/, "
                    "books in dossiers/books/",
                    Severity.warning,
                    "stray-file",
                )
            )
    return stray


def _load_file(
    root: Path,
    path: Path,
    model: type[M],
    limit: int,
    problems: list[Diagnostic],
    *,
    check_id: bool = True,
) -> Loaded[M] | None:
    """Read, parse and validate one file; on failure append diagnostics."""
    shown = _display(root, path)
    try:
        data, positions = read_yaml(_read_bounded(path, limit), limit)
    except _TooLarge as exc:
        message = too_large(exc.size, limit)
        problems.append(Diagnostic(shown, 1, 1, "", message, rule="file-too-large"))
        return None
    except YamlError as exc:
        problems.append(
            Diagnostic(shown, exc.line, exc.column, exc.field, exc.message, rule=exc.rule)
        )
        return None
    except OSError as exc:
        message = f"cannot read file: {exc.strerror}"
        problems.append(Diagnostic(shown, 1, 1, "", message, rule="file-unreadable"))
        return None
    if not isinstance(data, dict):
        what = "empty" if data is None else f"a {type(data).__name__}, not a mapping"
        problems.append(
            Diagnostic(
                shown,
                1,
                1,
                "",
                f"file is {what}; expected a mapping of "
                f"fields ({', '.join(list(model.model_fields)[:4])}, …)",
                rule="not-a-mapping",
            )
        )
        return None
    try:
        instance = model.model_validate(data)
    except ValidationError as exc:
        problems.extend(_diagnostics(shown, model, exc, positions))
        return None
    model_id = getattr(instance, "id", path.stem)
    if check_id and model_id != path.stem:
        line, col = positions.of(("id",))
        problems.append(
            Diagnostic(
                shown,
                line,
                col,
                "id",
                f"'{model_id}' must equal the file name '{path.stem}' (rename one of them)",
                rule="id-mismatch",
            )
        )
        return None
    return Loaded(instance, shown, positions)


def _read_archive(
    root: Path, source: Loaded[Source], limit: int, problems: list[Diagnostic]
) -> Archive | None:
    path = root / SOURCE_FOLDER / source.model.file
    shown = _display(root, path)
    try:
        refused = refusal(root, path)
    except FileNotFoundError:
        message = f"archived file '{shown}' not found"
        problems.append(source.problem(("file",), message, rule="archive-missing"))
        return None
    if refused is not None:
        problems.append(_refused(root, refused))
        return None
    try:
        data = _read_bounded(path, limit)
    except _TooLarge as exc:
        message = too_large(exc.size, limit, "max_archive_size")
        problems.append(Diagnostic(shown, 1, 1, "", message, rule="file-too-large"))
        return None
    except OSError as exc:
        message = f"cannot read file: {exc.strerror}"
        problems.append(Diagnostic(shown, 1, 1, "", message, rule="file-unreadable"))
        return None
    try:
        text: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
        message = "archived file is not UTF-8 text; quotes cannot be verified"
        problems.append(source.problem(("file",), message, rule="archive-not-utf8"))
    return Archive(shown, hashlib.sha256(data).hexdigest(), text)


# --- files: inside the repository, regular, bounded ------------------------


def refusal(root: Path, path: Path, *, folder: bool = False) -> tuple[Path, str] | None:
    """Why ``path`` may not be read as a file (or ``folder``) of the repository, if it may not.

    Returns the entry to name (the link that leads out may be a folder on the
    way) and the message. Only ``lstat``, ``stat`` and ``readlink`` are used:
    nothing is opened, so a FIFO cannot block, and nothing is learnt about a
    target outside the repository (whether it exists, what it is) that the
    message could reveal.

    Raises:
        FileNotFoundError: when there is nothing at ``path``, not even a link.

    """
    bases = (os.path.realpath(root),)
    if not _within(os.path.realpath(path), bases):
        link = _link_out(root, path, bases)
        what = "folder" if folder or link != path else "file"
        return link, _outside(what)
    os.lstat(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return (
            path,
            "broken symbolic link (its target does not exist); replace it with the file itself",
        )
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return path, "symbolic link loop; replace it with the file itself"
        return path, f"cannot read {'folder' if folder else 'file'}: {exc.strerror}"
    if folder:
        return None if stat.S_ISDIR(mode) else (path, "not a folder; nothing was loaded from it")
    if stat.S_ISDIR(mode):
        return path, "a folder, not a file; remove it or rename it"
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "a special file")
        return path, f"{kind}, not a regular file; replace it with a file"
    return None


def read_inside(root: Path, path: Path, limit: int) -> bytes:
    """The bytes of a file that :func:`refusal` accepts and that is at most ``limit`` bytes.

    Raises:
        OSError: when the file is refused (a link out of the repository, not a
            regular file), missing, unreadable or larger than ``limit``.

    """
    refused = refusal(root, path)
    if refused is not None:
        raise OSError(errno.EPERM, refused[1], str(refused[0]))
    try:
        return _read_bounded(path, limit)
    except _TooLarge as exc:
        raise OSError(errno.EFBIG, too_large(exc.size, limit), str(path)) from None


_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
}


def _outside(what: str) -> str:
    return f"symbolic link to a {what} outside the repository; replace it with the {what} itself"


def _within(real: str, bases: Sequence[str]) -> bool:
    return any(real == base or real.startswith(base.rstrip(os.sep) + os.sep) for base in bases)


def _link_out(root: Path, path: Path, bases: Sequence[str]) -> Path:
    """The first entry from ``root`` to ``path`` that is a link leading out of ``bases``."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return path
    current = root
    for part in parts:
        current = current / part
        if current.is_symlink() and not _within(os.path.realpath(current), bases):
            return current
    return path


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def _read_bounded(path: Path, limit: int) -> bytes:
    """Read at most ``limit`` bytes; a larger file raises :class:`_TooLarge` unread.

    Opened non-blocking and checked again on the open file, so that a file
    swapped for a FIFO after it was vetted cannot block the build either.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if info.st_size > limit:
            raise _TooLarge(info.st_size)
        chunks = []
        left = limit + 1  # a file growing while read is still caught
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise _TooLarge(len(data))
    return data


# --- pydantic errors -> editor-facing diagnostics --------------------------


def _diagnostics(
    path: str, model: type[BaseModel], exc: ValidationError, positions: Positions
) -> list[Diagnostic]:
    out = []
    errors = exc.errors(include_url=False)
    deeper = {tuple(e["loc"][:n]) for e in errors for n in range(len(e["loc"]))}
    for error in errors:
        loc: Loc = tuple(error["loc"])
        kind = error["type"]
        if kind == "too_short" and loc in deeper:
            continue  # a list whose items failed looks empty; report the items only
        line, col = positions.of(loc, key=kind == "extra_forbidden")
        dotted = ".".join(map(str, loc))
        message = _message(model, loc, error)
        out.append(Diagnostic(path, line, col, dotted, message, rule=_schema_rule(loc, kind)))
    return out


def _schema_rule(loc: Loc, kind: str) -> str:
    """The rule code of one pydantic error: its own for common mistakes, else ``schema``."""
    if loc and loc[-1] == "citations" and kind in ("missing", "too_short"):
        return "no-citation"
    if kind == "literal_error" and loc == ("kind",):
        return "wrong-kind"
    return {"extra_forbidden": "unknown-field", "missing": "missing-field"}.get(kind, "schema")


def _message(model: type[BaseModel], loc: Loc, error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(model, loc[:-1]))
        name = str(loc[-1])
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return f"unknown field '{name}'; {hint}allowed: {', '.join(allowed)}"
    if kind == "missing":
        if loc and loc[-1] == "citations":
            return "required field is missing: add at least one citation"
        return "required field is missing"
    if kind == "too_short" and loc and loc[-1] == "citations":
        return "needs at least one citation {source, locator, quote, credibility}"
    if kind == "literal_error" and loc == ("kind",):
        expected = get_args(model.model_fields["kind"].annotation)[0]
        other = "people" if expected == "group" else "groups"
        return (
            f"must be '{expected}' in this folder (got '{error['input']}'); "
            f"fix kind or move the file to dossiers/{other}/"
        )
    message = error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    if (
        isinstance(value, (str, int, float))
        and not isinstance(value, bool)
        and kind != "value_error"
    ):
        shown = str(value) if len(str(value)) <= 60 else str(value)[:57] + "..."
        message = (
            f"{message} (got '{shown}')" if isinstance(value, str) else f"{message} (got {shown})"
        )
    return message


def _fields_at(model: type[BaseModel], loc: Loc) -> set[str]:
    """Field names allowed at a location, by walking the model's annotations."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return set()
        field = current.model_fields.get(part)
        if field is None:
            return set()
        current = _inner_model(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return set(current.model_fields)
    return set()


def _inner_model(annotation: Any) -> Any:
    """The model inside ``tuple[X, ...]``, ``X | None`` or ``Annotated[...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
