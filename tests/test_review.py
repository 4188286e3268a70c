"""Second reading: fingerprints, sign-offs, review states, the worksheet and the review line."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

import builder.cli.review  # noqa: F401  (registers `dossier review` on main)
from builder.check.rules import check_project
from builder.cli import main
from builder.errors import Diagnostic
from builder.publish.build import BuildOptions, build
from builder.publish.edition import history
from builder.review import ReviewCounts, review_diagnostics, review_states
from builder.review.fingerprint import content_hash, fingerprint
from builder.review.store import load_reviews
from builder.review.worksheet import CitationSheet, ItemSheet, Passage, Worksheet, as_text
from builder.source import ids
from builder.source.load import load_project
from builder.source.models import Claim, Paragraph
from tests.conftest import TESTS, ProjectFactory

ISI = "dossiers/groups/isi.yaml"
REVIEW = "reviews/isi.yaml"
CITE_6 = {
    "source": "seed-000",
    "locator": "¶6",
    "quote": "the foreign intelligence arm of Pakistan’s military",
    "credibility": 2,
}
CITE_5 = {
    "source": "seed-000",
    "locator": "¶5",
    "quote": "Pakistan’s Inter-Services Intelligence (ISI)",
    "credibility": 2,
}
# Two claims in one list, so that the list can be reordered.
TWO_TYPES = """\
id: isi
kind: group
name: Inter-Services Intelligence
summary: Pakistan's military intelligence agency.
facts:
  type:
    - value: Military intelligence agency
      citations:
        - source: seed-000
          locator: "¶6"
          quote: "the foreign intelligence arm of Pakistan’s military"
          credibility: 2
    - value: Foreign intelligence service
      status: alleged
      citations:
        - source: seed-000
          locator: "¶5"
          quote: "Pakistan’s Inter-Services Intelligence (ISI)"
          credibility: 3
as_of: "2024-09"
reviewed: "2026-11-24"
"""
FIRST = """\
    - value: Military intelligence agency
      citations:
        - source: seed-000
          locator: "¶6"
          quote: "the foreign intelligence arm of Pakistan’s military"
          credibility: 2
"""
SECOND = """\
    - value: Foreign intelligence service
      status: alleged
      citations:
        - source: seed-000
          locator: "¶5"
          quote: "Pakistan’s Inter-Services Intelligence (ISI)"
          credibility: 3
"""


def run(runner: CliRunner, root: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(main, [*args, "--project", str(root)])
    return result.exit_code, result.stdout, result.stderr


def edit(root: Path, path: str, old: str, new: str) -> None:
    target = root / path
    text = target.read_text(encoding="utf-8")
    assert old in text, old
    target.write_text(text.replace(old, new, 1), encoding="utf-8")


def item_ids(root: Path, entity: str) -> dict[str, str]:
    """Label -> id of each item of a profile."""
    project = load_project(root)
    model = next(e.model for e in project.entities if e.model.id == entity)
    return {item.label(): item.id for item in ids.items(model)}


def diagnostics(root: Path, required: bool = True) -> tuple[ReviewCounts, list[str]]:
    project = load_project(root)
    index = check_project(project).index
    counts, found = review_diagnostics(project, index, history(root), required)
    return counts, [d.format() for d in found]


def state_line(root: Path, entity: str) -> str:
    project = load_project(root)
    index = check_project(project).index
    return review_states(project, index, history(root))[entity].line()


def git(root: Path, *args: str) -> str:
    command = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@localhost"]
    return subprocess.run([*command, *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The good project in a git repository, committed by Alice; Zed works there now."""
    root = tmp_path / "repo"
    shutil.copytree(TESTS / "projects/good", root)
    git(root, "init", "-q")
    git(root, "config", "user.name", "Zed")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--author", "Alice <alice@localhost>", "-m", "first")
    return root


# --- fingerprints ----------------------------------------------------------


def test_fingerprint_ignores_key_order_citation_order_and_id() -> None:
    grades = {"seed-000": "B"}
    one = Claim.model_validate({"value": "Agency", "citations": [CITE_6, CITE_5]})
    other = Claim.model_validate(
        {
            "citations": [dict(reversed(CITE_5.items())), CITE_6],
            "id": "c-own-id",
            "value": "Agency",
        }
    )
    assert fingerprint(one, grades) == fingerprint(other, grades)
    assert content_hash(one) == content_hash(other)
    assert re.fullmatch(r"[0-9a-f]{12}", fingerprint(one, grades))


def test_citation_order_counts_where_the_text_points_at_citations() -> None:
    grades = {"seed-000": "B"}
    text = "The ISI collects intelligence[^1] and is an agency.[^2]"
    one = Paragraph.model_validate({"text": text, "citations": [CITE_6, CITE_5]})
    swapped = Paragraph.model_validate({"text": text, "citations": [CITE_5, CITE_6]})
    assert fingerprint(one, grades) != fingerprint(swapped, grades)


@pytest.mark.parametrize(
    "change",
    [
        {"value": "Intelligence agency"},
        {"status": "disputed"},
        {"attributed_to": "India"},
        {"citations": [{**CITE_6, "credibility": 3}]},
        {"citations": [{**CITE_6, "note": "Paraphrased by the outlet."}]},
        {"citations": [{**CITE_6, "quote": "the foreign intelligence arm"}]},
        {"citations": [{**CITE_6, "locator": "¶7"}]},
    ],
)
def test_fingerprint_changes_with_any_edit(change: dict[str, object]) -> None:
    grades = {"seed-000": "B"}
    base = {"value": "Military intelligence agency", "citations": [CITE_6]}
    before = Claim.model_validate(base)
    after = Claim.model_validate({**base, **change})
    assert fingerprint(before, grades) != fingerprint(after, grades)


def test_fingerprint_changes_with_the_sources_grade() -> None:
    claim = Claim.model_validate({"value": "Agency", "citations": [CITE_6]})
    assert fingerprint(claim, {"seed-000": "B"}) != fingerprint(claim, {"seed-000": "C"})
    assert content_hash(claim) == content_hash(claim.model_copy())


# --- approving and counting --------------------------------------------------


def test_approve_writes_the_file_and_check_counts_it(
    runner: CliRunner, make_project: ProjectFactory
) -> None:
    root = make_project({})
    found = item_ids(root, "isi")
    claim = found["type: Military intelligence agency"]
    code, out, err = run(
        runner,
        root,
        "review",
        "isi",
        "--approve",
        claim,
        "--by",
        "Jane Roe",
        "--date",
        "2026-11-20",
    )
    assert (code, err) == (0, "")
    assert out == (
        "reviews/isi.yaml: 1 item signed off by Jane Roe\n"
        "isi: 1 of 3 items second-read by Jane Roe, 2026-11-20\n"
    )
    written = (root / REVIEW).read_text(encoding="utf-8")
    signoff = re.search(r"fingerprint: ([0-9a-f]{12})", written)
    assert signoff is not None
    assert written.endswith(
        "signoffs:\n"
        f"  - item: {claim}\n"
        f"    fingerprint: {signoff.group(1)}\n"
        "    by: Jane Roe\n"
        "    date: '2026-11-20'\n"
    )
    counts, problems = diagnostics(root, required=False)
    assert counts.summary() == "review: 1 second-read, 0 self-review, 0 stale, 9 unreviewed"
    assert problems == []


def test_approve_all_then_again_replaces_and_keeps_comments(
    runner: CliRunner, make_project: ProjectFactory
) -> None:
    root = make_project({})
    args = ("review", "isi", "--approve", "all", "--by", "Jane Roe", "--date", "2026-11-20")
    assert run(runner, root, *args)[1].startswith("reviews/isi.yaml: 3 items signed off")
    edit(root, REVIEW, "signoffs:\n", "signoffs:  # read on paper first\n")
    claim = item_ids(root, "isi")["type: Military intelligence agency"]
    code, out, _ = run(
        runner, root, "review", "isi", "--approve", claim, "--by", "Ann Lee", "--date", "2026-11-21"
    )
    assert code == 0
    assert out.endswith("isi: 3 of 3 items second-read by Ann Lee and Jane Roe, 2026-11-21\n")
    text = (root / REVIEW).read_text(encoding="utf-8")
    assert "signoffs:  # read on paper first\n" in text
    assert text.count("- item:") == 3
    assert text.count("by: Ann Lee") == 1
    # "all" only takes what is not second-read yet.
    code, out, _ = run(runner, root, "review", "isi", "--approve", "all", "--by", "Bo")
    assert out.startswith("reviews/isi.yaml: 0 items signed off by Bo\n")


def test_usage_errors(runner: CliRunner, make_project: ProjectFactory) -> None:
    root = make_project({})
    claim = item_ids(root, "isi")["type: Military intelligence agency"]
    cases = [
        (("review", "isl"), "no entity 'isl' in this repository; did you mean 'isi'?"),
        (
            ("review", "isi", "--approve", claim[:-1] + "x", "--by", "A"),
            f"no item '{claim[:-1]}x' in isi; did you mean '{claim}'?",
        ),
        (("review", "isi", "--approve", "all"), "--by NAME is required: git has no user.name here"),
        (("review", "isi", "--approve", "all", "--by", " "), "--by: give the reviewer's name"),
        (
            ("review", "isi", "--approve", "all", "--by", "A", "--date", "2026-02-30"),
            "--date '2026-02-30': day is out of range for month",
        ),
    ]
    for args, message in cases:
        code, out, err = run(runner, root, *args)
        assert (code, out) == (2, ""), args
        assert err.endswith(f"Error: {message}\n"), err
    assert not (root / "reviews").exists()


def test_refuses_to_sign_off_a_profile_with_errors(
    runner: CliRunner, make_project: ProjectFactory
) -> None:
    root = make_project({})
    edit(root, ISI, 'quote: "the foreign intelligence arm', 'quote: "the foreign spy arm')
    code, out, err = run(runner, root, "review", "isi", "--approve", "all", "--by", "A")
    assert (code, out) == (1, "")
    assert err.startswith("dossiers/groups/isi.yaml:")
    assert err.endswith(
        "Error: isi has errors; fix them before signing off (`dossier check` lists them)\n"
    )
    assert not (root / "reviews").exists()


# --- stale, reordered, self-reviewed ----------------------------------------


def test_an_edit_makes_the_signoff_stale_in_check_worksheet_html_and_pdf(
    runner: CliRunner, make_project: ProjectFactory, tmp_path: Path
) -> None:
    root = make_project({})
    run(
        runner,
        root,
        "review",
        "isi",
        "--approve",
        "all",
        "--by",
        "Jane Roe",
        "--date",
        "2026-11-20",
    )
    out = tmp_path / "out"
    options = BuildOptions(output=out, entities=frozenset({"isi"}), jobs=1)
    build(root, options)
    line = "Second reading: 3 of 3 items second-read by Jane Roe, 2026-11-20"
    link = ' (<a href="review/isi.html">review worksheet</a>).'
    assert line + link in (out / "html/isi.html").read_text(encoding="utf-8")
    assert f"{line}." in pdf_text(out / "pdf/isi.pdf")
    claim = item_ids(root, "isi")["type: Military intelligence agency"]

    edit(
        root,
        ISI,
        'arm of Pakistan’s military"\n          credibility: 2',
        'arm of Pakistan’s military"\n          credibility: 3',
    )
    counts, problems = diagnostics(root)
    assert counts.summary() == "review: 2 second-read, 0 self-review, 1 stale, 7 unreviewed"
    assert (
        f"dossiers/groups/isi.yaml:14:7: facts.type.0: claim {claim} changed since Jane Roe "
        "signed it off on 2026-11-20 (reviews/isi.yaml:5); read it again in `dossier review isi`"
    ) in problems
    code, sheet, _ = run(runner, root, "review", "isi")
    assert code == 0
    assert (
        f"[{claim}] claim: type: Military intelligence agency\n"
        "  state: stale: changed since Jane Roe signed it off on 2026-11-20"
    ) in sheet
    build(root, options)
    line = "Second reading: 2 of 3 items second-read by Jane Roe, 2026-11-20; 1 changed since"
    page = (out / "html/isi.html").read_text(encoding="utf-8")
    assert line + link in page
    assert f"{line}." in pdf_text(out / "pdf/isi.pdf")
    worksheet = (out / "html/review/isi.html").read_text(encoding="utf-8")
    assert '<span class="review-badge stale">stale</span>' in worksheet


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def test_reordering_a_list_keeps_every_signoff(
    runner: CliRunner, make_project: ProjectFactory
) -> None:
    root = make_project({ISI: TWO_TYPES})
    run(
        runner,
        root,
        "review",
        "isi",
        "--approve",
        "all",
        "--by",
        "Jane Roe",
        "--date",
        "2026-11-20",
    )
    assert state_line(root, "isi") == "2 of 2 items second-read by Jane Roe, 2026-11-20"
    edit(root, ISI, FIRST + SECOND, SECOND + FIRST)
    # Keys of an item reordered too: layout is not content.
    edit(root, ISI, "      status: alleged\n      citations:\n", "      citations:\n")
    edit(
        root, ISI, "          credibility: 3\n", "          credibility: 3\n      status: alleged\n"
    )
    assert list(item_ids(root, "isi")) == [
        "type: Foreign intelligence service",
        "type: Military intelligence agency",
    ]
    assert state_line(root, "isi") == "2 of 2 items second-read by Jane Roe, 2026-11-20"
    counts, problems = diagnostics(root)
    assert (counts.summary(), problems) == (
        "review: 2 second-read, 0 self-review, 0 stale, 7 unreviewed",
        [p for p in problems if "asim-malik" in p],
    )


def test_a_signoff_by_the_last_author_is_a_self_review(runner: CliRunner, repo: Path) -> None:
    args = ("review", "isi", "--approve", "all", "--date", "2026-11-20")
    assert run(runner, repo, *args, "--by", "alice")[1].endswith(
        "isi: none of 3 items second-read yet; 3 self-reviewed only\n"
    )
    counts, problems = diagnostics(repo)
    assert counts.summary() == "review: 0 second-read, 3 self-review, 0 stale, 7 unreviewed"
    claim = item_ids(repo, "isi")["type: Military intelligence agency"]
    assert (
        f"dossiers/groups/isi.yaml:14:7: facts.type.0: claim {claim} was signed off by alice, "
        "who last changed it: a self-review, not a second reading"
    ) in problems
    assert run(runner, repo, *args, "--by", "Bob")[1].endswith(
        "isi: 3 of 3 items second-read by Bob, 2026-11-20\n"
    )
    # An uncommitted edit was made by whoever works here (git's user.name: Zed).
    edit(repo, ISI, "credibility: 2\nsummary", "credibility: 3\nsummary")
    alias = item_ids(repo, "isi")["ISI"]
    code, out, _ = run(runner, repo, "review", "isi", "--approve", alias, "--date", "2026-11-21")
    assert (code, out) == (
        0,
        "reviews/isi.yaml: 1 item signed off by Zed\n"
        "isi: 2 of 3 items second-read by Bob, 2026-11-20; 1 self-reviewed only\n",
    )
    # Committed by Carol, the same item is Carol's: Zed's sign-off is a second reading.
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--author", "Carol <carol@localhost>", "-m", "regrade")
    assert state_line(repo, "isi") == "3 of 3 items second-read by Bob and Zed, 2026-11-21"


def test_editing_a_value_without_an_id_keeps_the_signoff_as_stale(
    runner: CliRunner, repo: Path
) -> None:
    run(runner, repo, "review", "isi", "--approve", "all", "--by", "Bob", "--date", "2026-11-20")
    old = item_ids(repo, "isi")["type: Military intelligence agency"]
    edit(repo, ISI, "value: Military intelligence agency", "value: Military intelligence service")
    new = item_ids(repo, "isi")["type: Military intelligence service"]
    assert new != old  # a derived id follows the value
    counts, problems = diagnostics(repo)
    assert counts.summary() == "review: 2 second-read, 0 self-review, 1 stale, 7 unreviewed"
    assert (
        f"dossiers/groups/isi.yaml:14:7: facts.type.0: claim {new} changed since Bob signed it "
        "off on 2026-11-20 (reviews/isi.yaml:5); read it again in `dossier review isi`"
    ) in problems
    run(runner, repo, "review", "isi", "--approve", new, "--by", "Bob", "--date", "2026-11-21")
    text = (repo / REVIEW).read_text(encoding="utf-8")
    assert f"item: {new}\n" in text
    assert old not in text  # replaced in place, not left behind
    assert state_line(repo, "isi") == "3 of 3 items second-read by Bob, 2026-11-21"


# --- the review file --------------------------------------------------------


def test_review_file_problems_are_reported_at_their_line(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            REVIEW: (
                "signoffs:\n"
                "  - item: c-00000000\n"
                "    fingerprint: 0123456789ab\n"
                "    by: Jane Roe\n"
                "    date: '2026-11-20'\n"
                "  - item: c-00000000\n"
                "    fingerprint: 0123456789ab\n"
                "    by: Ann\n"
                "    date: '2026-11-20'\n"
            ),
            "reviews/asim.yaml": (
                "signoffs:\n"
                "  - item: c-00000000\n"
                "    fingerprnt: 0123456789ab\n"
                "    by: Jane Roe\n"
                "    date: 2026-13-01\n"
            ),
            "reviews/asim-malk.yaml": "signoffs: []\n",
        }
    )
    counts, problems = diagnostics(root, required=False)
    assert problems == [
        "reviews/asim-malk.yaml:1:1: warning: no profile 'asim-malk' in this repository; did you "
        "mean 'asim-malik'? (a review file is named after the profile it reviews)",
        "reviews/asim.yaml:2:5: signoffs.0.fingerprint: required field is missing",
        "reviews/asim.yaml:3:5: signoffs.0.fingerprnt: unknown field 'fingerprnt'; did you mean "
        "'fingerprint'? allowed: by, date, fingerprint, item",
        "reviews/asim.yaml:5:11: signoffs.0.date: month must be in 1..12",
        "reviews/isi.yaml:2:11: warning: signoffs.0.item: no item 'c-00000000' in isi (removed, "
        "or edited without an id); remove this sign-off (`dossier ids` gives items ids that "
        "survive an edit)",
        "reviews/isi.yaml:6:11: signoffs.1.item: 'c-00000000' is signed off already at line 2; "
        "keep one sign-off per item",
    ]
    assert counts.summary() == "review: 0 second-read, 0 self-review, 0 stale, 10 unreviewed"


def test_unreviewed_items_are_errors_only_when_required(make_project: ProjectFactory) -> None:
    root = make_project({})
    counts, problems = diagnostics(root, required=False)
    assert (counts.unreviewed, problems) == (10, [])
    counts, problems = diagnostics(root, required=True)
    claim = item_ids(root, "isi")["type: Military intelligence agency"]
    assert len(problems) == 10
    assert (
        f"dossiers/groups/isi.yaml:14:7: facts.type.0: claim {claim} has no second reading; "
        "read it in `dossier review isi`"
    ) in problems
    project = load_project(root)
    _, found = review_diagnostics(project, check_project(project).index, None, True)
    assert {d.rule for d in found} == {"review-unreviewed"}
    assert all(isinstance(d, Diagnostic) and d.severity == "error" for d in found)


def test_load_reviews_reads_nothing_without_a_folder(good_project: Path) -> None:
    reviews = load_reviews(load_project(good_project))
    assert (dict(reviews.files), reviews.problems) == ({}, ())


# --- the worksheet ----------------------------------------------------------


def test_worksheet_marks_the_quote_in_its_paragraph_with_neighbours(
    runner: CliRunner, good_project: Path
) -> None:
    code, out, err = run(runner, good_project, "review", "isi")
    assert (code, err) == (0, "")
    claim = item_ids(good_project, "isi")["type: Military intelligence agency"]
    assert out.startswith(
        "Review worksheet: Inter-Services Intelligence (isi), dossiers/groups/isi.yaml\n"
        "Second reading: none of 3 items second-read yet\n\n"
        f"[{claim}] claim: type: Military intelligence agency\n"
        "  state: unreviewed (fingerprint "
    )
    lines = out.splitlines()
    start = lines.index(f"[{claim}] claim: type: Military intelligence agency")
    assert lines[start + 2 : start + 5] == [
        "  | Military intelligence agency",
        "  | status: reported",
        "  1. Asim Malik's challenges as head of the ISI (seed-000) ¶6 [B2]",
    ]
    assert lines[start + 6].startswith("       ¶5: Pakistan’s Inter-Services Intelligence (ISI) is")
    assert lines[start + 7].startswith("     > ¶6: One of ISI’s key roles")
    assert "As [[the foreign intelligence arm of Pakistan’s military]], the ISI" in lines[start + 7]
    assert lines[start + 8].startswith("       ¶7: After the collapse")


def test_worksheet_marks_elided_quotes_piece_by_piece(
    runner: CliRunner, good_project: Path
) -> None:
    out = run(runner, good_project, "review", "asim-malik", "--format", "html")[1]
    assert (
        "In addition, Asim Malik is <mark>the first head of the ISI to have a doctoral degree"
        "</mark>."
    ) in out
    assert (
        "and <mark>his doctoral thesis focused on the analysis of Pakistan-US relations</mark>."
        in out
    )


def test_text_worksheet_escapes_control_characters() -> None:
    passage = Passage(1, True, (("before \x1b[2J ", False), ("quoted", True)))
    cite = CitationSheet("s", "Title\x07", "B2", "¶1", "quoted", None, (passage,), None)
    item = ItemSheet("c-1", "claim", "x", ("x",), "unreviewed", "unreviewed", "0" * 12, (cite,))
    text = as_text(Worksheet("e", "E", "p.yaml", "none of 1 item second-read yet", (item,)))
    assert "\x1b" not in text and "\x07" not in text
    assert "  1. Title\\x07 (s) ¶1 [B2]" in text
    assert "   > ¶1: before \\x1b[2J [[quoted]]" in text
