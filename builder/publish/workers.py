"""Where PDF parts are laid out: in this process, a pool of worker processes, or a cluster.

Every pool is a standard :class:`concurrent.futures.Executor`: a local process pool
(each worker imports WeasyPrint once and lays out many parts), or the executor that a
``dask.distributed`` client gives for a desk's own cluster (the optional ``cluster``
extra). Jobs carry their inputs (:class:`~builder.render.pdf.PartSpec`) and return
values (:class:`~builder.render.pdf.PartResult`); this process alone caches and writes.

The cluster's address comes from ``--scheduler`` or ``$DOSSIER_SCHEDULER`` only, never
from a file in the repository, which a pull request could point at a machine of its own.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from builder.errors import DossierError
from builder.render.pdf import PartResult, PartSpec, PdfError, render_part, warm_up

__all__ = ["Failure", "InlineExecutor", "PartsFailed", "default_jobs", "executor", "lay_out"]


class PartsFailed(DossierError):
    """One or more documents could not be laid out (all of them are listed)."""


@dataclass(frozen=True)
class Failure:
    """A part that failed, and why."""

    name: str
    message: str


def default_jobs() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class InlineExecutor(Executor):
    """Runs each job at once in this process: for one worker, or one job."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``fn`` now; its result or exception is in the returned future."""
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:
            future.set_exception(error)
        return future


@contextmanager
def executor(jobs: int, scheduler: str | None, work: int) -> Iterator[Executor]:
    """The executor for ``work`` jobs: a cluster's, a process pool, or inline.

    Raises:
        DossierError: when a scheduler is named but the cluster extra is missing or
            the scheduler cannot be reached.

    """
    scheduler = scheduler or os.environ.get("DOSSIER_SCHEDULER") or None
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise DossierError(
                "--scheduler needs the cluster extra: pip install 'dossier[cluster]'"
            ) from None
        try:
            client = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as error:
            raise DossierError(f"cannot reach the scheduler at {scheduler}: {error}") from None
        try:
            yield client.get_executor(pure=False)  # type: ignore[no-untyped-call]
        finally:
            client.close()  # type: ignore[no-untyped-call]
        return
    workers = max(1, min(jobs, work))
    if workers == 1:
        yield InlineExecutor()
        return
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),  # clean workers, as on a cluster
        initializer=warm_up,
    )
    try:
        yield pool
    except BaseException:
        # Ctrl-C or a failure: stop now, not after the queued parts.
        # ProcessPoolExecutor has no public way to stop running workers before 3.14.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        raise
    pool.shutdown(wait=True)


def lay_out(
    pool: Executor,
    specs: Mapping[str, PartSpec],
    *,
    keep_going: bool,
    on_done: Callable[[PartSpec, PartResult | None], None],
) -> tuple[dict[str, PartResult], list[Failure]]:
    """Lay out every spec (key -> spec); return results by key and the failures.

    Without ``keep_going`` the first failure raises :class:`PartsFailed` at once.
    """
    futures = {pool.submit(render_part, spec): key for key, spec in specs.items()}
    results: dict[str, PartResult] = {}
    failures: list[Failure] = []
    for future in as_completed(futures):
        key = futures[future]
        spec = specs[key]
        try:
            results[key] = future.result()
        except PdfError as error:
            failure = Failure(spec.name, error.message)
        except Exception as error:  # a worker that died, a cluster error
            failure = Failure(spec.name, f"{spec.name}: {type(error).__name__}: {error}")
        else:
            on_done(spec, results[key])
            continue
        on_done(spec, None)
        if not keep_going:
            raise PartsFailed(failure.message)
        failures.append(failure)
    return results, sorted(failures, key=lambda f: f.name)
