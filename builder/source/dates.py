"""Partial and uncertain dates, as sources give them.

Sources are vague: "in 2015", "in early September", "two months ago". A
profile therefore stores dates as text in one of these forms:

- ``2024``, ``2024-09`` or ``2024-09-30`` (a year, a month, a day);
- any of those with a leading ``~`` when the date is approximate
  (``~2024-09``).

YAML scalars are not resolved as timestamps by our loader, so the text an
editor wrote is kept as written; a bare year arrives as an int and is accepted.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

__all__ = ["DATE_PATTERN", "DateText", "ParsedDate", "parse_date"]

DATE_PATTERN = r"^~?[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
_DATE_RE = re.compile(DATE_PATTERN)


@dataclass(frozen=True, order=True)
class ParsedDate:
    """A date reduced to the range of days it may stand for."""

    first: dt.date
    last: dt.date
    approximate: bool


def parse_date(text: str) -> ParsedDate:
    """Parse a partial date; raise ValueError with an editor-facing message."""
    if not _DATE_RE.match(text):
        raise ValueError(
            f"'{text}' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD, "
            "with a leading '~' if approximate"
        )
    approximate = text.startswith("~")
    parts = [int(p) for p in text.lstrip("~").split("-")]
    year = parts[0]
    if year < 1:
        raise ValueError(f"'{text}' is not a date: year 0 does not exist")
    if len(parts) == 1:
        return ParsedDate(dt.date(year, 1, 1), dt.date(year, 12, 31), approximate)
    month = parts[1]
    if not 1 <= month <= 12:
        raise ValueError(f"'{text}' is not a date: month {month:02d} does not exist")
    days_in_month = calendar.monthrange(year, month)[1]
    if len(parts) == 2:
        first = dt.date(year, month, 1)
        return ParsedDate(first, dt.date(year, month, days_in_month), approximate)
    day = parts[2]
    if not 1 <= day <= days_in_month:
        raise ValueError(
            f"'{text}' is not a date: {calendar.month_name[month]} {year} has {days_in_month} days"
        )
    exact = dt.date(year, month, day)
    return ParsedDate(exact, exact, approximate)


def _coerce(value: Any) -> Any:
    """Accept a bare year (YAML int) and validate the text form."""
    if isinstance(value, bool):
        return value  # let pydantic reject it as not a string
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str):
        parse_date(value)
    return value


DateText = Annotated[
    str,
    BeforeValidator(_coerce),
    Field(
        pattern=DATE_PATTERN,
        examples=["2024", "2024-09", "2024-09-30", "~2021-09"],
    ),
]
