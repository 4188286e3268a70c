from __future__ import annotations

import datetime as dt

import pytest

from builder.check.quotes import SourceText, normalise, parse_locator
from builder.source.dates import parse_date

TEXT = (
    "First paragraph says “hello” — to the world.\n"
    "\n"
    "   \n"
    "Second paragraph: Lieutenant General Asim Malik, a powerful figure.\n"
    "Third one continues here.\n"
)


def test_partial_dates() -> None:
    assert parse_date("2024").first == dt.date(2024, 1, 1)
    assert parse_date("2024").last == dt.date(2024, 12, 31)
    assert parse_date("2024-02").last == dt.date(2024, 2, 29)
    assert parse_date("~2021-09-15").approximate


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024-13", "'2024-13' is not a date: month 13 does not exist"),
        ("2023-02-29", "'2023-02-29' is not a date: February 2023 has 28 days"),
        (
            "Sept 2024",
            "'Sept 2024' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD, "
            "with a leading '~' if approximate",
        ),
    ],
)
def test_bad_dates(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_date(text)
    assert str(info.value) == message


def test_normalise_folds_quotes_dashes_space_and_case() -> None:
    norm, origin = normalise("A  “Quote” – here")
    assert norm == 'a "quote" - here'
    assert len(origin) == len(norm)


def test_locators() -> None:
    assert parse_locator("¶3") == (3, 3)
    assert parse_locator("¶3-5") == (3, 5)


@pytest.fixture
def text() -> SourceText:
    return SourceText("seed-x", TEXT)


def test_blank_and_whitespace_lines_are_not_paragraphs(text: SourceText) -> None:
    assert len(text.paragraphs) == 3


def test_quote_found_with_typographic_differences(text: SourceText) -> None:
    assert text.verify('says "HELLO" - to the world', "¶1").ok


def test_quote_with_elision(text: SourceText) -> None:
    assert text.verify("Lieutenant General … a powerful figure", "¶2").ok
    assert not text.verify("a powerful figure … Lieutenant General", "¶2").ok


def test_quote_across_a_paragraph_range(text: SourceText) -> None:
    assert text.verify("a powerful figure. Third one", "¶2-3").ok


def test_quote_in_another_paragraph(text: SourceText) -> None:
    assert text.verify("Third one", "¶1").message == (
        'quote is in seed-x ¶3, not ¶1: set locator to "¶3"'
    )


def test_missing_paragraph(text: SourceText) -> None:
    assert text.verify("x", "¶4").message == "seed-x has 3 paragraphs; ¶4 does not exist"


def test_closest_passage_is_shown_in_original_words(text: SourceText) -> None:
    assert text.verify("Lieutenant General Asim Malick, a powerful fighter", "¶2").message == (
        "not found in seed-x ¶2 (closest passage, ¶2, 93% similar: "
        '"Lieutenant General Asim Malik, a powerful figure.")'
    )
