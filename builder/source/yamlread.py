"""A safe, position-keeping YAML reader for hand-edited files.

Editors' files are untrusted input, so this reader is deliberately small:

- it takes libyaml's event stream (PyYAML's C parser, ~10x faster than a
  pure-Python loader) and builds plain dicts, lists and scalars itself;
- it refuses anchors and aliases outright, so an alias bomb never expands;
- it refuses duplicate keys, explicit tags, several documents, deep nesting,
  oversized files, binary files, anything that is not UTF-8 and integers
  longer than Python converts (4,300 digits), naming the field;
- it resolves plain scalars by the YAML 1.2 core schema (``no`` stays a
  string, dates stay text) and knows the 1-based line and column of every
  key and value, so later stages can point at the exact spot.

Positions are worked out when first asked for, by reading the text again:
only files with a problem need them, and a table of every key and value of
every file cost more memory than the models themselves and a third of the
reading time.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Any

import yaml

__all__ = ["Loc", "Positions", "YamlError", "read_yaml", "too_large"]

Loc = tuple[str | int, ...]
MAX_DEPTH = 64

_Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


class YamlError(Exception):
    """A file that cannot be read as a safe YAML mapping; carries its position.

    ``field`` is the dotted path of the value at fault, when there is one;
    ``rule`` the stable code of the kind of problem (see the README's table).
    """

    def __init__(
        self, line: int, column: int, message: str, field: str = "", *, rule: str = "yaml-syntax"
    ) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message
        self.field = field
        self.rule = rule


def too_large(size: int, limit: int, setting: str = "max_file_size") -> str:
    """The message for a file over its size limit, naming the setting that raises it."""
    return (
        f"file is {size:,} bytes, over the limit of {limit:,} "
        f"(raise {setting} in dossier.yaml if this is intended)"
    )


Table = dict[Loc, tuple[int, int]]


class Positions:
    """Line and column (1-based) of every value and mapping key in one file."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._tables: tuple[Table, Table] | None = None

    @property
    def values(self) -> Table:
        """Position of each value, by field path."""
        return self._load()[0]

    @property
    def keys(self) -> Table:
        """Position of each mapping key, by field path."""
        return self._load()[1]

    def _load(self) -> tuple[Table, Table]:
        if self._tables is None:
            values: Table = {}
            keys: Table = {}
            _build(self._text, (values, keys))  # read without error once already
            self._tables = (values, keys)
        return self._tables

    def of(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Position of ``loc``, or of its nearest ancestor that exists."""
        values, keys = self._load()
        table = keys if key else values
        while loc:
            if loc in table:
                return table[loc]
            if loc in values:
                return values[loc]
            loc = loc[:-1]
        return values.get((), (1, 1))


def _resolve(value: str, plain: bool) -> Any:
    """Resolve a scalar by the YAML 1.2 core schema (no timestamps, no yes/no)."""
    if not plain:
        return value
    if value in _NULL:
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value


def _explicit_tag(event: Any) -> bool:
    """True when the editor wrote a tag such as ``!!python/object``."""
    tag = getattr(event, "tag", None)
    if tag in (None, "!"):
        return False
    implicit = getattr(event, "implicit", False)
    plain_implicit = implicit[0] if isinstance(implicit, tuple) else implicit
    return not plain_implicit


def _decode(data: bytes, max_size: int) -> str:
    """Check size, binary content and encoding before any parsing."""
    if len(data) > max_size:
        raise YamlError(1, 1, too_large(len(data), max_size), rule="file-too-large")
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _line_col(data, nul)
        message = "binary file (NUL byte); profiles must be UTF-8 text"
        raise YamlError(line, col, message, rule="binary-file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        raise YamlError(
            line,
            col,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
            rule="not-utf8",
        ) from None
    return text.removeprefix("\ufeff")


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, len(
        data[line_start:offset].decode("utf-8", "replace")
    ) + 1


def _events(text: str) -> Iterator[Any]:
    try:
        yield from yaml.parse(text, Loader=_Parser)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise YamlError(line, col, f"YAML syntax error: {problem}{context}") from None
    except yaml.YAMLError as exc:
        raise YamlError(1, 1, f"YAML error: {exc}") from None


def read_yaml(data: bytes, max_size: int) -> tuple[Any, Positions]:
    """Parse one YAML document into plain Python values and their positions.

    Raises:
        YamlError: for anything unsafe or malformed, with its line and column.

    """
    text = _decode(data, max_size)
    return _build(text, None), Positions(text)


_NODES = (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)


def _build(text: str, tables: tuple[Table, Table] | None) -> Any:
    """Values of one document; with ``tables``, also fill in every position."""
    # Each frame: [container, loc, pending key or None]; a key is pending
    # between a mapping key scalar and its value. ``loc`` is only kept when
    # positions are wanted.
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    for event in _events(text):
        kind = type(event)
        if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
            continue
        if kind not in _NODES:
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlError(
                        *_pos(event),
                        "several YAML documents in one file; keep one per file",
                        rule="yaml-documents",
                    )
            elif kind is yaml.AliasEvent:
                raise YamlError(
                    *_pos(event),
                    "aliases (*name) are not allowed; write the value out",
                    rule="yaml-anchor",
                )
            continue  # stream start and end, document end
        if event.anchor:
            raise YamlError(
                *_pos(event),
                f"anchors (&{event.anchor}) are not allowed; write values out",
                rule="yaml-anchor",
            )
        if event.tag is not None and _explicit_tag(event):
            raise YamlError(*_pos(event), f"tags ({event.tag}) are not allowed", rule="yaml-tag")
        frame = stack[-1] if stack else None
        if frame is not None and frame[2] is None and type(frame[0]) is dict:
            # This event is a mapping key.
            if kind is not yaml.ScalarEvent:
                raise YamlError(
                    *_pos(event),
                    "mapping keys must be plain names, not lists or mappings",
                    rule="yaml-key",
                )
            key = event.value
            if tables is None:
                if key in frame[0]:
                    _build(text, ({}, {}))  # again with positions: raises, naming the first line
            else:
                where = (*frame[1], key)
                if where in tables[1]:
                    raise YamlError(
                        *_pos(event),
                        f"duplicate key '{key}' (first defined at line {tables[1][where][0]})",
                        rule="duplicate-key",
                    )
                tables[1][where] = _pos(event)
            frame[2] = key
            continue
        if kind is yaml.ScalarEvent:
            try:
                value: Any = _resolve(event.value, plain=event.implicit[0])
            except ValueError:  # int(): more digits than Python converts
                if tables is None:
                    _build(text, ({}, {}))  # again with positions: raises, naming the field
                raise YamlError(
                    *_pos(event),
                    _too_long(event.value),
                    ".".join(map(str, _value_loc(frame))),
                    rule="integer-too-long",
                ) from None
        else:
            value = {} if kind is yaml.MappingStartEvent else []
        loc: Loc = ()
        if frame is None:
            root = value
        elif frame[2] is not None:
            if tables is not None:
                loc = (*frame[1], frame[2])
            frame[0][frame[2]] = value
            frame[2] = None
        else:
            if tables is not None:
                loc = (*frame[1], len(frame[0]))
            frame[0].append(value)
        if tables is not None:
            tables[0][loc] = _pos(event)
        if kind is not yaml.ScalarEvent:
            if len(stack) >= MAX_DEPTH:
                message = f"nesting deeper than {MAX_DEPTH} levels"
                raise YamlError(*_pos(event), message, rule="yaml-depth")
            stack.append([value, loc, None])
    return root


def _value_loc(frame: list[Any] | None) -> Loc:
    """Field path of the value about to be added to ``frame`` (positions run only)."""
    if frame is None:
        return ()
    if frame[2] is not None:
        return (*frame[1], frame[2])
    return (*frame[1], len(frame[0]))


def _too_long(value: str) -> str:
    digits = len(value.lstrip("+-"))
    return (
        f"integer of {digits:,} digits is longer than the {sys.get_int_max_str_digits():,} "
        'allowed; write it in quotes ("...") if it is text'
    )


def _pos(event: Any) -> tuple[int, int]:
    mark = event.start_mark
    return mark.line + 1, mark.column + 1
