"""Load a dossier repository: YAML files -> validated models, positions kept.

Loading never stops at the first problem. Each file that cannot be read or
does not match its schema yields :class:`~builder.errors.Diagnostic` s with
the file, line, column and dotted field path; the files that do load are
returned alongside, so ``check`` can go on to cross-file checks.
"""

from __future__ import annotations

import difflib
import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from builder.errors import Diagnostic, ProjectError, Severity
from builder.source.models import Book, Group, Person, Settings, Source
from builder.source.yamlread import Loc, Positions, YamlError, read_yaml

__all__ = [
    "ENTITY_FOLDERS",
    "ENTITY_MODEL",
    "SETTINGS_FILE",
    "Archive",
    "Loaded",
    "Project",
    "collector_paused",
    "load_project",
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
        self, loc: Loc, message: str, severity: Severity = Severity.error, *, key: bool = False
    ) -> Diagnostic:
        """A diagnostic pointing at a field path of this file."""
        line, col = self.positions.of(loc, key=key)
        return Diagnostic(self.path, line, col, ".".join(map(str, loc)), message, severity)


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
    archives = {s.model.id: _read_archive(root, s, problems) for s in sources}
    return Project(
        root=root,
        settings=settings,
        entities=tuple(entities),
        sources=tuple(sources),
        books=tuple(books),
        archives={k: v for k, v in archives.items() if v is not None},
        diagnostics=tuple(problems),
    )


def _load_settings(root: Path) -> Loaded[Settings]:
    path = root / SETTINGS_FILE
    if not path.is_file():
        raise ProjectError(
            f"{_display(root, path)}: not found; is '{root}' a dossier repository? "
            "Create dossier.yaml there or pass --project DIR."
        )
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
    """The *.yaml files of a folder, sorted; *.yml files are reported, not skipped."""
    if not folder.is_dir():
        return []
    for odd in sorted(folder.glob("*.yml")):
        problems.append(
            Diagnostic(_display(root, odd), 1, 1, "", "not loaded: rename to .yaml", Severity.error)
        )
    return sorted(p for p in folder.glob("*.yaml") if p.is_file())


def _stray_files(root: Path) -> list[Diagnostic]:
    """YAML files under dossiers/ that no stage reads: report, never drop silently."""
    base = root / "dossiers"
    known = {*ENTITY_FOLDERS, BOOK_FOLDER}
    stray = []
    for path in sorted(base.rglob("*.y*ml")) if base.is_dir() else []:
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
        data, positions = read_yaml(path.read_bytes(), limit)
    except YamlError as exc:
        problems.append(Diagnostic(shown, exc.line, exc.column, "", exc.message))
        return None
    except OSError as exc:
        problems.append(Diagnostic(shown, 1, 1, "", f"cannot read file: {exc.strerror}"))
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
            )
        )
        return None
    return Loaded(instance, shown, positions)


def _read_archive(root: Path, source: Loaded[Source], problems: list[Diagnostic]) -> Archive | None:
    path = root / SOURCE_FOLDER / source.model.file
    if not path.is_file():
        problems.append(
            source.problem(
                ("file",), f"archived file '{SOURCE_FOLDER}/{source.model.file}' not found"
            )
        )
        return None
    data = path.read_bytes()
    try:
        text: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
        message = "archived file is not UTF-8 text; quotes cannot be verified"
        problems.append(source.problem(("file",), message))
    return Archive(_display(root, path), hashlib.sha256(data).hexdigest(), text)


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
        out.append(Diagnostic(path, line, col, dotted, _message(model, loc, error)))
    return out


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
