"""The bundled corpus: the repository's own dossiers must pass every check."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from builder.check.rules import CheckResult, check_project
from builder.publish.build import BuildOptions, build
from builder.source.load import load_project
from tests.conftest import REPO
from tests.pdftext import footnotes_by_page
from tests.test_build import assert_site_links_resolve

MAIN = ["asim-malik", "faiz-hameed", "ttp", "bla", "isis-k"]


@pytest.fixture(scope="module")
def corpus() -> CheckResult:
    return check_project(load_project(REPO))


def test_corpus_is_clean_under_strict(corpus: CheckResult) -> None:
    assert [d.format() for d in corpus.errors + corpus.warnings] == []
    assert corpus.stats["quotes_verified"] == corpus.stats["citations"]


def test_corpus_covers_the_subjects_and_their_network(corpus: CheckResult) -> None:
    assert set(MAIN) <= set(corpus.index.entities)
    assert corpus.stats["entities"] >= 15
    for entity_id in MAIN:  # each main subject is linked into the network
        assert len(corpus.index.links[entity_id]) >= 2, entity_id


def test_sources_are_graded_with_reasons(corpus: CheckResult) -> None:
    grades = {i: s.model.reliability for i, s in corpus.index.sources.items()}
    kinds = {i: s.model.kind.value for i, s in corpus.index.sources.items()}
    assert kinds["seed-003"] == "advocacy"
    assert kinds["seed-004"] == "partisan"
    assert grades["seed-004"] in "EF"
    assert all(s.model.reliability_reason for s in corpus.index.sources.values())


def test_allegations_are_attributed(corpus: CheckResult) -> None:
    from builder.check.index import walk
    from builder.source.models import Attributed, Status

    for entity in corpus.index.entities.values():
        for loc, node in walk(entity.model):
            if isinstance(node, Attributed) and node.status is not Status.reported:
                assert node.attributed_to, (entity.path, loc)


def test_bundled_site_links_resolve(tmp_path: Path) -> None:
    build(REPO, BuildOptions(output=tmp_path, pdf=False))
    assert_site_links_resolve(tmp_path / "html")
    assert len(list((tmp_path / "html").glob("*.html"))) == 2 + 33  # index, network, profiles


@pytest.fixture(scope="module")
def bundled_book_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled briefing book, built once."""
    out = tmp_path_factory.mktemp("book")
    build(REPO, BuildOptions(output=out, html=False, books=frozenset({"pakistan-security"})))
    return out / "pdf" / "pakistan-security.pdf"


@pytest.fixture(scope="module")
def bundled_book(bundled_book_path: Path) -> PdfReader:
    """The bundled briefing book, read back."""
    return PdfReader(bundled_book_path)


def test_bundled_book_is_well_formed(bundled_book_path: Path, bundled_book: PdfReader) -> None:
    """What ``qpdf --check`` checks (pikepdf is qpdf), and the parts' joins."""
    with pikepdf.open(bundled_book_path) as pdf:
        assert pdf.check_pdf_syntax() == []
    labels = bundled_book.page_labels
    body = labels.index("1")  # the cover, then the contents in roman numerals
    assert labels[:body] == ["Cover", "i", "ii", "iii"][:body]
    assert labels[-1] == str(len(labels) - body)
    # every internal link leads to a page of this PDF
    links = 0
    for page in bundled_book.pages:
        for annot in page.get("/Annots", []):
            link = annot.get_object()
            assert "/URI" not in link.get("/A", {}) or not str(link["/A"]["/URI"]).startswith(
                "dossier-part:"
            )
            if "/Dest" in link:
                links += 1
                assert bundled_book.get_destination_page_number(
                    bundled_book.named_destinations[str(link["/Dest"])]
                ) in range(len(bundled_book.pages))
    assert links > 100  # contents entries, footnotes to the appendix, entity links


def test_bundled_book_footnotes_are_on_the_page_of_their_call(bundled_book: PdfReader) -> None:
    seen = 0
    for number, page in enumerate(bundled_book.pages, start=1):
        calls, notes = footnotes_by_page(page)
        assert sorted(calls) == sorted(notes), f"page {number}"
        seen += len(notes)
    # Every citation of the five profiles is a footnote (and so are the citations of
    # links derived from other profiles, shown on these pages too).
    profiles = ("people/asim-malik", "people/faiz-hameed", "groups/ttp", "groups/bla")
    own = sum(
        len(re.findall(r"\bsource: ", (REPO / f"dossiers/{path}.yaml").read_text("utf-8")))
        for path in (*profiles, "groups/isis-k")
    )
    assert seen >= own > 90


def test_bundled_book_builds(bundled_book: PdfReader) -> None:
    reader = bundled_book
    body = reader.page_labels.index("1")
    toc = "\n".join(page.extract_text() for page in reader.pages[1:body])
    for name in (
        "Muhammad Asim Malik",
        "Faiz Hameed",
        "Tehrik-i-Taliban Pakistan",
        "Balochistan Liberation Army",
        "ISIS-Khorasan",
    ):
        assert re.search(rf"^{re.escape(name)} \.+\s+\d+$", toc, flags=re.M), name
    assert all("UNCLASSIFIED // OPEN SOURCE" in p.extract_text() for p in reader.pages)
