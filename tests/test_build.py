"""End-to-end publishing tests: PDFs read back, HTML links, safety, atomicity."""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pikepdf
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from builder.cli import main
from builder.publish.build import BuildOptions, build
from tests.conftest import REPO, TESTS, ProjectFactory


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The good project built once (HTML and PDF) into a temporary folder.

    Built from a copy outside git, so that the golden pages' edition stamps do not
    change with every commit of this repository.
    """
    output = tmp_path_factory.mktemp("built")
    project = tmp_path_factory.mktemp("good") / "good"
    shutil.copytree(TESTS / "projects" / "good", project)
    build(project, BuildOptions(output=output))
    return output


def outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(depth, title, 1-based physical page) for every bookmark."""
    found: list[tuple[int, str, int]] = []

    def walk(items: Sequence[Any], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                page = reader.get_destination_page_number(item)
                assert page is not None
                found.append((depth, str(item.title), page + 1))

    walk(reader.outline, 0)
    return found


def test_outputs_are_named_by_id(built: Path) -> None:
    assert sorted(p.name for p in (built / "pdf").iterdir()) == [
        "asim-malik.pdf",
        "briefing-book.pdf",
        "isi.pdf",
    ]
    assert {
        p.relative_to(built / "html").as_posix() for p in (built / "html").rglob("*") if p.is_file()
    } == {
        "index.html",
        "network.html",
        "asim-malik.html",
        "isi.html",
        "sources/seed-000.html",
        "assets/site.css",
        "assets/search.js",
        "assets/search-index.js",
        "assets/vendor/minisearch.js",
        "assets/vendor/LICENSE-minisearch.txt",
        "review/asim-malik.html",
        "review/isi.html",
        *(f"assets/fonts/{p.name}" for p in (REPO / "templates" / "fonts").iterdir()),
    }


def test_toc_page_numbers_match_where_entities_and_sections_start(built: Path) -> None:
    reader = PdfReader(built / "pdf" / "briefing-book.pdf")
    toc = re.findall(r"^(.+?) \.{3,}\s+(\d+)$", reader.pages[1].extract_text(), flags=re.M)
    assert [title for title, _ in toc][:2] == ["Inter-Services Intelligence", "Also known as"]
    assert len(toc) == 14
    # Front matter is numbered i, ii; the contents print the page labels of the body.
    labels = reader.page_labels
    assert labels[:3] == ["Cover", "i", "1"]
    marks = [(title, labels[page - 1]) for _, title, page in outline(reader)]
    for title, page in toc:  # each entry matches the next bookmark of that title
        position = next(i for i, (t, _) in enumerate(marks) if t == title)
        assert marks[position][1] == page, title
        marks = marks[position + 1 :]
    for name in ("Inter-Services Intelligence", "Asim Malik"):
        start = labels.index(dict(toc)[name])
        assert name in reader.pages[start].extract_text().splitlines()[:3]


def test_every_page_has_the_marking_and_page_n_of_m(built: Path) -> None:
    reader = PdfReader(built / "pdf" / "isi.pdf")
    labels = reader.page_labels
    body = labels.index("1")
    assert labels[:body] == ["Cover"]  # a short dossier has no contents page
    total = len(reader.pages) - body
    for number, page in enumerate(reader.pages[body:], start=1):
        assert f"Page {number} of {total}" in page.extract_text()
    for number, page in enumerate(reader.pages, start=1):
        assert page.extract_text().count("TLP:CLEAR") >= 2, number


def test_book_chapters_number_their_own_pages(built: Path) -> None:
    """A chapter's footer counts within it, so no chapter's layout depends on another's."""
    reader = PdfReader(built / "pdf" / "briefing-book.pdf")
    footers = [
        re.search(r"^(.+) · (\d+) of (\d+)$", page.extract_text(), flags=re.M)
        for page in reader.pages[2:]
    ]
    assert all(footers)
    parts = [m.group(1).split("TLP:CLEAR ")[-1] for m in footers if m and m.group(2) == "1"]
    assert parts == ["Inter-Services Intelligence", "Asim Malik", "Source appendix"]
    for page in reader.pages:
        assert page.extract_text().count("TLP:CLEAR") >= 2


def test_footnotes_carry_source_locator_and_grade(built: Path) -> None:
    reader = PdfReader(built / "pdf" / "asim-malik.pdf")
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Independent Persian, ¶1 [B2]: “Lieutenant General Asim Malik”" in text
    assert "Independent Persian, ¶17 [B3]" in text


def test_every_footnote_is_on_the_page_of_its_call(built: Path) -> None:
    reader = PdfReader(built / "pdf" / "briefing-book.pdf")
    per_page = [
        re.findall(r"^(\d+)\. Independent Persian", page.extract_text(), flags=re.M)
        for page in reader.pages
    ]
    numbers = [int(n) for page in per_page for n in page]
    # 11 citations in the two profiles; each chapter numbers its own notes
    assert numbers == [*range(1, 5), *range(1, 8)]
    appendix = next(p for _, t, p in outline(reader) if t == "Source appendix")
    assert not any(per_page[appendix - 1 :])  # none pushed past the profiles


def test_bookmarks_for_every_entity_and_section(built: Path) -> None:
    titles = [(d, t) for d, t, _ in outline(PdfReader(built / "pdf" / "briefing-book.pdf"))]
    assert (0, "Asim Malik") in titles
    assert (0, "Inter-Services Intelligence") in titles
    for section in ("Key facts", "Background", "Relationships", "Timeline", "Assessments"):
        assert (1, section) in titles


def test_every_pdf_passes_qpdf_check(built: Path) -> None:
    for path in sorted((built / "pdf").glob("*.pdf")):
        with pikepdf.open(path) as pdf:
            assert pdf.check_pdf_syntax() == [], path.name


def test_metadata(built: Path) -> None:
    reader = PdfReader(built / "pdf" / "briefing-book.pdf")
    meta = reader.metadata
    assert meta is not None
    assert (meta.title, meta.author, meta.subject) == (
        "Test dossiers",
        "Test dossiers",
        "All readers",
    )
    assert str(meta["/Keywords"]) == "Inter-Services Intelligence, Asim Malik"
    assert str(meta["/CreationDate"]) == "D:20240901000000Z"
    root: Any = reader.trailer["/Root"]
    assert str(root["/Lang"]) == "en"


def test_source_appendix_and_grade_legend(built: Path) -> None:
    reader = PdfReader(built / "pdf" / "briefing-book.pdf")
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "493a7835666a3a6875fa203d39fa02c7b19f89dac213e4395d11d6a944fd0dd4" in text
    assert "Named author and outlet; attributes most claims; some errors." in text
    assert "Usually reliable" in text and "Probably true" in text
    assert "roughly even chance" in text  # the profiles use ICD 203 terms


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        assert len(values) == len(attrs), f"duplicate attribute in <{tag}>"
        if values.get("id"):
            assert values["id"] not in self.ids, f"duplicate id {values['id']}"
            self.ids.add(str(values["id"]))
        for name in ("href", "src"):
            if values.get(name):
                self.refs.append((tag, str(values[name])))


def assert_site_links_resolve(site: Path) -> None:
    """Every href/src of every page points at an existing file and anchor; nothing loads
    from outside (only <a> may point at http(s) or mailto)."""
    pages = {p: Links() for p in site.rglob("*.html")}
    for path, parser in pages.items():
        parser.feed(path.read_text(encoding="utf-8"))
    for path, parser in pages.items():
        for tag, ref in parser.refs:
            url = urlparse(ref)
            if url.scheme in ("http", "https", "mailto"):
                assert tag == "a", f"{path.name} loads {ref}"
                continue
            assert not url.scheme, f"{path.name}: {ref}"
            target = (path.parent / url.path).resolve() if url.path else path
            assert target.exists(), f"{path.name}: broken link {ref}"
            if url.fragment and target.suffix == ".html":
                assert url.fragment in pages[target].ids, f"{path.name}: no #{url.fragment}"


def test_every_internal_link_resolves_and_nothing_external_loads(built: Path) -> None:
    assert_site_links_resolve(built / "html")


def test_build_is_reproducible(tmp_path: Path, built: Path) -> None:
    """Another copy of the project, in another folder: the same bytes, manifest included."""
    project = tmp_path / "elsewhere" / "good"
    shutil.copytree(TESTS / "projects" / "good", project)
    build(project, BuildOptions(output=tmp_path / "out"))
    tmp_path = tmp_path / "out"
    for first in built.rglob("*"):
        if first.is_file() and ".dossier" not in first.parts:  # the tool's own state
            second = tmp_path / first.relative_to(built)
            assert first.read_bytes() == second.read_bytes(), first.name


def test_refused_fetch_fails_the_build_and_keeps_old_outputs(
    make_project: ProjectFactory, runner: CliRunner, tmp_path: Path
) -> None:
    root = make_project(
        {
            "dossier.yaml": 'title: T\nmarking: M\nas_of: "2024"\ntemplates: theme\n',
            "theme/pdf.html": '{% extends "default:pdf.html" %}{% block cover %}'
            '<img src="https://example.com/logo.png" alt="">{% endblock %}',
        }
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous build")
    result = runner.invoke(
        main, ["build", "-p", str(root), "-o", str(out), "--only", "pdf", "--entity", "isi"]
    )
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "Error: pdf/isi.pdf, cover: refused to fetch https://example.com/logo.png: "
        "PDFs may only use files from the template folders, never the network\n"
    )
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_override_extends_the_default_and_most_specific_wins(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    root = make_project(
        {
            "dossier.yaml": 'title: T\nmarking: M\nas_of: "2024"\ntemplates: theme\n',
            "theme/entity.html": '{% extends "default:entity.html" %}'
            "{% block title %}Custom {{ entity.name }}{% endblock %}",
            "theme/entity-isi.html": "ISI only {{ entity.name }}",
        }
    )
    build(root, BuildOptions(output=tmp_path, pdf=False))
    assert "<title>Custom Asim Malik</title>" in (tmp_path / "html/asim-malik.html").read_text()
    assert (tmp_path / "html/isi.html").read_text() == "ISI only Inter-Services Intelligence"


def test_profile_text_cannot_inject_markup(
    make_project: ProjectFactory, tmp_path: Path, good_project: Path
) -> None:
    text = (good_project / "dossiers/groups/isi.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "name: Inter-Services Intelligence", 'name: "ISI <script>alert(1)</script>"'
    )
    text = text.replace(
        "summary: Pakistan's military intelligence agency.",
        'summary: "<img src=x onerror=alert(1)> [x](javascript:alert(1))"',
    )
    root = make_project(
        {
            "dossiers/groups/isi.yaml": text,
            "dossier.yaml": 'title: T\nmarking: \'A"; } html { display: none } /*\'\nas_of: "2024"\n',
        }
    )
    runner = CliRunner()
    result = runner.invoke(main, ["check", "-p", str(root)])
    assert "link to 'javascript:alert(1)' is not allowed" in result.stderr
    page = _render_unchecked(root, tmp_path)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page


def _render_unchecked(root: Path, out: Path) -> str:
    """Render a page even though check fails, to prove escaping does not rely on check."""
    from builder.check.rules import check_project
    from builder.render.html import environment, site_pages
    from builder.source.load import load_project

    project = load_project(root)
    index = check_project(project).index
    pages = site_pages(project, index, environment(project), pdfs=set(), only=None)
    return pages["isi.html"]()


def test_marking_is_escaped_in_print_css(make_project: ProjectFactory, tmp_path: Path) -> None:
    marking = 'SECRET"; } html { display: none } /*'
    root = make_project({"dossier.yaml": f"title: T\nmarking: '{marking}'\nas_of: \"2024\"\n"})
    build(root, BuildOptions(output=tmp_path, html=False, entities=frozenset({"isi"})))
    reader = PdfReader(tmp_path / "pdf" / "isi.pdf")
    squeezed = marking.replace(" ", "")  # extraction drops some spaces in margin boxes
    for page in reader.pages:
        assert page.extract_text().replace(" ", "").count(squeezed) >= 2


def test_broken_project_is_not_published(
    runner: CliRunner, broken_project: Path, tmp_path: Path
) -> None:
    result = runner.invoke(main, ["build", "-p", str(broken_project), "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "Error: build refused: fix the problems above (dossier check lists them)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_build_options(runner: CliRunner, good_project: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        main,
        [
            "build",
            "-p",
            str(good_project),
            "-o",
            str(tmp_path),
            "--only",
            "html",
            "--entity",
            "isi",
        ],
    )
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "pdf").exists()
    assert (tmp_path / "html/isi.html").exists()
    assert not (tmp_path / "html/asim-malik.html").exists()
    assert re.fullmatch(
        r"Built 19 HTML files and 0 PDFs into .+ in \d+\.\d s: 0 PDFs rendered \(0 parts laid out\), "
        r"0 reused from the cache; 19 files written, 0 unchanged, 0 removed; 0 warnings\n",
        result.stdout,
    )
    unknown = runner.invoke(main, ["build", "-p", str(good_project), "--entity", "nobody"])
    assert unknown.exit_code == 2
    assert unknown.stderr.endswith("Error: no entity 'nobody' in this repository\n")


def test_letter_size(good_project: Path, tmp_path: Path) -> None:
    build(
        good_project,
        BuildOptions(output=tmp_path, html=False, page_size="letter", entities=frozenset({"isi"})),
    )
    box = PdfReader(tmp_path / "pdf" / "isi.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_golden_html(built: Path, update_golden: bool) -> None:
    golden = TESTS / "golden" / "good"
    produced = {
        p.relative_to(built / "html").as_posix(): p.read_text(encoding="utf-8")
        for p in sorted((built / "html").rglob("*.html"))
    }
    if update_golden:
        shutil.rmtree(golden, ignore_errors=True)
        for name, text in produced.items():
            (golden / name).parent.mkdir(parents=True, exist_ok=True)
            (golden / name).write_text(text, encoding="utf-8")
    expected = {
        p.relative_to(golden).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(golden.rglob("*.html"))
    }
    assert produced.keys() == expected.keys()
    for name, text in produced.items():
        assert text == expected[name], f"{name} differs from tests/golden: run `make golden`"
