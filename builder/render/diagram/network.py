"""The whole corpus as one network: force layout, each name a node, nothing overlapping.

Positions come from :func:`~builder.render.layout.force_layout`; each entity is
drawn as its name in a box (a rounded one for a person, a square one for a
group), and :func:`~builder.render.layout.spread_boxes` moves boxes apart and off
lines that are not theirs, spreading the picture when pushing does not settle.
Lines end at the edges of the boxes. Classes on nodes and lines (``person``/``group``,
the status, ``from-``/``to-`` kind) let the network page filter them with CSS alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from builder.render.diagram.common import (
    FONT,
    HIT,
    INK,
    KIND_BOX,
    LABEL_MAX,
    MARGIN,
    draw_legend,
    draw_svg,
    draw_text,
    fit,
    fmt,
    line_style,
    link_node,
)
from builder.render.layout import (
    Box,
    Segment,
    clip_between,
    force_layout,
    spread_boxes,
    text_width,
)


@dataclass(frozen=True)
class Network:
    """Where every node (a box holding its name) and every line of the network goes."""

    boxes: dict[str, Box]  # each node: its name in a box :data:`HIT` units tall
    lines: tuple[tuple[Segment, int], ...]  # per edge, drawn from box edge to box edge
    width: float
    height: float
    clean: bool  # whether no box touches another box or a line not its own


def network_layout(
    nodes: Sequence[tuple[str, str, str, str | None]],
    edges: Sequence[tuple[str, str, str, str]],
    *,
    seed: int = 13,
) -> Network:
    """Force-directed positions, then boxes pushed apart and off lines; more room if need be."""
    unit = force_layout((n for n, *_ in nodes), ((a, b) for a, b, *_ in edges), seed=seed)
    sizes = {n: (text_width(fit(name, LABEL_MAX), FONT) + 16, HIT) for n, name, *_ in nodes}
    links = sorted({(min(a, b), max(a, b)) for a, b, *_ in edges if a != b})
    # Start where the boxes would fill half the layout's square, then grow if need be.
    area = sum((w + 8) * (h + 8) for w, h in sizes.values())
    extent = max((abs(v) for p in unit.values() for v in p), default=0.0) * 2 or 1.0
    scale = math.sqrt(2 * area) / extent
    # Where pushing does not settle, spread everything out a little and go on pushing.
    where = {n: (x * scale, y * scale) for n, (x, y) in unit.items()}
    for _ in range(30):
        where, clean = spread_boxes(where, sizes, links, pad=8.0, rounds=40)
        if clean:
            break
        where = {n: (x * 1.1, y * 1.1) for n, (x, y) in where.items()}
    boxes = {
        n: (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        for n, (x, y) in where.items()
        for w, h in (sizes[n],)
    }
    left = min((b[0] for b in boxes.values()), default=0.0) - MARGIN
    top = min((b[1] for b in boxes.values()), default=0.0) - MARGIN
    boxes = {
        n: (
            round(b[0] - left, 1),
            round(b[1] - top, 1),
            round(b[2] - left, 1),
            round(b[3] - top, 1),
        )
        for n, b in boxes.items()
    }
    # Two links between the same pair are drawn side by side, 3 units apart.
    pairs: dict[tuple[str, str], int] = {}
    lines = []
    for number, (a, b, *_) in enumerate(edges):
        (ax, ay), (bx, by) = _centre(boxes[a]), _centre(boxes[b])
        count = pairs[(min(a, b), max(a, b))] = pairs.get((min(a, b), max(a, b)), -1) + 1
        length = math.hypot(bx - ax, by - ay) or 1.0
        shift = 3.0 * math.ceil(count / 2) * (1 if count % 2 else -1)
        ox, oy = -(by - ay) / length * shift, (bx - ax) / length * shift
        drawn = clip_between((ax + ox, ay + oy, bx + ox, by + oy), boxes[a], boxes[b])
        lines.append((tuple(round(v, 1) for v in drawn), number))
    return Network(
        boxes,
        tuple((cast_segment(seg), n) for seg, n in lines),
        round(max((b[2] for b in boxes.values()), default=0.0) + MARGIN, 1),
        round(max((b[3] for b in boxes.values()), default=0.0) + MARGIN, 1),
        clean,
    )


def cast_segment(values: tuple[float, ...]) -> Segment:
    """Four numbers as a segment."""
    x1, y1, x2, y2 = values
    return (x1, y1, x2, y2)


def _centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def network_svg(
    nodes: Sequence[tuple[str, str, str, str | None]],
    edges: Sequence[tuple[str, str, str, str]],
) -> Markup:
    """The whole corpus, laid out by force, clusters apart, each name its own node.

    Nodes are ``(id, name, kind, href)``, edges ``(source, target, label, status)``.
    Edge labels are tooltips only; the network page lists every link in a table.
    """
    plan = network_layout(nodes, edges)
    kinds = {node_id: kind for node_id, _, kind, _ in nodes}
    width = max(plan.width, 360.0)
    legend, legend_h = draw_legend(MARGIN, plan.height + 4, width - 2 * MARGIN, True)
    lines = []
    for (x1, y1, x2, y2), number in plan.lines:
        source, target, label, status = edges[number]
        colour, dash = line_style(status)
        lines.append(
            Markup(
                '<line class="link {} from-{} to-{}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" '
                'stroke-width="1.4" stroke-dasharray="{}"><title>{}</title></line>'
            ).format(
                status,
                kinds[source],
                kinds[target],
                fmt(x1),
                fmt(y1),
                fmt(x2),
                fmt(y2),
                colour,
                dash,
                f"{label} ({status})",
            )
        )
    shapes = []
    for node_id, name, kind, href in nodes:
        box = plan.boxes[node_id]
        fill, stroke = KIND_BOX.get(kind, KIND_BOX["person"])
        body = Markup(
            '<rect x="{}" y="{}" width="{}" height="{}" rx="{}" fill="{}" stroke="{}"/>'
        ).format(
            fmt(box[0]),
            fmt(box[1]),
            fmt(box[2] - box[0]),
            fmt(box[3] - box[1]),
            12 if kind == "person" else 2,
            fill,
            stroke,
        ) + draw_text(box[0] + 8, (box[1] + box[3]) / 2, fit(name, LABEL_MAX), INK)
        shapes.append(
            Markup('<g class="node {}">{}</g>').format(
                kind, link_node(href, fit(name, LABEL_MAX), name, body, box)
            )
        )
    body = Markup('<g class="links" aria-hidden="true">{}</g>{}{}').format(
        Markup("").join(lines), Markup("").join(shapes), legend
    )
    height = plan.height + 4 + legend_h + MARGIN
    return draw_svg(" network", "Network of all profiles", width, height, body)
