"""Errors and diagnostics shown to users.

A :class:`Diagnostic` is one problem found in an editor's file, printed
compiler-style (``path:line:col: field: message``). Problems are collected,
never raised one at a time; a :class:`DossierError` (a ``click.ClickException``)
ends a command with ``Error: …`` and exit status 1, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import click

__all__ = ["CheckFailed", "Diagnostic", "DossierError", "ProjectError", "Severity"]


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
        """Render as ``path:line:col: field: message`` (``warning:`` prefixed if one)."""
        where = f"{self.path}:{self.line}:{self.column}:"
        prefix = " warning:" if self.severity is Severity.warning else ""
        field = f" {self.field}:" if self.field else ""
        return f"{where}{prefix}{field} {self.message}"

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


class DossierError(click.ClickException):
    """Base of every error a user sees; exit status 1, no traceback."""

    exit_code = 1


class ProjectError(DossierError):
    """The folder is not a usable dossier repository (no or broken settings)."""


class CheckFailed(DossierError):
    """`dossier check` (or a build) found errors; they were already printed."""
