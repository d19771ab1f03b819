"""Loaded by Inspect through the ``inspect_ai`` entry point: registers the provider and the task."""

from emsteer.inspect_bridge.provider import emsteer_provider  # noqa: F401
from emsteer.inspect_bridge.task import em  # noqa: F401
