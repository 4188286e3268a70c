"""PDF outputs from cached parts: plan the parts, lay out what changed, assemble.

Each PDF is a front part (cover, contents) and body parts (a book's chapters and
appendix, or a single dossier's body). For every output this module:

1. renders each body part's HTML and hashes it into a part key, and the whole output
   (its body keys plus its front matter before page numbers) into an output key;
2. reuses the assembled output when the cache has its key: nothing is laid out;
3. otherwise lays out the body parts the cache lacks (in the pool), then the front
   matter with the page numbers the body parts report, then assembles with pikepdf.

Every part is laid out exactly once; a contents page never forces a second layout of
the body, because the front matter is numbered i, ii, … apart from the body.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from builder.publish.cache import Cache
from builder.publish.workers import Failure, PartsFailed, executor, lay_out
from builder.render.assemble import assemble
from builder.render.book import PdfParts
from builder.render.pdf import PartResult, PartSpec, PdfError

__all__ = ["PdfJob", "PdfRun", "render_pdfs"]

_ASSEMBLY = "assemble-1"  # bump when assembly changes its output for the same parts


@dataclass(frozen=True)
class PdfJob:
    """One PDF output: its path and how to make its parts."""

    output: str
    parts: PdfParts
    epoch: int


@dataclass
class PdfRun:
    """What rendering the PDFs did, for the report."""

    outputs: dict[str, bytes] = field(default_factory=dict)
    laid_out: list[str] = field(default_factory=list)  # part names
    reused: list[str] = field(default_factory=list)  # output paths served whole from cache
    assembled: list[str] = field(default_factory=list)  # output paths assembled this run
    warnings: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


@dataclass(frozen=True)
class _Pending:
    job: PdfJob
    key: str
    body: tuple[tuple[str, PartSpec], ...]  # (key, spec), in reading order


def render_pdfs(
    jobs: Sequence[PdfJob],
    cache: Cache,
    *,
    salt: str,
    assets: tuple[tuple[str, bytes], ...],
    workers: int,
    scheduler: str | None,
    keep_going: bool,
    time_limit: float,
    on_progress: Callable[[str, int, int], None],
) -> PdfRun:
    """Every PDF of ``jobs`` as bytes, reusing the cache wherever its keys match.

    Raises:
        PartsFailed: on the first failure, or after all parts with ``keep_going``.

    """
    run = PdfRun()
    pending: list[_Pending] = []
    for job in jobs:
        body = tuple(
            (spec.key(salt), spec)
            for spec in (
                PartSpec(name, html, assets, job.epoch, time_limit) for name, html in job.parts.body
            )
        )
        front = PartSpec(f"{job.output}, front matter", job.parts.front({}), assets, job.epoch)
        digest = hashlib.sha256(f"{_ASSEMBLY}\0{front.key(salt)}".encode())
        for key, _ in body:
            digest.update(key.encode())
        key = digest.hexdigest()
        cached = cache.get_output(key)
        if cached is not None:
            run.outputs[job.output], warnings = cached
            run.warnings.extend(warnings)
            run.reused.append(job.output)
            continue
        pending.append(_Pending(job, key, body))
    if not pending:
        return run

    parts: dict[str, PartResult] = {}
    missing: dict[str, PartSpec] = {}
    for item in pending:
        for key, spec in item.body:
            found = parts.get(key) or cache.get_part(key)
            if found is not None:
                parts[key] = found
            else:
                missing[key] = spec
    total = len(missing) + 2 * len(pending)  # body parts, then a front and an assembly each
    done = 0

    def progress(spec: PartSpec, result: PartResult | None) -> None:
        nonlocal done
        done += 1
        on_progress(spec.name, done, total)

    with executor(workers, scheduler, len(missing)) as pool:
        laid, failures = lay_out(pool, missing, keep_going=keep_going, on_done=progress)
        for key, result in laid.items():
            cache.put_part(key, result)
            run.laid_out.append(missing[key].name)
        parts.update(laid)
        run.failures.extend(failures)
        ready = [item for item in pending if all(key in parts for key, _ in item.body)]
        fronts: dict[str, PartSpec] = {}
        for item in ready:
            pages = _page_numbers([parts[key] for key, _ in item.body])
            spec = PartSpec(
                f"{item.job.output}, front matter",
                item.job.parts.front(pages),
                assets,
                item.job.epoch,
                time_limit,
            )
            fronts[spec.key(salt)] = spec
        front_results, failures = lay_out(pool, fronts, keep_going=keep_going, on_done=progress)
        run.failures.extend(failures)
    for key, result in front_results.items():
        cache.put_part(key, result)
        run.laid_out.append(fronts[key].name)
    by_name = {spec.name: front_results.get(key) for key, spec in fronts.items()}
    for item in ready:
        front_result = by_name.get(f"{item.job.output}, front matter")
        if front_result is None:
            continue
        try:
            data = assemble(item.job.output, front_result, [parts[key] for key, _ in item.body])
        except PdfError as error:
            if not keep_going:
                raise PartsFailed(error.message) from None
            run.failures.append(Failure(item.job.output, error.message))
            continue
        warnings = tuple(
            w for part in (*(parts[k] for k, _ in item.body), front_result) for w in part.warnings
        )
        cache.put_output(item.key, data, warnings)
        run.outputs[item.job.output] = data
        run.warnings.extend(warnings)
        run.assembled.append(item.job.output)
        done += 1
        on_progress(item.job.output, done, total)
    return run


def _page_numbers(body: Sequence[PartResult]) -> Mapping[str, int]:
    """Anchor -> printed page number, the body counting from 1 across its parts."""
    pages: dict[str, int] = {}
    offset = 0
    for part in body:
        for anchor, index in part.anchors.items():
            pages.setdefault(anchor, offset + index + 1)
        offset += part.pages
    return pages
