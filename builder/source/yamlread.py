"""A safe, position-keeping YAML reader for hand-edited files.

Editors' files are untrusted input, so this reader is deliberately small:

- it takes libyaml's event stream (PyYAML's C parser, ~10x faster than a
  pure-Python loader) and builds plain dicts, lists and scalars itself;
- it refuses anchors and aliases outright, so an alias bomb never expands;
- it refuses duplicate keys, explicit tags, several documents, deep nesting,
  oversized files, binary files and anything that is not UTF-8;
- it resolves plain scalars by the YAML 1.2 core schema (``no`` stays a
  string, dates stay text) and records the 1-based line and column of every
  key and value, so later stages can point at the exact spot.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["Loc", "Positions", "YamlError", "read_yaml"]

Loc = tuple[str | int, ...]
MAX_DEPTH = 64

_Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


class YamlError(Exception):
    """A file that cannot be read as a safe YAML mapping; carries its position."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


@dataclass
class Positions:
    """Line and column (1-based) of every value and mapping key in one file."""

    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def of(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Position of ``loc``, or of its nearest ancestor that exists."""
        table = self.keys if key else self.values
        while loc:
            if loc in table:
                return table[loc]
            if loc in self.values:
                return self.values[loc]
            loc = loc[:-1]
        return self.values.get((), (1, 1))


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
        raise YamlError(
            1,
            1,
            f"file is {len(data):,} bytes, over the limit of {max_size:,} "
            "(raise max_file_size in dossier.yaml if this is intended)",
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _line_col(data, nul)
        raise YamlError(line, col, "binary file (NUL byte); profiles must be UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        raise YamlError(
            line, col, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
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
    positions = Positions()
    # Each frame: [container, loc, pending key or None]; a key is pending
    # between a mapping key scalar and its value.
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    for event in _events(text):
        if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
            continue
        mark = event.start_mark
        pos = (mark.line + 1, mark.column + 1)
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise YamlError(*pos, "several YAML documents in one file; keep one per file")
            continue
        if isinstance(event, yaml.AliasEvent):
            raise YamlError(*pos, "aliases (*name) are not allowed; write the value out")
        if getattr(event, "anchor", None):
            raise YamlError(*pos, f"anchors (&{event.anchor}) are not allowed; write values out")
        if _explicit_tag(event):
            raise YamlError(*pos, f"tags ({event.tag}) are not allowed")
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            stack.pop()
            continue
        frame = stack[-1] if stack else None
        if frame is not None and isinstance(frame[0], dict) and frame[2] is None:
            # This event is a mapping key.
            if not isinstance(event, yaml.ScalarEvent):
                raise YamlError(*pos, "mapping keys must be plain names, not lists or mappings")
            key = event.value
            if (*frame[1], key) in positions.keys:
                first = positions.keys[(*frame[1], key)]
                raise YamlError(*pos, f"duplicate key '{key}' (first defined at line {first[0]})")
            positions.keys[(*frame[1], key)] = pos
            frame[2] = key
            continue
        if frame is None:
            loc: Loc = ()
        elif isinstance(frame[0], dict):
            loc = (*frame[1], frame[2])
        else:
            loc = (*frame[1], len(frame[0]))
        positions.values[loc] = pos
        if isinstance(event, yaml.ScalarEvent):
            value: Any = _resolve(event.value, plain=event.implicit[0])
        elif isinstance(event, yaml.MappingStartEvent):
            value = {}
        else:
            value = []
        if frame is None:
            root = value
        elif isinstance(frame[0], dict):
            frame[0][frame[2]] = value
            frame[2] = None
        else:
            frame[0].append(value)
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(stack) >= MAX_DEPTH:
                raise YamlError(*pos, f"nesting deeper than {MAX_DEPTH} levels")
            stack.append([value, loc, None])
    return root, positions
