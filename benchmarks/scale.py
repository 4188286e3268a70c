"""Benchmark: how check and build scale from 100 to 500 generated entities.

For each size, generates a repository with ``benchmarks/synth.py`` into a
temporary folder and measures, in the same run, each figure on its own
labelled line: ``dossier check``; a full HTML build; a full build, a no-op
rebuild and a rebuild after a one-word edit, sharing one cache; a full PDF
build with ``--jobs <cores>``; the book of every entity (time, pages, peak
memory of the largest process); a full PDF build with ``--jobs 1`` (first
size only); and the PDF floor, once ``builder.publish.build.pdf_floor`` exists.

Every command runs in a fresh subprocess under ``/usr/bin/time -f %M``, which
reports the peak RSS of its largest process (psutil sampling when GNU time is
missing), with ``DOSSIER_CACHE_DIR`` pointing at a temporary folder so the
user's cache is never touched. A command that fails prints the last line of
its stderr as its figure, and the run goes on. A time budget (default 26
minutes, so that ``make bench`` stays under 30 on 2 cores) is shared equally
between the sizes: a command still running when its size's share is spent is
stopped, a command whose time at the previous size, scaled by size, exceeds
what is left is not started, and the order above is the order of priority.

    .venv/bin/python benchmarks/scale.py [--quick] [--sizes 100,500] [--budget MINUTES]
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from synth import generate  # benchmarks/ is on sys.path when this script runs

SIZES = (100, 500)
QUICK_SIZES = (20, 50)
BUDGET_MINUTES = 26.0
QUICK_BUDGET_MINUTES = 8.0
GNU_TIME = Path("/usr/bin/time")
POLL_SECONDS = 0.2
MIB = 2**20


def _psutil() -> Any:
    """The psutil module, or None (it ships with the cluster extra, not the core)."""
    try:
        return importlib.import_module("psutil")
    except ImportError:
        return None


PSUTIL = _psutil()


@dataclass(frozen=True)
class Run:
    """One measured command: wall time, memory, and what went wrong if anything."""

    seconds: float
    peak: int | None  # bytes: the command's own peak RSS (largest waited-for process)
    tree_peak: int | None  # bytes: largest process of its tree, sampled
    error: str | None
    stdout: str


class Bench:
    """Runs commands against one deadline and prints one labelled line per figure."""

    def __init__(self, cores: int, work: Path) -> None:
        self.cores = cores
        self.work = work
        self.deadline = time.monotonic()
        self.size = 0  # entities in the repository being measured
        self.history: dict[str, tuple[int, float]] = {}  # label -> (size, seconds)
        self.gnu_time = _has_gnu_time(work)
        script = Path(sys.executable).with_name("dossier")
        self.dossier = [str(script)] if script.exists() else [sys.executable, "-m", "builder"]

    def remaining(self) -> float:
        """Seconds left before the current deadline."""
        return self.deadline - time.monotonic()

    def run(self, label: str, args: Sequence[str], cache: Path) -> Run:
        """Run ``dossier ARGS`` in a fresh process group, stopped at the deadline."""
        skip = self._skip(label)
        if skip is not None:
            return Run(0.0, None, None, skip, "")
        env = {**os.environ, "DOSSIER_CACHE_DIR": str(cache)}
        peak_file = self.work / "peak.txt"
        peak_file.unlink(missing_ok=True)
        wrapper = [str(GNU_TIME), "-f", "%M", "-o", str(peak_file)] if self.gnu_time else []
        out, err = self.work / "stdout.txt", self.work / "stderr.txt"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            started = time.monotonic()
            proc = subprocess.Popen(
                [*wrapper, *self.dossier, *args],
                stdout=stdout,
                stderr=stderr,
                env=env,
                start_new_session=True,  # its own process group, to stop it whole
            )
            tree_peak, timed_out = self._watch(proc)
            seconds = time.monotonic() - started
        error = None
        if timed_out:
            error = f"timed out after {seconds:.0f} s (time budget)"
        elif proc.returncode != 0:
            lines = err.read_text(errors="replace").strip().splitlines() or ["(no stderr)"]
            error = f"failed: {lines[-1]}"
        peak = _gnu_peak(peak_file) if self.gnu_time else tree_peak
        if error is None:
            self.history[label] = (self.size, seconds)
        return Run(seconds, peak, tree_peak, error, out.read_text(errors="replace"))

    def _skip(self, label: str) -> str | None:
        """Why not to start a command: no time left, or not enough for its estimate.

        The estimate scales the same figure at the previous size by the ratio of
        sizes. A command that fails this test would most likely be stopped at the
        deadline anyway; not starting it leaves the time to the figures after it.
        """
        left = self.remaining()
        if left < 1:
            return "skipped: time budget spent"
        if label in self.history:
            size, seconds = self.history[label]
            guess = seconds * self.size / size
            if guess > left:
                return (
                    f"skipped: ~{guess:.0f} s scaled from {size} entities, "
                    f"{left:.0f} s of budget left"
                )
        return None

    def _watch(self, proc: subprocess.Popen[bytes]) -> tuple[int | None, bool]:
        """Sample the process tree's largest RSS until it exits or the deadline passes."""
        root = None
        if PSUTIL is not None:
            try:
                root = PSUTIL.Process(proc.pid)
            except PSUTIL.Error:
                root = None  # already gone: nothing to sample
        peak: int | None = None
        while True:
            if root is not None:
                peak = max(peak or 0, _largest_rss(root))
            try:
                # Returns as soon as the command exits, so times are not rounded to polls.
                proc.wait(timeout=max(0.01, min(POLL_SECONDS, self.remaining())))
                return peak, False
            except subprocess.TimeoutExpired:
                if self.remaining() <= 0:
                    _stop(proc)
                    return peak, True

    def report(self, label: str, run: Run, extra: str = "") -> None:
        """One line: the label, then the figure or why there is none."""
        if run.error is not None:
            print(f"  {label:<34} {run.error}", flush=True)
            return
        memory = f"peak RSS {_mib(run.peak)}"
        print(f"  {label:<34} {run.seconds:8.2f} s   {memory}{extra}", flush=True)


def _has_gnu_time(work: Path) -> bool:
    """Whether /usr/bin/time understands ``-f %M -o FILE`` (GNU time; busybox does not)."""
    if not GNU_TIME.exists():
        return False
    probe = work / "probe.txt"
    try:
        subprocess.run(
            [str(GNU_TIME), "-f", "%M", "-o", str(probe), "true"], check=True, capture_output=True
        )
    except (OSError, subprocess.CalledProcessError):
        return False
    return _gnu_peak(probe) is not None


def _gnu_peak(path: Path) -> int | None:
    """Bytes from GNU time's %M (KiB); its last line, after any exit-status notice."""
    try:
        last = path.read_text().strip().splitlines()[-1]
    except (OSError, IndexError):
        return None
    return int(last) * 1024 if last.isdigit() else None


def _largest_rss(root: Any) -> int:
    """RSS of the largest live process in ``root``'s tree (processes may vanish)."""
    largest = 0
    try:
        processes = [root, *root.children(recursive=True)]
    except PSUTIL.Error:
        return 0
    for process in processes:
        try:
            largest = max(largest, process.memory_info().rss)
        except PSUTIL.Error:
            continue
    return largest


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the command and its workers: SIGTERM to its process group, then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)  # the group the command leads, and nothing else
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue


def _mib(size: int | None) -> str:
    return "n/a" if size is None else f"{size / MIB:.0f} MiB"


def _ratio(run: Run, base: Run, name: str = "full build") -> str:
    if run.error is not None or base.error is not None or base.seconds <= 0:
        return ""
    return f"   ({run.seconds / base.seconds:.2f} × {name})"


def _last_line(text: str) -> str:
    """The command's summary: the last line it printed."""
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


# --- the floor: bare WeasyPrint on the build's own documents (benchmarks/floor.py) ---

FLOOR_CALL = (
    "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[2]); "
    "from floor import pdf_floor; print(pdf_floor(Path(sys.argv[1])))"
)


def floor_seconds(repo: Path, *, timeout: float | None = None) -> float | None:
    """THE FLOOR: ``benchmarks/floor.py``'s ``pdf_floor(repo)``, in a fresh process.

    ``pdf_floor`` lays out every document a full PDF build lays out, once each, in
    one warm process, and returns the seconds that took. A fresh process, like every
    measured command, so that ``timeout`` can stop it.
    """
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", FLOOR_CALL, str(repo), str(Path(__file__).resolve().parent)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        print(f"  floor: not measured (timed out after {timeout:.0f} s: time budget)", flush=True)
        return None
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["(no stderr)"]
        print(f"  floor: not measured (failed: {lines[-1]})", flush=True)
        return None
    try:
        return float(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return elapsed


# --- one size ----------------------------------------------------------------


def bench_size(bench: Bench, size: int, *, single_job: bool) -> None:
    """Generate ``size`` entities, then measure every figure for them.

    Figures come in order of value, so that a tight budget drops the least useful:
    check and HTML, the editor's everyday cycle (full build, no-op, one-word edit),
    the uncached PDF build on every core (first size only: the full build already
    gives it at the others), the book of every entity, then at the first size only
    the uncached PDF build on one core and the floor.
    """
    folder = bench.work / f"size-{size}"
    repo = folder / "repo"
    started = time.monotonic()
    generate(repo, size)
    # A git repository, as a desk's is: the one-word edit is then an uncommitted change.
    git = ["git", "-C", str(repo), "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    for step in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "generated"]):
        subprocess.run([*git, *step], check=True, capture_output=True)
    bench.size = size
    print(
        f"\n== {size} entities: generated in {time.monotonic() - started:.1f} s; "
        f"{bench.remaining() / 60:.1f} min of the budget for this size",
        flush=True,
    )
    project = ["--project", str(repo)]
    counter = iter(range(100))

    def fresh(kind: str) -> Path:
        """A new, empty folder for one command's output or cache."""
        path = folder / f"{kind}-{next(counter)}"
        path.mkdir()
        return path

    def build(label: str, *args: str, output: Path | None = None, cache: Path | None = None) -> Run:
        out = output or fresh("out")
        command = ["build", *args, "--output", str(out), *project]
        return bench.run(label, command, cache or fresh("cache"))

    check = bench.run("check --strict", ["check", "--strict", *project], fresh("cache"))
    bench.report("check --strict", check, f"   [{_last_line(check.stdout)}]")
    label = "HTML build --no-cache"
    bench.report(label, build(label, "--only", "html", "--no-cache"))

    # The editor's cycle: one output folder and one cache, as an editor has.
    out, cache = fresh("out"), fresh("cache")
    full = build("full build (cold cache)", output=out, cache=cache)
    bench.report("full build (cold cache)", full)
    if full.error is not None:
        for label in ("no-op rebuild", "rebuild after a one-word edit"):
            print(f"  {label:<34} skipped: needs the full build", flush=True)
    else:
        noop = build("no-op rebuild", output=out, cache=cache)
        bench.report("no-op rebuild", noop, f"{_ratio(noop, full)}   [{_last_line(noop.stdout)}]")
        _edit_one_word(repo)
        edit = build("rebuild after a one-word edit", output=out, cache=cache)
        summary = f"{_ratio(edit, full)}   [{_last_line(edit.stdout)}]"
        bench.report("rebuild after a one-word edit", edit, summary)

    # The full build above already lays out every PDF on every core; the PDF-only
    # builds and the floor are measured at the first size only (as the issue asks).
    pdf: dict[int, Run] = {}
    if single_job:
        label = f"PDF build --jobs {bench.cores} --no-cache"
        pdf[bench.cores] = build(label, "--only", "pdf", "--no-cache", "--jobs", str(bench.cores))
        bench.report(label, pdf[bench.cores])

    book_out = fresh("out")
    label = "book 'all' --no-cache"
    book = build(label, "--only", "pdf", "--book", "all", "--no-cache", output=book_out)
    pages = _pages(book_out / "pdf" / "all.pdf") if book.error is None else None
    bench.report(
        label,
        book,
        f", largest process {_mib(book.tree_peak)}; {pages if pages is not None else 'n/a'} pages",
    )

    if single_job and bench.cores > 1:
        label = "PDF build --jobs 1 --no-cache"
        pdf[1] = build(label, "--only", "pdf", "--no-cache", "--jobs", "1")
        bench.report(label, pdf[1], _ratio(pdf[1], pdf[bench.cores], f"--jobs {bench.cores}"))

    floor = None
    if single_job and bench.remaining() < 1:
        print(f"  {'floor':<34} skipped: time budget spent", flush=True)
    elif single_job:
        floor = floor_seconds(repo, timeout=bench.remaining())
    if floor is not None:
        ratios = ", ".join(
            f"--jobs {jobs} {run.seconds / floor:.2f}"
            for jobs, run in pdf.items()
            if run.error is None and floor > 0
        )
        print(f"  {'floor':<34} {floor:8.2f} s   build/floor: {ratios or 'n/a'}", flush=True)
    shutil.rmtree(folder, ignore_errors=True)


def _pages(path: Path) -> int | None:
    try:
        return len(PdfReader(path).pages)
    except Exception:  # a missing or unreadable PDF is a figure we cannot give
        return None


def _edit_one_word(repo: Path) -> None:
    """Change the first word of the first person's summary; the file stays valid."""
    path = sorted((repo / "dossiers" / "people").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    edited, count = re.subn(r'^summary: "\w+', 'summary: "Revised', text, count=1, flags=re.M)
    if count != 1 or edited == text:
        raise RuntimeError(f"{path}: no summary word to edit; has synth.py changed?")
    path.write_text(edited, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    """Parse options, print the header, run every size within the budget."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"sizes {QUICK_SIZES} instead of {SIZES}"
    )
    parser.add_argument("--sizes", help="comma-separated sizes, e.g. 100,500")
    parser.add_argument(
        "--budget",
        type=float,
        help=f"minutes for the whole run (default {BUDGET_MINUTES:.0f}, "
        f"{QUICK_BUDGET_MINUTES:.0f} with --quick)",
    )
    args = parser.parse_args(argv)
    sizes: tuple[int, ...] = QUICK_SIZES if args.quick else SIZES
    if args.sizes:
        sizes = tuple(int(size) for size in args.sizes.split(","))
    budget = 60 * (args.budget or (QUICK_BUDGET_MINUTES if args.quick else BUDGET_MINUTES))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with tempfile.TemporaryDirectory(prefix="dossier-scale-") as tmp:
        work = Path(tmp)
        os.environ["DOSSIER_CACHE_DIR"] = str(work / "cache")  # for anything not passed env
        bench = Bench(cores or 1, work)
        memory = (
            "/usr/bin/time -f %M"
            if bench.gnu_time
            else "psutil sampling"
            if PSUTIL is not None
            else "not measured"
        )
        print(
            f"Dossier scale benchmark: {bench.cores} cores, sizes "
            f"{', '.join(map(str, sizes))} entities, budget {budget / 60:g} min; "
            f"peak RSS by {memory}",
            flush=True,
        )
        end = time.monotonic() + budget
        for position, size in enumerate(sizes):
            # Each size gets an equal share of what is left; unspent time carries over.
            bench.deadline = time.monotonic() + (end - time.monotonic()) / (len(sizes) - position)
            bench_size(bench, size, single_job=position == 0)


if __name__ == "__main__":
    main()
