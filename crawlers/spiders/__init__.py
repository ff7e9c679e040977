"""The generic spiders, one per kind of source; each source file is a subclass (spiderloader)."""
