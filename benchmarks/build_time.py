"""Benchmark: time every job of a build and count PDF pages.

Builds a dossier repository (default: this one, the bundled corpus) into a
temporary folder, job by job, and prints how long each output took, grouped
by kind, with the page count of every PDF.

    .venv/bin/python benchmarks/build_time.py [PROJECT]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

from builder.check.rules import check_project
from builder.publish.build import BuildOptions, plan
from builder.publish.write import write_files
from builder.source.load import load_project

REPO = Path(__file__).resolve().parent.parent


def main(root: Path) -> None:
    started = time.perf_counter()
    project = load_project(root)
    result = check_project(project)
    checked = time.perf_counter()
    print(
        f"load + check: {checked - started:.2f} s "
        f"({result.stats['entities']} entities, {result.stats['citations']} citations)"
    )
    warnings: list[str] = []
    jobs = plan(project, result.index, BuildOptions(), warnings)
    outputs: dict[str, str | bytes] = {}
    html_seconds = 0.0
    pdf_times: list[tuple[float, str]] = []
    for job in jobs:
        begun = time.perf_counter()
        outputs[job.output] = job.render()
        spent = time.perf_counter() - begun
        if job.output.endswith(".pdf"):
            pdf_times.append((spent, job.output))
        else:
            html_seconds += spent
    html_count = len(jobs) - len(pdf_times)
    print(f"HTML: {html_count} pages in {html_seconds:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        begun = time.perf_counter()
        write_files(Path(tmp), outputs)
        print(f"write: {time.perf_counter() - begun:.2f} s")
        for spent, name in sorted(pdf_times, reverse=True):
            pages = len(PdfReader(Path(tmp) / name).pages)
            print(f"  {name:<40} {spent:6.2f} s  {pages:3d} pages  {spent / pages:5.2f} s/page")
    total_pdf = sum(s for s, _ in pdf_times)
    print(
        f"PDF: {len(pdf_times)} files in {total_pdf:.2f} s; "
        f"whole build {time.perf_counter() - started:.2f} s; warnings {len(warnings)}"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else REPO)
