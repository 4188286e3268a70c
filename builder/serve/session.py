"""A running preview: its output folder, the first build, the server and the watcher.

:class:`Session` is what ``dossier serve`` runs and what the tests start in-process.
Every part runs in a thread of its own; :meth:`Session.close` stops them all and
removes the output folder, a temporary folder outside the repository, so that the
preview never touches ``output/`` or anything an editor wrote.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from builder.serve.preview import Preview, Status
from builder.serve.server import PreviewServer, bind
from builder.serve.watch import Rebuilder, Watcher

__all__ = ["Session"]


class Session:
    """Serve ``root``'s site on ``host:port``, rebuilt on every save until closed."""

    def __init__(
        self,
        root: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        on_status: Callable[[Status], None] = lambda status: None,
        on_notice: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.root = root.resolve()
        self.folder = Path(tempfile.mkdtemp(prefix="dossier-serve-"))
        self.preview = Preview(self.root, self.folder, on_status=on_status, on_notice=on_notice)
        self.on_notice = on_notice
        try:
            # An unguessable id per run tells its events from a previous run's.
            self.server: PreviewServer = bind(self.preview, host, port, secrets.token_hex(4))
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        self.rebuilder = Rebuilder(self.preview.rebuild, on_notice)
        self.watcher = Watcher(self.root, self.folder, self.rebuilder.request, on_notice)
        self._serving = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="dossier-serve",
            daemon=True,
        )

    @property
    def url(self) -> str:
        """The site's address."""
        return self.server.url

    def start(self) -> Status:
        """Build the site, then serve it and watch the repository; the first build's status.

        Returns once the watches are in place: a save after that is always seen.
        """
        status = self.preview.rebuild()
        self.rebuilder.start()
        if not self.watcher.start():
            self.on_notice("the watcher took long to start: a save made now may be missed")
        self._serving.start()
        return status

    def close(self) -> None:
        """Stop serving and watching, end open event streams, remove the output folder."""
        self.preview.close()
        self.watcher.stop()
        self.rebuilder.stop()
        if self._serving.is_alive():
            self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Session:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
