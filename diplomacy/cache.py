"""Compatibility names for callers not yet moved to ``diplomacy.caching``,
which owns every cache of the register. New code imports from there."""

from diplomacy.caching.stores import COMPUTE_WAIT, POLL, cached, clear_all
from diplomacy.caching.version import RequestVersionMiddleware as DataVersionMiddleware
from diplomacy.caching.version import connect_signals, data_changed, data_version


def bump_version() -> None:
    """``data_changed()`` on the default database."""
    data_changed()


__all__ = [
    "COMPUTE_WAIT",
    "POLL",
    "DataVersionMiddleware",
    "bump_version",
    "cached",
    "clear_all",
    "connect_signals",
    "data_changed",
    "data_version",
]
