"""Search on the built bundled site, typed into headless Chromium as a reader would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import AXE, AXE_TAGS, Browser

# Each result as the list shows it: entity name, what the item is, status badge, snippet,
# the words marked in name and snippet, and where it leads.
_RESULTS = """
return Array.from(document.querySelectorAll('#q-results > li[role=option]')).map(li => ({
  name: li.querySelector('.search-name').textContent,
  label: li.querySelector('.search-label').textContent,
  status: li.querySelector('.search-status').textContent,
  snippet: li.querySelector('.search-snippet').textContent,
  marked: Array.from(li.querySelectorAll('mark')).map(m => m.textContent),
  href: li.getAttribute('data-href'),
  selected: li.getAttribute('aria-selected'),
}));
"""


def search(browser: Browser, site: Path, query: str) -> list[dict[str, Any]]:
    """Open the index, type ``query`` into the search box key by key, return the results."""
    browser.open(site / "index.html")
    box = browser.driver.find_element(By.ID, "q")
    box.send_keys(query)
    results: list[dict[str, Any]] = browser.run(_RESULTS)
    print(f"search {query!r}: {len(results)} results listed")
    return results


def opened(browser: Browser, ending: str) -> None:
    """Wait for the page a search result opens (the script sets location, then it loads)."""
    WebDriverWait(browser.driver, 20).until(lambda d: d.current_url.endswith(ending))
    assert browser.run("return document.readyState") in ("interactive", "complete")


def names(results: list[dict[str, Any]]) -> list[str]:
    return [r["name"] for r in results]


def test_faiz_hamid_finds_faiz_hameed_first(browser: Browser, site: Path) -> None:
    results = search(browser, site, "Faiz Hamid")
    first = results[0]
    assert (first["name"], first["label"], first["status"]) == ("Faiz Hameed", "Profile", "person")
    assert first["href"] == "faiz-hameed.html"
    assert first["marked"][:2] == ["Faiz", "Hameed"]  # the spelling found, shown in the name
    assert browser.run("return document.getElementById('q-status').textContent") == (
        f"{len(results)} matches." if len(results) != 1 else "1 match."
    )
    assert browser.console_errors() == []


def test_a_phrase_of_a_narrative_finds_its_paragraph(browser: Browser, site: Path) -> None:
    results = search(browser, site, "advised the leadership on the cabinet's structure")
    first = results[0]
    assert (first["name"], first["label"], first["status"]) == (
        "Faiz Hameed",
        "Narrative: Kabul, September 2021",
        "alleged",
    )
    assert first["href"] == "faiz-hameed.html#faiz-hameed-s1"
    assert "advised the leadership on the cabinet's structure" in first["snippet"]
    assert {"advised", "leadership", "cabinet", "structure"} <= set(first["marked"])
    # The link lands on that section of the profile, which shows the paragraph.
    browser.open(site / "faiz-hameed.html")
    section = browser.run(
        "return document.getElementById('faiz-hameed-s1').parentElement.textContent"
    )
    assert "advised the leadership on the cabinet" in " ".join(section.split())


def test_isi_ranks_the_isi_above_isis_k(browser: Browser, site: Path) -> None:
    listed = names(search(browser, site, "ISI"))
    assert listed[0] == "Inter-Services Intelligence"
    assert "ISIS-Khorasan" in listed
    assert listed.index("Inter-Services Intelligence") < listed.index("ISIS-Khorasan")


@pytest.mark.parametrize(
    ("query", "entity", "marked"),
    [
        ("Daesh", "ISIS-Khorasan", "Daesh"),  # an alias the profile lists
        ("Tehreek", "Tehrik-i-Taliban Pakistan", "Tehreek"),
        ("Tehrik", "Tehrik-i-Taliban Pakistan", "Tehrik"),
        ("Tehrek", "Tehrik-i-Taliban Pakistan", "Tehrik"),  # a spelling no profile has
        ("Sirajudin", "Sirajuddin Haqqani", "Sirajuddin"),
    ],
)
def test_aliases_and_spelling_variants_find_the_entity(
    browser: Browser, site: Path, query: str, entity: str, marked: str
) -> None:
    first = search(browser, site, query)[0]
    assert (first["name"], first["label"]) == (entity, "Profile")
    assert marked in first["marked"]


def test_keyboard_moves_through_the_results_and_opens_one(browser: Browser, site: Path) -> None:
    results = search(browser, site, "Hameed")
    assert len(results) >= 2
    box = browser.driver.find_element(By.ID, "q")
    active = "return document.getElementById('q').getAttribute('aria-activedescendant')"
    box.send_keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    assert browser.run(active) == "q-result-1"
    assert [r["selected"] for r in browser.run(_RESULTS)][:3] == ["false", "true", "false"]
    box.send_keys(Keys.ARROW_UP)
    assert browser.run(active) == "q-result-0"
    box.send_keys(Keys.ENTER)
    opened(browser, "/faiz-hameed.html")
    assert browser.console_errors() == []


def test_enter_opens_the_first_hit_and_escape_clears(browser: Browser, site: Path) -> None:
    search(browser, site, "Daesh")
    box = browser.driver.find_element(By.ID, "q")
    box.send_keys(Keys.ESCAPE)
    assert browser.run("return document.getElementById('q').value") == ""
    assert browser.run("return document.getElementById('q-results').hidden") is True
    box.send_keys("Daesh", Keys.ENTER)
    opened(browser, "/isis-k.html")


def test_the_header_box_of_any_page_searches_from_the_index(browser: Browser, site: Path) -> None:
    browser.open(site / "isi.html")
    box = browser.driver.find_element(By.ID, "site-q")
    box.send_keys("Faiz Hamid", Keys.ENTER)
    # Enter submits the form: wait for the index to load and list its results.
    WebDriverWait(browser.driver, 20).until(
        lambda driver: (
            driver.current_url.endswith("/index.html?q=Faiz+Hamid")
            and driver.execute_script(_RESULTS)
        )
    )
    results = browser.run(_RESULTS)
    assert results[0]["name"] == "Faiz Hameed"
    assert browser.console_errors() == []


def test_the_search_box_and_its_results_pass_axe(browser: Browser, site: Path) -> None:
    search(browser, site, "ISI")
    browser.driver.find_element(By.ID, "q").send_keys(Keys.ARROW_DOWN)
    browser.run(AXE.read_text(encoding="utf-8"))
    found = browser.driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run({include: [['form.search']]}, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(function (r) { done(r.violations.map(function (v) { return v.id; })); })"
        ".catch(function (e) { done(['axe-error: ' + e]); });",
        AXE_TAGS,
    )
    print(f"axe on the search box with results open: {len(found)} violations")
    assert found == []
