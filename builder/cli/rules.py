"""``dossier rules``: the editorial rules ``check`` applies, as GRADING.md shows them."""

from __future__ import annotations

from pathlib import Path

import click

from builder.cli import common_options, main
from builder.errors import DossierError


@main.command()
@common_options
@click.option(
    "--write",
    is_flag=True,
    help="Replace the rules section of dossiers/GRADING.md (between its markers).",
)
def rules(project: Path, write: bool) -> None:
    """Print the grading and drift rules that `dossier check` enforces.

    The rules live in one place (builder/check/grading.py): `check` applies them
    and GRADING.md describes them. A GRADING.md that carries the generated
    section between its two marker comments is kept in step by `--write`, which
    changes nothing else in the file; `check` warns when the two differ.

    \b
    Example:
      dossier rules
      dossier rules --write
    """
    from builder.check.drift import GRADING
    from builder.check.grading import rules_markdown, section_of
    from builder.publish.write import write_files

    text = rules_markdown()
    if not write:
        click.echo(text, nl=False)
        return
    path = project.resolve() / GRADING
    if path.is_symlink() or not path.is_file():
        raise DossierError(f"{GRADING}: not a regular file; create it first")
    old = path.read_text(encoding="utf-8")
    found = section_of(old)
    if found is None:
        raise DossierError(
            f"{GRADING}: no rules section; paste the output of `dossier rules` where the "
            "rules belong (its two marker comments included), then run this again"
        )
    new = old.replace(found[1].rstrip("\n"), text.rstrip("\n"), 1)
    if new == old:
        click.echo(f"{GRADING}: rules already up to date")
        return
    write_files(path.parent, {path.name: new.encode("utf-8")})
    click.echo(f"{GRADING}: rules section rewritten")
