"""What both diagrams share: sizes, colours, fitted text, legend, links with a hit area.

Presentation attributes, not CSS, style every element: WeasyPrint's CSS does not
style SVG, and the PDFs embed the same markup as the site.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from builder.render.layout import Box, text_width

FONT = 12.0
LINE = 16.0
MARGIN = 8.0
LABEL_MAX = 190.0  # widest name or relationship text; longer ones end in "…"
ROW = 2 * LINE + 12  # one related entity: name and relationship, then a gap
MAX_WIDTH = 2 * (LABEL_MAX + 10 + 100) + LABEL_MAX + 24 + 2 * MARGIN
HIT = 24.0  # WCAG 2.2 target size, in CSS pixels at natural size
INK, MUTED, ACCENT = "#1f2933", "#52606d", "#0b4f8a"
KIND_FILL = {"person": ACCENT, "group": "#2f6b3a"}
KIND_BOX = {"person": ("#e4ecf5", ACCENT), "group": ("#e6f0e8", "#2f6b3a")}  # fill, border
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


def fmt(value: float) -> str:
    """A number with one decimal, never "-0.0": stable bytes."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def fit(text: str, width: float) -> str:
    """``text`` cut with an ellipsis to at most ``width`` units at :data:`FONT`."""
    if text_width(text, FONT) <= width:
        return text
    while text and text_width(text + "…", FONT) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap_lines(text: str, width: float) -> list[str]:
    """``text`` on at most two lines of ``width`` units, the second cut if need be."""
    if text_width(text, FONT) <= width:
        return [text]
    words = text.split()
    first = words[0]
    for count in range(len(words), 0, -1):
        candidate = " ".join(words[:count])
        if text_width(candidate, FONT) <= width:
            first = candidate
            break
    else:
        return [fit(text, width)]
    rest = text[len(first) :].strip()
    return [first, fit(rest, width)] if rest else [first]


def line_style(status: str) -> tuple[str, str]:
    """Colour and dash pattern of a line of ``status``."""
    colour, dash = STATUS_STYLES.get(status, STATUS_STYLES["reported"])
    return colour, dash or "none"


def draw_text(x: float, y: float, text: str, fill: str, anchor: str = "start") -> Markup:
    """One horizontal line of text, vertically centred on ``y``."""
    return Markup(
        '<text x="{}" y="{}" text-anchor="{}" dominant-baseline="middle" fill="{}">{}</text>'
    ).format(fmt(x), fmt(y), anchor, fill, text)


def draw_legend(left: float, top: float, width: float, kinds: bool) -> tuple[Markup, float]:
    """The key to line styles (and node shapes), wrapped to ``width``; its markup and height."""
    items: list[tuple[Markup, float]] = []
    for status in STATUS_STYLES:
        colour, dash = line_style(status)
        sample = Markup(
            '<line x1="0" y1="0" x2="30" y2="0" stroke="{}" stroke-width="2" '
            'stroke-dasharray="{}"/>'
        ).format(colour, dash)
        items.append((sample + draw_text(36, 0, status, INK), 36 + text_width(status, FONT)))
    if kinds:
        for kind, (fill, stroke) in KIND_BOX.items():  # the network's boxes, small
            sample = Markup(
                '<rect x="0" y="-7" width="16" height="14" rx="{}" fill="{}" stroke="{}"/>'
            ).format(7 if kind == "person" else 1, fill, stroke)
            items.append((sample + draw_text(22, 0, kind, INK), 22 + text_width(kind, FONT)))
    parts, x, y = [], 0.0, LINE / 2
    for body, size in items:
        if x and x + size > width:
            x, y = 0.0, y + LINE + 4
        parts.append(
            Markup('<g transform="translate({} {})">{}</g>').format(
                fmt(left + x), fmt(top + y), body
            )
        )
        x += size + 18
    legend = Markup('<g class="legend" aria-hidden="true">{}</g>').format(Markup("").join(parts))
    return legend, y + LINE / 2


def draw_shape(x: float, y: float, kind: str) -> Markup:
    """A person is a circle, a group a square: shape, not colour alone, tells them apart."""
    fill = KIND_FILL.get(kind, ACCENT)
    if kind == "group":
        return Markup('<rect x="{}" y="{}" width="11" height="11" fill="{}"/>').format(
            fmt(x - 5.5), fmt(y - 5.5), fill
        )
    return Markup('<circle cx="{}" cy="{}" r="6" fill="{}"/>').format(fmt(x), fmt(y), fill)


def draw_svg(
    kind: str, label: str, width: float, height: float, body: Markup, extra: str = ""
) -> Markup:
    """The ``<svg>`` element at its natural size: ``role="group"`` when it holds links."""
    role = "group" if "<a " in body else "img"
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="diagram{}" role="{}" aria-label="{}" '
        'width="{}" height="{}" viewBox="0 0 {} {}"{} '
        'font-family="Dossier Sans, Dossier Naskh, sans-serif" font-size="{}">'
        "<title>{}</title>{}</svg>"
    ).format(
        kind,
        role,
        label,
        fmt(width),
        fmt(height),
        fmt(width),
        fmt(height),
        Markup(extra),
        fmt(FONT),
        label,
        body,
    )


def link_node(href: str | None, said: str, full: str, body: Markup, box: Box) -> Markup:
    """A node and its label; with ``href``, one link with a hit area of :data:`HIT` px or more.

    The link is named by ``said``, the text it shows (a name that differs from the
    visible words confuses speech input); ``full``, unclipped and with every status,
    is the tooltip of the hit area, drawn last and transparent.
    """
    if not href:
        return Markup('<g class="node" aria-hidden="true">{}</g>').format(body)
    left, top, right, bottom = box
    hit = Markup(
        '<rect class="hit" x="{}" y="{}" width="{}" height="{}" fill="#ffffff" fill-opacity="0">'
        "<title>{}</title></rect>"
    ).format(fmt(left), fmt(top), fmt(right - left), fmt(bottom - top), full)
    return Markup('<a href="{}" aria-label="{}">{}{}</a>').format(href, said, body, hit)
