"""Relationship diagrams: geometry read back from the SVG, print size, accessibility, bytes.

The geometry checks parse what was drawn (label boxes, node shapes, lines) and
test it with their own intersection code, not the layout's.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import random
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.check.rules import check_project
from builder.cli import main
from builder.render.diagram import (
    FONT,
    MAX_WIDTH,
    Spoke,
    network_layout,
    network_svg,
    relationship_svg,
)
from builder.render.layout import crossings, force_layout, text_width
from builder.render.templates import DEFAULT_TEMPLATES
from builder.source.load import load_project
from tests.conftest import REPO

NS = "{http://www.w3.org/2000/svg}"
Box = tuple[float, float, float, float]
Segment = tuple[float, float, float, float]
Node = tuple[str, str, str, str | None]
Edge = tuple[str, str, str, str]
LABELS = ["accused of being supported by", "member of", "leads", "met with", "rival of"]
STATUSES = ["reported", "alleged", "disputed", "denied"]
PRINT_WIDTH_PX = 174 / 25.4 * 96  # A4 (210 mm) less 2 x 18 mm margins, print.css @page
PT_PER_PX = 0.75


def spokes(count: int) -> list[Spoke]:
    out = []
    for i in range(count):
        name = f"Entity number {i:02d} with a long organisation name"
        out.append(Spoke(f"e{i:02d}", name, LABELS[i % 5], STATUSES[i % 4], f"e{i:02d}.html"))
        if i % 3 == 0:
            out.append(Spoke(f"e{i:02d}", name, "supports", "alleged", f"e{i:02d}.html"))
    return out


def _num(element: ET.Element, name: str) -> float:
    return float(element.get(name, "0"))


def drawn(svg: str) -> tuple[list[Box], list[Segment], list[Box], ET.Element]:
    """Label boxes, lines and node shapes of a diagram, as drawn."""
    root = ET.fromstring(svg)
    labels: list[Box] = []
    nodes: list[Box] = []
    # The legend's samples are translated, below everything else: not part of the picture.
    legend = {id(e) for g in root.iter(f"{NS}g") if g.get("class") == "legend" for e in g.iter()}
    for rect in root.iter(f"{NS}rect"):
        if id(rect) in legend:
            continue
        box = (
            _num(rect, "x"),
            _num(rect, "y"),
            _num(rect, "x") + _num(rect, "width"),
            _num(rect, "y") + _num(rect, "height"),
        )
        if "network" in root.get("class", ""):
            if rect.get("class") != "hit":  # a node is its name's box (or a legend square)
                (labels if box[2] - box[0] > 11 else nodes).append(box)
        elif rect.get("class") == "hit":
            labels.append(box)
        else:
            nodes.append(box)
    for circle in root.iter(f"{NS}circle"):
        if id(circle) in legend:
            continue
        x, y, r = _num(circle, "cx"), _num(circle, "cy"), _num(circle, "r")
        nodes.append((x - r, y - r, x + r, y + r))
    lines = [
        (_num(line, "x1"), _num(line, "y1"), _num(line, "x2"), _num(line, "y2"))
        for line in root.iter(f"{NS}line")
        if line.get("class", "").startswith("link")
    ]
    return labels, lines, nodes, root


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def crosses(segment: Segment, box: Box) -> bool:
    """Whether a segment enters the inside of a box: an end inside, or crossing a side."""
    x1, y1, x2, y2 = segment
    if any(box[0] < x < box[2] and box[1] < y < box[3] for x, y in ((x1, y1), (x2, y2))):
        return True

    def turn(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> float:
        return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)

    left, top, right, bottom = box
    for a, b, c, d in (
        (left, top, right, top),
        (right, top, right, bottom),
        (right, bottom, left, bottom),
        (left, bottom, left, top),
    ):
        if (
            turn(a, b, c, d, x1, y1) * turn(a, b, c, d, x2, y2) < 0
            and turn(x1, y1, x2, y2, a, b) * turn(x1, y1, x2, y2, c, d) < 0
        ):
            return True
    return False


def shrink(box: Box, by: float) -> Box:
    return (box[0] + by, box[1] + by, box[2] - by, box[3] - by)


def assert_nothing_overlaps(svg: str, touching: float = 0.0) -> tuple[int, int]:
    """No label box on another, on a node or on a line (a line may end on its own box)."""
    labels, lines, nodes, _ = drawn(svg)
    for a, b in itertools.combinations(labels, 2):
        assert not overlap(a, b), (a, b)
    for label in labels:
        assert not any(overlap(label, node) for node in nodes), label
        inner = shrink(label, touching)
        assert not any(crosses(line, inner) for line in lines), label
    return len(labels), len(lines)


def print_scale(svg: str) -> float:
    """How much WeasyPrint shrinks the SVG: natural size, at most the text width and
    print.css's max-height for diagrams."""
    css = (DEFAULT_TEMPLATES / "print.css").read_text(encoding="utf-8")
    rule = re.search(r"\n\.diagram \{([^}]*)\}", css)
    assert rule is not None and "max-width: 100%" in rule.group(1)
    found = re.search(r"max-height: (\d+)mm", rule.group(1))
    assert found is not None
    max_height = int(found.group(1)) / 25.4 * 96
    root = ET.fromstring(svg)
    width, height = _num(root, "width"), _num(root, "height")
    return min(1.0, PRINT_WIDTH_PX / width, max_height / height)


@pytest.mark.parametrize("count", [1, 2, 3, 6, 7, 12, 20, 33, 40])
def test_relationship_labels_touch_nothing_and_print_at_7pt(count: int) -> None:
    svg = str(relationship_svg("x", "A centre entity with a rather long name", spokes(count)))
    labels, lines = assert_nothing_overlaps(svg)
    assert labels == count
    assert lines == count + len(range(0, count, 3))
    root = ET.fromstring(svg)
    assert _num(root, "width") <= MAX_WIDTH
    assert FONT * print_scale(svg) * PT_PER_PX >= 7.0
    assert "rotate" not in svg  # every label horizontal


def test_relationship_svg_is_a_named_group_of_links_with_24px_targets() -> None:
    svg = str(relationship_svg("x", "Centre <&> Name", spokes(7)))
    root = ET.fromstring(svg)
    assert root.get("role") == "group"
    assert root.get("aria-label") == "Relationships of Centre <&> Name"
    links = list(root.iter(f"{NS}a"))
    assert len(links) == 7
    first = links[0]
    assert first.get("aria-label") == (
        "Entity number 00 with a long o… accused of being supported by…"
    )
    hit = first.find(f"{NS}rect")
    assert hit is not None and _num(hit, "height") >= 24
    assert hit.findtext(f"{NS}title") == (
        "Entity number 00 with a long organisation name: "
        "accused of being supported by (reported); supports (alleged)"
    )
    hidden = [g for g in root.iter(f"{NS}g") if g.get("aria-hidden") == "true"]
    assert {g.get("class") for g in hidden} >= {"links", "legend"}


def test_relationship_svg_is_deterministic_and_styled_by_status() -> None:
    first = relationship_svg("x", "Centre <&> Name", spokes(12))
    assert first == relationship_svg("x", "Centre <&> Name", list(reversed(spokes(12))))
    root = ET.fromstring(str(first))
    dashes = {
        line.get("class"): line.get("stroke-dasharray")
        for line in root.iter(f"{NS}line")
        if line.get("class", "").startswith("link")
    }
    assert dashes["link reported"] == "none"
    assert dashes["link alleged"] != "none"
    assert dashes["link disputed"] not in ("none", dashes["link alleged"])
    assert "Centre &lt;&amp;&gt; Name" in str(first)


def test_no_relationships_is_an_image_without_links() -> None:
    svg = str(relationship_svg("x", "X", []))
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.findtext(f"{NS}title") == "Relationships of X"
    assert "No recorded relationships." in svg


def test_labels_are_measured_with_the_bundled_font() -> None:
    assert text_width("Tehrik-i-Taliban Pakistan", 12) == 141
    assert 0 < text_width("تحریک طالبان", 12) < text_width("Tehrik-i-Taliban Pakistan", 12)
    assert text_width("WWW", 12) > text_width("iii", 12)


def clustered(count: int, seed: int = 5) -> tuple[list[Node], list[Edge]]:
    """A made-up corpus: clusters of about twelve, one link in seven across clusters."""
    rng = random.Random(seed)
    nodes: list[Node] = [
        (
            f"e{i:03d}",
            f"Organisation {rng.choice(['Tehrik', 'Lashkar', 'Jamaat'])} {i}",
            "group" if i % 2 else "person",
            f"e{i:03d}.html",
        )
        for i in range(count)
    ]
    clusters = max(1, count // 12)
    edges = []
    for _ in range(int(count * 1.6)):
        a = rng.randrange(count)
        same = [j for j in range(count) if j % clusters == a % clusters and j != a]
        b = rng.choice(same) if rng.random() < 0.85 else rng.randrange(count)
        if a != b:
            edges.append((nodes[a][0], nodes[b][0], "linked to", rng.choice(STATUSES)))
    return nodes, edges


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled repository's site, built once for this module."""
    output = tmp_path_factory.mktemp("diagram-site")
    result = CliRunner().invoke(
        main, ["build", "--project", str(REPO), "--only", "html", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    return output / "html"


def svg_of(page: Path) -> str:
    found = re.search(r"<svg .*?</svg>", page.read_text(encoding="utf-8"), re.S)
    assert found is not None, page
    return found.group(0)


@pytest.fixture(scope="module")
def entities() -> int:
    """How many profiles the bundled repository has."""
    return int(check_project(load_project(REPO)).stats["entities"])


def test_bundled_network_has_no_overlap(bundled: Path, entities: int) -> None:
    svg = svg_of(bundled / "network.html")
    labels, lines = assert_nothing_overlaps(svg, touching=0.5)
    print(f"bundled network: {labels} names, {lines} lines, no overlap")
    assert labels == entities
    assert "<a " in svg and 'role="group"' in svg and "rotate" not in svg


def test_bundled_network_crosses_fewer_lines_than_it_has(bundled: Path) -> None:
    _, lines, _, _ = drawn(svg_of(bundled / "network.html"))
    crossed = crossings(lines)
    print(f"bundled network: {len(lines)} lines, {crossed} crossings")
    assert crossed < len(lines)


def test_bundled_relationship_diagrams_have_no_overlap_and_print_at_7pt(
    bundled: Path, entities: int
) -> None:
    pages = [p for p in sorted(bundled.glob("*.html")) if 'data-entity="' in p.read_text("utf-8")]
    smallest = min(FONT * print_scale(svg_of(p)) * PT_PER_PX for p in pages)
    for page in pages:
        assert_nothing_overlaps(svg_of(page))
    print(f"{len(pages)} relationship diagrams: labels print at {smallest:.2f} pt or more")
    assert len(pages) == entities
    assert smallest >= 7.0


def test_network_is_the_same_bytes_for_the_same_corpus() -> None:
    nodes, edges = clustered(40)
    assert network_svg(nodes, edges) == network_svg(nodes, edges)
    # Positions do not depend on the order entities come in.
    assert network_layout(nodes, edges).boxes == network_layout(nodes[::-1], edges).boxes


DIGEST = """
import hashlib, sys
from builder.render.diagram import network_svg
from tests.test_diagram import clustered
print(hashlib.sha256(str(network_svg(*clustered(60))).encode()).hexdigest())
"""


def test_network_is_the_same_bytes_in_every_run() -> None:
    here = hashlib.sha256(str(network_svg(*clustered(60))).encode()).hexdigest()
    runs = [
        subprocess.run(
            [sys.executable, "-c", DIGEST],
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for hash_seed in ("0", "1")
    ]
    assert runs == [here, here]


def test_force_layout_rounds_positions_and_ignores_order() -> None:
    nodes, edges = clustered(40)
    names = [n for n, *_ in nodes]
    pairs = [(a, b) for a, b, *_ in edges]
    placed = force_layout(names, pairs)
    assert placed == force_layout(names[::-1], [(b, a) for a, b in pairs[::-1]])
    assert sorted(placed) == sorted(names)
    values = [v for point in placed.values() for v in point]
    assert all(v == round(v, 4) and -1.0 <= v <= 1.0 for v in values)
    assert max(abs(v) for v in values) == 1.0  # spread over the whole square
    assert force_layout(["only"], []) == {"only": (0.0, 0.0)}


def test_network_of_200_has_no_overlap() -> None:
    nodes, edges = clustered(200)
    start = time.perf_counter()
    plan = network_layout(nodes, edges)
    seconds = time.perf_counter() - start
    crossed = crossings([segment for segment, _ in plan.lines])
    print(
        f"200 entities, {len(edges)} links: laid out in {seconds:.1f} s, "
        f"{plan.width:.0f} x {plan.height:.0f} px, {crossed} crossings"
    )
    assert plan.clean
    labels, _ = assert_nothing_overlaps(str(network_svg(nodes, edges)), touching=0.5)
    assert labels == 200
