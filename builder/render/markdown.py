"""Markdown for narrative fields: safe output, entity links and inline citations.

Syntax editors may use beyond CommonMark:

- ``[Asim Malik](entity:asim-malik)`` links to another profile;
- ``[^2]`` places the item's second citation at that point of the text
  (citations not placed this way follow the paragraph); a marker with no
  citation to place is shown as written, never an error at render time.

Raw HTML is never rendered (it shows as text), images are not supported, and
links are limited to http, https, mailto, ``entity:`` and ``#anchor``.
:func:`lint` reports anything else to ``dossier check``; :func:`render`
returns ``Markup`` for templates, so user text is never marked safe by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape

__all__ = ["Links", "lint", "render", "render_inline"]

_ALLOWED = re.compile(r"^(https?://|mailto:|entity:|#)", re.IGNORECASE)
_CITE = re.compile(r"\[\^([0-9]{1,3})\]")


@dataclass(frozen=True)
class Links:
    """How one medium renders entity links and citation markers."""

    entity_href: Callable[[str], str | None]
    cite: Callable[[int], Markup]


def _cite_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: ``[^N]`` becomes a ``cite`` token holding N."""
    match = _CITE.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("cite", "", 0)
        token.meta = {"index": int(match.group(1))}
    state.pos = match.end()
    return True


def _parser(strict: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.inline.ruler.before("link", "cite", _cite_rule)
    if strict:
        md.disable("image")
        md.validateLink = lambda url: bool(_ALLOWED.match(url))  # type: ignore[method-assign]
    else:
        md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


_STRICT = _parser(strict=True)
_LINT = _parser(strict=False)


def _render_cite(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    links: Links = env["links"]
    number = int(tokens[idx].meta["index"])
    try:
        return str(links.cite(number))
    except IndexError:
        # No citation of that number to place here (check reports it where it can):
        # keep the marker as text rather than fail the whole build.
        return str(escape(f"[^{number}]"))


def _render_link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    links: Links = env["links"]
    if href.lower().startswith("entity:"):
        target = links.entity_href(href[len("entity:") :])
        if target is None:  # entity outside this document: keep the words, drop the link
            token.meta["dropped"] = True
            return '<span class="entity-ref">'
        token.attrSet("href", target)
        token.attrSet("class", "entity-ref")
    elif not href.startswith("#"):
        token.attrSet("rel", "noopener noreferrer")
        token.attrSet("class", "external")
    return self.renderToken(tokens, idx, options, env)


def _render_link_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # Find the matching opener to know whether its link was dropped.
    depth = 0
    for back in range(idx - 1, -1, -1):
        if tokens[back].type == "link_close":
            depth += 1
        elif tokens[back].type == "link_open":
            if depth == 0:
                return "</span>" if tokens[back].meta.get("dropped") else "</a>"
            depth -= 1
    return "</a>"


for _name, _rule in (
    ("cite", _render_cite),
    ("link_open", _render_link_open),
    ("link_close", _render_link_close),
):
    _STRICT.add_render_rule(_name, _rule)


def render(text: str, links: Links) -> Markup:
    """Render block Markdown to safe HTML."""
    return Markup(_STRICT.render(text, {"links": links}))


def render_inline(text: str, links: Links) -> Markup:
    """Render one line of Markdown without a wrapping paragraph."""
    return Markup(_STRICT.renderInline(text, {"links": links}))


def lint(text: str, citations: int, entity_ids: set[str] | dict[str, Any]) -> list[tuple[str, str]]:
    """Problems in one Markdown field: (rule code, editor-facing message) pairs."""
    problems = []
    for token in _walk(_LINT.parse(text)):
        if token.type == "image":
            problems.append(
                ("markdown-image", f"images are not supported: {escape(token.content)!s}")
            )
        elif token.type == "link_open":
            href = str(token.attrGet("href") or "")
            if not _ALLOWED.match(href):
                message = (
                    f"link to '{href}' is not allowed: use http(s)://, mailto:, "
                    "entity:<id> or #anchor"
                )
                problems.append(("markdown-link", message))
            elif href.lower().startswith("entity:"):
                entity = href[len("entity:") :]
                if entity not in entity_ids:
                    problems.append(("unknown-entity", f"link to unknown entity '{entity}'"))
        elif token.type == "cite":
            index = int(token.meta["index"])
            if not 1 <= index <= citations:
                message = f"[^{index}] points at citation {index}, but this item has {citations}"
                problems.append(("citation-marker", message))
    return problems


def _walk(tokens: Sequence[Token]) -> list[Token]:
    out: list[Token] = []
    for token in tokens:
        out.append(token)
        if token.children:
            out.extend(_walk(token.children))
    return out
