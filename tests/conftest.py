"""Shared fixtures: sample projects, a CLI runner, and a project builder."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.check.index import Index
from builder.check.rules import check_project
from builder.source.load import load_project
from builder.source.models import Settings

TESTS = Path(__file__).parent
REPO = TESTS.parent

ProjectFactory = Callable[[dict[str, str | bytes]], Path]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/golden/ from the current output (then review the diff).",
    )


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Never read or fill the user's build cache: one cache for this test session."""
    os.environ["DOSSIER_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run should rewrite the golden files instead of comparing."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def runner() -> CliRunner:
    """A click runner that keeps stdout and stderr apart."""
    return CliRunner()


@pytest.fixture
def good_project() -> Path:
    """A small valid project (read-only: copy it before changing anything)."""
    return TESTS / "projects" / "good"


@pytest.fixture(scope="session")
def corpus() -> tuple[Settings, Index]:
    """The bundled corpus, loaded and checked once per session (read-only)."""
    project = load_project(REPO)
    return project.settings.model, check_project(project).index


@pytest.fixture
def broken_project() -> Path:
    """A project with one deliberate mistake per file."""
    return TESTS / "projects" / "broken"


@pytest.fixture
def make_project(tmp_path: Path, good_project: Path) -> ProjectFactory:
    """Copy the good project to tmp_path, then write or delete files from a dict.

    An empty string deletes the file.
    """

    def build(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "project"
        shutil.copytree(good_project, root)
        for name, content in files.items():
            target = root / name
            if content == "":
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return root

    return build
