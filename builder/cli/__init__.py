"""The ``dossier`` command: a thin click layer over the library.

This module holds the group, the options every command shares (``--project``,
``--debug``, ``-q/--quiet``, ``-v/--verbose``), the shell completion of entity
and book ids, and ``check`` and ``schema``; ``build``, the edition commands
(``diff``, ``verify``), the exports and the authoring ones are in the modules
beside it and register themselves on :data:`main`.

A command finds its repository as git does: ``--project``, else the nearest
folder from the current one upwards that holds ``dossier.yaml``.

Results go to stdout, diagnostics to stderr. Exit status: 0 success, 1 data
or build error, 2 usage error (a missing repository included). Tracebacks only
with ``--debug``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar, overload

import click
from click.shell_completion import CompletionItem

from builder import __version__
from builder.errors import CheckFailed, Diagnostic, DossierError, styled

F = TypeVar("F", bound=Callable[..., Any])

# Mirrors builder.source.load (a test keeps them equal): completion and discovery
# read only folder listings, without importing the models.
SETTINGS_FILE = "dossier.yaml"
ENTITY_FOLDERS = {"dossiers/people": "person", "dossiers/groups": "group"}
BOOK_FOLDER = "dossiers/books"
DEFAULT_BOOK = "briefing-book"  # builder.publish.plan's book of every entity

_VERBOSITY = "dossier.verbosity"  # key of click's Context.meta
log = logging.getLogger("builder")


def find_repository(start: Path) -> Path | None:
    """The nearest folder from ``start`` upwards that holds ``dossier.yaml``, if any."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if os.path.lexists(folder / SETTINGS_FILE):
            return folder
    return None


def repository_root(project: Path | None) -> Path:
    """The repository a command works on: ``--project``, else found from the current folder.

    Raises:
        click.UsageError: when there is none (exit status 2), saying how to start one.

    """
    if project is not None:
        if not os.path.lexists(project / SETTINGS_FILE):
            raise click.UsageError(
                f"--project {project}: not a dossier repository (no {SETTINGS_FILE} in it); "
                "start one with `dossier init`, or pass the folder that holds dossier.yaml"
            )
        return project.resolve()
    found = find_repository(Path.cwd())
    if found is None:
        raise click.UsageError(
            "not in a dossier repository (no dossier.yaml here or in any parent folder); "
            "start one with `dossier init`, or pass --project"
        )
    return found.resolve()


@overload
def common_options(func: F) -> F: ...


@overload
def common_options(*, repository: bool = True) -> Callable[[F], F]: ...


def common_options(func: F | None = None, *, repository: bool = True) -> F | Callable[[F], F]:
    """--project, --debug, --quiet and --verbose, shared by every command.

    The command receives ``project``: the repository's root, found as
    :func:`repository_root` does. With ``repository=False`` (``init``, or a
    command that needs one only sometimes) it receives ``--project`` as given,
    or None, and calls :func:`repository_root` itself when it needs one.
    ``-q``/``-v`` set the level of the ``builder`` logger and :func:`verbosity`.
    """

    def decorate(func: F) -> F:
        @click.option(
            "--project",
            "-p",
            "project",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            default=None,
            help="Dossier repository folder [default: the nearest folder from here "
            "upwards holding dossier.yaml].",
        )
        @click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
        @click.option(
            "--verbose", "-v", count=True, help="Print progress too (-vv: debugging detail)."
        )
        @click.option("--debug", is_flag=True, help="Show tracebacks for unexpected failures.")
        @functools.wraps(func)
        def wrapper(
            *args: Any, project: Path | None, quiet: bool, verbose: int, debug: bool, **kwargs: Any
        ) -> Any:
            if quiet and verbose:
                raise click.UsageError("--quiet and --verbose exclude each other")
            level = -1 if quiet else verbose
            click.get_current_context().meta[_VERBOSITY] = level
            with _logging(level):
                if repository:
                    project = repository_root(project)
                    log.debug("repository: %s", project)
                try:
                    return func(*args, project=project, **kwargs)
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

    return decorate(func) if func is not None else decorate


def verbosity() -> int:
    """-1 with --quiet, 0 by default, 1 with -v, 2 with -vv (in a command only)."""
    level = click.get_current_context().meta.get(_VERBOSITY, 0)
    return int(level)


class _EchoHandler(logging.Handler):
    """Log records to stderr through click: ``warning:``/``error:`` coloured, INFO plain."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            message = f"{styled('error:', fg='red', bold=True)} {message}"
        elif record.levelno >= logging.WARNING:
            message = f"{styled('warning:', fg='yellow', bold=True)} {message}"
        elif record.levelno < logging.INFO:
            message = f"debug: {message}"
        click.echo(message, err=True)


@contextlib.contextmanager
def _logging(level: int) -> Iterator[None]:
    """Route the ``builder`` logger to stderr at the level -q/-v chose, for one command.

    The policy is WeasyPrint's: ERROR, the dossier cannot be produced correctly;
    WARNING, produced but an editor should look; INFO, progress (-v); DEBUG, -vv.
    """
    handler = _EchoHandler()
    saved = (log.level, log.propagate)
    log.setLevel({-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(level, logging.DEBUG))
    log.propagate = False
    log.addHandler(handler)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(saved[0])
        log.propagate = saved[1]


def output_option(default: str) -> Callable[[F], F]:
    """--output DIR, shared by the commands that write files."""
    return click.option(
        "--output",
        "-o",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=f"Folder to write to [default: {default}].",
    )


# --- shell completion: ids from file names only, nothing loaded -------------


def _completion_root(ctx: click.Context) -> Path | None:
    project = ctx.params.get("project")
    if isinstance(project, Path):
        return project if os.path.lexists(project / SETTINGS_FILE) else None
    return find_repository(Path.cwd())


def _stems(folder: Path) -> list[str]:
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name[: -len(".yaml")] for e in entries if e.name.endswith(".yaml"))
    except OSError:
        return []


def complete_entity(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Entity ids of the repository that start with ``incomplete`` (a ``shell_complete``)."""
    root = _completion_root(ctx)
    if root is None:
        return []
    return sorted(
        (
            CompletionItem(name, help=kind)
            for folder, kind in ENTITY_FOLDERS.items()
            for name in _stems(root / folder)
            if name.startswith(incomplete)
        ),
        key=lambda item: str(item.value),
    )


def complete_book(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Book ids of the repository that start with ``incomplete`` (a ``shell_complete``)."""
    root = _completion_root(ctx)
    if root is None:
        return []
    books = _stems(root / BOOK_FOLDER) or [DEFAULT_BOOK]
    return [CompletionItem(name) for name in books if name.startswith(incomplete)]


def echo_diagnostics(diagnostics: Iterable[Diagnostic]) -> None:
    """Print diagnostics to stderr, compiler-style; ``warning:`` coloured on a terminal."""
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(color=True), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dossier")
def main() -> None:
    """Dossier: check cited profiles and publish them as briefing dossiers.

    Every command works on the repository holding the current folder (the
    nearest one upwards with dossier.yaml) or on --project DIR.

    \b
    Example:
      dossier check --strict
      dossier build --entity asim-malik
      dossier check -h
    """


@main.command()
@common_options
@click.option("--strict", is_flag=True, help="Treat warnings as errors (use in CI).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="Output format: compiler-style text, JSON, or GitHub Actions annotations.",
)
@click.option(
    "--require-review",
    is_flag=True,
    help="Make every item not second-read at its current content an error.",
)
def check(project: Path, strict: bool, fmt: str, require_review: bool) -> None:
    """Check every profile and source of a dossier repository.

    Verifies schemas, ids, links, dates, archive checksums and that every
    quote is in its source, then prints every problem found. Each problem has
    a rule code (README, "Rule codes"), shown by --format json and github.

    \b
    Example:
      dossier check --strict
      dossier check --format json > report.json
      dossier check --format github --strict    # annotations in a GitHub workflow
      dossier check -q --project ../other-repository
      dossier check --require-review    # before publishing: every item second-read
    """
    from builder.check.rules import check_project
    from builder.publish.edition import history
    from builder.review import review_diagnostics
    from builder.source.load import load_project

    loaded = load_project(project)
    log.info(
        "loaded %d profiles, %d sources and %d books from %s",
        len(loaded.entities),
        len(loaded.sources),
        len(loaded.books),
        project,
    )
    result = check_project(loaded)
    counts, reviewed = review_diagnostics(loaded, result.index, history(project), require_review)
    errors = tuple(sorted({*result.errors, *(d for d in reviewed if d.severity == "error")}))
    warnings = tuple(sorted({*result.warnings, *(d for d in reviewed if d.severity == "warning")}))
    failed = bool(errors or (strict and warnings))
    shown = (*errors, *warnings) if strict or verbosity() >= 0 else errors
    if fmt == "json":
        report = {
            "errors": [d.as_json() for d in errors],
            "warnings": [d.as_json() for d in warnings],
            "stats": result.stats,
            "review": counts.as_json(),
        }
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    elif fmt == "github":
        for diagnostic in shown:
            click.echo(diagnostic.github())
    else:
        echo_diagnostics(shown)
    if fmt != "json" and verbosity() >= 0:
        s = result.stats
        click.echo(
            f"{s['entities']} entities ({s['people']} people, {s['groups']} groups), "
            f"{s['sources']} sources, {s['claims']} claims, {s['citations']} citations, "
            f"{s['quotes_verified']} quotes verified: "
            f"{len(errors)} errors, {len(warnings)} warnings",
            err=fmt == "github",
        )
        click.echo(counts.summary(), err=fmt == "github")
    if failed:
        raise CheckFailed(
            "check failed" + (" (--strict: warnings count)" if strict and not errors else "")
        )


@main.command()
@common_options(repository=False)
@output_option("PROJECT/schemas")
def schema(project: Path | None, output: Path | None) -> None:
    """Write JSON Schemas for profiles, sources and settings.

    Point yaml-language-server at them for completion and validation while
    editing, with a first line such as
    '# yaml-language-server: $schema=../../schemas/profile.schema.json'.
    With --output it works outside a repository too.

    \b
    Example:
      dossier schema
      dossier schema --output /tmp/schemas
    """
    from builder.publish.write import write_files
    from builder.source.schema import schema_documents

    folder = output if output is not None else repository_root(project) / "schemas"
    for path in write_files(folder, schema_documents()):
        if verbosity() >= 0:
            click.echo(str(path))


# The other commands register themselves on ``main``.
from builder.cli import author, build, editions, export, review, rules, serve  # noqa: E402

__all__ = [
    "author",
    "build",
    "common_options",
    "complete_book",
    "complete_entity",
    "echo_diagnostics",
    "editions",
    "export",
    "find_repository",
    "main",
    "output_option",
    "repository_root",
    "review",
    "rules",
    "serve",
    "verbosity",
]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
