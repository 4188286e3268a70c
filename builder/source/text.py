"""The text an editor writes: what every field refuses, so that text cannot mislead.

Text that passes check must read the same on screen, on paper and in a terminal
as it is stored. The ``Annotated`` string types here carry the rules; the models
in :mod:`builder.source.models` use them for every field.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, Field

__all__ = [
    "MARKING_MAX",
    "Label",
    "Marking",
    "Name",
    "Plain",
    "Text",
    "check_label",
    "hidden_character",
    "label_first",
]

# --- text an editor writes -------------------------------------------------
#
# Text that passes check must read the same on screen, on paper and in a
# terminal as it is stored. Every text field therefore rejects control
# characters (C0, DEL, C1; tab and newline aside) and the bidi embeddings and
# overrides, which reorder what follows them. Names, titles, markings and ids
# (the ``Label`` types) also reject every other bidi control and invisible
# character, which let two different names look the same. ZWNJ and ZWJ are
# spelling in Persian, Urdu and Pashto (and Indic scripts): they are accepted
# between two letters of a script that uses them, and nowhere else.

_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_EMBEDDING = "\u202a-\u202e"
_FREE_TEXT_BAD = re.compile(f"[{_CONTROL}{_EMBEDDING}]")
_LABEL_BAD = re.compile(
    f"[{_CONTROL}{_EMBEDDING}\u00ad\u061c\u180e\u200b-\u200f\u2060-\u2064"
    "\u2066-\u206f\ufeff\U000e0000-\U000e007f]"
)
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_JOINERS = frozenset("\u200c\u200d")
# Scripts whose spelling uses ZWNJ/ZWJ: Arabic, Syriac, Thaana, N'Ko…; Devanagari
# to Sinhala; Mongolian; Arabic presentation forms.
_JOINING_SCRIPTS = (
    (0x0600, 0x08FF),
    (0x0900, 0x0DFF),
    (0x1800, 0x18AF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFC),
)
# Control characters have no name in unicodedata; the usual ones of those met in text.
_CONTROL_NAMES = {
    0x00: "NULL",
    0x07: "BELL",
    0x08: "BACKSPACE",
    0x0B: "LINE TABULATION",
    0x0C: "FORM FEED",
    0x0D: "CARRIAGE RETURN",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
    0x85: "NEXT LINE",
}
MARKING_MAX = 120


def _joins_letters(text: str, at: int) -> bool:
    """Whether the joiner at ``at`` stands between two letters (or marks) of a joining script."""

    def joining(char: str) -> bool:
        code = ord(char)
        return unicodedata.category(char)[0] in "LM" and any(
            low <= code <= high for low, high in _JOINING_SCRIPTS
        )

    return 0 < at < len(text) - 1 and joining(text[at - 1]) and joining(text[at + 1])


def hidden_character(text: str, *, label: bool) -> str | None:
    """The problem with the first hidden or reordering character of ``text``, if any.

    ``label`` applies the stricter rules of names, titles, markings and ids.
    """
    for found in (_LABEL_BAD if label else _FREE_TEXT_BAD).finditer(text):
        char = found.group()
        if char in _JOINERS and _joins_letters(text, found.start()):
            continue
        code = ord(char)
        name = _CONTROL_NAMES.get(code) or unicodedata.name(char, "")
        shown = f"U+{code:04X} {name}".rstrip()
        if unicodedata.category(char) == "Cc":
            return f"contains {shown} (a control character); remove it"
        if char in _BIDI:
            return f"contains {shown} (a bidirectional control); remove it"
        if char in _JOINERS:
            return (
                f"contains {shown} (an invisible character) not between two letters of a "
                "script that uses it (Arabic, Devanagari…); remove it"
            )
        return f"contains {shown} (an invisible character); remove it"
    return None


def _free_text(text: str) -> str:
    problem = hidden_character(text, label=False)
    if problem:
        raise ValueError(problem)
    return text


def check_label(text: str) -> str:
    """A name, title, id or marking: no control, bidi or invisible character."""
    problem = hidden_character(text, label=True)
    if problem:
        raise ValueError(problem)
    return text


def label_first(value: Any) -> Any:
    """Before a pattern check: name a hidden character instead of quoting the pattern."""
    return check_label(value) if isinstance(value, str) else value


def _marking_length(text: str) -> str:
    if len(text) > MARKING_MAX:
        raise ValueError(
            f"is {len(text)} characters long; a marking may have at most {MARKING_MAX}, "
            "so that it fits in the margin of every page"
        )
    return text


Plain = Annotated[str, AfterValidator(_free_text)]
"""Any text an editor writes: no control characters, no bidi embeddings or overrides."""
Text = Annotated[Plain, Field(min_length=1)]
"""Required free text (Markdown, notes, judgments)."""
Label = Annotated[str, AfterValidator(check_label)]
"""A name, title or other label: also no bidi controls or invisible characters."""
Name = Annotated[Label, Field(min_length=1)]
"""A required label."""
Marking = Annotated[
    Label, AfterValidator(_marking_length), Field(json_schema_extra={"maxLength": MARKING_MAX})
]
"""A handling marking, printed in every page's margin."""
