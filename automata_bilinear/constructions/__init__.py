"""The constructions that put a task on a rung: build only, never prove."""
