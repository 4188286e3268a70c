"""Editions from git: item ids, claim-level diff, manifest and verify, build --at."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from builder.cli import main
from tests.conftest import TESTS

PROFILE = "dossiers/people/asim-malik.yaml"


def git(root: Path, *args: str) -> str:
    command = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@localhost"]
    return subprocess.run([*command, *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The good project in a git repository of its own, one commit."""
    root = tmp_path / "repo"
    shutil.copytree(TESTS / "projects/good", root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    return root


def edit(root: Path, path: str, old: str, new: str) -> None:
    target = root / path
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")


def run(runner: CliRunner, root: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(main, [*args, "--project", str(root)])
    return result.exit_code, result.stdout, result.stderr


def test_diff_shows_exactly_an_edited_value_and_a_changed_status(
    repo: Path, runner: CliRunner
) -> None:
    edit(repo, PROFILE, "    - value: Lieutenant General\n", "    - value: General\n")
    edit(
        repo,
        PROFILE,
        "    - value: Doctorate; thesis on Pakistan-US relations\n",
        "    - value: Doctorate; thesis on Pakistan-US relations\n      status: disputed\n",
    )
    git(repo, "commit", "-q", "-am", "second")

    code, out, _ = run(runner, repo, "diff", "HEAD~1", "HEAD", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert [(c["kind"], c["action"], c["fields"]) for c in report["changes"]] == [
        (
            "claim",
            "changed",
            [{"field": "status", "old": "reported", "new": "disputed"}],
        ),
        (
            "claim",
            "changed",
            [{"field": "value", "old": "Lieutenant General", "new": "General"}],
        ),
    ]
    assert report["counts"] == {"items changed": 2}
    assert report["from"]["label"] == "HEAD~1"
    assert report["to"]["commit"] == git(repo, "rev-parse", "HEAD").strip()

    code, out, _ = run(runner, repo, "diff", "HEAD~1", "HEAD")
    assert code == 0
    assert "      value: Lieutenant General → General\n" in out
    assert "      status: reported → disputed\n" in out
    assert out.rstrip().endswith("2 items changed")


def test_reordering_lists_and_keys_is_no_change(repo: Path, runner: CliRunner) -> None:
    path = repo / PROFILE
    text = path.read_text(encoding="utf-8")
    rank, rest = text.split("  education:\n")
    education, tail = rest.split("narrative:")
    head, rank_block = rank.split("  rank:\n")
    path.write_text(f"{head}  education:\n{education}  rank:\n{rank_block}narrative:{tail}")
    assert path.read_text(encoding="utf-8") != text

    code, out, _ = run(runner, repo, "diff", "HEAD")
    assert (code, out.splitlines()[-1]) == (0, "No changes.")


def test_diff_reports_additions_removals_grades_and_sources(repo: Path, runner: CliRunner) -> None:
    edit(repo, PROFILE, "        credibility: 2\n", "        credibility: 3\n")  # the alias
    edit(repo, "seeds/seed-000.yaml", "reliability: B", "reliability: C")
    profile = (repo / PROFILE).read_text(encoding="utf-8")
    start = profile.index("events:\n")
    end = profile.index("assessments:\n")
    (repo / PROFILE).write_text(profile[:start] + profile[end:], encoding="utf-8")

    code, out, _ = run(runner, repo, "diff", "HEAD", "--format", "json")
    assert code == 0
    changes = {(c["kind"], c["action"]): c for c in json.loads(out)["changes"]}
    assert changes["alias", "changed"]["fields"] == [
        {"field": "credibility seed-000 ¶1", "old": "2", "new": "3"}
    ]
    assert changes["event", "removed"]["label"] == "2024-09-30: Takes over as head of the ISI"
    assert {"field": "reliability", "old": "B", "new": "C"} in changes["source", "changed"][
        "fields"
    ]


def test_ids_are_written_once_and_keep_everything_else(repo: Path, runner: CliRunner) -> None:
    before = (repo / PROFILE).read_text(encoding="utf-8")
    code, out, _ = run(runner, repo, "ids", "--check")
    assert code == 1
    assert f"{PROFILE}:5: no id (would be " in out

    code, out, _ = run(runner, repo, "ids")
    assert code == 0, out
    assert f"{PROFILE}: 7 ids added" in out
    after = (repo / PROFILE).read_text(encoding="utf-8")
    assert after.count("id: ") == before.count("id: ") + 7
    # Nothing but the ids changed: take them out and the file is as it was.
    assert re.sub(r"- id: [a-z0-9-]+\n *", "- ", after) == before

    # Writing ids is no change, to the diff or to the "data last changed" date.
    code, out, _ = run(runner, repo, "diff", "HEAD")
    assert out.splitlines()[-1] == "No changes."
    code, out, _ = run(runner, repo, "ids", "--check")
    assert (code, out) == (0, "every item has an id\n")


def test_a_copied_id_is_an_error_at_its_line(repo: Path, runner: CliRunner) -> None:
    edit(
        repo,
        PROFILE,
        "    - value: Lieutenant General\n",
        "    - id: same\n      value: Lieutenant General\n",
    )
    edit(
        repo,
        PROFILE,
        "    - value: Doctorate",
        "    - id: same\n      value: Doctorate",
    )
    code, _, err = run(runner, repo, "check")
    assert code == 1
    assert (
        f"{PROFILE}:22:11: facts.education.0.id: 'same' is already the id of the claim at "
        "line 14; remove this one and run `dossier ids` to give the item its own"
    ) in err


def test_an_unknown_revision_is_a_usage_error(repo: Path, runner: CliRunner) -> None:
    code, _, err = run(runner, repo, "diff", "no-such-tag")
    assert code == 2
    assert "unknown revision 'no-such-tag'" in err
    code, _, err = run(runner, repo, "build", "--at", "no-such-tag")
    assert code == 2
    assert not (repo / "editions").exists()


def test_build_at_reproduces_an_earlier_edition_and_verify_finds_one_byte(
    repo: Path, runner: CliRunner, tmp_path: Path
) -> None:
    code, out, err = run(runner, repo, "build")
    assert code == 0, err
    first = repo / "output"
    saved = tmp_path / "first"
    shutil.copytree(first, saved, ignore=shutil.ignore_patterns(".dossier"))
    edit(repo, PROFILE, "summary: ", "summary: Now. ")
    git(repo, "commit", "-q", "-am", "second")
    edit(repo, PROFILE, "summary: ", "summary: Uncommitted. ")
    status = (git(repo, "status", "--porcelain", "--", "dossiers"), git(repo, "rev-parse", "HEAD"))
    live = (repo / "output/manifest.json").read_bytes()
    code, _, err = run(runner, repo, "build", "--at", "HEAD~1")
    assert code == 0, err
    short = git(repo, "rev-parse", "--short=12", "HEAD~1").strip()
    edition = repo / "editions" / short
    files = sorted(p.relative_to(saved) for p in saved.rglob("*") if p.is_file())
    assert files == sorted(
        p.relative_to(edition)
        for p in edition.rglob("*")
        if p.is_file() and ".dossier" not in p.parts
    )
    for name in files:
        assert (edition / name).read_bytes() == (saved / name).read_bytes(), name
    # The work tree, the index, HEAD and the current output are untouched.
    assert (
        git(repo, "status", "--porcelain", "--", "dossiers"),
        git(repo, "rev-parse", "HEAD"),
    ) == status
    assert (first / "manifest.json").read_bytes() == live

    code, out, _ = run(runner, repo, "verify", "--output", str(edition))
    assert code == 0
    assert out.startswith(f"{edition}: all 24 files match the manifest of edition {short}, ")
    pdf = edition / "pdf/asim-malik.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 1
    pdf.write_bytes(bytes(data))
    (edition / "html/notes.txt").write_text("mine")
    (edition / "html/isi.html").unlink()
    code, out, err = run(runner, repo, "verify", "--output", str(edition))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "missing: html/isi.html"
    assert lines[1].startswith("changed: pdf/asim-malik.pdf (sha256 ")
    assert lines[2] == "not in the manifest: html/notes.txt"
    assert f"{edition}: 3 problem(s); 22 files match the manifest" in err


def test_manifest_names_edition_tools_inputs_and_outputs(repo: Path, runner: CliRunner) -> None:
    code, _, err = run(runner, repo, "build")
    assert code == 0, err
    manifest = json.loads((repo / "output/manifest.json").read_text())
    head = git(repo, "log", "-1", "--format=%h %cs", "--abbrev=12").split()
    assert manifest["edition"] == {
        "commit": head[0],
        "date": head[1],
        "stamp": f"{head[0]}, {head[1]}",
        "uncommitted_changes": False,
    }
    assert {"dossier", "python", "weasyprint", "pikepdf", "fonttools"} <= set(manifest["tools"])
    assert manifest["fonts"] and all("+" not in f for f in manifest["fonts"])
    assert set(manifest["inputs"]) >= {"dossier.yaml", PROFILE, "seeds/000_98ba2910a1379f0b.txt"}
    outputs = {o["path"]: o for o in manifest["outputs"]}
    assert set(outputs) == {
        p.relative_to(repo / "output").as_posix()
        for p in (repo / "output").rglob("*")
        if p.is_file() and p.parent.name != ".dossier" and p.name != "manifest.json"
    }
    isi = outputs["pdf/isi.pdf"]
    assert isi["size"] == (repo / "output/pdf/isi.pdf").stat().st_size
    assert PROFILE in isi["inputs"] and "dossiers/groups/isi.yaml" in isi["inputs"]
    assert "dossiers/groups/isi.yaml" in outputs["html/isi.html"]["inputs"]


def test_pages_show_their_edition_and_when_the_data_last_changed(
    repo: Path, runner: CliRunner
) -> None:
    first = git(repo, "log", "-1", "--format=%h, %cs", "--abbrev=12").strip()
    edit(repo, PROFILE, "name: Asim Malik\n", "name: Asim Malik\n\n")  # layout only
    git(repo, "commit", "-q", "-am", "reformat")
    second = git(repo, "log", "-1", "--format=%h, %cs", "--abbrev=12").strip()
    code, _, err = run(runner, repo, "build")
    assert code == 0, err
    page = (repo / "output/html/asim-malik.html").read_text()
    assert f"data last changed in {first}." in page  # the reformat does not count
    assert f"Edition {second}</p>" in page
    assert f"edition {second}." in (repo / "output/html/index.html").read_text()

    edit(repo, PROFILE, "summary: ", "summary: Now. ")
    code, _, err = run(runner, repo, "build")
    page = (repo / "output/html/asim-malik.html").read_text()
    assert "data changed since the last commit." in page
    assert f"Edition {second}, uncommitted changes</p>" in page


def test_two_clones_built_apart_give_identical_bytes(repo: Path, tmp_path: Path) -> None:
    """Different folders, times, TZ, LANG, umask and caches: the same edition, byte for byte."""
    editions = []
    for n, (tz, lang, umask) in enumerate(
        [("UTC", "C.UTF-8", "022"), ("Pacific/Kiritimati", "en_US.UTF-8", "077")]
    ):
        clone = tmp_path.joinpath(f"clone-{n}", *["deep"] * n, "repo")
        subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
        env = {
            **os.environ,
            "TZ": tz,
            "LANG": lang,
            "LC_ALL": lang,
            "DOSSIER_CACHE_DIR": str(tmp_path / f"cache-{n}"),
        }
        env.pop("SOURCE_DATE_EPOCH", None)
        script = f"umask {umask} && exec {sys.executable} -m builder build --no-cache"
        subprocess.run(["sh", "-c", script], cwd=clone, env=env, check=True, capture_output=True)
        out = clone / "output"
        editions.append(
            {
                p.relative_to(out).as_posix(): p.read_bytes()
                for p in sorted(out.rglob("*"))
                if p.is_file() and ".dossier" not in p.parts
            }
        )
    assert "manifest.json" in editions[0]
    assert editions[0].keys() == editions[1].keys()
    assert [p for p in editions[0] if editions[0][p] != editions[1][p]] == []


def test_the_site_shows_the_changes_since_a_revision(repo: Path, runner: CliRunner) -> None:
    edit(repo, PROFILE, "    - value: Lieutenant General\n", "    - value: General\n")
    git(repo, "commit", "-q", "-am", "second")
    code, _, err = run(runner, repo, "build", "--only", "html", "--changes-since", "HEAD~1")
    assert code == 0, err
    page = (repo / "output/html/changes.html").read_text()
    assert "<del>Lieutenant General</del> → <ins>General</ins>" in page
    assert '<a href="asim-malik.html">Asim Malik</a>' in page
    index = (repo / "output/html/index.html").read_text()
    assert '<a href="changes.html">Changes since HEAD~1 (' in index

    code, _, err = run(runner, repo, "build", "--changes-since", "v9")
    assert code == 2
    assert "--changes-since: unknown revision 'v9'" in err


def test_a_book_names_an_unknown_revision_at_its_line(repo: Path, runner: CliRunner) -> None:
    (repo / "dossiers/books").mkdir()
    (repo / "dossiers/books/weekly.yaml").write_text(
        "id: weekly\ntitle: Weekly\naudience: Desk\nentities: [isi]\nchanges_since: v9\n"
    )
    code, _, err = run(runner, repo, "build", "--only", "html")
    assert code == 1
    assert "dossiers/books/weekly.yaml:5:16: changes_since: unknown revision 'v9'" in err


def test_a_book_lists_the_changes_since_its_revision(repo: Path, runner: CliRunner) -> None:
    (repo / "dossiers/books").mkdir()
    (repo / "dossiers/books/weekly.yaml").write_text(
        "id: weekly\ntitle: Weekly\naudience: Desk\nentities: [isi, asim-malik]\n"
        "changes_since: HEAD~1\n"
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "book")
    edit(repo, PROFILE, "    - value: Lieutenant General\n", "    - value: General\n")
    git(repo, "commit", "-q", "-am", "rank")
    code, _, err = run(runner, repo, "build", "--only", "pdf", "--book", "weekly")
    assert code == 0, err
    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(repo / "output/pdf/weekly.pdf").pages
    )
    assert "Changes since the previous edition ..." in text  # in the contents
    assert "Changes since the previous edition From HEAD~1 (" in text
    assert "claim changed: rank: General value: Lieutenant General → General" in text
