"""The review state of every item: second-read, self-review, stale or unreviewed.

An item is matched with the sign-off of its id (:mod:`builder.source.ids`):

- ``unreviewed``: no sign-off;
- ``stale``: signed off, but its fingerprint has changed since (any edit of its
  text, status, attribution, citations or grades); also an item whose derived id an
  edit changed, when git still holds the old item its sign-off was for and it is the
  current item most like it (same list, shared citations, similar text);
- ``self-review``: signed off at its current content by the person who last changed
  it (per git, :mod:`builder.review.authors`): not a second reading;
- ``second-read``: signed off at its current content by someone else.

A sign-off whose item is gone (and is matched with no current item) is reported as
a warning at its line of the review file. ``dossier check`` counts the states; with
``--require-review`` every item that is not second-read is an error at its line.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from builder.check.index import AnyEntity, Index
from builder.errors import Diagnostic, Severity
from builder.publish.edition import History
from builder.review.authors import Version, current_user, last_authors, versions
from builder.review.fingerprint import content_hash, fingerprint
from builder.review.store import ReviewFile, Reviews, SignOff, load_reviews
from builder.source import ids
from builder.source.load import Loaded, Project

__all__ = [
    "EntityReview",
    "ItemReview",
    "ReviewCounts",
    "State",
    "review_diagnostics",
    "review_states",
]

_PAIR_THRESHOLD = 0.5  # as the diff pairs an edited item with its old self


class State(StrEnum):
    """Where an item stands with its second reading."""

    second_read = "second-read"
    self_review = "self-review"
    stale = "stale"
    unreviewed = "unreviewed"


@dataclass(frozen=True)
class ItemReview:
    """One item, its fingerprint now, and the sign-off that concerns it."""

    item: ids.Item
    fingerprint: str
    state: State
    signoff: SignOff | None = None
    number: int = -1  # the sign-off's position in the review file
    author: str | None = None  # who last changed the item, when git tells


@dataclass(frozen=True)
class EntityReview:
    """The review state of one profile."""

    entity: str
    items: tuple[ItemReview, ...]
    file: Loaded[ReviewFile] | None = None
    orphans: tuple[int, ...] = ()  # positions of sign-offs whose item is gone

    def count(self, state: State) -> int:
        """How many items are in ``state``."""
        return sum(1 for item in self.items if item.state is state)

    def line(self) -> str:
        """'5 of 7 items second-read by A and B, 2026-11-20; 1 changed since'."""
        total = len(self.items)
        noun = "item" if total == 1 else "items"
        read = [i.signoff for i in self.items if i.state is State.second_read and i.signoff]
        if not total:
            head = "no items to read"
        elif not read:
            head = f"none of {total} {noun} second-read yet"
        else:
            names = _listed(sorted({s.by for s in read}, key=str.casefold))
            head = f"{len(read)} of {total} {noun} second-read by {names}, "
            head += max(s.date for s in read)
        tail = []
        if stale := self.count(State.stale):
            tail.append(f"{stale} changed since")
        if own := self.count(State.self_review):
            tail.append(f"{own} self-reviewed only")
        return "; ".join([head, *tail])


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def same_person(a: str, b: str) -> bool:
    """Names compared as people write them: case and spacing aside."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def review_states(
    project: Project, index: Index, git: History | None, reviews: Reviews | None = None
) -> dict[str, EntityReview]:
    """The review state of every checked profile, by entity id (sorted)."""
    reviews = reviews or load_reviews(project)
    reliability = {s: loaded.model.reliability for s, loaded in index.sources.items()}
    signed = {e: f for e, f in reviews.files.items() if e in index.entities and f.model.signoffs}
    past = versions(git, {e: index.entities[e].path for e in signed}) if git else {}
    here = current_user(git) if git and signed else ""
    # In git, a profile with no commit yet was last changed by whoever works here;
    # outside git nobody is known, and no sign-off can be told a self-review.
    tracked = git is not None and git.head is not None
    return {
        entity_id: _entity(
            entity_id,
            index.entities[entity_id],
            reliability,
            reviews.files.get(entity_id),
            past.get(entity_id, [] if tracked else None),
            here,
        )
        for entity_id in sorted(index.entities)
    }


def _entity(
    entity_id: str,
    entity: AnyEntity,
    reliability: Mapping[str, str],
    file: Loaded[ReviewFile] | None,
    history: list[Version] | None,
    here: str,
) -> EntityReview:
    items = ids.items(entity.model)
    prints = {i.id: fingerprint(i.model, reliability) for i in items}
    signoffs: dict[str, tuple[int, SignOff]] = {}
    for position, entry in enumerate(file.model.signoffs if file else ()):
        signoffs.setdefault(entry.item, (position, entry))
    current = {i.id for i in items}
    orphans = {key: n for key, (n, _) in signoffs.items() if key not in current}
    paired = _pair(orphans, [i for i in items if i.id not in signoffs], history or [])
    for new, old in paired.items():
        signoffs[new] = signoffs[old]
        del orphans[old]
    fresh = {i.id: i for i in items if i.id in signoffs and signoffs[i.id][1].item == i.id}
    fresh = {k: i for k, i in fresh.items() if signoffs[k][1].fingerprint == prints[k]}
    authors = (
        last_authors(history, {k: content_hash(i.model) for k, i in fresh.items()}, here)
        if history is not None
        else {}
    )
    reviewed = []
    for item in items:
        number, signoff = signoffs.get(item.id, (-1, None))
        author = authors.get(item.id)
        if signoff is None:
            state = State.unreviewed
        elif item.id not in fresh:
            state = State.stale
        elif author is not None and same_person(author, signoff.by):
            state = State.self_review
        else:
            state = State.second_read
        reviewed.append(ItemReview(item, prints[item.id], state, signoff, number, author))
    return EntityReview(entity_id, tuple(reviewed), file, tuple(sorted(orphans.values())))


def _pair(
    orphans: Mapping[str, int], unsigned: list[ids.Item], history: list[Version]
) -> dict[str, str]:
    """New item id -> the gone id whose sign-off it inherits (as stale).

    Each gone id is looked up in the newest version of the profile that holds it,
    then paired greedily with the most similar unsigned item of the same list.
    """
    olds = {}
    for key in orphans:
        old = next((v.items[key] for v in history if key in v.items), None)
        if old is not None:
            olds[key] = old
    scored = sorted(
        (-score, old.id, new.id)
        for old in olds.values()
        for new in unsigned
        if new.group == old.group and (score := _similarity(old, new)) >= _PAIR_THRESHOLD
    )
    pairs: dict[str, str] = {}
    for _, old_id, new_id in scored:
        if new_id not in pairs and old_id not in pairs.values():
            pairs[new_id] = old_id
    return pairs


def _similarity(a: ids.Item, b: ids.Item) -> float:
    """Shared citations and similar natural keys, as the diff pairs items."""
    cited_a = {(c.source, c.locator) for c in getattr(a.model, "citations", ())}
    cited_b = {(c.source, c.locator) for c in getattr(b.model, "citations", ())}
    union = cited_a | cited_b
    shared = len(cited_a & cited_b) / len(union) if union else 0.0
    key_a = ids.natural_key(a.kind, a.group, a.model)
    key_b = ids.natural_key(b.kind, b.group, b.model)
    return (shared + difflib.SequenceMatcher(None, key_a, key_b, autojunk=False).ratio()) / 2


# --- dossier check ---------------------------------------------------------


@dataclass(frozen=True)
class ReviewCounts:
    """How many items of the repository are in each state."""

    second_read: int = 0
    self_review: int = 0
    stale: int = 0
    unreviewed: int = 0

    def summary(self) -> str:
        """The line ``dossier check`` prints."""
        return (
            f"review: {self.second_read} second-read, {self.self_review} self-review, "
            f"{self.stale} stale, {self.unreviewed} unreviewed"
        )

    def as_json(self) -> dict[str, int]:
        """For ``check --format json``."""
        return {
            "second_read": self.second_read,
            "self_review": self.self_review,
            "stale": self.stale,
            "unreviewed": self.unreviewed,
        }


def review_diagnostics(
    project: Project, index: Index, history: History | None, required: bool
) -> tuple[ReviewCounts, list[Diagnostic]]:
    """Counts of every state, and the problems to report.

    Always: what cannot be read in ``reviews/``, and (warnings) review files of no
    profile and sign-offs of items that are gone. With ``required``, every item that
    is not second-read is an error at its line of its profile.
    """
    reviews = load_reviews(project)
    states = review_states(project, index, history, reviews)
    problems = list(reviews.problems)
    tally: Counter[State] = Counter()
    for entity_id, review in states.items():
        entity = index.entities[entity_id]
        tally.update(item.state for item in review.items)
        problems.extend(_orphans(entity_id, review))
        if required:
            problems.extend(_required(entity_id, entity, review.items, review.file))
    counts = ReviewCounts(
        tally[State.second_read],
        tally[State.self_review],
        tally[State.stale],
        tally[State.unreviewed],
    )
    return counts, sorted(problems)


def _orphans(entity_id: str, review: EntityReview) -> Iterable[Diagnostic]:
    if review.file is None:
        return
    for number in review.orphans:
        item = review.file.model.signoffs[number].item
        yield review.file.problem(
            ("signoffs", number, "item"),
            f"no item '{item}' in {entity_id} (removed, or edited without an id); remove "
            "this sign-off (`dossier ids` gives items ids that survive an edit)",
            Severity.warning,
            rule="review-orphan",
        )


def _required(
    entity_id: str,
    entity: AnyEntity,
    items: Iterable[ItemReview],
    file: Loaded[ReviewFile] | None,
) -> Iterable[Diagnostic]:
    command = f"`dossier review {entity_id}`"
    for reviewed in items:
        item, signoff = reviewed.item, reviewed.signoff
        what = f"{item.kind} {item.id}"
        if reviewed.state is State.unreviewed:
            rule = "review-unreviewed"
            message = f"{what} has no second reading; read it in {command}"
        elif reviewed.state is State.stale and signoff is not None:
            where = Path(file.path).as_posix() if file else ""
            line = file.at(("signoffs", reviewed.number))[0] if file else 0
            rule = "review-stale"
            message = (
                f"{what} changed since {signoff.by} signed it off on {signoff.date} "
                f"({where}:{line}); read it again in {command}"
            )
        elif reviewed.state is State.self_review and signoff is not None:
            rule = "review-self"
            message = (
                f"{what} was signed off by {signoff.by}, who last changed it: "
                "a self-review, not a second reading"
            )
        else:
            continue
        yield entity.problem(item.loc, message, rule=rule)
