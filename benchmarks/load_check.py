"""Benchmark: load and check a generated repository of N ~20 KB profiles.

Prints per-file costs of our YAML reader against PyYAML's libyaml and pure-Python
safe loaders (same files, same run, so the ratios hold on a noisy machine),
then the full load + check time and the process's peak resident memory.

    .venv/bin/python benchmarks/load_check.py [N]
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

from builder.check.rules import check_project
from builder.source.load import load_project
from builder.source.yamlread import read_yaml

GOOD = Path(__file__).resolve().parent.parent / "tests" / "projects" / "good"
CITATION = """      - source: seed-000
        locator: "¶{para}"
        quote: "{quote}"
        credibility: 2
"""
QUOTES = [
    (1, "Lieutenant General Asim Malik"),
    (3, "Malik will replace Nadeem Anjum"),
    (17, "a multi-layered and complex threat"),
    (5, "one of the most important"),
]


def profile(number: int, count: int) -> str:
    """A person profile of about 20 KB, citing the good project's one source."""
    lines = [
        f"id: person-{number:05d}",
        "kind: person",
        f"name: Person {number}",
        "summary: Generated for benchmarking.",
        'as_of: "2024-09"',
        'reviewed: "2026-11-24"',
        "relationships:",
    ]
    for i in range(72):
        para, quote = QUOTES[i % len(QUOTES)]
        target = "isi" if i % 2 else f"person-{(number + 1) % count:05d}"
        lines.append(
            f"  - type: {'member_of' if i % 2 else 'linked_to'}\n    target: {target}\n"
            f'    start: "{1950 + i}"\n    description: Link number {i} of the '
            "generated profile, with some words to reach a realistic size.\n"
            "    citations:\n" + CITATION.format(para=para, quote=quote).rstrip("\n")
        )
    return "\n".join(lines) + "\n"


def per_file(label: str, files: list[Path], parse: object) -> float:
    started = time.perf_counter()
    for path in files:
        parse(path.read_bytes())  # type: ignore[operator]
    elapsed = (time.perf_counter() - started) / len(files) * 1000
    print(f"  {label:<34} {elapsed:7.2f} ms/file")
    return elapsed


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        shutil.copytree(GOOD, root)
        people = root / "dossiers" / "people"
        for n in range(count):
            (people / f"person-{n:05d}.yaml").write_text(profile(n, count), encoding="utf-8")
        files = sorted(people.glob("person-*.yaml"))
        size = sum(p.stat().st_size for p in files) / len(files)
        print(f"{count} profiles, {size / 1024:.1f} KB each on average")
        ours = per_file(
            "builder.source.yamlread (libyaml events)", files, lambda b: read_yaml(b, 1 << 20)
        )
        c_safe = per_file(
            "yaml.CSafeLoader (no positions)",
            files,
            lambda b: yaml.load(b, Loader=yaml.CSafeLoader),
        )
        py_safe = per_file(
            "yaml.SafeLoader (pure Python)",
            files[:50],
            lambda b: yaml.load(b, Loader=yaml.SafeLoader),
        )
        print(
            f"  ratios: ours/CSafeLoader {ours / c_safe:.2f}, pure-Python/ours {py_safe / ours:.1f}"
        )
        started = time.perf_counter()
        project = load_project(root)
        loaded = time.perf_counter()
        result = check_project(project)
        checked = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(
            f"load: {loaded - started:.2f} s ({(loaded - started) / count * 1000:.2f} ms/file), "
            f"check: {checked - loaded:.2f} s, peak RSS {peak / 2**20:.0f} MiB"
        )
        print(
            f"stats: {result.stats}; errors {len(result.errors)}, warnings {len(result.warnings)}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
