"""Where cached things are kept: Django caches, all declared in
``settings.CACHES`` (``diplomacy.caching.settings``).

``default`` is shared by the app servers when ``REDIS_URL`` is set, and per
process otherwise. The process stores are always per process (LocMem, with
a timeout and a bounded number of entries): what is quicker to rebuild or to
unpickle here than to fetch from Redis, each in its own store so that large
entries never push out small, hot ones. Every key carries the data version,
so an edit never needs to delete anything.
"""

import time

from django.conf import settings
from django.core.cache import cache, caches

from diplomacy.caching.version import data_version

# Derived values (facet choices, counts, reference maps, relations), in front
# of the shared cache: read here without a round trip to Redis.
VALUES = "process-values"
# Rendered HTML of a page's derived parts: a relations page's body can weigh
# 100 KB, and a crawler walking the pairs of states must not push the small,
# hot values out, nor fill a worker's memory.
HTML = "process-html"
# Rendered selects of filter forms (``diplomacy.widgets``), keyed by what
# they are made of: a state filter's 249 options weigh about 10 KB.
WIDGETS = "process-widgets"
# Record pages' records with their change logs (``diplomacy.caching.records``).
RECORDS = "process-records"

# A value being computed by one process is waited for by the others, this
# long at most (then they compute it too), checking every POLL seconds.
COMPUTE_WAIT = 30.0
POLL = 0.05
_MISSING = object()


def cached(key: str, compute, timeout: int = 3600, store: str = VALUES):
    """``compute()``'s value, kept until the data changes: in this process's
    ``store``, then in the shared cache.

    After an edit, the first request to need a value computes it; requests
    that need it meanwhile, on any app server sharing the cache, wait for
    that value instead of each computing it again (a relation's aggregates
    at a million treaties take seconds: a crowd of them at once would take
    the database down)."""
    full_key = f"derived:{data_version()}:{key}"
    local = caches[store]
    value = local.get(full_key, _MISSING)
    if value is _MISSING:
        value = cache.get(full_key, _MISSING)
        if value is _MISSING:
            value = _compute_once(full_key, compute, timeout)
        local.set(full_key, value)
    return value


# ``cached_objects``: the values of one data version, the last this process
# read, as objects: ``{version: {key: value}}``, one entry.
_objects: dict[str, dict] = {}


def cached_objects(key: str, compute):
    """``cached(key, compute)``, kept as the objects themselves for the data
    version this process last read: a LocMem store pickles what it keeps, and
    unpickling a map of 249 states on every request cost a list page more than
    building its rows. Exact as ``cached`` is: the version is the request's,
    read first (``RequestVersionMiddleware``), and a new one replaces the
    entry. The objects are shared by every request of the process: read them,
    never change them."""
    global _objects
    version = data_version()
    values = _objects.get(version)
    if values is None:
        values = {}
        # One assignment: a thread reading the old entry keeps its own.
        _objects = {version: values}
    found = values.get(key, _MISSING)
    if found is _MISSING:
        found = values[key] = cached(key, compute)
    return found


def _compute_once(full_key: str, compute, timeout: int):
    lock = f"computing:{full_key}"
    deadline = time.monotonic() + COMPUTE_WAIT
    while not cache.add(lock, 1, COMPUTE_WAIT):
        if time.monotonic() > deadline:
            break  # the computing one is stuck or gone: compute it here
        time.sleep(POLL)
        value = cache.get(full_key, _MISSING)
        if value is not _MISSING:
            return value
    try:
        value = cache.get(full_key, _MISSING)  # set just before the lock was taken
        if value is _MISSING:
            value = compute()
            cache.set(full_key, value, timeout)
        return value
    finally:
        cache.delete(lock)


def clear_all() -> None:
    """Empty every cache of the register (the shared one too): for tests,
    and for an operator who wants a cold start without a restart."""
    global _objects
    for alias in settings.CACHES:
        caches[alias].clear()
    _objects = {}
