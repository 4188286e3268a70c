"""The synthetic repository generator behind the scale benchmark (benchmarks/synth.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from builder.check.rules import check_project
from builder.source.load import load_project
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from synth import generate  # benchmarks/ is a folder of scripts, not a package


def test_generated_repository_passes_strict_check(tmp_path: Path) -> None:
    generate(tmp_path / "repo", 12)
    result = check_project(load_project(tmp_path / "repo"))
    assert [d.format() for d in result.errors + result.warnings] == []
    assert result.stats["entities"] == 12
    assert result.stats["people"] == result.stats["groups"] == 6
    assert result.stats["quotes_verified"] == result.stats["citations"] >= 12 * 10
    assert set(result.index.books["all"].model.entities) == set(result.index.entities)


def test_generation_is_deterministic(tmp_path: Path) -> None:
    generate(tmp_path / "a", 12, seed=7)
    generate(tmp_path / "b", 12, seed=7)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*"))
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*"))
    for name in files:
        if (tmp_path / "a" / name).is_file():
            assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
