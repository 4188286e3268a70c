"""Edition stamps per output: the newest commit among the files it is made from."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pypdf import PdfReader

from builder.publish.build import BuildOptions, build
from builder.publish.edition import history
from tests.conftest import TESTS, ProjectFactory


def git(root: Path, *args: str) -> str:
    command = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@localhost"]
    return subprocess.run([*command, *args], check=True, capture_output=True, text=True).stdout


def cover(pdf: Path) -> str:
    return " ".join(PdfReader(pdf).pages[0].extract_text().split()) + "\n"


def test_an_edit_restamps_only_the_outputs_made_from_it(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    isi = (TESTS / "projects/good/dossiers/groups/isi.yaml").read_text(encoding="utf-8")
    other = isi.replace("id: isi", "id: other-agency").replace(
        "name: Inter-Services Intelligence", "name: Other Agency"
    )
    root = make_project({"dossiers/groups/other-agency.yaml": other})
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    first = git(root, "log", "-1", "--format=%h, %cs", "--abbrev=12").strip()
    options = BuildOptions(output=tmp_path / "out", html=False, cache_dir=tmp_path / "cache")
    build(root, options)
    for name in ("asim-malik", "isi", "other-agency", "briefing-book"):
        assert f"Edition {first} Profiles" in cover(tmp_path / f"out/pdf/{name}.pdf"), name

    path = root / "dossiers/people/asim-malik.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("summary: ", "summary: New. "))
    report = build(root, options)
    dirty = f"Edition {first}, uncommitted changes "
    for name in ("asim-malik", "isi", "briefing-book"):  # ISI's dossier shows Asim Malik
        assert dirty in cover(tmp_path / f"out/pdf/{name}.pdf"), name
    assert f"Edition {first} Profiles" in cover(tmp_path / "out/pdf/other-agency.pdf")
    # Other Agency's dossier was not even laid out again: its stamp did not change.
    assert "pdf/other-agency.pdf" in report.pdf.reused

    git(root, "commit", "-q", "-am", "second")
    second = git(root, "log", "-1", "--format=%h, %cs", "--abbrev=12").strip()
    build(root, options)
    assert f"Edition {second} Profiles" in cover(tmp_path / "out/pdf/asim-malik.pdf")
    assert f"Edition {first} Profiles" in cover(tmp_path / "out/pdf/other-agency.pdf")


def test_git_configured_by_the_repository_runs_nothing(tmp_path: Path) -> None:
    """A core.fsmonitor in the repository's .git/config must not run on a build."""
    root = tmp_path / "repo"
    (root / "dossiers").mkdir(parents=True)
    (root / "dossiers/x.yaml").write_text("x: 1\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "x")
    witness = tmp_path / "ran"
    git(root, "config", "core.fsmonitor", f"touch {witness}; false")
    git(root, "config", "core.hooksPath", str(tmp_path))
    (root / "dossiers/x.yaml").write_text("x: 2\n")
    found = history(root)
    assert found.dirty == {"dossiers/x.yaml"}
    assert not witness.exists()


def test_a_clean_filter_configured_by_the_repository_runs_nothing(tmp_path: Path) -> None:
    """git status runs filter.*.clean even with fsmonitor and hooks off; history() does not."""
    root = tmp_path / "repo"
    (root / "dossiers").mkdir(parents=True)
    (root / "dossiers/x.yaml").write_text("x: 1\n")
    (root / "dossiers/y.yaml").write_text("y: 1\n")
    (root / ".gitattributes").write_text("*.yaml filter=evil\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "x")
    witness = tmp_path / "ran"
    git(root, "config", "filter.evil.clean", f"touch {witness}; cat")
    git(root, "config", "core.hooksPath", str(tmp_path))
    (root / "dossiers/x.yaml").write_text("x: 2\n")
    (root / "dossiers/new.yaml").write_text("new: 1\n")
    (root / ".gitignore").write_text("dossiers/*.bak\n")
    (root / "dossiers/old.bak").write_text("ignored\n")
    found = history(root)
    assert found.dirty == {"dossiers/x.yaml", "dossiers/new.yaml"}
    assert not witness.exists()
