"""Files the build must not read: links out of the repository, entries that are no file.

Each test turns a copy of the good project (``make_project``) hostile with real
symbolic links, folders and FIFOs, runs ``dossier check`` and ``dossier build
--only html``, and asserts exit status 1, the exact diagnostic naming the entry,
and that not a byte of the file outside the repository (a secret written next to
the project) reaches the terminal or any output file.
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from builder.cli import main
from builder.publish.cache import fingerprint
from builder.publish.theme import theme_assets, theme_paths, theme_setting
from builder.render.html import DEFAULT_TEMPLATES
from builder.source.load import load_project
from tests.conftest import TESTS, ProjectFactory

SECRET = "SECRET-7f3a9c0e"
ARCHIVE = "seeds/000_98ba2910a1379f0b.txt"
CHECK_FAILED = "Error: check failed\n"
BUILD_REFUSED = "Error: build refused: fix the problems above (dossier check lists them)\n"
OUTSIDE_FILE = "symbolic link to a file outside the repository; replace it with the file itself"
OUTSIDE_FOLDER = (
    "symbolic link to a folder outside the repository; replace it with the folder itself"
)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the repository: the archive's text with a secret in its first line.

    Were it read as the archive, a quote would miss by a word and check's closest
    passage hint would print the secret; the sha256 message would describe it.
    """
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    text = (TESTS / "projects" / "good" / ARCHIVE).read_text(encoding="utf-8")
    path.write_text(text.replace("Asim Malik", f"Asim Malik {SECRET}", 1), encoding="utf-8")
    return path


@pytest.fixture
def output(tmp_path: Path) -> Path:
    """The folder builds write to, outside the project."""
    return tmp_path / "site"


def invoke(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(main, [str(a) for a in args])


def check_and_build(runner: CliRunner, root: Path, output: Path) -> tuple[Result, Result]:
    return (
        invoke(runner, "check", "-p", root),
        invoke(runner, "build", "-p", root, "--only", "html", "--output", output),
    )


def leaked(results: tuple[Result, ...], output: Path, text: str) -> list[str]:
    """Where ``text`` shows: in a command's stdout or stderr, or in a file written."""
    where = [
        f"command {number}: {stream}"
        for number, result in enumerate(results, start=1)
        for stream in ("stdout", "stderr")
        if text in getattr(result, stream)
    ]
    if output.exists():
        where += [
            str(path)
            for path in output.rglob("*")
            if path.is_file() and text.encode() in path.read_bytes()
        ]
    return where


def assert_refused(
    runner: CliRunner, root: Path, output: Path, errors: list[str], secret: str = SECRET
) -> None:
    """check and build both fail with exactly ``errors``, and nothing of ``secret`` shows."""
    check, build = check_and_build(runner, root, output)
    assert (check.exit_code, check.stderr) == (1, "".join(f"{e}\n" for e in errors) + CHECK_FAILED)
    assert (build.exit_code, build.stderr) == (1, "".join(f"{e}\n" for e in errors) + BUILD_REFUSED)
    assert leaked((check, build), output, secret) == []


@pytest.mark.parametrize(
    "name",
    [
        "dossiers/people/leak.yaml",
        "dossiers/groups/leak.yaml",
        "dossiers/books/leak.yaml",
        "seeds/leak.yaml",
    ],
)
def test_a_yaml_file_linked_out_of_the_repository_is_refused(
    runner: CliRunner, make_project: ProjectFactory, secret: Path, output: Path, name: str
) -> None:
    root = make_project({})
    (root / name).parent.mkdir(exist_ok=True)
    (root / name).symlink_to(secret)
    assert_refused(runner, root, output, [f"{name}:1:1: {OUTSIDE_FILE}"])


def test_an_archive_linked_out_of_the_repository_is_never_read(
    runner: CliRunner, make_project: ProjectFactory, secret: Path, output: Path
) -> None:
    """No closest-passage hint from it, and no sha256 of it to compare guesses with."""
    root = make_project({ARCHIVE: ""})
    (root / ARCHIVE).symlink_to(secret)
    assert_refused(runner, root, output, [f"{ARCHIVE}:1:1: {OUTSIDE_FILE}"])


def test_a_system_file_linked_as_an_archive_is_never_read(
    runner: CliRunner, make_project: ProjectFactory, output: Path
) -> None:
    metadata = (TESTS / "projects/good/seeds/seed-000.yaml").read_text(encoding="utf-8")
    root = make_project(
        {
            "seeds/seed-passwd.yaml": metadata.replace("id: seed-000", "id: seed-passwd")
            .replace("000_98ba2910a1379f0b.txt", "passwd.txt")
            .replace("493a7835666a3a6875fa203d39fa02c7b19f89dac213e4395d11d6a944fd0dd4", "a" * 64)
        }
    )
    (root / "seeds/passwd.txt").symlink_to("/etc/passwd")
    check, build = check_and_build(runner, root, output)
    expected = f"seeds/passwd.txt:1:1: {OUTSIDE_FILE}\n"
    warning = "seeds/seed-passwd.yaml:1:5: warning: id: source 'seed-passwd' is not cited"
    assert (check.exit_code, check.stderr) == (
        1,
        f"{expected}{warning} by any profile\n{CHECK_FAILED}",
    )
    assert (build.exit_code, build.stderr) == (
        1,
        f"{expected}{warning} by any profile\n{BUILD_REFUSED}",
    )
    assert leaked((check, build), output, "root:") == []


def test_the_settings_file_linked_out_of_the_repository_is_refused(
    runner: CliRunner, make_project: ProjectFactory, tmp_path: Path, output: Path
) -> None:
    settings = tmp_path / "outside" / "dossier.yaml"
    settings.parent.mkdir()
    settings.write_text(f'title: {SECRET}\nmarking: M\nas_of: "2024"\n', encoding="utf-8")
    root = make_project({"dossier.yaml": ""})
    (root / "dossier.yaml").symlink_to(settings)
    check, build = check_and_build(runner, root, output)
    message = f"Error: dossier.yaml: {OUTSIDE_FILE}\n"
    assert (check.exit_code, check.stderr) == (1, message)
    assert (build.exit_code, build.stderr) == (1, message)
    assert leaked((check, build), output, SECRET) == []


@pytest.mark.parametrize("folder", ["dossiers/people", "dossiers"])
def test_a_folder_linked_out_of_the_repository_is_refused_once(
    runner: CliRunner, make_project: ProjectFactory, tmp_path: Path, output: Path, folder: str
) -> None:
    root = make_project({})
    profile = root / "dossiers/people/asim-malik.yaml"
    profile.write_text(
        profile.read_text(encoding="utf-8").replace("name: Asim Malik", f"name: {SECRET}", 1),
        encoding="utf-8",
    )
    moved = tmp_path / "outside" / folder
    moved.parent.mkdir(parents=True)
    (root / folder).rename(moved)
    (root / folder).symlink_to(moved, target_is_directory=True)
    check, build = check_and_build(runner, root, output)
    expected = f"{folder}:1:1: {OUTSIDE_FOLDER}"
    for result in (check, build):
        assert result.exit_code == 1
        assert result.stderr.splitlines().count(expected) == 1
    assert leaked((check, build), output, SECRET) == []


def test_theme_files_linked_out_of_the_repository_are_never_read(
    runner: CliRunner, make_project: ProjectFactory, secret: Path, output: Path
) -> None:
    """Neither a PDF asset nor an edition input; templates are the theme check's (test_theme)."""
    root = make_project(
        {
            "dossier.yaml": 'title: T\nmarking: M\nas_of: "2024"\ntemplates: theme\n',
            "theme/extra.css": "p { color: black }\n",
        }
    )
    (root / "theme/logo.png").symlink_to(secret)
    (root / "theme/everything").symlink_to("/", target_is_directory=True)
    project = load_project(root)
    assert [
        name for name, _ in theme_assets(project) if name.startswith(("extra", "logo", "every"))
    ] == ["extra.css"]
    assert not any(SECRET.encode() in data for _, data in theme_assets(project))
    assert [path for path in theme_paths(project) if path.startswith("theme/")] == [
        "theme/extra.css"
    ]
    check, build = check_and_build(runner, root, output)
    assert leaked((check, build), output, SECRET) == []


def test_links_that_stay_inside_the_repository_are_followed(
    runner: CliRunner, make_project: ProjectFactory
) -> None:
    root = make_project({})
    for name in ("dossiers/groups/isi.yaml", ARCHIVE):  # e.g. files shared by two desks
        shared = root / "shared" / Path(name).name
        shared.parent.mkdir(exist_ok=True)
        (root / name).rename(shared)
        (root / name).symlink_to(os.path.relpath(shared, (root / name).parent))
    result = invoke(runner, "check", "-p", root, "--strict")
    assert (result.exit_code, result.stderr) == (0, "")


@pytest.fixture
def fifo_watch() -> Iterator[list[Path]]:
    """FIFOs to watch (append to the list): the test fails if one was opened for reading.

    A writer can open a FIFO without blocking only while a reader has it open, so
    trying that in a loop catches any reader, and unblocks it (end of file).
    """
    fifos: list[Path] = []
    opened: list[str] = []
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.01):
            for fifo in list(fifos):
                try:
                    fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                except OSError as error:
                    if error.errno not in (errno.ENXIO, errno.ENOENT):
                        raise
                    continue
                opened.append(str(fifo))
                os.close(fd)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    yield fifos
    done.set()
    watcher.join()
    assert opened == [], f"opened for reading: {opened}"


NOT_FILES = {
    "folder": "a folder, not a file; remove it or rename it",
    "broken link": "broken symbolic link (its target does not exist); "
    "replace it with the file itself",
    "link loop": "symbolic link loop; replace it with the file itself",
    "fifo": "a FIFO, not a regular file; replace it with a file",
}


def make_entry(path: Path, kind: str) -> None:
    """Put a ``kind`` of entry that is no regular file at ``path``."""
    if kind == "folder":
        path.mkdir()
    elif kind == "broken link":
        path.symlink_to("missing.yaml")
    elif kind == "link loop":
        path.symlink_to(path.name)
    else:
        os.mkfifo(path)


@pytest.mark.parametrize("kind", list(NOT_FILES))
@pytest.mark.parametrize(
    "folder", ["dossiers/people", "dossiers/groups", "dossiers/books", "seeds"]
)
def test_a_yaml_entry_that_is_no_file_is_an_error(
    runner: CliRunner,
    make_project: ProjectFactory,
    fifo_watch: list[Path],
    output: Path,
    folder: str,
    kind: str,
) -> None:
    root = make_project({})
    entry = root / folder / "odd.yaml"
    entry.parent.mkdir(exist_ok=True)
    make_entry(entry, kind)
    if kind == "fifo":
        fifo_watch.append(entry)
    assert_refused(runner, root, output, [f"{folder}/odd.yaml:1:1: {NOT_FILES[kind]}"])


@pytest.mark.parametrize("kind", list(NOT_FILES))
def test_an_archive_that_is_no_file_is_an_error(
    runner: CliRunner,
    make_project: ProjectFactory,
    fifo_watch: list[Path],
    output: Path,
    kind: str,
) -> None:
    root = make_project({ARCHIVE: ""})
    make_entry(root / ARCHIVE, kind)
    if kind == "fifo":
        fifo_watch.append(root / ARCHIVE)
    assert_refused(runner, root, output, [f"{ARCHIVE}:1:1: {NOT_FILES[kind]}"])


def test_an_unreadable_archive_is_an_error(
    runner: CliRunner, make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests run as root, which chmod cannot stop: the refusal is simulated."""
    root = make_project({})
    real_open = os.open

    def refusing_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path).endswith(ARCHIVE):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    result = invoke(runner, "check", "-p", root)
    assert (result.exit_code, result.stderr) == (
        1,
        f"{ARCHIVE}:1:1: cannot read file: Permission denied\n{CHECK_FAILED}",
    )


def test_an_unreadable_profile_folder_is_an_error(
    runner: CliRunner, make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every person would be dropped: that is an error, never exit status 0."""
    root = make_project({})
    people = root / "dossiers/people"
    real_scandir = os.scandir

    def refusing_scandir(path: Any = ".") -> Any:
        if Path(path) == people:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", refusing_scandir)
    result = invoke(runner, "check", "-p", root)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "dossiers/people:1:1: cannot read folder: Permission denied; none of its files were loaded"
    )


def test_a_profile_folder_that_is_a_fifo_is_an_error(
    runner: CliRunner, make_project: ProjectFactory, fifo_watch: list[Path]
) -> None:
    root = make_project({"dossiers/people/asim-malik.yaml": ""})
    (root / "dossiers/people").rmdir()
    os.mkfifo(root / "dossiers/people")
    fifo_watch.append(root / "dossiers/people")
    result = invoke(runner, "check", "-p", root)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "dossiers/people:1:1: not a folder; nothing was loaded from it"
    )


def test_the_build_fingerprint_never_reads_outside_the_repository(
    make_project: ProjectFactory, secret: Path
) -> None:
    """The no-op check hashes what a build reads: never a link's target outside, nor a
    template folder outside (which could be ``/``, to walk and hash whole)."""
    root = make_project(
        {"dossier.yaml": 'title: T\nmarking: M\nas_of: "2024"\ntemplates: ../outside\n'}
    )
    (root / "seeds/leak.txt").symlink_to(secret)
    assert theme_setting(root) is None
    folders = [root / "dossiers", root / "seeds", DEFAULT_TEMPLATES]
    before, hashes = fingerprint(folders, [root / "dossier.yaml"], [])
    secret.write_text("changed", encoding="utf-8")
    after, _ = fingerprint(folders, [root / "dossier.yaml"], [])
    assert before == after
    assert root / "seeds/leak.txt" not in hashes
    assert root / ARCHIVE in hashes
