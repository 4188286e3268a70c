"""``dossier build``: check, render and publish, with a progress display."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import click

from builder.cli import (
    common_options,
    complete_book,
    complete_entity,
    log,
    main,
    output_option,
    verbosity,
)
from builder.errors import styled


@main.command()
@common_options
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@output_option("PROJECT/output")
@click.option(
    "--only",
    "only",
    type=click.Choice(["html", "pdf"]),
    default=None,
    help="Build only the HTML site or only the PDFs.",
)
@click.option(
    "--entity",
    "entities",
    multiple=True,
    metavar="ID",
    shell_complete=complete_entity,
    help="Build only this entity's page and PDF (repeatable).",
)
@click.option(
    "--book",
    "books",
    multiple=True,
    metavar="ID",
    shell_complete=complete_book,
    help="Build only this book's page and PDF (repeatable).",
)
@click.option(
    "--page-size",
    type=click.Choice(["A4", "letter"]),
    default="A4",
    show_default=True,
    help="PDF page size.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes laying out PDFs (default: one per core).",
)
@click.option(
    "--keep-going",
    is_flag=True,
    help="Lay out every document it can and report every failure (publishes nothing then).",
)
@click.option("--no-cache", is_flag=True, help="Lay out every PDF again, ignoring the cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Build cache folder (default: $DOSSIER_CACHE_DIR, else ~/.cache/dossier).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    envvar="DOSSIER_SCHEDULER",
    default=None,
    help="Lay out PDFs on a Dask cluster (tcp://host:8786; needs dossier[cluster]).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0),
    default=300.0,
    show_default=True,
    help="Seconds one document may take to lay out before it fails (0: no limit).",
)
@click.option(
    "--changes-since",
    metavar="REV",
    default=None,
    help="Add a page of what changed since that revision to the site (changes.html) and a "
    "'Changes since the previous edition' section to every book without its own.",
)
@click.option(
    "--at",
    "revision",
    metavar="REV",
    default=None,
    help="Build the repository as it was at a git revision (tag, branch, commit, HEAD~3) "
    "into editions/<commit>/, leaving the work tree and output/ alone.",
)
def build(
    project: Path,
    strict: bool,
    output: Path | None,
    only: str | None,
    entities: tuple[str, ...],
    books: tuple[str, ...],
    page_size: str,
    jobs: int | None,
    keep_going: bool,
    no_cache: bool,
    cache_dir: Path | None,
    scheduler: str | None,
    time_limit: float,
    changes_since: str | None,
    revision: str | None,
) -> None:
    """Check, then publish the HTML site and PDF dossiers and books.

    Writes output/html/ (open index.html; works offline) and output/pdf/
    (one PDF per entity and per book). Refuses to publish a repository with
    errors. Only what changed is laid out again (the cache is keyed by
    content); the new edition replaces the old one whole, never a mix.

    \b
    Example:
      dossier build
      dossier build --only pdf --book pakistan-security --page-size letter
      dossier build --entity asim-malik --output /tmp/preview
      dossier build --jobs 8 --keep-going
      dossier build --scheduler tcp://render-farm:8786
      dossier build --at v1.0           # into editions/<commit>/
    """
    from builder.publish.build import BuildOptions, output_folder
    from builder.publish.build import build as run_build
    from builder.publish.edition import history
    from builder.publish.revision import RevisionError, checked_out, resolve

    root = project
    commit = None
    if revision is not None:
        try:
            commit = resolve(root, revision)
        except RevisionError as error:
            raise click.UsageError(str(error)) from None
        output = output_folder(root, output or root / "editions" / commit.short)
    options = BuildOptions(
        output=output.resolve() if output else None,
        html=only != "pdf",
        pdf=only != "html",
        entities=frozenset(entities) if entities else None,
        books=frozenset(books) if books else None,
        page_size="letter" if page_size == "letter" else "A4",
        strict=strict,
        jobs=jobs or 0,
        keep_going=keep_going,
        cache=not no_cache,
        cache_dir=cache_dir,
        scheduler=scheduler,
        time_limit=time_limit,
        changes_since=changes_since,
    )

    def show(lines: Sequence[str]) -> None:
        for line in lines:
            head, warning, tail = line.partition(" warning: ")
            if not warning:
                click.echo(line, err=True)
            elif verbosity() >= 0 or strict:
                click.echo(f"{head} {styled('warning:', fg='yellow', bold=True)} {tail}", err=True)

    def notice(message: str) -> None:  # a cache entry ignored, and the like
        if verbosity() >= 0:
            click.echo(f"notice: {message}", err=True)

    progress = Progress(verbosity())
    try:
        with _terminated_as_interrupt(), contextlib.ExitStack() as stack:
            tree, git = root, None
            if commit is not None:  # the files of that commit, its history for the stamps
                tree = stack.enter_context(checked_out(root, commit))
                git = history(root, at=commit.full)
            report = run_build(
                tree,
                options,
                on_checked=show,
                progress=progress.update,
                on_notice=notice,
                git=git,
            )
    finally:
        progress.close()
    for warning in report.warnings:
        log.warning("%s", warning)
    published, pdf = report.published, report.pdf
    for path in published.written:
        log.info("wrote %s", path)
    for path in published.removed:
        log.info("removed %s", path)
    if verbosity() < 0:
        return
    files = (*published.written, *published.unchanged)
    pdfs = sum(1 for path in files if path.startswith("pdf/"))
    changed = (
        f"{len(published.written)} files written, {len(published.unchanged)} unchanged, "
        f"{len(published.removed)} removed"
        if published.written or published.removed
        else "nothing changed"
        + (" (inputs unchanged since the last build)" if report.skipped else "")
    )
    click.echo(
        f"Built {len(files) - pdfs} HTML files and {pdfs} PDFs into {report.output} "
        f"in {report.seconds:.1f} s: {len(pdf.assembled)} PDFs rendered "
        f"({len(pdf.laid_out)} parts laid out), {len(pdf.reused)} reused from the cache; "
        f"{changed}; {sum(' warning: ' in d for d in report.diagnostics) + len(report.warnings)} "
        "warnings"
    )


class _Terminated(BaseException):
    """SIGTERM, raised like Ctrl-C so that every cleanup runs (workers stopped)."""


@contextlib.contextmanager
def _terminated_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into an exception, then die of it once cleanup is done.

    Without this a terminated build leaves its worker processes behind. The signal
    can arrive at any bytecode, the handler's own set-up and tear-down included:
    wherever it lands, the process ends by SIGTERM, never with a traceback.
    """

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise _Terminated

    def die() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        os._exit(128 + signal.SIGTERM)  # not reached: the default action ends the process

    previous = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, terminate)
        yield
    except _Terminated:
        die()
    finally:
        try:
            signal.signal(signal.SIGTERM, previous)
        except _Terminated:
            die()


class Progress:
    """A bar with the current output and an estimate on a terminal; lines elsewhere.

    Piped output (CI, ``make build | tee``) gets one line per finished PDF part, so a
    long build is never silent. ``verbosity`` is :func:`builder.cli.verbosity`'s:
    nothing with --quiet; with -v a line for every page and part, never a bar.
    """

    def __init__(self, verbosity: int = 0) -> None:
        self.bar: Any = None
        self.verbosity = verbosity
        self.tty = sys.stderr.isatty() and verbosity == 0

    def update(self, what: str, done: int, total: int) -> None:
        """``what`` was just finished: ``done`` of ``total`` (0 of 0: an HTML page)."""
        if self.verbosity < 0 or (total == 0 and self.verbosity == 0):
            return
        if total == 0:
            click.echo(f"[html] {what}", err=True)
            return
        if not self.tty:
            click.echo(f"[{done}/{total}] {what}", err=True)
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=total,
                label="Laying out PDFs",
                file=sys.stderr,
                show_pos=True,
                item_show_func=lambda item: item,
            )
            self.bar.__enter__()
        self.bar.current_item = what
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        """Finish the bar, if one was drawn."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
