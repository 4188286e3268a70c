"""The live preview behind ``dossier serve``.

:class:`Session` runs it: a :class:`Preview` builds the HTML site into a temporary
folder (PDFs on request), the server (``server.py``) serves that folder on loopback
with a live-reload script in each page, and the watcher (``watch.py``) rebuilds on
every save. A build that fails shows its messages in the page; the server goes on.
"""

from __future__ import annotations

from builder.serve.preview import PdfResult, Preview, Status
from builder.serve.server import PreviewServer, ServeError, bind
from builder.serve.session import Session

__all__ = ["PdfResult", "Preview", "PreviewServer", "ServeError", "Session", "Status", "bind"]
