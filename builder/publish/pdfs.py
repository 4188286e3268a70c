"""PDF outputs from cached parts: plan the parts, lay out what changed, assemble.

Each PDF is a cover, a contents and body parts (a book's chapters and appendix, or
a single dossier's body). For every output this module:

1. finds each body part's key: from the memo when none of the files the part is made
   from (:func:`~builder.render.inputs.entity_inputs`) nor the theme, settings and book
   changed since it was last rendered, else by rendering its HTML and hashing it; then
   hashes the whole output (its cover, body keys and contents before page numbers)
   into an output key;
2. reuses the assembled output when the cache has its key: nothing is laid out;
3. otherwise lays out the body parts and covers the cache lacks (in the pool), then
   the contents with the page numbers the body parts report (none for a body shorter
   than the parts' ``contents_from``), then assembles them with pikepdf.

Every part is laid out exactly once; a contents page never forces a second layout of
the body, because the contents are numbered i, ii, … apart from the body; and a new
edition stamp (on the cover only) lays out one page, not the contents.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from builder.publish.cache import Cache
from builder.publish.workers import Failure, PartsFailed, executor, lay_out
from builder.render.assemble import assemble
from builder.render.book import BodyPart, Outline, PdfParts
from builder.render.pdf import PartResult, PartSpec, PdfError
from builder.render.pdfmeta import PdfMeta

__all__ = ["PdfJob", "PdfRun", "render_pdfs"]

_ASSEMBLY = "assemble-2"  # bump when assembly changes its output for the same parts


@dataclass(frozen=True)
class PdfJob:
    """One PDF output: its path, how to make its parts, and what they share.

    ``context`` identifies everything its parts depend on besides their own input
    files: the book, the settings, the theme's templates, the set of entity ids.
    """

    output: str
    parts: PdfParts
    epoch: int
    context: str
    meta: PdfMeta | None = None  # metadata and attachments, written at assembly

    def meta_key(self) -> str:
        """A hash of the metadata and of every attachment's bytes."""
        return hashlib.sha256(repr(self.meta).encode("utf-8")).hexdigest()


@dataclass
class PdfRun:
    """What rendering the PDFs did, for the report."""

    outputs: dict[str, bytes] = field(default_factory=dict)
    rendered: list[str] = field(default_factory=list)  # body parts whose HTML was made
    laid_out: list[str] = field(default_factory=list)  # part names
    reused: list[str] = field(default_factory=list)  # output paths served whole from cache
    assembled: list[str] = field(default_factory=list)  # output paths assembled this run
    warnings: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


@dataclass(frozen=True)
class _Pending:
    job: PdfJob
    key: str
    cover: tuple[str, PartSpec]
    body: tuple[tuple[str, PartSpec | None], ...]  # (key, spec); None: found in the cache
    outlines: tuple[Outline, ...]


def render_pdfs(
    jobs: Sequence[PdfJob],
    cache: Cache,
    *,
    salt: str,
    assets: tuple[tuple[str, bytes], ...],
    files: Mapping[str, str],
    workers: int,
    scheduler: str | None,
    keep_going: bool,
    time_limit: float,
    on_progress: Callable[[str, int, int], None],
) -> PdfRun:
    """Every PDF of ``jobs`` as bytes, reusing the cache wherever its keys match.

    ``files`` maps repository paths to the sha256 of their bytes (for the memo).

    Raises:
        PartsFailed: on the first failure, or after all parts with ``keep_going``.

    """
    run = PdfRun()
    hashes = {path: hashlib.sha256(data).hexdigest() for path, data in assets}
    theme = hashlib.sha256(repr(sorted(hashes.items())).encode()).hexdigest()
    parts: dict[str, PartResult] = {}
    pending: list[_Pending] = []
    for job in jobs:
        body: list[tuple[str, PartSpec | None]] = []
        outlines: list[Outline] = []
        for part in job.parts.body:
            memo = _memo_key(job, part, files)
            known = cache.get_memo(memo)
            found = None
            if known is not None:
                found = parts.get(known[0]) or cache.get_part(known[0], hashes)
            if known is not None and found is not None:
                parts[known[0]] = found
                body.append((known[0], None))
                outlines.extend(known[1])
                continue
            rendered = part.render()
            run.rendered.append(part.name)
            spec = PartSpec(part.name, rendered.html, assets, job.epoch, time_limit)
            cache.put_memo(memo, spec.key(salt), rendered.outline)
            body.append((spec.key(salt), spec))
            outlines.extend(rendered.outline)
        if job.parts.appendix is not None:
            name = f"{job.output}, appendix"
            spec = PartSpec(name, job.parts.appendix(outlines), assets, job.epoch, time_limit)
            body.append((spec.key(salt), spec))
        cover = PartSpec(_cover_name(job), job.parts.cover(outlines), assets, job.epoch, time_limit)
        contents = PartSpec(_contents_name(job), job.parts.contents(outlines, {}), assets, 0)
        # The whole PDF: its parts' keys (the contents before page numbers, which
        # follow from the body), the theme and the name its warnings carry.
        digest = hashlib.sha256(f"{_ASSEMBLY}\0{job.output}\0{theme}\0{job.meta_key()}".encode())
        for key in (cover.key(salt), contents.key(salt), *(key for key, _ in body)):
            digest.update(key.encode())
        key = digest.hexdigest()
        cached = cache.get_output(key)
        if cached is not None:
            run.outputs[job.output], warnings = cached
            run.warnings.extend(warnings)
            run.reused.append(job.output)
            continue
        pending.append(_Pending(job, key, (cover.key(salt), cover), tuple(body), tuple(outlines)))
    if not pending:
        return run

    missing: dict[str, PartSpec] = {}
    for item in pending:
        for key, maybe in (item.cover, *item.body):
            found = parts.get(key) or cache.get_part(key, hashes)
            if found is not None:
                parts[key] = found
            elif maybe is not None:
                missing[key] = maybe
    total = len(missing) + 2 * len(pending)  # body parts and covers, then contents, assembly
    done = 0

    def progress(spec: PartSpec, result: PartResult | None) -> None:
        nonlocal done
        done += 1
        on_progress(spec.name, done, total)

    fronts: dict[str, tuple[_Pending, str | None]] = {}  # output -> (item, contents key)
    with executor(workers, scheduler, len(missing)) as pool:
        laid, failures = lay_out(pool, missing, keep_going=keep_going, on_done=progress)
        for key, result in laid.items():
            cache.put_part(key, result)
            run.laid_out.append(missing[key].name)
        parts.update(laid)
        run.failures.extend(failures)
        to_lay: dict[str, PartSpec] = {}
        for item in pending:
            if not all(key in parts for key, _ in (item.cover, *item.body)):
                continue  # a part failed (--keep-going): no contents, no assembly
            if sum(parts[key].pages for key, _ in item.body) < item.job.parts.contents_from:
                fronts[item.job.output] = (item, None)  # a short dossier: no contents page
                done += 1
                on_progress(_contents_name(item.job), done, total)
                continue
            pages = _page_numbers([parts[key] for key, _ in item.body])
            spec = PartSpec(
                _contents_name(item.job),
                item.job.parts.contents(item.outlines, pages),
                assets,
                item.job.epoch,
                time_limit,
            )
            key = spec.key(salt)
            fronts[item.job.output] = (item, key)
            found = parts.get(key) or cache.get_part(key, hashes)
            if found is not None:
                parts[key] = found
                progress(spec, found)
            else:
                to_lay[key] = spec
        laid, failures = lay_out(pool, to_lay, keep_going=keep_going, on_done=progress)
        run.failures.extend(failures)
    for key, result in laid.items():
        cache.put_part(key, result)
        run.laid_out.append(to_lay[key].name)
    parts.update(laid)
    for output, (item, contents_key) in fronts.items():
        if contents_key is not None and contents_key not in parts:
            continue
        toc = parts[contents_key] if contents_key is not None else None
        front = [_contents_name(item.job)] if toc is not None else []
        names = (_cover_name(item.job), *front, *_body_names(item.job))
        chapters = [parts[key] for key, _ in item.body]
        results = [parts[item.cover[0]], *([toc] if toc is not None else []), *chapters]
        try:
            data = assemble(output, results[0], toc, chapters, meta=item.job.meta)
        except PdfError as error:
            if not keep_going:
                raise PartsFailed(error.message) from None
            run.failures.append(Failure(output, error.message))
            continue
        warnings = tuple(
            f"{name}: {w}" for name, part in zip(names, results, strict=True) for w in part.warnings
        )
        cache.put_output(item.key, data, warnings)
        run.outputs[output] = data
        run.warnings.extend(warnings)
        run.assembled.append(output)
        done += 1
        on_progress(output, done, total)
    return run


def _cover_name(job: PdfJob) -> str:
    return f"{job.output}, cover"


def _contents_name(job: PdfJob) -> str:
    return f"{job.output}, contents"


def _body_names(job: PdfJob) -> list[str]:
    names = [part.name for part in job.parts.body]
    return names + ([f"{job.output}, appendix"] if job.parts.appendix is not None else [])


def _memo_key(job: PdfJob, part: BodyPart, files: Mapping[str, str]) -> str:
    """A body part's identity, what it shows of git, and the bytes of its files."""
    digest = hashlib.sha256(
        f"{job.context}\0{job.epoch}\0{part.name}\0{part.entity}\0{part.stamp}".encode()
    )
    for path in sorted(part.inputs):
        digest.update(f"\0{path}\0{files.get(path, 'absent')}".encode())
    return digest.hexdigest()


def _page_numbers(body: Sequence[PartResult]) -> Mapping[str, int]:
    """Anchor -> printed page number, the body counting from 1 across its parts."""
    pages: dict[str, int] = {}
    offset = 0
    for part in body:
        for anchor, index in part.anchors.items():
            pages.setdefault(anchor, offset + index + 1)
        offset += part.pages
    return pages
