"""``dossier fmt``: rewrite profiles, books, sources and settings in one canonical layout.

The layout: keys in the schema's order (below), block style everywhere, two-space
mappings with list dashes indented by two, long plain and quoted strings wrapped at
:data:`WIDTH` columns at single spaces, quoting kept as written (a quote stays in
the quotes the editor chose), folded and literal blocks kept as written, comments
kept beside the lines they describe. A file already in this layout is left
byte-identical.

It never changes a value, and proves it before writing: the new text is read
back with the project's own safe reader (:mod:`builder.source.yamlread`) and must
give exactly the same data (types included) as the old one, and the same comment
lines; otherwise the file is left alone and named. Writes are atomic and only
replace a file that still holds the bytes that were read (:mod:`builder.author.files`).

Key order: a field's place in its pydantic model, except that an item's ``id``
comes first, its own fields next, the attribution fields shared by every cited
item (``status``, ``attributed_to``, ``inference``, ``note``) after them and
``citations`` last; profiles read ``id, kind, name, aliases, summary, facts``, then
the rest. Unknown keys keep their order, after the known ones (``check`` names them).
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import FoldedScalarString

from builder.author.comments import (
    append_tail,
    comment_lines,
    detach_tail,
    set_before,
    unfold_comment,
)
from builder.errors import Diagnostic
from builder.source.load import (
    BOOK_FOLDER,
    ENTITY_FOLDERS,
    SETTINGS_FILE,
    SOURCE_FOLDER,
    read_inside,
)
from builder.source.models import Attributed, Book, Group, Person, Settings, Source
from builder.source.yamlread import YamlError, read_yaml

__all__ = [
    "ENTITY_ORDER",
    "WIDTH",
    "FormatProblem",
    "Formatted",
    "field_order",
    "file_limit",
    "format_file",
    "format_text",
    "model_for",
    "refold",
    "repository_files",
]

WIDTH = 88
ENTITY_ORDER = (
    "id",
    "kind",
    "name",
    "aliases",
    "summary",
    "facts",
    "narrative",
    "relationships",
    "events",
    "assessments",
    "as_of",
    "reviewed",
)
FOLDER_MODELS: dict[str, type[BaseModel]] = {
    **ENTITY_FOLDERS,
    BOOK_FOLDER: Book,
    SOURCE_FOLDER: Source,
}
_SHARED = tuple(f for f in Attributed.model_fields if f not in ("id", "citations"))


class FormatProblem(Exception):
    """A file that cannot be formatted; carries the diagnostic to print."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


@dataclass(frozen=True)
class Formatted:
    """One file's bytes before and after formatting."""

    path: Path
    shown: str
    old: bytes
    new: bytes

    @property
    def changed(self) -> bool:
        """True when formatting changes the file."""
        return self.old != self.new


@functools.cache
def field_order(model: type[BaseModel]) -> tuple[str, ...]:
    """The canonical key order of a model's mappings (see the module docstring)."""
    if model in (Person, Group):
        return ENTITY_ORDER
    fields = list(model.model_fields)
    shared = [f for f in _SHARED if f in fields] if issubclass(model, Attributed) else []
    first = [f for f in fields if f == "id"]
    last = [f for f in fields if f == "citations"]
    own = [f for f in fields if f not in (*first, *last, *shared)]
    return (*first, *own, *shared, *last)


def model_for(relative: str) -> type[BaseModel] | None:
    """The model of a repository file, by its path relative to the root; None if none."""
    if relative == SETTINGS_FILE:
        return Settings
    folder, _, name = relative.rpartition("/")
    return FOLDER_MODELS.get(folder) if name.endswith(".yaml") else None


def repository_files(root: Path) -> list[Path]:
    """Every file ``fmt`` formats in a repository: settings, profiles, books, sources."""
    files = [root / SETTINGS_FILE] if (root / SETTINGS_FILE).is_file() else []
    for folder in FOLDER_MODELS:
        if (root / folder).is_dir():
            files.extend(p for p in sorted((root / folder).glob("*.yaml")) if p.is_file())
    return files


_NULL = ("tag:yaml.org,2002:null", re.compile("^(?:~|null|Null|NULL|)$"))


class _TextResolver(VersionedResolver):
    """Reads every plain scalar as the text it is, except null.

    ruamel would otherwise turn ``2024-9-3`` into a timestamp, ``1_000`` into 1000
    and ``012`` into 12, and write them back in its own spelling. Kept as text,
    every plain scalar is written back exactly as the editor typed it, and the
    safe reader gives it the same value before and after.
    """

    @property
    def versioned_resolver(self) -> Any:
        # A new table each time: ruamel's resolve() extends the lists it gets.
        return {first: [_NULL] for first in ("~", "n", "N", "")}


def _yaml(width: int) -> YAML:
    yaml = YAML(typ="rt")
    yaml.Resolver = _TextResolver
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = width
    yaml.allow_unicode = True
    # ruamel writes a null mapping value as nothing at all ("url:"); keep the word.
    yaml.representer.add_representer(
        type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return yaml


def format_text(
    text: str, model: type[BaseModel] | None, width: int = WIDTH, *, strip: bool = True
) -> str:
    """The canonical layout of one YAML document (not verified: see :func:`format_file`).

    ruamel leaves a space at the end of some wrapped lines; ``strip`` removes it
    (a trailing space is no part of a plain or quoted value, but is of a literal block
    scalar's: :func:`format_file` proves which applies).

    Raises:
        ruamel.yaml.error.YAMLError: when ruamel cannot read the text.

    """
    yaml = _yaml(width)
    document = yaml.load(text)
    if not isinstance(document, (CommentedMap, CommentedSeq)):
        return text  # empty or a bare scalar: nothing to lay out; check reports it
    _lead_to_first(document, _arrange(document, model, 0), 0)
    out = io.StringIO()
    yaml.dump(document, out)
    if not strip:
        return out.getvalue()
    return "".join(line.rstrip(" ") + "\n" for line in out.getvalue().splitlines())


def _arrange(node: Any, model: type[BaseModel] | None, indent: int) -> list[str]:
    """Reorder keys (where a model says how) and unfold flow collections, top down.

    Returns the comment lines that belong above ``node`` itself: those above a
    key that became the first of an item's mapping go above the item's dash.
    """
    lead: list[str] = []
    if isinstance(node, CommentedMap):
        if model is not None:
            lead = _reorder(node, field_order(model), indent)
        for key in list(node):
            _unfold(node, key)
            value = node[key]
            if isinstance(value, FoldedScalarString):
                _set_folds(value, refold(value, WIDTH - indent - 2))
            deeper = indent + (4 if isinstance(value, CommentedSeq) else 2)
            _lead_to_first(value, _arrange(value, _child(model, key), deeper), deeper)
    elif isinstance(node, CommentedSeq):
        for index in range(len(node)):
            _unfold(node, index)
            if isinstance(node[index], FoldedScalarString):
                _set_folds(node[index], refold(node[index], WIDTH - indent))
            set_before(node, index, _arrange(node[index], model, indent), indent - 2)
    return lead


def refold(text: str, budget: int) -> list[int]:
    """Where to break a folded block (``>``) so that its lines fit in ``budget`` columns.

    Folding turns a line break back into one space, so a break may only replace a
    single space between two visible characters; lines that start with a space
    (kept as they are by YAML) are never broken. A word longer than the budget
    gets a line of its own.
    """
    positions = []
    offset = 0
    for line in text.split("\n"):
        if line[:1] not in (" ", "\t"):
            start, candidate = 0, -1  # the output line's start, its last possible break
            for at in range(1, len(line) - 1):
                if line[at] != " " or line[at - 1] in " \t" or line[at + 1] in " \t":
                    continue
                if at - start > budget and candidate >= start:
                    positions.append(offset + candidate)
                    start = candidate + 1
                candidate = at
            if len(line) - start > budget and candidate >= start:
                positions.append(offset + candidate)
        offset += len(line) + 1
    return positions


def _set_folds(value: FoldedScalarString, positions: list[int]) -> None:
    # ruamel reads the break positions of a folded block into ``fold_pos`` (a slot
    # its stubs do not declare) and writes them back.
    value.fold_pos = positions  # type: ignore[attr-defined]


def _lead_to_first(node: Any, lines: list[str], indent: int) -> None:
    if lines and isinstance(node, CommentedMap):
        set_before(node, next(iter(node)), lines, indent)


def _unfold(parent: CommentedMap | CommentedSeq, key: Any) -> None:
    value = parent[key]
    if isinstance(value, (CommentedMap, CommentedSeq)) and len(value) > 0:
        if value.fa.flow_style():
            unfold_comment(parent, key)
        value.fa.set_block_style()


def _reorder(mapping: CommentedMap, order: tuple[str, ...], indent: int) -> list[str]:
    """Put the keys in ``order``; return the comment lines for above the new first key."""
    keys = list(mapping)
    rank = {name: place for place, name in enumerate(order)}
    wanted = sorted(keys, key=lambda k: (0, rank[k]) if k in rank else (1, keys.index(k)))
    if wanted == keys:
        return []
    # The comment lines above a key move with it; those after the last entry stay last.
    above = {}
    for place, key in enumerate(keys):
        above[keys[place + 1] if place + 1 < len(keys) else None] = detach_tail(mapping, key)
    for key in wanted:
        mapping.move_to_end(key)
    for key in wanted[1:]:
        set_before(mapping, key, above.get(key, []), indent)
    append_tail(mapping, wanted[-1], above.get(None, []), indent)
    return above.get(wanted[0], [])


def _child(model: type[BaseModel] | None, key: Any) -> type[BaseModel] | None:
    """The model of a field's value (or of its items), if it has one."""
    if model is None or not isinstance(key, str) or key not in model.model_fields:
        return None
    return _inner_model(model.model_fields[key].annotation)


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def format_file(root: Path, path: Path, limit: int) -> Formatted:
    """Format one file of the repository in memory and prove the result safe.

    Raises:
        FormatProblem: when the file cannot be read, is not valid YAML, or its new
            layout would not read back as the same data and comments.

    """
    shown = _display(root, path)
    try:
        old = read_inside(root, path, limit)
    except OSError as error:
        message = f"cannot read file: {error.strerror}"
        raise FormatProblem(Diagnostic(shown, 1, 1, "", message)) from None
    try:
        data, _ = read_yaml(old, limit)
    except YamlError as error:
        raise FormatProblem(
            Diagnostic(shown, error.line, error.column, error.field, error.message)
        ) from None
    text = old.decode("utf-8")
    model = model_for(shown)
    # Without stripping or wrapping, should either ever change a value.
    for width, strip in ((WIDTH, True), (WIDTH, False), (1_000_000, False)):
        new = _fixpoint(text, model, width, strip)
        if new is not None and _same_data(data, new, limit) and _same_comments(text, new):
            return Formatted(path, shown, old, new.encode("utf-8"))
    raise FormatProblem(
        Diagnostic(
            shown,
            1,
            1,
            "",
            "cannot be formatted without changing a value or losing a comment; "
            "left unchanged (please report this file)",
        )
    )


def _fixpoint(text: str, model: type[BaseModel] | None, width: int, strip: bool) -> str | None:
    """Format until formatting again changes nothing (ruamel needs two passes at most)."""
    try:
        current = format_text(text, model, width, strip=strip)
        for _ in range(3):
            again = format_text(current, model, width, strip=strip)
            if again == current:
                return current
            current = again
    except YAMLError:
        return None
    return None


def _same_data(data: Any, new: str, limit: int) -> bool:
    try:
        after, _ = read_yaml(new.encode("utf-8"), limit)
    except YamlError:
        return False
    return _identical(data, after)


def _identical(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (1, 1.0 and True differ)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_identical(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _same_comments(old: str, new: str) -> bool:
    yaml = _yaml(WIDTH)
    return sorted(comment_lines(yaml.load(old))) == sorted(comment_lines(yaml.load(new)))


def _display(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def file_limit(root: Path) -> int:
    """``max_file_size`` as dossier.yaml sets it, or its default when it cannot be read."""
    default: int = Settings.model_fields["max_file_size"].default
    try:
        data, _ = read_yaml(read_inside(root, root / SETTINGS_FILE, default), default)
    except (OSError, YamlError):
        return default
    value = data.get("max_file_size") if isinstance(data, dict) else None
    return value if type(value) is int and value >= 1024 else default
