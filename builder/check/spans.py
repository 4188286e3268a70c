"""Where a verified quote is in its source: the spans the site and the worksheet mark.

:func:`quote_spans` repeats verification's own search (:mod:`builder.check.quotes`),
so what is highlighted is exactly what ``check`` verified; :func:`mark_pieces`
cuts a paragraph into marked and unmarked pieces for a template.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from builder.check.quotes import SourceText, parse_locator, quote_pieces

__all__ = ["Span", "mark_pieces", "quote_spans"]


class Span(NamedTuple):
    """Quoted characters of one paragraph: its number and ``[start, end)`` in its own text."""

    number: int
    start: int
    end: int


def quote_spans(text: SourceText, quote: str, locator: str) -> tuple[Span, ...] | None:
    """Where ``quote`` is in the paragraphs ``locator`` names, in their original text.

    The search is verification's own (:meth:`SourceText.verify`): the located
    paragraphs' normalised text joined by one space, the pieces between ``…``
    found in order, each from where the last one ended. Each piece found
    becomes one span per paragraph it covers (a piece can run on into the next
    paragraph of a ``¶3-4`` range), so elided words stay unmarked. ``None``
    when the quote is not there, exactly when verification fails.
    """
    first, last = parse_locator(locator)
    pieces = quote_pieces(quote)
    if not pieces or first < 1 or last > len(text.paragraphs) or first > last:
        return None
    numbers = range(first, last + 1)
    starts = []  # where each paragraph begins in the joined text
    position = 0
    for number in numbers:
        starts.append(position)
        position += len(text.paragraphs[number - 1].norm) + 1
    joined = " ".join(text.paragraphs[n - 1].norm for n in numbers)
    spans: list[Span] = []
    at = 0
    for piece in pieces:
        found = joined.find(piece, at)
        if found < 0:
            return None
        at = found + len(piece)
        for number, start in zip(numbers, starts, strict=True):
            norm = text.paragraphs[number - 1].norm
            begin, end = max(found, start) - start, min(at, start + len(norm)) - start
            if begin < end:
                origin = text.origins(number)
                spans.append(Span(number, origin[begin], origin[end - 1] + 1))
    return tuple(spans)


def mark_pieces(text: str, spans: Sequence[tuple[int, int]]) -> tuple[tuple[str, bool], ...]:
    """``text`` cut into ``(words, quoted)`` pieces; overlapping spans are merged."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for begin, end in sorted(spans):
        begin = max(begin, at)
        if begin > at:
            pieces.append((text[at:begin], False))
        if end > begin:
            if pieces and pieces[-1][1]:  # touching spans read as one mark
                pieces[-1] = (pieces[-1][0] + text[begin:end], True)
            else:
                pieces.append((text[begin:end], True))
        at = max(at, end)
    if at < len(text):
        pieces.append((text[at:], False))
    return tuple(pieces)
