"""Sources in context: quotes mapped back to their words, source pages showing the text.

What a source page marks must be what check verified: :func:`quote_spans` runs
verification's own search and maps it back to the original characters, and the
page shows every paragraph (or only the cited ones when the source may not be
republished) with an id its citations link to and links back to the claims.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder.check.index import Index
from builder.check.quotes import SourceText, fold
from builder.check.rules import check_project
from builder.check.spans import Span, mark_pieces, quote_spans
from builder.render.context import Citer, Resolver, citation_anchors
from builder.render.html import site_pages
from builder.render.sourcepage import SourceView, source_view
from builder.render.templates import environment
from builder.source.load import Project, load_project
from builder.source.models import Citation, Settings
from tests.conftest import REPO, ProjectFactory

ARTICLE = "\n".join(
    [
        "Opening words.",
        "The quick brown fox jumps over the lazy dog.",
        "He said “Stop” — then LEFT the room.",
        "It was the end of part three.",
        "Part four begins here.",
    ]
)


def spans_text(text: SourceText, spans: tuple[Span, ...]) -> list[tuple[int, str]]:
    """Each span as (paragraph number, its original words)."""
    return [(s.number, text.paragraphs[s.number - 1].text[s.start : s.end]) for s in spans]


def test_elided_quote_marks_each_piece_and_not_the_words_left_out() -> None:
    text = SourceText("s", ARTICLE)
    spans = quote_spans(text, "quick brown … the lazy dog", "¶2")
    assert spans == (Span(2, 4, 15), Span(2, 31, 43))
    assert spans_text(text, spans) == [(2, "quick brown"), (2, "the lazy dog")]


def test_typographic_quotes_dashes_and_case_map_to_the_original_characters() -> None:
    text = SourceText("s", ARTICLE)
    spans = quote_spans(text, 'he said "stop" - then left', "¶3")
    assert spans is not None
    assert spans_text(text, spans) == [(3, "He said “Stop” — then LEFT")]


def test_quote_over_a_paragraph_range_is_split_at_the_paragraph_break() -> None:
    text = SourceText("s", ARTICLE)
    spans = quote_spans(text, "end of part three. Part four", "¶4-5")
    assert spans is not None
    assert spans_text(text, spans) == [(4, "end of part three."), (5, "Part four")]


@pytest.mark.parametrize(
    ("quote", "locator"),
    [("lazy dog", "¶3"), ("lazy … quick", "¶2"), ("lazy dog", "¶6"), ("…", "¶2")],
)
def test_no_spans_exactly_when_verification_fails(quote: str, locator: str) -> None:
    text = SourceText("s", ARTICLE)
    assert not text.verify(quote, locator).ok
    assert quote_spans(text, quote, locator) is None


def test_every_bundled_citation_marks_exactly_its_verified_words(
    corpus: tuple[Settings, Index],
) -> None:
    """Over the whole corpus: the words marked, normalised, are the quote's pieces."""
    project = load_project(REPO)
    texts = {s: SourceText(s, a.text) for s, a in project.archives.items() if a.text is not None}
    _, index = corpus
    checked = 0
    for source_id, cited in index.citations.items():
        for c in cited:
            text = texts[source_id]
            spans = quote_spans(text, c.citation.quote, c.citation.locator)
            assert spans is not None, (source_id, c.citation.quote)
            marked = " ".join(fold(words) for _, words in spans_text(text, spans))
            pieces = re.split(r"\s*(?:\[…\]|\[\.\.\.\]|…|\.\.\.)\s*", c.citation.quote)
            assert marked == " ".join(fold(p) for p in pieces if fold(p)), c.citation.quote
            checked += 1
    print(f"citations whose marks match their verified quote: {checked}")
    assert checked == sum(len(cited) for cited in index.citations.values()) > 300


def test_mark_pieces_merges_overlapping_and_touching_spans() -> None:
    assert mark_pieces("abcdefghij", [(6, 8), (1, 3), (2, 4), (4, 5)]) == (
        ("a", False),
        ("bcde", True),
        ("f", False),
        ("gh", True),
        ("ij", False),
    )
    assert mark_pieces("abc", []) == (("abc", False),)


def checked(root: Path) -> tuple[Project, Index]:
    project = load_project(root)
    return project, check_project(project).index


def seed_000(project: Project, index: Index, text: bool = True) -> SourceView:
    resolver = Resolver(index, lambda e: f"../{e}.html" if e in index.entities else None)
    archive = project.archives["seed-000"].text
    return source_view(
        project.sources[0].model,
        resolver,
        index.cited_by["seed-000"],
        archive if text else None,
    )


def test_source_view_shows_every_paragraph_with_the_quotes_marked(good_project: Path) -> None:
    project, index = checked(good_project)
    view = seed_000(project, index)
    archive = SourceText("seed-000", project.archives["seed-000"].text or "")
    assert [p.id for p in view.paragraphs] == [f"p{n}" for n in range(1, 20)]
    assert len(archive.paragraphs) == 19
    assert view.text_note == "The archived text in full, 19 paragraphs."
    assert view.anchors == {
        "¶1": "#p1",
        "¶2": "#p2",
        "¶5": "#p5",
        "¶6": "#p6",
        "¶9": "#p9",
        "¶17": "#p17",
    }
    second = view.paragraphs[1]
    assert [words for words, quoted in second.pieces if quoted] == [
        "the first head of the ISI to have a doctoral degree",
        "his doctoral thesis focused on the analysis of Pakistan-US relations",
    ]
    assert "".join(words for words, _ in second.pieces) == archive.paragraphs[1].text
    assert [(b.label, b.href) for b in second.backs] == [
        (
            "Asim Malik: education: Doctorate; thesis on Pakistan-US relations",
            "../asim-malik.html#cite-asim-malik.facts.education.0.citations.0",
        )
    ]
    # Paragraphs nothing cites are shown in full and unmarked.
    assert view.paragraphs[2].pieces == ((archive.paragraphs[2].text, False),)
    assert view.paragraphs[2].backs == ()


def test_source_view_without_text_is_the_appendix_entry(good_project: Path) -> None:
    project, index = checked(good_project)
    view = seed_000(project, index, text=False)
    assert (view.paragraphs, view.text_note, view.anchors) == ((), "", {})


def test_citer_marks_each_citation_once_and_links_its_paragraph(good_project: Path) -> None:
    project, index = checked(good_project)
    sources = {s.model.id: s.model for s in project.sources}
    citation = index.entities["asim-malik"].model.facts.rank[0].citations[0]  # type: ignore[union-attr]
    assert isinstance(citation, Citation)
    citer = Citer("html", sources, lambda s: f"sources/{s}.html", anchors=citation_anchors(index))
    first, again = citer.marker(citation), citer.marker(citation)
    assert first.startswith('<sup class="cite" id="cite-asim-malik.facts.rank.0.citations.0">')
    assert again.startswith('<sup class="cite"><a href="#note-2"')
    assert citer.notes[0].source_href == "sources/seed-000.html#p1"
    pdf = Citer("pdf", sources, lambda s: f"#source-{s}")
    pdf.marker(citation)
    assert pdf.notes[0].source_href == "#source-seed-000"


def render_site(root: Path) -> dict[str, str]:
    project, index = checked(root)
    pages = site_pages(project, index, environment(project), pdfs=set(), only=None)
    return {name: render() for name, render in pages.items() if name.endswith(".html")}


def test_source_page_links_to_and_from_every_citation(good_project: Path) -> None:
    site = render_site(good_project)
    page = site["sources/seed-000.html"]
    assert re.findall(r'<div class="para" id="(p\d+)">', page) == [f"p{n}" for n in range(1, 20)]
    assert (
        '<a class="pnum" href="#p2">¶2</a> In addition, Asim Malik is '
        "<mark>the first head of the ISI to have a doctoral degree</mark>. Pakistani journalist"
    ) in page
    assert '<td data-label="Where"><a href="#p9">¶9</a></td>' in page
    ids = {name: set(re.findall(r'\sid="([^"]+)"', html)) for name, html in site.items()}
    backs = re.findall(r'<a href="\.\./([a-z-]+\.html)#(cite-[^"]+)">', page)
    assert len(backs) == 10
    for target, anchor in backs:
        assert anchor in ids[target], anchor
    notes = re.findall(r'href="sources/seed-000\.html#(p\d+)"', site["asim-malik.html"])
    assert notes == ["p1", "p1", "p2", "p1", "p1", "p1", "p17"]
    assert all(n in ids["sources/seed-000.html"] for n in notes)


def test_source_that_may_not_be_republished_shows_the_cited_paragraphs_only(
    make_project: ProjectFactory, good_project: Path
) -> None:
    meta = (good_project / "seeds" / "seed-000.yaml").read_text(encoding="utf-8")
    root = make_project({"seeds/seed-000.yaml": meta + "republish: false\n"})
    page = render_site(root)["sources/seed-000.html"]
    assert re.findall(r'<div class="para" id="(p\d+)">', page) == [
        "p1",
        "p2",
        "p5",
        "p6",
        "p9",
        "p17",
    ]
    assert (
        "The terms of this text do not allow republishing it: "
        "only the 6 cited paragraphs of 19 are shown."
    ) in page
    assert "<dt>Republishing</dt><dd>Not allowed by its terms" in page
    assert "What is the Mission of Pakistan" not in page  # ¶4, cited by no one
