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
back into the original text (:func:`normalise`) are only worked out when a
quote is not found and the closest passage must be shown in its own words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

__all__ = ["QuoteResult", "SourceText", "fold", "normalise", "parse_locator"]

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
        pieces = [fold(p) for p in _ELLIPSIS.split(quote)]
        pieces = [p for p in pieces if p]
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
        for number, para in enumerate(self.paragraphs, start=1):
            if not para.norm:
                continue
            hit = fuzz.partial_ratio_alignment(piece, para.norm)
            if hit is not None and hit.score > best[0]:
                best = (hit.score, number, hit.dest_start, hit.dest_end)
        score, number, start, end = best
        if number == 0:
            return "no similar passage"
        para = self.paragraphs[number - 1]
        origin = normalise(para.text)[1]  # only here, on the failure path
        begin = origin[start]
        finish = origin[max(start, end - 1)] + 1
        passage = para.text[begin:finish]
        if len(passage) > 160:
            passage = passage[:157] + "..."
        return f'closest passage, ¶{number}, {score:.0f}% similar: "{passage}"'
