"""A version number of the register's published data, kept in the shared cache.

Every save or delete of a record bumps it, so anything cached under the old
version (anonymous pages, facet counts) is simply never read again: an edit is
visible at once on every app server that shares the cache.
"""

import time

from django.core.cache import cache

VERSION_KEY = "register:data-version"


def data_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = bump_version()
    return version


def bump_version(**kwargs) -> str:
    # A time-based value, not an increment, so an evicted key never brings an
    # older version (and its stale entries) back.
    version = f"{time.time_ns():x}"
    cache.set(VERSION_KEY, version, None)
    return version


def cached(key: str, compute, timeout: int = 3600):
    """``compute()``'s value, kept in the shared cache until the data changes."""
    return cache.get_or_set(f"derived:{data_version()}:{key}", compute, timeout)


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
