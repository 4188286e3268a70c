"""``build()``: the one orchestrator. Read it top to bottom.

lock the output folder -> load everything -> check everything (refuse to publish on
any error) -> plan every output -> render HTML pages (strings, in memory) and PDFs
(laid out part by part, in a pool, reusing the cache) -> publish the whole edition at
once. Nothing is written before everything has rendered, so a failure or an
interruption leaves the previous edition untouched.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from builder import __version__
from builder.check.index import Index
from builder.check.rules import check_project
from builder.diff.since import Changes, changes_since
from builder.errors import CheckFailed, DossierError, did_you_mean
from builder.publish.cache import Cache, cache_folder, fingerprint, salt
from builder.publish.edition import History, history
from builder.publish.manifest import fonts_in, make_manifest, read_manifest, versions
from builder.publish.pdfs import PdfRun, render_pdfs
from builder.publish.plan import DEFAULT_BOOK, Plan, plan
from builder.publish.revision import RevisionError
from builder.publish.theme import theme_setting
from builder.publish.workers import PartsFailed, default_jobs
from builder.publish.write import Published, edition_record, intact, locked, publish, recover
from builder.render.html import DEFAULT_TEMPLATES
from builder.source.load import Loaded, Project, load_project
from builder.source.models import Book

__all__ = [
    "DEFAULT_BOOK",
    "BuildOptions",
    "BuildReport",
    "Plan",
    "build",
    "output_folder",
    "plan",
    "render_pages",
]

# (what, done, total): what was just finished
Progress = Callable[[str, int, int], None]


class SelectionError(DossierError):
    """--entity or --book names something that does not exist (a usage error)."""

    exit_code = 2


@dataclass(frozen=True)
class BuildOptions:
    """What to build, where, and with how many workers."""

    output: Path | None = None
    html: bool = True
    pdf: bool = True
    entities: frozenset[str] | None = None
    books: frozenset[str] | None = None
    page_size: Literal["A4", "letter"] = "A4"
    strict: bool = False
    jobs: int = 0  # 0: one worker per core
    keep_going: bool = False
    cache: bool = True
    cache_dir: Path | None = None
    scheduler: str | None = None
    time_limit: float = 300.0
    changes_since: str | None = None  # a revision: the site's changes page and books' sections


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the summary line.

    ``diagnostics`` are check's problems (``path:line:col: …``), replayed from the
    edition record when nothing changed and so nothing was loaded; ``warnings`` are
    the build's own (WeasyPrint's).
    """

    diagnostics: tuple[str, ...]
    published: Published
    pdf: PdfRun
    seconds: float
    warnings: tuple[str, ...]
    output: Path
    skipped: bool = False  # True: inputs unchanged since the edition in place


def build(
    root: Path,
    options: BuildOptions,
    *,
    on_checked: Callable[[Sequence[str]], None] = lambda lines: None,
    progress: Progress = lambda what, done, total: None,
    on_notice: Callable[[str], None] = lambda message: None,
    git: History | None = None,
) -> BuildReport:
    """Check, render and publish a dossier repository.

    ``git`` is the history to stamp outputs with, when ``root`` is not itself the
    repository's work tree (``build --at``: a snapshot of a past commit).

    Raises:
        DossierError: on errors in the data, a failed document or an unwritable output.

    """
    started = time.perf_counter()
    folder = output_folder(root, options.output)
    cache = Cache(cache_folder(root, options.cache_dir), options.cache, on_notice=on_notice)
    with locked(folder):
        try:
            recover(folder)  # finish or clear what an interrupted build left
        except OSError as error:
            raise DossierError(f"cannot recover {folder}: {error.strerror}") from None
        git = git or history(root)  # read once: the fingerprint and every stamp use it
        inputs, hashes = _fingerprint(root, options, git)
        record = edition_record(folder)
        if options.cache and record.get("inputs") == inputs and intact(folder, record):
            # Same inputs, same tool, same options: the edition in place is the answer.
            diagnostics = tuple(str(line) for line in record.get("diagnostics", []))
            on_checked(diagnostics)
            files = tuple(sorted(record["files"]))
            run = PdfRun(reused=[path for path in files if path.startswith("pdf/")])
            warnings = tuple(str(w) for w in record.get("warnings", []))
            seconds = time.perf_counter() - started
            return BuildReport(
                diagnostics, Published((), files, ()), run, seconds, warnings, folder, True
            )
        project = load_project(root)
        result = check_project(project)
        diagnostics = tuple(d.format() for d in (*result.errors, *result.warnings))
        on_checked(diagnostics)
        if result.errors or (options.strict and result.warnings):
            raise CheckFailed("build refused: fix the problems above (dossier check lists them)")
        _check_selection(result.index, options)
        changes = _changes(project, options, git)
        work = plan(project, result.index, options, git, changes)
        outputs = render_pages(work, cache, hashes)
        run = render_pdfs(
            work.pdfs,
            cache,
            salt=salt(__version__),
            assets=work.assets,
            files=hashes,
            workers=options.jobs or default_jobs(),
            scheduler=options.scheduler,
            keep_going=options.keep_going,
            time_limit=options.time_limit,
            on_progress=progress,
        )
        if run.failures:
            listed = "\n".join(f.message for f in run.failures)
            raise PartsFailed(
                f"{listed}\n{len(run.failures)} document(s) failed; nothing was published "
                f"(the {len(run.laid_out)} parts laid out are cached for the next build)"
            )
        warnings = tuple(sorted(set(run.warnings)))
        if options.strict and warnings:
            raise DossierError("build refused (--strict): " + "; ".join(warnings))
        outputs.update(run.outputs)
        facts = {"inputs": inputs, "diagnostics": list(diagnostics), "warnings": list(warnings)}
        manifest = _manifest(folder, work, git, hashes, outputs)
        published = publish(folder, outputs, work.scope, facts, manifest)
    seconds = time.perf_counter() - started
    return BuildReport(diagnostics, published, run, seconds, warnings, folder)


def render_pages(work: Plan, cache: Cache, files: Mapping[str, str]) -> dict[str, bytes]:
    """Every HTML page; an entity page whose input files are unchanged comes from the cache.

    Its key holds the page's path, the shared context (tool, settings, theme
    templates, the set of entity ids and of PDFs linked) and the sha256 of each file
    it is made from (:func:`~builder.render.inputs.entity_inputs`).
    """
    outputs: dict[str, bytes] = {}
    for path, render in work.pages.items():
        inputs = work.page_inputs.get(path)
        if inputs is None:
            outputs[path] = _encoded(render())
            continue
        stamp = work.page_stamps.get(path, "")
        digest = hashlib.sha256(f"{work.page_context}\0{path}\0{stamp}".encode())
        for name in sorted(inputs):
            digest.update(f"\0{name}\0{files.get(name, 'absent')}".encode())
        key = digest.hexdigest()
        cached = cache.get_page(key)
        if cached is None:
            cached = _encoded(render())
            cache.put_page(key, cached)
        outputs[path] = cached
    return outputs


def _encoded(made: str | bytes) -> bytes:
    """A page's bytes: text is encoded, a file copied as it is (a font) is bytes already."""
    return made if isinstance(made, bytes) else made.encode("utf-8")


def _fingerprint(root: Path, options: BuildOptions, git: History) -> tuple[str, dict[str, str]]:
    """Everything the edition depends on, hashed before anything is loaded."""
    facts = [
        salt(__version__),
        git.stamp([*git.newest, *git.dirty]),  # the whole repository's edition
        git.edition(),  # the commit the index and the manifest name
        os.environ.get("SOURCE_DATE_EPOCH", ""),
        repr((options.html, options.pdf, options.page_size, options.strict)),
        repr((sorted(options.entities or ()), sorted(options.books or ()))),
        repr((options.entities is None, options.books is None)),
        options.changes_since or "",
    ]
    folders = [root / "dossiers", root / "seeds", root / "reviews", DEFAULT_TEMPLATES]
    theme = theme_setting(root)
    if theme:
        folders.append(root / theme)
    digest, hashes = fingerprint(folders, [root / "dossier.yaml"], facts)
    relative = {
        path.relative_to(root).as_posix(): sha
        for path, sha in hashes.items()
        if path.is_relative_to(root)
    }
    return digest, relative


def _changes(project: Project, options: BuildOptions, git: History) -> dict[str, Changes]:
    """The changes since each revision the build or a book asks for.

    Raises:
        SelectionError: for an unknown ``--changes-since`` revision (a usage error).
        CheckFailed: for an unknown ``changes_since`` in a book file, at its line.

    """
    asked: dict[str, Loaded[Book] | None] = {
        b.model.changes_since: b for b in project.books if b.model.changes_since
    }
    if options.changes_since:
        asked.setdefault(options.changes_since, None)
    if not asked:
        return {}
    found: dict[str, Changes] = {}
    for revision, book in sorted(asked.items()):
        try:
            if git.root is None:
                raise RevisionError("this repository is not in git")
            found.update(changes_since(git.root, [revision], project))
        except RevisionError as error:
            if book is None:
                raise SelectionError(f"--changes-since: {error}") from None
            raise CheckFailed(
                book.problem(
                    ("changes_since",), f"{error}; name a tag, a commit or HEAD~N"
                ).format()
            ) from None
    return found


def _manifest(
    folder: Path,
    work: Plan,
    git: History,
    inputs: Mapping[str, str],
    outputs: Mapping[str, bytes],
) -> bytes:
    """The edition's manifest; a partial build keeps the entries of files it kept."""
    previous = read_manifest(folder)
    kept: dict[str, Any] = {}
    if previous is not None and not all(p.endswith("/") for p in work.scope):
        for entry in previous.get("outputs", []):
            path = entry.get("path") if isinstance(entry, dict) else None
            if isinstance(path, str) and path not in outputs:
                kept[path] = {k: v for k, v in entry.items() if k != "path"}
    fonts: set[str] = set()
    for path, data in outputs.items():
        if path.endswith(".pdf"):
            fonts |= fonts_in(data)
    edition = {
        "stamp": work.edition,
        "commit": git.head or "",
        "date": git.head_date,
        "uncommitted_changes": bool(git.dirty),
    }
    return make_manifest(
        edition=edition,
        tool=versions(__version__),
        fonts=fonts,
        inputs=inputs,
        outputs=outputs,
        made_from=work.output_inputs,
        kept=kept,
    )


def output_folder(root: Path, chosen: Path | None) -> Path:
    """The output folder; never the repository, a folder of inputs or a system folder.

    Refused: ``/``, the home folder, the repository root, and any folder inside
    ``dossiers/``, ``seeds/``, ``reviews/``, the theme or ``.git``.
    """
    folder = (chosen or root / "output").resolve()
    root = root.resolve()
    places = ["dossiers", "seeds", "reviews", "templates", ".git", theme_setting(root)]
    sources = [(root / name).resolve() for name in places if name]
    home = Path.home().resolve()
    if folder in (Path(folder.anchor), home, root) or any(
        folder.is_relative_to(place) for place in sources
    ):
        raise SelectionError(
            f"--output {folder}: refusing to publish over the repository, a folder of its "
            "inputs, the home folder or /; choose an empty folder or one an earlier build wrote"
        )
    return folder


def _check_selection(index: Index, options: BuildOptions) -> None:
    books = set(index.books) or {DEFAULT_BOOK}
    for kind, chosen, known in (
        ("entity", options.entities, index.entities),
        ("book", options.books, books),
    ):
        for name in sorted(chosen or ()):
            if name not in known:
                hint = did_you_mean(name, known)
                raise SelectionError(f"no {kind} '{name}' in this repository{hint}")
