"""The authoring commands: ``init``, ``new``, ``fmt`` and ``ids``.

They are the only commands that write into a repository, and only when asked:
``init`` and ``new`` create files and never overwrite one; ``fmt`` and ``ids``
rewrite editors' files after proving the new text reads back as the same data.
"""

from __future__ import annotations

import datetime as dt
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
    """Give every claim, relationship, event, paragraph and assessment a stable id.

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


@main.command()
@common_options
@click.option(
    "--check",
    "dry_run",
    is_flag=True,
    help="Write nothing; list the files that would change and exit 1 if there are any.",
)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def fmt(project: Path, dry_run: bool, paths: tuple[Path, ...]) -> None:
    """Rewrite profiles, books, sources and settings in one canonical layout.

    Keys in the schema's order, block style, long strings wrapped at 88 columns,
    quoting and comments kept. No value ever changes: each new text is read back
    and compared with the old one before the file is replaced. Without PATHS,
    every such file of the repository; a folder stands for the files in it.

    \b
    Example:
      dossier fmt
      dossier fmt dossiers/people/asim-malik.yaml
      dossier fmt --check        # in CI or a pre-commit hook
    """
    from builder.author.files import replace_unchanged
    from builder.author.fmt import FormatProblem, file_limit, format_file, repository_files
    from builder.author.scaffold import require_repository

    root = project.resolve()
    require_repository(root)
    files = _chosen(root, paths) if paths else repository_files(root)
    limit = file_limit(root)
    changed, problems = 0, 0
    for path in files:
        try:
            result = format_file(root, path, limit)
        except FormatProblem as problem:
            click.echo(problem.diagnostic.format(), err=True)
            problems += 1
            continue
        if not result.changed:
            continue
        changed += 1
        if dry_run:
            click.echo(f"{result.shown}: would be reformatted")
        else:
            replace_unchanged(result.path, result.old, result.new)
            click.echo(f"{result.shown}: reformatted")
    left = len(files) - changed - problems
    if dry_run and changed:
        raise CheckFailed(
            f"{_count(changed, 'file')} would be reformatted, {left} already formatted; "
            "run `dossier fmt`"
            + (f"; {_count(problems, 'file')} cannot be formatted" if problems else "")
        )
    if problems:
        raise CheckFailed(
            f"{_count(problems, 'file')} cannot be formatted (left unchanged); "
            f"{changed} reformatted, {left} already formatted"
        )
    if dry_run:
        click.echo(f"{_count(left, 'file')} already formatted")
    else:
        click.echo(f"{_count(changed, 'file')} reformatted, {left} already formatted")


def _chosen(root: Path, paths: tuple[Path, ...]) -> list[Path]:
    """The repository files named, a folder standing for the files ``fmt`` formats in it."""
    from builder.author.fmt import model_for, repository_files

    everything = {path.resolve(): path for path in repository_files(root)}
    chosen: dict[Path, None] = {}
    for given in paths:
        where = given.resolve()
        if where.is_dir():
            inside = [p for real, p in everything.items() if real.is_relative_to(where)]
            chosen.update(dict.fromkeys(inside))
            continue
        relative = where.relative_to(root).as_posix() if where.is_relative_to(root) else None
        if relative is None or model_for(relative) is None:
            raise click.UsageError(
                f"{given}: not a profile, book, source or settings file of the repository "
                f"in '{root}'"
            )
        chosen[root / relative] = None
    return list(chosen)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@main.command()
@click.argument(
    "folder", default=".", required=False, type=click.Path(file_okay=False, path_type=Path)
)
@click.option("--title", default="Dossiers", show_default=True, help="Title of the collection.")
@click.option(
    "--marking",
    default="UNCLASSIFIED // OPEN SOURCE",
    show_default=True,
    help="Default handling marking printed on every page (e.g. 'TLP:AMBER').",
)
def init(folder: Path, title: str, marking: str) -> None:
    """Start a new dossier repository in FOLDER (default: the current folder).

    Writes dossier.yaml, the folders for profiles, books and sources, a grading
    guide, the JSON Schemas, a .gitignore, a pre-commit configuration and a
    README. The result passes `dossier check --strict`. Files already there are
    kept; a folder that already has a dossier.yaml is refused.

    \b
    Example:
      dossier init briefings --title "Sahel armed groups" --marking TLP:AMBER
      dossier init                 # in the current folder
    """
    from builder.author.scaffold import init_repository, settings_text

    try:
        settings = settings_text(title, marking, dt.date.today().strftime("%Y-%m"))
    except ValueError as error:
        raise click.UsageError(f"--title/--marking not accepted: {error}") from None
    created = init_repository(folder, title, settings)
    shown = folder.as_posix().rstrip("/") + "/" if folder != Path(".") else ""
    for name in created.written:
        click.echo(f"wrote {shown}{name}")
    for name in created.kept:
        click.echo(f"kept {shown}{name} (already there)")
    step = f"cd {folder} && " if shown else ""
    click.echo(
        "Next: archive a source and start a profile, then check:\n"
        f"  {step}dossier new source ARTICLE.txt\n"
        "  dossier new person ID        # or: group ID, book ID\n"
        "  dossier check --strict\n"
        "  git init && pre-commit install   # optional: check and fmt before each commit"
    )


@main.group()
def new() -> None:
    """Add a profile, book or source from a commented skeleton.

    Never overwrites a file. A skeleton fails `dossier check` until every ""
    placeholder is filled in, so none is published half-written.

    \b
    Example:
      dossier new source article.txt --id seed-005
      dossier new person asim-malik
      dossier new group ttp
      dossier new book pakistan-security
    """


def _skeleton_command(kind: str, folder: str) -> None:
    """Register ``dossier new KIND ID``."""

    @new.command(
        name=kind,
        help=f"Write a commented {kind} skeleton to {folder}/ID.yaml.\n\n"
        "ID is a lowercase slug (letters, digits, single hyphens), the file's name.\n\n"
        f"\b\nExample:\n  dossier new {kind} {_EXAMPLE_IDS[kind]}",
    )
    @common_options
    @click.argument("ident", metavar="ID")
    def command(project: Path, ident: str) -> None:
        from builder.author.scaffold import bad_slug, new_profile, require_repository

        problem = bad_slug(ident)
        if problem is not None:
            raise click.BadParameter(problem, param_hint="ID")
        root = project.resolve()
        require_repository(root)
        path = new_profile(root, kind, ident)
        click.echo(f"wrote {_relative(project, path)}")
        click.echo('Fill in every "" (dossier check lists each one left), then run dossier check.')


_EXAMPLE_IDS = {"person": "asim-malik", "group": "ttp", "book": "pakistan-security"}


def _relative(project: Path, path: Path) -> str:
    """``path`` as the user would type it from where they are."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.relative_to(project.resolve()).as_posix()


@new.command("source")
@common_options
@click.option("--id", "ident", default=None, help="Source id [default: the next free seed-NNN].")
@click.argument(
    "document", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def new_source_command(project: Path, ident: str | None, document: Path) -> None:
    """Archive FILE in seeds/ and write the skeleton of its metadata.

    The text is copied byte for byte (UTF-8 text only: quotes are verified
    against it) as seeds/ID_<sha256 prefix>.<ext>; seeds/ID.yaml gets its file
    name, sha256 and today's date, and placeholders for the rest.

    \b
    Example:
      dossier new source ~/Downloads/article.txt --id seed-005
      dossier new source statement.txt            # id: the next seed-NNN
    """
    from builder.author.scaffold import bad_slug, new_source, next_source_id, require_repository

    root = project.resolve()
    require_repository(root)
    ident = ident if ident is not None else next_source_id(root)
    problem = bad_slug(ident)
    if problem is not None:
        raise click.BadParameter(problem, param_hint="--id")
    archive, metadata = new_source(root, document, ident, dt.date.today())
    click.echo(f"archived {_relative(project, archive)}")
    click.echo(f"wrote {_relative(project, metadata)}")
    click.echo(
        'Fill in every "" (title, date, language, kind, grade: see dossiers/GRADING.md), '
        "then cite it as source: " + ident
    )


_skeleton_command("person", "dossiers/people")
_skeleton_command("group", "dossiers/groups")
_skeleton_command("book", "dossiers/books")
