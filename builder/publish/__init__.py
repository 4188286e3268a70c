"""Publishing: the build orchestrator, its cache and workers, and the one writer."""
