"""The Jinja set-up: one sandboxed environment for every template, and its errors.

Templates are looked up in the repository's override folder (``templates:`` in
dossier.yaml) before the default theme; an override can extend the template it
replaces as ``{% extends "default:entity.html" %}``. The default theme is this
project's ``templates/`` folder, installed as ``builder/theme/`` in the wheel
(see :func:`default_theme`).
A theme is data from the repository, rendered where CI keeps its secrets: every
template runs in Jinja's sandbox, may call no method of our objects and is never
read through a symlink; a template that fails is a :class:`DossierError` naming
its file, its line and the output being rendered.
"""

from __future__ import annotations

import json
import posixpath
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplatesNotFound,
    TemplateSyntaxError,
)
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from builder.errors import DossierError
from builder.source.load import Project

__all__ = [
    "ASSETS",
    "DEFAULT_TEMPLATES",
    "FONTS",
    "ThemeEnvironment",
    "ThemeFileError",
    "ThemeLoader",
    "css_string",
    "default_theme",
    "environment",
    "render_page",
    "template_errors",
]


def default_theme() -> Path:
    """The default theme's folder: ``builder/theme/`` when installed, else ``templates/``.

    A wheel carries the checkout's ``templates/`` as the data folder ``theme`` of
    the ``builder`` package (pyproject.toml maps it there). An editable install or
    a checkout on ``sys.path`` has no such folder, and the theme is the
    checkout's own ``templates/`` beside the package: setuptools' editable finder
    cannot import a folder mapped under a regular package, so ``builder.theme`` is
    never imported, only found as a folder.
    """
    package = files("builder")
    if isinstance(package, Path) and (package / "theme").is_dir():
        return (package / "theme").resolve()
    return Path(__file__).resolve().parents[2] / "templates"


DEFAULT_TEMPLATES = default_theme()
ASSETS = ("site.css", "search.js")  # rendered as templates into the site's assets/
FONTS = "fonts"  # the theme's font folder, copied into the site's assets/ byte for byte


def css_string(value: str) -> Markup:
    """Quote text as a CSS string, escaping everything that could end it."""
    out = []
    for char in value:
        if char.isalnum() or char in " .,:;/-_()[]":
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x}")
    return Markup('"' + "".join(out) + '"')


class ThemeFileError(TemplateError):
    """A template file that cannot be used: a symlink, or not UTF-8 text."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path} {problem}")
        self.path = path  # as shown to editors: theme/entity.html


class ThemeLoader(FileSystemLoader):
    """One template folder, its files named as editors see them.

    Templates are named ``shown`` plus their path (``theme/entity.html``,
    ``default:entity.html``) in tracebacks and errors, so that messages point at
    the file to edit. A repository's theme is data: a symlink in it could reach
    any file of the machine (``/proc/self/environ`` and its secrets), so unless
    ``links`` (our own default theme) no template is read through one.
    """

    def __init__(self, folder: Path, shown: str, *, links: bool = False) -> None:
        super().__init__(folder)
        self.folder = folder
        self.shown = shown
        self.links = links

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        """The template's text, its shown name and an up-to-date check."""
        pieces = split_template_path(template)
        shown = self.shown + "/".join(pieces)
        path = self.folder
        for piece in pieces:
            path = path / piece
            if path.is_symlink() and not self.links:
                raise ThemeFileError(
                    shown, "is a symbolic link; a theme is read from its own files only"
                )
        try:
            source, _, uptodate = super().get_source(environment, template)
        except UnicodeDecodeError:
            raise ThemeFileError(shown, "is not UTF-8 text") from None
        return source, shown, uptodate


class ThemeEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's sandbox, and templates only read data: no method calls on our objects.

    The sandbox alone refuses ``_``-attributes, yet a public method can be as bad:
    pydantic's deprecated ``Settings.parse_raw(..., allow_pickle=True)`` unpickles
    a string the template writes, which runs any Python. So a template may call
    the methods of plain data (``str``, ``dict``, ...) and Jinja's own helpers
    (``loop.cycle``, ``super``, macros), nothing else.
    """

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Data attributes of anything; methods only of plain data and of Jinja."""
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if not callable(value):
            return True
        for kind in _DATA_TYPES:
            if isinstance(obj, kind):
                return hasattr(kind, attr)  # the type's own method, not a subclass's
        return type(obj).__module__ in ("jinja2.runtime", "jinja2.utils")


# Markup first: its methods (striptags, unescape) are its own, not str's.
_DATA_TYPES = (Markup, str, bool, int, float, tuple, list, dict, set, frozenset)


def environment(project: Project) -> Environment:
    """The one Jinja environment: user overrides first, sandboxed, autoescape, strict."""
    default = ThemeLoader(DEFAULT_TEMPLATES, "default:", links=True)
    loaders: list[BaseLoader] = []
    folder = project.settings.model.templates
    if folder:
        if not (project.root / folder).resolve().is_relative_to(project.root.resolve()):
            # check refuses it too; this guards the commands that render without checking
            raise DossierError(f"template folder '{folder}' is outside the repository")
        loaders.append(ThemeLoader(project.root / folder, posixpath.normpath(folder) + "/"))
    loaders.append(default)
    env = ThemeEnvironment(
        loader=ChoiceLoader([*loaders, PrefixLoader({"default": default}, delimiter=":")]),
        autoescape=True,  # every extension, .css and .js included
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = css_string
    env.filters["tojson_attr"] = lambda value: json.dumps(value, ensure_ascii=False)
    return env


def render_page(env: Environment, names: list[str], *, rendering: str, **context: Any) -> str:
    """Render the first template of ``names`` that exists, for the output ``rendering``.

    Raises:
        DossierError: when a template fails (see :func:`template_errors`).

    """
    with template_errors(rendering):
        return env.select_template(names).render(**context)


@contextmanager
def template_errors(rendering: str) -> Iterator[None]:
    """Turn a template's failure into a :class:`DossierError` naming file, line and output.

    ``rendering`` names the output (``html/isi.html``, ``pdf/isi.pdf, cover``).
    Only what template code raises is caught: Jinja's errors (syntax, undefined,
    sandbox), runaway recursion (a template that extends itself) and the errors
    of expressions (``1 / 0``, ``1 + "a"``).

    Raises:
        DossierError: ``theme/entity.html:5: <what went wrong> (rendering html/isi.html)``.

    """
    try:
        yield
    except _TEMPLATE_FAILURES as error:
        where = _template_line(error)
        raise DossierError(
            f"{where + ': ' if where else ''}{_describe(error)} (rendering {rendering})"
        ) from None


_TEMPLATE_FAILURES = (
    TemplateError,
    RecursionError,
    ArithmeticError,
    LookupError,
    TypeError,
    ValueError,
)


def _template_line(error: BaseException) -> str:
    """``file:line`` of the innermost template statement that failed; '' if unknown."""
    if isinstance(error, TemplateSyntaxError) and error.filename:
        return f"{error.filename}:{error.lineno}"
    found = ""
    # Jinja rewrites a render's traceback so that each template frame shows the
    # template's file and line, and marks those frames with this global.
    for frame, line in traceback.walk_tb(error.__traceback__):
        if "__jinja_exception__" in frame.f_globals:
            found = f"{frame.f_code.co_filename}:{line}"
    return found


def _describe(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "templates extend, include or call one another without end"
    if isinstance(error, TemplateNotFound) and not isinstance(error, TemplatesNotFound):
        return f"no template named {error.name!r}"
    if isinstance(error, TemplateError):
        return str(error.message)
    return f"{type(error).__name__}: {error}"
