"""Watching the repository's inputs, and the loop that rebuilds the site when they change.

Two watchfiles watchers run in threads. One watches the input folders recursively:
``dossiers/``, ``seeds/``, ``reviews/``, the theme named in ``dossier.yaml`` and the
default templates. The other watches the repository folder itself, not recursively,
for ``dossier.yaml`` and for those folders appearing, disappearing or being replaced:
a watch on a single file ends when an editor saves by renaming a new file over it,
and a watch on a folder ends with the folder. After such a change the folder watcher
starts again on the folders as they are now (the theme may have changed too).

Editors' temporary files and the preview's own output folder are ignored. Nothing
here ever ends the loop: an exception is reported and the watch starts again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import watchfiles

from builder.publish.theme import theme_setting
from builder.render.templates import DEFAULT_TEMPLATES

__all__ = ["INPUT_FOLDERS", "Rebuilder", "Watcher", "changes_filter", "watched_folders"]

INPUT_FOLDERS = ("dossiers", "seeds", "reviews")
SETTINGS = "dossier.yaml"
# Batching (ms): a save is reported once no new change came for STEP, at most after
# DEBOUNCE; editors write a file in a few steps (temporary file, rename, chmod).
DEBOUNCE = 400
STEP = 50
# watchfiles reports a quiet interval of READY_AFTER ms, the sign that a watch is set up.
READY_AFTER = 200
# Files editors write beside the one being saved (vim's 4913 probe, kate, chromium's
# File System Access API, GNOME's gio, JetBrains), besides watchfiles' defaults.
_EDITOR_FILES = (
    r"^4913$",
    r"\.tmp$",
    r"\.kate-swp$",
    r"\.crswap$",
    r"^\.goutputstream-",
    r"___jb_(tmp|old)___$",
)


def watched_folders(root: Path) -> list[Path]:
    """The existing input folders a build reads, each once, in a stable order."""
    names = [*INPUT_FOLDERS, theme_setting(root)]
    folders = [root / name for name in names if name]
    folders.append(DEFAULT_TEMPLATES)
    return sorted({folder for folder in folders if folder.is_dir()})


def changes_filter(ignore: Path) -> watchfiles.DefaultFilter:
    """The default filter of watchfiles, plus more editors' files and the folder ``ignore``."""
    return watchfiles.DefaultFilter(
        ignore_entity_patterns=(*watchfiles.DefaultFilter.ignore_entity_patterns, *_EDITOR_FILES),
        ignore_paths=(str(ignore),),
    )


class _Either:
    """Set when any of the events is: a stop_event for watchfiles."""

    def __init__(self, *events: threading.Event) -> None:
        self.events = events

    def is_set(self) -> bool:
        return any(event.is_set() for event in self.events)


class Watcher:
    """Calls ``on_change`` with the changed paths after each save under ``root``."""

    def __init__(
        self,
        root: Path,
        ignore: Path,
        on_change: Callable[[set[str]], None],
        on_error: Callable[[str], None],
    ) -> None:
        self.root = root
        self.on_change = on_change
        self.on_error = on_error
        self._filter = changes_filter(ignore)
        self._stop = threading.Event()
        self._restart = threading.Event()  # the folders to watch may have changed
        self._threads: list[threading.Thread] = []
        self.ready = (threading.Event(), threading.Event())  # the root's watch, the folders'

    def start(self, timeout: float = 10.0) -> bool:
        """Start watching, in two daemon threads; True once both watches are in place.

        A save made before then may be missed, so a caller that edits files at once
        (a test) waits for it.
        """
        for name, loop in (("root", self._watch_root), ("folders", self._watch_folders)):
            thread = threading.Thread(
                target=self._guarded, args=(loop,), name=f"dossier-watch-{name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return all(ready.wait(timeout) for ready in self.ready)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop both watchers and wait for their threads."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def _guarded(self, loop: Callable[[], None]) -> None:
        while not self._stop.is_set():
            try:
                loop()
            except Exception as error:  # a watcher error must not end the preview
                self.on_error(f"watching {self.root} failed: {type(error).__name__}: {error}")
                self._stop.wait(1.0)

    def _top_names(self) -> set[str]:
        inside = [f for f in watched_folders(self.root) if f.is_relative_to(self.root)]
        theme = theme_setting(self.root)
        return {
            SETTINGS,
            *INPUT_FOLDERS,
            *(Path(theme).parts[:1] if theme else ()),
            *(f.relative_to(self.root).parts[0] for f in inside),
        }

    def _watch_root(self) -> None:
        names = self._top_names()

        def wanted(change: watchfiles.Change, path: str) -> bool:
            return Path(path).name in names and self._filter(change, path)

        watching = self._watch([self.root], wanted, False, self._stop, self.ready[0])
        for changes in watching:
            names = self._top_names()
            self._restart.set()
            self.on_change(changes)

    def _watch_folders(self) -> None:
        self._restart.clear()
        folders = watched_folders(self.root)
        if not folders:  # nothing to watch until the root watcher sees a folder made
            self.ready[1].set()
            self._restart.wait(0.5)
            return
        stop = _Either(self._stop, self._restart)
        for changes in self._watch(folders, self._filter, True, stop, self.ready[1]):
            self.on_change(changes)

    @staticmethod
    def _watch(
        paths: Iterable[Path],
        wanted: Callable[[watchfiles.Change, str], bool],
        recursive: bool,
        stop: _Either | threading.Event,
        ready: threading.Event,
    ) -> Iterator[set[str]]:
        """The changed paths of each batch; ``ready`` is set once the watch is in place."""
        for changes in watchfiles.watch(
            *paths,
            watch_filter=wanted,
            debounce=DEBOUNCE,
            step=STEP,
            stop_event=stop,
            rust_timeout=READY_AFTER,
            yield_on_timeout=True,  # an empty batch: watching, and nothing changed
            recursive=recursive,
            raise_interrupt=False,
        ):
            if changes:
                yield {path for _, path in changes}
            else:
                ready.set()


class Rebuilder:
    """Runs ``rebuild`` in a thread after each :meth:`request`, one build at a time.

    Requests made while a build runs are served by one more build after it, so the
    last save is always built.
    """

    def __init__(self, rebuild: Callable[[], object], on_error: Callable[[str], None]) -> None:
        self.rebuild = rebuild
        self.on_error = on_error
        self._pending = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="dossier-rebuild", daemon=True)

    def request(self, paths: object = None) -> None:
        """Ask for a build (``paths``: what changed, unused: the build finds out)."""
        self._pending.set()

    def start(self) -> None:
        """Start the build thread."""
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the build under way, if any."""
        self._stop.set()
        self._pending.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            self._pending.wait()
            if self._stop.is_set():
                return
            self._pending.clear()
            try:
                self.rebuild()
            except Exception as error:  # the preview reports its own; this is a bug
                self.on_error(f"rebuild failed: {type(error).__name__}: {error}")
