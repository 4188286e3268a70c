"""The preview's HTTP server: GET only, and only files of its own output folder.

Routes:

- ``/__dossier__/events``: server-sent events, ``reload`` after a build that changed
  the site and ``error`` (with the messages) after one that failed;
- ``/__dossier__/pdf/<id>.pdf``: the PDF of an entity or a book, built on request
  through the build cache;
- anything else: a file of the HTML site. HTML pages get the live-reload script,
  and while the last build failed every HTML page is the error page instead.

A path is decoded once, refused if it has a ``..`` segment, then resolved (symlinks
followed) and served only if it is still inside the site folder. On loopback the
``Host`` header must name this machine, so that a web page on another site cannot
read the preview through a DNS name it points at 127.0.0.1 (DNS rebinding).
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import mimetypes
import socket
import socketserver
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from builder.errors import DossierError
from builder.serve import page
from builder.serve.preview import Preview

__all__ = ["PreviewServer", "ServeError", "bind", "inside", "is_loopback"]

KEEP_ALIVE = 10.0  # seconds between comments on an idle event stream


class ServeError(DossierError):
    """The server cannot listen where it was asked to."""


class PreviewServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one :class:`Preview`."""

    daemon_threads = True  # an open event stream must not keep the process alive

    def __init__(
        self,
        address: tuple[Any, ...],
        family: socket.AddressFamily,
        preview: Preview,
        instance: str,
        hosts: frozenset[str] | None,
    ) -> None:
        self.address_family = family
        self.preview = preview
        self.instance = instance  # tells this run's event ids from an earlier run's
        self.hosts = hosts  # Host header names accepted; None: any (not on loopback)
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without the reverse DNS lookup ``HTTPServer`` does (slow off-line)."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.socket.getsockname()[:2]
        self.server_name, self.server_port = str(host), int(port)

    @property
    def url(self) -> str:
        """The address to open in a browser."""
        host = self.server_name
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.server_port}/"

    def since(self, generation: int) -> str:
        """The event id of a generation: ``<instance>-<generation>``."""
        return f"{self.instance}-{generation}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a reader closing a tab mid-response is not an error."""


def bind(preview: Preview, host: str, port: int, instance: str) -> PreviewServer:
    """Listen on ``host:port`` (port 0: any free port).

    Raises:
        ServeError: when the port is taken, the address is not this machine's, or the
            host name does not resolve.

    """
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise ServeError(f"--host {host}: cannot resolve it ({error.strerror})") from None
    family, _, _, _, address = found[0]
    hosts = None
    if is_loopback(str(address[0])):
        hosts = frozenset({"localhost", "127.0.0.1", "::1", host.lower().strip("[]")})
    try:
        return PreviewServer(address, family, preview, instance, hosts)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise ServeError(
                f"port {port} is in use on {host}; stop what uses it or choose another "
                "with --port (--port 0 picks a free one)"
            ) from None
        raise ServeError(f"cannot listen on {host}:{port}: {error.strerror}") from None


def is_loopback(address: str) -> bool:
    """True for 127.0.0.0/8 and ::1 (only this machine can connect)."""
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


def inside(base: Path, relative: str) -> Path | None:
    """``base/relative`` if it exists and resolves inside ``base``, else None."""
    parts = relative.split("/")
    if "\0" in relative or ".." in parts:
        return None
    root = base.resolve()
    try:
        target = root.joinpath(*parts).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return None
    return target if target.is_relative_to(root) and target.exists() else None


class _Handler(BaseHTTPRequestHandler):
    """One request; unknown methods get 501 from the base class."""

    server: PreviewServer
    server_version = "dossier-serve"
    timeout = 60  # a client that sends nothing for a minute is dropped

    def do_GET(self) -> None:
        """Route a GET request; a reader that goes away ends it quietly."""
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, TimeoutError):
            self._route()

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing: the terminal reports builds, not requests."""

    def _route(self) -> None:
        if self.server.hosts is not None:
            name = urlsplit("//" + self.headers.get("Host", "")).hostname
            if name not in self.server.hosts:
                self._send(403, page.message_page(403, "this preview answers only to localhost"))
                return
        split = urlsplit(self.path)
        if split.path == page.EVENTS:
            self._events(parse_qs(split.query).get("since", [""])[0])
        elif split.path.startswith(page.PDF):
            self._pdf(unquote(split.path.removeprefix(page.PDF)))
        elif split.path.startswith("/__dossier__/"):
            self._not_found()
        else:
            self._file(split.path)

    def _file(self, path: str) -> None:
        preview = self.server.preview
        status = preview.status()  # before the file: a newer build then means a reload
        since = self.server.since(status.generation)
        site = preview.html
        relative = unquote(path).lstrip("/")
        target = inside(site, relative)
        if target is not None and target.is_dir():
            if not path.endswith("/"):  # so that the page's relative links work
                folder = target.relative_to(site.resolve()).as_posix()
                self.send_response(301)
                self.send_header("Location", f"/{folder}/")  # never "//host/"
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            target = inside(site, relative + "index.html")
        elif path.endswith("/"):
            target = None  # a file asked for as a folder
        if target is None or not target.is_file():
            self._not_found()
            return
        try:
            data = target.read_bytes()
        except OSError:
            self._not_found()
            return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix != ".html":
            self._send(200, data, kind)
        elif not status.ok:
            self._send(500, page.error_page(status.messages, since))
        else:
            name = target.relative_to(site.resolve()).as_posix()
            self._send(200, page.inject(data, since, page.pdf_targets(name, site)))

    def _pdf(self, name: str) -> None:
        target = name.removesuffix(".pdf")
        result = self.server.preview.pdf(target) if name.endswith(".pdf") else None
        if result is None or result.missing:
            self._not_found(f"no entity or book '{target}' in this repository")
        elif result.data is None:
            since = self.server.since(self.server.preview.status().generation)
            self._send(500, page.error_page(result.messages, since, "PDF build failed"))
        else:
            self._send(
                200,
                result.data,
                "application/pdf",
                {
                    "Content-Disposition": f'inline; filename="{result.target}.pdf"',
                    "X-Dossier-Pdf": "reused" if result.reused else "rendered",
                },
            )

    def _events(self, since: str) -> None:
        """Stream events until the reader leaves or the preview closes."""
        since = self.headers.get("Last-Event-ID") or since
        instance, _, number = since.partition("-")
        seen = int(number) if instance == self.server.instance and number.isdigit() else -1
        self.send_response(200)
        self._headers("text/event-stream")
        self.end_headers()
        self.wfile.write(b"retry: 1000\n\n")
        preview = self.server.preview
        while not preview.closed:
            status = preview.wait(seen, KEEP_ALIVE)
            if status is None:
                self.wfile.write(b": keep-alive\n\n")
                continue
            seen = status.generation
            since = self.server.since(seen)
            if status.ok:
                self.wfile.write(page.event("reload", since, {"generation": seen}))
            else:
                self.wfile.write(page.event("error", since, {"messages": status.messages}))

    def _not_found(self, message: str = "nothing here") -> None:
        self._send(404, page.message_page(404, message))

    def _send(
        self,
        code: int,
        body: bytes,
        kind: str = "text/html",
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(code)
        self._headers(kind)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _headers(self, kind: str) -> None:
        text = kind.startswith("text/") or kind in ("application/javascript", "application/json")
        self.send_header("Content-Type", f"{kind}; charset=utf-8" if text else kind)
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
