"""Text that passes check but misleads: hidden and reordering characters are errors.

Bidi controls reorder what a reader sees (a name stored as "Asim" shown as "misA");
invisible characters make two different names look the same; control characters
drive terminals and break PDFs. ``dossier check`` rejects them in every text an
editor writes, naming the code point. ZWNJ and ZWJ are spelling in Persian, Urdu
and Pashto: they pass between two letters of a script that uses them.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from click.testing import CliRunner, Result
from pydantic import BaseModel, TypeAdapter, ValidationError

from builder.cli import main
from builder.source import models
from tests.conftest import ProjectFactory

ISI = "dossiers/groups/isi.yaml"


@pytest.fixture
def isi_text(good_project: Path) -> str:
    """The good project's ISI profile, to edit."""
    return (good_project / ISI).read_text(encoding="utf-8")


def check(runner: CliRunner, root: Path) -> Result:
    return runner.invoke(main, ["check", "--project", str(root), "--strict"])


def errors(result: Result) -> list[str]:
    """The diagnostic lines of a check's stderr, without the closing 'Error: …'."""
    return [line for line in result.stderr.splitlines() if not line.startswith("Error:")]


@pytest.mark.parametrize(
    ("escape", "message"),
    [
        (r"\u202E", "U+202E RIGHT-TO-LEFT OVERRIDE (a bidirectional control)"),
        (r"\u202D", "U+202D LEFT-TO-RIGHT OVERRIDE (a bidirectional control)"),
        (r"\u202A", "U+202A LEFT-TO-RIGHT EMBEDDING (a bidirectional control)"),
        (r"\u2067", "U+2067 RIGHT-TO-LEFT ISOLATE (a bidirectional control)"),
        (r"\u2069", "U+2069 POP DIRECTIONAL ISOLATE (a bidirectional control)"),
        (r"\u200F", "U+200F RIGHT-TO-LEFT MARK (a bidirectional control)"),
        (r"\u061C", "U+061C ARABIC LETTER MARK (a bidirectional control)"),
        (r"\u200B", "U+200B ZERO WIDTH SPACE (an invisible character)"),
        (r"\uFEFF", "U+FEFF ZERO WIDTH NO-BREAK SPACE (an invisible character)"),
        (r"\u2060", "U+2060 WORD JOINER (an invisible character)"),
        (r"\u00AD", "U+00AD SOFT HYPHEN (an invisible character)"),
        (
            r"\u200D",
            "U+200D ZERO WIDTH JOINER (an invisible character) not between two letters "
            "of a script that uses it (Arabic, Devanagari…)",
        ),
        (
            r"\u200C",
            "U+200C ZERO WIDTH NON-JOINER (an invisible character) not between two letters "
            "of a script that uses it (Arabic, Devanagari…)",
        ),
    ],
    ids=lambda value: value[:6],
)
def test_hidden_character_in_a_name_is_an_error(
    runner: CliRunner, make_project: ProjectFactory, isi_text: str, escape: str, message: str
) -> None:
    text = isi_text.replace(
        "name: Inter-Services Intelligence", f'name: "Inter-Services Intel{escape}ligence"'
    )
    result = check(runner, make_project({ISI: text}))
    assert result.exit_code == 1
    assert errors(result)[0] == f"{ISI}:3:7: name: contains {message}; remove it"


def test_names_ids_titles_and_markings_are_all_checked(
    runner: CliRunner, make_project: ProjectFactory, good_project: Path, isi_text: str
) -> None:
    rlo = r"\u202E"
    text = (
        isi_text.replace("  - name: ISI", f'  - name: "{rlo}ISI"')
        .replace("  - title: Accusations", f'  - title: "Accu{rlo}sations"')
        .replace("        attributed_to: India", f'        attributed_to: "In{rlo}dia"')
    )
    seed = "seeds/seed-000.yaml"
    book = f'id: brief\ntitle: Brief\naudience: All\nmarking: "TLP:{rlo}CLEAR"\nentities: [isi]\n'
    asim = "dossiers/people/asim-malik.yaml"
    asim_text = (good_project / asim).read_text(encoding="utf-8")
    root = make_project(
        {
            ISI: text,
            "dossiers/books/brief.yaml": book,
            seed: (good_project / seed)
            .read_text(encoding="utf-8")
            .replace("publisher: Independent Persian", f'publisher: "Independent {rlo}Persian"'),
            asim: asim_text.replace("    target: isi", f'    target: "isi{rlo}"'),
        }
    )
    result = check(runner, root)
    contains = "contains U+202E RIGHT-TO-LEFT OVERRIDE (a bidirectional control); remove it"
    assert result.exit_code == 1
    assert errors(result) == [
        f"dossiers/books/brief.yaml:4:10: marking: {contains}",
        f"{ISI}:5:11: aliases.0.name: {contains}",
        f"{ISI}:21:12: narrative.0.title: {contains}",
        f"{ISI}:25:24: narrative.0.paragraphs.0.attributed_to: {contains}",
        f"{asim}:39:13: relationships.0.target: {contains}",
        f"{seed}:4:12: publisher: {contains}",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "سپاه\u200cپاسداران",  # Persian: ZWNJ between two Arabic letters
        "\u0645\u06cc\u200c\u0631\u0648\u062f",  # Persian "mi-ravad"
        "\u0915\u094d\u200d\u0937",  # Devanagari: KA, VIRAMA, ZWJ, SSA
    ],
    ids=["persian-1", "persian-2", "devanagari"],
)
def test_joiners_inside_words_of_joining_scripts_pass(
    runner: CliRunner, make_project: ProjectFactory, isi_text: str, name: str
) -> None:
    text = isi_text.replace("  - name: ISI", f'  - name: "{name}"')
    result = check(runner, make_project({ISI: text}))
    assert (result.exit_code, errors(result)) == (0, [])


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("I\u200cSI", 11),  # between Latin letters
        ("\u200cسپاه", 11),  # at the start of a word
        ("سپاه\u200c پاسداران", 11),  # before a space
        ("سپاه\u200c\u200cپاسداران", 11),  # doubled
    ],
    ids=["latin", "word-start", "before-space", "doubled"],
)
def test_joiners_elsewhere_are_errors(
    runner: CliRunner, make_project: ProjectFactory, isi_text: str, name: str, column: int
) -> None:
    text = isi_text.replace("  - name: ISI", f'  - name: "{name}"')
    result = check(runner, make_project({ISI: text}))
    assert result.exit_code == 1
    assert errors(result)[0] == (
        f"{ISI}:5:{column}: aliases.0.name: contains U+200C ZERO WIDTH NON-JOINER (an invisible "
        "character) not between two letters of a script that uses it (Arabic, Devanagari…); "
        "remove it"
    )


def test_free_text_keeps_marks_and_isolates_but_not_overrides(
    runner: CliRunner, make_project: ProjectFactory, isi_text: str
) -> None:
    """Prose may need LRM, RLM and isolates around quoted right-to-left words."""
    summary = "summary: Pakistan's military intelligence agency."
    marked = isi_text.replace(summary, 'summary: "ISI (\\u2067آی‌اس‌آی\\u2069\\u200E) agency."')
    root = make_project({ISI: marked})
    assert check(runner, root).exit_code == 0
    overridden = isi_text.replace(summary, 'summary: "ISI \\u202Eycnega"')
    (root / ISI).write_text(overridden, encoding="utf-8")
    result = check(runner, root)
    assert errors(result)[0] == (
        f"{ISI}:11:10: summary: contains U+202E RIGHT-TO-LEFT OVERRIDE (a bidirectional "
        "control); remove it"
    )


@pytest.mark.parametrize(
    ("file", "old", "new", "where", "character"),
    [
        (
            ISI,
            "summary: Pakistan's military intelligence agency.",
            'summary: "Pakistan\'s \\e[2J agency."',
            "11:10: summary",
            "U+001B ESCAPE",
        ),
        (
            ISI,
            "      - text: India accuses the ISI of supporting insurgent and jihadist groups in "
            "Kashmir; Pakistani officials reject this.",
            '      - text: "India accuses\\athe ISI."',
            "23:15: narrative.0.paragraphs.0.text",
            "U+0007 BELL",
        ),
        (
            ISI,
            "    - value: Military intelligence agency",
            '    - value: "Military\\x85intelligence agency"',
            "14:14: facts.type.0.value",
            "U+0085 NEXT LINE",
        ),
        (
            ISI,
            "        credibility: 2\nsummary",
            '        credibility: 2\n        note: "see \\x90"\nsummary',
            "11:15: aliases.0.citations.0.note",
            "U+0090",
        ),
        (
            "seeds/seed-000.yaml",
            "title: Asim Malik's challenges as head of the ISI",
            'title: "Asim Malik\'s \\x7F challenges"',
            "2:8: title",
            "U+007F DELETE",
        ),
        (
            "seeds/seed-000.yaml",
            "kind: news",
            'kind: news\nnotes: ["fine", "carriage\\rreturn"]',
            "13:17: notes.1",
            "U+000D CARRIAGE RETURN",
        ),
    ],
    ids=["summary", "paragraph", "claim-value", "citation-note", "source-title", "source-notes"],
)
def test_control_characters_are_errors_in_every_text(
    runner: CliRunner,
    make_project: ProjectFactory,
    good_project: Path,
    file: str,
    old: str,
    new: str,
    where: str,
    character: str,
) -> None:
    text = (good_project / file).read_text(encoding="utf-8")
    assert old in text
    result = check(runner, make_project({file: text.replace(old, new, 1)}))
    assert result.exit_code == 1
    # A source that fails to load also leaves its citations dangling: look for the line.
    assert f"{file}:{where}: contains {character} (a control character); remove it" in errors(
        result
    )


def test_form_feed_in_the_marking_fails_check(
    runner: CliRunner, make_project: ProjectFactory
) -> None:
    """It used to pass check --strict and fail only at build (a .notdef glyph)."""
    root = make_project({"dossier.yaml": 'title: T\nmarking: "TLP:\\fCLEAR"\nas_of: "2024-09"\n'})
    result = check(runner, root)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: invalid settings:\n"
        "dossier.yaml:2:10: marking: contains U+000C FORM FEED (a control character); "
        "remove it\n"
    )


def test_tab_and_newline_stay_allowed(
    runner: CliRunner, make_project: ProjectFactory, isi_text: str
) -> None:
    text = isi_text.replace(
        "summary: Pakistan's military intelligence agency.",
        'summary: "Pakistan\'s military\\tintelligence\\nagency."',
    )
    assert check(runner, make_project({ISI: text})).exit_code == 0


def test_a_marking_has_at_most_120_characters(
    runner: CliRunner, make_project: ProjectFactory
) -> None:
    settings = 'title: T\nmarking: "{}"\nas_of: "2024-09"\n'
    longest = "TLP:AMBER+STRICT " + "X" * 103
    assert len(longest) == models.MARKING_MAX
    root = make_project({"dossier.yaml": settings.format(longest)})
    assert check(runner, root).exit_code == 0
    (root / "dossier.yaml").write_text(settings.format(longest + "Y"), encoding="utf-8")
    result = check(runner, root)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: invalid settings:\n"
        "dossier.yaml:2:10: marking: is 121 characters long; a marking may have at most 120, "
        "so that it fits in the margin of every page\n"
    )


# --- every text field, present and future ----------------------------------


def text_fields() -> Iterator[Any]:
    """A parameter (a type to validate with, named Model.field) for every string of a model."""
    for model in vars(models).values():
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for name, field in model.model_fields.items():
            for leaf in _strings(field.annotation, tuple(field.metadata)):
                yield pytest.param(leaf, id=f"{model.__name__}.{name}")


def _strings(annotation: Any, metadata: tuple[Any, ...]) -> Iterator[Any]:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *more = typing.get_args(annotation)
        yield from _strings(base, (*metadata, *more))
    elif annotation is str:
        yield Annotated[(str, *metadata)] if metadata else str
    elif origin in (typing.Union, types.UnionType, tuple):
        for arg in typing.get_args(annotation):
            yield from _strings(arg, ())


@pytest.mark.parametrize("annotation", list(text_fields()))
def test_every_text_field_rejects_control_characters(annotation: Any) -> None:
    """A new str field must use the models' text types (Plain, Text, Label, Name…)."""
    with pytest.raises(ValidationError):
        TypeAdapter(annotation).validate_python("ab\x1bcd")


def test_hidden_character_names_the_first_problem() -> None:
    assert models.hidden_character("Asim \u202eMalik\x1b", label=True) == (
        "contains U+202E RIGHT-TO-LEFT OVERRIDE (a bidirectional control); remove it"
    )
    assert models.hidden_character("Asim \u200fMalik", label=False) is None
    assert models.hidden_character("Asim Malik", label=True) is None
