"""Build time of the bundled corpus: clean with 1 worker and with all, then no-op.

Run: ``python benchmarks/build_time.py [REPO]``. Prints one line per figure; each
build runs in this process against a fresh output folder and a private cache.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

from builder.publish.build import BuildOptions, build
from builder.publish.workers import default_jobs

REPO = Path(__file__).resolve().parent.parent


def timed(root: Path, options: BuildOptions) -> float:
    started = time.perf_counter()
    build(root, options)
    return time.perf_counter() - started


def main(root: Path) -> None:
    cores = default_jobs()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DOSSIER_CACHE_DIR"] = str(Path(tmp) / "cache")
        out = Path(tmp) / "out"
        one = timed(root, BuildOptions(output=out, jobs=1, cache=False))
        every = timed(root, BuildOptions(output=out, jobs=cores, cache=False))
        noop = timed(root, BuildOptions(output=out, jobs=cores))
        pages = sum(len(PdfReader(p).pages) for p in (out / "pdf").glob("*.pdf"))
        print(f"bundled corpus: {len(list((out / 'pdf').glob('*.pdf')))} PDFs, {pages} pages")
        print(f"clean build, 1 worker:       {one:7.2f} s")
        print(f"clean build, {cores} workers:      {every:7.2f} s  (speed-up {one / every:.2f}x)")
        print(f"no-op rebuild:               {noop:7.2f} s  ({noop / every:.1%} of a clean build)")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else REPO)
