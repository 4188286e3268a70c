"""Commands that write into editors' files, only when asked: ids (later fmt and new)."""
