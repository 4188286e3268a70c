"""Second reading: sign-offs pinned to each item's content, and the reviewer's worksheet.

``reviews/<entity>.yaml`` records who read which item against its sources
(:mod:`~builder.review.store`), each sign-off holding the item's fingerprint
(:mod:`~builder.review.fingerprint`), so any later edit of the item makes it
stale; :mod:`~builder.review.state` tells every item's state (second-read,
self-review, stale, unreviewed) with git's word on who last changed it
(:mod:`~builder.review.authors`); :mod:`~builder.review.worksheet` lays out
what the reviewer reads.
"""

from builder.review.state import (
    EntityReview,
    ItemReview,
    ReviewCounts,
    State,
    review_diagnostics,
    review_states,
)
from builder.review.store import FOLDER, SignOff, load_reviews, review_path

__all__ = [
    "FOLDER",
    "EntityReview",
    "ItemReview",
    "ReviewCounts",
    "SignOff",
    "State",
    "load_reviews",
    "review_diagnostics",
    "review_path",
    "review_states",
]
