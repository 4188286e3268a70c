"""Editions swap in whole: a build that is killed, interrupted, locked out or out of disk
space leaves the previous edition (A) or the new one (B) in the output folder, never a mix.

The expensive part is done once per module (:func:`editions`): edition A is built into
a folder that each test copies, the project is then edited so that the next build makes
edition B, and B is built clean for reference. Kill points are drawn across the measured
duration of a real ``dossier build`` subprocess.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import pytest
from click.testing import CliRunner

from builder.cli import main
from builder.publish import write
from builder.publish.build import BuildOptions, build
from tests.conftest import REPO, TESTS, ProjectFactory

TREES = ("html", "pdf")
EDITED = "dossiers/people/asim-malik.yaml"
Edition = dict[str, bytes]


def edition_files(folder: Path) -> Edition:
    """The files of ``folder``'s html/ and pdf/ trees: relative path -> bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for tree in TREES
        for path in sorted((folder / tree).rglob("*"))
        if path.is_file() or path.is_symlink()
    }


def temp_files(folder: Path) -> list[Path]:
    """Temporary files (``*.tmp``) anywhere under ``folder``."""
    return sorted(folder.rglob("*.tmp"))


@dataclass(frozen=True)
class Editions:
    """Edition A on disk, edition B expected, and how long a build from A to B takes."""

    project: Path  # edited: building it makes edition B
    a: Path  # an output folder as a build of edition A left it (copy it before use)
    a_files: Edition
    b_files: Edition
    caches: dict[str, Path | None]  # warm: holds B; partial: holds A only; cold: empty
    seconds: dict[str, float]  # measured build from A to B, by cache; "startup": --version

    def output(self, folder: Path) -> Path:
        """A fresh copy of edition A's output folder at ``folder``."""
        shutil.copytree(self.a, folder, symlinks=True)
        return folder

    def cache(self, kind: str, folder: Path) -> Path:
        """A fresh cache folder at ``folder``: a copy of the ``kind`` cache, or empty."""
        source = self.caches[kind]
        if source is None:
            folder.mkdir()
        else:
            shutil.copytree(source, folder)
        return folder

    def which(self, folder: Path, where: str = "") -> str:
        """'A' or 'B': the edition ``folder`` holds; fails on anything else."""
        found = edition_files(folder)
        if found == self.a_files:
            return "A"
        if found != self.b_files:
            mixed = {
                path: "missing" if path not in found else "neither A's nor B's"
                for path in sorted({*found, *self.b_files})
                if found.get(path) not in (self.a_files.get(path), self.b_files.get(path))
            }
            pytest.fail(f"{where}: not one whole edition: {mixed or 'a mix of A and B'}")
        return "B"


def start_build(
    project: Path, output: Path, cache: Path, stderr: IO[bytes]
) -> subprocess.Popen[bytes]:
    """``dossier build --jobs 2`` in a process group of its own (its pool workers join it).

    stderr goes to a file: orphaned workers would hold a pipe open for ever.
    """
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "builder", "build", "--jobs", "2"),
            *("--project", str(project), "--output", str(output)),
        ],
        cwd=REPO,
        env={**os.environ, "DOSSIER_CACHE_DIR": str(cache)},
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        start_new_session=True,
    )


def group_members(group: int) -> list[int]:
    """Live (not zombie) processes of process group ``group``."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            state, _, pgrp, *_ = stat.read_text().rpartition(")")[2].split()
            if int(pgrp) == group and state != "Z":
                members.append(int(stat.parent.name))
    return members


def end_group(process: subprocess.Popen[bytes]) -> None:
    """Kill what is left of the group this test started (orphaned pool workers)."""
    if process.poll() is None:
        process.kill()
        process.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@dataclass(frozen=True)
class Run:
    """How a signalled build ended."""

    returncode: int
    stderr: str
    signalled: bool  # False: it had finished before the signal was due
    left: list[int]  # processes of its group still alive once it ended (and lingered)


def signalled_build(
    project: Path,
    output: Path,
    cache: Path,
    how: signal.Signals,
    *,
    after: float | Callable[[str], bool],
    group: bool = False,
    linger: float = 0.0,
) -> Run:
    """Start a build, send it ``how`` ``after`` seconds (or once its stderr satisfies
    ``after``), wait for it to end, then kill anything left of its process group.

    ``group`` sends the signal to the whole group, as Ctrl-C in a terminal does;
    ``linger`` is how long its other processes may take to stop once it has ended.
    """
    with tempfile.TemporaryFile() as err:
        process = start_build(project, output, cache, err)
        try:
            if callable(after):
                deadline = time.monotonic() + 120
                while process.poll() is None and time.monotonic() < deadline:
                    err.seek(0)
                    if after(err.read().decode("utf-8", "replace")):
                        break
                    time.sleep(0.001)
            else:
                time.sleep(after)
            signalled = process.poll() is None
            if signalled:
                if group:
                    os.killpg(process.pid, how)
                else:
                    process.send_signal(how)
            process.wait(timeout=120)
            deadline = time.monotonic() + linger
            while group_members(process.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            left = group_members(process.pid)
        finally:
            end_group(process)
        err.seek(0)
        return Run(process.returncode, err.read().decode("utf-8", "replace"), signalled, left)


def timed_build(project: Path, output: Path, cache: Path) -> float:
    """Seconds one uninterrupted ``dossier build --jobs 2`` subprocess takes."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = start_build(project, output, cache, err)
        try:
            returncode = process.wait(timeout=300)
        finally:
            end_group(process)
        err.seek(0)
        assert returncode == 0, err.read().decode()
        return time.perf_counter() - started


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Editions:
    """Edition A built, the project edited to make B, B built clean, durations measured."""
    base = tmp_path_factory.mktemp("editions")
    project = base / "project"
    shutil.copytree(TESTS / "projects" / "good", project)  # outside git: a fixed stamp
    build(project, BuildOptions(output=base / "a", cache_dir=base / "cache-a", jobs=1))
    profile = project / EDITED
    text = profile.read_text(encoding="utf-8")
    profile.write_text(text.replace("head the ISI.", "head the ISI in 2024."), encoding="utf-8")
    shutil.copytree(base / "cache-a", base / "cache-ab")
    # B built clean (an empty output folder) from a cache holding A: the usual next build.
    partial = timed_build(project, base / "b", base / "cache-ab")
    editions = Editions(
        project,
        base / "a",
        edition_files(base / "a"),
        edition_files(base / "b"),
        {"warm": base / "cache-ab", "partial": base / "cache-a", "cold": None},
        {},
    )
    assert editions.a_files.keys() == editions.b_files.keys()
    assert editions.a_files != editions.b_files
    warm = []
    for run in range(2):  # the fastest of two: kill points are fractions of it
        over_a = editions.output(base / f"warm-run-{run}")
        cache = editions.cache("warm", base / f"cache-warm-run-{run}")
        warm.append(timed_build(project, over_a, cache))
        assert editions.which(over_a) == "B"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "builder", "--version"], cwd=REPO, check=True, capture_output=True
    )
    editions.seconds.update(warm=min(warm), partial=partial, startup=time.perf_counter() - started)
    return editions


def settle(folder: Path, editions: Editions, where: str = "") -> str:
    """Check what an interrupted build left: 'A', 'B', or 'mid-swap' (completed to B)."""
    for tree in TREES:
        assert not temp_files(folder / tree), f"{where}: temporary files in {tree}/"
    if (folder / ".dossier" / "swap.json").exists():
        write.recover(folder)
        assert editions.which(folder, where) == "B", f"{where}: recover() went back to A"
        return "mid-swap"
    return editions.which(folder, where)


def _copy_if_missing(source: str, target: str) -> str:
    if not os.path.exists(target):
        shutil.copy2(source, target)
    return target


def assert_next_build_gives_b(folder: Path, cache: Path, editions: Editions) -> None:
    """A normal build after the interruption succeeds and leaves exactly edition B.

    The cache keeps what the interrupted build wrote (it must not poison this build)
    and gets the warm cache's other entries, so that nothing has to be laid out again.
    """
    warm = editions.caches["warm"]
    assert warm is not None
    shutil.copytree(warm, cache, dirs_exist_ok=True, copy_function=_copy_if_missing)
    build(editions.project, BuildOptions(output=folder, cache_dir=cache, jobs=1))
    assert editions.which(folder) == "B"
    assert not temp_files(folder / "html") and not temp_files(folder / "pdf")
    assert not (folder / ".dossier" / "swap.json").exists()


# (signal, cache, kill points as fractions of the measured build, to the whole group?)
KILLS = [
    pytest.param(
        signal.SIGKILL,
        "warm",
        (0.0, 0.2, 0.4, 0.55, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.15, 1.6),
        False,
        id="SIGKILL-warm",
    ),
    pytest.param(signal.SIGKILL, "partial", (0.5,), False, id="SIGKILL-partial"),
    pytest.param(signal.SIGKILL, "cold", (0.5,), False, id="SIGKILL-cold"),
    pytest.param(signal.SIGTERM, "warm", (0.3, 0.5, 0.7, 0.85, 1.0, 1.3), False, id="SIGTERM-warm"),
    pytest.param(signal.SIGINT, "warm", (0.3, 0.45, 0.6, 0.75, 0.9, 1.3), True, id="SIGINT-warm"),
]


@pytest.mark.parametrize(("how", "cache_kind", "points", "group"), KILLS)
def test_interrupted_build_leaves_one_whole_edition(
    editions: Editions,
    tmp_path: Path,
    how: signal.Signals,
    cache_kind: str,
    points: tuple[float, ...],
    group: bool,
) -> None:
    duration = editions.seconds["partial" if cache_kind == "cold" else cache_kind]
    # Ctrl-C before the interpreter has started the CLI gets Python's own traceback.
    earliest = 0.05 if how != signal.SIGINT else 3 * editions.seconds["startup"]
    outcomes: Counter[str] = Counter()
    log = []
    for number, fraction in enumerate(points):
        delay = max(earliest, fraction * duration)
        where = f"{how.name} after {delay:.2f} s ({cache_kind} cache)"
        output = editions.output(tmp_path / f"out-{number}")
        cache = editions.cache(cache_kind, tmp_path / f"cache-{number}")
        run = signalled_build(editions.project, output, cache, how, after=delay, group=group)
        left = settle(output, editions, where)
        assert "Traceback" not in run.stderr, f"{where}: {run.stderr}"
        aborted = run.stderr.endswith("\nAborted!\n")
        if run.returncode == 0 or (run.returncode == -how and how == signal.SIGINT and not aborted):
            # It had finished (or was exiting: Python restores the default SIGINT
            # action while it shuts down) before the signal took effect.
            assert left == "B", f"{where}: exit status {run.returncode}"
            outcomes["finished"] += 1
        else:
            assert run.signalled, f"{where}: {run.stderr}"
            # Ctrl-C: click's "Aborted!" (an interrupt that reaches the interpreter's
            # own exit handling may still end it by SIGINT); other signals kill.
            expected = (1, -how) if how == signal.SIGINT else (-how,)
            assert run.returncode in expected, f"{where}: {run.stderr}"
            assert aborted or how != signal.SIGINT, f"{where}: {run.stderr}"
            outcomes[left] += 1
        log.append(f"{delay:.2f} s: exit {run.returncode}, {left}")
        assert_next_build_gives_b(output, cache, editions)
    print(f"{how.name} {cache_kind} ({duration:.2f} s build): {dict(outcomes)}")
    assert sum(outcomes.values()) > outcomes["finished"], f"no kill landed in a build: {log}"


@pytest.mark.parametrize("trigger", [".dossier/staging", ".dossier/swap.json"])
def test_kill_as_the_new_edition_is_staged_or_swapped(
    editions: Editions, tmp_path: Path, trigger: str
) -> None:
    """SIGKILL the moment the staging folder or the swap journal appears."""
    outcomes: Counter[str] = Counter()
    for number in range(2):
        output = editions.output(tmp_path / f"out-{number}")
        cache = editions.cache("warm", tmp_path / f"cache-{number}")
        run = signalled_build(
            editions.project,
            output,
            cache,
            signal.SIGKILL,
            after=appears(output / trigger),
        )
        left = settle(output, editions)
        assert run.returncode in (0, -signal.SIGKILL), run.stderr
        assert run.returncode == -signal.SIGKILL or left == "B"
        outcomes[left if run.returncode else "finished"] += 1
        assert_next_build_gives_b(output, cache, editions)
    print(f"SIGKILL when {trigger} appears: {dict(outcomes)}")


def appears(path: Path) -> Callable[[str], bool]:
    """A trigger for :func:`signalled_build`: as soon as ``path`` exists."""
    return lambda stderr: path.exists()


def _first_part_done(stderr: str) -> bool:
    return "[1/" in stderr


def test_ctrl_c_during_pooled_layout(editions: Editions, tmp_path: Path) -> None:
    output = editions.output(tmp_path / "out")
    cache = editions.cache("cold", tmp_path / "cache")
    run = signalled_build(
        editions.project, output, cache, signal.SIGINT, after=_first_part_done, group=True, linger=5
    )
    assert run.signalled
    assert run.left == [], "worker processes outlived the build"
    assert settle(output, editions) == "A"
    assert "Traceback" not in run.stderr
    assert (run.returncode, run.stderr.splitlines()[-1]) == (1, "Aborted!"), run.stderr
    assert_next_build_gives_b(output, cache, editions)


def test_sigterm_during_pooled_layout_stops_the_workers(editions: Editions, tmp_path: Path) -> None:
    output = editions.output(tmp_path / "out")
    cache = editions.cache("partial", tmp_path / "cache")
    run = signalled_build(
        editions.project, output, cache, signal.SIGTERM, after=_first_part_done, linger=2
    )
    assert (run.signalled, run.returncode) == (True, -signal.SIGTERM)
    assert settle(output, editions) == "A"
    assert run.left == [], "worker processes outlived the build"


class Patched:
    """A module as builder.publish.write alone sees it, with some functions replaced."""

    def __init__(self, module: ModuleType, **replaced: Callable[..., Any]) -> None:
        self.module = module
        self.replaced = replaced

    def __getattr__(self, name: str) -> Any:
        return self.replaced[name] if name in self.replaced else getattr(self.module, name)


@pytest.fixture
def over_a(editions: Editions, tmp_path: Path) -> Path:
    """An output folder holding edition A."""
    return editions.output(tmp_path / "out")


@pytest.fixture
def warm_cache(editions: Editions, tmp_path: Path) -> Path:
    """A cache that already holds every PDF of edition B (nothing to lay out)."""
    return editions.cache("warm", tmp_path / "cache")


@pytest.mark.parametrize("rename", [1, 2, 3, 4])
@pytest.mark.parametrize("finish", ["recover", "next build"])
def test_interrupted_swap_is_completed(
    editions: Editions,
    over_a: Path,
    warm_cache: Path,
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    rename: int,
    finish: str,
) -> None:
    """Ctrl-C at each rename of the swap (html away, html in, pdf away, pdf in)."""
    renames = 0

    def interrupted(source: str | Path, target: str | Path) -> None:
        nonlocal renames
        if Path(source).name in TREES:
            renames += 1
            if renames == rename:
                raise KeyboardInterrupt
        os.replace(source, target)

    with monkeypatch.context() as patch:
        patch.setattr(write, "os", Patched(os, replace=interrupted))
        result = runner.invoke(
            main,
            [
                *("build", "-p", str(editions.project), "-o", str(over_a)),
                *("--cache-dir", str(warm_cache), "--jobs", "1"),
            ],
        )
    assert (result.exit_code, result.stderr) == (1, "\nAborted!\n")
    assert renames == rename
    assert (over_a / ".dossier" / "swap.json").exists()
    if finish == "recover":
        write.recover(over_a)
    else:
        build(editions.project, BuildOptions(output=over_a, cache_dir=warm_cache, jobs=1))
    assert editions.which(over_a) == "B"
    assert not (over_a / ".dossier" / "swap.json").exists()
    assert not temp_files(over_a)
    assert_next_build_gives_b(over_a, warm_cache, editions)


def test_next_build_removes_what_an_interrupted_swap_left(
    editions: Editions,
    over_a: Path,
    warm_cache: Path,
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupted(path: str | Path, *args: Any, **kwargs: Any) -> None:
        if Path(path).name == "previous" and Path(path).exists():
            raise KeyboardInterrupt  # Ctrl-C as the old edition is being deleted
        shutil.rmtree(path, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(write, "shutil", Patched(shutil, rmtree=interrupted))
        result = runner.invoke(
            main,
            [
                "build",
                "-p",
                str(editions.project),
                "-o",
                str(over_a),
                "--cache-dir",
                str(warm_cache),
            ],
        )
    assert (result.exit_code, result.stderr) == (1, "\nAborted!\n")
    assert editions.which(over_a) == "B"
    assert (over_a / ".dossier" / "previous" / "html").is_dir()
    build(editions.project, BuildOptions(output=over_a, cache_dir=warm_cache, jobs=1))
    assert editions.which(over_a) == "B"
    assert not (over_a / ".dossier" / "previous").exists()


def test_second_build_is_refused_while_one_writes(
    good_project: Path, runner: CliRunner, tmp_path: Path
) -> None:
    with write.locked(tmp_path):
        result = runner.invoke(main, ["build", "-p", str(good_project), "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: another build is writing to {tmp_path.resolve()} (process {os.getpid()}); "
        "wait for it to finish, then build again\n"
    )
    assert list(tmp_path.iterdir()) == []  # the lock leaves no trace without an edition


class FullDisk:
    """A file handle whose writes fail as on a full disk."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle

    def __enter__(self) -> FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Make builder.publish.write fail to write the temporary file whose path holds the
    given fragment, with ENOSPC (the tests run as root: permissions cannot stop them)."""

    def fill(fragment: str) -> None:
        def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
            handle = os.fdopen(fd, *args, **kwargs)
            return FullDisk(handle) if fragment in os.readlink(f"/proc/self/fd/{fd}") else handle

        monkeypatch.setattr(write, "os", Patched(os, fdopen=fdopen))

    return fill


@pytest.mark.parametrize(
    ("fragment", "target"),
    [
        ("/.dossier/staging/html/.asim-malik.html.", ".dossier/staging/html/asim-malik.html"),
        ("/.dossier/.swap.json.", ".dossier/swap.json"),
    ],
    ids=["staged file", "journal"],
)
def test_full_disk_keeps_the_previous_edition(
    editions: Editions,
    over_a: Path,
    warm_cache: Path,
    runner: CliRunner,
    full_disk: Callable[[str], None],
    fragment: str,
    target: str,
) -> None:
    full_disk(fragment)
    result = runner.invoke(
        main,
        ["build", "-p", str(editions.project), "-o", str(over_a), "--cache-dir", str(warm_cache)],
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot write {over_a.resolve() / target}: No space left on device\n"
    )
    assert editions.which(over_a) == "A"
    assert not (over_a / ".dossier" / "staging").exists()
    assert not (over_a / ".dossier" / "swap.json").exists()
    assert not temp_files(over_a)


def test_full_disk_after_the_swap_is_completed_by_the_next_build(
    editions: Editions,
    over_a: Path,
    warm_cache: Path,
    runner: CliRunner,
    full_disk: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The record of the new edition is written last: the trees are B, the journal stays."""
    full_disk("/.dossier/.edition.json.")
    result = runner.invoke(
        main,
        ["build", "-p", str(editions.project), "-o", str(over_a), "--cache-dir", str(warm_cache)],
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot write {over_a.resolve() / '.dossier/edition.json'}: "
        "No space left on device\n"
    )
    assert not temp_files(over_a)
    monkeypatch.undo()
    assert settle(over_a, editions) == "mid-swap"
    assert_next_build_gives_b(over_a, warm_cache, editions)


def test_user_folders_in_the_trees_survive_a_build(
    editions: Editions, over_a: Path, warm_cache: Path
) -> None:
    (over_a / "html" / "empty").mkdir()
    private = over_a / "html" / "private"
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    (private / "notes.txt").write_text("mine")
    build(editions.project, BuildOptions(output=over_a, cache_dir=warm_cache, jobs=1))
    assert (private / "notes.txt").read_text() == "mine"
    assert private.stat().st_mode & 0o777 == 0o700
    assert (over_a / "html" / "empty").is_dir()


@pytest.fixture
def refusal() -> Callable[[Path], str]:
    """The exact error for an --output that would overwrite the repository."""
    return lambda folder: (
        f"Error: --output {folder}: refusing to publish over the repository, a folder of "
        "its inputs, the home folder or /; choose an empty folder or one an earlier build "
        "wrote\n"
    )


@pytest.mark.parametrize(
    "chosen",
    [".", "/", "seeds", "dossiers/people", "templates/theme", ".git", "dossiers/../seeds/x"],
)
def test_output_over_the_repository_is_refused(
    good_project: Path, runner: CliRunner, refusal: Callable[[Path], str], chosen: str
) -> None:
    folder = Path(chosen) if chosen == "/" else good_project / chosen
    result = runner.invoke(main, ["build", "-p", str(good_project), "-o", str(folder)])
    assert result.exit_code == 2
    assert result.stderr == refusal(folder.resolve())


def test_output_in_the_home_folder_or_the_theme_is_refused(
    make_project: ProjectFactory, runner: CliRunner, refusal: Callable[[Path], str]
) -> None:
    root = make_project({"dossier.yaml": "title: T\nmarking: M\nas_of: '2024'\ntemplates: theme\n"})
    (root / "theme").mkdir()
    for folder in (Path.home(), root / "theme" / "out"):
        result = runner.invoke(main, ["build", "-p", str(root), "-o", str(folder)])
        assert result.exit_code == 2
        assert result.stderr == refusal(folder.resolve())


def test_output_through_a_symlink_is_refused(
    good_project: Path, runner: CliRunner, refusal: Callable[[Path], str], tmp_path: Path
) -> None:
    link = tmp_path / "site"
    link.symlink_to(good_project / "dossiers", target_is_directory=True)
    result = runner.invoke(main, ["build", "-p", str(good_project), "-o", str(link)])
    assert result.exit_code == 2
    assert result.stderr == refusal((good_project / "dossiers").resolve())
