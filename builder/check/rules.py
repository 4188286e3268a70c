"""Cross-file checks over a loaded repository, and the index they produce.

``check_project`` never raises on bad data: it returns every problem it finds
(errors and warnings) with file, line, column and field, plus statistics and
an :class:`Index` of derived data (inverse relationships, what cites what)
that later stages use instead of recomputing it.

Checks, in order: unique ids (of entities, and of the items within each
profile); archived files match their sha256; every
citation names a known source and its quote is in the located paragraphs;
every relationship target, ``entity``, event participant, ``attributed_to``
and assessment ``by`` that is an id names a known entity; no link typed twice
(inverses are derived); ``start <= end``; Markdown links and ``[^N]`` markers;
books name known, unrepeated entities; the template folder exists inside the
repository; then warnings for unused sources, entities with no links,
aliases without citations and undated sources without a reason, and the
drift warnings of :mod:`builder.check.drift` (hedges, grades, time frame,
relationship types).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel

from builder.check.drift import drift_warnings
from builder.check.index import AnyEntity, Cited, Index, derive_links, derive_timelines, walk
from builder.check.quotes import SourceText
from builder.check.theme import check_theme
from builder.errors import Diagnostic, Severity, did_you_mean
from builder.render import markdown
from builder.review.store import load_reviews
from builder.source import ids
from builder.source.dates import parse_date
from builder.source.load import Project, collector_paused
from builder.source.models import (
    SLUG_PATTERN,
    Alias,
    Assessment,
    Attributed,
    Citation,
    Claim,
    Event,
    Paragraph,
    Relationship,
)
from builder.source.yamlread import Loc

__all__ = ["CheckResult", "check_project"]

EDITOR = "editor"
_SLUG = re.compile(SLUG_PATTERN)


@dataclass(frozen=True)
class CheckResult:
    """Everything ``dossier check`` reports."""

    errors: tuple[Diagnostic, ...]
    warnings: tuple[Diagnostic, ...]
    stats: dict[str, int]
    index: Index


def check_project(project: Project) -> CheckResult:
    """Run every cross-file check; collect, never stop at the first problem."""
    with collector_paused():  # the index is built to last: nothing for it to free
        return _check_project(project)


def _check_project(project: Project) -> CheckResult:
    problems = list(project.diagnostics)
    index = Index(
        sources={s.model.id: s for s in project.sources},
        books={b.model.id: b for b in project.books},
    )
    stats = {
        "entities": 0,
        "people": 0,
        "groups": 0,
        "sources": len(project.sources),
        "claims": 0,
        "relationships": 0,
        "events": 0,
        "assessments": 0,
        "books": len(project.books),
        "citations": 0,
        "quotes_verified": 0,
    }

    for entity in project.entities:
        first = index.entities.setdefault(entity.model.id, entity)
        if first is not entity:
            problems.append(
                entity.problem(
                    ("id",),
                    f"'{entity.model.id}' is already the id of {first.path}",
                    rule="duplicate-id",
                )
            )
    problems.extend(_check_settings(project))
    problems.extend(check_theme(project))
    texts = _source_texts(project, problems)

    referenced: set[str] = set()
    for entity in project.entities:
        if index.entities.get(entity.model.id) is not entity:
            continue
        stats["entities"] += 1
        stats["people" if entity.model.kind == "person" else "groups"] += 1
        referenced |= _check_entity(entity, index, texts, stats, problems)
        problems.extend(_check_item_ids(entity))
        stats["relationships"] += len(entity.model.relationships)
        stats["events"] += len(entity.model.events)
        stats["assessments"] += len(entity.model.assessments)

    problems.extend(derive_links(project, index))
    derive_timelines(index)
    problems.extend(_check_books(project, index))
    problems.extend(_warnings(project, index, referenced))
    problems.extend(drift_warnings(project, index, texts))
    problems.extend(load_reviews(project).problems)  # a bad review file stops a build too
    errors = tuple(sorted(p for p in problems if p.severity is Severity.error))
    warnings = tuple(sorted(p for p in problems if p.severity is Severity.warning))
    return CheckResult(errors, warnings, stats, index)


def _check_settings(project: Project) -> list[Diagnostic]:
    folder = project.settings.model.templates
    if folder is None:
        return []
    path = (project.root / folder).resolve()
    if not path.is_relative_to(project.root.resolve()):
        message = f"template folder '{folder}' is outside the repository; keep it inside"
    elif not path.is_dir():
        message = f"template folder '{folder}' does not exist"
    else:
        return []
    return [project.settings.problem(("templates",), message, rule="template-folder")]


def _source_texts(project: Project, problems: list[Diagnostic]) -> dict[str, SourceText | None]:
    """Verify archives against their sha256; prepare texts for quote lookups."""
    texts: dict[str, SourceText | None] = {}
    for source in project.sources:
        archive = project.archives.get(source.model.id)
        texts[source.model.id] = None
        if archive is None:
            continue
        if archive.sha256 != source.model.sha256:
            problems.append(
                source.problem(
                    ("sha256",),
                    f"{archive.path} has sha256 "
                    f"{archive.sha256}; archives are never edited: restore the "
                    "original file, or fix sha256 if the metadata is wrong",
                    rule="archive-hash",
                )
            )
        if archive.text is not None:
            texts[source.model.id] = SourceText(source.model.id, archive.text)
    return texts


def _check_entity(
    entity: AnyEntity,
    index: Index,
    texts: dict[str, SourceText | None],
    stats: dict[str, int],
    problems: list[Diagnostic],
) -> set[str]:
    """Citations, references, dates and Markdown of one profile, in one walk.

    Files each citation in the index with the item it supports; returns the
    entity ids the profile names.
    """
    entity_id = entity.model.id
    referenced: set[str] = set()
    markdown_fields: list[tuple[Loc, str, int]] = [(("summary",), entity.model.summary, 0)]
    items: dict[Loc, BaseModel] = {}  # what each citation supports: the node two steps up
    for loc, node in walk(entity.model):
        if isinstance(node, Citation):
            stats["citations"] += 1
            index.cited_by[node.source].add(entity_id)
            index.citations[node.source].append(
                Cited(entity_id, loc[:-2], items.get(loc[:-2]), node)
            )
            if _check_citation(entity, loc, node, texts, problems):
                stats["quotes_verified"] += 1
            continue
        items[loc] = node
        if isinstance(node, (Attributed, Assessment)):
            if not isinstance(node, Alias):
                stats["claims"] += 1
            referenced |= _check_references(entity, loc, node, index, problems)
        problems.extend(_check_period(entity, loc, node))
        if isinstance(node, Paragraph):
            markdown_fields.append(((*loc, "text"), node.text, len(node.citations)))
        elif isinstance(node, Event) and node.description:
            markdown_fields.append(((*loc, "description"), node.description, len(node.citations)))
    problems.extend(
        entity.problem(loc, message, rule=rule)
        for loc, text, citations in markdown_fields
        for rule, message in markdown.lint(text, citations, index.entities)
    )
    return referenced


def _check_item_ids(entity: AnyEntity) -> list[Diagnostic]:
    """Items' own ids are unique within their profile (a copied item keeps its id)."""
    first: dict[str, Loc] = {}
    problems = []
    for item in ids.items(entity.model):
        if not item.explicit:
            continue
        if item.id in first:
            line = entity.at((*first[item.id], "id"))[0]
            problems.append(
                entity.problem(
                    (*item.loc, "id"),
                    f"'{item.id}' is already the id of the {item.kind} at line {line}; "
                    "remove this one and run `dossier ids` to give the item its own",
                    rule="duplicate-item-id",
                )
            )
        else:
            first[item.id] = item.loc
    return problems


def _check_period(entity: AnyEntity, loc: Loc, node: BaseModel) -> list[Diagnostic]:
    start, end = getattr(node, "start", None), getattr(node, "end", None)
    if (
        isinstance(start, str)
        and isinstance(end, str)
        and parse_date(start).first > parse_date(end).last
    ):
        message = f"end '{end}' is before start '{start}'"
        return [entity.problem((*loc, "end"), message, rule="end-before-start")]
    return []


def _check_citation(
    entity: AnyEntity,
    loc: Loc,
    citation: Citation,
    texts: dict[str, SourceText | None],
    problems: list[Diagnostic],
) -> bool:
    if citation.source not in texts:
        message = _unknown("source", citation.source, texts)
        problems.append(entity.problem((*loc, "source"), message, rule="unknown-source"))
        return False
    text = texts[citation.source]
    if text is None:
        return False  # the archive itself is reported where its metadata is
    result = text.verify(citation.quote, citation.locator)
    if not result.ok:
        where = "locator" if "does not exist" in result.message else "quote"
        problems.append(
            entity.problem((*loc, where), result.message, rule=_quote_rule(result.message))
        )
    return result.ok


def _quote_rule(message: str) -> str:
    """The rule code of a failed quote lookup, from builder/check/quotes.py's messages."""
    if "does not exist" in message:
        return "locator-not-found"
    if message.startswith("quote is in "):
        return "wrong-locator"
    if message.startswith("quote is empty"):
        return "empty-quote"
    return "quote-not-found"


def _unknown(kind: str, name: str, known: Iterable[str]) -> str:
    return f"unknown {kind} '{name}'{did_you_mean(name, known)}"


def _check_references(
    entity: AnyEntity,
    loc: Loc,
    node: Attributed | Assessment,
    index: Index,
    problems: list[Diagnostic],
) -> set[str]:
    """Entity ids named by one claim must exist; return the ids it names."""
    named: list[tuple[Loc, str]] = []
    if isinstance(node, Assessment):
        named.append(((*loc, "by"), node.by))
    else:
        named.append(((*loc, "attributed_to"), node.attributed_to or ""))
        if isinstance(node, Relationship):
            named.append(((*loc, "target"), node.target))
    if isinstance(node, Claim) and node.entity is not None:
        named.append(((*loc, "entity"), node.entity))
    if isinstance(node, Event):
        named.extend(((*loc, "participants", i), p) for i, p in enumerate(node.participants))
    found = set()
    for where, value in named:
        if not value or value == EDITOR or not _SLUG.match(value):
            continue  # free text ("Pakistani officials") names no profile
        if value not in index.entities:
            hint = (
                (
                    " (to name someone without a profile, write free text such as "
                    "'Pakistani officials')"
                )
                if where[-1] in ("attributed_to", "by")
                else ""
            )
            message = _unknown("entity", value, index.entities) + hint
            problems.append(entity.problem(where, message, rule="unknown-entity"))
        elif value == entity.model.id and where[-1] == "target":
            message = "a relationship cannot point at its own entity"
            problems.append(entity.problem(where, message, rule="self-link"))
        else:
            found.add(value)
    return found


def _check_books(project: Project, index: Index) -> list[Diagnostic]:
    out = []
    for book in project.books:
        if book.model.id in index.entities:
            out.append(
                book.problem(
                    ("id",),
                    f"'{book.model.id}' is also an entity id; "
                    "output files are named by id, so rename the book",
                    rule="book-id-clash",
                )
            )
        seen: set[str] = set()
        for i, entity_id in enumerate(book.model.entities):
            if entity_id not in index.entities:
                message = _unknown("entity", entity_id, index.entities)
                out.append(book.problem(("entities", i), message, rule="unknown-entity"))
            elif entity_id in seen:
                message = f"'{entity_id}' is listed twice"
                out.append(book.problem(("entities", i), message, rule="listed-twice"))
            seen.add(entity_id)
    return out


def _warnings(project: Project, index: Index, referenced: set[str]) -> list[Diagnostic]:
    out = []
    for source in project.sources:
        if source.model.id not in index.cited_by:
            out.append(
                source.problem(
                    ("id",),
                    f"source '{source.model.id}' is not cited by any profile",
                    Severity.warning,
                    rule="unused-source",
                )
            )
        if source.model.published is None and not source.model.published_note:
            out.append(
                source.problem(
                    ("published",),
                    "no publication date and no published_note saying why",
                    Severity.warning,
                    rule="no-published-date",
                )
            )
    for entity_id, entity in sorted(index.entities.items()):
        if entity_id not in referenced and not entity.model.relationships:
            out.append(
                entity.problem(
                    ("id",),
                    f"nothing links to '{entity_id}' and it links to nothing: add a relationship",
                    Severity.warning,
                    rule="isolated-entity",
                )
            )
        for i, alias in enumerate(entity.model.aliases):
            if not alias.citations:
                out.append(
                    entity.problem(
                        ("aliases", i, "name"),
                        f"alias '{alias.name}' has no citation",
                        Severity.warning,
                        rule="uncited-alias",
                    )
                )
    return out
