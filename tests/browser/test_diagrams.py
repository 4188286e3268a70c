"""The diagrams in Chromium: readable labels, working filters, links reached by Tab, axe clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import Browser, pages

# Every label's rendered size: its computed font size times the SVG's on-screen scale.
LABEL_SIZES = """
const sizes = [];
for (const svg of document.querySelectorAll('svg.diagram')) {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  for (const text of svg.querySelectorAll('text')) {
    if (text.getBoundingClientRect().width === 0) continue;  // hidden by a filter
    sizes.push(parseFloat(getComputedStyle(text).fontSize) * scale);
  }
}
return sizes;
"""


# Whether any of axe's target selectors names an element of a diagram (other
# elements of these pages are the business of the page-wide axe tests).
IN_DIAGRAM = """
return arguments[0].some(sel => {
  const found = document.querySelector(sel);
  return found !== null && found.closest('svg.diagram') !== null;
});
"""


def diagram_pages(site: Path) -> list[Path]:
    """The network page and every page that holds a relationship diagram."""
    return [p for p in pages(site) if 'class="diagram' in p.read_text(encoding="utf-8")]


@pytest.mark.parametrize("width", [375, 1280])
def test_network_labels_are_12px_and_the_page_does_not_scroll(
    browser: Browser, site: Path, width: int
) -> None:
    browser.open(site / "network.html", width)
    sizes = browser.run(LABEL_SIZES)
    print(f"network at {width}px: {len(sizes)} labels, smallest {min(sizes):.1f}px")
    assert len(sizes) > 32
    assert min(sizes) >= 11.99  # layout rounds widths to 1/64 px
    assert browser.overflow() == 0
    assert browser.console_errors() == []


def test_labels_are_12px_on_every_diagram_page(browser: Browser, site: Path) -> None:
    checked = diagram_pages(site)
    smallest = []
    for page in checked:
        browser.open(page, 375)
        smallest.append(min(browser.run(LABEL_SIZES)))
        assert browser.overflow() == 0, page.name
    print(f"{len(checked)} diagram pages at 375px, smallest label {min(smallest):.1f}px")
    assert len(checked) >= 33
    assert min(smallest) >= 11.99


def visible(browser: Browser, selector: str) -> int:
    return int(
        browser.run(
            "return [...document.querySelectorAll(arguments[0])]"
            ".filter(e => e.getBoundingClientRect().width > 0).length;",
            selector,
        )
    )


def test_filters_hide_and_show_nodes_lines_and_rows(browser: Browser, site: Path) -> None:
    browser.open(site / "network.html")
    people, groups = (
        visible(browser, ".diagram .node.person"),
        visible(browser, ".diagram .node.group"),
    )
    alleged_rows = visible(browser, "table.links tr.alleged")
    assert people and groups and alleged_rows
    browser.driver.find_element(By.ID, "show-person").click()
    assert visible(browser, ".diagram .node.person") == 0
    assert visible(browser, ".diagram .link.from-person, .diagram .link.to-person") == 0
    assert visible(browser, ".diagram .node.group") == groups
    browser.driver.find_element(By.ID, "show-alleged").click()
    assert visible(browser, ".diagram .link.alleged") == 0
    assert visible(browser, "table.links tr.alleged") == 0
    browser.driver.find_element(By.ID, "show-person").click()
    browser.driver.find_element(By.ID, "show-alleged").click()
    assert visible(browser, ".diagram .node.person") == people
    assert visible(browser, "table.links tr.alleged") == alleged_rows
    print(f"filters: {people} people, {groups} groups, {alleged_rows} alleged rows toggled")


def test_tab_reaches_every_link_of_the_network(browser: Browser, site: Path) -> None:
    browser.open(site / "network.html")
    links = browser.run("return document.querySelectorAll('svg.diagram a').length;")
    reached = set()
    body = browser.driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    for _ in range(links + 20):
        label = browser.run(
            "const a = document.activeElement;"
            "return a.closest('svg.diagram') ? a.getAttribute('aria-label') : null;"
        )
        if label:
            reached.add(label)
        browser.driver.switch_to.active_element.send_keys(Keys.TAB)
    print(f"Tab reached {len(reached)} of {links} diagram links")
    assert links >= 32
    assert len(reached) == links


def test_axe_finds_nothing_on_diagram_pages(browser: Browser, site: Path) -> None:
    checked = diagram_pages(site)
    found = {}
    for page in checked:
        for width in (375, 1280):
            browser.open(page, width)
            violations = [
                v
                for v in browser.axe()
                if v["id"] in ("nested-interactive", "svg-img-alt")
                or browser.run(IN_DIAGRAM, [t[-1] for t in v["targets"]])
            ]
            if violations:
                found[f"{page.name}@{width}"] = violations
    print(f"axe on {len(checked)} diagram pages at 375 and 1280px: {len(found)} with violations")
    assert found == {}


def test_screenshot_of_the_network(browser: Browser, site: Path, tmp_path: Path) -> None:
    browser.open(site / "network.html", 1280, 1100)
    shot = tmp_path / "network.png"
    assert browser.driver.save_screenshot(str(shot))
    print(f"screenshot: {shot}")
