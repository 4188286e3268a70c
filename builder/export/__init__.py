"""Exports: the checked data in the formats analysts' tools read, from one shared walk."""
