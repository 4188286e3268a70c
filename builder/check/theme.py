"""Theme checks: every template a build could render compiles, and none extends itself.

A repository's template folder (``templates:`` in dossier.yaml) overrides the
default theme, so a typo there would otherwise surface only when ``build`` renders
a page. :func:`check_theme` compiles, through the build's own (sandboxed)
environment, every ``.html`` file of both folders, the assets rendered as
templates (``site.css``, ``search.js``, ``print.css``) and whatever these extend,
include or import by name, and reports, at the template's file and line:

- syntax errors (and unknown filters or tests, which Jinja finds when compiling);
- templates that cannot be read (a symlink, text that is not UTF-8);
- ``extends``, ``include`` or ``import`` of a template that does not exist;
- ``extends`` that leads back to the template itself (``{% extends "entity.html" %}``
  inside the override ``entity.html``), which recurses without end at render time.

What only rendering can tell (an undefined attribute, a refused method call) is
reported by ``build``, naming the template, the line and the page.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import BaseLoader, Environment, TemplateNotFound, TemplateSyntaxError, nodes

from builder.errors import Diagnostic
from builder.render.templates import ASSETS, DEFAULT_TEMPLATES, ThemeFileError, environment
from builder.source.load import Project

__all__ = ["check_theme"]

_RENDERED = (*ASSETS, "print.css")  # rendered as templates, besides every .html
_NAMED = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)


def check_theme(project: Project) -> list[Diagnostic]:
    """Compile every template of the theme (overrides and defaults); return the problems."""
    names: list[str] = []
    folder = project.settings.model.templates
    if folder:
        path = (project.root / folder).resolve()
        if not path.is_dir() or not path.is_relative_to(project.root.resolve()):
            return []  # reported at dossier.yaml's `templates:` line
        names.extend(_template_names(project.root / folder))
    names.extend(f"default:{name}" for name in _template_names(DEFAULT_TEMPLATES))
    env = environment(project)
    assert env.loader is not None
    problems: list[Diagnostic] = []
    extends: dict[str, tuple[str, str, int]] = {}  # file -> (name it extends, that file, line)
    done: set[str] = set()
    while names:
        name = names.pop(0)
        try:
            shown, tree = _compiled(env, env.loader, name)
        except TemplateSyntaxError as error:
            problems.append(
                Diagnostic(
                    error.filename or name,
                    error.lineno,
                    1,
                    "",
                    error.message or "",
                    rule="template-syntax",
                )
            )
            continue
        except ThemeFileError as error:
            message = str(error.message)
            problems.append(Diagnostic(error.path, 1, 1, "", message, rule="template-unreadable"))
            continue
        if shown in done:
            continue  # the same file under another name ("default:base.html", "base.html")
        done.add(shown)
        for node in tree.find_all(_NAMED):
            assert isinstance(node, _NAMED)
            target = node.template
            if not isinstance(target, nodes.Const) or not isinstance(target.value, str):
                continue  # chosen at render time: nothing to follow
            if isinstance(node, nodes.Include) and node.ignore_missing:
                continue
            try:
                target_file = env.loader.get_source(env, target.value)[1] or target.value
            except TemplateNotFound:
                message = f"template {target.value!r} does not exist"
                problems.append(
                    Diagnostic(shown, node.lineno, 1, "", message, rule="template-missing")
                )
                continue
            except ThemeFileError as error:
                message = str(error.message)
                problems.append(
                    Diagnostic(shown, node.lineno, 1, "", message, rule="template-unreadable")
                )
                continue
            if isinstance(node, nodes.Extends):
                extends.setdefault(shown, (target.value, target_file, node.lineno))
            names.append(target.value)
    problems.extend(_extension_loops(extends))
    return sorted(set(problems))


def _template_names(folder: Path) -> list[str]:
    """Names of the files of ``folder`` that a build renders as templates."""
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if (path.suffix == ".html" or path.name in _RENDERED) and not path.is_dir()
    )


def _compiled(env: Environment, loader: BaseLoader, name: str) -> tuple[str, nodes.Template]:
    """The shown file name and syntax tree of one template, compiled as a build would."""
    source, filename, _ = loader.get_source(env, name)
    shown = filename or name
    tree = env.parse(source, name, shown)
    env.compile(tree, name, shown)  # finds unknown filters and tests, as rendering would
    return shown, tree


def _extension_loops(extends: dict[str, tuple[str, str, int]]) -> list[Diagnostic]:
    """Each template whose chain of ``extends`` comes back to it, at its extends line."""
    problems = []
    for shown, (target, target_file, line) in sorted(extends.items()):
        chain = [shown, target_file]
        while chain[-1] != shown and chain[-1] in extends and len(chain) <= len(extends):
            chain.append(extends[chain[-1]][1])
        if chain[-1] != shown:
            continue
        if len(chain) == 2:
            message = (
                f"extends {target!r}, which is this template itself; "
                f"to build on the default one, extend 'default:{target}'"
            )
        else:
            message = f"extends {target!r}, which leads back here: " + " -> ".join(chain)
        problems.append(Diagnostic(shown, line, 1, "", message, rule="template-loop"))
    return problems
