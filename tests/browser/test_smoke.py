"""The browser harness itself: a page opens, scripts run, axe-core loads."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import Browser


def test_the_index_opens_and_axe_runs(browser: Browser, site: Path) -> None:
    browser.open(site / "index.html")
    assert browser.run("return document.title")
    assert isinstance(browser.axe(), list)
