"""Authoring tools for emsteer's built-in data: run from the repository root, not installed."""
