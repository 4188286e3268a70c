"""PDF/A-3a: tagged structure, metadata, output intent and attached files, read back.

veraPDF, the reference validator, cannot be installed here; these tests check with
pikepdf what it would (one structure tree reached from the root, parent tree, alt
text, notes, PDF/A identification in XMP agreeing with /Info, output intent, associated
files) and ask qpdf and poppler (``qpdf --check``, ``pdfinfo``, ``pdfdetach``).
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pikepdf import Dictionary, Name, NameTree, NumberTree
from pypdf import PdfReader

from builder.publish.build import BuildOptions, build
from builder.render import pdf as pdf_module
from builder.render.assemble import Attachment, PdfMeta, assemble
from builder.render.pdf import PartResult, PartSpec, PdfError, render_part
from tests.conftest import TESTS
from tests.pdftags import check_info_is_xmp, elements, kind, notes
from tests.pdftext import footnotes_by_page

STYLE = """<style>@page { size: A6; @bottom-center { content: "TLP:CLEAR " counter(page) } }
.footnote { float: footnote } ::footnote-marker { content: counter(footnote) ". " }</style>"""

Parts = tuple[PartResult, PartResult, list[PartResult]]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    """Run a qpdf or poppler tool; fail (not skip) when it is missing."""
    if shutil.which(command[0]) is None:
        pytest.fail(f"{command[0]} is missing: apt-get install qpdf poppler-utils")
    return subprocess.run(command, capture_output=True, text=True, check=False)


def part(name: str, body: str) -> PartResult:
    html = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{name}</title>'
        f"{STYLE}</head><body>{body}</body></html>"
    )
    return render_part(PartSpec(name, html, (), 1_700_000_000))


@pytest.fixture(scope="module")
def parts() -> Parts:
    """A cover, contents and two chapters with notes, a figure, tables and cross links."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="40" role="img">'
        '<title>Two boxes</title><rect width="20" height="20"/></svg>'
    )
    table = '<table><tr><th scope="col">Grade</th></tr><tr><td>B2</td></tr></table>'
    return (
        part("cover", "<section><h1>Test book</h1></section>"),
        part("contents", '<nav><h1>Contents</h1><p><a href="#one">One</a></p></nav>'),
        [
            part(
                "one",
                '<article id="one"><h1>One</h1><p>Claim<span class="footnote">Source one, '
                '¶1</span> and <a href="#two">two</a>.</p>' + table + "</article>",
            ),
            part(
                "two",
                '<article id="two"><h1>Two</h1><p>Claim<span class="footnote">Source two, '
                f"¶2</span>.</p><figure>{svg}<figcaption>Boxes</figcaption></figure>"
                + table
                + "</article>",
            ),
        ],
    )


@pytest.fixture
def meta() -> PdfMeta:
    """Metadata with two attachments, given out of name order."""
    return PdfMeta(
        title="Test book & <notes>",
        author="Test dossiers",
        subject="All readers",
        keywords="One, Two",
        language="en",
        created="2026-11-30T12:00:00+00:00",
        modified="2026-12-01T09:30:00+01:00",
        edition="abc1234 (2026-11-30)",
        commit="abc1234" + "0" * 33,
        attachments=(
            Attachment("profiles.json", b'{"one": 1}\n', "application/json", "The profiles"),
            Attachment("sources.csv", b"id,title\ns1,One\n", "text/csv", "The sources", "Data"),
        ),
    )


@pytest.fixture
def assembled(parts: Parts, meta: PdfMeta, tmp_path: Path) -> Path:
    """The parts assembled with ``meta``, on disk."""
    path = tmp_path / "book.pdf"
    path.write_bytes(assemble("book.pdf", parts[0], parts[1], parts[2], meta=meta))
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every PDF of the good project, built once."""
    output = tmp_path_factory.mktemp("built")
    build(TESTS / "projects" / "good", BuildOptions(output=output, html=False))
    return sorted((output / "pdf").glob("*.pdf"))


def check_tagged(path: Path) -> None:
    """What PDF/A-3a asks of the structure, the catalog and the output intent."""
    with pikepdf.open(path) as pdf:
        root: Any = pdf.Root
        assert bool(root.MarkInfo.Marked)
        assert bool(root.ViewerPreferences.DisplayDocTitle)
        assert str(root.Lang) == "en"
        tree = root.StructTreeRoot
        assert [kind(kid) for kid in tree.K] == ["/Document"]
        found = list(elements(pdf))
        assert sum(kind(e) == "/Document" for e in found) == 1
        pages = {page.objgen: page for page in pdf.pages}
        for element in found:
            assert "/Pg" not in element or element.Pg.objgen in pages
            if kind(element) == "/Figure":
                assert str(element.get("/Alt", "")).strip(), "a figure without alt text"
        # Nothing but the merged tree: no part's root, document or page left behind.
        objects = [o for o in pdf.objects if isinstance(o, Dictionary)]
        assert sum(o.get("/Type") == Name.StructTreeRoot for o in objects) == 1
        assert sum(kind(o) == "/Document" for o in objects) == 1
        assert sum(o.get("/Type") == Name.Page for o in objects) == len(pdf.pages)

        parents = dict(NumberTree(tree.ParentTree).items())
        assert int(tree.ParentTreeNextKey) > max(parents)
        keys = [int(page.StructParents) for page in pdf.pages]
        assert len(set(keys)) == len(keys)
        for key, page in zip(keys, pdf.pages, strict=True):
            assert all(e.Pg.objgen == page.objgen for e in parents[key] if e is not None)
            for annot in page.get("/Annots", ()):
                if str(annot.Subtype) != "/Link":
                    continue
                link = parents[int(annot.StructParent)]  # every link is tagged
                assert kind(link) == "/Link"
                assert any(
                    isinstance(kid, Dictionary) and kid.get("/Obj") == annot for kid in link.K
                )
        if "/IDTree" in tree:
            ids = dict(NameTree(tree.IDTree).items())
            assert all(str(e.ID) in ids for e in found if "/ID" in e)

        [intent] = root.OutputIntents
        assert str(intent.S) == "/GTS_PDFA1"
        profile = intent.DestOutputProfile
        assert int(profile.N) == 3 and profile.read_bytes()[36:40] == b"acsp"
        assert "/Filter" not in root.Metadata  # readable without decoding
        with pdf.open_metadata() as xmp:
            assert (xmp["pdfaid:part"], xmp["pdfaid:conformance"]) == ("3", "A")
            check_info_is_xmp(pdf.docinfo, xmp)
    assert run("qpdf", "--check", str(path)).returncode == 0
    info = run("pdfinfo", str(path)).stdout
    assert "Tagged:          yes" in info
    assert "Metadata Stream: yes" in info


def test_assembled_parts_are_one_tagged_pdfa(assembled: Path) -> None:
    check_tagged(assembled)
    with pikepdf.open(assembled) as pdf:  # cross-part links, now /Dest, stayed tagged
        resolved = [a for page in pdf.pages for a in page.get("/Annots", ()) if "/Dest" in a]
        assert len(resolved) == 2 and all("/StructParent" in a for a in resolved)
        figures = [str(e.Alt) for e in elements(pdf) if kind(e) == "/Figure"]
        assert figures == ["Two boxes"]  # the SVG's <title>


def test_footnotes_are_notes_in_the_structure_tree(assembled: Path) -> None:
    assert notes(assembled) == {2: ["1. Source one, ¶1"], 3: ["1. Source two, ¶2"]}


def test_table_header_ids_stay_unique_across_parts(assembled: Path) -> None:
    with pikepdf.open(assembled) as pdf:
        found = list(elements(pdf))
        ids = [str(e.ID) for e in found if "/ID" in e]
        assert len(ids) == len(set(ids)) == 2 + 2  # a header and a note per chapter
        for cell in (e for e in found if kind(e) == "/TD"):
            [header] = cell.A.Headers
            assert str(header) in ids


def test_meta_is_written_to_info_and_xmp_alike(assembled: Path, meta: PdfMeta) -> None:
    with pikepdf.open(assembled) as pdf:
        info = pdf.docinfo
        assert str(info.Title) == meta.title
        assert str(info.CreationDate) == "D:20261130120000Z"
        assert str(info.ModDate) == "D:20261201093000+01'00'"
        with pdf.open_metadata() as xmp:
            assert xmp["dc:title"] == meta.title
            assert xmp["dc:creator"] == [meta.author]
            assert xmp["dc:description"] == meta.subject
            assert xmp["pdf:Keywords"] == str(info.Keywords)
            assert xmp["pdf:Producer"] == str(info.Producer)
            assert xmp["xmp:CreatorTool"] == str(info.Creator)
            assert xmp["xmp:CreateDate"] == meta.created
            assert xmp["xmp:ModifyDate"] == xmp["xmp:MetadataDate"] == meta.modified
        packet = pdf.Root.Metadata.read_bytes().decode()
    assert "<dossier:edition>abc1234 (2026-11-30)</dossier:edition>" in packet
    assert f"<dossier:commit>{meta.commit}</dossier:commit>" in packet
    # A custom property is valid PDF/A only with its schema described in the packet.
    assert "<pdfaSchema:prefix>dossier</pdfaSchema:prefix>" in packet
    assert "<pdfaProperty:name>edition</pdfaProperty:name>" in packet
    assert "WeasyPrint 70" not in packet.split("pdf:Producer")[0]  # no part's XMP kept


def test_attachments_are_associated_files(assembled: Path, meta: PdfMeta, tmp_path: Path) -> None:
    listed = run("pdfdetach", "-list", str(assembled)).stdout
    assert listed.splitlines() == ["2 embedded files", "1: profiles.json", "2: sources.csv"]
    saved = tmp_path / "saved"
    saved.mkdir()
    assert run("pdfdetach", "-saveall", "-o", str(saved), str(assembled)).returncode == 0
    for attachment in meta.attachments:
        assert (saved / attachment.name).read_bytes() == attachment.data
    with pikepdf.open(assembled) as pdf:
        specs = list(pdf.Root.AF)
        assert [str(spec.F) for spec in specs] == ["profiles.json", "sources.csv"]
        assert [spec.AFRelationship for spec in specs] == [Name.Source, Name.Data]
        stream = specs[1].EF.F
        assert stream.Subtype == Name("/text/csv")
        params = stream.Params
        assert int(params.Size) == len(meta.attachments[1].data)
        assert bytes(params.CheckSum) == hashlib.md5(meta.attachments[1].data).digest()
        assert str(params.ModDate) == str(params.CreationDate) == "D:20261201093000+01'00'"


def test_assembly_is_byte_reproducible(parts: Parts, meta: PdfMeta) -> None:
    first = assemble("book.pdf", parts[0], parts[1], parts[2], meta=meta)
    assert assemble("book.pdf", parts[0], parts[1], parts[2], meta=meta) == first


def test_without_meta_the_cover_speaks_and_tags_stay(parts: Parts, tmp_path: Path) -> None:
    path = tmp_path / "plain.pdf"
    path.write_bytes(assemble("plain.pdf", parts[0], parts[1], parts[2]))
    check_tagged(path)
    with pikepdf.open(path) as pdf:
        assert str(pdf.docinfo.Title) == "cover"
        assert "/AF" not in pdf.Root


def test_bad_meta_is_refused() -> None:
    with pytest.raises(ValueError, match="has no UTC offset"):
        PdfMeta("t", "a", "s", "k", "en", "2026-11-30T12:00:00", "2026-11-30T12:00:00Z", "", "")
    with pytest.raises(ValueError, match="is not a MIME type"):
        Attachment("a.json", b"{}", "json", "data")


def test_an_untagged_part_is_refused(parts: Parts) -> None:
    blank = pikepdf.new()
    blank.add_blank_page()
    buffer = io.BytesIO()
    blank.save(buffer)
    untagged = PartResult(buffer.getvalue(), 1, {}, (), ())
    with pytest.raises(PdfError, match=r"^book.pdf: part 5 is not tagged$"):
        assemble("book.pdf", parts[0], parts[1], [*parts[2], untagged])


def test_the_pdf_variant_is_part_of_the_cache_key(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = PartSpec("x", "<p>x</p>", (), 0)
    key = spec.key("salt")
    monkeypatch.setattr(pdf_module, "_FORMAT", "untagged")
    assert spec.key("salt") != key


def test_built_pdfs_are_tagged_pdfa(built: list[Path]) -> None:
    assert [path.name for path in built] == ["asim-malik.pdf", "briefing-book.pdf", "isi.pdf"]
    for path in built:
        check_tagged(path)
        with pikepdf.open(path) as pdf:
            packet = pdf.Root.Metadata.read_bytes().decode()
            alts = [str(e.Alt) for e in elements(pdf) if kind(e) == "/Figure"]
        assert re.search(r"<dossier:edition>[^<]+</dossier:edition>", packet), path.name
        # The relationship diagrams, described by their SVG <title>.
        assert alts and all(alt.startswith("Relationships of ") for alt in alts), path.name


def test_built_footnotes_are_notes_on_their_pages(built: list[Path]) -> None:
    for path in built:
        found = notes(path)
        for index, page in enumerate(PdfReader(path).pages):
            printed = footnotes_by_page(page)[1]
            numbers = [int(re.match(r"(\d+)\. ", text)[1]) for text in found.get(index, [])]  # type: ignore[index]
            assert numbers == printed, (path.name, index)
        assert found, path.name


def test_built_attachments_are_the_project_files(built: list[Path], tmp_path: Path) -> None:
    project = TESTS / "projects" / "good"
    sources = {path.read_bytes() for path in project.rglob("*.yaml")}
    for path in built:
        saved = tmp_path / path.stem
        saved.mkdir()
        listed = run("pdfdetach", "-list", str(path)).stdout.splitlines()
        assert run("pdfdetach", "-saveall", "-o", str(saved), str(path)).returncode == 0
        with pikepdf.open(path) as pdf:
            specs: list[Any] = list(pdf.Root.AF)
            assert listed[0] == f"{len(specs)} embedded files" and specs, path.name
            for spec in specs:
                data = (saved / str(spec.UF)).read_bytes()
                params = spec.EF.F.Params
                assert int(params.Size) == len(data)
                assert bytes(params.CheckSum) == hashlib.md5(data).digest()
                assert "/AFRelationship" in spec and "/Subtype" in spec.EF.F
                if str(spec.UF).endswith(".yaml"):
                    assert data in sources, str(spec.UF)
