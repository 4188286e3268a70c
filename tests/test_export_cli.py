"""``dossier export``: every format from the command line, byte for byte repeatable."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import main
from builder.cli.export import FORMATS
from tests.conftest import REPO


def export(runner: CliRunner, *args: str, project: Path = REPO) -> tuple[int, bytes, str]:
    result = runner.invoke(main, ["export", "--project", str(project), *args])
    return result.exit_code, result.stdout_bytes, result.stderr


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_same_commit_exports_the_same_bytes(
    fmt: str, runner: CliRunner, tmp_path: Path
) -> None:
    outputs = []
    for n in (1, 2):
        target = tmp_path / f"run{n}" / ("tables" if fmt == "csv" else f"out.{fmt}")
        code, out, err = export(runner, "--format", fmt, "--output", str(target))
        assert code == 0, err
        files = sorted(target.rglob("*")) if fmt == "csv" else [target]
        assert out.decode().splitlines() == [str(p) for p in files]
        outputs.append({p.relative_to(target.parent): p.read_bytes() for p in files})
    assert outputs[0] == outputs[1]


def test_json_goes_to_standard_output_and_a_book_selects_its_entities(
    runner: CliRunner,
) -> None:
    code, out, err = export(
        runner, "--format", "json", "--output", "-", "--book", "pakistan-security"
    )
    assert code == 0, err
    document = json.loads(out)
    listed = {"asim-malik", "faiz-hameed", "ttp", "bla", "isis-k"}  # the book's entities
    assert {e["id"] for e in document["entities"]} == listed
    ends = {(r["subject"], r["object"]) for r in document["relationships"]}
    assert all(a in listed and b in listed for a, b in ends)


def test_csv_tables_join_in_sqlite(runner: CliRunner, tmp_path: Path) -> None:
    code, _, err = export(runner, "--format", "sqlite", "--output", str(tmp_path / "d.sqlite"))
    assert code == 0, err
    with sqlite3.connect(tmp_path / "d.sqlite") as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        (cited,) = db.execute("SELECT COUNT(*) FROM citations").fetchone()
        assert cited == 352


def test_unknown_selection_and_bad_repositories_are_refused(
    runner: CliRunner, broken_project: Path
) -> None:
    code, _, err = export(runner, "--format", "json", "--entity", "nobody")
    assert (code, err.splitlines()[-1]) == (2, "Error: no entity 'nobody' in this repository")
    code, _, err = export(runner, "--format", "csv", "--output", "-")
    assert code == 2
    assert "writes a folder of tables: give --output DIR" in err
    code, _, err = export(runner, "--format", "json", project=broken_project)
    assert code == 1
    assert err.splitlines()[-1] == (
        "Error: export refused: fix the problems above (dossier check lists them)"
    )


def test_the_json_export_validates_against_the_published_schema(runner: CliRunner) -> None:
    """Checked by the jsonschema library, against the schema `dossier schema` writes."""
    import jsonschema  # type: ignore[import-untyped]

    schema = json.loads((REPO / "schemas/export.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    code, out, err = export(runner, "--format", "json", "--output", "-")
    assert code == 0, err
    document = json.loads(out)
    validator = jsonschema.Draft202012Validator(schema)
    assert [e.message for e in validator.iter_errors(document)] == []
    document["entities"][0]["kind"] = "robot"
    assert [e.message for e in validator.iter_errors(document)] == [
        "'robot' is not one of ['group', 'person']"
    ]
