"""Views of whole documents: an entity profile, a book, the site index.

Built from the check stage's :class:`~builder.check.index.Index` with the helpers
of :mod:`builder.render.context`; each view is a frozen value that a template shows
as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from pydantic import BaseModel

from builder.check.index import Cited, Index
from builder.render.context import (
    Citer,
    FactRow,
    Resolver,
    Who,
    display_date,
    fact_row,
    plain,
    render_markdown,
    sort_key,
)
from builder.render.diagram import Spoke, relationship_svg
from builder.source.models import (
    Alias,
    Assessment,
    Claim,
    Event,
    Group,
    Paragraph,
    Person,
    Relationship,
)
from builder.source.yamlread import Loc

__all__ = [
    "GRADE_LEGEND",
    "LIKELIHOOD_LEGEND",
    "ClaimRef",
    "EntityView",
    "entity_view",
    "source_claims",
]

FACT_LABELS = {
    "rank": "Rank",
    "positions": "Positions held",
    "nationality": "Nationality",
    "education": "Education",
    "training": "Training",
    "family": "Family ties",
    "type": "Type",
    "founded": "Founded",
    "leaders": "Leaders",
    "size": "Strength estimates",
    "areas": "Areas of operation",
    "ideology": "Ideology and aims",
    "designations": "Designations",
}
GRADE_LEGEND = (
    (
        "Source reliability",
        (
            ("A", "Completely reliable"),
            ("B", "Usually reliable"),
            ("C", "Fairly reliable"),
            ("D", "Not usually reliable"),
            ("E", "Unreliable"),
            ("F", "Reliability cannot be judged"),
        ),
    ),
    (
        "Information credibility",
        (
            ("1", "Confirmed by other sources"),
            ("2", "Probably true"),
            ("3", "Possibly true"),
            ("4", "Doubtful"),
            ("5", "Improbable"),
            ("6", "Truth cannot be judged"),
        ),
    ),
)
LIKELIHOOD_LEGEND = (
    ("almost no chance", "01–05%"),
    ("very unlikely", "05–20%"),
    ("unlikely", "20–45%"),
    ("roughly even chance", "45–55%"),
    ("likely", "55–80%"),
    ("very likely", "80–95%"),
    ("almost certain", "95–99%"),
)


@dataclass(frozen=True)
class FactGroup:
    """One kind of fact; ``contested`` when competing values stand side by side."""

    label: str
    rows: tuple[FactRow, ...]
    contested: bool


@dataclass(frozen=True)
class SectionView:
    """A narrative section."""

    title: str
    anchor: str
    paragraphs: tuple[FactRow, ...]


@dataclass(frozen=True)
class LinkView:
    """A relationship as seen from this entity."""

    label: str
    other: Who
    row: FactRow
    derived: bool
    description: str | None


@dataclass(frozen=True)
class EventView:
    """A timeline entry, possibly taken from another profile."""

    row: FactRow
    title: str
    place: str | None
    participants: tuple[Who, ...]
    origin: Who | None


@dataclass(frozen=True)
class AssessmentView:
    """An analytic judgment with its ICD 203 terms."""

    judgment: str
    by: Who
    likelihood: str
    confidence: str
    when: str
    cites: Markup


@dataclass(frozen=True)
class EntityView:
    """Everything a profile page or chapter shows."""

    id: str
    kind: str
    name: str
    summary: Markup
    aliases: tuple[FactRow, ...]
    facts: tuple[FactGroup, ...]
    sections: tuple[SectionView, ...]
    links: tuple[LinkView, ...]
    diagram: Markup
    timeline: tuple[EventView, ...]
    assessments: tuple[AssessmentView, ...]
    as_of: str
    reviewed: str
    changed: str = ""  # the commit that last changed the profile's data, per git
    review: str = ""  # its second reading (builder.review.state.EntityReview.line)
    review_href: str | None = None  # its review worksheet, on the site

    @property
    def headings(self) -> tuple[tuple[str, str], ...]:
        """(title, anchor) of every section heading, for tables of contents."""
        found = []
        if self.aliases:
            found.append(("Also known as", f"{self.id}-aliases"))
        if self.facts:
            found.append(("Key facts", f"{self.id}-facts"))
        found.extend((s.title, s.anchor) for s in self.sections)
        found.append(("Relationships", f"{self.id}-relationships"))
        if self.timeline:
            found.append(("Timeline", f"{self.id}-timeline"))
        if self.assessments:
            found.append(("Assessments", f"{self.id}-assessments"))
        return tuple(found)


def unwrap(html: Markup) -> Markup:
    """Drop the ``<p>`` around a one-paragraph text.

    The template can then put the status before it and the citation markers
    after it, on the same line.
    """
    text = str(html).strip()
    if text.startswith("<p>") and text.endswith("</p>") and text.count("<p>") == 1:
        return Markup(text[3:-4])  # already safe: rendered by markdown-it
    return html


def humanise(label: str) -> str:
    """``'accused_of_supporting'`` -> ``'accused of supporting'``."""
    return label.replace("_", " ")


def entity_view(
    entity_id: str, index: Index, citer: Citer, resolver: Resolver, changed: str = ""
) -> EntityView:
    """Build the view of one entity; citation markers are numbered as met.

    ``changed`` names the commit that last changed the profile's data (see
    :func:`builder.publish.edition.data_changes`), shown beside the review date.
    """
    model: Person | Group = index.entities[entity_id].model
    summary, _ = render_markdown(model.summary, (), citer, resolver)
    aliases = tuple(fact_row(alias, plain(alias.name), citer, resolver) for alias in model.aliases)
    facts = []
    for name in type(model.facts).model_fields:
        claims: tuple[Claim, ...] = getattr(model.facts, name)
        if claims:
            rows = tuple(_claim_row(c, citer, resolver) for c in claims)
            contested = len(rows) > 1 and any(r.contested for r in rows)
            facts.append(FactGroup(FACT_LABELS.get(name, humanise(name)), rows, contested))
    sections = []
    for number, section in enumerate(model.narrative, start=1):
        paragraphs = []
        for para in section.paragraphs:
            html, placed = render_markdown(para.text, para.citations, citer, resolver)
            rest = citer.markers(para.citations, skip=placed)
            paragraphs.append(fact_row(para, unwrap(html), citer, resolver, cites=rest))
        sections.append(SectionView(section.title, f"{entity_id}-s{number}", tuple(paragraphs)))
    return EntityView(
        id=entity_id,
        kind=model.kind,
        name=model.name,
        summary=summary,
        aliases=aliases,
        facts=tuple(facts),
        sections=tuple(sections),
        links=_links(entity_id, index, citer, resolver),
        diagram=_diagram(entity_id, index, resolver),
        timeline=_timeline(entity_id, index, citer, resolver),
        assessments=tuple(_assessment(a, citer, resolver) for a in model.assessments),
        as_of=display_date(model.as_of),
        reviewed=display_date(model.reviewed),
        changed=changed,
    )


def _claim_row(claim: Claim, citer: Citer, resolver: Resolver) -> FactRow:
    text: Markup = escape(claim.value)
    if claim.entity:
        href = resolver.href(claim.entity)
        name = resolver.name(claim.entity)
        # A value that names the entity ("President Ashraf Ghani") links the name where
        # it stands, rather than repeat it in brackets after itself.
        found = re.search(re.escape(name), claim.value, flags=re.IGNORECASE)
        shown = found[0] if found else name
        ref = (
            Markup('<a class="entity-ref" href="{}">{}</a>').format(href, shown)
            if href
            else escape(shown)
        )
        if found:
            before, after = claim.value[: found.start()], claim.value[found.end() :]
            text = escape(before) + ref + escape(after)
        else:
            text = Markup("{} ({})").format(text, ref)
    return fact_row(claim, text, citer, resolver)


def _links(entity_id: str, index: Index, citer: Citer, resolver: Resolver) -> tuple[LinkView, ...]:
    views = []
    for link in index.links.get(entity_id, []):
        rel = link.relationship
        row = fact_row(rel, plain(humanise(link.label)), citer, resolver)
        views.append(
            LinkView(
                humanise(link.label),
                Who(resolver.name(link.other), resolver.href(link.other)),
                row,
                link.derived,
                rel.description,
            )
        )
    return tuple(views)


def _diagram(entity_id: str, index: Index, resolver: Resolver) -> Markup:
    spokes = [
        Spoke(
            link.other,
            resolver.name(link.other),
            humanise(link.label),
            link.relationship.status.value,
            resolver.href(link.other),
        )
        for link in index.links.get(entity_id, [])
    ]
    return relationship_svg(entity_id, resolver.name(entity_id), spokes)


def _timeline(
    entity_id: str, index: Index, citer: Citer, resolver: Resolver
) -> tuple[EventView, ...]:
    # Filed by check in origin id order, then file order; the sort is stable.
    found = sorted(index.timelines.get(entity_id, ()), key=lambda pair: sort_key(pair[0].date))
    views = []
    for event, origin in found:
        # A description may place the event's citations itself ([^N], as a paragraph
        # does); the others follow the title.
        html, placed = render_markdown(event.description or "", event.citations, citer, resolver)
        rest = citer.markers(event.citations, skip=placed)
        row = fact_row(
            event, unwrap(html), citer, resolver, cites=rest, when=display_date(event.date)
        )
        views.append(
            EventView(
                row=row,
                title=event.title,
                place=event.place,
                participants=tuple(
                    Who(resolver.name(p), resolver.href(p))
                    for p in event.participants
                    if p != entity_id
                ),
                origin=None
                if origin == entity_id
                else Who(resolver.name(origin), resolver.href(origin)),
            )
        )
    return tuple(views)


def _assessment(item: Assessment, citer: Citer, resolver: Resolver) -> AssessmentView:
    who = resolver.who(item.by) or Who(item.by, None)
    return AssessmentView(
        item.judgment,
        who,
        item.likelihood.value,
        item.confidence.value,
        display_date(item.date) if item.date else "",
        citer.markers(item.citations),
    )


@dataclass(frozen=True)
class ClaimRef:
    """One item of a profile that cites a given source (for source pages)."""

    entity: Who
    item: str
    locator: str
    quote: str
    credibility: int


def source_claims(source_id: str, index: Index, resolver: Resolver) -> tuple[ClaimRef, ...]:
    """Every profile item citing ``source_id``, in profile then file order.

    Read from the citations check filed per source (in entity order), never by
    walking every profile: a source page costs the same at any repository size.
    """
    by_entity: dict[str, list[Cited]] = {}
    for cited in index.citations.get(source_id, ()):
        by_entity.setdefault(cited.entity, []).append(cited)
    refs = []
    for entity_id in sorted(by_entity, key=resolver.name):  # stable: entity order on ties
        model = index.entities[entity_id].model
        who = Who(resolver.name(entity_id), resolver.href(entity_id))
        for cited in by_entity[entity_id]:
            item = _describe(cited.item, cited.loc, model, resolver)
            c = cited.citation
            refs.append(ClaimRef(who, item, c.locator, c.quote, c.credibility))
    return tuple(refs)


def _describe(node: BaseModel | None, loc: Loc, model: Person | Group, resolver: Resolver) -> str:
    """A short label for the item ``node`` at ``loc``: 'Rank: Lieutenant General'."""
    if isinstance(node, Claim) and len(loc) >= 2:
        return f"{FACT_LABELS.get(str(loc[-2]), humanise(str(loc[-2])))}: {node.value}"
    if isinstance(node, Paragraph):
        return f"Narrative, {model.narrative[int(loc[1])].title}"
    if isinstance(node, Relationship):
        return f"{humanise(node.type.value).capitalize()} {resolver.name(node.target)}"
    if isinstance(node, Event):
        return f"Timeline: {node.title}"
    if isinstance(node, Alias):
        return f"Alias: {node.name}"
    if isinstance(node, Assessment):
        return f"Assessment: {node.judgment}"
    return ".".join(map(str, loc))
