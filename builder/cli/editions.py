"""``dossier diff`` and ``dossier verify``: editions compared, and checked against manifests."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from builder.cli import common_options, main, output_option, repository_root, verbosity
from builder.errors import DossierError, styled


@main.command()
@common_options
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
    help="Readable text (coloured on a terminal), JSON (docs/diff.md) or an HTML page.",
)
def diff(project: Path, old: str | None, new: str | None, fmt: str) -> None:
    """Show what changed between two editions, claim by claim.

    OLD and NEW are git revisions (tag, branch, commit, HEAD~3). Without NEW,
    OLD is compared with the work tree; without either, the last tag (else
    HEAD~1) is. Items are matched by their id, so reordering a list is no
    change and an edited claim shows as that claim changed.

    \b
    Example:
      dossier diff                      # last tag (or HEAD~1) -> work tree
      dossier diff HEAD~1 HEAD
      dossier diff v1.0 --format json > changes.json
      dossier diff v1.0 --format html > output/html/changes.html
    """
    from builder.diff.compare import compare
    from builder.diff.report import as_json, as_text
    from builder.diff.sides import load_side
    from builder.publish.revision import RevisionError, default_base

    root = project
    try:
        before = load_side(root, old or default_base(root))
        after = load_side(root, new)
    except RevisionError as error:
        raise click.UsageError(str(error)) from None
    changes = compare(before.entities, after.entities, before.sources, after.sources)
    names = {k: v.name for k, v in {**before.entities, **after.entities}.items()}
    if fmt == "json":
        click.echo(as_json(changes, _described(before), _described(after)), nl=False)
    elif fmt == "html":
        click.echo(_html(root, changes, before.label, after.label, names), nl=False)
    else:
        style = styled if sys.stdout.isatty() else (lambda text, **kw: text)
        click.echo(as_text(changes, before.label, after.label, style, names), nl=False)


def _described(side: object) -> dict[str, str]:
    commit = getattr(side, "commit", None)
    if commit is None:
        return {"label": "the work tree", "commit": "", "date": ""}
    return {"label": commit.name, "commit": commit.full, "date": commit.date}


def _html(root: Path, changes: object, old: str, new: str, names: dict[str, str]) -> str:
    from builder.diff.compare import Diff
    from builder.diff.report import as_html
    from builder.render.html import environment
    from builder.render.views import GRADE_LEGEND, LIKELIHOOD_LEGEND
    from builder.source.load import load_project

    assert isinstance(changes, Diff)
    project = load_project(root)
    return as_html(
        environment(project),
        changes,
        old,
        new,
        names=names,
        settings=project.settings.model,
        root="",
        medium="html",
        edition="",
        grade_legend=GRADE_LEGEND,
        likelihood_legend=LIKELIHOOD_LEGEND,
    )


@main.command()
@common_options(repository=False)
@output_option("PROJECT/output")
def verify(project: Path | None, output: Path | None) -> None:
    """Check that an output folder is an untouched edition.

    Re-hashes every file the folder's manifest.json lists and reports, one line
    each, any file that is missing, changed, or in html/ or pdf/ but not in the
    manifest. Exit status 1 if there is any. With --output it works outside a
    repository too.

    \b
    Example:
      dossier verify
      dossier verify --output editions/a1b2c3d4e5f6
    """
    from builder.publish.manifest import verify as run_verify

    folder = (output or repository_root(project) / "output").resolve()
    if not folder.is_dir():
        raise click.UsageError(
            f"{folder}: no such folder; build an edition first, or pass --output DIR"
        )
    found = run_verify(folder)
    for line in found.problems:
        click.echo(line)
    if found.problems:
        raise DossierError(
            f"{folder}: {len(found.problems)} problem(s); {found.checked} files match the manifest"
        )
    if verbosity() >= 0:
        click.echo(
            f"{folder}: all {found.checked} files match the manifest of edition {found.edition}"
        )
