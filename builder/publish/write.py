"""The one place that writes files: whole editions swapped in at once, never a mix.

An output folder holds the tool's ``html/`` and ``pdf/`` trees, anything the user put
there, and ``.dossier/`` (the tool's own: lock, record of the files it wrote, staging).
:func:`publish` builds the new edition beside the current one in
``.dossier/staging/`` (unchanged files hard-linked, changed ones written and synced,
the user's own files carried over untouched), records the swap in a journal, then
renames the staged trees into place. A build killed at any moment leaves the old
edition, or the new one; a kill between the renames leaves a journal that the next
build (or :func:`recover`) completes before anything else. Files the tool wrote
before and no longer makes are removed; files it did not write never are.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.errors import DossierError

__all__ = [
    "TREES",
    "Published",
    "edition_record",
    "intact",
    "locked",
    "publish",
    "recover",
    "write_files",
]

TREES = ("html", "pdf")
STATE = ".dossier"
MANIFEST = "manifest.json"


class OutputError(DossierError):
    """The output folder cannot be written (full, read-only, locked)."""


@dataclass(frozen=True)
class Published:
    """What a publish changed."""

    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


def sha256(data: bytes) -> str:
    """Hex digest."""
    return hashlib.sha256(data).hexdigest()


def write_files(folder: Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write ``name -> content`` under ``folder`` one file at a time, each atomically.

    For folders of loose files such as ``schemas/``; editions go through :func:`publish`.
    """
    written = []
    for name in sorted(files):
        content = files[name]
        target = folder / name
        _write_atomic(target, content.encode("utf-8") if isinstance(content, str) else content)
        written.append(target)
    return written


def _write_atomic(target: Path, data: bytes, *, sync: bool = True) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror}") from None
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide outputs from other users
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, target)
    except OSError as error:
        Path(temp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {target}: {error.strerror}") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the output folder's lock; a second build gets a clear error at once.

    A build that publishes nothing (refused, failed) removes the lock file, and the
    ``.dossier`` folder when empty, so it leaves no trace. The lock file is removed
    only while held, and a build that locked a file since removed locks afresh, so
    two builds can never both hold it.

    Raises:
        OutputError: when another build holds the lock, or the folder is not writable.

    """
    import fcntl

    state = folder / STATE
    lock = state / "lock"
    made = not folder.exists()
    while True:
        try:
            state.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise OutputError(f"cannot write {state}: {error.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise OutputError(
                f"another build is writing to {folder} (process {holder}); "
                "wait for it to finish, then build again"
            ) from None
        try:
            current = os.stat(lock).st_ino
        except FileNotFoundError:
            current = None
        if current == os.fstat(fd).st_ino:
            break
        os.close(fd)  # the file was removed by the build that held it: lock afresh
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        if not (state / "edition.json").exists():  # nothing published: leave no trace
            with contextlib.suppress(OSError):
                lock.unlink()
                state.rmdir()
                if made:
                    folder.rmdir()
        os.close(fd)  # closing releases the lock


def edition_record(folder: Path) -> dict[str, Any]:
    """The record of the current edition (``files``: path -> sha256, and build facts).

    Empty when there is none or it cannot be read: then every file in the folder is
    treated as the user's, and nothing is removed.
    """
    try:
        data = json.loads((folder / STATE / "edition.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        return {}
    return dict(data)


def intact(folder: Path, record: Mapping[str, Any]) -> bool:
    """True when every file of the recorded edition is on disk with its recorded bytes."""
    files = record.get("files", {})
    return bool(files) and all(_matches(folder / p, d) for p, d in files.items())


def recover(folder: Path) -> None:
    """Finish a swap that was interrupted, then drop staging leftovers."""
    state = folder / STATE
    journal = state / "swap.json"
    if journal.exists():
        record = journal.read_bytes()
        for tree in TREES:
            staged = state / "staging" / tree
            if not staged.exists():
                continue  # already moved into place
            live = folder / tree
            if live.exists() or live.is_symlink():
                (state / "previous").mkdir(exist_ok=True)
                os.replace(live, state / "previous" / tree)
            os.replace(staged, live)
        staged_manifest = state / "staging" / MANIFEST
        if staged_manifest.exists():  # last: it describes the trees now in place
            os.replace(staged_manifest, folder / MANIFEST)
        _write_atomic(state / "edition.json", record)
        journal.unlink()
    for leftover in ("staging", "previous"):
        shutil.rmtree(state / leftover, ignore_errors=True)


def publish(
    folder: Path,
    outputs: Mapping[str, bytes],
    scope: tuple[str, ...],
    facts: Mapping[str, Any],
    manifest: bytes | None = None,
) -> Published:
    """Make ``outputs`` (path -> bytes) the edition in ``folder``; call under :func:`locked`.

    ``scope`` holds the path prefixes this build owns (``"html/"``, ``"pdf/"``, or single
    files for a partial build): earlier outputs inside it that are not in ``outputs``
    are removed; those outside it are kept as they are. ``facts`` (JSON values) are
    recorded with the edition, for the next build. ``manifest`` (the bytes of
    ``manifest.json``) is renamed into place last, after the trees.

    Raises:
        OutputError: when a file cannot be written; the previous edition stays.

    """
    try:
        recover(folder)
    except OSError as error:
        raise OutputError(f"cannot recover {folder / STATE}: {error.strerror}") from None
    previous = edition_record(folder)
    old: dict[str, str] = previous.get("files", {})
    new = {path: sha256(data) for path, data in outputs.items()}
    for path, digest in old.items():
        if not any(path.startswith(prefix) or path == prefix for prefix in scope):
            new.setdefault(path, digest)  # outside this build's scope: kept
    on_disk = {path: digest for path, digest in old.items() if _matches(folder / path, digest)}
    record = json.dumps({**facts, "files": new}, indent=1, sort_keys=True).encode() + b"\n"
    if new == old and on_disk == old and _same(folder / MANIFEST, manifest):
        if previous != json.loads(record):  # same files, other facts: keep the record true
            _write_atomic(folder / STATE / "edition.json", record)
        return Published((), tuple(sorted(new)), ())
    staging = folder / STATE / "staging"
    written: list[str] = []
    try:
        for path in sorted(new):
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if on_disk.get(path) == new[path]:
                _link_or_copy(folder / path, target)
            else:
                _write_atomic(target, outputs[path], sync=False)
                written.append(path)
        _carry_user_files(folder, staging, old)
        # One flush for the whole staged edition before the journal makes it live:
        # a power cut then cannot swap in files the disk never received.
        os.sync()
        for tree in TREES:  # a tree whose files all went is replaced by an empty one
            if (folder / tree).is_dir():
                (staging / tree).mkdir(parents=True, exist_ok=True)
        if manifest is not None:
            _write_atomic(staging / MANIFEST, manifest)
        _write_atomic(folder / STATE / "swap.json", record)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"cannot write {folder}: {error.strerror}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        recover(folder)  # the swap itself: the same steps as after an interruption
    except OSError as error:
        raise OutputError(f"cannot swap the new edition into {folder}: {error.strerror}") from None
    removed = sorted(path for path in old if path not in new)
    unchanged = sorted(path for path in new if path not in written)
    return Published(tuple(written), tuple(unchanged), tuple(removed))


def _same(path: Path, data: bytes | None) -> bool:
    try:
        return data is None or path.read_bytes() == data
    except OSError:
        return False


def _matches(path: Path, digest: str) -> bool:
    try:
        return not path.is_symlink() and sha256(path.read_bytes()) == digest
    except OSError:
        return False


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a filesystem without hard links
        shutil.copy2(source, target)


def _carry_user_files(folder: Path, staging: Path, ours: Mapping[str, str]) -> None:
    """What the user put in html/ and pdf/ moves with the edition, modes and all.

    Files are hard-linked (the same inode: untouched), symlinks recreated, folders
    recreated with their permissions, empty ones included.
    """
    folders: list[tuple[Path, int]] = []
    mine = {parent.as_posix() for path in ours for parent in Path(path).parents}
    for tree in TREES:
        live = folder / tree
        if not live.is_dir() or live.is_symlink():
            continue
        for dirpath, dirnames, filenames in os.walk(live):
            base = Path(dirpath)
            target_dir = staging / base.relative_to(folder)
            if base.relative_to(folder).as_posix() not in mine:  # the user's folder
                target_dir.mkdir(parents=True, exist_ok=True)
                folders.append((target_dir, stat.S_IMODE(base.stat().st_mode)))
            for name in sorted(filenames) + [d for d in dirnames if (base / d).is_symlink()]:
                path = base / name
                relative = path.relative_to(folder).as_posix()
                target = staging / relative
                if relative in ours or target.exists() or target.is_symlink():
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                if path.is_symlink():
                    os.symlink(os.readlink(path), target)
                else:
                    _link_or_copy(path, target)
    for target_dir, mode in reversed(folders):  # deepest first, after their contents
        target_dir.chmod(mode)
