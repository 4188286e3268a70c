"""Quote verification against archived source texts.

A citation's ``quote`` must appear in the paragraphs its ``locator`` names.
Both sides are normalised the same way (Unicode NFKC, typographic quotes and
dashes to ASCII, whitespace runs to one space, case folded), and ``…`` (or
``...``) in a quote stands for elided words: the pieces must appear in order.

A paragraph is a non-blank line of the archived file, numbered from 1; that
is what editors see in ``¶N`` locators. Each archived text is normalised once
(:class:`SourceText`) and reused by every citation of it.

Normalising is on every citation's path, so :func:`fold` does it with one
``str.translate`` over a per-character table filled on first use; the offsets
back into the original text are only worked out when a quote is not found and
the closest passage must be shown in its own words, and then only for the two
ends of that passage (:func:`_origins`, chunk by chunk: no table of offsets).

What a citation verified is also what readers see marked:
:mod:`builder.check.spans` maps a verified quote back to character spans of the
paragraphs' own text with the same pieces (:func:`quote_pieces`) and the same
search as verification.

The closest passage is bounded work whatever the archive's size. Fuzzy
alignment costs about the product of the two lengths (a 2,000-character quote
against a 2,000-character paragraph takes up to a second), so it runs on a few
candidate passages only: the paragraphs, or windows of long paragraphs, that
share the most (and longest) words with the quote, found with ``str.find``.
A short source (or a few short paragraphs) is still compared in full, as before.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

__all__ = [
    "QuoteResult",
    "SourceText",
    "fold",
    "normalise",
    "parse_locator",
    "quote_pieces",
]

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)
_ELLIPSIS = re.compile(r"\s*(?:\[…\]|\[\.\.\.\]|…|\.\.\.)\s*")
_LOCATOR = re.compile(r"^¶([0-9]+)(?:-([0-9]+))?$")


def _fold(char: str) -> str:
    return unicodedata.normalize("NFKC", char).translate(_TRANSLATE).casefold()


class _Folded(dict[int, str]):
    """Code point -> its folded text (whitespace -> one space), filled on first use."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = " " if char.isspace() else _fold(char)
        self[code] = folded
        return folded


_FOLDED = _Folded()
_SPACES = re.compile(" {2,}")
_CHUNK = 1 << 16  # characters folded at a time when mapping offsets back
_CANDIDATES = 6  # passages aligned in full for the closest-passage hint
_QUOTE_WORDS = 32  # longest distinct words of a quote used to find them
_COMMON = 2_000  # a word found more often says little about where: ignored
_STEP = 400  # windows of a long paragraph start this far apart (at least the quote's length)
_EXHAUSTIVE = 2_000_000  # text length x quote length under which every paragraph is aligned
_SHINGLE = 6  # characters of the quote's pieces searched when no word of it tells
_WORD = re.compile(r"\w{3,}")


def fold(text: str) -> str:
    """The text :func:`normalise` returns, without offsets: fast, for every quote.

    Each character is folded on its own, exactly as :func:`normalise` does
    (never NFKC across characters), so both always agree.
    """
    folded = text.translate(_FOLDED)
    if "  " in folded:
        folded = _SPACES.sub(" ", folded)
    return folded.strip(" ")


def normalise(text: str) -> tuple[str, list[int]]:
    """Normalise text for matching; also return each output char's source offset.

    The reference definition of the normal form; :func:`fold` is its fast twin.
    """
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = " " if char.isspace() else _fold(char)
        for piece in folded:
            if piece == " " and (not out or out[-1] == " "):
                continue
            out.append(piece)
            origin.append(index)
    if out and out[-1] == " ":
        out.pop()
        origin.pop()
    return "".join(out), origin


def _origins(text: str, wanted: Sequence[int]) -> list[int]:
    """Offset in ``text`` of each normalised character position in ``wanted`` (ascending).

    The same as ``normalise(text)[1][i]`` for each ``i``, in constant memory:
    whole chunks are folded at C speed and only the chunk holding a wanted
    position is walked character by character.
    """
    out: list[int] = []
    count = 0  # characters of normalised text so far
    space = True  # at the start, or after a space: a space adds nothing
    for base in range(0, len(text), _CHUNK):
        chunk = text[base : base + _CHUNK]
        squeezed = _SPACES.sub(" ", chunk.translate(_FOLDED))
        if space:
            squeezed = squeezed.lstrip(" ")
        if count + len(squeezed) <= wanted[len(out)]:
            count += len(squeezed)
            space = space if not squeezed else squeezed[-1] == " "
            continue
        for index, char in enumerate(chunk, start=base):
            for piece in _FOLDED[ord(char)]:
                if piece == " " and space:
                    continue
                while count == wanted[len(out)]:
                    out.append(index)
                    if len(out) == len(wanted):
                        return out
                space = piece == " "
                count += 1
    raise IndexError(f"normalised position {wanted[len(out)]} is past the end of the text")


def _windows(
    joined: str,
    word: str,
    starts: list[int],
    numbered: list[tuple[int, str]],
    windows: tuple[int, int],
    common: bool,
) -> set[tuple[int, int]]:
    """The (paragraph index, window) pairs ``word`` occurs in.

    A word found more than ``_COMMON`` times tells little: none, or with
    ``common`` the windows of its first occurrences.
    """
    step, width = windows
    found: set[tuple[int, int]] = set()
    hits = 0
    position = joined.find(word)
    while position >= 0:
        hits += 1
        if hits > _COMMON:
            return found if common else set()
        index = bisect_right(starts, position) - 1
        offset = position - starts[index]
        length = len(numbered[index][1])
        last = max(0, -(-(length - width) // step))  # the window that reaches the end
        first = max(0, -(-(offset + len(word) - width) // step))  # windows holding it all
        for window in range(first, offset // step + 1):
            found.add((index, min(window, last)))
        position = joined.find(word, position + 1)
    return found


def quote_pieces(quote: str) -> list[str]:
    """The normalised pieces of ``quote`` between its ``…`` elisions, empty ones dropped."""
    return [piece for piece in (fold(p) for p in _ELLIPSIS.split(quote)) if piece]


def parse_locator(locator: str) -> tuple[int, int]:
    """``'¶3'`` -> (3, 3); ``'¶3-5'`` -> (3, 5). The schema guarantees the form."""
    match = _LOCATOR.match(locator)
    if match is None:
        raise ValueError(f"bad locator {locator!r}")
    first = int(match.group(1))
    return first, int(match.group(2) or first)


@dataclass(frozen=True)
class QuoteResult:
    """Outcome of one quote lookup; ``message`` explains a failure."""

    ok: bool
    message: str = ""


@dataclass(frozen=True)
class _Paragraph:
    text: str
    norm: str


class SourceText:
    """An archived text split into numbered, pre-normalised paragraphs."""

    def __init__(self, source_id: str, text: str) -> None:
        self.source_id = source_id
        self.paragraphs = [
            _Paragraph(line, fold(line)) for line in text.splitlines() if line.strip()
        ]
        # Profiles often cite the same words of a source again (a name for an
        # alias and a fact); a repeated citation costs one lookup.
        self._verified: dict[tuple[str, str], QuoteResult] = {}
        self._origins: dict[int, list[int]] = {}  # paragraph number -> offsets (quote_spans)

    def origins(self, number: int) -> list[int]:
        """Offset in paragraph ``number``'s text of each of its normalised characters."""
        origin = self._origins.get(number)
        if origin is None:
            paragraph = self.paragraphs[number - 1]
            norm, origin = normalise(paragraph.text)
            # fold() and normalise() agree by construction; offsets into another
            # text would mark the wrong words, so a disagreement must not pass.
            if norm != paragraph.norm:
                raise AssertionError(f"normal forms disagree in {self.source_id} ¶{number}")
            self._origins[number] = origin
        return origin

    def verify(self, quote: str, locator: str) -> QuoteResult:
        """Check that ``quote`` is in the paragraphs ``locator`` names."""
        result = self._verified.get((quote, locator))
        if result is None:
            result = self._verified[quote, locator] = self._verify(quote, locator)
        return result

    def _verify(self, quote: str, locator: str) -> QuoteResult:
        first, last = parse_locator(locator)
        count = len(self.paragraphs)
        if first < 1 or last > count or first > last:
            return QuoteResult(
                False, f"{self.source_id} has {count} paragraphs; {locator} does not exist"
            )
        pieces = quote_pieces(quote)
        if not pieces:
            return QuoteResult(False, "quote is empty once '…' is removed")
        if self._contains(first, last, pieces):
            return QuoteResult(True)
        for number in range(1, count + 1):
            if self._contains(number, number, pieces):
                return QuoteResult(
                    False,
                    f"quote is in {self.source_id} ¶{number}, not "
                    f'{locator}: set locator to "¶{number}"',
                )
        return QuoteResult(
            False,
            f"not found in {self.source_id} {locator} ({self._closest(max(pieces, key=len))})",
        )

    def _contains(self, first: int, last: int, pieces: list[str]) -> bool:
        text = " ".join(p.norm for p in self.paragraphs[first - 1 : last])
        position = 0
        for piece in pieces:
            found = text.find(piece, position)
            if found < 0:
                return False
            position = found + len(piece)
        return True

    def _closest(self, piece: str) -> str:
        """Describe the passage most like ``piece``, in the source's own words."""
        best: tuple[float, int, int, int] = (0.0, 0, 0, 0)
        for number, offset, region in self._candidates(piece):
            # The cut-off lets rapidfuzz give up early on passages that cannot win.
            hit = fuzz.partial_ratio_alignment(piece, region, score_cutoff=best[0])
            if hit is not None and hit.score > best[0]:
                best = (hit.score, number, offset + hit.dest_start, offset + hit.dest_end)
        score, number, start, end = best
        if number == 0:
            return "no similar passage"
        para = self.paragraphs[number - 1]
        begin, last = _origins(para.text, (start, max(start, end - 1)))
        passage = para.text[begin : last + 1]
        if len(passage) > 160:
            passage = passage[:157] + "..."
        return f'closest passage, ¶{number}, {score:.0f}% similar: "{passage}"'

    def _candidates(self, piece: str) -> list[tuple[int, int, str]]:
        """Passages worth aligning with ``piece``: (paragraph number, offset, normalised text).

        Every paragraph when that is little work (a short text, or a few short
        paragraphs), as always; otherwise the paragraphs or windows sharing the
        most quote words, weighted by length, best first, or failing any word
        (text without spaces, common words only) the most pieces of the quote.
        A window is ``step + len(piece)`` long and windows start ``step`` apart,
        so every stretch as long as the quote lies in one.
        """
        step = max(_STEP, len(piece))
        width = step + len(piece)
        numbered = [(n, p.norm) for n, p in enumerate(self.paragraphs, start=1) if p.norm]
        if sum(len(norm) for _, norm in numbered) * len(piece) <= _EXHAUSTIVE or (
            len(numbered) <= _CANDIDATES and all(len(norm) <= width for _, norm in numbered)
        ):
            return [(number, 0, norm) for number, norm in numbered]
        joined = "\n".join(norm for _, norm in numbered)
        starts = []
        position = 0
        for _, norm in numbered:
            starts.append(position)
            position += len(norm) + 1
        words = sorted(set(_WORD.findall(piece)), key=lambda w: (-len(w), w))[:_QUOTE_WORDS]
        pieces = [piece[i : i + _SHINGLE] for i in range(0, len(piece) - _SHINGLE + 1, _SHINGLE)]
        scores: defaultdict[tuple[int, int], int] = defaultdict(int)
        for terms, common in ((words, False), (sorted(set(pieces))[:_QUOTE_WORDS], True)):
            for term in terms:
                for key in _windows(joined, term, starts, numbered, (step, width), common):
                    scores[key] += len(term)
            if scores:
                break
        ranked = sorted(scores, key=lambda key: (-scores[key], key))[:_CANDIDATES]
        out = []
        for index, window in ranked:
            number, norm = numbered[index]
            offset = window * step
            out.append((number, offset, norm[offset : offset + width]))
        return out
