"""Reading PDFs back by the size of their text: footnote calls and footnote numbers."""

from __future__ import annotations

import re
from typing import Any

from pypdf import PageObject

# print.css: ::footnote-call is 6.5pt, footnote text (and its "N. " marker) 7.5pt.
CALL_PX = 8.67
MARKER_PX = 10.0


def footnotes_by_page(page: PageObject) -> tuple[list[int], list[int]]:
    """(numbers called in the text, numbers of the footnotes printed) on one page."""
    calls: list[int] = []
    notes: list[int] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        px = round(size * (tm[0] or 1), 2)
        if abs(px - CALL_PX) < 0.05:
            calls.extend(int(n) for n in re.findall(r"\d+", text))
        elif abs(px - MARKER_PX) < 0.05 and re.fullmatch(r"\d+\. ?", text):
            notes.append(int(text.strip(". ")))

    page.extract_text(visitor_text=visit)
    return calls, notes
