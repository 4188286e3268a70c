"""Relationship diagrams as SVG: one entity's links (ego), the whole corpus (network).

Every label is horizontal, set at :data:`FONT` user units, and placed where it
touches no node, line or other label (the tests check the geometry). Sizes are
chosen for reading: the SVG carries its natural size (one user unit, one CSS
pixel), so labels are 12 px on screen, where a wide diagram scrolls inside its
figure rather than shrink; in print a diagram is at most :data:`MAX_WIDTH` units
wide, so scaled to the text width of an A4 page (174 mm) its labels stay above 7 pt.

- :func:`relationship_svg` (:mod:`.ego`): a layered layout, the entity in a box
  and its related entities in columns beside it, labels outward of their nodes.
- :func:`network_svg` (:mod:`.network`): a seeded force layout, each name a node.

Accessibility: links make a diagram interactive, and nothing interactive may sit
inside ``role="img"`` (its children are presentational). A diagram with links is
``role="group"`` named by ``aria-label``; each linked node is one ``<a>`` with its
own ``aria-label`` and a hit area of at least 24 x 24 px; lines and the legend are
``aria-hidden``, and the table beside the diagram states every relationship.

The output is a pure function of its input (sorted, seeded, fixed precision):
the same profiles always give the same bytes.
"""

from builder.render.diagram.common import FONT, MAX_WIDTH, STATUS_STYLES, Spoke
from builder.render.diagram.ego import Ego, ego_layout, relationship_svg
from builder.render.diagram.network import Network, network_layout, network_svg

__all__ = [
    "FONT",
    "MAX_WIDTH",
    "STATUS_STYLES",
    "Ego",
    "Network",
    "Spoke",
    "ego_layout",
    "network_layout",
    "network_svg",
    "relationship_svg",
]
