"""Relationship diagrams as SVG, drawn by the project itself.

Radial layout: the entity in the middle, one node per related entity on a
circle, a line per relationship styled by its status (alleged and disputed
links are dashed or dotted, never drawn like reported ones). Every label runs
along its own ray, and the radii are chosen from the number of nodes and the
longest label so that no two labels overlap for up to 40 nodes:

- edge labels start at ``r_in`` where neighbouring rays are at least one text
  line apart, and end before the node circle;
- node labels start outside the circle, on the same rays.

The output is a pure function of its input (sorted, fixed precision), so the
same profiles always give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

__all__ = [
    "STATUS_STYLES",
    "Label",
    "Layout",
    "Spoke",
    "label_boxes",
    "layout",
    "network_svg",
    "relationship_svg",
]

FONT = 10.0
CHAR = 0.6 * FONT  # conservative average advance for a sans-serif face
LINE = 1.35 * FONT
MAX_CHARS = 34
CENTER_HALF_WIDTH = 90.0
LEGEND_WIDTH = 20 + 4 * 130.0
STATUS_STYLES = {
    "reported": ("#1f2933", ""),
    "alleged": ("#b45309", "7 4"),
    "disputed": ("#6d28d9", "2 3"),
    "denied": ("#6b7280", "9 3 2 3"),
}


@dataclass(frozen=True)
class Spoke:
    """One relationship from the centre entity to another."""

    other_id: str
    other_name: str
    label: str
    status: str
    href: str | None


@dataclass(frozen=True)
class Label:
    """A text placed along a ray: anchor point, angle (degrees) and length."""

    x: float
    y: float
    angle: float
    text: str
    anchor: str

    @property
    def width(self) -> float:
        """Estimated text length in user units."""
        return len(self.text) * CHAR


def _clip(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def _ray_label(
    cx: float, cy: float, theta: float, radius: float, text: str, beside: float = 0.0
) -> Label:
    """Text starting at ``radius`` on the ray at ``theta``, kept upright.

    ``beside`` moves it that far off the ray, always to the same side (turning
    clockwise), so neighbouring labels keep their distance from each other.
    """
    x = cx + radius * math.cos(theta) - beside * math.sin(theta)
    y = cy + radius * math.sin(theta) + beside * math.cos(theta)
    degrees = math.degrees(theta)
    if math.cos(theta) < -1e-9:  # left half: flip so the text is not upside down
        return Label(x, y, degrees + 180.0, text, "end")
    return Label(x, y, degrees, text, "start")


def label_boxes(label: Label) -> list[tuple[float, float]]:
    """Corners of the label's rectangle, for overlap tests."""
    rad = math.radians(label.angle)
    ux, uy = math.cos(rad), math.sin(rad)
    vx, vy = -uy, ux
    along = label.width if label.anchor == "start" else -label.width
    half = LINE / 2
    corners = []
    for a, b in ((0.0, -half), (along, -half), (along, half), (0.0, half)):
        corners.append((label.x + a * ux + b * vx, label.y + a * uy + b * vy))
    return corners


def _fmt(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _text(label: Label, css: str, full: str) -> Markup:
    # Presentation attributes, not CSS: WeasyPrint's CSS does not style SVG.
    paint = 'fill="#52606d" font-size="9"' if css == "edge-label" else 'fill="#1f2933"'
    return Markup(
        '<text class="{}" x="{}" y="{}" text-anchor="{}" dominant-baseline="middle" '
        + paint
        + ' transform="rotate({} {} {})"><title>{}</title>{}</text>'
    ).format(
        css,
        _fmt(label.x),
        _fmt(label.y),
        label.anchor,
        _fmt(label.angle),
        _fmt(label.x),
        _fmt(label.y),
        full,
        label.text,
    )


def _legend(y: float, left: float = 0.0) -> Markup:
    parts = []
    for i, (status, (colour, dash)) in enumerate(STATUS_STYLES.items()):
        x = left + 20 + i * 130
        parts.append(
            Markup(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2" '
                'stroke-dasharray="{}"/><text class="legend" x="{}" y="{}" '
                'dominant-baseline="middle">{}</text>'
            ).format(
                _fmt(x),
                _fmt(y),
                _fmt(x + 36),
                _fmt(y),
                colour,
                dash or "none",
                _fmt(x + 42),
                _fmt(y),
                status,
            )
        )
    return Markup("").join(parts)


@dataclass(frozen=True)
class Layout:
    """Where everything of one relationship diagram goes."""

    groups: dict[str, list[Spoke]]
    size: float
    radius: float
    edge_labels: dict[str, Label]
    node_labels: dict[str, Label]

    def bounds(self) -> tuple[float, float, float, float]:
        """Left, top, right, bottom of everything drawn, with a margin."""
        centre = self.size / 2
        xs = [centre - CENTER_HALF_WIDTH, centre + CENTER_HALF_WIDTH]
        ys = [centre - 14.0, centre + 14.0]
        for label in (*self.edge_labels.values(), *self.node_labels.values()):
            for x, y in label_boxes(label):
                xs.append(x)
                ys.append(y)
        for i in range(len(self.groups)):
            theta = self.angle(i)
            xs.append(centre + (self.radius + 8) * math.cos(theta))
            ys.append(centre + (self.radius + 8) * math.sin(theta))
        return min(xs) - 10, min(ys) - 10, max(xs) + 10, max(ys) + 10

    def angle(self, index: int) -> float:
        """Angle (radians) of the ray of the ``index``-th related entity."""
        return -math.pi / 2 + index * 2 * math.pi / len(self.groups)


def layout(spokes: list[Spoke]) -> Layout:
    """Place one node per related entity and the labels along their rays."""
    groups: dict[str, list[Spoke]] = {}
    for spoke in sorted(spokes, key=lambda s: (s.other_name.casefold(), s.other_id, s.label)):
        groups.setdefault(spoke.other_id, []).append(spoke)
    step = 2 * math.pi / max(len(groups), 1)
    # Rays must be a text line apart where edge labels begin.
    r_in = max(CENTER_HALF_WIDTH + 12, 2 * LINE / math.sin(min(step, math.pi / 2)) + 4)
    texts = {o: _clip(" · ".join(dict.fromkeys(s.label for s in g))) for o, g in groups.items()}
    longest = max((len(t) for t in texts.values()), default=0) * CHAR
    radius = max(150.0, r_in + longest + 24)
    names = max(len(_clip(g[0].other_name)) for g in groups.values()) if groups else 0
    size = 2 * (radius + 12 + names * CHAR) + 20
    centre = size / 2
    edge_labels, node_labels = {}, {}
    for i, (other_id, group) in enumerate(groups.items()):
        theta = -math.pi / 2 + i * step
        edge_labels[other_id] = _ray_label(
            centre, centre, theta, r_in, texts[other_id], beside=-(LINE / 2 + 1)
        )
        node_labels[other_id] = _ray_label(
            centre, centre, theta, radius + 12, _clip(group[0].other_name)
        )
    return Layout(groups, size, radius, edge_labels, node_labels)


def relationship_svg(center_id: str, center_name: str, spokes: list[Spoke]) -> Markup:
    """The diagram of one entity's relationships (inverse links included)."""
    title = Markup("<title>Relationships of {}</title>").format(center_name)
    if not spokes:
        return Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="diagram" viewBox="0 0 400 60" '
            'role="img">{}<text x="200" y="30" text-anchor="middle">No recorded '
            "relationships.</text></svg>"
        ).format(title)
    plan = layout(spokes)
    cx = cy = plan.size / 2
    parts: list[Markup] = [
        title,
        Markup("<desc>{}</desc>").format(
            "; ".join(
                f"{s.label} {s.other_name} ({s.status})"
                for group in plan.groups.values()
                for s in group
            )
        ),
    ]
    for i, (other_id, group) in enumerate(plan.groups.items()):
        theta = plan.angle(i)
        ux, uy = math.cos(theta), math.sin(theta)
        nx, ny = cx + plan.radius * ux, cy + plan.radius * uy
        for j, spoke in enumerate(group):
            offset = (j - (len(group) - 1) / 2) * 4.0
            ox, oy = -uy * offset, ux * offset
            colour, dash = STATUS_STYLES.get(spoke.status, STATUS_STYLES["reported"])
            parts.append(
                Markup(
                    '<line class="link {}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" '
                    'stroke-width="1.6" stroke-dasharray="{}"><title>{}</title></line>'
                ).format(
                    spoke.status,
                    _fmt(cx + 12 * ux + ox),
                    _fmt(cy + 12 * uy + oy),
                    _fmt(nx - 6 * ux + ox),
                    _fmt(ny - 6 * uy + oy),
                    colour,
                    dash or "none",
                    f"{spoke.label} {spoke.other_name} ({spoke.status})",
                )
            )
        full = "; ".join(f"{s.label} ({s.status})" for s in group)
        parts.append(_text(plan.edge_labels[other_id], "edge-label", full))
        name = _text(plan.node_labels[other_id], "node-label", group[0].other_name)
        node = Markup('<circle cx="{}" cy="{}" r="6" class="node" fill="#0b4f8a"/>').format(
            _fmt(nx), _fmt(ny)
        )
        href = group[0].href
        parts.append(
            Markup('<a href="{}">{}{}</a>').format(href, node, name) if href else node + name
        )
    parts.append(
        Markup(
            '<rect class="centre" x="{}" y="{}" width="{}" height="{}" rx="6" '
            'fill="#e4ecf5" stroke="#0b4f8a"/>'
            '<text class="centre-label" x="{}" y="{}" text-anchor="middle" font-weight="bold" '
            'dominant-baseline="middle">{}</text>'
        ).format(
            _fmt(cx - CENTER_HALF_WIDTH),
            _fmt(cy - 14),
            _fmt(2 * CENTER_HALF_WIDTH),
            28,
            _fmt(cx),
            _fmt(cy),
            _clip(center_name)[:28],
        )
    )
    # Crop to what is drawn: sparse diagrams would otherwise be mostly blank.
    left, top, right, bottom = plan.bounds()
    right = max(right, left + LEGEND_WIDTH)
    parts.append(_legend(bottom + 16, left))
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="diagram" viewBox="{x} {y} {w} {h}" '
        'role="img" data-entity="{id}" font-family="Dossier Sans, Dossier Naskh, sans-serif" '
        'font-size="{f}">{body}</svg>'
    ).format(
        x=_fmt(left),
        y=_fmt(top),
        w=_fmt(right - left),
        h=_fmt(bottom - top + 32),
        id=center_id,
        f=_fmt(FONT),
        body=Markup("").join(parts),
    )


def network_svg(
    nodes: Sequence[tuple[str, str, str, str | None]],
    edges: Sequence[tuple[str, str, str, str]],
) -> Markup:
    """The whole corpus on one circle.

    Nodes are ``(id, name, kind, href)``, edges ``(source, target, label, status)``.
    Edge labels are tooltips only; the network page lists every link in a table.
    """
    count = max(len(nodes), 1)
    step = 2 * math.pi / count
    radius = max(200.0, LINE / math.sin(min(step, math.pi / 2)) * 1.1)
    outer = radius + 12 + MAX_CHARS * CHAR
    size = 2 * outer + 20
    cx = cy = size / 2
    where: dict[str, tuple[float, float]] = {}
    labels: list[Markup] = []
    for i, (node_id, name, kind, href) in enumerate(nodes):
        theta = -math.pi / 2 + i * step
        x, y = cx + radius * math.cos(theta), cy + radius * math.sin(theta)
        where[node_id] = (x, y)
        shape = Markup('<circle cx="{}" cy="{}" r="6" class="node {}" fill="#0b4f8a"/>').format(
            _fmt(x), _fmt(y), kind
        )
        text = _text(_ray_label(cx, cy, theta, radius + 12, _clip(name)), "node-label", name)
        labels.append(
            Markup('<a href="{}">{}{}</a>').format(href, shape, text) if href else shape + text
        )
    lines = []
    for source, target, label, status in edges:
        (x1, y1), (x2, y2) = where[source], where[target]
        colour, dash = STATUS_STYLES.get(status, STATUS_STYLES["reported"])
        lines.append(
            Markup(
                '<line class="link {}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" '
                'stroke-width="1.2" stroke-opacity="0.7" stroke-dasharray="{}"><title>{}</title>'
                "</line>"
            ).format(
                status,
                _fmt(x1),
                _fmt(y1),
                _fmt(x2),
                _fmt(y2),
                colour,
                dash or "none",
                f"{label} ({status})",
            )
        )
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="diagram network" viewBox="0 0 {w} {h}" '
        'role="img" font-family="Dossier Sans, Dossier Naskh, sans-serif" font-size="{f}">'
        "<title>Network of all profiles</title>{lines}{labels}{legend}</svg>"
    ).format(
        w=_fmt(size),
        h=_fmt(size + 24),
        f=_fmt(FONT),
        lines=Markup("").join(lines),
        labels=Markup("").join(labels),
        legend=_legend(size + 10),
    )
