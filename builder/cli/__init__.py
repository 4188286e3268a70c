"""The ``dossier`` command: a thin click layer over the library.

This module holds the group, ``check`` and ``schema``; ``build``, the edition
commands (``diff``, ``verify``) and the authoring ones (``ids``) are in the
modules beside it.

Results go to stdout, diagnostics to stderr. Exit status: 0 success, 1 data
or build error, 2 usage error. Tracebacks only with ``--debug``.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
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


# The other commands register themselves on ``main``.
from builder.cli import author, build, editions, export  # noqa: E402

__all__ = [
    "author",
    "build",
    "common_options",
    "editions",
    "export",
    "main",
    "output_option",
]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
