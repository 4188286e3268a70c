from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from builder.cli import main
from builder.source.schema import schema_documents
from tests.conftest import REPO, ProjectFactory

BROKEN_STDERR = [
    "dossiers/books/bad-book.yaml:4:28: entities.2: 'isi' is listed twice",
    "dossiers/books/bad-book.yaml:4:33: entities.3: unknown entity 'nobody'",
    "dossiers/groups/wrong-kind.yaml:2:7: kind: must be 'group' in this folder (got 'person'); fix kind or move the file to dossiers/people/",
    "dossiers/people/alias-bomb.yaml:7:10: anchors (&a) are not allowed; write values out",
    "dossiers/people/bad-attribution.yaml:11:20: relationships.0.attributed_to: unknown entity 'pakistani-officials' (to name someone without a profile, write free text such as 'Pakistani officials')",
    "dossiers/people/bad-credibility.yaml:14:22: relationships.0.citations.0.credibility: Input should be less than or equal to 6 (got 7)",
    "dossiers/people/bad-date.yaml:10:12: relationships.0.start: '2024-02-30' is not a date: February 2024 has 29 days",
    "dossiers/people/bad-markdown.yaml:4:10: summary: link to 'javascript:alert(1)' is not allowed: use http(s)://, mailto:, entity:<id> or #anchor",
    "dossiers/people/bad-markdown.yaml:10:15: narrative.0.paragraphs.0.text: [^3] points at citation 3, but this item has 1",
    'dossiers/people/bad-quote.yaml:13:16: relationships.0.citations.0.quote: not found in seed-000 ¶1 (closest passage, ¶1, 97% similar: "Lieutenant General Asim Malik, a powerful figure in the Pakistan A")',
    "dossiers/people/bad-status.yaml:10:13: relationships.0.status: Input should be 'reported', 'alleged', 'disputed' or 'denied' (got 'rumoured')",
    "dossiers/people/binary.yaml:2:1: binary file (NUL byte); profiles must be UTF-8 text",
    "dossiers/people/dangling-target.yaml:9:13: relationships.0.target: unknown entity 'isi-k'; did you mean 'isi'?",
    "dossiers/people/duplicate-key.yaml:4:1: duplicate key 'name' (first defined at line 3)",
    "dossiers/people/end-before-start.yaml:11:10: relationships.0.end: end '2021' is before start '2024-09'",
    "dossiers/people/id-mismatch.yaml:1:5: id: 'id-mismatched' must equal the file name 'id-mismatch' (rename one of them)",
    "dossiers/people/no-citation.yaml:10:16: relationships.0.citations: needs at least one citation {source, locator, quote, credibility}",
    "dossiers/people/not-utf8.yaml:3:10: not valid UTF-8 (byte 0xe9); save the file as UTF-8",
    "dossiers/people/old-extension.yml:1:1: not loaded: rename to .yaml",
    "dossiers/people/syntax-error.yaml:9:4: YAML syntax error: did not find expected '-' indicator (while parsing a block collection)",
    "dossiers/people/typed-twice.yaml:8:5: relationships.0: ally_of link with 'good-link' is already written in dossiers/people/good-link.yaml; inverse links are derived, write each link once",
    "dossiers/people/unknown-field.yaml:11:9: relationships.0.citations.0.quote: required field is missing",
    "dossiers/people/unknown-field.yaml:13:9: relationships.0.citations.0.qoute: unknown field 'qoute'; did you mean 'quote'? allowed: credibility, locator, note, quote, source",
    "dossiers/people/unknown-source.yaml:11:17: relationships.0.citations.0.source: unknown source 'seed-00'; did you mean 'seed-000'?",
    'dossiers/people/wrong-locator.yaml:13:16: relationships.0.citations.0.quote: quote is in seed-000 ¶3, not ¶1: set locator to "¶3"',
    "seeds/seed-bad-hash.yaml:10:9: sha256: seeds/000_98ba2910a1379f0b.txt has sha256 493a7835666a3a6875fa203d39fa02c7b19f89dac213e4395d11d6a944fd0dd4; archives are never edited: restore the original file, or fix sha256 if the metadata is wrong",
    "dossiers/GRADING.md:3:1: warning: the rules section differs from the rules `dossier check` applies; run `dossier rules --write` to bring it up to date",
    "dossiers/misc/stray.yaml:1:1: warning: not loaded: profiles go in dossiers/people/ or dossiers/groups/, books in dossiers/books/",
    "dossiers/people/drift-as-of.yaml:5:8: warning: as_of: '2024-01' is earlier than seed-000 (published ~2024-09), which it cites: set as_of to 2024-09 or later",
    "dossiers/people/drift-founded.yaml:8:11: warning: relationships.0.type: 'founded' asserts more than its citations carry (all graded 4 or worse): use a weaker type such as 'supports' or 'linked_to', or status: alleged with attributed_to",
    'dossiers/people/drift-hedge-cut.yaml:10:15: warning: narrative.0.paragraphs.0.text: dropped hedge: pamphlet ¶2 says "group would likely have preferred", this paragraph "group would have preferred"; restore the hedge',
    'dossiers/people/drift-hedge.yaml:8:11: warning: relationships.0.type: dropped hedge: the quote of seed-000 ¶12 says "believed" and this link does not; keep the hedge, name who says it in attributed_to, or change the status',
    'dossiers/people/drift-hypothetical.yaml:8:11: warning: relationships.0.type: the quote of pamphlet ¶3 is hypothetical ("potential") but the link is reported as fact: set status: alleged with attributed_to, use a weaker type, or keep it in the narrative',
    "dossiers/people/drift-not-said.yaml:8:11: warning: relationships.0.type: 'member_of' is not what the quotes say (none of them names it): use a weaker type such as 'linked_to' or 'close_to' and say what the source says in description",
    "dossiers/people/drift-one-source.yaml:14:22: warning: relationships.0.citations.0.credibility: credibility 1 needs a second, independent source on the same item, but every citation here is from seed-000: grade it 2 or worse, or cite the other source",
    "dossiers/people/drift-partisan.yaml:17:22: warning: relationships.0.citations.0.credibility: pamphlet is a partisan source: credibility 2 needs a citation of this item from another source, or a note saying why; otherwise grade it 4",
    "dossiers/people/drift-same-quote.yaml:14:22: warning: relationships.0.citations.0.credibility: the same quote of seed-000 ¶1 is graded 3 here and 2 at dossiers/people/bad-attribution.yaml:13, dossiers/people/bad-markdown.yaml:12, dossiers/people/bad-markdown.yaml:20 and 6 more: grade it the same everywhere, or say why in a note on one of them",
    'dossiers/people/drift-speculation.yaml:8:11: warning: relationships.0.type: every quote of this link is hypothetical ("potential"): speculation is not an allegation; keep it in the narrative, or cite a quote that states the link',
    "dossiers/people/drift-undated.yaml:10:11: warning: relationships.0.date: pamphlet has no publication date, so '2020' is the editor's reading: say where it comes from in inference:",
    "dossiers/people/lonely.yaml:1:5: warning: id: nothing links to 'lonely' and it links to nothing: add a relationship",
    "dossiers/people/lonely.yaml:8:11: warning: aliases.0.name: alias 'Nobody' has no citation",
    "seeds/seed-bad-hash.yaml:1:5: warning: id: source 'seed-bad-hash' is not cited by any profile",
]

BROKEN_SUMMARY = (
    "22 entities (21 people, 1 groups), 3 sources, 22 claims, 22 citations, 19 quotes verified: "
    "26 errors, 16 warnings\n"
    "review: 0 second-read, 0 self-review, 0 stale, 23 unreviewed\n"
)


def run(runner: CliRunner, *args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_good_project_passes_strict(runner: CliRunner, good_project: Path) -> None:
    code, out, err = run(runner, "check", "--project", good_project, "--strict")
    assert (code, err) == (0, "")
    assert out == (
        "2 entities (1 people, 1 groups), 1 sources, 8 claims, 10 citations, "
        "10 quotes verified: 0 errors, 0 warnings\n"
        "review: 0 second-read, 0 self-review, 0 stale, 10 unreviewed\n"
    )


def test_broken_project_reports_every_mistake(runner: CliRunner, broken_project: Path) -> None:
    code, out, err = run(runner, "check", "--project", broken_project)
    assert code == 1
    assert out == BROKEN_SUMMARY
    assert err.splitlines() == [*BROKEN_STDERR, "Error: check failed"]
    assert "Traceback" not in err


def test_every_broken_file_is_reported(broken_project: Path) -> None:
    files = {
        p.relative_to(broken_project).as_posix() for p in broken_project.glob("dossiers/*/*.y*ml")
    }
    reported = {line.split(":")[0] for line in BROKEN_STDERR}
    ok = {"dossiers/groups/isi.yaml", "dossiers/people/good-link.yaml"}
    assert files - reported == ok


def test_json_format(runner: CliRunner, broken_project: Path) -> None:
    code, out, _ = run(runner, "check", "-p", broken_project, "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert set(report) == {"errors", "warnings", "stats", "review"}
    assert report["review"] == {"second_read": 0, "self_review": 0, "stale": 0, "unreviewed": 23}
    assert [e["text"] for e in report["errors"] + report["warnings"]] == BROKEN_STDERR
    assert report["errors"][0] == {
        "file": "dossiers/books/bad-book.yaml",
        "line": 4,
        "column": 28,
        "field": "entities.2",
        "message": "'isi' is listed twice",
        "rule": "listed-twice",
        "severity": "error",
        "text": BROKEN_STDERR[0],
    }
    assert report["stats"]["quotes_verified"] == 19


def test_strict_makes_warnings_fatal(runner: CliRunner, make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "dossiers/people/lonely.yaml": (
                'id: lonely\nkind: person\nname: L\nsummary: S\nas_of: "2024"\nreviewed: "2024"\n'
            )
        }
    )
    assert run(runner, "check", "-p", root)[0] == 0
    code, _, err = run(runner, "check", "-p", root, "--strict")
    assert code == 1
    assert err.splitlines() == [
        "dossiers/people/lonely.yaml:1:5: warning: id: nothing links to 'lonely' and it "
        "links to nothing: add a relationship",
        "Error: check failed (--strict: warnings count)",
    ]


def test_missing_settings(runner: CliRunner, make_project: ProjectFactory) -> None:
    root = make_project({"dossier.yaml": ""})
    code, _, err = run(runner, "check", "-p", root)
    assert code == 2
    assert err.endswith(
        f"Error: --project {root}: not a dossier repository (no dossier.yaml in it); "
        "start one with `dossier init`, or pass the folder that holds dossier.yaml\n"
    )


def test_invalid_settings(runner: CliRunner, make_project: ProjectFactory) -> None:
    root = make_project({"dossier.yaml": 'title: T\nmarking: M\nas_of: "2024"\ntheme: dark\n'})
    code, _, err = run(runner, "check", "-p", root)
    assert code == 1
    assert err == (
        "Error: invalid settings:\ndossier.yaml:4:1: theme: unknown field 'theme'; allowed: "
        "as_of, marking, max_archive_size, max_file_size, templates, title\n"
    )


def test_archive_edited(
    runner: CliRunner, make_project: ProjectFactory, good_project: Path
) -> None:
    original = (good_project / "seeds/000_98ba2910a1379f0b.txt").read_text(encoding="utf-8")
    edited = original.replace("Malik", "Malick")
    root = make_project({"seeds/000_98ba2910a1379f0b.txt": edited})
    digest = hashlib.sha256(edited.encode("utf-8")).hexdigest()
    code, _, err = run(runner, "check", "-p", root)
    assert code == 1
    assert (
        "seeds/seed-000.yaml:10:9: sha256: seeds/000_98ba2910a1379f0b.txt has sha256 "
        f"{digest}; archives are never "
        "edited: restore the original file, or fix sha256 if the metadata is wrong"
    ) in err.splitlines()


def test_missing_archive(runner: CliRunner, make_project: ProjectFactory) -> None:
    root = make_project({"seeds/000_98ba2910a1379f0b.txt": ""})
    code, _, err = run(runner, "check", "-p", root)
    assert code == 1
    assert err.splitlines()[0] == (
        "seeds/seed-000.yaml:9:7: file: archived file 'seeds/000_98ba2910a1379f0b.txt' not found"
    )


def test_oversized_profile(runner: CliRunner, make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "dossier.yaml": 'title: T\nmarking: M\nas_of: "2024"\nmax_file_size: 4096\n',
            "dossiers/people/big.yaml": "id: big\n# " + "x" * 5000 + "\n",
        }
    )
    code, _, err = run(runner, "check", "-p", root)
    assert code == 1
    assert err.splitlines()[0] == (
        "dossiers/people/big.yaml:1:1: file is 5,011 bytes, over the limit of 4,096 "
        "(raise max_file_size in dossier.yaml if this is intended)"
    )


def test_empty_profile(runner: CliRunner, make_project: ProjectFactory) -> None:
    root = make_project({"dossiers/groups/empty.yaml": "# nothing yet\n"})
    code, _, err = run(runner, "check", "-p", root)
    assert code == 1
    assert err.splitlines()[0] == (
        "dossiers/groups/empty.yaml:1:1: file is empty; expected a mapping of fields "
        "(id, name, aliases, summary, …)"
    )


def test_usage_error_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    assert run(runner, "check", "--format", "xml")[0] == 2
    assert run(runner, "check", "--project", tmp_path / "nope")[0] == 2
    assert run(runner, "frobnicate")[0] == 2


def test_schema_writes_one_schema_per_file_kind(runner: CliRunner, tmp_path: Path) -> None:
    code, _, _ = run(runner, "schema", "--output", tmp_path)
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "book.schema.json",
        "export.schema.json",
        "profile.schema.json",
        "settings.schema.json",
        "source.schema.json",
    ]
    profile = json.loads((tmp_path / "profile.schema.json").read_text())
    assert (profile["if"], profile["then"], profile["else"]) == (
        {"properties": {"kind": {"const": "group"}}, "required": ["kind"]},
        {"$ref": "#/$defs/Group"},
        {"$ref": "#/$defs/Person"},
    )


def test_committed_schemas_are_current() -> None:
    for name, text in schema_documents().items():
        assert (REPO / "schemas" / name).read_text(encoding="utf-8") == text, (
            f"schemas/{name} is stale: run `make schema`"
        )


def test_every_command_has_help_with_example_and_is_in_readme(runner: CliRunner) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in main.commands:
        code, out, _ = run(runner, name, "--help")
        assert code == 0
        assert "Example:" in out, name
        assert f"dossier {name}" in readme, name


def test_template_folder_must_exist_inside_the_repository(
    runner: CliRunner, make_project: ProjectFactory
) -> None:
    for folder, message in (
        ("theme", "template folder 'theme' does not exist"),
        ("../..", "template folder '../..' is outside the repository; keep it inside"),
    ):
        root = make_project(
            {"dossier.yaml": f'title: T\nmarking: M\nas_of: "2024"\ntemplates: "{folder}"\n'}
        )
        code, _, err = run(runner, "check", "-p", root)
        assert code == 1
        assert err.splitlines()[0] == f"dossier.yaml:4:12: templates: {message}"
        shutil.rmtree(root)
