"""The drift checks and the one place their rules are written (builder/check/grading.py)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from builder.check.grading import (
    BEGIN,
    END,
    hedge_cut,
    hedges_in,
    hypothetical_in,
    rules_markdown,
    section_of,
    states_type,
)
from builder.check.quotes import fold
from builder.check.rules import check_project
from builder.cli import main
from builder.source.load import load_project
from tests.conftest import REPO, ProjectFactory


@pytest.mark.parametrize(
    ("quote", "text", "dropped"),
    [
        ("he reportedly met them", "He met them", ["reportedly"]),
        ("he reportedly met them", "He reportedly met them", []),
        ("he reportedly met them", "Reported to have met them", []),
        ("it is believed to have 6,000 fighters", "6,000 fighters", ["believed"]),
        ("they may attack", "They might attack", []),
        ("in May 2021 they attacked", "They attacked in 2021", []),
        ("a potential alliance", "An alliance", ["potential"]),
        (
            "likely, and according to officials, allegedly",
            "It happened",
            ["likely", "according to", "allegedly"],
        ),
    ],
)
def test_hedges_in(quote: str, text: str, dropped: list[str]) -> None:
    assert hedges_in(quote, text) == dropped


def test_hedge_cut_finds_source_words_with_the_hedge_taken_out() -> None:
    source = fold("Pakistan's generals would have likely preferred a peaceful end to the war")
    assert hedge_cut(source, fold("The generals would have preferred a peaceful end.")) == (
        "would have likely preferred a",
        "would have preferred a",
    )
    assert hedge_cut(source, fold("The generals would have likely preferred peace.")) is None
    assert hedge_cut(source, fold("The generals preferred peace.")) is None


def test_hypothetical_and_type_words() -> None:
    assert hypothetical_in("if the Taliban were to oust the Ghani government") == "if"
    assert hypothetical_in("a potential alliance between these entities") == "potential"
    assert hypothetical_in("Malik will replace Nadeem Anjum") is None
    assert not states_type("founded", "was instrumental in the creation of the group")
    assert states_type("founded", "founded the group in 1994")
    assert states_type("part_of", "As the foreign intelligence arm of Pakistan's military")
    assert states_type("supports", "anything at all")  # only strong types need their words


def test_grading_md_describes_the_rules_check_applies() -> None:
    text = (REPO / "dossiers" / "GRADING.md").read_text(encoding="utf-8")
    found = section_of(text)
    assert found is not None
    assert found[1] == rules_markdown()
    for code in ("dropped-hedge", "grade-uncorroborated", "grade-partisan", "grade-inconsistent"):
        assert f"`{code}`" in found[1]
    for code in ("as-of-before-source", "undated-source", "type-overreach"):
        assert f"`{code}`" in found[1]


def test_rules_command_prints_and_rewrites_only_its_section(
    runner: CliRunner, make_project: ProjectFactory
) -> None:
    before = "# Our grading\n\nIntro kept.\n\n" + BEGIN + "\nold rules\n" + END + "\n\nTail kept.\n"
    root = make_project({"dossiers/GRADING.md": before})
    result = runner.invoke(main, ["check", "-p", str(root)])
    assert result.stderr == (
        "dossiers/GRADING.md:5:1: warning: the rules section differs from the rules "
        "`dossier check` applies; run `dossier rules --write` to bring it up to date\n"
    )
    printed = runner.invoke(main, ["rules", "-p", str(root)])
    assert (printed.exit_code, printed.stdout) == (0, rules_markdown())
    written = runner.invoke(main, ["rules", "-p", str(root), "--write"])
    assert (written.exit_code, written.stdout) == (
        0,
        "dossiers/GRADING.md: rules section rewritten\n",
    )
    after = (root / "dossiers" / "GRADING.md").read_text(encoding="utf-8")
    assert after == "# Our grading\n\nIntro kept.\n\n" + rules_markdown() + "\nTail kept.\n"
    again = runner.invoke(main, ["rules", "-p", str(root), "--write"])
    assert again.stdout == "dossiers/GRADING.md: rules already up to date\n"
    assert runner.invoke(main, ["check", "-p", str(root), "--strict"]).exit_code == 0


def test_rules_write_without_markers_changes_nothing(
    runner: CliRunner, make_project: ProjectFactory
) -> None:
    root = make_project({"dossiers/GRADING.md": "# Mine\n"})
    result = runner.invoke(main, ["rules", "-p", str(root), "--write"])
    assert result.exit_code == 1
    assert "no rules section" in result.stderr
    assert (root / "dossiers" / "GRADING.md").read_text(encoding="utf-8") == "# Mine\n"


def test_a_book_as_of_before_its_sources(runner: CliRunner, make_project: ProjectFactory) -> None:
    book = "id: brief\ntitle: Brief\naudience: Test\nas_of: '2023'\nentities: [asim-malik, isi]\n"
    root = make_project({"dossiers/books/brief.yaml": book})
    result = runner.invoke(main, ["check", "-p", str(root)])
    assert result.stderr == (
        "dossiers/books/brief.yaml:4:8: warning: as_of: '2023' is earlier than seed-000 "
        "(published ~2024-09), which it cites: set as_of to 2024-09 or later\n"
    )


def test_a_note_settles_one_quote_graded_two_ways(make_project: ProjectFactory) -> None:
    """The broken project's same-quote file, with a note on the odd grade, is quiet."""
    profile = (REPO / "tests/projects/broken/dossiers/people/drift-same-quote.yaml").read_text()
    other = profile.replace("drift-same-quote", "other").replace("credibility: 3", "credibility: 2")
    noted = profile.replace(
        "credibility: 3", "credibility: 3\n        note: graded as the fact of a claim"
    )
    root = make_project(
        {"dossiers/people/drift-same-quote.yaml": noted, "dossiers/people/other.yaml": other}
    )
    warnings = [d.message for d in check_project(load_project(root)).warnings]
    assert not [m for m in warnings if "same quote" in m]


def test_the_bundled_corpus_passes_every_drift_check() -> None:
    result = check_project(load_project(REPO))
    assert [d.format() for d in result.warnings] == []


def test_rules_are_documented_once() -> None:
    text = rules_markdown()
    assert text.startswith(BEGIN + "\n## Our rules for the digit\n")
    assert text.endswith(END + "\n")
    assert section_of("x\n" + text + "y\n") == (2, text)
