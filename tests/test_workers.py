"""Where PDF parts are laid out: a Dask cluster, a process pool, time limits, --keep-going.

Every executor must give the same bytes as laying out in this process, and a failing
document must be reported by name, whichever executor ran it.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import main
from builder.publish.build import BuildOptions, build
from builder.render.pdf import PartSpec, PartTimeout, PdfError, render_part
from tests.conftest import TESTS, ProjectFactory
from tests.test_editions import edition_files

REFUSED = "PDFs may only use files from the template folders, never the network"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The good project, copied outside git so that its edition stamp cannot change."""
    root = tmp_path_factory.mktemp("workers") / "project"
    shutil.copytree(TESTS / "projects" / "good", root)
    return root


@pytest.fixture(scope="module")
def reference(project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The edition laid out in this process, one part at a time, without the cache."""
    output = tmp_path_factory.mktemp("reference")
    build(project, BuildOptions(output=output, jobs=1, cache=False))
    return edition_files(output)


@pytest.fixture
def scheduler() -> Iterator[str]:
    """The address of a local Dask cluster: two worker processes, one thread each."""
    distributed = pytest.importorskip("distributed", reason="needs dossier[cluster]")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield str(cluster.scheduler_address)


@pytest.fixture
def output(tmp_path: Path) -> Path:
    """An empty output folder (tmp_path also holds make_project's copy)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def failing_project(make_project: ProjectFactory) -> Path:
    """The good project with a theme whose isi and asim-malik PDFs load a remote image."""
    chapters = (
        '{{% extends "default:pdf.html" %}}{{% block chapters %}}'
        '<img src="https://example.com/{0}.png" alt="">{{{{ super() }}}}{{% endblock %}}'
    )
    return make_project(
        {
            "dossier.yaml": 'title: T\nmarking: M\nas_of: "2024"\ntemplates: theme\n',
            "theme/pdf-isi.html": chapters.format("isi"),
            "theme/pdf-asim-malik.html": chapters.format("asim-malik"),
        }
    )


def refused(entity: str) -> str:
    """The message for the remote image of ``failing_project``'s ``entity`` PDF."""
    return f"pdf/{entity}.pdf: refused to fetch https://example.com/{entity}.png: {REFUSED}"


def test_dask_cluster_gives_the_same_bytes(
    project: Path, reference: dict[str, bytes], scheduler: str, tmp_path: Path
) -> None:
    report = build(project, BuildOptions(output=tmp_path, scheduler=scheduler, cache=False))
    assert len(report.pdf.laid_out) == 9  # every part went to the cluster
    assert edition_files(tmp_path) == reference


def test_process_pool_gives_the_same_bytes(
    project: Path, reference: dict[str, bytes], runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(
        main, ["build", "-p", str(project), "-o", str(tmp_path), "--jobs", "2", "--no-cache"]
    )
    assert result.exit_code == 0, result.output
    assert "3 PDFs rendered (9 parts laid out), 0 reused from the cache" in result.stdout
    assert edition_files(tmp_path) == reference


def test_time_limit_stops_a_part() -> None:
    body = "".join(f"<h2>Section {i}</h2><p>{'word ' * 200}</p>" for i in range(300))
    spec = PartSpec("pdf/big.pdf", f"<html><body>{body}</body></html>", (), 0, time_limit=0.001)
    with pytest.raises(PartTimeout) as caught:
        render_part(spec)
    assert isinstance(caught.value, PdfError)
    assert caught.value.message == "pdf/big.pdf: took longer than 0.001 s to lay out; stopped"


def test_time_limit_names_the_document(
    good_project: Path, runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(
        main,
        [
            "build",
            *("-p", str(good_project), "-o", str(tmp_path)),
            *("--only", "pdf", "--entity", "isi", "--jobs", "1", "--no-cache"),
            *("--time-limit", "0.001"),
        ],
    )
    assert result.exit_code == 1
    # The body or the cover, whichever is laid out first, fails and is named.
    assert re.fullmatch(
        r"\[1/4\] (pdf/isi\.pdf(?:, cover)?)\n"
        r"Error: \1: took longer than 0\.001 s to lay out; stopped\n",
        result.stderr,
    )
    assert list(tmp_path.iterdir()) == []


def _busy(seconds: float) -> None:
    """Run Python bytecode (where signal handlers run) for ``seconds``."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_time_limit_survives_an_alarm_in_a_finalizer(monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint

    class Finalized:
        def __del__(self) -> None:
            _busy(0.3)  # the alarm goes off here; Python ignores errors in __del__

    class SlowHTML:
        def __init__(self, **kwargs: object) -> None:
            pass

        def render(self) -> None:
            Finalized()  # collected at once: its finalizer runs now
            _busy(1.0)  # the layout goes on, far past the limit
            raise AssertionError("the layout ran 1 s past a 0.05 s time limit")

    ignored: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    monkeypatch.setattr(weasyprint, "HTML", SlowHTML)
    with pytest.raises(PartTimeout):
        render_part(PartSpec("pdf/slow.pdf", "<p>x</p>", (), 0, time_limit=0.05))


def test_keep_going_reports_every_failure(
    failing_project: Path, runner: CliRunner, output: Path
) -> None:
    result = runner.invoke(
        main,
        [
            "build",
            *("-p", str(failing_project), "-o", str(output)),
            *("--jobs", "2", "--keep-going", "--no-cache"),
        ],
    )
    assert result.exit_code == 1
    assert result.stderr.endswith(
        f"Error: {refused('asim-malik')}\n{refused('isi')}\n"
        "2 document(s) failed; nothing was published "
        "(the 7 parts laid out are cached for the next build)\n"
    )
    assert "Traceback" not in result.stderr
    assert list(output.iterdir()) == []


def test_without_keep_going_the_first_failure_stops_the_build(
    failing_project: Path, runner: CliRunner, output: Path
) -> None:
    result = runner.invoke(
        main,
        [
            "build",
            *("-p", str(failing_project), "-o", str(output)),
            *("--only", "pdf", "--entity", "isi", "--entity", "asim-malik"),
            *("--jobs", "1", "--no-cache"),
        ],
    )
    assert result.exit_code == 1
    last = result.stderr.splitlines()[-1]
    assert last in (f"Error: {refused('asim-malik')}", f"Error: {refused('isi')}")
    assert result.stderr.count("refused to fetch") == 1
    assert list(output.iterdir()) == []


def test_first_failure_in_a_process_pool_is_reported(
    failing_project: Path, runner: CliRunner, output: Path
) -> None:
    result = runner.invoke(
        main,
        [
            "build",
            *("-p", str(failing_project), "-o", str(output)),
            *("--only", "pdf", "--entity", "isi", "--entity", "asim-malik"),
            *("--jobs", "2", "--no-cache"),
        ],
    )
    assert result.exit_code == 1
    last = result.stderr.splitlines()[-1]
    assert last in (f"Error: {refused('asim-malik')}", f"Error: {refused('isi')}")
    assert "Traceback" not in result.stderr
