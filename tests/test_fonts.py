"""Names in Arabic script render with the theme's own fonts: no missing glyph, no system font.

A profile named in Urdu, with aliases in Urdu, Pashto and Dari (word lists that
between them use every letter these languages add to Arabic), is built to HTML
and PDF. In the PDF, every font is one of the bundled files and every character
of the names maps to a real glyph of one; on the site, the stylesheet's font
stack reaches a bundled font, copied into the site, that has every character.
"""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from builder.cli import main
from builder.publish.build import BuildOptions, build
from builder.render.templates import DEFAULT_TEMPLATES
from tests.conftest import TESTS, ProjectFactory

ASIM = "dossiers/people/asim-malik.yaml"
NAME = "عاصم ملک"  # Urdu spelling, with keheh
ALIASES = (
    "ٹوپی ڈاکٹر بڑا میں ہے بھائی خانۀ",  # Urdu ٹ ڈ ڑ ں ے ھ, Dari ۀ
    "ټول ډېر لوړ ښار ږیره ځای څوک ګران ماڼۍ",  # Pashto ټ ډ ړ ښ ږ ځ څ ګ ڼ ې ۍ ی
    "پاکستان چهار ژاله گروه طالبان",  # Persian letters پ چ ژ گ
)
LETTERS = "ٹڈڑںےھۀټډړښږځڅګڼېۍیپچژگ"
CITATION = """    citations:
      - source: seed-000
        locator: "¶1"
        quote: "Lieutenant General Asim Malik"
        credibility: 2
"""
FONTS = DEFAULT_TEMPLATES / "fonts"


@dataclass(frozen=True)
class Embedded:
    """A font a PDF embeds: its program's PostScript name, glyph names and ToUnicode map."""

    program: str
    glyph_names: tuple[str, ...]
    text: dict[int, str]  # glyph id -> the text it stands for


def bundled_programs() -> set[str]:
    """PostScript names of the theme's font files."""
    return {str(TTFont(path)["name"].getDebugName(6)) for path in FONTS.glob("*.ttf")}


def to_unicode(cmap: str) -> dict[int, str]:
    """Glyph id -> text, from a ToUnicode CMap (bfchar and bfrange sections)."""
    found: dict[int, str] = {}
    for section in re.findall(r"beginbfchar(.*?)endbfchar", cmap, flags=re.S):
        for gid, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", section):
            found[int(gid, 16)] = bytes.fromhex(text).decode("utf-16-be")
    for section in re.findall(r"beginbfrange(.*?)endbfrange", cmap, flags=re.S):
        for first, last, start in re.findall(
            r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", section
        ):
            base = int(start, 16)
            for offset, gid in enumerate(range(int(first, 16), int(last, 16) + 1)):
                found[gid] = chr(base + offset)
    return found


def embedded_fonts(pdf: Path) -> list[Embedded]:
    """Every composite font of the PDF, read back from its embedded program."""
    fonts = []
    with pikepdf.open(pdf) as document:
        for obj in document.objects:
            if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != pikepdf.Name.Font:
                continue
            if obj.get("/Subtype") in (pikepdf.Name.CIDFontType0, pikepdf.Name.CIDFontType2):
                continue  # the descendant of a composite font, read through that font
            assert "/DescendantFonts" in obj, obj.get("/BaseFont")  # no simple or Type 3 font
            program = obj.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
            font = TTFont(io.BytesIO(program))
            fonts.append(
                Embedded(
                    str(font["name"].getDebugName(6)),
                    tuple(font.getGlyphOrder()),
                    to_unicode(obj.ToUnicode.read_bytes().decode("ascii")),
                )
            )
    return fonts


@pytest.fixture(scope="module")
def arabic_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The good project with Asim Malik named in Urdu, built to HTML and PDF (once)."""
    root = tmp_path_factory.mktemp("arabic") / "project"
    shutil.copytree(TESTS / "projects" / "good", root)
    profile = root / ASIM
    text = profile.read_text(encoding="utf-8")
    aliases = "".join(f"  - name: {alias}\n{CITATION}" for alias in ALIASES)
    assert "name: Asim Malik\naliases:\n" in text
    profile.write_text(
        text.replace("name: Asim Malik\naliases:\n", f"name: {NAME}\naliases:\n{aliases}", 1),
        encoding="utf-8",
    )
    output = tmp_path_factory.mktemp("out")
    build(root, BuildOptions(output=output, entities=frozenset({"asim-malik"})))
    return output


def test_the_names_use_every_letter_urdu_pashto_and_dari_add() -> None:
    assert set(LETTERS) <= set("".join(ALIASES))


def test_every_pdf_font_is_a_bundled_one(arabic_site: Path) -> None:
    fonts = embedded_fonts(arabic_site / "pdf" / "asim-malik.pdf")
    programs = {font.program for font in fonts}
    assert programs <= bundled_programs()
    assert {"NotoNaskhArabic-Regular", "NotoNaskhArabic-Bold", "NotoSans-Regular"} <= programs


def test_every_character_of_the_names_has_a_glyph_in_the_pdf(arabic_site: Path) -> None:
    fonts = embedded_fonts(arabic_site / "pdf" / "asim-malik.pdf")
    for font in fonts:  # no .notdef: every glyph shown is a real one of its font
        for gid in font.text:
            assert 0 < gid < len(font.glyph_names), (font.program, gid)
            assert font.glyph_names[gid] != ".notdef", (font.program, gid)
    arabic = "".join(
        text
        for font in fonts
        if font.program.startswith("NotoNaskhArabic")
        for text in font.text.values()
    )
    wanted = set("".join((NAME, *ALIASES))) - {" "}
    assert wanted - set(arabic) == set()


def font_faces(css: str) -> dict[str, list[str]]:
    """Family -> the files of its ``@font-face`` rules, from a stylesheet."""
    faces: dict[str, list[str]] = {}
    for body in re.findall(r"@font-face\s*\{(.*?)\}", css, flags=re.S):
        family = re.search(r'font-family:\s*"([^"]+)"', body)
        source = re.search(r'src:\s*url\("([^"]+)"\)', body)
        assert family and source, body
        faces.setdefault(family.group(1), []).append(source.group(1))
    return faces


def test_the_site_stylesheet_reaches_a_bundled_font_for_every_character(arabic_site: Path) -> None:
    html = arabic_site / "html"
    page = (html / "asim-malik.html").read_text(encoding="utf-8")
    assert f"<bdi>{NAME}</bdi>" in page
    assert 'href="assets/site.css"' in page
    css = (html / "assets" / "site.css").read_text(encoding="utf-8")
    body = re.search(r"^body \{[^}]*?font: [^;]*?px/[\d.]+ ([^;]+);", css, flags=re.M)
    assert body is not None
    stack = [family.strip().strip('"') for family in body.group(1).split(",")]
    assert stack == ["Dossier Sans", "Dossier Naskh", "sans-serif"]
    faces = font_faces(css)
    for char in set("".join((NAME, *ALIASES))) - {" "}:
        # The first family of the stack whose regular face has the character.
        family = next(
            f
            for f in stack
            if f in faces and ord(char) in TTFont(html / "assets" / faces[f][0]).getBestCmap()
        )
        assert family == "Dossier Naskh", char
        for url in faces[family]:  # regular and bold: both copied, both with the glyph
            copied = html / "assets" / url
            assert copied.read_bytes() == (DEFAULT_TEMPLATES / url).read_bytes()
            assert ord(char) in TTFont(copied).getBestCmap(), (url, char)


def test_the_font_licence_travels_with_the_fonts(arabic_site: Path) -> None:
    licence = (arabic_site / "html" / "assets" / "fonts" / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1 - 26 February 2007" in licence
    for path in FONTS.glob("*.ttf"):
        assert "SIL Open Font License" in str(TTFont(path)["name"].getDebugName(13)), path.name


def test_a_font_from_outside_the_theme_is_refused(
    make_project: ProjectFactory, runner: CliRunner, tmp_path: Path
) -> None:
    outside = "file:///usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    root = make_project(
        {
            "dossier.yaml": 'title: T\nmarking: M\nas_of: "2024"\ntemplates: theme\n',
            "theme/print.css": '{% include "default:print.css" %}\n'
            f'@font-face {{ font-family: "Machine"; src: url("{outside}"); }}\n'
            'h1 { font-family: "Machine"; }\n',
        }
    )
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        ["build", "-p", str(root), "-o", str(out), "--only", "pdf", "--entity", "isi", "-j", "1"],
    )
    assert result.exit_code == 1
    # Whichever part is laid out first fails the build: the cover or the body.
    last = result.stderr.splitlines()[-1]
    assert re.fullmatch(
        rf"Error: pdf/isi\.pdf(, cover)?: refused to fetch {re.escape(outside)}: "
        r"PDFs may only use files from the template folders, never the network",
        last,
    ), last


def test_a_repository_theme_adds_its_own_fonts_to_the_site(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    extra = (FONTS / "NotoSansMono-Regular.ttf").read_bytes()
    root = make_project(
        {
            "dossier.yaml": 'title: T\nmarking: M\nas_of: "2024"\ntemplates: theme\n',
            "theme/fonts/House.ttf": extra,
        }
    )
    build(root, BuildOptions(output=tmp_path / "out", pdf=False))
    copied = tmp_path / "out" / "html" / "assets" / "fonts"
    assert (copied / "House.ttf").read_bytes() == extra
    assert sorted(p.name for p in copied.iterdir()) == sorted(
        ["House.ttf", *(p.name for p in FONTS.iterdir())]
    )
