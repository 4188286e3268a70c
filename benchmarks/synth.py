"""Generate a synthetic dossier repository of any size, for scale benchmarks.

``generate(root, entities)`` writes a complete repository that passes
``dossier check --strict``: settings, about half people and half groups, a
book ``all`` holding every entity, and a fixed set of archived sources (at
most 30, whatever the size) of a few hundred paragraphs each. Every profile
is about as long as a hand-written one (5–15 claims, a few narrative
paragraphs, 1–4 relationships, 0–2 events, 10–40 citations), and every
quote is cut verbatim from its source at the paragraph its locator names.
The words are made up but read like sentences, so layout costs are realistic.

Output depends only on ``entities`` and ``seed``: the same arguments give
byte-identical files.

    .venv/bin/python benchmarks/synth.py DIR N [--seed S]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from builder.check.grading import PARTISAN_KINDS

__all__ = ["generate"]

SOURCES = 30  # archived sources for any size of repository
AS_OF = "2024-09"
REVIEWED = "2025-01-15"
# Word tables, kept compact by hand.
# fmt: off
SYLLABLES = (
    "ka", "ren", "to", "mi", "sar", "vel", "dor", "an", "is", "el", "ost", "ur", "bra", "lin",
    "ve", "ta", "mor", "nes", "ith", "qua", "lo", "fen", "gar", "hol", "ju", "ker", "pa", "ri",
    "su", "tem", "zan", "bel", "cor", "dra", "esh", "fal", "gri", "hun",
)
FUNCTION_WORDS = (
    "the", "of", "and", "in", "to", "a", "that", "was", "for", "on", "with", "by", "as", "its",
    "from", "at", "were", "has", "had", "said", "after", "which", "their", "against", "into",
    "near", "since", "under", "while", "during",
)
GROUP_FORMS = (
    "{} Front", "{} Brigade", "Movement for {}", "{} Liberation Army", "{} Council",
    "{} Network", "{} Intelligence Directorate", "{} Defence Force",
)
# Relationship types that read sensibly for each (subject kind, target kind). The strong
# types (leads, member_of, founded, ...) need quotes that name the link, which random
# words never do (type-overreach), so the generator draws only the others.
LINK_TYPES = {
    ("person", "group"): ("spokesperson_of", "advised", "supports", "opposes", "linked_to"),
    ("person", "person"): (
        "advised", "succeeded", "appointed_by", "family_of", "close_to", "met_with", "rival_of",
        "linked_to",
    ),
    ("group", "group"): (
        "ally_of", "rival_of", "clashed_with", "supports", "opposes", "accuses", "linked_to",
    ),
    ("group", "person"): ("accuses", "hosts", "supports", "opposes"),
}
# fmt: on
PERSON_FACTS = ("rank", "positions", "nationality", "education", "training", "family")
GROUP_FACTS = ("founded", "leaders", "size", "areas", "ideology", "designations", "type")
RANKS = ("Colonel", "Brigadier", "Commander", "Major General", "Lieutenant General", "Emir")
SOURCE_KINDS = ("news", "news", "news", "analysis", "analysis", "opinion", "advocacy", "partisan")


def source_kind(number: int) -> str:
    """The kind of source ``number``: fixed by its number, so citations can be graded by it."""
    return SOURCE_KINDS[number % len(SOURCE_KINDS)]


ATTRIBUTIONS = (
    "Regional officials",
    "Local media",
    "Security sources",
    "A former member",
    "Opposition politicians",
)
LIKELIHOODS = ("unlikely", "roughly even chance", "likely", "very likely")
GRADING = """\
# How these synthetic sources are graded

Generated for benchmarks by `benchmarks/synth.py`: grades are random, not judgments.
Source reliability is the NATO/Admiralty letter A–F; the credibility of each piece of
information is the digit 1–6 on each citation.
"""


class Flow(dict[str, object]):
    """A mapping written on one line, as editors write citations."""


@dataclass(frozen=True)
class Entity:
    """A generated entity: what other profiles need to know to link to it."""

    id: str
    kind: str
    name: str


class Words:
    """Made-up words in sentences that read like prose."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        vocabulary = {self._coin() for _ in range(3000)}
        self.vocabulary = sorted(vocabulary)

    def _coin(self) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.choice((1, 2, 2, 3))))

    def proper(self) -> str:
        """A capitalised made-up name."""
        return self.rng.choice(self.vocabulary).capitalize()

    def phrase(self, low: int, high: int) -> str:
        """A few words, the first capitalised, no final stop."""
        words = [self._word() for _ in range(self.rng.randint(low, high) - 1)]
        return " ".join([self.proper(), *words])

    def sentence(self) -> str:
        """One sentence of 8–22 words, with the odd comma, name and possessive."""
        words = []
        for _ in range(self.rng.randint(8, 22)):
            word = self._word()
            roll = self.rng.random()
            if roll < 0.06:
                word = self.proper() + ("’s" if roll < 0.015 else "")
            elif roll < 0.14:
                word += ","
            words.append(word)
        words[-1] = words[-1].rstrip(",") + "."
        return " ".join([words[0].capitalize(), *words[1:]])

    def sentences(self, low: int, high: int) -> str:
        """Several sentences as one paragraph."""
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))

    def _word(self) -> str:
        if self.rng.random() < 0.4:
            return self.rng.choice(FUNCTION_WORDS)
        return self.rng.choice(self.vocabulary)


class Archive:
    """The archived sources, and citations cut verbatim from them."""

    def __init__(self, rng: random.Random, words: Words, count: int) -> None:
        self.rng = rng
        self.sources: list[tuple[str, list[list[str]]]] = []
        for number in range(count):
            title = words.phrase(4, 9)
            byline = f"By {words.proper()} {words.proper()}, {words.proper()} Daily"
            body = [words.sentences(2, 5) for _ in range(rng.randint(200, 320))]
            # Paragraph n (the ¶n of locators) is the n-th non-blank line, title included.
            self.sources.append(
                (f"seed-{number:03d}", [line.split(" ") for line in (title, byline, *body)])
            )

    def write(self, folder: Path) -> None:
        """Archived texts (blank line between paragraphs) and their metadata."""
        for number, (source_id, paragraphs) in enumerate(self.sources):
            data = "\n\n".join(" ".join(p) for p in paragraphs).encode() + b"\n"
            digest = hashlib.sha256(data).hexdigest()
            name = f"{source_id[-3:]}_{digest[:16]}.txt"
            (folder / name).write_bytes(data)
            # Dated before the repository's as_of: a date taken from an undated source
            # needs an inference, and an as_of before a source is a warning.
            published: dict[str, object] = {
                "published": f"{self.rng.randint(2015, 2023)}-{self.rng.randint(1, 12):02d}"
            }
            meta: dict[str, object] = {
                "id": source_id,
                "title": " ".join(paragraphs[0]),
                "author": " ".join(paragraphs[1][1:3]).rstrip(","),
                "publisher": " ".join(paragraphs[1][3:]),
                **published,
                "url": f"https://example.org/{source_id}",
                "retrieved": "2024-10-01",
                "file": name,
                "sha256": digest,
                "language": "en",
                "kind": source_kind(number),
                "reliability": self.rng.choice("ABBCCCDEF"),
                "reliability_reason": "Synthetic source generated for benchmarks.",
            }
            (folder / f"{source_id}.yaml").write_text(dump(meta), encoding="utf-8")

    def cite(self, number: int) -> Flow:
        """A citation of a random passage of source ``number``.

        Mostly a span of words; sometimes two spans with an elision, or the end of
        one paragraph and the start of the next.
        """
        source_id, paragraphs = self.sources[number]
        para = self.rng.randrange(2, len(paragraphs) - 1)  # 0-based; not title or byline
        words = paragraphs[para]
        roll = self.rng.random()
        locator = f"¶{para + 1}"
        if roll < 0.08:
            # The end of one paragraph and the start of the next, located "¶n-m".
            tail = words[-self.rng.randint(2, 6) :]
            head = paragraphs[para + 1][: self.rng.randint(2, 6)]
            quote = " ".join(tail + head)
            locator = f"¶{para + 1}-{para + 2}"
        elif roll < 0.2 and len(words) > 20:
            cut = self.rng.randrange(8, len(words) - 8)
            first = words[self.rng.randrange(cut - 8, cut - 3) : cut]
            second = words[cut + self.rng.randint(1, 4) :][: self.rng.randint(3, 8)]
            quote = " ".join(first) + " … " + " ".join(second)
        else:
            length = self.rng.randint(4, 16)
            start = self.rng.randrange(max(1, len(words) - length))
            quote = " ".join(words[start : start + length])
        quote = quote.rstrip(",")
        if self.rng.random() < 0.5:
            quote = quote.replace("’", "'")  # editors type straight apostrophes
        return Flow(
            source=source_id,
            locator=locator,
            quote=quote,
            # 1 needs a second source on the item; a partisan or advocacy source alone is
            # graded 4 or worse (GRADING.md's rules, checked by dossier check).
            credibility=self.rng.choice(
                (4, 4, 6) if source_kind(number) in PARTISAN_KINDS else (2, 2, 2, 3, 3, 4, 6)
            ),
        )


def generate(root: Path, entities: int, *, seed: int = 0) -> None:
    """Write a repository of ``entities`` profiles at ``root`` (new or empty folder).

    Raises:
        ValueError: when ``entities`` is below 2 (profiles must link to each other).
        FileExistsError: when ``root`` exists and is not empty.

    """
    if entities < 2:
        raise ValueError("a repository needs at least 2 entities to link them")
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    rng = random.Random(seed)
    words = Words(rng)
    archive = Archive(rng, words, min(SOURCES, 2 * entities))
    cast = _cast(rng, words, entities)
    links = _links(rng, cast)

    for folder in ("dossiers/people", "dossiers/groups", "dossiers/books", "seeds"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    settings = {"title": f"Synthetic dossiers ({entities} entities)", "marking": "TLP:CLEAR"}
    (root / "dossier.yaml").write_text(dump({**settings, "as_of": AS_OF}), encoding="utf-8")
    (root / "dossiers" / "GRADING.md").write_text(GRADING, encoding="utf-8")
    for position, entity in enumerate(cast):
        profile = _profile(rng, words, archive, position, cast, links[entity.id])
        folder = "people" if entity.kind == "person" else "groups"
        path = root / "dossiers" / folder / f"{entity.id}.yaml"
        path.write_text(dump(profile), encoding="utf-8")
    book = {
        "id": "all",
        "title": "Every profile",
        "subtitle": f"All {entities} synthetic entities",
        "audience": "Benchmarks",
        "entities": [e.id for e in cast],
    }
    (root / "dossiers" / "books" / "all.yaml").write_text(dump(book), encoding="utf-8")
    archive.write(root / "seeds")


def _cast(rng: random.Random, words: Words, count: int) -> list[Entity]:
    """Names and ids: the first half people, the rest groups; ids unique."""
    cast: list[Entity] = []
    taken = {"all"}  # the book's id
    for number in range(count):
        kind = "person" if number < (count + 1) // 2 else "group"
        if kind == "person":
            name = f"{words.proper()} {words.proper()}"
        else:
            name = rng.choice(GROUP_FORMS).format(words.proper())
        base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        slug, suffix = base, 2
        while slug in taken:
            slug, suffix = f"{base}-{suffix}", suffix + 1
        taken.add(slug)
        cast.append(Entity(slug, kind, name))
    return cast


def _links(rng: random.Random, cast: list[Entity]) -> dict[str, list[tuple[str, Entity]]]:
    """1–4 outgoing links per entity, each pair of entities linked at most once."""
    pairs: set[frozenset[str]] = set()
    links: dict[str, list[tuple[str, Entity]]] = {}
    for entity in cast:
        links[entity.id] = []
        wanted = rng.randint(1, 4)
        for _ in range(12):  # a few tries; small repositories run out of free pairs
            if len(links[entity.id]) == wanted:
                break
            other = rng.choice(cast)
            pair = frozenset((entity.id, other.id))
            if other is entity or pair in pairs:
                continue
            pairs.add(pair)
            kind = rng.choice(LINK_TYPES[entity.kind, other.kind])
            links[entity.id].append((kind, other))
    return links


def _profile(
    rng: random.Random,
    words: Words,
    archive: Archive,
    position: int,
    cast: list[Entity],
    links: list[tuple[str, Entity]],
) -> dict[str, object]:
    """The profile of ``cast[position]`` as plain values, keys in the editors' order."""
    entity = cast[position]
    fields = PERSON_FACTS if entity.kind == "person" else GROUP_FACTS
    facts = [rng.choice(fields) for _ in range(rng.randint(5, 15))]
    sections = [rng.randint(2, 3), *([rng.randint(1, 2)] if rng.random() < 0.5 else [])]
    events = rng.randint(0, 2)
    aliases = rng.choice((0, 1, 1, 2))
    assessments = int(rng.random() < 0.3)
    items = len(facts) + sum(sections) + len(links) + events + aliases + assessments
    counts = iter(_spread(rng, items, rng.randint(max(10, items), 40)))
    # A profile draws on a few sources, as a hand-written one does; the two it must
    # cite give every source of the repository at least one citation.
    sources = len(archive.sources)
    owed = [(2 * position) % sources, (2 * position + 1) % sources]
    reading = sorted({*owed, *rng.sample(range(sources), rng.randint(0, 4))})

    def cited(item: dict[str, object], count: int | None = None) -> dict[str, object]:
        count = next(counts) if count is None else count
        numbers = [owed.pop() if owed else rng.choice(reading) for _ in range(count)]
        return {**item, "citations": [archive.cite(n) for n in numbers]}

    def paragraph() -> dict[str, object]:
        count = next(counts)
        return cited(_paragraph(rng, words, others, inline=count > 1), count)

    others = [e for e in cast if e is not entity]
    profile: dict[str, object] = {"id": entity.id, "kind": entity.kind, "name": entity.name}
    if aliases:
        profile["aliases"] = [cited({"name": words.phrase(1, 3)}) for _ in range(aliases)]
    target = links[0][1] if links else rng.choice(others)
    tail = words.sentence()
    profile["summary"] = (
        f"{words.phrase(4, 9)} of [{target.name}](entity:{target.id}); {tail[0].lower()}{tail[1:]}"
    )
    profile["facts"] = {
        name: [cited(_claim(rng, words, name, others)) for _ in range(facts.count(name))]
        for name in fields
        if name in facts
    }
    profile["narrative"] = [
        {"title": words.phrase(2, 5), "paragraphs": [paragraph() for _ in range(paragraphs)]}
        for paragraphs in sections
    ]
    if links:
        profile["relationships"] = [
            cited(_attributed(rng, {"type": kind, "target": other.id, **_span(rng)}))
            for kind, other in links
        ]
    if events:
        profile["events"] = [cited(_event(rng, words, others)) for _ in range(events)]
    if assessments:
        profile["assessments"] = [
            cited(
                {
                    "judgment": words.sentence(),
                    "by": rng.choice(("editor", *ATTRIBUTIONS)),
                    "likelihood": rng.choice(LIKELIHOODS),
                    "confidence": rng.choice(("low", "moderate", "high")),
                }
            )
        ]
    profile["as_of"] = AS_OF
    profile["reviewed"] = REVIEWED
    return profile


def _spread(rng: random.Random, items: int, total: int) -> list[int]:
    """Citations per item: one each, then the rest at random, at most four each."""
    counts = [1] * items
    for _ in range(total - items):
        room = [i for i, count in enumerate(counts) if count < 4]
        if not room:
            break
        counts[rng.choice(room)] += 1
    return counts


def _claim(rng: random.Random, words: Words, field: str, others: list[Entity]) -> dict[str, object]:
    claim: dict[str, object] = {"value": words.phrase(2, 6)}
    if field == "rank":
        claim["value"] = rng.choice(RANKS)
    elif field == "size":
        low = rng.randint(1, 80) * 100
        high = low + rng.randint(0, 40) * 100
        claim.update(value=f"about {low:,}–{high:,} fighters", low=low, high=high)
    elif field in ("positions", "leaders") and rng.random() < 0.6:
        wanted = "group" if field == "positions" else "person"
        named = [e for e in others if e.kind == wanted] or others
        other = rng.choice(named)
        claim.update(value=f"{words.phrase(1, 3)} of {other.name}", entity=other.id)
    if rng.random() < 0.4:
        claim.update(_span(rng))
    return _attributed(rng, claim)


def _paragraph(
    rng: random.Random, words: Words, others: list[Entity], *, inline: bool
) -> dict[str, object]:
    """Markdown prose with entity links; ``inline`` places the second citation."""
    sentences = [words.sentence() for _ in range(rng.randint(3, 6))]
    for _ in range(rng.randint(0, 2)):
        other = rng.choice(others)
        at = rng.randrange(len(sentences))
        sentences[at] = sentences[at][:-1] + f", according to [{other.name}](entity:{other.id})."
    if rng.random() < 0.3:
        sentences[0] = f"*{sentences[0][:-1]}*."
    if inline:
        sentences[len(sentences) // 2] += "[^2]"
    return _attributed(rng, {"text": " ".join(sentences)})


def _event(rng: random.Random, words: Words, others: list[Entity]) -> dict[str, object]:
    year = rng.randint(1995, 2024)
    event: dict[str, object] = {
        "date": rng.choice((f"{year}", f"~{year}", f"{year}-{rng.randint(1, 12):02d}-12")),
        "title": words.phrase(4, 10),
        "description": words.sentences(1, 3),
        "place": words.proper(),
    }
    if rng.random() < 0.5:
        event["participants"] = [rng.choice(others).id]
    return _attributed(rng, event)


def _span(rng: random.Random) -> dict[str, object]:
    """No date, a start, or a start and a later end."""
    roll = rng.random()
    start = rng.randint(1990, 2022)
    if roll < 0.4:
        return {}
    if roll < 0.8:
        return {"start": f"{start}"}
    return {"start": f"{start}", "end": f"{rng.randint(start, 2024)}"}


def _attributed(rng: random.Random, item: dict[str, object]) -> dict[str, object]:
    """Most items are plainly reported; some are alleged or disputed by someone."""
    roll = rng.random()
    if roll < 0.15:
        item.update(status="alleged", attributed_to=rng.choice(ATTRIBUTIONS))
    elif roll < 0.22:
        item.update(status="disputed", attributed_to=rng.choice(ATTRIBUTIONS))
    elif roll < 0.3:
        item["note"] = "Sources differ on the details."
    return item


# --- a small YAML writer: block mappings and lists, citations on one line ---


_PLAIN = re.compile(r"[a-z][a-z0-9_-]*")


def dump(value: Mapping[str, object]) -> str:
    """The YAML text of a mapping: every string double-quoted, so nothing is typed."""
    return "\n".join(_lines(value, 0)) + "\n"


def _lines(value: object, indent: int) -> Iterator[str]:
    pad = " " * indent
    if isinstance(value, dict) and not isinstance(value, Flow):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item and not isinstance(item, Flow):
                yield f"{pad}{key}:"
                yield from _lines(item, indent + 2)
            else:
                yield f"{pad}{key}: {_scalar(item)}"
    elif isinstance(value, list):
        for item in value:
            lines = list(_lines(item, indent + 2))
            yield f"{pad}- {lines[0].lstrip()}"
            yield from lines[1:]
    else:
        yield pad + _scalar(value)


def _scalar(value: object) -> str:
    if isinstance(value, Flow):
        return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if (
        isinstance(value, str)
        and _PLAIN.fullmatch(value)
        and value not in ("null", "true", "false")
    ):
        return value  # ids and enum values, as editors write them
    return json.dumps(value, ensure_ascii=False)


def main() -> None:
    """Command line: ``synth.py DIR N [--seed S]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, help="folder to create (must be new or empty)")
    parser.add_argument("entities", type=int, help="number of profiles")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args()
    try:
        generate(args.root, args.entities, seed=args.seed)
    except (ValueError, FileExistsError) as exc:
        parser.error(str(exc))


if __name__ == "__main__":
    main()
