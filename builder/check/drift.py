"""Warnings for items that drift from their sources, by the rules of :mod:`builder.check.grading`.

A verified quote proves that the source says something; these checks look at
what the item makes of it:

- ``dropped-hedge``: the quote hedges ("likely", "reportedly" …) and a reported,
  unattributed item states it flat;
- ``grade-uncorroborated``, ``grade-partisan``, ``grade-inconsistent``: the
  credibility digit breaks the written rules (1 from one source; a partisan or
  advocacy source graded 1–3 alone; one quote graded two ways without a note);
- ``as-of-before-source``, ``undated-source``: the time frame (an ``as_of``
  before a source it rests on; a date taken from an undated source with no
  ``inference``);
- ``type-overreach``: a relationship type that says more than its quotes
  (``founded`` on grade-4 citations; a link reported from a hypothetical quote);
- ``rules-outdated``: GRADING.md describes other rules than these.

Every finding is a warning (fatal under ``--strict``) at the file, line and field
an editor changes.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from builder.check.grading import (
    PARTISAN_KINDS,
    STRONG_TYPES,
    hedge_cut,
    hedges_in,
    hypothetical_in,
    rules_markdown,
    section_of,
    states_type,
)
from builder.check.index import AnyEntity, Index
from builder.check.quotes import SourceText, fold, parse_locator
from builder.errors import Diagnostic, Severity
from builder.source import ids
from builder.source.dates import parse_date
from builder.source.load import Project
from builder.source.models import (
    Alias,
    Assessment,
    Citation,
    Claim,
    Event,
    Paragraph,
    Relationship,
    Source,
    Status,
)
from builder.source.yamlread import Loc

__all__ = ["GRADING", "drift_warnings"]

GRADING = "dossiers/GRADING.md"
WARNING = Severity.warning
_SPACE = re.compile(r"\s+")
_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


@dataclass(frozen=True)
class _Quoted:
    """One citation, where it is, for comparing the grades of one quote."""

    entity: AnyEntity
    loc: Loc
    citation: Citation


def drift_warnings(
    project: Project, index: Index, texts: dict[str, SourceText | None]
) -> list[Diagnostic]:
    """Every drift warning of the repository (entities already checked for errors)."""
    sources = {s.model.id: s.model for s in project.sources}
    out: list[Diagnostic] = []
    quotes: dict[tuple[str, str, str], list[_Quoted]] = defaultdict(list)
    for _, entity in sorted(index.entities.items()):
        for item in ids.items(entity.model):
            citations: Sequence[Citation] = getattr(item.model, "citations", ())
            for i, citation in enumerate(citations):
                key = (citation.source, citation.locator, _normal(citation.quote))
                quotes[key].append(_Quoted(entity, (*item.loc, "citations", i), citation))
            out += _dropped_hedges(entity, item)
            out += _cut_hedges(entity, item, texts)
            out += _grades(entity, item, sources)
            out += _undated(entity, item, sources)
            out += _overreach(entity, item)
        out += _as_of(entity, sources)
    out += _inconsistent(quotes)
    out += _books_as_of(project, index, sources)
    out += _grading_file(project)
    return out


def _normal(quote: str) -> str:
    return _SPACE.sub(" ", quote.translate(_FOLD)).strip().casefold()


def _where(source: str, citation: Citation) -> str:
    return f"{source} {citation.locator}"


def _own_text(model: BaseModel) -> tuple[str, str] | None:
    """The field holding an item's own words, and those words (None: nothing to compare)."""
    if isinstance(model, Claim):
        return "value", model.value
    if isinstance(model, Paragraph):
        return "text", model.text
    if isinstance(model, Relationship):
        return ("description", model.description) if model.description else ("type", "")
    if isinstance(model, Event):
        return "title", f"{model.title} {model.description or ''}"
    return None  # aliases are names; assessments hedge by their likelihood term


def _dropped_hedges(entity: AnyEntity, item: ids.Item) -> list[Diagnostic]:
    model = item.model
    if isinstance(model, (Alias, Assessment)) or not isinstance(
        model, (Claim, Paragraph, Relationship, Event)
    ):
        return []
    if model.status is not Status.reported or model.attributed_to:
        return []
    own = _own_text(model)
    if own is None:
        return []
    field, text = own
    out = []
    reported: set[str] = set()
    for citation in model.citations:
        dropped = [word for word in hedges_in(citation.quote, text) if word not in reported]
        if not dropped:
            continue
        reported.update(dropped)
        words = ", ".join(f'"{word}"' for word in dropped)
        what = "this link" if field == "type" else f"this {item.kind}"
        out.append(
            entity.problem(
                (*item.loc, field),
                f"dropped hedge: the quote of {_where(citation.source, citation)} says "
                f"{words} and {what} does not; keep the hedge, name who says it in "
                "attributed_to, or change the status",
                WARNING,
                rule="dropped-hedge",
            )
        )
    return out


def _cut_hedges(
    entity: AnyEntity, item: ids.Item, texts: dict[str, SourceText | None]
) -> list[Diagnostic]:
    """The item repeats its source's words with the hedge taken out (whatever its status)."""
    own = _own_text(item.model)
    if own is None or not own[1]:
        return []
    field, text = own
    folded = fold(text)
    for citation in getattr(item.model, "citations", ()):
        source = texts.get(citation.source)
        if source is None:
            continue
        first, last = parse_locator(citation.locator)
        located = " ".join(p.norm for p in source.paragraphs[first - 1 : last])
        found = hedge_cut(located, folded)
        if found is not None:
            said, written = found
            return [
                entity.problem(
                    (*item.loc, field),
                    f'dropped hedge: {_where(citation.source, citation)} says "{said}", '
                    f'this {item.kind} "{written}"; restore the hedge',
                    WARNING,
                    rule="dropped-hedge",
                )
            ]
    return []


def _grades(entity: AnyEntity, item: ids.Item, sources: dict[str, Source]) -> list[Diagnostic]:
    citations: Sequence[Citation] = getattr(item.model, "citations", ())
    cited = {c.source for c in citations}
    out = []
    for i, citation in enumerate(citations):
        loc = (*item.loc, "citations", i, "credibility")
        others = cited - {citation.source}
        if citation.credibility == 1 and not others:
            out.append(
                entity.problem(
                    loc,
                    "credibility 1 needs a second, independent source on the same item, "
                    f"but every citation here is from {citation.source}: grade it 2 or "
                    "worse, or cite the other source",
                    WARNING,
                    rule="grade-uncorroborated",
                )
            )
        source = sources.get(citation.source)
        if (
            source is not None
            and source.kind.value in PARTISAN_KINDS
            and citation.credibility <= 3
            and not others
            and not citation.note
        ):
            out.append(
                entity.problem(
                    loc,
                    f"{citation.source} is {_article(source.kind.value)} {source.kind.value} "
                    f"source: credibility {citation.credibility} needs a citation of this "
                    "item from another source, or a note saying why; otherwise grade it 4",
                    WARNING,
                    rule="grade-partisan",
                )
            )
    return out


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _inconsistent(quotes: dict[tuple[str, str, str], list[_Quoted]]) -> list[Diagnostic]:
    """One quote graded two ways: each citation off the usual grade is told where the others are."""
    out = []
    for (source, locator, _), places in quotes.items():
        grades = Counter(q.citation.credibility for q in places)
        if len(grades) < 2 or any(q.citation.note for q in places):
            continue
        usual = grades.most_common(1)[0][0]  # ties: the grade seen first

        def at(wanted: int, here: _Quoted, places: list[_Quoted] = places) -> str:
            found = [
                f"{q.entity.path}:{q.entity.at(q.loc)[0]}"
                for q in places
                if q.citation.credibility == wanted and q is not here
            ]
            more = f" and {len(found) - 3} more" if len(found) > 3 else ""
            return ", ".join(found[:3]) + more

        for here in places:
            grade = here.citation.credibility
            if grade == usual:
                continue
            others = "; ".join(f"{g} at {at(g, here)}" for g in sorted(grades) if at(g, here))
            out.append(
                here.entity.problem(
                    (*here.loc, "credibility"),
                    f"the same quote of {source} {locator} is graded {grade} here and "
                    f"{others}: grade it the same everywhere, or say why in a note on one "
                    "of them",
                    WARNING,
                    rule="grade-inconsistent",
                )
            )
    return out


def _dated_fields(model: BaseModel) -> Iterator[str]:
    for field in ("date", "start", "end"):
        if getattr(model, field, None) is not None:
            yield field


def _undated(entity: AnyEntity, item: ids.Item, sources: dict[str, Source]) -> list[Diagnostic]:
    model = item.model
    if not isinstance(model, (Claim, Relationship, Event)) or model.inference:
        return []
    fields = list(_dated_fields(model))
    undated = sorted(
        {
            c.source
            for c in model.citations
            if (s := sources.get(c.source)) is not None and s.published is None
        }
    )
    if not fields or not undated or len(undated) < len({c.source for c in model.citations}):
        return []  # a dated source on the item can carry the date
    value = getattr(model, fields[0])
    return [
        entity.problem(
            (*item.loc, fields[0]),
            f"{', '.join(undated)} has no publication date, so '{value}' is the editor's "
            "reading: say where it comes from in inference:",
            WARNING,
            rule="undated-source",
        )
    ]


def _overreach(entity: AnyEntity, item: ids.Item) -> list[Diagnostic]:
    model = item.model
    if not isinstance(model, Relationship):
        return []
    kind = model.type.value
    loc = (*item.loc, "type")
    if kind in STRONG_TYPES and all(c.credibility >= 4 for c in model.citations):
        weaker = " or ".join(f"'{t}'" for t in STRONG_TYPES[kind])
        return [
            entity.problem(
                loc,
                f"'{kind}' asserts more than its citations carry (all graded 4 or worse): "
                f"use a weaker type such as {weaker}, or status: alleged with attributed_to",
                WARNING,
                rule="type-overreach",
            )
        ]
    if kind in STRONG_TYPES and not any(states_type(kind, c.quote) for c in model.citations):
        weaker = " or ".join(f"'{t}'" for t in STRONG_TYPES[kind])
        return [
            entity.problem(
                loc,
                f"'{kind}' is not what the quotes say (none of them names it): use a weaker "
                f"type such as {weaker} and say what the source says in description",
                WARNING,
                rule="type-overreach",
            )
        ]
    words = [hypothetical_in(c.quote) for c in model.citations]
    if model.status is not Status.reported and all(words):
        return [
            entity.problem(
                loc,
                f'every quote of this link is hypothetical ("{words[0]}"): speculation is '
                "not an allegation; keep it in the narrative, or cite a quote that states "
                "the link",
                WARNING,
                rule="type-overreach",
            )
        ]
    if model.status is not Status.reported:
        return []
    for citation in model.citations:
        word = hypothetical_in(citation.quote)
        if word is not None:
            return [
                entity.problem(
                    loc,
                    f"the quote of {_where(citation.source, citation)} is hypothetical "
                    f'("{word}") but the link is reported as fact: set status: alleged with '
                    "attributed_to, use a weaker type, or keep it in the narrative",
                    WARNING,
                    rule="type-overreach",
                )
            ]
    return []


def _latest(cited: set[str], sources: dict[str, Source]) -> tuple[str, str] | None:
    dated = [
        (parse_date(s.published).first, s.id, s.published)
        for source_id in cited
        if (s := sources.get(source_id)) is not None and s.published is not None
    ]
    if not dated:
        return None
    _, source_id, published = max(dated)
    return source_id, published


def _too_early(as_of: str, cited: set[str], sources: dict[str, Source]) -> str | None:
    latest = _latest(cited, sources)
    if latest is None:
        return None
    source_id, published = latest
    if parse_date(as_of).last >= parse_date(published).first:
        return None
    return (
        f"'{as_of}' is earlier than {source_id} (published {published}), which it cites: "
        f"set as_of to {published.lstrip('~')} or later"
    )


def _cited(entity: AnyEntity) -> set[str]:
    return {
        c.source for item in ids.items(entity.model) for c in getattr(item.model, "citations", ())
    }


def _as_of(entity: AnyEntity, sources: dict[str, Source]) -> list[Diagnostic]:
    message = _too_early(entity.model.as_of, _cited(entity), sources)
    if message is None:
        return []
    return [entity.problem(("as_of",), message, WARNING, rule="as-of-before-source")]


def _books_as_of(project: Project, index: Index, sources: dict[str, Source]) -> list[Diagnostic]:
    out = []
    for book in project.books:
        if book.model.as_of is None:
            continue
        cited: set[str] = set()
        for entity_id in book.model.entities:
            if entity_id in index.entities:
                cited |= _cited(index.entities[entity_id])
        message = _too_early(book.model.as_of, cited, sources)
        if message is not None:
            out.append(book.problem(("as_of",), message, WARNING, rule="as-of-before-source"))
    return out


def _grading_file(project: Project) -> list[Diagnostic]:
    """GRADING.md's generated section, if it has one, must be today's rules."""
    path = project.root / GRADING
    if path.is_symlink() or not path.is_file():
        return []  # never read through a link (see SECURITY.md); a FIFO is not a file
    limit = project.settings.model.max_file_size
    try:
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
        found = None if len(data) > limit else section_of(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError):
        return []
    if found is None or found[1] == rules_markdown():
        return []
    return [
        Diagnostic(
            GRADING,
            found[0],
            1,
            "",
            "the rules section differs from the rules `dossier check` applies; "
            "run `dossier rules --write` to bring it up to date",
            WARNING,
            "rules-outdated",
        )
    ]
