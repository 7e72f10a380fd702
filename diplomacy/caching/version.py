"""The version of the register's data, kept in the database with the data.

Everything cached about the data is keyed by this version, so nothing is
ever invalidated: after a change, the new version's keys are simply new.
Its correctness rests on three rules, each kept here rather than by callers:

- A change gives the version a new value in the same transaction as the
  changed rows (``data_changed``), so the new version is visible exactly
  when the rows are: on the primary at commit, on a replica when it replays
  that commit. No process-local state is involved, so every app server sees
  it on its next request, with or without Redis.
- A reader takes the version from the database it reads the data from, and
  before the data: what it builds is never older than the version it keys it
  by. A lagging replica answers with its own older version.
- A new value is never used twice (random, not an increment): a version
  that a rolled-back transaction wrote, and that its request used meanwhile,
  never comes back for other rows.
"""

import secrets
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections, router

# The version each database alias answered, read once per request: a page asks
# for it several times. ``same_version`` gives each request its own; outside
# one, each ask is a query.
_request_versions: ContextVar[dict | None] = ContextVar("register_data_version", default=None)

# What a database answers before its version row exists (a database flushed
# by a test): the first change then creates the row with a new value.
NO_VERSION = "0"


def _model():
    from diplomacy.models.data_version import DataVersion

    return DataVersion


def data_version(using: str | None = None) -> str:
    """The version of the data in ``using`` (by default the database this
    request reads the register from), for cache keys."""
    model = _model()
    alias = using or router.db_for_read(model)
    versions = _request_versions.get()
    if versions is not None and alias in versions:
        return versions[alias]
    # SQL of its own: a tenth of the ORM's cost, on every request.
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT version FROM {model._meta.db_table} WHERE id = 1")
        found = cursor.fetchone()
    version = f"{found[0]:x}" if found else NO_VERSION
    if versions is not None:
        versions[alias] = version
    return version


def data_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """Say that the register's data in ``using`` changed: a new version.

    Every write path calls it: model saves and deletes through signals
    (``connect_signals``), and bulk paths (import, restore, raw SQL, COPY)
    explicitly, inside the transaction that writes, or after it commits;
    never before the write, or a reader could key the old rows by the new
    version. Inside a transaction the version row stays locked until commit,
    so concurrent writers' versions follow their commits' order.
    """
    model = _model()
    new = secrets.randbits(62)
    # SQL of its own: loading a backup calls this once per row saved.
    with connections[using].cursor() as cursor:
        cursor.execute(f"UPDATE {model._meta.db_table} SET version = %s WHERE id = 1", [new])
        updated = cursor.rowcount
    if not updated:
        model.objects.using(using).update_or_create(pk=1, defaults={"version": new})
    # This request reads its own change (and caches it under the new
    # version, which nobody else sees unless the transaction commits).
    versions = _request_versions.get()
    if versions is not None:
        versions[using] = f"{new:x}"


@contextmanager
def same_version(versions: dict | None = None):
    """Within the block, the data version is read at most once per database:
    each later ask answers what the first read. Within an enclosing block,
    that one's reads hold. A request is such a block; so may be a command's
    or a test's. (``versions``: the reads of a block to resume.)"""
    enclosing = _request_versions.get()
    if versions is None and enclosing is not None:
        yield enclosing
        return
    versions = {} if versions is None else versions
    token = _request_versions.set(versions)
    try:
        yield versions
    finally:
        _request_versions.reset(token)


class RequestVersionMiddleware:
    """Each request reads the data version first, before any of its data,
    once per database, and its streamed body (a CSV export) uses that read.

    After ``PrimaryPinningMiddleware`` in settings.MIDDLEWARE: the version
    comes from the database this request reads (a replica, or the primary
    for writes and signed-in users), as the rules above require. The page
    cache, before it, reads the version of the anonymous requests it serves
    in the same block."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with same_version() as versions:
            data_version()
            response = self.get_response(request)
        if response.streaming and not response.is_async:
            response.streaming_content = _streamed(response.streaming_content, versions)
        return response


def _streamed(chunks, versions: dict):
    """``chunks``, each made with the request's versions: a streamed body is
    made after the middleware has returned."""
    chunks = iter(chunks)
    while True:
        with same_version(versions):
            chunk = next(chunks, None)
        if chunk is None:
            return
        yield chunk


def _changed(sender, using=DEFAULT_DB_ALIAS, action="post_", **kwargs) -> None:
    # m2m_changed is sent before and after each change: the write is after.
    if action.startswith("post_"):
        data_changed(using)


def connect_signals() -> None:
    """Every save and delete of a model of the register (history rows
    included: a record page shows its change log) changes the data version."""
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_delete, post_save

    version_model = _model()
    for model in list(apps.get_app_config("diplomacy").get_models()):
        if model is version_model:
            continue
        name = model.__name__
        post_save.connect(_changed, sender=model, dispatch_uid=f"data-changed-save-{name}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"data-changed-delete-{name}")
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_changed, sender=through, dispatch_uid=f"data-changed-{through}")
