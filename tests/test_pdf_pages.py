"""PDF pages a briefer can print, read back from every PDF of the bundled build.

On every page of every bundled PDF: the handling marking is one line of its own at the
top and at the foot; no page holds a lone heading or a single table row; every footnote
prints on the page of its call. Pages are read with pypdf (text and its position) and
pikepdf (the structure tree: headings, table rows, notes), never by eye.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name
from pypdf import PageObject, PdfReader

from builder.check.index import Index
from builder.publish.build import BuildOptions, build
from builder.render.book import SHORT_DOSSIER_PAGES, marking_size
from builder.render.context import Citer, Resolver
from builder.render.views import entity_view
from builder.source.models import Settings
from tests.conftest import REPO, ProjectFactory
from tests.pdftags import kind
from tests.pdftext import footnotes_by_page

MARKING = "UNCLASSIFIED // OPEN SOURCE"
MM = 72 / 25.4
TOP_MARGIN, FOOT_MARGIN = 22 * MM, 24 * MM  # print.css: margin: 22mm 18mm 24mm 18mm
HEADINGS = frozenset({"/H1", "/H2", "/H3", "/H4", "/H5", "/H6"})
# A page's blocks: a table row, a heading, a list item, a figure, a paragraph, else the
# innermost element that is not inline (WeasyPrint tags a <div> as /Div, a <span> /Span).
BLOCKS = ("/TR", *sorted(HEADINGS), "/LI", "/Figure", "/Caption", "/BlockQuote", "/P")
INLINE = frozenset({"/Span", "/Link", "/NonStruct", "/Lbl", "/LBody", "/Reference", "/Quote"})


@dataclass(frozen=True)
class Block:
    """One block of a page's body: its structure type and identity, in content order."""

    kind: str
    key: tuple[int, int]
    header: bool  # a row of a table's head (repeated on every page the table spans)


@pytest.fixture(scope="session")
def bundled_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every PDF of the bundled repository (its dossiers and its book), built once."""
    out = tmp_path_factory.mktemp("bundled")
    build(REPO, BuildOptions(output=out, html=False))
    pdfs = {path.name: path for path in sorted((out / "pdf").glob("*.pdf"))}
    print(f"\nbundled build: {len(pdfs)} PDFs, {sum(pages(p) for p in pdfs.values())} pages")
    for name, path in pdfs.items():
        print(f"  {name}: {pages(path)} pages")
    return pdfs


def pages(path: Path) -> int:
    """The number of pages of a PDF."""
    return len(PdfReader(path).pages)


def margin_lines(page: PageObject) -> tuple[list[str], list[str]]:
    """The text lines of the top margin and of the foot margin, from the page's edge inwards.

    A line is the text drawn on one baseline, its pieces joined from left to right.
    """
    height = float(page.mediabox.height)
    found: dict[float, list[tuple[float, str]]] = {}

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        found.setdefault(round(y, 1), []).append((x, text))

    page.extract_text(visitor_text=visit)
    lines = {y: "".join(t for _, t in sorted(pieces)).strip() for y, pieces in found.items()}
    top = [lines[y] for y in sorted(lines, reverse=True) if y > height - TOP_MARGIN]
    foot = [lines[y] for y in sorted(lines) if y < FOOT_MARGIN]
    return top, foot


def marking_problems(path: Path, marking: str) -> list[str]:
    """Pages where the marking is not one line of its own at the top and at the foot."""
    words = [w for w in marking.split() if len(w) > 2] or [marking]
    problems = []
    for number, page in enumerate(PdfReader(path).pages, start=1):
        for where, lines in zip(("top", "foot"), margin_lines(page), strict=True):
            showing = [line for line in lines if any(w in line for w in words)]
            if showing != [marking]:
                problems.append(f"{path.name} page {number} {where}: {showing}")
    return problems


def page_blocks(path: Path) -> list[list[Block]]:
    """For each page, the blocks its body shows (notes and artifacts left out)."""
    with pikepdf.open(path) as pdf:
        numbers = {int(p.objgen[0]): i for i, p in enumerate(pdf.pages)}
        found: list[dict[int, Block]] = [{} for _ in pdf.pages]
        for page_number, mcid, chain in _marked(pdf.Root.StructTreeRoot):
            kinds = [k for k, _ in chain]
            if "/Note" in kinds or page_number not in numbers:
                continue
            outer = [k for k in BLOCKS if k in kinds] or [k for k in kinds if k not in INLINE][-1:]
            if outer:
                key = chain[kinds.index(outer[0])][1]
                block = Block(outer[0], key, "/THead" in kinds)
                found[numbers[page_number]].setdefault(mcid, block)
        result = []
        for blocks in found:
            ordered: list[Block] = []
            for _, block in sorted(blocks.items()):
                if not ordered or ordered[-1].key != block.key:
                    ordered.append(block)
            result.append(ordered)
        return result


def _marked(root: Any) -> Iterator[tuple[int, int, list[tuple[str, tuple[int, int]]]]]:
    """(page object number, MCID, chain of (type, identity) from the root) of marked content."""
    stack: list[tuple[Any, list[tuple[str, tuple[int, int]]], Any]] = [
        (kid, [], None) for kid in (root.K if isinstance(root.K, Array) else [root.K])
    ]
    while stack:
        element, chain, page = stack.pop()
        if not isinstance(element, Dictionary) or element.get("/Type") == Name.OBJR:
            continue
        chain = [*chain, (kind(element), element.objgen)]
        page = element.get("/Pg", page)
        kids = element.get("/K", Array())
        for kid in kids if isinstance(kids, Array) else [kids]:
            if isinstance(kid, int) and page is not None:
                yield page.objgen[0], kid, chain
            elif isinstance(kid, Dictionary) and kid.get("/Type") == Name.MCR:
                yield kid.get("/Pg", page).objgen[0], int(kid.MCID), chain
            else:
                stack.append((kid, chain, page))


def layout_problems(name: str, blocks_by_page: list[list[Block]]) -> list[str]:
    """Pages holding a lone heading or a single table row, and headings left at a page's foot."""
    problems = []
    last = len(blocks_by_page)
    for number, blocks in enumerate(blocks_by_page, start=1):
        body = [b for b in blocks if not b.header]
        if body and all(b.kind in HEADINGS for b in body):
            problems.append(f"{name} page {number}: a lone heading")
        elif len(body) == 1 and body[0].kind == "/TR":
            problems.append(f"{name} page {number}: a single table row")
        elif number < last and body and body[-1].kind in HEADINGS:
            problems.append(f"{name} page {number}: a heading at the foot of the page")
    return problems


def test_marking_is_one_line_of_its_own_on_every_page(bundled_pdfs: dict[str, Path]) -> None:
    problems = [p for path in bundled_pdfs.values() for p in marking_problems(path, MARKING)]
    checked = sum(pages(path) for path in bundled_pdfs.values())
    print(f"\nmarking: {checked} pages checked, {len(problems)} pages wrong")
    assert problems == []
    assert checked > 100


def test_no_page_holds_a_lone_heading_or_a_single_row(bundled_pdfs: dict[str, Path]) -> None:
    problems = [
        p for n, path in bundled_pdfs.items() for p in layout_problems(n, page_blocks(path))
    ]
    print(f"\npage layout: {len(bundled_pdfs)} PDFs checked, {len(problems)} problems")
    for problem in problems:
        print(f"  {problem}")
    assert problems == []


def test_every_footnote_is_on_the_page_of_its_call(bundled_pdfs: dict[str, Path]) -> None:
    wrong, notes = [], 0
    for name, path in bundled_pdfs.items():
        for number, page in enumerate(PdfReader(path).pages, start=1):
            calls, printed = footnotes_by_page(page)
            notes += len(printed)
            if sorted(calls) != sorted(printed):
                wrong.append(f"{name} page {number}: calls {calls}, notes {printed}")
    print(f"\nfootnotes: {notes} notes in {len(bundled_pdfs)} PDFs, {len(wrong)} pages wrong")
    assert wrong == []
    assert notes > 500


def test_a_short_dossier_has_no_contents_page(bundled_pdfs: dict[str, Path]) -> None:
    """A one-entity dossier of a few pages is its cover and its body; a book keeps its contents."""
    short = PdfReader(bundled_pdfs["afghanistan-freedom-front.pdf"])
    assert short.page_labels == ["Cover", *map(str, range(1, len(short.pages)))]
    assert len(short.pages) - 1 <= SHORT_DOSSIER_PAGES
    assert "Contents" not in "".join(page.extract_text() for page in short.pages)
    marks = [str(item["/Title"]) for item in short.outline if not isinstance(item, list)]
    assert marks[0] == "Freedom Front"  # the bookmarks open on the profile
    for name in ("asim-malik.pdf", "pakistan-security.pdf"):  # longer: a contents page
        assert PdfReader(bundled_pdfs[name]).page_labels[:2] == ["Cover", "i"], name
    counts = [pages(path) - 1 for path in bundled_pdfs.values()]
    print(
        f"\ncontents: {sum(c <= SHORT_DOSSIER_PAGES for c in counts)} PDFs without a contents page"
    )


def test_linked_entity_is_not_repeated_in_brackets(
    corpus: tuple[Settings, Index], bundled_pdfs: dict[str, Path]
) -> None:
    """A fact that names its entity links the name where it stands ("President Ashraf Ghani")."""
    _, index = corpus
    sources = {source_id: source.model for source_id, source in index.sources.items()}
    resolver = Resolver(index, lambda entity_id: f"#entity-{entity_id}")
    repeated, linked = [], 0
    for entity_id in index.entities:
        view = entity_view(entity_id, index, Citer("pdf", sources, lambda s: None), resolver)
        for row in (row for group in view.facts for row in group.rows):
            linked += str(row.text).count('class="entity-ref"')
            text = re.sub(r"<[^>]+>", "", str(row.text))
            found = re.fullmatch(r"(.+) \(([^()]+)\)", text)
            if found and found[2].casefold() in found[1].casefold():
                repeated.append(f"{entity_id}: {text}")
    print(f"\nfacts: {linked} entity links, {len(repeated)} names repeated in brackets")
    assert repeated == []
    assert linked > 10  # 18 in the bundled corpus
    shown = " ".join(p.extract_text() for p in PdfReader(bundled_pdfs["afghan-republic.pdf"]).pages)
    assert re.search(r"Leaders President Ashraf Ghani\d+ sources cited", " ".join(shown.split()))


def test_the_detectors_find_what_they_look_for() -> None:
    """The checks above fail on the pages the issue describes (they can fail)."""
    row = Block("/TR", (1, 0), header=False)
    head = Block("/TR", (2, 0), header=True)
    heading = Block("/H2", (3, 0), header=False)
    para = Block("/P", (4, 0), header=False)
    pages_ = [[para, heading], [head, row], [heading], [para]]
    assert layout_problems("x.pdf", pages_) == [
        "x.pdf page 1: a heading at the foot of the page",
        "x.pdf page 2: a single table row",
        "x.pdf page 3: a lone heading",
    ]
    assert layout_problems("x.pdf", [[heading, para, row], [head, row, para]]) == []


LONG_MARKING = ("RESTRICTED // HANDLE VIA ANALYST CHANNELS ONLY // NOT FOR RELEASE TO " * 2)[:120]


def test_a_120_character_marking_stays_on_one_line(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    settings = (REPO / "tests/projects/good/dossier.yaml").read_text("utf-8")
    root = make_project(
        {"dossier.yaml": settings.replace('"TLP:CLEAR"', f'"{LONG_MARKING.strip()}"')}
    )
    marking = LONG_MARKING.strip()
    assert len(LONG_MARKING) == 120
    assert marking_size(marking) < 8.5  # it is set smaller than the default, not wrapped
    build(root, BuildOptions(output=tmp_path / "out", html=False))
    pdfs = sorted((tmp_path / "out" / "pdf").glob("*.pdf"))
    problems = [p for path in pdfs for p in marking_problems(path, marking)]
    print(f"\n120-character marking at {marking_size(marking)}pt: {len(pdfs)} PDFs, {problems}")
    assert pdfs
    assert problems == []
