"""Time from save to reloaded page in ``dossier serve``: save -> reload event -> page fetched.

Run: ``python benchmarks/serve_latency.py [REPO] [--saves N]``. Previews a clone of REPO
(its committed state, with its git history, so stamps cost what they cost; a folder
that is not a repository's root is copied) in this
process, on a free loopback port with a private build cache, then N times edits one
profile's summary the way an editor saves (a new file renamed over the old one) and
prints the median, fastest and slowest of both figures.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from builder.serve import Session

REPO = Path(__file__).resolve().parent.parent


def fetch(session: Session, path: str) -> str:
    server = session.server
    connection = http.client.HTTPConnection(server.server_name, server.server_port, 60)
    try:
        connection.request("GET", path)
        return connection.getresponse().read().decode("utf-8")
    finally:
        connection.close()


def wait_for_reload(session: Session, since: str) -> None:
    server = session.server
    connection = http.client.HTTPConnection(server.server_name, server.server_port, 60)
    try:
        connection.request("GET", f"/__dossier__/events?since={since}")
        response = connection.getresponse()
        while True:
            line = response.fp.readline()
            if line.startswith(b"event: "):
                event = line.removeprefix(b"event: ").strip()
                if event != b"reload":
                    raise SystemExit(f"the build failed: {event!r}")
                return
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("repo", nargs="?", type=Path, default=REPO)
    parser.add_argument("--saves", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DOSSIER_CACHE_DIR"] = str(Path(tmp) / "cache")
        root = Path(tmp) / "repo"
        if (args.repo / ".git").exists():
            subprocess.run(["git", "clone", "--quiet", str(args.repo), str(root)], check=True)
        else:  # a folder inside another repository (tests/projects/good): its files only
            shutil.copytree(args.repo, root)
        profile = sorted((root / "dossiers" / "people").glob("*.yaml"))[0]
        page = f"/{profile.stem}.html"
        with Session(root, port=0) as session:
            first = session.preview.status()
            events: list[float] = []
            pages: list[float] = []
            for number in range(args.saves):
                since = re.search(r"since=([0-9a-f]+-\d+)", fetch(session, page))
                assert since is not None
                text = profile.read_text(encoding="utf-8")
                edited = re.sub(r"(?m)^summary: .*$", f"summary: Edited {number}.", text, count=1)
                spare = profile.with_name(f".{profile.name}.saving")
                spare.write_text(edited, encoding="utf-8")
                saved = time.perf_counter()
                os.replace(spare, profile)
                wait_for_reload(session, since.group(1))
                events.append(time.perf_counter() - saved)
                assert f"Edited {number}." in fetch(session, page)
                pages.append(time.perf_counter() - saved)
                time.sleep(0.3)
    for name, figures in (("save -> reload event", events), ("save -> page fetched", pages)):
        print(
            f"{name}: median {statistics.median(figures):.2f} s, "
            f"fastest {min(figures):.2f} s, slowest {max(figures):.2f} s ({len(figures)} saves)"
        )
    print(f"first build: {first.summary}; page {page} of {args.repo}")


if __name__ == "__main__":
    main()
