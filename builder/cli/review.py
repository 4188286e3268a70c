"""``dossier review``: a second reader's worksheet and sign-offs (``reviews/<entity>.yaml``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from builder.cli import common_options, complete_entity, echo_diagnostics, main, verbosity
from builder.errors import CheckFailed, Severity, did_you_mean

if TYPE_CHECKING:
    from builder.review.state import EntityReview
    from builder.review.store import SignOff

ALL = "all"


@main.command()
@common_options
@click.argument("entity", shell_complete=complete_entity)
@click.option(
    "--approve",
    "approve",
    multiple=True,
    metavar="ID|all",
    help="Sign off this item (repeatable), or 'all': every item not yet second-read "
    "at its current content. Only after reading it in the worksheet.",
)
@click.option("--by", "by", metavar="NAME", help="Who signs off [default: git's user.name].")
@click.option(
    "--date",
    "date",
    metavar="YYYY-MM-DD",
    help="Date of the sign-off [default: today].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "html"]),
    default="text",
    show_default=True,
    help="Worksheet format (the site has it too: html/review/ENTITY.html).",
)
def review(
    project: Path, entity: str, approve: tuple[str, ...], by: str | None, date: str | None, fmt: str
) -> None:
    """Print the review worksheet of ENTITY, or record a second reader's sign-offs.

    The worksheet shows every item of the profile beside its quotes, each in its
    paragraph of the archived source (with one paragraph either side) and its
    grade, and whether it is second-read, self-reviewed, stale (edited since its
    sign-off) or unreviewed. --approve records sign-offs in reviews/ENTITY.yaml
    against each item's fingerprint: any later edit of the item makes its
    sign-off stale. Commit that file with the profile.

    \b
    Example:
      dossier review asim-malik | less
      dossier review asim-malik --approve c-a9be7f7b --approve r-7ad19bb6
      dossier review asim-malik --approve all --by "Jane Roe"
    """
    from builder.check.rules import check_project
    from builder.publish.edition import history
    from builder.review.authors import current_user
    from builder.review.state import review_states
    from builder.review.store import load_reviews, review_path, save
    from builder.source.load import load_project

    loaded = load_project(project)
    result = check_project(loaded)
    index = result.index
    if entity not in index.entities:
        hint = did_you_mean(entity, index.entities)
        raise click.UsageError(f"no entity '{entity}' in this repository{hint}")
    git = history(project)
    reviews = load_reviews(loaded)
    states = review_states(loaded, index, git, reviews)
    if approve:
        signer = by if by is not None else current_user(git)
        if by is None and not signer:
            raise click.UsageError("--by NAME is required: git has no user.name here")
        if not signer.strip():
            raise click.UsageError("--by: give the reviewer's name")
        signoffs, earlier = _signoffs(states[entity], approve, signer, date)
        places = (index.entities[entity].path, review_path(entity))
        blocking = [
            d
            for d in (*result.errors, *reviews.problems)
            if d.severity is Severity.error and d.path in places
        ]
        if blocking:
            echo_diagnostics(tuple(blocking))
            raise CheckFailed(
                f"{entity} has errors; fix them before signing off (`dossier check` lists them)"
            )
        if signoffs:
            save(project, entity, signoffs, earlier)
        states = review_states(loaded, index, git, load_reviews(loaded))
        if verbosity() >= 0:
            noun = "item" if len(signoffs) == 1 else "items"
            click.echo(f"{review_path(entity)}: {len(signoffs)} {noun} signed off by {signer}")
            click.echo(f"{entity}: {states[entity].line()}")
        return
    # A review file that cannot be read counts as none: say why, above the worksheet.
    echo_diagnostics(tuple(d for d in reviews.problems if d.path == review_path(entity)))
    if fmt == "html":
        from builder.render.html import environment, site_pages

        pages = site_pages(
            loaded, index, environment(loaded), pdfs=set(), only={entity}, reviews=states
        )
        click.echo(pages[f"review/{entity}.html"](), nl=False)
        return
    from builder.review.worksheet import as_text, worksheet

    click.echo(as_text(worksheet(loaded, index, states[entity], {})))


def _signoffs(
    review: EntityReview, approve: tuple[str, ...], signer: str, date: str | None
) -> tuple[list[SignOff], dict[str, str]]:
    """The sign-offs ``--approve`` asks for, and the earlier ids they replace.

    Raises:
        click.UsageError: for an unknown item id, a bad ``--by`` or ``--date``.

    """
    from pydantic import ValidationError

    from builder.review.state import State
    from builder.review.store import SignOff

    known = {r.item.id for r in review.items}
    for wanted in approve:
        if wanted != ALL and wanted not in known:
            hint = did_you_mean(wanted, known)
            raise click.UsageError(f"no item '{wanted}' in {review.entity}{hint}")
    day = date or dt.date.today().isoformat()
    chosen = [
        r
        for r in review.items
        if r.item.id in approve or (ALL in approve and r.state is not State.second_read)
    ]
    try:  # --by and --date as the file will hold them
        SignOff(item="c-probe", fingerprint="0" * 12, by=signer, date=day)
    except ValidationError as error:
        problem = error.errors(include_url=False)[0]
        option = f"--{problem['loc'][0]}"
        message = problem["msg"].removeprefix("Value error, ")
        raise click.UsageError(f"{option} {problem['input']!r}: {message}") from None
    made = [SignOff(item=r.item.id, fingerprint=r.fingerprint, by=signer, date=day) for r in chosen]
    earlier = {
        r.item.id: r.signoff.item
        for r in chosen
        if r.signoff is not None and r.signoff.item != r.item.id
    }
    return made, earlier
