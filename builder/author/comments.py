"""Keep an editor's comments in place while ``dossier fmt`` rearranges a YAML tree.

ruamel.yaml keeps comments, but not where a reader would attach them: a comment
line above a key is stored as the tail of whatever node ends just before it
(often deep inside the previous key's value), and the comment after a flow
collection (``- {source: …}  # checked``) belongs to the sequence item, not to
the mapping. Moving keys or unfolding flow collections would then carry a
comment away from the line it describes. The helpers here move those comments
first: the lines above a key become that key's own "before" comment, and a flow
collection's end-of-line comment goes to its last entry.

A comment token's text is its end-of-line part (possibly empty) followed by the
full comment lines and blank lines under it; a block scalar (``|``, ``>``) ends
with its line break, so its tokens hold full lines only.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken

__all__ = ["append_tail", "comment_lines", "detach_tail", "set_before", "unfold_comment"]

# The slot of a comment after an entry's value: index 2 in a mapping, 0 in a sequence.
_TAIL = {CommentedMap: 2, CommentedSeq: 0}


def comment_lines(node: Any) -> list[str]:
    """Every comment line of a tree, stripped, in no particular order (blank lines left out)."""
    found: list[str] = []
    seen: set[int] = set()

    def token(value: Any) -> None:
        if isinstance(value, CommentToken):
            if id(value) not in seen:  # a flow collection's token is shared with its key
                seen.add(id(value))
                found.extend(_comments(value.value))
        elif isinstance(value, list):
            for item in value:
                token(item)

    def walk(current: Any) -> None:
        if isinstance(current, CommentedBase):
            token(current.ca.comment)
            for slots in current.ca.items.values():
                token(slots)
            token(current.ca.end)
        if isinstance(current, dict):
            for value in current.values():
                walk(value)
        elif isinstance(current, list):
            for value in current:
                walk(value)

    walk(node)
    return found


def _comments(text: str) -> list[str]:
    """The comments in a token's text: from each ``#`` to the end of its line."""
    return [line[line.index("#") :].rstrip() for line in text.split("\n") if "#" in line]


def detach_tail(parent: CommentedMap | CommentedSeq, key: Any) -> list[str]:
    """Remove and return the full comment lines that follow the entry ``key`` of ``parent``.

    The entry's own end-of-line comment stays. The lines may sit on the entry or
    on the last entry of its value, however deep; they are returned stripped,
    blank lines as empty strings, leading and trailing blank lines dropped.
    """
    value = parent[key]
    if isinstance(value, (CommentedMap, CommentedSeq)) and len(value) > 0:
        last = list(value.keys())[-1] if isinstance(value, CommentedMap) else len(value) - 1
        inner = detach_tail(value, last)
        # After a flow collection nested in a block one, ruamel keeps them at its end.
        end = [line.strip() for t in value.ca.end or [] for line in t.value.split("\n")]
        value.ca.end = []
        return _trim(inner + end + _take(parent, key, value))
    return _trim(_take(parent, key, value))


def _take(parent: CommentedMap | CommentedSeq, key: Any, value: Any) -> list[str]:
    slots = parent.ca.items.get(key)
    slot = _TAIL.get(type(parent))
    if slots is None or slot is None or not isinstance(slots[slot], CommentToken):
        return []
    text = slots[slot].value
    if isinstance(value, (LiteralScalarString, FoldedScalarString)):
        eol, rest = "", text  # a block scalar's tail starts on a line of its own
    else:
        eol, _, rest = text.partition("\n")
    if "#" not in rest:
        return []  # only blank lines: they stay where they are
    if eol.strip():
        slots[slot].value = eol + "\n"
    else:
        slots[slot] = None
    return [line.strip() for line in rest.split("\n")]


def _trim(lines: list[str]) -> list[str]:
    start = 0
    while start < len(lines) and not lines[start]:
        start += 1
    end = len(lines)
    while end > start and not lines[end - 1]:
        end -= 1
    return lines[start:end]


def set_before(
    parent: CommentedMap | CommentedSeq, key: Any, lines: list[str], indent: int
) -> None:
    """Put comment ``lines`` above the entry ``key`` (a sequence item: above its dash).

    They go at column ``indent``, before any comment lines already there.
    """
    if not lines:
        return
    tokens = [
        CommentToken((line + "\n") if line else "\n", CommentMark(indent if line else 0))
        for line in lines
    ]
    slots = parent.ca.items.setdefault(key, [None, None, None, None])
    slots[1] = tokens + list(slots[1] or [])


def append_tail(
    parent: CommentedMap | CommentedSeq, key: Any, lines: list[str], indent: int
) -> None:
    """Add comment ``lines`` (at column ``indent``) after the entry ``key`` and its value."""
    if not lines:
        return
    value = parent[key]
    if isinstance(value, (CommentedMap, CommentedSeq)) and len(value) > 0:
        last = list(value.keys())[-1] if isinstance(value, CommentedMap) else len(value) - 1
        append_tail(value, last, lines, indent)
        return
    slots = parent.ca.items.setdefault(key, [None, None, None, None])
    slot = _TAIL[type(parent)]
    token = slots[slot] if isinstance(slots[slot], CommentToken) else None
    old = token.value if token is not None else ""
    column = token.start_mark.column if token is not None else 0
    if isinstance(value, (LiteralScalarString, FoldedScalarString)):
        head = old  # a block scalar's tail holds full lines only
    else:
        eol, _, rest = old.partition("\n")
        head = f"{eol}\n{rest}"
    body = "".join(f"{' ' * indent}{line}\n" if line else "\n" for line in lines)
    slots[slot] = CommentToken(head + body, CommentMark(column))


def unfold_comment(parent: CommentedMap | CommentedSeq, key: Any) -> None:
    """Move the comment after a flow collection to its last entry, before it goes block.

    ``- {source: s, quote: q}  # checked`` then reads ``quote: q  # checked``
    instead of leaving the comment on a line of its own after the dash.
    """
    value = parent[key]
    if not isinstance(value, (CommentedMap, CommentedSeq)) or len(value) == 0:
        return
    slots = parent.ca.items.get(key)
    slot = _TAIL[type(parent)]
    if slots is None or not isinstance(slots[slot], CommentToken):
        return
    token = slots[slot]
    last = list(value.keys())[-1] if isinstance(value, CommentedMap) else len(value) - 1
    if isinstance(value[last], (CommentedMap, CommentedSeq)):
        return  # a nested flow collection: leave the comment where ruamel put it
    inner = value.ca.items.setdefault(last, [None, None, None, None])
    inner_slot = _TAIL[type(value)]
    if inner[inner_slot] is not None:
        return
    inner[inner_slot] = token
    token.start_mark.column = 0  # one space after the value, not the old column
    slots[slot] = None
    if value.ca.comment and value.ca.comment[0] is token:
        value.ca.comment[0] = None
