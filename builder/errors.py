r"""Errors and diagnostics shown to users.

A :class:`Diagnostic` is one problem found in an editor's file, printed
compiler-style (``path:line:col: field: message``). Problems are collected,
never raised one at a time; a :class:`DossierError` (a ``click.ClickException``)
ends a command with ``Error: …`` and exit status 1, never a traceback.

A diagnostic quotes what an editor wrote, which may hold control characters
(an escape sequence would drive the terminal) or bidi controls (which reorder
the line). :meth:`Diagnostic.format` therefore shows every non-printable
character as a Python escape (``\x1b``, ``\u202e``); JSON output keeps the raw text.

Each diagnostic carries a ``rule``: a stable code for its kind of problem
(``quote-not-found``, ``unknown-entity``; the README lists them) that CI and
editors can filter on, shown in ``--format json`` and as the title of a GitHub
annotation (:meth:`Diagnostic.github`).

``Error:`` and ``warning:`` are coloured on a terminal, never when output is
piped or when ``NO_COLOR`` is set (https://no-color.org), see :func:`styled`.
"""

from __future__ import annotations

import difflib
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Any

import click

__all__ = [
    "CheckFailed",
    "Diagnostic",
    "DossierError",
    "ProjectError",
    "Severity",
    "did_you_mean",
    "printable",
    "styled",
]


class Severity(StrEnum):
    """How bad a diagnostic is: errors stop a build, warnings only with --strict."""

    error = "error"
    warning = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place in one file."""

    path: str
    line: int
    column: int
    field: str
    message: str
    severity: Severity = Severity.error
    rule: str = ""  # the kind of problem: a stable code such as "quote-not-found"

    def format(self, *, color: bool = False) -> str:
        """Render as ``path:line:col: field: message`` (``warning:`` prefixed if one).

        Safe to print on a terminal: see :func:`printable`. With ``color``, the
        ``warning:`` is styled (:func:`styled` still honours ``NO_COLOR``).
        """
        where = f"{printable(self.path)}:{self.line}:{self.column}:"
        prefix = ""
        if self.severity is Severity.warning:
            prefix = " " + (styled("warning:", fg="yellow", bold=True) if color else "warning:")
        field = f" {printable(self.field)}:" if self.field else ""
        return f"{where}{prefix}{field} {printable(self.message)}"

    def as_json(self) -> dict[str, str | int]:
        """A JSON-ready mapping, for ``--format json``."""
        return {
            "file": self.path,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "message": self.message,
            "rule": self.rule,
            "severity": self.severity.value,
            "text": self.format(),
        }

    def github(self) -> str:
        """A GitHub Actions workflow command, which shows as an annotation on the line.

        ``::error file=…,line=…,col=…,title=<rule>::<field>: <message>``, escaped
        as GitHub's runner unescapes: ``%``, CR and LF everywhere, and ``:`` and
        ``,`` too inside the properties. Non-printable characters are shown as
        :func:`printable` shows them, as in a CI log they would be on a terminal.
        """
        command = "warning" if self.severity is Severity.warning else "error"
        properties = ",".join(
            f"{name}={_escape_property(printable(str(value)))}"
            for name, value in (
                ("file", self.path),
                ("line", self.line),
                ("col", self.column),
                ("title", self.rule or command),
            )
        )
        text = f"{self.field}: {self.message}" if self.field else self.message
        return f"::{command} {properties}::{_escape_data(printable(text))}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the known name closest to ``name``, or ``""``."""
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def styled(text: str, **style: Any) -> str:
    """``text`` with ANSI ``style`` (click.style's keywords), unless ``NO_COLOR`` is set.

    ``click.echo`` then strips the codes again when its stream is not a terminal,
    so piped output stays plain as well.
    """
    if "NO_COLOR" in os.environ:
        return text
    return click.style(text, **style)


def printable(text: str) -> str:
    r"""``text`` with each non-printable character as a Python escape (``\x1b``).

    Spaces of every width are kept; control characters, bidi controls, invisible
    characters, line separators, surrogates and unassigned code points are escaped.
    """
    if text.isprintable():
        return text
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    if char.isprintable() or unicodedata.category(char) == "Zs":
        return char
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


class DossierError(click.ClickException):
    """Base of every error a user sees; exit status 1, no traceback."""

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        """Print ``Error: message`` to stderr, ``Error:`` in red on a terminal."""
        click.echo(
            f"{styled('Error:', fg='red', bold=True)} {self.format_message()}",
            file=file,
            err=True,
            color=self.show_color,
        )


class ProjectError(DossierError):
    """The folder is not a usable dossier repository (no or broken settings)."""


class CheckFailed(DossierError):
    """`dossier check` (or a build) found errors; they were already printed."""
