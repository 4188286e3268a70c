"""`dossier serve` end to end: pages, live reload, errors in the page, PDFs, safety.

Each test runs a preview of a copy of the good project on a free loopback port,
in-process (:class:`Session`) or as a `dossier serve` process; every wait has a
deadline, so a broken preview fails a test instead of hanging it.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import watchfiles

from builder.serve import Session, Status
from builder.serve.watch import changes_filter

DEADLINE = 60.0  # seconds any one wait may take, on a slow shared machine
PROFILE = "dossiers/people/asim-malik.yaml"
SUMMARY = "summary: Pakistani army officer named to head the ISI.\n"
REFUSED = "Error: build refused: fix the problems above (dossier check lists them)"
# The serve command registers itself on `main` when imported.
CLI = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "import builder.cli.serve; from builder.cli import main; sys.exit(main())"
)


@pytest.fixture
def project(tmp_path: Path, good_project: Path) -> Path:
    """A copy of the good project to edit."""
    root = tmp_path / "project"
    shutil.copytree(good_project, root)
    return root


@pytest.fixture
def statuses() -> list[Status]:
    """Every status the session reported, in order."""
    return []


@pytest.fixture
def session(project: Path, statuses: list[Status]) -> Iterator[Session]:
    """A running preview of ``project`` on a free loopback port."""
    with Session(project, port=0, on_status=statuses.append) as running:
        yield running


class Response:
    """One HTTP response, read whole."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def get(session: Session, path: str, headers: dict[str, str] | None = None) -> Response:
    """GET ``path`` exactly as given (no normalising of ``..`` or ``%2e``)."""
    server = session.server
    connection = http.client.HTTPConnection(server.server_name, server.server_port, DEADLINE)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return Response(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        connection.close()


def since(page: str) -> str:
    """The event id a served page waits after."""
    found = re.search(r"events\?since=([0-9a-f]+-[0-9]+)", page)
    assert found is not None, page
    return found.group(1)


def next_event(session: Session, after: str) -> tuple[str, dict[str, Any]]:
    """The first event after id ``after``: (name, data)."""
    server = session.server
    connection = http.client.HTTPConnection(server.server_name, server.server_port, DEADLINE)
    deadline = time.monotonic() + DEADLINE
    try:
        connection.request("GET", f"/__dossier__/events?since={after}")
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type") == "text/event-stream; charset=utf-8"
        name, data = "", ""
        while time.monotonic() < deadline:
            line = response.fp.readline().decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data = line.removeprefix("data: ")
            elif not line and name:
                return name, json.loads(data)
        raise AssertionError(f"no event after {after} within {DEADLINE} s")
    finally:
        connection.close()


def edit(root: Path, old: str, new: str, path: str = PROFILE) -> None:
    """Save ``path`` with ``old`` replaced, as an editor does: a new file renamed over it."""
    target = root / path
    text = target.read_text(encoding="utf-8")
    assert old in text
    spare = target.with_name(f".{target.name}.saving")
    spare.write_text(text.replace(old, new), encoding="utf-8")
    os.replace(spare, target)


def test_pages_have_the_live_reload_script_and_pdf_links(session: Session) -> None:
    index = get(session, "/")
    assert index.status == 200
    assert index.headers["content-type"] == "text/html; charset=utf-8"
    assert 'new EventSource("/__dossier__/events?since=' in index.text
    assert '<a href="/__dossier__/pdf/briefing-book.pdf">PDF (rebuild)</a>' in index.text
    profile = get(session, "/asim-malik.html")
    assert profile.status == 200
    assert "Pakistani army officer named to head the ISI." in profile.text
    assert '<a href="/__dossier__/pdf/asim-malik.pdf">PDF (rebuild)</a>' in profile.text
    assert profile.text.index("/__dossier__/events") < profile.text.rindex("</body>")
    # The page on disk is the build's, untouched.
    on_disk = (session.preview.html / "asim-malik.html").read_text(encoding="utf-8")
    assert "__dossier__" not in on_disk
    css = get(session, "/assets/site.css")
    assert (css.status, css.headers["content-type"]) == (200, "text/css; charset=utf-8")
    assert "__dossier__" not in css.text
    source = get(session, "/sources/seed-000.html")
    assert source.status == 200
    assert "PDF (rebuild)" not in source.text


def test_a_save_reloads_the_page_with_the_change(
    session: Session, project: Path, statuses: list[Status]
) -> None:
    before = get(session, "/asim-malik.html").text
    edit(project, SUMMARY, "summary: Edited while the preview ran.\n")
    name, data = next_event(session, since(before))
    assert name == "reload"
    after = get(session, "/asim-malik.html")
    assert after.status == 200
    assert "Edited while the preview ran." in after.text
    assert "named to head the ISI" not in after.text
    assert data == {"generation": session.preview.status().generation}
    assert since(after.text) == f"{session.server.instance}-{data['generation']}"


def test_a_save_with_an_error_shows_it_in_the_page_until_fixed(
    session: Session, project: Path
) -> None:
    first = since(get(session, "/asim-malik.html").text)
    edit(project, SUMMARY, "summary: [unclosed\n")
    name, data = next_event(session, first)
    error = (
        "dossiers/people/asim-malik.yaml:12:6: YAML syntax error: "
        "did not find expected ',' or ']' (while parsing a flow sequence)"
    )
    assert name == "error"
    assert data["messages"][0] == error
    assert data["messages"][-1] == REFUSED
    for path in ("/asim-malik.html", "/", "/sources/seed-000.html"):
        page = get(session, path)
        assert page.status == 500
        assert '<body id="dossier-serve-failed"' in page.text
        assert error.replace("'", "&#x27;") in page.text
    assert get(session, "/assets/site.css").status == 200  # the last good build's files
    failed = since(get(session, "/").text)
    edit(project, "summary: [unclosed\n", "summary: Fixed, and back.\n")
    assert next_event(session, failed)[0] == "reload"
    back = get(session, "/asim-malik.html")
    assert back.status == 200
    assert "Fixed, and back." in back.text


def test_messages_in_the_error_page_are_escaped(session: Session, project: Path) -> None:
    first = since(get(session, "/").text)
    edit(project, "kind: person\n", "kind: <b>person</b>\n")
    name, data = next_event(session, first)
    assert name == "error"
    message = (
        "dossiers/people/asim-malik.yaml:2:7: kind: must be 'person' in this folder "
        "(got '<b>person</b>'); fix kind or move the file to dossiers/groups/"
    )
    assert data["messages"][0] == message
    page = get(session, "/asim-malik.html").text
    assert "<b>person</b>" not in page
    assert "(got &#x27;&lt;b&gt;person&lt;/b&gt;&#x27;)" in page


def test_settings_saved_by_rename_are_seen(session: Session, project: Path) -> None:
    first = since(get(session, "/").text)
    edit(project, "title: Test dossiers", "title: Renamed dossiers", "dossier.yaml")
    assert next_event(session, first)[0] == "reload"
    assert "Renamed dossiers" in get(session, "/").text


@pytest.mark.parametrize(
    "path",
    [
        "/../dossier.yaml",
        "/%2e%2e/dossier.yaml",
        "/%2E%2E/manifest.json",
        "/..%2fmanifest.json",
        "/%2e%2e%2f%2e%2e%2fproject/dossier.yaml",
        "/sources/%2e%2e/%2e%2e/manifest.json",
        "/%00index.html",
        "/__dossier__/pdf/..%2f..%2fdossier.pdf",
        "/__dossier__/nothing",
        "/missing.html",
    ],
)
def test_nothing_outside_the_site_is_served(session: Session, path: str) -> None:
    response = get(session, path)
    assert response.status == 404
    assert b"Test dossiers" not in response.body


def test_a_folder_redirects_to_itself_with_a_slash(session: Session) -> None:
    for path in ("/sources", "//sources", "/./sources"):
        response = get(session, path)
        assert (response.status, response.headers["location"]) == (301, "/sources/"), path
    assert get(session, "/sources/").status == 404  # no index.html there
    assert get(session, "/index.html/").status == 404


def test_symlinks_out_of_the_site_are_refused(session: Session, project: Path) -> None:
    site = session.preview.html
    (site / "leak.yaml").symlink_to(project / "dossier.yaml")
    (site / "outside").symlink_to(project)
    (site / "inside.html").symlink_to(site / "index.html")
    assert get(session, "/leak.yaml").status == 404
    assert get(session, "/outside/dossier.yaml").status == 404
    assert get(session, "/outside/").status == 404
    assert get(session, "/inside.html").status == 200


def test_loopback_only_and_only_for_local_names(session: Session) -> None:
    assert session.server.server_address[0] == "127.0.0.1"
    assert session.url.startswith("http://127.0.0.1:")
    for host in ("localhost", "127.0.0.1", f"localhost:{session.server.server_port}"):
        assert get(session, "/", {"Host": host}).status == 200
    rebound = get(session, "/", {"Host": "attacker.example"})
    assert rebound.status == 403
    assert b"this preview answers only to localhost" in rebound.body


def test_a_pdf_on_request_then_from_the_cache(session: Session) -> None:
    first = get(session, "/__dossier__/pdf/asim-malik.pdf")
    assert first.status == 200, first.text
    assert first.headers["content-type"] == "application/pdf"
    assert first.body.startswith(b"%PDF-")
    second = get(session, "/__dossier__/pdf/asim-malik.pdf")
    assert second.headers["x-dossier-pdf"] == "reused"
    assert second.body == first.body
    missing = get(session, "/__dossier__/pdf/nobody.pdf")
    assert missing.status == 404
    assert "no entity or book &#x27;nobody&#x27; in this repository" in missing.text


def test_the_watcher_ignores_editor_files_and_the_output(tmp_path: Path) -> None:
    wanted = changes_filter(tmp_path / "out")
    modified = watchfiles.Change.modified
    assert wanted(modified, str(tmp_path / "dossiers" / "people" / "a.yaml"))
    for name in (".a.yaml.swp", "a.yaml~", "4913", ".#a.yaml", "a.yaml.tmp", "a.crswap"):
        assert not wanted(modified, str(tmp_path / "dossiers" / name)), name
    assert not wanted(modified, str(tmp_path / "out" / "html" / "index.html"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CLI, "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_cli_serves_and_stops_on_ctrl_c(project: Path) -> None:
    process = start("--project", str(project), "--port", "0")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # printed once the first build is done
        found = re.fullmatch(r"Serving (.+) at http://127\.0\.0\.1:(\d+)/ \(Ctrl-C stops\)\n", line)
        assert found is not None, line
        assert found.group(1) == str(project.resolve())
        connection = http.client.HTTPConnection("127.0.0.1", int(found.group(2)), timeout=30)
        connection.request("GET", "/asim-malik.html")
        assert connection.getresponse().status == 200
        connection.close()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=DEADLINE)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0, err
    assert out == "Stopped.\n"
    assert "Traceback" not in err


def test_cli_port_in_use_is_a_clear_error(project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = start("--project", str(project), "--port", str(port))
        try:
            out, err = process.communicate(timeout=DEADLINE)
        finally:
            process.kill()
            process.wait()
    assert process.returncode == 1
    assert out == ""
    assert err == (
        f"Error: port {port} is in use on 127.0.0.1; stop what uses it or choose another "
        "with --port (--port 0 picks a free one)\n"
    )


def test_cli_warns_when_reachable_from_the_network(project: Path) -> None:
    process = start("--project", str(project), "--host", "0.0.0.0", "--port", str(free_port()))
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("Serving ")
        process.terminate()
        out, err = process.communicate(timeout=DEADLINE)
    finally:
        process.kill()
        process.wait()
    assert (process.returncode, out) == (0, "Stopped.\n")
    assert err.splitlines()[0] == (
        "warning: listening on 0.0.0.0, reachable from the network: anyone who can connect "
        "to this machine can read these dossiers and start builds"
    )
