"""The command line as editors' other tools have it (issue 11).

Repository discovery, help, -h, -q/-v, "did you mean", exit status 2 for usage
errors, colour, shell completion, rule codes with --format json and github, and
JSON Schemas that a standard validator reads precisely.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import builder.cli
from builder.cli import complete_book, complete_entity, main
from builder.errors import Diagnostic, Severity
from tests.conftest import REPO, ProjectFactory

GOOD_SUMMARY = (
    "2 entities (1 people, 1 groups), 1 sources, 8 claims, 10 citations, "
    "10 quotes verified: 0 errors, 0 warnings\n"
    "review: 0 second-read, 0 self-review, 0 stale, 10 unreviewed\n"
)
LONELY = 'id: lonely\nkind: person\nname: L\nsummary: S\nas_of: "2024"\nreviewed: "2024"\n'
LONELY_WARNING = (
    "dossiers/people/lonely.yaml:1:5: warning: id: nothing links to 'lonely' and it "
    "links to nothing: add a relationship"
)
NOT_IN_REPOSITORY = (
    "Error: not in a dossier repository (no dossier.yaml here or in any parent folder); "
    "start one with `dossier init`, or pass --project\n"
)


def run(runner: CliRunner, *args: str | Path, **extra: object) -> tuple[int, str, str]:
    extra.setdefault("prog_name", "dossier")
    result = runner.invoke(main, [str(a) for a in args], **extra)  # type: ignore[arg-type]
    return result.exit_code, result.stdout, result.stderr


def usage(command: str, message: str) -> str:
    """What click prints for a usage error of ``dossier <command>``."""
    return (
        f"Usage: dossier {command} [OPTIONS]\n"
        f"Try 'dossier {command} --help' for help.\n\nError: {message}\n"
    )


# --- the repository is found like git finds its own -------------------------


def test_commands_find_the_repository_from_a_subfolder(
    runner: CliRunner, make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project({"dossiers/people/lonely.yaml": LONELY})
    monkeypatch.chdir(root / "dossiers" / "people")
    code, out, err = run(runner, "check")
    assert code == 0
    assert err == LONELY_WARNING + "\n"  # paths relative to the repository, not the cwd
    assert out.endswith(
        "0 errors, 1 warnings\nreview: 0 second-read, 0 self-review, 0 stale, 10 unreviewed\n"
    )


def test_outside_any_repository_is_a_usage_error(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(runner, "check")
    assert (code, out) == (2, "")
    assert err == (
        "Usage: dossier check [OPTIONS]\nTry 'dossier check --help' for help.\n\n"
        + NOT_IN_REPOSITORY
    )


def test_a_project_without_settings_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    code, _, err = run(runner, "build", "--project", tmp_path)
    assert code == 2
    assert err == usage(
        "build",
        f"--project {tmp_path}: not a dossier repository (no dossier.yaml in it); start one "
        "with `dossier init`, or pass the folder that holds dossier.yaml",
    )


def test_schema_with_output_and_verify_with_output_need_no_repository(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(runner, "schema", "--output", tmp_path / "schemas")[0] == 0
    assert (tmp_path / "schemas" / "profile.schema.json").is_file()
    assert run(runner, "schema") == (2, "", usage("schema", NOT_IN_REPOSITORY[7:-1]))


def test_completion_constants_mirror_the_loader() -> None:
    from builder.publish.plan import DEFAULT_BOOK
    from builder.source.load import BOOK_FOLDER, ENTITY_FOLDERS, SETTINGS_FILE

    assert builder.cli.SETTINGS_FILE == SETTINGS_FILE
    assert builder.cli.BOOK_FOLDER == BOOK_FOLDER
    assert builder.cli.DEFAULT_BOOK == DEFAULT_BOOK
    assert {
        folder: model.model_fields["kind"].annotation.__args__[0]  # type: ignore[union-attr]
        for folder, model in ENTITY_FOLDERS.items()
    } == builder.cli.ENTITY_FOLDERS


# --- help --------------------------------------------------------------------


def _example(help_text: str) -> list[str]:
    """The lines of the Example block of a command's help (its docstring)."""
    lines = help_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "Example:")
    block = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        block.append(line.strip())
    return block


def test_every_command_prints_its_examples_one_per_line(runner: CliRunner) -> None:
    commands = {"": main, **{f"{name} ": command for name, command in main.commands.items()}}
    assert {"build ", "check ", "diff ", "export ", "schema ", "verify "} <= set(commands)
    for name, command in commands.items():
        code, out, _ = run(runner, *name.split(), "--help")
        assert code == 0, name
        assert "\\b" not in out, f"dossier {name}--help prints a literal \\b"
        assert "\b" not in out, name
        examples = _example(command.help or "")
        assert examples, f"dossier {name}has no Example block"
        shown = [line.strip() for line in out.splitlines()]
        start = shown.index("Example:")
        assert shown[start + 1 : start + 1 + len(examples)] == examples, name
        words = ["dossier", *name.split()]
        assert all(line.split()[: len(words)] == words for line in examples), name


def test_h_is_help_everywhere(runner: CliRunner) -> None:
    assert run(runner, "-h") == run(runner, "--help")
    for name in main.commands:
        code, out, _ = run(runner, name, "-h")
        assert (code, out) == (0, run(runner, name, "--help")[1]), name
        assert "-h, --help" in out, name


# --- quiet and verbose ------------------------------------------------------


def test_quiet_prints_nothing_on_success(runner: CliRunner, good_project: Path) -> None:
    assert run(runner, "check", "-q", "-p", good_project) == (0, "", "")


def test_quiet_prints_errors_only(runner: CliRunner, make_project: ProjectFactory) -> None:
    lonely = {"dossiers/people/lonely.yaml": LONELY}
    root = make_project({**lonely, "dossiers/people/bad.yaml": "id: [bad\n"})
    code, out, err = run(runner, "check", "--quiet", "-p", root)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "dossiers/people/bad.yaml:2:1: YAML syntax error: did not find expected ',' or ']' "
        "(while parsing a flow sequence)",
        "Error: check failed",
    ]
    code, out, err = run(runner, "check", "-q", "--strict", "-p", root)
    assert LONELY_WARNING in err.splitlines()  # with --strict warnings are errors


def test_verbose_adds_progress(runner: CliRunner, good_project: Path) -> None:
    code, out, err = run(runner, "check", "-v", "-p", good_project)
    assert (code, out) == (0, GOOD_SUMMARY)
    assert err == f"loaded 2 profiles, 1 sources and 0 books from {good_project.resolve()}\n"
    code, _, err = run(runner, "check", "-vv", "-p", good_project)
    assert err.splitlines()[0] == f"debug: repository: {good_project.resolve()}"


def test_build_quiet_and_verbose(runner: CliRunner, good_project: Path, tmp_path: Path) -> None:
    quiet = run(runner, "build", "-q", "--only", "html", "-p", good_project, "-o", tmp_path / "q")
    assert quiet == (0, "", "")
    code, out, err = run(
        runner, "build", "-v", "--only", "html", "-p", good_project, "-o", tmp_path / "v"
    )
    assert code == 0
    assert out.startswith("Built ")
    assert " HTML files and 0 PDFs into " in out
    assert "wrote html/index.html" in err.splitlines()


# --- exit status 2 for every usage error ------------------------------------


USAGE_ERRORS: list[tuple[list[str], str]] = [
    (["check", "--format", "xml"], "Invalid value for '--format'"),
    (["frobnicate"], "No such command 'frobnicate'."),
    (["check", "-q", "-v"], "Error: --quiet and --verbose exclude each other"),
    (["check", "--project", "{tmp}/nope"], "Invalid value for '--project' / '-p'"),
    (["check", "--project", "{tmp}"], "not a dossier repository (no dossier.yaml in it)"),
    (["build", "--jobs", "0"], "Invalid value for '--jobs' / '-j'"),
    (["build", "--at", "v9.9"], "is not in a git repository"),
    (["diff", "v9.9"], "is not in a git repository"),
    (
        ["build", "--entity", "asim-malk", "--only", "html"],
        "Error: no entity 'asim-malk' in this repository; did you mean 'asim-malik'?",
    ),
    (
        ["build", "--book", "nothing", "--only", "html"],
        "Error: no book 'nothing' in this repository",
    ),
    (
        ["export", "--format", "json", "--entity", "isii"],
        "Error: no entity 'isii' in this repository; did you mean 'isi'?",
    ),
    (["export", "--format", "csv", "--output", "-"], "writes a folder of tables"),
    (
        ["verify", "--output", "{tmp}/none"],
        "/none: no such folder; build an edition first, or pass --output DIR",
    ),
]


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS)
def test_usage_errors_exit_2(
    runner: CliRunner,
    make_project: ProjectFactory,
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    root = make_project({})
    if "--project" not in args:
        args = [*args, "--project", str(root)]
    code, _, err = run(runner, *[a.format(tmp=tmp_path) for a in args])
    assert code == 2, err
    assert message in err
    assert "Traceback" not in err


# --- rule codes: JSON and GitHub annotations -------------------------------


def test_every_diagnostic_has_a_rule_code(runner: CliRunner, broken_project: Path) -> None:
    _, out, _ = run(runner, "check", "-p", broken_project, "--format", "json")
    report = json.loads(out)
    items = report["errors"] + report["warnings"]
    assert {(item["file"].rsplit("/", 1)[-1], item["rule"]) for item in items} >= {
        ("bad-quote.yaml", "quote-not-found"),
        ("wrong-locator.yaml", "wrong-locator"),
        ("unknown-source.yaml", "unknown-source"),
        ("dangling-target.yaml", "unknown-entity"),
        ("syntax-error.yaml", "yaml-syntax"),
        ("duplicate-key.yaml", "duplicate-key"),
        ("alias-bomb.yaml", "yaml-anchor"),
        ("seed-bad-hash.yaml", "archive-hash"),
        ("unknown-field.yaml", "unknown-field"),
        ("unknown-field.yaml", "missing-field"),
        ("bad-status.yaml", "schema"),
        ("typed-twice.yaml", "link-twice"),
        ("bad-markdown.yaml", "markdown-link"),
        ("bad-markdown.yaml", "citation-marker"),
        ("old-extension.yml", "yml-extension"),
        ("stray.yaml", "stray-file"),
        ("lonely.yaml", "isolated-entity"),
    }
    assert all(item["rule"] for item in items), [i["text"] for i in items if not i["rule"]]
    assert {item["severity"] for item in report["warnings"]} == {"warning"}
    assert {item["severity"] for item in report["errors"]} == {"error"}


def test_rule_codes_are_documented() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Rule codes") :]
    codes = {line.split("`")[1] for line in table.splitlines() if line.startswith("| `")}
    used = set()
    for path in (REPO / "builder").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for marker in ('rule="', 'rule: str = "', 'd.rule or "'):
            for piece in text.split(marker)[1:]:
                used.add(piece.split('"', 1)[0])
    used.discard("")
    used -= {"error", "warning"}
    assert used <= codes, sorted(used - codes)


def test_github_annotations(runner: CliRunner, make_project: ProjectFactory) -> None:
    root = make_project({"dossiers/people/lonely.yaml": LONELY})
    code, out, err = run(runner, "check", "--format", "github", "-p", root)
    assert code == 0
    assert out == (
        "::warning file=dossiers/people/lonely.yaml,line=1,col=5,title=isolated-entity::"
        "id: nothing links to 'lonely' and it links to nothing: add a relationship\n"
    )
    assert err.endswith(
        "0 errors, 1 warnings\nreview: 0 second-read, 0 self-review, 0 stale, 10 unreviewed\n"
    )


def test_github_annotations_escape_what_github_unescapes() -> None:
    diagnostic = Diagnostic("a,b:c%.yaml", 3, 4, "f", "50%\nof\x1b it, here: x", rule="r")
    assert diagnostic.github() == (
        "::error file=a%2Cb%3Ac%25.yaml,line=3,col=4,title=r::f: 50%25\\x0aof\\x1b it, here: x"
    )


def test_json_items_carry_rule_and_severity() -> None:
    diagnostic = Diagnostic("p.yaml", 1, 2, "id", "m", Severity.warning, "unused-source")
    assert diagnostic.as_json() == {
        "file": "p.yaml",
        "line": 1,
        "column": 2,
        "field": "id",
        "message": "m",
        "rule": "unused-source",
        "severity": "warning",
        "text": "p.yaml:1:2: warning: id: m",
    }


# --- colour --------------------------------------------------------------------

YELLOW_WARNING = "\x1b[33m\x1b[1mwarning:\x1b[0m"
RED_ERROR = "\x1b[31m\x1b[1mError:\x1b[0m"


def test_colour_on_a_terminal_only(
    runner: CliRunner, make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    root = make_project({"dossiers/people/lonely.yaml": LONELY})
    _, _, err = run(runner, "check", "--strict", "-p", root, color=True)
    assert err.splitlines() == [
        LONELY_WARNING.replace("warning:", YELLOW_WARNING),
        f"{RED_ERROR} check failed (--strict: warnings count)",
    ]
    _, _, piped = run(runner, "check", "--strict", "-p", root, color=False)
    assert piped.splitlines() == [LONELY_WARNING, "Error: check failed (--strict: warnings count)"]


@pytest.mark.parametrize("value", ["1", ""])
def test_no_color_is_honoured(runner: CliRunner, make_project: ProjectFactory, value: str) -> None:
    root = make_project({"dossiers/people/lonely.yaml": LONELY})
    _, _, err = run(runner, "check", "--strict", "-p", root, color=True, env={"NO_COLOR": value})
    assert err.splitlines() == [LONELY_WARNING, "Error: check failed (--strict: warnings count)"]


# --- shell completion -----------------------------------------------------------


def test_completion_of_entity_and_book_ids(
    runner: CliRunner, make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project({"dossiers/books/pakistan.yaml": "id: pakistan\n"})
    monkeypatch.chdir(root / "seeds")

    def complete(line: str) -> str:
        words = line.split()
        env = {
            "_DOSSIER_COMPLETE": "bash_complete",
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(words) - (0 if line.endswith(" ") else 1)),
        }
        result = runner.invoke(main, [], prog_name="dossier", env=env)
        assert result.exit_code == 0, result.output
        return result.stdout

    assert complete("dossier build --entity ") == "plain,asim-malik\nplain,isi\n"
    assert complete("dossier build --entity as") == "plain,asim-malik\n"
    assert complete("dossier export --book ") == "plain,pakistan\n"
    assert complete(f"dossier build -p {root} --entity i") == "plain,isi\n"


def test_complete_functions_work_without_a_repository(
    tmp_path: Path, good_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    ctx = click.Context(main)
    param = click.Option(["--entity"])
    assert complete_entity(ctx, param, "") == []
    assert complete_book(ctx, param, "") == []
    ctx.params["project"] = good_project
    found = complete_entity(ctx, param, "")
    assert [(item.value, item.help) for item in found] == [
        ("asim-malik", "person"),
        ("isi", "group"),
    ]
    assert [item.value for item in complete_book(ctx, param, "")] == ["briefing-book"]


# --- JSON Schemas read by a standard validator ------------------------------------


@pytest.mark.parametrize("folder", ["people", "groups"])
def test_schema_names_a_misspelt_field(good_project: Path, tmp_path: Path, folder: str) -> None:
    profile = next((good_project / "dossiers" / folder).glob("*.yaml"))
    text = profile.read_text(encoding="utf-8")
    bad = tmp_path / profile.name
    bad.write_text(text.replace("\nsummary:", "\nsummry:"), encoding="utf-8")
    validator = Path(sys.executable).parent / "check-jsonschema"
    schema = REPO / "schemas" / "profile.schema.json"
    checked = subprocess.run(
        [validator, "--schemafile", schema, bad], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 1
    assert checked.stdout.splitlines()[1:] == [
        f"  {bad}::$: Additional properties are not allowed ('summry' was unexpected)",
        f"  {bad}::$: 'summary' is a required property",
    ]
    good = subprocess.run(
        [validator, "--schemafile", schema, profile], capture_output=True, text=True, check=False
    )
    assert (good.returncode, good.stdout) == (0, "ok -- validation done\n")
