"""WeasyPrint behind one function: HTML string in, PDF bytes out.

WeasyPrint is imported lazily so that ``dossier check`` stays fast. Every
resource it asks for goes through :class:`RestrictedFetcher`: only files
inside the project's template folders may be read, nothing from the network,
and a refused fetch stops the build instead of being logged and skipped.

Log policy (after WeasyPrint's own): WeasyPrint's ERROR records mean the PDF
cannot be produced correctly and fail the job; its WARNING records become
build warnings an editor should look at; INFO and below are dropped.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from builder.errors import DossierError

__all__ = ["PdfError", "render_pdf"]


MAX_LAYOUTS = 4
_ENVIRONMENT_NOTICE = "Using fontTools instead of HarfBuzz-Subset"


class PdfError(DossierError):
    """A PDF could not be produced correctly."""


def _fetcher_class() -> Any:
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class RestrictedFetcher(URLFetcher):  # type: ignore[misc]
        """Serve files from the allowed folders; refuse everything else, fatally."""

        def __init__(self, allowed: Sequence[Path]) -> None:
            super().__init__(fail_on_errors=True)
            self.allowed = [folder.resolve() for folder in allowed]
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            parsed = urlparse(url)
            if parsed.scheme == "file":
                path = Path(unquote(parsed.path)).resolve()
                if any(path.is_relative_to(folder) for folder in self.allowed) and path.is_file():
                    return URLFetcherResponse(url, body=path.read_bytes())
            self.refused.append(url)
            raise FatalURLFetchingError(f"refused to fetch {url!r}")

    return RestrictedFetcher


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


def render_pdf(
    name: str,
    make_html: Callable[[dict[str, int]], str],
    allowed: Sequence[Path],
    epoch: int,
) -> tuple[bytes, list[str]]:
    """Render one document; return its bytes and the warnings WeasyPrint raised.

    ``make_html`` gets the page number of every anchor (empty at first) and
    returns the document; it is laid out again until the numbers it prints in
    its table of contents are the pages where the anchors landed. We do this
    instead of CSS ``target-counter()``, whose re-layout pass makes WeasyPrint
    70 drop footnotes (one per page, the rest lost).
    ``epoch`` (seconds) stands in for the clock wherever a timestamp is written.

    Raises:
        PdfError: on a refused fetch or a WeasyPrint error.

    """
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    fetcher = _fetcher_class()(allowed)
    base = allowed[0].resolve().as_uri() + "/"
    pages: dict[str, int] = {}
    unsettled: list[str] = []
    with _captured_logs() as records, _source_date_epoch(epoch):
        try:
            for _ in range(MAX_LAYOUTS):
                html = make_html(pages)
                document = HTML(string=html, base_url=base, url_fetcher=fetcher).render()
                found: dict[str, int] = {}
                for number, page in enumerate(document.pages, start=1):
                    for anchor in page.anchors:  # an element split over pages: its first
                        found.setdefault(anchor, number)
                if found == pages:
                    break
                pages = found
            else:
                unsettled.append(f"{name}: table of contents page numbers did not settle")
            identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
            data: bytes = document.write_pdf(pdf_identifier=identifier)
        except FatalURLFetchingError:
            refused = ", ".join(fetcher.refused) or "a resource"
            raise PdfError(
                f"{name}: refused to fetch {refused}: PDFs may only use files from the "
                "template folders, never the network"
            ) from None
    # This one speaks of the machine's HarfBuzz build, not of the document.
    records = [r for r in records if not r.getMessage().startswith(_ENVIRONMENT_NOTICE)]
    errors = [r.getMessage() for r in records if r.levelno >= logging.ERROR]
    if errors:
        raise PdfError(f"{name}: WeasyPrint error: {errors[0]}")
    return data, unsettled + [f"{name}: {r.getMessage()}" for r in records]
