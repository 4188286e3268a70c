"""WeasyPrint behind one function: one part's HTML in, its PDF bytes and layout facts out.

A PDF dossier or book is assembled from *parts* (cover, contents, chapters, appendix),
each laid out exactly once by :func:`render_part`. A :class:`PartSpec` carries
everything the layout needs as plain values (the HTML, the bytes of every asset the
theme may load, the timestamp to stamp), so a part renders the same in this process,
in a worker process or on a cluster machine, and its content hash is its cache key.

WeasyPrint is imported lazily so that ``dossier check`` stays fast. Every resource it
asks for goes through an in-memory fetcher: only the theme's own files may be read,
nothing from the network or the disk, and a refused fetch fails the part instead of
being logged and skipped.

Every part is tagged PDF/A-3a (WeasyPrint's ``pdf_variant``) with an sRGB output
intent; :func:`builder.render.tagged.finish_part` completes its structure tree
(footnotes as notes, ids unique across parts) before the bytes are written, and
:mod:`builder.render.assemble` merges the parts' trees.

Log policy (after WeasyPrint's own): WeasyPrint's ERROR records mean the PDF cannot
be produced correctly and fail the part; its WARNING records become build warnings an
editor should look at; INFO and below are dropped.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any
from urllib.parse import unquote, urlparse

from builder.errors import DossierError

__all__ = [
    "ASSET_BASE",
    "CROSS_PREFIX",
    "PDF_VARIANT",
    "Bookmark",
    "PartResult",
    "PartSpec",
    "PdfError",
    "font_subsetter",
    "render_part",
    "warm_up",
]

# Parts are laid out against a virtual folder: the fetcher serves it from the
# spec's asset bytes, so a worker needs no access to the repository's files.
ASSET_BASE = "file:///dossier-theme/"
# A link to an anchor in another part of the same PDF leaves the layout as this
# URI; assembly turns it back into an internal link (see builder.render.assemble).
CROSS_PREFIX = "dossier-part:"
# Every part is written as tagged PDF/A-3a. The variant and the version of what
# builder.render.tagged.finish_part does to the tree are in every part's cache key,
# so that no part laid out before either changed is reused.
PDF_VARIANT = "pdf/a-3a"
_FORMAT = f"{PDF_VARIANT}; tagged-1"
_INTENT = "dossier-srgb"  # the output intent's key among WeasyPrint's colour profiles
_ENVIRONMENT_NOTICE = "Using fontTools instead of HarfBuzz-Subset"
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class PdfError(DossierError):
    """A PDF could not be produced correctly."""


class PartTimeout(PdfError):
    """A part took longer than the per-document time limit."""


# (level, label, page index within the part, x, y in PDF points, closed)
Bookmark = tuple[int, str, int, float, float, bool]


@dataclass(frozen=True)
class PartSpec:
    """One document to lay out: plain values only, so it pickles and hashes."""

    name: str
    html: str
    assets: tuple[tuple[str, bytes], ...]
    epoch: int
    time_limit: float = 300.0

    def key(self, salt: str) -> str:
        """Content hash of the HTML, the date, the PDF variant and ``salt`` (tool versions).

        Theme files are not in the key: a part depends only on those its layout
        fetched, which :attr:`PartResult.fetched` records and the cache checks.
        """
        digest = hashlib.sha256()
        for piece in (salt, _FORMAT, self.html, str(self.epoch)):
            digest.update(piece.encode("utf-8"))
            digest.update(b"\0")
        return digest.hexdigest()

    def asset_hashes(self) -> dict[str, str]:
        """sha256 of every theme file, by path."""
        return {path: hashlib.sha256(data).hexdigest() for path, data in self.assets}


@dataclass(frozen=True)
class PartResult:
    """One laid-out part: PDF bytes plus what assembly and the contents need."""

    pdf: bytes
    pages: int
    anchors: Mapping[str, int]  # anchor -> page index within the part (first page it is on)
    bookmarks: tuple[Bookmark, ...]
    warnings: tuple[str, ...]  # WeasyPrint's messages, without the part's name
    fetched: tuple[tuple[str, str], ...] = ()  # (theme path, sha256) the layout loaded


def _fetcher(spec: PartSpec) -> Any:
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    files = dict(spec.assets)

    class ThemeFetcher(URLFetcher):  # type: ignore[misc]
        """Serve the theme's files from memory; refuse everything else, fatally."""

        def __init__(self) -> None:
            super().__init__(fail_on_errors=True)
            self.refused: list[str] = []
            self.fetched: set[tuple[str, str]] = set()

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(ASSET_BASE):
                relative = unquote(urlparse(url).path).removeprefix("/dossier-theme/")
                if relative in files:
                    body = files[relative]
                    self.fetched.add((relative, hashlib.sha256(body).hexdigest()))
                    return URLFetcherResponse(url, body=body)
            self.refused.append(url)
            raise FatalURLFetchingError(f"refused to fetch {url!r}")

    return ThemeFetcher()


@contextmanager
def _captured_logs() -> Iterator[list[logging.LogRecord]]:
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect(level=logging.WARNING)
    loggers = [logging.getLogger("weasyprint"), logging.getLogger("weasyprint.progress")]
    saved = [(lg, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.propagate = False
    try:
        yield records
    finally:
        for lg, propagate in saved:
            lg.removeHandler(handler)
            lg.propagate = propagate


@contextmanager
def _source_date_epoch(epoch: int) -> Iterator[None]:
    """Pin the time fontTools stamps into font subsets, unless the caller set one."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    if saved is None:
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]


class _Expired(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` swallows it."""


@contextmanager
def _time_limit(name: str, seconds: float) -> Iterator[None]:
    """Interrupt a layout that runs past ``seconds`` (worker processes' main thread only).

    The alarm repeats every half second: one that goes off inside a finalizer, where
    Python ignores exceptions, is followed by another. Dask runs tasks in threads,
    where signals cannot be used; there the cluster's own timeouts apply.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)
    try:
        yield
    except _Expired:
        raise PartTimeout(f"{name}: took longer than {seconds:g} s to lay out; stopped") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def font_subsetter() -> str:
    """Which library WeasyPrint subsets fonts with here: 'harfbuzz' or 'fonttools'.

    The two give different (equally valid) bytes, so it is part of the cache salt
    and of the manifest; fontTools stamps a time into subsets, pinned by
    ``SOURCE_DATE_EPOCH`` (see :func:`render_part`), so either way a build reproduces.
    """
    if "weasyprint.text.ffi" in sys.modules:  # loaded already: ask it as WeasyPrint does
        from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

        usable = harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0)
    else:  # without importing WeasyPrint (half a second), as a no-op build must not
        import ctypes.util

        usable = ctypes.util.find_library("harfbuzz-subset") is not None
    return "harfbuzz" if usable else "fonttools"


def warm_up() -> None:
    """Prepare a worker process: die with the build, import WeasyPrint once."""
    if sys.platform == "linux":
        # A worker whose build was killed (even by SIGKILL) must not live on,
        # holding the build's output streams open: ask for SIGKILL when the parent dies.
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)
    import weasyprint  # noqa: F401


def render_part(spec: PartSpec) -> PartResult:
    """Lay out one part once; return its PDF bytes, page count, anchors and bookmarks.

    Links to anchors that are not in this part (a footnote's source in the appendix,
    another chapter's entity) become ``dossier-part:ANCHOR`` URIs for assembly to
    resolve, instead of WeasyPrint's "no anchor" error.

    Raises:
        PdfError: on a refused fetch, a WeasyPrint error or the time limit.

    """
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    from builder.render.tagged import finish_part

    fetcher = _fetcher(spec)
    with (
        _captured_logs() as records,
        _source_date_epoch(spec.epoch),
        _time_limit(spec.name, spec.time_limit),
    ):
        try:
            document = HTML(string=spec.html, base_url=ASSET_BASE, url_fetcher=fetcher).render()
            anchors: dict[str, int] = {}
            for number, page in enumerate(document.pages):
                for anchor in page.anchors:  # an element split over pages: its first
                    anchors.setdefault(anchor, number)
            for page in document.pages:
                page.links[:] = [_outward(link, anchors) for link in page.links]
            bookmarks = tuple(_flatten(document.make_bookmark_tree(0.75, transform_pages=True)))
            identifier = hashlib.sha256(spec.html.encode("utf-8")).hexdigest()[:32]
            document.color_profiles[_INTENT] = _srgb()
            document.output_intent = _INTENT
            data: bytes = document.write_pdf(
                pdf_identifier=identifier.encode("ascii"),
                pdf_variant=PDF_VARIANT,
                output_intent=_INTENT,
                finisher=functools.partial(finish_part, prefix=identifier[:12]),
            )
        except PdfError as error:  # from finish_part
            raise PdfError(f"{spec.name}: {error.message}") from None
        except FatalURLFetchingError:
            refused = ", ".join(fetcher.refused) or "a resource"
            raise PdfError(
                f"{spec.name}: refused to fetch {refused}: PDFs may only use files from the "
                "template folders, never the network"
            ) from None
    # This one speaks of the machine's HarfBuzz build, not of the document.
    records = [r for r in records if not r.getMessage().startswith(_ENVIRONMENT_NOTICE)]
    errors = [r.getMessage() for r in records if r.levelno >= logging.ERROR]
    if errors:
        raise PdfError(f"{spec.name}: WeasyPrint error: {errors[0]}")
    return PartResult(
        pdf=data,
        pages=len(document.pages),
        anchors=anchors,
        bookmarks=bookmarks,
        warnings=tuple(r.getMessage() for r in records),
        fetched=tuple(sorted(fetcher.fetched)),
    )


def _srgb() -> Any:
    """The sRGB output intent PDF/A asks for, from the profile WeasyPrint ships.

    WeasyPrint's own ``output_intent="srgb"`` leaves the profile's file open (a
    ResourceWarning per part); this reads the same bytes and closes the file.
    """
    from importlib.resources import files

    from weasyprint.css import ColorProfile

    with (files("weasyprint.pdf") / "sRGB2014.icc").open("rb") as icc:
        return ColorProfile(icc, "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"]))


def _outward(link: Any, anchors: Mapping[str, int]) -> Any:
    kind, target, rectangle, box = link
    if kind == "internal" and target not in anchors:
        return ("external", CROSS_PREFIX + target, rectangle, box)
    return link


def _flatten(tree: list[Any], level: int = 1) -> Iterator[Bookmark]:
    for label, (page, x, y), children, state in tree:
        yield (level, label, page, float(x), float(y), state == "closed")
        yield from _flatten(children, level + 1)
