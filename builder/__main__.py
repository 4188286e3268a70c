"""Allow ``python -m builder``, same as the ``dossier`` command."""

from builder.cli import main

main()
