from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET

import pytest

from builder.render.diagram import (
    CENTER_HALF_WIDTH,
    Label,
    Spoke,
    label_boxes,
    layout,
    network_svg,
    relationship_svg,
)

LABELS = ["accused of being supported by", "member of", "leads", "met with", "rival of"]


def spokes(count: int) -> list[Spoke]:
    out = []
    for i in range(count):
        name = f"Entity number {i:02d} with a long organisation name"
        out.append(
            Spoke(
                f"e{i:02d}",
                name,
                LABELS[i % len(LABELS)],
                ["reported", "alleged", "disputed", "denied"][i % 4],
                f"e{i:02d}.html",
            )
        )
        if i % 3 == 0:
            out.append(Spoke(f"e{i:02d}", name, "supports", "alleged", f"e{i:02d}.html"))
    return out


def overlap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> bool:
    """Separating axis test for two convex quadrilaterals."""
    for poly in (a, b):
        for (x1, y1), (x2, y2) in itertools.pairwise([*poly, poly[0]]):
            nx, ny = y2 - y1, x1 - x2
            pa = [nx * x + ny * y for x, y in a]
            pb = [nx * x + ny * y for x, y in b]
            if max(pa) < min(pb) or max(pb) < min(pa):
                return False
    return True


@pytest.mark.parametrize("count", [1, 2, 3, 7, 12, 20, 33, 40])
def test_no_labels_overlap_up_to_40_nodes(count: int) -> None:
    plan = layout(spokes(count))
    centre = plan.size / 2
    box = [
        (centre - CENTER_HALF_WIDTH, centre - 14),
        (centre + CENTER_HALF_WIDTH, centre - 14),
        (centre + CENTER_HALF_WIDTH, centre + 14),
        (centre - CENTER_HALF_WIDTH, centre + 14),
    ]
    labels: list[Label] = [*plan.edge_labels.values(), *plan.node_labels.values()]
    boxes = [label_boxes(label) for label in labels]
    for a, b in itertools.combinations(range(len(boxes)), 2):
        assert not overlap(boxes[a], boxes[b]), (labels[a].text, labels[b].text)
    for corners in boxes:
        assert not overlap(corners, box)
        for x, y in corners:  # inside the canvas
            assert 0 <= x <= plan.size and 0 <= y <= plan.size


def test_svg_is_deterministic_well_formed_and_styled_by_status() -> None:
    first = relationship_svg("x", "Centre <&> Name", spokes(12))
    assert first == relationship_svg("x", "Centre <&> Name", list(reversed(spokes(12))))
    root = ET.fromstring(str(first))
    ns = "{http://www.w3.org/2000/svg}"
    dashes = {
        line.get("class"): line.get("stroke-dasharray")
        for line in root.iter(f"{ns}line")
        if line.get("class", "").startswith("link")
    }
    assert dashes["link reported"] == "none"
    assert dashes["link alleged"] != "none"
    assert dashes["link disputed"] not in ("none", dashes["link alleged"])
    assert "Centre &lt;&amp;&gt; Name" in str(first)


def test_no_relationships() -> None:
    assert "No recorded relationships." in relationship_svg("x", "X", [])


def test_network_svg_is_well_formed() -> None:
    nodes = [(f"n{i}", f"Node {i}", "group", None) for i in range(30)]
    edges = [(f"n{i}", f"n{(i * 7) % 30}", "linked to", "alleged") for i in range(30)]
    root = ET.fromstring(str(network_svg(nodes, edges)))
    assert root.tag.endswith("svg")
    assert math.isclose(len(list(root.iter("{http://www.w3.org/2000/svg}line"))), 30 + 4)
