"""The floor of PDF work: bare WeasyPrint laying out the build's own documents once each.

``pdf_floor(repo)`` plans a build, takes every HTML document the build hands to
WeasyPrint (each body part, cover and contents), and times ``HTML(...).write_pdf()``
on each in this one warm process, with no cache, pool, assembly or checks. A build's
PDF time divided by this is the overhead Dossier adds.

Run: ``python benchmarks/floor.py REPO``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from builder.check.rules import check_project
from builder.publish.build import BuildOptions
from builder.publish.plan import plan
from builder.render.html import DEFAULT_TEMPLATES
from builder.source.load import load_project


def documents(repo: Path) -> list[str]:
    """Every HTML document a full PDF build lays out (contents without page numbers)."""
    project = load_project(repo)
    index = check_project(project).index
    work = plan(project, index, BuildOptions(html=False))
    found: list[str] = []
    for job in work.pdfs:
        rendered = [part.render() for part in job.parts.body]
        outlines = [o for r in rendered for o in r.outline]
        found.extend(r.html for r in rendered)
        if job.parts.appendix is not None:
            found.append(job.parts.appendix(outlines))
        found.append(job.parts.cover(outlines))
        found.append(job.parts.contents(outlines, {}))
    return found


def pdf_floor(repo: Path) -> float:
    """Seconds bare WeasyPrint takes to lay out and write every document once."""
    from weasyprint import HTML

    docs = documents(repo)
    base = DEFAULT_TEMPLATES.as_uri() + "/"
    HTML(string=docs[-1], base_url=base).write_pdf()  # warm: imports, fonts
    started = time.perf_counter()
    for html in docs:
        HTML(string=html, base_url=base).write_pdf()
    return time.perf_counter() - started


if __name__ == "__main__":
    root = Path(sys.argv[1]).resolve()
    print(f"floor: {pdf_floor(root):.2f} s for {len(documents(root))} documents")
