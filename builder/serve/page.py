"""What the preview adds to the pages it serves, and the pages it makes itself.

Built files stay as they are on disk: the live-reload script and the "PDF (rebuild)"
links are added to each HTML response only. Everything taken from the repository
(messages quote what an editor wrote) is HTML-escaped, and the script shows
messages with ``textContent``, never as markup.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path

from builder.publish.build import DEFAULT_BOOK

__all__ = [
    "EVENTS",
    "PDF",
    "error_page",
    "event",
    "inject",
    "message_page",
    "pdf_targets",
    "script",
]

EVENTS = "/__dossier__/events"
PDF = "/__dossier__/pdf/"
_SITE_PAGES = frozenset({"index", "network", "changes"})  # top-level pages of no entity

# %(since)s is the event id the page was served at: "<instance>-<generation>".
_SCRIPT = """<script>/* dossier serve: live reload */
(function () {
  var events = new EventSource("%(events)s?since=%(since)s");
  events.addEventListener("reload", function () {
    events.close();
    window.location.reload();
  });
  events.addEventListener("error", function (event) {
    if (!event.data) { return; }  // the connection dropped: EventSource reconnects
    if (document.getElementById("dossier-serve-failed")) {
      window.location.reload();
      return;
    }
    var box = document.getElementById("dossier-serve-error") || document.createElement("div");
    box.id = "dossier-serve-error";
    box.setAttribute("style", "position:fixed;inset:0;overflow:auto;z-index:2147483647;" +
      "background:#fff;color:#000;padding:1.5rem;font:14px/1.4 sans-serif");
    box.textContent = "";
    var title = document.createElement("h1");
    title.textContent = "Build failed";
    var help = document.createElement("p");
    help.textContent = "Fix the file and save: the page comes back by itself.";
    var list = document.createElement("pre");
    list.setAttribute("style", "white-space:pre-wrap;color:#a00");
    list.textContent = JSON.parse(event.data).messages.join("\\n");
    box.append(title, help, list);
    document.body.append(box);
  });
})();
</script>"""

_BAR = (
    '<div id="dossier-serve" style="position:fixed;right:0.5rem;bottom:0.5rem;'
    "z-index:2147483646;background:#fff;border:1px solid #888;padding:0.2rem 0.5rem;"
    'font:12px sans-serif">preview: {links}</div>'
)


def script(since: str) -> str:
    """The live-reload script for a page served at event id ``since`` (ours: hex and digits)."""
    return _SCRIPT % {"events": EVENTS, "since": since}


def inject(page: bytes, since: str, targets: Sequence[str]) -> bytes:
    """``page`` with the PDF links and the live-reload script added before ``</body>``."""
    links = " · ".join(
        f'<a href="{PDF}{html.escape(t)}.pdf">PDF (rebuild){_label(t, targets)}</a>'
        for t in targets
    )
    added = ((_BAR.format(links=links) if links else "") + script(since)).encode("utf-8")
    end = page.lower().rfind(b"</body>")
    if end < 0:
        return page + added
    return page[:end] + added + page[end:]


def _label(target: str, targets: Sequence[str]) -> str:
    return f": {html.escape(target)}" if len(targets) > 1 else ""


def pdf_targets(page: str, site: Path) -> list[str]:
    """The entities and books whose PDF the page at ``page`` (under ``site``) shows.

    An entity's page is ``<id>.html``, a book's ``books/<id>.html``; the index
    offers every book (the default book when the repository has none).
    """
    parts = page.split("/")
    if len(parts) == 2 and parts[0] == "books" and parts[1].endswith(".html"):
        return [parts[1].removesuffix(".html")]
    if len(parts) != 1 or not page.endswith(".html"):
        return []
    name = page.removesuffix(".html")
    if name == "index":
        books = sorted(p.stem for p in (site / "books").glob("*.html"))
        return books or [DEFAULT_BOOK]
    return [] if name in _SITE_PAGES else [name]


def error_page(messages: Sequence[str], since: str, title: str = "Build failed") -> bytes:
    """A page listing the compiler-style messages, with the live-reload script."""
    listed = html.escape("\n".join(messages))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} · dossier serve</title></head>\n"
        '<body id="dossier-serve-failed" style="font:14px/1.4 sans-serif;margin:1.5rem">\n'
        f"<h1>{html.escape(title)}</h1>\n"
        "<p>The preview shows this page until the build succeeds. "
        "Fix the file and save: the page comes back by itself.</p>\n"
        f'<pre style="white-space:pre-wrap;color:#a00">{listed}</pre>\n'
        f"{script(since)}</body></html>\n"
    ).encode()


def message_page(status: int, message: str) -> bytes:
    """A plain page for a refused or unknown request."""
    text = html.escape(message)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{status} · dossier serve</title></head>\n"
        f"<body><h1>{status}</h1><p>{text}</p></body></html>\n"
    ).encode()


def event(name: str, since: str, data: object) -> bytes:
    """One server-sent event: ``id``, ``event`` and one line of JSON ``data``."""
    return f"id: {since}\nevent: {name}\ndata: {json.dumps(data)}\n\n".encode()
