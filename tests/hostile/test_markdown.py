"""Hostile Markdown: a citation marker with nothing to place never crashes a build.

``[^1]`` in an event description passed ``check`` (the event has a citation 1), but
the timeline rendered descriptions without placing citations: the marker reached
the renderer with no citation behind it and the build died with an IndexError. Now
a description places its event's citations as a paragraph does, check refuses a
marker with no citation behind it, and the renderer keeps such a marker as text.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from markupsafe import Markup

from builder.cli import main
from builder.render import markdown
from tests.conftest import TESTS, ProjectFactory

PERSON = "dossiers/people/asim-malik.yaml"


def no_citations(number: int) -> Markup:
    """A ``cite`` callback for a text that may place no citation, like an event's."""
    return Markup("<sup>{}</sup>").format(()[number - 1])


def test_marker_with_no_citation_to_place_is_kept_as_text() -> None:
    links = markdown.Links(entity_href=lambda entity_id: None, cite=no_citations)
    assert markdown.render("Appointed[^1] <b>x</b>.", links) == (
        "<p>Appointed[^1] &lt;b&gt;x&lt;/b&gt;.</p>\n"
    )


def test_marker_in_an_event_description_places_the_citation(
    make_project: ProjectFactory, runner: CliRunner, tmp_path: Path
) -> None:
    text = (TESTS / "projects/good" / PERSON).read_text(encoding="utf-8")
    text = text.replace(
        "    title: Takes over as head of the ISI\n",
        "    title: Takes over as head of the ISI\n"
        "    description: Appointed by the prime minister[^1].\n",
    )
    root = make_project({PERSON: text})
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", "-p", str(root), "--only", "html", "--output", str(out)])
    assert result.exit_code == 0, result.stderr
    page = (out / "html/asim-malik.html").read_text(encoding="utf-8")
    assert "Appointed by the prime minister<sup" in page
    assert "[^1]" not in page


def test_marker_with_no_citation_in_an_event_description_is_a_check_error(
    make_project: ProjectFactory, runner: CliRunner
) -> None:
    text = (TESTS / "projects/good" / PERSON).read_text(encoding="utf-8")
    text = text.replace(
        "    title: Takes over as head of the ISI\n",
        "    title: Takes over as head of the ISI\n"
        "    description: Appointed by the prime minister[^2].\n",
    )
    root = make_project({PERSON: text})
    result = runner.invoke(main, ["check", "-p", str(root)])
    assert result.exit_code == 1
    assert "internal error" not in result.stderr
    assert result.stderr.splitlines()[0] == (
        f"{PERSON}:50:18: events.0.description: [^2] points at citation 2, but this item has 1"
    )
