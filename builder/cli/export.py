"""``dossier export``: the checked data in the formats analysts' tools read."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import click

from builder.cli import common_options, complete_book, complete_entity, echo_diagnostics, main
from builder.errors import CheckFailed, DossierError, did_you_mean

# format -> (module, function, file suffix or None for a folder of files)
FORMATS: dict[str, tuple[str, str, str | None]] = {
    "json": ("builder.export.tables", "to_json", ".json"),
    "csv": ("builder.export.tables", "to_csv", None),
    "sqlite": ("builder.export.tables", "to_sqlite", ".sqlite"),
    "graphml": ("builder.export.graph", "to_graphml", ".graphml"),
    "gexf": ("builder.export.graph", "to_gexf", ".gexf"),
    "ftm": ("builder.export.ftm", "to_ftm", ".ftm.json"),
    "stix": ("builder.export.stix", "to_stix", ".stix.json"),
}


def _exporter(fmt: str) -> Callable[..., object]:
    import importlib

    module, function, _ = FORMATS[fmt]
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as error:
        raise DossierError(
            f"--format {fmt} needs the '{error.name}' package, from the 'export' extra: "
            "pip install 'dossier[export]' (or make, which installs requirements.lock)"
        ) from None
    found: Callable[..., object] = getattr(loaded, function)
    return found


@main.command()
@common_options
@click.option(
    "--format", "fmt", type=click.Choice(sorted(FORMATS)), required=True, help="Export format."
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="File to write (a folder for csv; '-' for standard output) "
    "[default: PROJECT/output/export/dossier.EXT, or PROJECT/output/export/csv/].",
)
@click.option(
    "--entity",
    "entities",
    multiple=True,
    metavar="ID",
    shell_complete=complete_entity,
    help="Export this entity (repeatable).",
)
@click.option(
    "--book",
    "book",
    default=None,
    metavar="ID",
    shell_complete=complete_book,
    help="Export this book's entities.",
)
def export(
    project: Path, fmt: str, output: Path | None, entities: tuple[str, ...], book: str | None
) -> None:
    """Export entities, claims, relationships, events, citations and sources.

    Runs the checks first and refuses to export a repository with errors. Every
    statement keeps its status, attribution and citations (source, locator,
    quote, grade); ids are the stable item ids diffs and sign-offs use, and the
    same commit exports byte-identical files. Mappings: README, "Exports".

    \b
    Example:
      dossier export --format json --output dossier.json
      dossier export --format csv --output tables/
      dossier export --format graphml --book pakistan-security
      dossier export --format stix --output - | jq .objects[0]
    """
    from builder.check.rules import check_project
    from builder.export.walk import dataset
    from builder.publish.write import write_files
    from builder.source.load import load_project

    root = project
    convert = _exporter(fmt)
    loaded = load_project(root)
    result = check_project(loaded)
    echo_diagnostics(result.errors)
    if result.errors:
        raise CheckFailed("export refused: fix the problems above (dossier check lists them)")
    index = result.index
    chosen: set[str] | None = None
    for name in entities:
        if name not in index.entities:
            hint = did_you_mean(name, index.entities)
            raise click.UsageError(f"no entity '{name}' in this repository{hint}")
    if book is not None:
        if book not in index.books:
            hint = did_you_mean(book, index.books)
            raise click.UsageError(f"no book '{book}' in this repository{hint}")
        chosen = set(index.books[book].model.entities)
    if entities:
        chosen = (chosen or set()) | set(entities)
    data = dataset(loaded.settings.model, index, chosen)
    produced = convert(data)
    suffix = FORMATS[fmt][2]
    if suffix is None:
        assert isinstance(produced, Mapping)
        if output is not None and str(output) == "-":
            raise click.UsageError("--format csv writes a folder of tables: give --output DIR")
        folder = output or root / "output" / "export" / fmt
        for path in write_files(folder, produced):
            click.echo(str(path))
        return
    assert isinstance(produced, bytes)
    if output is not None and str(output) == "-":
        sys.stdout.buffer.write(produced)
        return
    target = output or root / "output" / "export" / f"dossier{suffix}"
    written = write_files(target.parent, {target.name: produced})
    click.echo(str(written[0]))
