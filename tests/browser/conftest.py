"""Headless Chromium for the browser tests: the built bundled site, opened from file://.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and
axe-core from npm (``make test`` runs ``npm ci``). Without them every browser test is
skipped with one reason, except under ``CI=true``, where a skip would hide a failure
and is an error instead.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from builder.cli import main
from tests.conftest import REPO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 AA and everything below it.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _missing() -> str | None:
    if CHROMIUM is None or CHROMEDRIVER is None:
        return "Chromium or ChromeDriver not found (apt-get install chromium chromium-driver)"
    if not AXE.is_file():
        return "axe-core not installed (npm ci)"
    return None


def _skip_or_fail() -> None:
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run under CI=true: {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled repository's HTML site, built once per session; its html/ folder."""
    _skip_or_fail()
    output = tmp_path_factory.mktemp("browser-site")
    result = CliRunner().invoke(
        main, ["build", "--project", str(REPO), "--only", "html", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    return output / "html"


@dataclass
class Browser:
    """A headless Chromium page: open local pages, run scripts, read the console."""

    driver: Any

    def open(self, page: Path, width: int = 1280, height: int = 900) -> None:
        """Open ``page`` (a file of the built site) at a window of ``width`` CSS pixels."""
        self.driver.set_window_size(width, height)
        self.driver.get(page.resolve().as_uri())

    def run(self, script: str, *args: Any) -> Any:
        """Run a script in the page and return its value."""
        return self.driver.execute_script(script, *args)

    def console_errors(self) -> list[str]:
        """Console messages of level SEVERE since the last call (errors, failed loads)."""
        return [
            entry["message"]
            for entry in self.driver.get_log("browser")
            if entry.get("level") == "SEVERE"
        ]

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's violations of WCAG 2.2 AA on the open page (rule, impact, targets)."""
        self.driver.execute_script(AXE.read_text(encoding="utf-8"))
        result = self.driver.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
            ".then(function (r) { done(JSON.stringify(r.violations)); })"
            ".catch(function (e) { done(JSON.stringify([{id: 'axe-error', help: String(e)}])); });",
            AXE_TAGS,
        )
        violations: list[dict[str, Any]] = json.loads(result)
        return [
            {
                "id": v["id"],
                "impact": v.get("impact"),
                "help": v.get("help"),
                "targets": [n["target"] for n in v.get("nodes", [])][:5],
            }
            for v in violations
        ]

    def overflow(self) -> int:
        """How many CSS pixels the page is wider than the window (0: no horizontal scroll)."""
        return int(
            self.run(
                "return Math.max(document.documentElement.scrollWidth,"
                " document.body.scrollWidth) - document.documentElement.clientWidth;"
            )
        )


@pytest.fixture(scope="session")
def browser(site: Path) -> Iterator[Browser]:
    """One headless Chromium for the session (started only when a test asks for it)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--allow-file-access-from-files",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_script_timeout(60)
    try:
        yield Browser(driver)
    finally:
        driver.quit()


def pages(site: Path) -> list[Path]:
    """Every HTML page of the built site, in a stable order."""
    return sorted(site.rglob("*.html"))
