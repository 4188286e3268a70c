"""Hostile repositories and inputs: the build must neither crash, leak nor run anything."""
