"""What changed between two editions: match items by identity, report claim by claim."""
