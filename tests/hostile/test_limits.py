"""Bounded resources: huge numbers, huge files, and wrong quotes against large archives.

A repository is untrusted input: a number too long for Python, a file of gigabytes
or a wrong 2,000-character quote against a large archive must end in an error
naming the file (and line and field), found with bounded memory and time. Timing
is not asserted here (see the figures in the commit message); what is asserted is
the behaviour that bounds it: sizes are checked before reading, the closest-passage
hint aligns a bounded number of passages and still finds the right one, and the
memory it takes is a small multiple of the text.
"""

from __future__ import annotations

import hashlib
import os
import random
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from rapidfuzz import fuzz

from builder.check import quotes
from builder.check.quotes import SourceText, normalise
from builder.cli import main
from tests.conftest import TESTS, ProjectFactory

ARCHIVE = "seeds/000_98ba2910a1379f0b.txt"
PROFILE = "dossiers/people/asim-malik.yaml"
SETTINGS = 'title: T\nmarking: M\nas_of: "2024"\n'
TOO_LONG = 'integer of 4,301 digits is longer than the 4,300 allowed; write it in quotes ("...") if it is text'


def invoke(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(main, [str(a) for a in args])


def good(name: str) -> str:
    return (TESTS / "projects" / "good" / name).read_text(encoding="utf-8")


def test_a_huge_integer_is_an_error_at_its_field(
    runner: CliRunner, make_project: ProjectFactory
) -> None:
    profile = good(PROFILE).replace("credibility: 2", "credibility: " + "9" * 4301, 1)
    root = make_project({PROFILE: profile})
    result = invoke(runner, "check", "-p", root)
    assert (result.exit_code, result.stderr) == (
        1,
        f"{PROFILE}:10:22: aliases.0.citations.0.credibility: {TOO_LONG}\n"
        "dossiers/groups/isi.yaml:1:5: warning: id: nothing links to 'isi' and it links to "
        "nothing: add a relationship\nError: check failed\n",
    )


def test_a_huge_integer_in_the_settings_is_an_error_at_its_field(
    runner: CliRunner, make_project: ProjectFactory
) -> None:
    root = make_project({"dossier.yaml": SETTINGS + "max_file_size: -" + "1" * 4301 + "\n"})
    result = invoke(runner, "check", "-p", root)
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: invalid settings:\ndossier.yaml:4:16: max_file_size: {TOO_LONG}\n",
    )


def test_an_archive_over_the_limit_is_an_error_naming_the_setting(
    runner: CliRunner, make_project: ProjectFactory, tmp_path: Path
) -> None:
    root = make_project({"dossier.yaml": SETTINGS + "max_archive_size: 4096\n"})
    expected = (
        f"{ARCHIVE}:1:1: file is 5,603 bytes, over the limit of 4,096 "
        "(raise max_archive_size in dossier.yaml if this is intended)\n"
    )
    check = invoke(runner, "check", "-p", root)
    assert (check.exit_code, check.stderr) == (1, expected + "Error: check failed\n")
    build = invoke(runner, "build", "-p", root, "--only", "html", "--output", tmp_path / "out")
    assert (build.exit_code, build.stderr) == (
        1,
        expected + "Error: build refused: fix the problems above (dossier check lists them)\n",
    )


@pytest.mark.parametrize(
    ("name", "setting", "limit"),
    [(ARCHIVE, "max_archive_size", "5,242,880"), (PROFILE, "max_file_size", "1,048,576")],
)
def test_sizes_are_checked_before_reading(
    runner: CliRunner, make_project: ProjectFactory, name: str, setting: str, limit: str
) -> None:
    """A 1 GiB file (sparse: no disk used) is reported at once, never read into memory."""
    root = make_project({})
    os.truncate(root / name, 1 << 30)
    result = invoke(runner, "check", "-p", root)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{name}:1:1: file is 1,073,741,824 bytes, over the limit of {limit} "
        f"(raise {setting} in dossier.yaml if this is intended)"
    )


# --- the closest passage, in a large archive --------------------------------


def pseudo_words(count: int, seed: str) -> list[str]:
    """Reproducible made-up words of 2 to 10 letters (sha256, not an RNG's algorithm)."""
    words = []
    for number in range(count):
        digest = hashlib.sha256(f"{seed}{number}".encode()).digest()
        words.append("".join(chr(97 + b % 26) for b in digest[1 : 2 + digest[0] % 9]))
    return words


@pytest.fixture(scope="module")
def vocabulary() -> list[str]:
    """5,000 made-up words."""
    return pseudo_words(5000, "vocabulary")


@pytest.fixture(scope="module")
def passage(vocabulary: list[str]) -> str:
    """A passage of about 1,800 characters, cited below with every tenth word misspelt."""
    rng = random.Random(1)
    return " ".join(rng.choice(vocabulary) for _ in range(400))[:1800].rsplit(" ", 1)[0]


@pytest.fixture(scope="module")
def misquote(passage: str) -> str:
    """The passage with every tenth word misspelt: nowhere in the text."""
    return " ".join(w + "x" if i % 10 == 5 else w for i, w in enumerate(passage.split()))


@pytest.fixture(scope="module")
def large_text(vocabulary: list[str], passage: str) -> str:
    """About 6 MB in 6,001 paragraphs, the passage being paragraph 3,001."""
    rng = random.Random(2)
    paragraphs = [
        " ".join(rng.choice(vocabulary) for _ in range(rng.randint(60, 250))) + "."
        for _ in range(6000)
    ]
    paragraphs.insert(3000, passage)
    return "\n".join(paragraphs)


def test_the_closest_passage_of_a_large_archive_is_found(
    large_text: str, misquote: str, passage: str
) -> None:
    message = SourceText("big", large_text).verify(misquote, "¶1").message
    assert message == (
        f'not found in big ¶1 (closest passage, ¶3001, 98% similar: "{passage[:157]}...")'
    )


def test_the_closest_passage_aligns_a_few_passages_only(
    large_text: str, misquote: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alignment costs about the product of the lengths: it runs on a few candidates."""
    calls: list[int] = []
    align = fuzz.partial_ratio_alignment

    def counted(piece: str, text: str, **kwargs: Any) -> Any:
        calls.append(len(text))
        return align(piece, text, **kwargs)

    monkeypatch.setattr(fuzz, "partial_ratio_alignment", counted)
    assert not SourceText("big", large_text).verify(misquote, "¶2").ok
    assert len(calls) <= 6
    assert max(calls) <= 2 * len(misquote)


def test_the_closest_passage_inside_one_long_paragraph_is_found(
    large_text: str, misquote: str, passage: str
) -> None:
    """One paragraph of 5.6 MB: the passage is found in a window of it.

    The quote is longer than the passage, so the aligned stretch starts a little
    before it (16 characters: "kccpbyw gkhmmf  ").
    """
    half = large_text[: len(large_text) // 2].replace("\n", " ")
    text = half + " " + passage + " " + half
    message = SourceText("one", text).verify(misquote, "¶1").message
    assert message == (
        "not found in one ¶1 (closest passage, ¶1, 98% similar: "
        f'"kccpbyw gkhmmf  {passage[:141]}...")'
    )


def test_verifying_takes_memory_proportional_to_the_text(
    large_text: str, misquote: str, passage: str
) -> None:
    """A few times the text, not 46 times (one offset object per character before)."""
    text = large_text[:1_000_000].replace("\n", " ") + " " + passage
    source = SourceText("one", text)
    tracemalloc.start()
    try:
        message = source.verify(misquote, "¶1").message
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "closest passage, ¶1, 99% similar" in message
    assert peak < 4 * len(text)


def test_a_wrong_quote_against_an_archive_under_a_raised_limit(
    runner: CliRunner,
    make_project: ProjectFactory,
    large_text: str,
    misquote: str,
    passage: str,
) -> None:
    data = large_text.encode("utf-8")
    metadata = (
        good("seeds/seed-000.yaml")
        .replace("id: seed-000", "id: seed-large")
        .replace("000_98ba2910a1379f0b.txt", "large.txt")
        .replace(
            "493a7835666a3a6875fa203d39fa02c7b19f89dac213e4395d11d6a944fd0dd4",
            hashlib.sha256(data).hexdigest(),
        )
    )
    cited = (
        '- source: seed-000\n        locator: "¶1"\n        quote: "Lieutenant General Asim Malik"'
    )
    profile = good(PROFILE).replace(
        cited, f'- source: seed-large\n        locator: "¶1"\n        quote: "{misquote}"', 1
    )
    root = make_project(
        {
            "dossier.yaml": good("dossier.yaml") + "max_archive_size: 8000000\n",
            "seeds/seed-large.yaml": metadata,
            "seeds/large.txt": data,
            PROFILE: profile,
        }
    )
    result = invoke(runner, "check", "-p", root)
    assert (result.exit_code, result.stderr) == (
        1,
        f"{PROFILE}:9:16: aliases.0.citations.0.quote: not found in seed-large ¶1 "
        f'(closest passage, ¶3001, 98% similar: "{passage[:157]}...")\n'
        "Error: check failed\n",
    )


@pytest.mark.parametrize("chunk", [1, 2, 5, 64, 1 << 16])
def test_offsets_back_into_the_text_are_those_of_normalise(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chunked mapping agrees with the reference, across chunk edges and odd characters."""
    monkeypatch.setattr(quotes, "_CHUNK", chunk)
    rng = random.Random(chunk)
    alphabet = "ab c\t\n  \u00a8\ufb01\u2019\u201cX\u00c5e\u0301\u3000\u2014"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 120)))
        norm, origin = normalise(text)
        if not norm:
            continue
        first = rng.randrange(len(norm))
        last = rng.randrange(first, len(norm))
        assert quotes._origins(text, (first, last)) == [origin[first], origin[last]], text
