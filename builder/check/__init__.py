"""Rules: cross-file checks, quote verification and the derived index built once per check."""
