"""Diagnostics reach a terminal: what an editor or a source wrote must not drive it.

A key with an escape sequence in a profile, or an archived text holding control or
bidi characters quoted back as the closest passage, would otherwise clear the
screen, retitle the window or reorder the line. ``Diagnostic.format`` shows every
non-printable character as a Python escape; JSON output keeps the raw text.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner, Result

from builder.cli import main
from builder.errors import Diagnostic, Severity
from tests.conftest import ProjectFactory

ISI = "dossiers/groups/isi.yaml"
ALLOWED = (
    "aliases, as_of, assessments, events, facts, id, kind, name, narrative, relationships, "
    "reviewed, summary"
)


def check(runner: CliRunner, root: Path, *options: str) -> Result:
    return runner.invoke(main, ["check", "--project", str(root), *options])


def hostile_key(good_project: Path) -> str:
    """The ISI profile with a key that clears the screen and turns the text red."""
    text = (good_project / ISI).read_text(encoding="utf-8")
    return text + '"na\\e[2J\\e[31mme": x\n'


def test_escape_sequences_in_a_key_are_shown_escaped(
    runner: CliRunner, make_project: ProjectFactory, good_project: Path
) -> None:
    result = check(runner, make_project({ISI: hostile_key(good_project)}))
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr
    key = "na\\x1b[2J\\x1b[31mme"
    assert result.stderr.splitlines()[0] == (
        f"{ISI}:33:1: {key}: unknown field '{key}'; allowed: {ALLOWED}"
    )


def test_json_output_keeps_the_raw_text(
    runner: CliRunner, make_project: ProjectFactory, good_project: Path
) -> None:
    result = check(runner, make_project({ISI: hostile_key(good_project)}), "--format", "json")
    error = json.loads(result.stdout)["errors"][0]
    key = "na\x1b[2J\x1b[31mme"
    assert error["field"] == key
    assert error["message"] == f"unknown field '{key}'; allowed: {ALLOWED}"
    assert "\x1b" not in error["text"]


def test_an_archived_text_quoted_back_is_shown_escaped(
    runner: CliRunner, make_project: ProjectFactory, good_project: Path
) -> None:
    """Archived texts stay byte for byte; only what reaches the terminal is escaped."""
    archive = "Officials said the agency was \x1b[2Jreorganised\u202e in 2019.\n".encode()
    seed = (good_project / "seeds/seed-000.yaml").read_text(encoding="utf-8")
    seed = (
        seed.replace("id: seed-000", "id: seed-001")
        .replace("000_98ba2910a1379f0b.txt", "001_hostile.txt")
        .replace(
            "493a7835666a3a6875fa203d39fa02c7b19f89dac213e4395d11d6a944fd0dd4",
            hashlib.sha256(archive).hexdigest(),
        )
    )
    profile = (good_project / ISI).read_text(encoding="utf-8")
    profile = profile.replace(
        """        locator: "¶5"
        quote: "Pakistan’s Inter-Services Intelligence (ISI)"
        credibility: 2""",
        """        locator: "¶5"
        quote: "Pakistan’s Inter-Services Intelligence (ISI)"
        credibility: 2
      - source: seed-001
        locator: "¶1"
        quote: "the agency was reorganised in 2018"
        credibility: 3""",
    )
    root = make_project(
        {"seeds/001_hostile.txt": archive, "seeds/seed-001.yaml": seed, ISI: profile}
    )
    result = check(runner, root)
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr
    assert "\u202e" not in result.stderr
    assert result.stderr.splitlines()[0] == (
        f"{ISI}:13:16: aliases.0.citations.1.quote: not found in seed-001 ¶1 (closest "
        'passage, ¶1, 85% similar: "the agency was \\x1b[2Jreorganised\\u202e in")'
    )


def test_format_escapes_field_message_and_path() -> None:
    diagnostic = Diagnostic(
        "dossiers/people/\u202eevil.yaml",
        3,
        7,
        "aliases.0.na\x07me",
        "alias 'I\u200bSI\x9b' has no citation",
        Severity.warning,
    )
    assert diagnostic.format() == (
        "dossiers/people/\\u202eevil.yaml:3:7: warning: aliases.0.na\\x07me: "
        "alias 'I\\u200bSI\\x9b' has no citation"
    )
    assert diagnostic.as_json()["message"] == "alias 'I\u200bSI\x9b' has no citation"


def test_format_keeps_printable_text_and_spaces() -> None:
    text = "'Faiz Hamid' / «فیض حمید» / नाम\u00a0x"
    assert Diagnostic("a.yaml", 1, 1, "name", text).format() == f"a.yaml:1:1: name: {text}"
