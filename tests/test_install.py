"""The wheel is the whole tool: installed outside the checkout, it checks and publishes.

The wheel is built from a copy of the checkout's sources and installed with
``--no-deps`` into a new virtual environment in a temporary folder. That
environment borrows this one's dependencies through a ``.pth`` file naming its
site-packages folder: a path line in a ``.pth`` file is added to ``sys.path``
without running the ``.pth`` files inside it, so the editable install of this
checkout stays out and ``builder`` comes from the wheel alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import REPO, TESTS

SOURCES = ("pyproject.toml", "README.md", "builder", "templates")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of the checkout's sources, built offline (no build isolation)."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (REPO / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(REPO / name, source / name, ignore=ignore)
        else:
            shutil.copy2(REPO / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "wheel", "-q", "--no-index", "--no-deps", "--no-build-isolation", "-w", out, source],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("dossier-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A new virtual environment outside the checkout with the wheel installed."""
    folder = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", folder], check=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(purelib) / "dossier-deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", wheel],
        check=True,
        capture_output=True,
    )
    return folder


def run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A command of the new environment, run in ``cwd`` with this session's cache folder."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_wheel_carries_the_theme_and_its_fonts(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = REPO / "templates"
    expected = {
        f"builder/theme/{path.relative_to(theme).as_posix()}"
        for path in theme.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert expected - names == set()
    assert {
        "builder/theme/site.css",
        "builder/theme/print.css",
        "builder/theme/pdf.html",
        "builder/theme/fonts/NotoSans-Regular.ttf",
        "builder/theme/fonts/NotoNaskhArabic-Regular.ttf",
        "builder/theme/fonts/OFL.txt",
    } <= names
    assert "builder/cli/__init__.py" in names


def test_the_wheel_carries_every_module(wheel: Path) -> None:
    """A subpackage missing from pyproject's list would be missing from the wheel."""
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {
        path.relative_to(REPO).as_posix()
        for path in (REPO / "builder").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert modules - names == set()


def test_builder_comes_from_the_wheel(venv: Path, tmp_path: Path) -> None:
    result = run(
        venv,
        "python",
        "-c",
        "import builder.render.templates as t; print(t.__file__); print(t.DEFAULT_TEMPLATES)",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    module, theme = result.stdout.splitlines()
    assert Path(module).is_relative_to(venv)
    assert Path(theme).is_relative_to(venv)
    assert Path(theme).name == "theme"
    assert (Path(theme) / "fonts" / "NotoSans-Regular.ttf").is_file()


def test_the_installed_tool_checks_and_publishes_a_repository(venv: Path, tmp_path: Path) -> None:
    project = tmp_path / "good"
    shutil.copytree(TESTS / "projects" / "good", project, ignore=shutil.ignore_patterns("output"))
    checked = run(venv, "dossier", "check", cwd=project)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.splitlines()[-2].startswith(
        "2 entities (1 people, 1 groups), 1 sources, 8 claims, 10 citations"
    )
    built = run(venv, "dossier", "build", cwd=project)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("Built ")
    assert " and 3 PDFs into " in built.stdout
    html = project / "output" / "html"
    for page in ("index.html", "asim-malik.html", "isi.html", "sources/seed-000.html"):
        assert (html / page).is_file(), page
    assert "@font-face" in (html / "assets" / "site.css").read_text(encoding="utf-8")
    fonts = REPO / "templates" / "fonts"
    for font in fonts.glob("*.ttf"):
        assert (html / "assets" / "fonts" / font.name).read_bytes() == font.read_bytes()
    for name in ("asim-malik", "isi", "briefing-book"):
        reader = PdfReader(project / "output" / "pdf" / f"{name}.pdf")
        text = "\n".join(page.extract_text() for page in reader.pages)
        assert "Asim Malik" in text and "Inter-Services Intelligence" in text, name
