"""Geometry behind the diagrams: text widths, a seeded force layout, labels that never collide.

- :func:`text_width` measures a label with the theme's own fonts (Noto Sans, then
  Noto Naskh Arabic for Arabic-script names), read once with fontTools, so boxes
  fit what the browser and WeasyPrint draw rather than a guessed average.
- :func:`force_layout` places a graph's nodes with networkx: Louvain finds the
  communities (seeded), each starts around its own point, and ``spring_layout``
  (seeded, a fixed number of rounds, positions rounded) spreads them.
- :func:`spread_boxes` treats each name as the node itself (a box the lines end
  at) and pushes boxes apart, and off lines that are not theirs, until none
  touches another or a line.

Boxes are ``(left, top, right, bottom)``, segments ``(x1, y1, x2, y2)``, in SVG
user units (one CSS pixel at natural size).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from functools import cache

import networkx as nx  # type: ignore[import-untyped]

from builder.render.templates import DEFAULT_TEMPLATES, FONTS

__all__ = [
    "Box",
    "Segment",
    "boxes_overlap",
    "clip_between",
    "crossings",
    "force_layout",
    "segment_hits_box",
    "spread_boxes",
    "text_width",
]

Box = tuple[float, float, float, float]
Segment = tuple[float, float, float, float]
FACES = ("NotoSans-Regular.ttf", "NotoNaskhArabic-Regular.ttf")


@cache
def _advances() -> tuple[dict[int, float], ...]:
    """Advance width per code point, in ems, of each face in :data:`FACES`."""
    # A WeasyPrint dependency, without type information; read once, when first drawing.
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    tables = []
    for face in FACES:
        font = TTFont(DEFAULT_TEMPLATES / FONTS / face, lazy=True)
        per_em = float(font["head"].unitsPerEm)
        metrics = font["hmtx"].metrics
        cmap = font.getBestCmap()
        tables.append({code: metrics[glyph][0] / per_em for code, glyph in cmap.items()})
        font.close()
    return tuple(tables)


def text_width(text: str, size: float) -> float:
    """Width of ``text`` set at ``size`` in the theme's sans face, rounded up.

    A character neither face has counts as a full em: too wide is safe, too
    narrow would let labels overlap.
    """
    tables = _advances()
    ems = 0.0
    for char in text:
        code = ord(char)
        ems += next((table[code] for table in tables if code in table), 1.0)
    return math.ceil(ems * size * 1.02)  # 2 %: kerning and hinting never widen past it


def boxes_overlap(a: Box, b: Box) -> bool:
    """Whether two boxes share any area (touching edges do not count)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def segment_hits_box(segment: Segment, box: Box) -> bool:
    """Whether a segment passes through a box (Liang–Barsky clipping)."""
    x1, y1, x2, y2 = segment
    dx, dy = x2 - x1, y2 - y1
    low, high = 0.0, 1.0
    for p, q in ((-dx, x1 - box[0]), (dx, box[2] - x1), (-dy, y1 - box[1]), (dy, box[3] - y1)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return False
    return True


def crossings(segments: Sequence[Segment]) -> int:
    """How many pairs of segments cross (sharing an end point does not count)."""

    def side(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> float:
        return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)

    count = 0
    for i, (a1, a2, a3, a4) in enumerate(segments):
        for b1, b2, b3, b4 in segments[i + 1 :]:
            if {(a1, a2), (a3, a4)} & {(b1, b2), (b3, b4)}:
                continue
            d1, d2 = side(b1, b2, b3, b4, a1, a2), side(b1, b2, b3, b4, a3, a4)
            d3, d4 = side(a1, a2, a3, a4, b1, b2), side(a1, a2, a3, a4, b3, b4)
            if d1 * d2 < 0 and d3 * d4 < 0:
                count += 1
    return count


GRAVITY = 0.2  # weight of each node's tie to the centre, against a link's 1


def force_layout(
    names: Iterable[str], links: Iterable[tuple[str, str]], *, seed: int = 13, iterations: int = 200
) -> dict[str, tuple[float, float]]:
    """Positions in the square from -1 to 1, clusters apart, the same for the same graph.

    networkx does the work: Louvain finds the communities (seeded), each starts
    around its own point of a circle (members scattered by a seeded
    :class:`random.Random`), and ``spring_layout`` (Fruchterman–Reingold, numpy)
    spreads them, a pair's links counting as its weight. An extra node tied
    weakly (:data:`GRAVITY`) to every other, dropped afterwards, stands in for
    gravity: without it a lone node or a small component drifts to the edge and
    the rest is squeezed. Nodes and links are sorted first, so the
    order they come in does not change the picture; a fixed number of rounds
    (``threshold=0``) and positions rounded to 1e-4 (about 0.05 px once scaled)
    keep floating-point noise between machines out of the bytes. From 500 nodes
    networkx switches to its sparse solver (scipy, a dependency for that reason).
    """
    nodes = sorted(set(names))
    weights: dict[tuple[str, str], int] = {}
    for a, b in links:
        if a != b:
            pair = (min(a, b), max(a, b))
            weights[pair] = weights.get(pair, 0) + 1
    count = len(nodes)
    if count < 2:
        return {node: (0.0, 0.0) for node in nodes}
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    graph.add_weighted_edges_from((a, b, w) for (a, b), w in sorted(weights.items()))
    found: list[set[str]] = nx.community.louvain_communities(graph, weight=None, seed=seed)
    communities = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
    rng = random.Random(seed)
    start: dict[str, tuple[float, float]] = {}
    for number, members in enumerate(communities):
        angle = 2 * math.pi * number / len(communities)
        spread = 0.5 * math.sqrt(len(members) / count)
        for node in members:
            start[node] = (
                0.5 * math.cos(angle) + spread * (rng.random() - 0.5),
                0.5 * math.sin(angle) + spread * (rng.random() - 0.5),
            )
    centre = "\0centre"  # no entity id holds a NUL
    graph.add_weighted_edges_from((node, centre, GRAVITY) for node in nodes)
    start[centre] = (0.0, 0.0)
    placed = nx.spring_layout(
        graph,
        k=2.0 / math.sqrt(count),
        pos=start,
        iterations=iterations,
        threshold=0.0,
        weight="weight",
        seed=seed,
        method="force",
    )
    return {
        node: (round(float(placed[node][0]), 4), round(float(placed[node][1]), 4)) for node in nodes
    }


def clip_between(segment: Segment, start: Box, end: Box) -> Segment:
    """The part of ``segment`` outside both boxes: a line drawn from edge to edge."""
    x1, y1, x2, y2 = segment
    low, high = _exit(segment, start), 1.0 - _exit((x2, y2, x1, y1), end)
    if low >= high:
        return (x1, y1, x1, y1)
    dx, dy = x2 - x1, y2 - y1
    return (x1 + dx * low, y1 + dy * low, x1 + dx * high, y1 + dy * high)


def _exit(segment: Segment, box: Box) -> float:
    """Where (0 to 1) a segment starting inside ``box`` leaves it."""
    x1, y1, x2, y2 = segment
    dx, dy = x2 - x1, y2 - y1
    found = 1.0
    if dx > 0:
        found = min(found, (box[2] - x1) / dx)
    elif dx < 0:
        found = min(found, (box[0] - x1) / dx)
    if dy > 0:
        found = min(found, (box[3] - y1) / dy)
    elif dy < 0:
        found = min(found, (box[1] - y1) / dy)
    return max(found, 0.0)


def _box(point: tuple[float, float], size: tuple[float, float], pad: float) -> Box:
    x, y = point
    half_w, half_h = size[0] / 2 + pad, size[1] / 2 + pad
    return (x - half_w, y - half_h, x + half_w, y + half_h)


def spread_boxes(
    points: dict[str, tuple[float, float]],
    sizes: dict[str, tuple[float, float]],
    links: Sequence[tuple[str, str]],
    *,
    pad: float,
    rounds: int = 120,
) -> tuple[dict[str, tuple[float, float]], bool]:
    """Box centres moved until boxes and lines keep ``pad`` apart; and whether they do.

    No two boxes may overlap, and no line between two other centres may cross a
    box. Each round pushes every overlapping pair apart along the axis where they
    overlap least, and every box a line crosses off that line, sideways.
    """
    where = dict(points)
    for _ in range(rounds):
        moved = False
        cells = _cells(where, sizes, pad)
        for a, b in _near_pairs(cells):
            box_a, box_b = _box(where[a], sizes[a], pad / 2), _box(where[b], sizes[b], pad / 2)
            if not boxes_overlap(box_a, box_b):
                continue
            moved = True
            (ax, ay), (bx, by) = where[a], where[b]
            across = min(box_a[2], box_b[2]) - max(box_a[0], box_b[0])
            down = min(box_a[3], box_b[3]) - max(box_a[1], box_b[1])
            if across <= down:
                shift = (across / 2 + 0.5) * (1 if (ax, a) <= (bx, b) else -1)
                where[a], where[b] = (ax - shift, ay), (bx + shift, by)
            else:
                shift = (down / 2 + 0.5) * (1 if (ay, a) <= (by, b) else -1)
                where[a], where[b] = (ax, ay - shift), (bx, by + shift)
        cells = _cells(where, sizes, pad)
        for a, b in links:
            for c in _along(cells, (*where[a], *where[b])):
                segment = (*where[a], *where[b])
                if c in (a, b) or not segment_hits_box(segment, _box(where[c], sizes[c], pad)):
                    continue
                # Half by the box, half by the line: one-sided pushes go back and forth.
                cx, cy = where[c]
                nx_, ny_ = _off_line(segment, where[c], sizes[c], pad)
                dx, dy = (nx_ - cx) / 2, (ny_ - cy) / 2
                where[c] = (cx + dx, cy + dy)
                where[a] = (where[a][0] - dx, where[a][1] - dy)
                where[b] = (where[b][0] - dx, where[b][1] - dy)
                moved = True
        if not moved:
            return where, True
    return where, False


CELL = 128.0


def _cells(
    where: dict[str, tuple[float, float]], sizes: dict[str, tuple[float, float]], pad: float
) -> dict[tuple[int, int], list[str]]:
    """The names of the boxes in each cell of a :data:`CELL`-unit grid, in sorted order."""
    cells: dict[tuple[int, int], list[str]] = {}
    for name in sorted(where):
        left, top, right, bottom = _box(where[name], sizes[name], pad)
        for gx in range(math.floor(left / CELL), math.floor(right / CELL) + 1):
            for gy in range(math.floor(top / CELL), math.floor(bottom / CELL) + 1):
                cells.setdefault((gx, gy), []).append(name)
    return cells


def _near_pairs(cells: dict[tuple[int, int], list[str]]) -> list[tuple[str, str]]:
    """Every pair of names sharing a cell, once, sorted."""
    pairs = {
        (a, b) for names in cells.values() for i, a in enumerate(names) for b in names[i + 1 :]
    }
    return sorted(pairs)


def _along(cells: dict[tuple[int, int], list[str]], segment: Segment) -> list[str]:
    """The names of the boxes in the cells a segment passes through, sorted."""
    x1, y1, x2, y2 = segment
    steps = max(1, math.ceil(math.hypot(x2 - x1, y2 - y1) / (CELL / 4)))
    keys: set[tuple[int, int]] = set()
    for step in range(steps + 1):
        gx = math.floor((x1 + (x2 - x1) * step / steps) / CELL)
        gy = math.floor((y1 + (y2 - y1) * step / steps) / CELL)
        # With the neighbours: sampled points may skip the corner of a cell.
        keys.update((gx + i, gy + j) for i in (-1, 0, 1) for j in (-1, 0, 1))
    return sorted({name for key in keys for name in cells.get(key, ())})


def _off_line(
    segment: Segment, centre: tuple[float, float], size: tuple[float, float], pad: float
) -> tuple[float, float]:
    """``centre`` moved across the line of ``segment`` until its box clears it by ``pad``."""
    x1, y1, x2, y2 = segment
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    nx_, ny_ = -(y2 - y1) / length, (x2 - x1) / length
    cx, cy = centre
    distance = (cx - x1) * nx_ + (cy - y1) * ny_
    if distance < 0 or (distance == 0 and (nx_, ny_) < (0.0, 0.0)):
        nx_, ny_, distance = -nx_, -ny_, -distance
    needed = abs(nx_) * (size[0] / 2 + pad) + abs(ny_) * (size[1] / 2 + pad) + 0.5
    step = needed - distance
    return cx + nx_ * step, cy + ny_ * step
