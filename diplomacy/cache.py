"""A version number of the register's published data, kept in the shared cache.

Every save or delete of a record bumps it, so anything cached under the old
version (anonymous pages, facet counts) is simply never read again: an edit is
visible at once on every app server that shares the cache.
"""

import time
from contextvars import ContextVar

from django.core.cache import cache

VERSION_KEY = "register:data-version"

# Within a request the version is read once (DataVersionMiddleware gives each
# request its own memo): a page asks for it several times, and each ask would
# otherwise be a round trip to Redis.
_request_memo: ContextVar[dict | None] = ContextVar("register_data_version", default=None)


def data_version() -> str:
    memo = _request_memo.get()
    if memo and "version" in memo:
        return memo["version"]
    version = cache.get(VERSION_KEY)
    if version is None:
        version = bump_version()
    if memo is not None:
        memo["version"] = version
    return version


def bump_version(**kwargs) -> str:
    # A time-based value, not an increment, so an evicted key never brings an
    # older version (and its stale entries) back.
    version = f"{time.time_ns():x}"
    cache.set(VERSION_KEY, version, None)
    # A request that writes sees its own change in what it reads afterwards.
    memo = _request_memo.get()
    if memo is not None:
        memo["version"] = version
    return version


# Derived values already read by this process, by versioned key. The version
# in the key keeps them exact: after an edit they are simply not asked for.
# Callers must treat the values as read-only (they are shared by threads).
_local: dict[str, object] = {}
LOCAL_ENTRIES = 512


# A value being computed by one process is waited for by the others, this
# long at most (then they compute it too), checking every POLL seconds.
COMPUTE_WAIT = 30.0
POLL = 0.05
_MISSING = object()


def cached(key: str, compute, timeout: int = 3600):
    """``compute()``'s value, kept in the shared cache until the data changes.

    After an edit, the first request to need a value computes it; requests
    that need it meanwhile, on any app server, wait for that value instead of
    each computing it again (a relation's aggregates at a million treaties
    take seconds: a crowd of them at once would take the database down)."""
    full_key = f"derived:{data_version()}:{key}"
    try:
        return _local[full_key]
    except KeyError:
        pass
    value = cache.get(full_key, _MISSING)
    if value is _MISSING:
        value = _compute_once(full_key, compute, timeout)
    if len(_local) >= LOCAL_ENTRIES:
        _local.clear()
    _local[full_key] = value
    return value


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


class DataVersionMiddleware:
    """Reads the data version at most once per request (and only if asked)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_memo.set({})
        try:
            return self.get_response(request)
        finally:
            _request_memo.reset(token)


def connect_signals() -> None:
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in apps.get_app_config("diplomacy").get_models():
        if model.__name__.startswith("Historical"):
            continue
        post_save.connect(bump_version, sender=model, dispatch_uid=f"bump-save-{model.__name__}")
        post_delete.connect(bump_version, sender=model, dispatch_uid=f"bump-del-{model.__name__}")
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                bump_version,
                sender=field.remote_field.through,
                dispatch_uid=f"bump-m2m-{model.__name__}-{field.name}",
            )
