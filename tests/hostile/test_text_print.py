"""Text that passes check must show in full and in place on screen and on paper.

Names are isolated in ``<bdi>``, so that a right-to-left name never reorders the
text around it; a word longer than the line wraps instead of running off the PDF
page; the marking and running heads stay inside the page margins whatever their
length. PDFs are read back with the position of every run of text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from builder.publish.build import BuildOptions, build
from builder.render.book import marking_size
from tests.conftest import ProjectFactory

ISI = "dossiers/groups/isi.yaml"
MM = 72 / 25.4
TOP_MARGIN = 22 * MM  # print.css: @page margin 22mm 18mm 24mm 18mm
BOTTOM_MARGIN = 24 * MM
SIDE_MARGIN = 18 * MM
A_ADVANCE = 639 / 1000  # width of "A" in Noto Sans (templates/fonts/NotoSans-Regular.ttf), in em
PERSIAN = "آی\u200cاس\u200cآی"  # "ISI" in Persian, with its ZWNJs


@dataclass(frozen=True)
class Run:
    """A run of text on a PDF page: baseline start (points from bottom-left), size."""

    text: str
    x: float
    y: float
    size: float


def runs(reader: PdfReader, number: int) -> list[Run]:
    found: list[Run] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append(Run(text, x, y, size * (tm[0] or 1) * cm[0]))

    reader.pages[number].extract_text(visitor_text=visit)
    return found


def profile(good_project: Path, old: str, new: str) -> str:
    text = (good_project / ISI).read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new)


def test_names_are_isolated_in_html(
    make_project: ProjectFactory, good_project: Path, tmp_path: Path
) -> None:
    isi = profile(good_project, "  - name: ISI", f"  - name: {PERSIAN}")
    root = make_project({ISI: isi})
    build(root, BuildOptions(output=tmp_path / "out", pdf=False))
    html = tmp_path / "out" / "html"
    page = (html / "isi.html").read_text(encoding="utf-8")
    assert f'<li><bdi>{PERSIAN}</bdi><sup class="cite" id="cite-isi.aliases.0.citations.0">' in page
    asim = (html / "asim-malik.html").read_text(encoding="utf-8")
    assert (
        '<bdi><a class="entity-ref" href="isi.html">Inter-Services Intelligence</a></bdi>' in asim
    )
    index = (html / "index.html").read_text(encoding="utf-8")
    assert (
        '<bdi><a href="isi.html">Inter-Services Intelligence</a></bdi> '
        f'<span class="muted">(<bdi>{PERSIAN}</bdi>)</span>'
    ) in index
    css = (html / "assets" / "site.css").read_text(encoding="utf-8")
    assert "bdi, .entity-ref, del, ins { unicode-bidi: isolate; }" in css


def test_a_long_word_wraps_within_the_pdf_page(
    make_project: ProjectFactory, good_project: Path, tmp_path: Path
) -> None:
    word = "A" * 300
    summary = "summary: Pakistan's military intelligence agency."
    root = make_project({ISI: profile(good_project, summary, f"summary: Start {word} end.")})
    build(root, BuildOptions(output=tmp_path / "out", html=False, entities=frozenset({"isi"})))
    reader = PdfReader(tmp_path / "out" / "pdf" / "isi.pdf")
    width = float(reader.pages[0].mediabox.width)
    pieces = [
        run
        for number in range(len(reader.pages))
        for run in runs(reader, number)
        if "AAAA" in run.text
    ]
    assert sum(p.text.count("A") for p in pieces) == 300  # nothing lost
    assert len(pieces) > 1
    for piece in pieces:  # no glyph of the run is wider than an "A"
        right = piece.x + len(piece.text.rstrip()) * piece.size * A_ADVANCE
        assert right <= width - SIDE_MARGIN + 0.5, piece


def test_a_long_marking_and_long_heads_stay_in_the_margins(
    make_project: ProjectFactory, good_project: Path, tmp_path: Path
) -> None:
    """120 characters of marking, beside a long name and title, never reach the body."""
    marking = ("SECRET//NOFORN " * 8)[:120].strip()
    title = "A collection of dossiers with a title that goes on and on " * 5
    name = "Inter-Services Intelligence " * 10
    root = make_project(
        {
            "dossier.yaml": f'title: "{title}"\nmarking: "{marking}"\nas_of: "2024-09"\n',
            ISI: profile(
                good_project,
                "name: Inter-Services Intelligence",
                f"name: {name}",
            ),
        }
    )
    build(root, BuildOptions(output=tmp_path / "out", html=False))
    size = marking_size(marking)
    assert size < 8.5
    for pdf in ("isi.pdf", "briefing-book.pdf"):
        reader = PdfReader(tmp_path / "out" / "pdf" / pdf)
        height = float(reader.pages[0].mediabox.height)
        for number in range(len(reader.pages)):
            page_runs = runs(reader, number)
            # The margin boxes' marking, at the size that fits it on one line (8.5pt at
            # most); the cover also shows it in a box of its own, at another size.
            lines = [r for r in page_runs if "NOFORN" in r.text and abs(r.size - size) < 0.05]
            for line in lines:
                in_top = line.y - 0.25 * line.size >= height - TOP_MARGIN
                in_bottom = line.y + line.size <= BOTTOM_MARGIN
                assert (in_top or in_bottom) and 0 <= line.y <= height - line.size, (pdf, line)
            top = " ".join(r.text.strip() for r in lines if r.y > height / 2)
            bottom = " ".join(r.text.strip() for r in lines if r.y < height / 2)
            squeezed = marking.replace(" ", "")
            assert top.replace(" ", "") == squeezed, (pdf, number)
            assert bottom.replace(" ", "") == squeezed, (pdf, number)
            for run in page_runs:  # the title in its 8pt running head: in the top margin
                if ("collection" in run.text or "goes on" in run.text) and run.size < 8.05:
                    assert height - TOP_MARGIN <= run.y - 0.25 * run.size, (pdf, run)
                    assert run.y + run.size <= height, (pdf, run)
