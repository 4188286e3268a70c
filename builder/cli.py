"""The ``dossier`` command: a thin click layer over the library.

Results go to stdout, diagnostics to stderr. Exit status: 0 success, 1 data
or build error, 2 usage error. Tracebacks only with ``--debug``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click

from builder import __version__
from builder.errors import CheckFailed, DossierError

F = TypeVar("F", bound=Callable[..., Any])


def common_options(func: F) -> F:
    """--project and --debug, shared by every command."""

    @click.option(
        "--project",
        "-p",
        "project",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Dossier repository folder (the one holding dossier.yaml).",
    )
    @click.option("--debug", is_flag=True, help="Show tracebacks for unexpected failures.")
    @functools.wraps(func)
    def wrapper(*args: Any, debug: bool, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if debug:
                raise
            raise DossierError(
                f"internal error: {type(exc).__name__}: {exc} "
                "(run again with --debug for the traceback)"
            ) from exc

    return wrapper  # type: ignore[return-value]


def output_option(default: str) -> Callable[[F], F]:
    """--output DIR, shared by the commands that write files."""
    return click.option(
        "--output",
        "-o",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=f"Folder to write to [default: {default}].",
    )


@click.group()
@click.version_option(__version__, prog_name="dossier")
def main() -> None:
    """Dossier: check cited profiles and publish them as briefing dossiers."""


@main.command()
@common_options
@click.option("--strict", is_flag=True, help="Treat warnings as errors (use in CI).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
def check(project: Path, strict: bool, fmt: str) -> None:
    r"""Check every profile and source of a dossier repository.

    Verifies schemas, ids, links, dates, archive checksums and that every
    quote is in its source, then prints every problem found.

    \b
    Example:
      dossier check --project . --strict
      dossier check --format json > report.json
    """
    from builder.check.rules import check_project
    from builder.source.load import load_project

    result = check_project(load_project(project.resolve()))
    failed = bool(result.errors or (strict and result.warnings))
    if fmt == "json":
        report = {
            "errors": [d.as_json() for d in result.errors],
            "warnings": [d.as_json() for d in result.warnings],
            "stats": result.stats,
        }
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for diagnostic in (*result.errors, *result.warnings):
            click.echo(diagnostic.format(), err=True)
        s = result.stats
        click.echo(
            f"{s['entities']} entities ({s['people']} people, {s['groups']} groups), "
            f"{s['sources']} sources, {s['claims']} claims, {s['citations']} citations, "
            f"{s['quotes_verified']} quotes verified: "
            f"{len(result.errors)} errors, {len(result.warnings)} warnings"
        )
    if failed:
        raise CheckFailed(
            "check failed" + (" (--strict: warnings count)" if strict and not result.errors else "")
        )


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
    help="Build only this entity's page and PDF (repeatable).",
)
@click.option(
    "--book",
    "books",
    multiple=True,
    metavar="ID",
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
) -> None:
    r"""Check, then publish the HTML site and PDF dossiers and books.

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
    """
    from builder.publish.build import BuildOptions
    from builder.publish.build import build as run_build

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
    )

    def show(lines: Sequence[str]) -> None:
        for line in lines:
            click.echo(line, err=True)

    progress = Progress()
    try:
        with _terminated_as_interrupt():
            report = run_build(
                project.resolve(),
                options,
                on_checked=show,
                progress=progress.update,
                on_notice=lambda message: click.echo(f"notice: {message}", err=True),
            )
    finally:
        progress.close()
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    published, pdf = report.published, report.pdf
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
    long build is never silent.
    """

    def __init__(self) -> None:
        self.bar: Any = None
        self.tty = sys.stderr.isatty()

    def update(self, what: str, done: int, total: int) -> None:
        """``what`` was just finished: ``done`` of ``total`` (0 of 0: an HTML page)."""
        if total == 0:
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


@main.command()
@common_options
@output_option("PROJECT/schemas")
def schema(project: Path, output: Path | None) -> None:
    r"""Write JSON Schemas for profiles, sources and settings.

    Point yaml-language-server at them for completion and validation while
    editing, with a first line such as
    '# yaml-language-server: $schema=../../schemas/profile.schema.json'.

    \b
    Example:
      dossier schema --output schemas/
    """
    from builder.publish.write import write_files
    from builder.source.schema import schema_documents

    folder = output if output is not None else project / "schemas"
    for path in write_files(folder, schema_documents()):
        click.echo(str(path))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
