"""Pydantic schemas for everything an editor writes.

The key names here are the contract between editors and the tool: profiles
(``dossiers/people/*.yaml``, ``dossiers/groups/*.yaml``), source metadata
(``seeds/*.yaml``) and the project settings (``dossier.yaml``). Every model
forbids unknown keys, so a typo fails instead of being silently dropped, and
every field has a description, which ``dossier schema`` exports for editors.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from builder.source.dates import DateText
from builder.source.text import (
    MARKING_MAX,
    Label,
    Marking,
    Name,
    Plain,
    Text,
    check_label,
    hidden_character,
    label_first,
)

__all__ = [
    "MARKING_MAX",
    "Alias",
    "Assessment",
    "Book",
    "Citation",
    "Claim",
    "Confidence",
    "Entity",
    "Event",
    "Group",
    "Label",
    "Likelihood",
    "Marking",
    "Name",
    "Paragraph",
    "Person",
    "Plain",
    "Relationship",
    "RelationshipType",
    "Section",
    "Settings",
    "SizeEstimate",
    "Source",
    "SourceKind",
    "Status",
    "Text",
    "hidden_character",
]

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# The pattern first, so that the JSON Schema shows it; the before-validator still runs first.
Slug = Annotated[
    str, Field(pattern=SLUG_PATTERN, min_length=1, max_length=80), BeforeValidator(label_first)
]
ItemId = Annotated[
    str, Field(pattern=SLUG_PATTERN, min_length=3, max_length=40), BeforeValidator(label_first)
]
_ITEM_ID = (
    "Stable id of this item within its profile (e.g. 'c-3f9a2b1c' or 'born-1962'), kept "
    "when the item's text changes; `dossier ids` writes one where it is missing. Diffs, "
    "sign-offs and exports refer to the item by it."
)


class Model(BaseModel):
    """Base for every schema: frozen values, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Status(StrEnum):
    """How far a claim is established, as its sources present it."""

    reported = "reported"
    alleged = "alleged"
    disputed = "disputed"
    denied = "denied"


class Citation(Model):
    """A pointer into an archived source, with the verbatim words relied on."""

    source: Slug = Field(description="Id of a source in seeds/ (e.g. seed-000).")
    locator: Plain = Field(
        pattern=r"^¶[0-9]+(-[0-9]+)?$",
        description="Paragraph(s) of the archived text: '¶3' or '¶3-4'. "
        "Paragraphs are the non-blank lines of the file, counted from 1.",
    )
    quote: Text = Field(
        max_length=2000,
        description="Verbatim excerpt from that paragraph (at most 2,000 characters). "
        "Whitespace, typographic quotes, dashes and letter case may differ; '…' marks "
        "elided words.",
    )
    credibility: int = Field(
        ge=1,
        le=6,
        description="NATO/Admiralty information credibility: 1 confirmed, 2 probably "
        "true, 3 possibly true, 4 doubtful, 5 improbable, 6 cannot be judged.",
    )
    note: Plain | None = Field(default=None, description="Editor's note on this citation.")


Citations = Annotated[
    tuple[Citation, ...],
    Field(min_length=1, description="One or more citations supporting this item."),
]


class Attributed(Model):
    """Fields shared by everything that states something: status and who says it."""

    id: ItemId | None = Field(default=None, description=_ITEM_ID)
    status: Status = Field(
        default=Status.reported,
        description="reported (a source states it), alleged (someone accuses), "
        "disputed (sources disagree) or denied (the party concerned denies it).",
    )
    attributed_to: Label | None = Field(
        default=None,
        description="Who makes the claim: an entity id (lowercase slug, must exist) "
        "or free text naming someone without a profile (e.g. 'Pakistani media').",
    )
    inference: Plain | None = Field(
        default=None,
        description="Set when this is the editor's inference rather than something a "
        "source states: the reasoning, in one sentence. Shown as an inference.",
    )
    note: Plain | None = Field(default=None, description="Editor's note shown beside the item.")
    citations: Citations


class Claim(Attributed):
    """A structured fact. Competing values are listed side by side as separate claims."""

    value: Name = Field(description="The fact, as a short phrase.")
    entity: Slug | None = Field(
        default=None, description="Id of the entity this fact names, if it has a profile."
    )
    date: DateText | None = Field(default=None, description="When the fact held or was stated.")
    start: DateText | None = Field(default=None, description="When it began.")
    end: DateText | None = Field(default=None, description="When it ended.")


class SizeEstimate(Claim):
    """A strength figure: always an estimate with its source and date."""

    low: int | None = Field(default=None, ge=0, description="Lower bound of the estimate.")
    high: int | None = Field(default=None, ge=0, description="Upper bound of the estimate.")
    unit: Label = Field(default="fighters", description="What is counted.")

    @model_validator(mode="after")
    def _bounds(self) -> SizeEstimate:
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low}) is greater than high ({self.high})")
        return self


class Alias(Attributed):
    """Another name, spelling or transliteration, with where it is used."""

    name: Name = Field(description="The alias as written in the source.")
    citations: tuple[Citation, ...] = Field(
        default=(), description="Sources that use this name (recommended)."
    )


class Paragraph(Attributed):
    """One narrative paragraph in Markdown."""

    text: Text = Field(description="Markdown text of the paragraph (raw HTML is not rendered).")


class Section(Model):
    """A titled narrative section."""

    title: Name = Field(description="Section heading.")
    paragraphs: tuple[Paragraph, ...] = Field(min_length=1, description="The paragraphs, in order.")


class RelationshipType(StrEnum):
    """Documented relationship vocabulary; inverses are derived (see check.INVERSES)."""

    leads = "leads"
    member_of = "member_of"
    part_of = "part_of"
    commands = "commands"
    succeeded = "succeeded"
    appointed_by = "appointed_by"
    approved_by = "approved_by"
    founded = "founded"
    advised = "advised"
    ally_of = "ally_of"
    rival_of = "rival_of"
    opposes = "opposes"
    clashed_with = "clashed_with"
    supports = "supports"
    accused_of_supporting = "accused_of_supporting"
    accuses = "accuses"
    hosts = "hosts"
    met_with = "met_with"
    family_of = "family_of"
    close_to = "close_to"
    linked_to = "linked_to"
    spokesperson_of = "spokesperson_of"
    reported_on = "reported_on"


class Relationship(Attributed):
    """A typed, dated, cited link from this entity to another."""

    type: RelationshipType = Field(description="Relationship type from the documented vocabulary.")
    target: Slug = Field(description="Id of the other entity.")
    date: DateText | None = Field(default=None, description="When it happened (for one-off links).")
    start: DateText | None = Field(default=None, description="When the link began.")
    end: DateText | None = Field(default=None, description="When the link ended.")
    description: Plain | None = Field(default=None, description="One line qualifying the link.")


class Event(Attributed):
    """A dated entry in the entity's timeline."""

    date: DateText | None = Field(
        description="When it happened; write null with a note when the source gives no date."
    )
    title: Name = Field(description="What happened, in one line.")
    description: Plain | None = Field(default=None, description="Markdown detail.")
    place: Label | None = Field(default=None, description="Where it happened.")
    participants: tuple[Slug, ...] = Field(
        default=(), description="Ids of other entities involved."
    )


class Likelihood(StrEnum):
    """ICD 203 expressions of likelihood."""

    almost_no_chance = "almost no chance"
    very_unlikely = "very unlikely"
    unlikely = "unlikely"
    roughly_even_chance = "roughly even chance"
    likely = "likely"
    very_likely = "very likely"
    almost_certain = "almost certain"


class Confidence(StrEnum):
    """ICD 203 confidence in the judgment's basis."""

    low = "low"
    moderate = "moderate"
    high = "high"


class Assessment(Model):
    """An analytic judgment, kept apart from facts and always attributed."""

    id: ItemId | None = Field(default=None, description=_ITEM_ID)
    judgment: Text = Field(description="The judgment, in one or two sentences.")
    by: Name = Field(
        description="Whose judgment: 'editor', an entity id, or free text naming the analyst."
    )
    likelihood: Likelihood = Field(description="ICD 203 likelihood term.")
    confidence: Confidence = Field(description="Confidence level: low, moderate or high.")
    date: DateText | None = Field(default=None, description="When the judgment was made.")
    citations: Citations


class PersonFacts(Model):
    """Structured facts about a person; each is a list of competing claims."""

    rank: tuple[Claim, ...] = Field(default=(), description="Military or civil rank.")
    positions: tuple[Claim, ...] = Field(
        default=(), description="Positions held; `entity` names the organisation."
    )
    nationality: tuple[Claim, ...] = Field(default=(), description="Nationality.")
    education: tuple[Claim, ...] = Field(default=(), description="Degrees and studies.")
    training: tuple[Claim, ...] = Field(default=(), description="Military or other training.")
    family: tuple[Claim, ...] = Field(default=(), description="Family ties.")


class GroupFacts(Model):
    """Structured facts about a group; each is a list of competing claims."""

    founded: tuple[Claim, ...] = Field(default=(), description="Founding date, place, founders.")
    leaders: tuple[Claim, ...] = Field(
        default=(), description="Leaders; `entity` names the person."
    )
    size: tuple[SizeEstimate, ...] = Field(default=(), description="Strength estimates.")
    areas: tuple[Claim, ...] = Field(default=(), description="Areas of operation or presence.")
    ideology: tuple[Claim, ...] = Field(default=(), description="Ideology and aims.")
    designations: tuple[Claim, ...] = Field(default=(), description="Terrorist designations.")
    type: tuple[Claim, ...] = Field(
        default=(), description="What kind of organisation it is (agency, militant group...)."
    )


class EntityBase(Model):
    """Fields common to people and groups."""

    id: Slug = Field(description="Unique id; equals the file name without .yaml.")
    name: Name = Field(description="Preferred name.")
    aliases: tuple[Alias, ...] = Field(default=(), description="Other names and spellings.")
    summary: Text = Field(description="One or two sentences for indexes and covers (Markdown).")
    narrative: tuple[Section, ...] = Field(default=(), description="Narrative sections.")
    relationships: tuple[Relationship, ...] = Field(default=(), description="Outgoing links.")
    events: tuple[Event, ...] = Field(default=(), description="Timeline entries.")
    assessments: tuple[Assessment, ...] = Field(default=(), description="Analytic judgments.")
    as_of: DateText = Field(description="Date up to which the profile reflects its sources.")
    reviewed: DateText = Field(description="Date an editor last reviewed the whole profile.")


class Person(EntityBase):
    """A person's profile (dossiers/people/<id>.yaml)."""

    kind: Literal["person"] = Field(description="Always 'person' in dossiers/people/.")
    facts: PersonFacts = Field(default_factory=PersonFacts, description="Structured facts.")


class Group(EntityBase):
    """A group's profile (dossiers/groups/<id>.yaml)."""

    kind: Literal["group"] = Field(description="Always 'group' in dossiers/groups/.")
    facts: GroupFacts = Field(default_factory=GroupFacts, description="Structured facts.")


Entity = Person | Group


class SourceKind(StrEnum):
    """What sort of document a source is."""

    news = "news"
    analysis = "analysis"
    opinion = "opinion"
    advocacy = "advocacy"
    partisan = "partisan"


class Source(Model):
    """Metadata of one archived document (seeds/<id>.yaml)."""

    id: Slug = Field(description="Source id; equals the metadata file name without .yaml.")
    title: Name = Field(description="Title as published.")
    short_title: Label | None = Field(
        default=None,
        description="Short name for footnotes when the source has no publisher or author.",
    )
    author: Label | None = Field(
        default=None, description="Author as named in the text; null if unnamed."
    )
    publisher: Label | None = Field(
        default=None, description="Outlet as named in the text; null if unnamed."
    )
    published: DateText | None = Field(
        default=None, description="Publication date; null when the text does not support one."
    )
    published_note: Plain | None = Field(
        default=None,
        description="Why the date is unknown or how it was inferred (editor's inference).",
    )
    url: Annotated[str, Field(pattern=r"^https?://"), AfterValidator(check_label)] | None = Field(
        default=None, description="URL if known."
    )
    retrieved: DateText = Field(description="When the document was archived.")
    file: Plain = Field(
        pattern=r"^[A-Za-z0-9._-]+$", description="Archived text file, relative to seeds/."
    )
    sha256: Plain = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the archived file.")
    language: Plain = Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$", description="BCP 47 tag.")
    kind: SourceKind = Field(description="news, analysis, opinion, advocacy or partisan.")
    reliability: Literal["A", "B", "C", "D", "E", "F"] = Field(
        description="NATO/Admiralty source reliability: A completely reliable ... "
        "E unreliable, F cannot be judged."
    )
    reliability_reason: Text = Field(description="One line: why this grade.")
    notes: tuple[Plain, ...] = Field(default=(), description="Editor's notes on the document.")
    republish: bool = Field(
        default=True,
        description="Whether the site may show the archived text in full; false when its "
        "terms forbid it (e.g. copyright): the source page then shows the cited paragraphs only.",
    )


class Book(Model):
    """A briefing book (dossiers/books/<id>.yaml): a titled selection of entities."""

    id: Slug = Field(description="Book id; equals the file name without .yaml.")
    title: Name = Field(description="Title on the cover.")
    subtitle: Label | None = Field(default=None, description="Subtitle on the cover.")
    audience: Name = Field(description="Who the book is for, printed on the cover.")
    marking: Marking | None = Field(
        default=None,
        description="Handling marking on every page (free text or a TLP 2.0 label such as "
        "'TLP:AMBER', at most 120 characters); defaults to the marking in dossier.yaml.",
    )
    as_of: DateText | None = Field(
        default=None, description="As-of date on the cover; defaults to dossier.yaml's."
    )
    entities: tuple[Slug, ...] = Field(
        min_length=1, description="Ids of the entities it contains, in reading order."
    )
    changes_since: Label | None = Field(
        default=None,
        description="A git revision (tag, commit, 'HEAD~1'): the book gets a section "
        "'Changes since the previous edition' listing every claim changed since then.",
    )


class Settings(Model):
    """Project settings (dossier.yaml at the repository root)."""

    title: Name = Field(description="Title of the dossier collection.")
    marking: Marking = Field(
        min_length=1,
        description="Default handling marking, e.g. 'UNCLASSIFIED // OPEN SOURCE' or 'TLP:CLEAR'.",
    )
    as_of: DateText = Field(description="Default as-of date of publications.")
    templates: Label | None = Field(
        default=None, description="Folder of template overrides, relative to the project root."
    )
    max_file_size: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest YAML file accepted (profiles, sources, books), in bytes. "
        "A larger file is reported without being read.",
    )
    max_archive_size: int = Field(
        default=5_242_880,
        ge=1024,
        description="Largest archived source text accepted (the file a source in seeds/ "
        "names), in bytes; 5 MB by default. A larger archive is reported without being "
        "read. Checking quotes holds about four times an archive's size in memory.",
    )
