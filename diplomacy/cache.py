"""A version number of the register's published data, kept in the shared cache.

Every save or delete of a record bumps it, so anything cached under the old
version (anonymous pages, facet counts) is simply never read again: an edit is
visible at once on every app server that shares the cache.
"""

import time
from contextvars import ContextVar

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction

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


def bump_version() -> str:
    # A time-based value, not an increment, so an evicted key never brings an
    # older version (and its stale entries) back.
    version = f"{time.time_ns():x}"
    cache.set(VERSION_KEY, version, None)
    # A request that writes sees its own change in what it reads afterwards.
    memo = _request_memo.get()
    if memo is not None:
        memo["version"] = version
    return version


class LocalValues(dict):
    """Derived values already read by this process, by versioned key. The
    version in the key keeps them exact: after an edit they are simply not
    asked for. Emptied when full. Callers must treat the values as read-only
    (they are shared by threads)."""

    def __init__(self, capacity: int):
        super().__init__()
        self.capacity = capacity

    def keep(self, key: str, value) -> None:
        if len(self) >= self.capacity:
            self.clear()
        self[key] = value


_local = LocalValues(512)
# Rendered HTML (``diplomacy.fragments``) has its own, smaller store: a
# relations page's body can weigh 100 KB, and a crawler walking the pairs of
# states must not push the small, hot values out, nor fill a worker's memory.
_local_html = LocalValues(48)


# A value being computed by one process is waited for by the others, this
# long at most (then they compute it too), checking every POLL seconds.
COMPUTE_WAIT = 30.0
POLL = 0.05
_MISSING = object()


def cached(key: str, compute, timeout: int = 3600, local: LocalValues = _local):
    """``compute()``'s value, kept in the shared cache until the data changes.

    After an edit, the first request to need a value computes it; requests
    that need it meanwhile, on any app server, wait for that value instead of
    each computing it again (a relation's aggregates at a million treaties
    take seconds: a crowd of them at once would take the database down)."""
    full_key = f"derived:{data_version()}:{key}"
    try:
        return local[full_key]
    except KeyError:
        pass
    value = cache.get(full_key, _MISSING)
    if value is _MISSING:
        value = _compute_once(full_key, compute, timeout)
    local.keep(full_key, value)
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


def data_changed(sender=None, using=None, **kwargs) -> None:
    """Receiver of every save and delete: a new version at once, so the
    writing request sees its change, and again when the transaction commits.
    Until then other requests still read the old rows; anything they cache
    under the first new version would outlive the edit without the second."""
    bump_version()
    connection = connections[using or DEFAULT_DB_ALIAS]
    if connection.in_atomic_block and not any(
        callback is bump_version for _, callback, _ in connection.run_on_commit
    ):
        transaction.on_commit(bump_version, using=connection.alias)


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
        post_save.connect(data_changed, sender=model, dispatch_uid=f"bump-save-{model.__name__}")
        post_delete.connect(data_changed, sender=model, dispatch_uid=f"bump-del-{model.__name__}")
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                data_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"bump-m2m-{model.__name__}-{field.name}",
            )
