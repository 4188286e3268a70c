"""``dossier ids``: the authoring commands that write into editors' files when asked."""

from __future__ import annotations

from pathlib import Path

import click

from builder.cli import common_options, main
from builder.errors import CheckFailed


@main.command()
@common_options
@click.option(
    "--check",
    "dry_run",
    is_flag=True,
    help="Write nothing; list the items without an id and exit 1 if there are any.",
)
@click.argument("profiles", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def ids(project: Path, dry_run: bool, profiles: tuple[Path, ...]) -> None:
    r"""Give every claim, relationship, event, paragraph and assessment a stable id.

    Writes 'id: …' as the first key of each item of the given profiles (all when
    none are named) that has none, and changes nothing else in the file. Diffs,
    sign-offs and exports follow an item by its id through any later edit;
    without one they follow its value, which an edit changes.

    \b
    Example:
      dossier ids
      dossier ids dossiers/people/asim-malik.yaml
      dossier ids --check        # in CI or a pre-commit hook
    """
    from builder.author.ids import plan_ids, write_ids
    from builder.source.load import load_project

    root = project.resolve()
    loaded = load_project(root)
    problems = [d for d in loaded.diagnostics if d.severity == "error"]
    wanted = {p.resolve() for p in profiles}
    known = {(root / e.path).resolve() for e in loaded.entities}
    unknown = sorted(str(p) for p in wanted - known)
    if unknown:
        for diagnostic in problems:
            click.echo(diagnostic.format(), err=True)
        raise click.UsageError(f"not a valid profile of this repository: {', '.join(unknown)}")
    if problems and not wanted:
        for diagnostic in problems:
            click.echo(diagnostic.format(), err=True)
        raise CheckFailed("fix the problems above first: ids are only added to valid profiles")
    limit = loaded.settings.model.max_file_size
    plans = [
        plan
        for entity in loaded.entities
        if not wanted or (root / entity.path).resolve() in wanted
        if (plan := plan_ids(root, entity, limit)) is not None
    ]
    for plan in plans:
        shown = plan.path.relative_to(root).as_posix()
        if dry_run:
            for line, item in plan.added:
                click.echo(f"{shown}:{line}: no id (would be {item})")
        else:
            click.echo(f"{shown}: {len(plan.added)} ids added")
    if dry_run:
        if plans:
            raise CheckFailed(
                f"{sum(len(p.added) for p in plans)} items have no id; run `dossier ids`"
            )
        click.echo("every item has an id")
        return
    write_ids(plans)
    if not plans:
        click.echo("every item has an id already")
