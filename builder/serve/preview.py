"""The preview's state: the outcome of the last HTML build, PDFs on request, and events.

:class:`Preview` runs :func:`~builder.publish.build.build` into its own output folder,
one build at a time, and never raises: a build that fails becomes a :class:`Status`
holding the compiler-style messages (``path:line:col: field: message``) the page shows
instead of the site. Each status that a reader should see (new files, a new error, an
error fixed) gets the next *generation*; open pages wait for it (:meth:`Preview.wait`)
and reload.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from builder.errors import DossierError
from builder.publish.build import DEFAULT_BOOK, BuildOptions, BuildReport, SelectionError, build
from builder.source.models import SLUG_PATTERN

__all__ = ["PdfResult", "Preview", "Status"]

_SLUG = re.compile(SLUG_PATTERN)


@dataclass(frozen=True)
class Status:
    """The outcome of the last HTML build.

    ``messages``: on failure, check's diagnostics then the error itself; on success,
    check's warnings. ``summary`` is one line for the terminal.
    """

    generation: int
    ok: bool
    messages: tuple[str, ...]
    summary: str


@dataclass(frozen=True)
class PdfResult:
    """One PDF built on request: its bytes, or why there are none."""

    target: str
    data: bytes | None  # None: not built (unknown target, or the build failed)
    reused: bool  # True: the whole PDF came from the build cache
    messages: tuple[str, ...]
    seconds: float

    @property
    def missing(self) -> bool:
        """True when no entity or book has that id."""
        return self.data is None and not self.messages


@dataclass(frozen=True)
class _Outcome:
    report: BuildReport | None
    messages: tuple[str, ...]
    unknown: bool = False  # the selection named no entity or book


class Preview:
    """Builds one repository into ``folder`` on demand; pages wait on its generations."""

    def __init__(
        self,
        root: Path,
        folder: Path,
        *,
        on_status: Callable[[Status], None] = lambda status: None,
        on_notice: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.root = root
        self.folder = folder
        self.on_status = on_status
        self.on_notice = on_notice
        self._builds = threading.Lock()  # one build at a time: they share the folder
        self._changed = threading.Condition()
        self._status = Status(0, True, (), "not built yet")
        self._closed = False

    @property
    def html(self) -> Path:
        """The folder the site is served from."""
        return self.folder / "html"

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def status(self) -> Status:
        """The last HTML build's outcome."""
        with self._changed:
            return self._status

    def rebuild(self) -> Status:
        """Build the HTML site; publish a new generation if readers should see it."""
        with self._builds:
            started = time.perf_counter()
            outcome = self._run(BuildOptions(output=self.folder, html=True, pdf=False))
            seconds = time.perf_counter() - started
        report = outcome.report
        with self._changed:
            previous = self._status
            if report is None:
                changed = True
                summary = f"Build failed in {seconds:.1f} s: the pages show why"
            else:
                published = report.published
                changed = bool(published.written or published.removed)
                summary = (
                    f"Rebuilt in {seconds:.1f} s: {len(published.written)} files written, "
                    f"{len(published.removed)} removed"
                    if changed
                    else f"Rebuilt in {seconds:.1f} s: nothing changed"
                )
            ok = report is not None
            fresh = changed or ok != previous.ok or outcome.messages != previous.messages
            generation = previous.generation + 1 if fresh else previous.generation
            self._status = Status(generation, ok, outcome.messages, summary)
            self._changed.notify_all()
            status = self._status
        self.on_status(status)
        return status

    def pdf(self, target: str) -> PdfResult:
        """Build the PDF of one entity or book through the build cache, and read it."""
        if not _SLUG.fullmatch(target):
            return PdfResult(target, None, False, (), 0.0)
        as_book = BuildOptions(output=self.folder, html=False, pdf=True, books=frozenset([target]))
        as_entity = BuildOptions(
            output=self.folder, html=False, pdf=True, entities=frozenset([target])
        )
        book_page = self.html / "books" / f"{target}.html"
        guesses = [as_book, as_entity] if book_page.is_file() or target == DEFAULT_BOOK else []
        started = time.perf_counter()
        with self._builds:
            for options in guesses or [as_entity, as_book]:
                outcome = self._run(options)
                if outcome.unknown:
                    continue
                seconds = time.perf_counter() - started
                if outcome.report is None:
                    return PdfResult(target, None, False, outcome.messages, seconds)
                path = f"pdf/{target}.pdf"
                data = (self.folder / path).read_bytes()
                reused = path in outcome.report.pdf.reused
                return PdfResult(target, data, reused, outcome.messages, seconds)
        return PdfResult(target, None, False, (), time.perf_counter() - started)

    def wait(self, since: int, timeout: float) -> Status | None:
        """The status once its generation passes ``since``; None on timeout or close."""
        with self._changed:
            self._changed.wait_for(lambda: self._closed or self._status.generation > since, timeout)
            return self._status if self._status.generation > since else None

    def close(self) -> None:
        """Wake every waiting page so that its connection can end."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def _run(self, options: BuildOptions) -> _Outcome:
        """One build; every failure becomes messages, never an exception."""
        checked: list[str] = []

        def keep(lines: Sequence[str]) -> None:
            checked[:] = lines

        try:
            report = build(self.root, options, on_checked=keep, on_notice=self.on_notice)
        except SelectionError:
            return _Outcome(None, (), unknown=True)
        except DossierError as error:
            return _Outcome(None, (*checked, f"Error: {error.format_message()}"))
        except Exception as error:  # a bug must not stop the preview: show it instead
            message = f"Error: internal error: {type(error).__name__}: {error}"
            return _Outcome(None, (*checked, message))
        return _Outcome(report, tuple(checked))
