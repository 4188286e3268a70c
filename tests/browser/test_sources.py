"""Sources in context, in a real browser: a citation lands on its marked paragraph and back.

Every note of a profile is followed to its source page: the paragraph it names must be
the page's ``:target``, scrolled into view, emphasised by the theme, and hold the
quote's words in ``<mark>`` (each piece of a ``…`` quote). One citation is followed by
clicking, and its paragraph's back link clicked in turn, which must land on the
citation's own marker in the profile. No script is involved in any of it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from builder.check.quotes import fold
from tests.browser.conftest import Browser

PROFILE = "asim-malik.html"
ELISION = re.compile(r"\s*(?:\[…\]|\[\.\.\.\]|…|\.\.\.)\s*")

NOTES = """
return Array.from(document.querySelectorAll('.notes li')).map(function (li) {
  var link = li.querySelector('a[href*="sources/"]');
  var ref = document.getElementById('ref-' + li.id.slice('note-'.length));
  return {note: li.id, href: link.href, quote: li.querySelector('blockquote').textContent,
          marker: ref.parentElement.id};
});
"""
LANDED = """
var target = document.querySelector(':target');
if (!target) { return null; }
var box = target.getBoundingClientRect();
return {id: target.id, hash: location.hash.slice(1),
        inView: box.top >= 0 && box.top < window.innerHeight,
        border: getComputedStyle(target).borderLeftColor,
        marks: Array.from(target.querySelectorAll('mark')).map(function (m) {
          return m.textContent; })};
"""
ACCENT = "rgb(11, 79, 138)"  # --accent in site.css: the left rule of the linked paragraph


def landed(browser: Browser) -> dict[str, Any]:
    """What the page's ``:target`` is, where it is and what it marks."""
    found = browser.run(LANDED)
    assert found is not None, "no element is the target of the page's address"
    result: dict[str, Any] = found
    return result


def quoted(marks: list[str], quote: str) -> bool:
    """Whether every piece of ``quote`` lies within one of the ``marks``, normalised."""
    pieces = [fold(p) for p in ELISION.split(quote) if fold(p)]
    return all(any(piece in fold(mark) for mark in marks) for piece in pieces)


def test_every_note_lands_on_its_paragraph_with_the_quote_marked(
    browser: Browser, site: Path
) -> None:
    browser.open(site / PROFILE)
    notes = browser.run(NOTES)
    assert len(notes) > 20
    for note in notes:
        browser.driver.get(note["href"])
        where = landed(browser)
        assert where["id"] == where["hash"] and re.fullmatch(r"p\d+", where["id"]), note
        assert where["inView"], note
        assert where["border"] == ACCENT, note
        assert quoted(where["marks"], note["quote"]), (note, where["marks"])
    errors = browser.console_errors()
    print(f"notes of {PROFILE} followed to a marked paragraph: {len(notes)}")
    print(f"console errors: {len(errors)}")
    assert errors == []


def test_a_clicked_citation_and_its_back_link_make_a_round_trip(
    browser: Browser, site: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser.open(site / PROFILE)
    notes = browser.run(NOTES)
    # An elided quote if the profile has one: each of its pieces must be marked.
    note = next((n for n in notes if ELISION.search(n["quote"])), notes[0])
    link = f"#{note['note']} a[href*='sources/']"
    browser.driver.find_element(By.CSS_SELECTOR, link).click()
    where = landed(browser)
    assert where["inView"] and where["border"] == ACCENT
    assert quoted(where["marks"], note["quote"]), (note, where["marks"])
    violations = browser.axe()
    print(f"axe violations on {browser.driver.current_url.rsplit('/', 1)[-1]}: {len(violations)}")
    assert violations == []

    back = f"#{where['id']} .backs a[href$='#{note['marker']}']"
    browser.driver.find_element(By.CSS_SELECTOR, back).click()
    home = landed(browser)
    assert browser.driver.current_url.split("#")[0].endswith(f"/{PROFILE}")
    assert home["id"] == note["marker"] and home["inView"]
    assert (
        browser.run("return document.querySelector(':target a').getAttribute('href')")
        == "#" + note["note"]
    )
    assert browser.console_errors() == []
