"""``dossier fmt``: one canonical layout, values and comments never changed."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    SingleQuotedScalarString,
)

from builder.author.fmt import (
    ENTITY_ORDER,
    field_order,
    format_file,
    format_text,
    refold,
    repository_files,
)
from builder.cli import main
from builder.source.models import (
    Alias,
    Assessment,
    Citation,
    Claim,
    Event,
    Group,
    Person,
    Relationship,
    SizeEstimate,
    Source,
)
from builder.source.yamlread import read_yaml

REPO = Path(__file__).parent.parent
LIMIT = 1 << 20


def run(runner: CliRunner, *args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def _unformat(path: Path) -> None:
    """Lay a file out the way editors wrote the corpus before `dossier fmt`: citations
    as one-line flow mappings, no wrapping, keys of each item in reverse order."""
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.preserve_quotes = True
    document = yaml.load(path.read_text(encoding="utf-8"))

    def walk(node: object, key: object = None) -> None:
        if isinstance(node, dict):
            if key == "citations" or {"source", "locator", "quote"} <= set(node):
                node.fa.set_flow_style()  # type: ignore[attr-defined]
            for name, value in list(node.items()):
                walk(value, name)
        elif isinstance(node, list):
            for value in node:
                walk(value, key)
            if key not in (None, "citations"):
                for item in node:
                    if isinstance(item, dict) and "id" in item and len(item) > 2:
                        first = next(iter(item))
                        item.move_to_end(first)  # type: ignore[attr-defined]

    walk(document)
    out = io.StringIO()
    yaml.dump(document, out)
    path.write_text(out.getvalue(), encoding="utf-8")


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """The bundled repository's YAML files, copied and laid out otherwise (the corpus is
    committed formatted; the originals are never touched)."""
    root = tmp_path / "corpus"
    shutil.copytree(REPO / "dossiers", root / "dossiers")
    shutil.copytree(REPO / "seeds", root / "seeds")
    shutil.copy(REPO / "dossier.yaml", root / "dossier.yaml")
    for path in repository_files(root):
        before = _data(path)
        _unformat(path)
        assert _data(path) == before, path
    return root


def test_the_committed_corpus_is_formatted(runner: CliRunner) -> None:
    code, out, err = run(runner, "fmt", "--check", "--project", REPO)
    assert (code, err) == (0, "")
    assert out.endswith(" files already formatted\n")


def _data(path: Path) -> object:
    return read_yaml(path.read_bytes(), LIMIT)[0]


def _comments(path: Path) -> list[str]:
    return sorted(line.strip() for line in path.read_text().splitlines() if line.strip()[:1] == "#")


def test_corpus_changes_layout_only(runner: CliRunner, corpus_copy: Path) -> None:
    files = repository_files(corpus_copy)
    before = {path: (path.read_bytes(), _data(path), _comments(path)) for path in files}
    assert len(files) > 30  # the corpus is edited meanwhile: no exact count
    checked = _check(runner, corpus_copy)

    code, out, err = run(runner, "fmt", "--project", corpus_copy)

    assert (code, err) == (0, "")
    changed = [p for p in files if p.read_bytes() != before[p][0]]
    shown = [p.relative_to(corpus_copy).as_posix() for p in changed]
    assert out.splitlines() == [
        *(f"{name}: reformatted" for name in shown),
        f"{len(changed)} files reformatted, {len(files) - len(changed)} already formatted",
    ]
    assert len(changed) > 30
    comments = 0
    for path in files:
        assert (_data(path), _comments(path)) == before[path][1:], path
        comments += len(_comments(path))
    assert comments >= len(files) - 1  # the schema modelines at least
    assert max(len(line) for p in files for line in p.read_text().splitlines()) <= 104
    # Formatting again changes nothing, and --check agrees.
    assert run(runner, "fmt", "--check", "--project", corpus_copy) == (
        0,
        f"{len(files)} files already formatted\n",
        "",
    )
    assert _check(runner, corpus_copy) == checked


def _check(runner: CliRunner, root: Path) -> tuple[object, ...]:
    """What check finds, without the line and column numbers a new layout moves."""
    report = json.loads(run(runner, "check", "--format", "json", "--project", root)[1])
    found = [
        (d["file"], d["field"], re.sub(r"\.yaml:[0-9]+", ".yaml:N", d["message"]))
        for d in report["errors"] + report["warnings"]
    ]
    return report["stats"], sorted(found)


def test_check_lists_files_and_changes_nothing(runner: CliRunner, corpus_copy: Path) -> None:
    book = corpus_copy / "dossiers/books/pakistan-security.yaml"
    old = book.read_bytes()

    code, out, err = run(runner, "fmt", "--check", "--project", corpus_copy, book)

    assert (code, out) == (1, "dossiers/books/pakistan-security.yaml: would be reformatted\n")
    assert err == ("Error: 1 file would be reformatted, 0 already formatted; run `dossier fmt`\n")
    assert book.read_bytes() == old


def test_comments_stay_with_their_lines(tmp_path: Path) -> None:
    text = """\
# yaml-language-server: $schema=../../schemas/profile.schema.json
kind: person   # eol kind
id: x
name: X
# about the summary
summary: >-
  A folded summary that
  goes on.
# about as_of
as_of: "2024-09"
reviewed: "2026-01-01"  # eol reviewed
facts:
  positions:
    - citations:
        - {source: s, locator: "¶1", quote: "q  with  spaces", credibility: 2}  # checked
      # about value
      value: Head   # eol value
      entity: isi
# end of file
"""
    assert (
        format_text(text, Person)
        == """\
# yaml-language-server: $schema=../../schemas/profile.schema.json
id: x
kind: person   # eol kind
name: X
# about the summary
summary: >-
  A folded summary that goes on.
facts:
  positions:
    # about value
    - value: Head   # eol value
      entity: isi
      citations:
        - source: s
          locator: "¶1"
          quote: "q  with  spaces"
          credibility: 2 # checked
# about as_of
as_of: "2024-09"
reviewed: "2026-01-01"  # eol reviewed
# end of file
"""
    )


def test_unknown_keys_keep_their_order_after_known_ones() -> None:
    text = "zeta: 1\nname: N\nalpha: 2\nid: x\n"
    assert format_text(text, Person) == "id: x\nname: N\nzeta: 1\nalpha: 2\n"


def test_key_order_follows_the_models() -> None:
    assert field_order(Claim) == (
        "id",
        *("value", "entity", "date", "start", "end"),
        *("status", "attributed_to", "inference", "note"),
        "citations",
    )
    assert field_order(SizeEstimate)[:9] == (
        "id",
        *("value", "entity", "date", "start", "end", "low", "high", "unit"),
    )
    assert field_order(Alias) == (
        "id",
        "name",
        "status",
        "attributed_to",
        "inference",
        "note",
        "citations",
    )
    assert field_order(Relationship)[:3] == ("id", "type", "target")
    assert field_order(Event)[:3] == ("id", "date", "title")
    assert field_order(Assessment)[-1] == "citations"
    assert field_order(Citation) == ("source", "locator", "quote", "credibility", "note")
    assert field_order(Source) == tuple(Source.model_fields)
    # Every field of a profile has its place: a new field must be added to ENTITY_ORDER.
    assert set(ENTITY_ORDER) == set(Person.model_fields) == set(Group.model_fields)


def test_canonical_file_is_left_byte_identical(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / "seeds").mkdir(parents=True)
    (root / "dossier.yaml").write_text('title: T\nmarking: "TLP:CLEAR"\nas_of: "2024-09"\n')
    result = format_file(root, root / "dossier.yaml", LIMIT)
    assert not result.changed
    assert result.new == result.old


def test_invalid_yaml_is_reported_and_left_alone(runner: CliRunner, corpus_copy: Path) -> None:
    broken = corpus_copy / "dossiers/people/broken.yaml"
    broken.write_text("id: broken\nname: [unclosed\n")
    old = broken.read_bytes()

    code, out, err = run(runner, "fmt", "--project", corpus_copy, broken)

    assert (code, out) == (1, "")
    assert err == (
        "dossiers/people/broken.yaml:3:1: YAML syntax error: did not find expected ',' or ']' "
        "(while parsing a flow sequence)\n"
        "Error: 1 file cannot be formatted (left unchanged); 0 reformatted, 0 already formatted\n"
    )
    assert broken.read_bytes() == old


def test_aliases_are_refused_like_check_does(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / "seeds").mkdir(parents=True)
    (root / "dossier.yaml").write_text('title: &t T\nmarking: *t\nas_of: "2024-09"\n')
    with pytest.raises(Exception, match=r"anchors \(&t\) are not allowed"):
        format_file(root, root / "dossier.yaml", LIMIT)


def test_a_path_outside_the_known_folders_is_a_usage_error(
    runner: CliRunner, corpus_copy: Path
) -> None:
    code, _, err = run(runner, "fmt", "--project", corpus_copy, corpus_copy / "dossiers/GRADING.md")
    assert code == 2
    assert err.endswith(
        f"Error: {corpus_copy}/dossiers/GRADING.md: not a profile, book, source or settings "
        f"file of the repository in '{corpus_copy}'\n"
    )


def test_refold_breaks_only_single_spaces_between_words() -> None:
    text = "aaa bbb  ccc ddd\n  kept as is eee fff"
    positions = refold(text, 7)
    assert positions == [3, 12]
    assert all(text[p] == " " and text[p - 1] != " " and text[p + 1] != " " for p in positions)


# Words joined by one or more spaces, sometimes quoted or holding YAML indicators.
_WORD = st.sampled_from(["alpha", "b", "#c", "d:", "'e'", '"f"', "g-h", "ي", "—", "x" * 30])
_TEXT = st.lists(
    st.tuples(_WORD, st.sampled_from([" ", " ", " ", "  "])), min_size=1, max_size=40
).map(lambda parts: "".join(w + s for w, s in parts).strip())


@settings(max_examples=150, deadline=None)
@given(value=_TEXT, style=st.sampled_from(["plain", "double", "single", "folded"]))
def test_wrapping_never_changes_a_value(
    tmp_path_factory: pytest.TempPathFactory, value: str, style: str
) -> None:
    wrap = {
        "plain": str,
        "double": DoubleQuotedScalarString,
        "single": SingleQuotedScalarString,
        "folded": FoldedScalarString,
    }[style]
    out = io.StringIO()
    YAML(typ="rt").dump({"facts": {"positions": [{"value": wrap(value)}]}}, out)
    root = tmp_path_factory.mktemp("w")
    (root / "dossiers/people").mkdir(parents=True)
    path = root / "dossiers/people/x.yaml"
    path.write_text(out.getvalue())
    result = format_file(root, path, LIMIT)  # raises if the value could not be kept
    assert read_yaml(result.new, LIMIT)[0] == read_yaml(result.old, LIMIT)[0]
    # ...and wrapped, not kept by the fallback that writes long lines unbroken.
    assert result.new.decode() == format_text(result.old.decode(), Person)


def test_plain_scalars_keep_their_spelling() -> None:
    text = (
        "id: x\na: 2024-9-3\nb: 1_000\nc: 012\nd: 0x1F\ne: yes\nf: 1e3\ng: .inf\n"
        "h: 2001-12-14t21:59:43.10-05:00\ni: 'it''s'\nj: \"tab\\there\"\n"
    )
    assert format_text(text, None) == text
    assert format_text("id: s\nurl: ~\n", Source) == "id: s\nurl: null\n"


def test_a_folder_stands_for_its_files(runner: CliRunner, corpus_copy: Path) -> None:
    code, out, _ = run(runner, "fmt", "--check", "--project", corpus_copy, corpus_copy / "seeds")
    names = sorted(p.name for p in (corpus_copy / "seeds").glob("*.yaml"))
    assert code == 1
    assert out.splitlines() == [f"seeds/{name}: would be reformatted" for name in names]
