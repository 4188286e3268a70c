"""The HTML site: one page per entity, source and book, through the sandboxed theme.

Jinja's set-up (overrides, sandbox, template errors) is in
:mod:`builder.render.templates`. Entity pages pick the most specific template
first: ``entity-<id>.html``, then ``person.html`` or ``group.html``, then
``entity.html``.

Rendering returns strings keyed by output path; nothing here writes files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from jinja2 import (
    Environment,
)
from markupsafe import Markup

from builder.check.index import Index
from builder.diff.report import as_html
from builder.diff.since import Changes
from builder.render import markdown, search
from builder.render.context import Citer, Resolver, citation_anchors
from builder.render.diagram import network_svg
from builder.render.sourcepage import source_view
from builder.render.templates import (
    ASSETS,
    DEFAULT_TEMPLATES,
    ThemeEnvironment,
    ThemeFileError,
    ThemeLoader,
    css_string,
    environment,
    render_page,
    template_errors,
)
from builder.render.views import (
    GRADE_LEGEND,
    LIKELIHOOD_LEGEND,
    entity_view,
    source_claims,
)
from builder.source.load import Project

if TYPE_CHECKING:
    from builder.check.quotes import SourceText
    from builder.review.state import EntityReview

# Third-party files of the theme, copied into the site's assets/ as they are.
VENDOR = ("vendor/minisearch.js", "vendor/LICENSE-minisearch.txt")

__all__ = [
    "DEFAULT_TEMPLATES",
    "VENDOR",
    "ThemeEnvironment",
    "ThemeFileError",
    "ThemeLoader",
    "css_string",
    "environment",
    "render_page",
    "site_pages",
    "template_errors",
]


def _hrefs(index: Index, root: str) -> tuple[Callable[[str], str | None], Callable[[str], str]]:
    def entity(entity_id: str) -> str | None:
        return f"{root}{entity_id}.html" if entity_id in index.entities else None

    def source(source_id: str) -> str:
        return f"{root}sources/{source_id}.html"

    return entity, source


def site_pages(
    project: Project,
    index: Index,
    env: Environment,
    *,
    pdfs: set[str],
    only: set[str] | None,
    edition: Callable[[str], str] = lambda page: "",
    changed: Mapping[str, str] | None = None,
    changes: Changes | None = None,
    reviews: Mapping[str, EntityReview] | None = None,
) -> dict[str, Callable[[], str]]:
    """Output path (under html/) -> a function rendering that page.

    ``pdfs`` are the ids whose PDF this build also writes (linked from pages);
    ``only`` limits entity and book pages to those ids (``None``: all);
    ``edition`` gives the stamp each page's footer shows, by its path;
    ``changed`` the commit that last changed each profile's data; ``changes``, when
    given, what changed since a past edition (``changes.html``, linked from the index);
    ``reviews``, when given, each profile's review state: a line on its page and a
    worksheet, ``review/<id>.html``.
    """
    settings = project.settings.model
    base = {
        "settings": settings,
        "grade_legend": GRADE_LEGEND,
        "likelihood_legend": LIKELIHOOD_LEGEND,
    }
    pages: dict[str, Callable[[], str]] = {}
    sources = {s.model.id: s.model for s in project.sources}
    anchors = citation_anchors(index)  # the id of each citation's marker, for source pages

    def page(name: str, templates: list[str], **context: Any) -> str:
        """Render html/NAME: its output path, root and edition follow from its name."""
        return render_page(
            env,
            templates,
            rendering=f"html/{name}",
            **base,
            edition=edition(name),
            root="../" * name.count("/"),
            medium="html",
            **context,
        )

    def entity_page(entity_id: str) -> str:
        entity_href, source_href = _hrefs(index, "")
        citer = Citer("html", sources, source_href, anchors=anchors)
        resolver = Resolver(index, entity_href)
        view = entity_view(entity_id, index, citer, resolver, (changed or {}).get(entity_id, ""))
        if reviews is not None:
            line, href = reviews[entity_id].line(), f"review/{entity_id}.html"
            view = dataclasses.replace(view, review=line, review_href=href)
        pdf = f"../pdf/{entity_id}.pdf" if entity_id in pdfs else None
        return page(
            f"{entity_id}.html",
            [f"entity-{entity_id}.html", f"{view.kind}.html", "entity.html"],
            entity=view,
            notes=citer.notes,
            pdf=pdf,
        )

    def source_page(source_id: str) -> str:
        entity_href, _ = _hrefs(index, "../")
        resolver = Resolver(index, entity_href)
        archive = project.archives.get(source_id)
        cited_by = index.cited_by.get(source_id, set())
        text = archive.text if archive is not None else None
        view = source_view(sources[source_id], resolver, cited_by, text)
        claims = source_claims(source_id, index, resolver)
        return page(f"sources/{source_id}.html", ["source.html"], source=view, claims=claims)

    def book_page(book_id: str) -> str:
        book = index.books[book_id].model
        entity_href, _ = _hrefs(index, "../")
        resolver = Resolver(index, entity_href)
        pdf = f"../../pdf/{book_id}.pdf" if book_id in pdfs else None
        entries = [
            (
                resolver.name(e),
                entity_href(e),
                _summary(index.entities[e].model.summary, index, "../"),
            )
            for e in book.entities
        ]
        return page(f"books/{book_id}.html", ["book.html"], book=book, entries=entries, pdf=pdf)

    texts: dict[str, SourceText | None] = {}  # archived texts, shared by the worksheets

    def review_page(entity_id: str) -> str:
        from builder.review.worksheet import worksheet

        assert reviews is not None
        sheet = worksheet(project, index, reviews[entity_id], texts)
        name = f"review/{entity_id}.html"
        return page(name, ["review.html"], sheet=sheet, profile_href=f"../{entity_id}.html")

    def index_page() -> str:
        return page("index.html", ["index.html"], changes=changes, **_index_context(project, index))

    def changes_page() -> str:
        assert changes is not None
        names = {e: index.entities[e].model.name for e in index.entities}
        with template_errors("html/changes.html"):
            return as_html(
                env,
                changes.diff,
                changes.label,
                "this edition",
                **base,
                names=names,
                edition=edition("changes.html"),
                root="",
                medium="html",
            )

    def network_page() -> str:
        return page("network.html", ["network.html"], **_network_context(index))

    for entity_id in sorted(index.entities):
        if only is None or entity_id in only:
            pages[f"{entity_id}.html"] = partial(entity_page, entity_id)
            if reviews is not None:
                pages[f"review/{entity_id}.html"] = partial(review_page, entity_id)
    for book_id in sorted(index.books):
        if only is None or book_id in only:
            pages[f"books/{book_id}.html"] = partial(book_page, book_id)
    for source_id in sorted(sources):
        pages[f"sources/{source_id}.html"] = partial(source_page, source_id)
    pages["index.html"] = index_page
    if changes is not None:
        pages["changes.html"] = changes_page
    pages["network.html"] = network_page
    for asset in ASSETS:
        pages[f"assets/{asset}"] = partial(
            render_page, env, [asset], rendering=f"html/assets/{asset}"
        )
    # The index page's search: its documents, and the library that searches them.
    pages[f"assets/{search.SCRIPT}"] = partial(search.search_script, index)
    for name in VENDOR:
        pages[f"assets/{name}"] = partial(_theme_text, env, name)
    return pages


def _theme_text(env: Environment, name: str) -> str:
    """A theme file as it is, never rendered: third-party code is no template."""
    assert env.loader is not None
    with template_errors(f"html/assets/{name}"):
        return env.loader.get_source(env, name)[0]


def _summary(text: str, index: Index, root: str) -> Markup:
    """A summary as one line of HTML, entity links resolved from ``root``."""
    entity_href, _ = _hrefs(index, root)
    links = markdown.Links(entity_href=entity_href, cite=lambda n: Markup(""))
    return markdown.render_inline(" ".join(text.split()), links)


def _index_context(project: Project, index: Index) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = {"person": [], "group": []}
    for entity_id, entity in sorted(index.entities.items(), key=lambda p: p[1].model.name):
        model = entity.model
        terms = " ".join([model.name, *(a.name for a in model.aliases)]).casefold()
        groups[model.kind].append(
            {
                "id": entity_id,
                "name": model.name,
                "href": f"{entity_id}.html",
                "aliases": [a.name for a in model.aliases],
                "terms": terms,
                "summary": _summary(model.summary, index, ""),
            }
        )
    books = [(b.model.title, f"books/{b.model.id}.html") for b in project.books]
    sources = [
        (s.model.title, s.model.reliability, f"sources/{s.model.id}.html") for s in project.sources
    ]
    return {
        "people": groups["person"],
        "groups": groups["group"],
        "books": books,
        "sources": sources,
    }


def _network_context(index: Index) -> dict[str, Any]:
    ordered = sorted(index.entities.items(), key=lambda p: (p[1].model.kind, p[1].model.name))
    nodes = [(i, e.model.name, e.model.kind, f"{i}.html") for i, e in ordered]
    edges = []
    rows = []
    for entity_id, _ in ordered:
        for link in index.links.get(entity_id, []):
            if link.derived:
                continue
            status = link.relationship.status.value
            edges.append((entity_id, link.other, link.label.replace("_", " "), status))
            rows.append(
                (
                    index.entities[entity_id].model.name,
                    f"{entity_id}.html",
                    link.label.replace("_", " "),
                    index.entities[link.other].model.name,
                    f"{link.other}.html",
                    status,
                )
            )
    return {"diagram": network_svg(nodes, edges), "rows": rows}
