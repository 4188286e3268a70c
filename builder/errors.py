r"""Errors and diagnostics shown to users.

A :class:`Diagnostic` is one problem found in an editor's file, printed
compiler-style (``path:line:col: field: message``). Problems are collected,
never raised one at a time; a :class:`DossierError` (a ``click.ClickException``)
ends a command with ``Error: …`` and exit status 1, never a traceback.

A diagnostic quotes what an editor wrote, which may hold control characters
(an escape sequence would drive the terminal) or bidi controls (which reorder
the line). :meth:`Diagnostic.format` therefore shows every non-printable
character as a Python escape (``\x1b``, ``\u202e``); JSON output keeps the raw text.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

import click

__all__ = ["CheckFailed", "Diagnostic", "DossierError", "ProjectError", "Severity", "printable"]


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

    def format(self) -> str:
        """Render as ``path:line:col: field: message`` (``warning:`` prefixed if one).

        Safe to print on a terminal: see :func:`printable`.
        """
        where = f"{printable(self.path)}:{self.line}:{self.column}:"
        prefix = " warning:" if self.severity is Severity.warning else ""
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
            "text": self.format(),
        }


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


class ProjectError(DossierError):
    """The folder is not a usable dossier repository (no or broken settings)."""


class CheckFailed(DossierError):
    """`dossier check` (or a build) found errors; they were already printed."""
