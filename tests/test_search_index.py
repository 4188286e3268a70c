"""The site's search index (builder/render/search.py): what it holds, where it links, its bytes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from builder.check.index import Index
from builder.check.rules import check_project
from builder.cli import main
from builder.render.search import Document, documents, search_script
from builder.source.load import load_project
from builder.source.models import Settings


def _index(root: Path) -> Index:
    return check_project(load_project(root)).index


def _payload(script: str) -> dict[str, Any]:
    prefix, suffix = "window.DOSSIER_SEARCH = ", ";\n"
    assert script.startswith(prefix) and script.endswith(suffix)
    payload: dict[str, Any] = json.loads(script[len(prefix) : -len(suffix)])
    return payload


def test_documents_hold_names_aliases_summaries_claims_and_narrative(good_project: Path) -> None:
    found = {doc.id: doc for doc in documents(_index(good_project))}
    by_kind = sorted((doc.entity, doc.kind, doc.label) for doc in found.values())
    assert by_kind == [
        ("asim-malik", "assessment", "Assessment"),
        ("asim-malik", "claim", "Education"),
        ("asim-malik", "claim", "Rank"),
        ("asim-malik", "entity", "Profile"),
        ("asim-malik", "event", "Event"),
        ("asim-malik", "paragraph", "Narrative: Background"),
        ("asim-malik", "relationship", "Relationship"),
        ("isi", "claim", "Type"),
        ("isi", "entity", "Profile"),
        ("isi", "paragraph", "Narrative: Accusations"),
    ]
    assert found["asim-malik"] == Document(
        id="asim-malik",
        entity="asim-malik",
        kind="entity",
        label="Profile",
        name="Asim Malik",
        aliases="Lieutenant General Asim Malik",
        text="Pakistani army officer named to head the ISI.",
        status="person",
        url="asim-malik.html",
    )
    paragraph = next(d for d in found.values() if d.label == "Narrative: Background")
    # Markdown emphasis is gone; the words stay.
    assert paragraph.text == "Pakistani media have called him one of the army's most elite figures."
    assert (paragraph.status, paragraph.url) == ("reported", "asim-malik.html#asim-malik-s1")
    assert paragraph.name == paragraph.aliases == ""  # a name search finds the entity first
    texts = {(d.label, d.text, d.status) for d in found.values() if d.kind != "entity"}
    assert ("Rank", "Lieutenant General", "reported") in texts
    assert ("Relationship", "leads Inter-Services Intelligence", "reported") in texts
    assert ("Event", "Takes over as head of the ISI", "reported") in texts
    accusation = (
        "India accuses the ISI of supporting insurgent and jihadist groups in Kashmir;"
        " Pakistani officials reject this."
    )
    assert ("Narrative: Accusations", accusation, "disputed") in texts
    assert (
        "Assessment",
        "Faces a multi-layered threat, partly from Taliban-controlled Afghanistan.",
        "likely",
    ) in texts


def test_every_result_links_to_an_anchor_of_its_page(good_project: Path, tmp_path: Path) -> None:
    project = tmp_path / "good"
    shutil.copytree(good_project, project)
    output = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", "--project", str(project), "--only", "html", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    html = output / "html"
    script = (html / "assets" / "search-index.js").read_text(encoding="utf-8")
    assert script == search_script(_index(project))
    assert (
        (html / "assets" / "vendor" / "minisearch.js")
        .read_text(encoding="utf-8")
        .startswith("(function (global, factory) {")
    )
    assert "Permission is hereby granted, free of charge" in (
        html / "assets" / "vendor" / "LICENSE-minisearch.txt"
    ).read_text(encoding="utf-8")
    docs = _payload(script)["documents"]
    assert isinstance(docs, list) and len(docs) == 10
    for doc in docs:
        page, _, anchor = doc["url"].partition("#")
        text = (html / page).read_text(encoding="utf-8")
        if anchor:
            assert f' id="{anchor}"' in text, doc["url"]
    index = (html / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r'<script src="([^"]+)" defer></script>', index)
    assert scripts == ["assets/search-index.js", "assets/vendor/minisearch.js", "assets/search.js"]


def test_script_bytes_are_the_same_for_the_same_repository(good_project: Path) -> None:
    first = search_script(_index(good_project))
    assert search_script(_index(good_project)) == first
    payload = _payload(first)
    assert payload["entities"] == {
        "asim-malik": {"kind": "person", "name": "Asim Malik"},
        "isi": {"kind": "group", "name": "Inter-Services Intelligence"},
    }
    assert json.dumps(payload, sort_keys=True) == json.dumps(payload)  # keys come sorted
    assert [d["id"] for d in payload["documents"]][:2] == ["asim-malik", "asim-malik#c-a9be7f7b"]


def test_text_cannot_end_a_script_or_a_line(good_project: Path, tmp_path: Path) -> None:
    project = tmp_path / "good"
    shutil.copytree(good_project, project)
    profile = project / "dossiers" / "people" / "asim-malik.yaml"
    hostile = "Officer </script><script>alert(1)</script> <!-- named & there."
    text = profile.read_text(encoding="utf-8")
    text = text.replace(
        "summary: Pakistani army officer named to head the ISI.", f"summary: {json.dumps(hostile)}"
    )
    # A line separator ends a line inside a JavaScript string before ES2019.
    text = text.replace("name: Asim Malik", 'name: "Asim\\u2028Malik"')
    profile.write_text(text, encoding="utf-8")
    script = search_script(_index(project))
    for raw in ("<", ">", "&", "\u2028"):
        assert raw not in script
    assert "\\u003c/script\\u003e" in script
    payload = _payload(script)
    summary = next(d for d in payload["documents"] if d["id"] == "asim-malik")
    # What the reader searches and sees is the text as written.
    assert summary["text"] == hostile
    assert summary["name"] == "Asim\u2028Malik"
    assert payload["entities"]["asim-malik"]["name"] == "Asim\u2028Malik"


def test_bundled_index_size(corpus: tuple[Settings, Index]) -> None:
    _, index = corpus
    script = search_script(index)
    size = len(script.encode("utf-8"))
    count = len(documents(index))
    print(
        f"search index: {count} documents, {size / 1024:.1f} KB for {len(index.entities)} entities"
    )
    assert count > len(index.entities)
    assert size < 400 * 1024  # loaded by the index page: keep it well under a large image
