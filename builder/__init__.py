"""Dossier: cited, quote-verified profiles of people and armed groups, published as dossiers.

The package reads as its pipeline: ``load`` (YAML -> models) -> ``check``
(cross-file checks, quote verification, derived index) -> render -> write.
"""

__version__ = "0.1.0"
