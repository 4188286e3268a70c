"""The build cache: an incremental build makes a clean build's bytes, re-laying out only edits.

Two layers are under test: the edition's fingerprint of its inputs (an unchanged
repository is not even loaded) and the content-addressed part cache (a changed one
lays out only the PDF parts whose HTML changed). Every test starts from one warm
state, built once per module: the good project with a theme override folder and an
explicit briefing book (so that templates and book entity lists can be edited too),
its cache and its output. Each test works on a copy of it, at other paths, so the
fingerprint never matches and the part cache does the work.

The PDF parts an edit should lay out again are written out by hand, from what each
part shows (templates/pdf.html, profile.html, source-meta.html): a part is laid out
again iff its HTML (or a theme file) changed. They are never computed from the code
under test.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from builder.cli import main
from builder.errors import DossierError
from builder.publish.build import BuildOptions, BuildReport, build
from builder.publish.cache import Cache
from builder.publish.workers import PartsFailed
from builder.publish.write import Published
from builder.render.html import DEFAULT_TEMPLATES
from tests.conftest import TESTS, ProjectFactory

BOOK = "pdf/briefing-book.pdf"
ISI = "pdf/isi.pdf"
ASIM = "pdf/asim-malik.pdf"
CHAPTER_ISI = f"{BOOK}, chapter isi"
CHAPTER_ASIM = f"{BOOK}, chapter asim-malik"
APPENDIX = f"{BOOK}, appendix"
PDFS = frozenset({ASIM, ISI, BOOK})
BODIES = frozenset({ASIM, ISI, CHAPTER_ISI, CHAPTER_ASIM, APPENDIX})
HTML_PAGES = (
    "html/asim-malik.html",
    "html/books/briefing-book.html",
    "html/index.html",
    "html/isi.html",
    "html/network.html",
    "html/review/asim-malik.html",
    "html/review/isi.html",
    "html/sources/seed-000.html",
)
EVERY_OUTPUT = tuple(
    sorted(
        (
            "html/asim-malik.html",
            "html/assets/search-index.js",
            "html/assets/search.js",
            "html/assets/site.css",
            "html/assets/vendor/LICENSE-minisearch.txt",
            "html/assets/vendor/minisearch.js",
            *(f"html/assets/fonts/{p.name}" for p in (DEFAULT_TEMPLATES / "fonts").iterdir()),
            "html/books/briefing-book.html",
            "html/index.html",
            "html/isi.html",
            "html/network.html",
            "html/review/asim-malik.html",
            "html/review/isi.html",
            "html/sources/seed-000.html",
            ASIM,
            BOOK,
            ISI,
        )
    )
)
PRINT_CSS = '{% include "default:print.css" %}\n'
BASE: dict[str, str] = {
    "dossier.yaml": 'title: Test dossiers\nmarking: "TLP:CLEAR"\nas_of: "2024-09"\n'
    "templates: theme\n",
    "theme/print.css": PRINT_CSS,
    "dossiers/books/briefing-book.yaml": "id: briefing-book\ntitle: Test dossiers\n"
    "audience: All readers\nentities:\n  - isi\n  - asim-malik\n",
}
MAGIC = b"DOSSIER-CACHE 1\n"  # first line of every cache entry (builder/publish/cache.py)


def cover(pdf: str) -> str:
    """The name of a PDF's cover part."""
    return f"{pdf}, cover"


def contents(pdf: str) -> str:
    """The name of a PDF's contents part."""
    return f"{pdf}, contents"


# (file, text it holds once, replacement)
Edit = tuple[str, str, str]


@dataclass(frozen=True)
class Expected:
    """What an incremental build after one edit should do."""

    bodies: frozenset[str]  # body parts laid out again
    fronts: frozenset[str]  # cover and contents parts whose HTML changed
    reused: frozenset[str]  # PDFs served whole from the cache
    written: tuple[str, ...]  # output files written


EDITS: dict[str, tuple[Edit, Expected]] = {
    # Only Asim Malik's chapter and dossier show his summary; the contents list names
    # and headings, not summaries, and one word moves no page break. The ISI dossier
    # embeds his profile (PDF/A-3 attachments): assembled again, nothing laid out.
    "summary": (
        ("dossiers/people/asim-malik.yaml", "army officer named", "army general named"),
        Expected(
            bodies=frozenset({ASIM, CHAPTER_ASIM}),
            fronts=frozenset(),
            reused=frozenset(),
            written=(
                "html/asim-malik.html",
                "html/assets/search-index.js",
                "html/books/briefing-book.html",
                "html/index.html",
                ASIM,
                BOOK,
                ISI,
            ),
        ),
    ),
    # The name is his dossier's title and shows wherever he is linked: the ISI's
    # relationships and timeline, the appendix's "Cited by" and the book's contents.
    # The ISI dossier's cover and contents name only the ISI.
    "name": (
        ("dossiers/people/asim-malik.yaml", "name: Asim Malik\n", "name: Asim Munir Malik\n"),
        Expected(
            bodies=BODIES,
            fronts=frozenset({cover(ASIM), cover(BOOK), contents(BOOK)}),
            reused=frozenset(),
            # the ISI's worksheet names no other profile; the search index holds names
            written=(
                *sorted({*HTML_PAGES, "html/assets/search-index.js"} - {"html/review/isi.html"}),
                ASIM,
                BOOK,
                ISI,
            ),
        ),
    ),
    # Every citation shows its grade (B2 -> C2), as does the appendix; covers do not.
    "grade": (
        ("seeds/seed-000.yaml", "reliability: B\n", "reliability: C\n"),
        Expected(
            bodies=BODIES,
            fronts=frozenset(),
            reused=frozenset(),
            written=(
                "html/asim-malik.html",
                "html/index.html",
                "html/isi.html",
                "html/review/asim-malik.html",
                "html/review/isi.html",
                "html/sources/seed-000.html",
                ASIM,
                BOOK,
                ISI,
            ),
        ),
    ),
    # print.css is in every part; the site does not use it.
    "print-css": (
        ("theme/print.css", PRINT_CSS, PRINT_CSS + ".summary { color: #7b1fa2; }\n"),
        Expected(
            bodies=BODIES,
            fronts=frozenset(
                {
                    cover(ASIM),
                    cover(ISI),
                    cover(BOOK),
                    contents(BOOK),
                }
            ),
            reused=frozenset(),
            written=(ASIM, BOOK, ISI),
        ),
    ),
    # The marking is in every page's margins, every cover, and every site page.
    "marking": (
        ("dossier.yaml", '"TLP:CLEAR"', '"TLP:AMBER"'),
        Expected(
            bodies=BODIES,
            fronts=frozenset(
                {
                    cover(ASIM),
                    cover(ISI),
                    cover(BOOK),
                    contents(BOOK),
                }
            ),
            reused=frozenset(),
            written=(*HTML_PAGES, ASIM, BOOK, ISI),
        ),
    ),
    # Out of the book, Asim Malik is no longer linked from the ISI chapter nor from
    # the appendix, which also drops the likelihood legend (only he has assessments).
    "book-entities": (
        ("dossiers/books/briefing-book.yaml", "  - asim-malik\n", ""),
        Expected(
            bodies=frozenset({CHAPTER_ISI, APPENDIX}),
            fronts=frozenset({cover(BOOK), contents(BOOK)}),
            reused=frozenset({ASIM, ISI}),
            written=("html/books/briefing-book.html", BOOK),
        ),
    ),
    # Reordered chapters are the same chapters; only the contents and the appendix's
    # <meta name="keywords"> (every entity of the book, in order) change.
    "book-order": (
        (
            "dossiers/books/briefing-book.yaml",
            "  - isi\n  - asim-malik\n",
            "  - asim-malik\n  - isi\n",
        ),
        Expected(
            bodies=frozenset({APPENDIX}),
            fronts=frozenset({cover(BOOK), contents(BOOK)}),
            reused=frozenset({ASIM, ISI}),
            written=("html/books/briefing-book.html", BOOK),
        ),
    ),
}


def theme_hashes(project: Path) -> dict[str, str]:
    """sha256 of each theme file by path, the override folder's first."""
    found: dict[str, str] = {}
    for folder in (project / "theme", DEFAULT_TEMPLATES):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                relative = path.relative_to(folder).as_posix()
                found.setdefault(relative, hashlib.sha256(path.read_bytes()).hexdigest())
    return found


@dataclass(frozen=True)
class Site:
    """A project with its own cache and output folders."""

    project: Path
    cache: Path
    output: Path

    def build(self, *, notices: list[str] | None = None, **changes: Any) -> BuildReport:
        """Build incrementally (one worker: this small project lays out fastest inline)."""
        options = BuildOptions(output=self.output, cache_dir=self.cache, jobs=1)
        sink = notices if notices is not None else []
        return build(self.project, dataclasses.replace(options, **changes), on_notice=sink.append)

    def clean(self, output: Path, **changes: Any) -> BuildReport:
        """Build without reading any cache into a fresh folder (the reference)."""
        options = BuildOptions(
            output=output, cache=False, cache_dir=output.parent / "unused-cache", jobs=1
        )
        return build(self.project, dataclasses.replace(options, **changes))


def copy_site(site: Site, folder: Path) -> Site:
    """A copy of ``site`` under ``folder``, at other paths and with other inodes."""
    copied = Site(folder / "project", folder / "cache", folder / "output")
    shutil.copytree(site.project, copied.project, symlinks=True)
    shutil.copytree(site.cache, copied.cache)
    shutil.copytree(site.output, copied.output)
    return copied


def apply(root: Path, edit: Edit) -> None:
    """Replace the one occurrence of a text in a project file."""
    name, old, new = edit
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (name, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def files(output: Path) -> dict[str, bytes]:
    """Every file of the html/ and pdf/ trees: relative path -> bytes."""
    return {
        path.relative_to(output).as_posix(): path.read_bytes()
        for tree in ("html", "pdf")
        for path in sorted((output / tree).rglob("*"))
        if path.is_file()
    }


def stamps(output: Path) -> dict[str, tuple[int, int, str]]:
    """Inode, mtime and sha256 of every output file: equal stamps, untouched file."""
    found = {}
    for name, data in files(output).items():
        info = (output / name).stat()
        found[name] = (info.st_ino, info.st_mtime_ns, hashlib.sha256(data).hexdigest())
    return found


def assert_same_files(built: Path, clean: Path) -> None:
    """Both html/ and pdf/ trees hold the same files, byte for byte."""
    mine, reference = files(built), files(clean)
    assert sorted(mine) == sorted(reference)
    assert [name for name in mine if mine[name] != reference[name]] == []


def bodies(report: BuildReport) -> set[str]:
    """Body parts (single dossiers, chapters, appendices) laid out by a build."""
    return {name for name in report.pdf.laid_out if not name.endswith((", cover", ", contents"))}


def fronts(report: BuildReport) -> set[str]:
    """Front matter parts (cover and contents) laid out by a build."""
    return {name for name in report.pdf.laid_out if name.endswith((", cover", ", contents"))}


def cache_entries(site: Site) -> dict[str, Path]:
    """Cache entry files by what they hold: "output pdf/x.pdf", or a body part's name.

    Outputs are recognised by their bytes, body parts by the anchors they hold;
    front matter parts hold none and are left out.
    """
    pdfs = files(site.output)
    found: dict[str, Path] = {}
    for path in sorted(site.cache.rglob("*")):
        if not path.is_file():
            continue
        _, _, header, payload = path.read_bytes().split(b"\n", 3)
        anchors = set(json.loads(header).get("anchors", ()))
        entities = sorted(a.removeprefix("entity-") for a in anchors if a.startswith("entity-"))
        if path.parent.parent.name == "outputs":
            (label,) = [f"output {name}" for name, data in pdfs.items() if data == payload]
        elif "appendix-sources" in anchors:
            label = f"pdf/{entities[0]}.pdf" if entities else APPENDIX
        elif entities:
            label = f"{BOOK}, chapter {entities[0]}"
        else:
            continue
        assert label not in found, label
        found[label] = path
    return found


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The base project built once: its cache holds every part and output."""
    folder = tmp_path_factory.mktemp("warm")
    site = Site(folder / "project", folder / "cache", folder / "output")
    shutil.copytree(TESTS / "projects" / "good", site.project)
    for name, text in BASE.items():
        (site.project / name).parent.mkdir(parents=True, exist_ok=True)
        (site.project / name).write_text(text, encoding="utf-8")
    report = site.build()
    assert report.published.written == EVERY_OUTPUT
    return site


@pytest.fixture
def site(warm: Site, tmp_path: Path) -> Site:
    """A copy of the warm project, cache and output, for one test to change."""
    return copy_site(warm, tmp_path / "site")


@dataclass(frozen=True)
class Edited:
    """An incremental build after one edit, and a clean build of the same edit."""

    report: BuildReport
    output: Path
    clean: Path


@pytest.fixture(scope="module")
def edited(warm: Site, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Edited]:
    """Edit a copy of the warm site, build it both ways; once per edit per module."""
    done: dict[str, Edited] = {}

    def get(name: str) -> Edited:
        if name not in done:
            copied = copy_site(warm, tmp_path_factory.mktemp(name))
            apply(copied.project, EDITS[name][0])
            report = copied.build()
            clean = tmp_path_factory.mktemp(f"{name}-clean") / "output"
            copied.clean(clean)
            done[name] = Edited(report, copied.output, clean)
        return done[name]

    return get


def test_rebuilding_unchanged_inputs_changes_nothing(site: Site) -> None:
    # The copy is at another path and its sources get other times: the edition's
    # fingerprint (which hashes paths) no longer matches, so the full pipeline runs,
    # and the part cache (which hashes neither) serves every PDF.
    for path in site.project.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    before = stamps(site.output)
    notices: list[str] = []
    moved = site.build(notices=notices)
    assert not moved.skipped
    assert moved.pdf.laid_out == []
    assert sorted(moved.pdf.reused) == sorted(PDFS)
    assert moved.pdf.assembled == []
    assert moved.published == Published((), EVERY_OUTPUT, ())
    assert notices == []
    assert stamps(site.output) == before
    # Built again in place: the fingerprint matches and nothing is even loaded.
    again = site.build(notices=notices)
    assert again.skipped
    assert again.pdf.laid_out == []
    assert sorted(again.pdf.reused) == sorted(PDFS)
    assert again.published == Published((), EVERY_OUTPUT, ())
    assert notices == []
    assert stamps(site.output) == before


@pytest.mark.parametrize("name", list(EDITS))
def test_edit_gives_the_clean_build(name: str, edited: Callable[[str], Edited]) -> None:
    expected = EDITS[name][1]
    result = edited(name)
    assert_same_files(result.output, result.clean)
    assert bodies(result.report) == expected.bodies
    assert sorted(result.report.pdf.reused) == sorted(expected.reused)
    assert sorted(result.report.pdf.assembled) == sorted(PDFS - expected.reused)
    assert result.report.published.written == expected.written
    assert result.report.published.removed == ()


@pytest.mark.parametrize("name", list(EDITS))
def test_front_matter_laid_out_only_when_it_changed(
    name: str, edited: Callable[[str], Edited]
) -> None:
    assert fronts(edited(name).report) == EDITS[name][1].fronts


def test_corrupt_cache_entries_are_reported_and_rebuilt(
    site: Site, edited: Callable[[str], Edited]
) -> None:
    entries = cache_entries(site)
    keys = {label: path.name for label, path in entries.items()}
    # Reordering the book leaves the ISI dossier alone, so its output entry is read:
    # here a valid checksum over a header that is not JSON.
    payload = entries[f"output {ISI}"].read_bytes().split(b"\n", 3)[3]
    rest = b"{not json\n" + payload
    entries[f"output {ISI}"].write_bytes(
        MAGIC + hashlib.sha256(rest).hexdigest().encode() + b"\n" + rest
    )
    # Then its body part is read, and the book's chapters, which the reordering
    # leaves alone: truncated, garbage, and a valid entry filed under another key.
    whole = entries[ISI].read_bytes()
    entries[ISI].write_bytes(whole[: len(whole) // 2])
    entries[CHAPTER_ISI].write_bytes(b"garbage\n" * 64)
    shutil.copyfile(entries[APPENDIX], entries[CHAPTER_ASIM])
    apply(site.project, EDITS["book-order"][0])
    notices: list[str] = []
    report = site.build(notices=notices)
    assert sorted(notices) == sorted(
        [
            f"cache entry outputs/{keys[f'output {ISI}'][:12]} has a broken header; rebuilt",
            f"cache entry parts/{keys[ISI][:12]} is corrupt or truncated; rebuilt",
            f"cache entry parts/{keys[CHAPTER_ISI][:12]} is not a Dossier cache entry; ignored",
            f"cache entry parts/{keys[CHAPTER_ASIM][:12]} belongs to another key; ignored",
        ]
    )
    assert bodies(report) == {ISI, CHAPTER_ISI, CHAPTER_ASIM, APPENDIX}
    assert report.pdf.reused == [ASIM]
    assert_same_files(site.output, edited("book-order").clean)
    # Each bad entry was replaced by a good one: read back without a notice.
    cache = Cache(site.cache)
    assert cache.get_output(keys[f"output {ISI}"]) is not None
    theme = theme_hashes(site.project)
    for label in (ISI, CHAPTER_ISI, CHAPTER_ASIM):
        assert cache.get_part(keys[label], theme) is not None, label
    assert cache.notices == []


@pytest.mark.parametrize("how", ["option", "symlink", "environment"])
def test_cache_inside_the_repository_is_refused(
    how: str,
    make_project: ProjectFactory,
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = make_project({})
    inside = root / "cache"
    args = ["build", "-p", str(root), "-o", str(tmp_path / "output")]
    if how == "option":
        args += ["--cache-dir", str(inside)]
    elif how == "symlink":  # resolved before the check
        (tmp_path / "elsewhere").symlink_to(inside, target_is_directory=True)
        args += ["--cache-dir", str(tmp_path / "elsewhere")]
    else:
        monkeypatch.setenv("DOSSIER_CACHE_DIR", str(inside))
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: cache folder {inside.resolve()} is inside the repository; keep it outside "
        "(a cache that git could track is a way to plant forged outputs)\n"
    )
    assert not inside.exists()
    assert not (tmp_path / "output").exists()


def test_no_cache_lays_out_everything_again(site: Site, runner: CliRunner) -> None:
    assert site.build().pdf.laid_out == []  # the cache is warm and the edition recorded here
    before = stamps(site.output)
    result = runner.invoke(
        main,
        [
            "build",
            "-p",
            str(site.project),
            "-o",
            str(site.output),
            "--cache-dir",
            str(site.cache),
            "--no-cache",
            "--jobs",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        rf"Built 22 HTML files and 3 PDFs into {re.escape(str(site.output.resolve()))} in "
        r"\d+\.\d s: 3 PDFs rendered \(9 parts laid out\), 0 reused from the cache; "
        r"nothing changed; 0 warnings\n",
        result.stdout,
    )
    assert "notice:" not in result.stderr
    # Laid out afresh, the same bytes: the edition is left as it was.
    assert stamps(site.output) == before


def test_renamed_profile_removes_its_outputs_and_keeps_the_users(
    site: Site, tmp_path: Path
) -> None:
    (site.output / "notes.txt").write_text("my notes", encoding="utf-8")
    (site.output / "html" / "CNAME").write_text("dossiers.example.org\n", encoding="utf-8")
    mine = {
        name: ((site.output / name).stat().st_ino, (site.output / name).read_bytes())
        for name in ("notes.txt", "html/CNAME")
    }
    people = site.project / "dossiers" / "people"
    (people / "asim-malik.yaml").rename(people / "asim-munir.yaml")
    apply(site.project, ("dossiers/people/asim-munir.yaml", "id: asim-malik\n", "id: asim-munir\n"))
    apply(site.project, ("dossiers/books/briefing-book.yaml", "- asim-malik\n", "- asim-munir\n"))
    report = site.build()
    assert report.published.removed == (
        "html/asim-malik.html",
        "html/review/asim-malik.html",
        "pdf/asim-malik.pdf",
    )
    # The ISI page links to the renamed page; the ISI dossier links no other entity
    # but embeds the profiles it is made from (PDF/A-3), the renamed one among them.
    assert report.published.written == (
        "html/asim-munir.html",
        "html/assets/search-index.js",
        "html/books/briefing-book.html",
        "html/index.html",
        "html/isi.html",
        "html/network.html",
        "html/review/asim-munir.html",
        "html/sources/seed-000.html",
        "pdf/asim-munir.pdf",
        BOOK,
        ISI,
    )
    assert sorted(os.listdir(site.output)) == [
        ".dossier",
        "html",
        "manifest.json",
        "notes.txt",
        "pdf",
    ]
    for name, (inode, data) in mine.items():
        assert ((site.output / name).stat().st_ino, (site.output / name).read_bytes()) == (
            inode,
            data,
        )
    (site.output / "html" / "CNAME").unlink()  # the user's, not in a clean build
    site.clean(tmp_path / "clean")
    assert_same_files(site.output, tmp_path / "clean")


def test_entity_build_keeps_every_other_file(site: Site, tmp_path: Path) -> None:
    apply(
        site.project,
        ("dossiers/groups/isi.yaml", "military intelligence agency", "military spy agency"),
    )
    before = stamps(site.output)
    report = site.build(entities=frozenset({"isi"}))
    assert report.published.written == (
        "html/assets/search-index.js",
        "html/index.html",
        "html/isi.html",
        ISI,
    )
    assert report.published.removed == ()
    assert bodies(report) == {ISI}
    after = stamps(site.output)
    assert sorted(after) == sorted(before)
    assert {n for n in before if after[n] != before[n]} == set(report.published.written)
    # What it did write is what a clean build of the same selection writes.
    site.clean(tmp_path / "clean", entities=frozenset({"isi"}))
    built = files(site.output)
    for name, data in files(tmp_path / "clean").items():
        assert built[name] == data, name


def test_html_only_build_keeps_the_pdfs(site: Site, tmp_path: Path) -> None:
    before = stamps(site.output)
    report = site.build(pdf=False)
    assert (report.pdf.laid_out, report.pdf.reused, report.pdf.assembled) == ([], [], [])
    assert report.published.removed == ()
    # An HTML-only build links no PDF, so the pages that linked one change.
    assert report.published.written == (
        "html/asim-malik.html",
        "html/books/briefing-book.html",
        "html/isi.html",
    )
    after = stamps(site.output)
    assert {n: s for n, s in after.items() if n.startswith("pdf/")} == {
        n: s for n, s in before.items() if n.startswith("pdf/")
    }
    site.clean(tmp_path / "clean", pdf=False)
    assert {n: d for n, d in files(site.output).items() if n.startswith("html/")} == files(
        tmp_path / "clean"
    )


WARNING_THEME: dict[str, str | bytes] = {
    "dossier.yaml": BASE["dossier.yaml"],
    "theme/print.css": PRINT_CSS + ".summary { colr: red; }\n",
}
UNKNOWN_PROPERTY = r"Ignored `colr: red` at \d+:\d+, unknown property\."


def test_warnings_survive_the_cache(make_project: ProjectFactory, tmp_path: Path) -> None:
    site = Site(make_project(WARNING_THEME), tmp_path / "cache", tmp_path / "output")
    options: dict[str, Any] = {"html": False, "entities": frozenset({"isi"})}
    first = site.build(**options)
    assert len(first.warnings) == 2  # a short dossier has no contents part
    assert re.fullmatch(rf"pdf/isi\.pdf, cover: {UNKNOWN_PROPERTY}", first.warnings[0])
    assert re.fullmatch(rf"pdf/isi\.pdf: {UNKNOWN_PROPERTY}", first.warnings[1])
    # Nothing changed: the edition's record replays them.
    again = site.build(**options)
    assert again.skipped
    assert again.warnings == first.warnings
    # Into another folder, the PDF served whole from the cache: its entry keeps them.
    served = dataclasses.replace(site, output=tmp_path / "served").build(**options)
    assert (served.skipped, served.pdf.laid_out, served.pdf.reused) == (False, [], [ISI])
    assert served.warnings == first.warnings
    # Assembled from cached parts: each part keeps its own.
    shutil.rmtree(site.cache / "outputs")
    assembled = dataclasses.replace(site, output=tmp_path / "assembled").build(**options)
    assert bodies(assembled) == set()
    assert assembled.pdf.assembled == [ISI]
    assert assembled.warnings == first.warnings
    with pytest.raises(DossierError) as refused:
        site.build(strict=True, **options)
    assert refused.value.message == "build refused (--strict): " + "; ".join(first.warnings)


def test_cached_warnings_name_the_parts_of_this_build(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    book = "id: {}\ntitle: Test dossiers\naudience: All readers\nentities: [isi]\n"
    root = make_project({**WARNING_THEME, "dossiers/books/alpha.yaml": book.format("alpha")})
    site = Site(root, tmp_path / "cache", tmp_path / "output")
    site.build(html=False, books=frozenset({"alpha"}))
    (root / "dossiers/books/alpha.yaml").unlink()
    (root / "dossiers/books/beta.yaml").write_text(book.format("beta"), encoding="utf-8")
    renamed = site.build(html=False, books=frozenset({"beta"}))
    clean = site.clean(tmp_path / "clean", html=False, books=frozenset({"beta"}))
    # Every part comes from the cache; the warnings name this build's parts.
    assert (renamed.pdf.laid_out, renamed.pdf.assembled) == ([], ["pdf/beta.pdf"])
    assert renamed.warnings == clean.warnings


def test_a_failing_part_in_the_worker_pool_reports_its_error(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    root = make_project(
        {
            "dossier.yaml": BASE["dossier.yaml"],
            "theme/pdf.html": '{% extends "default:pdf.html" %}{% block cover %}'
            '<img src="https://example.com/logo.png" alt="">{% endblock %}',
        }
    )
    options = BuildOptions(
        output=tmp_path / "output",
        cache_dir=tmp_path / "cache",
        html=False,
        entities=frozenset({"isi", "asim-malik"}),
        jobs=2,  # two body parts: a pool of two worker processes
    )
    with pytest.raises(PartsFailed) as failed:
        build(root, options)
    assert re.fullmatch(
        r"pdf/(asim-malik|isi)\.pdf, cover: refused to fetch "
        r"https://example\.com/logo\.png: PDFs may only use files from the template "
        r"folders, never the network",
        failed.value.message,
    )


def test_edit_behind_a_symlinked_profile_is_built(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    root = make_project({})
    # e.g. profiles shared by two desks; inside the repository (a link out is refused)
    shared = root / "shared" / "isi.yaml"
    shared.parent.mkdir()
    (root / "dossiers/groups/isi.yaml").rename(shared)
    (root / "dossiers/groups/isi.yaml").symlink_to(shared)
    site = Site(root, tmp_path / "cache", tmp_path / "output")
    site.build(pdf=False)
    apply(shared.parent, ("isi.yaml", "military intelligence agency", "military spy agency"))
    report = site.build(pdf=False)
    assert report.published.written == (
        "html/assets/search-index.js",
        "html/index.html",
        "html/isi.html",
    )
    assert "military spy agency" in (site.output / "html/isi.html").read_text(encoding="utf-8")


def test_a_profile_edit_renders_only_the_parts_that_can_show_it(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    """Parts whose input files did not change are not even rendered to HTML."""
    isi = (TESTS / "projects/good/dossiers/groups/isi.yaml").read_text(encoding="utf-8")
    other = isi.replace("id: isi", "id: other-agency").replace(
        "name: Inter-Services Intelligence", "name: Other Agency"
    )
    root = make_project({"dossiers/groups/other-agency.yaml": other})
    site = Site(root, tmp_path / "cache", tmp_path / "output")
    first = site.build()
    assert len(first.pdf.rendered) == 6  # 3 dossiers, 3 chapters of the default book
    apply(root, ("dossiers/people/asim-malik.yaml", "summary: ", "summary: Edited. "))
    again = site.build()
    # ISI's parts show Asim Malik (a link between them); Other Agency's cannot.
    assert sorted(again.pdf.rendered) == [
        "pdf/asim-malik.pdf",
        "pdf/briefing-book.pdf, chapter asim-malik",
        "pdf/briefing-book.pdf, chapter isi",
        "pdf/isi.pdf",
    ]
    assert "pdf/other-agency.pdf" in again.pdf.reused
    clean = tmp_path / "clean"
    site.clean(clean)
    assert_same_files(site.output, clean)
