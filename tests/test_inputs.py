"""entity_inputs() is complete: nothing outside it can change what a view shows."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from builder.check.index import AnyEntity, Index
from builder.check.rules import check_project
from builder.publish.edition import document_date
from builder.render.book import BookInfo, pdf_parts
from builder.render.html import environment, site_pages
from builder.render.inputs import entity_inputs
from builder.source.load import Project, load_project
from tests.conftest import REPO, TESTS


def views(project: Project, index: Index, entity_id: str) -> tuple[str, str]:
    """The entity's HTML page and its single dossier's body (chapter and appendix)."""
    env = environment(project)
    page = site_pages(project, index, env, pdfs=set(), only={entity_id})[f"{entity_id}.html"]()
    settings = project.settings.model
    info = BookInfo(entity_id, "T", None, "All", settings.marking, "2024", (entity_id,), "e")
    parts = pdf_parts(
        project, index, env, info, page_size="A4", created=document_date("2024"), split=False
    )
    return page, parts.body[0].render().html


def disguised(project: Project, index: Index, keep: frozenset[str]) -> tuple[Project, Index]:
    """Every entity and source outside ``keep`` renamed and regraded."""
    entities: dict[str, AnyEntity] = {}
    for entity_id, entity in index.entities.items():
        renamed: Any = entity.model.model_copy(update={"name": f"Zz {entity.model.name}"})
        entities[entity_id] = (
            entity if entity.path in keep else dataclasses.replace(entity, model=renamed)
        )
    sources = tuple(
        source
        if source.path in keep
        else dataclasses.replace(
            source,
            model=source.model.model_copy(
                update={
                    "title": "Zz",
                    "short_title": "Zz",
                    "publisher": "Zz",
                    "author": "Zz",
                    "reliability": "F" if source.model.reliability != "F" else "E",
                }
            ),
        )
        for source in project.sources
    )
    changed_index = dataclasses.replace(
        index, entities=entities, sources={s.model.id: s for s in sources}
    )
    return dataclasses.replace(project, sources=sources), changed_index


@pytest.mark.parametrize("root", [TESTS / "projects" / "good", REPO], ids=["good", "corpus"])
def test_nothing_outside_the_inputs_changes_a_view(root: Path) -> None:
    project = load_project(root)
    index = check_project(project).index
    changed = 0
    for entity_id in sorted(index.entities):
        keep = entity_inputs(index, entity_id)
        assert index.entities[entity_id].path in keep
        other_project, other_index = disguised(project, index, keep)
        assert views(other_project, other_index, entity_id) == views(project, index, entity_id)
        # ...while disguising one input does change it (the test can fail).
        own = frozenset(keep - {index.entities[entity_id].path})
        if own:
            moved = disguised(project, index, own)
            changed += views(*moved, entity_id) != views(project, index, entity_id)
    assert changed > 0


def test_inputs_follow_links_events_and_citations() -> None:
    project = load_project(TESTS / "projects" / "good")
    index = check_project(project).index
    assert entity_inputs(index, "isi") == {
        "dossiers/groups/isi.yaml",
        "dossiers/people/asim-malik.yaml",
        "seeds/seed-000.yaml",
    }
