"""``dossier serve``: the live preview, on loopback unless told otherwise."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click

from builder.cli import common_options, main


@main.command()
@common_options
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Any other than loopback lets the network read the preview.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--open/--no-open",
    "open_browser",
    default=False,
    show_default=True,
    help="Open the site in a web browser.",
)
def serve(project: Path, host: str, port: int, open_browser: bool) -> None:
    """Serve the HTML site and rebuild it on every save.

    Open pages reload by themselves after a save; a save with an error shows
    its messages in the page until it is fixed. Each page has a "PDF (rebuild)"
    link that builds its PDF on request, from the build cache when nothing
    changed. Builds go to a temporary folder, never to output/. Ctrl-C stops.

    \b
    Example:
      dossier serve
      dossier serve --port 8001 --open
      dossier serve --host 0.0.0.0      # readable from the network: see the warning
    """
    from builder.serve import Session, Status
    from builder.serve.server import is_loopback

    root = project.resolve()

    def show(status: Status) -> None:
        for line in status.messages if not status.ok else ():
            click.echo(line, err=True)
        click.echo(status.summary, err=True)

    def notice(message: str) -> None:
        click.echo(f"notice: {message}", err=True)

    session = Session(root, host=host, port=port, on_status=show, on_notice=notice)
    if not is_loopback(str(session.server.server_address[0])):
        click.echo(
            f"warning: listening on {host}, reachable from the network: anyone who can "
            "connect to this machine can read these dossiers and start builds",
            err=True,
        )
    stop = threading.Event()

    def terminate(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        session.start()
        click.echo(f"Serving {root} at {session.url} (Ctrl-C stops)")
        if open_browser:
            import webbrowser

            webbrowser.open(session.url)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        session.close()
    click.echo("Stopped.")
