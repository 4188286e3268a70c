"""Scale: no page reads every profile, so the site grows linearly with the repository.

Timings are noisy and slow, so these tests count work instead: ``index.entities``
is swapped for a dict that counts how many profiles every full scan of it goes
through. Entity and source pages must not scan at all (they read the lookups
that check files once: ``Index.citations`` and ``Index.timelines``), and the
whole site's scans must grow no faster than the number of profiles. The old
code, where every source page walked every profile and every entity page
scanned every profile's events, fails both. Then the lookups are checked
against the brute-force definitions they replace, which fixes their order.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from builder.check.index import AnyEntity, Index, walk
from builder.check.quotes import SourceText, fold, normalise
from builder.check.rules import check_project
from builder.render.context import Citer, Resolver, Who
from builder.render.html import environment, site_pages
from builder.render.views import ClaimRef, _describe, source_claims
from builder.source.load import load_project
from builder.source.models import Citation, Event, Source, SourceKind
from builder.source.yamlread import Loc
from tests.conftest import REPO, TESTS

CITE = """
      - source: seed-000
        locator: "¶{paragraph}"
        quote: "{quote}"
        credibility: 2"""


def _profile(number: int, count: int) -> str:
    """A person citing the good project's source, linked to ISI and the next person."""
    me, other = f"person-{number:03d}", f"person-{(number + 1) % count:03d}"
    return f"""id: {me}
kind: person
name: Person {number % 7}
aliases:
  - name: Alias {number}
    citations:{CITE.format(paragraph=1, quote="Lieutenant General Asim Malik")}
summary: Generated; works with [the next one](entity:{other}).
facts:
  rank:
    - value: Lieutenant General
      citations:{CITE.format(paragraph=1, quote="Lieutenant General Asim Malik")}
relationships:
  - type: member_of
    target: isi
    citations:{CITE.format(paragraph=3, quote="Malik will replace Nadeem Anjum")}
events:
  - date: "{2000 + number % 5}"
    title: Meeting {number}
    participants: [{other}, isi]
    citations:{CITE.format(paragraph=17, quote="a multi-layered and complex threat")}
as_of: "2024-09"
reviewed: "2026-11-24"
"""


def _project(root: Path, count: int) -> Path:
    """The good project plus ``count`` generated people (names repeat, as they may)."""
    shutil.copytree(TESTS / "projects" / "good", root)
    for number in range(count):
        path = root / "dossiers" / "people" / f"person-{number:03d}.yaml"
        path.write_text(_profile(number, count), encoding="utf-8")
    return root


class ScanCounter(dict[str, AnyEntity]):
    """``index.entities`` that adds up the profiles every full scan goes through."""

    visits = 0

    def __iter__(self) -> Iterator[str]:
        self.visits += len(self)
        return super().__iter__()

    def keys(self) -> Any:
        self.visits += len(self)
        return super().keys()

    def values(self) -> Any:
        self.visits += len(self)
        return super().values()

    def items(self) -> Any:
        self.visits += len(self)
        return super().items()


def _site(root: Path) -> tuple[Index, ScanCounter, dict[str, Callable[[], str]]]:
    project = load_project(root)
    result = check_project(project)
    assert result.errors == ()
    index = result.index
    counter = ScanCounter(index.entities)
    index.entities = counter
    pages = site_pages(project, index, environment(project), pdfs=set(), only=None)
    counter.visits = 0  # listing the pages to build reads every id once: that is fine
    return index, counter, pages


def test_entity_and_source_pages_never_scan_every_profile(tmp_path: Path) -> None:
    index, counter, pages = _site(_project(tmp_path / "project", 12))
    checked = 0
    for name, render in pages.items():
        if name.startswith("sources/") or name.removesuffix(".html") in index.entities:
            render()
            assert counter.visits == 0, f"{name} scanned every profile"
            checked += 1
    assert checked == 12 + 2 + 1  # generated people, the good project's two, one source


def test_whole_site_reads_grow_linearly(tmp_path: Path) -> None:
    visits = []
    for count in (10, 20):
        _, counter, pages = _site(_project(tmp_path / str(count), count))
        for render in pages.values():
            render()
        visits.append(counter.visits)
    # Twice the profiles: at most twice the reads (the old per-page scans made it ~3.4x).
    assert 0 < visits[1] <= 2 * visits[0]


def _claims_by_walking(source_id: str, index: Index, resolver: Resolver) -> tuple[ClaimRef, ...]:
    """What source pages did before the index: walk every profile, keep matches."""
    refs = []
    for entity_id in sorted(dict(index.entities), key=resolver.name):
        model = index.entities[entity_id].model
        who = Who(resolver.name(entity_id), resolver.href(entity_id))
        nodes: dict[Loc, BaseModel] = {}
        for loc, node in walk(model):
            nodes[loc] = node
            if isinstance(node, Citation) and node.source == source_id:
                item = _describe(nodes.get(loc[:-2]), loc[:-2], model, resolver)
                refs.append(ClaimRef(who, item, node.locator, node.quote, node.credibility))
    return tuple(refs)


def _events_by_scanning(entity_id: str, index: Index) -> list[tuple[Event, str]]:
    """What entity pages did before the index: scan every profile's events."""
    return [
        (event, other_id)
        for other_id, entity in sorted(dict(index.entities).items())
        for event in entity.model.events
        if other_id == entity_id or entity_id in event.participants
    ]


@pytest.mark.parametrize("where", ["corpus", "generated"])
def test_lookups_match_their_brute_force_definitions(where: str, tmp_path: Path) -> None:
    root = REPO if where == "corpus" else _project(tmp_path / "project", 9)
    index = check_project(load_project(root)).index
    resolver = Resolver(index, lambda entity_id: f"{entity_id}.html")
    for source_id in index.sources:
        expected = _claims_by_walking(source_id, index, resolver)
        assert expected, source_id
        assert source_claims(source_id, index, resolver) == expected, source_id
    for entity_id in index.entities:
        found = index.timelines.get(entity_id, [])
        expected_events = _events_by_scanning(entity_id, index)
        assert [(id(e), o) for e, o in found] == [(id(e), o) for e, o in expected_events]


@pytest.mark.parametrize(
    "text",
    [
        "  A  “Quote” – here\t\n",
        "e\u0301 ﬁ ½ \u00a8x \u2474 \u00a0\u2003 ß İ \x1c\x1f end ",
        "…ellipsis … [...] and \u3000 ideographic space",
        "",
        "   ",
    ],
)
def test_fast_fold_is_the_reference_normal_form(text: str) -> None:
    assert fold(text) == normalise(text)[0]


def test_every_archived_paragraph_folds_as_the_reference() -> None:
    for path in sorted((REPO / "seeds").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert fold(line) == normalise(line)[0]


def test_a_repeated_citation_gives_the_same_answer() -> None:
    text = SourceText("seed-x", "First “one”.\nSecond paragraph here.\n")
    for _ in range(2):
        assert text.verify('first "ONE"', "¶1").ok
        assert text.verify("Second", "¶1").message == (
            'quote is in seed-x ¶2, not ¶1: set locator to "¶2"'
        )


def test_citation_markers_escape_every_part() -> None:
    # Markers are built without Markup.format (too slow at one per note): check escaping.
    source = Source(
        id="s-1",
        title="T",
        short_title="A&B <i>",
        retrieved="2024",
        file="a.txt",
        sha256="0" * 64,
        language="en",
        kind=SourceKind.news,
        reliability="B",
        reliability_reason="r",
    )
    citation = Citation(
        source="s-1", locator="¶1", quote="say \"<b>\" & 'go'", credibility=2, note="a <note>"
    )
    html = Citer("html", {"s-1": source}, lambda s: f"#{s}").marker(citation)
    assert html == (
        '<sup class="cite"><a href="#note-1" id="ref-1" title="A&amp;B &lt;i&gt;, ¶1 [B2]: '
        '“say &#34;&lt;b&gt;&#34; &amp; &#39;go&#39;”">1</a></sup>'
    )
    pdf = Citer("pdf", {"s-1": source}, lambda s: f"#{s}").marker(citation)
    assert pdf == (
        '<span class="footnote"><span class="fn-source">A&amp;B &lt;i&gt;, ¶1 [B2]</span>: '
        "“say &#34;&lt;b&gt;&#34; &amp; &#39;go&#39;” (a &lt;note&gt;)</span>"
    )
