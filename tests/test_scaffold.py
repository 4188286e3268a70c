"""``dossier init`` and ``dossier new``: a repository and skeletons, never overwriting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from pre_commit.clientlib import load_config  # type: ignore[import-untyped]

from builder.cli import main
from builder.source.schema import schema_documents

TESTS = Path(__file__).parent
SEED_TEXT = TESTS / "projects/good/seeds/000_98ba2910a1379f0b.txt"
SEED_SHA = "493a7835666a3a6875fa203d39fa02c7b19f89dac213e4395d11d6a944fd0dd4"
EMPTY_CHECK = (
    "0 entities (0 people, 0 groups), 0 sources, 0 claims, 0 citations, "
    "0 quotes verified: 0 errors, 0 warnings\n"
    "review: 0 second-read, 0 self-review, 0 stale, 0 unreviewed\n"
)


def run(runner: CliRunner, *args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def repo(runner: CliRunner, tmp_path: Path) -> Path:
    """A repository fresh from ``dossier init``."""
    root = tmp_path / "desk"
    assert run(runner, "init", root)[0] == 0
    return root


def _listing(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_init_writes_a_repository_that_passes_check(runner: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "desk"

    code, out, err = run(runner, "init", root, "--title", "Sahel desk", "--marking", "TLP:AMBER")

    assert (code, err) == (0, "")
    shown = f"{root.as_posix()}/"
    assert out == (
        "".join(
            f"wrote {shown}{name}\n"
            for name in (
                "README.md",
                ".gitignore",
                ".pre-commit-config.yaml",
                "dossiers/GRADING.md",
                "dossiers/people/.gitkeep",
                "dossiers/groups/.gitkeep",
                "dossiers/books/.gitkeep",
                "seeds/.gitkeep",
                *(f"schemas/{name}" for name in schema_documents()),
                "dossier.yaml",
            )
        )
        + "Next: archive a source and start a profile, then check:\n"
        f"  cd {root} && dossier new source ARTICLE.txt\n"
        "  dossier new person ID        # or: group ID, book ID\n"
        "  dossier check --strict\n"
        "  git init && pre-commit install   # optional: check and fmt before each commit\n"
    )
    month = dt.date.today().strftime("%Y-%m")
    assert (root / "dossier.yaml").read_text() == (
        "# yaml-language-server: $schema=schemas/settings.schema.json\n"
        'title: "Sahel desk"  # title of the collection, on the site and on covers\n'
        'marking: "TLP:AMBER"  # default handling marking printed on every page\n'
        f'as_of: "{month}"  # default as-of date of publications: "2024", "2024-09" or '
        '"2024-09-30"\n'
        '# templates: theme  # a folder of template overrides (README, "Templates")\n'
    )
    for name, text in schema_documents().items():
        assert (root / "schemas" / name).read_text() == text
    assert (root / ".gitignore").read_text().splitlines()[-2:] == ["output/", "editions/"]
    assert (root / "README.md").read_text().startswith("# Sahel desk\n")
    grading = (root / "dossiers/GRADING.md").read_text()
    assert "## Source reliability (NATO/Admiralty, A–F)" in grading
    assert "seed-004" not in grading  # nothing of the bundled corpus
    # Valid for pre-commit (which reads `system` as its newer name, `unsupported`).
    hooks = load_config(root / ".pre-commit-config.yaml")["repos"][0]["hooks"]
    assert [(h["id"], h["entry"], h["pass_filenames"]) for h in hooks] == [
        ("dossier-check", "dossier check --strict", False),
        ("dossier-fmt", "dossier fmt --check", True),
    ]
    assert (root / ".pre-commit-config.yaml").read_text().count("language: system\n") == 2
    assert run(runner, "check", "--strict", "--project", root) == (0, EMPTY_CHECK, "")
    assert run(runner, "fmt", "--check", "--project", root) == (
        0,
        "1 file already formatted\n",
        "",
    )


def test_init_refuses_a_repository(runner: CliRunner, repo: Path) -> None:
    (repo / "README.md").unlink()
    before = _listing(repo)

    code, out, err = run(runner, "init", repo)

    assert (code, out) == (1, "")
    assert err == f"Error: {repo}/dossier.yaml: already exists; this is a dossier repository\n"
    assert _listing(repo) == before


def test_init_keeps_files_already_there(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Ours\n")

    code, out, _ = run(runner, "init", tmp_path)

    assert code == 0
    assert f"kept {tmp_path}/README.md (already there)\n" in out
    assert (tmp_path / "README.md").read_text() == "# Ours\n"


def test_init_refuses_a_bad_marking(runner: CliRunner, tmp_path: Path) -> None:
    code, _, err = run(runner, "init", tmp_path, "--marking", "")
    assert code == 2
    assert err.endswith(
        "Error: --title/--marking not accepted: marking: String should have at least 1 character\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("kind", "folder"),
    [("person", "dossiers/people"), ("group", "dossiers/groups"), ("book", "dossiers/books")],
)
def test_new_skeleton_is_pointed_at_by_check(
    runner: CliRunner, repo: Path, kind: str, folder: str
) -> None:
    code, out, err = run(runner, "new", kind, "jane-doe", "--project", repo)

    assert (code, err) == (0, "")
    assert out == (
        f"wrote {folder}/jane-doe.yaml\n"
        'Fill in every "" (dossier check lists each one left), then run dossier check.\n'
    )
    text = (repo / folder / "jane-doe.yaml").read_text()
    schema = "book" if kind == "book" else "profile"
    assert text.startswith(f"# yaml-language-server: $schema=../../schemas/{schema}.schema.json\n")
    assert "id: jane-doe  # the file name without .yaml" in text
    # Every placeholder is an error with its line; nothing passes half-filled.
    code, _, err = run(runner, "check", "--project", repo)
    placeholders = [
        n
        for n, line in enumerate(text.splitlines(), 1)
        if ': ""' in line and not line.lstrip().startswith("#")
    ]
    reported = {int(line.split(":")[1]) for line in err.splitlines() if line.startswith(folder)}
    assert code == 1
    assert placeholders and set(placeholders) <= reported
    assert run(runner, "fmt", "--check", "--project", repo)[0] == 0


def test_new_never_overwrites(runner: CliRunner, repo: Path) -> None:
    assert run(runner, "new", "person", "jane-doe", "--project", repo)[0] == 0
    path = repo / "dossiers/people/jane-doe.yaml"
    path.write_text("id: jane-doe\n# edited\n")

    again = run(runner, "new", "person", "jane-doe", "--project", repo)
    other = run(runner, "new", "group", "jane-doe", "--project", repo)

    assert again == (
        1,
        "",
        "Error: dossiers/people/jane-doe.yaml: already exists; left as it is\n",
    )
    assert other == (
        1,
        "",
        "Error: 'jane-doe' is already a person: dossiers/people/jane-doe.yaml\n",
    )
    assert path.read_text() == "id: jane-doe\n# edited\n"
    assert not (repo / "dossiers/groups/jane-doe.yaml").exists()


@pytest.mark.parametrize("ident", ["Jane", "jane_doe", "jane-", "a--b", "x" * 81])
def test_new_refuses_an_id_that_is_not_a_slug(runner: CliRunner, repo: Path, ident: str) -> None:
    code, _, err = run(runner, "new", "person", ident, "--project", repo)
    assert code == 2
    assert err.endswith(
        f"Error: Invalid value for ID: '{ident}' is not a valid id: use lowercase letters, "
        "digits and single hyphens (e.g. asim-malik), at most 80 characters\n"
    )
    assert list((repo / "dossiers/people").iterdir()) == [repo / "dossiers/people/.gitkeep"]


def test_new_source_archives_and_describes(runner: CliRunner, repo: Path) -> None:
    code, out, err = run(runner, "new", "source", SEED_TEXT, "--project", repo)

    archive = f"seed-000_{SEED_SHA[:16]}.txt"
    assert (code, err) == (0, "")
    assert out == (
        f"archived seeds/{archive}\n"
        "wrote seeds/seed-000.yaml\n"
        'Fill in every "" (title, date, language, kind, grade: see dossiers/GRADING.md), '
        "then cite it as source: seed-000\n"
    )
    assert (repo / "seeds" / archive).read_bytes() == SEED_TEXT.read_bytes()
    metadata = (repo / "seeds/seed-000.yaml").read_text()
    assert f"file: {archive}  #" in metadata
    assert f"sha256: {SEED_SHA}\n" in metadata
    assert f'retrieved: "{dt.date.today().isoformat()}"  # when it was archived\n' in metadata
    # The next one gets the next id; the same id again is refused.
    assert run(runner, "new", "source", SEED_TEXT, "--project", repo)[1].startswith(
        f"archived seeds/seed-001_{SEED_SHA[:16]}.txt\n"
    )
    assert run(runner, "new", "source", SEED_TEXT, "--id", "seed-000", "--project", repo) == (
        1,
        "",
        "Error: seeds/seed-000.yaml: already exists; nothing written\n",
    )


def test_new_source_must_be_utf8_text(runner: CliRunner, repo: Path, tmp_path: Path) -> None:
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Déjà vu\n".encode("latin-1"))

    code, out, err = run(runner, "new", "source", latin, "--id", "seed-009", "--project", repo)

    assert (code, out) == (1, "")
    assert err == (
        f"Error: {latin}: not UTF-8 text (byte 0xe9 at offset 1); convert it to UTF-8 "
        "first, since quotes are checked against it\n"
    )
    assert sorted(p.name for p in (repo / "seeds").iterdir()) == [".gitkeep"]


FILLED_SOURCE = f"""\
id: seed-000
title: Asim Malik's challenges as head of the ISI
author: Mukhtar Wafayee
publisher: Independent Persian
published: "~2024-09"
url: null
retrieved: "2026-11-24"
file: seed-000_{SEED_SHA[:16]}.txt
sha256: {SEED_SHA}
language: en
kind: news
reliability: C
reliability_reason: Named author and outlet; attributes most claims.
"""

# The README's "Writing a profile" example, citing the one archived source.
README_PROFILE = """\
# yaml-language-server: $schema=../../schemas/profile.schema.json
id: asim-malik                 # the file name without .yaml
kind: person                   # person in dossiers/people/, group in dossiers/groups/
name: Asim Malik
aliases:
  - name: Muhammad Asim Malik
    citations:
      - {source: seed-000, locator: "¶1", quote: "Lieutenant General Asim Malik", credibility: 2}
summary: Pakistani army officer appointed Director General of the ISI.
facts:
  rank:
    - value: Lieutenant General
      citations:
        - source: seed-000       # an id from seeds/
          locator: "¶1"          # the 1st non-blank line of the archived text
          quote: "Lieutenant General Asim Malik"   # verbatim; … marks elided words
          credibility: 2         # NATO/Admiralty 1 (confirmed) … 6 (cannot be judged)
relationships:
  - type: succeeded
    target: nadeem-anjum         # another profile's id
    citations:
      - {source: seed-000, locator: "¶3", quote: "Malik will replace Nadeem Anjum", credibility: 2}
as_of: "2024-09"
reviewed: "2026-11-24"
"""

SECOND_PROFILE = """\
id: nadeem-anjum
kind: person
name: Nadeem Anjum
summary: Head of the ISI before Asim Malik.
facts:
  positions:
    - value: Director General of the ISI, appointed in 2021
      citations:
        - source: seed-000
          locator: "¶3"
          quote: "Nadeem Anjum, who was appointed by Imran Khan in 2021"
          credibility: 2
as_of: "2024-09"
reviewed: "2026-11-24"
"""


def test_from_init_to_build(runner: CliRunner, repo: Path, tmp_path: Path) -> None:
    assert run(runner, "new", "source", SEED_TEXT, "--project", repo)[0] == 0
    assert run(runner, "new", "person", "asim-malik", "--project", repo)[0] == 0
    assert run(runner, "new", "person", "nadeem-anjum", "--project", repo)[0] == 0
    (repo / "seeds/seed-000.yaml").write_text(FILLED_SOURCE)
    (repo / "dossiers/people/asim-malik.yaml").write_text(README_PROFILE)
    (repo / "dossiers/people/nadeem-anjum.yaml").write_text(SECOND_PROFILE)

    assert run(runner, "check", "--strict", "--project", repo) == (
        0,
        "2 entities (2 people, 0 groups), 1 sources, 3 claims, 4 citations, "
        "4 quotes verified: 0 errors, 0 warnings\n"
        "review: 0 second-read, 0 self-review, 0 stale, 4 unreviewed\n",
        "",
    )
    assert run(runner, "fmt", "--project", repo)[0] == 0
    assert run(runner, "fmt", "--check", "--project", repo)[0] == 0
    assert run(runner, "check", "--strict", "--project", repo)[0] == 0
    formatted = (repo / "dossiers/people/asim-malik.yaml").read_text()
    assert formatted.count("#") == README_PROFILE.count("#")
    output = tmp_path / "out"
    code, _, err = run(runner, "build", "--only", "html", "--project", repo, "--output", output)
    assert (code, err) == (0, "")
    pages = sorted(p.name for p in (output / "html").glob("*.html"))
    assert {"asim-malik.html", "nadeem-anjum.html", "index.html"} <= set(pages)
    assert "Muhammad Asim Malik" in (output / "html/asim-malik.html").read_text()
