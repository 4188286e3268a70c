"""Injection probes in every text field of a profile: no live markup, nothing fetched.

Each probe is written into every text field an editor fills (name, alias, summary,
claim value, paragraph, section title, event title, description and place,
attribution, notes), then the repository is checked and, if check accepts it, built
to HTML. A probe leaks when its markup reaches a page live (unescaped) or a link
with a script URL appears; it is rejected when check refuses it with a clear error.
"""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from builder.check.rules import check_project
from builder.publish.build import BuildOptions, build
from builder.source.load import load_project
from tests.conftest import TESTS

PROFILE = "dossiers/groups/isi.yaml"

PROBES: list[str] = [
    "<script>alert('P01')</script>",
    '<img src=x onerror="P02()">',
    '"><svg onload=P03()>',
    "<iframe src=//evil.example/P04>",
    "[click](javascript:P05())",
    "[click](data:text/html,<script>P06</script>)",
    "![x](https://evil.example/P07.png)",
    "![x](file:///etc/passwd)",
    "<a href='https://evil.example/P09'>x</a>",
    "<style>body{display:none}</style>",
    "<link rel=stylesheet href=//evil.example/P11.css>",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{% for x in range(10**9) %}{% endfor %}",
    "<base href='https://evil.example/'>",
    "<meta http-equiv=refresh content='0;url=https://evil.example'>",
    "<!-- P16 --><script>P16</script>",
    "&lt;script&gt;P17&lt;/script&gt;",
    "<math><mi xlink:href=javascript:P18>x</mi></math>",
    "<object data=//evil.example/P19>",
    "<embed src=//evil.example/P20>",
    "<form action=//evil.example><input name=P21>",
    "<video><source onerror=P22()>",
    "[x](vbscript:P23)",
    "[x]( javascript:P24)",
    '<a href="jav&#x09;ascript:P25">x</a>',
    "\u202egnp.exe",
    "\x1b]8;;https://evil.example\x07P27\x1b]8;;\x07",
    "P28" + "W" * 500,
    "url(javascript:P29)",
    "</textarea></title><script>P30</script>",
]
_ELEMENTS = {"iframe", "object", "embed", "form", "base", "math", "video", "source", "input"}
_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")


class Live(HTMLParser):
    """Markup in a page that no template of ours writes: a probe gone live."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in _ELEMENTS or (tag == "meta" and "http-equiv" in values):
            self.found.append(f"<{tag}>")
        if tag == "script" and not (values.get("src") or "").endswith("assets/search.js"):
            self.found.append("<script> without our src")
        if tag == "style" or (tag == "link" and "assets/" not in (values.get("href") or "")):
            self.found.append(f"<{tag}> of the page's own")
        for name, value in attrs:
            link = (value or "").strip().lower()
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if name in ("href", "src", "action", "data", "xlink:href") and (
                link.startswith(_SCHEMES) or "evil.example" in link
            ):
                self.found.append(f"{name}={value!r} on <{tag}>")


TEXT_FIELDS = 12


def _poison(profile: dict[str, Any], probe: str) -> dict[str, Any]:
    profile["name"] = f"ISI {probe}"
    profile["summary"] = f"Summary {probe}"
    profile["aliases"][0]["name"] = f"ISI {probe}"
    profile["facts"]["type"][0]["value"] = f"Agency {probe}"
    paragraph = profile["narrative"][0]["paragraphs"][0]
    paragraph["text"] = f"Text {probe}"
    paragraph["attributed_to"] = f"India {probe}"
    paragraph["note"] = f"Note {probe}"
    profile["narrative"][0]["title"] = f"Section {probe}"
    citation = dict(profile["facts"]["type"][0]["citations"][0])
    profile["events"] = [
        {
            "date": "2024",
            "title": f"Event {probe}",
            "description": f"Detail {probe}",
            "place": f"Place {probe}",
            "citations": [citation],
        }
    ]
    return profile


def _live(site: Path) -> dict[str, list[str]]:
    found = {}
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        live = Live()
        live.feed(text)
        found[page.relative_to(site).as_posix()] = live.found
        assert "uid=" not in text and "\x1b" not in text, page.name
    return found


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """What our own templates write (the search form on the index): not a leak."""
    out = tmp_path_factory.mktemp("baseline")
    build(TESTS / "projects/good", BuildOptions(output=out, pdf=False))
    return _live(out / "html")


@pytest.mark.parametrize("probe", PROBES, ids=[f"P{n:02}" for n in range(1, 31)])
def test_probe_is_rejected_or_rendered_inert(
    probe: str, tmp_path: Path, baseline: dict[str, list[str]]
) -> None:
    root = tmp_path / "project"
    shutil.copytree(TESTS / "projects/good", root)
    profile = yaml.safe_load((root / PROFILE).read_text(encoding="utf-8"))
    (root / PROFILE).write_text(
        yaml.safe_dump(_poison(profile, probe), allow_unicode=True), encoding="utf-8"
    )
    result = check_project(load_project(root))
    if result.errors:  # rejected: the messages name the file and escape the probe
        assert any(d.path == PROFILE for d in result.errors)  # others: links to it
        assert all("\x1b" not in d.format() and "\u202e" not in d.format() for d in result.errors)
        return
    build(root, BuildOptions(output=tmp_path / "out", pdf=False))
    for page, found in _live(tmp_path / "out/html").items():
        assert found == baseline.get(page, []), page
