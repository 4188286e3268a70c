"""The pre-commit hooks, as another repository uses them (`pre-commit try-repo`).

pre-commit installs this repository into a virtual environment of its own (pip,
from PyPI), exactly as it does for a dossier repository that names it under
``repos:``; that costs a minute, so one run exercises every hook.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import REPO

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_the_hooks_file_lists_check_and_fmt() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    entries = {hook["id"]: hook["entry"] for hook in hooks}
    assert entries == {
        "dossier-check": "dossier check --strict",
        "dossier-fmt": "dossier fmt",
        "dossier-ids": "dossier ids --check",
    }


def _try_repo(scratch: Path, home: Path) -> tuple[int, str, dict[str, str]]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    result = subprocess.run(
        [str(PRE_COMMIT), "try-repo", str(REPO), "--all-files", "--color", "never"],
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    verdicts = {
        line.split("...")[0].strip(): line.rsplit(".", 1)[-1]
        for line in result.stdout.splitlines()
        if line.startswith("dossier ") and "..." in line
    }
    return result.returncode, result.stdout + result.stderr, verdicts


def test_try_repo_runs_the_hooks_in_a_scratch_repository(tmp_path: Path) -> None:
    scratch = tmp_path / "desk"
    shutil.copytree(REPO / "tests" / "projects" / "good", scratch)
    lonely = (
        "id: lonely\nkind: person\nname: Lonely Person\nsummary: Nobody links here.\n"
        'as_of: "2024-09"\nreviewed: "2026-11-24"\n'
    )
    (scratch / "dossiers" / "people" / "lonely.yaml").write_text(lonely, encoding="utf-8")
    _git(scratch, "init", "-q")
    _git(scratch, "add", "-A")
    _git(scratch, "commit", "-qm", "desk")
    home = tmp_path / "pre-commit-home"

    code, out, verdicts = _try_repo(scratch, home)

    assert code == 1, out
    assert verdicts == {
        "dossier check --strict": "Failed",
        "dossier fmt": "Failed",
        "dossier ids --check": "Failed",
    }, out
    assert (
        "dossiers/people/lonely.yaml:1:5: warning: id: nothing links to 'lonely' and it "
        "links to nothing: add a relationship"
    ) in out
    assert "files were modified by this hook" in out  # dossier fmt rewrote the layout
    assert "Error: 10 items have no id; run `dossier ids`" in out

    # Fixed as an editor would: link or delete the lonely profile, add the ids.
    (scratch / "dossiers" / "people" / "lonely.yaml").unlink()
    subprocess.run(
        [str(PRE_COMMIT.with_name("dossier")), "ids"], cwd=scratch, check=True, capture_output=True
    )
    _git(scratch, "add", "-A")
    code, out, verdicts = _try_repo(scratch, home)
    assert (code, set(verdicts.values())) == (0, {"Passed"}), out
