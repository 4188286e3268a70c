"""One entity's relationship diagram: a layered layout, labels outward of their nodes.

The entity sits in a box; its related entities stand in one column to its right
(two columns, left and right, past six), one line per relationship from the box
to each, styled by status. Each name, and under it the relationship (with its
status when not "reported"), is written beside its node on the side away from
the box, so no label can cross a line, and rows are a full label apart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from builder.render.diagram.common import (
    ACCENT,
    FONT,
    INK,
    LABEL_MAX,
    LINE,
    MARGIN,
    MUTED,
    ROW,
    Spoke,
    draw_legend,
    draw_shape,
    draw_svg,
    draw_text,
    fit,
    fmt,
    line_style,
    link_node,
    wrap_lines,
)
from builder.render.layout import Box, Segment, text_width


@dataclass(frozen=True)
class EgoRow:
    """One related entity of a relationship diagram, where it goes and what it says."""

    other_id: str
    href: str | None
    name: str
    relation: str
    full: str  # the unclipped text, for the link's name and tooltip
    node: tuple[float, float]
    box: Box  # the label's box, name above relationship
    side: str  # "right" or "left" of the centre
    lines: tuple[tuple[Segment, str], ...]  # one per relationship, with its status


@dataclass(frozen=True)
class Ego:
    """Where everything of one entity's relationship diagram goes."""

    centre: Box
    centre_lines: tuple[str, ...]
    rows: tuple[EgoRow, ...]
    width: float
    height: float
    legend_top: float


def _relation(group: list[Spoke]) -> str:
    said = (s.label if s.status == "reported" else f"{s.label} ({s.status})" for s in group)
    return " · ".join(dict.fromkeys(said))


def ego_layout(center_name: str, spokes: Sequence[Spoke]) -> Ego:
    """Centre box, related entities in columns beside it, labels outward of their nodes."""
    groups: dict[str, list[Spoke]] = {}
    for spoke in sorted(spokes, key=lambda s: (s.other_name.casefold(), s.other_id, s.label)):
        groups.setdefault(spoke.other_id, []).append(spoke)
    items = list(groups.items())
    # Up to six fit one column; more are shared by both sides so the picture stays short.
    right_count = len(items) if len(items) <= 6 else math.ceil(len(items) / 2)
    sides = {"right": items[:right_count], "left": items[right_count:]}
    texts = {
        other: (fit(group[0].other_name, LABEL_MAX), fit(_relation(group), LABEL_MAX))
        for other, group in items
    }
    widths = {o: max(text_width(a, FONT), text_width(b, FONT)) for o, (a, b) in texts.items()}
    centre_lines = tuple(wrap_lines(center_name, LABEL_MAX))
    centre_w = max(text_width(line, FONT) for line in centre_lines) + 24
    centre_h = LINE * len(centre_lines) + 12
    tallest = max(len(sides["right"]), len(sides["left"]), 1) * ROW
    gap = min(60.0 + 5 * max(len(sides["right"]), 1), 100.0)  # room for the fan of lines
    left_w = max((widths[o] for o, _ in sides["left"]), default=0.0)
    box_left = MARGIN + (left_w + 10 + gap if sides["left"] else 0.0)
    mid_y = MARGIN + max(tallest, centre_h) / 2
    centre = (box_left, mid_y - centre_h / 2, box_left + centre_w, mid_y + centre_h / 2)
    rows = []
    for side, members in sides.items():
        node_x = centre[2] + gap if side == "right" else centre[0] - gap
        start_x = centre[2] if side == "right" else centre[0]
        towards = 1.0 if side == "right" else -1.0
        top = mid_y - len(members) * ROW / 2
        for number, (other, group) in enumerate(members):
            y = top + ROW * (number + 0.5)
            near = node_x + 10 * towards
            far = near + widths[other] * towards
            lines = tuple(
                (
                    (
                        start_x,
                        mid_y + (j - (len(group) - 1) / 2) * 4,
                        node_x - 6 * towards,
                        y + (j - (len(group) - 1) / 2) * 4,
                    ),
                    spoke.status,
                )
                for j, spoke in enumerate(group)
            )
            full = f"{group[0].other_name}: " + "; ".join(f"{s.label} ({s.status})" for s in group)
            rows.append(
                EgoRow(
                    other,
                    group[0].href,
                    *texts[other],
                    full,
                    (node_x, y),
                    (min(near, far), y - LINE, max(near, far), y + LINE),
                    side,
                    lines,
                )
            )
    right_edge = max([centre[2], *(r.box[2] for r in rows)])
    width = max(right_edge + MARGIN, 0.0)
    legend_top = MARGIN + max(tallest, centre_h) + 12
    return Ego(centre, centre_lines, tuple(rows), width, 0.0, legend_top)


def relationship_svg(center_id: str, center_name: str, spokes: list[Spoke]) -> Markup:
    """The diagram of one entity's relationships (inverse links included)."""
    label = f"Relationships of {center_name}"
    entity = f' data-entity="{Markup.escape(center_id)}"'
    if not spokes:
        body = draw_text(150, 20, "No recorded relationships.", INK, "middle")
        return draw_svg("", label, 300, 40, body, entity)
    plan = ego_layout(center_name, spokes)
    legend, legend_h = draw_legend(
        MARGIN, plan.legend_top, max(plan.width - 2 * MARGIN, 280), False
    )
    width = max(plan.width, 280 + 2 * MARGIN)
    height = plan.legend_top + legend_h + MARGIN
    lines, nodes = [], []
    for row in plan.rows:
        for (x1, y1, x2, y2), status in row.lines:
            colour, dash = line_style(status)
            lines.append(
                Markup(
                    '<line class="link {}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" '
                    'stroke-width="1.6" stroke-dasharray="{}"/>'
                ).format(status, fmt(x1), fmt(y1), fmt(x2), fmt(y2), colour, dash)
            )
        x, y = row.node
        anchor, text_x = ("start", row.box[0]) if row.side == "right" else ("end", row.box[2])
        name_fill = ACCENT if row.href else INK
        body = (
            draw_shape(x, y, "person")
            # The trailing space is not drawn; it keeps the link's text "name relationship".
            + draw_text(text_x, y - LINE / 2, row.name + " ", name_fill, anchor)
            + draw_text(text_x, y + LINE / 2, row.relation, MUTED, anchor)
        )
        said = f"{row.name} {row.relation}"
        nodes.append(link_node(row.href, said, row.full, body, row.box))
    cx = (plan.centre[0] + plan.centre[2]) / 2
    first_y = (plan.centre[1] + plan.centre[3]) / 2 - (len(plan.centre_lines) - 1) * LINE / 2
    centre = Markup(
        '<rect class="centre" x="{}" y="{}" width="{}" height="{}" rx="6" fill="#e4ecf5" '
        'stroke="{}"/>'
    ).format(
        fmt(plan.centre[0]),
        fmt(plan.centre[1]),
        fmt(plan.centre[2] - plan.centre[0]),
        fmt(plan.centre[3] - plan.centre[1]),
        ACCENT,
    ) + Markup("").join(
        draw_text(cx, first_y + i * LINE, line, INK, "middle")
        for i, line in enumerate(plan.centre_lines)
    )
    body = Markup(
        '<g class="links" aria-hidden="true">{}</g><g aria-hidden="true">{}</g>{}{}'
    ).format(Markup("").join(lines), centre, Markup("").join(nodes), legend)
    return draw_svg("", label, width, height, body, entity)
